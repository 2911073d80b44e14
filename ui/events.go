package ui

import (
	"slices"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/gwtop/gwtop/model"
	"github.com/gwtop/gwtop/ui/render"
)

// eventsPane is the timeline: state changes from the snapshot merged with
// the operator's own markers, newest first.
type eventsPane struct {
	c       *Common
	width   int
	height  int
	snap    *model.Snapshot
	markers []Marker
	offset  int
	lines   []string // rendered once per snapshot/marker/size change
}

func newEvents(c *Common) Pane { return &eventsPane{c: c} }

// SetSize gives the pane its share of the window.
func (e *eventsPane) SetSize(w, h int) {
	e.width, e.height = w, h
	e.rebuild()
}

// SetSnapshot shows the snapshot's state changes.
func (e *eventsPane) SetSnapshot(s *model.Snapshot) {
	if s == e.snap {
		return
	}
	e.snap = s
	e.rebuild()
}

// SetMarkers shows the operator's markers among the events.
func (e *eventsPane) SetMarkers(markers []Marker) {
	e.markers = markers
	e.rebuild()
}

// ApplyStyles redraws the lines in the new theme.
func (e *eventsPane) ApplyStyles() { e.rebuild() }

// timelineItem is one line of the timeline before drawing.
type timelineItem struct {
	at     time.Time
	marker *Marker
	event  *model.Event
}

func (e *eventsPane) rebuild() {
	var items []timelineItem
	if e.snap != nil {
		for i := range e.snap.Events {
			items = append(items, timelineItem{at: e.snap.Events[i].Time, event: &e.snap.Events[i]})
		}
	}
	for i := range e.markers {
		items = append(items, timelineItem{at: e.markers[i].Time, marker: &e.markers[i]})
	}
	// Newest first; on equal times a marker goes above the events it
	// explains.
	slices.SortStableFunc(items, func(a, b timelineItem) int {
		if c := b.at.Compare(a.at); c != 0 {
			return c
		}
		if (a.marker != nil) != (b.marker != nil) {
			if a.marker != nil {
				return -1
			}
			return 1
		}
		return 0
	})
	e.lines = e.lines[:0:0]
	for _, it := range items {
		e.lines = append(e.lines, e.line(it))
	}
	e.clamp()
}

func (e *eventsPane) line(it timelineItem) string {
	s, g := e.c.Styles, e.c.Glyphs
	ts := s.Muted.Render(it.at.Format("15:04:05")) + "  "
	if mk := it.marker; mk != nil {
		text := "⚑ " + mk.Name()
		if mk.HasData {
			text += "   5xx " + render.Pct(mk.Rate5xx) + "  p95 " + render.MS(mk.P95)
		}
		return g.Fit(ts+s.Accent.Render(text), e.width)
	}
	ev := it.event
	switch ev.Kind {
	case model.EventMarker:
		return g.Fit(ts+s.Accent.Render("⚑ "+Sanitize(ev.Name)), e.width)
	case model.EventReload, model.EventRestart, model.EventConfig:
		mark, _ := eventMark(ev)
		what := ev.Text
		if what == "" && ev.Kind == model.EventReload {
			what = ev.Gateway + " reloaded its configuration"
		} else if what == "" {
			what = ev.Name + " restarted"
		}
		text := s.Accent.Render(mark + " " + Sanitize(what))
		if ev.Address != "" {
			text += "  " + s.Muted.Render(Sanitize(ev.Address))
		}
		if ev.Source != "" {
			text += "  " + s.Muted.Render("("+Sanitize(ev.Source)+")")
		}
		return g.Fit(ts+text, e.width)
	}
	change := render.Symbol(ev.From) + "→" + render.Symbol(ev.To)
	text := stateStyle(&s, ev.To).Render(change) + "  " + s.Value.Render(Sanitize(ev.Name))
	if ev.Address != "" {
		text += "  " + s.Muted.Render(Sanitize(ev.Address))
	}
	text += "  " + string(ev.From) + "→" + string(ev.To)
	if ev.Cause != "" {
		text += "  " + causeStyle(&s, ev.To).Render(string(ev.Cause))
	}
	return g.Fit(ts+text, e.width)
}

func (e *eventsPane) visible() int { return max(e.height-1, 1) }

func (e *eventsPane) clamp() {
	e.offset = max(0, min(e.offset, len(e.lines)-e.visible()))
}

// Update scrolls the timeline.
func (e *eventsPane) Update(msg tea.Msg) (Pane, tea.Cmd) {
	e.offset = scrollLines(e.c, msg, e.offset, len(e.lines), e.visible())
	e.clamp()
	return e, nil
}

// Title is the breadcrumb.
func (e *eventsPane) Title() string { return "events" }

// Status is empty: the theme alone.
func (e *eventsPane) Status() string { return "" }

// ShortHelp is the footer's reminder in a scrolling pane.
func (e *eventsPane) ShortHelp() []key.Binding { return scrollingShortHelp(e.c.Keys) }

// FullHelp is every key the timeline answers to.
func (e *eventsPane) FullHelp() [][]key.Binding { return scrollingFullHelp(e.c.Keys) }

// View draws the title and the visible part of the timeline.
func (e *eventsPane) View() string {
	return linesView(e.c, "EVENTS  newest first · m marks a deploy · e or esc closes", "nothing has changed state since gwtop started", e.lines, e.offset, e.width, e.height)
}
