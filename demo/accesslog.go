package demo

import (
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// LogFormat is the nginx log_format the demo's access log is written in. Put
// it in gwtop's config exactly as one would copy it from nginx.conf. The
// multi-valued $upstream_* variables are quoted because they contain ", ".
const LogFormat = `$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent ` +
	`"$http_referer" "$http_user_agent" rt=$request_time uct="$upstream_connect_time" ` +
	`uht="$upstream_header_time" urt="$upstream_response_time" ua="$upstream_addr" us="$upstream_status"`

// timeLocalLayout is $time_local.
const timeLocalLayout = "02/Jan/2006:15:04:05 -0700"

// attempt is one try at one peer: one element of every $upstream_* variable.
// Durations count from the start of the attempt, as nginx measures them, and a
// negative duration is a phase never reached (printed "-").
type attempt struct {
	addr     string // "ip:port", or the group name when no live peer could be selected
	status   int    // the peer's status, or the 502/504 nginx substitutes for a failure
	connect  time.Duration
	header   time.Duration
	response time.Duration
	wrote    bool // the request was written to the peer
	start    time.Time
}

// exchange is what the gateway learned about one client request on its way
// through the upstreams. Trace callbacks fire on the transport's goroutines,
// hence the mutex.
type exchange struct {
	mu           sync.Mutex
	pool         *peerPool     // the upstream group the route goes to
	in           *http.Request // the client's request, for the error log
	conn         uint64        // the client connection's serial, for the error log
	attempts     []*attempt
	clientClosed bool // the client went away first: nginx logs 499
}

// begin starts a new attempt at addr.
func (ex *exchange) begin(addr string) *attempt {
	a := &attempt{addr: addr, connect: -1, header: -1, response: -1, start: time.Now()}
	ex.mu.Lock()
	ex.attempts = append(ex.attempts, a)
	ex.mu.Unlock()
	return a
}

// connected, wroteRequest, gotHeader and ended record the phases of a.
func (ex *exchange) connected(a *attempt) {
	ex.mu.Lock()
	a.connect = time.Since(a.start)
	ex.mu.Unlock()
}

func (ex *exchange) wroteRequest(a *attempt) {
	ex.mu.Lock()
	a.wrote = true
	ex.mu.Unlock()
}

func (ex *exchange) gotHeader(a *attempt, status int) {
	ex.mu.Lock()
	a.header = time.Since(a.start)
	a.status = status
	ex.mu.Unlock()
}

// ended closes the attempt; status 0 keeps whatever the header gave.
func (ex *exchange) ended(a *attempt, status int) {
	ex.mu.Lock()
	if a.response < 0 {
		a.response = time.Since(a.start)
	}
	if status != 0 {
		a.status = status
	}
	ex.mu.Unlock()
}

func (ex *exchange) snapshot(a *attempt) attempt {
	ex.mu.Lock()
	defer ex.mu.Unlock()
	return *a
}

// accessEntry is one access-log line's worth of facts.
type accessEntry struct {
	remoteAddr string
	request    string // the request line
	status     int
	bodyBytes  int64
	referer    string
	userAgent  string
	start, end time.Time
	ex         *exchange // nil when the request never went to an upstream
}

// appendAccessLine formats e in LogFormat, newline included.
func appendAccessLine(b []byte, e *accessEntry) []byte {
	b = appendVar(b, e.remoteAddr)
	b = append(b, " - "...)
	b = appendVar(b, "") // $remote_user: no auth in the demo
	b = append(b, " ["...)
	b = e.end.AppendFormat(b, timeLocalLayout)
	b = append(b, "] \""...)
	b = appendVar(b, e.request)
	b = append(b, "\" "...)
	b = appendStatus(b, e.status)
	b = append(b, ' ')
	b = strconv.AppendInt(b, e.bodyBytes, 10)
	b = append(b, " \""...)
	b = appendVar(b, e.referer)
	b = append(b, "\" \""...)
	b = appendVar(b, e.userAgent)
	b = append(b, "\" rt="...)
	b = appendMsec(b, e.end.Sub(e.start))

	var as []attempt
	if e.ex != nil {
		e.ex.mu.Lock()
		for _, a := range e.ex.attempts {
			as = append(as, *a)
		}
		e.ex.mu.Unlock()
	}
	b = append(b, " uct=\""...)
	b = appendUpstreamVar(b, as, func(b []byte, a *attempt) []byte { return appendPhase(b, a.connect) })
	b = append(b, "\" uht=\""...)
	b = appendUpstreamVar(b, as, func(b []byte, a *attempt) []byte { return appendPhase(b, a.header) })
	b = append(b, "\" urt=\""...)
	b = appendUpstreamVar(b, as, func(b []byte, a *attempt) []byte { return appendPhase(b, a.response) })
	b = append(b, "\" ua=\""...)
	b = appendUpstreamVar(b, as, func(b []byte, a *attempt) []byte { return appendEscaped(b, a.addr) })
	b = append(b, "\" us=\""...)
	b = appendUpstreamVar(b, as, func(b []byte, a *attempt) []byte {
		if a.status == 0 {
			return append(b, '-')
		}
		return appendStatus(b, a.status)
	})
	b = append(b, "\"\n"...)
	return b
}

// appendUpstreamVar writes one $upstream_* variable: one element per attempt
// joined by ", ", or "-" (variable not found) when no upstream was involved.
func appendUpstreamVar(b []byte, as []attempt, elem func([]byte, *attempt) []byte) []byte {
	if len(as) == 0 {
		return append(b, '-')
	}
	for i := range as {
		if i > 0 {
			b = append(b, ", "...)
		}
		b = elem(b, &as[i])
	}
	return b
}

// appendVar writes a string variable with nginx's default log escaping; an
// absent (empty) value is "-".
func appendVar(b []byte, s string) []byte {
	if s == "" {
		return append(b, '-')
	}
	return appendEscaped(b, s)
}

// appendEscaped applies ngx_http_log_escape: '"', '\\', and bytes outside
// 0x20..0x7e become \xXX with upper-case hex; everything else is copied.
func appendEscaped(b []byte, s string) []byte {
	const hex = "0123456789ABCDEF"
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c > 0x7e || c == '"' || c == '\\' {
			b = append(b, '\\', 'x', hex[c>>4], hex[c&0xf])
			continue
		}
		b = append(b, c)
	}
	return b
}

