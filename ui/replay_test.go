package ui

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/gwtop/gwtop/model"
	"github.com/gwtop/gwtop/record"
)

// Tokens the replay's snapshots carry in a gateway row's error, so a
// flow can tell which part of the recording is on screen. No two share a
// letter at the same place: the renderer rewrites every cell.
const (
	tokenEvent = "QZXJVK" // from the state event at 10 s to 20 s
	tokenLater = "WYMBUF" // from 20 s on
)

// replayFixture records 60 s of the fixture gateway (one snapshot every
// 500 ms from fixedNow) with a state event at 10 s and a marker at 25 s,
// and opens a player on it whose wall clock stands still until the test
// moves it.
func replayFixture(t *testing.T) (*record.Player, *time.Time) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "incident.rec")
	w, err := record.Create(path, record.Options{FullEvery: 30})
	if err != nil {
		t.Fatal(err)
	}
	var events []model.Event
	for i := range 121 {
		s := fixtureSnapshot()
		at := time.Duration(i) * 500 * time.Millisecond
		s.Time = fixedNow.Add(at)
		if at == 10*time.Second {
			events = append(events, model.Event{Time: s.Time, Kind: model.EventState, Name: "api", Upstream: "api",
				Address: "10.0.0.5:8000", From: model.StateUp, To: model.StateDown, Cause: model.CauseRefused})
		}
		if at == 25*time.Second {
			events = append(events, model.Event{Time: s.Time, Kind: model.EventMarker, Name: "deploy v2.3", Text: "deploy v2.3", Source: "gwtop mark"})
		}
		s.Events = append(s.Events, events...)
		switch {
		case at >= 20*time.Second:
			s.Gateways = append([]model.Gateway{{Kind: "nginx", Source: "stub_status", Error: tokenLater}}, s.Gateways...)
		case at >= 10*time.Second:
			s.Gateways = append([]model.Gateway{{Kind: "nginx", Source: "stub_status", Error: tokenEvent}}, s.Gateways...)
		}
		if err := w.Write(s); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	r, err := record.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	wall := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	return record.NewPlayer(r, func() time.Time { return wall }), &wall
}

// step sends a message and runs the command it returns, as the program
// would, feeding its message back (one level: a replay key's read).
func step(m Model, msg tea.Msg) Model {
	out, cmd := m.Update(msg)
	m = out.(Model)
	if cmd != nil {
		if next, ok := cmd().(SnapshotMsg); ok {
			out, _ = m.Update(next)
			m = out.(Model)
		}
	}
	return m
}

func replayModel(t *testing.T, w, h int) (Model, *record.Player, *time.Time) {
	p, wall := replayFixture(t)
	m := New(p, Options{Title: "nginx 127.0.0.1:8080"})
	m.now = func() time.Time { return fixedNow }
	m = update(m, tea.WindowSizeMsg{Width: w, Height: h})
	m = update(m, readSource(p, false))
	return m, p, wall
}

func shownAt(m Model) time.Duration { return m.shown.Time.Sub(fixedNow) }

// The replay keys move the player, and the screen shows the snapshot of
// the recording's clock at once.
func TestReplayKeys(t *testing.T) {
	m, p, wall := replayModel(t, 120, 40)
	if shownAt(m) != 0 || m.replay == nil || m.replay.speed != 1 || m.replay.paused {
		t.Fatalf("start: shown %v replay %+v", shownAt(m), m.replay)
	}
	m = step(m, keyMsg("right"))
	if shownAt(m) != 10*time.Second || !strings.Contains(plain(m), tokenEvent) {
		t.Errorf("→: shown %v", shownAt(m))
	}
	m = step(m, keyMsg("left"))
	m = step(m, keyMsg("left")) // clamped at the start
	if shownAt(m) != 0 {
		t.Errorf("← ←: shown %v", shownAt(m))
	}
	m = step(m, keyMsg("]"))
	base := len(fixtureSnapshot().Events)
	if shownAt(m) != 10*time.Second || len(m.shown.Events) != base+1 {
		t.Errorf("]: shown %v with %d events", shownAt(m), len(m.shown.Events))
	}
	m = step(m, keyMsg("]"))
	if shownAt(m) != 25*time.Second || m.shown.Events[base+1].Kind != model.EventMarker {
		t.Errorf("] ]: shown %v", shownAt(m))
	}
	m = step(m, keyMsg("["))
	if shownAt(m) != 10*time.Second {
		t.Errorf("[: shown %v", shownAt(m))
	}
	m = step(m, tea.KeyPressMsg{Code: tea.KeySpace, Text: " "})
	if !m.replay.paused || !strings.Contains(plain(m), "REPLAY ×1 ❚❚") {
		t.Errorf("space: replay %+v", m.replay)
	}
	*wall = wall.Add(5 * time.Second) // paused: the clock stays
	m = step(m, SnapshotMsg{Snapshot: p.Latest()})
	if shownAt(m) != 10*time.Second {
		t.Errorf("paused 5 s: shown %v", shownAt(m))
	}
	m = step(m, keyMsg("p")) // p plays too
	m = step(m, keyMsg(">"))
	m = step(m, keyMsg(">"))
	*wall = wall.Add(2 * time.Second) // 2 s at 4×
	m = step(m, readSource(p, false))
	if shownAt(m) != 18*time.Second || m.replay.speed != 4 || !strings.Contains(plain(m), "REPLAY ×4") {
		t.Errorf("4× for 2 s: shown %v replay %+v", shownAt(m), m.replay)
	}
	m = step(m, keyMsg("<"))
	if m.replay.speed != 2 {
		t.Errorf("<: speed %v", m.replay.speed)
	}
	// The header's clock is the recording's.
	if !strings.Contains(strings.Split(plain(m), "\n")[0], "12:03:22") {
		t.Errorf("header: %q", strings.Split(plain(m), "\n")[0])
	}
}

