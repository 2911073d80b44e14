package probe

import (
	"context"
	"crypto/tls"
	"encoding/pem"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gwtop/gwtop/internal/faults"
	"github.com/gwtop/gwtop/model"
)

// check asserts the three things every case is about.
func check(t *testing.T, r model.ProbeResult, ok bool, status int, cause model.Cause) {
	t.Helper()
	t.Logf("%s: OK=%v Status=%d Cause=%q Error=%q Phases=%+v Reused=%v", r.Target, r.OK, r.Status, r.Cause, r.Error, r.Phases, r.Reused)
	if r.OK != ok || r.Status != status || r.Cause != cause {
		t.Fatalf("got OK=%v Status=%d Cause=%q (error %q), want OK=%v Status=%d Cause=%q",
			r.OK, r.Status, r.Cause, r.Error, ok, status, cause)
	}
	if ok && r.Error != "" {
		t.Errorf("OK result has Error %q", r.Error)
	}
	if !ok && r.Error == "" {
		t.Errorf("failed result has no Error")
	}
	if r.Time.IsZero() {
		t.Errorf("Time not set")
	}
	if (r.OK || r.Cause != "") && r.Phases.Total <= 0 {
		t.Errorf("Total = %v, want > 0 for a probe that ran", r.Phases.Total)
	}
}

func TestHTTPFaults(t *testing.T) {
	healthy := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "ok")
	})
	unavailable := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "down for maintenance", http.StatusServiceUnavailable)
	})
	redirect := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/login", http.StatusFound)
	})
	notFound := newServer(t, http.NotFound)
	silent := newRawServer(t, func(c net.Conn, done <-chan struct{}) {
		readRequest(c)
		<-done
	})
	closer := newRawServer(t, func(c net.Conn, _ <-chan struct{}) {
		readRequest(c)
		c.Close()
	})
	resetter := newRawServer(t, func(c net.Conn, _ <-chan struct{}) {
		readRequest(c)
		// Linger 0 makes Close send RST instead of FIN.
		c.(*net.TCPConn).SetLinger(0)
		c.Close()
	})
	garbage := newRawServer(t, func(c net.Conn, _ <-chan struct{}) {
		readRequest(c)
		c.Write([]byte("\x00\x01garbage that is not HTTP\r\n\r\n"))
		c.Close()
	})
	badHeader := newRawServer(t, func(c net.Conn, _ <-chan struct{}) {
		readRequest(c)
		c.Write([]byte("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nthis line has no colon\r\n\r\nok"))
		c.Close()
	})
	badLength := newRawServer(t, func(c net.Conn, _ <-chan struct{}) {
		readRequest(c)
		c.Write([]byte("HTTP/1.1 200 OK\r\nContent-Length: -5\r\n\r\nok"))
		c.Close()
	})
	truncated := newRawServer(t, func(c net.Conn, _ <-chan struct{}) {
		readRequest(c)
		c.Write([]byte("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly part of it"))
		c.Close()
	})
	tlsServer := newTLSServer(t, func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "secure")
	})
	tlsCloser := newRawServer(t, func(c net.Conn, _ <-chan struct{}) {
		// Read the ClientHello, then hang up mid-handshake.
		c.Read(make([]byte, 4096))
		c.Close()
	})

	host := func(s interface{ addr() string }) string { return s.addr() }
	plainHost := strings.TrimPrefix(healthy.URL, "http://")

	cases := []struct {
		name   string
		target Target
		ok     bool
		status int
		cause  model.Cause
	}{
		{"healthy", Target{URL: healthy.URL + "/health"}, true, 200, ""},
		{"503", Target{URL: unavailable.URL}, false, 503, model.CauseUpstream5xx},
		{"302 not followed", Target{URL: redirect.URL}, true, 302, ""},
		{"302 outside Expect", Target{URL: redirect.URL, Expect: []StatusRange{{200, 299}}}, false, 302, model.CauseBadResponse},
		{"404", Target{URL: notFound.URL}, false, 404, model.CauseBadResponse},
		{"404 accepted by Expect", Target{URL: notFound.URL, Expect: []StatusRange{{200, 299}, {404, 404}}}, true, 404, ""},
		{"refused", Target{URL: "http://" + closedPort(t) + "/"}, false, 0, model.CauseRefused},
		{"no answer", Target{URL: "http://" + host(silent) + "/", Timeout: 300 * time.Millisecond}, false, 0, model.CauseReadTimeout},
		{"closed before headers", Target{URL: "http://" + host(closer) + "/"}, false, 0, model.CausePrematureClose},
		{"reset", Target{URL: "http://" + host(resetter) + "/"}, false, 0, model.CauseReset},
		{"garbage", Target{URL: "http://" + host(garbage) + "/"}, false, 0, model.CauseBadResponse},
		{"invalid header", Target{URL: "http://" + host(badHeader) + "/"}, false, 0, model.CauseBadResponse},
		{"bad content-length", Target{URL: "http://" + host(badLength) + "/"}, false, 0, model.CauseBadResponse},
		{"body cut short", Target{URL: "http://" + host(truncated) + "/"}, false, 200, model.CausePrematureClose},
		{"tls unknown authority", Target{URL: tlsServer.URL}, false, 0, model.CauseTLS},
		{"tls insecure", Target{URL: tlsServer.URL, Insecure: true}, true, 200, ""},
		{"https to plain http", Target{URL: "https://" + plainHost + "/"}, false, 0, model.CauseTLS},
		{"closed during handshake", Target{URL: "https://" + host(tlsCloser) + "/"}, false, 0, model.CauseTLS},
		{"handshake never answered", Target{URL: "https://" + host(silent) + "/", Timeout: 300 * time.Millisecond}, false, 0, model.CauseTLS},
		{"name does not resolve", Target{URL: "http://nonexistent.invalid:80/", Timeout: time.Second, Resolver: faults.DeadUDP(t)}, false, 0, model.CauseDNS},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := Run(context.Background(), tc.target)
			check(t, r, tc.ok, tc.status, tc.cause)
		})
	}
}

