package ui

import (
	"testing"
)

// BenchmarkOverview1000 is the cost of one frame of the overview with 1000
// upstreams at 200×50: ns/op is ns per frame.
func BenchmarkOverview1000(b *testing.B) {
	m := newTestModel(200, 50, "dark", bigSnapshot(1000))
	m = press(m, "pgdown") // not the first page, so offsets are exercised
	b.ReportAllocs()
	for b.Loop() {
		_ = m.View()
	}
}

// BenchmarkSnapshot1000 is the cost of taking in a new snapshot of 1000
// upstreams (filter and sort), which happens once per tick, not per frame.
func BenchmarkSnapshot1000(b *testing.B) {
	m := newTestModel(200, 50, "dark", bigSnapshot(1000))
	a, c := bigSnapshot(1000), bigSnapshot(1000)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		s := a
		if i%2 == 1 {
			s = c
		}
		i++
		m = update(m, SnapshotMsg{Snapshot: s})
	}
}
