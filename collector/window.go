package collector

import (
	"math"
	"slices"

	"github.com/gwtop/gwtop/model"
)

// Window geometry: 30 buckets of 10 s give the 5-minute window; the newest 6
// give the 1-minute one.
const (
	bucketSeconds    = 10
	numBuckets       = 30
	bucketsPerMinute = 6
	maxCodes         = 32 // distinct status codes kept per bucket; the rest only count in their class
)

// codeN is one status code's count.
type codeN struct {
	code int32
	n    int64
}

// counts is what a window or the totals hold for one upstream (or the
// gateway); a bucket holds the same in less.
type counts struct {
	requests  int64
	errors5xx int64
	failures  int64 // failures the gateway or a probe reported, any cause
	classes   model.StatusClasses
	// codes are the status codes seen, in the order first seen: a bucket
	// sees a handful, so a list costs less than a map and is as quick.
	codes []codeN
	// causes counts failures by cause; nil until the first (most buckets
	// see none).
	causes  *[model.NumCauses]int64
	latency *latHist // milliseconds; nil until the first sample
	// past and cur are a window's latency it does not own, read instead
	// of latency when set: the ring's sum of its completed buckets and
	// the current bucket's sketch (Snapshot's scratch windows only; merge
	// ignores them).
	past, cur *latHist
}

func (c *counts) cause(i int) int64 {
	if c.causes == nil {
		return 0
	}
	return c.causes[i]
}

func (c *counts) addCause(i int, n int64) {
	if n == 0 {
		return
	}
	if c.causes == nil {
		c.causes = new([model.NumCauses]int64)
	}
	c.causes[i] += n
}

func (c *counts) reset() {
	sk, codes, causes := c.latency, c.codes, c.causes
	*c = counts{}
	if causes != nil {
		clear(causes[:])
		c.causes = causes
	}
	if sk != nil {
		sk.reset()
		c.latency = sk
	}
	c.codes = codes[:0]
}

func (c *counts) addStatus(status int) {
	c.requests++
	class := status / 100
	if class < 0 || class > 5 {
		class = 0
	}
	c.classes[class]++
	if class == 5 {
		c.errors5xx++
	}
	c.addCode(int32(status), 1)
}

func (c *counts) addCode(code int32, n int64) {
	for i := range c.codes {
		if c.codes[i].code == code {
			c.codes[i].n += n
			return
		}
	}
	if len(c.codes) < maxCodes {
		if c.codes == nil {
			c.codes = make([]codeN, 0, 2) // most buckets see one or two codes
		}
		c.codes = append(c.codes, codeN{code, n})
	}
}

// addLatency adds one sample, mapped to its bin by latKeyOf.
func (c *counts) addLatency(k latKey) {
	if !k.ok {
		return
	}
	if c.latency == nil {
		c.latency = &latHist{}
	}
	c.latency.add(k)
}

// merge adds o into c. Codes beyond maxCodes are dropped as in addStatus.
func (c *counts) merge(o *counts) {
	if o == nil {
		return
	}
	c.mergeCounts(o)
	if o.latency != nil && o.latency.n > 0 {
		if c.latency == nil {
			c.latency = &latHist{}
		}
		c.latency.merge(o.latency)
	}
}

// mergeCounts adds o's counts into c, not its latency.
func (c *counts) mergeCounts(o *counts) {
	if o == nil {
		return
	}
	c.requests += o.requests
	c.errors5xx += o.errors5xx
	c.failures += o.failures
	for i := range c.classes {
		c.classes[i] += o.classes[i]
	}
	if o.causes != nil {
		for i, n := range o.causes {
			c.addCause(i, n)
		}
	}
	for _, cn := range o.codes {
		c.addCode(cn.code, cn.n)
	}
}

// bucket is one row's 10 seconds: the figures of counts in uint32 (a
// row's 10 s stays far below 4·10⁹ requests; additions saturate) and its
// sketch inline, so that a full 5-minute ring is 30 small objects per
// row, not 120.
type bucket struct {
	requests, failures uint32
	// classes are the requests by status class; classes[5] is the 5xx.
	classes [6]uint32
	codes   []code32 // status codes in the order first seen, at most maxCodes
	causes  *[model.NumCauses]uint32
	lat     latHist // milliseconds
	// A bucket caches no p95 of its own: a ring's past holds the
	// sparkline points of the completed buckets (pastWindow), and the
	// current one changes with every line. 16 bytes less a bucket is half
	// a MiB for 1,000 rows.
}

