package haproxy

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/gwtop/gwtop/collector/feed"
	"github.com/gwtop/gwtop/model"
)

// LogLine is one "option httplog" line:
//
//	%ci:%cp [%tr] %ft %b/%s %TR/%Tw/%Tc/%Tr/%Ta %ST %B %CC %CS %tsc %ac/%fc/%bc/%sc/%rc %sq/%bq %hr %hs %{+Q}r
//
// Timers are in milliseconds; -1 means the phase was not reached.
type LogLine struct {
	Time            time.Time
	Client          string
	Frontend        string
	Backend, Server string // Server is "<NOSRV>" when no server was chosen
	TR, Tw, Tc      int
	Tr, Ta          int
	Status          int // -1 when HAProxy logged none
	Termination     string
	Retries         int
	Redispatched    bool // "+" before the retries: sent to another server
	// Path is the request line's URI ("GET /api/x?y HTTP/1.1" → /api/x?y),
	// pointing into the parsed line; nil when the line has none.
	Path []byte
}

// NoServer reports whether no real server handled the request: <NOSRV>,
// or a local applet such as <STATS> or <CACHE>.
func (l *LogLine) NoServer() bool { return strings.HasPrefix(l.Server, "<") }

// ErrNotHTTPLog wraps the errors of lines that are not httplog lines.
var ErrNotHTTPLog = errors.New("not an HAProxy httplog line")

// ParseLogLine reads one httplog line, with or without the syslog prefix
// ("<134>Feb  6 12:14:14 host haproxy[14389]: "): the line is found by its
// "[06/Feb/2009:12:14:14.655]" accept date.
func ParseLogLine(b []byte) (LogLine, error) {
	var l LogLine
	open := dateStart(b)
	if open < 0 {
		return l, fmt.Errorf("%w: no [dd/Mon/yyyy:hh:mm:ss.mmm] date", ErrNotHTTPLog)
	}
	end := bytes.IndexByte(b[open:], ']')
	if end < 0 {
		return l, fmt.Errorf("%w: unterminated date", ErrNotHTTPLog)
	}
	date := string(b[open+1 : open+end])
	layout := "02/Jan/2006:15:04:05"
	if strings.Contains(date, ".") {
		layout += ".000"
	}
	t, err := time.ParseInLocation(layout, date, time.Local)
	if err != nil {
		return l, fmt.Errorf("%w: date %q", ErrNotHTTPLog, date)
	}
	l.Time = t
	if open > 0 {
		// The client address is the token just before the date.
		before := bytes.TrimRight(b[:open], " ")
		l.Client = string(before[bytes.LastIndexByte(before, ' ')+1:])
	}
	f := fields{b: b[open+end+1:]}
	l.Frontend = string(f.next())
	bs := f.next()
	slash := bytes.IndexByte(bs, '/')
	if slash <= 0 || slash == len(bs)-1 {
		return l, fmt.Errorf("%w: %q is not backend/server", ErrNotHTTPLog, bs)
	}
	l.Backend, l.Server = string(bs[:slash]), string(bs[slash+1:])
	timers := f.next()
	var tv [5]int
	n, ok := splitInts(timers, tv[:])
	if !ok || n != 5 {
		if ok && n == 3 {
			return l, fmt.Errorf("%w: a tcplog line (3 timers); gwtop reads \"option httplog\"", ErrNotHTTPLog)
		}
		return l, fmt.Errorf("%w: timers %q", ErrNotHTTPLog, timers)
	}
	l.TR, l.Tw, l.Tc, l.Tr, l.Ta = tv[0], tv[1], tv[2], tv[3], tv[4]
	st := f.next()
	l.Status, err = strconv.Atoi(string(st))
	if err != nil || l.Status < -1 || l.Status > 999 {
		return l, fmt.Errorf("%w: status %q", ErrNotHTTPLog, st)
	}
	f.next() // bytes read
	f.next() // captured request cookie
	f.next() // captured response cookie
	ts := f.next()
	if !validTermination(ts) {
		return l, fmt.Errorf("%w: termination state %q", ErrNotHTTPLog, ts)
	}
	l.Termination = string(ts)
	var cv [5]int
	conns := f.next()
	if len(conns) > 0 {
		if n, ok := splitInts(conns, cv[:]); ok && n == 5 {
			l.Retries = cv[4]
			l.Redispatched = bytes.Contains(conns, []byte("/+"))
		}
	}
	l.Path = requestURI(f.b)
	return l, nil
}

