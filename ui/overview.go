package ui

import (
	"slices"
	"strconv"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/gwtop/gwtop/model"
	"github.com/gwtop/gwtop/ui/render"
)

// overviewPane is the table of every upstream. It keeps the filtered, sorted
// row order itself and recomputes it only when the snapshot, the sort or the
// filter changes — never per frame — and draws only the visible rows, so a
// thousand upstreams cost the same to draw as forty.
type overviewPane struct {
	c      *Common
	width  int
	height int

	snap   *model.Snapshot
	rows   []int // indices into snap.Upstreams, filtered and sorted
	cursor int   // index into rows
	offset int   // first visible row
	sort   colID // the column rows are sorted by
	filter textinput.Model
	flt    overviewFilter // the applied filter and the typed one's error

	selKey string // the selected upstream, so it stays selected as rows move
	// pinned is set once the operator moves the cursor: from then on the
	// selection follows its upstream as rows re-sort. Before that the
	// cursor stays on the top row, which is the worst upstream.
	pinned bool
	cols   []column
	// grouped shows a fleet's rows one per upstream name, its worst
	// instance (the u key); only with instances.
	grouped  bool
	paints   rowPaints
	measured measuredWidths

	// The lower part, when the body has room for it: tableH lines are the
	// table's, the rest the timeline's, drawn once per change into tl.
	tableH    int
	hist      gwHistory
	markers   []Marker
	timeline  []string
	drawn     histMark                    // the history the timeline was drawn from
	charts    chartMemos                  // the timeline's charts as last drawn
	fails     *keptLines[*model.Upstream] // the timeline's failure lines as last drawn
	drawnRows rowMemo                     // the table's rows as last drawn
}

// rowMemo is the table's rows as last drawn, with the columns they were
// drawn in. A row's text depends on its upstream, the selection, the
// columns, the width and the theme.
type rowMemo struct {
	cols []column
	keptLines[rowKey]
}

type rowKey struct {
	u        *model.Upstream
	selected bool
}

func newOverview(c *Common) *overviewPane {
	ti := textinput.New()
	ti.Prompt = "/"
	ti.Placeholder = "text, state:down, 5xx>2%… (? help)"
	ti.CharLimit = 256
	o := &overviewPane{c: c, filter: ti, sort: sortCycle[0]}
	o.measured = measureColumns(nil)
	o.ApplyStyles()
	return o
}

// ApplyStyles re-reads the theme, after a theme change.
func (o *overviewPane) ApplyStyles() {
	st := o.filter.Styles()
	s := o.c.Styles
	st.Focused.Prompt = s.FilterPrompt
	st.Blurred.Prompt = s.FilterPrompt
	st.Focused.Text = s.FilterText
	st.Blurred.Text = s.FilterText
	st.Focused.Placeholder = s.Muted
	st.Blurred.Placeholder = s.Muted
	o.filter.SetStyles(st)
	o.paints = newRowPaints(&o.c.Styles)
	o.charts, o.fails, o.drawnRows = nil, nil, rowMemo{} // drawn in the old theme
	o.drawTimeline()
}

// SetSize gives the pane its share of the window (the table header included).
func (o *overviewPane) SetSize(w, h int) {
	o.width, o.height = w, h
	o.sizeInput()
	o.cols = planColumns(w-gutter, o.measured)
	o.split()
	o.clamp()
	o.drawTimeline()
}

// split gives the timeline the lines the table does not need. It counts
// every upstream, not the filtered rows, so typing a filter does not make
// the timeline come and go.
func (o *overviewPane) split() {
	if o.snap == nil || o.width < labelWidth+11 {
		o.tableH = o.height
		return
	}
	o.tableH, _ = splitOverview(o.height, len(o.snap.Upstreams))
}

// SetHistory hands the pane the gateway's recent figures for the timeline.
// The root calls it before SetSnapshot with the history up to that snapshot.
func (o *overviewPane) SetHistory(h gwHistory) { o.hist = h }

// SetMarkers shows the operator's markers on the timeline.
func (o *overviewPane) SetMarkers(m []Marker) {
	o.markers = m
	o.drawTimeline()
}

// drawTimeline redraws the lower part, after anything it shows changed.
func (o *overviewPane) drawTimeline() {
	h := o.height - o.tableH
	if h <= 0 || o.snap == nil {
		o.timeline = nil
		return
	}
	if o.charts == nil {
		o.charts, o.fails = chartMemos{}, &keptLines[*model.Upstream]{}
	}
	t := timeline{c: o.c, width: o.width, height: h, hist: o.hist, snap: o.snap, markers: o.markers, order: o.rows, charts: o.charts, fails: o.fails}
	o.timeline = t.lines()
	o.drawn = o.hist.mark()
}