// code32 is one status code's count in a bucket.
type code32 struct {
	code int32
	n    uint32
}

func add32(x uint32, n int64) uint32 {
	if n <= 0 {
		return x
	}
	return uint32(min(uint64(x)+uint64(n), math.MaxUint32))
}

func (b *bucket) errors5xx() int64 { return int64(b.classes[5]) }

// latency is the bucket's sketch, nil when it holds no sample.
func (b *bucket) latency() *latHist {
	if b == nil || b.lat.n == 0 {
		return nil
	}
	return &b.lat
}

// p95ms returns the bucket's p95 latency.
func (b *bucket) p95ms() float64 { return quantiles(b.latency()).P95 }

func (b *bucket) addCause(i int, n int64) {
	if n <= 0 {
		return
	}
	if b.causes == nil {
		b.causes = new([model.NumCauses]uint32)
	}
	b.causes[i] = add32(b.causes[i], n)
}

// reset empties b, keeping its memory.
func (b *bucket) reset() {
	codes, causes := b.codes[:0], b.causes
	b.lat.reset()
	lat := b.lat
	*b = bucket{codes: codes, lat: lat}
	if causes != nil {
		clear(causes[:])
		b.causes = causes
	}
}

func (b *bucket) addStatus(status int) {
	b.requests = add32(b.requests, 1)
	class := status / 100
	if class < 0 || class > 5 {
		class = 0
	}
	b.classes[class] = add32(b.classes[class], 1)
	b.addCode(int32(status), 1)
}

func (b *bucket) addCode(code int32, n int64) {
	for i := range b.codes {
		if b.codes[i].code == code {
			b.codes[i].n = add32(b.codes[i].n, n)
			return
		}
	}
	if len(b.codes) < maxCodes {
		if b.codes == nil {
			b.codes = make([]code32, 0, 2) // most buckets see one or two codes
		}
		b.codes = append(b.codes, code32{code, add32(0, n)})
	}
}

// addLatency adds one sample, mapped to its bin by latKeyOf.
func (b *bucket) addLatency(k latKey) {
	if !k.ok {
		return
	}
	b.lat.add(k)
}

// addPageCounts adds what a status page counted since its last reading
// (requests and their classes: no latency, no codes) into b.
func (b *bucket) addPageCounts(requests int64, classes *model.StatusClasses) {
	b.requests = add32(b.requests, requests)
	for i, n := range classes {
		b.classes[i] = add32(b.classes[i], n)
	}
}

// merge adds o into b (a backlog's chunks). Codes beyond maxCodes are
// dropped as in addStatus.
func (b *bucket) merge(o *bucket) {
	if o == nil {
		return
	}
	b.requests = add32(b.requests, int64(o.requests))
	b.failures = add32(b.failures, int64(o.failures))
	for i := range o.classes {
		b.classes[i] = add32(b.classes[i], int64(o.classes[i]))
	}
	if o.causes != nil {
		for i, n := range o.causes {
			b.addCause(i, int64(n))
		}
	}
	for _, cn := range o.codes {
		b.addCode(cn.code, int64(cn.n))
	}
	if o.lat.n > 0 {
		b.lat.merge(&o.lat)
	}
}

// addBucket adds bucket b's figures into c, its latency too unless
// withLatency is false.
func (c *counts) addBucket(b *bucket, withLatency bool) {
	if b == nil {
		return
	}
	c.requests += int64(b.requests)
	c.errors5xx += int64(b.classes[5])
	c.failures += int64(b.failures)
	for i := range b.classes {
		c.classes[i] += int64(b.classes[i])
	}
	if b.causes != nil {
		for i, n := range b.causes {
			c.addCause(i, int64(n))
		}
	}
	for _, cn := range b.codes {
		c.addCode(cn.code, int64(cn.n))
	}
	if withLatency && b.lat.n > 0 {
		if c.latency == nil {
			c.latency = &latHist{}
		}
		c.latency.merge(&b.lat)
	}
}

