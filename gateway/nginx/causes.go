package nginx

import (
	"strings"

	"github.com/gwtop/gwtop/gateway/internal/lex"
	"github.com/gwtop/gwtop/model"
)

// This file maps the error.log message catalogue (nginx's own source: the
// ngx_log_error format strings of src/http/ngx_http_upstream*.c,
// src/event/ngx_event_connect.c and ngx_event_openssl.c, the proxy,
// fastcgi, uwsgi, scgi, grpc and memcached modules, ngx_resolver.c, the
// upstream zone and stream proxy modules, limit_req and limit_conn; see
// catalogue_test.go) to cause codes. Matching is on message prefixes and
// on the errno text nginx prints beside the number, never on whole lines.
//
// The level decides as much as the text: nginx logs at [warn], [notice]
// and [info] what it recovered from (a duplicate header it ignored, data
// after the final chunk it dropped, an idle WebSocket whose timer fired),
// so a line below [error] is never an upstream failure.

// verdict is what the catalogue makes of one message.
type verdict struct {
	cause  model.Cause
	status int // the client's likely status; see ErrorRecord.Status
	// known says the message is in the catalogue, as a failure or as a
	// message deliberately not counted as one. An unknown message at
	// [error] or above is shown on the gateway row (other_errors).
	known bool
	// limit is set for the gateway's own rate limiting (limit_req,
	// limit_conn): "rate_limited" (rejected), "rate_delayed" (served
	// late), "rate_limited_dry_run" (would have been rejected); zone is
	// the zone's name.
	limit, zone string
}

// failure is a known message that is an upstream failure.
func failure(c model.Cause, status int) verdict {
	return verdict{cause: c, status: status, known: true}
}

// benign is a known message that is not an upstream failure.
var benign = verdict{known: true}

// errorLevel reports whether a level is [error] or more severe. A line
// without a level (quoted in a bug report) is taken at its word.
func errorLevel(level string) bool {
	switch level {
	case "warn", "notice", "info", "debug":
		return false
	}
	return true
}

// errno returns the OS error number and its text that nginx appended as
// " (N: text)", or -1 and "".
func errno(m string) (int, string) {
	i := strings.LastIndex(m, " (")
	for i >= 0 {
		rest := m[i+2:]
		c := strings.IndexByte(rest, ':')
		if c > 0 && c <= 5 {
			if n, ok := lex.Digits(rest[:c]); ok {
				text := rest[c+1:]
				if e := strings.IndexByte(text, ')'); e >= 0 {
					text = text[:e]
				}
				return int(n), strings.TrimSpace(text)
			}
		}
		i = strings.LastIndex(m[:i], " (")
	}
	return -1, ""
}

// errClass is what an OS error means to gwtop, whatever the platform.
type errClass int

const (
	errOther       errClass = iota
	errRefused              // ECONNREFUSED
	errUnreachable          // EHOSTUNREACH, ENETUNREACH, EHOSTDOWN, ENETDOWN
	errTimedOut             // ETIMEDOUT
	errAddrInUse            // EADDRNOTAVAIL: no local port or address
	errReset                // ECONNRESET, EPIPE, ECONNABORTED
	errAgain                // EAGAIN, EWOULDBLOCK
	errFiles                // EMFILE, ENFILE
	errPermission           // EACCES, EPERM
	errNoEntry              // ENOENT: no socket file
)

// errTexts are strerror's texts (glibc, musl, the BSDs and macOS) and
// Windows' FormatMessage texts, lower case, matched as substrings.
var errTexts = []struct {
	text  string
	class errClass
}{
	{"connection refused", errRefused},
	{"actively refused", errRefused}, // WSAECONNREFUSED
	{"no route to host", errUnreachable},
	{"network is unreachable", errUnreachable},
	{"host is unreachable", errUnreachable}, // musl
	{"host is down", errUnreachable},
	{"network is down", errUnreachable},
	{"unreachable host", errUnreachable},    // WSAEHOSTUNREACH
	{"unreachable network", errUnreachable}, // WSAENETUNREACH
	{"timed out", errTimedOut},              // "Connection timed out", "Operation timed out"
	{"did not properly respond", errTimedOut},
	{"assign requested address", errAddrInUse}, // "Cannot ...", "Can't ..."
	{"address not available", errAddrInUse},    // musl
	{"not valid in its context", errAddrInUse}, // WSAEADDRNOTAVAIL
	{"connection reset", errReset},
	{"forcibly closed", errReset}, // WSAECONNRESET
	{"broken pipe", errReset},
	{"connection abort", errReset}, // "Software caused connection abort"
	{"resource temporarily unavailable", errAgain},
	{"operation would block", errAgain},
	{"could not be completed immediately", errAgain}, // WSAEWOULDBLOCK
	{"too many open files", errFiles},
	{"file table overflow", errFiles},
	{"no file descriptors available", errFiles}, // musl
	{"permission denied", errPermission},
	{"operation not permitted", errPermission},
	{"no such file or directory", errNoEntry},
}

