package collector

import (
	"cmp"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"sync"
	"time"
	"unsafe"

	"github.com/gwtop/gwtop/collector/feed"
	"github.com/gwtop/gwtop/diagnose"
	"github.com/gwtop/gwtop/model"
)

// Limits that keep memory fixed however long gwtop runs.
const (
	probeHistory  = 60
	evidenceLines = 20
	maxLineLen    = 2048  // evidence lines are cut to this many bytes
	maxUpstreams  = 20000 // beyond this the least recently seen unnamed upstreams are forgotten
	maxEvents     = 200
	// GatewayName is the pseudo-upstream that takes failures naming no
	// upstream and no host (nginx's own limits, say).
	GatewayName = "(gateway)"
)

type causeInfo struct {
	total    int64
	last     time.Time
	line     string
	source   string
	inferred bool
	// times are the latest occurrences, for matching app-server and
	// kernel events to failures (allocated on the first one).
	times *timeRing
}

// causeTimes is how many occurrences of one cause keep their time.
const causeTimes = 32

type timeRing struct {
	t [causeTimes]int64 // unix nanoseconds: a third of a time.Time
	n int
	// listed is list's answer while n was listedN: every rebuild of the
	// row asks for it, and a time is added far less often.
	listed  []time.Time
	listedN int
}

func (r *timeRing) add(t time.Time) {
	r.t[r.n%causeTimes] = t.UnixNano()
	r.n++
}

// list returns the kept times, oldest first. The slice is shared by the
// calls until the next add: it must not be written to.
func (r *timeRing) list() []time.Time {
	if r == nil {
		return nil
	}
	if r.listedN != r.n || r.listed == nil {
		k := min(r.n, causeTimes)
		r.listed = make([]time.Time, 0, k)
		for i := r.n - k; i < r.n; i++ {
			r.listed = append(r.listed, time.Unix(0, r.t[i%causeTimes]))
		}
		r.listedN = r.n
	}
	return r.listed
}

// ukey identifies an upstream: the gateway instance that sends it traffic
// and its address as that gateway writes it. Two gateways in front of the
// same address are two rows: each sees it through its own timeouts,
// retries and health checks.
type ukey struct{ gw, addr string }

type upstream struct {
	gw, addr, name, group string
	labelled              bool
	ring                  *ring
	total                 counts
	// causes are the records of the causes the row has seen, in the
	// order first seen: most rows see none or one or two of the
	// NumCauses, so a list costs less than an array of all of them.
	causes    []causeSlot
	evidence  *[evidenceLines]string
	nEvidence int
	// evList is the evidence as the last snapshot listed it, oldest
	// first, taken when nEvidence was evListN: snapshots share it until a
	// new line
	evList     []string
	evListN    int
	probes     *[probeHistory]model.ProbeResult // nil until the first probe: most rows are never probed
	nProbes    int
	lastSeen   time.Time
	sources    uint8
	statusDown bool
	statusWhy  string
	counters   map[string]feed.Counters // last cumulative reading per status source
	avgMS      map[string]float64
	avgNote    string
	state      model.State
	evaluated  bool
	factsVer   int64 // the host facts its roots were found in
	routes     routeTable
	hints      *diagnose.HintCache // its causes' hints; nil until it has a cause

	dirty bool
	// urgent is news the operator must see at the next snapshot even
	// when its row is off screen: a 5xx, a cause, a failed (or first
	// good) probe, a status page's verdict or name. A row that only
	// counted requests is not urgent.
	urgent   bool
	builds   int   // times its row was built (what a snapshot reused, it did not build)
	listed   bool  // in Aggregator.order
	slot     int32 // its row's index in the snapshot being made, before the rows are ordered
	cached   *model.Upstream
	cachedAt int64
}

const (
	srcProbe uint8 = 1 << iota
	srcAccess
	srcError
	srcStatus
)

var sourceNames = [...]string{"probe", "access_log", "error_log", "status"}

// sourceLists are the Sources of each set of source bits, built once and
// shared by every row (nobody writes to a snapshot's slices).
var sourceLists = func() (out [1 << len(sourceNames)][]string) {
	for bits := range out {
		for i, name := range sourceNames {
			if bits&(1<<i) != 0 {
				out[bits] = append(out[bits], name)
			}
		}
	}
	return out
}()

