package diagnose

import (
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gwtop/gwtop/facts"
	"github.com/gwtop/gwtop/model"
)

// HostFacts is what the gateway host says under the upstreams' causes, as
// one immutable sample: its listeners and their owners, the app servers'
// log events, the kernel's OOM kills, the gateways' configured timeouts.
// The collector builds one every few seconds; Roots only reads it.
type HostFacts struct {
	Time time.Time
	// Listeners is the latest listener sample. Scanned says it is
	// complete (the socket table was read and owners scanned), so that
	// "nothing listens there" is a fact rather than a blind spot.
	Listeners facts.Listeners
	Scanned   bool
	// Since is when the listener history begins (gwtop's start).
	Since time.Time
	// LocalAddrs are the host's own addresses: an upstream on one of them
	// (or on loopback, or a unix socket) is local and its listener can be
	// seen.
	LocalAddrs []netip.Addr
	// Apps are app-server processes seen listening, now or before.
	Apps     []App
	Events   []facts.AppEvent // the apps' log events, oldest first
	OOM      []facts.OOMKill
	Settings []facts.Setting
	// Routes are every upstream address some gateway sends traffic to;
	// a listener on none of them may be where a route should point.
	Routes map[string]bool
	// Failing are the upstream addresses that fail now: a listener on a
	// port no route points at is offered as the wrong port only to the
	// failing route whose port is nearest.
	Failing map[string]bool
	// Pass says where each upstream address is written in a gateway's
	// configuration (proxy_pass at site.conf:14), by address.
	Pass map[string]facts.Setting
}

// App is an app-server process that owned a listener, with its logs.
type App struct {
	Proc facts.Process
	App  string   // gunicorn, uwsgi, php-fpm, uvicorn
	Logs []string // the log files it writes, read for events
	// Timeout is its own request timeout in seconds (gunicorn --timeout,
	// uWSGI harakiri, php-fpm request_terminate_timeout); 0 unknown.
	Timeout float64
	// KeepAlive is how long it keeps an idle client connection open, in
	// seconds (gunicorn --keep-alive for the worker classes that keep
	// connections); 0 when it closes after each response or is unknown.
	KeepAlive    float64
	KeepAliveWhy string // where KeepAlive was read ("--keep-alive 2 (default)")
}

// CauseFacts is what the aggregator knows of one cause on one upstream.
type CauseFacts struct {
	Code model.Cause
	// Times are the latest occurrences (at most a few dozen), oldest
	// first: app events are matched to them within Near.
	Times []time.Time
	Line  string // the latest evidence line (a gateway's error-log line)
	// Probes are the upstream's probe results, newest last.
	Probes []model.ProbeResult
	// Window is how far back an event may be counted (5 minutes).
	Window time.Duration
}

// Near is how close in time an app-server or kernel event must be to a
// failure to be taken as its root.
const Near = 2 * time.Second

// Roots returns what lies under one cause on one upstream, strongest
// first, each with its evidence. It returns nil when nothing was found:
// then the cause's own hint stands.
func Roots(t Target, c CauseFacts, h *HostFacts) []model.Root {
	var out []model.Root
	switch c.Code {
	case model.CauseRefused:
		out = h.refused(t, c)
	case model.CausePrematureClose, model.CauseReset:
		out = h.workerRoots(t, c)
	case model.CauseReadTimeout, model.CauseConnectTimeout, model.CauseOverloaded:
		out = h.timeoutRoots(t, c)
	case model.CauseUpstream5xx:
		out = h.appErrors(t, c)
	}
	if c.Code == model.CauseTLS || c.Code == model.CauseDNS || c.Code == model.CauseConnectTimeout {
		out = append(out, stated(c)...)
	}
	// A full accept queue explains a connect timeout better than a
	// firewall: nginx's line cannot tell the two apart.
	if slices.ContainsFunc(out, func(r model.Root) bool { return r.Code == model.RootWorkersBusy }) {
		out = slices.DeleteFunc(out, func(r model.Root) bool { return r.Code == model.RootFiltered })
	}
	return dedupe(out)
}