// errNumbers break the tie when the text is not one of errTexts (another
// libc's wording, a localised Windows): Windows' WSA numbers, then Linux's,
// then the BSDs' and macOS'. Numbers clash between platforms (35 is EAGAIN
// on the BSDs, EDEADLK on Linux), which is why the text decides first.
var errNumbers = []map[int]errClass{
	{10061: errRefused, 10065: errUnreachable, 10051: errUnreachable, 10050: errUnreachable, 10064: errUnreachable,
		10060: errTimedOut, 10049: errAddrInUse, 10054: errReset, 10053: errReset, 10035: errAgain, 10024: errFiles, 10013: errPermission},
	{111: errRefused, 113: errUnreachable, 101: errUnreachable, 112: errUnreachable, 100: errUnreachable,
		110: errTimedOut, 99: errAddrInUse, 104: errReset, 32: errReset, 103: errReset, 11: errAgain,
		24: errFiles, 23: errFiles, 13: errPermission, 1: errPermission, 2: errNoEntry},
	{61: errRefused, 65: errUnreachable, 51: errUnreachable, 64: errUnreachable, 50: errUnreachable,
		60: errTimedOut, 49: errAddrInUse, 54: errReset, 53: errReset, 35: errAgain},
}

// classOf classifies the errno nginx printed in m.
func classOf(m string) errClass {
	n, text := errno(m)
	if n < 0 {
		return errOther
	}
	lower := strings.ToLower(text)
	for _, t := range errTexts {
		if strings.Contains(lower, t.text) {
			return t.class
		}
	}
	for _, table := range errNumbers {
		if c, ok := table[n]; ok {
			return c
		}
	}
	return errOther
}

// upstreamAction reports whether nginx was talking to an upstream, which
// tells an upstream's reset from a client's.
func upstreamAction(a string) bool {
	return strings.HasSuffix(a, "upstream")
}

// afterHeaders reports whether the response status had already gone to the
// client, so a failure truncates the body instead of producing a 5xx.
func afterHeaders(a string) bool {
	return a == "reading upstream" || a == "proxying upgraded connection"
}

// statusFor is 502, or 0 once the status has gone to the client.
func statusFor(action string, status int) int {
	if afterHeaders(action) {
		return 0
	}
	return status
}

// classify returns what the catalogue makes of a message at a level with
// its " while ACTION". Below [error] nothing is a failure: the catalogue
// lists those messages as known, not counted.
func classify(level, m, action string) verdict {
	v := classifyMessage(m, action)
	if v.cause != model.CauseNone && !errorLevel(level) {
		// [info] upstream timed out while proxying upgraded connection
		// (an idle WebSocket), a [warn] limit_req_log_level, ...: the
		// response was served or nginx recovered on its own.
		return verdict{known: true, limit: v.limit, zone: v.zone}
	}
	return v
}

// clientSide are messages about the client's side of a request or nginx's
// own work, known and never upstream failures.
var clientSide = [...]string{
	"client prematurely closed", "client timed out", "client sent ", "client closed",
	"client intended to send too large", "kevent() reported that client ", "epoll_wait() reported that client ",
	"open() ", "directory index of ", "access forbidden by rule", "FastCGI sent in stderr",
	"key: ", "upstream server temporarily disabled", "upstream sent too big early hints",
	"upstream sent data after ", "upstream sent more data than specified", "shutdown timeout",
	"disconnected on shutdown", "udp timed out", "udp done", "an upstream response is buffered to a temporary file",
	"a client request body is buffered to a temporary file",
}

