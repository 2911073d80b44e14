package nginx

import (
	"strings"

	"github.com/gwtop/gwtop/gateway/internal/lex"
	"github.com/gwtop/gwtop/model"
)

// This file maps the error.log message catalogue (nginx source, see the
// reference §2.3) to cause codes. Matching is on message prefixes and
// errnos, never on whole lines, because nginx appends strerror text that
// differs between libcs.

// errno returns the OS error number nginx appended as " (N: text)", or -1.
func errno(m string) int {
	i := strings.LastIndex(m, " (")
	for i >= 0 {
		rest := m[i+2:]
		c := strings.IndexByte(rest, ':')
		if c > 0 && c <= 4 {
			if n, ok := lex.Digits(rest[:c]); ok {
				return int(n)
			}
		}
		i = strings.LastIndex(m[:i], " (")
	}
	return -1
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

// classify returns the cause and the client's likely status for a message
// and its " while ACTION", or CauseNone for lines that are not upstream
// failures.
func classify(m, action string) (model.Cause, int) {
	has := func(p string) bool { return strings.Contains(m, p) }
	switch {
	case strings.HasPrefix(m, "upstream server temporarily disabled"):
		// A consequence of max_fails failures logged just before; counting
		// it would count each failure twice.
		return model.CauseNone, 0

	case has("limiting requests"), has("limiting connections"):
		if has("dry run") {
			return model.CauseNone, 0 // nothing was rejected
		}
		return model.CauseGatewayLimits, 503

	case strings.HasPrefix(m, "no live upstreams"):
		return model.CauseNoLiveUpstreams, 502

	case strings.HasPrefix(m, "upstream timed out"):
		// nginx's own timer fired: NGX_HTTP_UPSTREAM_FT_TIMEOUT → 504.
		status := 504
		if afterHeaders(action) {
			status = 0
		}
		switch {
		case action == "connecting to upstream":
			return model.CauseConnectTimeout, status
		case action == "SSL handshaking to upstream":
			return model.CauseTLS, status
		}
		return model.CauseReadTimeout, status

	case strings.HasPrefix(m, "socket() failed"), has("worker_connections are not enough"):
		// NGX_ERROR from the connect path: nginx answers 500 itself.
		return model.CauseGatewayLimits, 500
	case strings.HasPrefix(m, "accept4() failed"), strings.HasPrefix(m, "accept() failed"):
		if n := errno(m); n == 24 || n == 23 {
			// fd limit hit while accepting clients; they wait in the
			// backlog and never see a status from nginx.
			return model.CauseGatewayLimits, 0
		}
		return model.CauseNone, 0

	case strings.HasPrefix(m, "connect() failed"), strings.HasPrefix(m, "connect() to "):
		if !upstreamAction(action) && action != "" {
			// e.g. the resolver's own sockets ("while resolving").
			return model.CauseNone, 0
		}
		return connectCause(errno(m)), 502

	case strings.HasPrefix(m, "upstream prematurely closed"):
		// "... connection", "... FastCGI stdout", "... FastCGI request"
		if afterHeaders(action) {
			return model.CausePrematureClose, 0
		}
		return model.CausePrematureClose, 502

	case strings.HasPrefix(m, "upstream SSL certificate"):
		// "verify error: (20:...)" and "does not match \"name\""
		return model.CauseTLS, 502
	case strings.HasPrefix(m, "SSL_do_handshake() failed"), strings.HasPrefix(m, "peer closed connection in SSL handshake"):
		// Without "to upstream" it is a client's handshake with us.
		if action != "SSL handshaking to upstream" {
			return model.CauseNone, 0
		}
		return model.CauseTLS, 502

	case isIOFailure(m):
		if !upstreamAction(action) {
			// The client's side, or an upgraded tunnel ("proxying
			// upgraded connection") where either side may have failed.
			return model.CauseNone, 0
		}
		status := 502
		if afterHeaders(action) {
			status = 0
		}
		switch errno(m) {
		case 110:
			// The kernel gave up on an established connection (no ACKs):
			// the peer stopped answering. An error, not nginx's timer, so
			// 502.
			return model.CauseReadTimeout, status
		case 111:
			return model.CauseRefused, status
		case 113, 101:
			return model.CauseConnectTimeout, status
		}
		return model.CauseReset, status

	case strings.HasPrefix(m, "upstream sent "):
		// too big header, invalid header, invalid chunked response,
		// "Content-Length" and "Transfer-Encoding", duplicate header
		// line, unexpected FastCGI record, ...
		if strings.HasPrefix(m, "upstream sent no valid HTTP/1.0 header") {
			// nginx passes the bytes through as HTTP/0.9 and logs 009.
			return model.CauseBadResponse, 9
		}
		if strings.HasPrefix(m, "upstream sent more data than specified") {
			// A warning; the response was already under way.
			return model.CauseBadResponse, 0
		}
		return model.CauseBadResponse, 502

	case has(" could not be resolved ("), strings.HasPrefix(m, "no resolver defined to resolve"):
		return model.CauseDNS, 502
	case strings.HasPrefix(m, "host not found in upstream"):
		// Logged while reading the configuration ([emerg]): nginx does
		// not start or reload, no request gets a status.
		return model.CauseDNS, 0
	}
	return model.CauseNone, 0
}

// isIOFailure matches the socket read/write failures nginx logs with an
// errno: recv() failed (104: Connection reset by peer), writev() failed
// (32: Broken pipe), SSL_read() failed, ...
func isIOFailure(m string) bool {
	for _, p := range [...]string{"recv() failed", "readv() failed", "send() failed", "writev() failed",
		"sendfile() failed", "SSL_read() failed", "SSL_write() failed", "sendmsg() failed", "recvmsg() failed"} {
		if strings.HasPrefix(m, p) {
			return true
		}
	}
	return false
}

// connectCause maps connect()'s errno.
func connectCause(n int) model.Cause {
	switch n {
	case 111, // ECONNREFUSED: nothing listens on ip:port or the socket
		2: // ENOENT on a unix socket: nothing listens there (no socket file)
		return model.CauseRefused
	case 11:
		// EAGAIN on a unix socket: the backend's accept backlog is full.
		// The backend is saturated, not nginx — gateway_limits would send
		// the operator to the wrong host — and, as with a refusal, the
		// connection was turned away at once. So: refused.
		return model.CauseRefused
	case 13:
		return model.CausePermission // socket mode/owner, SELinux
	case 99, // EADDRNOTAVAIL: nginx's ephemeral ports are exhausted
		24, 23: // EMFILE/ENFILE
		return model.CauseGatewayLimits
	case 110, // the kernel's SYN retries ran out (502, not nginx's 504)
		113, 101, 112: // EHOSTUNREACH, ENETUNREACH, EHOSTDOWN: unreachable
		return model.CauseConnectTimeout
	case 104, 32:
		return model.CauseReset
	}
	// Some other errno: the connection could not be made, which is what
	// refused stands for in the UI.
	return model.CauseRefused
}
