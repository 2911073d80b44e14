package ui

import (
	"strings"

	"charm.land/bubbles/v2/help"

	"github.com/gwtop/gwtop/ui/render"
)

// helpPane lists every key, generated from the key map by bubbles/help, and
// a legend of the symbols the other panes use.
type helpPane struct {
	c      *Common
	width  int
	height int
	h      help.Model
}

func newHelp(c *Common) helpPane {
	p := helpPane{c: c, h: help.New()}
	p.applyStyles()
	return p
}

func (p *helpPane) applyStyles() {
	s := p.c.Styles
	p.h.Styles = help.Styles{
		Ellipsis: s.HelpSep, ShortKey: s.HelpKey, ShortDesc: s.HelpDesc, ShortSeparator: s.HelpSep,
		FullKey: s.HelpKey, FullDesc: s.HelpDesc, FullSeparator: s.HelpSep,
	}
}

// SetSize gives the pane its share of the window.
func (p *helpPane) SetSize(w, h int) {
	p.width, p.height = w, h
	p.h.SetWidth(w)
}

// View draws the keys and the legend.
func (p *helpPane) View() string {
	if p.width <= 0 || p.height <= 0 {
		return ""
	}
	s := p.c.Styles
	var lines []string
	lines = append(lines, s.Section.Render("KEYS")+s.Muted.Render("  ? or esc closes"), "")
	lines = append(lines, strings.Split(p.h.FullHelpView(p.c.Keys.FullHelp()), "\n")...)
	lines = append(lines, "", s.Section.Render("LEGEND"), "")
	legend := []string{
		s.StateUp.Render("● up") + "   " + s.StateDegraded.Render("▲ degraded") + "   " +
			s.StateDown.Render("✖ down") + "   " + s.StateUnknown.Render("? unknown"),
		"/ filter  matches name, address, group or cause code, live as you type",
		"PROBE  c connect · t tls · f first byte, in ms; ✖ and the cause when the probe failed",
		"P95 TREND  p95 latency over the last 5 minutes, one bar per 10 s",
		"5XX%  last 5 minutes; figures in the header are gateway-wide, last minute",
		"mouse  wheel scrolls, click selects a row",
	}
	lines = append(lines, legend...)
	for i, l := range lines {
		lines[i] = render.Fit(l, p.width)
	}
	for len(lines) < p.height {
		lines = append(lines, "")
	}
	return strings.Join(lines[:p.height], "\n")
}
