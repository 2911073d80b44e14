// Command genlog writes a synthetic nginx access log with upstream fields
// (and a matching error log) for whole-program benchmarks: `make bench` runs
// gwtop over logs of two sizes to show throughput and that memory does not
// grow with log size.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"time"
)

// Format is the log_format the access log is written in.
const Format = `$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" rt=$request_time uct="$upstream_connect_time" uht="$upstream_header_time" urt="$upstream_response_time" ua="$upstream_addr" us="$upstream_status"`

func main() {
	lines := flag.Int("lines", 1_000_000, "access-log lines to write")
	upstreams := flag.Int("upstreams", 50, "distinct upstream addresses")
	access := flag.String("access", "access.log", "access log path")
	errlog := flag.String("error", "error.log", "error log path")
	printFormat := flag.Bool("format", false, "print the log_format and exit")
	rate := flag.Int("rate", 0, "follow mode: append this many lines per second to -access (0: none) until -for passes")
	dur := flag.Duration("for", 0, "follow mode: how long to append (0: until killed)")
	backfill := flag.Duration("backfill", 0, "follow mode: first append this much of the past at the rate, stamped with its times (a follower's windows are full at once)")
	flag.Parse()
	if *printFormat {
		fmt.Println(Format)
		return
	}
	if *rate > 0 {
		if err := follow(*access, *rate, *upstreams, *dur, *backfill); err != nil {
			fmt.Fprintln(os.Stderr, "genlog:", err)
			os.Exit(1)
		}
		return
	}
	if err := write(*access, *errlog, *lines, *upstreams); err != nil {
		fmt.Fprintln(os.Stderr, "genlog:", err)
		os.Exit(1)
	}
}

// follow appends rate lines a second to path, written every 50 ms in
// batches stamped with the current time, as a live gateway does; first,
// the backfill's worth of lines before now, at once.
func follow(path string, rate, ups int, d, backfill time.Duration) error {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer f.Close()
	w := bufio.NewWriterSize(f, 1<<20)
	r := rand.New(rand.NewPCG(3, 4))
	const step = 50 * time.Millisecond
	if backfill > 0 {
		n := int(backfill.Seconds() * float64(rate))
		from := time.Now().Add(-backfill)
		for i := range n {
			line(w, r, i, ups, from.Add(time.Duration(i)*backfill/time.Duration(n)), nil)
		}
		if err := w.Flush(); err != nil {
			return err
		}
	}
	start := time.Now()
	t := time.NewTicker(step)
	defer t.Stop()
	sent := 0
	for d == 0 || time.Since(start) < d {
		<-t.C
		due := int(time.Since(start).Seconds() * float64(rate))
		now := time.Now()
		for ; sent < due; sent++ {
			line(w, r, sent, ups, now, nil)
		}
		if err := w.Flush(); err != nil {
			return err
		}
	}
	return nil
}

func write(accessPath, errorPath string, n, ups int) error {
	af, err := os.Create(accessPath)
	if err != nil {
		return err
	}
	defer af.Close()
	ef, err := os.Create(errorPath)
	if err != nil {
		return err
	}
	defer ef.Close()
	a, e := bufio.NewWriterSize(af, 1<<20), bufio.NewWriterSize(ef, 1<<20)
	r := rand.New(rand.NewPCG(1, 2))
	t := time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC)
	for i := range n {
		t = t.Add(time.Millisecond)
		line(a, r, i, ups, t, e)
	}
	if err := a.Flush(); err != nil {
		return err
	}
	return e.Flush()
}

// line writes access line i (and, when e is not nil, the error-log line
// that explains it) at time t.
func line(a io.Writer, r *rand.Rand, i, ups int, t time.Time, e io.Writer) {
	u := r.IntN(ups)
	addr := fmt.Sprintf("10.0.%d.%d:8080", u/250, u%250+1)
	ms := 5 + r.ExpFloat64()*40
	switch {
	case u%10 == 3 && i%7 == 0: // refused, then a retry that succeeds
		alt := fmt.Sprintf("10.0.%d.%d:8080", (u+1)/250, (u+1)%250+1)
		fmt.Fprintf(a, "10.1.%d.%d - - [%s] \"GET /api/items/%d HTTP/1.1\" 200 512 \"-\" \"curl/8.5.0\" rt=%.3f uct=\"-, 0.001\" uht=\"-, %.3f\" urt=\"0.000, %.3f\" ua=\"%s, %s\" us=\"502, 200\"\n",
			i%250, i%200, t.Format("02/Jan/2006:15:04:05 -0700"), i, ms/1000, ms/1000, ms/1000, addr, alt)
		if e != nil {
			fmt.Fprintf(e, "%s [error] 100#100: *%d connect() failed (111: Connection refused) while connecting to upstream, client: 10.1.0.1, server: api, request: \"GET /api/items/%d HTTP/1.1\", upstream: \"http://%s/api/items/%d\", host: \"api.example.com\"\n",
				t.Format("2006/01/02 15:04:05"), i, i, addr, i)
		}
	case u%10 == 5 && i%11 == 0: // read timeout
		fmt.Fprintf(a, "10.1.%d.%d - - [%s] \"POST /api/export HTTP/1.1\" 504 167 \"-\" \"curl/8.5.0\" rt=1.001 uct=\"0.001\" uht=\"-\" urt=\"1.000\" ua=\"%s\" us=\"504\"\n",
			i%250, i%200, t.Format("02/Jan/2006:15:04:05 -0700"), addr)
		if e != nil {
			fmt.Fprintf(e, "%s [error] 100#100: *%d upstream timed out (110: Connection timed out) while reading response header from upstream, client: 10.1.0.1, server: api, request: \"POST /api/export HTTP/1.1\", upstream: \"http://%s/api/export\", host: \"api.example.com\"\n",
				t.Format("2006/01/02 15:04:05"), i, addr)
		}
	default:
		status := 200
		if r.IntN(100) == 0 {
			status = 500
		}
		fmt.Fprintf(a, "10.1.%d.%d - - [%s] \"GET /api/items/%d HTTP/1.1\" %d 512 \"-\" \"Mozilla/5.0 (X11; Linux x86_64)\" rt=%.3f uct=\"0.001\" uht=\"%.3f\" urt=\"%.3f\" ua=\"%s\" us=\"%d\"\n",
			i%250, i%200, t.Format("02/Jan/2006:15:04:05 -0700"), i, status, ms/1000, ms/1000, ms/1000, addr, status)
	}
}
