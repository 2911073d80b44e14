package diagnose

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gwtop/gwtop/facts"
	"github.com/gwtop/gwtop/model"
)

var t0 = time.Date(2026, 12, 1, 8, 25, 43, 0, time.UTC)

func gunicorn(pid int, unit string) *facts.Process {
	return &facts.Process{PID: pid, PPID: 1, Comm: "gunicorn", Cmdline: []string{"/usr/bin/python3", "/usr/bin/gunicorn", "app:app"},
		Start: t0.Add(-23 * time.Minute), Unit: unit}
}

func nginxTarget(addr string) Target {
	return Target{Name: "api", Address: addr, Knobs: Knobs{Kind: "nginx", Title: "nginx", Pass: "*_pass"}}
}

// hostWith is a host sample at t0 with the given listeners now.
func hostWith(now ...facts.Listener) *HostFacts {
	return &HostFacts{Time: t0, Since: t0.Add(-30 * time.Minute), Scanned: true,
		Listeners:  facts.Listeners{Time: t0, Now: now},
		LocalAddrs: []netip.Addr{netip.MustParseAddr("192.0.2.10")}, Routes: map[string]bool{}}
}

func codes(rs []model.Root) []model.RootCode {
	var out []model.RootCode
	for _, r := range rs {
		out = append(out, r.Code)
	}
	return out
}

func wantRoot(t *testing.T, rs []model.Root, code model.RootCode, facts ...string) model.Root {
	t.Helper()
	for _, r := range rs {
		if r.Code == code {
			for _, f := range facts {
				if !strings.Contains(r.Summary, f) {
					t.Errorf("%s summary %q does not name %q", code, r.Summary, f)
				}
			}
			if r.Evidence == "" || r.Source == "" || r.Count < 1 {
				t.Errorf("%s without evidence, source or count: %+v", code, r)
			}
			return r
		}
	}
	t.Fatalf("no %s among %v", code, codes(rs))
	return model.Root{}
}

func refusedAt(times ...time.Time) CauseFacts {
	return CauseFacts{Code: model.CauseRefused, Times: times, Window: 5 * time.Minute}
}

