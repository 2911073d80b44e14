package probe

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"net/http"
	"net/textproto"
	"os"
	"strings"
	"syscall"

	"github.com/gwtop/gwtop/model"
)

// causeOf names the cause of a failed probe. st is how far the probe got when
// it failed; parent is the caller's context.
func causeOf(err error, st stage, parent context.Context) model.Cause {
	if err == nil {
		return model.CauseNone
	}
	// The caller gave up (shutdown, reload): not the upstream's doing. A
	// caller's deadline, on the other hand, is a timeout like ours.
	if errors.Is(parent.Err(), context.Canceled) {
		return model.CauseNone
	}
	return classify(err, st)
}

// classify maps an error to a cause from the typed values in its chain. The
// order matters: the most specific evidence wins. A DNS error that timed out
// is a DNS problem, a reset is a reset whatever phase it hit.
func classify(err error, st stage) model.Cause {
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return model.CauseDNS
	}
	if c, ok := errnoCause(err, st); ok {
		return c
	}
	if isTLSError(err) {
		return model.CauseTLS
	}
	if isTimeout(err) {
		return timeoutCause(st)
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		if st == stageTLS {
			// Closed during the handshake: nginx logs "peer closed
			// connection in SSL handshake", a TLS problem.
			return model.CauseTLS
		}
		return model.CausePrematureClose
	}
	connected := st == stageWait || st == stageBody
	if connected && isMalformed(err) {
		return model.CauseBadResponse
	}
	// Nothing typed matched: fall back on the phase. crypto/tls reports
	// some local handshake failures with unexported types, and after the
	// connect whatever the client could not accept is the upstream's
	// response. Before the connect there is nothing to attribute.
	switch st {
	case stageDNS:
		return model.CauseDNS
	case stageTLS:
		return model.CauseTLS
	case stageWait, stageBody:
		return model.CauseBadResponse
	default:
		return model.CauseNone
	}
}

// errnoCause maps the system call errors gateways also log (nginx prints
// them as "(111: Connection refused)" and so on).
func errnoCause(err error, st stage) (model.Cause, bool) {
	var errno syscall.Errno
	if !errors.As(err, &errno) {
		return model.CauseNone, false
	}
	switch errno {
	case syscall.ECONNREFUSED:
		return model.CauseRefused, true
	case syscall.ECONNRESET, syscall.ECONNABORTED:
		return model.CauseReset, true
	case syscall.EPIPE:
		// A write fails with EPIPE only once the peer's RST arrived.
		return model.CauseReset, true
	case syscall.EACCES, syscall.EPERM:
		// Firewall rules (iptables REJECT with EPERM), SELinux, unix
		// socket modes: the gateway host may not connect.
		return model.CausePermission, true
	case syscall.EADDRNOTAVAIL, syscall.EMFILE, syscall.ENFILE:
		// Out of ephemeral ports or file descriptors: the probe shares
		// the gateway host's limits, so it is the gateway's problem too.
		return model.CauseGatewayLimits, true
	case syscall.ENETUNREACH, syscall.EHOSTUNREACH:
		// No route, or ARP/ICMP says the host is not there. For the
		// operator this is the same situation as a SYN never answered
		// (host down, wrong IP, routing): a connect timeout is what
		// the gateway would report given a route that drops silently.
		return model.CauseConnectTimeout, true
	case syscall.ETIMEDOUT:
		// The kernel gave up (SYN retries or TCP keep-alive).
		return timeoutCause(st), true
	}
	return model.CauseNone, false
}

// isTLSError reports TLS failures: handshake alerts, certificate problems,
// and a peer that does not speak TLS at all.
func isTLSError(err error) bool {
	var (
		recordHeader tls.RecordHeaderError
		verify       *tls.CertificateVerificationError
		alert        tls.AlertError
		ech          *tls.ECHRejectionError
		unknownCA    x509.UnknownAuthorityError
		hostname     x509.HostnameError
		invalid      x509.CertificateInvalidError
		roots        x509.SystemRootsError
		constraint   x509.ConstraintViolationError
		critical     x509.UnhandledCriticalExtension
		algorithm    x509.InsecureAlgorithmError
	)
	// ErrSchemeMismatch is what net/http makes of a RecordHeaderError that
	// starts with "HTTP/": a plain HTTP server on the port probed as https.
	return errors.Is(err, http.ErrSchemeMismatch) ||
		errors.As(err, &recordHeader) ||
		errors.As(err, &verify) ||
		errors.As(err, &alert) ||
		errors.As(err, &ech) ||
		errors.As(err, &unknownCA) ||
		errors.As(err, &hostname) ||
		errors.As(err, &invalid) ||
		errors.As(err, &roots) ||
		errors.As(err, &constraint) ||
		errors.As(err, &critical) ||
		errors.As(err, &algorithm)
}

// isTimeout reports a deadline: the probe's context, a socket deadline, or
// any net.Error that says it timed out.
func isTimeout(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, os.ErrDeadlineExceeded) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// timeoutCause names a timeout by the phase it interrupted, as nginx does
// ("while connecting to upstream" / "while reading response header").
func timeoutCause(st stage) model.Cause {
	switch st {
	case stageDNS:
		return model.CauseDNS
	case stageTLS:
		// Connected, handshake unfinished: HAProxy's L6TOUT, nginx's
		// "SSL handshake timed out". A TLS problem, not a slow app.
		return model.CauseTLS
	case stageWait, stageBody:
		return model.CauseReadTimeout
	default:
		return model.CauseConnectTimeout
	}
}

// statusCause classifies a response whose status is not in Expect. A 5xx is
// the upstream's own error. Anything else unexpected (a 404 from a health
// URL, a 401, a 3xx outside a narrowed Expect) is filed under bad_response:
// the upstream answered valid HTTP, but not the answer a healthy upstream
// gives, and of the stable cause codes "the upstream answered something
// wrong" is the nearest.
func statusCause(status int) model.Cause {
	if status >= 500 {
		return model.CauseUpstream5xx
	}
	return model.CauseBadResponse
}

// headersTooLarge reports net/http's refusal of a response whose headers
// exceed Transport.MaxResponseHeaderBytes. The error is a plain string
// (errors.New in net/http's transport), so its text is all there is.
func headersTooLarge(err error) bool {
	return strings.Contains(err.Error(), "server response headers exceeded")
}

// isMalformed reports an upstream response net/http could not parse. The
// header parser's errors are typed (textproto.ProtocolError), but the status
// line, Content-Length, Transfer-Encoding and chunked-body errors are plain
// strings (net/http's unexported badStringError and errors.New), so for those
// matching the message is the only way. Keep all such matching here.
func isMalformed(err error) bool {
	var pe textproto.ProtocolError
	if errors.As(err, &pe) {
		return true
	}
	msg := err.Error()
	for _, s := range []string{
		"malformed HTTP",                   // status line: response, version, status code
		"server response headers exceeded", // MaxResponseHeaderBytes: nginx's "too big header"
		"Content-Length",                   // bad, empty or multiple Content-Length
		"transfer encoding",                // unsupported / too many transfer encodings
		"chunk",                            // malformed chunked encoding, bad chunk length
		"Trailer key",                      // invalid trailer
		"trailer key",
		"header line too long",
	} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}
