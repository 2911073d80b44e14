package ui

import (
	"charm.land/bubbles/v2/viewport"

	"github.com/gwtop/gwtop/model"
)

// scrollBody is what the scrolling panes (detail, host) share: a title line
// over a viewport, sized by the root, redrawn by the pane's fill when the
// size, the snapshot or the theme changes, the scroll position kept.
type scrollBody struct {
	c      *Common
	width  int
	height int
	snap   *model.Snapshot
	vp     viewport.Model
	fill   func()
}

func newScrollBody(c *Common) scrollBody {
	vp := viewport.New()
	vp.MouseWheelEnabled = true
	vp.KeyMap = viewport.KeyMap{} // keys come from the shared key map (scroll)
	return scrollBody{c: c, vp: vp}
}

// SetSize gives the pane its share of the window: the title line, then the
// body.
func (b *scrollBody) SetSize(w, h int) {
	b.width, b.height = w, h
	b.vp.SetWidth(max(w, 0))
	b.vp.SetHeight(max(h-1, 0))
	b.fill()
}

// SetSnapshot redraws from newer data, keeping the scroll position so that
// reading is not interrupted by the refresh.
func (b *scrollBody) SetSnapshot(s *model.Snapshot) {
	if s == b.snap {
		return
	}
	b.snap = s
	b.fill()
}

// ApplyStyles redraws the body in the new theme.
func (b *scrollBody) ApplyStyles() { b.fill() }
