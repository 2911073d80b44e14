package collector

import (
	"cmp"
	"slices"
	"testing"

	"github.com/gwtop/gwtop/collector/feed"
	"github.com/gwtop/gwtop/model"
)

// With LatencyBins on, each upstream carries its Total sketch's bins,
// lowest first, their counts summing to the samples; off, none.
func TestLatencyBinsOptIn(t *testing.T) {
	for _, on := range []bool{false, true} {
		a := NewAggregator(AggregatorOptions{LatencyBins: on})
		for j := range 40 {
			a.ObserveRequest(&feed.Request{Status: 200, Attempts: []feed.Attempt{
				{Addr: "10.0.0.1:80", Status: 200, Connect: 0.001, Header: 0.01, Total: float64(j%8+1) / 100}}}, []byte("l"))
		}
		u, ok := a.Snapshot().Upstream("", "10.0.0.1:80")
		if !ok {
			t.Fatal("no upstream")
		}
		if !on {
			if u.LatencyBins != nil {
				t.Errorf("off: %d bins", len(u.LatencyBins))
			}
			continue
		}
		var n uint64
		for _, b := range u.LatencyBins {
			n += b.Count
		}
		if n != 40 || len(u.LatencyBins) != 8 || !slices.IsSortedFunc(u.LatencyBins, func(a, b model.LatencyBin) int { return cmp.Compare(a.MS, b.MS) }) {
			t.Errorf("bins %+v", u.LatencyBins)
		}
		if lo, hi := u.LatencyBins[0].MS, u.LatencyBins[7].MS; lo < 9.9 || lo > 10.1 || hi < 79.2 || hi > 80.8 {
			t.Errorf("bins span %v..%v ms, want 10..80 within 1 %%", lo, hi)
		}
	}
}

// BenchmarkSnapshot1000Export is BenchmarkSnapshot1000 with the latency
// bins copied, as gwtop serve snapshots.
func BenchmarkSnapshot1000Export(b *testing.B) {
	benchSnapshot1000(b, AggregatorOptions{LatencyBins: true})
}
