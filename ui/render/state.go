package render

import "github.com/gwtop/gwtop/model"

// Symbol is the state badge glyph. Every state has its own shape so the
// overview reads without colour and for colour-blind operators.
func Symbol(s model.State) string {
	switch s {
	case model.StateUp:
		return "●"
	case model.StateDegraded:
		return "▲"
	case model.StateDown:
		return "✖"
	default:
		return "?"
	}
}
