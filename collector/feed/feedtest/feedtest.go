// Package feedtest helps the tests of gwtop's sources: a Recorder is a
// feed.Sink that keeps everything a source reports (requests, failures,
// counters, server statuses, labels, gateway rows and limits) so a test can
// feed a log line or a status page to a source and check what it said.
// It also has small helpers for reading an aggregator's snapshot.
package feedtest

import (
	"maps"
	"slices"
	"sync"

	"github.com/gwtop/gwtop/collector/feed"
	"github.com/gwtop/gwtop/model"
)

// Status is what a source last said of a server with SetServerStatus.
type Status struct {
	Down bool
	Why  string
}

// Label is one Label call.
type Label struct {
	Addr, Name, Group string
}

// Limit is one GatewayLimit call.
type Limit struct {
	Source, Line string
	N            int64
}

// Recorder is a feed.Sink that records every call. Its zero value is ready
// to use and it is safe for concurrent use. The query methods return
// copies, so a test may keep or change them while the source goes on.
type Recorder struct {
	mu       sync.Mutex
	requests []feed.Request
	lines    []string
	failures []feed.Failure
	counters map[string]feed.Counters // by address, the last reading
	sources  map[string]string        // by address, the source of that reading
	status   map[string]Status
	labels   []Label
	gateways []model.Gateway
	limits   []Limit
	events   []model.Event
}

var _ feed.Sink = (*Recorder)(nil)

func cloneRequest(r *feed.Request) feed.Request {
	c := *r
	c.Attempts = slices.Clone(r.Attempts)
	return c
}

func cloneGateway(g model.Gateway) model.Gateway {
	g.Counters = maps.Clone(g.Counters)
	return g
}

// ObserveRequest records a copy of r (its attempts too: callers reuse
// them) and of line.
func (s *Recorder) ObserveRequest(r *feed.Request, line []byte) {
	c := cloneRequest(r)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = append(s.requests, c)
	s.lines = append(s.lines, string(line))
}

// ObserveFailure records f.
func (s *Recorder) ObserveFailure(f feed.Failure) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failures = append(s.failures, f)
}

// ObserveCounters keeps c as the last reading for addr, and its source.
func (s *Recorder) ObserveCounters(source, addr string, c feed.Counters) {
	c.AvgMS = maps.Clone(c.AvgMS)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.counters == nil {
		s.counters, s.sources = map[string]feed.Counters{}, map[string]string{}
	}
	s.counters[addr], s.sources[addr] = c, source
}

// SetServerStatus keeps what was last said of addr.
func (s *Recorder) SetServerStatus(addr string, down bool, why string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.status == nil {
		s.status = map[string]Status{}
	}
	s.status[addr] = Status{Down: down, Why: why}
}

// Label records the call.
func (s *Recorder) Label(addr, name, group string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.labels = append(s.labels, Label{Addr: addr, Name: name, Group: group})
}

// SetGateway records a copy of g.
func (s *Recorder) SetGateway(g model.Gateway) {
	g = cloneGateway(g)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.gateways = append(s.gateways, g)
}

// GatewayLimit records the call.
func (s *Recorder) GatewayLimit(source, line string, n int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.limits = append(s.limits, Limit{Source: source, Line: line, N: n})
}

// ObserveEvent records the call.
func (s *Recorder) ObserveEvent(e model.Event) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.events = append(s.events, e)
}

// Events returns the events reported, in order.
func (s *Recorder) Events() []model.Event {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]model.Event(nil), s.events...)
}

// Requests returns the requests reported, in order.
func (s *Recorder) Requests() []feed.Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]feed.Request, len(s.requests))
	for i := range s.requests {
		out[i] = cloneRequest(&s.requests[i])
	}
	return out
}

// Lines returns the raw line of each request, in the order of Requests.
func (s *Recorder) Lines() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.lines)
}

// Failures returns the failures reported, in order.
func (s *Recorder) Failures() []feed.Failure {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.failures)
}

// FailuresFor returns the failures reported for addr, in order.
func (s *Recorder) FailuresFor(addr string) []feed.Failure {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []feed.Failure
	for _, f := range s.failures {
		if f.Addr == addr {
			out = append(out, f)
		}
	}
	return out
}

// FailuresByCause tallies the failures by address and cause.
func (s *Recorder) FailuresByCause() map[string]map[model.Cause]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]map[model.Cause]int{}
	for _, f := range s.failures {
		if out[f.Addr] == nil {
			out[f.Addr] = map[model.Cause]int{}
		}
		out[f.Addr][f.Cause]++
	}
	return out
}

// Counters returns the last counters reported for each address.
func (s *Recorder) Counters() map[string]feed.Counters {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]feed.Counters, len(s.counters))
	for addr, c := range s.counters {
		c.AvgMS = maps.Clone(c.AvgMS)
		out[addr] = c
	}
	return out
}

// CountersSource returns the source of the last counters reported for
// addr, "" when none were.
func (s *Recorder) CountersSource(addr string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sources[addr]
}

// Statuses returns what was last said of each server, by address.
func (s *Recorder) Statuses() map[string]Status {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := maps.Clone(s.status)
	if out == nil {
		out = map[string]Status{}
	}
	return out
}

// Labels returns the last label given to each address.
func (s *Recorder) Labels() map[string]Label {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]Label, len(s.labels))
	for _, l := range s.labels {
		out[l.Addr] = l
	}
	return out
}

// LabelCalls returns every Label call, in order.
func (s *Recorder) LabelCalls() []Label {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.labels)
}

// LabeledAddrs returns the address of every Label call, in order.
func (s *Recorder) LabeledAddrs() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, len(s.labels))
	for i, l := range s.labels {
		out[i] = l.Addr
	}
	return out
}

// Gateways returns the gateway rows reported, in order.
func (s *Recorder) Gateways() []model.Gateway {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]model.Gateway, len(s.gateways))
	for i, g := range s.gateways {
		out[i] = cloneGateway(g)
	}
	return out
}

// LastGateway returns the last gateway row reported, the zero row when
// there was none.
func (s *Recorder) LastGateway() model.Gateway {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.gateways) == 0 {
		return model.Gateway{}
	}
	return cloneGateway(s.gateways[len(s.gateways)-1])
}

// Limits returns the GatewayLimit calls, in order.
func (s *Recorder) Limits() []Limit {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.limits)
}

// UpstreamsByAddr indexes a snapshot's upstreams by address.
func UpstreamsByAddr(us []model.Upstream) map[string]model.Upstream {
	out := make(map[string]model.Upstream, len(us))
	for _, u := range us {
		out[u.Address] = u
	}
	return out
}

// TopCause returns an upstream's strongest cause, "" when it has none.
func TopCause(u model.Upstream) model.Cause {
	if len(u.Causes) == 0 {
		return ""
	}
	return u.Causes[0].Code
}
