// Package feed is the contract between gwtop's sources (log readers, status
// page scrapers, probes) and the aggregator: the events a source reports and
// the Sink it reports them to. Sources import feed, never the aggregator, so
// every gateway's package can live beside the others without import cycles.
package feed

import (
	"context"
	"errors"
	"time"

	"github.com/gwtop/gwtop/model"
)

// Attempt is one try of one request at one upstream peer.
type Attempt struct {
	Addr    string
	Status  int     // 0 when no outcome was recorded (the client gave up first)
	Connect float64 // seconds; negative when the phase was not reached or not logged
	Header  float64
	Total   float64
}

// Request is one client request as a gateway's access log tells it.
type Request struct {
	Time     time.Time
	Status   int     // what the client got
	Duration float64 // seconds, negative when unknown
	Attempts []Attempt
	// Cause is the cause the log line itself states (HAProxy termination
	// flags, Envoy response flags), attributed to the last attempt; empty
	// when the line does not say.
	Cause model.Cause
}

// Failure is one failure the gateway (or a probe, or a status page) reports
// with its cause.
type Failure struct {
	Time   time.Time
	Addr   string // upstream address; a host or group name when that is all there is
	Cause  model.Cause
	Source string // error_log, probe, status, access_log
	Line   string // the evidence, as the gateway wrote it
	// Inferred marks a cause guessed from an indirect signal.
	Inferred bool
}

// Counters are cumulative per-server counters read from a status page
// (HAProxy stats, Envoy /clusters, Caddy's upstream list). The aggregator
// keeps the previous reading and counts the difference; a counter that goes
// backwards (a reload) starts a new baseline.
type Counters struct {
	Requests int64    // cumulative requests sent to the server
	Classes  [6]int64 // cumulative responses by class: index 1..5 for 1xx..5xx, 0 other
	// AvgMS are average timings the gateway computes itself (HAProxy's
	// qtime/ctime/rtime/ttime over its last 1024 requests), by name:
	// "queue", "connect", "response", "total". They are shown as averages,
	// never as percentiles.
	AvgMS map[string]float64
	// Note says what the averages are, e.g. "HAProxy stats: averages of the last 1024 requests".
	Note string
}

// Sink receives what sources observe. The aggregator implements it; it is
// safe for concurrent use.
type Sink interface {
	// ObserveRequest records one access-log request; line is the raw line
	// (only valid during the call).
	ObserveRequest(r *Request, line []byte)
	// ObserveFailure records one failure with its cause.
	ObserveFailure(f Failure)
	// ObserveCounters records a status page's cumulative counters for the
	// server at addr; source names the page (one baseline per source).
	ObserveCounters(source, addr string, c Counters)
	// SetServerStatus records what a status page says of a server: down
	// (DOWN, MAINT, failed health check) and how it put it.
	SetServerStatus(addr string, down bool, why string)
	// Label names an address the gateway's own configuration names
	// (HAProxy backend/server, a Traefik service); config names win.
	Label(addr, name, group string)
	// SetGateway records the health and counters of one gateway source.
	SetGateway(g model.Gateway)
	// GatewayLimit records gateway-wide evidence of resource exhaustion.
	GatewayLimit(source, line string, n int64)
}

// Scraper reads one status page or admin API once and reports what it saw
// to the sink, including its own gateway row (model.Gateway with OK and
// Error): a page that answers HTML, 401, garbage or nothing is reported
// there, never returned, so the other sources keep working.
type Scraper interface {
	Scrape(ctx context.Context, sink Sink)
}

// LineParser handles one line of a gateway's log: it reports a request or
// a failure to the sink, or returns an error for a line it cannot read
// (counted and skipped by the caller). line is only valid during the call.
type LineParser interface {
	Line(line []byte, sink Sink) error
}

// ErrIgnored is what a LineParser returns for a well-formed line that says
// nothing about upstreams (a startup notice in an error log): counted as
// "other", not as a line that failed to parse.
var ErrIgnored = errors.New("line not about an upstream")
