// Package ui is gwtop's terminal interface: a Bubble Tea program that redraws
// the latest model.Snapshot a few times a second — header, overview of every
// upstream, upstream detail, events timeline, host and help, as panes on a
// stack (pane.go) — and never does I/O in Update. The data engine publishes snapshots; the UI only reads them.
package ui

import (
	"io"
	"os"
	"time"

	"github.com/gwtop/gwtop/model"
	"github.com/gwtop/gwtop/themes"
)

// Source gives the UI the latest snapshot. Latest must be cheap and
// non-blocking (an atomic load); it may return nil before the first snapshot.
type Source interface {
	Latest() *model.Snapshot
}

// Notifier is a Source that says when it publishes a newer snapshot (the
// engine, collector.Engine.Published): the UI reads it then, instead of
// polling Latest every Refresh, so a source that publishes nothing new
// wakes the screen up for nothing.
type Notifier interface {
	Source
	// Published returns a channel that is closed once a snapshot newer
	// than the one Latest returns now is published.
	Published() <-chan struct{}
}

// Watcher is a Source that wants to know which upstreams are on screen
// (the engine, collector.Engine.Watch): with many upstreams it refreshes
// those every second and the others less often, unless they have news.
// The UI calls Watch from a command, never from Update.
type Watcher interface {
	Source
	Watch([]model.RowRef)
}

// notifyFallback bounds the wait for a Notifier's next snapshot: should it
// never publish again (stopped), the UI reads it this often.
const notifyFallback = 5 * time.Second

// Options configure the UI.
type Options struct {
	// Refresh is the redraw tick, default 250ms (4/s). With a Notifier
	// source the screen reads each new snapshot when it is published
	// instead, but not sooner than Refresh after the previous one.
	Refresh time.Duration
	Theme   string // "auto" (default), "dark", "light", "high-contrast", "colorblind"
	NoColor bool   // no colours at all; Run also honours the NO_COLOR env var
	Title   string // e.g. "nginx 127.0.0.1:8080" for the header

	// ASCII draws with ASCII glyphs only (X ! o ? for the states, # . bars).
	// Run also sets it when the locale is not UTF-8 (LC_ALL, LC_CTYPE, LANG).
	ASCII bool
	// LineMode prints a plain-text table of each new snapshot to Output
	// instead of running the full-screen program; for a caller that knows
	// its output is not a terminal. Run also chooses it for TERM=dumb and
	// for a terminal it cannot address (no TERM, off Windows).
	LineMode bool
	// Output is where the line mode prints; nil is os.Stdout.
	Output io.Writer
	// LineRefresh is how often the line mode prints a snapshot that has
	// changed, default 2s: a table per redraw tick would flood a log.
	LineRefresh time.Duration
	// Getenv reads the environment Run decides from (TERM, COLUMNS, the
	// locale, NO_COLOR); nil is os.Getenv. Tests inject one.
	Getenv func(string) string
}

// DefaultRefresh is the redraw tick when Options.Refresh is not set.
const DefaultRefresh = 250 * time.Millisecond

// DefaultLineRefresh is the line mode's interval when Options.LineRefresh
// is not set.
const DefaultLineRefresh = 2 * time.Second

// withDefaults fills in the zero values, so the rest of the UI never checks.
func (o Options) withDefaults() Options {
	if o.Refresh <= 0 {
		o.Refresh = DefaultRefresh
	}
	if o.Theme == "" || !themes.Valid(o.Theme) {
		o.Theme = themes.Auto
	}
	if o.NoColor {
		o.Theme = themes.NoColor
	}
	if o.LineRefresh <= 0 {
		o.LineRefresh = DefaultLineRefresh
	}
	if o.Output == nil {
		o.Output = os.Stdout
	}
	if o.Getenv == nil {
		o.Getenv = os.Getenv
	}
	return o
}

// SnapshotMsg delivers a snapshot to the model. The redraw tick produces
// them from Source.Latest; a program may also Send one directly (tests do).
type SnapshotMsg struct {
	Snapshot *model.Snapshot
	fromTick bool // only tick-produced messages re-arm the tick
	// replay is the player's clock when the source is a Replayer.
	replay *replayState
}
