package statuspage

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gwtop/gwtop/internal/memtest"
	"github.com/gwtop/gwtop/internal/rawserver"
)

// Hostile status pages: loopback servers that answer with more than a
// status page holds, as fast as the socket takes it, until gwtop hangs
// up. The heap is measured with runtime/metrics while eight of them are
// fetched at once.

// hostile serves one misbehaviour per connection on loopback.
func hostile(t testing.TB, handle func(c net.Conn, done <-chan struct{})) string {
	t.Helper()
	return "http://" + rawserver.Start(t, func(c net.Conn, done <-chan struct{}) {
		rawserver.ReadRequest(c)
		handle(c, done)
	}) + "/stats"
}

func writeForever(c net.Conn, head string, block []byte, done <-chan struct{}) {
	if _, err := io.WriteString(c, head); err != nil {
		return
	}
	rawserver.WriteForever(c, block, done)
}

func floodHeaders(c net.Conn, done <-chan struct{}) {
	writeForever(c, "HTTP/1.1 200 OK\r\n", memtest.Repeat("X-Pad: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n", 64<<10), done)
}

func hugeHeader(c net.Conn, done <-chan struct{}) {
	writeForever(c, "HTTP/1.1 200 OK\r\nX-Huge: ", memtest.Repeat("a", 64<<10), done)
}

func endlessBody(c net.Conn, done <-chan struct{}) {
	writeForever(c, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n", memtest.Repeat("pxname,svname,status\n", 64<<10), done)
}

func dripBody(c net.Conn, done <-chan struct{}) {
	if _, err := io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n"); err != nil {
		return
	}
	t := time.NewTicker(10 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-done:
			return
		case <-t.C:
			if _, err := io.WriteString(c, "x"); err != nil {
				return
			}
		}
	}
}

// fetchAll runs fetch against every URL at once and returns the errors and
// the peak heap growth meanwhile.
func fetchAll(urls []string, fetch func(u string) error) ([]error, uint64) {
	h := memtest.Start()
	errs := make([]error, len(urls))
	var wg sync.WaitGroup
	for i, u := range urls {
		wg.Go(func() { errs[i] = fetch(u) })
	}
	wg.Wait()
	return errs, h.Growth()
}

func eight(t testing.TB, handle func(net.Conn, <-chan struct{})) []string {
	var urls []string
	for range 8 {
		urls = append(urls, hostile(t, handle))
	}
	return urls
}

func TestHostileHeadersBounded(t *testing.T) {
	c := New("test", Options{MaxBody: 64 << 20})
	get := func(u string) error {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_, err := c.Get(ctx, u)
		return err
	}
	for name, h := range map[string]func(net.Conn, <-chan struct{}){"endless header lines": floodHeaders, "one endless header": hugeHeader} {
		t.Run(name, func(t *testing.T) {
			urls := eight(t, h)
			errs, grew := fetchAll(urls, get)
			t.Logf("8 pages: peak heap growth %.1f MiB", float64(grew)/(1<<20))
			for i, err := range errs {
				if want := "test " + urls[i] + ": answer headers over 64 KiB"; err == nil || err.Error() != want {
					t.Errorf("error %v, want %q", err, want)
				}
			}
			if grew > 32<<20 {
				t.Errorf("peak heap grew by %d MiB, want < 32 MiB", grew>>20)
			}
		})
	}
}

// TestHostileBodyStreamed reads endless bodies through Open with
// HAProxy's 64 MiB cap: the reader holds nothing, so neither does the
// fetch, and the cap ends each read with an error.
func TestHostileBodyStreamed(t *testing.T) {
	c := New("test", Options{MaxBody: 64 << 20})
	var read atomic.Int64
	open := func(u string) error {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		st, err := c.Open(ctx, u)
		if err != nil {
			return err
		}
		defer st.Close()
		n, err := io.Copy(io.Discard, st)
		read.Add(n)
		return err
	}
	urls := eight(t, endlessBody)
	errs, grew := fetchAll(urls, open)
	t.Logf("8 endless bodies: peak heap growth %.1f MiB", float64(grew)/(1<<20))
	for i, err := range errs {
		if want := "test " + urls[i] + ": answer larger than 67108864 bytes (64 MiB)"; err == nil || err.Error() != want {
			t.Errorf("error %v, want %q", err, want)
		}
	}
	if got := read.Load(); got != 8*64<<20 {
		t.Errorf("read %d bytes, want 8 × 64 MiB exactly", got)
	}
	if grew > 32<<20 {
		t.Errorf("peak heap grew by %d MiB, want < 32 MiB", grew>>20)
	}
}

