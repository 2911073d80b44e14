package diagnose

import (
	"strconv"
	"strings"

	"github.com/gwtop/gwtop/model"
)

// maxMessage bounds how much of a line MessageRoot reads: the facts it
// looks for sit in the first few hundred bytes of every gateway's line.
const maxMessage = 4096

// maxName bounds a name quoted from a line into a summary.
const maxName = 120

// MessageRoot returns the root a gateway's own error-log line states under
// cause: the OpenSSL verify error nginx or Apache logs for an upstream's
// certificate, OpenSSL's "wrong version number" for a plain-HTTP port, the
// rcode nginx's resolver got, the errno of a connect. Only what the line
// says is taken, in the gateways' own words (nginx's ngx_event_openssl.c,
// ngx_resolver.c and ngx_http_upstream.c, OpenSSL 3's
// X509_verify_cert_error_string, Apache's mod_ssl and proxy_util.c,
// HAProxy's check.c); ok is false when the line names no root, or one that
// does not belong to cause (an empty cause accepts any). summary is short
// and names the fact and where it was read.
//
// A line that states only the class (nginx "SSL_do_handshake() failed …
// certificate verify failed" without a reason, HAProxy "SSL handshake
// failure", glibc's "Temporary failure in name resolution", which is a
// SERVFAIL, a timeout or an unreachable resolver alike) gives no root.
func MessageRoot(cause model.Cause, line string) (code model.RootCode, summary string, ok bool) {
	if len(line) > maxMessage {
		line = line[:maxMessage]
	}
	for _, f := range []func(string) (model.RootCode, string){verifyRoot, sslRoot, resolverRoot, apacheRoot, haproxyRoot, connectErrnoRoot} {
		if code, summary = f(line); code != "" {
			break
		}
	}
	if code == "" || !rootOfCause(cause, code) {
		return "", "", false
	}
	return code, summary, true
}

// rootOfCause reports whether root explains cause (DESIGN.md's table).
func rootOfCause(cause model.Cause, root model.RootCode) bool {
	switch cause {
	case "":
		return true
	case model.CauseTLS:
		switch root {
		case model.RootCertExpired, model.RootCertNotYetValid, model.RootCertUnknownCA,
			model.RootCertNameMismatch, model.RootPlainHTTP, model.RootProtocolMismatch:
			return true
		}
	case model.CauseDNS:
		switch root {
		case model.RootNXDomain, model.RootServfail, model.RootResolverUnreachable, model.RootDNSTimeout:
			return true
		}
	case model.CauseConnectTimeout, model.CauseReadTimeout:
		return root == model.RootFiltered || root == model.RootUnreachable
	}
	return false
}

// x509Reasons are OpenSSL's X509_V_ERR_* values that name a root, with
// the text OpenSSL 3 (Debian's libssl3) prints for them; older OpenSSL
// wrote "self signed" without the hyphen.
var x509Reasons = map[int]struct {
	root model.RootCode
	what string
}{
	2:  {model.RootCertUnknownCA, "its issuer's certificate is not available (unable to get issuer certificate)"},
	9:  {model.RootCertNotYetValid, "is not valid yet"},
	10: {model.RootCertExpired, "has expired"},
	18: {model.RootCertUnknownCA, "is self-signed and not trusted"},
	19: {model.RootCertUnknownCA, "chains to a self-signed CA that is not trusted"},
	20: {model.RootCertUnknownCA, "is issued by a CA that is not trusted (unable to get local issuer certificate)"},
	21: {model.RootCertUnknownCA, "cannot be verified (unable to verify the first certificate: no trusted issuer)"},
	27: {model.RootCertUnknownCA, "is not trusted"},
	62: {model.RootCertNameMismatch, "does not name the host the gateway asked for (hostname mismatch)"},
}

// verifyRoot reads an OpenSSL verify error as nginx writes it
// ("upstream SSL certificate verify error: (10:certificate has expired)")
// and as Apache's mod_ssl does ("Certificate Verification: Error (10):
// certificate has expired", AH02039/AH02276).
func verifyRoot(line string) (model.RootCode, string) {
	if rest, ok := after(line, "upstream SSL certificate verify error: ("); ok {
		n, text := leadingInt(rest)
		if strings.HasPrefix(text, ":") {
			return x509Root(n, "nginx: certificate verify error "+strconv.Itoa(n))
		}
	}
	if rest, ok := after(line, "Certificate Verification: Error ("); ok {
		n, text := leadingInt(rest)
		if strings.HasPrefix(text, ")") {
			return x509Root(n, "apache: certificate verification error "+strconv.Itoa(n))
		}
	}
	return "", ""
}

func x509Root(n int, where string) (model.RootCode, string) {
	r, ok := x509Reasons[n]
	if !ok {
		return "", ""
	}
	return r.root, "the upstream's certificate " + r.what + " (" + where + ")"
}

