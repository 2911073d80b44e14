package ui

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/gwtop/gwtop/model"
	"github.com/gwtop/gwtop/ui/render"
)

// LineSource is a Source that keeps the raw log lines behind each upstream
// (the engine does). Lines may read files: the drill-down calls it in a
// tea.Cmd, never in Update.
type LineSource interface {
	Lines(ctx context.Context, q model.LinesQuery) model.Lines
}

// drillMax is how many lines one drill-down asks for: at 2048 bytes a line
// at most, the pane holds 4 MiB at worst.
const drillMax = 2000

// drillTimeout bounds one answer (reading older lines back from files).
const drillTimeout = 10 * time.Second

// linesMsg is a LineSource's answer, addressed to the pane that asked and
// numbered, so a late answer to an older question is dropped.
type linesMsg struct {
	to    *drillPane
	seq   int
	lines model.Lines
}

// linesReceiver is a pane on the stack that waits for a linesMsg; the
// root hands it the answer even when another pane (help) is on top.
type linesReceiver interface {
	receiveLines(linesMsg)
}

// drillKeys are the drill-down's own keys.
var drillKeys = struct{ Search, Cause, Route, Reload, Wrap key.Binding }{
	Wrap:   key.NewBinding(key.WithKeys("w"), key.WithHelp("w", "wrap")),
	Search: key.NewBinding(key.WithKeys("/"), key.WithHelp("/", "search")),
	Cause:  key.NewBinding(key.WithKeys("c"), key.WithHelp("c", "cause")),
	Route:  key.NewBinding(key.WithKeys("o"), key.WithHelp("o", "route")),
	Reload: key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "reload")),
}

// drillPane is every recent raw line behind one upstream (or one of its
// causes): access and error log, newest first, searchable with /. The
// lines come from the LineSource in a command; older ones are read back
// from the files there.
type drillPane struct {
	c             *Common
	width, height int
	snap          *model.Snapshot

	key, gw, addr, name string
	cause               model.Cause   // "" every line
	causes              []model.Cause // the upstream's causes when opened, for c
	route               int           // index+1 into routes; 0 every route
	routes              []model.Route // the upstream's named routes when opened, for o

	seq     int
	loading bool
	res     model.Lines
	shown   []int // indices into res.Lines that match the search
	causeW  int   // the cause column's width: the longest cause in the lines
	offset  int
	wrap    bool // each line wrapped to the width instead of cut
	search  textinput.Model
}

// newDrill is the drill-down into u's lines (cause "" for all of them)
// and the command that asks for them.
func newDrill(c *Common, u *model.Upstream, cause model.Cause) (*drillPane, tea.Cmd) {
	ti := textinput.New()
	ti.Prompt = "/"
	ti.Placeholder = "text in the lines"
	ti.CharLimit = 256
	d := &drillPane{c: c, key: upstreamKey(u), gw: u.Gateway, addr: u.Address, name: u.Name, cause: cause, search: ti}
	for _, cr := range u.Causes {
		d.causes = append(d.causes, cr.Code)
	}
	for _, r := range u.Routes {
		if r.Route != model.RouteOther { // other is many routes: no line names it
			d.routes = append(d.routes, r)
		}
	}
	d.ApplyStyles()
	return d, d.load()
}

// ApplyStyles styles the search input in the theme.
func (d *drillPane) ApplyStyles() {
	st := d.search.Styles()
	s := d.c.Styles
	st.Focused.Prompt, st.Blurred.Prompt = s.FilterPrompt, s.FilterPrompt
	st.Focused.Text, st.Blurred.Text = s.FilterText, s.FilterText
	st.Focused.Placeholder, st.Blurred.Placeholder = s.Muted, s.Muted
	d.search.SetStyles(st)
}

