package main

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/gwtop/gwtop/internal/promtest"
	"github.com/gwtop/gwtop/model"
	"github.com/gwtop/gwtop/ui"
)

// fleetJSON is gwtop snapshot --prometheus URL --json.
func fleetJSON(t *testing.T, url string) *model.Snapshot {
	t.Helper()
	out, stderr, code := gwtopRun(t, "snapshot", "--prometheus", url, "--json")
	if code != 0 {
		t.Fatalf("snapshot --prometheus: exit %d: %s", code, stderr)
	}
	checkSchema(t, []byte(out))
	var s model.Snapshot
	if err := json.Unmarshal([]byte(out), &s); err != nil {
		t.Fatal(err)
	}
	return &s
}

func fleetRow(s *model.Snapshot, instance, name string) (model.Upstream, bool) {
	for _, u := range s.Upstreams {
		if u.Instance == instance && u.Name == name {
			return u, true
		}
	}
	return model.Upstream{}, false
}

func agentRow(s *model.Snapshot, instance string) (model.Gateway, bool) {
	for _, g := range s.Gateways {
		if g.Kind == "prometheus" && g.Source == "agent" && g.Target == instance {
			return g, true
		}
	}
	return model.Gateway{}, false
}

// fleetWant is what each host's upstreams must show in the fleet.
var fleetWant = map[string]struct {
	state model.State
	cause model.Cause
}{
	"api":     {model.StateUp, ""},
	"billing": {model.StateDown, model.CauseRefused},
	"search":  {model.StateDown, model.CauseUpstream5xx},
}

// fleetMatches says what is still wrong with s for the instances given,
// "" when every upstream of each shows its state and top cause.
func fleetMatches(s *model.Snapshot, instances ...string) string {
	for _, inst := range instances {
		for name, w := range fleetWant {
			u, ok := fleetRow(s, inst, name)
			switch {
			case !ok:
				return inst + " " + name + " missing"
			case u.State != w.state:
				return inst + " " + name + " is " + string(u.State)
			case w.cause != "" && (len(u.Causes) == 0 || u.Causes[0].Code != w.cause):
				return inst + " " + name + " has no cause " + string(w.cause)
			}
		}
	}
	return ""
}

