package ui

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/gwtop/gwtop/model"
)

// deploySnapshots is 14 minutes of the fixture gateway, one snapshot per
// 5 s bucket: healthy at 200 req/s, 0.2% 5xx and a 120 ms p95 until a deploy
// marker 6 minutes before the end, then 8% 5xx and a 900 ms p95; nginx
// reloads 3 minutes before the end and an upstream restarts a minute
// after that. The last snapshot is the fixture's own figures.
func deploySnapshots() []*model.Snapshot {
	deploy := fixedNow.Add(-6 * time.Minute)
	extra := []model.Event{
		{Time: deploy, Kind: model.EventMarker, Name: "deploy v2.3", Text: "deploy v2.3", Source: "gwtop mark"},
		{Time: fixedNow.Add(-3 * time.Minute), Kind: model.EventReload, Name: "nginx", Gateway: "nginx", Text: "nginx reloaded its configuration", Source: "nginx error_log"},
		{Time: fixedNow.Add(-2 * time.Minute), Kind: model.EventRestart, Name: "api", Upstream: "api", Address: "10.0.0.5:8000", Source: "listeners"},
	}
	var out []*model.Snapshot
	for at := fixedNow.Add(-14 * time.Minute); !at.After(fixedNow); at = at.Add(histStep) {
		s := *fixtureSnapshot()
		s.Time = at
		var events []model.Event
		for _, ev := range append(s.Events, extra...) {
			if !ev.Time.After(at) {
				events = append(events, ev)
			}
		}
		s.Events = events
		if at.Before(fixedNow) {
			s.ReqPerSec, s.Rate5xx, s.LatencyMS.P95 = 200, 0.002, 120
			if !at.Before(deploy) {
				s.ReqPerSec, s.Rate5xx, s.LatencyMS.P95 = 180, 0.08, 900
			}
		}
		out = append(out, &s)
	}
	return out
}

// deployModel is a model of size w×h that has been shown deploySnapshots.
func deployModel(w, h int, opt Options) Model {
	snaps := deploySnapshots()
	m := newTestModelOpts(w, h, opt, snaps[0])
	for _, s := range snaps[1:] {
		m = update(m, SnapshotMsg{Snapshot: s})
	}
	return m
}

// lineWith is the first line of out that starts with prefix.
func lineWith(out, prefix string) string {
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, prefix) {
			return l
		}
	}
	return ""
}

func TestGoldenTimeline(t *testing.T) {
	for _, c := range []struct {
		name string
		w, h int
		opt  Options
	}{
		{"80x24", 80, 24, Options{Theme: "dark"}},
		{"200x60", 200, 60, Options{Theme: "dark"}},
		{"200x60_ascii", 200, 60, Options{Theme: "dark", ASCII: true}},
	} {
		t.Run(c.name, func(t *testing.T) {
			golden.RequireEqual(t, []byte(plain(deployModel(c.w, c.h, c.opt))))
		})
	}
}

