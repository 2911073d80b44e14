package apache

import (
	"errors"
	"testing"
	"time"

	"github.com/gwtop/gwtop/collector/feed/feedtest"
)

func TestCompileLogFormat(t *testing.T) {
	good := []string{"common", "combined", "vhost_combined", `%h %l %u %t \"%r\" %>s %b`,
		`%400,501{User-agent}i %!200,304{Referer}i %<s %>s %% %{%d/%b/%Y %T}t %D`,
		`%{ms}T %{us}T %{s}T %T %I %O %v %U %q %{BALANCER_WORKER_NAME}e %{BALANCER_ROUTE}e %{c}a %^ti`,
		`%{begin:msec}t %{usec_frac}t`}
	for _, g := range good {
		if _, err := CompileLogFormat(g); err != nil {
			t.Errorf("%q: %v", g, err)
		}
	}
	for _, b := range []string{"%", "%{x", "%Z", "%h%l", "%{%Q}t", "%^zz"} {
		if _, err := CompileLogFormat(b); err == nil {
			t.Errorf("%q compiled", b)
		}
	}
}

func TestParseAccess(t *testing.T) {
	cases := []struct {
		format, line string
		status       int
		dur          float64
		path, worker string
		time         time.Time
	}{
		{"combined", `127.0.0.1 - - [01/Dec/2026:09:46:18 +0100] "GET /api/x?y=1 HTTP/1.1" 502 559 "-" "Go \"quoted\" agent"`,
			502, -1, "/api/x", "", time.Date(2026, 12, 1, 8, 46, 18, 0, time.UTC)},
		{`%h %t "%r" %>s %b %D %{ms}T "%{BALANCER_WORKER_NAME}e" %{BALANCER_ROUTE}e`,
			`127.0.0.1 [01/Dec/2026:09:46:18 +0000] "GET /pool/x HTTP/1.1" 503 544 1234 1 "http://127.0.0.1:37161" node1`,
			503, 1234e-6, "/pool/x", "http://127.0.0.1:37161", time.Date(2026, 12, 1, 9, 46, 18, 0, time.UTC)},
		{`%v:%p %h %l %u %{%Y-%m-%dT%H:%M:%S%z}t %r %s %>s %{ms}T %U`,
			`api:80 1.2.3.4 - bob 2026-12-01T09:46:18+0000 POST /a/b HTTP/1.1 200 504 2500 /a/b`,
			504, 2.5, "/a/b", "", time.Date(2026, 12, 1, 9, 46, 18, 0, time.UTC)},
		{`%{sec}t %T %U`, `1796117178 3 /x`, 0, 3, "/x", "", time.Unix(1796117178, 0)},
	}
	for _, c := range cases {
		f, err := CompileLogFormat(c.format)
		if err != nil {
			t.Fatal(err)
		}
		var r AccessRecord
		if err := f.Parse([]byte(c.line), &r); err != nil {
			t.Errorf("%s: %v", c.format, err)
			continue
		}
		if r.Status != c.status || r.Duration != c.dur || string(r.Path) != c.path || string(r.Worker) != c.worker || !r.Time.Equal(c.time) {
			t.Errorf("%s: %+v (path %q worker %q)", c.format, r, r.Path, r.Worker)
		}
	}
	f, _ := CompileLogFormat("common")
	var r AccessRecord
	for _, bad := range []string{"", "x", `1 - - [01/Dec/2026:09:46:18 +0000] "GET / HTTP/1.1" 5x2 1`, `1 - - [01/Dec/2026:09:46:18 +0000] "GET / HTTP/1.1" 200 1 extra`} {
		if err := f.Parse([]byte(bad), &r); !errors.Is(err, ErrMismatch) {
			t.Errorf("%q: %v", bad, err)
		}
	}
}

func TestRouter(t *testing.T) {
	r := NewRouter([]Route{
		{"/api", "10.0.0.1:80"}, {"/api/v2/", "10.0.0.2:80"}, {"/", "10.0.0.9:80"},
		{"/static", Exclude}, RouteFor("/pool", "balancer://pool/"), RouteFor("/s/", "https://secure.internal/"),
	})
	cases := map[string]string{
		"/api": "10.0.0.1:80", "/api/x": "10.0.0.1:80", "/apix": "10.0.0.9:80", "/api/v2": "10.0.0.1:80",
		"/api/v2/x": "10.0.0.2:80", "/api//v2/x": "10.0.0.2:80", "/static/a.css": "", "/static": "", "/": "10.0.0.9:80",
		"/pool/x?y": "balancer://pool", "/s/": "secure.internal:443", "/other": "10.0.0.9:80",
	}
	for path, want := range cases {
		got, ok := r.Match(path)
		if got != want || ok != (want != "") {
			t.Errorf("Match(%q) = %q %v, want %q", path, got, ok, want)
		}
	}
	only := NewRouter([]Route{{"/api/", "10.0.0.1:80"}})
	if up, ok := only.Match("/api"); ok {
		t.Errorf(`"/api/" matched "/api": %q`, up)
	}
	if _, ok := only.Match("/web"); ok {
		t.Error("unrouted path matched")
	}
}

func TestAccessLogAttempts(t *testing.T) {
	al, err := NewAccessLog(`%h %t "%r" %>s %D "%{BALANCER_WORKER_NAME}e"`, NewRouter([]Route{{"/api", "10.0.0.1:80"}}))
	if err != nil {
		t.Fatal(err)
	}
	var rec feedtest.Recorder
	for _, l := range []string{
		`1.2.3.4 [01/Dec/2026:09:46:18 +0000] "GET /api/x HTTP/1.1" 200 1500 "-"`,
		`1.2.3.4 [01/Dec/2026:09:46:18 +0000] "GET /pool/x HTTP/1.1" 503 100 "http://10.0.0.5:8001"`,
		`1.2.3.4 [01/Dec/2026:09:46:18 +0000] "GET /web HTTP/1.1" 404 100 "-"`,
	} {
		if err := al.Line([]byte(l), &rec); err != nil {
			t.Fatal(err)
		}
	}
	reqs := rec.Requests()
	if len(reqs) != 3 || len(reqs[0].Attempts) != 1 || reqs[0].Attempts[0].Addr != "10.0.0.1:80" || reqs[0].Duration != 0.0015 ||
		len(reqs[1].Attempts) != 1 || reqs[1].Attempts[0].Addr != "10.0.0.5:8001" || reqs[1].Attempts[0].Status != 503 ||
		len(reqs[2].Attempts) != 0 || reqs[2].Status != 404 {
		t.Fatalf("%+v", reqs)
	}
}

func TestWorkerAddr(t *testing.T) {
	for in, want := range map[string]string{
		"http://127.0.0.1:8001": "127.0.0.1:8001", "https://api.internal/": "api.internal:443", "http://[::1]:8080/x": "[::1]:8080",
		"http://[::1]/": "[::1]:80", "unix:/run/app.sock|http://localhost/": "unix:/run/app.sock", "balancer://pool/": "balancer://pool",
		"fcgi://127.0.0.1/": "127.0.0.1:8000", "ajp://tomcat": "tomcat:8009", "plain": "plain",
	} {
		if got := WorkerAddr(in); got != want {
			t.Errorf("WorkerAddr(%q) = %q, want %q", in, got, want)
		}
	}
}