// requestURI is the URI of the quoted request line that ends an httplog
// line (after the queues and any {captured headers}); nil without one.
func requestURI(rest []byte) []byte {
	q := bytes.IndexByte(rest, '"')
	if q < 0 {
		return nil
	}
	req := rest[q+1:]
	if e := bytes.LastIndexByte(req, '"'); e >= 0 {
		req = req[:e]
	}
	sp := bytes.IndexByte(req, ' ')
	if sp <= 0 {
		return nil
	}
	uri := req[sp+1:]
	if e := bytes.IndexByte(uri, ' '); e >= 0 {
		uri = uri[:e]
	}
	if len(uri) == 0 || uri[0] != '/' && !bytes.HasPrefix(uri, []byte("http")) {
		return nil
	}
	return uri
}

// dateStart finds the '[' of "[dd/Mon/yyyy:hh:mm:ss": the one fixed
// landmark of every httplog line, whatever precedes it.
func dateStart(b []byte) int {
	for i := 0; i+21 <= len(b); i++ {
		j := bytes.IndexByte(b[i:], '[')
		if j < 0 {
			return -1
		}
		i += j
		d := b[i+1:]
		if len(d) >= 20 && digit(d[0]) && digit(d[1]) && d[2] == '/' && letter(d[3]) && letter(d[4]) && letter(d[5]) &&
			d[6] == '/' && digit(d[7]) && digit(d[8]) && digit(d[9]) && digit(d[10]) && d[11] == ':' {
			return i
		}
	}
	return -1
}

