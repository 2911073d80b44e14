package collector

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/DataDog/sketches-go/ddsketch"

	"github.com/gwtop/gwtop/model"
)

// refSketch is the library sketch latHist stands in for.
func refSketch(t testing.TB) *ddsketch.DDSketch {
	s, err := ddsketch.LogCollapsingLowestDenseDDSketch(latAccuracy, latMaxBins)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

var testQuantiles = []float64{0, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999, 1}

// sameAsRef checks h against the library sketch fed the same samples:
// count, every quantile, and the bins the exporter reads.
func sameAsRef(t *testing.T, name string, h *latHist, ref *ddsketch.DDSketch) {
	t.Helper()
	if uint64(ref.GetCount()) != h.n {
		t.Fatalf("%s: count %d, library %v", name, h.n, ref.GetCount())
	}
	if h.n == 0 {
		return
	}
	got := make([]float64, len(testQuantiles))
	h.quantiles(testQuantiles, got)
	for i, q := range testQuantiles {
		want, err := ref.GetValueAtQuantile(q)
		if err != nil {
			t.Fatal(err)
		}
		if got[i] != want {
			t.Fatalf("%s: q%.3f = %v, library %v (n=%d, zero=%d)", name, q, got[i], want, h.n, h.zero)
		}
	}
	var refBins [][2]float64
	ref.ForEach(func(v, n float64) bool {
		refBins = append(refBins, [2]float64{v, n})
		return false
	})
	bins := latencyBins(h)
	if len(bins) != len(refBins) {
		t.Fatalf("%s: %d bins, library %d", name, len(bins), len(refBins))
	}
	for i, b := range bins {
		if b.MS != refBins[i][0] || float64(b.Count) != refBins[i][1] {
			t.Fatalf("%s: bin %d = %v×%d, library %v×%v", name, i, b.MS, b.Count, refBins[i][0], refBins[i][1])
		}
	}
}

// sample draws a latency as a gateway writes them: mostly log-spread
// between 0.1 ms and 30 s, some exact 0, some at millisecond resolution.
func sample(r *rand.Rand, spread float64) float64 {
	switch r.IntN(10) {
	case 0:
		return 0
	case 1:
		return float64(r.IntN(2000)) // whole milliseconds, as nginx's 0.012
	}
	return 0.1 * math.Pow(10, r.Float64()*spread)
}

func TestLatHistMatchesDDSketch(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for trial := range 300 {
		n := []int{1, 2, 5, 31, 32, 33, 100, 1000, 20000}[trial%9]
		spread := []float64{0.01, 1, 2, 5.5}[trial%4]
		var h latHist
		ref := refSketch(t)
		for range n {
			v := sample(r, spread)
			h.addMS(v)
			_ = ref.Add(v)
		}
		sameAsRef(t, "added", &h, ref)

		// A window merged from buckets equals one sketch fed every sample;
		// the scratch it is merged into is reused, as Snapshot does.
		var win latHist
		win.addMS(5) // scratch left holding another row's samples
		win.reset()
		refWin := refSketch(t)
		for range 1 + trial%30 {
			var b latHist
			rb := refSketch(t)
			for range r.IntN(60) {
				v := sample(r, spread)
				b.addMS(v)
				_ = rb.Add(v)
			}
			win.merge(&b)
			_ = refWin.MergeWith(rb)
		}
		sameAsRef(t, "merged", &win, refWin)

		// The quantiles of two sketches read together are those of their
		// sum: a window's past and its current bucket.
		var cur latHist
		for range r.IntN(40) {
			v := sample(r, spread)
			cur.addMS(v)
			_ = refWin.Add(v)
		}
		if got := quantiles2(&win, &cur); got != quantilesOfRef(t, refWin) {
			t.Fatalf("quantiles2 %+v, the library's of the sum %+v", got, quantilesOfRef(t, refWin))
		}
		if got := quantiles2(&cur, &win); got != quantilesOfRef(t, refWin) {
			t.Fatalf("quantiles2 swapped %+v, the library's of the sum %+v", got, quantilesOfRef(t, refWin))
		}

		c := h.clone()
		h.addMS(12345)
		_ = ref.Add(12345)
		sameAsRef(t, "after clone", &h, ref)
		if c.n != h.n-1 {
			t.Fatalf("clone shares state: %d samples, original %d", c.n, h.n)
		}
		h.reset()
		if h.n != 0 || len(latencyBins(&h)) != 0 {
			t.Fatalf("reset left %d samples", h.n)
		}
	}
}

// quantilesOfRef is quantiles for the library's sketch.
func quantilesOfRef(t *testing.T, s *ddsketch.DDSketch) model.Latency {
	t.Helper()
	if s.IsEmpty() {
		return model.Latency{}
	}
	q, err := s.GetValuesAtQuantiles(latQuantiles)
	if err != nil {
		t.Fatal(err)
	}
	return model.Latency{P50: round2(q[0]), P95: round2(q[1]), P99: round2(q[2]), Count: int64(s.GetCount())}
}

func TestLatHistRejectsNonLatencies(t *testing.T) {
	var h latHist
	for _, v := range []float64{-1, math.NaN(), math.Inf(1), math.Inf(-1), -0.001} {
		h.addMS(v)
	}
	if h.n != 0 {
		t.Fatalf("%d samples from values that are no latency", h.n)
	}
	h.addMS(math.SmallestNonzeroFloat64) // a denormal: 0 ms, as the library counts it
	h.addMS(0)
	if h.n != 2 || h.zero != 2 {
		t.Fatalf("n=%d zero=%d, want 2 zeros", h.n, h.zero)
	}
}

// A spread wider than latMaxBins bins folds the lowest, as the
// library's collapsing store does: memory stays bounded and the high
// quantiles stay exact.
func TestLatHistCollapsesLowest(t *testing.T) {
	var h latHist
	ref := refSketch(t)
	for e := -300.0; e <= 300; e += 0.5 {
		v := math.Pow(10, e)
		h.addMS(v)
		_ = ref.Add(v)
	}
	if h.d.size() > latMaxBins {
		t.Fatalf("%d dense bins, want at most %d", h.d.size(), latMaxBins)
	}
	if nb := len(latencyBins(&h)); nb > latMaxBins {
		t.Fatalf("%d bins in use", nb)
	}
	got := make([]float64, 3)
	h.quantiles([]float64{0.5, 0.99, 1}, got)
	for i, q := range []float64{0.5, 0.99, 1} {
		want, _ := ref.GetValueAtQuantile(q)
		if math.Abs(got[i]-want) > want*1e-9 {
			t.Errorf("q%v = %g, library %g", q, got[i], want)
		}
	}
	// and a later low sample lands in the lowest kept bin
	h.addMS(1e-200)
	if h.d.size() > latMaxBins {
		t.Fatalf("grew to %d bins", h.d.size())
	}
}

// BenchmarkLatHist is the per-sample cost of adding to a bucket sketch
// and of merging a five-minute window, beside the library's.
func BenchmarkLatHist(b *testing.B) {
	r := rand.New(rand.NewPCG(3, 4))
	vals := make([]float64, 4096)
	for i := range vals {
		vals[i] = sample(r, 3)
	}
	b.Run("add", func(b *testing.B) {
		var h latHist
		i := 0
		for b.Loop() {
			h.addMS(vals[i&4095])
			i++
		}
	})
	b.Run("add-ddsketch", func(b *testing.B) {
		s := refSketch(b)
		i := 0
		for b.Loop() {
			_ = s.Add(vals[i&4095])
			i++
		}
	})
	// 30 buckets of 20 samples each into a reused window, then p50/p95/p99.
	var buckets [30]latHist
	refs := make([]*ddsketch.DDSketch, 30)
	for k := range buckets {
		refs[k] = refSketch(b)
		for j := range 20 {
			v := vals[(k*20+j)&4095]
			buckets[k].addMS(v)
			_ = refs[k].Add(v)
		}
	}
	b.Run("window", func(b *testing.B) {
		b.ReportAllocs()
		var w latHist
		for b.Loop() {
			w.reset()
			for k := range buckets {
				w.merge(&buckets[k])
			}
			_ = quantiles(&w)
		}
	})
	b.Run("window-ddsketch", func(b *testing.B) {
		b.ReportAllocs()
		w := refSketch(b)
		for b.Loop() {
			w.Clear()
			for _, s := range refs {
				_ = w.MergeWith(s)
			}
			_, _ = w.GetValuesAtQuantiles(latQuantiles)
		}
	})
}

// windowsByHand is ring.windows without the cached past: every bucket of
// the window merged.
func windowsByHand(r *ring, now int64) (m1, m5 counts) {
	for k := int64(0); k < numBuckets; k++ {
		b := r.get(now - k)
		if k < bucketsPerMinute {
			m1.addBucket(b, true)
		}
		m5.addBucket(b, true)
	}
	return m1, m5
}

// The cached past of a ring's windows never shows stale figures: late
// lines into older buckets, a clock that moves by one bucket or jumps,
// slots recycled and merges all give what merging every bucket gives.
func TestRingWindowsCachedPast(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	rg := newRing()
	now := int64(1000)
	for step := range 5000 {
		switch op := r.IntN(10); {
		case op < 5: // a line into the current bucket
			b := rg.at(now)
			b.addStatus(200 + 100*r.IntN(4))
			b.addLatency(latKeyOf(sample(r, 3)))
		case op < 7: // a late line, up to the window's start
			b := rg.at(now - int64(r.IntN(numBuckets)))
			b.addStatus(502)
			b.addLatency(latKeyOf(sample(r, 3)))
		case op < 8: // the clock moves on one bucket, or jumps
			now += int64(1 + r.IntN(2)*r.IntN(40))
		case op < 9: // another ring merged in (a backlog's chunk)
			o := newRing()
			o.at(now - int64(r.IntN(5))).addStatus(200)
			for slot, i := range o.idx {
				if i >= 0 {
					rg.at(i).merge(o.b[slot])
				}
			}
		}
		var m1, m5 counts
		rg.windows(now, &m1, &m5)
		w1, w5 := windowsByHand(rg, now)
		var p95, e5 [numBuckets]float64
		rg.spark(now, p95[:], e5[:])
		for k := range int64(numBuckets) {
			var wp, we float64
			if b := rg.get(now - numBuckets + 1 + k); b != nil {
				wp, we = quantiles(b.latency()).P95, float64(b.errors5xx())
			}
			if p95[k] != wp || e5[k] != we {
				t.Fatalf("step %d: sparkline point %d is p95 %v, 5xx %v; the bucket holds %v, %v", step, k, p95[k], e5[k], wp, we)
			}
		}
		for _, c := range []struct {
			name      string
			got, want *counts
		}{{"1m", &m1, &w1}, {"5m", &m5, &w5}} {
			if c.got.requests != c.want.requests || c.got.errors5xx != c.want.errors5xx || c.got.classes != c.want.classes {
				t.Fatalf("step %d: %s window %d requests (%d 5xx), merging every bucket gives %d (%d)",
					step, c.name, c.got.requests, c.got.errors5xx, c.want.requests, c.want.errors5xx)
			}
			if got := c.got.window(60, 600).LatencyMS; got != quantiles(c.want.latency) {
				t.Fatalf("step %d: %s latency %+v, by hand %+v", step, c.name, got, quantiles(c.want.latency))
			}
		}
	}
}

// A sparse bin's count that would pass a uint16 turns the store dense
// and loses nothing: a long run's totals of few distinct latencies.
func TestLatHistSparseOverflow(t *testing.T) {
	var h latHist
	k := latKeyOf(12)
	h.addMS(3)
	h.n += 2 * math.MaxUint16
	h.addN(k.idx, math.MaxUint16)
	if h.d != nil {
		t.Fatal("dense before any count passed a uint16")
	}
	h.addN(k.idx, math.MaxUint16)
	if h.d == nil {
		t.Fatal("still sparse with a bin past a uint16")
	}
	var got uint64
	h.each(func(idx int32, n uint64) {
		if idx == k.idx {
			got = n
		}
	})
	if got != 2*math.MaxUint16 {
		t.Fatalf("bin holds %d, want %d", got, 2*math.MaxUint16)
	}
	// and a bin index past an int16 (a latency of 1e-300 ms) is dense too
	var tiny latHist
	tiny.addMS(1e-300)
	tiny.addMS(5)
	if tiny.d == nil || tiny.n != 2 {
		t.Fatalf("a bin index of %d kept sparse (n=%d)", latKeyOf(1e-300).idx, tiny.n)
	}
	q := make([]float64, 2)
	h.quantiles([]float64{0, 0.5}, q)
	if q[0] != latValue(latKeyOf(3).idx) || q[1] != latValue(k.idx) {
		t.Fatalf("quantiles %v", q)
	}
}

// A dense bin whose count would pass a uint32 widens the whole store and
// loses nothing, through adds, merges, a regrowth, a reset and a clone:
// a long run's totals on a busy gateway.
func TestLatDenseWidens(t *testing.T) {
	var h latHist
	for ms := 1.0; ms < 400; ms *= 1.03 { // ~200 distinct bins: dense
		h.addMS(ms)
	}
	if h.d == nil || h.d.wide != nil {
		t.Fatalf("want a narrow dense store, got %+v", h.d)
	}
	k := latKeyOf(12).idx
	h.addMS(12)
	h.addMS(12)
	big := uint64(math.MaxUint32) - 1
	h.n += big
	h.addN(k, big) // passes a uint32 with the samples already there
	if h.d.wide == nil {
		t.Fatal("still narrow with a bin past a uint32")
	}
	var o latHist // a narrow store merged in, and one sample far out (a regrowth)
	for ms := 2.0; ms < 300; ms *= 1.05 {
		o.addMS(ms)
	}
	o.addMS(12)
	h.merge(&o)
	h.addMS(90000)
	want := map[int32]uint64{}
	for ms := 1.0; ms < 400; ms *= 1.03 {
		want[latKeyOf(ms).idx]++
	}
	for ms := 2.0; ms < 300; ms *= 1.05 {
		want[latKeyOf(ms).idx]++
	}
	want[k] += big + 3 // two samples of 12 ms here, one in o
	want[latKeyOf(90000).idx]++
	got := map[int32]uint64{}
	var n uint64
	h.each(func(idx int32, c uint64) { got[idx] += c; n += c })
	if fmt.Sprint(got) != fmt.Sprint(want) || n != h.n {
		t.Fatalf("bins after widening\n got %v (n %d, sketch %d)\nwant %v", got, n, h.n, want)
	}
	c := h.clone()
	var cn uint64
	c.each(func(_ int32, v uint64) { cn += v })
	if cn != n || c.n != h.n {
		t.Fatalf("clone holds %d of %d", cn, n)
	}
	h.reset()
	h.addMS(7)
	h.addMS(7)
	got = map[int32]uint64{}
	h.each(func(idx int32, c uint64) { got[idx] += c })
	if len(got) != 1 || got[latKeyOf(7).idx] != 2 {
		t.Fatalf("after a reset the store holds %v", got)
	}
}

// latIndex puts every value in the bin the library's logarithm does: log-
// spread values over the whole float range, every whole millisecond and
// every value nginx can write (d.ddd seconds), microseconds, bin edges.
func TestLatIndexMatchesLog(t *testing.T) {
	check := func(v float64) {
		if v <= latMinValue {
			return
		}
		if got, want := latIndex(v), latIndexLog(v); got != want {
			t.Fatalf("latIndex(%v) = %d, the logarithm's bin %d", v, got, want)
		}
	}
	r := rand.New(rand.NewPCG(9, 10))
	for range 2_000_000 {
		check(math.Pow(10, r.Float64()*600-300))
	}
	for ms := range 200_000 {
		check(float64(ms))
		check(float64(ms) / 1000 * 1000) // a "0.012" read and scaled
		check(float64(ms) / 1000)
	}
	for k := int32(-2000); k < 2000; k++ { // around every bin edge near 1 ms
		edge := math.Exp(float64(k) / latMultiplier)
		for _, d := range []float64{-1e-12, -1e-15, 0, 1e-15, 1e-12} {
			check(edge * (1 + d))
		}
		check(math.Nextafter(edge, 0))
		check(math.Nextafter(edge, math.Inf(1)))
	}
	check(math.SmallestNonzeroFloat64 * 4)
	check(math.MaxFloat64 / 4)
}

func BenchmarkLatIndex(b *testing.B) {
	r := rand.New(rand.NewPCG(3, 4))
	vals := make([]float64, 4096)
	for i := range vals {
		vals[i] = sample(r, 3) + 0.001
	}
	b.Run("table", func(b *testing.B) {
		i := 0
		for b.Loop() {
			_ = latIndex(vals[i&4095])
			i++
		}
	})
	b.Run("log", func(b *testing.B) {
		i := 0
		for b.Loop() {
			_ = latIndexLog(vals[i&4095])
			i++
		}
	})
}
