package apache

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/gwtop/gwtop/collector/feed"
	"github.com/gwtop/gwtop/gateway/internal/lex"
	"github.com/gwtop/gwtop/model"
)

// ErrorRecord is one error-log line in ErrorLogFormat's default layout,
//
//	[time] [module:level] [pid P:tid T] file(line): (errno)text: [client A:P] AHnnnnn: message, referer: R
//
// as server/log.c's do_errorlog_default writes it; every part but the
// message may be missing (startup lines have neither time nor module, the
// file is only written at debug level, the errno only when there is one).
type ErrorRecord struct {
	Time   time.Time // the server's local time; zero if the line has none
	Module string    // "proxy", "proxy_http", "ssl", …
	Level  string    // "error", "warn", "trace3", …
	PID    int64
	TID    int64
	// Errno is the status in "(111)Connection refused: " — an errno, an
	// APR code like 70007 (APR_TIMEUP) or 20014 (APR_EGENERAL); 0 if
	// absent. ErrKind says how log.c printed it: "" for (N), "EAI" for a
	// resolver error "(EAI 2)…", "OS" for "(OS N)".
	Errno   int
	ErrKind string
	ErrText string
	// Peer is the address in "[client A:P]" or "[remote A:P]"; Remote is
	// true for the latter, which log.c writes for a connection Apache
	// opened itself (to a backend).
	Peer    string
	Remote  bool
	ID      string // "AH00957"; "" when the message has no APLOGNO
	Message string // after the id, without ", referer: …"
	// Addr is the backend the message names, as the configuration names
	// it: host:port, "unix:/path", a balancer ("balancer://pool"), a
	// hostname for DNS failures; "" when the message names none (then
	// only the URI, see URI).
	Addr string
	URI  string // the request URI when the message names it ("… returned by /x")
	// Cause is what the catalogue (and the errno) say; CauseNone for lines
	// that are not backend failures.
	Cause model.Cause
	// Rule is the catalogue entry that matched, nil if none did.
	Rule *Rule
}

// ErrGarbage is wrapped by ParseErrorLine's error for a line that is not
// in the error log's layout at all.
var ErrGarbage = errors.New("not an Apache error log line")

// levels are log.c's priorities, most severe first.
var levels = [...]string{"emerg", "alert", "crit", "error", "warn", "notice", "info", "debug",
	"trace1", "trace2", "trace3", "trace4", "trace5", "trace6", "trace7", "trace8"}

// levelRank returns the index of l in levels, or -1.
func levelRank(l string) int {
	for i, s := range levels {
		if s == l {
			return i
		}
	}
	return -1
}

// rankError and rankWarn are the ranks of "error" and "warn".
const (
	rankError = 3
	rankWarn  = 4
)

// ParseErrorLine reads one error-log line. It returns an error wrapping
// ErrGarbage for text that is not an error-log line, and otherwise the
// record with its cause (CauseNone when the line is not about a backend or
// its level is below what counts). Malformed input never panics.
func ParseErrorLine(line []byte) (ErrorRecord, error) {
	var r ErrorRecord
	s := strings.TrimRight(string(line), "\r\n")
	if s == "" {
		return r, fmt.Errorf("empty line: %w", ErrGarbage)
	}
	rest, err := r.header(s)
	if err != nil {
		return r, err
	}
	r.body(rest)
	classify(&r)
	return r, nil
}

// header reads the bracketed prefix: time, module:level, pid:tid.
func (r *ErrorRecord) header(s string) (string, error) {
	bracketed := false
	if t, rest, ok := bracket(s); ok {
		if tm, ok := parseErrorTime(t); ok {
			r.Time, s, bracketed = tm, rest, true
		}
	}
	if t, rest, ok := bracket(s); ok && strings.IndexByte(t, ':') >= 0 && !strings.HasPrefix(t, "pid ") {
		c := strings.LastIndexByte(t, ':')
		r.Module, r.Level = t[:c], t[c+1:]
		if levelRank(r.Level) < 0 {
			return "", fmt.Errorf("unknown level %q: %w", r.Level, ErrGarbage)
		}
		s, bracketed = rest, true
	}
	if t, rest, ok := bracket(s); ok && strings.HasPrefix(t, "pid ") {
		p := t[len("pid "):]
		tid := ""
		if c := strings.Index(p, ":tid "); c >= 0 {
			p, tid = p[:c], p[c+len(":tid "):]
		}
		pid, ok := lex.Digits(p)
		if !ok {
			return "", fmt.Errorf("bad pid %q: %w", p, ErrGarbage)
		}
		r.PID = pid
		if tid != "" {
			n, ok := lex.Digits(tid)
			if !ok {
				return "", fmt.Errorf("bad tid %q: %w", tid, ErrGarbage)
			}
			r.TID = n
		}
		s, bracketed = rest, true
	}
	if !bracketed && !isAHID(s) {
		// Startup lines carry no brackets but always an AHnnnnn id
		// ("AH00558: apache2: Could not reliably determine …").
		return "", fmt.Errorf("no [time] [module:level] prefix and no AH id: %w", ErrGarbage)
	}
	return s, nil
}