func TestRootsRefused(t *testing.T) {
	api := "127.0.0.1:8000"
	t.Run("not running", func(t *testing.T) {
		h := hostWith(facts.Listener{Addr: "0.0.0.0:22", Owner: &facts.Process{PID: 300, Comm: "sshd"}})
		r := wantRoot(t, Roots(nginxTarget(api), refusedAt(t0), h), model.RootNotRunning, "127.0.0.1:8000", "since gwtop started watching at 07:55:43")
		if len(Roots(nginxTarget(api), refusedAt(t0), h)) != 1 {
			t.Errorf("more than not_running: %+v", r)
		}
	})
	t.Run("not scanned says nothing", func(t *testing.T) {
		h := hostWith()
		h.Scanned = false
		if rs := Roots(nginxTarget(api), refusedAt(t0), h); len(rs) != 0 {
			t.Errorf("roots without a complete listener sample: %+v", rs)
		}
	})
	t.Run("remote upstream", func(t *testing.T) {
		if rs := Roots(nginxTarget("10.9.9.9:8000"), refusedAt(t0), hostWith()); len(rs) != 0 {
			t.Errorf("roots for another host's address: %+v", rs)
		}
	})
	t.Run("exited", func(t *testing.T) {
		p := gunicorn(4242, "payments.service")
		h := hostWith()
		h.Listeners.History = []facts.ListenerChange{{Time: t0.Add(-3 * time.Second), Gone: true, Exited: true,
			Listener: facts.Listener{Addr: api, Owner: p, Since: t0.Add(-23 * time.Minute)}}}
		r := wantRoot(t, Roots(nginxTarget(api), refusedAt(t0), h), model.RootExited, "gunicorn (pid 4242, payments.service)", "127.0.0.1:8000", "(started 08:02:43)", "exited at 08:25:40")
		if !strings.Contains(r.NextStep, "systemctl status payments.service") {
			t.Errorf("next step %q", r.NextStep)
		}
	})
	t.Run("exited, OOM-killed", func(t *testing.T) {
		p := gunicorn(4242, "payments.service")
		h := hostWith()
		h.Listeners.History = []facts.ListenerChange{{Time: t0, Gone: true, Exited: true, Listener: facts.Listener{Addr: api, Owner: p}}}
		h.OOM = []facts.OOMKill{{Time: t0.Add(-time.Second), PID: 4242, Comm: "gunicorn", Line: "Out of memory: Killed process 4242 (gunicorn)"}}
		r := wantRoot(t, Roots(nginxTarget(api), refusedAt(t0), h), model.RootExited, "OOM-killed")
		if !strings.Contains(r.Evidence, "Killed process 4242") {
			t.Errorf("evidence %q", r.Evidence)
		}
	})
	t.Run("restarting", func(t *testing.T) {
		p := gunicorn(4242, "payments.service")
		l := facts.Listener{Addr: api, Owner: p}
		h := hostWith(l)
		h.Listeners.History = []facts.ListenerChange{
			{Time: t0.Add(-60 * time.Second), Gone: true, Listener: l}, {Time: t0.Add(-58 * time.Second), Listener: l},
			{Time: t0.Add(-20 * time.Second), Gone: true, Listener: l}, {Time: t0.Add(-18 * time.Second), Listener: l},
		}
		wantRoot(t, Roots(nginxTarget(api), refusedAt(t0.Add(-19*time.Second)), h), model.RootRestarting, "2 times", "payments.service")
	})
	t.Run("wrong port", func(t *testing.T) {
		h := hostWith(facts.Listener{Addr: "127.0.0.1:8001", Owner: gunicorn(4242, "")},
			facts.Listener{Addr: "127.0.0.1:5432", Owner: &facts.Process{PID: 77, Comm: "postgres"}})
		h.Routes = map[string]bool{api: true}
		h.Pass = map[string]facts.Setting{api: {Name: "proxy_pass", Value: "http://127.0.0.1:8000", File: "/etc/nginx/conf.d/api.conf", Line: 14}}
		rs := Roots(nginxTarget(api), refusedAt(t0), h)
		r := wantRoot(t, rs, model.RootWrongPort, "gunicorn (pid 4242) listens on 127.0.0.1:8001", "nginx points at :8000", "api.conf:14")
		if strings.Contains(r.Summary, "postgres") {
			t.Errorf("a database guessed as the app: %q", r.Summary)
		}
		for _, c := range codes(rs) {
			if c == model.RootNotRunning {
				t.Errorf("not_running beside wrong_port: %v", codes(rs))
			}
		}
	})
	t.Run("a port another route uses is not wrong", func(t *testing.T) {
		h := hostWith(facts.Listener{Addr: "127.0.0.1:8001", Owner: gunicorn(4242, "")})
		h.Routes = map[string]bool{api: true, "127.0.0.1:8001": true}
		wantRoot(t, Roots(nginxTarget(api), refusedAt(t0), h), model.RootNotRunning)
	})
	t.Run("bound elsewhere", func(t *testing.T) {
		h := hostWith(facts.Listener{Addr: "[::1]:8000", Owner: gunicorn(4242, "")})
		wantRoot(t, Roots(nginxTarget(api), refusedAt(t0), h), model.RootBoundElsewhere, "[::1]:8000", "not 127.0.0.1:8000")
	})
	t.Run("unix socket elsewhere", func(t *testing.T) {
		h := hostWith(facts.Listener{Addr: "unix:/run/app/gunicorn.sock", Owner: gunicorn(4242, "")})
		wantRoot(t, Roots(nginxTarget("unix:/run/gunicorn.sock"), refusedAt(t0), h), model.RootBoundElsewhere, "/run/app/gunicorn.sock", "/run/gunicorn.sock")
	})
	t.Run("listening now on a wildcard", func(t *testing.T) {
		h := hostWith(facts.Listener{Addr: "0.0.0.0:8000", Owner: gunicorn(4242, "")})
		for _, r := range Roots(nginxTarget(api), refusedAt(t0), h) {
			if r.Code == model.RootNotRunning || r.Code == model.RootWrongPort {
				t.Errorf("0.0.0.0:8000 serves 127.0.0.1:8000, yet %s", r.Code)
			}
		}
	})
}

func appHost(p *facts.Process, events ...facts.AppEvent) *HostFacts {
	h := hostWith(facts.Listener{Addr: "127.0.0.1:8000", Owner: p})
	h.Apps = []App{{Proc: *p, App: "gunicorn", Logs: []string{"/var/log/gunicorn/error.log"}, Timeout: 30}}
	for i := range events {
		events[i].File = "/var/log/gunicorn/error.log"
		events[i].App = "gunicorn"
	}
	h.Events = events
	h.Settings = []facts.Setting{{Gateway: "nginx", Upstream: "127.0.0.1:8000", Route: "location /", Name: "proxy_read_timeout", Value: "60s", Seconds: 60, Default: true}}
	return h
}