// stated are the roots a probe or the gateway's own line states (an
// expired certificate, NXDOMAIN, no route to host).
func stated(c CauseFacts) []model.Root {
	var out []model.Root
	for i := len(c.Probes) - 1; i >= 0; i-- {
		p := c.Probes[i]
		if p.OK || p.Cause != c.Code || p.Root == "" {
			continue
		}
		n := int64(0)
		for _, q := range c.Probes {
			if !q.OK && q.Root == p.Root {
				n++
			}
		}
		out = append(out, model.Root{Code: p.Root, Count: n, Summary: p.RootDetail, Evidence: p.Error, Source: "probe", LastSeen: p.Time})
		break
	}
	if c.Line != "" {
		if code, summary, ok := MessageRoot(c.Code, c.Line); ok {
			out = append(out, model.Root{Code: code, Count: int64(max(len(c.Times), 1)), Summary: summary, Evidence: c.Line, Source: "error_log", LastSeen: last(c.Times)})
		}
	}
	return out
}

func dedupe(rs []model.Root) []model.Root {
	var out []model.Root
	for _, r := range rs {
		if r.Summary == "" || slices.ContainsFunc(out, func(o model.Root) bool { return o.Code == r.Code }) {
			continue
		}
		out = append(out, r)
	}
	return out
}

func last(ts []time.Time) time.Time {
	if len(ts) == 0 {
		return time.Time{}
	}
	return ts[len(ts)-1]
}

// near reports whether t is within Near of one of the failure times.
func near(times []time.Time, t time.Time) bool {
	for _, f := range times {
		if d := f.Sub(t); d <= Near && d >= -Near {
			return true
		}
	}
	return false
}

// ---- addresses ----

// endpoint is an upstream's or listener's address (facts.ParseAddr).
type endpoint = facts.Addr

func parseEndpoint(a string) (endpoint, bool) { return facts.ParseAddr(a) }

// local reports whether an upstream address is on this host, where its
// listener can be seen.
func (h *HostFacts) local(e endpoint) bool {
	if e.Unix != "" {
		return true
	}
	for _, a := range e.IPs() {
		if a.IsLoopback() || a.IsUnspecified() || slices.Contains(h.LocalAddrs, a) {
			return true
		}
	}
	return false
}

// serves reports whether a listener accepts connections to addr.
func serves(l facts.Listener, addr string) bool { return facts.Serves(l.Addr, addr) }

// ---- processes ----

func procName(p *facts.Process) string {
	if p == nil {
		return "a process"
	}
	s := fmt.Sprintf("%s (pid %d", p.Comm, p.PID)
	if p.Unit != "" {
		s += ", " + p.Unit
	}
	if p.Container != "" {
		s += ", container " + p.Container
	}
	return s + ")"
}

// appOf returns the app-server record of a process (or of its parent: a
// worker holds the master's socket).
func (h *HostFacts) appOf(p *facts.Process) *App {
	if p == nil {
		return nil
	}
	for i := range h.Apps {
		a := &h.Apps[i]
		if a.Proc.PID == p.PID && a.Proc.Start.Equal(p.Start) {
			return a
		}
	}
	for i := range h.Apps {
		if h.Apps[i].Proc.PID == p.PPID && p.PPID > 1 {
			return &h.Apps[i]
		}
	}
	return nil
}

func (a *App) writes(file string) bool { return a != nil && slices.Contains(a.Logs, file) }

// owner is what owns (or owned) an upstream address on this host.
type owner struct {
	now  *facts.Listener       // listening now
	gone *facts.ListenerChange // the latest vanishing of a listener there
	ups  int                   // times a listener appeared there in the window
	down int                   // times one vanished
}

func (h *HostFacts) ownerOf(addr string, since time.Time) owner {
	var o owner
	for i := range h.Listeners.Now {
		if serves(h.Listeners.Now[i], addr) {
			o.now = &h.Listeners.Now[i]
			break
		}
	}
	for i := range h.Listeners.History {
		ch := &h.Listeners.History[i]
		if !serves(ch.Listener, addr) || ch.Time.Before(since) {
			continue
		}
		if ch.Gone {
			o.gone, o.down = ch, o.down+1
		} else {
			o.ups++
		}
	}
	return o
}

// proc is the owning process: the current listener's, else the last one's.
func (o owner) proc() *facts.Process {
	if o.now != nil && o.now.Owner != nil {
		return o.now.Owner
	}
	if o.gone != nil {
		return o.gone.Listener.Owner
	}
	return nil
}

