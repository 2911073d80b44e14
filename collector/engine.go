// Package collector gathers everything gwtop knows on a schedule or from a
// stream — probes, status pages, log tailers, host metrics — and folds it
// into per-upstream windows that yield immutable Snapshots.
package collector

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gwtop/gwtop/alert"
	"github.com/gwtop/gwtop/collector/host"
	"github.com/gwtop/gwtop/collector/statuspage"
	"github.com/gwtop/gwtop/collector/tail"
	"github.com/gwtop/gwtop/config"
	"github.com/gwtop/gwtop/gateway"
	"github.com/gwtop/gwtop/model"
	"github.com/gwtop/gwtop/probe"
)

// liveBackfill is how much of each log's end is read when gwtop starts
// live, so an operator who opens it mid-incident sees the last minutes at
// once. 4 MiB is ~20k nginx lines: a few minutes of a busy gateway, parsed
// in well under a second.
const liveBackfill = 4 << 20

// maxInflight caps probes and scrapes running at once, so a thousand hung
// upstreams cannot pile up a thousand goroutines blocked in connect.
const maxInflight = 64

// Options tune an Engine beyond its configuration.
type Options struct {
	// Backlog reads the logs from their start to their end, then stops:
	// no probes or status pages, and the windows end at the last log line.
	Backlog bool
	// Range limits a backlog to the lines logged within it (see Range).
	Range Range
	// Publish is how often a snapshot is published; default 500ms.
	Publish time.Duration
	// KeepLines keeps each upstream's recent raw log lines for the TUI's
	// drill-down (Engine.Lines; rawlines.go). Live only: a backlog keeps
	// none.
	KeepLines bool
	// NoHost turns off host metrics and the host facts roots are found
	// in (tests that compare exact figures).
	NoHost bool
	// Alert tunes the alerts' delivery (tests); zero: the defaults.
	Alert alert.Options
	// SerialBacklog reads every backlog with one tailer per log, never in
	// parallel chunks (backlog.go); tests compare the two.
	SerialBacklog bool
	// BacklogChunk is the size of a parallel backlog's chunks (tests: many
	// small ones, at any file size); 0: one per core, at least 4 MiB.
	BacklogChunk int64
	// Export makes snapshots carry each upstream's latency bins, what the
	// metrics exporter's histograms are made of (gwtop serve, --listen).
	Export bool
}

// Engine runs every collector of one configuration.
type Engine struct {
	cfg    *config.Config
	opt    Options
	agg    *Aggregator
	latest atomic.Pointer[model.Snapshot]
	// rounds counts the publisher's ticks (what an idle gwtop wakes for)
	rounds atomic.Int64

	logs     []*lineLog
	loops    []loop
	probers  []*probe.Prober
	logsDone chan struct{}

	raw   *rawStore  // the logs' recent lines per upstream (rawlines.go); nil without KeepLines
	host  *hostLoop  // nil in backlog mode and with NoHost
	facts *factsLoop // nil in backlog mode and with NoHost
	// alerts sends upstreams' state changes (alerts:); nil without
	// alerts and in backlog mode.
	alerts *alert.Dispatcher

	// pubMu orders publishes (the publisher's, Start's and Stop's) and
	// guards published, closed at each new snapshot (Published).
	pubMu     sync.Mutex
	published chan struct{}

	cancel context.CancelFunc
	wg     sync.WaitGroup
	errMu  sync.Mutex
	errs   []error
}

