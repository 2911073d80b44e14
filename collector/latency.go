package collector

import (
	"math"
	"slices"

	"github.com/gwtop/gwtop/model"
)

// latHist is gwtop's latency sketch: DDSketch's logarithmic mapping at
// 1 % relative accuracy (the same bins, the same quantiles, as
// github.com/DataDog/sketches-go's LogCollapsingLowestDenseDDSketch with
// 1024 bins, which a differential test holds it to), in a store sized for
// many small windows instead of one large one.
//
// A 10-second bucket of a quiet upstream holds a handful of samples: it
// keeps them as a short sorted list of (bin, count) pairs, 4 bytes each,
// where the dense store of the library allocated 128 bins (1 KiB) at its
// first sample and grew by as many. (A bin whose count would pass a
// uint16, or whose index an int16, turns the store dense.) Past latSparseMax distinct bins it
// turns dense: one counter per bin between the lowest and the highest,
// never more than latMaxBins (the lowest are folded into the lowest kept,
// as the library's collapsing store does).
//
// A line's latency is mapped to its bin once (latKeyOf) and added to the
// four sketches it counts in (the gateway's and the upstream's, total and
// bucket) without another logarithm.
type latHist struct {
	n    uint64 // samples, zeros included
	zero uint64 // samples of 0 ms (below the smallest bin)
	// sparse (d == nil): bins in use, ascending
	pairs []latPair
	d     *latDense // dense: nil until a sketch outgrows its pairs (a bucket's rarely does)
}

// latDense is a dense store: at(i) samples in bin off+i; lo..hi the
// bins in use. The counts are uint32 (half the memory: a row's totals and
// its 5-minute past are dense) until one would pass it; then wide holds
// them all and bins is nil.
type latDense struct {
	off    int32
	lo, hi int32
	bins   []uint32
	wide   []uint64
}

func (d *latDense) size() int {
	if d.wide != nil {
		return len(d.wide)
	}
	return len(d.bins)
}

func (d *latDense) at(i int32) uint64 {
	if d.wide != nil {
		return d.wide[i]
	}
	return uint64(d.bins[i])
}

func (d *latDense) set(i int32, n uint64) {
	if d.wide != nil {
		d.wide[i] = n
		return
	}
	d.bins[i] = uint32(n) // n came off a count it held
}

func (d *latDense) add(i int32, n uint64) {
	if d.wide == nil {
		if v := uint64(d.bins[i]) + n; v >= n && v <= math.MaxUint32 {
			d.bins[i] = uint32(v)
			return
		}
		d.wide = make([]uint64, len(d.bins))
		for k, c := range d.bins {
			d.wide[k] = uint64(c)
		}
		d.bins = nil
	}
	d.wide[i] += n
}

// clearRange empties bins a..b (indexes into the store).
func (d *latDense) clearRange(a, b int32) {
	if d.wide != nil {
		clear(d.wide[a : b+1])
		return
	}
	clear(d.bins[a : b+1])
}

// zeroed makes the store width bins wide and empty, reusing its memory (a
// wide store stays wide).
func (d *latDense) zeroed(width int) {
	switch {
	case d.wide != nil && cap(d.wide) >= width:
		d.wide = d.wide[:width]
		clear(d.wide)
	case d.wide != nil:
		d.wide = make([]uint64, width)
	case cap(d.bins) >= width:
		d.bins = d.bins[:width]
		clear(d.bins)
	default:
		d.bins = make([]uint32, width)
	}
}

const (
	latAccuracy  = 0.01
	latMaxBins   = 1024
	latSparseMax = 128
	// Bins a dense store leaves free beyond the range it first covers, so
	// that a spread of latencies does not regrow it sample by sample.
	latSlack = 4
)

var (
	latGamma      = (1 + latAccuracy) / (1 - latAccuracy)
	latMultiplier = 1 / math.Log(latGamma)
	latRelAcc     = 1 - 2/(1+latGamma)
	// latMinValue: smaller values count as 0 ms, as in the library
	// (whose bound is the smallest normal float64 times gamma).
	latMinValue = 0x1p-1022 * latGamma
)

// latPair is one bin of a sparse store and its samples.
type latPair struct {
	idx int16
	n   uint16
}

