package ui

import (
	"slices"
	"strings"
	"sync"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/gwtop/gwtop/model"
)

// watchSource is a Watcher: it records what the UI says is in view.
type watchSource struct {
	s   *model.Snapshot
	mu  sync.Mutex
	got [][]model.RowRef
}

func (w *watchSource) Latest() *model.Snapshot { return w.s }
func (w *watchSource) Watch(rows []model.RowRef) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.got = append(w.got, slices.Clone(rows))
}

func (w *watchSource) last(t *testing.T) []model.RowRef {
	t.Helper()
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.got) == 0 {
		t.Fatal("the UI never told the source what is in view")
	}
	return w.got[len(w.got)-1]
}

// runCmd runs a command as Bubble Tea would, batches included, and drops
// the messages (a Watch command has none).
func runCmd(cmd tea.Cmd) {
	if cmd == nil {
		return
	}
	if b, ok := cmd().(tea.BatchMsg); ok {
		for _, c := range b {
			runCmd(c)
		}
	}
}

// TestWatcherToldWhatIsInView: a Watcher source (the engine) is told, after
// each key that moves the view, exactly the upstreams the screen draws: the
// overview's visible rows, then a drill-down's upstream too.
func TestWatcherToldWhatIsInView(t *testing.T) {
	snap := bigSnapshot(300)
	src := &watchSource{s: snap}
	m := New(src, Options{Title: "nginx", NoColor: true})
	m = update(m, tea.WindowSizeMsg{Width: 160, Height: 30})
	m = update(m, SnapshotMsg{Snapshot: snap})
	step := func(k string) {
		t.Helper()
		out, cmd := m.Update(keyMsg(k))
		m = out.(Model)
		runCmd(cmd)
	}
	inView := func() []string {
		var addrs []string
		for _, r := range src.last(t) {
			addrs = append(addrs, r.Address)
		}
		return addrs
	}
	check := func(when string) []string {
		t.Helper()
		addrs := inView()
		screen := plain(m)
		vis := ov(m).visibleRows()
		if len(addrs) < vis-1 || len(addrs) > vis+1 {
			t.Errorf("%s: %d upstreams said to be in view, the table shows %d rows", when, len(addrs), vis)
		}
		for _, a := range addrs {
			name := ""
			for _, u := range snap.Upstreams {
				if u.Address == a {
					name = u.Name
				}
			}
			if name == "" || !strings.Contains(screen, name) {
				t.Errorf("%s: %s (%q) said to be in view but not drawn", when, a, name)
			}
		}
		return addrs
	}
	step("down")
	first := check("at the top")
	step("pgdown")
	step("pgdown")
	scrolled := check("two pages down")
	if slices.Equal(first, scrolled) {
		t.Errorf("scrolling did not change what the source was told: %v", scrolled)
	}
	// Nothing moved: the source is not told again.
	if m.watchCmd() != nil {
		t.Error("a watch command for a view the source already knows")
	}
	step("enter")
	drilled := inView()
	d := m.top().(*detailPane)
	sel := d.upstream()
	if sel == nil || !slices.Contains(drilled, sel.Address) {
		t.Errorf("the drill-down's upstream %v is not among those in view %v", sel, drilled)
	}
	// The drill-down names its upstream itself, whatever is below it.
	var own []string
	d.InView(func(u *model.Upstream) { own = append(own, u.Address) })
	if sel == nil || !slices.Equal(own, []string{sel.Address}) {
		t.Errorf("the drill-down says %v is in view, want its upstream %v", own, sel)
	}
	// A source that is not a Watcher is not asked.
	plainModel := New(fixedSource{snap}, Options{})
	if cmd := plainModel.watchCmd(); cmd != nil {
		t.Error("a watch command for a source that cannot watch")
	}
}
