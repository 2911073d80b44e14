package ui

import (
	"bytes"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/gwtop/gwtop/model"
)

// atomicSource is what the engine provides: an atomic pointer the UI loads.
type atomicSource struct {
	p atomic.Pointer[model.Snapshot]
}

func (a *atomicSource) Latest() *model.Snapshot { return a.p.Load() }

func waitFor(t *testing.T, tm *teatest.TestModel, what string) {
	t.Helper()
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool {
		return bytes.Contains(b, []byte(what))
	}, teatest.WithDuration(5*time.Second), teatest.WithCheckInterval(10*time.Millisecond))
}

// TestFlowFilterDrillDownBackQuit runs the real program: the tick reads the
// source, the operator filters, opens the detail, goes back and quits.
func TestFlowFilterDrillDownBackQuit(t *testing.T) {
	src := &atomicSource{}
	src.p.Store(fixtureSnapshot())
	m := New(src, Options{Refresh: 20 * time.Millisecond, Title: "nginx 127.0.0.1:8080"})
	tm := teatest.NewTestModel(t, m,
		teatest.WithInitialTermSize(120, 40),
		teatest.WithProgramOptions(tea.WithColorProfile(colorprofile.ASCII)))

	waitFor(t, tm, "payments")

	tm.Send(keyMsg("/"))
	tm.Type("pay")
	tm.Send(keyMsg("enter"))
	waitFor(t, tm, "/pay")

	tm.Send(keyMsg("enter"))
	waitFor(t, tm, "PROBABLE CAUSES") // styles split "read_timeout ×310"

	// New data arrives through the source while the detail is open.
	next := fixtureSnapshot()
	next.Upstreams[3].Causes[0].Count = 4242 // payments
	// The renderer only redraws changed cells, so wait for a token that
	// shares no cell with the old screen and has no repeated letters.
	next.Upstreams[3].Causes[0].Hint = "QZXJVK"
	src.p.Store(next)
	waitFor(t, tm, "QZXJVK")

	tm.Send(keyMsg("esc"))
	tm.Send(keyMsg("q"))

	final := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(Model)
	if topName(final) != "overview" {
		t.Fatalf("should end on the overview, focus %v", topName(final))
	}
	if ov(final).FilterValue() != "pay" || len(ov(final).rows) != 1 {
		t.Fatalf("filter %q with %d rows, want pay with 1", ov(final).FilterValue(), len(ov(final).rows))
	}
	if final.shown != next {
		t.Fatal("the tick should have delivered the newest snapshot")
	}
	if out := plain(press(final, "enter")); !strings.Contains(out, "read_timeout ×4242") {
		t.Fatalf("detail should show the newest figures:\n%s", out)
	}
	if out := plain(final); !strings.Contains(out, "payments") || strings.Contains(out, "search.internal") {
		t.Fatalf("final screen should show only payments:\n%s", out)
	}
}

// TestFlowPauseMarkerEvents: pause freezes while the source moves on, a
// marker appears in the events timeline, quit with ctrl+c.
func TestFlowPauseMarkerEvents(t *testing.T) {
	src := &atomicSource{}
	src.p.Store(beforeDeploy())
	m := New(src, Options{Refresh: 20 * time.Millisecond})
	tm := teatest.NewTestModel(t, m,
		teatest.WithInitialTermSize(100, 30),
		teatest.WithProgramOptions(tea.WithColorProfile(colorprofile.ASCII)))
	waitFor(t, tm, "12:00:51")

	tm.Send(keyMsg("m"))
	waitFor(t, tm, "since deploy #1")
	tm.Send(keyMsg("p"))
	waitFor(t, tm, "PAUSED")
	src.p.Store(fixtureSnapshot())
	time.Sleep(100 * time.Millisecond) // several ticks while paused
	tm.Send(keyMsg("e"))
	waitFor(t, tm, "⚑ deploy #1")
	tm.Send(keyMsg("ctrl+c"))

	final := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(Model)
	if !final.paused || final.shown == final.latest || final.latest.Time != fixedNow {
		t.Fatalf("paused model should keep collecting but show the old snapshot (shown %v latest %v)", final.shown.Time, final.latest.Time)
	}
	if topName(final) != "events" || len(final.markers) != 1 {
		t.Fatalf("focus %v markers %d", topName(final), len(final.markers))
	}
}