// Aggregator folds requests, failures and probe results into per-upstream
// windows and publishes immutable Snapshots. It is safe for concurrent use.
type Aggregator struct {
	mu       sync.Mutex
	clock    func() time.Time
	logClock bool // "now" is the newest event time (backlog analysis)
	// horizon (log clock only) is a bucket index the read will reach:
	// buckets five minutes older are out of the final window and not
	// filled. A parallel backlog sets it from the file's last lines, so
	// that its chunks do not each fill their own "last five minutes".
	horizon int64
	// latencyBins: snapshots carry the Total sketch's bins (exporting).
	latencyBins bool
	started     time.Time
	latest      time.Time
	ups         map[ukey]*upstream
	// hot caches rows by where their address's bytes lie: parsers intern
	// addresses (nginx's access parser), so a line's address is the very
	// string of the last line to that upstream, and a hit is a pointer
	// comparison instead of a map lookup hashing two strings. Cleared
	// when rows are evicted.
	hot      [hotSlots]*upstream
	names    map[string]Name
	gw       *upstream // gateway-wide figures and gateway-wide failures
	gateways map[string]model.Gateway
	host     model.Host
	events   []model.Event
	knobsOf  func(gateway string) diagnose.Knobs
	knobsFor map[string]diagnose.Knobs // knobsOf's answers, per gateway instance
	// facts is the latest host sample roots are found in; factsVer
	// counts its replacements, so rows rebuild when it changes.
	facts    *diagnose.HostFacts
	factsVer int64
	// ver counts changes (change); prev is the last snapshot, taken at
	// version prevVer in bucket prevIdx.
	ver, prevVer, prevIdx int64
	// hostVer counts SetHost calls; prevHostVer is the one prev shows.
	hostVer, prevHostVer int64
	prev                 *model.Snapshot
	// changed is signalled by the first change after a snapshot
	// (pending says it was).
	changed chan struct{}
	pending bool
	// m1 and m5 are scratch windows reused by every Snapshot (which holds
	// mu, so one at a time).
	m1, m5 counts
	// order is the last snapshot's rows in its order (then the
	// placeholders it left out); shown is its scratch twin.
	order, shown []*upstream
	// perm is scratch: where each row of a snapshot lies before its
	// rows are put in order (Snapshot builds them in place, so that a
	// row is held once, in the newest snapshot, and no scratch copy of
	// every row is kept beside it).
	perm    []int32
	compare comparer // before/after of markers, reloads and restarts (compare.go)
	// routeBuf is scratch: a line's route, normalised once for all its attempts
	routeBuf []byte
	// watched are the rows a screen shows (Watch); nil until one says.
	// With more than lazyRows rows, a snapshot rebuilds each second only
	// these and the urgent ones: the others wait for their bucket's turn.
	watched  map[ukey]bool
	lazyRows int
}

// defaultLazyRows is how many rows a snapshot has before a screen's Watch makes
// it rebuild the rows off screen only at each bucket (10 s) unless they
// have news. Below it every changed row is rebuilt every second: at 1,000
// rows the rebuilds were half of gwtop's CPU (issue 16).
const defaultLazyRows = 200

// Watch names the rows a screen shows now, by gateway and address. It is
// called by the UI (collector.Engine.Watch) outside its Update. A new set
// makes the next snapshot rebuild the rows it adds.
func (a *Aggregator) Watch(rows []model.RowRef) {
	set := make(map[ukey]bool, len(rows))
	for _, r := range rows {
		set[ukey{r.Gateway, r.Address}] = true
	}
	a.mu.Lock()
	same := a.watched != nil && maps.Equal(set, a.watched)
	a.mu.Unlock()
	if same {
		return
	}
	a.change()
	defer a.mu.Unlock()
	a.watched = set
}

// Name labels an upstream address; Gateway, when set, says which gateway
// instance's row it names (else every instance's row with that address).
type Name struct{ Name, Group, Gateway string }

// AggregatorOptions configure an Aggregator.
type AggregatorOptions struct {
	// Clock is time.Now unless a test sets it.
	Clock func() time.Time
	// LogClock makes the newest event time "now", for reading a backlog:
	// the windows then end at the last log line instead of the wall clock.
	LogClock bool
	// KnobsOf returns the hint words of a gateway instance ("" when a
	// row has no gateway, e.g. an upstream only probed); nil: generic.
	KnobsOf func(gateway string) diagnose.Knobs
	// Names labels addresses; named upstreams are listed even before any
	// traffic reaches them.
	Names map[string]Name
	// LatencyBins fills model.Upstream.LatencyBins (the Total sketch's
	// bins, for the metrics exporter); off, a snapshot does not pay for
	// copying them.
	LatencyBins bool
}

// NewAggregator returns an empty aggregator.
func NewAggregator(o AggregatorOptions) *Aggregator {
	if o.Clock == nil {
		o.Clock = time.Now
	}
	a := &Aggregator{
		clock: o.Clock, logClock: o.LogClock, knobsOf: o.KnobsOf, latencyBins: o.LatencyBins,
		ups: map[ukey]*upstream{}, names: map[string]Name{}, gateways: map[string]model.Gateway{},
		gw:      &upstream{name: GatewayName, ring: newRing()},
		changed: make(chan struct{}, 1), lazyRows: defaultLazyRows,
	}
	a.started = o.Clock()
	if a.knobsOf == nil {
		a.knobsOf = func(string) diagnose.Knobs { return diagnose.Knobs{} }
	}
	for addr, n := range o.Names {
		a.names[addr] = n
		u := a.upstreamLocked(n.Gateway, addr)
		u.labelled = true
	}
	return a
}

func (a *Aggregator) now() time.Time {
	if a.logClock {
		if a.latest.IsZero() {
			return a.clock()
		}
		return a.latest
	}
	return a.clock()
}

// raiseHorizon tells a log-clock aggregator that its clock will reach t.
func (a *Aggregator) raiseHorizon(t time.Time) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.logClock {
		a.horizon = max(a.horizon, t.Unix()/bucketSeconds)
	}
}

// eventTime clamps an event's own time: missing or in the future means now.
func (a *Aggregator) eventTime(t time.Time) time.Time {
	t, _ = a.eventNow(t)
	return t
}

