package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gwtop/gwtop/gateway/haproxy"
	"github.com/gwtop/gwtop/internal/conformance"
	"github.com/gwtop/gwtop/internal/faults"
	"github.com/gwtop/gwtop/internal/haproxytest"
	"github.com/gwtop/gwtop/model"
)

// hapServer is one server behind the test HAProxy and what gwtop must say
// of it.
type hapServer struct {
	backend, name string
	kind          faults.Kind
	opts          string // extra options on the server line
	beOpts        string // extra lines for its backend section
	cause         model.Cause
	state         model.State
	addr          string
}

func (s *hapServer) label() string { return s.backend + "/" + s.name }

// key is the address of the server's row: its own address, or, when the
// source shows none (the stats page without "stats show-legends", the log
// alone), the name HAProxy gives it.
func (s *hapServer) key(byAddr bool) string {
	if byAddr {
		return s.addr
	}
	return s.label()
}

// startServers starts each server's fault upstream (or, for "timeout", a
// listener whose full accept queue drops SYNs).
func startServers(t *testing.T, servers []*hapServer) {
	t.Helper()
	for _, s := range servers {
		if s.kind == "" {
			s.addr = haproxytest.FullBacklog(t)
			continue
		}
		s.addr = faults.Start(t, s.kind).Addr
	}
}

// backends renders the backend sections, servers in the order given.
func hapBackends(servers []*hapServer, checked map[string]bool) string {
	var b strings.Builder
	var order []string
	by := map[string][]*hapServer{}
	for _, s := range servers {
		if by[s.backend] == nil {
			order = append(order, s.backend)
		}
		by[s.backend] = append(by[s.backend], s)
	}
	for _, be := range order {
		fmt.Fprintf(&b, "backend %s\n", be)
		for _, s := range by[be] {
			b.WriteString(s.beOpts)
		}
		if checked[be] {
			b.WriteString("    option httpchk GET /\n    default-server check inter 200ms fall 2 rise 2\n")
		}
		for _, s := range by[be] {
			fmt.Fprintf(&b, "    server %s %s%s\n", s.name, s.addr, s.opts)
		}
	}
	return b.String()
}

// hapTraffic is traffic through HAProxy to each path, workers at a time
// per path, one request at a time each.
func hapTraffic(addr string, paths []string, workers int) func(context.Context) *sync.WaitGroup {
	prefixes := map[string]int{}
	for _, p := range paths {
		prefixes["http://"+addr+p] = workers
	}
	return prefixTraffic(prefixes)
}

