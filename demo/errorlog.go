package demo

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"syscall"
	"time"
)

// errorLogLayout is ngx_log_error_core's "%4d/%02d/%02d %02d:%02d:%02d" in local time.
const errorLogLayout = "2006/01/02 15:04:05"

// nginx's upstream actions (log->action), written after " while ".
const (
	actionConnecting = "connecting to upstream"
	actionSending    = "sending request to upstream"
	actionReading    = "reading response header from upstream"
)

// failure is the nginx view of one failed attempt: the message nginx would
// log, the phase it was in, and the status it substitutes (502, or 504 when
// one of its own timers fired).
type failure struct {
	message string
	action  string
	status  int
}

// The errno texts are written as glibc on Linux prints them, whatever the OS
// the demo runs on: gwtop's parsers are written against nginx on Linux, and
// Go's own errno strings ("connection refused") differ in case and number.
const (
	msgRefused       = "connect() failed (111: Connection refused)"
	msgTimedOut      = "upstream timed out (110: Connection timed out)"
	msgResetRecv     = "recv() failed (104: Connection reset by peer)"
	msgResetSend     = "writev() failed (104: Connection reset by peer)"
	msgBrokenPipe    = "writev() failed (32: Broken pipe)"
	msgPremature     = "upstream prematurely closed connection"
	msgTooBigHeader  = "upstream sent too big header"
	msgInvalidHeader = "upstream sent invalid header"
	msgNoLive        = "no live upstreams"
	msgDisabled      = "upstream server temporarily disabled"
)

// classify turns the error of one attempt (a Go transport error chain) into
// what nginx would have logged for the same event. wrote says whether the
// request had been written to the peer, which separates "sending request"
// failures from "reading response header" ones.
func classify(err error, wrote bool) failure {
	var op *net.OpError
	isDial := errors.As(err, &op) && op.Op == "dial"
	var ne net.Error
	isTimeout := errors.As(err, &ne) && ne.Timeout()
	text := err.Error()

	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return failure{msgRefused, actionConnecting, http.StatusBadGateway}
	case isDial && isTimeout:
		// proxy_connect_timeout: nginx's timer, so 504.
		return failure{msgTimedOut, actionConnecting, http.StatusGatewayTimeout}
	case isTimeout:
		// proxy_read_timeout while waiting for the status line and headers
		// (Transport.ResponseHeaderTimeout).
		return failure{msgTimedOut, actionReading, http.StatusGatewayTimeout}
	case errors.Is(err, syscall.ECONNRESET):
		if !wrote {
			return failure{msgResetSend, actionSending, http.StatusBadGateway}
		}
		return failure{msgResetRecv, actionReading, http.StatusBadGateway}
	case errors.Is(err, syscall.EPIPE):
		return failure{msgBrokenPipe, actionSending, http.StatusBadGateway}
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF),
		// net/http reports a connection closed before any response byte as
		// errServerClosedIdle, an unexported error that does not wrap io.EOF.
		strings.Contains(text, "server closed idle connection"):
		return failure{msgPremature, actionReading, http.StatusBadGateway}
	case strings.Contains(text, "server response headers exceeded"):
		return failure{msgTooBigHeader, actionReading, http.StatusBadGateway}
	case strings.Contains(text, "malformed HTTP"):
		return failure{msgInvalidHeader, actionReading, http.StatusBadGateway}
	case isDial:
		return failure{"connect() failed (" + errnoText(err) + ")", actionConnecting, http.StatusBadGateway}
	default:
		// Anything else broke the connection before a usable header arrived.
		return failure{msgPremature, actionReading, http.StatusBadGateway}
	}
}

// errnoText renders an errno as "N: Text" for the rare dial errors classify
// has no dedicated message for.
func errnoText(err error) string {
	var en syscall.Errno
	if errors.As(err, &en) {
		s := en.Error()
		if s != "" {
			s = strings.ToUpper(s[:1]) + s[1:]
		}
		return fmt.Sprintf("%d: %s", int(en), s)
	}
	return "22: Invalid argument"
}

// errorLog writes nginx error-log lines.
type errorLog struct {
	w   *logWriter
	pid int
}

// upstreamLine is the context ngx_http_log_error_handler appends to a message
// logged while a request talks to an upstream.
type upstreamLine struct {
	level    string // "error", "warn"
	conn     uint64
	message  string
	action   string
	req      *http.Request // the client's request
	upstream string        // schema + peer (or group) name + uri
}

// log writes one line in ngx_log_error_core's grammar (reference §2.1).
func (l *errorLog) log(now time.Time, e upstreamLine) {
	b := make([]byte, 0, 320)
	b = now.AppendFormat(b, errorLogLayout)
	b = fmt.Appendf(b, " [%s] %d#0: *%d %s", e.level, l.pid, e.conn, e.message)
	if e.action != "" {
		b = append(b, " while "...)
		b = append(b, e.action...)
	}
	b = append(b, ", client: "...)
	b = append(b, clientAddr(e.req)...)
	b = append(b, ", server: "...)
	b = append(b, serverName...)
	// nginx copies the request line, upstream and host into the error log
	// verbatim: unlike the access log, there is no escaping here.
	b = append(b, ", request: \""...)
	b = append(b, requestLine(e.req)...)
	b = append(b, '"')
	if e.upstream != "" {
		b = append(b, ", upstream: \""...)
		b = append(b, e.upstream...)
		b = append(b, '"')
	}
	if e.req.Host != "" {
		b = append(b, ", host: \""...)
		b = append(b, e.req.Host...)
		b = append(b, '"')
	}
	if ref := e.req.Referer(); ref != "" {
		b = append(b, ", referrer: \""...)
		b = append(b, ref...)
		b = append(b, '"')
	}
	b = append(b, '\n')
	l.w.writeLine(b)
}
