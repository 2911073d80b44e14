package ui

import (
	"strings"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/gwtop/gwtop/model"
)

// helpPane lists every key, generated from the key map by bubbles/help, and
// a legend of the symbols the other panes use.
type helpPane struct {
	c      *Common
	width  int
	height int
	h      help.Model
}

func newHelp(c *Common) Pane {
	p := &helpPane{c: c, h: help.New()}
	p.ApplyStyles()
	return p
}

// ApplyStyles styles the key list in the new theme.
func (p *helpPane) ApplyStyles() {
	s := p.c.Styles
	p.h.Styles = help.Styles{
		Ellipsis: s.HelpSep, ShortKey: s.HelpKey, ShortDesc: s.HelpDesc, ShortSeparator: s.HelpSep,
		FullKey: s.HelpKey, FullDesc: s.HelpDesc, FullSeparator: s.HelpSep,
	}
	foldHelp(&p.h, p.c.Glyphs)
}

// SetSize gives the pane its share of the window.
func (p *helpPane) SetSize(w, h int) {
	p.width, p.height = w, h
	p.h.SetWidth(w)
}

// SetSnapshot is a no-op: help does not depend on the data.
func (p *helpPane) SetSnapshot(*model.Snapshot) {}

// Update does nothing: help has no keys of its own beyond the global ones.
func (p *helpPane) Update(tea.Msg) (Pane, tea.Cmd) { return p, nil }

// Title is the breadcrumb.
func (p *helpPane) Title() string { return "help" }

// Status is empty: the theme alone.
func (p *helpPane) Status() string { return "" }

// ShortHelp: what closes help, and the theme key to try themes while
// reading.
func (p *helpPane) ShortHelp() []key.Binding {
	k := p.c.Keys
	return []key.Binding{k.Back, k.Theme, k.Quit}
}

// FullHelp is every key, from the key map.
func (p *helpPane) FullHelp() [][]key.Binding { return p.c.Keys.FullHelp() }

// View draws the keys and the legend.
func (p *helpPane) View() string {
	if p.width <= 0 || p.height <= 0 {
		return ""
	}
	s := p.c.Styles
	var lines []string
	lines = append(lines, s.Section.Render("KEYS")+s.Muted.Render("  ? or esc closes"), "")
	lines = append(lines, strings.Split(p.h.FullHelpView(p.FullHelp()), "\n")...)
	lines = append(lines, "", s.Section.Render("LEGEND"), "")
	legend := []string{
		s.StateUp.Render("● up") + "   " + s.StateDegraded.Render("▲ degraded") + "   " +
			s.StateDown.Render("✖ down") + "   " + s.StateUnknown.Render("? unknown"),
		"PROBE  the last probe's total time, or ✖ and why it failed; enter shows its phases",
		"P95 TREND  p95 latency over the last 5 minutes, one bar per 10 s",
		"5XX/5m  an upstream's 5xx share over 5 minutes; the header's 5xx/1m is gateway-wide, last minute",
		"HOST  h: CPU per core, memory, load, TCP, gateway processes; FD% ! from 80%",
		"mouse  wheel scrolls, click selects a row",
	}
	lines = append(lines, legend[0])
	lines = append(lines, filterSyntax...)
	lines = append(lines, legend[1:]...)
	for i, l := range lines {
		lines[i] = p.c.Glyphs.Fit(l, p.width)
	}
	for len(lines) < p.height {
		lines = append(lines, "")
	}
	return strings.Join(lines[:p.height], "\n")
}
