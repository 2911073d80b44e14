package ui

import (
	"strings"

	"github.com/gwtop/gwtop/ui/render"
)

// footerView is the last line: the breadcrumbs of the stack and the top
// pane's short help on the left, its status and the theme on the right.
// While the top pane reads text (the filter), its input line takes the
// left side.
func (m Model) footerView(w int) string {
	s := m.common.Styles
	top := m.top()
	right := s.Name
	if st := top.Status(); st != "" {
		right = st + " · " + s.Name
	}
	if in, ok := top.(inputPane); ok {
		if line, active := in.Input(); active {
			return spread(m.common.Glyphs, line, s.Footer.Render(right), w)
		}
	}
	crumbs := s.Crumb.Render(m.crumbs())
	room := w - render.Width(crumbs) - render.Width(right) - 4
	fh := m.footerHelp
	fh.SetWidth(max(room, 0))
	left := crumbs
	if room > 10 {
		left += "  " + fh.ShortHelpView(top.ShortHelp())
	}
	return spread(m.common.Glyphs, left, s.Footer.Render(right), w)
}

// crumbs is the k9s-style path of the stack: "overview › api".
func (m Model) crumbs() string {
	titles := make([]string, len(m.stack))
	for i, e := range m.stack {
		titles[i] = e.pane.Title()
	}
	return strings.Join(titles, " › ")
}
