// Package feed is the contract between gwtop's sources (log readers, status
// page scrapers, probes) and the aggregator: the events a source reports and
// the Sink it reports them to. Sources import feed, never the aggregator, so
// every gateway's package can live beside the others without import cycles.
package feed

import (
	"context"
	"errors"
	"fmt"
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
	// Cause is what the gateway's own rules make of this attempt (an
	// upstream's own 5xx, an nginx 504 with no error log to explain it);
	// empty when the line does not say. Inferred marks a guess from an
	// indirect signal, weighed less when causes are ranked.
	Cause    model.Cause
	Inferred bool
}

// UpstreamAnswer sets the cause of an attempt whose 5xx the upstream sent
// itself: a response header arrived (Header ≥ 0), or the status is not
// one a gateway makes on its own (502, 504). It leaves a cause the parser
// already set alone.
func UpstreamAnswer(at *Attempt) {
	if at.Cause == "" && at.Status >= 500 && (at.Header >= 0 || (at.Status != 502 && at.Status != 504)) {
		at.Cause = model.CauseUpstream5xx
	}
}

// Request is one client request as a gateway's access log tells it.
type Request struct {
	Time     time.Time
	Status   int     // what the client got
	Duration float64 // seconds, negative when unknown
	Attempts []Attempt
	// Cause is the cause the log line itself states (HAProxy termination
	// flags, Envoy response flags), attributed to the last attempt (it
	// beats the attempt's own Cause); empty when the line does not say.
	Cause model.Cause
	// Path is the request's path as logged (query included or not), Host
	// its virtual host; "" when the log does not say. Only valid during
	// the call, like the line: the aggregator keeps what it needs.
	Path, Host string
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
	// ObserveEvent records something that happened at the gateway worth a
	// place on the timeline: a reload of its configuration (Kind
	// model.EventReload), with Text saying how it showed, Source which
	// source saw it. The sink fills in the gateway instance.
	ObserveEvent(e model.Event)
}

// Scraper reads one status page or admin API once, reports what it saw of
// the upstreams to the sink, and returns the counters of its own row in
// the snapshot's gateways, or why the page could not be read (HTML, 401,
// garbage, nothing). The loop that runs it builds that row (OK, error,
// scrape duration), as Prometheus' scrape loop writes `up`; a scraper
// never reports its own health. Counters may come with an error when part
// of the page was read.
type Scraper interface {
	// Source names the row: "stub_status", "stats", "socket", "admin", "api".
	Source() string
	// Target is the URL or path, as it may be shown: without credentials.
	Target() string
	Scrape(ctx context.Context, sink Sink) (map[string]float64, error)
}

// LineParser handles one line of a gateway's log: it reports a request or
// a failure to the sink, or returns an error for a line it cannot read
// (counted and skipped by the caller). line is only valid during the call.
type LineParser interface {
	Line(line []byte, sink Sink) error
}

// Noter is a LineParser (or Scraper) with something to say on its row in
// the snapshot's gateways: how it attributes requests, what it cannot see.
type Noter interface {
	Note() string
}

// Counter is a LineParser with counts of its own for its row in the
// snapshot's gateways: requests the gateway refused by its own policy
// ("rate_limited:api" per limit_req zone), lines at error level its
// catalogue does not know ("other_errors"). Counters is called from
// another goroutine than Line: the parser synchronises.
type Counter interface {
	Counters() map[string]float64
}

// ErrIgnored is what a LineParser returns for a well-formed line that says
// nothing about upstreams (a startup notice in an error log): counted as
// "other", not as a line that failed to parse.
var ErrIgnored = errors.New("line not about an upstream")

// ScrapeOnce runs a scraper once and reports its row in the snapshot's
// gateways to the sink: the kind, the page, whether it answered, its
// counters and how long it took. It is the whole of a scrape loop's
// attempt (the loop owns the health row, the scraper only reads), and what
// tests call instead of Scrape. A scrape cut short by cancellation (gwtop
// stopping) says nothing of the page: no row is reported then.
func ScrapeOnce(ctx context.Context, kind string, s Scraper, sink Sink) model.Gateway {
	return ScrapeAs(ctx, kind, kind, s, sink)
}

// ScrapeAs is ScrapeOnce for one instance of a kind ("nginx@internal"): the
// row carries both.
func ScrapeAs(ctx context.Context, kind, instance string, s Scraper, sink Sink) model.Gateway {
	start := time.Now()
	counters, err := s.Scrape(ctx, sink)
	took := time.Since(start)
	if ctx.Err() == context.Canceled {
		return model.Gateway{}
	}
	if err == nil && ctx.Err() != nil {
		err = fmt.Errorf("%s %s: no answer within %v", kind, s.Target(), took.Round(time.Millisecond))
	}
	g := model.Gateway{Kind: kind, Gateway: instance, Source: s.Source(), Target: s.Target(), Updated: time.Now(),
		OK: err == nil, Counters: counters, ScrapeMS: float64(took.Microseconds()) / 1000}
	if err != nil {
		g.Error = err.Error()
	}
	if n, ok := s.(Noter); ok {
		g.Note = n.Note()
	}
	sink.SetGateway(g)
	return g
}

// Forker is a LineParser that can be copied for another goroutine: a
// log's backlog is read in parallel chunks, each through its own fork into
// its own aggregator. A fork shares nothing mutable with its original.
type Forker interface {
	Fork() LineParser
}