// waitStats waits until HAProxy's runtime API lists every server in the
// state want says (DOWN or not), so the runs start from settled checks.
func waitStats(t *testing.T, sock string, want map[string]bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	var last string
	for {
		got := map[string]string{}
		if c, err := net.DialTimeout("unix", sock, time.Second); err == nil {
			_ = c.SetDeadline(time.Now().Add(2 * time.Second))
			_, _ = io.WriteString(c, "show stat\n")
			b, _ := io.ReadAll(c)
			c.Close()
			rows, _ := haproxy.ParseStats(b)
			for _, r := range rows {
				got[r.Proxy+"/"+r.Name] = r.Status + " " + r.CheckStatus
			}
		}
		ok := true
		for name, down := range want {
			st, seen := got[name]
			if !seen || haproxy.ServerDown(st) != down || (down && !strings.HasPrefix(st, "DOWN")) {
				ok = false
			}
		}
		if ok {
			return
		}
		last = fmt.Sprint(got)
		if time.Now().After(deadline) {
			t.Fatalf("HAProxy's checks did not settle within 15s: %s", last)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// checkServers asserts the state and top cause of every server, named as
// HAProxy names it (backend/server) and keyed by its address (byAddr) or
// by that name.
func checkServers(t *testing.T, label string, s *model.Snapshot, servers []*hapServer, byAddr bool) {
	t.Helper()
	for _, srv := range servers {
		checkUpstream(t, label, s, "haproxy", srv.key(byAddr), upstreamWant{name: srv.label(), state: srv.state, cause: srv.cause})
	}
}

// deadBackend is what gwtop must say of a backend with no server UP.
var deadBackend = upstreamWant{name: "be_dead", state: model.StateDown, cause: model.CauseNoLiveUpstreams}

// TestHAProxyStatsCauses runs gwtop snapshot against a real HAProxy whose
// health checks fail in every way loopback allows, reading the stats page
// (with basic auth), the runtime API's unix socket and its TCP socket, each
// alone; and a stats URL that is not HAProxy's beside a working probe.
func TestHAProxyStatsCauses(t *testing.T) {
	servers := []*hapServer{
		{backend: "be_app", name: "healthy", kind: faults.Healthy},
		{backend: "be_app", name: "refused", kind: faults.Refused},                                     // L4CON
		{backend: "be_app", name: "timeout", cause: model.CauseConnectTimeout, state: model.StateDown}, // L4TOUT
		{backend: "be_app", name: "slow", kind: faults.Slow},                                           // L7TOUT
		{backend: "be_app", name: "reset", kind: faults.Reset},                                         // SOCKERR "Connection reset by peer"
		{backend: "be_app", name: "error500", kind: faults.Error500},                                   // L7STS 500
		{backend: "be_app", name: "badheader", kind: faults.BadHeader},                                 // L7RSP
		{backend: "be_app", name: "tls", kind: faults.PlainOnTLS, opts: " check-ssl verify none"},      // L6RSP
		// HAProxy 2.6's HTTP check says no more of an upstream that
		// closes without a byte than of one that answers garbage (L7RSP,
		// no text), so the status page alone reads it as bad_response;
		// the log's SH-- tells them apart (TestHAProxyLogCauses).
		{backend: "be_app", name: "close", kind: faults.Close},
		{backend: "be_dead", name: "dead", kind: faults.Refused, cause: model.CauseRefused, state: model.StateDown},
	}
	for _, s := range servers {
		if s.backend == "be_app" && s.name != "timeout" {
			s.cause, s.state = conformance.Want(t, "haproxy stats", s.name)
		}
	}
	startServers(t, servers)
	h := haproxytest.Start(t, haproxytest.Config{
		Frontend:  "    use_backend be_dead if { path_beg /dead/ }\n    default_backend be_app\n",
		Backends:  hapBackends(servers, map[string]bool{"be_app": true, "be_dead": true}),
		StatsAuth: "gwtop:Pa55-w0rd-stats",
	})
	want := map[string]bool{}
	for _, s := range servers {
		want[s.label()] = s.state == model.StateDown
	}
	waitStats(t, h.Socket, want)

	const pwEnv = "GWTOP_TEST_HAPROXY_PASSWORD"
	t.Setenv(pwEnv, "Pa55-w0rd-stats")
	page := writeFile(t, "page.yaml", fmt.Sprintf("interval: 500ms\nhaproxy:\n  stats: %s;csv\n  username: gwtop\n  password: ${%s}\n", h.StatsURL, pwEnv))
	unix := writeFile(t, "unix.yaml", fmt.Sprintf("interval: 500ms\nhaproxy:\n  stats: unix:%s\n", h.Socket))
	tcp := writeFile(t, "tcp.yaml", fmt.Sprintf("interval: 500ms\nhaproxy:\n  stats: %s\n", h.SocketTCP))
	healthy := servers[0].addr
	notStats := writeFile(t, "html.yaml", fmt.Sprintf("interval: 500ms\nupstreams:\n  - name: probed\n    address: %q\n    probe: http://%s/\nhaproxy:\n  stats: http://%s/stats\n", healthy, healthy, healthy))

	snaps := snapshotsUnderTraffic(t, hapTraffic(h.Addr, []string{"/app/", "/dead/"}, 2), map[string][]string{
		"stats page":   {"--config", page, "--for", "6s"},
		"unix socket":  {"--config", unix, "--for", "6s"},
		"ipv4@ socket": {"--config", tcp, "--for", "6s"},
		"not stats":    {"--config", notStats, "--for", "6s"},
	})
	if t.Failed() {
		return
	}

	for label, source := range map[string]string{"stats page": "stats", "unix socket": "socket", "ipv4@ socket": "socket"} {
		s := snaps[label]
		// The stats page hides servers' addresses (and last_chk) unless
		// "stats show-legends": there they are keyed by name.
		checkServers(t, label, s, servers, source == "socket")
		checkUpstream(t, label, s, "haproxy", "be_dead", deadBackend)
		if u, ok := s.Upstream("haproxy", "be_app"); ok {
			t.Errorf("%s: backend be_app, which has a server UP, got a row: %+v", label, u)
		}
		if u, ok := s.Upstream("haproxy", servers[0].key(source == "socket")); ok && u.Requests < 1 {
			t.Errorf("%s: the healthy server served no requests per the stats: %+v", label, u)
		} else if ok && (u.AvgMS == nil || u.LatencyNote == "") {
			t.Errorf("%s: no HAProxy averages on the healthy server", label)
		}
		g, ok := s.Gateway("haproxy", source, "")
		if !ok || !g.OK || g.Error != "" || g.Counters["servers"] != float64(len(servers)) ||
			g.Counters["servers_up"] != 1 || g.Counters["servers_down"] != float64(len(servers)-1) || g.Counters["backends_down"] != 1 {
			t.Errorf("%s: gateway row %+v", label, g)
		}
	}
	// The password is nowhere in the output; the user name may be.
	out, err := json.Marshal(snaps["stats page"])
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(out), "Pa55-w0rd-stats") {
		t.Errorf("the stats password appears in the snapshot JSON")
	}
	if g, ok := snaps["stats page"].Gateway("haproxy", "stats", ""); !ok || !strings.Contains(g.Target, "gwtop@") || !strings.HasSuffix(g.Target, "/stats;csv") {
		t.Errorf("stats page gateway row %+v", g)
	}

	// A stats URL that is an ordinary web server: an error in its row, and
	// the probe beside it still works.
	s := snaps["not stats"]
	if g, ok := s.Gateway("haproxy", "stats", ""); !ok || g.OK || !strings.Contains(g.Error, "not HAProxy stats CSV") {
		t.Errorf("not stats: gateway row %+v", g)
	} else {
		t.Logf("not stats: gateway error %q", g.Error)
	}
	if u, ok := s.Upstream("haproxy", healthy); !ok || u.Name != "probed" || u.Probe == nil || !u.Probe.OK || u.State != model.StateUp {
		t.Errorf("not stats: the probe beside it: %+v", u)
	}
}

// TestHAProxyLogCauses runs gwtop snapshot on HAProxy's log (received as
// syslog and written to a file) for upstreams without health checks, so
// every request reaches its failing server and the termination flags say
// why; once from the log alone, once with the runtime API beside it, where
// the log's server names resolve to the stats' addresses.
func TestHAProxyLogCauses(t *testing.T) {
	servers := []*hapServer{
		{backend: "be_healthy", name: "srv", kind: faults.Healthy},
		{backend: "be_refused", name: "srv", kind: faults.Refused}, // SC--
		// sC--; without retries, so that each request takes one
		// "timeout connect" and enough of them end within the run.
		{backend: "be_timeout", name: "srv", beOpts: "    retries 0\n", cause: model.CauseConnectTimeout, state: model.StateDown},
		{backend: "be_slow", name: "srv", kind: faults.Slow},           // sH--
		{backend: "be_close", name: "srv", kind: faults.Close},         // SH--
		{backend: "be_error500", name: "srv", kind: faults.Error500},   // ---- 500
		{backend: "be_badheader", name: "srv", kind: faults.BadHeader}, // PH--
	}
	for _, s := range servers {
		if s.backend != "be_timeout" {
			s.cause, s.state = conformance.Want(t, "haproxy log", strings.TrimPrefix(s.backend, "be_"))
		}
	}
	dead := &hapServer{backend: "be_dead", name: "srv", kind: faults.Refused}
	startServers(t, append(servers, dead))
	var fe strings.Builder
	var paths []string
	for _, s := range append(servers, dead) {
		fmt.Fprintf(&fe, "    use_backend %s if { path_beg /%s/ }\n", s.backend, s.backend)
		paths = append(paths, "/"+s.backend+"/")
	}
	h := haproxytest.Start(t, haproxytest.Config{Frontend: fe.String(),
		Backends: hapBackends(append(servers, dead), map[string]bool{"be_dead": true}), Log: true})
	waitStats(t, h.Socket, map[string]bool{"be_dead/srv": true, "be_healthy/srv": false})

	logOnly := writeFile(t, "log.yaml", fmt.Sprintf("interval: 500ms\nhaproxy:\n  log: %s\n", h.LogFile))
	both := writeFile(t, "both.yaml", fmt.Sprintf("interval: 500ms\nhaproxy:\n  log: %s\n  stats: unix:%s\n", h.LogFile, h.Socket))
	snaps := snapshotsUnderTraffic(t, hapTraffic(h.Addr, paths, 3), map[string][]string{
		"log":       {"--config", logOnly, "--for", "6s"},
		"log+stats": {"--config", both, "--for", "6s"},
	})
	if t.Failed() {
		return
	}
	fromLog, withStats := snaps["log"], snaps["log+stats"]

	// From the log alone, servers are keyed by backend/server.
	checkServers(t, "log", fromLog, servers, false)
	checkUpstream(t, "log (<NOSRV> SC--)", fromLog, "haproxy", "be_dead", deadBackend)
	if g, ok := fromLog.Gateway("haproxy", "log", ""); !ok || !g.OK || g.Counters["parsed"] < 1 || g.Counters["skipped"] != 0 {
		t.Errorf("log: gateway row %+v", g)
	}

	// With the stats beside it, the log's lines count toward the
	// servers' addresses, which both sources feed.
	checkServers(t, "log+stats", withStats, servers, true)
	for _, srv := range servers {
		if u, ok := withStats.Upstream("haproxy", srv.addr); ok && (!slices.Contains(u.Sources, "access_log") || !slices.Contains(u.Sources, "status")) {
			t.Errorf("log+stats: %s fed by %v, want access_log and status", srv.label(), u.Sources)
		}
	}
	if t.Failed() {
		if b, err := os.ReadFile(h.LogFile); err == nil {
			lines := strings.Split(string(b), "\n")
			t.Logf("last log lines:\n%s", strings.Join(lines[max(0, len(lines)-30):], "\n"))
		}
	}
}
