package caddy

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/gwtop/gwtop/collector/feed"
	"github.com/gwtop/gwtop/model"
)

// Bounds of the requests a LogParser holds while it waits for their access
// entry.
const (
	// pendingTTL is how long (in log time) a request's proxy entries wait
	// for its access entry. Caddy writes the access entry when the
	// response ends, microseconds after the error entry, but a retried
	// request (lb_try_duration) or a long body can take a while.
	pendingTTL = 30 * time.Second
	// sweepEvery is how often (in log time) expired requests are flushed.
	sweepEvery = 5 * time.Second
	// maxPending caps the requests held at once.
	maxPending = 10000
)

// LogParser reads Caddy's JSON log: one file with the access entries
// (logger http.log.access…), the server's error entries (http.log.error…)
// and the reverse proxy's entries (http.handlers.reverse_proxy).
//
// Caddy 2.6 names the upstream of a request in none of its access or
// error entries; only the reverse proxy's debug entry "upstream roundtrip"
// does (and an error text that quotes the address dialled). So the parser
// holds what the proxy and error entries say of a request, keyed by the
// client's address and port, until the request's access entry arrives
// (Caddy writes it last), and then reports one feed.Request with the
// attempts and the cause the error stated. Until the first access entry is
// seen (a file without them), or when the access entry never comes, the
// errors are reported as failures on their own.
//
// A LogParser is used by one tailer goroutine only.
type LogParser struct {
	pending   map[string][]*pendingReq
	nPending  int
	newest    time.Time // the newest entry time seen
	lastSweep time.Time
	sawAccess bool
	req       feed.Request
}

// NewLogParser returns a parser of Caddy's JSON log.
func NewLogParser() *LogParser {
	return &LogParser{pending: map[string][]*pendingReq{}}
}

// attempt is one round trip to an upstream as the proxy's debug entry
// tells it.
type attempt struct {
	addr     string
	status   int     // the upstream's status; 0 when the round trip failed
	dur      float64 // seconds to the response header, or to the error
	err      string
	cause    model.Cause
	line     string // the entry, kept as evidence of a failure
	time     time.Time
	reported bool // already sent to the sink as a Failure
}

// pendingReq is what is known of one request before its access entry.
type pendingReq struct {
	uri      string
	first    time.Time
	attempts []attempt
	// The server's error entry for the request, if any: Caddy's final
	// error, the one that chose the client's status.
	haveErr     bool
	errText     string
	errLine     string
	errCause    model.Cause
	errTime     time.Time
	errReported bool
}

// entry holds the fields gwtop reads of a log entry. The ones whose type
// depends on Caddy's encoder settings (time_format, duration_format) or
// that other modules may use differently are kept raw.
type entry struct {
	TS       json.RawMessage `json:"ts"`
	Logger   string          `json:"logger"`
	Msg      string          `json:"msg"`
	Request  *requestInfo    `json:"request"`
	Duration json.RawMessage `json:"duration"`
	Status   json.RawMessage `json:"status"`
	Upstream json.RawMessage `json:"upstream"`
	// UpstreamAddr is not written by Caddy 2.6; a newer Caddy or a
	// log_append may add the upstream to the access entry.
	UpstreamAddr json.RawMessage `json:"upstream_addr"`
	Host         json.RawMessage `json:"host"`
	Dial         json.RawMessage `json:"dial"`
	Error        json.RawMessage `json:"error"`
}

type requestInfo struct {
	RemoteIP   string          `json:"remote_ip"`
	RemotePort json.RawMessage `json:"remote_port"`
	Proto      string          `json:"proto"`
	URI        string          `json:"uri"`
	Host       string          `json:"host"`
}

// key identifies the client connection a request came on.
func (r *requestInfo) key() string {
	if r == nil {
		return ""
	}
	port := rawString(r.RemotePort)
	if r.RemoteIP == "" && port == "" {
		return ""
	}
	return r.RemoteIP + " " + port
}

// multiplexed reports a protocol that carries concurrent requests on one
// connection, where the URI must tell them apart.
func (r *requestInfo) multiplexed() bool {
	return r != nil && (strings.HasPrefix(r.Proto, "HTTP/2") || strings.HasPrefix(r.Proto, "HTTP/3"))
}

