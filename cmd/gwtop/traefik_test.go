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

func apiTestByAddr(s *model.Snapshot) map[string]model.Upstream {
	m := map[string]model.Upstream{}
	for _, u := range s.Upstreams {
		m[u.Address] = u
	}
	return m
}

func apiTestGateway(s *model.Snapshot, kind, source string) *model.Gateway {
	for i := range s.Gateways {
		if s.Gateways[i].Kind == kind && s.Gateways[i].Source == source {
			return &s.Gateways[i]
		}
	}
	return nil
}

func apiTestTop(u model.Upstream) model.Cause {
	if len(u.Causes) == 0 {
		return ""
	}
	return u.Causes[0].Code
}

// apiTestWant is what the snapshot must say of one address.
type apiTestWant struct {
	name  string
	state model.State // "" for any
	cause model.Cause // top cause; "" for none
}

func apiTestCheck(t *testing.T, s *model.Snapshot, wants map[string]apiTestWant) {
	t.Helper()
	ups := apiTestByAddr(s)
	for addr, w := range wants {
		u, ok := ups[addr]
		if !ok {
			t.Errorf("%s missing from the snapshot", addr)
			continue
		}
		t.Logf("%-22s %-14s %-8s top=%-18s %s | causes %s", addr, u.Name, u.State, apiTestTop(u), u.StateReason, causeList(u))
		if w.name != "" && u.Name != w.name {
			t.Errorf("%s: name %q, want %q", addr, u.Name, w.name)
		}
		if w.state != "" && u.State != w.state {
			t.Errorf("%s: state %s (%s), want %s", addr, u.State, u.StateReason, w.state)
		}
		if got := apiTestTop(u); got != w.cause {
			t.Errorf("%s: top cause %q, want %q (%s)", addr, got, w.cause, causeList(u))
		}
		if w.cause != "" && (u.Causes[0].Evidence == "" || u.Causes[0].Hint == "") {
			t.Errorf("%s: cause without evidence or hint: %+v", addr, u.Causes[0])
		}
	}
}

// TestTraefikAPI runs gwtop snapshot against a fake Traefik API serving the
// reference's fixtures over two pages; a health-checked service's servers
// turn DOWN after the first scrape.
func TestTraefikAPI(t *testing.T) {
	srv := traefiktest.Start(t, traefiktest.Options{DownAfter: 1, Username: "ops", Password: "pa55word"})
	healthy := apiTestHealthy(t)
	cfg := filepath.Join(t.TempDir(), "gwtop.yaml")
	yaml := fmt.Sprintf("interval: 200ms\ntraefik:\n  api: %s\n  username: ops\n  password: ${GWTOP_TEST_TRAEFIK_PW}\n", srv.URL)
	if err := os.WriteFile(cfg, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("GWTOP_TEST_TRAEFIK_PW", "pa55word")
	s := snapshotJSON(t, "--config", cfg, "--probe", "healthy="+healthy, "--for", "3s")

	g := apiTestGateway(s, "traefik", "api")
	if g == nil || !g.OK || g.Error != "" || g.Counters["pages"] != 2 || g.Counters["servers"] != 6 {
		t.Fatalf("traefik api gateway row: %+v", g)
	}
	if srv.Pages() < 4 {
		t.Errorf("only %d service pages served: want both pages on every scrape", srv.Pages())
	}
	apiTestCheck(t, s, map[string]apiTestWant{
		"127.0.0.1:9001":  {name: "api@docker", state: model.StateDown},
		"[::1]:9002":      {name: "api@docker", state: model.StateDown},
		"10.0.0.1:8080":   {name: "web@file", state: model.StateDown},
		"10.0.0.2:443":    {name: "web@file", state: model.StateUp},
		"172.17.0.1:3000": {name: "app@file", state: model.StateUp},
		// No health check: Traefik's UP says nothing, so nothing is known.
		"127.0.0.1:80": {name: "bar@myprovider", state: model.StateUnknown},
		"api@docker":   {cause: model.CauseNoLiveUpstreams},
	})
	if u := apiTestByAddr(s)["127.0.0.1:9001"]; !strings.Contains(u.StateReason, "traefik healthcheck: DOWN") {
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

func apiTestHealthyProbe(t *testing.T, s *model.Snapshot, url string) {
	t.Helper()
	for _, u := range s.Upstreams {
		if u.Name == "healthy" {
			if u.State != model.StateUp || u.Probe == nil || !u.Probe.OK {
				t.Errorf("healthy upstream: %s %s probe %+v", u.State, u.StateReason, u.Probe)
			}
			return
		}
	}
	t.Errorf("healthy upstream (%s) missing", url)
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
			healthy := apiTestHealthy(t)
			s := snapshotJSON(t, "--traefik-api", u, "--probe", "healthy="+healthy, "--interval", "200ms", "--for", "2s")
			g := apiTestGateway(s, "traefik", "api")
			if g == nil || g.OK || !strings.Contains(g.Error, tc.want) {
				t.Errorf("gateway row %+v, want an error with %q", g, tc.want)
			}
			apiTestHealthyProbe(t, s, healthy)
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
	cfg := filepath.Join(dir, "gwtop.yaml")
	if err := os.WriteFile(cfg, []byte("traefik:\n  access_log: "+logPath+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	s := snapshotJSON(t, "--config", cfg, "--from-start", "--for", "1500ms")
	g := apiTestGateway(s, "traefik", "access_log")
	if g == nil || !g.OK || g.Counters["parsed"] != 36 || g.Counters["other"] != 6 || g.Counters["skipped"] != 0 {
		t.Fatalf("access log row %+v", g)
	}
	apiTestCheck(t, s, map[string]apiTestWant{
		"172.17.0.1:3000": {state: model.StateDegraded, cause: model.CauseUpstream5xx},
		"10.0.0.2:443":    {state: model.StateDown, cause: model.CauseReadTimeout},
		"127.0.0.1:9001":  {state: model.StateDown},
		"api@docker":      {cause: model.CauseNoLiveUpstreams},
	})
	if u := apiTestByAddr(s)["127.0.0.1:9001"]; u.Errors5xx != 6 {
		t.Errorf("Traefik's own 502s on 127.0.0.1:9001: %d 5xx, want 6", u.Errors5xx)
	}
}
