package ui

import (
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unsafe"

	"github.com/gwtop/gwtop/model"
	"github.com/gwtop/gwtop/ui/render"
)

// The gateway-wide history the overview's timeline draws: one point per
// 5 s over the last 15 minutes, kept by the root from successive snapshots.
const (
	histSpan = 15 * time.Minute
	histStep = 5 * time.Second
	histCap  = int(histSpan / histStep)
	// seedStep is the snapshots' own bucket (Upstream.SparkP95/Spark5xx).
	seedStep = 10 * time.Second
)

// histPoint is the gateway's figures at one moment. est marks a point
// estimated from the first snapshot's per-upstream buckets rather than
// read from a snapshot's gateway-wide figures.
type histPoint struct {
	at      time.Time
	req     float64 // requests per second
	rate5xx float64 // 0..1
	p95     float64 // ms; NaN when there was no latency
	est     bool
}

// gwHistory is oldest first and never modified once built: add returns a
// new slice, so model copies (and the pane drawing a paused screen) keep
// their own. It holds at most histCap+1 points, however long gwtop runs.
type gwHistory []histPoint

// histMark is where a history stood: its length and its last point's time.
type histMark struct {
	n  int
	at time.Time
}

func (h gwHistory) mark() histMark {
	if len(h) == 0 {
		return histMark{}
	}
	return histMark{len(h), h[len(h)-1].at}
}

// changedSince reports whether points were added or replaced since m.
func (h gwHistory) changedSince(m histMark) bool { return h.mark() != m }

// addChanged is add, except for a snapshot that only carries the previous
// one's data under a later second (timeOnly): it adds a point only when s
// starts a new histStep, so an idle gateway's history — and the timeline
// drawn from it — stands still in between.
func (h gwHistory) addChanged(prev, s *model.Snapshot) gwHistory {
	if len(h) > 0 && timeOnly(prev, s) && s.Time.Truncate(histStep).Equal(h[len(h)-1].at.Truncate(histStep)) {
		return h
	}
	return h.add(s)
}

// timeOnly reports whether s is prev's data under another time: the
// aggregator's answer when nothing changed (the same upstream, event and
// gateway rows, shared).
func timeOnly(prev, s *model.Snapshot) bool {
	return prev != nil && s != nil && prev != s &&
		sameRows(prev.Upstreams, s.Upstreams) && sameRows(prev.Events, s.Events) && sameRows(prev.Gateways, s.Gateways) &&
		prev.ReqPerSec == s.ReqPerSec && prev.Rate5xx == s.Rate5xx && prev.LatencyMS == s.LatencyMS
}

func sameRows[T any](a, b []T) bool {
	return len(a) == len(b) && (len(a) == 0 || unsafe.SliceData(a) == unsafe.SliceData(b))
}

// add records s. The first snapshot (or one older than the last point,
// which means the source started over) seeds the history from what the
// snapshot carries: the last 5 minutes of every upstream's 10 s buckets.
func (h gwHistory) add(s *model.Snapshot) gwHistory {
	if s == nil {
		return h
	}
	if len(h) == 0 || s.Time.Before(h[len(h)-1].at) {
		h = seedHistory(s)
	}
	p95 := s.LatencyMS.P95
	if s.LatencyMS.Count == 0 && p95 == 0 {
		p95 = math.NaN()
	}
	p := histPoint{at: s.Time, req: s.ReqPerSec, rate5xx: s.Rate5xx, p95: p95}
	cut := s.Time.Add(-histSpan)
	bucket := s.Time.Truncate(histStep)
	out := make(gwHistory, 0, min(len(h), histCap)+1)
	for _, q := range h {
		if q.at.After(cut) && !q.at.Truncate(histStep).Equal(bucket) {
			out = append(out, q)
		}
	}
	out = append(out, p)
	if len(out) > histCap+1 {
		out = out[len(out)-histCap-1:]
	}
	return out
}