// Line reads one log line. Lines that are not JSON objects are errors;
// entries of other loggers (start-up, TLS, admin) are feed.ErrIgnored.
func (p *LogParser) Line(b []byte, sink feed.Sink) error {
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return feed.ErrIgnored
	}
	if b[0] != '{' {
		return fmt.Errorf("not a Caddy JSON log entry: %q", clip(string(b), 60))
	}
	var e entry
	if err := json.Unmarshal(b, &e); err != nil {
		// A field of another type than Caddy writes (another module's
		// "status" object, say) leaves that field empty; the rest of
		// the entry is still read.
		var typeErr *json.UnmarshalTypeError
		if !errors.As(err, &typeErr) {
			return fmt.Errorf("not a Caddy JSON log entry: %v", err)
		}
	}
	t := parseTime(e.TS)
	p.advance(t, sink)
	switch {
	case strings.HasPrefix(e.Logger, "http.log.access"):
		return p.access(&e, t, b, sink)
	case strings.HasPrefix(e.Logger, "http.log.error"):
		return p.serverError(&e, t, b, sink)
	case strings.HasPrefix(e.Logger, "http.handlers.reverse_proxy"):
		return p.proxy(&e, t, b, sink)
	}
	return feed.ErrIgnored
}

// proxy reads the reverse proxy's own entries: "upstream roundtrip"
// (debug level) for every attempt, "aborting with incomplete response"
// when the upstream broke off its body, and the health checkers' failures.
func (p *LogParser) proxy(e *entry, t time.Time, b []byte, sink feed.Sink) error {
	up, errText := rawString(e.Upstream), rawString(e.Error)
	k := e.Request.key()
	if up != "" && k != "" && (errText != "" || len(e.Status) > 0) {
		at := attempt{addr: up, dur: seconds(e.Duration), time: t}
		if errText != "" {
			at.err, at.cause, at.line = errText, Classify(errText), string(b)
			if !p.sawAccess {
				// No access entry to wait for (yet): report now.
				p.fail(sink, t, up, at.cause, at.line)
				at.reported = true
			}
		} else {
			at.status = statusOf(e.Status)
		}
		rec := p.record(k, e.Request, t, sink)
		rec.attempts = append(rec.attempts, at)
		return nil
	}
	if errText == "" || e.Msg == "reading from backend" {
		// "selected upstream" and other notices; and "reading from
		// backend", which Caddy follows with "aborting with incomplete
		// response" for the same error: counted once, there.
		return feed.ErrIgnored
	}
	cause := Classify(errText)
	if cause == model.CauseNone {
		// "context canceled": the client went away, which says nothing
		// of the upstream.
		return feed.ErrIgnored
	}
	addr := firstOf(up, rawString(e.Host), rawString(e.Dial), addrInText(errText))
	p.fail(sink, t, addr, cause, string(b))
	return nil
}

// serverError reads the server's error entry: its message is the error
// the request ended with and its status the one the client got.
func (p *LogParser) serverError(e *entry, t time.Time, b []byte, sink feed.Sink) error {
	status := statusOf(e.Status)
	if status != 0 && status < 500 {
		return feed.ErrIgnored // a client error (404 of a file server, say)
	}
	text := e.Msg
	if et := rawString(e.Error); et != "" {
		text = et
	}
	if text == "" {
		return feed.ErrIgnored
	}
	cause := Classify(text)
	k := e.Request.key()
	if k == "" {
		p.fail(sink, t, addrInText(text), cause, string(b))
		return nil
	}
	rec := p.record(k, e.Request, t, sink)
	rec.haveErr, rec.errText, rec.errLine, rec.errCause, rec.errTime = true, text, string(b), cause, t
	if !p.sawAccess && !rec.hasFailedAttempt() {
		p.fail(sink, t, addrInText(text), cause, rec.errLine)
		rec.errReported = true
	}
	return nil
}