// TestTimelineAt200x60 reads the lower part: the charts follow the
// history, the events sit at their times, the failures are the table's.
func TestTimelineAt200x60(t *testing.T) {
	m := deployModel(200, 60, Options{Theme: "dark"})
	out := plain(m)
	for _, name := range []string{"web", "api", "static", "payments", "batch", "auth", "images", "search"} {
		if !strings.Contains(out, name) {
			t.Errorf("the table lost %s:\n%s", name, out)
		}
	}
	if !strings.Contains(out, "TIMELINE  last 15 min") || !strings.Contains(out, "LATEST FAILURES") {
		t.Fatalf("no timeline at 200x60:\n%s", out)
	}
	// 200 columns less the label: 180 columns of 5 s each, so the marker
	// 6 minutes before the end is 72 columns from the right edge.
	ev := lineWith(out, "events")
	runes := []rune(ev)
	if len(runes) != labelWidth+1+histCap {
		t.Fatalf("events row is %d cells: %q", len(runes), ev)
	}
	at := func(before time.Duration) string {
		c := labelWidth + 1 + histCap - int(before/histStep)
		return string(runes[c])
	}
	for before, want := range map[time.Duration]string{
		6 * time.Minute: "⚑", 3 * time.Minute: "↻", 2 * time.Minute: "↺",
		4 * time.Minute: "✖", 30 * time.Second: "▲",
	} {
		if got := at(before); got != want {
			t.Errorf("%v before now: %q, want %q in %q", before, got, want, ev)
		}
	}
	// The 5xx chart is empty before the deploy (0.2% of a 1% floor is a
	// sliver) and full after it: its top row has ink only after the marker.
	rows := strings.Split(out, "\n")
	var top string
	for i, l := range rows {
		if strings.HasPrefix(l, "5xx") {
			top = rows[i]
		}
	}
	chart := []rune(top)[labelWidth+1:]
	deployCol := histCap - int(6*time.Minute/histStep)
	if strings.TrimSpace(string(chart[:deployCol-1])) != "" {
		t.Errorf("5xx top row has ink before the deploy: %q", string(chart))
	}
	if strings.Count(string(chart[deployCol:]), "█") < 60 {
		t.Errorf("5xx top row should be full after the deploy: %q", string(chart))
	}
	if !strings.Contains(top, "3.1%") {
		t.Errorf("5xx label should show the current 3.1%%: %q", top)
	}
	fail := out[strings.Index(out, "LATEST FAILURES"):]
	if !strings.Contains(fail, "api 10.0.0.5:8000") || !strings.Contains(fail, "connect() failed (111: Connection refused)") {
		t.Errorf("failure lines should show api's latest evidence:\n%s", fail)
	}
	// The rest of the screen lists the newest events, newest first, with
	// the reload and the restart in words.
	recent := out[strings.Index(out, "RECENT EVENTS"):]
	for _, want := range []string{"12:02:34  ●→▲  auth", "12:01:04  ↺ api restarted  10.0.0.5:8000  (listeners)", "12:00:04  ↻ nginx reloaded its configuration  (nginx error_log)"} {
		if !strings.Contains(recent, want) {
			t.Errorf("recent events lack %q:\n%s", want, recent)
		}
	}
	if strings.Index(recent, "auth") > strings.Index(recent, "api restarted") {
		t.Errorf("recent events should be newest first:\n%s", recent)
	}
	// The first snapshot (14 minutes back) seeded 10 s buckets up to
	// 14m10s back: the first 11 five-second columns show them, muted.
	tl := timeline{c: m.common, hist: m.hist, snap: m.shown}
	if _, _, _, est := tl.columns(fixedNow.Add(-histSpan), histCap); est != 11 {
		t.Errorf("estimated columns %d, want 11", est)
	}
	if !strings.Contains(out, "estimated until 11:48:54") {
		t.Errorf("the title should say where the estimate ends")
	}
	// The table still answers to the keys: page down moves by its rows.
	if got := ov(press(m, "pgdown")).cursor; got != 7 {
		t.Errorf("page down on 8 rows went to %d", got)
	}
}

func TestTimelineNotAt80x24(t *testing.T) {
	out := plain(deployModel(80, 24, Options{Theme: "dark"}))
	if strings.Contains(out, "TIMELINE") || strings.Contains(out, "LATEST FAILURES") {
		t.Fatalf("80x24 has no room for a timeline:\n%s", out)
	}
	for _, name := range []string{"web", "api", "static", "payments", "batch", "auth", "images", "search"} {
		if !strings.Contains(out, name) {
			t.Errorf("80x24 lost %s", name)
		}
	}
}

// TestTimelineASCII: in ASCII mode the charts, marks and axis fold.
func TestTimelineASCII(t *testing.T) {
	out := plain(deployModel(200, 60, Options{Theme: "dark", ASCII: true}))
	if i := firstHighByte(out); i >= 0 {
		t.Fatalf("byte %#x at %d: %q", out[i], i, around(out, i))
	}
	ev := lineWith(out, "events")
	for _, mark := range []string{"*", "R", "r", "X", "!"} {
		if !strings.Contains(ev[labelWidth:], mark) {
			t.Errorf("ASCII events row lacks %q: %q", mark, ev)
		}
	}
	if !strings.Contains(out, "+-10m") || !strings.Contains(out, "#") {
		t.Errorf("ASCII axis or chart missing:\n%s", out)
	}
}

func TestSplitOverview(t *testing.T) {
	cases := []struct{ body, rows, table, tl int }{
		{20, 8, 20, 0},  // 80x24: the table keeps it all
		{25, 2, 25, 0},  // below the least body
		{36, 8, 10, 26}, // 120x40: title, 8 rows, a blank line
		{56, 8, 10, 46}, // 200x60
		{36, 30, 36, 0}, // the rows need it
		{36, 36 - 2 - timelineMinHeight, 36 - timelineMinHeight, timelineMinHeight},
		{36, 36 - 1 - timelineMinHeight, 36, 0},
	}
	for _, c := range cases {
		table, tl := splitOverview(c.body, c.rows)
		if table != c.table || tl != c.tl {
			t.Errorf("body %d rows %d: table %d timeline %d, want %d %d", c.body, c.rows, table, tl, c.table, c.tl)
		}
	}
}