// load asks the source for the lines, in a command.
func (d *drillPane) load() tea.Cmd {
	src := d.c.Lines
	if src == nil {
		return nil
	}
	d.seq++
	d.loading = true
	msg := linesMsg{to: d, seq: d.seq}
	q := model.LinesQuery{Gateway: d.gw, Address: d.addr, Cause: d.cause, Max: drillMax}
	if d.route > 0 {
		q.Route, q.Host = d.routes[d.route-1].Route, d.routes[d.route-1].Host
	}
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), drillTimeout)
		defer cancel()
		msg.lines = src.Lines(ctx, q)
		return msg
	}
}

func (d *drillPane) receiveLines(m linesMsg) {
	if m.to != d || m.seq != d.seq {
		return
	}
	d.loading, d.res, d.offset = false, m.lines, 0
	d.causeW = 1
	for i := range d.res.Lines {
		d.causeW = max(d.causeW, len(d.res.Lines[i].Cause))
	}
	d.match()
}

// match recomputes the lines the search keeps.
func (d *drillPane) match() {
	q := strings.ToLower(d.search.Value())
	d.shown = d.shown[:0]
	for i := range d.res.Lines {
		l := &d.res.Lines[i]
		if q == "" || strings.Contains(strings.ToLower(l.Text), q) || strings.Contains(strings.ToLower(l.Gone), q) {
			d.shown = append(d.shown, i)
		}
	}
	d.clamp()
}

func (d *drillPane) visible() int { return max(d.height-2, 1) }

func (d *drillPane) clamp() {
	d.offset = max(0, min(d.offset, len(d.shown)-d.visible()))
}

// SetSize gives the pane the body's size.
func (d *drillPane) SetSize(w, h int) {
	d.width, d.height = w, h
	// Leave the footer room for "enter keeps · esc clears  n match".
	d.search.SetWidth(max(w-48, 4))
	d.clamp()
}

// SetSnapshot keeps the snapshot for the heading; the lines are asked for
// again only with r (a list that moved while being read would lose the
// operator's place).
func (d *drillPane) SetSnapshot(s *model.Snapshot) { d.snap = s }

// Update scrolls, searches, cycles the cause and reloads.
func (d *drillPane) Update(msg tea.Msg) (Pane, tea.Cmd) {
	if d.search.Focused() {
		if kp, ok := msg.(tea.KeyPressMsg); ok {
			switch kp.String() {
			case "enter":
				d.search.Blur()
				return d, nil
			case "esc":
				d.search.Blur()
				d.search.SetValue("")
				d.match()
				return d, nil
			}
		}
		before := d.search.Value()
		var cmd tea.Cmd
		d.search, cmd = d.search.Update(msg)
		if d.search.Value() != before {
			d.offset = 0
			d.match()
		}
		return d, cmd
	}
	if kp, ok := msg.(tea.KeyPressMsg); ok {
		switch {
		case key.Matches(kp, drillKeys.Search):
			d.search.CursorEnd()
			return d, d.search.Focus()
		case key.Matches(kp, drillKeys.Cause):
			d.cause = nextCause(d.causes, d.cause)
			return d, d.load()
		case key.Matches(kp, drillKeys.Route):
			// The next route, then every route again; only access lines
			// name a route.
			if d.route++; d.route > len(d.routes) {
				d.route = 0
			}
			return d, d.load()
		case key.Matches(kp, drillKeys.Reload):
			return d, d.load()
		case key.Matches(kp, drillKeys.Wrap):
			d.wrap = !d.wrap
			return d, nil
		}
	}
	d.offset = scrollLines(d.c, msg, d.offset, len(d.shown), d.visible())
	d.clamp()
	return d, nil
}

// nextCause is the cause after cur in the upstream's list, "" (every
// line) after the last.
func nextCause(causes []model.Cause, cur model.Cause) model.Cause {
	if cur == "" {
		if len(causes) > 0 {
			return causes[0]
		}
		return ""
	}
	for i, c := range causes {
		if c == cur && i+1 < len(causes) {
			return causes[i+1]
		}
	}
	return ""
}

// Input is the search line while the operator types in it.
func (d *drillPane) Input() (string, bool) {
	if !d.search.Focused() {
		return "", false
	}
	return d.search.View(), true
}

