package demo

import (
	"time"
)

// mode is how one upstream behaves at one moment of the schedule.
type mode int

const (
	modeHealthy  mode = iota
	modeDown          // listener closed: the gateway's connect() is refused
	modeSlow          // every answer takes slowDelay, past the gateway's read timeout
	modeWarmup        // just restarted: some answers are slow enough to time out
	modeCrashy        // some requests end with a closed or reset connection and no answer
	modeErroring      // some requests get an HTTP 500 from the application itself
)

func (m mode) String() string {
	switch m {
	case modeDown:
		return "down"
	case modeSlow:
		return "slow"
	case modeWarmup:
		return "warmup"
	case modeCrashy:
		return "crashy"
	case modeErroring:
		return "erroring"
	default:
		return "healthy"
	}
}

// period is the length of one cycle of the schedule. After it the story starts
// again, so a demo left running keeps changing instead of settling for good.
const period = 90 * time.Second

// window is a span of schedule time, relative to the start of a cycle, during
// which an upstream misbehaves in one way.
type window struct {
	from, to time.Duration
	mode     mode
}

// timeline tells the story of a deploy (playbook "During a deploy"): search
// gets slow first, payments restarts (refused, then a warm-up with timeouts),
// orders crashes mid-request, inventory throws application errors, and later
// the two auth servers are rolled one after the other with an overlap, so the
// gateway first retries the other server and then runs out of live servers.
// Upstreams not listed stay healthy throughout.
var timeline = map[string][]window{
	"search":    {{2 * time.Second, 32 * time.Second, modeSlow}},
	"payments":  {{3 * time.Second, 23 * time.Second, modeDown}, {23 * time.Second, 30 * time.Second, modeWarmup}},
	"orders":    {{5 * time.Second, 45 * time.Second, modeCrashy}},
	"inventory": {{1 * time.Second, 60 * time.Second, modeErroring}},
	"auth-1":    {{40 * time.Second, 52 * time.Second, modeDown}},
	"auth-2":    {{50 * time.Second, 62 * time.Second, modeDown}},
}

// schedule maps wall-clock time to a position in the cycle. speed > 1 makes
// the story run faster (tests use it so they need not wait for t=3s); the
// timeouts and delays of individual requests stay real, because they are what
// make nginx time out.
type schedule struct {
	start time.Time
	speed float64
}

func newSchedule(start time.Time, speed float64) *schedule {
	if speed <= 0 {
		speed = 1
	}
	return &schedule{start: start, speed: speed}
}

// offset is the position of t within the current cycle.
func (s *schedule) offset(t time.Time) time.Duration {
	el := t.Sub(s.start)
	if el < 0 {
		el = 0
	}
	return time.Duration(float64(el)*s.speed) % period
}

// modeAt is the behaviour of the named upstream at cycle offset off.
func modeAt(name string, off time.Duration) mode {
	for _, w := range timeline[name] {
		if off >= w.from && off < w.to {
			return w.mode
		}
	}
	return modeHealthy
}

// modeOf is the behaviour of the named upstream at wall-clock time t.
func (s *schedule) modeOf(name string, t time.Time) mode {
	return modeAt(name, s.offset(t))
}