// sslRoot reads what nginx says about a handshake: the name check after it
// (ngx_http_upstream_ssl_handshake) and OpenSSL's reason for one that
// failed ("SSL_do_handshake() failed (SSL: error:0A00010B:SSL
// routines::wrong version number)").
func sslRoot(line string) (model.RootCode, string) {
	if rest, ok := after(line, `upstream SSL certificate does not match "`); ok {
		name, _, _ := strings.Cut(rest, `"`)
		return model.RootCertNameMismatch, "the upstream's certificate does not name " + clipName(name) + " (nginx: proxy_ssl_name)"
	}
	if !strings.Contains(line, "SSL_do_handshake() failed") && !strings.Contains(line, "SSL routines") {
		return "", ""
	}
	switch {
	case strings.Contains(line, "wrong version number"):
		// What OpenSSL says when the first bytes back are not a TLS
		// record: an HTTP answer to the ClientHello.
		return model.RootPlainHTTP, "the upstream answered plain HTTP on a TLS port (OpenSSL: wrong version number)"
	case strings.Contains(line, "packet length too long"):
		return model.RootPlainHTTP, "the upstream does not speak TLS on this port (OpenSSL: packet length too long)"
	}
	for _, reason := range []string{
		"unsupported protocol",              // SSL_R_UNSUPPORTED_PROTOCOL: the server picked a version we do not allow
		"no protocols available",            // SSL_R_NO_PROTOCOLS_AVAILABLE: every version we allow is disabled
		"tlsv1 alert protocol version",      // the upstream's protocol_version alert (70)
		"sslv3 alert handshake failure",     // the upstream's handshake_failure alert (40)
		"tlsv1 alert insufficient security", // alert 71
		"no ciphers available",              // SSL_R_NO_CIPHERS_AVAILABLE
		"no shared cipher",                  // SSL_R_NO_SHARED_CIPHER
	} {
		if strings.Contains(line, reason) {
			return model.RootProtocolMismatch, "no TLS version or cipher in common with the upstream (OpenSSL: " + reason + ")"
		}
	}
	return "", ""
}

// resolverRoot reads nginx's resolver: "NAME could not be resolved (3: Host
// not found)" (ngx_http_upstream_resolve_handler, with the rcode texts of
// ngx_resolver_strerror) and the socket errors it logs "while resolving".
func resolverRoot(line string) (model.RootCode, string) {
	if i := strings.Index(line, " could not be resolved ("); i >= 0 {
		name := lastField(line[:i])
		n, _ := leadingInt(line[i+len(" could not be resolved ("):])
		switch n {
		case 3: // NXDOMAIN
			return model.RootNXDomain, clipName(name) + " does not exist (nginx resolver: 3: Host not found)"
		case 2: // SERVFAIL
			return model.RootServfail, "the resolver failed to resolve " + clipName(name) + " (nginx resolver: 2: Server failure)"
		case 1, 4, 5: // FORMERR, NOTIMP, REFUSED
			text := map[int]string{1: "Format error", 4: "Unimplemented", 5: "Operation refused"}[n]
			return model.RootServfail, "the resolver answered an error for " + clipName(name) + " (nginx resolver: " + strconv.Itoa(n) + ": " + text + ")"
		case 110: // NGX_ETIMEDOUT: no answer within resolver_timeout
			return model.RootDNSTimeout, "no answer from the resolver for " + clipName(name) + " (nginx resolver: 110: Operation timed out)"
		}
		return "", ""
	}
	if !strings.Contains(line, " while resolving") {
		return "", ""
	}
	for _, e := range []string{"(111: Connection refused)", "(113: No route to host)", "(101: Network is unreachable)"} {
		if strings.Contains(line, e) {
			server := ""
			if rest, ok := after(line, "resolver: "); ok {
				server = " " + clipName(strings.TrimRight(firstField(rest), ","))
			}
			return model.RootResolverUnreachable, "the resolver" + server + " cannot be reached " + e + " (nginx resolver)"
		}
	}
	return "", ""
}

