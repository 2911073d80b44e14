// Package probe runs gwtop's active checks: one HTTP(S) request or one TCP
// connect to one upstream, timed phase by phase (DNS, connect, TLS, first
// byte, total) and, when it fails, classified into a model.Cause.
//
// The point is to see an upstream the way the gateway sees it. The gateway's
// own logs say "502", an active probe from the gateway host says why: refused,
// timed out while connecting, closed before the headers, bad certificate...
// So by default every probe opens a fresh connection (the connect and TLS
// phases are measured each time), does not follow redirects and speaks
// HTTP/1.1, as nginx's proxy_pass does.
//
// The API is pure: a Target in, a model.ProbeResult out. A Prober holds the
// HTTP transport of one target so that keep-alive probes can reuse
// connections; Run is the one-shot convenience.
package probe

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/gwtop/gwtop/redact"

	"github.com/gwtop/gwtop/model"
)

// DefaultTimeout bounds a probe whose Target.Timeout is zero.
const DefaultTimeout = 2 * time.Second

// MaxBody is how much of a response body a probe reads. The body is read so
// that "total" covers a real transfer and a keep-alive connection can be
// reused, but a health check must not download a large file every second.
// The body is streamed into io.Discard through a small pooled buffer, so
// it costs no memory, only the bytes on the wire.
const MaxBody = 64 << 10

// MaxHeader caps the bytes of a response's status line and headers (each
// 1xx answer's too). net/http's default is 10 MiB, and an upstream that
// sends header lines without end would cost that much heap per probe,
// several times over for the map and strings they become; a health
// check's answer needs a few hundred bytes. Going over is a bad_response,
// "response headers over 64 KiB".
//
// With Engine's 64 probes in flight, the probes' memory is bounded by
// 64 × (MaxHeader, buffered and parsed about three times, plus the
// transport's 4 KiB read and write buffers and an 8 KiB copy buffer):
// about 64 × 250 KiB = 16 MiB, whatever the upstreams send.
const MaxHeader = 64 << 10

// StatusRange is an inclusive range of accepted HTTP status codes.
type StatusRange struct {
	Min, Max int
}

// Contains reports whether code lies in the range.
func (r StatusRange) Contains(code int) bool { return code >= r.Min && code <= r.Max }

// DefaultExpect returns the status ranges accepted when Target.Expect is
// empty: any 2xx or 3xx. Redirects count as healthy because a probe does not
// follow them by default and many health endpoints redirect (to a login page,
// to a trailing slash). It is a function, not a variable, so that no caller
// can change the default for everyone.
func DefaultExpect() []StatusRange { return []StatusRange{{Min: 200, Max: 399}} }

// Target describes what to probe and how.
type Target struct {
	// URL is http://, https:// or tcp://host:port. Basic-auth credentials
	// may be given as userinfo; they are sent but never reported.
	URL string
	// Timeout bounds the whole probe, body included. Zero or negative means
	// DefaultTimeout.
	Timeout time.Duration
	// Expect lists the accepted HTTP status ranges; empty means 200–399.
	Expect []StatusRange
	// Insecure skips TLS certificate verification. Verification is on by
	// default: an expired or untrusted certificate is exactly the kind of
	// failure that makes a gateway answer 502.
	Insecure bool
	// KeepAlive reuses connections between probes of one Prober (and
	// reports ProbeResult.Reused). Off by default so that every probe pays
	// and measures connect and TLS, like a gateway without upstream
	// keep-alive.
	KeepAlive bool
	// FollowRedirects follows 3xx responses (up to net/http's limit of 10).
	// Off by default: the 3xx itself is the answer of the upstream.
	FollowRedirects bool
	// Method is the HTTP method; empty means GET.
	Method string
	// Headers are added to every request. "Host" sets the request's Host,
	// which gateways use to route virtual hosts. An explicit
	// "Authorization" header overrides credentials from the URL.
	Headers map[string]string
	// CAFile is a PEM file of CA certificates to verify the upstream's
	// certificate with instead of the system's: the private CA a gateway
	// trusts through proxy_ssl_trusted_certificate.
	CAFile string
	// Resolver is the host:port of a DNS server to resolve the target's
	// name with, instead of the system's: probe through the same resolver
	// as nginx's `resolver` directive, or the one a test controls.
	Resolver string
}

type kind int

const (
	kindHTTP kind = iota
	kindTCP
)

