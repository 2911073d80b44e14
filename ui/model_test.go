package ui

import (
	"image/color"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/gwtop/gwtop/model"
	"github.com/gwtop/gwtop/themes"
)

func selectedName(t *testing.T, m Model) string {
	t.Helper()
	u := ov(m).Selected()
	if u == nil {
		t.Fatal("no row selected")
	}
	return u.Name
}

func rowNames(m Model) []string {
	var out []string
	for _, r := range ov(m).rows {
		out = append(out, ov(m).snap.Upstreams[r].Name)
	}
	return out
}

func TestSeverityIsTheDefaultOrder(t *testing.T) {
	m := newTestModel(120, 40, "dark", fixtureSnapshot())
	got := strings.Join(rowNames(m), ",")
	want := "search,api,payments,auth,batch,images-resizer-with-a-very-long-name,static,web"
	if got != want {
		t.Fatalf("severity order\n got %s\nwant %s", got, want)
	}
}

func TestMoveKeys(t *testing.T) {
	m := newTestModel(120, 40, "dark", bigSnapshot(200))
	if ov(m).cursor != 0 {
		t.Fatal("cursor should start on the first row")
	}
	steps := []struct {
		key  string
		want int
	}{
		{"j", 1}, {"down", 2}, {"k", 1}, {"up", 0}, {"up", 0},
		{"G", 199}, {"g", 0}, {"end", 199}, {"home", 0},
		{"pgdown", 36}, {"pgdown", 72}, {"pgup", 36},
	}
	for _, s := range steps {
		m = press(m, s.key)
		if ov(m).cursor != s.want {
			t.Fatalf("after %q cursor = %d, want %d", s.key, ov(m).cursor, s.want)
		}
		vis := ov(m).visibleRows()
		if ov(m).cursor < ov(m).offset || ov(m).cursor >= ov(m).offset+vis {
			t.Fatalf("after %q cursor %d is off screen (offset %d, %d rows)", s.key, ov(m).cursor, ov(m).offset, vis)
		}
	}
}

func TestSortKeyCyclesModesAndOrder(t *testing.T) {
	m := newTestModel(120, 40, "dark", fixtureSnapshot())
	want := []struct {
		mode  colID
		first string
	}{
		{colName, "api"},
		{col5xx, "search"},
		{colP95, "payments"},
		{colReqs, "web"},
		{colBadge, "search"},
	}
	for _, w := range want {
		m = press(m, "s")
		if ov(m).sort != w.mode {
			t.Fatalf("sort = %v, want %v", ov(m).sort, w.mode)
		}
		if got := rowNames(m)[0]; got != w.first {
			t.Fatalf("sorted by %v the first row is %q, want %q", w.mode, got, w.first)
		}
	}
	if !strings.Contains(plain(press(m, "s")), "sort name") {
		t.Fatal("footer should name the sort mode")
	}
}

func TestFilterNarrowsLiveAndEscClears(t *testing.T) {
	m := newTestModel(120, 40, "dark", fixtureSnapshot())
	m = press(m, "/")
	if topName(m) != "filter" {
		t.Fatalf("/ should focus the filter, focus = %v", topName(m))
	}
	m = typeText(m, "pa")
	if n := len(ov(m).rows); n != 1 {
		t.Fatalf("after typing 'pa' %d rows, want 1 (payments): %v", n, rowNames(m))
	}
	// q is text while typing, not quit.
	m2, cmd := m.Update(keyMsg("q"))
	if cmd != nil {
		if _, quit := cmd().(tea.QuitMsg); quit {
			t.Fatal("q in the filter input must not quit")
		}
	}
	m = m2.(Model)
	if ov(m).FilterValue() != "paq" || len(ov(m).rows) != 0 {
		t.Fatalf("filter %q rows %d", ov(m).FilterValue(), len(ov(m).rows))
	}
	if !strings.Contains(plain(m), "no upstream matches") {
		t.Fatal("an empty result should say so")
	}
	m = press(m, "backspace")
	if len(ov(m).rows) != 1 {
		t.Fatal("backspace should widen the filter again")
	}
	m = press(m, "enter")
	if topName(m) != "overview" || ov(m).FilterValue() != "pa" {
		t.Fatalf("enter should keep the filter and leave the input: focus %v filter %q", topName(m), ov(m).FilterValue())
	}
	if !strings.Contains(plain(m), "/pa") {
		t.Fatal("the footer should show the active filter")
	}
	m = press(m, "esc")
	if ov(m).FilterValue() != "" || len(ov(m).rows) != 8 {
		t.Fatalf("esc on the overview should clear the filter: %q, %d rows", ov(m).FilterValue(), len(ov(m).rows))
	}
}