// events returns the app's log events near the failures (within the
// window when times are unknown), oldest first.
func (h *HostFacts) events(app *App, c CauseFacts, now time.Time, kinds ...facts.AppEventKind) []facts.AppEvent {
	if app == nil {
		return nil
	}
	var out []facts.AppEvent
	for _, ev := range h.Events {
		if !app.writes(ev.File) || !slices.Contains(kinds, ev.Kind) {
			continue
		}
		if len(c.Times) > 0 && !near(c.Times, ev.Time) {
			continue
		}
		if c.Window > 0 && now.Sub(ev.Time) > c.Window+Near {
			continue
		}
		out = append(out, ev)
	}
	return out
}

func clock(t time.Time) string { return t.Format("15:04:05") }

func unitStep(p *facts.Process, at time.Time) string {
	if p != nil && p.Unit != "" && strings.HasSuffix(p.Unit, ".service") {
		return fmt.Sprintf("`systemctl status %s`; `journalctl -u %s --since %s`", p.Unit, p.Unit, at.Format("15:04"))
	}
	return ""
}

// ---- refused ----

func (h *HostFacts) refused(t Target, c CauseFacts) []model.Root {
	e, ok := parseEndpoint(t.Address)
	if !ok || !h.local(e) || h.Listeners.Time.IsZero() {
		return nil
	}
	since := h.Time.Add(-max(c.Window, 5*time.Minute))
	o := h.ownerOf(t.Address, since)
	var out []model.Root
	if o.down >= 2 || (o.down >= 1 && o.now != nil) {
		p := o.proc()
		r := model.Root{Code: model.RootRestarting, Count: int64(o.down), Source: "listeners", LastSeen: o.gone.Time,
			Summary:  fmt.Sprintf("the listener on %s went away %s in %s (last at %s) and came back; %s", t.Address, times(o.down), fmtDur(h.Time.Sub(since)), clock(o.gone.Time), procName(p)),
			Evidence: changeLine(*o.gone), NextStep: or(unitStep(p, o.gone.Time), "read the app's own log around those times for why it restarts")}
		if p != nil && p.Unit != "" {
			r.Summary += " — its unit restarts it"
		}
		out = append(out, r)
	}
	if o.now != nil {
		return out // something listens now: the refusals were a restart's gap
	}
	if o.gone != nil && o.down < 2 {
		out = append(out, h.exited(t, c, *o.gone))
	}
	found, unrouted := h.elsewhere(t, e)
	out = append(out, found...)
	if len(out) == 0 && h.Scanned {
		since := h.Since
		if since.IsZero() {
			since = h.Time
		}
		out = append(out, model.Root{Code: model.RootNotRunning, Count: int64(max(len(c.Times), 1)), Source: "listeners", LastSeen: h.Listeners.Time,
			Summary:  fmt.Sprintf("no process listens on %s, and none has since gwtop started watching at %s%s", t.Address, clock(since), elsewhereNote(unrouted)),
			Evidence: fmt.Sprintf("listening sockets read at %s: %d, none on %s", clock(h.Listeners.Time), len(h.Listeners.Now), t.Address),
			NextStep: fmt.Sprintf("start the service meant to listen on %s (`systemctl list-units --failed`); check %s points where it should", t.Address, t.Knobs.pass())})
	}
	return out
}

func changeLine(ch facts.ListenerChange) string {
	verb := "stopped listening"
	if ch.Exited {
		verb = "exited"
	}
	return fmt.Sprintf("%s: %s on %s %s", clock(ch.Time), procName(ch.Listener.Owner), ch.Listener.Addr, verb)
}

// exited names the process that listened on the address and went away,
// with the OOM kill or its last log line.
func (h *HostFacts) exited(t Target, c CauseFacts, ch facts.ListenerChange) model.Root {
	p := ch.Listener.Owner
	what := "stopped listening"
	if ch.Exited {
		what = "exited"
	}
	s := fmt.Sprintf("%s, which listened on %s", procName(p), ch.Listener.Addr)
	switch {
	case p != nil && !p.Start.IsZero():
		s += " (started " + clock(p.Start) + ")"
	case !ch.Listener.Since.IsZero():
		s += " since " + clock(ch.Listener.Since)
	}
	s += fmt.Sprintf(", %s at %s", what, clock(ch.Time))
	ev := changeLine(ch)
	if k := h.oomOf(p, ch.Time); k != nil {
		s += fmt.Sprintf(" — the kernel OOM-killed it (pid %d) at %s", k.PID, clock(k.Time))
		ev = k.Line
	} else if app := h.appOf(p); app != nil {
		var lastLine *facts.AppEvent
		for i := range h.Events {
			if app.writes(h.Events[i].File) && !h.Events[i].Time.After(ch.Time.Add(Near)) {
				lastLine = &h.Events[i]
			}
		}
		if lastLine != nil {
			s += fmt.Sprintf("; its last log line (%s): %s", clock(lastLine.Time), clip(lastLine.Line, 160))
		}
	}
	return model.Root{Code: model.RootExited, Count: 1, Summary: s, Evidence: ev, Source: "listeners", LastSeen: ch.Time,
		NextStep: or(unitStep(p, ch.Time), fmt.Sprintf("start it again and read why it stopped (its log, `dmesg -T`); %s points at %s", t.Knobs.Title, t.Address))}
}

