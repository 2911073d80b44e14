package render

import (
	"strings"

	"github.com/charmbracelet/x/ansi"
)

// Fit makes s exactly width cells wide: truncated with g's ellipsis when
// too long, padded with spaces on the right when short. It measures display
// cells, so wide runes and styled strings are handled.
func (g *Glyphs) Fit(s string, width int) string {
	if width <= 0 {
		return ""
	}
	s = g.Fold(s)
	w := Width(s)
	if w > width {
		s = ansi.Truncate(s, width, g.ellipsis(width))
		w = ansi.StringWidth(s)
	}
	if w < width {
		s += strings.Repeat(" ", width-w)
	}
	return s
}

// FitRight is Fit with the text aligned to the right, for numbers.
func (g *Glyphs) FitRight(s string, width int) string {
	if width <= 0 {
		return ""
	}
	s = g.Fold(s)
	w := Width(s)
	if w > width {
		return ansi.Truncate(s, width, g.ellipsis(width))
	}
	return strings.Repeat(" ", width-w) + s
}

// Truncate cuts s to at most width cells, marking the cut with g's
// ellipsis; shorter text is returned unpadded.
func (g *Glyphs) Truncate(s string, width int) string {
	s = g.Fold(s)
	if Width(s) <= width {
		return s
	}
	return ansi.Truncate(s, max(width, 0), g.ellipsis(width))
}

// ellipsis is the cut mark for a field of width cells: a mark as wide as
// the field would leave no text, so very narrow fields get a shorter one.
func (g *Glyphs) ellipsis(width int) string {
	if n := len(g.Ellipsis); width <= n && isASCII(g.Ellipsis) {
		return g.Ellipsis[:max(width-1, 0)]
	}
	return g.Ellipsis
}

// Width is the display width of s in cells, escape sequences excluded.
// Printable ASCII — most names, addresses and figures — is one cell per
// byte, which skips grapheme segmentation on the hot path.
func Width(s string) int {
	if isASCII(s) {
		return len(s)
	}
	return ansi.StringWidth(s)
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e {
			return false
		}
	}
	return true
}