func TestFilterMatchesAddressAndCause(t *testing.T) {
	cases := map[string][]string{
		"10.0.0.9":     {"auth"},
		"refused":      {"api"},
		"READ_TIMEOUT": {"payments"},
		"internal":     {"search"},
	}
	for q, want := range cases {
		m := newTestModel(120, 40, "dark", fixtureSnapshot())
		m = typeText(press(m, "/"), q)
		if got := rowNames(m); strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("filter %q = %v, want %v", q, got, want)
		}
		m = press(m, "esc")
		if ov(m).FilterValue() != "" || topName(m) != "overview" {
			t.Errorf("esc in the input should clear and leave it")
		}
	}
}

func TestPauseFreezesTheScreen(t *testing.T) {
	m := newTestModel(120, 40, "dark", fixtureSnapshot())
	m = press(m, "p")
	if !m.paused || !strings.Contains(plain(m), "PAUSED") {
		t.Fatal("p should pause and say so")
	}
	newer := fixtureSnapshot()
	newer.Time = fixedNow.Add(time.Minute)
	newer.Upstreams = newer.Upstreams[:2]
	m = update(m, SnapshotMsg{Snapshot: newer})
	if m.latest != newer {
		t.Fatal("data must keep being collected while paused")
	}
	if m.shown == newer || len(ov(m).rows) != 8 || !strings.Contains(plain(m), "12:03:04") {
		t.Fatal("the screen must stay on the old snapshot while paused")
	}
	m = press(m, "p")
	if m.paused || m.shown != newer || len(ov(m).rows) != 2 || !strings.Contains(plain(m), "12:04:04") {
		t.Fatal("resuming should show the newest snapshot at once")
	}
}

func TestMarkerRecordsFiguresAndHeaderComparesThem(t *testing.T) {
	m := newTestModel(120, 40, "dark", beforeDeploy())
	m = press(m, "m")
	if len(m.markers) != 1 {
		t.Fatalf("markers = %d", len(m.markers))
	}
	mk := m.markers[0]
	if mk.N != 1 || mk.Rate5xx != 0.004 || mk.P95 != 120 || !mk.Time.Equal(beforeDeploy().Time) {
		t.Fatalf("marker = %+v", mk)
	}
	m = update(m, SnapshotMsg{Snapshot: fixtureSnapshot()})
	want := "since deploy #1 (2m13s): 5xx 0.4%→3.1%  p95 120ms→480ms"
	if !strings.Contains(plain(m), want) {
		t.Fatalf("header should compare before/after:\n%s", plain(m))
	}
	m = press(m, "m")
	if len(m.markers) != 2 || !strings.Contains(plain(m), "since deploy #2 (0s)") {
		t.Fatal("a second marker should be numbered #2 and become the header's reference")
	}
}

func TestMarkerBeforeAnySnapshot(t *testing.T) {
	m := newTestModel(80, 24, "dark", nil)
	m = press(m, "m")
	if len(m.markers) != 1 || m.markers[0].HasData || !m.markers[0].Time.Equal(fixedNow) {
		t.Fatalf("marker without data = %+v", m.markers)
	}
	if !strings.Contains(plain(m), "no data before the marker") {
		t.Fatal("header should say the marker has nothing to compare")
	}
}

func TestThemeCycles(t *testing.T) {
	m := newTestModel(80, 24, "dark", fixtureSnapshot())
	var seen []string
	for range themes.Names() {
		m = press(m, "t")
		seen = append(seen, m.common.Styles.Name)
	}
	want := "light,high-contrast,colorblind,no-color,dark"
	if strings.Join(seen, ",") != want {
		t.Fatalf("themes cycled %v, want %s", seen, want)
	}
	if ov(m).filter.Styles().Focused.Prompt.GetForeground() == nil {
		t.Fatal("the filter input should take its colours from the theme")
	}
}

