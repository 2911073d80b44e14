package ui

import (
	"strconv"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// Replayer is a Source that plays a recording (gwtop replay): Latest is
// the snapshot at its clock. The controls only move the clock — no I/O —
// so Update may call them; Latest, which decodes, runs in the tick's
// command.
type Replayer interface {
	Source
	// Position is the recording's clock, whether it is paused, and the
	// speed (1 = real time).
	Position() (at time.Time, paused bool, speed float64)
	TogglePause()
	Seek(d time.Duration)
	// JumpEvent moves to the next (dir > 0) or previous event and reports
	// whether there was one.
	JumpEvent(dir int) bool
	ChangeSpeed(dir int)
}

// replayState is the player's clock as the last read saw it; the header
// draws it.
type replayState struct {
	at     time.Time
	paused bool
	speed  float64
}

// replaySeek is how far ← and → move.
const replaySeek = 10 * time.Second

// replayKeys are the keys of a replay, listed in the help pane.
type replayKeys struct {
	Pause, Back, Forward, PrevEvent, NextEvent, Slower, Faster key.Binding
}

func newReplayKeys() replayKeys {
	return replayKeys{
		Pause:     key.NewBinding(key.WithKeys("space", "p"), key.WithHelp("space", "pause replay")),
		Back:      key.NewBinding(key.WithKeys("left"), key.WithHelp("←", "back 10 s")),
		Forward:   key.NewBinding(key.WithKeys("right"), key.WithHelp("→", "forward 10 s")),
		PrevEvent: key.NewBinding(key.WithKeys("["), key.WithHelp("[", "previous event")),
		NextEvent: key.NewBinding(key.WithKeys("]"), key.WithHelp("]", "next event")),
		Slower:    key.NewBinding(key.WithKeys("<"), key.WithHelp("<", "slower")),
		Faster:    key.NewBinding(key.WithKeys(">"), key.WithHelp(">", "faster")),
	}
}

func (k replayKeys) list() []key.Binding {
	return []key.Binding{k.Pause, k.Back, k.Forward, k.PrevEvent, k.NextEvent, k.Slower, k.Faster}
}

// readSource reads the source (in a command, never in Update), with the
// player's clock when it is a replay.
func readSource(src Source, fromTick bool) SnapshotMsg {
	msg := SnapshotMsg{Snapshot: latest(src), fromTick: fromTick}
	if rp, ok := src.(Replayer); ok {
		at, paused, speed := rp.Position()
		msg.replay = &replayState{at: at, paused: paused, speed: speed}
	}
	return msg
}

// replayKey handles a replay's keys; handled is false for any other key,
// or when the source is live.
func (m *Model) replayKey(msg tea.KeyPressMsg) (handled bool, cmd tea.Cmd) {
	rp, ok := m.src.(Replayer)
	if !ok {
		return false, nil
	}
	k := newReplayKeys()
	switch {
	case key.Matches(msg, k.Pause):
		rp.TogglePause()
	case key.Matches(msg, k.Back):
		rp.Seek(-replaySeek)
	case key.Matches(msg, k.Forward):
		rp.Seek(replaySeek)
	case key.Matches(msg, k.PrevEvent):
		rp.JumpEvent(-1)
	case key.Matches(msg, k.NextEvent):
		rp.JumpEvent(+1)
	case key.Matches(msg, k.Slower):
		rp.ChangeSpeed(-1)
	case key.Matches(msg, k.Faster):
		rp.ChangeSpeed(+1)
	default:
		return false, nil
	}
	// Show the new moment now rather than at the next tick.
	src := m.src
	return true, func() tea.Msg { return readSource(src, false) }
}

// replayBadge is the header's right end in a replay: REPLAY, the speed,
// and ❚❚ while paused.
func replayBadge(r *replayState) string {
	out := "REPLAY ×" + strconv.FormatFloat(r.speed, 'g', -1, 64)
	if r.paused {
		out += " ❚❚"
	}
	return " " + out + " "
}
