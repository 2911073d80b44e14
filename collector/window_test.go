package collector

import (
	"maps"
	"math/rand/v2"
	"testing"

	"github.com/gwtop/gwtop/model"
)

// TestPastRollsAsItSums: a ring whose past rolls on from bucket to bucket
// (the bucket that leaves each window taken out, the one that completed
// added) gives the same windows and sparklines as one summed afresh at
// every snapshot, through late lines, skipped buckets, snapshots that skip
// buckets, wide latency spreads and many status codes.
func TestPastRollsAsItSums(t *testing.T) {
	for seed := range uint64(40) {
		r := rand.New(rand.NewPCG(seed, 7))
		rolled, fresh := newRing(), newRing()
		idx := int64(1000)
		for step := range 400 {
			// Lines into the current bucket, sometimes a late one.
			for range r.IntN(12) {
				i := idx
				if r.IntN(25) == 0 {
					i -= int64(1 + r.IntN(40))
				}
				status := []int{200, 200, 200, 204, 301, 404, 500, 502, 503, 504}[r.IntN(10)]
				if r.IntN(50) == 0 {
					status = 100 + r.IntN(500) // many codes, past maxCodes
				}
				ms := r.ExpFloat64() * 40
				if r.IntN(30) == 0 {
					ms = r.Float64() * 1e7 // a wide spread: dense stores
				}
				if r.IntN(40) == 0 {
					ms = 0
				}
				k := latKeyOf(ms)
				cause := r.IntN(model.NumCauses * 4)
				for _, rg := range []*ring{rolled, fresh} {
					b := rg.at(i)
					b.addStatus(status)
					b.addLatency(k)
					if cause < model.NumCauses {
						b.addCause(cause, 1)
						b.failures = add32(b.failures, 1)
					}
				}
			}
			if r.IntN(3) == 0 {
				compareRolled(t, seed, step, idx, rolled, fresh)
			}
			switch r.IntN(10) {
			case 0: // an idle stretch
				idx += int64(2 + r.IntN(35))
			case 1, 2, 3, 4:
				idx++
			}
		}
	}
}

func compareRolled(t *testing.T, seed uint64, step int, idx int64, rolled, fresh *ring) {
	t.Helper()
	var a1, a5, b1, b5 counts
	rolled.windows(idx, &a1, &a5)
	if fresh.past != nil {
		fresh.past.ok = false
	}
	fresh.windows(idx, &b1, &b5)
	for _, w := range []struct {
		name string
		a, b *counts
	}{{"1m", &a1, &b1}, {"5m", &a5, &b5}} {
		x, y := w.a.window(60, 300), w.b.window(60, 300)
		if x.Requests != y.Requests || x.Errors5xx != y.Errors5xx || x.Classes != y.Classes || x.LatencyMS != y.LatencyMS || w.a.failures != w.b.failures {
			t.Fatalf("seed %d step %d %s: rolled %+v (failures %d), summed %+v (failures %d)", seed, step, w.name, x, w.a.failures, y, w.b.failures)
		}
		for i := range model.NumCauses {
			if w.a.cause(i) != w.b.cause(i) {
				t.Fatalf("seed %d step %d %s: cause %d rolled %d, summed %d", seed, step, w.name, i, w.a.cause(i), w.b.cause(i))
			}
		}
		codes := func(ws model.Window) map[int]int64 {
			m := map[int]int64{}
			for _, c := range ws.Codes {
				m[c.Code] = c.N
			}
			return m
		}
		if !maps.Equal(codes(x), codes(y)) {
			t.Fatalf("seed %d step %d %s: codes rolled %v, summed %v", seed, step, w.name, codes(x), codes(y))
		}
	}
	var ap, ae, bp, be [numBuckets]float64
	rolled.spark(idx, ap[:], ae[:])
	fresh.spark(idx, bp[:], be[:])
	if ap != bp || ae != be {
		t.Fatalf("seed %d step %d: sparklines rolled %v %v, summed %v %v", seed, step, ap, ae, bp, be)
	}
}