func TestNoColorPinsTheTheme(t *testing.T) {
	m := New(fixedSource{fixtureSnapshot()}, Options{NoColor: true, Theme: "dark"})
	if m.common.Styles.Name != themes.NoColor {
		t.Fatalf("NoColor gives theme %q", m.common.Styles.Name)
	}
	m = press(m, "t")
	if m.common.Styles.Name != themes.NoColor {
		t.Fatal("t must not bring colours back when the operator asked for none")
	}
	m = update(m, tea.WindowSizeMsg{Width: 120, Height: 40})
	m = update(m, SnapshotMsg{Snapshot: fixtureSnapshot()})
	out := m.View().Content
	for _, bad := range []string{"[38;", "[48;", ";38;", ";48;"} {
		if strings.Contains(out, bad) {
			t.Fatalf("no-colour view contains a colour sequence %q", bad)
		}
	}
	if !strings.Contains(out, "\x1b[7m") && !strings.Contains(out, ";7m") && !strings.Contains(out, "[7;") {
		t.Fatal("no-colour view should mark the selection with reverse video")
	}
}

func TestAutoThemeFollowsBackground(t *testing.T) {
	m := New(fixedSource{}, Options{})
	if m.common.Styles.Name != themes.Dark {
		t.Fatalf("auto starts as dark until told, got %q", m.common.Styles.Name)
	}
	m = update(m, tea.BackgroundColorMsg{Color: color.White})
	if m.common.Styles.Name != themes.Light {
		t.Fatalf("a white background should pick light, got %q", m.common.Styles.Name)
	}
	m = update(m, tea.BackgroundColorMsg{Color: color.Black})
	if m.common.Styles.Name != themes.Dark {
		t.Fatalf("a black background should pick dark, got %q", m.common.Styles.Name)
	}
	fixed := New(fixedSource{}, Options{Theme: "dark"})
	fixed = update(fixed, tea.BackgroundColorMsg{Color: color.White})
	if fixed.common.Styles.Name != themes.Dark {
		t.Fatal("an explicit theme must not follow the background")
	}
	hc := update(New(fixedSource{}, Options{Theme: "high-contrast"}), tea.BackgroundColorMsg{Color: color.White})
	if hc.common.Styles.Name != themes.HighContrast {
		t.Fatal("high-contrast must stay high-contrast")
	}
}

func TestHelpToggles(t *testing.T) {
	m := newTestModel(120, 40, "dark", fixtureSnapshot())
	m = press(m, "?")
	if topName(m) != "help" || !strings.Contains(plain(m), "LEGEND") {
		t.Fatal("? should open help")
	}
	for _, b := range m.common.Keys.FullHelp() {
		for _, k := range b {
			if !strings.Contains(plain(m), k.Help().Desc) {
				t.Fatalf("help is missing %q", k.Help().Desc)
			}
		}
	}
	if topName(press(m, "?")) != "overview" {
		t.Fatal("? again should close help")
	}
	if topName(press(m, "esc")) != "overview" {
		t.Fatal("esc should close help")
	}
}

func TestEnterOpensDetailAndEscGoesBack(t *testing.T) {
	m := newTestModel(80, 24, "dark", fixtureSnapshot())
	m = press(m, "j", "enter")
	if topName(m) != "detail" || det(m).upstream() == nil || det(m).upstream().Name != "api" {
		t.Fatalf("enter should open api's detail, focus %v", topName(m))
	}
	out := plain(m)
	for _, want := range []string{"PROBABLE CAUSES", "refused ×2950", "next systemctl status api", "LATENCY"} {
		if !strings.Contains(out, want) {
			t.Fatalf("detail is missing %q:\n%s", want, out)
		}
	}
	// j scrolls the detail, it does not move the overview's selection.
	m = press(m, "j", "j")
	if det(m).vp.YOffset() != 2 || selectedName(t, m) != "api" {
		t.Fatalf("j in detail should scroll (offset %d)", det(m).vp.YOffset())
	}
	m = press(m, "esc")
	if topName(m) != "overview" || selectedName(t, m) != "api" {
		t.Fatal("esc should return to the overview with the same row selected")
	}
}