// TestHostileBodyGet: Get holds the body, but no more than its cap once
// (plus the buffer's growth), never the whole stream.
func TestHostileBodyGet(t *testing.T) {
	c := New("test", Options{MaxBody: 1 << 20})
	get := func(u string) error {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_, err := c.Get(ctx, u)
		return err
	}
	urls := eight(t, endlessBody)
	errs, grew := fetchAll(urls, get)
	t.Logf("8 endless bodies, 1 MiB cap: peak heap growth %.1f MiB", float64(grew)/(1<<20))
	for i, err := range errs {
		if want := "test " + urls[i] + ": answer larger than 1048576 bytes (1 MiB)"; err == nil || err.Error() != want {
			t.Errorf("error %v, want %q", err, want)
		}
	}
	// Get holds under 2 × MaxBody per fetch (16 MiB for 8); the race
	// detector's shadow memory roughly doubles that. Before the cap was
	// streamed this grew by 924 MiB.
	if grew > 64<<20 {
		t.Errorf("peak heap grew by %d MiB, want < 64 MiB", grew>>20)
	}
}

// TestSlowDripBody: a body that drips a byte every 10 ms ends with the
// context, in Get and in a Stream's Read.
func TestSlowDripBody(t *testing.T) {
	c := New("test", Options{MaxBody: 64 << 20})
	u := hostile(t, dripBody)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	if _, err := c.Get(ctx, u); err == nil || !strings.Contains(err.Error(), "test "+u+": reading the answer (HTTP 200 OK): ") ||
		!strings.Contains(err.Error(), "deadline exceeded") {
		t.Errorf("Get: %v, want the read cut by the deadline", err)
	}
	ctx2, cancel2 := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel2()
	st, err := c.Open(ctx2, u)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	n, err := io.Copy(io.Discard, st)
	if err == nil || !strings.Contains(err.Error(), "deadline exceeded") || n == 0 {
		t.Errorf("Stream: %d bytes, %v; want some bytes, then the deadline", n, err)
	}
}

// TestStreamCapExact: a body of exactly MaxBody is whole, one byte more
// is too large, and a non-200's long body is kept truncated.
func TestStreamCapExact(t *testing.T) {
	srv := http.NewServeMux()
	srv.HandleFunc("/exact", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, strings.Repeat("x", 100)) })
	srv.HandleFunc("/over", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, strings.Repeat("x", 101)) })
	srv.HandleFunc("/500", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(500)
		io.WriteString(w, strings.Repeat("y", 1000))
	})
	s := httptest.NewServer(srv)
	defer s.Close()
	c := New("test", Options{MaxBody: 100})
	ctx := context.Background()
	if r, err := c.Get(ctx, s.URL+"/exact"); err != nil || len(r.Body) != 100 || r.Truncated {
		t.Errorf("exact: %v %v", r, err)
	}
	if _, err := c.Get(ctx, s.URL+"/over"); err == nil || !strings.HasSuffix(err.Error(), "answer larger than 100 bytes") {
		t.Errorf("over: %v", err)
	}
	if r, err := c.Get(ctx, s.URL+"/500"); err != nil || string(r.Body) != strings.Repeat("y", 100) || !r.Truncated || r.StatusCode != 500 {
		t.Errorf("500: %+v %v", r, err)
	}
	st, err := c.Open(ctx, s.URL+"/over")
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	b, err := io.ReadAll(st)
	if len(b) != 100 || err == nil || !strings.HasSuffix(err.Error(), "answer larger than 100 bytes") {
		t.Errorf("stream over: %d bytes, %v", len(b), err)
	}
}

// BenchmarkHostilePages reports the peak heap growth of one round of
// fetches of eight hostile pages of each kind.
func BenchmarkHostilePages(b *testing.B) {
	c := New("bench", Options{MaxBody: 64 << 20})
	stream := func(u string) error {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		st, err := c.Open(ctx, u)
		if err != nil {
			return err
		}
		defer st.Close()
		_, err = io.Copy(io.Discard, st)
		return err
	}
	for _, bc := range []struct {
		name   string
		handle func(net.Conn, <-chan struct{})
	}{{"header-lines", floodHeaders}, {"huge-header", hugeHeader}, {"endless-body", endlessBody}} {
		b.Run(bc.name, func(b *testing.B) {
			urls := eight(b, bc.handle)
			var peak uint64
			for b.Loop() {
				_, grew := fetchAll(urls, stream)
				peak = max(peak, grew)
			}
			b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
		})
	}
}