// eventNow is eventTime(t) and now's bucket index, from one reading of the
// clock (each costs ~50 ns, a third of a request's aggregation).
func (a *Aggregator) eventNow(t time.Time) (time.Time, int64) {
	if a.logClock {
		if t.IsZero() {
			t = a.latest
		}
		// The span read is from the earliest event to the latest, in
		// whatever order the logs' readers deliver them: an error log's
		// line of the next second may come before the access log's.
		if !t.IsZero() && (a.started.IsZero() || a.latest.IsZero() || t.Before(a.started)) {
			a.started = t
		}
		if t.After(a.latest) {
			a.latest = t
		}
		return t, a.now().Unix() / bucketSeconds
	}
	now := a.clock()
	if t.IsZero() || t.After(now) {
		t = now
	}
	return t, now.Unix() / bucketSeconds
}

func (a *Aggregator) upstreamLocked(gw, addr string) *upstream {
	h := hotSlot(addr)
	if u := a.hot[h]; u != nil && u.addr == addr && u.gw == gw {
		return u
	}
	k := ukey{gw, addr}
	u, ok := a.ups[k]
	if !ok {
		if len(a.ups) >= maxUpstreams {
			a.evictLocked()
		}
		u = &upstream{gw: gw, addr: addr, name: addr, dirty: true} // its ring comes with its first bucket
		if n, ok := a.names[addr]; ok && (n.Gateway == "" || n.Gateway == gw) {
			u.name, u.group, u.labelled = n.Name, n.Group, true
		}
		a.ups[k] = u
	}
	a.hot[h] = u
	return u
}

// hotSlots is the size of Aggregator.hot.
const hotSlots = 256

// hotSlot is addr's place in Aggregator.hot: from the address of its
// bytes (strings of an address's length are 16 bytes apart).
func hotSlot(addr string) int {
	return int(uintptr(unsafe.Pointer(unsafe.StringData(addr)))>>4) & (hotSlots - 1)
}

// evictLocked forgets the least recently seen unnamed rows: a sixteenth of
// them at once, so that a stream of more addresses than maxUpstreams costs
// one scan per maxUpstreams/16 new rows instead of one per row.
func (a *Aggregator) evictLocked() {
	victims := make([]*upstream, 0, len(a.ups))
	for _, u := range a.ups {
		if !u.labelled {
			victims = append(victims, u)
		}
	}
	slices.SortFunc(victims, func(x, y *upstream) int { return x.lastSeen.Compare(y.lastSeen) })
	for _, u := range victims[:min(len(victims), max(1, maxUpstreams/16))] {
		delete(a.ups, ukey{u.gw, u.addr})
	}
	clear(a.hot[:])
}

// bucket returns the bucket of u for time t, or nil when t is older than
// the five-minute window (it then only counts in the totals).
func (a *Aggregator) bucket(u *upstream, t time.Time) *bucket {
	return a.bucketAt(u, t, a.now().Unix()/bucketSeconds)
}

// bucketAt is bucket with now's bucket index given: a line's attempts
// share one reading of the clock.
func (a *Aggregator) bucketAt(u *upstream, t time.Time, now int64) *bucket {
	i := t.Unix() / bucketSeconds
	if i > now {
		i = now
	}
	if i <= max(now, a.horizon)-numBuckets {
		return nil
	}
	if u.ring == nil {
		u.ring = newRing()
	}
	return u.ring.at(i)
}

// ObserveRequest records one access-log request.
func (a *Aggregator) observeRequest(gw string, r *feed.Request, line, route []byte) {
	a.change()
	defer a.mu.Unlock()
	if route == nil && r.Path != "" {
		a.routeBuf = normaliseRoute(a.routeBuf[:0], r.Path)
		route = a.routeBuf
	}
	t, nowIdx := a.eventNow(r.Time)
	gb := a.bucketAt(a.gw, t, nowIdx)
	a.gw.total.addStatus(r.Status)
	var gk latKey
	if r.Duration >= 0 {
		gk = latKeyOf(r.Duration * 1000)
	}
	a.gw.total.addLatency(gk)
	if gb != nil {
		gb.addStatus(r.Status)
		gb.addLatency(gk)
	}
	for i := range r.Attempts {
		at := &r.Attempts[i]
		if at.Addr == "" {
			continue
		}
		u := a.upstreamLocked(gw, at.Addr)
		u.lastSeen, u.dirty = t, true
		u.sources |= srcAccess
		if at.Status == 0 {
			// No outcome recorded ("-"): the client gave up first (499)
			// or nginx never finished the attempt. It says nothing of
			// the upstream's health, so it is not counted.
			continue
		}
		b := a.bucketAt(u, t, nowIdx)
		ms := -1.0
		if at.Total >= 0 {
			ms = at.Total * 1000
		}
		k := latKeyOf(ms)
		u.total.addStatus(at.Status)
		u.total.addLatency(k)
		u.routes.observe(route, r.Host, at.Status, ms, t)
		if b != nil {
			b.addStatus(at.Status)
			b.addLatency(k)
		}
		code, inferred := at.Cause, at.Inferred
		if r.Cause != "" && i == len(r.Attempts)-1 {
			// The line states its own cause (HAProxy termination flags,
			// Envoy response flags): that beats any guess.
			code, inferred = r.Cause, false
		}
		if at.Status >= 500 || code != "" {
			u.urgent = true
		}
		if code != "" {
			a.addCauseLocked(u, b, t, code, "access_log", string(truncate(line)), inferred)
		}
	}
	if r.Cause != "" && len(r.Attempts) == 0 {
		u := a.upstreamLocked(gw, GatewayName)
		u.lastSeen, u.dirty, u.urgent = t, true, true
		a.addCauseLocked(u, a.bucketAt(u, t, nowIdx), t, r.Cause, "access_log", string(truncate(line)), false)
	}
}

