package nginx

import (
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/gwtop/gwtop/collector/feed"
	"github.com/gwtop/gwtop/gateway/internal/lex"
	"github.com/gwtop/gwtop/gateway/nginx/logformat"
	"github.com/gwtop/gwtop/model"
)

// accessParser reads nginx access-log lines in one compiled log_format. It
// reuses one logformat.Record and one feed.Request and parses each line
// where it lies (logformat.ParseView), so a steady stream allocates
// nothing; it is used by one tailer goroutine only.
type accessParser struct {
	format *logformat.Format
	// errorLogWatched says an error log explains nginx's own 502/504s,
	// so the access log need not guess their cause.
	errorLogWatched bool
	rec             logformat.Record
	req             feed.Request
	// addrs interns upstream addresses: the record's point into the
	// reader's buffer, the request's must outlive the line.
	addrs map[string]string
	// router, for a format that names no upstream, attributes a request
	// by the location its path matches (routes: how many).
	router *router
	routes int
}

// maxAddrs bounds the interned addresses; beyond it the map starts over.
const maxAddrs = 8192

// Fork returns a parser of the same format with its own scratch state,
// for another goroutine (a backlog read in parallel).
func (a *accessParser) Fork() feed.LineParser {
	return &accessParser{format: a.format, errorLogWatched: a.errorLogWatched, router: a.router, routes: a.routes}
}

// addr returns a stable copy of v, allocated once per distinct address.
func (a *accessParser) addr(v string) string {
	if s, ok := a.addrs[v]; ok {
		return s
	}
	if a.addrs == nil || len(a.addrs) >= maxAddrs {
		a.addrs = make(map[string]string, 64)
	}
	s := strings.Clone(v)
	a.addrs[s] = s
	return s
}

func (a *accessParser) Line(b []byte, sink feed.Sink) error {
	if err := a.format.ParseView(b, &a.rec); err != nil {
		return err
	}
	r := &a.req
	r.Time, r.Status, r.Duration = a.rec.Time, a.rec.Status, a.rec.RequestTime
	r.Path, r.Host = a.rec.URI, a.rec.Host
	r.Attempts = r.Attempts[:0]
	for _, at := range a.rec.Attempts {
		fa := feed.Attempt{Addr: a.addr(at.Addr), Status: at.Status,
			Connect: at.ConnectTime, Header: at.HeaderTime, Total: at.ResponseTime}
		a.cause(&fa)
		r.Attempts = append(r.Attempts, fa)
	}
	if len(r.Attempts) == 0 && a.router != nil {
		if up, ok := a.router.match(a.rec.URI); ok {
			// What the client got and how long nginx took: the upstream's
			// answer and time are not logged. nginx makes 502 and 504
			// itself; a 500 or 503 is taken as the upstream's, inferred.
			fa := feed.Attempt{Addr: up, Status: a.rec.Status, Connect: -1, Header: -1, Total: a.rec.RequestTime}
			if fa.Status >= 500 && fa.Status != 502 && fa.Status != 504 {
				fa.Cause, fa.Inferred = model.CauseUpstream5xx, true
			}
			r.Attempts = append(r.Attempts, fa)
		}
	}
	sink.ObserveRequest(r, b)
	return nil
}

// errorParser reads nginx error-log lines. Most lines of an error log are
// not upstream failures (notices, client errors): they are ErrIgnored.
// Copies share one errorCounts, which the tailer's goroutine writes in
// Line and the snapshot's reads in Counters and Note; the zero value
// reports failures but counts nothing (newErrorParser counts).
type errorParser struct {
	counts *errorCounts
	reload *reloadWatch // nginx's reloads and starts, as events
}

// newErrorParser returns an errorParser that counts rate limiting per zone
// and the error-level lines the catalogue does not know, and reports
// nginx's reloads and starts as events (reload.go).
func newErrorParser() errorParser {
	return errorParser{counts: &errorCounts{}, reload: &reloadWatch{}}
}

// errorCounts are an error log's counts for its gateway row.
type errorCounts struct {
	mu sync.Mutex
	// limits are "rate_limited:ZONE", "rate_delayed:ZONE" and
	// "rate_limited_dry_run:ZONE"; at most maxZones keys, the rest under
	// ZONE "(other)".
	limits map[string]float64
	other  float64 // error-level lines the catalogue does not know
	latest string  // the latest of them, sanitised and capped
}

const (
	// maxZones caps the rate-limit keys: zones are configuration names,
	// but a hostile or corrupt log could name any number of them.
	maxZones = 64
	// maxZoneName caps a zone's name in a key.
	maxZoneName = 64
	// maxNote caps the row's note in bytes.
	maxNote = 200
)

const notePrefix = "latest unknown error: "

