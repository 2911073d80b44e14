package probe

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/gwtop/gwtop/model"
)

// The phases a failed probe can fail in, as model.ProbeResult.Phase names
// them.
const (
	PhaseDNS     = "dns"     // the lookup of the target's name
	PhaseConnect = "connect" // the TCP handshake
	PhaseTLS     = "tls"     // the TLS handshake
	PhaseTTFB    = "ttfb"    // the request was written, no answer byte yet
	PhaseBody    = "body"    // the answer had started
)

// phaseName names the phase a probe that got as far as st failed in.
func phaseName(st stage) string {
	switch st {
	case stageDNS:
		return PhaseDNS
	case stageTLS:
		return PhaseTLS
	case stageWait:
		return PhaseTTFB
	case stageBody:
		return PhaseBody
	default:
		return PhaseConnect
	}
}

// explain fills in the phase a failed probe failed in and, when the error
// itself says what lies under the cause, its root. fail must have set
// r.Cause first: a failure that is not the upstream's (Cause "") gets a
// phase but no root.
func (p *Prober) explain(r *model.ProbeResult, err error, st stage) {
	r.Phase = phaseName(st)
	if r.Cause == model.CauseNone || err == nil {
		return
	}
	r.Root, r.RootDetail = rootOf(err, r.Cause, p.timeout, p.resolver, time.Now())
}

// rootOf says what lies under a failure of the given cause when the error
// chain tells it: the x509 reason of a certificate that did not verify, the
// DNS answer (or the lack of one), whether a connect that did not complete
// had an answer at all. timeout is the probe's own bound, named in the
// detail of a connect that was never answered; resolver is
// Target.Resolver ("" for the system's), named in DNS roots; now is the time
// the certificate dates are judged against. It returns "" when the error
// does not tell.
func rootOf(err error, cause model.Cause, timeout time.Duration, resolver string, now time.Time) (model.RootCode, string) {
	if err == nil {
		return "", ""
	}
	switch cause {
	case model.CauseTLS:
		return tlsRoot(err, now)
	case model.CauseDNS:
		return dnsRoot(err, resolver)
	case model.CauseConnectTimeout:
		return connectRoot(err, timeout)
	}
	return "", ""
}

// tlsRoot reads the reason of a failed handshake. crypto/tls wraps the
// x509 verification error in a *tls.CertificateVerificationError, whose
// UnverifiedCertificates[0] is the upstream's own certificate; errors.As
// sees through both.
func tlsRoot(err error, now time.Time) (model.RootCode, string) {
	var (
		invalid   x509.CertificateInvalidError
		unknownCA x509.UnknownAuthorityError
		hostname  x509.HostnameError
		record    tls.RecordHeaderError
	)
	switch {
	case errors.As(err, &invalid) && invalid.Reason == x509.Expired && invalid.Cert != nil:
		// x509 reports both ends of the validity window as Expired; the
		// dates tell them apart.
		c := invalid.Cert
		if now.Before(c.NotBefore) {
			return model.RootCertNotYetValid, fmt.Sprintf("certificate for %s is not valid before %s (NotBefore)", certName(c), utcMinute(c.NotBefore))
		}
		return model.RootCertExpired, fmt.Sprintf("certificate for %s expired %s (NotAfter)", certName(c), utcMinute(c.NotAfter))
	case errors.As(err, &unknownCA):
		return model.RootCertUnknownCA, unknownCADetail(unknownCA.Cert)
	case errors.As(err, &hostname) && hostname.Certificate != nil:
		names := certNames(hostname.Certificate)
		if names == "" {
			return model.RootCertNameMismatch, "certificate names no host; probed as " + hostname.Host
		}
		return model.RootCertNameMismatch, fmt.Sprintf("certificate names %s; probed as %s", names, hostname.Host)
	case errors.Is(err, http.ErrSchemeMismatch):
		// net/http's name for a RecordHeaderError whose bytes are
		// "HTTP/": an HTTP server's answer to the ClientHello.
		return model.RootPlainHTTP, "the upstream answered plain HTTP on a TLS port"
	case errors.As(err, &record):
		if looksLikeHTTP(record.RecordHeader[:]) {
			return model.RootPlainHTTP, "the upstream answered plain HTTP on a TLS port"
		}
		return model.RootPlainHTTP, fmt.Sprintf("the upstream does not speak TLS on this port (it answered %q)", printable(record.RecordHeader[:]))
	}
	if a, ok := alertOf(err); ok {
		switch a {
		case 40, 70, 71: // handshake_failure, protocol_version, insufficient_security
			return model.RootProtocolMismatch, fmt.Sprintf("the upstream refused the handshake (TLS alert %d: %s): no TLS version or cipher suite in common", a, alertText(a))
		}
		return "", ""
	}
	// The client's own refusals carry no type: crypto/tls builds them
	// with fmt.Errorf (handshake_client.go pickTLSVersion and the cipher
	// suite checks).
	msg := err.Error()
	for _, s := range []string{"unsupported protocol version", "no cipher suite supported", "unconfigured cipher suite", "unsupported versions"} {
		if strings.Contains(msg, s) {
			return model.RootProtocolMismatch, "no TLS version or cipher suite in common: " + clip(msg, 160)
		}
	}
	return "", ""
}