// New prepares an engine: it compiles the log format and builds the probes,
// so that configuration mistakes surface before anything starts.
func New(cfg *config.Config, opt Options) (*Engine, error) {
	if opt.Publish <= 0 {
		opt.Publish = 500 * time.Millisecond
	}
	names := map[string]Name{}
	for _, u := range cfg.Upstreams {
		names[u.Address] = Name{Name: u.Name, Group: u.Group, Gateway: u.Gateway}
	}
	e := &Engine{cfg: cfg, opt: opt, logsDone: make(chan struct{}),
		agg: NewAggregator(AggregatorOptions{LogClock: opt.Backlog, Clock: rangeClock(opt), Names: names, KnobsOf: gateway.KnobsOf, LatencyBins: opt.Export})}

	if opt.KeepLines && !opt.Backlog {
		e.raw = newRawStore()
	}
	// A log that gets lines is read once per snapshot, just before it.
	topt := tail.Options{FromStart: cfg.FromStart || opt.Backlog, StopAtEOF: opt.Backlog, Flow: opt.Publish}
	if !topt.FromStart {
		topt.Backfill = liveBackfill
	}
	if err := e.wire(topt); err != nil {
		return nil, err
	}
	if !opt.Backlog {
		e.alerts = alert.New(cfg, opt.Alert)
		for _, u := range cfg.Upstreams {
			if u.Probe == "" {
				continue
			}
			ranges, _ := config.ParseExpect(u.Expect) // validated by config
			var exp []probe.StatusRange
			for _, r := range ranges {
				exp = append(exp, probe.StatusRange{Min: r[0], Max: r[1]})
			}
			p, err := probe.NewProber(probe.Target{URL: u.Probe, Timeout: u.Timeout, Insecure: u.Insecure, KeepAlive: u.KeepAlive, Expect: exp, Resolver: u.Resolver, CAFile: u.CAFile})
			if err != nil {
				return nil, fmt.Errorf("upstream %s: %w", u.Name, err)
			}
			gw, addr := u.Gateway, u.Address
			e.probers = append(e.probers, p)
			// The attempt timeout leaves the probe its own timeout to report
			// a classified failure before the loop's context ends.
			e.loops = append(e.loops, loop{name: "probe " + addr, interval: cfg.Interval, timeout: u.Timeout + time.Second,
				fn: func(ctx context.Context) {
					r := p.Probe(ctx)
					if ctx.Err() == context.Canceled {
						return // cut short by Stop: says nothing of the upstream
					}
					e.agg.ObserveProbe(gw, addr, r)
				}})
		}
		if !opt.NoHost {
			sampler := host.NewSampler()
			// The gateway's own processes (master and workers) are the
			// facts behind gateway_limits: CPU, memory, fds against limits.
			sampler.WatchProcesses(gateway.Processes()...)
			e.host = newHostLoop(sampler, e.agg, max(cfg.Interval, hostEvery))
		}
	}
	return e, nil
}

// hostEvery is the host sampler's pace: the header's and the host pane's
// figures (CPU and memory in whole percents, the load, the gateway's
// processes) are read every 2 s, as top and htop refresh, not at the
// probes' 1 s.
const hostEvery = 2 * time.Second

// rangeClock is a backlog's clock before its first line: a time range
// that ended in the past ends its windows, not the wall clock (whose
// "now" would lie after the range when no line falls inside it).
func rangeClock(opt Options) func() time.Time {
	until := opt.Range.Until
	if !opt.Backlog || until.IsZero() {
		return nil
	}
	return func() time.Time {
		if now := time.Now(); now.Before(until) {
			return now
		}
		return until.Add(-time.Nanosecond)
	}
}

// hostWait is how long a publish waits for the host sample it started, so
// that the new figures and the clock's new second reach the screen in one
// redraw; a slower sample (a busy host's TCP table) is published at the
// next round instead, and publishing never waits on a stuck read.
const hostWait = 100 * time.Millisecond

// hostLoop samples the host and reports sustained saturation as gateway
// limits: one busy sample is normal, several in a row starve the gateway.
// It is not a loop of its own: the publisher starts a sample every
// interval, on its own tick, and publishes its figures at once
// (Engine.round), so an idle gwtop wakes up once for both.
type hostLoop struct {
	sampler  *host.Sampler
	agg      *Aggregator
	interval time.Duration
	hot      int // consecutive saturated samples

	req, done chan struct{} // a sample asked for, a sample finished
	busy      bool          // asked for and not yet finished (the publisher's)
	slot      int64         // the interval (of the wall clock's) the last sample was asked in
}

func newHostLoop(s *host.Sampler, agg *Aggregator, interval time.Duration) *hostLoop {
	return &hostLoop{sampler: s, agg: agg, interval: interval, req: make(chan struct{}, 1), done: make(chan struct{}, 1)}
}

// run takes a sample each time the publisher asks, until ctx is done.
func (h *hostLoop) run(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-h.req:
		}
		actx, cancel := context.WithTimeout(ctx, 2*time.Second)
		h.sample(actx)
		cancel()
		h.done <- struct{}{}
	}
}

// due starts a sample at the first tick of each interval on the wall
// clock (at …:00, …:02 every 2 s: when the clock's second moves too), and
// waits up to hostWait for it. Only the publisher's goroutine calls it.
func (h *hostLoop) due(now time.Time) {
	if h.busy {
		select {
		case <-h.done:
			h.busy = false
		default:
			return // still reading: no second sample on top
		}
	}
	slot := now.UnixNano() / int64(h.interval)
	if slot == h.slot {
		return
	}
	h.slot, h.busy = slot, true
	h.req <- struct{}{}
	wait := time.NewTimer(hostWait)
	defer wait.Stop()
	select {
	case <-h.done:
		h.busy = false
	case <-wait.C:
	}
}

