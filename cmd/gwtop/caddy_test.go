package main

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gwtop/gwtop/collector"
	"github.com/gwtop/gwtop/internal/caddytest"
	"github.com/gwtop/gwtop/internal/conformance"
	"github.com/gwtop/gwtop/internal/faults"
	"github.com/gwtop/gwtop/model"
)

// caddyFault is one failing upstream behind the test Caddy and what gwtop
// must say of it.
type caddyFault struct {
	name    string
	kind    faults.Kind
	tls     bool          // Caddy proxies over TLS
	passive time.Duration // passive health checks' fail_duration
	cause   model.Cause
	state   model.State
	server  *faults.Server
}

type caddyGateway struct {
	caddy  *caddytest.Caddy
	faults []*caddyFault
}

// startCaddy starts one fault upstream per kind and a real Caddy in front
// of them, one route each, with the reverse proxy's debug entries in the
// log (Caddy 2.6 names the upstream of a request nowhere else).
func startCaddy(t *testing.T) *caddyGateway {
	t.Helper()
	g := &caddyGateway{faults: []*caddyFault{
		{name: "healthy", kind: faults.Healthy},
		{name: "refused", kind: faults.Refused},
		{name: "slow", kind: faults.Slow},
		{name: "close", kind: faults.Close},
		{name: "reset", kind: faults.Reset},
		{name: "error500", kind: faults.Error500},
		{name: "unavailable", kind: faults.Unavailable},
		// Go's HTTP client, which Caddy proxies with, accepts the
		// control character in the header name: the client gets a 200
		// (the conformance matrix says up).
		{name: "badheader", kind: faults.BadHeader},
		{name: "tls", kind: faults.PlainOnTLS, tls: true},
		// Passive health checks take the upstream out of rotation after
		// each refused connection; the admin API shows its fails.
		{name: "passive", kind: faults.Refused, passive: 2 * time.Second, cause: model.CauseRefused, state: model.StateDown},
	}}
	for _, f := range g.faults {
		if f.passive == 0 {
			f.cause, f.state = conformance.Want(t, "caddy", f.name)
		}
	}
	var routes []caddytest.Route
	for _, f := range g.faults {
		f.server = faults.Start(t, f.kind)
		routes = append(routes, caddytest.Route{Name: f.name, Upstreams: []string{f.server.Addr}, TLS: f.tls, FailDuration: f.passive})
	}
	g.caddy = caddytest.Start(t, caddytest.Config{Routes: routes, ProxyDebug: true})
	return g
}

// traffic sends requests through Caddy to every route until ctx ends:
// two workers per route (four for the slow one, whose every request takes
// the 1s response_header_timeout), each one request at a time.
func (g *caddyGateway) traffic(ctx context.Context) *sync.WaitGroup {
	prefixes := map[string]int{}
	for _, f := range g.faults {
		workers := 2
		if f.kind == faults.Slow {
			workers = 4
		}
		prefixes[fmt.Sprintf("http://%s/%s/x/", g.caddy.Addr, f.name)] = workers
	}
	return faults.Traffic(ctx, prefixes)
}

// writeCaddyConfig writes a gwtop configuration: the upstreams named (or
// not), and the caddy section's admin and log as given.
func writeCaddyConfig(t *testing.T, g *caddyGateway, named bool, admin, log, extra string) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("interval: 500ms\n")
	if named || extra != "" {
		b.WriteString("upstreams:\n")
	}
	if named {
		for _, f := range g.faults {
			fmt.Fprintf(&b, "  - name: %s\n    address: %q\n", f.name, f.server.Addr)
		}
	}
	b.WriteString(extra)
	b.WriteString("caddy:\n")
	if admin != "" {
		fmt.Fprintf(&b, "  admin: %q\n", admin)
	}
	if log != "" {
		fmt.Fprintf(&b, "  log: %q\n", log)
	}
	return writeFile(t, "gwtop.yaml", b.String())
}

// checkCaddyCauses asserts every fault's state and top cause, and that
// the failing ones' evidence is Caddy's and their requests are counted.
func (g *caddyGateway) checkCaddyCauses(t *testing.T, label string, s *model.Snapshot) {
	t.Helper()
	for _, f := range g.faults {
		u, ok := checkUpstream(t, label+": "+f.name, s, "caddy", f.server.Addr, upstreamWant{state: f.state, cause: f.cause})
		if !ok {
			continue
		}
		if f.cause != "" && u.TopCause() == f.cause && f.cause != model.CauseUpstream5xx && !strings.Contains(u.Causes[0].Evidence, `"error"`) {
			t.Errorf("%s: %s evidence is not Caddy's error entry: %s", label, f.name, u.Causes[0].Evidence)
		}
		if f.kind != faults.Refused && f.state == model.StateDown && (u.Requests == 0 || u.Rate5xx < 0.9) {
			t.Errorf("%s: %s: %d requests, 5xx rate %.2f; want its requests counted, nearly all 5xx", label, f.name, u.Requests, u.Rate5xx)
		}
	}
}

