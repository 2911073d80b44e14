//go:build !linux

package procnet

import (
	"context"
	"errors"
	"time"

	"github.com/gwtop/gwtop/facts"
)

var errNeedsLinux = errors.New("procnet: needs Linux /proc")

// Tracker follows the host's listening sockets. Outside Linux there is no
// /proc to read: Sample returns an error and the snapshot stays empty.
type Tracker struct{ opt Options }

// New returns a Tracker.
func New(opt Options) *Tracker { return &Tracker{opt: opt.withDefaults()} }

// Sample returns an error: the socket tables need Linux /proc.
func (t *Tracker) Sample(_ context.Context, _ time.Time) error { return errNeedsLinux }

// Want does nothing outside Linux.
func (t *Tracker) Want(string, time.Time) {}

// Snapshot returns an empty sample that says why.
func (t *Tracker) Snapshot() facts.Listeners { return facts.Listeners{Err: errNeedsLinux.Error()} }

// Owned returns nothing outside Linux.
func (t *Tracker) Owned() []facts.Listener { return nil }

// Scans is always 0 outside Linux.
func (t *Tracker) Scans() int { return 0 }

// Garbage is always 0 outside Linux.
func (t *Tracker) Garbage() int { return 0 }