func (p errorParser) Line(b []byte, sink feed.Sink) error {
	rec, v := parseErrorLine(b)
	if v.cause == model.CauseNone {
		if p.reload != nil && p.reload.observe(rec, sink) {
			return feed.ErrIgnored
		}
		if c := p.counts; c != nil {
			c.count(rec, v)
		}
		return feed.ErrIgnored
	}
	addr := rec.UpstreamAddr
	if addr == "" {
		addr = hostOnly(rec.Host)
	}
	sink.ObserveFailure(feed.Failure{Time: rec.Time, Addr: addr, Cause: rec.Cause, Source: "error_log", Line: string(b)})
	return nil
}

// count records a line that is not an upstream failure: the gateway's
// rate limiting, or an error-level line the catalogue does not know.
func (c *errorCounts) count(rec ErrorRecord, v verdict) {
	switch {
	case v.limit != "":
		zone := v.zone
		if len(zone) > maxZoneName {
			zone = zone[:maxZoneName]
		}
		zone = sanitize(zone, maxZoneName)
		key := v.limit + ":" + zone
		c.mu.Lock()
		if c.limits == nil {
			c.limits = map[string]float64{}
		}
		if _, ok := c.limits[key]; !ok && len(c.limits) >= maxZones {
			key = v.limit + ":(other)"
		}
		c.limits[key]++
		c.mu.Unlock()
	case !v.known && rec.Level != "" && errorLevel(rec.Level) && rec.Message != "":
		msg := "[" + rec.Level + "] " + rec.Message
		if rec.Action != "" {
			msg += " while " + rec.Action
		}
		msg = sanitize(msg, maxNote-len(notePrefix))
		c.mu.Lock()
		c.other++
		c.latest = msg
		c.mu.Unlock()
	}
}

// Counters returns the row's counts: rate_limited:ZONE (requests limit_req
// or limit_conn rejected), rate_delayed:ZONE, rate_limited_dry_run:ZONE,
// and other_errors (lines at [error] or above that the catalogue does not
// know). Keys with nothing counted are absent.
func (p errorParser) Counters() map[string]float64 {
	c := p.counts
	if c == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[string]float64, len(c.limits)+1)
	for k, v := range c.limits {
		out[k] = v
	}
	if c.other > 0 {
		out["other_errors"] = c.other
	}
	return out
}

// Note returns "latest unknown error: MESSAGE" for the latest line at
// [error] or above the catalogue does not know (at most 200 bytes), or "".
func (p errorParser) Note() string {
	c := p.counts
	if c == nil {
		return ""
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.latest == "" {
		return ""
	}
	return notePrefix + c.latest
}

// sanitize makes s safe to show: valid UTF-8, control and bidirectional
// formatting characters replaced by '?', at most max bytes (cut at a rune
// boundary, with "…" when cut).
func sanitize(s string, max int) string {
	s = strings.ToValidUTF8(s, "?")
	var b strings.Builder
	for _, r := range s {
		if unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r) || r == '\u2028' || r == '\u2029' {
			r = '?'
		}
		if b.Len()+utf8.RuneLen(r) > max {
			out := b.String()
			for len(out)+len("…") > max && len(out) > 0 {
				_, n := utf8.DecodeLastRuneInString(out)
				out = out[:len(out)-n]
			}
			return out + "…"
		}
		b.WriteRune(r)
	}
	return b.String()
}

// hostOnly strips a port from a Host header value, since a host name stands
// for an upstream only when nothing better is known. The result is a
// substring of h.
func hostOnly(h string) string {
	h = strings.TrimSpace(h)
	if strings.HasPrefix(h, "[") {
		if e := strings.IndexByte(h, ']'); e > 1 {
			return h[1:e]
		}
		return h
	}
	if i := strings.LastIndexByte(h, ':'); i >= 0 && strings.IndexByte(h[:i], ':') < 0 {
		if _, ok := lex.Digits(h[i+1:]); ok || i == len(h)-1 {
			return h[:i]
		}
	}
	return h
}

// cause is what an access-log attempt alone says of its cause. nginx copies
// its own 502/504 into $upstream_status, so a 502 or 504 is the upstream's
// answer only when a response header arrived; otherwise the error log says
// why, and without one a 504 is a timeout — of the connect when the
// connection was never made — and a 502 at an upstream group (no address)
// means nginx had no live server to try.
func (a *accessParser) cause(at *feed.Attempt) {
	if feed.UpstreamAnswer(at); at.Cause != "" || at.Status < 500 || a.errorLogWatched {
		return
	}
	switch {
	case at.Status == 504 && at.Connect < 0:
		at.Cause, at.Inferred = model.CauseConnectTimeout, true
	case at.Status == 504:
		at.Cause, at.Inferred = model.CauseReadTimeout, true
	case at.Status == 502 && !strings.Contains(at.Addr, ":"):
		at.Cause = model.CauseNoLiveUpstreams
	}
}
