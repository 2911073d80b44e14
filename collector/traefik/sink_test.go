package traefik

import (
	"sync"

	"github.com/gwtop/gwtop/collector/feed"
	"github.com/gwtop/gwtop/model"
)

// recSink records what a source reports.
type recSink struct {
	mu       sync.Mutex
	requests []feed.Request
	lines    []string
	failures []feed.Failure
	counters map[string]feed.Counters
	status   map[string]statusCall
	labels   map[string][2]string
	gateways []model.Gateway
	limits   []string
}

type statusCall struct {
	down bool
	why  string
}

func newRecSink() *recSink {
	return &recSink{counters: map[string]feed.Counters{}, status: map[string]statusCall{}, labels: map[string][2]string{}}
}

func (s *recSink) ObserveRequest(r *feed.Request, line []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := *r
	c.Attempts = append([]feed.Attempt(nil), r.Attempts...)
	s.requests = append(s.requests, c)
	s.lines = append(s.lines, string(line))
}
func (s *recSink) ObserveFailure(f feed.Failure) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failures = append(s.failures, f)
}
func (s *recSink) ObserveCounters(source, addr string, c feed.Counters) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.counters[addr] = c
}
func (s *recSink) SetServerStatus(addr string, down bool, why string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.status[addr] = statusCall{down, why}
}
func (s *recSink) Label(addr, name, group string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.labels[addr] = [2]string{name, group}
}
func (s *recSink) SetGateway(g model.Gateway) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.gateways = append(s.gateways, g)
}
func (s *recSink) GatewayLimit(source, line string, n int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.limits = append(s.limits, line)
}

func (s *recSink) lastGateway() model.Gateway {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.gateways) == 0 {
		return model.Gateway{}
	}
	return s.gateways[len(s.gateways)-1]
}

var _ feed.Sink = (*recSink)(nil)
