package ui

import (
	"charm.land/bubbles/v2/help"
	tea "charm.land/bubbletea/v2"

	"github.com/gwtop/gwtop/model"
)

// Pane is one screen of the body: the overview, an upstream's detail, the
// events timeline, the host, help. The root keeps them on a stack (k9s'
// page stack, soft-serve's components): the top one is drawn and gets the
// keys, the ones below keep their state for when Esc comes back to them.
//
// A pane draws a string of exactly the size it was given; the root owns the
// header, the footer and the tea.View. Panes never do I/O: data reaches
// them through SetSnapshot.
type Pane interface {
	// ShortHelp is the footer's reminder of the keys that work here;
	// FullHelp is what the help pane lists for it.
	help.KeyMap

	// SetSize gives the pane the body's size, header and footer taken out.
	SetSize(w, h int)
	// SetSnapshot shows newer data. The snapshot is shared and immutable.
	SetSnapshot(*model.Snapshot)
	// Update handles a key (or mouse, with Y relative to the body's top)
	// while the pane is on top. It returns the pane to show next: itself,
	// or a new pane for the root to push on top (a drill-down).
	Update(tea.Msg) (Pane, tea.Cmd)
	// View draws the pane.
	View() string
	// Title is the pane's breadcrumb in the footer ("overview", "api").
	Title() string
	// Status is the footer's right-hand text ("sort severity · 1/8").
	Status() string
}

// The hooks below are optional: a pane implements the ones it needs and the
// root checks for them, like io.WriterTo.

// inputPane is a pane that sometimes reads text (the overview's filter).
// While Input reports active, every key except Ctrl+C goes to the pane, and
// the footer shows line instead of the breadcrumbs.
type inputPane interface {
	Input() (line string, active bool)
}

// themedPane re-reads the theme after a change, for panes that cache styled
// output or configure bubbles with styles.
type themedPane interface {
	ApplyStyles()
}

// markerPane is told when the operator's markers change.
type markerPane interface {
	SetMarkers([]Marker)
}

// historyPane is given the gateway's recent history with each snapshot
// it is shown (the overview's timeline).
type historyPane interface {
	SetHistory(gwHistory)
}

// stackEntry is a pane and the registry name it was opened under ("" for a
// drill-down), so a second press of its key can close it.
type stackEntry struct {
	name string
	pane Pane
}

// paneStack is never empty: the overview is always at the bottom.
type paneStack []stackEntry

func (s paneStack) top() stackEntry { return s[len(s)-1] }

// push returns a new stack so that model copies never share a backing array.
func (s paneStack) push(e stackEntry) paneStack {
	out := make(paneStack, len(s), len(s)+1)
	copy(out, s)
	return append(out, e)
}

func (s paneStack) pop() paneStack {
	if len(s) <= 1 {
		return s
	}
	return s[: len(s)-1 : len(s)-1]
}