// SetSnapshot shows a new snapshot, keeping the selected upstream selected.
func (o *overviewPane) SetSnapshot(s *model.Snapshot) {
	if s == o.snap {
		return
	}
	if timeOnly(o.snap, s) {
		// The same data under the next second (an idle gateway): the rows
		// stand; the timeline is redrawn only when its history moved on.
		o.snap = s
		if o.hist.changedSince(o.drawn) {
			o.drawTimeline()
		}
		return
	}
	o.snap = s
	o.measure()
	o.split()
	o.rebuild()
}

// measure sizes the measured columns (name, address) to the data, and
// re-plans the columns only when that changed.
func (o *overviewPane) measure() {
	var ups []model.Upstream
	if o.snap != nil {
		ups = o.snap.Upstreams
	}
	if mw := measureColumns(ups); mw != o.measured || o.cols == nil {
		o.measured = mw
		o.cols = planColumns(o.width-gutter, mw)
	}
}

// rebuild recomputes the row order from the snapshot, sort and filter.
func (o *overviewPane) rebuild() {
	defer o.drawTimeline() // the failure lines follow the table's order
	if o.snap == nil {
		o.rows = nil
		return
	}
	ups := o.snap.Upstreams
	rows := make([]int, 0, len(ups))
	for i := range ups {
		if o.flt.applied.Match(&ups[i]) {
			rows = append(rows, i)
		}
	}
	sortRows(ups, rows, o.sort)
	if o.grouped && hasInstances(ups) {
		rows = worstPerName(ups, rows)
	}
	o.rows = rows
	if !o.pinned {
		o.cursor = 0
	} else if o.selKey != "" {
		for i, r := range rows {
			if upstreamKey(&ups[r]) == o.selKey {
				o.cursor = i
				break
			}
		}
	}
	o.clamp()
}

// InView lists the upstreams the table draws now.
func (o *overviewPane) InView(add func(*model.Upstream)) {
	if o.snap == nil {
		return
	}
	end := min(len(o.rows), o.offset+o.visibleRows())
	for i := o.offset; i < end; i++ {
		add(&o.snap.Upstreams[o.rows[i]])
	}
}

// upstreamKey identifies an upstream across snapshots (and, in a fleet,
// across instances).
func upstreamKey(u *model.Upstream) string {
	return u.Gateway + "\x00" + u.Group + "\x00" + u.Name + "\x00" + u.Address + "\x00" + u.Instance
}

// worstPerName keeps, of rows in their order, the worst row of each
// upstream name (the most severe state, then the highest 5xx rate): a
// fleet's overview grouped by upstream across hosts.
func worstPerName(ups []model.Upstream, rows []int) []int {
	worst := map[string]int{}
	for _, r := range rows {
		u := &ups[r]
		w, ok := worst[u.Name]
		if !ok || u.State.Severity() > ups[w].State.Severity() ||
			(u.State.Severity() == ups[w].State.Severity() && u.Rate5xx > ups[w].Rate5xx) {
			worst[u.Name] = r
		}
	}
	out := rows[:0]
	for _, r := range rows {
		if worst[ups[r].Name] == r {
			out = append(out, r)
		}
	}
	return out
}

// visibleRows is how many table rows fit under the column titles.
func (o *overviewPane) visibleRows() int { return max(o.tableH-1, 1) }

// clamp keeps the cursor on a row and on screen, and remembers its upstream.
func (o *overviewPane) clamp() {
	n := len(o.rows)
	o.cursor = max(0, min(o.cursor, n-1))
	vis := o.visibleRows()
	if o.cursor < o.offset {
		o.offset = o.cursor
	}
	if o.cursor >= o.offset+vis {
		o.offset = o.cursor - vis + 1
	}
	o.offset = max(0, min(o.offset, n-vis))
	if u := o.Selected(); u != nil {
		o.selKey = upstreamKey(u)
	}
}

// Selected is the upstream under the cursor, or nil.
func (o *overviewPane) Selected() *model.Upstream {
	if o.snap == nil || o.cursor < 0 || o.cursor >= len(o.rows) {
		return nil
	}
	return &o.snap.Upstreams[o.rows[o.cursor]]
}

func (o *overviewPane) moveBy(n int) {
	o.moveTo(o.cursor + n)
}

// moveTo puts the cursor on row i; the operator has chosen a row, so the
// selection now follows it.
func (o *overviewPane) moveTo(i int) {
	o.cursor = i
	o.pinned = true
	o.clamp()
}