// latKey is a latency mapped to its bin; zero means 0 ms.
type latKey struct {
	idx  int32
	zero bool
	ok   bool // false: no latency (negative, NaN or infinite)
}

// latKeyOf maps a latency in milliseconds to its bin.
func latKeyOf(ms float64) latKey {
	switch {
	case !(ms >= 0) || math.IsInf(ms, 1) || ms > math.MaxFloat64/2:
		return latKey{}
	case ms <= latMinValue:
		return latKey{zero: true, ok: true}
	}
	return latKey{idx: latIndex(ms), ok: true}
}

// latIndexLog is the library's mapping of a value to its bin:
// ⌊ln(v)·multiplier⌋, as it computes it.
func latIndexLog(ms float64) int32 {
	index := math.Log(ms) * latMultiplier
	if index >= 0 {
		return int32(index)
	}
	return int32(index) - 1
}

// latLog2 holds log2(1 + i/1024): log2 of a float's mantissa by a table
// and a line between its two nearest entries, within 2·10⁻⁷.
var latLog2 = func() (t [1025]float64) {
	for i := range t {
		t[i] = math.Log2(1 + float64(i)/1024)
	}
	return t
}()

var latLn2Mult = math.Ln2 * latMultiplier

// latIndex is latIndexLog without a logarithm per line: ln(v) from the
// float's exponent and its mantissa's log2 off latLog2. The estimate is
// within 10⁻⁵ of a bin; near a bin's edge (and for subnormal values) the
// exact mapping decides, so every bin is the library's.
func latIndex(ms float64) int32 {
	u := math.Float64bits(ms)
	e := int(u >> 52 & 0x7ff)
	if e == 0 || e == 0x7ff {
		return latIndexLog(ms)
	}
	frac := u & (1<<52 - 1)
	i := frac >> 42
	t := float64(frac&(1<<42-1)) / (1 << 42)
	x := (float64(e-1023) + latLog2[i] + t*(latLog2[i+1]-latLog2[i])) * latLn2Mult
	f := math.Floor(x)
	if x-f < 1e-4 || f+1-x < 1e-4 {
		return latIndexLog(ms)
	}
	return int32(f)
}

// latValue is the value a bin stands for: within 1 % of every sample in it.
func latValue(idx int32) float64 {
	return math.Exp(float64(idx)/latMultiplier) * (1 + latRelAcc)
}

func (h *latHist) addMS(ms float64) { h.add(latKeyOf(ms)) }

func (h *latHist) add(k latKey) {
	if !k.ok {
		return
	}
	h.n++
	if k.zero {
		h.zero++
		return
	}
	// Most samples land in a dense store's span already: one increment.
	if d := h.d; d != nil && d.wide == nil && k.idx >= d.lo && k.idx <= d.hi {
		if j := k.idx - d.off; d.bins[j] < math.MaxUint32 {
			d.bins[j]++
			return
		}
	}
	h.addN(k.idx, 1)
}

// addN adds n samples to bin idx (n > 0).
func (h *latHist) addN(idx int32, n uint64) {
	if h.d == nil {
		i, found := searchPairs(h.pairs, idx)
		switch {
		case idx < math.MinInt16 || idx > math.MaxInt16:
		case found && uint64(h.pairs[i].n)+n <= math.MaxUint16:
			h.pairs[i].n += uint16(n)
			return
		case !found && len(h.pairs) < latSparseMax && n <= math.MaxUint16:
			if len(h.pairs) == cap(h.pairs) {
				// grow by a few, not twice: most buckets stop at a handful
				grown := make([]latPair, len(h.pairs), min(latSparseMax, len(h.pairs)+max(4, len(h.pairs)/2)))
				copy(grown, h.pairs)
				h.pairs = grown
			}
			h.pairs = append(h.pairs, latPair{})
			copy(h.pairs[i+1:], h.pairs[i:])
			h.pairs[i] = latPair{int16(idx), uint16(n)}
			return
		}
		h.toDense(idx)
	}
	h.addDense(idx, n)
}

