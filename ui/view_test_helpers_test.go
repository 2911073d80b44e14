package ui

import (
	"bytes"
	"fmt"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"

	"github.com/gwtop/gwtop/model"
)

// fixedSource always returns the same snapshot.
type fixedSource struct{ s *model.Snapshot }

func (f fixedSource) Latest() *model.Snapshot { return f.s }

// newTestModel is a model of the given size and theme showing snap, with a
// clock fixed at the fixture time.
func newTestModel(w, h int, theme string, snap *model.Snapshot) Model {
	return newTestModelOpts(w, h, Options{Theme: theme}, snap)
}

// newTestModelOpts is newTestModel with more options (ASCII glyphs).
func newTestModelOpts(w, h int, opt Options, snap *model.Snapshot) Model {
	opt.Title = "nginx 127.0.0.1:8080"
	m := New(fixedSource{snap}, opt)
	m.now = func() time.Time { return fixedNow }
	m = update(m, tea.WindowSizeMsg{Width: w, Height: h})
	if snap != nil {
		m = update(m, SnapshotMsg{Snapshot: snap})
	}
	return m
}

func update(m Model, msg tea.Msg) Model {
	out, _ := m.Update(msg)
	return out.(Model)
}

func press(m Model, keys ...string) Model {
	for _, k := range keys {
		m = update(m, keyMsg(k))
	}
	return m
}

// keyMsg builds the key press Bubble Tea would deliver for a key name.
func keyMsg(k string) tea.KeyPressMsg {
	switch k {
	case "enter":
		return tea.KeyPressMsg{Code: tea.KeyEnter}
	case "esc":
		return tea.KeyPressMsg{Code: tea.KeyEscape}
	case "up":
		return tea.KeyPressMsg{Code: tea.KeyUp}
	case "down":
		return tea.KeyPressMsg{Code: tea.KeyDown}
	case "pgup":
		return tea.KeyPressMsg{Code: tea.KeyPgUp}
	case "pgdown":
		return tea.KeyPressMsg{Code: tea.KeyPgDown}
	case "home":
		return tea.KeyPressMsg{Code: tea.KeyHome}
	case "end":
		return tea.KeyPressMsg{Code: tea.KeyEnd}
	case "backspace":
		return tea.KeyPressMsg{Code: tea.KeyBackspace}
	case "ctrl+c":
		return tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl}
	case "G":
		return tea.KeyPressMsg{Code: 'g', ShiftedCode: 'G', Mod: tea.ModShift, Text: "G"}
	}
	r := []rune(k)[0]
	return tea.KeyPressMsg{Code: r, Text: k}
}

func typeText(m Model, s string) Model {
	for _, r := range s {
		m = update(m, tea.KeyPressMsg{Code: r, Text: string(r)})
	}
	return m
}

// plain is the screen as an operator reads it, with no colour or style: the
// content goes through a colour-profile writer set to no colour, so goldens
// do not depend on the terminal running the tests.
func plain(m Model) string {
	var b bytes.Buffer
	w := &colorprofile.Writer{Forward: &b, Profile: colorprofile.NoTTY}
	_, _ = w.WriteString(m.View().Content)
	return b.String()
}

// styled is the screen downsampled to 256 colours, escapes included.
func styled(m Model) string {
	var b bytes.Buffer
	w := &colorprofile.Writer{Forward: &b, Profile: colorprofile.ANSI256}
	_, _ = w.WriteString(m.View().Content)
	return b.String()
}

// ov is the overview, always at the bottom of the stack.
func ov(m Model) *overviewPane { return m.stack[0].pane.(*overviewPane) }

// det is the detail pane on top of the stack; it panics when there is none,
// which fails the test that assumed one.
func det(m Model) *detailPane { return m.top().(*detailPane) }

// topName says which pane is on top, and "filter" while the overview's
// filter input has the keys.
func topName(m Model) string {
	switch p := m.top().(type) {
	case *overviewPane:
		if _, typing := p.Input(); typing {
			return "filter"
		}
		return "overview"
	case *detailPane:
		return "detail"
	case *eventsPane:
		return "events"
	case *helpPane:
		return "help"
	case *hostPane:
		return "host"
	}
	return fmt.Sprintf("%T", m.top())
}
