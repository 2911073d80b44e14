package ui

import (
	"github.com/gwtop/gwtop/themes"
	"github.com/gwtop/gwtop/ui/render"
)

// Common is what every pane shares: the styles of the current theme, the
// glyph set and the key map. The root owns it and is the only one to change
// it (in Update, on a theme change); panes hold a pointer so a theme switch
// reaches them all. The glyph set is chosen once, at start, from the
// locale: it never changes while the program runs.
type Common struct {
	Styles themes.Styles
	Glyphs *render.Glyphs
	Keys   KeyMap
	// Lines is the source's raw log lines (the drill-down), nil when the
	// source keeps none.
	Lines LineSource
}