// seedHistory estimates the gateway's last 5 minutes from the upstreams'
// 10 s buckets, which hold 5xx counts and p95s but no request counts:
// req/s is the upstreams' 5-minute average throughout, the 5xx ratio is a
// bucket's 5xx count over that, and p95 the request-weighted mean of the
// upstreams' p95s. The newest bucket is still filling and is left to the
// live point.
func seedHistory(s *model.Snapshot) gwHistory {
	n := 0
	req := 0.0
	for i := range s.Upstreams {
		u := &s.Upstreams[i]
		n = max(n, len(u.Spark5xx), len(u.SparkP95))
		req += u.ReqPerSec
	}
	var out gwHistory
	for k := n - 1; k >= 1; k-- { // k buckets back from the newest
		var errs, wsum, psum, pplain float64
		pn := 0
		for i := range s.Upstreams {
			u := &s.Upstreams[i]
			if j := len(u.Spark5xx) - 1 - k; j >= 0 {
				errs += u.Spark5xx[j]
			}
			if j := len(u.SparkP95) - 1 - k; j >= 0 && u.SparkP95[j] > 0 {
				v := u.SparkP95[j]
				wsum += u.ReqPerSec
				psum += u.ReqPerSec * v
				pplain += v
				pn++
			}
		}
		p := histPoint{at: s.Time.Add(-time.Duration(k) * seedStep), req: req, p95: math.NaN(), est: true}
		if req > 0 {
			p.rate5xx = min(errs/(req*seedStep.Seconds()), 1)
		}
		switch {
		case wsum > 0:
			p.p95 = psum / wsum
		case pn > 0:
			p.p95 = pplain / float64(pn)
		}
		out = append(out, p)
	}
	return out
}

// timelineEvent is one mark on the timeline's event row.
type timelineEvent struct {
	at   time.Time
	mark string // the glyph
	rank int    // which mark wins a shared column: higher wins
}

// eventMark is how an event shows on the time axis.
func eventMark(ev *model.Event) (string, int) {
	switch ev.Kind {
	case model.EventMarker:
		return "⚑", 5
	case model.EventReload:
		return "↻", 4
	case model.EventRestart:
		return "↺", 3
	case model.EventConfig:
		return "✎", 3
	}
	switch ev.To {
	case model.StateDown:
		return render.Symbol(ev.To), 2
	case model.StateDegraded:
		return render.Symbol(ev.To), 1
	case model.StateUp:
		return "✓", 0
	}
	return render.Symbol(ev.To), 0
}

// timeline draws the overview's lower part: three charts over the last 15
// minutes on one time axis, the events on it, and the newest failure lines.
type timeline struct {
	c       *Common
	width   int
	height  int
	hist    gwHistory
	snap    *model.Snapshot
	markers []Marker
	order   []int                       // the overview's row order, for the failure lines
	charts  chartMemos                  // the charts as last drawn, by name; nil draws each
	fails   *keptLines[*model.Upstream] // the failure lines as last drawn, by upstream; nil draws each
}

// chartMemos keeps each chart's lines with what they were drawn from: the
// timeline is redrawn at every snapshot (every second, for the clock), and
// its columns, five to fifteen seconds each, mostly have not moved.
type chartMemos map[string]*chartMemo

type chartMemo struct {
	cur, hiText string
	hi          float64
	height      int
	estCols     int
	series      []float64
	lines       []string
}

// same reports whether the memo was drawn from these figures (NaN, no
// data, equal to NaN).
func (c *chartMemo) same(cur, hiText string, hi float64, height, estCols int, series []float64) bool {
	if c.cur != cur || c.hiText != hiText || c.hi != hi || c.height != height || c.estCols != estCols || len(c.series) != len(series) {
		return false
	}
	for i, v := range series {
		if w := c.series[i]; v != w && !(math.IsNaN(v) && math.IsNaN(w)) {
			return false
		}
	}
	return true
}

// timelineMinHeight is the least the lower part is drawn in: a title, three
// charts of two rows, the event row, the axis and one failure line.
const timelineMinHeight = 1 + 3*2 + 1 + 1 + 1

// The lower part grows its charts to maxChartRows and its failure lines
// to maxFailures; lines beyond that stay blank.
const (
	maxChartRows = 8
	maxFailures  = 8
)

// labelWidth is the column left of the charts: the metric and its figures.
const labelWidth = 16

