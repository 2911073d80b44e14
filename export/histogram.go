package export

import (
	"math"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/gwtop/gwtop/model"
)

// Buckets are the classic histogram's upper bounds in seconds, chosen for
// HTTP behind a gateway: 1 ms to 60 s (nginx's default proxy timeouts),
// dense where APIs answer.
var Buckets = []float64{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60}

// NativeSchema is the native histogram's resolution: buckets growing by
// 2^(2^-5), about 2.2 %, the width of the sketch's own bins (1 % relative
// accuracy, so γ ≈ 1.02): finer would only split one sketch bin's count.
const NativeSchema = 5

// zeroThreshold is client_golang's default: only an exact 0 ms (a cached
// answer the gateway logged as 0.000) lands in the zero bucket.
const zeroThreshold = 2.938735877055719e-39

// histogram is a latency histogram with both classic buckets and a native
// (sparse) histogram, built from a sketch's bins. Text and OpenMetrics
// expositions carry the classic buckets; a scraper that negotiates
// protobuf gets both, as from a client_golang histogram with
// NativeHistogramBucketFactor set.
//
// The bucket counts are derived, not measured: every sample of a sketch
// bin counts in the bucket its bin's value (within 1 % of each sample's
// latency) falls in, so a sample within 1 % of a bucket bound may be
// counted in its neighbour. The sum is the bins' values times their
// counts, within the same 1 %.
type histogram struct {
	desc   *prometheus.Desc
	labels []*dto.LabelPair
	h      *dto.Histogram
}

func (h *histogram) Desc() *prometheus.Desc { return h.desc }

func (h *histogram) Write(m *dto.Metric) error {
	m.Label = h.labels
	m.Histogram = h.h
	return nil
}

func newHistogram(desc *prometheus.Desc, labelValues []string, bins []model.LatencyBin, started time.Time) prometheus.Metric {
	var count uint64
	var sum float64
	cum := make([]uint64, len(Buckets))
	var zero uint64
	// Native buckets by index, in the bins' order (lowest first), so
	// equal indices are adjacent.
	var idx []int32
	var cnt []int64
	for _, b := range bins {
		if b.Count == 0 {
			continue
		}
		sec := b.MS / 1000
		count += b.Count
		sum += sec * float64(b.Count)
		for i := len(Buckets) - 1; i >= 0 && sec <= Buckets[i]; i-- {
			cum[i] += b.Count
		}
		if sec <= zeroThreshold {
			zero += b.Count
			continue
		}
		k := nativeIndex(sec)
		if n := len(idx); n > 0 && idx[n-1] == k {
			cnt[n-1] += int64(b.Count)
			continue
		}
		idx = append(idx, k)
		cnt = append(cnt, int64(b.Count))
	}
	h := &dto.Histogram{
		SampleCount:   &count,
		SampleSum:     &sum,
		Schema:        ptr(int32(NativeSchema)),
		ZeroThreshold: ptr(zeroThreshold),
		ZeroCount:     &zero,
		Bucket:        make([]*dto.Bucket, len(Buckets)),
	}
	if !started.IsZero() {
		h.CreatedTimestamp = timestamppb.New(started)
	}
	for i, le := range Buckets {
		h.Bucket[i] = &dto.Bucket{UpperBound: ptr(le), CumulativeCount: ptr(cum[i])}
	}
	h.PositiveSpan, h.PositiveDelta = spans(idx, cnt)
	if len(h.PositiveSpan) == 0 {
		// An empty native histogram is told from a classic one by a
		// no-op span, as client_golang does.
		h.PositiveSpan = []*dto.BucketSpan{{Offset: ptr(int32(0)), Length: ptr(uint32(0))}}
	}
	return &histogram{desc: desc, labels: prometheus.MakeLabelPairs(desc, labelValues), h: h}
}

// nativeIndex is the native bucket holding v > 0: bucket i covers
// (base^(i-1), base^i] with base = 2^(2^-schema).
func nativeIndex(v float64) int32 {
	frac, exp := math.Frexp(v) // v = frac × 2^exp, frac in [0.5, 1)
	// log2(v) = exp + log2(frac); bucket = ceil(log2(v) × 2^schema).
	return int32(math.Ceil((float64(exp) + math.Log2(frac)) * (1 << NativeSchema)))
}

// spans encodes sorted bucket indices and counts as Prometheus' spans
// (offset from the previous span's end, length) and deltas (each count
// minus the previous one).
func spans(idx []int32, cnt []int64) ([]*dto.BucketSpan, []int64) {
	if len(idx) == 0 {
		return nil, nil
	}
	var out []*dto.BucketSpan
	deltas := make([]int64, len(cnt))
	var prev int64
	next := int32(0) // the index after the previous span
	for i, k := range idx {
		deltas[i] = cnt[i] - prev
		prev = cnt[i]
		if i > 0 && k == next {
			*out[len(out)-1].Length++
			next++
			continue
		}
		off := k
		if i > 0 {
			off = k - next
		}
		out = append(out, &dto.BucketSpan{Offset: ptr(off), Length: ptr(uint32(1))})
		next = k + 1
	}
	return out, deltas
}

func ptr[T any](v T) *T { return &v }