// subBucket takes bucket b's figures out of c, which holds them: the
// bucket that leaves a window as it rolls on. It reports false when c's
// sketch cannot give b's samples back (see latHist.sub), or b held a
// status code c did not keep (past maxCodes): c must then be summed afresh.
func (c *counts) subBucket(b *bucket) bool {
	if b == nil {
		return true
	}
	c.requests -= int64(b.requests)
	c.errors5xx -= int64(b.classes[5])
	c.failures -= int64(b.failures)
	for i := range b.classes {
		c.classes[i] -= int64(b.classes[i])
	}
	if b.causes != nil {
		for i, n := range b.causes {
			c.addCause(i, -int64(n))
		}
	}
	for _, cn := range b.codes {
		k := slices.IndexFunc(c.codes, func(x codeN) bool { return x.code == cn.code })
		if k < 0 {
			return false
		}
		if c.codes[k].n -= int64(cn.n); c.codes[k].n <= 0 {
			c.codes = slices.Delete(c.codes, k, k+1)
		}
	}
	if b.lat.n > 0 {
		return c.latency != nil && c.latency.sub(&b.lat)
	}
	return true
}

// ring is a fixed ring of buckets keyed by bucket index (unix seconds /
// 10). A slot's counts are allocated at its first use: a row seen once
// holds one bucket, not thirty.
type ring struct {
	idx [numBuckets]int64
	b   [numBuckets]*bucket
	// past holds the sums of the completed buckets of the windows ending
	// in bucket past.at: a snapshot adds the current bucket's counts to
	// them and reads the latency quantiles off the past's sketch and the
	// current bucket's together, merging no sketch. A write to any other
	// bucket than past.at (a late line, a backlog's merge) makes it stale.
	past *pastWindow
}

type pastWindow struct {
	at     int64
	ok     bool
	m1, m5 counts // buckets at-5..at-1 and at-29..at-1
	// the sparklines' points of buckets at-29..at-1, oldest first: a
	// snapshot reads them here, not from 29 bucket objects per row
	p95, e5 [numBuckets - 1]float64
}

func newRing() *ring {
	r := &ring{}
	for i := range r.idx {
		r.idx[i] = -1
	}
	return r
}

// at returns the bucket for index i, recycling the slot if it held an older
// bucket.
func (r *ring) at(i int64) *bucket {
	if p := r.past; p != nil && i != p.at {
		// The first write to the next bucket rolls the past on, while
		// the slot it recycles still holds the bucket leaving it.
		p.ok = p.ok && i == p.at+1 && r.roll(p)
	}
	slot := int(i % numBuckets)
	b := r.b[slot]
	switch {
	case b == nil:
		b = &bucket{}
		r.b[slot] = b
	case r.idx[slot] == i:
		return b
	default:
		b.reset()
	}
	r.idx[slot] = i
	r.completed(i - 1)
	return b
}

// completed is told that bucket i is complete (the next has begun): its
// sparse sketch, grown a few pairs at a time, gives back the room it did
// not fill (about a third more than it holds). Most buckets stay sparse,
// and 29 of a row's 30 are complete.
func (r *ring) completed(i int64) {
	if b := r.get(i); b != nil {
		b.lat.clip()
	}
}

// get returns the bucket for index i if the ring still holds it. A nil
// ring (a row that never had a bucket) holds none.
func (r *ring) get(i int64) *bucket {
	if r == nil || i < 0 {
		return nil
	}
	slot := int(i % numBuckets)
	if r.idx[slot] != i {
		return nil
	}
	return r.b[slot]
}

// windows merges the last minute into m1 and the last five minutes into m5,
// both ending at now. m1 and m5 are reset first and their sketches and
// lists reused, so a snapshot of many upstreams does not allocate two
// sketches per upstream.
func (r *ring) windows(now int64, m1, m5 *counts) {
	m1.reset()
	m5.reset()
	if r == nil {
		return
	}
	p := r.past
	if p == nil {
		p = &pastWindow{}
		r.past = p
	}
	if p.ok && p.at == now-1 {
		p.ok = r.roll(p)
	}
	if !p.ok || p.at != now {
		p.m1.reset()
		p.m5.reset()
		for k := int64(1); k < numBuckets; k++ {
			b := r.get(now - k)
			if k < bucketsPerMinute {
				p.m1.addBucket(b, true)
			}
			p.m5.addBucket(b, true)
			p.p95[numBuckets-1-k], p.e5[numBuckets-1-k] = b.sparkPoint()
		}
		p.at, p.ok = now, true
	}
	cur := r.get(now)
	for _, w := range []struct{ dst, past *counts }{{m1, &p.m1}, {m5, &p.m5}} {
		w.dst.mergeCounts(w.past)
		w.dst.addBucket(cur, false)
		// The quantiles are read off the past's sketch and the current
		// bucket's together: neither is copied.
		w.dst.past, w.dst.cur = w.past.latency, cur.latency()
	}
}

