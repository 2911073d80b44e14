package envoy

import (
	"context"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/gwtop/gwtop/collector/feed"
	"github.com/gwtop/gwtop/collector/feed/feedtest"
	"github.com/gwtop/gwtop/gateway/envoy/envoytest"
	"github.com/gwtop/gwtop/model"
)

func scrape(t *testing.T, a *Admin, sink *feedtest.Recorder) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	feed.ScrapeOnce(ctx, "envoy", a, sink)
}

func TestAdminScrape(t *testing.T) {
	for _, mode := range []envoytest.Mode{envoytest.OK, envoytest.TextOnly} {
		t.Run(fmt.Sprint("mode", mode), func(t *testing.T) {
			srv := envoytest.Start(t, mode)
			a, err := NewAdmin(srv.URL + "/")
			if err != nil {
				t.Fatal(err)
			}
			sink := new(feedtest.Recorder)
			scrape(t, a, sink)
			g := sink.LastGateway()
			if !g.OK || g.Kind != "envoy" || g.Source != "admin" || g.Target != srv.URL {
				t.Fatalf("gateway %+v", g)
			}
			if mode == envoytest.TextOnly {
				if g.Counters["clusters_text"] != 1 || srv.Requests("/clusters?") != 1 {
					t.Errorf("text fallback not used: %+v, %d text requests", g.Counters, srv.Requests("/clusters?"))
				}
			}
			// Labels and states.
			for addr, cluster := range map[string]string{
				"127.0.0.1:8001": "api", "127.0.0.1:8002": "api", "[::1]:8003": "api", "127.0.0.3:7000": "timeouts",
				"127.0.0.2:9000": "slow", "unix:/run/app.sock": "slow", "127.0.0.4:9100": "breaker", "10.0.9.1:80": "pay", "127.0.0.5:9200": "closing",
			} {
				if l := sink.Labels()[addr]; l.Name != cluster || l.Group != cluster {
					t.Errorf("label of %s = %v, want %s", addr, l, cluster)
				}
			}
			for addr, want := range map[string]feedtest.Status{
				"127.0.0.1:8001": {Down: false, Why: "envoy health_flags: healthy"},
				"[::1]:8003":     {Down: true, Why: "envoy health_flags: /failed_active_hc"},
				"10.0.9.1:80":    {Down: true, Why: "envoy health_flags: /failed_outlier_check"},
			} {
				if got := sink.Statuses()[addr]; got != want {
					t.Errorf("status of %s = %+v, want %+v", addr, got, want)
				}
			}
			if c := sink.Counters()["127.0.0.1:8002"]; c.Requests != 0 || c.Classes[5] != 0 {
				t.Errorf("first counters of 127.0.0.1:8002: %+v", c)
			}
			// The first scrape is a baseline, except for the gauge: pay
			// has no healthy host now.
			if got := sink.FailuresByCause(); len(got) != 1 || got["pay"][model.CauseNoLiveUpstreams] != 1 {
				t.Fatalf("first scrape failures: %v", got)
			}

			scrape(t, a, sink)
			scrape(t, a, sink)
			if c := sink.Counters()["127.0.0.1:8002"]; c.Requests != 4 || c.Classes[5] != 4 {
				t.Errorf("counters of 127.0.0.1:8002 after two more scrapes: %+v", c)
			}
			if c := sink.Counters()["127.0.0.1:8001"]; c.Requests != 20 || c.Classes[2] != 20 {
				t.Errorf("counters of 127.0.0.1:8001: %+v", c)
			}
			got := sink.FailuresByCause()
			want := map[string]map[model.Cause]int{
				"127.0.0.1:8002": {model.CauseRefused: 4},         // cx_connect_fail +2 twice, no timeouts
				"127.0.0.3:7000": {model.CauseConnectTimeout: 8},  // +4 twice, all timeouts
				"slow":           {model.CauseReadTimeout: 6},     // upstream_rq_timeout +3 twice
				"breaker":        {model.CauseGatewayLimits: 10},  // upstream_rq_pending_overflow +5 twice
				"pay":            {model.CauseNoLiveUpstreams: 3}, // the gauge once, upstream_cx_none_healthy +1 twice
				"closing":        {model.CausePrematureClose: 2},  // destroy_remote_with_active_rq +1 twice
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("failures\n got %v\nwant %v", got, want)
			}
			for _, f := range sink.Failures() {
				if f.Source != "status" || !strings.HasPrefix(f.Line, "envoy cluster ") {
					t.Errorf("failure %+v", f)
				}
				if f.Inferred != (f.Cause == model.CauseRefused) {
					t.Errorf("inferred flag of %+v", f)
				}
			}
			for _, f := range sink.Failures() {
				if f.Addr == "slow" && f.Line != "envoy cluster slow: upstream_rq_timeout +3" {
					t.Errorf("evidence %q", f.Line)
				}
			}
			if g := sink.LastGateway(); g.Counters["hosts_down"] < 2 {
				t.Errorf("hosts_down %v", g.Counters)
			}
		})
	}
}

