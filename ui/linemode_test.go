package ui

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gwtop/gwtop/internal/proctest"
	"github.com/gwtop/gwtop/model"
	"github.com/gwtop/gwtop/ui/render"
)

// feedSource is a Source the test publishes snapshots to, as the engine
// would.
type feedSource struct {
	p atomic.Pointer[model.Snapshot]
}

func (f *feedSource) Latest() *model.Snapshot { return f.p.Load() }

// waitForLine polls until out contains want, or fails the test.
func waitForLine(t *testing.T, out *proctest.SyncBuffer, want string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(out.String(), want) {
		if time.Now().After(deadline) {
			t.Fatalf("no %q in the output:\n%s", want, out.String())
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// startLines runs Run with TERM=dumb and the given extra environment, and
// returns its output, a cancel and the channel Run's result arrives on.
func startLines(t *testing.T, src Source, kv ...string) (*proctest.SyncBuffer, context.CancelFunc, <-chan error) {
	t.Helper()
	out := &proctest.SyncBuffer{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	opt := Options{Getenv: env(append([]string{"TERM", "dumb"}, kv...)...), Output: out, LineRefresh: 5 * time.Millisecond}
	go func() { done <- Run(ctx, src, opt) }()
	t.Cleanup(cancel)
	return out, cancel, done
}

func stopped(t *testing.T, cancel context.CancelFunc, done <-chan error) {
	t.Helper()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run after cancel: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after ctx was cancelled")
	}
}

// TestLineModePrintsEachNewSnapshot: with TERM=dumb, Run prints a plain
// table per new snapshot, none for a snapshot already printed, and returns
// when ctx ends.
func TestLineModePrintsEachNewSnapshot(t *testing.T) {
	src := &feedSource{}
	out, cancel, done := startLines(t, src, "LANG", "en_US.UTF-8")
	time.Sleep(20 * time.Millisecond) // ticks with no snapshot print nothing
	if s := out.String(); s != "" {
		t.Fatalf("printed before the first snapshot: %q", s)
	}
	first := fixtureSnapshot()
	src.p.Store(first)
	waitForLine(t, out, "12:03:04  386 req/s  5xx/1m 3.1%")
	time.Sleep(30 * time.Millisecond) // several ticks on the same snapshot
	if n := strings.Count(out.String(), "req/s"); n != 1 {
		t.Fatalf("the same snapshot printed %d times", n)
	}
	second := fixtureSnapshot()
	second.Time = fixedNow.Add(2 * time.Second)
	src.p.Store(second)
	waitForLine(t, out, "12:03:06  386 req/s")
	stopped(t, cancel, done)

	got := out.String()
	after := len(got)
	time.Sleep(20 * time.Millisecond)
	if len(out.String()) != after {
		t.Fatal("still printing after Run returned")
	}
	if strings.ContainsRune(got, '\x1b') {
		t.Fatalf("escape sequence in the line mode:\n%q", got)
	}
	for _, l := range strings.Split(got, "\n") {
		if w := render.Width(l); w > defaultColumns {
			t.Errorf("line of %d cells, more than %d: %q", w, defaultColumns, l)
		}
	}
	for _, want := range []string{
		"STATE    UPSTREAM",
		"source failing: nginx error_log: permission denied",
		"down     search",
		"search.internal:9200",
		"dns ×400",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("no %q in:\n%s", want, got)
		}
	}
}

// TestLineTable is one snapshot as the line mode prints it at 80 columns,
// worst upstream first.
func TestLineTable(t *testing.T) {
	want := `12:03:04  386 req/s  5xx/1m 3.1%  p95/1m 480ms  8 upstreams: 2 down, 2 degrad...
source failing: nginx error_log: permission denied
STATE    UPSTREAM             ADDRESS              5XX/5m    P95  PROBABLE CAUSE
down     search               search.internal:9200   100%      -  dns x400 - ...
down     api                  10.0.0.5:8000         98.3%  2.4ms  refused x29...
degraded payments             10.0.0.7:8443          3.2%  910ms  read_timeou...
degraded auth                 10.0.0.9:9000          1.1%   40ms  reset x95 -...
unknown  batch                10.0.0.8:7000             -      -  no traffic ...
up       images-resizer-wi... 10.0.0.44:8081         0.1%  340ms
up       static               10.0.0.3:8080          0.0%  2.1ms
up       web                  10.0.0.2:8080          0.0%   11ms

`
	if got := lineTable(fixtureSnapshot(), render.ASCII, 80); got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
}

// TestLineModeWidthAndLocale: COLUMNS bounds every line (the address goes
// first when the cause would have no room), and LANG=C keeps the output
// ASCII.
func TestLineModeWidthAndLocale(t *testing.T) {
	src := &feedSource{}
	src.p.Store(fixtureSnapshot())
	out, cancel, done := startLines(t, src, "COLUMNS", "60", "LANG", "C")
	waitForLine(t, out, "web")
	stopped(t, cancel, done)
	got := out.String()
	for _, l := range strings.Split(got, "\n") {
		if w := render.Width(l); w > 60 {
			t.Errorf("line of %d cells at COLUMNS=60: %q", w, l)
		}
	}
	if strings.Contains(got, "ADDRESS") || strings.Contains(got, "10.0.0.5:8000") {
		t.Errorf("the address column should go at 60 columns:\n%s", got)
	}
	if i := firstHighByte(got); i >= 0 {
		t.Errorf("LANG=C line mode has non-ASCII: %q", around(got, i))
	}
	if strings.ContainsRune(got, '\x1b') {
		t.Error("escape sequence in the line mode")
	}
}