// CycleSort switches to the next sortable column.
func (o *overviewPane) CycleSort() {
	o.sort = nextSort(o.sort)
	o.rebuild()
}

// Update handles the filter input while it is focused, and otherwise the
// navigation keys, Enter (which drills down into the selected upstream) and
// the mouse; Y in mouse messages is relative to the pane's top line.
func (o *overviewPane) Update(msg tea.Msg) (Pane, tea.Cmd) {
	if o.filter.Focused() {
		return o, o.updateFilter(msg)
	}
	k := o.c.Keys
	switch msg := msg.(type) {
	case tea.KeyPressMsg:
		switch {
		case key.Matches(msg, k.Filter):
			o.filter.CursorEnd()
			return o, o.filter.Focus()
		case key.Matches(msg, k.Enter):
			if u := o.Selected(); u != nil {
				return newDetail(o.c, upstreamKey(u)), nil
			}
		case key.Matches(msg, k.Lines):
			if u := o.Selected(); u != nil {
				return newDrill(o.c, u, "")
			}
		case key.Matches(msg, k.Back):
			o.clearFilter()
		case key.Matches(msg, k.Up):
			o.moveBy(-1)
		case key.Matches(msg, k.Down):
			o.moveBy(1)
		case key.Matches(msg, k.Top):
			o.moveTo(0)
		case key.Matches(msg, k.Bottom):
			o.moveTo(len(o.rows) - 1)
		case key.Matches(msg, k.PageUp):
			o.moveBy(-o.visibleRows())
		case key.Matches(msg, k.PageDown):
			o.moveBy(o.visibleRows())
		case key.Matches(msg, k.Sort):
			o.CycleSort()
		case key.Matches(msg, k.Group) && o.snap != nil && hasInstances(o.snap.Upstreams):
			o.grouped = !o.grouped
			o.rebuild()
		}
	case tea.MouseWheelMsg:
		switch msg.Button {
		case tea.MouseWheelUp:
			o.moveBy(-3)
		case tea.MouseWheelDown:
			o.moveBy(3)
		}
	case tea.MouseClickMsg:
		if msg.Button == tea.MouseLeft && msg.Y >= 1 && msg.Y <= o.visibleRows() {
			if i := o.offset + msg.Y - 1; i < len(o.rows) {
				o.moveTo(i)
			}
		}
	}
	return o, nil
}

// updateFilter feeds a message to the focused input and re-filters live:
// Enter keeps the filter and leaves the input (not while the expression
// has an error: the input stays, with the error), Esc clears it.
func (o *overviewPane) updateFilter(msg tea.Msg) tea.Cmd {
	if kp, ok := msg.(tea.KeyPressMsg); ok {
		switch kp.String() {
		case "enter":
			if o.flt.err == nil {
				o.filter.Blur()
				o.sizeInput()
			}
			return nil
		case "esc":
			o.filter.Blur()
			o.clearFilter()
			return nil
		}
	}
	before := o.filter.Value()
	var cmd tea.Cmd
	o.filter, cmd = o.filter.Update(msg)
	if o.filter.Value() != before {
		if o.flt.set(o.filter.Value()) {
			o.cursor, o.offset = 0, 0
			o.selKey, o.pinned = "", false
			o.rebuild()
		}
		o.sizeInput()
	}
	return cmd
}

// sizeInput gives the input the footer's room, leaving space for "enter
// keeps · esc clears  n/m of k"; with an error, the input is only as wide
// as the text so the error follows it.
func (o *overviewPane) sizeInput() {
	w := max(o.width-48, 4)
	if o.flt.err != nil {
		w = min(w, max(render.Width(o.filter.Value())+1, 4))
	}
	o.filter.SetWidth(w)
}

func (o *overviewPane) clearFilter() {
	changed := !o.flt.applied.Empty()
	o.flt.clear()
	if o.filter.Value() != "" {
		o.filter.SetValue("")
	}
	o.sizeInput()
	if changed {
		o.rebuild()
	}
}

// FilterValue is the current filter text.
func (o *overviewPane) FilterValue() string { return o.filter.Value() }

// FilterError is the typed expression's error, or nil.
func (o *overviewPane) FilterError() error { return o.flt.err }

// Input is the filter line while the operator types in it, with the
// expression's error after it; the line is drawn only then, since the root
// asks on every frame.
func (o *overviewPane) Input() (string, bool) {
	if !o.filter.Focused() {
		return "", false
	}
	line := o.filter.View()
	if o.flt.err != nil {
		line += " " + o.c.Styles.Error.Render("✖ "+Sanitize(o.flt.err.Error()))
	}
	return line, true
}