// Every pane works on a replay as live: the detail follows the recording.
func TestReplayPanes(t *testing.T) {
	m, _, _ := replayModel(t, 120, 40)
	m = step(m, keyMsg("]"))
	m = press(m, "e")
	if topName(m) != "events" || !strings.Contains(plain(m), "api") {
		t.Fatalf("events pane: %s", topName(m))
	}
	m = press(m, "esc", "enter")
	if topName(m) != "detail" {
		t.Fatalf("detail: %s", topName(m))
	}
	m = step(m, keyMsg("right"))
	if shownAt(m) != 20*time.Second || topName(m) != "detail" {
		t.Errorf("seek in the detail: shown %v on %s", shownAt(m), topName(m))
	}
}

// The help pane lists the replay's keys, and only in a replay.
func TestReplayHelp(t *testing.T) {
	m, _, _ := replayModel(t, 120, 40)
	m = press(m, "?")
	help := plain(m)
	for _, want := range []string{"space", "pause replay", "back 10 s", "forward 10 s", "previous event", "next event", "slower", "faster"} {
		if !strings.Contains(help, want) {
			t.Errorf("help lacks %q", want)
		}
	}
	live := press(newTestModel(120, 40, "dark", fixtureSnapshot()), "?")
	if strings.Contains(plain(live), "next event") {
		t.Error("the live help lists replay keys")
	}
	// Live, the keys are not the player's: space does not pause.
	live = press(newTestModel(120, 40, "dark", fixtureSnapshot()), "right", "]")
	if live.paused || live.replay != nil {
		t.Error("replay keys acted on a live screen")
	}
}

// TestGoldenReplay is the REPLAY header (and the screen under it) at
// 80×24, paused at the state event.
func TestGoldenReplay(t *testing.T) {
	m, _, _ := replayModel(t, 80, 24)
	m = step(m, keyMsg("]"))
	m = step(m, keyMsg(" "))
	m = step(m, keyMsg(">"))
	golden.RequireEqual(t, []byte(plain(m)))
}

// TestFlowReplay runs the real program on a player: seek, jump to an
// event, pause, speed, back, quit.
func TestFlowReplay(t *testing.T) {
	p, _ := replayFixture(t)
	m := New(p, Options{Refresh: 20 * time.Millisecond, Title: "nginx 127.0.0.1:8080"})
	tm := teatest.NewTestModel(t, m,
		teatest.WithInitialTermSize(120, 40),
		teatest.WithProgramOptions(tea.WithColorProfile(colorprofile.ASCII)))
	waitFor(t, tm, "REPLAY")

	tm.Send(keyMsg("]")) // the state event at 10 s
	waitFor(t, tm, tokenEvent)
	tm.Send(keyMsg(" "))
	waitFor(t, tm, "❚❚")
	tm.Send(keyMsg("right")) // 20 s
	waitFor(t, tm, tokenLater)
	tm.Send(keyMsg("[")) // back to the event
	waitFor(t, tm, tokenEvent)
	tm.Send(keyMsg(">"))
	tm.Send(keyMsg(">"))
	tm.Send(keyMsg("<"))
	tm.Send(keyMsg("q"))
	tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
	at, paused, speed := p.Position()
	if at.Sub(fixedNow) != 10*time.Second || !paused || speed != 2 {
		t.Errorf("player at %v paused %v speed %v", at.Sub(fixedNow), paused, speed)
	}
}
