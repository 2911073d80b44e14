package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gwtop/gwtop/config"
	"github.com/gwtop/gwtop/gateway/traefik/traefiktest"
	"github.com/gwtop/gwtop/internal/faults"
	"github.com/gwtop/gwtop/model"
)

// apiTestHealthy starts a loopback server that always answers 200, the
// source that must keep working whatever a gateway's API does.
func apiTestHealthy(t *testing.T) string {
	t.Helper()
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "ok") }))
	t.Cleanup(s.Close)
	return s.URL + "/"
}

// TestTraefikAPI runs gwtop snapshot against a fake Traefik API serving the
// reference's fixtures over two pages; a health-checked service's servers
// turn DOWN after the first scrape.
func TestTraefikAPI(t *testing.T) {
	srv := traefiktest.Start(t, traefiktest.Options{DownAfter: 1, Username: "ops", Password: "pa55word"})
	healthy := apiTestHealthy(t)
	cfg := writeFile(t, "gwtop.yaml", fmt.Sprintf("interval: 200ms\ntraefik:\n  api: %s\n  username: ops\n  password: ${GWTOP_TEST_TRAEFIK_PW}\n", srv.URL))
	t.Setenv("GWTOP_TEST_TRAEFIK_PW", "pa55word")
	s := snapshotJSON(t, "--config", cfg, "--probe", "healthy="+healthy, "--for", "3s")

	g, ok := s.Gateway("traefik", "api", "")
	if !ok || !g.OK || g.Error != "" || g.Counters["pages"] != 2 || g.Counters["servers"] != 6 {
		t.Fatalf("traefik api gateway row: %+v", g)
	}
	if srv.Pages() < 4 {
		t.Errorf("only %d service pages served: want both pages on every scrape", srv.Pages())
	}
	checkUpstreams(t, "traefik", s, "traefik", map[string]upstreamWant{
		"127.0.0.1:9001":  {name: "api@docker", state: model.StateDown},
		"[::1]:9002":      {name: "api@docker", state: model.StateDown},
		"10.0.0.1:8080":   {name: "web@file", state: model.StateDown},
		"10.0.0.2:443":    {name: "web@file", state: model.StateUp},
		"172.17.0.1:3000": {name: "app@file", state: model.StateUp},
		// No health check: Traefik's UP says nothing, so nothing is known.
		"127.0.0.1:80": {name: "bar@myprovider", state: model.StateUnknown},
		"api@docker":   {cause: model.CauseNoLiveUpstreams},
	})
	if u, _ := s.Upstream("traefik", "127.0.0.1:9001"); !strings.Contains(u.StateReason, "traefik healthcheck: DOWN") {
		t.Errorf("state reason %q", u.StateReason)
	}
	out, _ := os.ReadFile(cfg)
	for _, gw := range s.Gateways {
		if strings.Contains(gw.Error+gw.Target, "pa55word") {
			t.Errorf("password shown in %+v (config %s)", gw, out)
		}
	}
	apiTestHealthyProbe(t, s, healthy)
}

// apiTestHealthyProbe asserts that the probe of apiTestHealthy's server
// at url reports it up.
func apiTestHealthyProbe(t *testing.T, s *model.Snapshot, url string) {
	t.Helper()
	u, ok := s.Upstream("", config.AddressOf(url))
	if !ok || u.Name != "healthy" {
		t.Errorf("healthy upstream (%s) missing: %+v", url, u)
	} else if u.State != model.StateUp || u.Probe == nil || !u.Probe.OK {
		t.Errorf("healthy upstream: %s %s probe %+v", u.State, u.StateReason, u.Probe)
	}
}

// checkSourceFails runs gwtop snapshot with a gateway source that does not
// work (flag url, e.g. --traefik-api) beside a probe: the source's row must
// carry an error saying want, and the probe must keep working.
func checkSourceFails(t *testing.T, flag, url, kind, source, want string) {
	t.Helper()
	healthy := apiTestHealthy(t)
	s := snapshotJSON(t, flag, url, "--probe", "healthy="+healthy, "--interval", "200ms", "--for", "2s")
	if g, ok := s.Gateway(kind, source, ""); !ok || g.OK || !strings.Contains(g.Error, want) {
		t.Errorf("gateway row %+v, want an error with %q", g, want)
	}
	apiTestHealthyProbe(t, s, healthy)
}

// TestTraefikAPIFailures: an API that answers HTML, 401, garbage or
// nothing is an error on its gateway row, and the probes keep working.
func TestTraefikAPIFailures(t *testing.T) {
	for _, tc := range []struct {
		name string
		mode traefiktest.Mode
		want string
	}{
		{"html", traefiktest.HTML, "answered HTML"},
		{"401", traefiktest.Unauthorized, "HTTP 401"},
		{"garbage", traefiktest.Garbage, "not a JSON"},
		{"nothing", -1, "refused"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			u := "http://" + faults.ClosedTCP(t)
			if tc.mode >= 0 {
				u = traefiktest.Start(t, traefiktest.Options{Mode: tc.mode}).URL
			}
			checkSourceFails(t, "--traefik-api", u, "traefik", "api", tc.want)
		})
	}
}

// TestTraefikAccessLog reads fixture lines, stamped now, from a file named
// in the configuration.
func TestTraefikAccessLog(t *testing.T) {
	dir := t.TempDir()
	logPath := filepath.Join(dir, "access.log")
	now := time.Now().Add(-2 * time.Second)
	var b strings.Builder
	for range 6 {
		for _, l := range []string{traefiktest.AccessOK, traefiktest.Access500, traefiktest.Access502, traefiktest.Access504,
			traefiktest.Access503, traefiktest.Access404, traefiktest.TraefikLog} {
			b.WriteString(traefiktest.At(l, now) + "\n")
		}
	}
	if err := os.WriteFile(logPath, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := writeFile(t, "gwtop.yaml", "traefik:\n  access_log: "+logPath+"\n")
	s := snapshotJSON(t, "--config", cfg, "--from-start", "--for", "1500ms")
	g, ok := s.Gateway("traefik", "access_log", "")
	if !ok || !g.OK || g.Counters["parsed"] != 36 || g.Counters["other"] != 6 || g.Counters["skipped"] != 0 {
		t.Fatalf("access log row %+v", g)
	}
	checkUpstreams(t, "traefik", s, "traefik", map[string]upstreamWant{
		"172.17.0.1:3000": {state: model.StateDegraded, cause: model.CauseUpstream5xx},
		"10.0.0.2:443":    {state: model.StateDown, cause: model.CauseReadTimeout},
		"127.0.0.1:9001":  {state: model.StateDown},
		"api@docker":      {cause: model.CauseNoLiveUpstreams},
	})
	if u, _ := s.Upstream("traefik", "127.0.0.1:9001"); u.Errors5xx != 6 {
		t.Errorf("Traefik's own 502s on 127.0.0.1:9001: %d 5xx, want 6", u.Errors5xx)
	}
}
