package collector

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/gwtop/gwtop/model"
)

// Before/after around markers, reloads and restarts (events[].compare).
//
// Windows. For an event at T, let b be T's 10-second bucket. The before
// window is the k buckets just before b, the after window the k complete
// buckets just after it; b itself belongs to neither side, so both windows
// have exactly k×10 s and no request is split between them. k grows with
// time, k = min(29, complete buckets after b): L = min(290 s, now−T) to the
// bucket (29, not 30: when the event is first seen the ring's oldest bucket
// has already made way for b). Nothing is said (no compare) until k ≥ 2,
// that is 20 s of after; at k = 29 the compare is final and kept as it is.
//
// The aggregator's ring holds only the last 5 minutes, so while an event's
// compare is not final, every complete bucket from 290 s before the
// oldest such event on is copied (requests, 5xx and the latency sketch) into
// an archive that is dropped once no event needs it: at most 58 buckets per
// upstream, only for the 5 minutes after a marker, reload or restart.
//
// Verdict, per upstream with requests on either side:
//   - new: requests after, none before; gone: requests before, none after.
//   - too_little_traffic: either side has fewer than compareMinRequests (20)
//     requests.
//   - 5xx: a two-proportion z-test at 95 % (two-sided, |z| ≥ 1.96) on the
//     5xx count out of the requests each side, with the pooled proportion:
//     z = (p_after − p_before) / sqrt(p(1−p)(1/n_before + 1/n_after)).
//     z ≥ 1.96 is a regression, z ≤ −1.96 an improvement.
//   - p95: with at least compareMinRequests latency samples each side, a
//     regression when after's p95 exceeds 1.5 × before's even after taking
//     the sketch's relative accuracy (sketchAccuracy, 1 %) off after's value
//     and adding it to before's: p95_a·(1−α) > 1.5·p95_b·(1+α), and by at
//     least compareP95MinMS (5 ms, below which scheduling noise moves it); an
//     improvement the other way round (p95_b·(1−α) > 1.5·p95_a·(1+α)).
//   - regressed if either statistic regressed, else improved if either
//     improved, else unchanged. Why names the statistic that decided.
//
// Rows are ordered worst first: regressed, new, gone, too_little_traffic,
// improved, unchanged; then by after's 5xx rate, highest first. At most
// compareMaxRows rows per event, for the latest compareMaxEvents markers,
// reloads and restarts.
const (
	compareMinRequests = 20
	compareMinBuckets  = 2
	compareMaxBuckets  = numBuckets - 1
	compareZ           = 1.96
	compareP95Factor   = 1.5
	// compareP95MinMS is the least change of p95 that counts: a loaded
	// host moves a 1 ms p95 to 2 ms by scheduling alone.
	compareP95MinMS  = 5.0
	compareMaxEvents = 20
	compareMaxRows   = 100
)

// slimBucket is what a compare needs of one bucket.
type slimBucket struct {
	requests, errors5xx int64
	latency             *latHist // nil: no samples
}

// eventKey identifies an event across snapshots.
type eventKey struct {
	t                            int64
	kind, name, gw, addr, source string
}

func keyOf(e *model.Event) eventKey {
	return eventKey{e.Time.UnixNano(), e.Kind, e.Name, e.Gateway, e.Address, e.Source}
}

type compareResult struct {
	nowIdx int64
	gwReq  int64 // the gateway's requests in the ring's part of the windows, when computed
	final  bool
	rows   []model.Compare // shared by snapshots: never modified
}

// comparer is the aggregator's before/after state; used with a.mu held.
type comparer struct {
	archive map[ukey]map[int64]slimBucket
	covered map[int64]bool // bucket indexes the archive holds (for every upstream)
	results map[eventKey]*compareResult
	// scratch sketches for merging a window.
	before, after *latHist
}

// comparedKind reports whether an event kind gets a before/after.
func comparedKind(kind string) bool {
	return kind == model.EventMarker || kind == model.EventReload || kind == model.EventRestart
}

// compareEvents fills Compare on the latest markers, reloads and restarts
// of events (a snapshot's own copy). nowIdx is the current bucket.
func (a *Aggregator) compareEvents(events []model.Event, nowIdx int64) {
	c := &a.compare
	var picked []int
	for i := len(events) - 1; i >= 0 && len(picked) < compareMaxEvents; i-- {
		if comparedKind(events[i].Kind) {
			picked = append(picked, i)
		}
	}
	// The archive must reach back 5 minutes before the oldest event whose
	// compare is not final yet.
	lo, pending := int64(math.MaxInt64), false
	for _, i := range picked {
		k := keyOf(&events[i])
		if r := c.results[k]; r != nil && r.final {
			continue
		}
		lo, pending = min(lo, bucketOf(events[i].Time)-compareMaxBuckets), true
	}
	if pending {
		c.keep(a, lo, nowIdx)
	} else {
		c.archive, c.covered = nil, nil
	}
	live := make(map[eventKey]*compareResult, len(picked))
	for _, i := range picked {
		e := &events[i]
		k := keyOf(e)
		r := c.results[k]
		// A compare is redone once per bucket, or sooner when lines with
		// older times came in (a log's backfill being read).
		if r == nil || (!r.final && (r.nowIdx != nowIdx || r.gwReq != a.gwRequests(bucketOf(e.Time), nowIdx))) {
			r = c.compute(a, e, nowIdx)
		}
		live[k] = r
		e.Compare = r.rows
	}
	c.results = live
}