func (t *timeline) lines() []string {
	if t.height < timelineMinHeight || t.width < labelWidth+10 || t.snap == nil {
		return nil
	}
	s, g := &t.c.Styles, t.c.Glyphs
	cw := min(t.width-labelWidth-1, histCap)
	// The failure lines there are (at least one, to say there are none)
	// under their title; the charts share the rest.
	nf := 1
	for i := range t.snap.Upstreams {
		if len(t.snap.Upstreams[i].Evidence) > 0 {
			nf++
		}
	}
	nf = min(max(nf, 2), 1+maxFailures)
	chartH := min(max((t.height-3-nf)/3, 2), maxChartRows)
	now := t.snap.Time
	start := now.Add(-histSpan)
	req, rate, p95, estCols := t.columns(start, cw)
	estUntil := time.Time{}
	for _, p := range t.hist {
		if p.est && p.at.After(start) && p.at.After(estUntil) {
			estUntil = p.at
		}
	}

	out := make([]string, 0, t.height)
	title := s.Section.Render("TIMELINE") + s.Muted.Render("  last 15 min  ·  ⚑ marker  ↻ reload  ↺ restart  ✎ config  ✖ ▲ ✓ state")
	if !estUntil.IsZero() {
		title += s.Muted.Render("  ·  estimated until " + estUntil.Format("15:04:05"))
	}
	out = append(out, g.Fit(title, t.width))

	chart := func(name, cur, hiText string, series []float64, hi float64) {
		memo := t.charts[name]
		if memo != nil && memo.same(cur, hiText, hi, chartH, estCols, series) {
			out = append(out, memo.lines...)
			return
		}
		first := len(out)
		defer func() {
			if t.charts != nil {
				t.charts[name] = &chartMemo{cur: cur, hiText: hiText, hi: hi, height: chartH, estCols: estCols,
					series: slices.Clone(series), lines: slices.Clone(out[first:])}
			}
		}()
		rows := render.Chart(series, chartH, hi)
		for r, row := range rows {
			label := ""
			switch r {
			case 0:
				label = g.Fit(name, 6) + s.Value.Render(g.FitRight(cur, labelWidth-6))
			case 1:
				label = s.Muted.Render(g.FitRight("max "+hiText, labelWidth))
			}
			// Columns estimated from the first snapshot are drawn muted.
			rs := []rune(row)
			drawn := s.Muted.Render(string(rs[:estCols])) + s.Spark.Render(string(rs[estCols:]))
			out = append(out, padCells(label, labelWidth)+" "+drawn)
		}
	}
	reqHi := render.ChartMax(req, 1)
	chart("req/s", render.PerSec(t.snap.ReqPerSec), render.PerSec(reqHi), req, reqHi)
	rateHi := render.ChartMax(rate, 0.01)
	chart("5xx", render.Pct(t.snap.Rate5xx), render.Pct(rateHi), rate, rateHi)
	p95Hi := render.ChartMax(p95, 10)
	chart("p95", render.Latency(t.snap.LatencyMS, t.snap.LatencyMS.P95), render.MS(p95Hi), p95, p95Hi)

	out = append(out, padCells(s.Muted.Render("events"), labelWidth)+" "+t.eventRow(start, cw))
	out = append(out, strings.Repeat(" ", labelWidth+1)+s.Muted.Render(axis(cw)))

	if room := t.height - len(out); room >= 1 {
		out = append(out, t.failures(min(room, 1+maxFailures))...)
	}
	if room := t.height - len(out); room >= 3 {
		out = append(out, "")
		out = append(out, t.recent(room-1)...)
	}
	for len(out) < t.height {
		out = append(out, "")
	}
	return out[:t.height]
}

// padCells right-pads a styled string to w cells.
func padCells(s string, w int) string {
	if n := render.Width(s); n < w {
		return s + strings.Repeat(" ", w-n)
	}
	return s
}

// colEnd is where column c of cw ends: the last one ends now.
func colEnd(start time.Time, c, cw int) time.Time {
	return start.Add(histSpan * time.Duration(c+1) / time.Duration(cw))
}

// columns resamples the history to cw columns, the last one ending now: a
// column shows the newest point at or before its end, if that point is
// recent enough (within a snapshot bucket of it) — otherwise NaN, no data.
// estCols is how many of the first columns show estimated points.
func (t *timeline) columns(start time.Time, cw int) (req, rate, p95 []float64, estCols int) {
	req, rate, p95 = make([]float64, cw), make([]float64, cw), make([]float64, cw)
	stale := max(histSpan/time.Duration(cw), seedStep) + time.Second
	h := t.hist
	for c := range cw {
		end := colEnd(start, c, cw)
		i := sort.Search(len(h), func(i int) bool { return h[i].at.After(end) }) - 1
		if i < 0 || end.Sub(h[i].at) > stale {
			req[c], rate[c], p95[c] = math.NaN(), math.NaN(), math.NaN()
			continue
		}
		req[c], rate[c], p95[c] = h[i].req, h[i].rate5xx, h[i].p95
		if h[i].est {
			estCols = c + 1
		}
	}
	return req, rate, p95, estCols
}