func TestDetailFollowsNewSnapshots(t *testing.T) {
	m := newTestModel(120, 40, "dark", fixtureSnapshot())
	m = press(m, "j", "enter")
	next := fixtureSnapshot()
	next.Upstreams[1].Causes[0].Count = 9999 // api is index 1 in the fixture
	m = update(m, SnapshotMsg{Snapshot: next})
	if !strings.Contains(plain(m), "refused ×9999") {
		t.Fatal("detail should redraw from the new snapshot")
	}
	gone := fixtureSnapshot()
	gone.Upstreams = gone.Upstreams[:1]
	m = update(m, SnapshotMsg{Snapshot: gone})
	if !strings.Contains(plain(m), "not in the latest snapshot") {
		t.Fatal("detail should say when its upstream disappears")
	}
}

func TestEventsToggle(t *testing.T) {
	m := newTestModel(120, 40, "dark", fixtureSnapshot())
	m = press(m, "e")
	if topName(m) != "events" {
		t.Fatal("e should open events")
	}
	out := plain(m)
	if !strings.Contains(out, "11:59:04  ▲→✖  api") {
		t.Fatalf("events should list state changes with symbols:\n%s", out)
	}
	if topName(press(m, "e")) != "overview" {
		t.Fatal("e again should close events")
	}
	if topName(press(m, "esc")) != "overview" {
		t.Fatal("esc should close events")
	}
	m = press(newTestModel(120, 40, "dark", fixtureSnapshot()), "?", "e")
	if topName(m) != "events" || len(m.stack) != 2 {
		t.Fatalf("e from help should replace help with events: %v", m.stack)
	}
	m = press(m, "?", "e")
	if topName(m) != "events" || len(m.stack) != 2 {
		t.Fatalf("e from help over events should go back to events: %v", m.stack)
	}
}

func TestQuitKeys(t *testing.T) {
	for _, k := range []string{"q", "ctrl+c"} {
		for _, reach := range []func(Model) Model{
			func(m Model) Model { return m },
			func(m Model) Model { return press(m, "enter") },
			func(m Model) Model { return press(m, "?") },
		} {
			m := reach(newTestModel(80, 24, "dark", fixtureSnapshot()))
			_, cmd := m.Update(keyMsg(k))
			if cmd == nil {
				t.Fatalf("%s returned no command", k)
			}
			if _, ok := cmd().(tea.QuitMsg); !ok {
				t.Fatalf("%s did not quit", k)
			}
		}
	}
	m := press(newTestModel(80, 24, "dark", fixtureSnapshot()), "/")
	_, cmd := m.Update(keyMsg("ctrl+c"))
	if cmd == nil {
		t.Fatal("ctrl+c in the filter input should still quit")
	}
	if _, ok := cmd().(tea.QuitMsg); !ok {
		t.Fatal("ctrl+c in the filter input should still quit")
	}
}

func TestMouse(t *testing.T) {
	m := newTestModel(80, 24, "dark", bigSnapshot(100))
	m = update(m, tea.MouseWheelMsg{Button: tea.MouseWheelDown})
	if ov(m).cursor != 3 {
		t.Fatalf("wheel down moved to %d, want 3", ov(m).cursor)
	}
	m = update(m, tea.MouseWheelMsg{Button: tea.MouseWheelUp})
	if ov(m).cursor != 0 {
		t.Fatalf("wheel up moved to %d, want 0", ov(m).cursor)
	}
	// Header is 2 lines, then the column titles: screen line 3 is row 0,
	// line 8 is row 5.
	m = update(m, tea.MouseClickMsg{Button: tea.MouseLeft, Y: 8})
	if ov(m).cursor != 5 {
		t.Fatalf("click on line 8 selected row %d, want 5", ov(m).cursor)
	}
	m = update(m, tea.MouseClickMsg{Button: tea.MouseLeft, Y: 0})
	if ov(m).cursor != 5 {
		t.Fatal("a click on the header must not change the selection")
	}
	m = press(m, "enter")
	m = update(m, tea.MouseWheelMsg{Button: tea.MouseWheelDown})
	if det(m).vp.YOffset() == 0 {
		t.Fatal("the wheel should scroll the detail")
	}
}

func TestSelectionFollowsItsUpstream(t *testing.T) {
	m := newTestModel(120, 40, "dark", fixtureSnapshot())
	m = press(m, "j", "j") // payments
	if selectedName(t, m) != "payments" {
		t.Fatalf("selected %q", selectedName(t, m))
	}
	next := fixtureSnapshot()
	for i := range next.Upstreams {
		if next.Upstreams[i].Name == "payments" {
			next.Upstreams[i].State = model.StateDown
			next.Upstreams[i].Rate5xx = 1
		}
	}
	m = update(m, SnapshotMsg{Snapshot: next})
	if selectedName(t, m) != "payments" || ov(m).cursor != 0 {
		t.Fatalf("selection should follow payments to the top, got %q at %d", selectedName(t, m), ov(m).cursor)
	}
}

