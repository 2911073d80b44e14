package render

import (
	"strings"

	"github.com/charmbracelet/x/ansi"
)

// Fit makes s exactly width cells wide: truncated with "…" when too long,
// padded with spaces on the right when short. It measures display cells, so
// wide runes and styled strings are handled.
func Fit(s string, width int) string {
	if width <= 0 {
		return ""
	}
	w := Width(s)
	if w > width {
		s = ansi.Truncate(s, width, "…")
		w = ansi.StringWidth(s)
	}
	if w < width {
		s += strings.Repeat(" ", width-w)
	}
	return s
}

// FitRight is Fit with the text aligned to the right, for numbers.
func FitRight(s string, width int) string {
	if width <= 0 {
		return ""
	}
	w := Width(s)
	if w > width {
		return ansi.Truncate(s, width, "…")
	}
	return strings.Repeat(" ", width-w) + s
}

// Width is the display width of s in cells, escape sequences excluded.
// Printable ASCII — most names, addresses and figures — is one cell per
// byte, which skips grapheme segmentation on the hot path.
func Width(s string) int {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e {
			return ansi.StringWidth(s)
		}
	}
	return len(s)
}