// alertOf finds a TLS alert in err: a tls.AlertError (QUIC, or an alert the
// client sent itself), or the alert the upstream sent, which crypto/tls
// reports as a *net.OpError{Op: "remote error"} around its unexported
// alert type (conn.go readRecordOrCCS) that errors.As cannot name.
func alertOf(err error) (uint8, bool) {
	var ae tls.AlertError
	if errors.As(err, &ae) {
		return uint8(ae), true
	}
	var oe *net.OpError
	if errors.As(err, &oe) && oe.Op == "remote error" && oe.Err != nil {
		v := reflect.ValueOf(oe.Err)
		if t := v.Type(); t.PkgPath() == "crypto/tls" && t.Kind() == reflect.Uint8 {
			return uint8(v.Uint()), true
		}
	}
	return 0, false
}

// alertText is the RFC 8446 name of the alerts rootOf reports.
func alertText(a uint8) string {
	switch a {
	case 40:
		return "handshake_failure"
	case 70:
		return "protocol_version"
	case 71:
		return "insufficient_security"
	}
	return "alert " + strconv.Itoa(int(a))
}

// dnsRoot reads a failed lookup. net's *DNSError keeps only the text of a
// socket error (newDNSError), so the resolver's refusal is found in Err.
// resolver, when set, is the server the probe's own Dial sent the queries
// to: net names the system's configured one in DNSError.Server even then.
func dnsRoot(err error, resolver string) (model.RootCode, string) {
	from := ""
	if resolver != "" {
		from = " " + clip(resolver, 60)
	}
	var de *net.DNSError
	if !errors.As(err, &de) {
		if isTimeout(err) {
			// The probe's deadline ended the lookup before net made
			// a DNSError of it (net/http reports the context's
			// error).
			return model.RootDNSTimeout, "no answer from the resolver" + from + " before the probe's deadline"
		}
		return "", ""
	}
	name := clip(de.Name, 100)
	if from == "" && de.Server != "" {
		from = " " + clip(de.Server, 60)
	}
	msg := strings.ToLower(de.Err)
	switch {
	case de.IsNotFound:
		return model.RootNXDomain, fmt.Sprintf("%s does not exist: the resolver%s answered no such host (NXDOMAIN, or no address record)", name, from)
	case strings.Contains(msg, "connection refused"):
		return model.RootResolverUnreachable, fmt.Sprintf("the resolver%s refused the query (connection refused: nothing listens on its port) while resolving %s", from, name)
	case strings.Contains(msg, "no route to host"), strings.Contains(msg, "network is unreachable"):
		return model.RootResolverUnreachable, fmt.Sprintf("the resolver%s is unreachable (%s) while resolving %s", from, clip(de.Err, 80), name)
	case strings.Contains(msg, "server misbehaving"):
		if de.IsTemporary {
			// Go sets IsTemporary for a SERVFAIL answer only
			// (dnsclient_unix.go errServerTemporarilyMisbehaving).
			return model.RootServfail, fmt.Sprintf("the resolver%s answered SERVFAIL for %s", from, name)
		}
		return model.RootServfail, fmt.Sprintf("the resolver%s answered with an error (REFUSED or another rcode) for %s", from, name)
	case de.IsTimeout:
		return model.RootDNSTimeout, fmt.Sprintf("no answer from the resolver%s for %s", from, name)
	}
	return "", ""
}

