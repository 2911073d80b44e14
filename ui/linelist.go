package ui

import (
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// scrollLines is a list pane's offset after a key or a wheel step: up and
// down by a line, page by what is visible, home and end, the wheel by 3.
// The caller clamps it to its lines.
func scrollLines(c *Common, msg tea.Msg, offset, n, visible int) int {
	k := c.Keys
	switch msg := msg.(type) {
	case tea.KeyPressMsg:
		switch {
		case key.Matches(msg, k.Up):
			offset--
		case key.Matches(msg, k.Down):
			offset++
		case key.Matches(msg, k.PageUp):
			offset -= visible
		case key.Matches(msg, k.PageDown):
			offset += visible
		case key.Matches(msg, k.Top):
			offset = 0
		case key.Matches(msg, k.Bottom):
			offset = n
		}
	case tea.MouseWheelMsg:
		switch msg.Button {
		case tea.MouseWheelUp:
			offset -= 3
		case tea.MouseWheelDown:
			offset += 3
		}
	}
	return offset
}

// linesView draws a list pane: its title line, a muted note when it has
// no lines, then the lines from offset, padded to w×h.
func linesView(c *Common, title, empty string, lines []string, offset, w, h int) string {
	if w <= 0 || h <= 0 {
		return ""
	}
	s, g := c.Styles, c.Glyphs
	out := make([]string, 0, h)
	out = append(out, s.Section.Render(g.Fit(title, w)))
	if len(lines) == 0 {
		out = append(out, s.Muted.Render(g.Fit(empty, w)))
	}
	visible := max(h-1, 1)
	end := min(len(lines), offset+visible)
	out = append(out, lines[offset:end]...)
	for len(out) < h {
		out = append(out, "")
	}
	return strings.Join(out[:h], "\n")
}