// apacheRoot reads Apache's proxy: "DNS lookup failure for: NAME returned
// by /x" with getaddrinfo's reason in front, mod_ssl's checks of a
// backend's certificate (AH02004, AH02411, AH02005) and the errno of a
// failed connect ("(113)No route to host: AH00957: …").
func apacheRoot(line string) (model.RootCode, string) {
	if rest, ok := after(line, "DNS lookup failure for: "); ok {
		name := firstField(rest)
		switch {
		case strings.Contains(line, "Name or service not known"), strings.Contains(line, "No address associated with hostname"):
			return model.RootNXDomain, clipName(name) + " does not exist (apache: getaddrinfo: Name or service not known)"
		case strings.Contains(line, "Non-recoverable failure in name resolution"):
			return model.RootServfail, "the resolver failed to resolve " + clipName(name) + " (apache: getaddrinfo: Non-recoverable failure in name resolution)"
		}
		return "", ""
	}
	switch {
	case strings.Contains(line, "SSL Proxy: Peer certificate is expired"):
		// mod_ssl logs this for either end of the validity window.
		return model.RootCertExpired, "the upstream's certificate is outside its validity dates (apache: AH02004 peer certificate is expired)"
	case strings.Contains(line, "SSL Proxy: Peer certificate does not match for hostname "):
		rest, _ := after(line, "SSL Proxy: Peer certificate does not match for hostname ")
		return model.RootCertNameMismatch, "the upstream's certificate does not name " + clipName(firstField(rest)) + " (apache: AH02411)"
	case strings.Contains(line, "SSL Proxy: Peer certificate CN mismatch:"):
		return model.RootCertNameMismatch, "the upstream's certificate names another host (apache: AH02005 CN mismatch)"
	}
	if strings.Contains(line, "AH00957") || strings.Contains(line, "attempt to connect to") {
		switch {
		case strings.Contains(line, "(113)No route to host"):
			return model.RootUnreachable, "no route to the upstream's host (apache: 113 No route to host)"
		case strings.Contains(line, "(101)Network is unreachable"):
			return model.RootUnreachable, "the upstream's network is unreachable from the gateway (apache: 101 Network is unreachable)"
		case strings.Contains(line, "(110)Connection timed out"):
			return model.RootFiltered, "no answer to the connect at all (apache: 110 Connection timed out): a firewall dropping packets, the host down, or its accept queue full"
		}
	}
	return "", ""
}

// haproxyRoot reads HAProxy's health-check reasons (check.c
// check_statuses and the info after them): "Layer4 timeout" and
// "Layer4 connection problem, info: "No route to host"".
func haproxyRoot(line string) (model.RootCode, string) {
	switch {
	case strings.Contains(line, "reason: Layer4 timeout"):
		return model.RootFiltered, "no answer to the health check's connect (haproxy: Layer4 timeout): a firewall dropping packets, the host down, or its accept queue full"
	case strings.Contains(line, "Layer4 connection problem"):
		switch {
		case strings.Contains(line, "No route to host"), strings.Contains(line, "EHOSTUNREACH"):
			return model.RootUnreachable, "no route to the server's host (haproxy: Layer4 connection problem, No route to host)"
		case strings.Contains(line, "Network is unreachable"), strings.Contains(line, "ENETUNREACH"):
			return model.RootUnreachable, "the server's network is unreachable (haproxy: Layer4 connection problem, Network is unreachable)"
		}
	}
	return "", ""
}

// connectErrnoRoot reads nginx's connect failures: "connect() failed (113:
// No route to host) while connecting to upstream" and "upstream timed out
// (110: Connection timed out) while connecting to upstream". The timeout
// says nothing answered; it cannot tell a dropping firewall from a full
// accept queue, which the host's listeners can.
func connectErrnoRoot(line string) (model.RootCode, string) {
	if !strings.Contains(line, "while connecting to upstream") {
		return "", ""
	}
	switch {
	case strings.Contains(line, "(113: No route to host)"):
		return model.RootUnreachable, "no route to the upstream's host (nginx: 113: No route to host)"
	case strings.Contains(line, "(101: Network is unreachable)"):
		return model.RootUnreachable, "the upstream's network is unreachable from the gateway (nginx: 101: Network is unreachable)"
	case strings.Contains(line, "(112: Host is down)"):
		return model.RootUnreachable, "the upstream's host is down (nginx: 112: Host is down)"
	case strings.Contains(line, "(110: Connection timed out)"):
		return model.RootFiltered, "no answer to the connect at all (nginx: 110: Connection timed out): a firewall dropping packets, the host down, or its accept queue full"
	}
	return "", ""
}

// after returns what follows the first sep in s.
func after(s, sep string) (string, bool) {
	i := strings.Index(s, sep)
	if i < 0 {
		return "", false
	}
	return s[i+len(sep):], true
}

// leadingInt parses the decimal number at the start of s (at most 9
// digits) and returns it with the rest; -1 when there is none.
func leadingInt(s string) (int, string) {
	i := 0
	for i < len(s) && i < 9 && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	if i == 0 {
		return -1, s
	}
	n, _ := strconv.Atoi(s[:i])
	return n, s[i:]
}

// firstField is s up to its first space.
func firstField(s string) string {
	name, _, _ := strings.Cut(s, " ")
	return name
}

// lastField is s after its last space.
func lastField(s string) string {
	return s[strings.LastIndexByte(s, ' ')+1:]
}

// clipName bounds a name quoted from a line and writes control characters
// and invalid UTF-8 as '?'.
func clipName(s string) string {
	s = strings.ToValidUTF8(s, "?")
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return '?'
		}
		return r
	}, s)
	if len(s) <= maxName {
		return s
	}
	n := maxName
	for n > 0 && s[n]&0xc0 == 0x80 {
		n--
	}
	return s[:n] + "…"
}
