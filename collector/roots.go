package collector

import (
	"context"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/gwtop/gwtop/collector/applog"
	"github.com/gwtop/gwtop/collector/procnet"
	"github.com/gwtop/gwtop/config"
	"github.com/gwtop/gwtop/config/discover"
	"github.com/gwtop/gwtop/diagnose"
	"github.com/gwtop/gwtop/facts"
	"github.com/gwtop/gwtop/gateway"
	"github.com/gwtop/gwtop/model"
)

// Intervals of the facts loop: the listener table is read every factsEvery
// while an upstream fails (when its roots are wanted), else every
// quietEvery (a busy gateway's table is the costly read of an idle gwtop);
// the gateways' configurations and the host's addresses change rarely and
// are re-read every slowEvery.
const (
	factsEvery = 2 * time.Second
	quietEvery = 10 * time.Second
	slowEvery  = time.Minute
	// appsKept caps the app-server processes remembered (the ones gone
	// too: an exited app's log explains the refusals after it).
	appsKept = 128
)

// factsLoop gathers what lies under the upstreams' causes — the host's
// listeners and their owners, the app servers' own logs, the kernel's OOM
// kills, the gateways' configured timeouts — and hands the aggregator an
// immutable diagnose.HostFacts after every sample. Everything it reads is
// optional: what cannot be read leaves its part empty.
type factsLoop struct {
	cfg     *config.Config
	agg     *Aggregator
	latest  func() *model.Snapshot
	tracker *procnet.Tracker
	kmsg    *procnet.KmsgReader
	logs    *applog.Watcher
	root    string // procfs
	since   time.Time
	procs   func(context.Context) ([]discover.Proc, error)
	tableAt time.Time // the listener table's last read (the loop's goroutine only)

	mu       sync.Mutex
	apps     []diagnose.App // newest last
	settings []facts.Setting
	pass     map[string]facts.Setting
	local    []netip.Addr
	slowAt   time.Time
	// owners is the last owner seen of each local upstream's listener,
	// by upstream address (restartsOf).
	owners map[string]facts.Process
	// conf follows the running gateways' configuration files.
	conf confWatch
}

func newFactsLoop(ctx context.Context, cfg *config.Config, agg *Aggregator, latest func() *model.Snapshot) *factsLoop {
	root := os.Getenv("HOST_PROC")
	if root == "" {
		root = "/proc"
	}
	boot, _ := procnet.BootTime()
	f := &factsLoop{cfg: cfg, agg: agg, latest: latest, root: root, since: time.Now(),
		tracker: procnet.New(procnet.Options{Root: root}),
		kmsg:    procnet.NewKmsgReader(boot),
		logs:    applog.NewWatcher(applog.WatchOptions{Context: ctx}),
		procs:   discover.SystemProcesses,
	}
	// Apps named in the configuration are followed from the start.
	f.logs.Set(f.configuredLogs(nil))
	return f
}

// configuredLogs adds the configuration's apps: to the logs found from
// processes.
func (f *factsLoop) configuredLogs(found []applog.Log) []applog.Log {
	for _, a := range f.cfg.Apps {
		if a.Log != "" {
			found = append(found, applog.Log{App: a.Kind, Path: a.Log, Why: "apps: in " + f.cfg.Source})
		}
	}
	return found
}

func (f *factsLoop) close() {
	f.logs.Close()
	f.kmsg.Close()
}

// sample is one round; it is the loop's function.
func (f *factsLoop) sample(ctx context.Context) {
	now := time.Now()
	failing := map[string]bool{}
	s := f.latest()
	if s != nil {
		for i := range s.Upstreams {
			u := &s.Upstreams[i]
			if u.State == model.StateDown || u.State == model.StateDegraded {
				f.tracker.Want(u.Address, now)
				failing[u.Address] = true
			}
		}
	}
	if len(failing) > 0 || now.Sub(f.tableAt) >= quietEvery-factsEvery/2 {
		_ = f.tracker.Sample(ctx, now) // a partial sample says so in Listeners.Err
		f.tableAt = now
	}
	lst := f.tracker.Snapshot()
	if ctx.Err() != nil {
		return
	}
	_, _ = f.kmsg.Read()

	f.mu.Lock()
	defer f.mu.Unlock()
	if now.Sub(f.slowAt) >= slowEvery {
		f.slowAt = now
		f.readSettings(ctx)
		f.local = localAddrs()
	}
	f.learnApps(lst)
	f.restartsOf(s, lst, now)
	for _, ev := range f.conf.check(now) {
		f.agg.ObserveEvent(ev)
	}
	var logs []applog.Log
	for _, a := range f.apps {
		for _, p := range a.Logs {
			logs = append(logs, applog.Log{App: a.App, Path: p, Timeout: a.Timeout})
		}
	}
	f.logs.Set(f.configuredLogs(logs))

	h := &diagnose.HostFacts{
		Time: now, Listeners: lst, Scanned: lst.Err == "" && !lst.Time.IsZero(), Since: f.since,
		LocalAddrs: f.local, Apps: slices.Clone(f.apps), Events: f.logs.Events(now.Add(-10 * time.Minute)),
		OOM: f.kmsg.Kills(), Settings: f.settings, Pass: f.pass, Routes: f.routes(), Failing: failing,
	}
	f.addConfiguredApps(h, lst)
	f.agg.SetFacts(h)
}

