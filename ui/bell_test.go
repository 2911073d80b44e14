package ui

import (
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/gwtop/gwtop/model"
)

// withBell is the fixture snapshot at t with the alerts' bell row at sent.
func withBell(t time.Time, sent float64, note string) *model.Snapshot {
	s := *fixtureSnapshot()
	s.Time = t
	s.Gateways = append(append([]model.Gateway(nil), s.Gateways...),
		model.Gateway{Kind: "gwtop", Source: "alerts", Target: "bell", OK: true, Note: note, Counters: map[string]float64{"sent": sent}})
	return &s
}

// rings runs a command (and a batch's) and reports whether it writes the
// terminal bell.
func rings(cmd tea.Cmd) bool {
	if cmd == nil {
		return false
	}
	switch msg := cmd().(type) {
	case tea.RawMsg:
		return msg.Msg == "\a"
	case tea.BatchMsg:
		for _, c := range msg {
			if rings(c) {
				return true
			}
		}
	}
	return false
}

// TestAlertBell: a new alert on the bell row rings the terminal once and
// flashes its text in the footer for two seconds; the first snapshot's
// count, and a count that did not grow, do not ring.
func TestAlertBell(t *testing.T) {
	m := newTestModel(120, 40, "dark", withBell(fixedNow, 3, "older alert"))
	step := func(s *model.Snapshot) (Model, bool) {
		out, cmd := m.Update(SnapshotMsg{Snapshot: s})
		return out.(Model), rings(cmd)
	}
	var rang bool
	if m, rang = step(withBell(fixedNow.Add(time.Second), 3, "older alert")); rang || strings.Contains(m.render(), "ALERT") {
		t.Fatal("rang without a new alert")
	}
	if m, rang = step(withBell(fixedNow.Add(2*time.Second), 4, "[gwtop@web1] api is DOWN: refused")); !rang {
		t.Fatal("a new alert did not ring")
	}
	if !strings.Contains(m.render(), "ALERT [gwtop@web1] api is DOWN: refused") {
		t.Errorf("no flash in the footer:\n%s", m.render())
	}
	if m, rang = step(withBell(fixedNow.Add(5*time.Second), 4, "[gwtop@web1] api is DOWN: refused")); rang || strings.Contains(m.render(), "ALERT") {
		t.Errorf("rang again, or the flash outlived its two seconds (rang %v)", rang)
	}
}