// Title is the breadcrumb: "lines", with the cause and the search.
func (d *drillPane) Title() string {
	t := "lines"
	if d.cause != "" {
		t += " " + string(d.cause)
	}
	if d.route > 0 {
		t += " " + Sanitize(d.routes[d.route-1].Route)
	}
	if v := d.search.Value(); v != "" && !d.search.Focused() {
		t += " /" + Sanitize(v)
	}
	return t
}

// Status is the position in the list: "1-20 of 312".
func (d *drillPane) Status() string {
	if d.search.Focused() {
		return "enter keeps · esc clears  " + strconv.Itoa(len(d.shown)) + " match"
	}
	if len(d.shown) == 0 {
		return ""
	}
	return fmt.Sprintf("%d-%d of %d", d.offset+1, d.offset+d.fits(), len(d.shown))
}

// fits is how many lines from offset the screen shows: one a row, or
// fewer when they are wrapped.
func (d *drillPane) fits() int {
	end := min(len(d.shown), d.offset+d.visible())
	if !d.wrap {
		return end - d.offset
	}
	rows, n := 0, 0
	for _, i := range d.shown[d.offset:end] {
		if rows >= d.visible() {
			break
		}
		rows += len(d.rows(&d.res.Lines[i]))
		n++
	}
	return n
}

// ShortHelp is the footer's reminder.
func (d *drillPane) ShortHelp() []key.Binding {
	k := d.c.Keys
	return []key.Binding{k.Back, scrollHelp, drillKeys.Search, drillKeys.Wrap, drillKeys.Cause, drillKeys.Route, drillKeys.Reload, k.Quit}
}

// FullHelp is every key the drill-down answers to.
func (d *drillPane) FullHelp() [][]key.Binding {
	k := d.c.Keys
	return [][]key.Binding{{k.Up, k.Down, k.Top, k.Bottom, k.PageUp, k.PageDown}, {k.Back, drillKeys.Search, drillKeys.Wrap, drillKeys.Cause, drillKeys.Route, drillKeys.Reload}}
}

// View draws the heading (whose lines, how many, their time range), a
// line saying where they came from, and the lines.
func (d *drillPane) View() string {
	if d.width <= 0 || d.height <= 0 {
		return ""
	}
	s, g := d.c.Styles, d.c.Glyphs
	out := make([]string, 0, d.height)
	out = append(out, g.Fit(d.heading(), d.width))
	if d.height > 1 {
		out = append(out, s.Muted.Render(g.Fit(d.provenance(), d.width)))
	}
	switch {
	case d.c.Lines == nil:
		out = append(out, s.Muted.Render(g.Fit("this source keeps no log lines (a replay or a fixed snapshot)", d.width)))
	case d.loading && len(d.res.Lines) == 0:
		out = append(out, s.Muted.Render(g.Fit("reading the lines…", d.width)))
	case len(d.shown) == 0 && len(d.res.Lines) > 0:
		out = append(out, s.Muted.Render(g.Fit(`no line contains "`+Sanitize(d.search.Value())+`" — esc clears the search`, d.width)))
	case len(d.shown) == 0:
		out = append(out, s.Muted.Render(g.Fit("no log line behind this upstream yet (lines are kept from when gwtop started)", d.width)))
	}
	end := min(len(d.shown), d.offset+d.visible())
	for _, i := range d.shown[d.offset:end] {
		if len(out) >= d.height {
			break
		}
		out = append(out, d.rows(&d.res.Lines[i])...)
	}
	for len(out) < d.height {
		out = append(out, "")
	}
	return strings.Join(out[:d.height], "\n")
}