// oomOf finds a kernel OOM kill of the process (or of one of its
// workers, same command in the same unit) near t.
func (h *HostFacts) oomOf(p *facts.Process, t time.Time) *facts.OOMKill {
	if p == nil {
		return nil
	}
	for i := len(h.OOM) - 1; i >= 0; i-- {
		k := &h.OOM[i]
		if d := k.Time.Sub(t); d > Near || d < -Near {
			continue
		}
		if k.PID == p.PID || (k.Comm == p.Comm && p.Unit != "" && strings.HasSuffix(k.Cgroup, "/"+p.Unit)) {
			return k
		}
	}
	return nil
}

// appServers are command names of app servers: a listener of one on a
// port no route points at is a candidate for a wrong port. Other
// processes (databases, sshd) are never guessed at.
var appServers = []string{"gunicorn", "uwsgi", "php-fpm", "uvicorn", "hypercorn", "daphne", "waitress", "puma", "unicorn", "node", "java", "dotnet", "python", "ruby", "bun", "deno"}

func isAppServer(p *facts.Process) bool {
	if p == nil {
		return false
	}
	for _, a := range appServers {
		if strings.HasPrefix(p.Comm, a) {
			return true
		}
	}
	return false
}

// elsewhere finds the app listening where the route does not point: the
// same port at another address (bound_elsewhere) or another port of this
// host that no route points at (wrong_port). unrouted are app servers on
// ports no route uses that are too far from this one to be its typo.
func (h *HostFacts) elsewhere(t Target, e endpoint) (roots []model.Root, unrouted []string) {
	pass := ""
	if s, ok := h.Pass[t.Address]; ok && s.File != "" {
		pass = fmt.Sprintf(" (%s %s)", s.Name, s.Pos())
	}
	gw := or(t.Knobs.Title, "the gateway")
	var bound, wrong, others []string
	var boundEv, wrongEv []string
	for _, l := range h.Listeners.Now {
		if l.Owner == nil || h.Routes[l.Addr] {
			continue
		}
		le, ok := parseEndpoint(l.Addr)
		if !ok {
			continue
		}
		switch {
		case e.Unix != "" && le.Unix != "" && isAppServer(l.Owner):
			bound = append(bound, fmt.Sprintf("%s listens on socket %s; %s points at %s%s", procName(l.Owner), le.Unix, gw, e.Unix, pass))
			boundEv = append(boundEv, l.Addr)
		case e.Unix == "" && le.Unix == "" && le.Port == e.Port:
			bound = append(bound, fmt.Sprintf("%s listens on %s, not %s; %s points at %s%s", procName(l.Owner), l.Addr, t.Address, gw, t.Address, pass))
			boundEv = append(boundEv, l.Addr)
		case e.Unix == "" && le.Unix == "" && isAppServer(l.Owner) && h.local(le) && sameHostScope(le, e):
			if h.nearerFailing(le.Port, e) {
				continue // another failing route's wrong port
			}
			if !portTypo(le.Port, e.Port) {
				others = append(others, fmt.Sprintf("%s on %s", l.Owner.Comm, l.Addr))
				continue
			}
			wrong = append(wrong, fmt.Sprintf("%s listens on %s; %s points at :%d%s", procName(l.Owner), l.Addr, gw, e.Port, pass))
			wrongEv = append(wrongEv, l.Addr)
		}
	}
	var out []model.Root
	if len(bound) > 0 {
		out = append(out, model.Root{Code: model.RootBoundElsewhere, Count: int64(len(bound)), Summary: strings.Join(first(bound, 3), "; "),
			Evidence: "listening: " + strings.Join(first(boundEv, 3), ", "), Source: "listeners", LastSeen: h.Listeners.Time,
			NextStep: fmt.Sprintf("make the app bind the address %s points at (%s), or point %s at where it listens", gw, t.Address, t.Knobs.pass())})
	}
	if len(wrong) > 0 && len(wrong) <= 3 {
		out = append(out, model.Root{Code: model.RootWrongPort, Count: int64(len(wrong)), Summary: strings.Join(wrong, "; "),
			Evidence: "listening, no route points there: " + strings.Join(wrongEv, ", "), Source: "listeners", LastSeen: h.Listeners.Time,
			NextStep: fmt.Sprintf("fix the port in %s%s or the app's bind address, then reload", t.Knobs.pass(), pass)})
	}
	return out, first(others, 3)
}

