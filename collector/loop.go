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
type loop struct {
	name     string
	interval time.Duration
	timeout  time.Duration
	fn       func(ctx context.Context)
}

func (l loop) offset() time.Duration {
	h := fnv.New64a()
	h.Write([]byte(l.name))
	return time.Duration(h.Sum64() % uint64(l.interval))
}

func (l loop) run(ctx context.Context, inflight chan struct{}) {
	select {
	case <-ctx.Done():
		return
	case <-time.After(l.offset()):
	}
	t := time.NewTicker(l.interval)
	defer t.Stop()
	for {
		select {
		case inflight <- struct{}{}:
		case <-ctx.Done():
			return
		}
		actx, cancel := context.WithTimeout(ctx, l.timeout)
		l.fn(actx)
		cancel()
		<-inflight
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
