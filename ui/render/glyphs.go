package render

import "strings"

// Glyphs is the character set the UI draws with. The drawing code is
// written once, in Unicode (state symbols, bars, sparklines, separators);
// a glyph set says how that comes out on the terminal. Unicode draws it as
// written. ASCII folds every drawing character to printable ASCII, for a
// terminal whose locale is not UTF-8 (LANG=C), where the Unicode glyphs
// would be mojibake.
//
// Folding happens where text is measured (Fit, FitRight, Truncate), so a
// glyph that becomes several characters ("…" → "...", "→" → "->") still
// leaves columns aligned; the root folds the finished frame once more for
// the few lines that are never fitted. Text that is already ASCII is
// returned as is, so the Unicode path and ASCII names cost nothing extra.
type Glyphs struct {
	Name     string // "unicode" or "ascii"
	Ellipsis string // marks text cut to fit
	fold     *strings.Replacer
}

// Unicode draws the glyphs as written.
var Unicode = &Glyphs{Name: "unicode", Ellipsis: "…"}

// ASCII draws every glyph the UI uses with printable ASCII.
var ASCII = &Glyphs{Name: "ascii", Ellipsis: "...", fold: strings.NewReplacer(asciiTable...)}

// asciiTable is every non-ASCII character the UI draws, with what stands
// for it in ASCII. A glyph not listed here shows up in the ASCII panes
// test, which fails on any byte ≥ 0x80.
var asciiTable = []string{
	// State symbols: each keeps its own shape.
	"●", "o", "▲", "!", "✖", "X", "✓", "+",
	// Gauges and the phase bar's textures.
	"█", "#", "░", ".", "▒", ":", "▓", "=", "▚", "%",
	// Sparkline levels, lowest to highest (█ is the top, above).
	"▁", "_", "▂", ".", "▃", ":", "▄", "-", "▅", "=", "▆", "+", "▇", "*",
	// Cursor, sort mark, separators, punctuation.
	"›", ">", "▼", "v", "│", "|", "·", "-", "•", "-", "—", "-", "…", "...",
	"×", "x", "→", "->", "⚑", "*", "❚", "|", "└", "`-", "↑", "^", "↓", "v",
	// The timeline's event marks and its axis.
	"↻", "R", "↺", "r", "✎", "c", "┼", "+", "─", "-",
}

// ASCIIOnly reports whether g draws nothing but ASCII.
func (g *Glyphs) ASCIIOnly() bool { return g.fold != nil }

// Fold returns s drawn in g's characters.
func (g *Glyphs) Fold(s string) string {
	if g.fold == nil || !hasNonASCII(s) {
		return s
	}
	return g.fold.Replace(s)
}

// hasNonASCII reports whether s has a byte a fold could change.
func hasNonASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return true
		}
	}
	return false
}