func truncate(line []byte) []byte {
	if len(line) > maxLineLen {
		return line[:maxLineLen]
	}
	return line
}

// ObserveFailure records a failure with its cause.
func (a *Aggregator) observeFailure(gw string, f feed.Failure) {
	a.change()
	defer a.mu.Unlock()
	t := a.eventTime(f.Time)
	addr := f.Addr
	if addr == "" {
		addr = GatewayName
	}
	u := a.upstreamLocked(gw, addr)
	u.lastSeen, u.dirty, u.urgent = t, true, true
	switch f.Source {
	case "error_log":
		u.sources |= srcError
	case "status":
		u.sources |= srcStatus
	}
	b := a.bucket(u, t)
	if b != nil {
		b.failures = add32(b.failures, 1)
	}
	line := f.Line
	if len(line) > maxLineLen {
		line = line[:maxLineLen]
	}
	a.addCauseLocked(u, b, t, f.Cause, f.Source, line, f.Inferred)
}

func (a *Aggregator) addCauseLocked(u *upstream, b *bucket, t time.Time, code model.Cause, source, line string, inferred bool) {
	i := code.Index()
	if i < 0 {
		return
	}
	if b != nil {
		b.addCause(i, 1)
	}
	u.total.addCause(i, 1)
	c := u.causeAt(i)
	c.total++
	if c.times == nil {
		c.times = &timeRing{}
	}
	c.times.add(t)
	if !t.Before(c.last) {
		c.last, c.line, c.source, c.inferred = t, line, source, inferred
		u.addEvidence(line)
	}
}

// causeAt is u's record of cause i, the records allocated at the first.
func (u *upstream) causeAt(i int) *causeInfo {
	for _, c := range u.causes {
		if int(c.i) == i {
			return c.info
		}
	}
	c := causeSlot{i: uint8(i), info: &causeInfo{}}
	u.causes = append(u.causes, c)
	return c.info
}

// causeSlot is a row's record of cause index i.
type causeSlot struct {
	i    uint8
	info *causeInfo // its own object: causeAt's pointers stay good as the list grows
}

// causeOf is u's record of cause i (zero when it has none).
func (u *upstream) causeOf(i int) causeInfo {
	for _, c := range u.causes {
		if int(c.i) == i {
			return *c.info
		}
	}
	return causeInfo{}
}

func (u *upstream) addEvidence(line string) {
	if u.evidence == nil {
		u.evidence = new([evidenceLines]string)
	}
	u.evidence[u.nEvidence%evidenceLines] = line
	u.nEvidence++
}

// evidenceList is u's evidence lines, oldest first: the same slice while
// no line is added (snapshots share it; nobody writes to it).
func (u *upstream) evidenceList() []string {
	if u.evListN != u.nEvidence {
		ne := min(u.nEvidence, evidenceLines)
		u.evList = make([]string, 0, ne)
		for k := u.nEvidence - ne; k < u.nEvidence; k++ {
			u.evList = append(u.evList, u.evidence[k%evidenceLines])
		}
		u.evListN = u.nEvidence
	}
	return u.evList
}

// ObserveProbe records a probe of the upstream at addr.
func (a *Aggregator) ObserveProbe(gw, addr string, r model.ProbeResult) {
	a.change()
	defer a.mu.Unlock()
	t := a.eventTime(r.Time)
	u := a.upstreamLocked(gw, addr)
	u.lastSeen, u.dirty = t, true
	u.sources |= srcProbe
	if u.probes == nil {
		u.probes = new([probeHistory]model.ProbeResult)
	}
	if !r.OK || !u.probes[(u.nProbes+probeHistory-1)%probeHistory].OK {
		u.urgent = true // a failure, or the first success (after one, or at all: the slot before is empty)
	}
	u.probes[u.nProbes%probeHistory] = r
	u.nProbes++
	if r.OK {
		return
	}
	b := a.bucket(u, t)
	if b != nil {
		b.failures = add32(b.failures, 1)
	}
	line := fmt.Sprintf("%s probe %s: %s", t.Format("15:04:05"), r.Target, r.Error)
	if r.Error == "" {
		line = fmt.Sprintf("%s probe %s: status %d", t.Format("15:04:05"), r.Target, r.Status)
	}
	a.addCauseLocked(u, b, t, r.Cause, "probe", line, false)
}

// ObserveCounters records a status page's cumulative counters: the
// difference from the previous reading counts as requests in the current
// bucket, unless an access log already counts this upstream's requests
// one by one (then only the averages are kept).
func (a *Aggregator) observeCounters(gw string, source, addr string, c feed.Counters) {
	a.change()
	defer a.mu.Unlock()
	t := a.eventTime(time.Time{})
	u := a.upstreamLocked(gw, addr)
	u.lastSeen, u.dirty = t, true
	u.sources |= srcStatus
	if len(c.AvgMS) > 0 {
		u.avgMS, u.avgNote = c.AvgMS, c.Note
	}
	if u.counters == nil {
		u.counters = map[string]feed.Counters{}
	}
	prev, had := u.counters[source]
	u.counters[source] = c
	if !had || c.Requests < prev.Requests || u.sources&srcAccess != 0 {
		return
	}
	b := a.bucket(u, t)
	var d counts
	d.requests = c.Requests - prev.Requests
	for i := range c.Classes {
		if n := c.Classes[i] - prev.Classes[i]; n > 0 {
			d.classes[i] = n
		}
	}
	d.errors5xx = d.classes[5]
	if d.errors5xx > 0 {
		u.urgent = true
	}
	u.total.merge(&d)
	if b != nil {
		b.addPageCounts(d.requests, &d.classes)
	}
}

