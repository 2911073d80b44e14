package ui

import (
	"strings"

	"charm.land/lipgloss/v2"
)

// inline is a colour/attribute-only style reduced to the escape sequences
// around its text. Table cells are drawn with it instead of Style.Render,
// which measures and lays out its input on every call — the dominant cost of
// a 1000-row overview frame. Only use it for styles without width, padding,
// margins or borders.
type inline struct{ open, close string }

func newInline(s lipgloss.Style) inline {
	const probe = "X"
	out := s.Render(probe)
	i := strings.Index(out, probe)
	if i < 0 {
		return inline{}
	}
	return inline{open: out[:i], close: out[i+len(probe):]}
}

// Render wraps text in the style's sequences; text must not contain newlines.
func (p inline) Render(text string) string {
	if p.open == "" && p.close == "" {
		return text
	}
	return p.open + text + p.close
}