func TestHealthyPhases(t *testing.T) {
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "ok") })
	r := Run(context.Background(), Target{URL: srv.URL})
	check(t, r, true, 200, "")
	ph := r.Phases
	if ph.DNS != 0 {
		t.Errorf("DNS = %v for an IP literal, want 0", ph.DNS)
	}
	if ph.TLS != 0 {
		t.Errorf("TLS = %v for plain HTTP, want 0", ph.TLS)
	}
	if ph.Connect <= 0 || ph.TTFB <= 0 {
		t.Errorf("Connect = %v, TTFB = %v, want both > 0", ph.Connect, ph.TTFB)
	}
	if ph.TTFB < ph.Connect || ph.Total < ph.TTFB {
		t.Errorf("phases out of order: %+v", ph)
	}
	if r.Reused {
		t.Errorf("Reused on a fresh prober")
	}
	if r.Target != srv.URL {
		t.Errorf("Target = %q, want %q", r.Target, srv.URL)
	}
}

func TestTLSPhases(t *testing.T) {
	srv := newTLSServer(t, func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "ok") })
	r := Run(context.Background(), Target{URL: srv.URL, Insecure: true})
	check(t, r, true, 200, "")
	if r.Phases.TLS <= 0 || r.Phases.Connect <= 0 {
		t.Errorf("phases %+v, want TLS and Connect > 0", r.Phases)
	}
	if r.Phases.TTFB < r.Phases.Connect+r.Phases.TLS {
		t.Errorf("TTFB %v before connect+TLS %v", r.Phases.TTFB, r.Phases.Connect+r.Phases.TLS)
	}

	// Certificate verification is on by default and names the problem.
	r = Run(context.Background(), Target{URL: srv.URL})
	check(t, r, false, 0, model.CauseTLS)
	if !strings.Contains(r.Error, "certificate") {
		t.Errorf("Error %q does not mention the certificate", r.Error)
	}
}

