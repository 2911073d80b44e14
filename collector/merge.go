package collector

import "github.com/gwtop/gwtop/model"

// A backlog read in parallel (backlog.go) folds each chunk of a log into
// an aggregator of its own, then merges them into the engine's one in file
// order. Merging b after a gives what one aggregator fed a's lines, then
// b's, holds: counts and sketches add (DDSketches merge exactly while they
// have not collapsed, which 1024 bins at 1 % do not below a ratio of 10^8
// between latencies), buckets meet by log time, and what "the latest" means
// (a cause's last line, an upstream's last sighting) is b's when b has one.
//
// A field added to upstream or Aggregator that lines fill must be merged
// here: TestParallelBacklogMatchesSerial fails when one is not.

// forkEmpty returns an empty aggregator configured as a (names, knobs,
// clock), for one chunk of a backlog.
func (a *Aggregator) forkEmpty() *Aggregator {
	a.mu.Lock()
	names := make(map[string]Name, len(a.names))
	for addr, n := range a.names {
		names[addr] = n
	}
	o := AggregatorOptions{Clock: a.clock, LogClock: a.logClock, KnobsOf: a.knobsOf, Names: names}
	horizon := a.horizon
	a.mu.Unlock()
	b := NewAggregator(o)
	b.horizon = horizon
	return b
}

// mergeFrom adds everything b holds into a, as if b's observations had
// come after a's. b must no longer be written to.
func (a *Aggregator) mergeFrom(b *Aggregator) {
	b.mu.Lock()
	defer b.mu.Unlock()
	a.change()
	defer a.mu.Unlock()
	if !b.latest.IsZero() {
		if a.latest.IsZero() || b.started.Before(a.started) {
			a.started = b.started
		}
		if b.latest.After(a.latest) {
			a.latest = b.latest
		}
	}
	lo := a.now().Unix()/bucketSeconds - numBuckets + 1 // the window's oldest bucket
	mergeUpstream(a.gw, b.gw, lo)
	for k, bu := range b.ups {
		if bu.sources == 0 && bu.nEvidence == 0 && bu.nProbes == 0 && bu.total.requests == 0 {
			continue // a named row with nothing seen: a has it already
		}
		mergeUpstream(a.upstreamLocked(k.gw, k.addr), bu, lo)
	}
	for k, g := range b.gateways {
		a.gateways[k] = g
	}
	for _, e := range b.events {
		a.addEventLocked(e)
	}
	for len(a.ups) > maxUpstreams {
		a.evictLocked()
	}
}

// mergeUpstream adds b's figures for one row into a's; buckets older than
// lo are outside the window and dropped.
func mergeUpstream(a, b *upstream, lo int64) {
	if b.ring != nil {
		for slot := range b.ring.idx {
			i := b.ring.idx[slot]
			if i < lo || i < 0 {
				continue
			}
			if a.ring == nil {
				a.ring = newRing()
			}
			a.ring.at(i).merge(b.ring.b[slot])
		}
	}
	a.total.merge(&b.total)
	a.routes.merge(&b.routes)
	for i := range model.NumCauses {
		bc := b.causeOf(i)
		if bc.total == 0 {
			continue
		}
		ac := a.causeAt(i)
		ac.total += bc.total
		if bc.times != nil {
			if ac.times == nil {
				ac.times = &timeRing{}
			}
			for _, t := range bc.times.list() {
				ac.times.add(t)
			}
		}
		if !bc.last.Before(ac.last) {
			ac.last, ac.line, ac.source, ac.inferred = bc.last, bc.line, bc.source, bc.inferred
		}
	}
	ne := min(b.nEvidence, evidenceLines)
	for k := b.nEvidence - ne; k < b.nEvidence; k++ {
		a.addEvidence(b.evidence[k%evidenceLines])
	}
	np := min(b.nProbes, probeHistory)
	for k := b.nProbes - np; k < b.nProbes; k++ {
		if a.probes == nil {
			a.probes = new([probeHistory]model.ProbeResult)
		}
		a.probes[a.nProbes%probeHistory] = b.probes[k%probeHistory]
		a.nProbes++
	}
	if !b.lastSeen.IsZero() {
		a.lastSeen = b.lastSeen
	}
	a.sources |= b.sources
	if b.sources&srcStatus != 0 {
		a.statusDown, a.statusWhy = b.statusDown, b.statusWhy
	}
	if len(b.avgMS) > 0 {
		a.avgMS, a.avgNote = b.avgMS, b.avgNote
	}
	a.dirty = true
}
