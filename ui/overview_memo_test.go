package ui

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/gwtop/gwtop/model"
)

// TestOverviewRowMemo: the overview draws its rows from the ones it kept;
// after each of 300 random steps (a new snapshot with changed figures, the
// same one under the next second, cursor and page keys, a sort, a filter,
// a resize, a theme change), its frame is the one drawn with nothing kept.
func TestOverviewRowMemo(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	snap := bigSnapshot(60)
	m := newTestModel(160, 40, "dark", snap)
	keys := []string{"j", "k", "down", "pgdown", "pgup", "home", "end", "s", "t"}
	for step := range 300 {
		what := ""
		switch k := r.IntN(10); {
		case k < 3: // new figures: a new snapshot, its rows new
			next := *snap
			next.Time = snap.Time.Add(time.Second)
			next.Upstreams = slices.Clone(snap.Upstreams)
			for n := r.IntN(5); n >= 0; n-- {
				u := &next.Upstreams[r.IntN(len(next.Upstreams))]
				u.ReqPerSec = float64(r.IntN(5000)) / 10
				if r.IntN(4) == 0 { // a longer name: the columns are planned again
					u.Name = fmt.Sprintf("%s-%0*d", u.Name, r.IntN(12), 7)
				}
				u.Rate5xx = float64(r.IntN(100)) / 100
			}
			snap = &next
			m = update(m, SnapshotMsg{Snapshot: snap})
			what = "new figures"
		case k < 5: // the same rows under the next second
			next := *snap
			next.Time = snap.Time.Add(time.Second)
			snap = &next
			m = update(m, SnapshotMsg{Snapshot: snap})
			what = "the next second"
		case k < 9:
			key := keys[r.IntN(len(keys))]
			m = press(m, key)
			what = "key " + key
		default:
			w, h := 80+r.IntN(120), 24+r.IntN(30)
			m = update(m, tea.WindowSizeMsg{Width: w, Height: h})
			what = fmt.Sprintf("resize %dx%d", w, h)
		}
		o := ov(m)
		got := o.View()
		o.drawnRows = rowMemo{}
		if want := o.View(); got != want {
			t.Fatalf("step %d (%s): the kept rows drew\n%s\nnot\n%s", step, what, got, want)
		}
	}
}

// TestRowMemoLetsOldSnapshotsGo: once a frame is drawn, the rows the
// overview kept are the ones it drew, all of the snapshot on screen; none
// keeps the snapshot before alive (1,000 rows of it at 1,000 upstreams).
func TestRowMemoLetsOldSnapshotsGo(t *testing.T) {
	first := bigSnapshot(60)
	m := newTestModel(160, 40, "dark", first)
	_ = ov(m).View()
	next := *first
	next.Time = first.Time.Add(time.Second)
	next.Upstreams = slices.Clone(first.Upstreams)
	m = update(m, SnapshotMsg{Snapshot: &next})
	o := ov(m)
	_ = o.View()
	in := func(s []model.Upstream, u *model.Upstream) bool {
		for i := range s {
			if &s[i] == u {
				return true
			}
		}
		return false
	}
	if len(o.drawnRows.cur) == 0 {
		t.Fatal("no row kept")
	}
	for k := range o.drawnRows.cur {
		if !in(next.Upstreams, k.u) {
			t.Errorf("a kept row %s is not the new snapshot's", k.u.Name)
		}
	}
	if o.drawnRows.last != nil {
		t.Errorf("%d rows of the frame before are still kept", len(o.drawnRows.last))
	}
}