// A hostname goes through the resolver (DNS is its own phase) and, for
// localhost, possibly a dual-stack dial where ::1 is refused before
// 127.0.0.1 answers: the probe must report the connect that succeeded.
func TestHostnamePhases(t *testing.T) {
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "ok") })
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(srv.URL, "http://"))
	r := Run(context.Background(), Target{URL: "http://localhost:" + port + "/"})
	check(t, r, true, 200, "")
	if r.Phases.DNS <= 0 || r.Phases.Connect <= 0 {
		t.Errorf("phases %+v, want DNS and Connect > 0", r.Phases)
	}
}

func TestConnectTimeout(t *testing.T) {
	// See blockingDial: the only injected piece of these tests.
	for _, url := range []string{"http://192.0.2.1:80/", "https://192.0.2.1:443/", "tcp://192.0.2.1:80"} {
		t.Run(url, func(t *testing.T) {
			p, err := newProber(Target{URL: url, Timeout: 200 * time.Millisecond}, blockingDial)
			if err != nil {
				t.Fatal(err)
			}
			defer p.Close()
			r := p.Probe(context.Background())
			check(t, r, false, 0, model.CauseConnectTimeout)
			// The time went into the connect, which never completed.
			if r.Phases.Connect <= 0 || r.Phases.Connect > r.Phases.Total || r.Phases.TTFB != 0 || r.Phases.TLS != 0 {
				t.Errorf("phases %+v, want Connect > 0 (up to Total) and no TLS or TTFB", r.Phases)
			}
		})
	}
}

func TestCallerCancelIsNotUpstreamFailure(t *testing.T) {
	silent := newRawServer(t, func(c net.Conn, done <-chan struct{}) {
		readRequest(c)
		<-done
	})
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	r := Run(ctx, Target{URL: "http://" + silent.addr() + "/", Timeout: 5 * time.Second})
	check(t, r, false, 0, model.CauseNone)

	// A caller's deadline, though, is a timeout like the probe's own.
	ctx, cancel = context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	r = Run(ctx, Target{URL: "http://" + silent.addr() + "/", Timeout: 5 * time.Second})
	check(t, r, false, 0, model.CauseReadTimeout)
}

func TestKeepAlive(t *testing.T) {
	var conns atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "ok") }))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()

	for _, keep := range []bool{true, false} {
		t.Run(fmt.Sprintf("KeepAlive=%v", keep), func(t *testing.T) {
			conns.Store(0)
			p, err := NewProber(Target{URL: srv.URL, KeepAlive: keep})
			if err != nil {
				t.Fatal(err)
			}
			defer p.Close()
			first := p.Probe(context.Background())
			second := p.Probe(context.Background())
			check(t, first, true, 200, "")
			check(t, second, true, 200, "")
			if first.Reused || first.Phases.Connect <= 0 {
				t.Errorf("first probe: Reused=%v Connect=%v, want a fresh connection", first.Reused, first.Phases.Connect)
			}
			wantConns := int32(2)
			if keep {
				wantConns = 1
				if !second.Reused || second.Phases.Connect != 0 {
					t.Errorf("second probe: Reused=%v Connect=%v, want reuse", second.Reused, second.Phases.Connect)
				}
			} else if second.Reused || second.Phases.Connect <= 0 {
				t.Errorf("second probe: Reused=%v Connect=%v, want a fresh connection", second.Reused, second.Phases.Connect)
			}
			if n := conns.Load(); n != wantConns {
				t.Errorf("server saw %d connections, want %d", n, wantConns)
			}
		})
	}
}

func TestBodyCap(t *testing.T) {
	const big = 10 << 20
	full := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", fmt.Sprint(big))
		chunk := make([]byte, 64<<10)
		for sent := 0; sent < big; sent += len(chunk) {
			if _, err := w.Write(chunk); err != nil {
				return // the probe stopped reading, as it should
			}
		}
	})
	// Announces 10 MiB, sends 1 MiB and stalls: a prober that read the
	// whole body would run into its timeout.
	stalling := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", fmt.Sprint(big))
		w.Write(make([]byte, 1<<20))
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	})
	for _, srv := range []string{full.URL, stalling.URL} {
		r := Run(context.Background(), Target{URL: srv, Timeout: time.Second})
		check(t, r, true, 200, "")
	}
}