// Title is "overview", with the applied filter: "overview /pay".
func (o *overviewPane) Title() string {
	t := "overview"
	if o.grouped && o.snap != nil && hasInstances(o.snap.Upstreams) {
		t += " by upstream, worst host"
	}
	if f := o.flt.applied.String(); f != "" {
		return t + " /" + Sanitize(f)
	}
	return t
}

// Status is the sort and the position: "sort severity · 12/1000 of 1200",
// or while typing a filter, how to leave it.
func (o *overviewPane) Status() string {
	pos := ""
	if o.snap != nil && len(o.snap.Upstreams) > 0 {
		pos = strconv.Itoa(o.cursor+1) + "/" + strconv.Itoa(len(o.rows))
		if len(o.rows) != len(o.snap.Upstreams) {
			pos += " of " + strconv.Itoa(len(o.snap.Upstreams))
		}
	}
	if o.filter.Focused() {
		if o.flt.err != nil {
			// The error needs the room; the table still shows the last
			// valid filter.
			return "esc clears"
		}
		return strings.TrimSpace("enter keeps · esc clears  " + pos)
	}
	out := "sort " + sortName(o.sort)
	if pos != "" {
		out += " · " + pos
	}
	return out
}

// ShortHelp is the footer's reminder on the overview.
func (o *overviewPane) ShortHelp() []key.Binding {
	k := o.c.Keys
	if o.snap != nil && hasInstances(o.snap.Upstreams) {
		return []key.Binding{k.Filter, k.Enter, k.Sort, k.Group, k.Pane("events"), k.Pane("help"), k.Quit}
	}
	return []key.Binding{k.Filter, k.Enter, k.Sort, k.Pause, k.Marker, k.Pane("events"), k.Pane("host"), k.Pane("help"), k.Quit}
}

// FullHelp is every key the overview answers to.
func (o *overviewPane) FullHelp() [][]key.Binding {
	k := o.c.Keys
	return [][]key.Binding{{k.Up, k.Down, k.Top, k.Bottom, k.PageUp, k.PageDown}, {k.Enter, k.Back, k.Filter, k.Sort, k.Lines}}
}

// View draws the column titles and the visible rows.
func (o *overviewPane) View() string {
	if o.width <= 0 || o.height <= 0 {
		return ""
	}
	s := o.c.Styles
	lines := make([]string, 0, o.height)
	lines = append(lines, o.titleLine())
	switch {
	case o.snap == nil:
		lines = append(lines, s.Muted.Render(o.c.Glyphs.Fit("waiting for the first snapshot…", o.width)))
	case len(o.snap.Upstreams) == 0:
		lines = append(lines, s.Muted.Render(o.c.Glyphs.Fit("no upstreams seen yet — is traffic flowing, or are probes configured?", o.width)))
	case len(o.rows) == 0:
		msg := "no upstream matches " + `"` + Sanitize(o.flt.applied.String()) + `"` + " — esc clears the filter"
		lines = append(lines, s.Muted.Render(o.c.Glyphs.Fit(msg, o.width)))
	default:
		end := min(len(o.rows), o.offset+o.visibleRows())
		memo := &o.drawnRows
		memo.frame(o.width, slices.Equal(memo.cols, o.cols))
		memo.cols = append(memo.cols[:0], o.cols...)
		for i := o.offset; i < end; i++ {
			k := rowKey{&o.snap.Upstreams[o.rows[i]], i == o.cursor}
			lines = append(lines, memo.line(k, func() string { return o.row(k.u, k.selected) }))
		}
		memo.done()
	}
	tableH := max(min(o.tableH, o.height), 1)
	for len(lines) < tableH {
		lines = append(lines, "")
	}
	lines = append(lines[:tableH], o.timeline...)
	for len(lines) < o.height {
		lines = append(lines, "")
	}
	return strings.Join(lines[:o.height], "\n")
}

func (o *overviewPane) titleLine() string {
	var b strings.Builder
	b.WriteString(strings.Repeat(" ", gutter))
	for i, c := range o.cols {
		if i > 0 {
			b.WriteByte(' ')
		}
		title := columns[c.id].title
		if c.id == o.sort {
			title += "▼"
		}
		if columns[c.id].right {
			b.WriteString(o.c.Glyphs.FitRight(title, c.width))
		} else {
			b.WriteString(o.c.Glyphs.Fit(title, c.width))
		}
	}
	return o.c.Styles.TableHeader.Render(b.String())
}
