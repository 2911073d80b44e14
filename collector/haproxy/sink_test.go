package haproxy

import (
	"sync"

	"github.com/gwtop/gwtop/collector/feed"
	"github.com/gwtop/gwtop/model"
)

// recorder is a feed.Sink that keeps everything it is told.
type recorder struct {
	mu       sync.Mutex
	requests []feed.Request
	failures []feed.Failure
	counters map[string]feed.Counters // by addr
	sources  map[string]string        // addr → counters source
	status   map[string]statusCall
	labels   map[string][2]string
	gateways []model.Gateway
	limits   []string
}

type statusCall struct {
	down bool
	why  string
}

func newRecorder() *recorder {
	return &recorder{counters: map[string]feed.Counters{}, sources: map[string]string{},
		status: map[string]statusCall{}, labels: map[string][2]string{}}
}

func (r *recorder) ObserveRequest(q *feed.Request, _ []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	c := *q
	c.Attempts = append([]feed.Attempt(nil), q.Attempts...)
	r.requests = append(r.requests, c)
}

func (r *recorder) ObserveFailure(f feed.Failure) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.failures = append(r.failures, f)
}

func (r *recorder) ObserveCounters(source, addr string, c feed.Counters) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.counters[addr], r.sources[addr] = c, source
}

func (r *recorder) SetServerStatus(addr string, down bool, why string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.status[addr] = statusCall{down, why}
}

func (r *recorder) Label(addr, name, group string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.labels[addr] = [2]string{name, group}
}

func (r *recorder) SetGateway(g model.Gateway) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.gateways = append(r.gateways, g)
}

func (r *recorder) GatewayLimit(source, line string, _ int64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.limits = append(r.limits, line)
}

// failuresFor returns the failures reported for addr.
func (r *recorder) failuresFor(addr string) []feed.Failure {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []feed.Failure
	for _, f := range r.failures {
		if f.Addr == addr {
			out = append(out, f)
		}
	}
	return out
}

func (r *recorder) lastGateway() model.Gateway {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.gateways) == 0 {
		return model.Gateway{}
	}
	return r.gateways[len(r.gateways)-1]
}

var _ feed.Sink = (*recorder)(nil)
