package probe

import (
	"context"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/gwtop/gwtop/internal/memtest"
	"github.com/gwtop/gwtop/internal/rawserver"
	"github.com/gwtop/gwtop/model"
)

// Hostile upstreams: loopback servers that answer a probe with more than a
// health check needs, as fast as the socket takes it, until the probe hangs
// up. The heap is measured with runtime/metrics while eight of them are
// probed at once.

// floodHeaders answers with a status line and then header lines forever.
func floodHeaders(c net.Conn, done <-chan struct{}) {
	readRequest(c)
	block := memtest.Repeat("X-Pad: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n", 64<<10)
	if _, err := c.Write([]byte("HTTP/1.1 200 OK\r\n")); err != nil {
		return
	}
	rawserver.WriteForever(c, block, done)
}

// hugeHeader answers with one header line that never ends.
func hugeHeader(c net.Conn, done <-chan struct{}) {
	readRequest(c)
	if _, err := c.Write([]byte("HTTP/1.1 200 OK\r\nX-Huge: ")); err != nil {
		return
	}
	rawserver.WriteForever(c, memtest.Repeat("a", 64<<10), done)
}

// endlessBody answers 200 with a body that never ends.
func endlessBody(c net.Conn, done <-chan struct{}) {
	readRequest(c)
	if _, err := c.Write([]byte("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n")); err != nil {
		return
	}
	rawserver.WriteForever(c, memtest.Repeat("b", 64<<10), done)
}

// endlessStream sends bytes as soon as the connection is accepted: a TCP
// probe's upstream that talks first and never stops.
func endlessStream(c net.Conn, done <-chan struct{}) {
	rawserver.WriteForever(c, memtest.Repeat("c", 64<<10), done)
}

// dripHeaders sends a header byte every 10 ms: a slow loris.
func dripHeaders(c net.Conn, done <-chan struct{}) {
	readRequest(c)
	if _, err := c.Write([]byte("HTTP/1.1 200 OK\r\nX-Slow: ")); err != nil {
		return
	}
	t := time.NewTicker(10 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-done:
			return
		case <-t.C:
			if _, err := c.Write([]byte("a")); err != nil {
				return
			}
		}
	}
}

// probeAll probes every address at once, n times each, and returns the
// results and the peak heap growth meanwhile.
func probeAll(t testing.TB, urls []string, timeout time.Duration) ([]model.ProbeResult, uint64) {
	t.Helper()
	probers := make([]*Prober, len(urls))
	for i, u := range urls {
		p, err := NewProber(Target{URL: u, Timeout: timeout})
		if err != nil {
			t.Fatal(err)
		}
		defer p.Close()
		probers[i] = p
	}
	h := memtest.Start()
	res := make([]model.ProbeResult, len(urls))
	var wg sync.WaitGroup
	for i, p := range probers {
		wg.Go(func() { res[i] = p.Probe(context.Background()) })
	}
	wg.Wait()
	return res, h.Growth()
}

// hostileTimeout bounds each probe of a hostile upstream. Each ends at a
// cap (headers over 64 KiB, MaxBody), not at the clock: the timeout is
// generous so that a loaded CI host under -race (5 s was not enough for 64
// at once) still reaches the caps.
const hostileTimeout = time.Minute

func servers(t testing.TB, n int, scheme string, handle func(net.Conn, <-chan struct{})) []string {
	var urls []string
	for range n {
		u := scheme + "://" + newRawServer(t, handle).addr()
		if scheme != "tcp" {
			u += "/health"
		}
		urls = append(urls, u)
	}
	return urls
}

func TestHostileHeadersBounded(t *testing.T) {
	for name, tc := range map[string]struct {
		handle func(net.Conn, <-chan struct{})
	}{
		"endless header lines": {floodHeaders},
		"one endless header":   {hugeHeader},
	} {
		t.Run(name, func(t *testing.T) {
			res, grew := probeAll(t, servers(t, 8, "http", tc.handle), hostileTimeout)
			t.Logf("8 upstreams: peak heap growth %.1f MiB", float64(grew)/(1<<20))
			for _, r := range res {
				if r.OK || r.Cause != model.CauseBadResponse || r.Error != "response headers over 64 KiB" || r.Phase != PhaseBody {
					t.Errorf("%s: ok=%v cause=%q phase=%q error=%q, want bad_response in the body phase (the answer had begun), \"response headers over 64 KiB\"",
						r.Target, r.OK, r.Cause, r.Phase, r.Error)
				}
			}
			if grew > 32<<20 {
				t.Errorf("peak heap grew by %d MiB with 8 hostile upstreams, want < 32 MiB", grew>>20)
			}
		})
	}
}