func TestFollowRedirects(t *testing.T) {
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/final" {
			fmt.Fprintln(w, "here")
			return
		}
		http.Redirect(w, r, "/final", http.StatusMovedPermanently)
	})
	r := Run(context.Background(), Target{URL: srv.URL + "/start", FollowRedirects: true})
	check(t, r, true, 200, "")
	r = Run(context.Background(), Target{URL: srv.URL + "/start"})
	check(t, r, true, 301, "")
}

func TestRequestShape(t *testing.T) {
	type seen struct{ method, host, header string }
	got := make(chan seen, 1)
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		got <- seen{r.Method, r.Host, r.Header.Get("X-Probe")}
	})
	r := Run(context.Background(), Target{
		URL:     srv.URL,
		Method:  http.MethodHead,
		Headers: map[string]string{"host": "api.example", "X-Probe": "gwtop"},
	})
	check(t, r, true, 200, "")
	want := seen{"HEAD", "api.example", "gwtop"}
	if s := <-got; s != want {
		t.Errorf("server saw %+v, want %+v", s, want)
	}
}

func TestCredentialsNeverReported(t *testing.T) {
	const user, secret = "probeuser", "s3cretpw"
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		if u, p, ok := r.BasicAuth(); !ok || u != user || p != secret {
			http.Error(w, "who are you", http.StatusUnauthorized)
			return
		}
		if r.URL.Path == "/away" {
			// Send the follower to a dead address that carries
			// credentials of its own.
			http.Redirect(w, r, "http://other:"+secret+"@"+closedPort(t)+"/", http.StatusFound)
			return
		}
		fmt.Fprintln(w, "welcome")
	})
	withCreds := func(hostport string) string { return "http://" + user + ":" + secret + "@" + hostport + "/" }
	host := strings.TrimPrefix(srv.URL, "http://")

	results := map[string]model.ProbeResult{}
	r := Run(context.Background(), Target{URL: withCreds(host)})
	check(t, r, true, 200, "") // the credentials were sent
	if r.Target != "http://"+host+"/" {
		t.Errorf("Target = %q", r.Target)
	}
	results["ok"] = r
	r = Run(context.Background(), Target{URL: withCreds(closedPort(t))})
	check(t, r, false, 0, model.CauseRefused)
	results["refused"] = r
	r = Run(context.Background(), Target{URL: withCreds(host) + "away", FollowRedirects: true})
	check(t, r, false, 0, model.CauseRefused)
	results["redirect"] = r
	r = Run(context.Background(), Target{URL: "tcp://" + user + ":" + secret + "@" + host})
	check(t, r, true, 0, "")
	results["tcp"] = r
	for _, bad := range []string{
		"http://" + user + ":" + secret + "@[::1",
		"http://" + user + ":" + secret + "@host:port/",
		"http://" + user + ":sec/" + secret + "@host/",
		"ftp://" + user + ":" + secret + "@host/",
	} {
		r = Run(context.Background(), Target{URL: bad})
		check(t, r, false, 0, model.CauseNone)
		results[bad] = r
	}
	for name, r := range results {
		for _, field := range []string{r.Target, r.Error} {
			if strings.Contains(field, secret) || strings.Contains(field, user) {
				t.Errorf("%s: credentials in result: Target=%q Error=%q", name, r.Target, r.Error)
			}
		}
	}
}

