package haproxy

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gwtop/gwtop/collector/feed/feedtest"
	"github.com/gwtop/gwtop/internal/memtest"
	"github.com/gwtop/gwtop/internal/rawserver"
)

// Hostile stats pages: loopback servers whose "stats CSV" never ends, or
// is a line without end, scraped eight at once with the heap measured by
// runtime/metrics.

// hostileStats serves, after the HTTP head (or, on a socket, after the
// "show stat" line), what body writes, until the client hangs up.
func hostileStats(t testing.TB, socket bool, body func(w io.Writer) error) string {
	t.Helper()
	addr := rawserver.Start(t, func(c net.Conn, _ <-chan struct{}) {
		defer c.Close()
		if socket {
			if _, err := bufio.NewReader(c).ReadString('\n'); err != nil {
				return
			}
		} else {
			if _, ok := rawserver.ReadRequest(c); !ok {
				return
			}
			if _, err := io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n"); err != nil {
				return
			}
		}
		_ = c.SetWriteDeadline(time.Now().Add(30 * time.Second))
		_ = body(c)
	})
	if socket {
		return "tcp://" + addr
	}
	return "http://" + addr + "/stats"
}

// real26 returns the header and one server row of HAProxy 2.6's CSV.
func real26(t testing.TB) (header, row string) {
	b, err := os.ReadFile("testdata/show-stat-2.6.csv")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(b), "\n")
	for _, l := range lines {
		if strings.HasPrefix(l, "be_healthy,srv,") {
			return lines[0] + "\n", strings.TrimPrefix(l, "be_healthy,srv,")
		}
	}
	t.Fatal("no be_healthy/srv row")
	return "", ""
}

// endlessRows writes the real header, then server rows with new names
// without end: a stats page of millions of servers.
func endlessRows(header, row string) func(io.Writer) error {
	return func(w io.Writer) error {
		if _, err := io.WriteString(w, header); err != nil {
			return err
		}
		var buf bytes.Buffer
		for n := 0; ; n++ {
			buf.Reset()
			for i := range 256 {
				fmt.Fprintf(&buf, "be%d,srv%d,%s\n", n, i, row)
			}
			if _, err := w.Write(buf.Bytes()); err != nil {
				return err
			}
		}
	}
}

// endlessLine writes the header and then one line that never ends.
func endlessLine(header string) func(io.Writer) error {
	return func(w io.Writer) error {
		if _, err := io.WriteString(w, header+"be,srv,"); err != nil {
			return err
		}
		block := bytes.Repeat([]byte("a"), 64<<10)
		for {
			if _, err := w.Write(block); err != nil {
				return err
			}
		}
	}
}

// endlessShortRows writes the header and rows of three fields, forever.
func endlessShortRows(header string) func(io.Writer) error {
	return func(w io.Writer) error {
		if _, err := io.WriteString(w, header); err != nil {
			return err
		}
		block := bytes.Repeat([]byte("be,srv,UP\n"), 6<<10)
		for {
			if _, err := w.Write(block); err != nil {
				return err
			}
		}
	}
}

// scrapeAll scrapes every target at once and returns the errors and the
// peak heap growth meanwhile.
func scrapeAll(t testing.TB, targets []string) ([]error, uint64) {
	t.Helper()
	stats := make([]*Stats, len(targets))
	for i, u := range targets {
		s, err := NewStats(u, "", "")
		if err != nil {
			t.Fatal(err)
		}
		stats[i] = s
	}
	h := memtest.Start()
	errs := make([]error, len(targets))
	var wg sync.WaitGroup
	for i, s := range stats {
		wg.Go(func() {
			// Generous: the row cap, not the clock, must end each scrape,
			// even on a loaded CI host under -race (30 s was not enough).
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
			defer cancel()
			_, errs[i] = s.Scrape(ctx, new(feedtest.Recorder))
		})
	}
	wg.Wait()
	return errs, h.Growth()
}

func TestHostileStatsBounded(t *testing.T) {
	header, row := real26(t)
	for _, tc := range []struct {
		name   string
		socket bool
		body   func(io.Writer) error
		want   string
	}{
		{"endless rows", false, endlessRows(header, row), "rows"},
		{"endless rows on the socket", true, endlessRows(header, row), "rows"},
		{"endless line", false, endlessLine(header), "longer than 64 KiB"},
		{"endless short rows", false, endlessShortRows(header), "more than 20000 rows with fewer than the"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var targets []string
			for range 8 {
				targets = append(targets, hostileStats(t, tc.socket, tc.body))
			}
			errs, grew := scrapeAll(t, targets)
			t.Logf("8 pages: peak heap growth %.1f MiB; %v", float64(grew)/(1<<20), errs[0])
			for i, err := range errs {
				if err == nil || !strings.Contains(err.Error(), tc.want) {
					t.Errorf("%s: error %v, want one saying %q", targets[i], err, tc.want)
				}
			}
			if grew > 256<<20 {
				t.Errorf("peak heap grew by %d MiB with 8 hostile stats pages, want < 256 MiB", grew>>20)
			}
		})
	}
}

// BenchmarkHostileStats reports the peak heap growth of one round of
// scrapes of eight stats pages whose rows never end.
func BenchmarkHostileStats(b *testing.B) {
	header, row := real26(b)
	var targets []string
	for range 8 {
		targets = append(targets, hostileStats(b, false, endlessRows(header, row)))
	}
	var peak uint64
	for b.Loop() {
		_, grew := scrapeAll(b, targets)
		peak = max(peak, grew)
	}
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
}