// portTypo reports whether a listener's port is what a route's port may
// have been meant as: a few off (8000 vs 8001), or one slip of the keys —
// a digit changed, two swapped, one added or dropped (8080 vs 8008, 5000
// vs 8000, 8000 vs 800). A port further from it is some other service,
// and gwtop does not guess across unrelated processes.
func portTypo(listen, route uint16) bool {
	if d := int(listen) - int(route); d >= -10 && d <= 10 {
		return true
	}
	a, b := strconv.Itoa(int(listen)), strconv.Itoa(int(route))
	switch {
	case len(a) == len(b):
		var diff []int
		for i := range a {
			if a[i] != b[i] {
				diff = append(diff, i)
			}
		}
		return len(diff) == 1 || (len(diff) == 2 && diff[1] == diff[0]+1 && a[diff[0]] == b[diff[1]] && a[diff[1]] == b[diff[0]])
	case len(a) == len(b)+1:
		return dropsOne(a, b)
	case len(b) == len(a)+1:
		return dropsOne(b, a)
	}
	return false
}

// dropsOne reports whether short is long with one character removed.
func dropsOne(long, short string) bool {
	for i := range long {
		if long[:i]+long[i+1:] == short {
			return true
		}
	}
	return false
}

// nearerFailing reports another failing local route whose port is nearer
// to the listener's than e's: the listener is that route's wrong port.
func (h *HostFacts) nearerFailing(port uint16, e endpoint) bool {
	d := absDiff(port, e.Port)
	for a := range h.Failing {
		f, ok := parseEndpoint(a)
		if !ok || f.Unix != "" || f.Port == e.Port || !h.local(f) {
			continue
		}
		if absDiff(port, f.Port) < d {
			return true
		}
	}
	return false
}

func absDiff(a, b uint16) int {
	if a > b {
		return int(a - b)
	}
	return int(b - a)
}

func elsewhereNote(others []string) string {
	if len(others) == 0 {
		return ""
	}
	return " (app servers listening on ports no route uses: " + strings.Join(others, ", ") + ")"
}

// sameHostScope keeps a wrong-port guess to listeners the route's address
// could have meant: loopback for a loopback route, any local address for
// a local one.
func sameHostScope(l, e endpoint) bool {
	la := l.IP.Addr()
	if la.IsUnspecified() {
		return true
	}
	for _, a := range e.IPs() {
		if a.IsLoopback() == la.IsLoopback() {
			return true
		}
	}
	return false
}

func times(n int) string {
	if n == 1 {
		return "once"
	}
	return fmt.Sprintf("%d times", n)
}

func first(s []string, n int) []string { return s[:min(len(s), n)] }

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

func fmtDur(d time.Duration) string {
	switch {
	case d >= time.Minute && d%time.Minute == 0:
		return fmt.Sprintf("%d min", int(d/time.Minute))
	case d >= time.Second:
		return fmt.Sprintf("%.0f s", d.Seconds())
	}
	return d.String()
}

func fmtSec(s float64) string {
	if s == float64(int64(s)) {
		return fmt.Sprintf("%ds", int64(s))
	}
	return fmt.Sprintf("%gs", s)
}

// ---- premature close, reset ----

// setting finds the gateway's setting of the upstream that applies, names
// in order of precedence: the first name written in the configuration
// wins (Apache's worker timeout= over ProxyTimeout over Timeout), else the
// first one present with its default. Among routes to the upstream the
// longest value is taken: the one a worker timeout must stay below.
func (h *HostFacts) setting(t Target, names ...string) *facts.Setting {
	var fallback *facts.Setting
	for _, name := range names {
		var found *facts.Setting
		for i := range h.Settings {
			s := &h.Settings[i]
			if s.Name != name || s.Upstream != t.Address || (t.Knobs.Kind != "" && s.Gateway != t.Knobs.Kind) {
				continue
			}
			if found == nil || s.Seconds > found.Seconds || (s.Seconds == found.Seconds && found.Default && !s.Default) {
				found = s
			}
		}
		if found != nil && !found.Default {
			return found
		}
		if fallback == nil {
			fallback = found
		}
	}
	return fallback
}