func classifyMessage(m, action string) verdict {
	has := func(p string) bool { return strings.Contains(m, p) }
	pre := func(p string) bool { return strings.HasPrefix(m, p) }
	switch {
	case pre("limiting requests"), pre("limiting connections"), pre("delaying request"):
		// The gateway's own policy (ngx_http_limit_req_module.c,
		// ngx_http_limit_conn_module.c), never an upstream's failure.
		return rateLimit(m)

	case pre("upstream sent duplicate header line") && strings.HasSuffix(m, ", ignored"):
		// [warn]: nginx kept the first value and served the response.
		return benign
	}
	for _, p := range clientSide {
		if pre(p) {
			// upstream server temporarily disabled: a consequence of
			// the max_fails failures logged just before; counting it
			// would count each failure twice. The others are the
			// client's side, or [info]/[warn] lines nginx recovered from.
			return benign
		}
	}
	switch {
	case pre("no live upstreams"):
		return failure(model.CauseNoLiveUpstreams, 502)

	case pre("upstream timed out"):
		// nginx's own timer fired: NGX_HTTP_UPSTREAM_FT_TIMEOUT → 504.
		status := statusFor(action, 504)
		switch action {
		case "connecting to upstream":
			return failure(model.CauseConnectTimeout, status)
		case "SSL handshaking to upstream":
			return failure(model.CauseTLS, status)
		}
		return failure(model.CauseReadTimeout, status)

	case pre("socket() failed"), has("worker_connections are not enough"):
		// NGX_ERROR from the connect path: nginx answers 500 itself.
		return failure(model.CauseGatewayLimits, 500)
	case pre("accept4() failed"), pre("accept() failed"):
		if classOf(m) == errFiles {
			// fd limit hit while accepting clients; they wait in the
			// backlog and never see a status from nginx.
			return failure(model.CauseGatewayLimits, 0)
		}
		return benign

	case pre("bind(") && has(") failed"):
		// proxy_bind: ngx_event_connect_peer's goto failed, NGX_ERROR, 500.
		// EADDRNOTAVAIL is the local ports running out (or a proxy_bind
		// address the host does not have): the gateway's side either way.
		if !upstreamAction(action) && action != "" {
			return benign
		}
		if classOf(m) == errPermission {
			return failure(model.CausePermission, 500)
		}
		return failure(model.CauseGatewayLimits, 500)

	case pre("connect() failed"), pre("connect() to "), pre("kevent() reported that connect() failed"):
		if !upstreamAction(action) && action != "" {
			// e.g. the resolver's own sockets ("while resolving").
			return benign
		}
		return failure(connectCause(classOf(m), strings.Contains(m, "connect() to unix:")), 502)

	case pre("upstream prematurely closed"):
		// "... connection", "... FastCGI stdout", "... FastCGI request",
		// "... stream" (grpc)
		return failure(model.CausePrematureClose, statusFor(action, 502))
	case pre("kevent() reported that upstream closed connection"):
		// ngx_event_pipe.c, FreeBSD: the upstream closed mid-body, with
		// kqueue's errno when it was a reset.
		if c := classOf(m); c == errReset {
			return failure(model.CauseReset, statusFor(action, 502))
		}
		return failure(model.CausePrematureClose, statusFor(action, 502))
	case pre("upstream prematurely sent response"):
		// Bytes before nginx's TLS ClientHello: the port does not speak
		// TLS (a server that talks first, a plain listener).
		return failure(model.CauseTLS, 502)

	case pre("upstream rejected request with error "):
		// gRPC RST_STREAM: REFUSED_STREAM (7) and ENHANCE_YOUR_CALM (11)
		// say the server takes no more streams; the rest reset the stream.
		code := strings.TrimPrefix(m, "upstream rejected request with error ")
		if code == "7" || code == "11" {
			return failure(model.CauseOverloaded, statusFor(action, 502))
		}
		return failure(model.CauseReset, statusFor(action, 502))
	case pre("upstream sent goaway with error "):
		// GOAWAY before this stream's answer: the backend is shutting
		// down (NO_ERROR, 0) or gave up on the connection.
		return failure(model.CausePrematureClose, statusFor(action, 502))

	case pre("upstream SSL certificate"):
		// "verify error: (20:...)" and "does not match \"name\""
		return failure(model.CauseTLS, 502)
	case pre("SSL_do_handshake() failed"), pre("peer closed connection in SSL handshake"),
		pre("SSL_shutdown() failed"), pre("handshake rejected"):
		// Without "to upstream" it is a client's handshake with us.
		if action != "SSL handshaking to upstream" {
			return benign
		}
		return failure(model.CauseTLS, 502)

	case isIOFailure(m):
		if !upstreamAction(action) {
			// The client's side, or an upgraded tunnel ("proxying
			// upgraded connection") where either side may have failed.
			return benign
		}
		status := statusFor(action, 502)
		if strings.HasPrefix(m, "SSL_") && has("(SSL:") {
			// An alert is the peer refusing the session (42 bad
			// certificate, 116 certificate required: mTLS); OpenSSL 3's
			// "unexpected eof while reading" is a close without
			// close_notify.
			if has("unexpected eof") {
				return failure(model.CausePrematureClose, status)
			}
			return failure(model.CauseTLS, status)
		}
		switch classOf(m) {
		case errTimedOut:
			// The kernel gave up on an established connection (no ACKs):
			// an error, not nginx's timer, so 502.
			return failure(model.CauseReadTimeout, status)
		case errRefused:
			return failure(model.CauseRefused, status)
		case errUnreachable:
			return failure(model.CauseConnectTimeout, status)
		case errOther:
			if _, text := errno(m); text == "" && strings.HasPrefix(m, "kevent() reported about an closed connection") {
				return failure(model.CausePrematureClose, status)
			}
		}
		return failure(model.CauseReset, status)

	case pre("memcached sent invalid "):
		// response, key, flags, length, trailer: not memcached's protocol.
		return failure(model.CauseBadResponse, statusFor(action, 502))

	case pre("upstream sent "), pre("upstream violated "):
		// too big header, invalid header, invalid chunked response,
		// "Content-Length" and "Transfer-Encoding", duplicate header line
		// (the [error] one, without ", ignored"), unexpected FastCGI
		// record, the grpc module's http2 framing errors, ...
		if pre("upstream sent no valid HTTP/1.0 header") {
			// nginx passes the bytes through as HTTP/0.9 and logs 009.
			return failure(model.CauseBadResponse, 9)
		}
		return failure(model.CauseBadResponse, statusFor(action, 502))

	case has(" could not be resolved ("), pre("no resolver defined to resolve"):
		return failure(model.CauseDNS, 502)
	case pre("host not found in upstream"):
		// Logged while reading the configuration ([emerg]): nginx does
		// not start or reload, no request gets a status.
		return failure(model.CauseDNS, 0)
	}
	return verdict{}
}