// Label names an address from the gateway's own configuration, unless the
// user's configuration named it already.
func (a *Aggregator) label(gw string, addr, name, group string) {
	a.change()
	defer a.mu.Unlock()
	if _, named := a.names[addr]; named {
		return
	}
	u := a.upstreamLocked(gw, addr)
	if u.name != name || u.group != group {
		u.name, u.group, u.dirty, u.urgent = name, group, true, true
	}
}

// SetServerStatus records what a gateway's status page says of a server.
func (a *Aggregator) setServerStatus(gw string, addr string, down bool, why string) {
	a.change()
	defer a.mu.Unlock()
	u := a.upstreamLocked(gw, addr)
	u.sources |= srcStatus
	if u.statusDown != down || u.statusWhy != why {
		u.statusDown, u.statusWhy, u.dirty, u.urgent = down, why, true, true
	}
	u.lastSeen = a.eventTime(time.Time{})
}

// SetGateway records the health and counters of one gateway source.
func (a *Aggregator) SetGateway(g model.Gateway) {
	a.mu.Lock()
	defer a.mu.Unlock()
	k := g.Gateway + "\x00" + g.Kind + "\x00" + g.Source + "\x00" + g.Target
	if old, ok := a.gateways[k]; !ok || !sameGateway(old, g) {
		a.ver++ // a row read again with nothing new changes nothing shown
	}
	a.gateways[k] = g
}

// sameGateway reports whether two readings of a gateway source's row
// differ only in when they were taken.
func sameGateway(x, y model.Gateway) bool {
	x.Updated, y.Updated = time.Time{}, time.Time{}
	cx, cy := x.Counters, y.Counters
	x.Counters, y.Counters = nil, nil
	return reflect.DeepEqual(x, y) && maps.Equal(cx, cy)
}

// SetHost records the host's load.
func (a *Aggregator) SetHost(h model.Host) {
	// Not a change of the rows: the host's figures move every sample, and
	// rebuilding every row for them (37 ms at 1,000 rows) would make an
	// idle gwtop rebuild every second. Snapshot puts them on the standing
	// snapshot's copy instead.
	a.mu.Lock()
	defer a.mu.Unlock()
	a.host = h
	a.hostVer++
}

// ObserveEvent records a gateway's event (a reload) on the timeline.
func (a *Aggregator) observeEvent(gw string, e model.Event) {
	a.change()
	defer a.mu.Unlock()
	if e.Gateway == "" {
		e.Gateway = gw
	}
	e.Time = a.eventTime(e.Time)
	a.addEventLocked(e)
}

// Mark adds an operator's marker (gwtop mark, the TUI's m) at now.
func (a *Aggregator) Mark(text, source string) {
	a.change()
	defer a.mu.Unlock()
	a.addEventLocked(model.Event{Time: a.now(), Kind: model.EventMarker, Name: text, Text: text, Source: source})
}

// addEventLocked appends an event, keeping the last maxEvents.
func (a *Aggregator) addEventLocked(e model.Event) {
	a.events = append(a.events, e)
	if len(a.events) > maxEvents {
		a.events = slices.Delete(a.events, 0, len(a.events)-maxEvents)
	}
}

// SetFacts replaces the host facts roots are found in. h must not change
// afterwards.
func (a *Aggregator) SetFacts(h *diagnose.HostFacts) {
	a.change()
	defer a.mu.Unlock()
	a.facts = h
	a.factsVer++
}

// GatewayLimit records gateway-wide evidence of resource exhaustion (dropped
// connections, a saturated host). It is offered as a cause on every upstream
// that returns 5xx while it lasts.
func (a *Aggregator) GatewayLimit(source, line string, n int64) {
	a.change()
	defer a.mu.Unlock()
	t := a.eventTime(time.Time{})
	b := a.bucket(a.gw, t)
	i := model.CauseGatewayLimits.Index()
	if b != nil {
		b.addCause(i, n)
	}
	c := a.gw.causeAt(i)
	c.total += n
	c.last, c.line, c.source, c.inferred = t, line, source, true
}

