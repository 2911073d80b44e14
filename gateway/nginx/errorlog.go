package nginx

import (
	"strings"
	"time"

	"github.com/gwtop/gwtop/gateway/internal/lex"
	"github.com/gwtop/gwtop/model"
)

// ErrorRecord is one error.log line that names an upstream failure (or a
// gateway limit) and the cause gwtop attributes it to.
type ErrorRecord struct {
	Time    time.Time // nginx's local time; zero if the line has none
	Level   string    // "error", "crit", ... ; "" if absent
	PID     int64
	Conn    int64  // the *CONN serial that ties a request's lines together; 0 if absent
	Message string // the text before " while ACTION"
	Action  string // e.g. "connecting to upstream"; "" if absent
	Client  string
	Server  string
	Request string // the request line, unquoted
	// Upstream is the raw upstream: value, e.g. "http://172.21.0.19:9000/".
	Upstream string
	// UpstreamAddr is the peer in Upstream as the access log's
	// $upstream_addr would name it: "172.21.0.19:9000", "[2606::1]:8080",
	// "unix:/var/run/php-fpm.sock", or an upstream group name. Without an
	// upstream: field it is the name the message is about (DNS failures,
	// "connect() to X failed").
	UpstreamAddr string
	Host         string // the host: field, unquoted
	Cause        model.Cause
	// Status is what the client most likely got if no other peer
	// succeeded: 502, 504 (nginx's own timers), 500 (socket()/
	// worker_connections), 503 (limit_req/limit_conn), 9 (HTTP/0.9
	// pass-through after "no valid HTTP/1.0 header"), or 0 when the
	// status had already been sent or no request was involved.
	Status int
}

// ParseErrorLine parses one error.log line. It returns true only when the
// message maps to a cause code; startup notices, client-side errors
// ("client prematurely closed connection", a client's TLS handshake),
// consequences rather than causes ("upstream server temporarily
// disabled", which follows the failures that led to it), the gateway's own
// rate limiting and every line below [error] (a duplicate header nginx
// ignored, an idle WebSocket's timeout) give false.
//
// Lines may lack the timestamp, the [level] or the PID#TID: prefix, as
// lines quoted in bug reports often do. Malformed input never panics.
func ParseErrorLine(line []byte) (ErrorRecord, bool) {
	r, v := parseErrorLine(line)
	return r, v.cause != model.CauseNone
}

// parseErrorLine is ParseErrorLine with the catalogue's whole verdict.
func parseErrorLine(line []byte) (ErrorRecord, verdict) {
	if n := len(line); n > 0 && line[n-1] == '\n' {
		line = line[:n-1]
		if n := len(line); n > 0 && line[n-1] == '\r' {
			line = line[:n-1]
		}
	}
	var r ErrorRecord
	s := string(line)
	s = r.prefix(s)

	// The message may contain ", " (limit_req's "limiting requests,
	// excess: ...") and the request line and Host are the client's, so
	// cut at the first ", client: " and read the context after it.
	if c := strings.Index(s, ", client: "); c >= 0 {
		r.context(s[c+len(", "):])
		s = s[:c]
	}
	if w := strings.LastIndex(s, " while "); w >= 0 {
		r.Action = s[w+len(" while "):]
		s = s[:w]
	}
	r.Message = s
	v := classify(r.Level, r.Message, r.Action)
	if v.cause == model.CauseNone {
		return r, v
	}
	r.Cause, r.Status = v.cause, v.status
	r.UpstreamAddr = upstreamPeer(r.Upstream)
	if r.UpstreamAddr == "" {
		r.UpstreamAddr = subject(r.Message)
	}
	return r, v
}

// prefix consumes "YYYY/MM/DD HH:MM:SS [level] PID#TID: *CONN ", each part
// optional, and returns the rest.
func (r *ErrorRecord) prefix(s string) string {
	if len(s) >= 20 && s[4] == '/' && s[7] == '/' && s[10] == ' ' && s[19] == ' ' {
		y, ok := lex.Digits(s[0:4])
		mon, ok2 := lex.Num2(s[5:7])
		d, ok3 := lex.Num2(s[8:10])
		if ok && ok2 && ok3 {
			if t, ok := lex.Clock(y, mon, d, s[11:19], 0); ok {
				// error.log has no zone: it is the host's local time.
				r.Time = time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), 0, time.Local)
				s = s[20:]
			}
		}
	}
	if strings.HasPrefix(s, "[") {
		if e := strings.IndexByte(s, ']'); e > 1 && e < 10 && e+1 < len(s) && s[e+1] == ' ' {
			r.Level = s[1:e]
			s = s[e+2:]
		}
	}
	// PID#TID:
	if h := strings.IndexByte(s, '#'); h > 0 && h <= 18 {
		if pid, ok := lex.Digits(s[:h]); ok {
			rest := s[h+1:]
			if c := strings.Index(rest, ": "); c > 0 && c <= 18 {
				if _, ok := lex.Digits(rest[:c]); ok {
					r.PID = pid
					s = rest[c+2:]
				}
			}
		}
	}
	if strings.HasPrefix(s, "*") {
		if sp := strings.IndexByte(s, ' '); sp > 1 {
			if conn, ok := lex.Digits(s[1:sp]); ok {
				r.Conn = conn
				s = s[sp+1:]
			}
		}
	}
	return s
}