func TestRootsWorkers(t *testing.T) {
	api := nginxTarget("127.0.0.1:8000")
	closed := CauseFacts{Code: model.CausePrematureClose, Times: []time.Time{t0}, Window: 5 * time.Minute}
	p := gunicorn(4242, "")
	t.Run("worker timeout", func(t *testing.T) {
		h := appHost(p, facts.AppEvent{Time: t0.Add(-time.Second), Kind: facts.AppWorkerTimeout, PID: 4250, Line: "[CRITICAL] WORKER TIMEOUT (pid:4250)"})
		wantRoot(t, Roots(api, closed, h), model.RootWorkerTimeout, "worker 4250", "30s", "proxy_read_timeout is 60s (default)")
	})
	t.Run("an event minutes away is not the root", func(t *testing.T) {
		h := appHost(p, facts.AppEvent{Time: t0.Add(-time.Minute), Kind: facts.AppWorkerTimeout, PID: 4250, Line: "[CRITICAL] WORKER TIMEOUT (pid:4250)"})
		if rs := Roots(api, closed, h); len(rs) != 0 {
			t.Errorf("an event a minute before the failure taken as its root: %+v", rs)
		}
	})
	t.Run("another app's log is not the root", func(t *testing.T) {
		h := appHost(p, facts.AppEvent{Time: t0, Kind: facts.AppWorkerTimeout, PID: 9, Line: "WORKER TIMEOUT"})
		h.Events[0].File = "/var/log/other/error.log"
		if rs := Roots(api, closed, h); len(rs) != 0 {
			t.Errorf("another process's log taken as the root: %+v", rs)
		}
	})
	t.Run("worker replaced, with traceback", func(t *testing.T) {
		h := appHost(p,
			facts.AppEvent{Time: t0.Add(-20 * time.Minute), Kind: facts.AppStarting, Line: "Starting gunicorn 20.1.0"},
			facts.AppEvent{Time: t0.Add(-20 * time.Minute), Kind: facts.AppWorkerBoot, PID: 4243, Line: "Booting worker with pid: 4243"},
			facts.AppEvent{Time: t0.Add(500 * time.Millisecond), Kind: facts.AppWorkerBoot, PID: 4251, Line: "Booting worker with pid: 4251"})
		wantRoot(t, Roots(api, closed, h), model.RootWorkerCrash, "replaced a dead worker", "08:25:43")
	})
	t.Run("start-up boots are not crashes", func(t *testing.T) {
		h := appHost(p,
			facts.AppEvent{Time: t0.Add(-time.Second), Kind: facts.AppStarting, Line: "Starting gunicorn 20.1.0"},
			facts.AppEvent{Time: t0, Kind: facts.AppWorkerBoot, PID: 4243, Line: "Booting worker with pid: 4243"})
		if rs := Roots(api, closed, h); len(rs) != 0 {
			t.Errorf("a start-up boot taken as a crash: %+v", rs)
		}
	})
	t.Run("oom killed worker", func(t *testing.T) {
		h := appHost(p, facts.AppEvent{Time: t0, Kind: facts.AppWorkerKilled, PID: 4250, Line: "Worker (pid:4250) was sent SIGKILL! Perhaps out of memory?"})
		h.OOM = []facts.OOMKill{{Time: t0.Add(-time.Second), PID: 4250, Comm: "gunicorn", Line: "Out of memory: Killed process 4250 (gunicorn)"}}
		rs := Roots(api, closed, h)
		wantRoot(t, rs, model.RootOOMKilled, "gunicorn (pid 4250)")
		for _, r := range rs {
			if r.Code == model.RootWorkerCrash {
				t.Errorf("worker_crash beside the OOM kill that explains it")
			}
		}
	})
}

