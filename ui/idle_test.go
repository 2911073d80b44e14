package ui

import (
	"testing"

	tea "charm.land/bubbletea/v2"
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