// Snapshot builds the current immutable snapshot.
func (a *Aggregator) Snapshot() *model.Snapshot {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.pending = false
	select {
	case <-a.changed: // a change this snapshot shows: no wake-up for it
	default:
	}
	now := a.now()
	idx := now.Unix() / bucketSeconds
	// Nothing changed since the last snapshot, within the same bucket: it
	// stands, under the new time when the clock's second moved on (the
	// header shows it), so an idle gwtop neither rebuilds nor redraws.
	if p := a.prev; p != nil && a.ver == a.prevVer && idx == a.prevIdx {
		if now.Unix() == p.Time.Unix() && a.hostVer == a.prevHostVer {
			return p
		}
		c := *p
		c.Time, c.Host = now, a.host
		a.prev, a.prevHostVer = &c, a.hostVer
		return &c
	}
	elapsed := now.Sub(a.started).Seconds()
	s := &model.Snapshot{Time: now, Started: a.started, Host: a.host}

	a.gw.ring.windows(idx, &a.m1, &a.m5)
	gw1 := a.m1.window(60, elapsed)
	s.ReqPerSec, s.Rate5xx, s.LatencyMS = gw1.ReqPerSec, gw1.Rate5xx, gw1.LatencyMS
	gwLimit := a.gatewayLimitEvidence(idx)

	s.Gateways = make([]model.Gateway, 0, len(a.gateways))
	for _, g := range a.gateways {
		s.Gateways = append(s.Gateways, g)
	}
	slices.SortFunc(s.Gateways, func(x, y model.Gateway) int {
		return cmp.Or(cmp.Compare(x.Kind, y.Kind), cmp.Compare(x.Gateway, y.Gateway), cmp.Compare(x.Source, y.Source), cmp.Compare(x.Target, y.Target))
	})

	// A name without a gateway lists its address before any traffic; once
	// a gateway's row for that address exists, the empty placeholder goes.
	// Only the placeholders' addresses are looked up: a map of every
	// address was 160 kB a snapshot at 1,000 rows.
	var behindGateway map[string]bool
	for k, u := range a.ups {
		if k.gw == "" && u.sources == 0 {
			if behindGateway == nil {
				behindGateway = map[string]bool{}
			}
			behindGateway[k.addr] = false
		}
	}
	if behindGateway != nil {
		for k := range a.ups {
			if _, ok := behindGateway[k.addr]; ok && k.gw != "" {
				behindGateway[k.addr] = true
			}
		}
	}
	// The rows are ordered by pointer, starting from the last snapshot's
	// order: sorting model.Upstream values moved a kilobyte per swap, and
	// an order that still holds is checked in one pass.
	rows := a.order[:0]
	for _, u := range a.order {
		if a.ups[ukey{u.gw, u.addr}] == u {
			rows = append(rows, u)
		} else {
			u.listed = false
		}
	}
	clear(a.order[len(rows):]) // no evicted row stays reachable
	for _, u := range a.ups {
		if !u.listed {
			u.listed = true
			rows = append(rows, u)
		}
	}
	shown := a.shown[:0]
	var held []*upstream // placeholders: in the order, not shown
	for _, u := range rows {
		if u.gw == "" && u.sources == 0 && behindGateway[u.addr] {
			held = append(held, u)
			u.cached = nil // it would hold an old snapshot's rows
			continue
		}
		shown = append(shown, u)
	}
	// Many rows and a screen that says which it shows: a row that only
	// counted requests waits, off screen, for its bucket's turn (at most
	// 10 s; its rates move little meanwhile, and its place in the order,
	// by state and 5xx rate, only with news, which is urgent).
	lazy := a.watched != nil && !a.logClock && len(shown) > a.lazyRows
	// Each row is built, or copied from the last snapshot, into its
	// place in the last order, then the rows are put in order in place.
	s.Upstreams = make([]model.Upstream, len(shown))
	for j, u := range shown {
		out := &s.Upstreams[j]
		u.slot = int32(j)
		// A row is rebuilt when it has no figures for this bucket yet
		// and, when it is eager (on screen, urgent, or every row of a
		// short list), on its own news, on gateway-wide limit evidence
		// while it has 5xx (the evidence is offered to those), and on
		// new host facts while it has a cause (their roots); a lazy row
		// waits for its bucket's turn for all three (new facts, every
		// 2 s, rebuilt a thousand rows with a cause each time). Reading
		// a backlog, "now" moves with every line, and with it every
		// row's rates: none is reused.
		eager := !lazy || u.urgent || a.watched[ukey{u.gw, u.addr}]
		stale := u.cached == nil || u.cachedAt != idx
		if a.logClock || stale || eager && (u.dirty || (gwLimit != nil && u.cached.Errors5xx > 0) || (u.factsVer != a.factsVer && len(u.cached.Causes) > 0)) {
			a.build(u, out, idx, now, elapsed, gwLimit)
		} else {
			*out = *u.cached
			u.cached = out
		}
	}
	byOrder := func(x, y *upstream) int { return upstreamOrder(x.cached, y.cached) }
	if !slices.IsSortedFunc(shown, byOrder) {
		a.perm = slices.Grow(a.perm[:0], len(shown))[:len(shown)]
		slices.SortFunc(shown, byOrder)
		for i, u := range shown {
			a.perm[i] = u.slot
		}
		permuteRows(s.Upstreams, a.perm)
		for i, u := range shown {
			u.cached = &s.Upstreams[i]
		}
	}
	// The two lists trade places: the next snapshot starts from this order.
	clear(rows)
	a.shown = rows[:0]
	a.order = append(shown, held...)
	explainGroups(s.Upstreams, a.knobs)
	s.Events = slices.Clone(a.events)
	a.compareEvents(s.Events, idx)
	a.prev, a.prevVer, a.prevIdx, a.prevHostVer = s, a.ver, idx, a.hostVer
	return s
}

// permuteRows reorders rows in place so that the new rows[i] is the old
// rows[from[i]]: each cycle of the permutation is walked once with one row
// in hand, so no second slice of rows is made. from is left all -1.
func permuteRows(rows []model.Upstream, from []int32) {
	for i := range from {
		if from[i] < 0 || int(from[i]) == i {
			from[i] = -1
			continue
		}
		hand := rows[i]
		k := i
		for {
			src := int(from[k])
			from[k] = -1
			if src == i {
				rows[k] = hand
				break
			}
			rows[k] = rows[src]
			k = src
		}
	}
}