func TestHistorySeedsFromTheFirstSnapshot(t *testing.T) {
	s := &model.Snapshot{
		Time:      fixedNow,
		ReqPerSec: 12, Rate5xx: 0.25, LatencyMS: model.Latency{P95: 300, Count: 10},
		Upstreams: []model.Upstream{
			{Name: "a", ReqPerSec: 3, Spark5xx: []float64{6, 0, 9}, SparkP95: []float64{100, 200, 999}},
			{Name: "b", ReqPerSec: 1, Spark5xx: []float64{2, 0, 1}, SparkP95: []float64{0, 400, 999}},
		},
	}
	h := gwHistory(nil).add(s)
	if len(h) != 3 {
		t.Fatalf("want 2 estimated buckets and the live point, got %+v", h)
	}
	// 20 s back: 8 5xx in 10 s at 4 req/s is 20%; p95 only a's (b had none).
	if p := h[0]; !p.est || !p.at.Equal(fixedNow.Add(-20*time.Second)) || p.req != 4 || p.rate5xx != 0.2 || p.p95 != 100 {
		t.Errorf("oldest bucket %+v", p)
	}
	// 10 s back: no 5xx; p95 weighted by req/s: (3×200 + 1×400)/4.
	if p := h[1]; !p.est || p.rate5xx != 0 || p.p95 != 250 {
		t.Errorf("second bucket %+v", p)
	}
	if p := h[2]; p.est || p.req != 12 || p.rate5xx != 0.25 || p.p95 != 300 {
		t.Errorf("live point %+v", p)
	}
	// No latency at all is no data, not 0 ms.
	q := gwHistory(nil).add(&model.Snapshot{Time: fixedNow})
	if len(q) != 1 || !math.IsNaN(q[0].p95) {
		t.Errorf("empty snapshot: %+v", q)
	}
}

func TestHistoryIsBoundedAndCopyOnWrite(t *testing.T) {
	var h gwHistory
	var kept gwHistory
	for i := range 3600 { // an hour of snapshots every second
		h = h.add(&model.Snapshot{Time: fixedNow.Add(time.Duration(i) * time.Second), ReqPerSec: float64(i)})
		if i == 100 {
			kept = h
		}
	}
	if len(h) > histCap+1 {
		t.Fatalf("history grew to %d points", len(h))
	}
	last := fixedNow.Add(3599 * time.Second)
	if !h[0].at.After(last.Add(-histSpan)) || !h[len(h)-1].at.Equal(last) || h[len(h)-1].req != 3599 {
		t.Fatalf("history spans %v..%v", h[0].at, h[len(h)-1].at)
	}
	// One point per 5 s bucket: the newest snapshot in a bucket replaces
	// the one before it.
	for i := 1; i < len(h); i++ {
		if h[i].at.Truncate(histStep).Equal(h[i-1].at.Truncate(histStep)) {
			t.Fatalf("two points in one bucket: %v %v", h[i-1].at, h[i].at)
		}
	}
	if got := kept[len(kept)-1]; got.req != 100 {
		t.Fatalf("a kept history changed under its holder: %+v", got)
	}
	// A snapshot older than the history (the source started over) starts
	// a new one.
	h = h.add(&model.Snapshot{Time: fixedNow, ReqPerSec: 1})
	if len(h) != 1 || h[0].req != 1 {
		t.Fatalf("after going back in time: %+v", h)
	}
}

// TestHistoryFrozenWhilePaused: the root keeps recording while paused,
// and the timeline shows the paused snapshot's history until p again.
func TestHistoryFrozenWhilePaused(t *testing.T) {
	snaps := deploySnapshots()
	m := newTestModel(200, 60, "dark", snaps[0])
	m = press(m, "p")
	for _, s := range snaps[1:] {
		m = update(m, SnapshotMsg{Snapshot: s})
	}
	if len(ov(m).hist) != len(gwHistory(nil).add(snaps[0])) {
		t.Fatalf("paused timeline moved: %d points", len(ov(m).hist))
	}
	m = press(m, "p")
	if len(ov(m).hist) != len(m.hist) || len(m.hist) < len(snaps) {
		t.Fatalf("after resuming: pane %d root %d snapshots %d", len(ov(m).hist), len(m.hist), len(snaps))
	}
}

// TestFlowTimeline runs the real program at 200×60: the snapshots arrive
// through the source, the timeline appears with the deploy's marks on it,
// and the operator's own marker joins them.
func TestFlowTimeline(t *testing.T) {
	snaps := deploySnapshots()
	// The last snapshot carries a token no other shows, so the flow knows
	// it has been read before the operator drops a marker on it.
	last := *snaps[len(snaps)-1]
	last.Gateways = append([]model.Gateway(nil), last.Gateways...)
	last.Gateways[2].Error = "QZXJVK"
	snaps[len(snaps)-1] = &last
	src := &atomicSource{}
	src.p.Store(snaps[0])
	tm := teatest.NewTestModel(t, New(src, Options{Refresh: 10 * time.Millisecond}),
		teatest.WithInitialTermSize(200, 60),
		teatest.WithProgramOptions(tea.WithColorProfile(colorprofile.ASCII)))
	waitFor(t, tm, "LATEST FAILURES")
	for _, s := range snaps[1:] {
		src.p.Store(s)
		time.Sleep(15 * time.Millisecond)
	}
	waitFor(t, tm, "QZXJVK")
	tm.Send(keyMsg("m"))
	waitFor(t, tm, "since deploy #1")
	tm.Send(keyMsg("q"))

	final := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(Model)
	if final.shown != snaps[len(snaps)-1] {
		t.Fatal("the last snapshot should be shown")
	}
	ev := []rune(lineWith(plain(final), "events"))
	if len(ev) == 0 || string(ev[len(ev)-1]) != "⚑" {
		t.Fatalf("the operator's marker should be at now, the right edge: %q", string(ev))
	}
	if n := strings.Count(string(ev), "⚑"); n != 2 {
		t.Fatalf("want the deploy's marker and the operator's, got %d: %q", n, string(ev))
	}
}

