package haproxy

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gwtop/gwtop/collector/feed"
	"github.com/gwtop/gwtop/collector/feed/feedtest"
	"github.com/gwtop/gwtop/internal/haproxytest"
	"github.com/gwtop/gwtop/model"
)

// A stats page is trusted only with the columns gwtop needs, and rows that
// stop short are skipped and counted: on a real HAProxy's page, and on
// that page cut down by a loopback server.

// realStats starts HAProxy before one healthy upstream and returns it with
// its stats CSV as served.
func realStats(t *testing.T) (*haproxytest.HAProxy, string) {
	t.Helper()
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") }))
	t.Cleanup(up.Close)
	h := haproxytest.Start(t, haproxytest.Config{
		Frontend: "    default_backend be_app",
		Backends: "backend be_app\n    server app " + strings.TrimPrefix(up.URL, "http://") + " check inter 200ms\n",
	})
	// Traffic, so that the counters have something to say.
	for range 3 {
		resp, err := http.Get("http://" + h.Addr + "/")
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	resp, err := http.Get(h.StatsURL + ";csv")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return h, string(b)
}

func scrapeRow(t *testing.T, target string) (model.Gateway, *feedtest.Recorder) {
	t.Helper()
	s, err := NewStats(target, "", "")
	if err != nil {
		t.Fatal(err)
	}
	rec := new(feedtest.Recorder)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	feed.ScrapeOnce(ctx, "haproxy", s, rec)
	return rec.LastGateway(), rec
}

// cut keeps the named columns of a CSV, in the header's order.
func cut(csv string, keep ...string) string {
	lines := strings.Split(strings.TrimRight(csv, "\n"), "\n")
	head := strings.Split(strings.TrimPrefix(lines[0], "# "), ",")
	var idx []int
	for i, h := range head {
		for _, k := range keep {
			if h == k {
				idx = append(idx, i)
			}
		}
	}
	var out strings.Builder
	for n, l := range lines {
		f := strings.Split(strings.TrimPrefix(l, "# "), ",")
		var kept []string
		for _, i := range idx {
			if i < len(f) {
				kept = append(kept, f[i])
			}
		}
		if n == 0 {
			out.WriteString("# ")
		}
		out.WriteString(strings.Join(kept, ",") + "\n")
	}
	return out.String()
}

func servePage(t *testing.T, body string) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, body) }))
	t.Cleanup(srv.Close)
	return srv.URL + "/stats"
}

func TestNeededColumnsRealHAProxy(t *testing.T) {
	h, page := realStats(t)

	// The real page, over HTTP and both runtime API sockets, has every
	// needed column and no short row.
	for _, target := range []string{h.StatsURL, "unix:" + h.Socket, h.SocketTCP} {
		gw, rec := scrapeRow(t, target)
		if !gw.OK || gw.Error != "" {
			t.Fatalf("%s: %+v", target, gw)
		}
		if _, ok := gw.Counters["short_rows"]; ok || gw.Counters["servers"] != 1 {
			t.Errorf("%s: counters %v, want 1 server and no short_rows", target, gw.Counters)
		}
		if len(rec.Counters()) != 1 {
			t.Errorf("%s: %d addresses, want the one server", target, len(rec.Counters()))
		}
	}

	// Cut to pxname,svname,status it would show the server UP with no
	// requests: it is refused, naming what is missing.
	gw, rec := scrapeRow(t, servePage(t, cut(page, "pxname", "svname", "status")))
	want := "not HAProxy stats CSV: the header has no check_status, scur, stot, econ, eresp, chkfail, hrsp_1xx, hrsp_2xx, hrsp_3xx, hrsp_4xx, hrsp_5xx columns, which gwtop needs"
	if gw.OK || !strings.Contains(gw.Error, want) || !strings.HasPrefix(gw.Error, "haproxy stats http://127.0.0.1:") {
		t.Errorf("cut page: ok=%v error %q, want it to contain %q", gw.OK, gw.Error, want)
	}
	if len(rec.Counters()) != 0 {
		t.Errorf("cut page reported %d addresses, want none", len(rec.Counters()))
	}

	// Missing one needed column is refused too.
	all := strings.Split(strings.TrimPrefix(strings.SplitN(page, "\n", 2)[0], "# "), ",")
	var but []string
	for _, c := range all {
		if c != "hrsp_5xx" {
			but = append(but, c)
		}
	}
	if gw, _ := scrapeRow(t, servePage(t, cut(page, but...))); gw.OK || !strings.Contains(gw.Error, "the header has no hrsp_5xx column, which gwtop needs") {
		t.Errorf("page without hrsp_5xx: ok=%v error %q", gw.OK, gw.Error)
	}

	// Rows of 2 and 3 fields among the real ones: skipped and counted,
	// the whole rows still read.
	lines := strings.SplitN(page, "\n", 2)
	short := lines[0] + "\nbe_app,ghost\nbe_app,ghost2,UP\nfe,FRONTEND,OPEN\n" + lines[1]
	gw, rec = scrapeRow(t, servePage(t, short))
	if !gw.OK || gw.Counters["short_rows"] != 3 || gw.Counters["servers"] != 1 {
		t.Errorf("short rows: ok=%v error %q counters %v, want ok, short_rows 3, 1 server", gw.OK, gw.Error, gw.Counters)
	}
	for addr := range rec.Counters() {
		if strings.Contains(addr, "ghost") {
			t.Errorf("a short row became an upstream: %s", addr)
		}
	}
}