// roll moves the past on by one bucket, from p.at to p.at+1: the bucket
// p.at completed comes in, and each window's oldest goes out, instead of
// summing 29 buckets (and their sketches) again for every row at every
// bucket's turn. It reports false when it cannot (latHist.sub); p must
// then be summed afresh.
func (r *ring) roll(p *pastWindow) bool {
	done := r.get(p.at)
	if !p.m5.subBucket(r.get(p.at-numBuckets+1)) || !p.m1.subBucket(r.get(p.at-bucketsPerMinute+1)) {
		return false
	}
	p.m5.addBucket(done, true)
	p.m1.addBucket(done, true)
	copy(p.p95[:], p.p95[1:])
	copy(p.e5[:], p.e5[1:])
	last := len(p.p95) - 1
	p.p95[last], p.e5[last] = done.sparkPoint()
	p.at++
	return true
}

// spark fills the sparklines' 30 points ending at bucket now, oldest
// first: p95 latency and 5xx count per bucket. windows(now) must have run
// since the last write (it readies the cached past).
func (r *ring) spark(now int64, p95, e5 []float64) {
	if r == nil || r.past == nil || !r.past.ok || r.past.at != now {
		for k := range int64(numBuckets) {
			p95[k], e5[k] = r.get(now - numBuckets + 1 + k).sparkPoint()
		}
		return
	}
	copy(p95, r.past.p95[:])
	copy(e5, r.past.e5[:])
	p95[numBuckets-1], e5[numBuckets-1] = r.get(now).sparkPoint()
}

// sparkPoint is the bucket's point on the sparklines: its p95 latency and
// its 5xx count; zero for no bucket.
func (b *bucket) sparkPoint() (p95, e5 float64) {
	if b == nil {
		return 0, 0
	}
	return b.p95ms(), float64(b.errors5xx())
}

var latQuantiles = []float64{0.5, 0.95, 0.99}

func quantiles(h *latHist) model.Latency { return quantiles2(h, nil) }

// latencyBins copies a sketch's bins for the metrics exporter's
// histograms (model.Upstream.LatencyBins), lowest first (0 ms first of
// all).
func latencyBins(h *latHist) []model.LatencyBin {
	if h == nil || h.n == 0 {
		return nil
	}
	var out []model.LatencyBin
	if h.zero > 0 {
		out = append(out, model.LatencyBin{MS: 0, Count: h.zero})
	}
	h.each(func(idx int32, n uint64) {
		out = append(out, model.LatencyBin{MS: latValue(idx), Count: n})
	})
	return out
}

func round2(v float64) float64 { return float64(int64(v*100+0.5)) / 100 }

// quantiles are the window's latency quantiles.
func (c *counts) quantiles() model.Latency {
	if c.past != nil || c.cur != nil {
		return quantiles2(c.past, c.cur)
	}
	return quantiles2(nil, c.latency)
}

func (c *counts) window(seconds int, elapsed float64) model.Window {
	w := model.Window{Seconds: seconds, Requests: c.requests, Errors5xx: c.errors5xx, LatencyMS: c.quantiles()}
	if c.requests > 0 {
		w.Rate5xx = float64(c.errors5xx) / float64(c.requests)
	}
	span := float64(seconds)
	if elapsed > 0 && elapsed < span {
		span = elapsed
	}
	if span < 1 {
		span = 1
	}
	w.ReqPerSec = round2(float64(c.requests) / span)
	w.Classes = c.classes
	if len(c.codes) > 0 {
		w.Codes = make(model.StatusCodes, len(c.codes))
		for i, cn := range c.codes {
			w.Codes[i] = model.StatusCode{Code: int(cn.code), N: cn.n}
		}
	}
	return w
}
