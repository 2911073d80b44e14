package record

import (
	"sync"
	"time"

	"github.com/gwtop/gwtop/model"
)

// Speeds are the replay speeds < and > step through.
var Speeds = []float64{0.25, 0.5, 1, 2, 4, 8, 16, 32, 64}

// Player plays a recording on a clock: the screen's source in gwtop
// replay. Its controls only move the clock (no I/O, so the UI may call
// them from Update); Latest decodes the snapshot at the clock, and is
// called from the UI's tick command. Safe for concurrent use.
type Player struct {
	r   *Reader
	now func() time.Time

	mu     sync.Mutex
	pos    time.Time // the recording's time at anchor
	anchor time.Time // the wall clock when pos was set
	speed  int       // index in Speeds
	paused bool
	// evTime is the event the last jump went to, and evPos where the
	// clock was put for it: ] and [ step from the event, not from the
	// snapshot after it.
	evTime, evPos time.Time
	err           error

	dec sync.Mutex // the reader is not safe for concurrent use
}

// NewPlayer plays r from its start at 1×; now is the wall clock (nil:
// time.Now).
func NewPlayer(r *Reader, now func() time.Time) *Player {
	if now == nil {
		now = time.Now
	}
	return &Player{r: r, now: now, pos: r.Start(), anchor: now(), speed: 2}
}

// clock is the recording's time now; at the end the player pauses there.
func (p *Player) clock() time.Time {
	if p.paused {
		return p.pos
	}
	now := p.now()
	t := p.pos.Add(time.Duration(float64(now.Sub(p.anchor)) * Speeds[p.speed]))
	if end := p.r.End(); !t.Before(end) {
		p.pos, p.anchor, p.paused = end, now, true
		return end
	}
	return t
}

func (p *Player) set(t time.Time) {
	if start := p.r.Start(); t.Before(start) {
		t = start
	}
	if end := p.r.End(); t.After(end) {
		t = end
	}
	p.pos, p.anchor = t, p.now()
}

// Position is the recording's clock, whether it is paused and the speed.
func (p *Player) Position() (at time.Time, paused bool, speed float64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.clock(), p.paused, Speeds[p.speed]
}

// Range is the recording's first and last snapshot times.
func (p *Player) Range() (start, end time.Time) { return p.r.Start(), p.r.End() }

// TogglePause stops or restarts the clock; restarting at the end starts
// over.
func (p *Player) TogglePause() {
	p.mu.Lock()
	defer p.mu.Unlock()
	t := p.clock()
	if p.paused && !t.Before(p.r.End()) {
		t = p.r.Start()
	}
	p.paused = !p.paused
	p.set(t)
}

// Seek moves the clock by d, within the recording.
func (p *Player) Seek(d time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.set(p.clock().Add(d))
}

// SeekTo puts the clock at t.
func (p *Player) SeekTo(t time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.set(t)
}

// JumpEvent moves the clock to the next (dir > 0) or previous event's
// first snapshot, and reports whether there was one.
func (p *Player) JumpEvent(dir int) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	ref := p.clock()
	if !p.evPos.IsZero() && ref.Sub(p.evPos).Abs() < time.Second {
		ref = p.evTime
	}
	evs := p.r.Events()
	start, end := p.r.Start(), p.r.End()
	var found *model.Event
	if dir > 0 {
		for i := range evs {
			if t := evs[i].Time; t.After(ref) && !t.After(end) && (found == nil || t.Before(found.Time)) {
				found = &evs[i]
			}
		}
	} else {
		for i := range evs {
			if t := evs[i].Time; t.Before(ref) && !t.Before(start) && (found == nil || t.After(found.Time)) {
				found = &evs[i]
			}
		}
	}
	if found == nil {
		return false
	}
	p.set(p.r.Time(p.r.IndexAfter(found.Time)))
	p.evTime, p.evPos = found.Time, p.pos
	return true
}

// ChangeSpeed steps the speed up (dir > 0) or down.
func (p *Player) ChangeSpeed(dir int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.set(p.clock())
	p.speed = min(max(p.speed+dir, 0), len(Speeds)-1)
}

// Latest is the snapshot at the clock. A snapshot that does not decode
// leaves the last good one (Err says why).
func (p *Player) Latest() *model.Snapshot {
	t, _, _ := p.Position()
	p.dec.Lock()
	defer p.dec.Unlock()
	s, err := p.r.At(t)
	if err != nil {
		p.mu.Lock()
		p.err = err
		p.mu.Unlock()
		return p.r.last.snap
	}
	return s
}

// Err is the last decoding error, if any.
func (p *Player) Err() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.err
}
