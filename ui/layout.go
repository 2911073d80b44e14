package ui

// Below this size the UI shows a "too small" message instead of panes.
const (
	MinWidth  = 20
	MinHeight = 5
)

// rect is a region of the screen in cells.
type rect struct{ X, Y, W, H int }

// layout splits the window into header, body and footer.
type layout struct {
	Header, Body, Footer rect
	TooSmall             bool
}

// computeLayout gives the header up to want lines, the footer one line, and
// the body the rest — but the body keeps at least 3 lines, so on short
// terminals the header shrinks first.
func computeLayout(w, h, want int) layout {
	if w < MinWidth || h < MinHeight {
		return layout{TooSmall: true, Body: rect{W: max(w, 0), H: max(h, 0)}}
	}
	const footer = 1
	header := min(want, h-footer-3)
	header = max(header, 1)
	body := h - header - footer
	return layout{
		Header: rect{X: 0, Y: 0, W: w, H: header},
		Body:   rect{X: 0, Y: header, W: w, H: body},
		Footer: rect{X: 0, Y: header + body, W: w, H: footer},
	}
}

// timelineMinBody is the least body height (a terminal of about 30 lines)
// that gets the overview's timeline at all: below it the table keeps the
// whole body, as on an 80×24 terminal.
const timelineMinBody = 26

// splitOverview divides the overview's body of bodyH lines between the
// table (its title line and rows upstream rows, then a blank line) and the
// timeline under it, which gets the rest. The timeline gets only lines the
// table does not need, and at least timelineMinHeight of them — otherwise
// none, and the table keeps the body.
func splitOverview(bodyH, rows int) (table, timeline int) {
	if bodyH < timelineMinBody {
		return bodyH, 0
	}
	table = rows + 2
	if bodyH-table < timelineMinHeight {
		return bodyH, 0
	}
	return table, bodyH - table
}