// TestFleetFromPrometheus is the end-to-end test: a real
// Prometheus scrapes two gwtop serve agents, each watching its own real
// nginx with a healthy, a refused and a 500-answering upstream. The agents'
// metrics pass promtool; the fleet snapshot lists both hosts' upstreams
// with their states and causes; one agent stopped is reported down while
// the other keeps working.
func TestFleetFromPrometheus(t *testing.T) {
	r1, r2 := startSmallRig(t), startSmallRig(t)
	ctx, stop := context.WithCancel(context.Background())
	w1, w2 := r1.traffic(ctx), r2.traffic(ctx)
	defer func() { stop(); w1.Wait(); w2.Wait() }()
	a1 := startAgent(t, "--config", r1.config)
	a2 := startAgent(t, "--config", r2.config)
	i1, i2 := strings.TrimPrefix(a1.URL, "http://"), strings.TrimPrefix(a2.URL, "http://")
	prom := promtest.Start(t, promtest.Options{Targets: []string{i1, i2}})

	for _, a := range []*agent{a1, a2} {
		promtoolCheck(t, waitMetrics(t, a.URL+"/metrics", `gwtop_upstream_state\{[^}]*state="down",upstream="billing"\} 1`))
	}

	var s *model.Snapshot
	deadline := time.Now().Add(40 * time.Second)
	for {
		s = fleetJSON(t, prom.URL)
		why := fleetMatches(s, i1, i2)
		if why == "" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the fleet never showed both hosts right: %s\n%+v", why, s.Gateways)
		}
		time.Sleep(500 * time.Millisecond)
	}
	for _, inst := range []string{i1, i2} {
		if g, ok := agentRow(s, inst); !ok || !g.OK {
			t.Errorf("agent %s row: %+v", inst, g)
		}
	}
	if u, _ := fleetRow(s, i2, "billing"); u.Causes[0].Hint == "" || !strings.HasPrefix(u.Causes[0].NextStep, "on 127.0.0.1: ") || u.Causes[0].Roots[0].Code != model.RootNotRunning {
		t.Errorf("billing on %s: cause %+v", i2, u.Causes[0])
	}
	if u, _ := fleetRow(s, i1, "api"); u.LatencyMS.Count == 0 || u.LatencyMS.P95 <= 0 || u.Requests == 0 {
		t.Errorf("api on %s: no latency or requests: %+v", i1, u.LatencyMS)
	}
	// The header's latency is the whole fleet's (the histograms summed
	// across both agents), once Prometheus has two scrapes to rate.
	for s.LatencyMS.Count == 0 || s.LatencyMS.P95 <= 0 {
		if time.Now().After(deadline) {
			t.Fatalf("no fleet-wide latency: %+v", s.LatencyMS)
		}
		time.Sleep(500 * time.Millisecond)
		s = fleetJSON(t, prom.URL)
	}
	if os.Getenv("GWTOP_FLEET_SCREEN") != "" {
		_ = os.WriteFile(os.Getenv("GWTOP_FLEET_SCREEN"), []byte(fleetScreen(s, false)+"\n"+fleetScreen(s, true)), 0o644)
	}

	// One agent stops: its instance is down, its upstreams unknown; the
	// other's still show their states and causes.
	if code := a1.Stop(); code != 0 {
		t.Fatalf("agent 1 exited %d", code)
	}
	deadline = time.Now().Add(20 * time.Second)
	for {
		s = fleetJSON(t, prom.URL)
		g, ok := agentRow(s, i1)
		u, _ := fleetRow(s, i1, "billing")
		if ok && !g.OK && strings.Contains(g.Error, "up == 0") && u.State == model.StateUnknown && fleetMatches(s, i2) == "" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("agent 1's stop not seen: row %+v, billing %+v, host 2: %s", g, u, fleetMatches(s, i2))
		}
		time.Sleep(500 * time.Millisecond)
	}
	if g, _ := agentRow(s, i2); !g.OK {
		t.Errorf("agent 2 reported down: %+v", g)
	}
	if s.Gateways[0].Source != "api" || !s.Gateways[0].OK {
		t.Errorf("Prometheus row: %+v", s.Gateways[0])
	}
}

// fleetScreen renders the overview on a fleet snapshot at 160×30, as the
// screen shows it.
func fleetScreen(s *model.Snapshot, grouped bool) string {
	m := ui.New(staticSource{s}, ui.Options{Theme: "dark", NoColor: true, Title: "fleet"})
	var tm tea.Model = m
	tm, _ = tm.Update(tea.WindowSizeMsg{Width: 160, Height: 30})
	tm, _ = tm.Update(ui.SnapshotMsg{Snapshot: s})
	if grouped {
		tm, _ = tm.Update(tea.KeyPressMsg{Code: 'u', Text: "u"})
	}
	return ansi.Strip(tm.(ui.Model).View().Content)
}

type staticSource struct{ s *model.Snapshot }

func (f staticSource) Latest() *model.Snapshot { return f.s }

// TestFleetPrometheusDown: an unreachable Prometheus is a failed row, and
// exit 0 with a snapshot, not a crash.
func TestFleetPrometheusDown(t *testing.T) {
	s := fleetJSON(t, "http://127.0.0.1:1")
	if len(s.Gateways) != 1 || s.Gateways[0].OK || s.Gateways[0].Error == "" || len(s.Upstreams) != 0 {
		t.Fatalf("gateways %+v", s.Gateways)
	}
	_, stderr, code := gwtopRun(t, "snapshot", "--prometheus", "ftp://x")
	if code != 2 || !strings.Contains(stderr, "want http(s)://HOST:PORT") {
		t.Errorf("bad URL: exit %d %q", code, stderr)
	}
	for _, args := range [][]string{
		{"snapshot", "--prometheus", "http://127.0.0.1:1", "--access-log", "/var/log/nginx/access.log"},
		{"--prometheus", "http://127.0.0.1:1", "-c", "gwtop.yaml"},
		{"--prometheus", "http://127.0.0.1:1", "--listen", "127.0.0.1:0"},
	} {
		_, stderr, code := gwtopRun(t, args...)
		if code != 2 || !strings.Contains(stderr, "give one or the other") {
			t.Errorf("%v: exit %d %q", args, code, stderr)
		}
	}
}