// TestSixtyFourInFlight is the engine's worst case: its 64 probes in flight
// all answered by upstreams that flood their headers, huge or many, or
// their body. MaxHeader's comment gives the bound this checks, with room.
func TestSixtyFourInFlight(t *testing.T) {
	var urls []string
	for _, h := range []func(net.Conn, <-chan struct{}){floodHeaders, hugeHeader, endlessBody, floodHeaders} {
		urls = append(urls, servers(t, 16, "http", h)...)
	}
	res, grew := probeAll(t, urls, hostileTimeout)
	t.Logf("64 hostile upstreams: peak heap growth %.1f MiB", float64(grew)/(1<<20))
	bad := 0
	for _, r := range res {
		if !r.OK && r.Error == "response headers over 64 KiB" {
			bad++
		}
	}
	if bad != 48 {
		t.Errorf("%d probes over the header cap, want 48", bad)
	}
	if grew > 32<<20 {
		t.Errorf("peak heap grew by %d MiB with 64 hostile upstreams in flight, want < 32 MiB", grew>>20)
	}
}

func TestHostileBodyBounded(t *testing.T) {
	res, grew := probeAll(t, servers(t, 8, "http", endlessBody), hostileTimeout)
	t.Logf("8 endless bodies: peak heap growth %.1f MiB", float64(grew)/(1<<20))
	for _, r := range res {
		// The status is all a health check needs: an endless body
		// after a 200 is read up to MaxBody and the answer judged.
		if !r.OK || r.Status != 200 {
			t.Errorf("%s: ok=%v status=%d error=%q, want OK 200", r.Target, r.OK, r.Status, r.Error)
		}
	}
	if grew > 32<<20 {
		t.Errorf("peak heap grew by %d MiB with 8 endless bodies, want < 32 MiB", grew>>20)
	}
}

func TestHostileTCPStreamBounded(t *testing.T) {
	res, grew := probeAll(t, servers(t, 8, "tcp", endlessStream), 2*time.Second)
	t.Logf("8 talkative tcp upstreams: peak heap growth %.1f MiB", float64(grew)/(1<<20))
	for _, r := range res {
		if !r.OK {
			t.Errorf("%s: %q, want the connect to count as OK", r.Target, r.Error)
		}
	}
	if grew > 8<<20 {
		t.Errorf("peak heap grew by %d MiB, want < 8 MiB: a TCP probe reads nothing", grew>>20)
	}
}

func TestSlowDripEndsAtTimeout(t *testing.T) {
	res, grew := probeAll(t, servers(t, 8, "http", dripHeaders), 300*time.Millisecond)
	for _, r := range res {
		if r.OK || r.Cause != model.CauseReadTimeout || r.Phase != PhaseBody {
			t.Errorf("%s: ok=%v cause=%q phase=%q error=%q, want read_timeout in the body phase (the answer had begun)", r.Target, r.OK, r.Cause, r.Phase, r.Error)
		}
	}
	if grew > 8<<20 {
		t.Errorf("peak heap grew by %d MiB, want < 8 MiB", grew>>20)
	}
}

// BenchmarkHostileUpstreams reports the peak heap growth of one round of
// probes of eight upstreams of each kind.
func BenchmarkHostileUpstreams(b *testing.B) {
	for _, bc := range []struct {
		name   string
		handle func(net.Conn, <-chan struct{})
	}{{"header-lines", floodHeaders}, {"huge-header", hugeHeader}, {"endless-body", endlessBody}} {
		b.Run(bc.name, func(b *testing.B) {
			urls := servers(b, 8, "http", bc.handle)
			var peak uint64
			for b.Loop() {
				_, grew := probeAll(b, urls, 5*time.Second)
				peak = max(peak, grew)
			}
			b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
		})
	}
}