// access reads an access entry and reports the request with what its
// proxy and error entries said.
func (p *LogParser) access(e *entry, t time.Time, b []byte, sink feed.Sink) error {
	status := statusOf(e.Status)
	if status == 0 {
		return errors.New("caddy access entry without a status")
	}
	p.sawAccess = true
	r := &p.req
	r.Time, r.Status, r.Duration, r.Cause = t, status, seconds(e.Duration), model.CauseNone
	r.Attempts = r.Attempts[:0]
	r.Path, r.Host = "", ""
	if e.Request != nil {
		r.Path, r.Host = e.Request.URI, e.Request.Host
	}
	evidence := b

	var ats []attempt
	var errRec *pendingReq
	for _, rec := range p.take(e.Request) {
		ats = append(ats, rec.attempts...)
		if rec.haveErr {
			errRec = rec
		}
	}
	failedAttempt := false
	for i, at := range ats {
		last := i == len(ats)-1
		if at.err == "" {
			total := at.dur
			if last && r.Duration >= 0 {
				total = r.Duration
			}
			// The upstream answered: its header time is known, which
			// tells the aggregator a 5xx is the upstream's own.
			r.Attempts = append(r.Attempts, feed.Attempt{Addr: at.addr, Status: at.status, Connect: -1, Header: at.dur, Total: total})
			continue
		}
		failedAttempt = true
		if !last {
			// An earlier try of a retried request: the client never
			// saw its status, only the failure counts.
			if !at.reported {
				p.fail(sink, at.time, at.addr, at.cause, at.line)
			}
			continue
		}
		r.Attempts = append(r.Attempts, feed.Attempt{Addr: at.addr, Status: status, Connect: -1, Header: -1, Total: at.dur})
		if !at.reported && at.cause != model.CauseNone {
			r.Cause, evidence = at.cause, []byte(at.line)
		}
	}
	if len(ats) == 0 {
		addr := firstOf(rawString(e.Upstream), rawString(e.UpstreamAddr))
		if errRec != nil && addr == "" {
			addr = addrInText(errRec.errText)
		}
		if addr != "" {
			// Without the proxy's entries the header time is unknown.
			r.Attempts = append(r.Attempts, feed.Attempt{Addr: addr, Status: status, Connect: -1, Header: -1, Total: r.Duration})
		}
	}
	if errRec != nil && !failedAttempt && !errRec.errReported && errRec.errCause != model.CauseNone {
		// The error entry is the only statement of why (no upstream
		// named: the cause goes to the gateway's own row).
		r.Cause, evidence = errRec.errCause, []byte(errRec.errLine)
	}
	for i := range r.Attempts {
		feed.UpstreamAnswer(&r.Attempts[i])
	}
	sink.ObserveRequest(r, evidence)
	return nil
}

// fail reports one failure stated by the log.
func (p *LogParser) fail(sink feed.Sink, t time.Time, addr string, cause model.Cause, line string) {
	sink.ObserveFailure(feed.Failure{Time: t, Addr: addr, Cause: cause, Source: "error_log", Line: line})
}

func (r *pendingReq) hasFailedAttempt() bool {
	for _, a := range r.attempts {
		if a.err != "" {
			return true
		}
	}
	return false
}

// record returns the pending request for the connection k and the
// request's URI, adding one when there is none.
func (p *LogParser) record(k string, ri *requestInfo, t time.Time, sink feed.Sink) *pendingReq {
	recs := p.pending[k]
	for _, r := range recs {
		if r.uri == ri.URI || !ri.multiplexed() {
			return r
		}
	}
	if p.nPending >= maxPending {
		p.flushAll(sink)
	}
	r := &pendingReq{uri: ri.URI, first: t}
	p.pending[k] = append(p.pending[k], r)
	p.nPending++
	return r
}

// take removes and returns the pending requests that belong to the
// request of an access entry. On HTTP/1 a connection carries one request
// at a time, so everything held for it is this request's (even when a
// rewrite changed the URI the proxy logged). On HTTP/2 and 3 the URI tells
// concurrent requests apart, when it matches.
func (p *LogParser) take(ri *requestInfo) []*pendingReq {
	k := ri.key()
	recs := p.pending[k]
	if len(recs) == 0 {
		return nil
	}
	if ri.multiplexed() {
		for i, r := range recs {
			if r.uri == ri.URI {
				rest := append(recs[:i:i], recs[i+1:]...)
				if len(rest) == 0 {
					delete(p.pending, k)
				} else {
					p.pending[k] = rest
				}
				p.nPending--
				return []*pendingReq{r}
			}
		}
	}
	delete(p.pending, k)
	p.nPending -= len(recs)
	return recs
}