// dialFunc has the shape of net.Dialer.DialContext. It is a field of Prober
// so that tests can stand in a dialer for the one case loopback cannot
// produce reliably (a SYN that is never answered).
type dialFunc func(ctx context.Context, network, addr string) (net.Conn, error)

// Prober probes one target. It is safe for concurrent use; create it once per
// target and Close it when done.
type Prober struct {
	kind    kind
	target  string // the URL without credentials, as reported
	user    *url.Userinfo
	addr    string // host:port for TCP
	method  string
	headers map[string]string
	expect  []StatusRange
	timeout time.Duration
	isTLS   bool
	// resolver is Target.Resolver, named in the roots of DNS failures.
	resolver string

	dial      dialFunc
	transport *http.Transport
	client    *http.Client
}

// NewProber validates t and prepares a Prober for it. It fails for a URL that
// does not parse, an unsupported scheme, a missing host or port, an invalid
// method or header, or an empty status range. Error texts never contain the
// URL's credentials.
func NewProber(t Target) (*Prober, error) {
	return newProber(t, nil)
}

func newProber(t Target, dial dialFunc) (*Prober, error) {
	u, err := url.Parse(t.URL)
	if err != nil {
		return nil, parseError(t.URL, err)
	}
	p := &Prober{user: u.User, timeout: t.Timeout}
	if p.timeout <= 0 {
		p.timeout = DefaultTimeout
	}
	u.User = nil
	p.target = u.String()

	switch strings.ToLower(u.Scheme) {
	case "http":
	case "https":
		p.isTLS = true
	case "tcp":
		p.kind = kindTCP
	default:
		return nil, fmt.Errorf("probe %s: unsupported scheme %q (want http, https or tcp)", p.target, u.Scheme)
	}
	if u.Hostname() == "" {
		return nil, fmt.Errorf("probe %s: no host", p.target)
	}

	if dial == nil {
		// Timeout: net/http detaches dials from the request's
		// cancellation, so without it an unanswered SYN would keep a
		// goroutine and a socket for the kernel's two minutes.
		// KeepAlive is TCP keep-alive on the socket, independent of
		// HTTP keep-alive.
		d := &net.Dialer{Timeout: p.timeout, KeepAlive: 30 * time.Second}
		if t.Resolver != "" {
			if _, _, err := net.SplitHostPort(t.Resolver); err != nil {
				return nil, fmt.Errorf("probe %s: resolver %q: want HOST:PORT", p.target, t.Resolver)
			}
			d.Resolver = udpResolver(t.Resolver)
			p.resolver = t.Resolver
		}
		dial = d.DialContext
	}
	p.dial = dial

	if p.kind == kindTCP {
		if u.Port() == "" {
			return nil, fmt.Errorf("probe %s: tcp target needs host:port", p.target)
		}
		if (u.Path != "" && u.Path != "/") || u.RawQuery != "" {
			return nil, fmt.Errorf("probe %s: tcp target takes no path or query", p.target)
		}
		p.addr = u.Host
		// Credentials mean nothing to a TCP connect; they were only
		// stripped from the reported target.
		p.user = nil
		return p, nil
	}

	p.method = t.Method
	if p.method == "" {
		p.method = http.MethodGet
	}
	if !validToken(p.method) {
		return nil, fmt.Errorf("probe %s: invalid method %q", p.target, p.method)
	}
	for k, v := range t.Headers {
		if !validToken(k) {
			return nil, fmt.Errorf("probe %s: invalid header name %q", p.target, k)
		}
		if strings.ContainsAny(v, "\r\n\x00") {
			return nil, fmt.Errorf("probe %s: invalid value for header %q", p.target, k)
		}
	}
	p.headers = make(map[string]string, len(t.Headers))
	for k, v := range t.Headers {
		p.headers[k] = v
	}

	p.expect = DefaultExpect()
	if len(t.Expect) > 0 {
		for _, r := range t.Expect {
			if r.Min > r.Max {
				return nil, fmt.Errorf("probe %s: empty status range %d-%d", p.target, r.Min, r.Max)
			}
		}
		p.expect = append([]StatusRange(nil), t.Expect...)
	}

	// With a Host header, TLS should present and verify that name too:
	// probing https://10.0.0.5/ as "api.example" is how one checks the
	// certificate a gateway sees when it sets SNI from its upstream name.
	serverName := ""
	for k, v := range p.headers {
		if http.CanonicalHeaderKey(k) == "Host" {
			serverName = v
			if h, _, err := net.SplitHostPort(v); err == nil {
				serverName = h
			}
		}
	}
	var roots *x509.CertPool
	if t.CAFile != "" {
		pem, err := os.ReadFile(t.CAFile)
		if err != nil {
			return nil, fmt.Errorf("probe %s: ca_file: %w", p.target, err)
		}
		roots = x509.NewCertPool()
		if !roots.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("probe %s: ca_file %s: no PEM certificate in it", p.target, t.CAFile)
		}
	}
	p.transport = newTransport(t, serverName, roots, dial)
	p.client = &http.Client{Transport: p.transport}
	if !t.FollowRedirects {
		p.client.CheckRedirect = func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		}
	}
	return p, nil
}

