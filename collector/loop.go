package collector

import (
	"context"
	"hash/fnv"
	"time"
)

// loop runs fn every interval in the shape of Prometheus' scrape loop: a
// start offset derived from the loop's name so that loops do not all fire
// together, a ticker, a per-attempt timeout, and a shared cap on attempts in
// flight. It returns when ctx is done.
//
// An aligned loop fires at the multiples of its interval on the wall clock
// instead (untilNext), at the publisher's ticks when the interval is a
// multiple of its: a loop of gwtop's own (the facts loop), which would
// otherwise wake an idle gwtop up once more.
type loop struct {
	name     string
	interval time.Duration
	timeout  time.Duration
	align    bool
	fn       func(ctx context.Context)
}

func (l loop) offset() time.Duration {
	h := fnv.New64a()
	h.Write([]byte(l.name))
	return time.Duration(h.Sum64() % uint64(l.interval))
}

func (l loop) run(ctx context.Context, inflight chan struct{}) {
	if l.align {
		l.runAligned(ctx, inflight)
		return
	}
	select {
	case <-ctx.Done():
		return
	case <-time.After(l.offset()):
	}
	t := time.NewTicker(l.interval)
	defer t.Stop()
	for {
		if !l.attempt(ctx, inflight) {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// attempt runs fn once in a slot of inflight, under the loop's timeout;
// false when ctx ended before a slot was free.
func (l loop) attempt(ctx context.Context, inflight chan struct{}) bool {
	select {
	case inflight <- struct{}{}:
	case <-ctx.Done():
		return false
	}
	actx, cancel := context.WithTimeout(ctx, l.timeout)
	l.fn(actx)
	cancel()
	<-inflight
	return true
}

// runAligned is run for an aligned loop: each attempt starts at the next
// multiple of the interval (one that took longer than the interval skips
// the multiples it overran, as a ticker drops ticks).
func (l loop) runAligned(ctx context.Context, inflight chan struct{}) {
	t := time.NewTimer(untilNext(time.Now(), l.interval))
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if !l.attempt(ctx, inflight) {
			return
		}
		t.Reset(untilNext(time.Now(), l.interval))
	}
}