// advance moves the log clock and, now and then, reports what waited too
// long for an access entry.
func (p *LogParser) advance(t time.Time, sink feed.Sink) {
	if t.After(p.newest) {
		p.newest = t
	}
	if p.newest.Sub(p.lastSweep) < sweepEvery {
		return
	}
	p.lastSweep = p.newest
	cutoff := p.newest.Add(-pendingTTL)
	for k, recs := range p.pending {
		keep := recs[:0]
		for _, r := range recs {
			if r.first.Before(cutoff) {
				p.flush(r, sink)
				p.nPending--
				continue
			}
			keep = append(keep, r)
		}
		if len(keep) == 0 {
			delete(p.pending, k)
		} else {
			p.pending[k] = keep
		}
	}
}

// flushAll reports and forgets every pending request: a log that never
// writes access entries for what it proxies (an access log elsewhere)
// would otherwise grow the table without end.
func (p *LogParser) flushAll(sink feed.Sink) {
	for _, recs := range p.pending {
		for _, r := range recs {
			p.flush(r, sink)
		}
	}
	clear(p.pending)
	p.nPending = 0
}

// flush reports the failures of a request whose access entry never came.
func (p *LogParser) flush(r *pendingReq, sink feed.Sink) {
	failed := false
	for _, at := range r.attempts {
		if at.err == "" {
			continue
		}
		failed = true
		if !at.reported {
			p.fail(sink, at.time, at.addr, at.cause, at.line)
		}
	}
	if r.haveErr && !failed && !r.errReported {
		p.fail(sink, r.errTime, addrInText(r.errText), r.errCause, r.errLine)
	}
}

// timeLayouts are the time_format values of Caddy's encoders that write
// the time as a string: rfc3339(_nano), iso8601, wall(_milli/_nano),
// common_log.
var timeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.000Z0700",
	"2006/01/02 15:04:05.000000000",
	"2006/01/02 15:04:05.000",
	"2006/01/02 15:04:05",
	"02/Jan/2006:15:04:05 -0700",
}

// parseTime reads "ts": a float of seconds since the epoch by default, an
// integer of milli- or nanoseconds (unix_milli_float, unix_nano), or a
// string in one of timeLayouts. It returns the zero time when it cannot.
func parseTime(raw json.RawMessage) time.Time {
	if len(raw) == 0 {
		return time.Time{}
	}
	if raw[0] == '"' {
		s := rawString(raw)
		for _, l := range timeLayouts {
			if t, err := time.ParseInLocation(l, s, time.Local); err == nil {
				return t
			}
		}
		raw = json.RawMessage(s) // a number written as a string
	}
	f, err := strconv.ParseFloat(string(raw), 64)
	if err != nil || math.IsNaN(f) || f <= 0 || f >= 1e19 {
		return time.Time{}
	}
	switch {
	case f >= 1e17: // nanoseconds
		return time.Unix(0, int64(f))
	case f >= 1e14: // microseconds
		return time.UnixMicro(int64(f))
	case f >= 1e11: // milliseconds
		return time.UnixMilli(int64(f))
	}
	sec := math.Floor(f)
	return time.Unix(int64(sec), int64((f-sec)*1e9))
}

// seconds reads "duration": seconds as a float by default, an integer of
// nanoseconds (duration_format nano), or a Go duration string
// (duration_format string: "1.5ms"). It returns -1 when unknown.
func seconds(raw json.RawMessage) float64 {
	if len(raw) == 0 {
		return -1
	}
	if raw[0] == '"' {
		s := rawString(raw)
		if d, err := time.ParseDuration(s); err == nil && d >= 0 {
			return d.Seconds()
		}
		raw = json.RawMessage(s)
	}
	f, err := strconv.ParseFloat(string(raw), 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || f < 0 {
		return -1
	}
	// A whole number this large is nanoseconds: no request takes
	// eleven days.
	if f >= 1e6 && !bytes.ContainsAny(raw, ".eE") {
		return f / 1e9
	}
	return f
}

// statusOf reads a status written as a number or a string; 0 when absent
// or not an HTTP status.
func statusOf(raw json.RawMessage) int {
	s := string(raw)
	if len(raw) > 0 && raw[0] == '"' {
		s = rawString(raw)
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 100 || n > 999 {
		return 0
	}
	return n
}

// rawString returns a JSON string's value, or "" for anything else.
func rawString(raw json.RawMessage) string {
	if len(raw) == 0 || raw[0] != '"' {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return ""
	}
	return s
}

func firstOf(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}