// Target returns the probed URL without credentials.
func (p *Prober) Target() string { return p.target }

// Probe runs one check. It never panics and always returns a result: OK, or
// not OK with Cause and Error set. A probe cancelled by ctx (not timed out)
// reports Cause "" because the upstream is not to blame.
func (p *Prober) Probe(ctx context.Context) model.ProbeResult {
	if p == nil || p.dial == nil || (p.kind == kindHTTP && p.client == nil) {
		// Not made by NewProber: report it rather than panic.
		return model.ProbeResult{Time: time.Now(), Error: "probe: Prober not created with NewProber"}
	}
	if p.kind == kindTCP {
		return p.probeTCP(ctx)
	}
	return p.probeHTTP(ctx)
}

// Close releases idle keep-alive connections.
func (p *Prober) Close() {
	if p != nil && p.transport != nil {
		p.transport.CloseIdleConnections()
	}
}

// Run probes t once. An invalid Target gives a failed result with Error set
// and Cause "" (a configuration mistake is not an upstream failure).
func Run(ctx context.Context, t Target) model.ProbeResult {
	p, err := NewProber(t)
	if err != nil {
		return model.ProbeResult{
			Time:   time.Now(),
			Target: redact.Userinfo(t.URL),
			Error:  err.Error(),
		}
	}
	defer p.Close()
	return p.Probe(ctx)
}

// expected reports whether status is accepted.
func (p *Prober) expected(status int) bool {
	for _, r := range p.expect {
		if r.Contains(status) {
			return true
		}
	}
	return false
}

// result starts a result for a probe that began at start.
func (p *Prober) result(start time.Time) model.ProbeResult {
	return model.ProbeResult{Time: start, Target: p.target}
}

// fail fills in a failure. The error text goes through redact because
// net/http quotes URLs in its errors, and a redirect target might carry
// userinfo of its own.
func fail(r *model.ProbeResult, cause model.Cause, err error) {
	r.OK = false
	r.Cause = cause
	r.Error = redact.Userinfo(err.Error())
}

// validToken reports whether s is an RFC 9110 token (method, header name).
func validToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0:
		default:
			return false
		}
	}
	return true
}

// parseError reports a URL that does not parse. url.Parse quotes the whole
// input in its error, credentials included, so only the inner reason is kept,
// and not even that when the input has userinfo (a password with a '/' in it
// shifts the parser's idea of the host and port into the password).
func parseError(raw string, err error) error {
	var ue *url.Error
	if strings.Contains(raw, "@") || !errors.As(err, &ue) {
		return fmt.Errorf("probe %s: invalid URL", badURLShown(raw))
	}
	return fmt.Errorf("probe %s: invalid URL: %v", redact.Userinfo(raw), redact.Userinfo(ue.Err.Error()))
}

// badURLShown is how a URL that does not parse is named: whatever stands
// between its "//" and its last '@' is a userinfo, whatever characters it
// holds (a '\' in "http://\:PW@h" ends an authority for the redactor's
// rules, not for the person who typed it), so all of it is masked; the rest
// goes through redact.Userinfo.
func badURLShown(raw string) string {
	if i := strings.Index(raw, "//"); i >= 0 {
		if j := strings.LastIndexByte(raw, '@'); j > i+2 {
			raw = raw[:i+2] + redact.Mask + raw[j:]
		}
	}
	return redact.Userinfo(raw)
}

// udpResolver resolves through the DNS server at addr only.
func udpResolver(addr string) *net.Resolver {
	return &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, network, addr)
	}}
}