// eventRow puts each event's mark in the column of its time; where two
// share a column the marker beats a reload, a reload a restart, and a
// restart a state change.
func (t *timeline) eventRow(start time.Time, cw int) string {
	var evs []timelineEvent
	if t.snap != nil {
		for i := range t.snap.Events {
			m, r := eventMark(&t.snap.Events[i])
			evs = append(evs, timelineEvent{at: t.snap.Events[i].Time, mark: m, rank: r})
		}
	}
	for _, mk := range t.markers {
		evs = append(evs, timelineEvent{at: mk.Time, mark: "⚑", rank: 5})
	}
	marks := make([]string, cw)
	ranks := make([]int, cw)
	end := start.Add(histSpan)
	for _, e := range evs {
		if !e.at.After(start) || e.at.After(end) {
			continue
		}
		c := min(int(e.at.Sub(start)*time.Duration(cw)/histSpan), cw-1)
		if marks[c] == "" || e.rank > ranks[c] {
			marks[c], ranks[c] = e.mark, e.rank
		}
	}
	s := &t.c.Styles
	var b strings.Builder
	for c, m := range marks {
		switch {
		case m == "":
			b.WriteByte(' ')
		case ranks[c] >= 3:
			b.WriteString(s.Accent.Render(m))
		case ranks[c] == 2:
			b.WriteString(s.StateDown.Render(m))
		case ranks[c] == 1:
			b.WriteString(s.StateDegraded.Render(m))
		default:
			b.WriteString(s.StateUp.Render(m))
		}
	}
	return b.String()
}

// axis is the time axis under the charts: a tick every 5 minutes, labelled
// relative to now.
func axis(cw int) string {
	line := []rune(strings.Repeat("─", cw))
	labels := make([]rune, cw)
	for i := range labels {
		labels[i] = ' '
	}
	put := func(c int, text string) {
		r := []rune(text)
		c = max(0, min(c, cw-len(r)))
		copy(labels[c:], r)
	}
	for _, m := range []int{15, 10, 5} {
		c := (15 - m) * cw / 15
		line[c] = '┼'
		put(c+1, "-"+strconv.Itoa(m)+"m")
	}
	line[cw-1] = '┼'
	put(cw-3, "now")
	// One line: the ticks where the labels leave room.
	out := make([]rune, cw)
	for i := range out {
		if labels[i] != ' ' {
			out[i] = labels[i]
		} else {
			out[i] = line[i]
		}
	}
	return string(out)
}

// failures is a title and the latest evidence line of the first upstreams
// in the table's order that have one.
func (t *timeline) failures(n int) []string {
	s, g := &t.c.Styles, t.c.Glyphs
	out := []string{s.Section.Render("LATEST FAILURES")}
	ups := t.snap.Upstreams
	t.fails.frame(t.width, true)
	for _, r := range t.order {
		if len(out) >= n {
			break
		}
		u := &ups[r]
		if len(u.Evidence) == 0 {
			continue
		}
		out = append(out, t.fails.line(u, func() string {
			return g.Fit(stateStyle(s, u.State).Render(render.Symbol(u.State))+" "+s.Value.Render(Sanitize(u.Name))+
				" "+s.Muted.Render(Sanitize(u.Address))+"  "+Sanitize(u.Evidence[len(u.Evidence)-1]), t.width)
		}))
	}
	t.fails.done()
	if len(out) == 1 {
		out = append(out, s.Muted.Render(g.Fit("no failure lines yet", t.width)))
	}
	return out[:min(len(out), n)]
}

// recent is a title and the newest events, newest first, drawn as the
// events pane draws them; `e` opens the whole list.
func (t *timeline) recent(n int) []string {
	ep := eventsPane{c: t.c, width: t.width, height: n + 1, snap: t.snap, markers: t.markers}
	ep.rebuild()
	if len(ep.lines) == 0 {
		return nil
	}
	s, g := &t.c.Styles, t.c.Glyphs
	out := []string{g.Fit(s.Section.Render("RECENT EVENTS")+s.Muted.Render("  e: all of them"), t.width)}
	return append(out, ep.lines[:min(len(ep.lines), n-1)]...)
}