// readTimeouts are the gateways' names of the read timeout, in order of
// precedence (see setting).
var readTimeouts = []string{"proxy_read_timeout", "fastcgi_read_timeout", "uwsgi_read_timeout", "grpc_read_timeout", "scgi_read_timeout",
	"timeout server", "ProxyPass timeout", "BalancerMember timeout", "ProxyTimeout", "Timeout"}

func (h *HostFacts) workerRoots(t Target, c CauseFacts) []model.Root {
	e, ok := parseEndpoint(t.Address)
	if !ok || !h.local(e) {
		return nil
	}
	o := h.ownerOf(t.Address, h.Time.Add(-max(c.Window, 5*time.Minute)))
	p := o.proc()
	app := h.appOf(p)
	var out []model.Root
	gwTimeout := ""
	if s := h.setting(t, readTimeouts...); s != nil {
		gwTimeout = fmt.Sprintf("; %s's %s is %s (%s)", or(t.Knobs.Title, "the gateway"), s.Name, s.Value, s.Pos())
	}
	if evs := h.events(app, c, h.Time, facts.AppWorkerTimeout); len(evs) > 0 {
		ev := evs[len(evs)-1]
		own := ""
		if to := max(ev.Timeout, app.Timeout); to > 0 {
			own = " after its own timeout of " + fmtSec(to)
		}
		out = append(out, model.Root{Code: model.RootWorkerTimeout, Count: int64(len(evs)), Source: "app_log", Evidence: ev.Line, LastSeen: ev.Time,
			Summary:  fmt.Sprintf("%s killed its worker %d at %s%s%s", app.App, ev.PID, clock(ev.Time), own, gwTimeout),
			NextStep: fmt.Sprintf("find what made the request slow (%s around %s); keep %s's timeout above the route's real duration and below the gateway's", ev.File, clock(ev.Time), app.App)})
	}
	killed := h.events(app, c, h.Time, facts.AppWorkerKilled, facts.AppWorkerExit)
	// An OOM kill of the owner, its worker named in the app's log, or the
	// same command in the same unit, near a failure.
	var oom *facts.OOMKill
	for i := range h.OOM {
		k := &h.OOM[i]
		if len(c.Times) > 0 && !near(c.Times, k.Time) {
			continue
		}
		match := p != nil && (k.PID == p.PID || (k.Comm == p.Comm && p.Unit != "" && strings.HasSuffix(k.Cgroup, "/"+p.Unit)))
		for _, ev := range killed {
			match = match || (ev.PID != 0 && ev.PID == k.PID)
		}
		if match {
			oom = k
		}
	}
	if oom != nil {
		out = append(out, model.Root{Code: model.RootOOMKilled, Count: 1, Source: "kernel", Evidence: oom.Line, LastSeen: oom.Time,
			Summary:  fmt.Sprintf("the kernel OOM-killed %s (pid %d) at %s", oom.Comm, oom.PID, clock(oom.Time)),
			NextStep: or(unitStep(p, oom.Time), "`dmesg -T | grep -i oom`") + "; find what grew (a leak, a huge request) or give it more memory"})
	}
	crash := killed
	if len(crash) == 0 {
		// gunicorn 20 logs only the replacement of a dead worker: a boot
		// that is not part of the master's own start-up.
		for _, ev := range h.events(app, c, h.Time, facts.AppWorkerBoot) {
			if !h.startingNear(app, ev.Time) {
				crash = append(crash, ev)
			}
		}
	}
	if len(crash) > 0 && oom == nil {
		ev := crash[len(crash)-1]
		s := fmt.Sprintf("a %s worker died mid-request at %s: %s", app.App, clock(ev.Time), clip(ev.Line, 160))
		if ev.Kind == facts.AppWorkerBoot {
			s = fmt.Sprintf("%s replaced a dead worker at %s (%s)", app.App, clock(ev.Time), clip(ev.Line, 120))
		}
		if tb := h.events(app, c, h.Time, facts.AppException); len(tb) > 0 {
			s += "; last traceback: " + tb[len(tb)-1].Exception
		}
		if ev.Kind == facts.AppWorkerKilled && strings.Contains(ev.Line, "out of memory") {
			s += " (gunicorn suspects out of memory; no kernel OOM record was readable)"
		}
		out = append(out, model.Root{Code: model.RootWorkerCrash, Count: int64(len(crash)), Source: "app_log", Evidence: ev.Line, LastSeen: ev.Time, Summary: s,
			NextStep: fmt.Sprintf("read %s around %s for what killed the worker (a crash in native code, os._exit, a signal)", ev.File, clock(ev.Time))})
	}
	if len(out) == 0 {
		if r, ok := h.keepaliveRace(t, app); ok {
			out = append(out, r)
		}
	}
	return out
}

