package ui

import (
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/gwtop/gwtop/model"
	"github.com/gwtop/gwtop/ui/render"
)

// deployPane is the deploy view: the latest markers, reloads and restarts,
// newest first, each with its before/after per upstream as the snapshot's
// events[].compare gives it (worst first: the collector orders them).
type deployPane struct {
	c      *Common
	width  int
	height int
	snap   *model.Snapshot
	offset int
	lines  []string // rendered once per snapshot/size/theme change
}

// deployEvents is how many markers, reloads and restarts the view lists;
// below deployWide columns a row's why goes on a line of its own.
const (
	deployEvents = 20
	deployWide   = 120
)

func newDeploy(c *Common) Pane { return &deployPane{c: c} }

// SetSize gives the pane its share of the window.
func (d *deployPane) SetSize(w, h int) {
	d.width, d.height = w, h
	d.rebuild()
}

// SetSnapshot shows the snapshot's events.
func (d *deployPane) SetSnapshot(s *model.Snapshot) {
	if s == d.snap {
		return
	}
	d.snap = s
	d.rebuild()
}

// ApplyStyles redraws the lines in the new theme.
func (d *deployPane) ApplyStyles() { d.rebuild() }

// deployCols are the widths of a compare row's columns.
type deployCols struct{ verdict, upstream, rate, p95 int }

func (d *deployPane) rebuild() {
	d.lines = d.lines[:0:0]
	if d.snap == nil {
		d.clamp()
		return
	}
	var evs []*model.Event
	for i := len(d.snap.Events) - 1; i >= 0 && len(evs) < deployEvents; i-- {
		switch e := &d.snap.Events[i]; e.Kind {
		case model.EventMarker, model.EventReload, model.EventRestart, model.EventConfig:
			evs = append(evs, e)
		}
	}
	cols := deployCols{verdict: len("too little"), upstream: len("upstream"), rate: len("5xx before → after"), p95: len("p95 before → after")}
	for _, e := range evs {
		for i := range e.Compare {
			c := &e.Compare[i]
			cols.upstream = max(cols.upstream, min(render.Width(Sanitize(c.Upstream)), 28))
			cols.rate = max(cols.rate, render.Width(rateChange(c)))
			cols.p95 = max(cols.p95, render.Width(p95Change(c)))
		}
	}
	narrow := d.width < deployWide
	if narrow {
		cols.upstream = min(cols.upstream, 16)
	}
	if len(evs) > 0 {
		hdr := "  " + pad("verdict", cols.verdict) + "  " + pad("upstream", cols.upstream) + "  " +
			pad("5xx before → after", cols.rate) + "  " + pad("p95 before → after", cols.p95)
		if !narrow {
			hdr += "  why"
		}
		d.lines = append(d.lines, d.c.Styles.TableHeader.Render(d.c.Glyphs.Fit(hdr, d.width)))
	}
	for _, e := range evs {
		d.lines = append(d.lines, d.eventLine(e))
		if e.Kind == model.EventConfig {
			d.lines = append(d.lines, d.c.Styles.Muted.Render(d.c.Glyphs.Fit(
				"  on disk only: the gateway applies it at its next reload, which is compared", d.width)))
			continue
		}
		if len(e.Compare) == 0 {
			d.lines = append(d.lines, d.c.Styles.Muted.Render(d.c.Glyphs.Fit(
				"  waiting: a verdict needs 20 s of traffic after it, and as long before", d.width)))
			continue
		}
		for i := range e.Compare {
			d.lines = append(d.lines, d.compareLine(&e.Compare[i], cols, narrow)...)
		}
	}
	d.clamp()
}

