package caddy

import (
	"strings"

	"github.com/gwtop/gwtop/model"
)

// causeTable maps the error texts Caddy logs for a failed proxy attempt to
// cause codes. Caddy writes Go's error strings (net, net/http, crypto/tls)
// into its log and nothing more structured, so matching text is the only
// option. The table is searched in order and the first match wins, which
// is why the more specific texts come first: a DNS lookup that times out
// ("dial tcp: lookup api on 127.0.0.53:53: i/o timeout") is dns, not a
// connect timeout; a dial that times out is a connect timeout, any other
// i/o timeout a read timeout. All patterns are lower case; the text is
// lowered before matching.
var causeTable = []struct {
	texts []string // all must appear
	cause model.Cause
}{
	// Caddy's own words when passive or active health checks (or
	// max_requests) left no upstream to pick: 503.
	{[]string{"no upstreams available"}, model.CauseNoLiveUpstreams},
	// The gateway host's limits: file descriptors, ephemeral ports.
	{[]string{"too many open files"}, model.CauseGatewayLimits},
	{[]string{"cannot assign requested address"}, model.CauseGatewayLimits},
	// Name resolution, before anything that a lookup error may also say.
	{[]string{"no such host"}, model.CauseDNS},
	{[]string{"server misbehaving"}, model.CauseDNS},
	{[]string{": lookup "}, model.CauseDNS},
	// Connect failures.
	{[]string{"connection refused"}, model.CauseRefused},
	{[]string{"permission denied"}, model.CausePermission},
	{[]string{"operation not permitted"}, model.CausePermission},
	{[]string{"connect: no route to host"}, model.CauseConnectTimeout},
	{[]string{"connect: network is unreachable"}, model.CauseConnectTimeout},
	{[]string{"connect: connection timed out"}, model.CauseConnectTimeout},
	// Caddy's dial_timeout fired before the connection was made
	// ("dial tcp 10.0.0.1:80: i/o timeout").
	{[]string{"dial tcp", "i/o timeout"}, model.CauseConnectTimeout},
	{[]string{"dial tcp", "deadline exceeded"}, model.CauseConnectTimeout},
	// TLS towards the upstream.
	{[]string{"first record does not look like a tls handshake"}, model.CauseTLS},
	{[]string{"server gave http response to https client"}, model.CauseTLS},
	{[]string{"tls: "}, model.CauseTLS},
	{[]string{"x509: "}, model.CauseTLS},
	// The upstream broke the connection.
	{[]string{"connection reset by peer"}, model.CauseReset},
	{[]string{"broken pipe"}, model.CauseReset},
	// Timeouts after the connection was made (response_header_timeout,
	// read_timeout, a context deadline).
	{[]string{"timeout awaiting response headers"}, model.CauseReadTimeout},
	{[]string{"context deadline exceeded"}, model.CauseReadTimeout},
	{[]string{"i/o timeout"}, model.CauseReadTimeout},
	// A response that is not HTTP.
	{[]string{"malformed http"}, model.CauseBadResponse},
	{[]string{"malformed mime header"}, model.CauseBadResponse},
	{[]string{"invalid header"}, model.CauseBadResponse},
	{[]string{"server response headers exceeded"}, model.CauseBadResponse},
	// The upstream closed before (or while) answering.
	{[]string{"unexpected eof"}, model.CausePrematureClose},
	{[]string{"server closed idle connection"}, model.CausePrematureClose},
	{[]string{"server closed connection"}, model.CausePrematureClose},
	{[]string{"connection closed"}, model.CausePrematureClose},
}

// Classify returns the cause code of one of Caddy's proxy error texts, or
// CauseNone when the text is not one gwtop knows (or is the client's doing,
// such as "context canceled").
func Classify(text string) model.Cause {
	t := strings.ToLower(text)
next:
	for _, e := range causeTable {
		for _, x := range e.texts {
			if !strings.Contains(t, x) {
				continue next
			}
		}
		return e.cause
	}
	// Go's io.EOF alone, or at the end of a wrapped error ("read tcp
	// a->b: EOF"): the upstream closed without a byte of answer.
	if t == "eof" || strings.HasSuffix(t, ": eof") {
		return model.CausePrematureClose
	}
	return model.CauseNone
}

// addrInText returns the upstream address an error text names: the
// address dialled ("dial tcp 10.0.0.1:80: connect: ...") or the remote end
// of the connection ("read tcp 10.0.0.9:5123->10.0.0.1:80: read: ...").
// It returns "" when the text names none (timeouts, EOF, TLS errors).
func addrInText(text string) string {
	if i := strings.Index(text, "->"); i >= 0 {
		rest := text[i+2:]
		if j := strings.Index(rest, ": "); j > 0 {
			return rest[:j]
		}
		return ""
	}
	for _, p := range []string{"dial tcp ", "dial tcp4 ", "dial tcp6 ", "dial unix "} {
		if i := strings.Index(text, p); i >= 0 {
			rest := text[i+len(p):]
			if j := strings.Index(rest, ": "); j > 0 {
				return rest[:j]
			}
		}
	}
	return ""
}