func TestRootsTimeouts(t *testing.T) {
	api := nginxTarget("127.0.0.1:8000")
	slow := CauseFacts{Code: model.CauseReadTimeout, Times: []time.Time{t0}, Window: 5 * time.Minute,
		Probes: []model.ProbeResult{{Time: t0, OK: true, Phases: model.Phases{Total: 3000}}}}
	h := appHost(gunicorn(4242, ""))
	h.Settings = []facts.Setting{{Gateway: "nginx", Upstream: "127.0.0.1:8000", Route: "location /slow", Name: "proxy_read_timeout", Value: "1s", Seconds: 1, File: "site.conf", Line: 22}}
	wantRoot(t, Roots(api, slow, h), model.RootExceedsTimeout, "proxy_read_timeout 1s", "site.conf:22", "location /slow", "3.0 s")

	h.Listeners.Now[0].AcceptQueue = 12
	h.Listeners.ListenOverflows1m = 3
	wantRoot(t, Roots(api, slow, h), model.RootWorkersBusy, "12 connections wait on 127.0.0.1:8000", "gunicorn (pid 4242)", "dropped 3")
	// nginx's connect timeout line says "filtered"; a full accept queue
	// on this host explains it better.
	ct := CauseFacts{Code: model.CauseConnectTimeout, Times: []time.Time{t0}, Window: 5 * time.Minute,
		Line: "upstream timed out (110: Connection timed out) while connecting to upstream"}
	if rs := Roots(api, ct, h); len(rs) == 0 || rs[0].Code != model.RootWorkersBusy || slices.ContainsFunc(rs, func(r model.Root) bool { return r.Code == model.RootFiltered }) {
		t.Errorf("connect timeout on a busy local app: %v", codes(rs))
	}
	// php-fpm's backlog full (nginx: "(11: Resource temporarily
	// unavailable)" on its socket) is overloaded; the queue is its root.
	wantRoot(t, Roots(api, CauseFacts{Code: model.CauseOverloaded, Times: []time.Time{t0}, Window: 5 * time.Minute}, h), model.RootWorkersBusy, "12 connections wait")
	h.Listeners.Now[0].AcceptQueue = 0
	wantRoot(t, Roots(api, ct, h), model.RootFiltered)

	// Another gateway's setting for the same address is not nginx's.
	h = appHost(gunicorn(4242, ""))
	h.Settings = []facts.Setting{{Gateway: "haproxy", Upstream: "127.0.0.1:8000", Name: "timeout server", Value: "1s", Seconds: 1, File: "h.cfg", Line: 3}}
	for _, r := range Roots(api, slow, h) {
		if r.Code == model.RootExceedsTimeout {
			t.Errorf("HAProxy's setting used for nginx: %q", r.Summary)
		}
	}
}

func TestRootsAppException(t *testing.T) {
	api := nginxTarget("127.0.0.1:8000")
	ev := func(d time.Duration, ex string) facts.AppEvent {
		return facts.AppEvent{Time: t0.Add(d), Kind: facts.AppException, Exception: ex, Detail: "/api/boom", Line: ex}
	}
	h := appHost(gunicorn(4242, ""), ev(-4*time.Minute, "ZeroDivisionError: division by zero"), ev(-2*time.Minute, "ZeroDivisionError: division by zero"),
		ev(-time.Second, "ZeroDivisionError: division by zero"), ev(-3*time.Minute, "KeyError: 'user'"))
	c := CauseFacts{Code: model.CauseUpstream5xx, Times: []time.Time{t0}, Window: 5 * time.Minute}
	rs := Roots(api, c, h)
	r := wantRoot(t, rs, model.RootAppException, "ZeroDivisionError: division by zero", "/api/boom", "3×")
	if r.Count != 3 || rs[0].Code != model.RootAppException || !strings.Contains(rs[0].Summary, "ZeroDivision") {
		t.Errorf("count %d, first %+v", r.Count, rs[0])
	}
	// No exception near any 5xx: no root.
	c.Times = []time.Time{t0.Add(-30 * time.Second)}
	if rs := Roots(api, c, h); len(rs) != 0 {
		t.Errorf("exceptions far from the 5xx taken as their root: %+v", rs)
	}
}

func TestRootsHealthyAppHasNone(t *testing.T) {
	h := appHost(gunicorn(4242, ""), facts.AppEvent{Time: t0.Add(-20 * time.Minute), Kind: facts.AppStarting, Line: "Starting gunicorn"})
	for _, code := range model.AllCauses() {
		if rs := Roots(nginxTarget("127.0.0.1:8000"), CauseFacts{Code: code, Window: 5 * time.Minute}, h); len(rs) != 0 && code != model.CauseReadTimeout {
			t.Errorf("%s on a healthy app: %+v", code, rs)
		}
	}
}

func TestPortTypo(t *testing.T) {
	for _, c := range []struct {
		listen, route uint16
		want          bool
	}{
		{8001, 8000, true}, {8000, 8001, true}, {8010, 8000, true}, {8080, 8008, true}, {5000, 8000, true},
		{800, 8000, true}, {18000, 8000, true}, {8000, 8000, true},
		{9090, 8000, false}, {5432, 8000, false}, {41234, 52345, false}, {6379, 8080, false},
	} {
		if got := portTypo(c.listen, c.route); got != c.want {
			t.Errorf("portTypo(%d, %d) = %v", c.listen, c.route, got)
		}
	}
}

