// Package alert sends an upstream's state changes somewhere an operator
// will see them while looking elsewhere: a webhook (a JSON POST with a
// Slack-compatible "text"), a command (the same JSON on its standard
// input), the terminal's bell.
//
// A Dispatcher is fed every published snapshot (Observe, which never
// blocks) and decides from the upstreams' states:
//
//   - a state must last alert_after before it counts: a flap shorter than
//     that is not alerted at all;
//   - each destination is alerted once when an upstream enters one of its
//     states (on: down by default, or down and degraded), once per change
//     between them, and once when it leaves them for a better known state
//     (a recovery) — one alert per state change, never one per snapshot;
//   - each destination sends at most RateLimit alerts a minute (a burst of
//     RateLimit, then one every 60s/RateLimit); alerts past that are
//     dropped and counted (rate_limited);
//   - delivery runs in one goroutine per destination behind a bounded
//     queue (the oldest alert is dropped when it is full, and counted),
//     each attempt with a timeout, failed attempts retried with doubling
//     backoff. Collection never waits for it.
//
// What happened is on one gateway row per destination (Kind "gwtop",
// Source "alerts"; Rows) and in the log (slog). Payloads and rows are run
// through redact with every configured secret (the probes' passwords, the
// webhook's path and query, the command's arguments); the webhook's URL is
// shown as scheme://host/… only.
package alert

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/gwtop/gwtop/config"
	"github.com/gwtop/gwtop/model"
	"github.com/gwtop/gwtop/redact"
)

// Defaults of Options.
const (
	DefaultQueue     = 64               // alerts waiting per destination
	DefaultRetries   = 3                // attempts after the first
	DefaultBackoff   = time.Second      // before the first retry, doubled each time
	MaxBackoff       = 30 * time.Second // the longest wait between attempts
	DefaultRateLimit = 20               // alerts a minute per destination (and the burst)
	// DefaultDrain is how long gwtop, told to stop, keeps delivering the
	// alerts still queued or in flight (an upstream that went down just
	// before a deploy script ended gwtop is still paged).
	DefaultDrain = 5 * time.Second
)

// Options tune a Dispatcher; zero values are the defaults.
type Options struct {
	Queue     int
	Retries   int // -1: no retry
	Backoff   time.Duration
	RateLimit int
	// Drain bounds the delivery of what is queued when Run's context
	// ends; -1: none (drop it); 0: DefaultDrain.
	Drain time.Duration
	// Host names the machine in payloads; default os.Hostname().
	Host string
	// Log is where deliveries and failures are logged; default
	// slog.Default() when the dispatcher is made (the TUI points it at
	// --log-file, and never at the terminal).
	Log *slog.Logger
}

// Kinds of alert (Payload.Event).
const (
	EventDown      = "down"
	EventDegraded  = "degraded"
	EventRecovered = "recovered"
)

// Payload is what a webhook is POSTed and a command reads on its standard
// input, as JSON. Every text in it has been redacted.
type Payload struct {
	// Text is one line for a chat channel (Slack's and Mattermost's
	// incoming webhooks show it as the message).
	Text  string    `json:"text"`
	Event string    `json:"event"` // down, degraded, recovered
	Time  time.Time `json:"time"`  // when gwtop decided to alert
	// Since is when the new state began (Time - Since ≥ alert_after).
	Since    time.Time   `json:"since"`
	Host     string      `json:"host"` // the machine gwtop runs on
	Upstream string      `json:"upstream"`
	Address  string      `json:"address"`
	Gateway  string      `json:"gateway,omitempty"`
	Group    string      `json:"group,omitempty"`
	From     model.State `json:"from"`
	To       model.State `json:"to"`
	Reason   string      `json:"reason"` // why gwtop judges it so (the state's reason)
	// Cause is the leading cause (for a recovery: the cause it had when
	// it went bad), with its hint, its latest evidence line and the root
	// under it with the root's summary.
	Cause    model.Cause    `json:"cause,omitempty"`
	Hint     string         `json:"hint,omitempty"`
	Evidence string         `json:"evidence,omitempty"`
	Root     model.RootCode `json:"root,omitempty"`
	Summary  string         `json:"summary,omitempty"`
	Source   string         `json:"source"` // "gwtop"
}

