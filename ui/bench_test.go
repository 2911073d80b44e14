package ui

import (
	"testing"
	"time"
)

// BenchmarkOverview1000 is the cost of one frame of the overview with 1000
// upstreams at 200×50: ns/op is ns per frame.
//
// "drawn" draws every row (as after a new snapshot, whose rows are new);
// "kept" draws a frame whose rows were drawn before (a key that only
// changed the header, the snapshot handed back under the next second).
func BenchmarkOverview1000(b *testing.B) {
	m := newTestModel(200, 50, "dark", bigSnapshot(1000))
	m = press(m, "pgdown") // not the first page, so offsets are exercised
	b.Run("drawn", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			ov(m).drawnRows = rowMemo{}
			_ = m.View()
		}
	})
	b.Run("kept", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_ = m.View()
		}
	})
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

// BenchmarkIdleSecond is what an idle screen costs each second at 200×50:
// the snapshot under the next second (its rows, events and gateways the
// previous one's, as the aggregator hands it back) taken in and drawn.
func BenchmarkIdleSecond(b *testing.B) {
	snap := fixtureSnapshot()
	m := newTestModel(200, 50, "dark", snap)
	b.ReportAllocs()
	for b.Loop() {
		next := *snap
		next.Time = snap.Time.Add(time.Second)
		snap = &next
		m = update(m, SnapshotMsg{Snapshot: snap})
		_ = m.View()
	}
}