func TestAdminFailureModes(t *testing.T) {
	for _, tc := range []struct {
		mode envoytest.Mode
		want string
	}{
		{envoytest.HTML, "neither JSON"},
		{envoytest.Garbage, "neither JSON"},
	} {
		srv := envoytest.Start(t, tc.mode)
		a, _ := NewAdmin(srv.URL)
		sink := new(feedtest.Recorder)
		scrape(t, a, sink)
		g := sink.LastGateway()
		if g.OK || !strings.Contains(g.Error, tc.want) {
			t.Errorf("mode %v: gateway %+v, want error with %q", tc.mode, g, tc.want)
		}
		if len(sink.Labels())+len(sink.Statuses())+len(sink.Failures())+len(sink.Counters()) != 0 {
			t.Errorf("mode %v reported data", tc.mode)
		}
		srv.SetMode(envoytest.OK)
		scrape(t, a, sink)
		if g := sink.LastGateway(); !g.OK {
			t.Errorf("after recovery: %+v", g)
		}
	}
	// /stats missing: hosts still reported, the row says what is missing.
	srv := envoytest.Start(t, envoytest.NoStats)
	a, _ := NewAdmin(srv.URL)
	sink := new(feedtest.Recorder)
	scrape(t, a, sink)
	if g := sink.LastGateway(); g.OK || !strings.Contains(g.Error, "/stats: HTTP 404") || len(sink.Labels()) == 0 {
		t.Errorf("no stats: %+v, %d labels", g, len(sink.Labels()))
	}
	// Nothing listening.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	a, _ = NewAdmin("http://admin:topsecret@" + addr)
	sink = new(feedtest.Recorder)
	scrape(t, a, sink)
	if g := sink.LastGateway(); g.OK || !strings.Contains(g.Error, "refused") || strings.Contains(g.Error+g.Target, "topsecret") {
		t.Errorf("closed port: %+v", g)
	}
}

func TestAdminCounterReset(t *testing.T) {
	a, _ := NewAdmin("http://127.0.0.1:9901")
	sink := new(feedtest.Recorder)
	cl := func(fail int64) []Cluster {
		return []Cluster{{Name: "c", Hosts: []Host{{Addr: "10.0.0.1:80", Stats: map[string]int64{"cx_connect_fail": fail}}}}}
	}
	st := func(to int64) map[string]map[string]int64 {
		return map[string]map[string]int64{"c": {"upstream_rq_timeout": to}}
	}
	a.report(cl(10), st(10), sink)
	a.report(cl(2), st(1), sink) // Envoy restarted: new baseline
	if len(sink.Failures()) != 0 {
		t.Fatalf("a counter going backwards made failures: %+v", sink.Failures())
	}
	a.report(cl(3), st(1000), sink)
	got := sink.FailuresByCause()
	if got["10.0.0.1:80"][model.CauseRefused] != 1 || got["c"][model.CauseReadTimeout] != maxFailuresPerDelta {
		t.Errorf("failures %v", got)
	}
	fs := sink.Failures()
	last := fs[len(fs)-1]
	if last.Line != "envoy cluster c: upstream_rq_timeout +999" {
		t.Errorf("evidence %q", last.Line)
	}
}

func TestAdminMixedConnectFailures(t *testing.T) {
	a, _ := NewAdmin("http://127.0.0.1:9901")
	sink := new(feedtest.Recorder)
	cl := func(f1, f2 int64) []Cluster {
		return []Cluster{{Name: "c", Hosts: []Host{
			{Addr: "10.0.0.1:80", Stats: map[string]int64{"cx_connect_fail": f1, "rq_timeout": f1}},
			{Addr: "10.0.0.2:80", Stats: map[string]int64{"cx_connect_fail": f2}}}}}
	}
	st := func(to, rq int64) map[string]map[string]int64 {
		return map[string]map[string]int64{"c": {"upstream_cx_connect_timeout": to, "upstream_rq_timeout": rq}}
	}
	a.report(cl(0, 0), st(0, 0), sink)
	a.report(cl(2, 3), st(1, 5), sink)
	got := sink.FailuresByCause()
	want := map[string]map[model.Cause]int{
		"10.0.0.1:80": {model.CauseRefused: 2, model.CauseReadTimeout: 2},
		"10.0.0.2:80": {model.CauseRefused: 3},
		"c":           {model.CauseConnectTimeout: 1, model.CauseReadTimeout: 3},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("got %v\nwant %v", got, want)
	}
}

func TestNewAdminRejects(t *testing.T) {
	for _, u := range []string{"", "127.0.0.1:9901", "unix:/x", "http://"} {
		if _, err := NewAdmin(u); err == nil {
			t.Errorf("NewAdmin(%q) accepted", u)
		}
	}
}