// keepaliveRace finds a gateway that keeps idle connections to the app
// open longer than the app does: a request sent on a connection the app is
// closing at that moment fails as a premature close or a reset, with no
// worker event in the app's log. Both settings are the evidence.
func (h *HostFacts) keepaliveRace(t Target, app *App) (model.Root, bool) {
	if app == nil || app.KeepAlive <= 0 {
		return model.Root{}, false
	}
	ka := h.setting(t, "keepalive")
	kt := h.setting(t, "keepalive_timeout", "timeout http-keep-alive")
	if ka == nil || ka.Default || kt == nil || kt.Seconds <= app.KeepAlive {
		return model.Root{}, false
	}
	gw := or(t.Knobs.Title, "the gateway")
	return model.Root{Code: model.RootKeepaliveRace, Count: 1, Source: "gateway_config",
		Summary: fmt.Sprintf("%s keeps idle connections to %s for %s (%s %s, %s; %s %s, %s); %s closes them after %s (%s): a request sent as the app closes one fails",
			gw, t.Address, fmtSec(kt.Seconds), ka.Name, ka.Value, ka.Pos(), kt.Name, kt.Value, kt.Pos(), app.App, fmtSec(app.KeepAlive), app.KeepAliveWhy),
		Evidence: fmt.Sprintf("%s %s at %s; %s %s at %s; %s %s", ka.Name, ka.Value, ka.Pos(), kt.Name, kt.Value, kt.Pos(), app.App, app.KeepAliveWhy),
		NextStep: fmt.Sprintf("make %s's %s shorter than %s's keep-alive (%s), or the app's keep-alive longer than %s", gw, kt.Name, app.App, fmtSec(app.KeepAlive), fmtSec(kt.Seconds))}, true
}

// startingNear reports the app's master starting just before t: its first
// workers boot then, and that is not a crash.
func (h *HostFacts) startingNear(app *App, t time.Time) bool {
	for _, ev := range h.Events {
		if ev.Kind == facts.AppStarting && app.writes(ev.File) && !ev.Time.After(t) && t.Sub(ev.Time) < 10*time.Second {
			return true
		}
	}
	return false
}

// ---- timeouts ----