func digit(c byte) bool  { return c >= '0' && c <= '9' }
func letter(c byte) bool { return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' }

// fields walks space-separated tokens without allocating.
type fields struct{ b []byte }

func (f *fields) next() []byte {
	i := 0
	for i < len(f.b) && f.b[i] == ' ' {
		i++
	}
	j := i
	for j < len(f.b) && f.b[j] != ' ' {
		j++
	}
	tok := f.b[i:j]
	f.b = f.b[j:]
	return tok
}

// splitInts reads "a/b/c" into out, allowing the "+" HAProxy puts before a
// value (logasap, redispatch). It returns how many values it read.
func splitInts(b []byte, out []int) (int, bool) {
	n := 0
	for len(b) > 0 || n == 0 {
		part := b
		if k := bytes.IndexByte(b, '/'); k >= 0 {
			part, b = b[:k], b[k+1:]
			if len(b) == 0 {
				return n, false // trailing "/"
			}
		} else {
			b = nil
		}
		part = bytes.TrimPrefix(part, []byte("+"))
		v, err := strconv.Atoi(string(part))
		if err != nil || n == len(out) || v < -1 {
			return n, false
		}
		out[n] = v
		n++
	}
	return n, true
}

// validTermination accepts the 4 characters of %tsc (or the 2 of %ts).
func validTermination(ts []byte) bool {
	if len(ts) != 4 && len(ts) != 2 {
		return false
	}
	for _, c := range ts {
		if c != '-' && !letter(c) {
			return false
		}
	}
	return true
}

// TerminationCause is the cause a line's termination state (%tsc, the
// two first characters; configuration.txt §8.5, log.c sess_term_cond and
// sess_fin_state) states, for a request answered status; noServer is true
// for <NOSRV>. It returns "" for a request that did not fail at an
// upstream: client aborts and timeouts (C, c), local answers (L), kills by
// an operator (K) or because an active server came back (U), the proxy
// blocking the client's request (PR, PT), normal ends.
//
//	SC  refused, or no_live_upstreams with <NOSRV> (no server available)
//	sC  connect_timeout           SH  premature_close
//	sH  read_timeout              SD, SL  reset: the server cut the data
//	sD, sL  read_timeout: the server stalled mid-body
//	sQ  overloaded: the request waited "timeout queue" for a slot on a
//	    server at its maxconn — the servers are alive and take no more
//	PH  bad_response (502); gateway_limits with 500, HAProxy's own header
//	    rewrite failing (tune.maxrewrite); nothing with 400, the client's
//	    chunked request
//	PD  bad_response: an invalid chunked message after the server's
//	    headers (HAProxy 3.x; 2.6 logs the same reply SD--)
//	PC  gateway_limits: the process's socket limit (global maxconn)
//	R*  gateway_limits: HAProxy out of memory, sockets or source ports
//	I*  gateway_limits: HAProxy's internal error (a bug, "should NEVER
//	    happen"): the gateway's fault, never the upstream's
//	D*  "": the server went down and "on-marked-down shutdown-sessions"
//	    killed its sessions; the cause is the server's own, which the
//	    LogParser takes from the line that took it down
//	----    upstream_5xx when the server answered 5xx itself
func TerminationCause(ts string, status int, noServer bool) model.Cause {
	if len(ts) < 2 {
		return ""
	}
	switch ts[0] {
	case 'R', 'I':
		return model.CauseGatewayLimits
	}
	switch ts[:2] {
	case "SC":
		if noServer {
			return model.CauseNoLiveUpstreams
		}
		return model.CauseRefused
	case "sC":
		return model.CauseConnectTimeout
	case "SH":
		return model.CausePrematureClose
	case "sH":
		return model.CauseReadTimeout
	case "PH":
		switch status {
		case 500:
			return model.CauseGatewayLimits
		case 400:
			return ""
		}
		return model.CauseBadResponse
	case "PD":
		if noServer {
			return ""
		}
		return model.CauseBadResponse
	case "sQ":
		return model.CauseOverloaded
	case "SD", "SL":
		return model.CauseReset
	case "sD", "sL":
		return model.CauseReadTimeout
	case "PC":
		return model.CauseGatewayLimits
	case "--":
		if status >= 500 && !noServer {
			return model.CauseUpstream5xx
		}
	}
	return ""
}

// LogParser reads HAProxy's log: httplog lines become requests with the
// cause their termination state states, and the state changes HAProxy logs
// ("Server be/srv is DOWN, reason: ...", "backend be has no server
// available!") become failures. Other HAProxy messages are ignored. One
// LogParser serves one log follower.
type LogParser struct {
	// Resolve maps a line's backend/server to the server's address, so
	// that log lines and stats count toward one upstream; wiring sets it
	// to a Names filled by the Stats scraper. Nil, or a name it does not
	// know, keys the line by "backend/server".
	Resolve func(backend, server string) string

	req      feed.Request
	labelled map[string]bool
	// backlog holds the backends whose unix-socket server HAProxy just
	// found with a full backlog; their next SC-- line is that server
	// overloaded, not refusing.
	backlog map[string]bool
	// down is the cause of each server's last failure, for the sessions
	// HAProxy kills when it goes down (D*).
	down map[string]model.Cause

	otherErrors atomic.Int64
	lastOther   atomic.Pointer[string]
}

// NewLogParser returns a parser that keys servers by name until Resolve
// is set.
func NewLogParser() *LogParser { return &LogParser{labelled: map[string]bool{}} }

// maxRemembered bounds the backends and servers a parser remembers a
// backlog or a failure for.
const maxRemembered = 10000

// remember records a server's last failure cause.
func (p *LogParser) remember(key string, c model.Cause) {
	if p.down == nil {
		p.down = map[string]model.Cause{}
	}
	if _, ok := p.down[key]; ok || len(p.down) < maxRemembered {
		p.down[key] = c
	}
}

// Counters reports, as "other_errors", how many HAProxy messages at error
// level or above (syslog severity 0–3, "[ALERT]") were outside the
// catalogue ClassifyMessage knows; it is safe to call while Line runs.
func (p *LogParser) Counters() map[string]float64 {
	return map[string]float64{"other_errors": float64(p.otherErrors.Load())}
}

// maxNoteLine bounds the line Note quotes.
const maxNoteLine = 300

// Note quotes the latest of the messages Counters counts, so an unknown
// failure message is visible; "" when there was none.
func (p *LogParser) Note() string {
	l := p.lastOther.Load()
	if l == nil {
		return ""
	}
	return "latest error-level HAProxy message gwtop does not know: " + *l
}

// maxLabelled bounds the names a parser labels itself.
const maxLabelled = 10000

func (p *LogParser) key(backend, server string) string {
	if p.Resolve != nil {
		return p.Resolve(backend, server)
	}
	return backend + "/" + server
}

// label names a key the log made up ("backend/server", a backend) after
// HAProxy's configuration; addresses are labelled by the stats.
func (p *LogParser) label(sink feed.Sink, key, name, group string) {
	if key != name || p.labelled[key] || len(p.labelled) >= maxLabelled {
		return
	}
	if p.labelled == nil {
		p.labelled = map[string]bool{}
	}
	p.labelled[key] = true
	sink.Label(key, name, group)
}

// Line handles one line of the log.
func (p *LogParser) Line(b []byte, sink feed.Sink) error {
	if dateStart(b) < 0 {
		return p.event(b, sink)
	}
	l, err := ParseLogLine(b)
	if err != nil {
		return err
	}
	r := &p.req
	r.Time, r.Status, r.Cause = l.Time, max(l.Status, 0), ""
	r.Path = ""
	if len(l.Path) > 0 {
		r.Path = unsafe.String(&l.Path[0], len(l.Path)) // valid during the call, as feed.Request says
	}
	r.Duration = seconds(l.Ta)
	r.Attempts = r.Attempts[:0]
	noServer := l.NoServer()
	cause := TerminationCause(l.Termination, l.Status, noServer)
	if cause == model.CauseRefused && p.backlog[l.Backend] {
		// The connect was refused with EAGAIN on a unix socket whose
		// backlog HAProxy has just reported full (proto_uxst.c).
		cause = model.CauseOverloaded
		delete(p.backlog, l.Backend)
	}
	switch {
	case noServer && (cause == model.CauseNoLiveUpstreams || cause == model.CauseOverloaded):
		// No server to try: the backend stands where a server would.
		p.label(sink, l.Backend, l.Backend, l.Backend)
		r.Attempts = append(r.Attempts, feed.Attempt{Addr: l.Backend, Status: r.Status, Connect: -1, Header: -1, Total: seconds(l.Ta)})
		r.Cause = cause
	case noServer:
		// Answered by HAProxy itself (stats, redirect, deny, bad
		// request): about no upstream.
	default:
		key := p.key(l.Backend, l.Server)
		p.label(sink, key, l.Backend+"/"+l.Server, l.Backend)
		st := r.Status
		if c := l.Termination[0]; (c == 'C' || c == 'c') && strings.IndexByte("RQCHT", l.Termination[1]) >= 0 {
			// The client gave up before the server answered: that says
			// nothing of the server, unless it was slow (then the
			// timings say so).
			st = 0
		}
		at := feed.Attempt{Addr: key, Connect: seconds(l.Tc), Header: seconds(l.Tr), Total: seconds(l.Ta)}
		switch l.Termination[0] {
		case 'D':
			// Killed because the server went down: the server's own
			// failure, if the log said what it was; an operator's
			// maintenance is none.
			if c, ok := p.down[key]; ok {
				at.Cause, at.Inferred = c, true
			} else {
				st = 0
			}
		case 'K', 'U':
			// Killed by an operator, or on a backup server because an
			// active one came back: on purpose.
			st = 0
		}
		at.Status = st
		r.Attempts = append(r.Attempts, at)
		r.Cause = cause
	}
	for i := range r.Attempts {
		feed.UpstreamAnswer(&r.Attempts[i])
	}
	sink.ObserveRequest(r, b)
	return nil
}

func seconds(ms int) float64 {
	if ms < 0 {
		return -1
	}
	return float64(ms) / 1000
}

// splitPrefix cuts the syslog or stderr prefix off one of HAProxy's own
// messages and returns the message, its severity, and whether a prefix
// said the line is HAProxy's: "<129>Nov 22 22:11:02 host haproxy[8123]: "
// (RFC 3164, with or without the <PRI>, as syslog daemons write it),
// "<129>1 2026-11-22T22:11:02Z host haproxy 8123 - - " (RFC 5424), or
// "[WARNING]  (8123) : " (HAProxy's stderr with -db or in a container).
func splitPrefix(s string) (msg string, sev Severity, haproxy bool) {
	msg, sev = s, SeverityUnknown
	if len(msg) > 2 && msg[0] == '<' {
		if end := strings.IndexByte(msg[:min(len(msg), 6)], '>'); end > 1 {
			if v, err := strconv.Atoi(msg[1:end]); err == nil && v >= 0 && v < 192 {
				sev, msg = Severity(v%8), msg[end+1:]
			}
		}
		if strings.HasPrefix(msg, "1 ") {
			// RFC 5424: VERSION TIMESTAMP HOSTNAME APP-NAME PROCID MSGID SD MSG.
			f := strings.SplitN(msg, " ", 8)
			if len(f) == 8 && f[3] == "haproxy" && f[6] == "-" {
				return f[7], sev, true
			}
		}
	}
	if i := strings.Index(msg, "]: "); i >= 0 && strings.Contains(msg[:i], "haproxy[") {
		return msg[i+3:], sev, true
	}
	if strings.HasPrefix(msg, "[") {
		if tag, m, ok := strings.Cut(msg, ") : "); ok {
			switch {
			case strings.HasPrefix(tag, "[ALERT]"):
				sev = SeverityAlert
			case strings.HasPrefix(tag, "[WARNING]"):
				sev = SeverityWarning
			case strings.HasPrefix(tag, "[NOTICE]"):
				sev = SeverityNotice
			}
			return m, sev, true
		}
		if strings.HasPrefix(msg, "[WARNING]") || strings.HasPrefix(msg, "[NOTICE]") || strings.HasPrefix(msg, "[ALERT]") {
			return msg, sev, true
		}
	}
	return msg, sev, false
}

// event reads the messages HAProxy logs beside its requests: state
// changes, health checks, its own connect failures (ClassifyMessage).
func (p *LogParser) event(b []byte, sink feed.Sink) error {
	msg, sev, ours := splitPrefix(string(b))
	if text, ok := reloadEvent(msg); ok && ours { // the master's reload (reload.go)
		sink.ObserveEvent(model.Event{Kind: model.EventReload, Name: text, Text: text, Source: "haproxy log"})
		return feed.ErrIgnored
	}
	m, known := ClassifyMessage(msg)
	if !known {
		if !ours {
			return fmt.Errorf("%w: %q", ErrNotHTTPLog, firstLine(b))
		}
		if sev >= 0 && sev <= SeverityErr {
			p.otherErrors.Add(1)
			l := strings.TrimSpace(msg)
			if len(l) > maxNoteLine {
				l = l[:maxNoteLine]
			}
			p.lastOther.Store(&l)
		}
		return feed.ErrIgnored // started, stopped, an agent's report, ...
	}
	if m.Cause == "" {
		return feed.ErrIgnored // UP, maintenance, drain: not a failure
	}
	line := strings.TrimSpace(msg)
	if m.Note != "" {
		line += " [gwtop: " + m.Note + "]"
	}
	if m.Gateway {
		sink.GatewayLimit("error_log", line, 1)
		return nil
	}
	key := m.Backend
	if m.Server != "" {
		key = p.key(m.Backend, m.Server)
		p.label(sink, key, m.Backend+"/"+m.Server, m.Backend)
		p.remember(key, m.Cause)
	} else {
		p.label(sink, key, key, key)
	}
	if m.Backlog {
		if p.backlog == nil {
			p.backlog = map[string]bool{}
		}
		if len(p.backlog) < maxRemembered {
			p.backlog[m.Backend] = true
		}
	}
	sink.ObserveFailure(feed.Failure{Addr: key, Cause: m.Cause, Source: "error_log", Line: line, Inferred: m.Inferred})
	return nil
}

var (
	_ feed.LineParser = (*LogParser)(nil)
	_ feed.Counter    = (*LogParser)(nil)
	_ feed.Noter      = (*LogParser)(nil)
)