// Dispatcher decides and delivers alerts. Make it with New, run it with
// Run, feed it with Observe.
type Dispatcher struct {
	after  time.Duration
	drain  time.Duration
	host   string
	log    *slog.Logger
	red    *redact.Redactor
	dests  []*dest
	wake   chan struct{}
	mu     sync.Mutex
	latest *model.Snapshot
	tracks map[key]*track // owned by Run's goroutine
}

type key struct{ gw, addr string }

// track is one upstream as the dispatcher follows it.
type track struct {
	stable model.State // the last state that lasted alert_after
	cur    model.State
	since  time.Time // when cur began
	open   []bool    // per destination: a problem alerted, not yet recovered
	bad    Payload   // the cause, root and summary when it went bad
}

// New makes a dispatcher for cfg's alerts; nil when there are none.
func New(cfg *config.Config, opt Options) *Dispatcher {
	if len(cfg.Alerts) == 0 {
		return nil
	}
	if opt.Queue <= 0 {
		opt.Queue = DefaultQueue
	}
	switch {
	case opt.Retries < 0:
		opt.Retries = 0
	case opt.Retries == 0:
		opt.Retries = DefaultRetries
	}
	if opt.Backoff <= 0 {
		opt.Backoff = DefaultBackoff
	}
	if opt.RateLimit <= 0 {
		opt.RateLimit = DefaultRateLimit
	}
	switch {
	case opt.Drain < 0:
		opt.Drain = 0
	case opt.Drain == 0:
		opt.Drain = DefaultDrain
	}
	if opt.Host == "" {
		opt.Host, _ = os.Hostname()
	}
	if opt.Log == nil {
		opt.Log = slog.Default()
	}
	// Every secret the configuration holds, in case a text quotes it: the
	// probes' and status pages' passwords, the webhooks' paths and
	// queries, the commands' arguments.
	var secrets []string
	for _, u := range cfg.Upstreams {
		secrets = append(secrets, redact.URLSecrets(u.Probe)...)
	}
	for _, a := range cfg.Alerts {
		secrets = append(secrets, webhookSecrets(a.Webhook)...)
		// An argument as long as a token may be one; shorter ones
		// ("--team", "api") are words a payload uses as words (an
		// upstream's name). --token=… is masked by redact's rules.
		for _, arg := range a.Command[min(1, len(a.Command)):] {
			if len(arg) >= 8 && !strings.HasPrefix(arg, "-") {
				secrets = append(secrets, arg)
			}
		}
	}
	red := redact.New(secrets...)
	d := &Dispatcher{after: cfg.AlertAfter, host: opt.Host, log: opt.Log, red: red, drain: opt.Drain,
		wake: make(chan struct{}, 1), tracks: map[key]*track{}}
	for _, a := range cfg.Alerts {
		d.dests = append(d.dests, newDest(a, opt, red))
	}
	return d
}

// webhookSecrets are the parts of a webhook URL that are its token: the
// whole URL, its path and each segment of it, its query and each value,
// its userinfo.
func webhookSecrets(raw string) []string {
	if raw == "" {
		return nil
	}
	out := append([]string{raw}, redact.URLSecrets(raw)...)
	u, err := url.Parse(raw)
	if err != nil {
		return out
	}
	if u.Path != "" && u.Path != "/" {
		out = append(out, u.EscapedPath(), u.Path)
		// A segment as long as a token is one (Slack's T…/B…/…); shorter
		// ones are words ("hooks", "alerts") that texts use as words.
		for seg := range strings.SplitSeq(u.Path, "/") {
			if len(seg) >= 8 {
				out = append(out, seg)
			}
		}
	}
	if u.RawQuery != "" {
		out = append(out, u.RawQuery)
		for _, vs := range u.Query() {
			out = append(out, vs...)
		}
	}
	return out
}

