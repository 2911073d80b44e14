package collector

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/gwtop/gwtop/collector/host"
	"github.com/gwtop/gwtop/config"
)

// TestPublishOnlyNew: a publish that finds the aggregator unchanged (the
// same second, no new figure) stores nothing and wakes no reader; the next
// second's snapshot is stored and closes the channel Published handed out
// before it, and the next waiter gets a fresh one.
func TestPublishOnlyNew(t *testing.T) {
	access := filepath.Join(t.TempDir(), "access.log")
	if err := os.WriteFile(access, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Parse("t", []byte(fmt.Sprintf("nginx:\n  access_log: %s\n  log_format: '%s'\n", access, testFormat)), os.LookupEnv)
	if err != nil {
		t.Fatal(err)
	}
	eng, err := New(cfg, Options{NoHost: true})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	now := time.Unix(1_800_000_000, 0)
	eng.agg.clock = func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		return now
	}
	eng.publish()
	first := eng.Latest()
	if first == nil {
		t.Fatal("nothing published")
	}
	ch := eng.Published()
	eng.publish()
	if eng.Latest() != first {
		t.Fatal("an unchanged aggregator's snapshot was stored again")
	}
	select {
	case <-ch:
		t.Fatal("a reader was woken for the snapshot it has")
	default:
	}

	mu.Lock()
	now = now.Add(time.Second)
	mu.Unlock()
	eng.publish()
	select {
	case <-ch:
	default:
		t.Fatal("the next second's snapshot woke no reader")
	}
	if s := eng.Latest(); s == first || !s.Time.Equal(now) {
		t.Fatalf("latest is %v, want the snapshot of %v", s.Time, now)
	}
	next := eng.Published()
	if next == ch {
		t.Fatal("the closed channel was handed out again")
	}
	select {
	case <-next:
		t.Fatal("a new waiter's channel is already closed")
	default:
	}
}

// TestHostSampledOncePerInterval: the publisher's ticks (every 500 ms)
// start a host sample at the first tick of each 2 s of the wall clock,
// and only then.
func TestHostSampledOncePerInterval(t *testing.T) {
	agg := NewAggregator(AggregatorOptions{})
	h := newHostLoop(host.NewSampler(), agg, 2*time.Second)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go h.run(ctx)
	samples := func() int64 {
		// A sample slower than hostWait (a loaded box, the race
		// detector) is waited for here, not in the publisher.
		if h.busy {
			<-h.done
			h.busy = false
		}
		agg.mu.Lock()
		defer agg.mu.Unlock()
		return agg.hostVer
	}
	t0 := time.Unix(1_800_000_000, 0) // a multiple of 2 s
	for _, c := range []struct {
		at   time.Duration
		want int64
	}{
		{0, 1}, {500 * time.Millisecond, 1}, {1500 * time.Millisecond, 1},
		{2 * time.Second, 2}, {2500 * time.Millisecond, 2},
		{5 * time.Second, 3}, // a tick missed: the next one samples
		{5500 * time.Millisecond, 3}, {6 * time.Second, 4},
	} {
		h.due(t0.Add(c.at))
		if got := samples(); got != c.want {
			t.Errorf("after the tick at +%v: %d samples, want %d", c.at, got, c.want)
		}
	}
}

func TestUntilNext(t *testing.T) {
	base := time.Unix(1_800_000_000, 0)
	for _, c := range []struct {
		at, d, want time.Duration
	}{
		{0, 500 * time.Millisecond, 500 * time.Millisecond},
		{200 * time.Millisecond, 500 * time.Millisecond, 300 * time.Millisecond},
		{700 * time.Millisecond, 500 * time.Millisecond, 300 * time.Millisecond},
		{1500 * time.Millisecond, 2 * time.Second, 500 * time.Millisecond},
		{time.Nanosecond, time.Second, time.Second - time.Nanosecond},
	} {
		if got := untilNext(base.Add(c.at), c.d); got != c.want {
			t.Errorf("untilNext(+%v, %v) = %v, want %v", c.at, c.d, got, c.want)
		}
	}
}