// bracket splits "[x] rest" into x and rest.
func bracket(s string) (string, string, bool) {
	if len(s) < 2 || s[0] != '[' {
		return "", s, false
	}
	e := strings.IndexByte(s, ']')
	if e < 0 {
		return "", s, false
	}
	rest := s[e+1:]
	rest = strings.TrimPrefix(rest, " ")
	return s[1:e], rest, true
}

// body reads what follows the header: file(line), (errno)text, [client…],
// AHnnnnn and the message.
func (r *ErrorRecord) body(s string) {
	// "proxy_util.c(2615): " at debug level and below.
	if p := strings.Index(s, "): "); p > 0 && p < 64 {
		if o := strings.IndexByte(s[:p], '('); o > 0 && strings.HasSuffix(s[:o], ".c") {
			if _, ok := lex.Digits(s[o+1 : p]); ok {
				s = s[p+3:]
			}
		}
	}
	if strings.HasPrefix(s, "(") {
		if e := strings.IndexByte(s, ')'); e > 1 {
			code, kind := s[1:e], ""
			if k, n, ok := strings.Cut(code, " "); ok && (k == "EAI" || k == "OS") {
				kind, code = k, n
			}
			if n, ok := lex.Digits(code); ok && n < 1<<31 {
				rest := s[e+1:]
				text, after, found := strings.Cut(rest, ": ")
				if !found {
					text, after = rest, ""
				}
				r.Errno, r.ErrKind, r.ErrText = int(n), kind, text
				s = after
			}
		}
	}
	for _, p := range [...]string{"[client ", "[remote "} {
		if strings.HasPrefix(s, p) {
			// "] " ends it: an IPv6 client is "[client [2001:db8::1]:40000]".
			if e := strings.Index(s, "] "); e > len(p) {
				r.Peer, r.Remote = s[len(p):e], p == "[remote "
				s = s[e+2:]
			}
			break
		}
	}
	if isAHID(s) {
		e := strings.IndexByte(s, ':')
		r.ID, s = s[:e], strings.TrimPrefix(s[e+1:], " ")
	}
	if i := strings.LastIndex(s, ", referer: "); i >= 0 {
		s = s[:i]
	}
	r.Message = s
}

// isAHID reports whether s starts with an APLOGNO id and its colon:
// "AH00957:" (five or six digits; proxy_util.c has one AH010117).
func isAHID(s string) bool {
	if len(s) < 8 || s[0] != 'A' || s[1] != 'H' {
		return false
	}
	n := 0
	for n < 7 && 2+n < len(s) && s[2+n] >= '0' && s[2+n] <= '9' {
		n++
	}
	return (n == 5 || n == 6) && 2+n < len(s) && s[2+n] == ':'
}

// parseErrorTime reads "%{u}t": "Tue Dec 01 09:32:15.123456 2026", or the
// same without microseconds; local time, as Apache writes it.
func parseErrorTime(s string) (time.Time, bool) {
	// Www Mmm dd hh:mm:ss[.uuuuuu] yyyy
	if len(s) < 24 || s[3] != ' ' || s[7] != ' ' || s[10] != ' ' {
		return time.Time{}, false
	}
	mon := monthIndex(s[4:7])
	day, ok := lex.Num2(s[8:10])
	if mon == 0 || !ok {
		return time.Time{}, false
	}
	rest := s[11:]
	if len(rest) < 8 || rest[2] != ':' || rest[5] != ':' {
		return time.Time{}, false
	}
	h, ok1 := lex.Num2(rest[0:2])
	m, ok2 := lex.Num2(rest[3:5])
	sec, ok3 := lex.Num2(rest[6:8])
	if !ok1 || !ok2 || !ok3 || h > 23 || m > 59 || sec > 60 || day < 1 || day > 31 {
		return time.Time{}, false
	}
	rest = rest[8:]
	nsec := 0
	if strings.HasPrefix(rest, ".") {
		i := 1
		for i < len(rest) && i <= 9 && rest[i] >= '0' && rest[i] <= '9' {
			i++
		}
		frac := rest[1:i]
		for j := 0; j < 9; j++ {
			nsec *= 10
			if j < len(frac) {
				nsec += int(frac[j] - '0')
			}
		}
		rest = rest[i:]
	}
	if len(rest) != 5 || rest[0] != ' ' {
		return time.Time{}, false
	}
	y, ok := lex.Digits(rest[1:])
	if !ok {
		return time.Time{}, false
	}
	return time.Date(int(y), time.Month(mon), day, h, m, sec, nsec, time.Local), true
}