// Shown is how a webhook URL is written anywhere gwtop writes it:
// scheme://host/…, without userinfo, path or query.
func Shown(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "webhook (unparsable URL)"
	}
	s := u.Scheme + "://" + u.Host
	if (u.Path != "" && u.Path != "/") || u.RawQuery != "" {
		s += "/…"
	}
	return s
}

// Observe hands the dispatcher a published snapshot. It never blocks: the
// dispatcher reads the newest one when it gets to it.
func (d *Dispatcher) Observe(s *model.Snapshot) {
	if d == nil || s == nil {
		return
	}
	d.mu.Lock()
	d.latest = s
	d.mu.Unlock()
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// Run decides and delivers alerts until ctx ends. It then keeps
// delivering what is queued or in flight for at most Options.Drain (each
// destination its queue in order, retries included while time is left),
// logs what it could not deliver, and returns: gwtop's exit waits Drain
// at most, and not at all when nothing is queued.
func (d *Dispatcher) Run(ctx context.Context) {
	if d == nil {
		return
	}
	// Deliveries outlive ctx by the drain at most.
	dctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	defer cancel()
	var wg sync.WaitGroup
	for _, x := range d.dests {
		wg.Go(func() { x.run(ctx, dctx) })
	}
	defer wg.Wait()
	for {
		select {
		case <-ctx.Done():
			t := time.AfterFunc(d.drain, cancel)
			wg.Wait()
			t.Stop()
			return
		case <-d.wake:
			d.mu.Lock()
			s := d.latest
			d.mu.Unlock()
			d.decide(s)
		}
	}
}

// decide follows every upstream's state in s and enqueues the alerts due.
func (d *Dispatcher) decide(s *model.Snapshot) {
	seen := make(map[key]bool, len(s.Upstreams))
	for i := range s.Upstreams {
		u := &s.Upstreams[i]
		k := key{u.Gateway, u.Address}
		seen[k] = true
		t := d.tracks[k]
		if t == nil {
			// Every upstream starts unknown: one already down when gwtop
			// starts is alerted once its state has lasted alert_after.
			t = &track{stable: model.StateUnknown, cur: u.State, since: s.Time, open: make([]bool, len(d.dests))}
			d.tracks[k] = t
		}
		if u.State != t.cur {
			t.cur, t.since = u.State, s.Time
		}
		if t.cur == t.stable || s.Time.Sub(t.since) < d.after {
			continue
		}
		d.change(s, u, t)
		t.stable = t.cur
	}
	for k := range d.tracks {
		if !seen[k] {
			delete(d.tracks, k) // forgotten by the aggregator
		}
	}
}

// change sends the alerts of t's lasting change to every destination
// that wants them.
func (d *Dispatcher) change(s *model.Snapshot, u *model.Upstream, t *track) {
	p := d.payload(s, u, t)
	bad := false
	for i, x := range d.dests {
		switch {
		case slices.Contains(x.on, t.cur):
			bad = true
			t.open[i] = true
			p.Event = string(t.cur)
		case t.open[i] && t.cur != model.StateUnknown:
			t.open[i] = false
			p.Event = EventRecovered
			if p.Cause == "" {
				p.Cause, p.Hint, p.Evidence, p.Root, p.Summary = t.bad.Cause, t.bad.Hint, t.bad.Evidence, t.bad.Root, t.bad.Summary
			}
		default:
			continue
		}
		p.Text = d.text(&p)
		x.enqueue(p, s.Time)
	}
	if bad {
		t.bad = p
	}
}

func (d *Dispatcher) payload(s *model.Snapshot, u *model.Upstream, t *track) Payload {
	r := d.red.String
	p := Payload{Time: s.Time, Since: t.since, Host: r(d.host), Upstream: r(u.Name), Address: r(u.Address), Gateway: u.Gateway,
		Group: r(u.Group), From: t.stable, To: t.cur, Reason: r(u.StateReason), Source: "gwtop"}
	if t.cur == model.StateUp {
		return p // the old cause is still in the window; a recovery names the one it had
	}
	if len(u.Causes) > 0 && u.Causes[0].Count > 0 {
		c := u.Causes[0]
		p.Cause, p.Hint, p.Evidence = c.Code, r(c.Hint), r(c.Evidence)
		if len(c.Roots) > 0 {
			p.Root, p.Summary = c.Roots[0].Code, r(c.Roots[0].Summary)
		}
	}
	return p
}

// text is the payload's one line: "[gwtop@web1] api (127.0.0.1:8000, nginx)
// is DOWN (was up, for 30s): refused — not_running: nothing listens on
// 127.0.0.1:8000. probe failing: …".
func (d *Dispatcher) text(p *Payload) string {
	var b strings.Builder
	fmt.Fprintf(&b, "[gwtop@%s] %s (%s", p.Host, p.Upstream, p.Address)
	if p.Gateway != "" {
		fmt.Fprintf(&b, ", %s", p.Gateway)
	}
	b.WriteString(") ")
	lasted := p.Time.Sub(p.Since)
	if lasted >= 10*time.Second {
		lasted = lasted.Round(time.Second)
	} else {
		lasted = lasted.Round(100 * time.Millisecond)
	}
	if p.Event == EventRecovered {
		fmt.Fprintf(&b, "recovered: %s (was %s, for %v)", p.To, p.From, lasted)
		if p.Cause != "" {
			fmt.Fprintf(&b, "; it had %s", p.Cause)
		}
	} else {
		fmt.Fprintf(&b, "is %s (was %s, for %v)", strings.ToUpper(string(p.To)), p.From, lasted)
		if p.Cause != "" {
			fmt.Fprintf(&b, ": %s", p.Cause)
		}
		if p.Root != "" {
			fmt.Fprintf(&b, " — %s: %s", p.Root, p.Summary)
		}
	}
	if p.Reason != "" {
		fmt.Fprintf(&b, ". %s", p.Reason)
	}
	return d.red.String(b.String())
}

// Rows are the destinations' gateway rows (Kind "gwtop", Source
// "alerts"), for the aggregator's SetGateway. A bell's row counts what it
// rang in "sent" and says the last alert in Note: the TUI rings and
// flashes when that count grows.
func (d *Dispatcher) Rows() []model.Gateway {
	if d == nil {
		return nil
	}
	out := make([]model.Gateway, 0, len(d.dests))
	for _, x := range d.dests {
		out = append(out, x.row())
	}
	return out
}

// A sender delivers one payload: a POST, a command run. Its error never
// holds a secret.
type sender func(ctx context.Context, body []byte) error

// dest is one destination: its queue, limiter, counters and sender.
type dest struct {
	kind   string // webhook, command, bell
	target string // as shown: scheme://host/…, the program, "bell"
	on     []model.State
	opt    Options
	red    *redact.Redactor
	send   sender // nil for the bell
	tmo    time.Duration
	log    *slog.Logger
	signal chan struct{}

	mu      sync.Mutex
	queue   []Payload
	tokens  float64
	refill  time.Time
	ok      bool
	lastErr string
	updated time.Time
	note    string // the bell's last alert
	n       struct{ sent, failed, errors, retries, dropped, rateLimited float64 }
}

func newDest(a config.Alert, opt Options, red *redact.Redactor) *dest {
	x := &dest{opt: opt, red: red, tmo: a.Timeout, log: opt.Log, signal: make(chan struct{}, 1), ok: true,
		tokens: float64(opt.RateLimit)}
	for _, s := range a.On {
		x.on = append(x.on, model.State(s))
	}
	switch {
	case a.Webhook != "":
		x.kind, x.target = "webhook", Shown(a.Webhook)
		x.send = webhook(a.Webhook, x.target, red)
	case len(a.Command) > 0:
		x.kind, x.target = "command", a.Command[0]
		if len(a.Command) > 1 {
			x.target += " …"
		}
		x.send = command(a.Command, red)
	default:
		x.kind, x.target = "bell", "bell"
	}
	return x
}

// allow takes one token of the destination's rate limit.
func (x *dest) allowLocked(now time.Time) bool {
	if !x.refill.IsZero() {
		per := time.Minute / time.Duration(x.opt.RateLimit)
		x.tokens = min(float64(x.opt.RateLimit), x.tokens+float64(now.Sub(x.refill))/float64(per))
	}
	x.refill = now
	if x.tokens < 1 {
		return false
	}
	x.tokens--
	return true
}

func (x *dest) enqueue(p Payload, now time.Time) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if !x.allowLocked(now) {
		x.n.rateLimited++
		x.log.Warn("alert dropped: rate limit", "destination", x.target, "limit_per_minute", x.opt.RateLimit, "alert", p.Text)
		return
	}
	if x.send == nil { // the bell: nothing to deliver, the TUI reads the row
		x.n.sent++
		x.note, x.updated = p.Text, now
		x.log.Info("alert", "destination", x.target, "alert", p.Text)
		return
	}
	if len(x.queue) >= x.opt.Queue {
		x.queue = slices.Delete(x.queue, 0, 1)
		x.n.dropped++
		x.log.Warn("alert dropped: queue full, oldest alert dropped", "destination", x.target, "queue", x.opt.Queue)
	}
	x.queue = append(x.queue, p)
	select {
	case x.signal <- struct{}{}:
	default:
	}
}

