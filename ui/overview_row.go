package ui

import (
	"strings"

	"charm.land/lipgloss/v2"

	"github.com/gwtop/gwtop/model"
	"github.com/gwtop/gwtop/themes"
	"github.com/gwtop/gwtop/ui/render"
)

// rowPaints are the overview's cell styles, pre-split once per theme.
type rowPaints struct {
	up, degraded, down, unknown inline
	muted, warn, err, spark     inline
}

func newRowPaints(s *themes.Styles) rowPaints {
	return rowPaints{
		up: newInline(s.StateUp), degraded: newInline(s.StateDegraded),
		down: newInline(s.StateDown), unknown: newInline(s.StateUnknown),
		muted: newInline(s.Muted), warn: newInline(s.Warn), err: newInline(s.Error), spark: newInline(s.Spark),
	}
}

func (p *rowPaints) state(st model.State) inline {
	switch st {
	case model.StateUp:
		return p.up
	case model.StateDegraded:
		return p.degraded
	case model.StateDown:
		return p.down
	}
	return p.unknown
}

// rate colours a 5xx ratio like rateStyle.
func (p *rowPaints) rate(r float64) inline {
	switch {
	case r >= 0.05:
		return p.err
	case r >= 0.01:
		return p.warn
	}
	return inline{}
}

// cause colours the cause hint by how bad the state is, like causeStyle.
func (p *rowPaints) cause(st model.State) inline {
	switch st {
	case model.StateDown:
		return p.err
	case model.StateDegraded:
		return p.warn
	}
	return p.muted
}

// row draws one upstream. The selected row is drawn as plain text under one
// style, so the highlight is one unbroken bar in every theme; the state
// symbol still says what the colour would.
func (o *overviewPane) row(u *model.Upstream, selected bool) string {
	var b strings.Builder
	b.Grow(o.width * 3)
	// The cursor glyph marks the selection even where reverse video or
	// colour is lost (screen readers, copied text, plain goldens).
	if selected {
		b.WriteString("›")
	} else {
		b.WriteString(" ")
	}
	for i, c := range o.cols {
		if i > 0 {
			b.WriteByte(' ')
		}
		d := &columns[c.id]
		text, paint := d.cell(&o.paints, u, c.width)
		if d.right {
			text = o.c.Glyphs.FitRight(text, c.width)
		} else {
			text = o.c.Glyphs.Fit(text, c.width)
		}
		if selected {
			b.WriteString(text)
		} else {
			b.WriteString(paint.Render(text))
		}
	}
	if selected {
		return o.c.Styles.Selected.Render(o.c.Glyphs.Fit(b.String(), o.width))
	}
	return b.String()
}

// causeHint is the overview's short form of the strongest cause:
// "refused ×42 · nothing listens on the port". Without a cause it falls back
// to the state reason, so an unknown upstream says why it is unknown.
func causeHint(u *model.Upstream) string {
	if len(u.Causes) == 0 {
		return Sanitize(u.StateReason)
	}
	top := &u.Causes[0]
	if top.Count == 0 {
		// Nothing in the last five minutes: the upstream's present is its
		// state; the cause is history (a backlog, a failure hours ago).
		out := u.StateReason + " · earlier: " + string(top.Code) + " ×" + render.Count(top.Total)
		if !top.LastSeen.IsZero() {
			out += " (last " + top.LastSeen.Format("15:04") + ")"
		}
		return Sanitize(out)
	}
	out := string(top.Code) + " ×" + render.Count(top.Count)
	switch {
	case len(top.Roots) > 0:
		// The root is what the operator acts on: it replaces the
		// generic hint.
		out += " · " + string(top.Roots[0].Code) + ": " + top.Roots[0].Summary
	case top.Hint != "":
		out += " · " + top.Hint
	}
	if len(u.Causes) > 1 {
		out += " (+" + render.Count(int64(len(u.Causes)-1)) + ")"
	}
	return Sanitize(out)
}

// stateStyle, rateStyle and causeStyle are the full-style versions for the
// panes that draw a few lines, not a thousand rows.
func stateStyle(s *themes.Styles, st model.State) *lipgloss.Style {
	switch st {
	case model.StateUp:
		return &s.StateUp
	case model.StateDegraded:
		return &s.StateDegraded
	case model.StateDown:
		return &s.StateDown
	default:
		return &s.StateUnknown
	}
}

// rateStyle colours a 5xx ratio: warn from 1%, error from 5%.
func rateStyle(s *themes.Styles, r float64) *lipgloss.Style {
	switch {
	case r >= 0.05:
		return &s.Error
	case r >= 0.01:
		return &s.Warn
	}
	return nil
}

func causeStyle(s *themes.Styles, st model.State) *lipgloss.Style {
	switch st {
	case model.StateDown:
		return &s.Error
	case model.StateDegraded:
		return &s.Warn
	}
	return &s.Muted
}
