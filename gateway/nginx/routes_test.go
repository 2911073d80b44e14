package nginx

import (
	"strings"
	"testing"

	"github.com/gwtop/gwtop/collector/feed/feedtest"
	"github.com/gwtop/gwtop/config"
	"github.com/gwtop/gwtop/gateway/nginx/logformat"
	"github.com/gwtop/gwtop/model"
)

// TestRouter: exact locations win, then the longest prefix (^~ is a
// prefix); regular-expression and named locations are not routes.
func TestRouter(t *testing.T) {
	r := newRouter([]Route{{"/", "web:80"}, {"/api/", "10.0.0.1:8000"}, {"/api/v2/", "10.0.0.2:8000"}, {"= /login", "10.0.0.3:8000"},
		{"^~ /static/", "10.0.0.4:80"}, {"~ \\.php$", "10.0.0.5:9000"}, {"@fallback", "10.0.0.6:80"}})
	for path, want := range map[string]string{
		"/": "web:80", "/x": "web:80", "/api/": "10.0.0.1:8000", "/api/users?id=1": "10.0.0.1:8000", "/api/v2/x": "10.0.0.2:8000",
		"/login": "10.0.0.3:8000", "/login/x": "web:80", "/static/a.css": "10.0.0.4:80", "/index.php": "web:80",
	} {
		if got, ok := r.match(path); !ok || got != want {
			t.Errorf("match(%q) = %q, %v; want %q", path, got, ok, want)
		}
	}
	if _, ok := newRouter([]Route{{"/api/", "a:1"}}).match("/other"); ok {
		t.Error("a path no route matches has no upstream")
	}
}

// TestCombinedAttributedByRoute: a combined line goes to its location's
// upstream with the client's status; 500 and 503 are inferred upstream
// 5xx, nginx's own 502/504 are not; a line no location matches reports no
// attempt; a format with $upstream_addr ignores routes.
func TestCombinedAttributedByRoute(t *testing.T) {
	f, err := logformat.Compile("combined")
	if err != nil {
		t.Fatal(err)
	}
	p := &accessParser{format: f, router: newRouter([]Route{{"/api/", "10.0.0.1:8000"}}), routes: 1}
	rec := &feedtest.Recorder{}
	for _, l := range []string{
		`10.9.0.1 - - [01/Dec/2026:03:12:00 +0000] "GET /api/users/7 HTTP/1.1" 200 12 "-" "curl"`,
		`10.9.0.1 - - [01/Dec/2026:03:12:01 +0000] "GET /api/users/7 HTTP/1.1" 500 12 "-" "curl"`,
		`10.9.0.1 - - [01/Dec/2026:03:12:02 +0000] "GET /api/pay HTTP/1.1" 502 12 "-" "curl"`,
		`10.9.0.1 - - [01/Dec/2026:03:12:03 +0000] "GET /other HTTP/1.1" 200 12 "-" "curl"`,
	} {
		if err := p.Line([]byte(l), rec); err != nil {
			t.Fatal(err)
		}
	}
	reqs := rec.Requests()
	if len(reqs) != 4 {
		t.Fatalf("%d requests", len(reqs))
	}
	for i, want := range []struct {
		n      int
		status int
		cause  model.Cause
	}{{1, 200, ""}, {1, 500, model.CauseUpstream5xx}, {1, 502, ""}, {0, 0, ""}} {
		r := reqs[i]
		if len(r.Attempts) != want.n || (want.n > 0 && (r.Attempts[0].Addr != "10.0.0.1:8000" || r.Attempts[0].Status != want.status || r.Attempts[0].Cause != want.cause)) {
			t.Errorf("line %d: %+v", i, r.Attempts)
		}
	}
	if !strings.Contains(p.Note(), "requests attributed by the location their path matches, to its proxy_pass (1 routes") {
		t.Errorf("note %q", p.Note())
	}
	cfg, err := config.Parse("g.yaml", []byte("nginx:\n  access_log: /x\n  routes: [{location: '~ \\.php$', upstream: a:1}]\n"), func(string) (string, bool) { return "", false })
	if err == nil || !strings.Contains(err.Error(), `nginx.routes[0].location: "~ \\.php$": a route is a prefix`) {
		t.Errorf("a regex route: %v %v", cfg, err)
	}
	_, err = config.Parse("g.yaml", []byte("nginx:\n  access_log: /x\n  routes: [{location: /api/}]\n"), func(string) (string, bool) { return "", false })
	if err == nil || !strings.Contains(err.Error(), "nginx.routes[0].upstream: missing") {
		t.Errorf("a route without upstream: %v", err)
	}
}

// FuzzRouter: any routes and path: no panic, and a match is one of the
// routes' upstreams.
func FuzzRouter(f *testing.F) {
	f.Add("/api/", "= /login", "^~ /s/", "/api/x")
	f.Add("~ x", "@n", "", "/login")
	f.Fuzz(func(t *testing.T, a, b, c, path string) {
		r := newRouter([]Route{{a, "A"}, {b, "B"}, {c, "C"}})
		if up, ok := r.match(path); ok && up != "A" && up != "B" && up != "C" {
			t.Fatalf("match %q → %q", path, up)
		}
	})
}
