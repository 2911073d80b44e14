package ui

import "github.com/gwtop/gwtop/themes"

// Common is what every pane shares: the styles of the current theme and the
// key map. The root owns it and is the only one to change it (in Update, on
// a theme change); panes hold a pointer so a theme switch reaches them all.
type Common struct {
	Styles themes.Styles
	Keys   KeyMap
}