// contextKeys are the pairs nginx appends after the message, in the order
// ngx_http_log_error_handler writes them.
var contextKeys = [...]string{"client", "server", "request", "subrequest", "upstream", "host", "referrer"}

// context parses `client: C, server: S, request: "R", ...`. A value runs
// to the next ", key: " of a key that may follow it; quoted values to the
// next `", key: ` or the final quote.
func (r *ErrorRecord) context(s string) {
	k := 0 // index in contextKeys of the key at s
	for k < len(contextKeys) && !strings.HasPrefix(s, contextKeys[k]+": ") {
		k++
	}
	for k < len(contextKeys) {
		s = s[len(contextKeys[k])+2:]
		quoted := strings.HasPrefix(s, `"`)
		end, next := len(s), len(contextKeys)
		for n := k + 1; n < len(contextKeys); n++ {
			sep, from := ", "+contextKeys[n]+": ", 0
			if quoted {
				// The closing quote comes after the opening one.
				sep, from = `"`+sep, 1
			}
			if i := strings.Index(s[from:], sep); i >= 0 && from+i < end {
				end, next = from+i, n
			}
		}
		v := s[:end]
		switch {
		case quoted && next < len(contextKeys):
			v = s[1:end]
			end++ // the closing quote
		case quoted:
			v = strings.TrimSuffix(s[1:], `"`)
		}
		switch contextKeys[k] {
		case "client":
			r.Client = v
		case "server":
			r.Server = v
		case "request":
			r.Request = v
		case "upstream":
			r.Upstream = v
		case "host":
			r.Host = v
		}
		if next == len(contextKeys) {
			return
		}
		s = s[end+len(", "):]
		k = next
	}
}

// upstreamPeer extracts the peer from an upstream: value, which is
// scheme://peer/uri with unix sockets as scheme://unix:/path:uri.
func upstreamPeer(u string) string {
	if u == "" {
		return ""
	}
	if i := strings.Index(u, "://"); i >= 0 {
		u = u[i+3:]
	}
	switch {
	case strings.HasPrefix(u, "unix:"):
		if i := strings.IndexByte(u[len("unix:"):], ':'); i >= 0 {
			return u[:len("unix:")+i]
		}
		return u
	case strings.HasPrefix(u, "["):
		e := strings.IndexByte(u, ']')
		if e < 0 {
			return u
		}
		rest := u[e+1:]
		if strings.HasPrefix(rest, ":") {
			p := 1
			for p < len(rest) && rest[p] >= '0' && rest[p] <= '9' {
				p++
			}
			return u[:e+1+p]
		}
		return u[:e+1]
	}
	if i := strings.IndexAny(u, "/?"); i >= 0 {
		return u[:i]
	}
	return u
}

// subject names what a message without an upstream: field is about.
func subject(m string) string {
	if i := strings.Index(m, " could not be resolved"); i > 0 {
		name := m[:i]
		// "service _http._tcp of backend.example.com could not be
		// resolved" (the upstream zone module's SRV lookups): the
		// upstream is the name the service is looked up in.
		if rest, ok := strings.CutPrefix(name, "service "); ok {
			if o := strings.Index(rest, " of "); o >= 0 {
				return rest[o+len(" of "):]
			}
		}
		return name
	}
	if rest, ok := strings.CutPrefix(m, "no resolver defined to resolve "); ok {
		return rest
	}
	if rest, ok := strings.CutPrefix(m, "host not found in upstream \""); ok {
		if e := strings.IndexByte(rest, '"'); e >= 0 {
			return rest[:e]
		}
	}
	if rest, ok := strings.CutPrefix(m, "connect() to "); ok {
		if e := strings.Index(rest, " failed"); e > 0 {
			return rest[:e]
		}
	}
	return ""
}
