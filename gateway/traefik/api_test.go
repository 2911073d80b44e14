package traefik

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/gwtop/gwtop/collector/feed"
	"github.com/gwtop/gwtop/collector/feed/feedtest"
	"github.com/gwtop/gwtop/gateway/traefik/traefiktest"
	"github.com/gwtop/gwtop/model"
)

func scrape(t *testing.T, a *API, sink *feedtest.Recorder) model.Gateway {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	feed.ScrapeOnce(ctx, "traefik", a, sink)
	return sink.LastGateway()
}

func TestAPIScrapeFixtures(t *testing.T) {
	srv := traefiktest.Start(t, traefiktest.Options{DownAfter: 1})
	a, err := NewAPI(srv.URL+"/api/", "", "")
	if err != nil {
		t.Fatal(err)
	}
	sink := new(feedtest.Recorder)
	g := scrape(t, a, sink)
	if !g.OK || g.Error != "" || g.Kind != "traefik" || g.Source != "api" || g.Target != srv.URL {
		t.Fatalf("gateway row: %+v", g)
	}
	if srv.Pages() != 2 || g.Counters["pages"] != 2 {
		t.Errorf("pages served %d, counted %v: want both pages followed", srv.Pages(), g.Counters["pages"])
	}
	for k, want := range map[string]float64{
		"services": 4, "servers": 6, "servers_down": 1,
		"http_services_errors": 1, "http_services_warnings": 1, "http_routers_errors": 1, "http_routers_total": 3, "tcp_services_total": 3,
	} {
		if g.Counters[k] != want {
			t.Errorf("counter %s = %v, want %v", k, g.Counters[k], want)
		}
	}
	wantLabels := map[string]string{
		"127.0.0.1:80": "bar@myprovider", "172.17.0.1:3000": "app@file",
		"127.0.0.1:9001": "api@docker", "[::1]:9002": "api@docker",
		"10.0.0.1:8080": "web@file", "10.0.0.2:443": "web@file",
	}
	for addr, name := range wantLabels {
		if l := sink.Labels()[addr]; l.Name != name || l.Group != name {
			t.Errorf("label of %s = %v, want %s", addr, l, name)
		}
	}
	if len(sink.Labels()) != len(wantLabels) {
		t.Errorf("labels: %v", sink.Labels())
	}
	// bar has no health check: its "UP" says nothing, so no status at all.
	if st, ok := sink.Statuses()["127.0.0.1:80"]; ok {
		t.Errorf("bar@myprovider (no healthCheck) got a status: %+v", st)
	}
	if st := sink.Statuses()["172.17.0.1:3000"]; st.Down || st.Why != "traefik healthcheck: UP" {
		t.Errorf("app@file status %+v", st)
	}
	if st := sink.Statuses()["10.0.0.1:8080"]; !st.Down || !strings.Contains(st.Why, "DOWN") {
		t.Errorf("web@file DOWN server status %+v", st)
	}
	if st := sink.Statuses()["127.0.0.1:9001"]; st.Down {
		t.Errorf("api@docker UP on the first scrape: %+v", st)
	}
	if len(sink.Failures()) != 0 {
		t.Errorf("failures on the first scrape: %+v", sink.Failures())
	}

	// Second scrape: api@docker's servers are DOWN, all of them.
	scrape(t, a, sink)
	for _, addr := range []string{"127.0.0.1:9001", "[::1]:9002"} {
		if st := sink.Statuses()[addr]; !st.Down || st.Why != "traefik healthcheck: DOWN (service api@docker)" {
			t.Errorf("%s status %+v, want down", addr, st)
		}
	}
	if len(sink.Failures()) != 1 {
		t.Fatalf("failures: %+v, want one no_live_upstreams", sink.Failures())
	}
	f := sink.Failures()[0]
	if f.Addr != "api@docker" || f.Cause != model.CauseNoLiveUpstreams || f.Source != "status" || !strings.Contains(f.Line, "all 2 servers DOWN") {
		t.Errorf("failure %+v", f)
	}
	// Third scrape: still all DOWN, no new transition.
	g = scrape(t, a, sink)
	if len(sink.Failures()) != 1 {
		t.Errorf("failure reported again without a transition: %+v", sink.Failures())
	}
	if g.Counters["servers_down"] != 3 {
		t.Errorf("servers_down = %v", g.Counters["servers_down"])
	}
}

func TestAPIRecoveryClearsDown(t *testing.T) {
	a, _ := NewAPI("http://127.0.0.1:1", "", "")
	sink := new(feedtest.Recorder)
	down := []Service{{Name: "s@file", LoadBalancer: &LoadBalancer{Servers: []struct {
		URL string `json:"url"`
	}{{URL: "http://10.1.1.1:80"}}, HealthCheck: []byte(`{"path":"/"}`)}, ServerStatus: map[string]string{"http://10.1.1.1:80": "DOWN"}}}
	a.report(down, sink)
	if !sink.Statuses()["10.1.1.1:80"].Down || len(sink.Failures()) != 1 {
		t.Fatalf("down: %+v %+v", sink.Statuses(), sink.Failures())
	}
	// The health check is removed: Traefik says UP, which now means
	// nothing, but the DOWN said before must be withdrawn.
	down[0].ServerStatus["http://10.1.1.1:80"] = "UP"
	down[0].LoadBalancer.HealthCheck = nil
	a.report(down, sink)
	if st := sink.Statuses()["10.1.1.1:80"]; st.Down {
		t.Errorf("still down after recovery: %+v", st)
	}
	// Down again: a new transition, a new failure.
	down[0].ServerStatus["http://10.1.1.1:80"] = "DOWN"
	a.report(down, sink)
	if len(sink.Failures()) != 2 {
		t.Errorf("failures after a second transition: %d", len(sink.Failures()))
	}
}

