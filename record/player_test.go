package record

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// fakeClock is a wall clock the test moves.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time { return c.t }

func openTraffic(t *testing.T, n int) *Reader {
	t.Helper()
	path := filepath.Join(t.TempDir(), "rec")
	writeUpstreams(t, path, 3, n, Options{FullEvery: 30})
	r, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

func TestPlayerClockSeekSpeedPause(t *testing.T) {
	r := openTraffic(t, 130)
	clk := &fakeClock{t: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)}
	p := NewPlayer(r, clk.now)
	at := func() time.Duration { a, _, _ := p.Position(); return a.Sub(t0) }

	clk.t = clk.t.Add(3 * time.Second)
	if got := at(); got != 3*time.Second {
		t.Fatalf("after 3 s at 1×: %v", got)
	}
	if s := p.Latest(); !s.Time.Equal(t0.Add(3 * time.Second)) {
		t.Errorf("latest at 3 s: %v", s.Time)
	}
	p.Seek(10 * time.Second)
	if got := at(); got != 13*time.Second {
		t.Errorf("after → : %v", got)
	}
	p.Seek(-30 * time.Second) // before the start: the start
	if got := at(); got != 0 {
		t.Errorf("after ← past the start: %v", got)
	}
	p.ChangeSpeed(+1)
	p.ChangeSpeed(+1)
	if _, _, sp := p.Position(); sp != 4 {
		t.Errorf("speed %v, want 4", sp)
	}
	clk.t = clk.t.Add(2 * time.Second)
	if got := at(); got != 8*time.Second {
		t.Errorf("2 s at 4×: %v", got)
	}
	p.TogglePause()
	clk.t = clk.t.Add(time.Minute)
	if got, paused, _ := p.Position(); got.Sub(t0) != 8*time.Second || !paused {
		t.Errorf("paused: %v %v", got.Sub(t0), paused)
	}
	for range 20 {
		p.ChangeSpeed(-1)
	}
	if _, _, sp := p.Position(); sp != Speeds[0] {
		t.Errorf("slowest %v", sp)
	}
	// Playing past the end stops there, paused.
	p.TogglePause()
	p.ChangeSpeed(+100)
	clk.t = clk.t.Add(time.Hour)
	if got, paused, _ := p.Position(); !got.Equal(r.End()) || !paused {
		t.Errorf("past the end: %v paused %v", got, paused)
	}
	if s := p.Latest(); !s.Time.Equal(r.End()) {
		t.Errorf("latest at the end: %v", s.Time)
	}
	// Space at the end starts over.
	p.TogglePause()
	if got, paused, _ := p.Position(); !got.Equal(r.Start()) || paused {
		t.Errorf("restart: %v paused %v", got, paused)
	}
}

// ] and [ go to the events' first snapshots, one after the other.
func TestPlayerJumpEvents(t *testing.T) {
	r := openTraffic(t, 130)
	clk := &fakeClock{t: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)}
	p := NewPlayer(r, clk.now)
	p.TogglePause()
	at := func() time.Duration { a, _, _ := p.Position(); return a.Sub(t0) }
	// app-0 goes down at 20 s, app-1 at 40 s, app-2 at 60 s.
	for _, want := range []time.Duration{20 * time.Second, 40 * time.Second, 60 * time.Second} {
		if !p.JumpEvent(+1) || at() != want {
			t.Fatalf("] → %v, want %v", at(), want)
		}
		s := p.Latest()
		if len(s.Events) == 0 || !s.Events[len(s.Events)-1].Time.Equal(t0.Add(want)) {
			t.Fatalf("the snapshot at %v does not hold its event", want)
		}
	}
	if p.JumpEvent(+1) {
		t.Error("] after the last event moved")
	}
	if !p.JumpEvent(-1) || at() != 40*time.Second {
		t.Errorf("[ → %v, want 40s", at())
	}
	p.Seek(-5 * time.Second) // 35 s
	if !p.JumpEvent(-1) || at() != 20*time.Second {
		t.Errorf("[ from 35 s → %v, want 20s", at())
	}
	if p.JumpEvent(-1) {
		t.Error("[ before the first event moved")
	}
}

// A recording still being written (the TUI's --record) and opened while
// the last frame is half on disk replays what is whole.
func TestPlayerOnTornFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "rec")
	want, _ := writeUpstreams(t, path, 3, 50, Options{})
	full, _ := os.ReadFile(path)
	os.WriteFile(path, full[:len(full)-7], 0o600)
	r, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	p := NewPlayer(r, nil)
	p.SeekTo(t0.Add(time.Hour))
	if s := p.Latest(); !bytes.Equal(mustJSON(t, s), want[48]) || len(r.Notes()) != 1 {
		t.Errorf("torn: last %v notes %q", s.Time, r.Notes())
	}
}