func TestTCP(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	_, port, _ := net.SplitHostPort(ln.Addr().String())

	r := Run(context.Background(), Target{URL: "tcp://" + ln.Addr().String()})
	check(t, r, true, 0, "")
	if r.Phases.Connect <= 0 || r.Phases.DNS != 0 || r.Phases.TTFB != 0 {
		t.Errorf("phases %+v, want Connect > 0 and no DNS or TTFB", r.Phases)
	}
	if r.Target != "tcp://"+ln.Addr().String() {
		t.Errorf("Target = %q", r.Target)
	}

	r = Run(context.Background(), Target{URL: "tcp://localhost:" + port})
	check(t, r, true, 0, "")
	if r.Phases.DNS <= 0 || r.Phases.Connect <= 0 {
		t.Errorf("phases %+v, want DNS and Connect > 0", r.Phases)
	}

	r = Run(context.Background(), Target{URL: "tcp://" + closedPort(t)})
	check(t, r, false, 0, model.CauseRefused)

	r = Run(context.Background(), Target{URL: "tcp://nonexistent.invalid:80", Timeout: time.Second, Resolver: faults.DeadUDP(t)})
	check(t, r, false, 0, model.CauseDNS)
}

func TestInvalidTargets(t *testing.T) {
	for _, tg := range []Target{
		{URL: ""},
		{URL: "://nothing"},
		{URL: "ftp://example.com/"},
		{URL: "http:///path-only"},
		{URL: "tcp://example.com"},
		{URL: "tcp://example.com:80/path"},
		{URL: "http://[::1"},
		{URL: "http://example.com/", Method: "GET ME"},
		{URL: "http://example.com/", Headers: map[string]string{"Bad Name": "x"}},
		{URL: "http://example.com/", Headers: map[string]string{"X-Ok": "a\r\nInjected: 1"}},
		{URL: "http://example.com/", Expect: []StatusRange{{Min: 300, Max: 200}}},
	} {
		if _, err := NewProber(tg); err == nil {
			t.Errorf("NewProber(%+v) accepted an invalid target", tg)
		}
		r := Run(context.Background(), tg)
		if r.OK || r.Cause != model.CauseNone || r.Error == "" {
			t.Errorf("Run(%+v) = OK=%v Cause=%q Error=%q, want a config error", tg, r.OK, r.Cause, r.Error)
		}
	}
	if p, err := NewProber(Target{URL: "HTTPS://Example.com:8443/x?y=1"}); err != nil {
		t.Errorf("valid target rejected: %v", err)
	} else {
		p.Close()
	}
}

func TestDefaults(t *testing.T) {
	p, err := NewProber(Target{URL: "http://127.0.0.1:1/"})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if p.timeout != DefaultTimeout || p.method != http.MethodGet {
		t.Errorf("timeout %v method %q, want %v GET", p.timeout, p.method, DefaultTimeout)
	}
	if !p.expected(200) || !p.expected(399) || p.expected(400) || p.expected(199) {
		t.Errorf("default Expect is not 200-399: %+v", p.expect)
	}
	if !p.transport.DisableKeepAlives || p.transport.TLSClientConfig.InsecureSkipVerify || p.client.CheckRedirect == nil {
		t.Errorf("defaults must be: fresh connections, TLS verification, no redirects")
	}
}

// Concurrent probes on one Prober share its transport; -race checks the
// tracker and the transport setup.
func TestConcurrentProbes(t *testing.T) {
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "ok") })
	p, err := NewProber(Target{URL: srv.URL, KeepAlive: true})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	errs := make(chan string, 16)
	for range 16 {
		go func() {
			r := p.Probe(context.Background())
			if !r.OK {
				errs <- r.Error
				return
			}
			errs <- ""
		}()
	}
	for range 16 {
		if e := <-errs; e != "" {
			t.Error(e)
		}
	}
}

func BenchmarkProbeHTTP(b *testing.B) {
	srv := newServer(b, func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "ok") })
	for _, keep := range []bool{false, true} {
		b.Run(fmt.Sprintf("KeepAlive=%v", keep), func(b *testing.B) {
			p, err := NewProber(Target{URL: srv.URL, KeepAlive: keep})
			if err != nil {
				b.Fatal(err)
			}
			defer p.Close()
			b.ReportAllocs()
			for b.Loop() {
				if r := p.Probe(context.Background()); !r.OK {
					b.Fatal(r.Error)
				}
			}
		})
	}
}