func (d *deployPane) eventLine(e *model.Event) string {
	s, g := d.c.Styles, d.c.Glyphs
	mark := "⚑"
	switch e.Kind {
	case model.EventReload:
		mark = "↻"
	case model.EventRestart:
		mark = "↺"
	case model.EventConfig:
		mark = "✎"
	}
	text := e.Text
	if text == "" {
		text = e.Name
	}
	line := s.Muted.Render(e.Time.Format("15:04:05")) + "  " + s.Accent.Render(mark+" "+Sanitize(text))
	var about []string
	for _, w := range []string{e.Gateway, e.Upstream, e.Address, e.Source} {
		if w != "" {
			about = append(about, Sanitize(w))
		}
	}
	if len(about) > 0 {
		line += "  " + s.Muted.Render(strings.Join(about, " · "))
	}
	return g.Fit(line, d.width)
}

// compareLine draws one upstream's compare: one line when the pane is
// wide, else the why on a second line.
func (d *deployPane) compareLine(c *model.Compare, cols deployCols, narrow bool) []string {
	s, g := d.c.Styles, d.c.Glyphs
	v := c.Verdict
	st := s.Text
	switch v {
	case model.VerdictRegressed:
		st = s.Error
	case model.VerdictNew, model.VerdictGone:
		st = s.Warn
	case model.VerdictImproved:
		st = s.OK
	case model.VerdictTooLittle:
		v, st = "too little", s.Muted
	}
	name := g.Truncate(Sanitize(c.Upstream), cols.upstream)
	line := "  " + st.Render(pad(v, cols.verdict)) + "  " + s.Value.Render(pad(name, cols.upstream)) + "  " +
		pad(rateChange(c), cols.rate) + "  " + pad(p95Change(c), cols.p95)
	why := s.Muted.Render(Sanitize(c.Why))
	if narrow {
		return []string{g.Fit(line, d.width), g.Fit(strings.Repeat(" ", 4+cols.verdict)+why, d.width)}
	}
	return []string{g.Fit(line+"  "+why, d.width)}
}

// rateChange is "0.4% → 38.0%", a dash on a side without requests.
func rateChange(c *model.Compare) string {
	return render.Rate5xx(c.Before.Rate5xx, c.Before.Requests) + " → " + render.Rate5xx(c.After.Rate5xx, c.After.Requests)
}

// p95Change is "120ms → 480ms", a dash on a side without samples.
func p95Change(c *model.Compare) string {
	side := func(w model.CompareWindow) string {
		if w.Requests == 0 || w.P95 == 0 {
			return render.None
		}
		return render.MS(w.P95)
	}
	return side(c.Before) + " → " + side(c.After)
}

// pad right-pads s with spaces to width cells.
func pad(s string, width int) string {
	if n := width - render.Width(s); n > 0 {
		return s + strings.Repeat(" ", n)
	}
	return s
}

func (d *deployPane) visible() int { return max(d.height-1, 1) }

func (d *deployPane) clamp() {
	d.offset = max(0, min(d.offset, len(d.lines)-d.visible()))
}

// Update scrolls the list.
func (d *deployPane) Update(msg tea.Msg) (Pane, tea.Cmd) {
	d.offset = scrollLines(d.c, msg, d.offset, len(d.lines), d.visible())
	d.clamp()
	return d, nil
}

// Title is the breadcrumb.
func (d *deployPane) Title() string { return "deploys" }

// Status is empty: the theme alone.
func (d *deployPane) Status() string { return "" }

// ShortHelp is the footer's reminder in a scrolling pane.
func (d *deployPane) ShortHelp() []key.Binding { return scrollingShortHelp(d.c.Keys) }

// FullHelp is every key the deploy view answers to.
func (d *deployPane) FullHelp() [][]key.Binding { return scrollingFullHelp(d.c.Keys) }

// View draws the title and the visible part of the list.
func (d *deployPane) View() string {
	return linesView(d.c, "DEPLOYS  markers, reloads, restarts, config changes · newest first · d or esc closes", "no marker, reload, restart or config change yet · m marks a deploy", d.lines, d.offset, d.width, d.height)
}