// learnApps records every app server that owns a listener now or owned one
// that vanished, with the logs its command line or configuration names.
// Called with f.mu held.
func (f *factsLoop) learnApps(lst facts.Listeners) {
	seen := func(p *facts.Process) bool {
		return slices.ContainsFunc(f.apps, func(a diagnose.App) bool { return a.Proc.PID == p.PID && a.Proc.Start.Equal(p.Start) })
	}
	add := func(p *facts.Process) {
		if p == nil || seen(p) {
			return
		}
		a, _, ok := appServer(*p, f.root)
		if !ok {
			return
		}
		f.apps = append(f.apps, a)
		if len(f.apps) > appsKept {
			f.apps = slices.Delete(f.apps, 0, len(f.apps)-appsKept)
		}
	}
	for i := range lst.Now {
		add(lst.Now[i].Owner)
	}
	for i := range lst.History {
		add(lst.History[i].Listener.Owner)
	}
}

// appServer reads what gwtop needs of an app-server process: its logs,
// its own timeout and keep-alive, from its command line and configuration
// files (root is procfs, for its working directory). ok is false for a
// process that is no app server.
func appServer(p facts.Process, root string) (a diagnose.App, logs []applog.Log, ok bool) {
	app := applog.App(p)
	if app == "" {
		return a, nil, false
	}
	cwd, _ := os.Readlink(filepath.Join(root, strconv.Itoa(p.PID), "cwd"))
	a = diagnose.App{Proc: p, App: app}
	logs = applog.LogsOf(p, os.ReadFile, cwd)
	for _, l := range logs {
		if l.Path != "" {
			a.Logs = append(a.Logs, l.Path)
		}
		a.Timeout = max(a.Timeout, l.Timeout)
		if l.KeepAlive > 0 {
			a.KeepAlive, a.KeepAliveWhy = l.KeepAlive, l.KeepAliveWhy
		}
	}
	return a, logs, true
}

// AppServer is an app server listening on an upstream's address.
type AppServer struct {
	Address string // the upstream address
	Listen  string // the listener that serves it
	Proc    facts.Process
	App     string
	Logs    []applog.Log // with Why: where each was found, or why it cannot be read
}

// AppServers samples the host's listeners once and returns the app
// servers behind the given upstream addresses, for `gwtop discover` to say
// what the roots will be read from.
func AppServers(ctx context.Context, addrs []string) ([]AppServer, error) {
	root := os.Getenv("HOST_PROC")
	if root == "" {
		root = "/proc"
	}
	t := procnet.New(procnet.Options{Root: root})
	if err := t.Sample(ctx, time.Now()); err != nil {
		return nil, err
	}
	var out []AppServer
	for _, l := range t.Owned() {
		for _, addr := range addrs {
			if !facts.Serves(l.Addr, addr) {
				continue
			}
			a, logs, ok := appServer(*l.Owner, root)
			if ok {
				out = append(out, AppServer{Address: addr, Listen: l.Addr, Proc: a.Proc, App: a.App, Logs: logs})
			}
		}
	}
	return out, nil
}

// addConfiguredApps ties the configuration's apps: to the process that
// listens on their address, so their events count as that app's.
func (f *factsLoop) addConfiguredApps(h *diagnose.HostFacts, lst facts.Listeners) {
	for _, c := range f.cfg.Apps {
		if c.Log == "" || c.Address == "" {
			continue
		}
		for _, l := range lst.Now {
			if l.Owner == nil || !facts.Serves(l.Addr, c.Address) {
				continue
			}
			found := false
			for i := range h.Apps {
				if h.Apps[i].Proc.PID == l.Owner.PID {
					if !slices.Contains(h.Apps[i].Logs, c.Log) {
						h.Apps[i].Logs = append(slices.Clone(h.Apps[i].Logs), c.Log)
					}
					found = true
				}
			}
			if !found {
				h.Apps = append(h.Apps, diagnose.App{Proc: *l.Owner, App: c.Kind, Logs: []string{c.Log}})
			}
		}
	}
}

