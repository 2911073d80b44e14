package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gwtop/gwtop/collector"
	"github.com/gwtop/gwtop/config"
	"github.com/gwtop/gwtop/internal/faults"
	"github.com/gwtop/gwtop/internal/nginxtest"
)

// countingUpstream is a loopback HTTP server that counts the requests it
// answers (the load went through).
type countingUpstream struct {
	addr string
	n    atomic.Int64
}

func startCountingUpstream(t *testing.T) *countingUpstream {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	u := &countingUpstream{addr: ln.Addr().String()}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u.n.Add(1)
		_, _ = io.WriteString(w, "ok\n")
	}), ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return u
}

// rotationRig is a real nginx in front of a counting upstream, and gwtop's
// engine following nginx's access log.
type rotationRig struct {
	nginx *nginxtest.Nginx
	up    *countingUpstream
	eng   *collector.Engine
}

func startRotationRig(t *testing.T, ctx context.Context) *rotationRig {
	t.Helper()
	r := &rotationRig{up: startCountingUpstream(t)}
	r.nginx = nginxtest.Start(t, nginxtest.Config{
		LogFormat: testLogFormat,
		HTTP:      fmt.Sprintf("    upstream counted { server %s; }\n", r.up.addr),
		Server:    "        location /counted/ { proxy_pass http://counted; }\n",
	})
	conf := writeFile(t, "gwtop.yaml", fmt.Sprintf("interval: 500ms\nnginx:\n  access_log: %s\n  log_format: '%s'\n", r.nginx.AccessLog, testLogFormat))
	cfg, err := config.Load(conf)
	if err != nil {
		t.Fatal(err)
	}
	r.eng, err = collector.New(cfg, collector.Options{Publish: 50 * time.Millisecond, NoHost: true})
	if err != nil {
		t.Fatal(err)
	}
	r.eng.Start(ctx)
	t.Cleanup(func() { r.eng.Stop() })
	return r
}

func (r *rotationRig) counters(t *testing.T) map[string]float64 {
	t.Helper()
	s := r.eng.Latest()
	if s == nil {
		return nil
	}
	g, ok := s.Gateway("nginx", "access_log", "")
	if !ok {
		return nil
	}
	return g.Counters
}