func (x *dest) pop() (Payload, bool) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if len(x.queue) == 0 {
		return Payload{}, false
	}
	p := x.queue[0]
	x.queue = slices.Delete(x.queue, 0, 1)
	return p, true
}

// run delivers the destination's queue until ctx ends, then what is
// still queued until dctx ends (the drain), counting and logging the rest
// as dropped.
func (x *dest) run(ctx, dctx context.Context) {
	if x.send == nil {
		return
	}
	for ctx.Err() == nil {
		select {
		case <-ctx.Done():
		case <-x.signal:
		}
		for {
			p, ok := x.pop()
			if !ok {
				break
			}
			if !x.deliver(dctx, p) {
				x.lost(1, "an attempt was in flight")
				break
			}
		}
	}
	for x.opt.Drain > 0 && dctx.Err() == nil {
		p, ok := x.pop()
		if !ok {
			return
		}
		if !x.deliver(dctx, p) {
			x.lost(1, "an attempt was in flight")
		}
	}
	x.mu.Lock()
	n := len(x.queue)
	x.queue = nil
	x.mu.Unlock()
	x.lost(n, "still queued")
}

// lost counts and logs n alerts gwtop exits without delivering.
func (x *dest) lost(n int, why string) {
	if n == 0 {
		return
	}
	x.mu.Lock()
	x.n.dropped += float64(n)
	x.mu.Unlock()
	x.log.Error("alerts not delivered: gwtop stopped before they were", "destination", x.target, "alerts", n, "why", why, "drain", x.opt.Drain)
}