// hotSamples is how many saturated samples in a row count as evidence.
const hotSamples = 3

func (h *hostLoop) sample(ctx context.Context) {
	s := h.sampler.Sample(ctx)
	if ctx.Err() == context.Canceled {
		return
	}
	h.agg.SetHost(s)
	hot := hostPressure(s)
	if len(hot) == 0 {
		h.hot = 0
		return
	}
	h.hot++
	if h.hot >= hotSamples {
		h.agg.GatewayLimit("host", fmt.Sprintf("gateway host saturated (%d samples in a row): %s", h.hot, strings.Join(hot, ", ")), 1)
	}
}

// hostPressure names what is exhausted on the gateway host: each is
// evidence for gateway_limits when it lasts (see hostLoop).
func hostPressure(h model.Host) []string {
	var hot []string
	if h.CPUPercent >= 95 {
		hot = append(hot, fmt.Sprintf("CPU %.0f%%", h.CPUPercent))
	}
	if h.MemPercent >= 95 {
		hot = append(hot, fmt.Sprintf("memory %.0f%%", h.MemPercent))
	}
	// Every connection to an upstream holds a local port, and TIME_WAIT
	// keeps it for a minute after close: near the range's size, connects
	// fail with nginx's "(99: Cannot assign requested address)".
	if tw := h.TCPStates["TIME_WAIT"]; h.EphemeralPorts > 0 && tw*10 >= h.EphemeralPorts*8 {
		hot = append(hot, fmt.Sprintf("%d sockets in TIME_WAIT for %d ephemeral ports (upstream keepalive reuses connections)", tw, h.EphemeralPorts))
	}
	return hot
}

// Start launches every collector and the snapshot publisher.
func (e *Engine) Start(ctx context.Context) {
	ctx, e.cancel = context.WithCancel(ctx)
	inflight := make(chan struct{}, maxInflight)
	if !e.opt.Backlog && !e.opt.NoHost {
		// The roots under the causes: listeners, app-server logs, OOM
		// kills, configured timeouts. Facts are of now, so a backlog
		// has none.
		e.facts = newFactsLoop(ctx, e.cfg, e.agg, e.Latest)
		e.loops = append(e.loops, loop{name: "facts", interval: factsEvery, timeout: 10 * time.Second, align: true, fn: e.facts.sample})
	}
	if e.alerts != nil {
		e.wg.Go(func() { e.alerts.Run(ctx) })
	}
	for _, l := range e.loops {
		e.wg.Go(func() { l.run(ctx, inflight) })
	}
	var logsWG sync.WaitGroup
	for _, l := range e.logs {
		logsWG.Go(func() {
			if err := l.run(ctx); err != nil && !errors.Is(err, context.Canceled) {
				e.errMu.Lock()
				e.errs = append(e.errs, err)
				e.errMu.Unlock()
			}
		})
	}
	e.wg.Go(func() {
		logsWG.Wait()
		close(e.logsDone)
	})
	if e.host != nil {
		e.wg.Go(func() { e.host.run(ctx) })
	}
	e.publish()
	e.wg.Go(func() {
		// The publisher's ticks are multiples of Publish on the wall clock
		// (…:00.000, …:00.500), and so are the host sample's, the facts
		// loop's and a followed log's safety poll: an idle gwtop wakes up
		// once per tick for all of them, and the clock's new second is
		// published when it begins.
		// With nothing new, it wakes only at each new second (idleEvery);
		// the first change after a snapshot brings the next tick forward
		// to the next multiple of Publish that the pace allows.
		// The ticks are instants of the wall clock (wallNow): compared by
		// their monotonic readings, a change's tick and the earliest one,
		// the same instant, came out apart by the nanoseconds between two
		// clock reads, and the change waited for the next second.
		every, idle := e.opt.Publish, idleEvery(e.opt.Publish)
		now := wallNow()
		due, earliest := now.Add(untilNext(now, every)), time.Time{}
		t := time.NewTimer(time.Until(due))
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-e.agg.Changed():
				if at := changeTick(wallNow(), every, earliest); at.Before(due) {
					due = at
					t.Reset(time.Until(due))
				}
			case <-t.C:
				e.rounds.Add(1)
				if e.host != nil {
					e.host.due(time.Now())
				}
				start := time.Now()
				e.publish()
				took := time.Since(start)
				now := wallNow()
				earliest = now.Add(nextTick(now, every, publishPace(every, took)))
				if due = now.Add(untilNext(now, idle)); due.Before(earliest) {
					due = earliest
				}
				t.Reset(time.Until(due))
			}
		}
	})
}

