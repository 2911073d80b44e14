package collector

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gwtop/gwtop/model"
)

func TestNormaliseRoute(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"/", "/"},
		{"/api/users/42", "/api/users/:id"},
		{"/api/users/42/", "/api/users/:id"},
		{"/api/users/42/orders?page=2#x", "/api/users/:id/orders"},
		{"/api/v1/items/6f1c2e9a-1b2c-4d3e-8f90-a1b2c3d4e5f6", "/api/v1/items/:id"},
		{"/blobs/3f786850e387550fdab836ed7e6dc881de23001b", "/blobs/:id"},
		{"/t/eyJhbGciOiJIUzI1NiJ9abc123XYZ", "/t/:id"},
		{"/orders/order-2026-1201-77", "/orders/:id"},
		{"/u/0-17/x", "/u/:id/x"},
		{"/days/2026-12-01", "/days/:id"},
		{"/v1.2/", "/v1.2"},
		{"/a-b/c_d", "/a-b/c_d"},
		{"/payments/charges/ch_082842", "/payments/charges/:id"},
		{"/users/usr_3f9a1c/x", "/users/:id/x"},
		{"/api-v2/item-42", "/api-v2/:id"}, {"/docs/page-2", "/docs/page-2"},
		{"/static/app.js", "/static/app.js"},
		{"/api/v2/search", "/api/v2/search"}, // v2 is a name
		{"/a/b/c/d/e/f", "/a/b/c/d/…"},
		{"http://example.com/x/1", "/x/:id"},
		{"*", "(not a path)"},
		{"/bad\x1b[2J/%2e%2e", "/bad_[2J/_2e_2e"},
		{"/" + strings.Repeat("x", 200), "/" + strings.Repeat("x", 95) + "…"},
	} {
		if got := string(normaliseRoute(nil, c.in)); got != c.want {
			t.Errorf("normaliseRoute(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// TestRouteTableBounded: past RoutesKept routes the rest are one "other";
// figures and order are exact; the 5-minute figures leave old minutes out.
func TestRouteTableBounded(t *testing.T) {
	var rt routeTable
	t0 := time.Date(2026, 12, 1, 3, 0, 0, 0, time.UTC)
	for i := range 30 {
		for k := 0; k <= i%3; k++ {
			st := 200
			if i == 5 {
				st = 502
			}
			rt.observe(normaliseRoute(nil, fmt.Sprintf("/r%02d/x", i)), "api.test", st, 10, t0)
		}
	}
	for range 4 {
		rt.observe(normaliseRoute(nil, "/r01/x"), "api.test", 503, 1000, t0.Add(10*time.Minute))
	}
	rs := rt.routes(t0.Add(10 * time.Minute))
	if len(rs) != RoutesKept+1 || rs[len(rs)-1].Route != model.RouteOther {
		t.Fatalf("%d routes, last %q", len(rs), rs[len(rs)-1].Route)
	}
	// /r01/x has the 5xx of the last 5 minutes: first; /r05/x's 5xx are old.
	if r := rs[0]; r.Route != "/r01/x" || r.Host != "api.test" || r.Requests != 6 || r.Errors5xx != 4 || r.Requests5m != 4 || r.Errors5xx5m != 4 || r.P95MS < 1000 || r.P95MS > 1300 || r.P50MS < 1000 {
		t.Errorf("first route %+v", r)
	}
	if r := rs[1]; r.Route != "/r05/x" || r.Errors5xx != 3 || r.Errors5xx5m != 0 || r.Rate5xx != 1 {
		t.Errorf("second route %+v", r)
	}
	other := rs[len(rs)-1]
	var inOther int64
	for i := RoutesKept; i < 30; i++ {
		inOther += int64(i%3 + 1)
	}
	if other.Requests != inOther {
		t.Errorf("other has %d requests, want %d", other.Requests, inOther)
	}
}

// TestRoutesFromBacklog: per-route counts from a generated nginx log, read
// as a backlog, are exact per upstream (each attempt counts for its own
// upstream's route), with the virtual host, in JSON order worst first.
func TestRoutesFromBacklog(t *testing.T) {
	dir := t.TempDir()
	access := filepath.Join(dir, "access.log")
	const format = `$remote_addr [$time_local] "$request" $status $host ua="$upstream_addr" us="$upstream_status" urt="$upstream_response_time"`
	t0 := time.Date(2026, 12, 1, 3, 0, 0, 0, time.UTC)
	type line struct {
		path, host, ua, us string
		status             int
	}
	var b strings.Builder
	want := map[string]map[string][2]int64{} // addr → "host route" → requests, 5xx
	add := func(addr, key string, st int) {
		if want[addr] == nil {
			want[addr] = map[string][2]int64{}
		}
		c := want[addr][key]
		c[0]++
		if st >= 500 {
			c[1]++
		}
		want[addr][key] = c
	}
	n := 0
	for i := range 300 {
		user := 1000 + i
		ls := []line{
			{fmt.Sprintf("/api/users/%d", user), "api.test", "10.3.0.1:80", "200", 200},
			{fmt.Sprintf("/api/users/%d/orders?page=%d", user, i), "api.test", "10.3.0.1:80", "200", 200},
			{"/pay/charge", "pay.test", "10.3.0.2:80, 10.3.0.1:80", "502, 200", 200},
		}
		if i%4 == 0 {
			ls = append(ls, line{"/pay/charge", "pay.test", "10.3.0.2:80", "504", 504})
		}
		for _, l := range ls {
			ts := t0.Add(time.Duration(n) * time.Second).Format("02/Jan/2006:15:04:05 -0700")
			n++
			fmt.Fprintf(&b, "10.0.0.9 [%s] \"GET %s HTTP/1.1\" %d %s ua=\"%s\" us=\"%s\" urt=\"0.010\"\n", ts, l.path, l.status, l.host, l.ua, l.us)
			addrs, sts := strings.Split(l.ua, ", "), strings.Split(l.us, ", ")
			route := string(normaliseRoute(nil, l.path))
			for k, a := range addrs {
				var st int
				fmt.Sscan(sts[k], &st)
				add(a, l.host+" "+route, st)
			}
		}
	}
	if err := os.WriteFile(access, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, opt := range []Options{{Backlog: true, NoHost: true, SerialBacklog: true}, {Backlog: true, NoHost: true, BacklogChunk: 2000}} {
		eng := startEngine(t, fmt.Sprintf("nginx:\n  access_log: %s\n  log_format: '%s'\n", access, format), opt)
		<-eng.LogsDone()
		checkRoutes(t, eng.Stop(), want) // Stop: the final snapshot (Latest is the last one published)
	}
}

func checkRoutes(t *testing.T, s *model.Snapshot, want map[string]map[string][2]int64) {
	t.Helper()
	for addr, routes := range want {
		u, ok := s.Upstream("", addr)
		if !ok {
			t.Fatalf("no upstream %s; gateways %+v; upstreams %d", addr, s.Gateways, len(s.Upstreams))
		}
		got := map[string][2]int64{}
		for _, r := range u.Routes {
			got[r.Host+" "+r.Route] = [2]int64{r.Requests, r.Errors5xx}
		}
		if fmt.Sprint(got) != fmt.Sprint(routes) {
			t.Errorf("%s routes\n got %v\nwant %v", addr, got, routes)
		}
	}
	pay, _ := s.Upstream("", "10.3.0.2:80")
	if len(pay.Routes) != 1 || pay.Routes[0].Route != "/pay/charge" || pay.Routes[0].Rate5xx != 1 || pay.Routes[0].P95MS <= 0 {
		t.Errorf("pay's routes: %+v", pay.Routes)
	}
	api, _ := s.Upstream("", "10.3.0.1:80")
	if len(api.Routes) != 3 || api.Routes[0].Requests != 300 {
		t.Errorf("api's routes: %+v", api.Routes)
	}
}

// FuzzNormaliseRoute: any path gives a bounded route of printable ASCII
// bytes that starts with "/" (or says it is not a path), and normalising it
// again changes nothing but folded IDs.
func FuzzNormaliseRoute(f *testing.F) {
	for _, s := range []string{"/", "/api/users/42?x=1", "http://h/x", "*", "/a/b/c/d/e", "/\x00/%zz", "/" + strings.Repeat("a/", 100)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, path string) {
		r := string(normaliseRoute(nil, path))
		if len(r) > routeMaxLen+len("…")+len("/…") {
			t.Fatalf("route %d bytes: %q", len(r), r)
		}
		if r != "(not a path)" && !strings.HasPrefix(r, "/") {
			t.Fatalf("route %q of %q", r, path)
		}
		for _, c := range []byte(strings.ReplaceAll(r, "…", "")) {
			if c < 0x20 || c >= 0x7f || c == '%' {
				t.Fatalf("byte %#x in route %q", c, r)
			}
		}
		if path == "" {
			return // no path logged: no route
		}
		var rt routeTable
		for range RoutesKept + 3 {
			rt.observe(normaliseRoute(nil, path), "h", 502, 1, time.Unix(0, 0))
		}
		if rs := rt.routes(time.Unix(0, 0)); len(rs) != 1 || rs[0].Requests != RoutesKept+3 {
			t.Fatalf("one path, routes %+v", rs)
		}
	})
}