// deliver sends p, retrying with backoff; false when ctx ended.
func (x *dest) deliver(ctx context.Context, p Payload) bool {
	body, err := json.Marshal(p)
	if err != nil { // a Payload always marshals
		panic(err)
	}
	wait := x.opt.Backoff
	for attempt := 0; ; attempt++ {
		actx, cancel := context.WithTimeout(ctx, x.tmo)
		err := x.send(actx, body)
		cancel()
		if ctx.Err() != nil {
			return false
		}
		x.mu.Lock()
		x.updated = time.Now()
		if err == nil {
			x.ok, x.lastErr = true, ""
			x.n.sent++
			x.mu.Unlock()
			x.log.Info("alert sent", "destination", x.target, "attempt", attempt+1, "alert", p.Text)
			return true
		}
		msg := x.red.String(err.Error())
		x.ok, x.lastErr = false, msg
		x.n.errors++
		last := attempt >= x.opt.Retries
		if last {
			x.n.failed++
		} else {
			x.n.retries++
		}
		x.mu.Unlock()
		if last {
			x.log.Error("alert not delivered, giving up", "destination", x.target, "attempts", attempt+1, "error", msg, "alert", p.Text)
			return true
		}
		x.log.Warn("alert delivery failed, retrying", "destination", x.target, "attempt", attempt+1, "retry_in", wait, "error", msg)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return false
		case <-t.C:
		}
		wait = min(2*wait, MaxBackoff)
	}
}

