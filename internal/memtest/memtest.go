// Package memtest measures a test's peak heap with runtime/metrics, for the
// tests that hold memory bounds against hostile peers (endless headers,
// bodies, stats pages): a bound on bytes, never on time.
package memtest

import (
	"bytes"
	"runtime"
	"runtime/metrics"
	"sync/atomic"
	"time"
)

const heapObjects = "/memory/classes/heap/objects:bytes"

func heapNow() uint64 {
	s := []metrics.Sample{{Name: heapObjects}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// Sampler records the peak of the live and not yet swept heap objects
// while it runs.
type Sampler struct {
	base uint64
	peak atomic.Uint64
	stop chan struct{}
	done chan struct{}
}

// Start collects garbage, takes the heap as the base and samples it every
// 200 µs until Growth.
func Start() *Sampler {
	runtime.GC()
	h := &Sampler{base: heapNow(), stop: make(chan struct{}), done: make(chan struct{})}
	h.peak.Store(h.base)
	go func() {
		defer close(h.done)
		t := time.NewTicker(200 * time.Microsecond)
		defer t.Stop()
		for {
			if v := heapNow(); v > h.peak.Load() {
				h.peak.Store(v)
			}
			select {
			case <-h.stop:
				return
			case <-t.C:
			}
		}
	}()
	return h
}

// Growth stops the sampler and returns the peak's growth over the base.
func (h *Sampler) Growth() uint64 {
	close(h.stop)
	<-h.done
	if p := h.peak.Load(); p > h.base {
		return p - h.base
	}
	return 0
}

// Repeat is unit repeated to at most size bytes (whole units).
func Repeat(unit string, size int) []byte {
	return bytes.Repeat([]byte(unit), size/len(unit)+1)[:size/len(unit)*len(unit)]
}