func searchPairs(ps []latPair, idx int32) (int, bool) {
	lo, hi := 0, len(ps)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if int32(ps[m].idx) < idx {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo, lo < len(ps) && int32(ps[lo].idx) == idx
}

// toDense moves the sparse pairs into dense bins that also reach idx.
func (h *latHist) toDense(idx int32) {
	lo, hi := idx, idx
	if len(h.pairs) > 0 {
		lo, hi = min(lo, int32(h.pairs[0].idx)), max(hi, int32(h.pairs[len(h.pairs)-1].idx))
	}
	h.alloc(lo, hi)
	for _, p := range h.pairs {
		h.addDense(int32(p.idx), uint64(p.n))
	}
	h.pairs = nil
}

// alloc makes the dense bins cover lo..hi (at most latMaxBins, the
// highest kept), with nothing in them.
func (h *latHist) alloc(lo, hi int32) {
	if hi-lo >= latMaxBins {
		lo = hi - latMaxBins + 1
	}
	width := int(hi-lo) + 1 + 2*latSlack
	width = min(width, latMaxBins)
	off := lo - latSlack
	if int(hi-off)+1 > width {
		off = hi - int32(width) + 1
	}
	if h.d == nil {
		h.d = &latDense{}
	}
	h.d.zeroed(width)
	h.d.off = off
	h.d.lo, h.d.hi = hi+1, lo-1 // nothing in use
}

func (h *latHist) empty() bool { return h.d.lo > h.d.hi }

// addDense adds n samples to bin idx of a dense store, growing it or
// folding its lowest bins as needed.
func (h *latHist) addDense(idx int32, n uint64) {
	if h.empty() && (idx < h.d.off || idx >= h.d.off+int32(h.d.size())) {
		h.alloc(idx, idx)
	}
	if idx < h.d.hi-latMaxBins+1 {
		idx = h.d.hi - latMaxBins + 1 // below the kept range: the lowest bin
	}
	if idx < h.d.off || idx >= h.d.off+int32(h.d.size()) {
		h.grow(idx)
		if idx < h.d.off {
			idx = h.d.off // folded (the range reached latMaxBins)
		}
	}
	h.d.add(idx-h.d.off, n)
	h.d.lo, h.d.hi = min(h.d.lo, idx), max(h.d.hi, idx)
}

// grow re-lays the dense bins to cover idx and what they hold, folding the
// lowest into the lowest kept when the span passes latMaxBins.
func (h *latHist) grow(idx int32) {
	lo, hi := min(h.d.lo, idx), max(h.d.hi, idx)
	old := *h.d
	h.d.bins, h.d.wide = nil, nil
	// room for a quarter more each side, so that a spreading row's
	// totals regrow a few times, not at every new extreme
	span := hi - lo + 1
	extra := max(0, min(span/4, (latMaxBins-span)/2))
	h.alloc(lo-extra, hi+extra)
	keepLo := max(lo, hi-latMaxBins+1) // alloc's h.d.off
	for k := old.lo; k <= old.hi; k++ {
		c := old.at(k - old.off)
		if c == 0 {
			continue
		}
		dst := max(k, keepLo)
		h.d.add(dst-h.d.off, c)
		h.d.lo, h.d.hi = min(h.d.lo, dst), max(h.d.hi, dst)
	}
}

// clip frees the room a sparse h has left beyond what a copy of its pairs
// takes (the allocator's size class).
func (h *latHist) clip() {
	if h.d == nil && cap(h.pairs)-len(h.pairs) >= 4 {
		if len(h.pairs) == 0 {
			h.pairs = nil
			return
		}
		h.pairs = slices.Clone(h.pairs)
	}
}

// reset empties h, keeping its memory.
func (h *latHist) reset() {
	h.n, h.zero = 0, 0
	h.pairs = h.pairs[:0]
	if h.d != nil {
		if !h.empty() {
			h.d.clearRange(h.d.lo-h.d.off, h.d.hi-h.d.off)
		}
		h.d.lo, h.d.hi = h.d.off+int32(h.d.size()), h.d.off-1
	}
}

// each calls f for every non-empty bin, lowest first, with the bin's key.
func (h *latHist) each(f func(idx int32, n uint64)) {
	if h.d == nil {
		for _, p := range h.pairs {
			f(int32(p.idx), uint64(p.n))
		}
		return
	}
	for k := h.d.lo; k <= h.d.hi; k++ {
		if c := h.d.at(k - h.d.off); c != 0 {
			f(k, c)
		}
	}
}

// merge adds o into h.
func (h *latHist) merge(o *latHist) {
	if o == nil || o.n == 0 {
		return
	}
	h.n += o.n
	h.zero += o.zero
	if o.d == nil {
		if h.d == nil && h.mergePairs(o.pairs) {
			return
		}
		for _, p := range o.pairs {
			h.addN(int32(p.idx), uint64(p.n))
		}
		return
	}
	if h.d == nil {
		h.toDense(o.d.lo)
	}
	for k := o.d.lo; k <= o.d.hi; k++ {
		if c := o.d.at(k - o.d.off); c != 0 {
			h.addDense(k, c)
		}
	}
}

// sub takes o's samples out of h, which holds them (o was merged into
// it): a window's past rolls on by taking out the bucket that leaves it.
// It reports false, h then part-way, when h does not hold them all (its
// dense store folded some into another bin): the caller sums afresh.
func (h *latHist) sub(o *latHist) bool {
	if o == nil || o.n == 0 {
		return true
	}
	if h.n < o.n || h.zero < o.zero {
		return false
	}
	h.n -= o.n
	h.zero -= o.zero
	ok := true
	o.each(func(idx int32, n uint64) {
		if ok {
			ok = h.subN(idx, n)
		}
	})
	return ok
}

func (h *latHist) subN(idx int32, n uint64) bool {
	if h.d == nil {
		i, found := searchPairs(h.pairs, idx)
		switch {
		case !found || uint64(h.pairs[i].n) < n:
			return false
		case uint64(h.pairs[i].n) == n:
			h.pairs = append(h.pairs[:i], h.pairs[i+1:]...)
		default:
			h.pairs[i].n -= uint16(n)
		}
		return true
	}
	d := h.d
	if h.empty() || idx < d.lo || idx > d.hi {
		return false
	}
	c := d.at(idx - d.off)
	if c < n {
		return false
	}
	d.set(idx-d.off, c-n)
	for d.lo <= d.hi && d.at(d.lo-d.off) == 0 {
		d.lo++
	}
	for d.hi >= d.lo && d.at(d.hi-d.off) == 0 {
		d.hi--
	}
	if d.lo > d.hi { // empty: as reset leaves it
		d.lo, d.hi = d.off+int32(d.size()), d.off-1
	}
	return true
}

// mergePairs merges the sparse pairs o into h's in one pass, from the
// back, when the union stays sparse (at most latSparseMax bins, no count
// past a uint16); false, with h untouched, otherwise. A window's past is
// the merge of its buckets: adding pair by pair searched and shifted the
// list for each.
func (h *latHist) mergePairs(o []latPair) bool {
	n := len(h.pairs) + len(o)
	for i, j := 0, 0; i < len(h.pairs) && j < len(o); {
		switch a, b := h.pairs[i], o[j]; {
		case a.idx < b.idx:
			i++
		case a.idx > b.idx:
			j++
		default:
			if uint32(a.n)+uint32(b.n) > math.MaxUint16 {
				return false
			}
			n--
			i++
			j++
		}
	}
	if n > latSparseMax {
		return false
	}
	a := len(h.pairs) - 1
	if n > cap(h.pairs) {
		grown := make([]latPair, len(h.pairs), min(latSparseMax, max(n, len(h.pairs)+len(h.pairs)/2)))
		copy(grown, h.pairs)
		h.pairs = grown
	}
	h.pairs = h.pairs[:n]
	for b, k := len(o)-1, n-1; b >= 0; k-- {
		switch {
		case a >= 0 && h.pairs[a].idx > o[b].idx:
			h.pairs[k] = h.pairs[a]
			a--
		case a >= 0 && h.pairs[a].idx == o[b].idx:
			h.pairs[k] = latPair{o[b].idx, h.pairs[a].n + o[b].n}
			a--
			b--
		default:
			h.pairs[k] = o[b]
			b--
		}
	}
	return true
}

// clone is a copy of h that shares nothing with it.
func (h *latHist) clone() *latHist {
	c := &latHist{n: h.n, zero: h.zero}
	if h.d == nil {
		c.pairs = append([]latPair(nil), h.pairs...)
		return c
	}
	if !h.empty() {
		c.alloc(h.d.lo, h.d.hi)
		for k := h.d.lo; k <= h.d.hi; k++ {
			if n := h.d.at(k - h.d.off); n != 0 {
				c.d.add(k-c.d.off, n)
				c.d.lo, c.d.hi = min(c.d.lo, k), max(c.d.hi, k)
			}
		}
	}
	return c
}

// quantiles returns the values at qs (ascending), as the library's
// GetValueAtQuantile computes them: the bin of rank q·(n−1).
func (h *latHist) quantiles(qs []float64, out []float64) { quantilesOf(qs, out, h, nil) }

// latCursor walks a sketch's non-empty bins, lowest first.
type latCursor struct {
	h   *latHist
	i   int   // next pair (sparse)
	k   int32 // next bin (dense)
	idx int32 // the current bin and its samples; n == 0 at the end
	n   uint64
}

func newLatCursor(h *latHist) latCursor {
	c := latCursor{h: h}
	if h != nil && h.d != nil {
		c.k = h.d.lo
	}
	c.next()
	return c
}

func (c *latCursor) next() {
	c.n = 0
	h := c.h
	if h == nil {
		return
	}
	if h.d == nil {
		if c.i < len(h.pairs) {
			c.idx, c.n = int32(h.pairs[c.i].idx), uint64(h.pairs[c.i].n)
			c.i++
		}
		return
	}
	for ; c.k <= h.d.hi; c.k++ {
		if n := h.d.at(c.k - h.d.off); n != 0 {
			c.idx, c.n = c.k, n
			c.k++
			return
		}
	}
}

// quantiles2 is the quantiles of the sum of a and b (either may be nil),
// without making the sum: a window's past and its current bucket.
func quantiles2(a, b *latHist) model.Latency {
	var q [3]float64
	n := quantilesOf(latQuantiles, q[:], a, b)
	if n == 0 {
		return model.Latency{}
	}
	return model.Latency{P50: round2(q[0]), P95: round2(q[1]), P99: round2(q[2]), Count: int64(n)}
}

// quantilesOf fills out with the values at qs (ascending) of the sum of a
// and b (either may be nil) and returns the samples: the bin of rank
// q·(n−1), as the library computes it, 0 ms below the zeros. The bins
// are walked once, both sketches together, up to the last quantile's.
func quantilesOf(qs, out []float64, a, b *latHist) uint64 {
	var n, zeros uint64
	for _, h := range []*latHist{a, b} {
		if h != nil {
			n, zeros = n+h.n, zeros+h.zero
		}
	}
	if n == 0 {
		return 0
	}
	count, zero := float64(n), float64(zeros)
	qi := 0
	for qi < len(qs) && float64(qs[qi]*(count-1)) < zero {
		out[qi] = 0
		qi++
	}
	// The bin of rank r is the first whose running count passes r: with
	// whole counts, reaches floor(r)+1.
	var buf [8]uint64
	need := buf[:]
	if len(qs) > len(buf) {
		need = make([]uint64, len(qs))
	}
	for i := qi; i < len(qs); i++ {
		need[i] = uint64(max(float64(qs[i]*(count-1))-zero, 0)) + 1
	}
	ca, cb := newLatCursor(a), newLatCursor(b)
	var acc uint64
	last := int32(0)
	for qi < len(qs) && (ca.n > 0 || cb.n > 0) {
		var idx int32
		var k uint64
		switch {
		case cb.n == 0 || ca.n > 0 && ca.idx < cb.idx:
			idx, k = ca.idx, ca.n
			ca.next()
		case ca.n == 0 || cb.idx < ca.idx:
			idx, k = cb.idx, cb.n
			cb.next()
		default: // the same bin in both
			idx, k = ca.idx, ca.n+cb.n
			ca.next()
			cb.next()
		}
		acc += k
		last = idx
		for qi < len(qs) && acc >= need[qi] {
			out[qi] = latValue(idx)
			qi++
		}
	}
	for ; qi < len(qs); qi++ {
		out[qi] = latValue(last)
	}
	return n
}