// upstreamOrder is the snapshot's order of rows: worst state first, then
// highest 5xx rate, then by name, address and gateway.
func upstreamOrder(x, y *model.Upstream) int {
	return cmp.Or(
		cmp.Compare(y.State.Severity(), x.State.Severity()),
		cmp.Compare(y.Rate5xx, x.Rate5xx),
		cmp.Compare(x.Name, y.Name),
		cmp.Compare(x.Address, y.Address),
		cmp.Compare(x.Gateway, y.Gateway))
}

// change locks a for a change of what its snapshot shows: every method
// that writes takes the lock through it, so an unchanged aggregator's
// Snapshot is the previous one.
func (a *Aggregator) change() {
	a.mu.Lock()
	a.ver++
	if !a.pending {
		a.pending = true
		select {
		case a.changed <- struct{}{}:
		default:
		}
	}
}

// Changed receives once after the first change since the last Snapshot:
// the publisher sleeps on it between the clock's seconds instead of
// waking to find nothing new.
func (a *Aggregator) Changed() <-chan struct{} { return a.changed }

func (a *Aggregator) gatewayLimitEvidence(idx int64) *diagnose.Evidence {
	i := model.CauseGatewayLimits.Index()
	c := a.gw.causeOf(i)
	if c.total == 0 {
		return nil
	}
	a.gw.ring.windows(idx, &a.m1, &a.m5)
	if a.m5.cause(i) == 0 {
		return nil
	}
	return &diagnose.Evidence{Code: model.CauseGatewayLimits, Count1m: a.m1.cause(i), Count5m: a.m5.cause(i),
		Total: c.total, LastSeen: c.last, Source: c.source, Line: c.line, Inferred: true}
}

// build recomputes u's model.Upstream and records a state change event.
func (a *Aggregator) build(u *upstream, out *model.Upstream, idx int64, now time.Time, elapsed float64, gwLimit *diagnose.Evidence) {
	m1, m5 := &a.m1, &a.m5
	u.ring.windows(idx, m1, m5)
	w1, w5 := m1.window(60, elapsed), m5.window(300, elapsed)
	*out = model.Upstream{
		Name: u.name, Address: u.addr, Gateway: u.gw, Group: u.group,
		Requests: w5.Requests, Errors5xx: w5.Errors5xx, Rate5xx: w5.Rate5xx, ReqPerSec: w5.ReqPerSec, LatencyMS: w5.LatencyMS,
		Window1m: w1, Window5m: w5, Total: u.total.window(int(max(elapsed, 1)), elapsed),
		LastSeen: u.lastSeen,
		AvgMS:    u.avgMS, LatencyNote: u.avgNote,
		Routes: u.routes.routes(now),
	}
	if a.latencyBins {
		out.LatencyBins = latencyBins(u.total.latency)
	}
	out.Sources = sourceLists[u.sources&(1<<len(sourceNames)-1)]
	n := min(u.nProbes, probeHistory)
	if n > 0 {
		out.ProbeHistory = make([]model.ProbeResult, 0, n)
		for k := u.nProbes - n; k < u.nProbes; k++ {
			out.ProbeHistory = append(out.ProbeHistory, u.probes[k%probeHistory])
		}
		last := out.ProbeHistory[n-1]
		out.Probe = &last
	}
	out.Evidence = u.evidenceList()
	var ev []diagnose.Evidence
	for i, code := range model.AllCauses() {
		c := u.causeOf(i)
		if c.total == 0 {
			continue
		}
		ev = append(ev, diagnose.Evidence{Code: code, Count1m: m1.cause(i), Count5m: m5.cause(i), Total: c.total,
			LastSeen: c.last, Source: c.source, Line: c.line, Inferred: c.inferred})
	}
	if gwLimit != nil && m5.errors5xx > 0 && u.causeOf(model.CauseGatewayLimits.Index()).total == 0 {
		ev = append(ev, *gwLimit)
	}
	tg := diagnose.Target{Name: u.name, Address: u.addr, Knobs: a.knobs(u.gw)}
	if len(ev) > 0 && u.hints == nil {
		u.hints = &diagnose.HintCache{}
	}
	out.Causes = diagnose.RankCached(tg, ev, u.hints)
	if out.Causes == nil {
		out.Causes = []model.CauseRank{}
	}
	if a.facts != nil {
		for i := range out.Causes {
			c := &out.Causes[i]
			ci := u.causeOf(c.Code.Index())
			c.Roots = diagnose.Roots(tg, diagnose.CauseFacts{Code: c.Code, Times: ci.times.list(), Line: ci.line,
				Probes: out.ProbeHistory, Window: 5 * time.Minute}, a.facts)
		}
	}
	u.factsVer = a.factsVer
	var hard int64
	for _, c := range []model.Cause{model.CauseRefused, model.CauseDNS, model.CauseTLS} {
		hard += m1.cause(c.Index())
	}
	var top model.Cause
	if len(out.Causes) > 0 && out.Causes[0].Count > 0 {
		top = out.Causes[0].Code
	}
	// Spark series, oldest first.
	spark := make([]float64, 2*numBuckets)
	out.SparkP95, out.Spark5xx = spark[:numBuckets:numBuckets], spark[numBuckets:]
	u.ring.spark(idx, out.SparkP95, out.Spark5xx)
	out.State, out.StateReason = diagnose.State(diagnose.Signals{
		Probes:     out.ProbeHistory,
		Requests1m: w1.Requests, Errors5xx1m: w1.Errors5xx, Failures1m: m1.failures, HardFailures1m: hard,
		Seen5m:     !u.lastSeen.IsZero() && now.Sub(u.lastSeen) < 5*time.Minute,
		StatusDown: u.statusDown, StatusWhy: u.statusWhy, TopCause: top,
	})
	if u.evaluated && out.State != u.state {
		a.addEventLocked(model.Event{Time: now, Kind: model.EventState, Name: u.name, Upstream: u.name, Address: u.addr, Gateway: u.gw,
			From: u.state, To: out.State, Cause: top, Text: out.StateReason})
	}
	u.state, u.evaluated = out.State, true
	u.cached, u.cachedAt, u.dirty, u.urgent = out, idx, false, false
	u.builds++
}