func TestTickReadsTheSourceInACommand(t *testing.T) {
	snap := fixtureSnapshot()
	m := New(fixedSource{snap}, Options{Refresh: time.Millisecond})
	msg := m.readNow()()
	sm, ok := msg.(SnapshotMsg)
	if !ok || sm.Snapshot != snap {
		t.Fatalf("readNow returned %T", msg)
	}
	if _, cmd := m.Update(sm); cmd == nil {
		t.Fatal("a tick's snapshot should re-arm the tick")
	}
	if _, cmd := m.Update(SnapshotMsg{Snapshot: snap}); cmd != nil {
		t.Fatal("a snapshot sent from outside must not start a second tick chain")
	}
	if msg := m.tick()(); msg.(SnapshotMsg).Snapshot != snap {
		t.Fatal("the tick should read the source")
	}
	// A nil snapshot (engine not started yet) keeps the old one.
	m = update(m, SnapshotMsg{Snapshot: snap})
	m = update(m, SnapshotMsg{Snapshot: nil, fromTick: true})
	if m.shown != snap {
		t.Fatal("a nil snapshot must not blank the screen")
	}
}

func TestViewDeclaresAltScreenAndMouse(t *testing.T) {
	v := newTestModel(80, 24, "dark", fixtureSnapshot()).View()
	if !v.AltScreen || v.MouseMode != tea.MouseModeCellMotion {
		t.Fatalf("view should ask for the alt screen and cell-motion mouse: %+v", v)
	}
}

func TestWaitingAndEmptyStates(t *testing.T) {
	m := newTestModel(80, 24, "dark", nil)
	if out := plain(m); !strings.Contains(out, "waiting for the first snapshot") || !strings.Contains(out, "--:--:--") {
		t.Fatalf("before the first snapshot:\n%s", out)
	}
	empty := fixtureSnapshot()
	empty.Upstreams = nil
	if out := plain(update(m, SnapshotMsg{Snapshot: empty})); !strings.Contains(out, "no upstreams seen yet") {
		t.Fatalf("with no upstreams:\n%s", out)
	}
	if topName(press(m, "enter")) != "overview" {
		t.Fatal("enter with no rows must not open an empty detail")
	}
}

func TestDetailShowsEveryPartWhenTall(t *testing.T) {
	snap := fixtureSnapshot()
	snap.Upstreams[1].AvgMS = map[string]float64{"ttime": 12, "ctime": 0.5}
	snap.Upstreams[1].LatencyNote = "averages from HAProxy stats"
	m := press(newTestModel(120, 60, "dark", snap), "j", "enter")
	out := plain(m)
	for _, want := range []string{"LAST PROBE", "✖ refused in connect dial tcp", "history", "48/60 ok", "STATUS CODES", "502 ×1966", "EVIDENCE", "p95 5m", "5xx 5m", "avg  ctime 0.5ms  ttime 12ms", "note: averages from HAProxy stats"} {
		if !strings.Contains(out, want) {
			t.Fatalf("detail is missing %q:\n%s", want, out)
		}
	}
}

func TestCursorStaysOnTopUntilTheOperatorMovesIt(t *testing.T) {
	first := fixtureSnapshot()
	for i := range first.Upstreams {
		first.Upstreams[i].State = model.StateUnknown
		first.Upstreams[i].Rate5xx = 0
	}
	m := newTestModel(120, 40, "dark", first) // name order: api first
	m = update(m, SnapshotMsg{Snapshot: fixtureSnapshot()})
	if ov(m).cursor != 0 || selectedName(t, m) != "search" {
		t.Fatalf("untouched cursor should stay on the worst row, got %q at %d", selectedName(t, m), ov(m).cursor)
	}
	m = press(m, "j", "k") // now the operator has picked "search"
	m = update(m, SnapshotMsg{Snapshot: first})
	if selectedName(t, m) != "search" {
		t.Fatalf("a chosen row should be followed, got %q", selectedName(t, m))
	}
}