// TestFlowNoTimelineAt80x24: the same run on a small terminal keeps every
// row and draws no timeline.
func TestFlowNoTimelineAt80x24(t *testing.T) {
	snaps := deploySnapshots()
	src := &atomicSource{}
	src.p.Store(snaps[len(snaps)-1])
	tm := teatest.NewTestModel(t, New(src, Options{Refresh: 10 * time.Millisecond}),
		teatest.WithInitialTermSize(80, 24),
		teatest.WithProgramOptions(tea.WithColorProfile(colorprofile.ASCII)))
	waitFor(t, tm, "search")
	tm.Send(keyMsg("q"))
	final := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(Model)
	out := plain(final)
	if strings.Contains(out, "TIMELINE") || ov(final).tableH != ov(final).height {
		t.Fatalf("80x24 should have no timeline:\n%s", out)
	}
}

// BenchmarkTimelineSnapshot is the cost of taking in a snapshot at 200×60
// with 15 minutes of history: the history's copy and the timeline's redraw,
// once per tick. Frames between ticks reuse the drawn lines.
func BenchmarkTimelineSnapshot(b *testing.B) {
	snaps := deploySnapshots()
	m := deployModel(200, 60, Options{Theme: "dark"})
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		s := *snaps[len(snaps)-1]
		s.Time = s.Time.Add(time.Duration(i) * 500 * time.Millisecond)
		i++
		m = update(m, SnapshotMsg{Snapshot: &s})
	}
}

// TestTimelineChartMemo: the overview redraws its timeline from charts it
// keeps; after each of the deploy's snapshots, each second for a minute
// past its end (the figures changing now and then), and a theme change,
// the timeline drawn from the kept charts is the one drawn from nothing.
func TestTimelineChartMemo(t *testing.T) {
	snaps := deploySnapshots()
	m := newTestModelOpts(200, 60, Options{Theme: "dark"}, snaps[0])
	check := func(what string) {
		t.Helper()
		o := ov(m)
		h := o.height - o.tableH
		if len(o.charts) == 0 {
			t.Fatalf("%s: no chart kept", what)
		}
		kept := timeline{c: o.c, width: o.width, height: h, hist: o.hist, snap: o.snap, markers: o.markers, order: o.rows, charts: o.charts, fails: o.fails}
		fresh := kept
		fresh.charts, fresh.fails = nil, nil
		if got, want := kept.lines(), fresh.lines(); !slices.Equal(got, want) {
			t.Fatalf("%s: the kept charts drew\n%s\nnot\n%s", what, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	}
	for i, s := range snaps[1:] {
		m = update(m, SnapshotMsg{Snapshot: s})
		check(fmt.Sprintf("snapshot %d", i+1))
	}
	last := snaps[len(snaps)-1]
	for i := range 60 {
		s := *last
		s.Time = last.Time.Add(time.Duration(i+1) * time.Second)
		if i%7 == 3 {
			s.ReqPerSec, s.LatencyMS.P95 = float64(100+i), float64(10*i)
		}
		m = update(m, SnapshotMsg{Snapshot: &s})
		check(fmt.Sprintf("second %d", i+1))
	}
	m = press(m, "t")
	check("after a theme change")
	m = update(m, tea.WindowSizeMsg{Width: 150, Height: 60})
	check("after a resize")

	// The same columns under other current figures: the labels change.
	o := ov(m)
	cur := *o.snap
	cur.ReqPerSec, cur.Rate5xx, cur.LatencyMS.P95 = 12345, 0.5, 4321
	kept := timeline{c: o.c, width: o.width, height: o.height - o.tableH, hist: o.hist, snap: &cur, markers: o.markers, order: o.rows, charts: o.charts, fails: o.fails}
	fresh := kept
	fresh.charts, fresh.fails = nil, nil
	if got, want := kept.lines(), fresh.lines(); !slices.Equal(got, want) {
		t.Fatalf("new current figures: the kept charts drew\n%s\nnot\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