// rateLimit reads limit_req's and limit_conn's messages:
//
//	limiting requests[, dry run], excess: 1.000 by zone "api"
//	delaying request[, dry run], excess: 1.000, by zone "api"
//	limiting connections[, dry run,] by zone "perip"
func rateLimit(m string) verdict {
	v := verdict{known: true, limit: "rate_limited"}
	switch {
	case strings.Contains(m, ", dry run"):
		v.limit = "rate_limited_dry_run" // nothing was rejected
	case strings.HasPrefix(m, "delaying request"):
		v.limit = "rate_delayed" // served, late
	}
	if i := strings.LastIndex(m, `by zone "`); i >= 0 {
		z := m[i+len(`by zone "`):]
		if e := strings.IndexByte(z, '"'); e >= 0 {
			v.zone = z[:e]
		}
	}
	return v
}

// isIOFailure matches the socket read/write failures nginx logs with an
// errno: recv() failed (104: Connection reset by peer), writev() failed
// (32: Broken pipe), SSL_read() failed, Windows' WSARecv() failed, ...
func isIOFailure(m string) bool {
	for _, p := range [...]string{"recv() failed", "readv() failed", "send() failed", "writev() failed",
		"sendfile() failed", "SSL_read() failed", "SSL_write() failed", "SSL_sendfile() failed",
		"sendmsg() failed", "recvmsg() failed", "WSARecv() failed", "WSASend() failed", "WSARecvFrom() failed",
		"kevent() reported about an closed connection"} {
		if strings.HasPrefix(m, p) {
			return true
		}
	}
	return false
}

// connectCause maps connect()'s error; unix says the peer is a unix
// socket.
func connectCause(c errClass, unix bool) model.Cause {
	switch c {
	case errRefused, // nothing listens on ip:port or the socket
		errNoEntry: // no socket file: nothing listens there
		return model.CauseRefused
	case errAgain:
		if unix {
			// EAGAIN on a unix socket: the backend's listen backlog is
			// full (php-fpm's listen.backlog): alive, but takes no more.
			return model.CauseOverloaded
		}
		// On TCP, Linux's connect() says EAGAIN when no local port is
		// left.
		return model.CauseGatewayLimits
	case errPermission:
		return model.CausePermission // socket mode/owner, SELinux
	case errAddrInUse, // nginx's ephemeral ports are exhausted
		errFiles:
		return model.CauseGatewayLimits
	case errTimedOut, // the kernel's SYN retries ran out (502, not nginx's 504)
		errUnreachable:
		return model.CauseConnectTimeout
	case errReset:
		return model.CauseReset
	}
	// Some other errno: the connection could not be made, which is what
	// refused stands for in the UI.
	return model.CauseRefused
}