func bucketOf(t time.Time) int64 { return t.Unix() / bucketSeconds }

// gwRequests counts the gateway-wide requests of the complete buckets in
// the ring that an event in bucket ti may compare: a change means late
// lines, and the compare is redone.
func (a *Aggregator) gwRequests(ti, nowIdx int64) int64 {
	var n int64
	for i := max(ti-compareMaxBuckets, nowIdx-numBuckets+1); i < nowIdx; i++ {
		if b := a.gw.ring.get(i); b != nil {
			n += int64(b.requests)
		}
	}
	return n
}

// keep copies the complete ring buckets from lo on that the archive lacks,
// and forgets those before lo.
func (c *comparer) keep(a *Aggregator, lo, nowIdx int64) {
	if c.archive == nil {
		c.archive, c.covered = map[ukey]map[int64]slimBucket{}, map[int64]bool{}
	}
	for i := range c.covered {
		if i < lo {
			delete(c.covered, i)
		}
	}
	for k, m := range c.archive {
		for i := range m {
			if i < lo {
				delete(m, i)
			}
		}
		if len(m) == 0 {
			delete(c.archive, k)
		}
	}
	for i := max(lo, nowIdx-numBuckets+1); i < nowIdx; i++ {
		if c.covered[i] {
			continue
		}
		c.covered[i] = true
		for k, u := range a.ups {
			b := u.ring.get(i)
			if b == nil || b.requests == 0 {
				continue
			}
			s := slimBucket{requests: int64(b.requests), errors5xx: b.errors5xx()}
			if h := b.latency(); h != nil {
				s.latency = h.clone()
			}
			m := c.archive[k]
			if m == nil {
				m = map[int64]slimBucket{}
				c.archive[k] = m
			}
			m[i] = s
		}
	}
}

// known reports whether bucket i's contents are known: in the ring's span
// or copied into the archive.
func (c *comparer) known(i, nowIdx int64) bool {
	return (i > nowIdx-numBuckets && i <= nowIdx) || c.covered[i]
}

// bucket returns what upstream k held in bucket i (zero when nothing).
func (c *comparer) bucket(a *Aggregator, k ukey, i, nowIdx int64) slimBucket {
	if i > nowIdx-numBuckets && i <= nowIdx {
		if u := a.ups[k]; u != nil {
			if b := u.ring.get(i); b != nil {
				return slimBucket{requests: int64(b.requests), errors5xx: b.errors5xx(), latency: b.latency()}
			}
		}
		return slimBucket{}
	}
	return c.archive[k][i]
}

// compute builds the compare of event e at bucket nowIdx.
func (c *comparer) compute(a *Aggregator, e *model.Event, nowIdx int64) *compareResult {
	ti := bucketOf(e.Time)
	full := min(compareMaxBuckets, nowIdx-ti-1)
	r := &compareResult{nowIdx: nowIdx, gwReq: a.gwRequests(ti, nowIdx), final: full >= compareMaxBuckets}
	// Shrink k to what is known on both sides (an event first seen late,
	// reading a backlog, may have lost its before).
	k := int64(0)
	for k < full && c.known(ti-k-1, nowIdx) && c.known(ti+k+1, nowIdx) {
		k++
	}
	if k < compareMinBuckets {
		return r
	}
	if c.before == nil {
		c.before, c.after = &latHist{}, &latHist{}
	}
	keys := make(map[ukey]bool, len(a.ups)+len(c.archive))
	for key := range a.ups {
		keys[key] = true
	}
	for key := range c.archive {
		keys[key] = true
	}
	secs := int(k) * bucketSeconds
	for key := range keys {
		if key.addr == GatewayName {
			continue
		}
		bw := c.window(a, key, ti-k, ti-1, nowIdx, c.before, secs)
		aw := c.window(a, key, ti+1, ti+k, nowIdx, c.after, secs)
		if bw.Requests == 0 && aw.Requests == 0 {
			continue
		}
		row := model.Compare{Upstream: key.addr, Address: key.addr, Gateway: key.gw, Before: bw, After: aw}
		if u := a.ups[key]; u != nil {
			row.Upstream = u.name
		}
		row.Verdict, row.Why = verdict(bw, aw, int64(c.before.n), int64(c.after.n))
		r.rows = append(r.rows, row)
	}
	sortCompare(r.rows)
	if len(r.rows) > compareMaxRows {
		r.rows = r.rows[:compareMaxRows:compareMaxRows]
	}
	return r
}

