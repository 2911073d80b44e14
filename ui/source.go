// Package ui is gwtop's terminal interface: a Bubble Tea program that redraws
// the latest model.Snapshot a few times a second — header, overview of every
// upstream, upstream detail, events timeline, host and help, as panes on a
// stack (pane.go) — and never does I/O in Update. The data engine publishes snapshots; the UI only reads them.
package ui

import (
	"time"

	"github.com/gwtop/gwtop/model"
	"github.com/gwtop/gwtop/themes"
)

// Source gives the UI the latest snapshot. Latest must be cheap and
// non-blocking (an atomic load); it may return nil before the first snapshot.
type Source interface {
	Latest() *model.Snapshot
}

// Options configure the UI.
type Options struct {
	Refresh time.Duration // redraw tick, default 250ms (4/s)
	Theme   string        // "auto" (default), "dark", "light", "high-contrast", "colorblind"
	NoColor bool          // no colours at all; Run also honours the NO_COLOR env var
	Title   string        // e.g. "nginx 127.0.0.1:8080" for the header
}

// DefaultRefresh is the redraw tick when Options.Refresh is not set.
const DefaultRefresh = 250 * time.Millisecond

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
	return o
}

// SnapshotMsg delivers a snapshot to the model. The redraw tick produces
// them from Source.Latest; a program may also Send one directly (tests do).
type SnapshotMsg struct {
	Snapshot *model.Snapshot
	fromTick bool // only tick-produced messages re-arm the tick
}