// TestNextTick: the publisher's next tick is the next multiple of its
// pace on the wall clock, or the first one publishPace's spacing allows.
func TestNextTick(t *testing.T) {
	g := time.Unix(1_800_000_000, 0) // a tick
	const every = 500 * time.Millisecond
	for _, c := range []struct {
		after, pace, want time.Duration
	}{
		{time.Millisecond, every, 499 * time.Millisecond},
		{time.Millisecond, 800 * time.Millisecond, 999 * time.Millisecond}, // spaced: at least the pace, on a multiple
		{time.Millisecond, time.Second, 999 * time.Millisecond},
		{600 * time.Millisecond, every, 400 * time.Millisecond}, // a tick overrun: the next multiple
	} {
		if got := nextTick(g.Add(c.after), every, c.pace); got != c.want {
			t.Errorf("nextTick(+%v, %v, %v) = %v, want %v", c.after, every, c.pace, got, c.want)
		}
	}
}

// TestChangeTick: a change is published at the next multiple of the pace
// on the wall clock, or at the earliest tick the last snapshot's pace
// allows; a change that falls just after a tick, whose next multiple is
// that earliest tick, is published then and not one pace later, however
// the two instants were read from the clock.
func TestChangeTick(t *testing.T) {
	g := time.Unix(1_800_000_000, 0) // a tick
	const every = 500 * time.Millisecond
	for _, c := range []struct {
		at, earliest, want time.Duration
	}{
		{60 * time.Millisecond, every, every},
		{60 * time.Millisecond, 2 * every, 2 * every}, // spaced out
		{600 * time.Millisecond, every, 2 * every},
		{every, 0, 2 * every}, // on a tick: the next one
	} {
		if got := changeTick(g.Add(c.at), every, g.Add(c.earliest)); !got.Equal(g.Add(c.want)) {
			t.Errorf("change at +%v, earliest +%v: tick at +%v, want +%v", c.at, c.earliest, got.Sub(g), c.want)
		}
	}
	// The clock read twice, as the publisher does: after a snapshot (the
	// earliest tick) and at a change.
	for range 2000 {
		now := wallNow()
		earliest := now.Add(untilNext(now, every))
		change := wallNow()
		if !change.Before(earliest) {
			continue
		}
		if at := changeTick(change, every, earliest); !at.Equal(earliest) {
			t.Fatalf("a change at %v, before the earliest tick %v, is published at %v", change, earliest, at)
		}
	}
}

// TestPublisherSleepsWhileIdle: with nothing new the publisher wakes once
// per second (for the clock's), not at every Publish tick; a line that
// arrives is still published.
func TestPublisherSleepsWhileIdle(t *testing.T) {
	access := filepath.Join(t.TempDir(), "access.log")
	if err := os.WriteFile(access, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	eng := startEngine(t, fmt.Sprintf("nginx:\n  access_log: %s\n  log_format: '%s'\n", access, testFormat), Options{Publish: 100 * time.Millisecond, NoHost: true})
	time.Sleep(300 * time.Millisecond) // the log is open, the first rounds are over
	r0 := eng.rounds.Load()
	time.Sleep(3 * time.Second)
	// Ticks of 100 ms would be 30 rounds; a round a second is 3 or 4.
	if n := eng.rounds.Load() - r0; n > 5 {
		t.Fatalf("%d publisher rounds in 3 s of nothing new, want one a second", n)
	}
	line := accessLine(time.Now(), 502, "10.9.9.9:80")
	f, err := os.OpenFile(access, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString(line); err != nil {
		t.Fatal(err)
	}
	f.Close()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if s := eng.Latest(); s != nil {
			if u, ok := s.Upstream("nginx", "10.9.9.9:80"); ok && u.Errors5xx == 1 {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the new line was never published: %+v", eng.Latest().Upstreams)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