// appendStatus is %03ui, so 009 and 000 would keep their width.
func appendStatus(b []byte, s int) []byte {
	if s < 100 {
		b = append(b, '0')
	}
	if s < 10 {
		b = append(b, '0')
	}
	return strconv.AppendInt(b, int64(s), 10)
}

// appendMsec writes a duration as nginx's %T.%03M: whole milliseconds
// (truncated, never negative) as seconds with three decimals.
func appendMsec(b []byte, d time.Duration) []byte {
	ms := max(d.Milliseconds(), 0)
	b = strconv.AppendInt(b, ms/1000, 10)
	b = append(b, '.')
	frac := ms % 1000
	if frac < 100 {
		b = append(b, '0')
	}
	if frac < 10 {
		b = append(b, '0')
	}
	return strconv.AppendInt(b, frac, 10)
}

// appendPhase is appendMsec, or "-" for a phase that was never reached.
func appendPhase(b []byte, d time.Duration) []byte {
	if d < 0 {
		return append(b, '-')
	}
	return appendMsec(b, d)
}

// requestLine rebuilds $request ("GET /path?q HTTP/1.1") as the client sent it.
func requestLine(r *http.Request) string {
	return r.Method + " " + r.RequestURI + " " + r.Proto
}

// clientAddr is $remote_addr: the client's IP without the port.
func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// recorder remembers what the gateway sent the client, for $status and
// $body_bytes_sent.
type recorder struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (w *recorder) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *recorder) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(p)
	w.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController (used by ReverseProxy to flush) reach
// the real writer.
func (w *recorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }
