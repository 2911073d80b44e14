package model

import "time"

// Phases are the timings of one probe, in milliseconds. A phase that did not
// happen (no DNS lookup for an IP literal, no TLS for plain HTTP, a reused
// connection) is 0.
type Phases struct {
	DNS     float64 `json:"dns"`
	Connect float64 `json:"connect"`
	TLS     float64 `json:"tls"`
	TTFB    float64 `json:"ttfb"`
	Total   float64 `json:"total"`
}

// ProbeResult is the outcome of one active check of one target.
type ProbeResult struct {
	Time   time.Time `json:"time"`
	Target string    `json:"target"` // the URL probed, without credentials
	OK     bool      `json:"ok"`
	Status int       `json:"status,omitempty"` // HTTP status, 0 for TCP or no response
	Phases Phases    `json:"phases_ms"`
	Reused bool      `json:"reused,omitempty"` // the connection was reused (keep-alive)
	Cause  Cause     `json:"cause,omitempty"`  // set when !OK
	Error  string    `json:"error,omitempty"`  // the error text when !OK
	// Root and RootDetail say what lies under a failure when the probe
	// itself can tell: cert_expired with "expired 2026-11-30 12:00 UTC",
	// plain_http, nxdomain. Empty when it cannot.
	Root       RootCode `json:"root,omitempty"`
	RootDetail string   `json:"root_detail,omitempty"`
	// Phase is the phase a failed probe failed in: dns, connect, tls,
	// ttfb (waiting for the answer), body. Empty when OK.
	Phase string `json:"phase,omitempty"`
}

// Latency holds latency quantiles in milliseconds. Zero values with Count 0
// mean no samples.
type Latency struct {
	P50   float64 `json:"p50"`
	P95   float64 `json:"p95"`
	P99   float64 `json:"p99"`
	Count int64   `json:"count"`
}

// Window is what happened to one upstream over a span of time.
type Window struct {
	Seconds   int           `json:"seconds"`
	Requests  int64         `json:"requests"`
	Errors5xx int64         `json:"errors_5xx"`
	Rate5xx   float64       `json:"rate_5xx"` // 0..1
	ReqPerSec float64       `json:"req_per_sec"`
	Classes   StatusClasses `json:"status_classes"` // "1xx".."5xx", "other"
	Codes     StatusCodes   `json:"status_codes,omitempty"`
	LatencyMS Latency       `json:"latency_ms"`
}

// CauseRank is one probable cause of an upstream's failures, with its
// evidence. Snapshot.Upstreams[i].Causes is ordered strongest first.
type CauseRank struct {
	Code     Cause     `json:"code"`
	Count    int64     `json:"count"` // occurrences in the 5-minute window
	Total    int64     `json:"total"` // occurrences since gwtop started watching
	Source   string    `json:"source"`
	Hint     string    `json:"hint"`
	NextStep string    `json:"next_step"`
	Evidence string    `json:"evidence"` // the latest line that showed it, sanitised
	LastSeen time.Time `json:"last_seen"`
	// Roots are what lies under the cause, strongest first; empty when
	// none was found (the hint then says what to check).
	Roots []Root `json:"roots,omitempty"`
}

// Upstream is the state of one upstream address.
type Upstream struct {
	Name    string `json:"name"`
	Address string `json:"address"`
	// Gateway is the gateway instance that sends this upstream traffic
	// ("nginx", "haproxy"…): the same address behind two gateways is two
	// rows. Empty for an upstream only probed.
	Gateway string `json:"gateway,omitempty"`
	Group   string `json:"group,omitempty"` // nginx upstream block / HAProxy backend
	// Instance is the agent a fleet snapshot read this upstream from
	// (Prometheus' instance label); empty on a single host.
	Instance    string `json:"instance,omitempty"`
	State       State  `json:"state"`
	StateReason string `json:"state_reason"`

	// Top-level counters are the 5-minute window, so a glance at JSON reads
	// like the screen. Window1m and Total give the other spans.
	Requests  int64   `json:"requests"`
	Errors5xx int64   `json:"errors_5xx"`
	Rate5xx   float64 `json:"rate_5xx"`
	ReqPerSec float64 `json:"req_per_sec"`
	LatencyMS Latency `json:"latency_ms"`

	Window1m Window `json:"window_1m"`
	Window5m Window `json:"window_5m"`
	Total    Window `json:"total"`

	Probe        *ProbeResult  `json:"probe,omitempty"`
	ProbeHistory []ProbeResult `json:"probe_history,omitempty"` // oldest first, at most 60
	Causes       []CauseRank   `json:"causes"`
	Evidence     []string      `json:"evidence,omitempty"` // latest evidence lines, oldest first

	// Sparkline series, one value per 10 s bucket over the last 5 minutes,
	// oldest first: p95 latency (ms) and 5xx count.
	SparkP95 []float64 `json:"spark_p95_ms,omitempty"`
	Spark5xx []float64 `json:"spark_5xx,omitempty"`
	LastSeen time.Time `json:"last_seen"`
	Sources  []string  `json:"sources,omitempty"` // which signals fed it: probe, access_log, error_log, status
	// AvgMS are averages a status page computes itself (HAProxy
	// qtime/ctime/rtime/ttime); LatencyNote says what they are.
	AvgMS       map[string]float64 `json:"avg_ms,omitempty"`
	LatencyNote string             `json:"latency_note,omitempty"`
	// Routes break the upstream's requests down by route — the normalised
	// path (IDs and hashes folded into :id) and virtual host the access
	// log gives — worst first, at most the top RoutesKept with the rest
	// as one "other" route.
	Routes []Route `json:"routes,omitempty"`
	// LatencyBins is the latency distribution since gwtop started
	// watching (the Total window), as its sketch's bins, lowest first:
	// what the metrics exporter builds histograms from. Not in JSON.
	LatencyBins []LatencyBin `json:"-"`
}

// RowRef names one row of a host's snapshot: its gateway instance and
// address (Upstream.Gateway, Upstream.Address).
type RowRef struct{ Gateway, Address string }

// Route is one route's share of an upstream's requests: since gwtop
// started (Requests, Errors5xx, latency) and over the last 5 minutes
// (Requests5m, Errors5xx5m).
type Route struct {
	Route       string    `json:"route"`          // "/api/users/:id", or RouteOther
	Host        string    `json:"host,omitempty"` // the virtual host, when the log names one
	Requests    int64     `json:"requests"`
	Errors5xx   int64     `json:"errors_5xx"`
	Rate5xx     float64   `json:"rate_5xx"` // 0..1, of Requests
	P50MS       float64   `json:"p50_ms"`   // -1 when no latency was logged
	P95MS       float64   `json:"p95_ms"`
	Requests5m  int64     `json:"requests_5m"`
	Errors5xx5m int64     `json:"errors_5xx_5m"`
	LastSeen    time.Time `json:"last_seen"`
}

// RouteOther names the routes beyond the kept ones, folded together.
const RouteOther = "other"

// LatencyBin is one bin of a latency sketch: Count samples whose latency
// is MS within the sketch's relative accuracy (1 %).
type LatencyBin struct {
	MS    float64
	Count uint64
}

// Gateway is one source of data about a gateway: a status page or a log.
type Gateway struct {
	Kind string `json:"kind"` // nginx, haproxy, caddy, traefik, envoy, apache
	// Gateway is the instance the source belongs to: the kind's name, or
	// KIND@LABEL for another instance of it on the same host.
	Gateway  string             `json:"gateway,omitempty"`
	Source   string             `json:"source"` // stub_status, access_log, error_log, ...
	Target   string             `json:"target"` // URL or path, without credentials
	OK       bool               `json:"ok"`
	Error    string             `json:"error,omitempty"`
	Updated  time.Time          `json:"updated"`
	Counters map[string]float64 `json:"counters,omitempty"`
	// Note says how the source reads what it reads ("requests attributed
	// by the ProxyPass prefix they matched").
	Note string `json:"note,omitempty"`
	// ScrapeMS is how long the last read of a status page took; 0 for logs.
	ScrapeMS float64 `json:"scrape_ms,omitempty"`
}

// Event kinds.
const (
	EventState   = "state"   // an upstream changed state
	EventMarker  = "marker"  // an operator's or a deploy script's marker (gwtop mark, m)
	EventReload  = "reload"  // a gateway reloaded its configuration (nginx SIGHUP, HAProxy reload, Apache graceful)
	EventRestart = "restart" // an upstream's process restarted (its listener's owner changed)
	EventConfig  = "config"  // a running gateway's configuration file changed on disk (applied at its next reload)
)

// Event is a change worth showing on a timeline: a state change, a
// marker, a gateway's reload, an upstream's restart. Markers, reloads and
// restarts carry Compare once there is traffic after them to judge.
type Event struct {
	Time time.Time `json:"time"`
	Kind string    `json:"kind"` // EventState, EventMarker, EventReload, EventRestart, EventConfig
	// Name is the upstream's name (state, restart) or the marker's text,
	// as before Text existed.
	Name     string `json:"name"`
	Upstream string `json:"upstream,omitempty"` // the upstream it is about, when it is about one
	Address  string `json:"address,omitempty"`
	Gateway  string `json:"gateway,omitempty"` // the gateway instance it is about
	From     State  `json:"from,omitempty"`
	To       State  `json:"to,omitempty"`
	Cause    Cause  `json:"cause,omitempty"`
	// Text says what happened ("deploy v2.3 canary", "nginx reloaded its
	// configuration (signal 1 (SIGHUP) received)"); Source where it came
	// from ("gwtop mark", "tui", "nginx error_log", "haproxy stats",
	// "listeners").
	Text   string `json:"text,omitempty"`
	Source string `json:"source,omitempty"`
	// Compare is the before/after of every upstream around a marker,
	// reload or restart, worst first.
	Compare []Compare `json:"compare,omitempty"`
}

// Compare verdicts.
const (
	VerdictRegressed = "regressed"
	VerdictImproved  = "improved"
	VerdictUnchanged = "unchanged"
	VerdictNew       = "new"  // traffic after, none before
	VerdictGone      = "gone" // traffic before, none after
	VerdictTooLittle = "too_little_traffic"
)

// Compare is one upstream before and after an event, over windows of
// equal length either side.
type Compare struct {
	Upstream string        `json:"upstream"`
	Address  string        `json:"address"`
	Gateway  string        `json:"gateway,omitempty"`
	Before   CompareWindow `json:"before"`
	After    CompareWindow `json:"after"`
	Verdict  string        `json:"verdict"`
	Why      string        `json:"why,omitempty"` // the statistic that decided it
}

// CompareWindow is one side of a Compare.
type CompareWindow struct {
	Seconds  int     `json:"seconds"`
	Requests int64   `json:"requests"`
	Rate5xx  float64 `json:"rate_5xx"`
	P95      float64 `json:"p95_ms"`
}

// Snapshot is everything gwtop knows at one instant. It is immutable once
// published: readers must not modify it or anything it points to.
type Snapshot struct {
	Time      time.Time  `json:"time"`
	Started   time.Time  `json:"started"`
	Host      Host       `json:"host"`
	Gateways  []Gateway  `json:"gateways"`
	Upstreams []Upstream `json:"upstreams"`
	Events    []Event    `json:"events,omitempty"`
	// Gateway-wide figures over the last minute.
	ReqPerSec float64 `json:"req_per_sec"`
	Rate5xx   float64 `json:"rate_5xx"`
	LatencyMS Latency `json:"latency_ms"`
}
