package haproxy

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

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
	return l, nil
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

// TerminationCause is the cause a line's termination state states, for a
// request answered status; noServer is true for <NOSRV>. It returns "" for
// a request that did not fail at an upstream (client aborts, local
// answers, normal ends).
//
//	SC  refused, or no_live_upstreams with <NOSRV> (no server available)
//	sC  connect_timeout           SH  premature_close
//	sH  read_timeout              PH  bad_response
//	sQ  no_live_upstreams: the request waited in the queue for "timeout
//	    queue" because every server was at its maxconn — the playbook's
//	    "every server of the group is marked down or at its connection
//	    limit". Not read_timeout (no server was tried) and not
//	    gateway_limits (it is the servers' limit, not the gateway's).
//	SD  reset: the server cut the response mid-body
//	sD  read_timeout: the server stalled mid-body
//	PC, RC  gateway_limits: HAProxy's own socket or memory limits
//	----    upstream_5xx when the server answered 5xx itself
func TerminationCause(ts string, status int, noServer bool) model.Cause {
	if len(ts) < 2 {
		return ""
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
		return model.CauseBadResponse
	case "sQ":
		return model.CauseNoLiveUpstreams
	case "SD", "SL":
		return model.CauseReset
	case "sD", "sL":
		return model.CauseReadTimeout
	case "PC", "RC":
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
}

// NewLogParser returns a parser that keys servers by name until Resolve
// is set.
func NewLogParser() *LogParser { return &LogParser{labelled: map[string]bool{}} }

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
	r.Duration = seconds(l.Ta)
	r.Attempts = r.Attempts[:0]
	noServer := l.NoServer()
	cause := TerminationCause(l.Termination, l.Status, noServer)
	switch {
	case noServer && cause == model.CauseNoLiveUpstreams:
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
		r.Attempts = append(r.Attempts, feed.Attempt{Addr: key, Status: st,
			Connect: seconds(l.Tc), Header: seconds(l.Tr), Total: seconds(l.Ta)})
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

// event reads the state changes HAProxy logs beside its requests.
func (p *LogParser) event(b []byte, sink feed.Sink) error {
	s := string(b)
	msg := s
	if i := strings.Index(s, "]: "); i >= 0 && strings.Contains(s[:i], "haproxy[") {
		msg = s[i+3:] // syslog: "<129>Nov 22 22:11:02 haproxy[8123]: "
	} else if strings.HasPrefix(s, "[") {
		if _, m, ok := strings.Cut(s, ") : "); ok {
			msg = m // HAProxy's stderr: "[WARNING]  (8123) : "
		}
	}
	switch {
	case strings.HasPrefix(msg, "Server ") || strings.HasPrefix(msg, "Health check for server "):
		name := strings.TrimPrefix(strings.TrimPrefix(msg, "Health check for server "), "Server ")
		name, rest, ok := strings.Cut(name, " ")
		backend, server, ok2 := strings.Cut(name, "/")
		if !ok || !ok2 || backend == "" || server == "" {
			return feed.ErrIgnored
		}
		if !strings.HasPrefix(rest, "is DOWN, reason: ") && !strings.HasPrefix(rest, "failed, reason: ") {
			return feed.ErrIgnored // UP, going into maintenance, ...
		}
		_, rest, _ = strings.Cut(rest, "reason: ")
		reason, rest, _ := strings.Cut(rest, ",")
		code := 0
		if v, ok := strings.CutPrefix(strings.TrimSpace(rest), "code: "); ok {
			c, _, _ := strings.Cut(v, ",")
			code, _ = strconv.Atoi(c)
		}
		info := ""
		if _, v, ok := strings.Cut(rest, `info: "`); ok {
			info, _, _ = strings.Cut(v, `"`)
		}
		st, known := reasonStatus[reason]
		if !known {
			return feed.ErrIgnored // agent reports, maintenance
		}
		cause := CheckCause(st, code, reason, info)
		if cause == "" {
			return feed.ErrIgnored
		}
		key := p.key(backend, server)
		p.label(sink, key, backend+"/"+server, backend)
		sink.ObserveFailure(feed.Failure{Addr: key, Cause: cause, Source: "error_log", Line: strings.TrimSpace(msg)})
		return nil
	case strings.HasPrefix(msg, "backend ") && strings.HasSuffix(strings.TrimSpace(msg), " has no server available!"):
		be := strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(msg), "backend "), " has no server available!")
		be = strings.Trim(be, "'")
		if be == "" || strings.ContainsAny(be, " /") {
			return feed.ErrIgnored
		}
		p.label(sink, be, be, be)
		sink.ObserveFailure(feed.Failure{Addr: be, Cause: model.CauseNoLiveUpstreams, Source: "error_log", Line: strings.TrimSpace(msg)})
		return nil
	}
	if msg != s || strings.HasPrefix(msg, "[WARNING]") || strings.HasPrefix(msg, "[NOTICE]") || strings.HasPrefix(msg, "[ALERT]") {
		return feed.ErrIgnored // another HAProxy message: started, stopped, ...
	}
	return fmt.Errorf("%w: %q", ErrNotHTTPLog, firstLine(b))
}

var _ feed.LineParser = (*LogParser)(nil)
