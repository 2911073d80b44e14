package ui

import (
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/gwtop/gwtop/model"
)

// TestIdleTickDrawsNothing: a tick that brings the snapshot already shown
// changes nothing, and View hands back the last frame without rendering
// (a sentinel put in the frame cache comes back); a key, a resize or a new
// snapshot renders again.
func TestIdleTickDrawsNothing(t *testing.T) {
	snap := fixtureSnapshot()
	m := newTestModel(120, 40, "dark", snap)
	if m.View().Content == "" {
		t.Fatal("nothing drawn")
	}
	m = update(m, SnapshotMsg{Snapshot: snap, fromTick: true})
	if !m.still {
		t.Fatal("a tick with the same snapshot is not still")
	}
	m.frame.v = tea.NewView("sentinel")
	if got := m.View().Content; got != "sentinel" {
		t.Fatalf("an idle tick rendered again: %.40q", got)
	}
	for name, msg := range map[string]tea.Msg{
		"key":      keyMsg("down"),
		"resize":   tea.WindowSizeMsg{Width: 120, Height: 40},
		"snapshot": SnapshotMsg{Snapshot: fixtureSnapshot(), fromTick: true},
	} {
		m.frame.v = tea.NewView("sentinel")
		n := update(m, msg)
		if n.still {
			t.Errorf("%s: still", name)
		}
		if got := n.View().Content; got == "sentinel" || got == "" {
			t.Errorf("%s: not rendered again: %.40q", name, got)
		}
	}
}

// notifier is a Source that says when it publishes, as the engine does.
type notifier struct {
	mu   sync.Mutex
	snap *model.Snapshot
	ch   chan struct{}
}

func newNotifier(s *model.Snapshot) *notifier { return &notifier{snap: s, ch: make(chan struct{})} }

func (n *notifier) Latest() *model.Snapshot {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.snap
}

func (n *notifier) Published() <-chan struct{} {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.ch
}

func (n *notifier) publish(s *model.Snapshot) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.snap = s
	close(n.ch)
	n.ch = make(chan struct{})
}

// TestNotifierTick: with a source that says when it publishes, the
// screen's next read waits for the next snapshot rather than a timer, and
// brings it; a snapshot published before the wait began is read at once.
func TestNotifierTick(t *testing.T) {
	first := fixtureSnapshot()
	src := newNotifier(first)
	m := New(src, Options{Refresh: time.Millisecond})
	m = update(m, tea.WindowSizeMsg{Width: 120, Height: 40})
	m = update(m, SnapshotMsg{Snapshot: first})

	got := make(chan tea.Msg, 1)
	go func() { got <- m.tick()() }()
	select {
	case msg := <-got:
		t.Fatalf("the read returned before anything was published: %T", msg)
	case <-time.After(50 * time.Millisecond):
	}
	next := fixtureSnapshot()
	src.publish(next)
	msg, ok := (<-got).(SnapshotMsg)
	if !ok || msg.Snapshot != next || !msg.fromTick {
		t.Fatalf("read %+v, want the published snapshot from the tick", msg)
	}

	// Published while the model was still showing first: no wait.
	later := fixtureSnapshot()
	src.publish(later)
	if msg, _ := m.tick()().(SnapshotMsg); msg.Snapshot != later {
		t.Fatal("a snapshot already published was not read at once")
	}
}

// TestClipMemo: clipping with the last frame's memo gives what clipping
// afresh gives, frame after frame, when lines change, when a line that
// fitted is now too long, and when the width changes.
func TestClipMemo(t *testing.T) {
	var memo fitMemo
	frames := []struct {
		s    string
		w, h int
	}{
		{"abc\n\x1b[31mdef\x1b[m\nghijkl", 6, 3},
		{"abc\n\x1b[31mdef\x1b[m\nghijklmnop", 6, 3},
		{"abc\n\x1b[31mdef\x1b[m\nghijklmnop\nextra", 6, 3},
		{"abc\n\x1b[31mdef\x1b[m\nghijklmnop", 4, 2},
		{"abcdef\n\x1b[31mdef\x1b[m", 4, 2},
		{"abcdef\n\x1b[31mdef\x1b[m", 8, 2},
		{"abc\n\x1b[31mdef\x1b[m\nghijkl", 6, 3},
		{"abc\n\x1b[31mdef\x1b[m\nghijkl", 5, 3}, // a line that fitted no longer does
	}
	for i, f := range frames {
		want := clip(f.s, f.w, f.h)
		if got := memo.clip(f.s, f.w, f.h); got != want {
			t.Errorf("frame %d: %q, want %q", i, got, want)
		}
	}
}

// TestTickWaitsAfterANewSnapshot: the read a new snapshot's message arms
// waits for the snapshot after it, not for the one before (which it finds
// gone at once, waking the screen a second time for every snapshot).
func TestTickWaitsAfterANewSnapshot(t *testing.T) {
	first := fixtureSnapshot()
	src := newNotifier(first)
	m := New(src, Options{Refresh: time.Millisecond})
	m = update(m, tea.WindowSizeMsg{Width: 120, Height: 40})
	m = update(m, SnapshotMsg{Snapshot: first, fromTick: true})
	next := fixtureSnapshot()
	src.publish(next)
	_, cmd := m.Update(SnapshotMsg{Snapshot: next, fromTick: true})
	if cmd == nil {
		t.Fatal("no next read armed")
	}
	got := make(chan tea.Msg, 1)
	go func() { got <- cmd() }()
	select {
	case msg := <-got:
		t.Fatalf("the read armed with %p shown returned at once: %+v", next, msg)
	case <-time.After(100 * time.Millisecond):
	}
	last := fixtureSnapshot()
	src.publish(last)
	if msg, ok := (<-got).(SnapshotMsg); !ok || msg.Snapshot != last {
		t.Fatalf("read %+v, want the snapshot published after", msg)
	}
}