// routes are every address some gateway sends traffic to: the configured
// upstreams and every row of the latest snapshot.
func (f *factsLoop) routes() map[string]bool {
	out := map[string]bool{}
	for _, u := range f.cfg.Upstreams {
		out[u.Address] = true
	}
	if s := f.latest(); s != nil {
		for i := range s.Upstreams {
			out[s.Upstreams[i].Address] = true
		}
	}
	for _, s := range f.settings {
		if s.Upstream != "" {
			out[s.Upstream] = true
		}
	}
	return out
}

// readSettings asks every running gateway's kind for the settings that
// bear on its upstreams. Called with f.mu held.
func (f *factsLoop) readSettings(ctx context.Context) {
	procs, err := f.procs(ctx)
	if err != nil {
		return
	}
	byKind := discover.GatewayProcs(procs)
	var out, all []facts.Setting
	pass := map[string]facts.Setting{}
	for _, k := range gateway.Kinds() {
		if k.Settings == nil {
			continue
		}
		for _, p := range byKind[k.Name] {
			// A partly unreadable configuration still gives what it
			// could read (an include it may not open, say).
			ss, _ := k.Settings(ctx, p, "")
			all = append(all, ss...)
			for _, s := range ss {
				if isPass(s.Name) {
					if _, dup := pass[s.Upstream]; !dup {
						pass[s.Upstream] = s
					}
					continue
				}
				out = append(out, s)
			}
		}
	}
	f.settings, f.pass = out, pass
	f.conf.track(confFiles(byKind, all))
}

// isPass reports a setting that says where an upstream's address is
// written (proxy_pass, server, ProxyPass), not a value.
func isPass(name string) bool {
	switch name {
	case "proxy_pass", "fastcgi_pass", "uwsgi_pass", "scgi_pass", "grpc_pass", "memcached_pass", "server", "ProxyPass", "BalancerMember":
		return true
	}
	return false
}

// localAddrs are the host's own addresses.
func localAddrs() []netip.Addr {
	ifs, err := net.InterfaceAddrs()
	if err != nil {
		return nil
	}
	var out []netip.Addr
	for _, a := range ifs {
		if n, ok := a.(*net.IPNet); ok {
			if ip, ok := netip.AddrFromSlice(n.IP); ok {
				out = append(out, ip.Unmap())
			}
		}
	}
	return out
}

// restartsOf emits a restart event (once) for each local upstream whose
// listener's owner is another process than last seen: another pid, or the
// same pid started again. Called with f.mu held.
func (f *factsLoop) restartsOf(s *model.Snapshot, lst facts.Listeners, now time.Time) {
	if s == nil {
		return
	}
	if f.owners == nil {
		f.owners = map[string]facts.Process{}
	}
	for i := range s.Upstreams {
		u := &s.Upstreams[i]
		var owner *facts.Process
		for j := range lst.Now {
			if l := &lst.Now[j]; l.Owner != nil && facts.Serves(l.Addr, u.Address) {
				owner = l.Owner
				break
			}
		}
		if owner == nil {
			continue // not local, gone for now, or its owner not known yet
		}
		was, seen := f.owners[u.Address]
		f.owners[u.Address] = *owner
		if !seen || (was.PID == owner.PID && was.Start.Equal(owner.Start)) {
			continue
		}
		name := owner.Comm
		if name == "" {
			name = "process"
		}
		text := name + " (pid " + strconv.Itoa(was.PID) + " → " + strconv.Itoa(owner.PID) + ") restarted"
		if was.PID == owner.PID {
			text = name + " (pid " + strconv.Itoa(owner.PID) + ", started again at " + owner.Start.Format("15:04:05") + ") restarted"
		}
		f.agg.ObserveEvent(model.Event{Time: now, Kind: model.EventRestart, Name: u.Name, Upstream: u.Name, Address: u.Address, Gateway: u.Gateway, Text: text, Source: "listeners"})
	}
	if len(f.owners) > 4*appsKept {
		clear(f.owners) // bounded: forget, and learn the owners again
	}
}