// knobs returns a gateway instance's hint words, looked up once per
// instance (rows are rebuilt often, the registry never changes). Called
// with a.mu held.
func (a *Aggregator) knobs(gw string) diagnose.Knobs {
	k, ok := a.knobsFor[gw]
	if !ok {
		if a.knobsFor == nil {
			a.knobsFor = map[string]diagnose.Knobs{}
		}
		k = a.knobsOf(gw)
		a.knobsFor[gw] = k
	}
	return k
}

// For returns the sink through which one gateway instance's sources
// report: every address they name is that instance's row.
func (a *Aggregator) For(gateway string) feed.Sink { return instance{a, gateway} }

// instance is the Aggregator seen by one gateway instance's sources.
type instance struct {
	a  *Aggregator
	gw string
}

func (i instance) ObserveRequest(r *feed.Request, line []byte) {
	i.a.observeRequest(i.gw, r, line, nil)
}

// observeRouted is ObserveRequest with the request's route normalised by
// the caller (the drill-down's sink, which needs it too); nil: no path.
func (i instance) observeRouted(r *feed.Request, line, route []byte) {
	i.a.observeRequest(i.gw, r, line, route)
}
func (i instance) ObserveFailure(f feed.Failure) { i.a.observeFailure(i.gw, f) }
func (i instance) ObserveCounters(source, addr string, c feed.Counters) {
	i.a.observeCounters(i.gw, source, addr, c)
}
func (i instance) Label(addr, name, group string) { i.a.label(i.gw, addr, name, group) }
func (i instance) SetServerStatus(addr string, down bool, why string) {
	i.a.setServerStatus(i.gw, addr, down, why)
}
func (i instance) SetGateway(g model.Gateway)                { i.a.SetGateway(g) }
func (i instance) GatewayLimit(source, line string, n int64) { i.a.GatewayLimit(source, line, n) }
func (i instance) ObserveEvent(e model.Event)                { i.a.observeEvent(i.gw, e) }

// The Aggregator itself is the sink of sources that belong to no gateway
// instance (tests, the demo's own checks): their rows have no gateway.

// ObserveRequest records one access-log request.
func (a *Aggregator) ObserveRequest(r *feed.Request, line []byte) { a.observeRequest("", r, line, nil) }

// ObserveFailure records a failure with its cause.
func (a *Aggregator) ObserveFailure(f feed.Failure) { a.observeFailure("", f) }

// ObserveCounters records a status page's cumulative counters.
func (a *Aggregator) ObserveCounters(source, addr string, c feed.Counters) {
	a.observeCounters("", source, addr, c)
}

// Label names an address from the gateway's own configuration.
func (a *Aggregator) Label(addr, name, group string) { a.label("", addr, name, group) }

// ObserveEvent records an event that belongs to no gateway instance.
func (a *Aggregator) ObserveEvent(e model.Event) { a.observeEvent("", e) }

// SetServerStatus records what a gateway's status page says of a server.
func (a *Aggregator) SetServerStatus(addr string, down bool, why string) {
	a.setServerStatus("", addr, down, why)
}

var (
	_ feed.Sink = (*Aggregator)(nil)
	_ feed.Sink = instance{}
)

// explainGroups rewrites the no_live_upstreams hint of every group row (an
// nginx upstream block, an HAProxy backend) with the states and causes of
// the group's servers, which the gateway stopped trying because each failed
// first. The rows are copies in the snapshot; their Causes slice is cloned
// before it is changed, since cached upstreams share it.
func explainGroups(ups []model.Upstream, knobsOf func(string) diagnose.Knobs) {
	members := map[ukey][]diagnose.Member{}
	for _, u := range ups {
		if u.Group == "" || u.Group == u.Address {
			continue
		}
		m := diagnose.Member{Name: u.Name, State: u.State}
		if len(u.Causes) > 0 && u.Causes[0].Count > 0 {
			m.Cause = u.Causes[0].Code
		}
		k := ukey{u.Gateway, u.Group}
		members[k] = append(members[k], m)
	}
	if len(members) == 0 {
		return
	}
	for i := range ups {
		u := &ups[i]
		ms := members[ukey{u.Gateway, u.Address}]
		if len(ms) == 0 {
			continue
		}
		for j, c := range u.Causes {
			if c.Code != model.CauseNoLiveUpstreams {
				continue
			}
			hint, next := diagnose.GroupHint(u.Name, ms, knobsOf(u.Gateway))
			u.Causes = slices.Clone(u.Causes)
			u.Causes[j].Hint, u.Causes[j].NextStep = hint, next
			break
		}
	}
}
