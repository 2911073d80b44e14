//go:build !race

package collector

import (
	"fmt"
	"os"
	"testing"
	"time"
)

// This file is built without the race detector only: `make test` runs it
// in a step of its own (a multi-GB log set is too slow to parse under
// -race). BenchmarkTimeRange is here for the same reason.

// TestTimeRangeMultiGB: a 2.3 GB rotated log set (two gzipped copies of
// 1 GB each, two plain files of 160 MB), ranges of 10 minutes in each part
// and across a gz → plain edge: every answer equals the full scan
// restricted to the range, and a range in the live file reads a few MB of
// it, not the set.
func TestTimeRangeMultiGB(t *testing.T) {
	dir := t.TempDir()
	const step = 10 * time.Millisecond
	t0 := time.Date(2026, 11, 30, 22, 0, 0, 0, time.UTC)
	at := func(line int) time.Time { return t0.Add(time.Duration(line) * step) }
	const gzLines, plainLines = 10_000_000, 1_500_000
	tenMin := int(10 * time.Minute / step)
	ranges := []Range{
		{Since: at(2*gzLines + plainLines + 500_000), Until: at(2*gzLines + plainLines + 500_000 + tenMin)}, // the live file
		{Since: at(2*gzLines + 400_000), Until: at(2*gzLines + 400_000 + tenMin)},                           // access.log.1
		{Since: at(2*gzLines - tenMin/2), Until: at(2*gzLines + tenMin/2)},                                  // .2.gz → .1
		{Since: at(5_000_000), Until: at(5_000_000 + tenMin)},                                               // inside .3.gz
	}
	ls := writeLogSet(t, dir, step, []int{gzLines, gzLines, plainLines, plainLines},
		[]string{"access.log.3.gz", "access.log.2.gz", "access.log.1", "access.log"}, []bool{true, true, false, false}, ranges...)
	t.Logf("log set: %.2f GB of lines", float64(ls.bytes)/1e9)
	if ls.bytes < 2e9 {
		t.Fatalf("the set is %d bytes: not multi-GB", ls.bytes)
	}
	for i, r := range ranges {
		start := time.Now()
		s, p := ls.backlog(t, r)
		if got := gotCounts(s); fmt.Sprint(got) != fmt.Sprint(ls.wants[i]) {
			t.Errorf("range %d: counts\n got %v\nwant %v", i, got, ls.wants[i])
		}
		t.Logf("range %d: read %.1f MB of %.1f MB needed, %d lines, in %v", i, float64(p.Read)/1e6, float64(p.Total)/1e6, p.Lines, time.Since(start).Round(time.Millisecond))
		if i == 0 && p.Read > 20<<20 {
			t.Errorf("a 10-minute range in the live file read %d bytes", p.Read)
		}
	}
	_ = os.RemoveAll(dir)
}

// BenchmarkTimeRange: the same 10-minute range at the end of live files of
// growing size: the time stays the same (the range, not the file).
func BenchmarkTimeRange(b *testing.B) {
	const step = 10 * time.Millisecond
	for _, lines := range []int{1_000_000, 4_000_000, 16_000_000} {
		b.Run(fmt.Sprintf("file=%dMB", lines*105/1_000_000), func(b *testing.B) {
			t0 := time.Date(2026, 11, 30, 22, 0, 0, 0, time.UTC)
			r := Range{Since: t0.Add(time.Duration(lines-70_000) * step), Until: t0.Add(time.Duration(lines-10_000) * step)}
			ls := writeLogSet(b, b.TempDir(), step, []int{lines}, []string{"access.log"}, []bool{false}, r)
			b.ResetTimer()
			for b.Loop() {
				s, _ := ls.backlog(b, r)
				if got := gotCounts(s); fmt.Sprint(got) != fmt.Sprint(ls.wants[0]) {
					b.Fatalf("counts %v, want %v", got, ls.wants[0])
				}
			}
		})
	}
}

// BenchmarkTimeRangeWidth: ranges of growing width in one 4M-line file:
// the time grows with the range.
func BenchmarkTimeRangeWidth(b *testing.B) {
	const step = 10 * time.Millisecond
	const lines = 4_000_000
	t0 := time.Date(2026, 11, 30, 22, 0, 0, 0, time.UTC)
	var ranges []Range
	widths := []int{10, 40, 160, 640}
	for _, w := range widths {
		n := int(time.Duration(w) * time.Minute / step)
		ranges = append(ranges, Range{Since: t0.Add(time.Duration(lines-n-1000) * step), Until: t0.Add(time.Duration(lines-1000) * step)})
	}
	ls := writeLogSet(b, b.TempDir(), step, []int{lines}, []string{"access.log"}, []bool{false}, ranges...)
	for i, w := range widths {
		b.Run(fmt.Sprintf("range=%dmin", w), func(b *testing.B) {
			for b.Loop() {
				s, _ := ls.backlog(b, ranges[i])
				if got := gotCounts(s); fmt.Sprint(got) != fmt.Sprint(ls.wants[i]) {
					b.Fatalf("counts %v, want %v", got, ls.wants[i])
				}
			}
		})
	}
}