// TestWrongPortNearestRoute: with two failing routes, the stray listener
// is the wrong port of the nearer one only; a far-away app server is never
// called anyone's wrong port, but the not_running summary mentions it.
func TestWrongPortNearestRoute(t *testing.T) {
	h := hostWith(facts.Listener{Addr: "127.0.0.1:8001", Owner: gunicorn(4242, "")},
		facts.Listener{Addr: "127.0.0.1:9400", Owner: &facts.Process{PID: 99, Comm: "uwsgi"}})
	h.Routes = map[string]bool{"127.0.0.1:8000": true, "127.0.0.1:8003": true}
	h.Failing = map[string]bool{"127.0.0.1:8000": true, "127.0.0.1:8003": true}
	wantRoot(t, Roots(nginxTarget("127.0.0.1:8000"), refusedAt(t0), h), model.RootWrongPort, "127.0.0.1:8001", ":8000")
	r := wantRoot(t, Roots(nginxTarget("127.0.0.1:8003"), refusedAt(t0), h), model.RootNotRunning, "uwsgi on 127.0.0.1:9400")
	if strings.Contains(r.Summary, "8001") {
		t.Errorf("the other route's stray listener named for 8003: %q", r.Summary)
	}
}

func TestRootsKeepaliveRace(t *testing.T) {
	api := nginxTarget("127.0.0.1:8000")
	reset := CauseFacts{Code: model.CauseReset, Times: []time.Time{t0}, Window: 5 * time.Minute}
	h := appHost(gunicorn(4242, ""))
	h.Apps[0].KeepAlive, h.Apps[0].KeepAliveWhy = 2, "--keep-alive 2 (default), worker class gthread"
	h.Settings = append(h.Settings,
		facts.Setting{Gateway: "nginx", Upstream: "127.0.0.1:8000", Name: "keepalive", Value: "16", File: "up.conf", Line: 3},
		facts.Setting{Gateway: "nginx", Upstream: "127.0.0.1:8000", Name: "keepalive_timeout", Value: "60s", Seconds: 60, Default: true})
	wantRoot(t, Roots(api, reset, h), model.RootKeepaliveRace, "for 60s", "keepalive 16, up.conf:3", "after 2s")
	// A worker event near the failure is the better root.
	h.Events = []facts.AppEvent{{Time: t0, Kind: facts.AppWorkerTimeout, PID: 9, File: h.Apps[0].Logs[0], Line: "WORKER TIMEOUT (pid:9)"}}
	if rs := Roots(api, reset, h); len(rs) != 1 || rs[0].Code != model.RootWorkerTimeout {
		t.Errorf("roots %v", codes(rs))
	}
	// No connection cache at the gateway: no race.
	h.Events = nil
	h.Settings = h.Settings[:1]
	if rs := Roots(api, reset, h); len(rs) != 0 {
		t.Errorf("race without keepalive: %v", codes(rs))
	}
}

// BenchmarkRoots is the cost of the roots of one failing upstream on a
// host with 200 listeners, 1000 app events and 500 settings: the
// aggregator runs it for every cause of every rebuilt row.
func BenchmarkRoots(b *testing.B) {
	var ls []facts.Listener
	for i := range 200 {
		ls = append(ls, facts.Listener{Addr: fmt.Sprintf("127.0.0.1:%d", 20000+i), Owner: gunicorn(5000+i, "")})
	}
	h := hostWith(ls...)
	for i := range 200 {
		h.Apps = append(h.Apps, App{Proc: *ls[i].Owner, App: "gunicorn", Logs: []string{fmt.Sprintf("/var/log/app%d.log", i)}})
	}
	for i := range 1000 {
		h.Events = append(h.Events, facts.AppEvent{Time: t0.Add(-time.Duration(i) * time.Second), Kind: facts.AppException, Exception: "KeyError: 'x'", File: fmt.Sprintf("/var/log/app%d.log", i%200)})
	}
	for i := range 500 {
		h.Settings = append(h.Settings, facts.Setting{Gateway: "nginx", Upstream: fmt.Sprintf("127.0.0.1:%d", 20000+i%200), Name: "proxy_read_timeout", Value: "1s", Seconds: 1, File: "x.conf", Line: i + 1})
	}
	t := nginxTarget("127.0.0.1:20007")
	causes := []CauseFacts{
		{Code: model.CauseUpstream5xx, Times: []time.Time{t0}, Window: 5 * time.Minute},
		{Code: model.CauseReadTimeout, Times: []time.Time{t0}, Window: 5 * time.Minute},
		{Code: model.CauseRefused, Times: []time.Time{t0}, Window: 5 * time.Minute},
	}
	b.ReportAllocs()
	for b.Loop() {
		for _, c := range causes {
			Roots(t, c, h)
		}
	}
}