func (h *HostFacts) timeoutRoots(t Target, c CauseFacts) []model.Root {
	var out []model.Root
	e, ok := parseEndpoint(t.Address)
	localApp := ok && h.local(e)
	var p *facts.Process
	var app *App
	var lst *facts.Listener
	if localApp {
		o := h.ownerOf(t.Address, h.Time.Add(-max(c.Window, 5*time.Minute)))
		p, lst = o.proc(), o.now
		app = h.appOf(p)
	}
	// workers_busy: the accept queue is full, or the app says so.
	// Connections the kernel accepted that no worker has taken: the
	// gateway is connected and waits, and every worker is busy.
	if lst != nil && lst.AcceptQueue > 0 {
		full := ""
		if lst.Backlog > 0 && lst.AcceptQueue >= lst.Backlog {
			full = fmt.Sprintf(" — the queue is full (%d)", lst.Backlog)
		}
		over := ""
		if n := h.Listeners.ListenOverflows1m; n > 0 {
			over = fmt.Sprintf("; the kernel dropped %d connections on full accept queues in the last minute (ListenOverflows)", n)
		}
		out = append(out, model.Root{Code: model.RootWorkersBusy, Count: int64(lst.AcceptQueue), Source: "listeners", LastSeen: h.Listeners.Time,
			Summary:  fmt.Sprintf("%d connections wait on %s for a worker of %s: every worker is busy%s%s", lst.AcceptQueue, lst.Addr, procName(p), full, over),
			Evidence: fmt.Sprintf("listen socket %s at %s: accept queue %d", lst.Addr, clock(h.Listeners.Time), lst.AcceptQueue),
			NextStep: "add workers (or make each request cheaper); find what holds them (a slow dependency) before raising timeouts"})
	}
	if evs := h.events(app, c, h.Time, facts.AppOverloaded); len(evs) > 0 {
		ev := evs[len(evs)-1]
		out = append(out, model.Root{Code: model.RootWorkersBusy, Count: int64(len(evs)), Source: "app_log", Evidence: ev.Line, LastSeen: ev.Time,
			Summary:  fmt.Sprintf("%s says it is saturated at %s: %s", app.App, clock(ev.Time), clip(ev.Line, 160)),
			NextStep: "add workers or processes (pm.max_children, --workers, processes=) or make requests cheaper"})
	}
	if c.Code == model.CauseReadTimeout {
		if s := h.setting(t, readTimeouts...); s != nil && s.Seconds > 0 {
			took := ""
			for i := len(c.Probes) - 1; i >= 0; i-- {
				if q := c.Probes[i]; q.OK && q.Phases.Total/1000 > s.Seconds {
					took = fmt.Sprintf("; a direct probe took %.1f s at %s", q.Phases.Total/1000, clock(q.Time))
					break
				}
			}
			gw := or(t.Knobs.Title, "the gateway")
			route := ""
			if s.Route != "" {
				route = " for " + s.Route
			}
			out = append(out, model.Root{Code: model.RootExceedsTimeout, Count: int64(max(len(c.Times), 1)), Source: "gateway_config", LastSeen: last(c.Times),
				Summary:  fmt.Sprintf("requests to %s take longer than %s gives them: %s %s%s (%s)%s", t.Address, gw, s.Name, s.Value, route, s.Pos(), took),
				Evidence: fmt.Sprintf("%s %s at %s", s.Name, s.Value, s.Pos()),
				NextStep: fmt.Sprintf("if the route is meant to be that slow, raise %s at %s above its real duration (and the app's own timeout with it); else find what makes it slow", s.Name, s.Pos())})
		}
	}
	return out
}

// ---- application errors ----

func (h *HostFacts) appErrors(t Target, c CauseFacts) []model.Root {
	e, ok := parseEndpoint(t.Address)
	if !ok || !h.local(e) {
		return nil
	}
	o := h.ownerOf(t.Address, h.Time.Add(-max(c.Window, 5*time.Minute)))
	app := h.appOf(o.proc())
	if app == nil {
		return nil
	}
	// Counted over the window, taken only when one of them is near a 5xx.
	all := c
	all.Times = nil
	var out []model.Root
	if len(h.events(app, c, h.Time, facts.AppException)) > 0 {
		type agg struct {
			n      int64
			last   facts.AppEvent
			routes []string
		}
		by := map[string]*agg{}
		var order []string
		for _, ev := range h.events(app, all, h.Time, facts.AppException) {
			a := by[ev.Exception]
			if a == nil {
				a = &agg{}
				by[ev.Exception] = a
				order = append(order, ev.Exception)
			}
			a.n++
			a.last = ev
			if ev.Detail != "" && !slices.Contains(a.routes, ev.Detail) && len(a.routes) < 3 {
				a.routes = append(a.routes, ev.Detail)
			}
		}
		slices.SortStableFunc(order, func(x, y string) int { return int(by[y].n - by[x].n) })
		for _, ex := range first(order, 3) {
			a := by[ex]
			s := ex
			if len(a.routes) > 0 {
				s += " in " + strings.Join(a.routes, ", ")
			}
			s += fmt.Sprintf(" (%d× in %s, %s log)", a.n, fmtDur(max(c.Window, 5*time.Minute)), app.App)
			out = append(out, model.Root{Code: model.RootAppException, Count: a.n, Source: "app_log", Evidence: a.last.Line, LastSeen: a.last.Time, Summary: s,
				NextStep: fmt.Sprintf("the traceback is in %s at %s: fix the code path, or roll back the deploy that brought it", a.last.File, clock(a.last.Time))})
		}
	}
	if evs := h.events(app, c, h.Time, facts.AppOverloaded); len(evs) > 0 {
		ev := evs[len(evs)-1]
		out = append(out, model.Root{Code: model.RootAppOverloaded, Count: int64(len(evs)), Source: "app_log", Evidence: ev.Line, LastSeen: ev.Time,
			Summary:  fmt.Sprintf("%s is saturated and sheds requests: %s", app.App, clip(ev.Line, 160)),
			NextStep: "add workers or instances; find what holds the current ones"})
	}
	return out
}
