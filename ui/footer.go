package ui

import (
	"strconv"
	"strings"

	"charm.land/bubbles/v2/key"
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
	left := crumbs
	if room > 10 {
		left += "  " + m.shortHelp(top.ShortHelp(), room)
	}
	return spread(m.common.Glyphs, left, s.Footer.Render(right), w)
}

// helpMemo keeps the footer's short help as last drawn: it is the same at
// nearly every frame, and drawing it is a tenth of an idle frame's cost.
type helpMemo struct {
	key  string
	view string
}

// shortHelp is the footer's help for bindings in room cells.
func (m Model) shortHelp(bindings []key.Binding, room int) string {
	var k strings.Builder
	k.WriteString(strconv.Itoa(room))
	for _, b := range bindings {
		h := b.Help()
		k.WriteString("\x00" + strings.Join(b.Keys(), "\x01") + "\x01" + h.Key + "\x01" + h.Desc + "\x01" + strconv.FormatBool(b.Enabled()))
	}
	if memo := m.help; memo != nil && memo.key == k.String() {
		return memo.view
	}
	fh := m.footerHelp
	fh.SetWidth(room)
	view := fh.ShortHelpView(bindings)
	if m.help != nil {
		m.help.key, m.help.view = k.String(), view
	}
	return view
}

// crumbs is the k9s-style path of the stack: "overview › api".
func (m Model) crumbs() string {
	titles := make([]string, len(m.stack))
	for i, e := range m.stack {
		titles[i] = e.pane.Title()
	}
	return strings.Join(titles, " › ")
}