// window merges buckets [from, to] of upstream k; sk is left holding the
// window's latency samples.
func (c *comparer) window(a *Aggregator, k ukey, from, to, nowIdx int64, sk *latHist, secs int) model.CompareWindow {
	sk.reset()
	w := model.CompareWindow{Seconds: secs}
	var e5 int64
	for i := from; i <= to; i++ {
		b := c.bucket(a, k, i, nowIdx)
		w.Requests += b.requests
		e5 += b.errors5xx
		sk.merge(b.latency)
	}
	if w.Requests > 0 {
		w.Rate5xx = float64(e5) / float64(w.Requests)
	}
	w.P95 = quantiles(sk).P95
	return w
}

// verdict decides one upstream's compare by the rule in this file's
// comment; nb and na are the latency samples each side. Why says which
// statistic decided.
func verdict(b, a model.CompareWindow, nb, na int64) (verdict, why string) {
	switch {
	case b.Requests == 0 && a.Requests == 0:
		return model.VerdictTooLittle, "no requests either side"
	case b.Requests == 0:
		return model.VerdictNew, fmt.Sprintf("no requests before, %d after (5xx %s)", a.Requests, pct5xx(a.Rate5xx))
	case a.Requests == 0:
		return model.VerdictGone, fmt.Sprintf("%d requests before, none after", b.Requests)
	case b.Requests < compareMinRequests || a.Requests < compareMinRequests:
		return model.VerdictTooLittle, fmt.Sprintf("%d requests before, %d after (fewer than %d)", b.Requests, a.Requests, compareMinRequests)
	}
	z := zTwoProportions(b.Rate5xx, b.Requests, a.Rate5xx, a.Requests)
	fiveWhy := fmt.Sprintf("5xx %s → %s, z=%s", pct5xx(b.Rate5xx), pct5xx(a.Rate5xx), strconv.FormatFloat(z, 'f', 1, 64))
	p95Why, p95Verdict := "", ""
	if nb >= compareMinRequests && na >= compareMinRequests && b.P95 > 0 && a.P95 > 0 {
		p95Why = fmt.Sprintf("p95 %s → %s (×%.1f)", msText(b.P95), msText(a.P95), a.P95/b.P95)
		lo, hi := 1-latAccuracy, 1+latAccuracy
		switch {
		case a.P95*lo > compareP95Factor*b.P95*hi && a.P95-b.P95 >= compareP95MinMS:
			p95Verdict = model.VerdictRegressed
		case b.P95*lo > compareP95Factor*a.P95*hi && b.P95-a.P95 >= compareP95MinMS:
			p95Verdict = model.VerdictImproved
		}
	}
	switch {
	case z >= compareZ && p95Verdict == model.VerdictRegressed:
		return model.VerdictRegressed, fiveWhy + "; " + p95Why
	case z >= compareZ:
		return model.VerdictRegressed, fiveWhy
	case p95Verdict == model.VerdictRegressed:
		return model.VerdictRegressed, p95Why
	case z <= -compareZ:
		return model.VerdictImproved, fiveWhy
	case p95Verdict == model.VerdictImproved:
		return model.VerdictImproved, p95Why
	}
	if p95Why != "" {
		return model.VerdictUnchanged, fiveWhy + "; " + p95Why
	}
	return model.VerdictUnchanged, fiveWhy
}

// zTwoProportions is the pooled two-proportion z statistic of after (pa of
// na) against before (pb of nb); 0 when the pooled proportion is 0 or 1
// (both sides all good or all failing: no difference to test).
func zTwoProportions(pb float64, nb int64, pa float64, na int64) float64 {
	xb, xa := pb*float64(nb), pa*float64(na)
	p := (xb + xa) / float64(nb+na)
	se := math.Sqrt(p * (1 - p) * (1/float64(nb) + 1/float64(na)))
	if se == 0 || math.IsNaN(se) {
		return 0
	}
	return (pa - pb) / se
}

var verdictRank = map[string]int{
	model.VerdictRegressed: 0, model.VerdictNew: 1, model.VerdictGone: 2,
	model.VerdictTooLittle: 3, model.VerdictImproved: 4, model.VerdictUnchanged: 5,
}

// sortCompare orders rows worst first: by verdict (regressed, new, gone,
// too_little_traffic, improved, unchanged), then after's 5xx rate highest
// first, then name, address and gateway.
func sortCompare(rows []model.Compare) {
	slices.SortFunc(rows, func(x, y model.Compare) int {
		return cmp.Or(
			cmp.Compare(verdictRank[x.Verdict], verdictRank[y.Verdict]),
			cmp.Compare(y.After.Rate5xx, x.After.Rate5xx),
			cmp.Compare(x.Upstream, y.Upstream),
			cmp.Compare(x.Address, y.Address),
			cmp.Compare(x.Gateway, y.Gateway))
	})
}

func pct5xx(r float64) string {
	v := r * 100
	switch {
	case v == 0:
		return "0%"
	case v < 10:
		return strconv.FormatFloat(v, 'f', 1, 64) + "%"
	default:
		return strconv.FormatFloat(v, 'f', 0, 64) + "%"
	}
}

func msText(v float64) string {
	if v >= 1000 {
		return strconv.FormatFloat(v/1000, 'f', 2, 64) + "s"
	}
	return strconv.FormatFloat(v, 'f', 0, 64) + "ms"
}