// heading: "api 10.0.0.5:8000 · refused · 312 lines 12:01:02 → 12:03:04 (2m2s)",
// the range being that of the lines shown (the search's selection).
func (d *drillPane) heading() string {
	s := d.c.Styles
	var b strings.Builder
	b.WriteString(s.Title.Render(Sanitize(d.name)))
	if d.addr != d.name {
		b.WriteString(" " + s.Muted.Render(Sanitize(d.addr)))
	}
	cause := "every line"
	if d.cause != "" {
		cause = string(d.cause)
	}
	b.WriteString(s.Muted.Render(" · ") + cause)
	if d.route > 0 {
		r := d.routes[d.route-1]
		b.WriteString(s.Muted.Render(" · route ") + Sanitize(r.Route))
		if r.Host != "" {
			b.WriteString(s.Muted.Render(" on ") + Sanitize(r.Host))
		}
	}
	if n := len(d.shown); n > 0 {
		newest, oldest := d.res.Lines[d.shown[0]].Time, d.res.Lines[d.shown[n-1]].Time
		fmt.Fprintf(&b, "%s%d %s %s → %s (%s)", s.Muted.Render(" · "), n, plural(n, "line", "lines"),
			clock(oldest, newest), clock(newest, oldest), render.Duration(newest.Sub(oldest)))
	}
	return b.String()
}

// provenance says where the lines came from: how many were in memory,
// read back from their files, gone, and how many more gwtop knows of.
func (d *drillPane) provenance() string {
	if d.loading {
		return "reading…"
	}
	r := d.res
	n := len(r.Lines)
	if n == 0 {
		return "newest first · / searches · c picks a cause · o a route · r reads them again"
	}
	parts := []string{"newest first", fmt.Sprintf("%d in memory", n-r.FromFile-r.Gone)}
	if r.FromFile > 0 {
		parts = append(parts, fmt.Sprintf("%d read back from the log", r.FromFile))
	}
	if r.Gone > 0 {
		parts = append(parts, fmt.Sprintf("%d gone (rotated or rewritten)", r.Gone))
	}
	if r.Known > n {
		parts = append(parts, fmt.Sprintf("the newest %d of %d", n, r.Known))
	}
	return strings.Join(parts, " · ")
}

// rows is one line on one screen row, or wrapped to the width under its
// head with w.
func (d *drillPane) rows(l *model.RawLine) []string {
	if !d.wrap || l.Gone != "" {
		return []string{d.row(l, 0)}
	}
	indent := 8 + 1 + 1 + 1 + d.causeW + 1 // as the head is wide
	room := max(d.width-indent, 8)
	text := Sanitize(l.Text)
	parts := strings.Split(ansi.Wrap(text, room, " ,"), "\n")
	out := []string{d.row(l, room)}
	pad := strings.Repeat(" ", indent)
	for _, p := range parts[1:] {
		out = append(out, pad+p)
	}
	return out
}

// row is one line: its time, A (access log) or E (error log), the cause
// gwtop read in it, and the line as written (its first wrap cells when
// wrap > 0).
func (d *drillPane) row(l *model.RawLine, wrap int) string {
	s, g := d.c.Styles, d.c.Glyphs
	src := "A"
	if l.Source == "error_log" {
		src = "E"
	}
	cause := "-"
	if l.Cause != "" {
		cause = string(l.Cause)
	}
	head := l.Time.Format("15:04:05") + " " + src + " " + fmt.Sprintf("%-*s", d.causeW, cause) + " "
	room := max(d.width-render.Width(head), 0)
	if l.Gone != "" {
		return s.Muted.Render(head + g.Fit("(gone: "+Sanitize(l.Gone)+")", room))
	}
	sty := s.Text
	if l.Cause != "" {
		sty = s.Error
	}
	text := Sanitize(l.Text)
	if wrap > 0 {
		text = strings.SplitN(ansi.Wrap(text, wrap, " ,"), "\n", 2)[0]
	}
	return s.Muted.Render(head[:9]) + sty.Render(head[9:]) + g.Fit(text, room)
}

// clock formats t as a time of day, with the date when other is on
// another day.
func clock(t, other time.Time) string {
	if t.YearDay() != other.YearDay() || t.Year() != other.Year() {
		return t.Format("01-02 15:04:05")
	}
	return t.Format("15:04:05")
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