// connectRoot tells a connect that nothing answered from one the network
// refused: an ICMP unreachable (EHOSTUNREACH, ENETUNREACH) is an answer, a
// timeout is silence.
func connectRoot(err error, timeout time.Duration) (model.RootCode, string) {
	var errno syscall.Errno
	if errors.As(err, &errno) {
		switch errno {
		case syscall.EHOSTUNREACH:
			return model.RootUnreachable, "no route to host (" + errno.Error() + "): ICMP or ARP says the host is not there" + addrOf(err)
		case syscall.ENETUNREACH:
			return model.RootUnreachable, "network is unreachable (" + errno.Error() + "): no route from this host" + addrOf(err)
		case syscall.ETIMEDOUT:
			return model.RootFiltered, "no answer at all: the kernel gave up its SYN retries (a firewall dropping packets, or the host is down)" + addrOf(err)
		}
	}
	if isTimeout(err) {
		return model.RootFiltered, fmt.Sprintf("no answer at all in %s: a firewall dropping packets, or the host is down", seconds(timeout))
	}
	return "", ""
}

// addrOf is " (to ADDR)" for the address a dial error names, or "".
func addrOf(err error) string {
	var oe *net.OpError
	if errors.As(err, &oe) && oe.Addr != nil {
		return " (to " + oe.Addr.String() + ")"
	}
	return ""
}

// seconds formats a timeout the way an operator writes it: "2s", "0.3s".
func seconds(d time.Duration) string {
	return strconv.FormatFloat(d.Seconds(), 'f', -1, 64) + "s"
}

// certName is the name a certificate is for: its first DNS name, else its
// first IP address, else its subject's common name, else its serial.
func certName(c *x509.Certificate) string {
	switch {
	case len(c.DNSNames) > 0:
		return clip(c.DNSNames[0], 100)
	case len(c.IPAddresses) > 0:
		return c.IPAddresses[0].String()
	case c.Subject.CommonName != "":
		return clip(c.Subject.CommonName, 100)
	case c.SerialNumber != nil:
		return "serial " + clip(c.SerialNumber.String(), 60)
	}
	return "(unnamed)"
}

// certNames lists the names a certificate is valid for (DNS and IP SANs,
// else its common name), at most eight of them.
func certNames(c *x509.Certificate) string {
	var names []string
	for _, n := range c.DNSNames {
		names = append(names, clip(n, 100))
	}
	for _, ip := range c.IPAddresses {
		names = append(names, ip.String())
	}
	if len(names) == 0 && c.Subject.CommonName != "" {
		names = append(names, clip(c.Subject.CommonName, 100))
	}
	if len(names) > 8 {
		names = append(names[:8], fmt.Sprintf("… (%d in all)", len(names)))
	}
	return strings.Join(names, ", ")
}

// unknownCADetail names the issuer nobody trusts.
func unknownCADetail(c *x509.Certificate) string {
	if c == nil {
		return "issued by an authority that is not trusted"
	}
	issuer := clip(c.Issuer.String(), 160)
	if issuer == "" {
		issuer = "an unnamed issuer"
	}
	if c.Issuer.String() == c.Subject.String() {
		return "self-signed, issued by " + issuer + ", not trusted"
	}
	return "issued by " + issuer + ", not trusted"
}

// utcMinute formats a certificate date to the minute, in UTC.
func utcMinute(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") }

// looksLikeHTTP reports whether the first bytes of an answer are an HTTP
// status line's.
func looksLikeHTTP(b []byte) bool { return strings.HasPrefix(string(b), "HTTP/") }

// printable keeps the ASCII letters, digits and punctuation of b and writes
// the rest as dots, for quoting an answer's first bytes.
func printable(b []byte) string {
	out := make([]byte, len(b))
	for i, c := range b {
		if c >= 0x20 && c < 0x7f {
			out[i] = c
		} else {
			out[i] = '.'
		}
	}
	return string(out)
}

// clip writes control characters and invalid UTF-8 as '?' (names come
// from the upstream's certificate and must not reach a terminal raw) and
// bounds the result to n bytes, cut at a rune boundary.
func clip(s string, n int) string {
	s = strings.ToValidUTF8(s, "?")
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return '?'
		}
		return r
	}, s)
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xc0 == 0x80 {
		n--
	}
	return s[:n] + "…"
}