func TestAPIBasicAuth(t *testing.T) {
	srv := traefiktest.Start(t, traefiktest.Options{Username: "ops", Password: "s3cr3t-pw"})
	good, _ := NewAPI(srv.URL, "ops", "s3cr3t-pw")
	if g := scrape(t, good, new(feedtest.Recorder)); !g.OK {
		t.Fatalf("with credentials: %+v", g)
	}
	inURL, _ := NewAPI(strings.Replace(srv.URL, "http://", "http://ops:s3cr3t-pw@", 1), "", "")
	if g := scrape(t, inURL, new(feedtest.Recorder)); !g.OK || strings.Contains(g.Target, "s3cr3t") {
		t.Fatalf("credentials in the URL: %+v", g)
	}
	bad, _ := NewAPI(srv.URL, "ops", "wrong-pw")
	g := scrape(t, bad, new(feedtest.Recorder))
	if g.OK || !strings.Contains(g.Error, "401") || !strings.Contains(g.Error, "check traefik.username") || strings.Contains(g.Error, "wrong-pw") {
		t.Errorf("wrong password: %+v", g)
	}
	none, _ := NewAPI(srv.URL, "", "")
	if g := scrape(t, none, new(feedtest.Recorder)); g.OK || !strings.Contains(g.Error, "set traefik.username") {
		t.Errorf("no credentials: %+v", g)
	}
}

func TestAPIFailureModes(t *testing.T) {
	for _, tc := range []struct {
		name string
		mode traefiktest.Mode
		want string
	}{
		{"html", traefiktest.HTML, "answered HTML"},
		{"garbage", traefiktest.Garbage, "not a JSON overview"},
		{"401", traefiktest.Unauthorized, "HTTP 401"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := traefiktest.Start(t, traefiktest.Options{Mode: tc.mode})
			a, _ := NewAPI(srv.URL, "", "")
			sink := new(feedtest.Recorder)
			g := scrape(t, a, sink)
			if g.OK || !strings.Contains(g.Error, tc.want) || g.Kind != "traefik" {
				t.Errorf("gateway row %+v, want error with %q", g, tc.want)
			}
			if len(sink.Labels())+len(sink.Statuses())+len(sink.Failures()) != 0 {
				t.Errorf("reported data from a broken API: %+v", sink)
			}
			// Recovery: the same reader works once the API does.
			srv.SetMode(traefiktest.OK)
			if g := scrape(t, a, sink); !g.OK {
				t.Errorf("after recovery: %+v", g)
			}
		})
	}
	t.Run("nothing", func(t *testing.T) {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := l.Addr().String()
		l.Close()
		a, _ := NewAPI("http://u:hunter22@"+addr, "", "")
		g := scrape(t, a, new(feedtest.Recorder))
		if g.OK || !strings.Contains(g.Error, "refused") || strings.Contains(g.Error, "hunter22") {
			t.Errorf("closed port: %+v", g)
		}
	})
}

func TestAPIEndlessPagesBounded(t *testing.T) {
	srv := traefiktest.Start(t, traefiktest.Options{Mode: traefiktest.EndlessPages})
	a, _ := NewAPI(srv.URL, "", "")
	g := scrape(t, a, new(feedtest.Recorder))
	if !g.OK || srv.Pages() != maxPages || g.Counters["truncated"] != 1 {
		t.Errorf("pages %d, gateway %+v: want the walk cut at %d", srv.Pages(), g, maxPages)
	}
}

func TestAPICanceled(t *testing.T) {
	srv := traefiktest.Start(t, traefiktest.Options{})
	a, _ := NewAPI(srv.URL, "", "")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	sink := new(feedtest.Recorder)
	feed.ScrapeOnce(ctx, "traefik", a, sink)
	if len(sink.Gateways()) != 0 {
		t.Errorf("a canceled scrape reported %+v", sink.Gateways())
	}
}

func TestNewAPIRejects(t *testing.T) {
	for _, u := range []string{"", "127.0.0.1:8080", "ftp://x", "http://", "http://a b/"} {
		if _, err := NewAPI(u, "", ""); err == nil {
			t.Errorf("NewAPI(%q) accepted", u)
		}
	}
	a, err := NewAPI("http://admin:pw@127.0.0.1:8080/traefik/api", "", "")
	if err != nil {
		t.Fatal(err)
	}
	if a.Target() != "http://127.0.0.1:8080/traefik" || a.user != "admin" || a.pass != "pw" {
		t.Errorf("target %q user %q", a.Target(), a.user)
	}
}