// nginxRequests reads the requests nginx has handled from stub_status.
func (r *rotationRig) nginxRequests(t *testing.T) int64 {
	t.Helper()
	resp, err := faults.InsecureClient(5 * time.Second).Get(r.nginx.StatusURL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	// "Active connections: 1 \nserver accepts handled requests\n 5 5 17 \n..."
	lines := strings.Split(string(b), "\n")
	if len(lines) < 3 {
		t.Fatalf("stub_status: %q", b)
	}
	f := strings.Fields(lines[2])
	if len(f) != 3 {
		t.Fatalf("stub_status: %q", b)
	}
	n, err := strconv.ParseInt(f[2], 10, 64)
	if err != nil {
		t.Fatalf("stub_status: %q", b)
	}
	return n
}

// waitWritten waits, at most 200 ms from start (less than one poll), for
// nginx to write to its access log.
func (r *rotationRig) waitWritten(t *testing.T, start time.Time) {
	t.Helper()
	for time.Since(start) < 200*time.Millisecond {
		if fi, err := os.Stat(r.nginx.AccessLog); err == nil && fi.Size() > 0 {
			return
		}
		time.Sleep(100 * time.Microsecond)
	}
}

// rotateRename is logrotate's default (create): shift access.log.1 to .2,
// rename access.log to .1, tell nginx to reopen its logs.
func (r *rotationRig) rotateRename(t *testing.T) {
	t.Helper()
	p := r.nginx.AccessLog
	if _, err := os.Stat(p + ".1"); err == nil {
		if err := os.Rename(p+".1", p+".2"); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Rename(p, p+".1"); err != nil {
		t.Fatal(err)
	}
	if err := r.nginx.ReopenLogs(); err != nil {
		t.Fatal(err)
	}
}

// rotateCopyTruncate is logrotate's copytruncate: shift .1 to .2, copy the
// log to .1, cut the log to zero while nginx keeps writing to it.
func (r *rotationRig) rotateCopyTruncate(t *testing.T) {
	t.Helper()
	p := r.nginx.AccessLog
	if _, err := os.Stat(p + ".1"); err == nil {
		if err := os.Rename(p+".1", p+".2"); err != nil {
			t.Fatal(err)
		}
	}
	in, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.Create(p + ".1")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(p, 0); err != nil {
		t.Fatal(err)
	}
}

// TestNginxRotationUnderLoad rotates a real nginx's access log in each of
// the ways logrotate does while bounded traffic goes through nginx, and
// checks that gwtop counted every request exactly once: lines seen ==
// requests the upstream answered (0 lost, 0 double-counted).
func TestNginxRotationUnderLoad(t *testing.T) {
	cases := []struct {
		name   string
		rotate func(*rotationRig, *testing.T)
		// renames and truncations gwtop must report
		rotations, truncations float64
	}{
		{"rename", func(r *rotationRig, t *testing.T) { r.rotateRename(t) }, 1, 0},
		{"double rename within 20ms", func(r *rotationRig, t *testing.T) {
			// The second rotation comes as soon as nginx has written to the
			// new file (so the middle file is not empty): within 20 ms, unless
			// nginx takes longer to reopen.
			r.rotateRename(t)
			start := time.Now()
			r.waitWritten(t, start)
			r.rotateRename(t)
			fi, err := os.Stat(r.nginx.AccessLog + ".1")
			if err != nil || fi.Size() == 0 {
				t.Fatalf("the middle file is empty (%v): the case tests nothing", err)
			}
			t.Logf("second rename %v after the first; middle file %d bytes", time.Since(start).Round(time.Millisecond), fi.Size())
		}, 2, 0},
		{"copytruncate", func(r *rotationRig, t *testing.T) { r.rotateCopyTruncate(t) }, 0, 1},
		{"copytruncate twice", func(r *rotationRig, t *testing.T) {
			// The second cut comes as soon as gwtop has seen the first and
			// nginx has written to the cut file again (a cut of an empty
			// file is no cut at all). Two cuts closer than gwtop's
			// noticing the first (a few ms: inside one file event) can
			// lose the lines between them — a limit written in the
			// closing note of issue 11, not tested here.
			r.rotateCopyTruncate(t)
			start := time.Now()
			waitFor(t, "gwtop to see the first cut", func() bool {
				c := r.counters(t)
				return c != nil && c["truncations"] >= 1
			})
			r.waitWritten(t, start)
			r.rotateCopyTruncate(t)
			fi, err := os.Stat(r.nginx.AccessLog + ".1")
			if err != nil || fi.Size() == 0 {
				t.Fatalf("the second copy is empty (%v): the case tests nothing", err)
			}
			t.Logf("second cut %v after the first; second copy %d bytes", time.Since(start).Round(time.Millisecond), fi.Size())
		}, 0, 2},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			r := startRotationRig(t, ctx)
			waitFor(t, "gwtop to follow the access log", func() bool {
				c := r.counters(t)
				return c != nil
			})
			tctx, stopTraffic := context.WithCancel(ctx)
			wg := faults.Traffic(tctx, map[string]int{fmt.Sprintf("http://%s/counted/item/", r.nginx.Addr): 16})
			defer func() { stopTraffic(); wg.Wait() }()

			waitFor(t, "lines before rotating", func() bool { return r.counters(t)["lines"] >= 200 })
			c.rotate(r, t)
			before := r.up.n.Load()
			waitFor(t, "traffic after rotating", func() bool { return r.up.n.Load() >= before+300 })
			stopTraffic()
			wg.Wait()

			// Every request nginx handled is one access-log line, those
			// the traffic generator gave up on when it stopped (499) and
			// the status request that reads the count included.
			sent := r.nginxRequests(t)
			var seen float64
			// Every line nginx wrote is read within a few polls; wait for
			// the count to reach what was sent, or to settle below it.
			deadline := time.Now().Add(5 * time.Second)
			for time.Now().Before(deadline) {
				seen = r.counters(t)["lines"]
				if seen >= float64(sent) {
					break
				}
				time.Sleep(50 * time.Millisecond)
			}
			time.Sleep(300 * time.Millisecond) // a double count would show now
			got := r.counters(t)
			seen = got["lines"]
			lost, double := float64(sent)-seen, seen-float64(sent)
			t.Logf("%s: nginx requests %d (upstream answered %d), lines seen %.0f: lost %.0f, double-counted %.0f; counters %v",
				c.name, sent, r.up.n.Load(), seen, max(lost, 0), max(double, 0), got)
			if seen != float64(sent) {
				t.Errorf("%s: requests %d, lines seen %.0f (lost %.0f, double %.0f)", c.name, sent, seen, max(lost, 0), max(double, 0))
			}
			if got["rotations"] != c.rotations || got["truncations"] != c.truncations {
				t.Errorf("%s: rotations %v, truncations %v; want %v, %v", c.name, got["rotations"], got["truncations"], c.rotations, c.truncations)
			}
			if got["parsed"] != seen {
				t.Errorf("%s: parsed %v of %v lines", c.name, got["parsed"], seen)
			}
		})
	}
}
