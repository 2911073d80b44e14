package ui

import (
	"fmt"

	"github.com/gwtop/gwtop/ui/render"
)

// footerView is the last line: the filter input while typing, otherwise
// breadcrumbs, the active filter, short help, and sort/theme/position on the
// right.
func (m Model) footerView(w int) string {
	s := m.common.Styles
	pos := ""
	if cur, shown, total := m.overview.Position(); total > 0 {
		pos = fmt.Sprintf("%d/%d", cur, shown)
		if shown != total {
			pos += fmt.Sprintf(" of %d", total)
		}
	}
	if m.focus.top() == FocusFilter {
		right := s.Footer.Render("enter keeps · esc clears  " + pos)
		return spread(m.overview.filter.View(), right, w)
	}
	var right string
	switch m.focus.pane() {
	case FocusOverview:
		right = "sort " + m.overview.sort.String() + " · " + s.Name + " · " + pos
	case FocusDetail:
		right = fmt.Sprintf("%3.0f%% · %s", m.detail.ScrollPercent()*100, s.Name)
	default:
		right = s.Name
	}
	crumbs := s.Crumb.Render(m.crumbs())
	if f := m.overview.FilterValue(); f != "" {
		crumbs += " " + s.FilterPrompt.Render("/"+Sanitize(f))
	}
	room := w - render.Width(crumbs) - render.Width(right) - 4
	fh := m.footerHelp
	fh.SetWidth(max(room, 0))
	left := crumbs
	if room > 10 {
		left += "  " + fh.ShortHelpView(m.common.Keys.ShortHelpFor(m.focus.pane()))
	}
	return spread(left, s.Footer.Render(right), w)
}

// crumbs is the k9s-style path of the focus stack: "overview › api".
func (m Model) crumbs() string {
	out := "overview"
	for _, f := range m.focus[1:] {
		switch f {
		case FocusDetail:
			name := "?"
			if u := m.detail.upstream(); u != nil {
				name = Sanitize(u.Name)
			}
			out += " › " + name
		case FocusEvents, FocusHelp:
			out += " › " + f.String()
		}
	}
	return out
}