// TestCaddyCauses runs gwtop snapshot against a real Caddy in front of
// failing upstreams: with the admin API and the log, with the admin API
// alone, and with an admin address that is not Caddy's.
func TestCaddyCauses(t *testing.T) {
	g := startCaddy(t)

	// An admin "API" that answers a web page, and a port nothing
	// listens on, next to a probed upstream that must still report.
	html := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, "<!DOCTYPE html><html><body>Welcome</body></html>")
	}))
	defer html.Close()
	closed := caddytest.FreePort(t)
	healthy := g.faults[0].server.Addr
	probe := fmt.Sprintf("  - name: probed\n    address: %q\n    probe: http://%s/\n    timeout: 800ms\n", healthy, healthy)

	full := writeCaddyConfig(t, g, true, g.caddy.AdminAddr, g.caddy.Log, "")
	adminOnly := writeCaddyConfig(t, g, false, "http://"+g.caddy.AdminAddr, "", "")
	htmlAdmin := writeCaddyConfig(t, g, false, strings.TrimPrefix(html.URL, "http://"), "", probe)
	closedAdmin := writeCaddyConfig(t, g, false, fmt.Sprintf("127.0.0.1:%d", closed), "", probe)

	snaps := snapshotsUnderTraffic(t, g.traffic, map[string][]string{
		"admin+log":    {"--config", full, "--for", "6s"},
		"admin only":   {"--config", adminOnly, "--for", "6s"},
		"html admin":   {"--config", htmlAdmin, "--for", "6s"},
		"closed admin": {"--config", closedAdmin, "--for", "6s"},
	})
	if t.Failed() {
		return
	}
	withLog, fromAdmin, fromHTML, fromClosed := snaps["admin+log"], snaps["admin only"], snaps["html admin"], snaps["closed admin"]

	// Admin API and log: every upstream, its state and its cause.
	g.checkCaddyCauses(t, "admin+log", withLog)
	adminRow, adminOK := withLog.Gateway("caddy", "admin", "")
	if !adminOK || !adminRow.OK || adminRow.Counters["upstreams"] != float64(len(g.faults)) {
		t.Errorf("caddy admin row: %+v, want ok with %d upstreams", adminRow, len(g.faults))
	}
	if adminOK && adminRow.Counters["fails"] < 1 {
		t.Errorf("caddy admin row: no fails, though the passive route's upstream refuses: %+v", adminRow)
	}
	if logRow, ok := withLog.Gateway("caddy", "log", ""); !ok || !logRow.OK || logRow.Counters["parsed"] < 10 || logRow.Counters["skipped"] != 0 {
		t.Errorf("caddy log row: %+v", logRow)
	}
	if u, ok := withLog.Upstream("caddy", g.faults[len(g.faults)-1].server.Addr); ok && !slices.Contains(u.Sources, "status") {
		t.Errorf("passive upstream not seen by the admin API: sources %v", u.Sources)
	}
	// With its only upstream out of rotation, Caddy answers the passive
	// route itself: 503 "no upstreams available", naming no upstream.
	if gw, ok := withLog.Upstream("caddy", collector.GatewayName); !ok || gw.TopCause() != model.CauseNoLiveUpstreams {
		t.Errorf("gateway row of the snapshot: %+v, want no_live_upstreams", gw)
	}

	// Admin API alone: no names configured, yet every upstream is listed.
	if row, ok := fromAdmin.Gateway("caddy", "admin", ""); !ok || !row.OK || row.Error != "" {
		t.Errorf("admin-only: caddy admin row %+v", row)
	}
	for _, f := range g.faults {
		u, ok := fromAdmin.Upstream("caddy", f.server.Addr)
		if !ok {
			t.Errorf("admin-only: %s (%s) not listed", f.name, f.server.Addr)
			continue
		}
		// Listed, but fails 0 without passive health checks says
		// nothing of health: unknown, never "up".
		want := model.StateUnknown
		if f.passive > 0 {
			want = model.StateDown // fails ≥ max_fails (1)
			if !slices.Contains(u.Sources, "status") {
				t.Errorf("admin-only: %s sources %v", f.name, u.Sources)
			}
		}
		t.Logf("admin-only: %-11s %-8s %s", f.name, u.State, u.StateReason)
		if u.State != want {
			t.Errorf("admin-only: %s state %s (%s), want %s", f.name, u.State, u.StateReason, want)
		}
	}
	if _, ok := fromAdmin.Gateway("caddy", "log", ""); ok {
		t.Errorf("admin-only run has a log row")
	}

	// An admin address that is not Caddy's: an error in the gateway row,
	// and the probe still reports.
	for label, s := range map[string]*model.Snapshot{"html admin": fromHTML, "closed admin": fromClosed} {
		row, ok := s.Gateway("caddy", "admin", "")
		if !ok || row.OK || row.Error == "" {
			t.Errorf("%s: caddy admin row %+v, want an error", label, row)
		} else {
			t.Logf("%s: gateway error: %s", label, row.Error)
		}
		u, ok := s.Upstream("caddy", healthy)
		passed := 0
		for _, p := range u.ProbeHistory {
			if p.OK {
				passed++
			}
		}
		if !ok || u.Probe == nil || passed == 0 || u.State == model.StateDown || u.State == model.StateUnknown {
			t.Errorf("%s: probed upstream %s: state %s (%s), %d of %d probes passed; want its probes reported", label, u.Name, u.State, u.StateReason, passed, len(u.ProbeHistory))
		}
	}
	if row, ok := fromHTML.Gateway("caddy", "admin", ""); ok && !strings.Contains(row.Error, "HTML") {
		t.Errorf("html admin: error %q does not say it got HTML", row.Error)
	}
	if row, ok := fromClosed.Gateway("caddy", "admin", ""); ok && !strings.Contains(row.Error, "connection refused") {
		t.Errorf("closed admin: error %q does not say the connection was refused", row.Error)
	}
	keepLogs(t, g.caddy.Log)
}