// idleEvery is the publisher's tick while nothing changes: the clock's
// next second (the header shows it), as a multiple of every.
func idleEvery(every time.Duration) time.Duration {
	if every >= time.Second {
		return every
	}
	return every * ((time.Second + every - 1) / every)
}

// publishBudget is the share of a core building snapshots may take
// before they are spaced out (a gateway of a thousand busy upstreams
// rebuilds every row each time), and publishMaxPace is the most they are
// spaced: the screen still refreshes every second.
const (
	publishBudget  = 200 // 0.5 %: the wait is at least 200× the build
	publishMaxPace = time.Second
)

// publishPace is the wait before the next snapshot after one that took
// took to build.
func publishPace(every, took time.Duration) time.Duration {
	return max(every, min(publishMaxPace, took*publishBudget))
}

// nextTick is the wait from now, just after a tick, to the next one: the
// next multiple of every on the wall clock, or the first one pace allows
// when publishPace spaced the snapshots out, so that the publisher stays on
// the multiples of every (and of the host sample's 2 s).
func nextTick(now time.Time, every, pace time.Duration) time.Duration {
	skip := (pace+every-1)/every - 1
	return untilNext(now, every) + max(0, skip)*every
}

// wallNow is the time on the wall clock alone (no monotonic reading), so
// that instants computed as multiples of a pace compare as equal when
// they are.
func wallNow() time.Time { return time.Now().Round(0) }

// changeTick is the publisher's tick for a change at now: the next
// multiple of every on the wall clock, and not before earliest (the
// pace after the last snapshot).
func changeTick(now time.Time, every time.Duration, earliest time.Time) time.Time {
	at := now.Add(untilNext(now, every))
	for at.Before(earliest) {
		at = at.Add(every)
	}
	return at
}

// untilNext is how long from now to the next multiple of d on the wall
// clock (d itself at a multiple). Loops whose intervals are multiples of
// one another, started this way, fire at the same instants and cost one
// wakeup where each would cost its own.
func untilNext(now time.Time, d time.Duration) time.Duration {
	return d - time.Duration(now.UnixNano()%int64(d))
}

// publish makes the aggregator's snapshot the latest one. An unchanged
// aggregator hands back the snapshot already published (the same second,
// no new figure): then nothing is stored, and no reader is woken.
func (e *Engine) publish() {
	e.pubMu.Lock()
	defer e.pubMu.Unlock()
	for _, l := range e.logs {
		e.agg.SetGateway(l.gateway())
	}
	// The alerts' rows, then their input: Observe only hands the
	// snapshot over, delivery never holds up publishing.
	for _, g := range e.alerts.Rows() {
		e.agg.SetGateway(g)
	}
	s := e.agg.Snapshot()
	if s == e.latest.Load() {
		return
	}
	e.latest.Store(s)
	if e.published != nil {
		close(e.published)
	}
	e.published = make(chan struct{})
	e.alerts.Observe(s)
}

// Published returns a channel that is closed when a snapshot newer than
// the one Latest returns now is published: a reader (the TUI) waits on it
// instead of polling Latest.
func (e *Engine) Published() <-chan struct{} {
	e.pubMu.Lock()
	defer e.pubMu.Unlock()
	if e.published == nil {
		e.published = make(chan struct{})
	}
	return e.published
}

// Mark puts an operator's marker on the timeline now (gwtop mark, the
// TUI's m); source says which.
func (e *Engine) Mark(text, source string) { e.agg.Mark(text, source) }

// Latest returns the newest published snapshot (nil before Start).
func (e *Engine) Latest() *model.Snapshot { return e.latest.Load() }

// Watch names the rows the screen shows (ui.Watcher): with many rows the
// snapshots refresh these every second and the others at their bucket's
// turn, unless they have news (Aggregator.Watch).
func (e *Engine) Watch(rows []model.RowRef) { e.agg.Watch(rows) }

// LogsDone is closed when every log tailer has returned: at end of file in
// Backlog mode, else after Stop.
func (e *Engine) LogsDone() <-chan struct{} { return e.logsDone }

// Err reports errors that stopped a log tailer (Backlog mode only: a live
// tailer retries instead).
func (e *Engine) Err() error {
	e.errMu.Lock()
	defer e.errMu.Unlock()
	return errors.Join(e.errs...)
}

// Stop ends every collector, waits for them and returns a final snapshot.
func (e *Engine) Stop() *model.Snapshot {
	if e.cancel != nil {
		e.cancel()
	}
	e.wg.Wait()
	for _, p := range e.probers {
		p.Close()
	}
	if e.facts != nil {
		e.facts.close()
	}
	statuspage.CloseIdleConnections()
	e.publish()
	return e.Latest()
}