func (x *dest) row() model.Gateway {
	x.mu.Lock()
	defer x.mu.Unlock()
	g := model.Gateway{Kind: "gwtop", Source: "alerts", Target: x.target, OK: x.ok, Updated: x.updated,
		Counters: map[string]float64{"sent": x.n.sent, "rate_limited": x.n.rateLimited}}
	ons := make([]string, len(x.on))
	for i, s := range x.on {
		ons[i] = string(s)
	}
	g.Note = fmt.Sprintf("%s alerts on %s and recovery, at most %d a minute", x.kind, strings.Join(ons, ", "), x.opt.RateLimit)
	if x.send == nil {
		if x.note != "" {
			g.Note = "last: " + x.note
		}
		return g
	}
	g.Counters["failed"] = x.n.failed
	g.Counters["errors"] = x.n.errors
	g.Counters["retries"] = x.n.retries
	g.Counters["dropped"] = x.n.dropped
	g.Counters["queued"] = float64(len(x.queue))
	if !x.ok {
		g.Error = x.lastErr
	}
	return g
}

// webhook POSTs the JSON to raw. Its errors say "POST scheme://host/…",
// never the URL.
func webhook(raw, shown string, red *redact.Redactor) sender {
	// No keep-alive: alerts are rare, and no idle connection outlives Run.
	client := &http.Client{Transport: &http.Transport{Proxy: http.ProxyFromEnvironment, DisableKeepAlives: true},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return func(ctx context.Context, body []byte) error {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, raw, bytes.NewReader(body))
		if err != nil {
			return fmt.Errorf("POST %s: bad URL", shown)
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("User-Agent", "gwtop")
		resp, err := client.Do(req)
		if err != nil {
			var ue *url.Error
			if errors.As(err, &ue) {
				err = ue.Err
			}
			if errors.Is(err, context.DeadlineExceeded) {
				return fmt.Errorf("POST %s: no answer within the timeout", shown)
			}
			return fmt.Errorf("POST %s: %s", shown, red.String(strings.ReplaceAll(err.Error(), raw, shown)))
		}
		defer resp.Body.Close()
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		if resp.StatusCode/100 != 2 {
			return fmt.Errorf("POST %s: %s", shown, resp.Status)
		}
		return nil
	}
}

// command runs argv with the JSON on its standard input. Its errors name
// the program and quote the first line of its standard error, redacted.
func command(argv []string, red *redact.Redactor) sender {
	name := filepath.Base(argv[0])
	return func(ctx context.Context, body []byte) error {
		cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
		cmd.Stdin = bytes.NewReader(body)
		var stderr limited
		cmd.Stderr = &stderr
		cmd.WaitDelay = time.Second // a child that keeps stderr open does not hold us
		err := cmd.Run()
		if err == nil {
			return nil
		}
		if ctx.Err() == context.DeadlineExceeded {
			return fmt.Errorf("%s: did not finish within the timeout (killed)", name)
		}
		msg := fmt.Sprintf("%s: %v", name, unwrapExec(err))
		if line, _, _ := strings.Cut(strings.TrimSpace(stderr.b.String()), "\n"); line != "" {
			msg += ": " + line
		}
		return errors.New(red.String(msg))
	}
}

func unwrapExec(err error) error {
	var ee *exec.Error
	if errors.As(err, &ee) {
		return ee.Err
	}
	return err
}

// limited keeps the first 1 KiB written to it.
type limited struct{ b bytes.Buffer }

func (l *limited) Write(p []byte) (int, error) {
	if room := 1024 - l.b.Len(); room > 0 {
		l.b.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}