// A Host header also sets the TLS server name, so the certificate checked is
// the one a gateway sending that SNI would get.
func TestHostHeaderSetsSNI(t *testing.T) {
	sni := make(chan string, 1)
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	srv.Config.ErrorLog = quietLog()
	srv.TLS = &tls.Config{GetConfigForClient: func(h *tls.ClientHelloInfo) (*tls.Config, error) {
		sni <- h.ServerName
		return nil, nil
	}}
	srv.StartTLS()
	defer srv.Close()

	r := Run(context.Background(), Target{URL: srv.URL, Insecure: true, Headers: map[string]string{"Host": "api.example:443"}})
	check(t, r, true, 200, "")
	if got := <-sni; got != "api.example" {
		t.Errorf("server saw SNI %q, want api.example", got)
	}
}

func TestZeroProber(t *testing.T) {
	var zero Prober
	var nilp *Prober
	for _, p := range []*Prober{&zero, nilp} {
		r := p.Probe(context.Background())
		if r.OK || r.Error == "" || r.Cause != "" {
			t.Errorf("zero Prober: %+v, want a failed result with Error and no Cause", r)
		}
		p.Close()
	}
}

// TestResolverIsUsed points Target.Resolver at a loopback DNS server that
// reads queries and never answers: the lookup must take the whole timeout
// (the system's resolver would answer NXDOMAIN at once) and fail as dns.
func TestResolverIsUsed(t *testing.T) {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	queries := make(chan struct{}, 16)
	go func() {
		buf := make([]byte, 1500)
		for {
			if _, _, err := pc.ReadFrom(buf); err != nil {
				return
			}
			select {
			case queries <- struct{}{}:
			default:
			}
		}
	}()
	r := Run(context.Background(), Target{URL: "http://upstream.gwtop.invalid:8080/", Timeout: 300 * time.Millisecond, Resolver: pc.LocalAddr().String()})
	check(t, r, false, 0, model.CauseDNS)
	select {
	case <-queries:
	default:
		t.Fatal("the probe never asked the configured resolver")
	}
	if _, err := NewProber(Target{URL: "http://x/", Resolver: "nonsense"}); err == nil {
		t.Error("a resolver without a port was accepted")
	}
}

// TestCAFile verifies an upstream's certificate against a private CA given
// as a PEM file: the probe that fails as "unknown authority" without it
// passes with it; a CA file that is missing or holds no certificate is a
// configuration error, not a silent fallback to the system's CAs.
func TestCAFile(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "ok") }))
	defer srv.Close()
	dir := t.TempDir()
	ca := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	check(t, Run(context.Background(), Target{URL: srv.URL + "/"}), false, 0, model.CauseTLS)
	check(t, Run(context.Background(), Target{URL: srv.URL + "/", CAFile: ca}), true, 200, "")

	wrong := filepath.Join(dir, "other.pem")
	if err := os.WriteFile(wrong, []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := NewProber(Target{URL: srv.URL, CAFile: wrong}); err == nil || !strings.Contains(err.Error(), "no PEM certificate") {
		t.Errorf("a CA file without certificates: %v", err)
	}
	if _, err := NewProber(Target{URL: srv.URL, CAFile: filepath.Join(dir, "missing.pem")}); err == nil || !strings.Contains(err.Error(), "ca_file") {
		t.Errorf("a missing CA file: %v", err)
	}
}

// TestTCPProbeLeavesNoTimeWait: a TCP probe closes with a reset, so the
// gateway host does not collect TIME_WAIT sockets from probing.
func TestTCPProbeLeavesNoTimeWait(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	got := make(chan error, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			got <- err
			return
		}
		defer c.Close()
		_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
		_, err = c.Read(make([]byte, 1))
		got <- err
	}()
	r := Run(context.Background(), Target{URL: "tcp://" + ln.Addr().String()})
	check(t, r, true, 0, "")
	// The server sees a reset, not an orderly close (io.EOF): the probe
	// did not go through FIN and TIME_WAIT.
	if err := <-got; err == nil || !strings.Contains(err.Error(), "reset") {
		t.Errorf("server read %v, want connection reset", err)
	}
}
