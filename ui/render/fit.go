package render

import (
	"strings"
	"sync"
	"unicode/utf8"

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
// Printable ASCII (most names, addresses and figures), the SGR and OSC
// sequences styles and links add, and the narrow symbols gwtop draws (box
// drawing, blocks, shapes, arrows, punctuation: narrowRunes) are counted
// in one pass, which skips grapheme segmentation on the hot path: a styled
// screen line is all of these. Anything else (wide or combining runes,
// emoji, other controls, a malformed sequence) goes to ansi.StringWidth.
func Width(s string) int {
	if n, ok := fastWidth(s); ok {
		return n
	}
	return ansi.StringWidth(s)
}

// fastWidth is Width for the strings it knows; ok is false for the rest.
func fastWidth(s string) (n int, ok bool) {
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c >= 0x20 && c <= 0x7e:
			n++
			i++
		case c == 0x1b && i+1 < len(s) && s[i+1] == '[':
			// CSI: parameter bytes, intermediate bytes, a final byte.
			j := i + 2
			for j < len(s) && s[j] >= 0x30 && s[j] <= 0x3f {
				j++
			}
			for j < len(s) && s[j] >= 0x20 && s[j] <= 0x2f {
				j++
			}
			if j >= len(s) || s[j] < 0x40 || s[j] > 0x7e {
				return 0, false
			}
			i = j + 1
		case c == 0x1b && i+1 < len(s) && s[i+1] == ']':
			// OSC (a hyperlink): printable ASCII up to BEL or ST.
			j := i + 2
			for j < len(s) && s[j] >= 0x20 && s[j] <= 0x7e {
				j++
			}
			switch {
			case j < len(s) && s[j] == 0x07:
				i = j + 1
			case j+1 < len(s) && s[j] == 0x1b && s[j+1] == '\\':
				i = j + 2
			default:
				return 0, false
			}
		case c >= 0x80:
			r, size := utf8.DecodeRuneInString(s[i:])
			if !isNarrow(r) {
				return 0, false
			}
			n++
			i += size
		default:
			return 0, false
		}
	}
	return n, true
}

// narrowBlocks are the Unicode blocks of symbols a screen line carries.
// None holds a rune that joins its neighbour into one grapheme (no
// combining or spacing mark, joiner, variation selector or invisible
// format character is among them), so each rune is a cell of its own.
var narrowBlocks = [][2]rune{
	{0x00a1, 0x00ff}, // Latin-1 symbols and letters: · ° ± µ é
	{0x2010, 0x2027}, // dashes, quotes, bullets, …
	{0x2030, 0x205e}, // ‰ ′ ‹ ›
	{0x2190, 0x23ff}, // arrows, mathematical operators, technical
	{0x2500, 0x27bf}, // box drawing, blocks, shapes, symbols, dingbats
	{0x2800, 0x28ff}, // braille
}

// narrowRunes marks, one bit each, the runes of narrowBlocks that
// ansi.StringWidth counts as one cell (the emoji among them, two cells,
// are left out). Built at the first non-ASCII rune measured, so a command
// that draws no screen does not pay for it.
var narrowRunes = sync.OnceValue(func() *[0x2900 / 64]uint64 {
	bits := new([0x2900 / 64]uint64)
	for _, b := range narrowBlocks {
		for r := b[0]; r <= b[1]; r++ {
			if r != 0x00ad && ansi.StringWidth(string(r)) == 1 { // U+00AD, the soft hyphen, is a format character
				bits[r/64] |= 1 << (r % 64)
			}
		}
	}
	return bits
})

func isNarrow(r rune) bool {
	if r < 0 || r >= 0x2900 {
		return false
	}
	bits := narrowRunes()
	return bits[r/64]&(1<<(r%64)) != 0
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e {
			return false
		}
	}
	return true
}