// ErrorLog is the error log's feed.LineParser. It keeps a little memory per
// server thread (pid:tid), because Apache often explains one failure in two
// or three lines: "(20014)…: AH01084: pass request body failed to
// 127.0.0.1:8443" names the backend, the "AH00898: Error during SSL
// Handshake with remote server" right after it says why; "AH00957 …
// (111)Connection refused" is followed by "AH01114: HTTP: failed to make
// connection to backend". Each failure is reported once, with the address
// from whichever line named it. Use one ErrorLog per file; it is safe for
// concurrent use.
type ErrorLog struct {
	// Router, when set, names the backend of messages that name only the
	// request URI ("Corrupt status line … returned by /api/x"), and turns
	// a bare hostname ("DNS lookup failure for: api.internal") into the
	// host:port the routes use for it.
	Router *Router

	mu     sync.Mutex
	recent [threadMemory]threadNote
	next   int
}

// threadMemory is how many server threads ErrorLog remembers.
const threadMemory = 64

// threadWindow is how far apart, in log time, lines may be and still be
// about the same request.
const threadWindow = 2 * time.Second

// threadNote is what ErrorLog remembers of one thread's latest lines.
type threadNote struct {
	pid, tid int64
	at       time.Time
	peer     string // the client of the current request, when a line named it
	addr     string // the last backend a line of this thread named
	reported bool   // a failure was reported for the current request
}

// note returns the memory of r's thread, creating it (and forgetting the
// oldest) when needed; nil for lines without a pid.
func (l *ErrorLog) note(r *ErrorRecord) *threadNote {
	if r.PID == 0 {
		return nil
	}
	for i := range l.recent {
		n := &l.recent[i]
		if n.pid == r.PID && n.tid == r.TID {
			if r.Time.Sub(n.at) > threadWindow || n.at.Sub(r.Time) > threadWindow ||
				(r.Peer != "" && !r.Remote && n.peer != "" && r.Peer != n.peer) {
				// Another request (later, or another client's).
				*n = threadNote{pid: r.PID, tid: r.TID}
			}
			n.at = r.Time
			if !r.Remote {
				// A line without a client (AH00957 is logged for the
				// server, not the request) may start the next request:
				// the client of the line after it is not a change.
				n.peer = r.Peer
			}
			return n
		}
	}
	n := &l.recent[l.next]
	l.next = (l.next + 1) % threadMemory
	*n = threadNote{pid: r.PID, tid: r.TID, at: r.Time}
	if r.Peer != "" && !r.Remote {
		n.peer = r.Peer
	}
	return n
}

// Line implements feed.LineParser.
func (l *ErrorLog) Line(line []byte, sink feed.Sink) error {
	r, err := ParseErrorLine(line)
	if err != nil {
		return err
	}
	if observeReload(&r, sink) { // a graceful restart (reload.go)
		return feed.ErrIgnored
	}
	l.mu.Lock()
	var n *threadNote
	if r.Rule != nil {
		n = l.note(&r)
	}
	report := r.Cause != model.CauseNone
	if n != nil {
		switch {
		case r.Addr != "" && r.Rule.hostOnly && n.addr != "":
			r.Addr = n.addr // "backend: 127.0.0.1" after "(127.0.0.1:8080)"
		case r.Addr != "":
			n.addr = r.Addr
		case report:
			r.Addr = n.addr
		}
		if report && r.Rule.Mode == UnlessReported && n.reported {
			report = false
		}
		if report {
			n.reported = true
		}
	}
	l.mu.Unlock()
	if !report {
		return feed.ErrIgnored
	}
	addr := r.Addr
	if l.Router != nil {
		addr = l.Router.refine(addr, r.URI)
	}
	sink.ObserveFailure(feed.Failure{Time: r.Time, Addr: addr, Cause: r.Cause, Source: "error_log", Line: strings.TrimRight(string(line), "\r\n")})
	return nil
}
