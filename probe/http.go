package probe

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net/http"
	"net/http/httptrace"
	"time"

	"github.com/gwtop/gwtop/model"
)

// newTransport builds the transport of one HTTP(S) target.
// serverName, when not empty, is the TLS server name to send and verify
// instead of the URL's host.
// roots, when not nil, replaces the system's CA pool.
func newTransport(t Target, serverName string, roots *x509.CertPool, dial dialFunc) *http.Transport {
	// HTTP/1.1 only: gateways talk HTTP/1.x to their upstreams (nginx's
	// proxy_pass does), and with one request per connection the connect,
	// TLS and Reused figures mean what they say.
	var protos http.Protocols
	protos.SetHTTP1(true)

	return &http.Transport{
		// No proxy from the environment: the probe must go straight to
		// the upstream, as the gateway does.
		Proxy:       nil,
		DialContext: dial,
		TLSClientConfig: &tls.Config{
			InsecureSkipVerify: t.Insecure, // opt-in only, see Target.Insecure
			ServerName:         serverName,
			RootCAs:            roots,
		},
		Protocols:         &protos,
		DisableKeepAlives: !t.KeepAlive,
		// A probe runs every second or so; keep its idle connection
		// long enough to be reused, and let the server's own keep-alive
		// timeout decide otherwise (a reset on reuse is worth seeing).
		IdleConnTimeout:     90 * time.Second,
		MaxIdleConnsPerHost: 2,
		// An upstream may not make a probe hold more than this of its
		// headers (see MaxHeader).
		MaxResponseHeaderBytes: MaxHeader,
		// All other timeouts come from the probe's context deadline, so
		// the phase that was running when it expired names the cause.
	}
}

// probeHTTP runs one HTTP(S) check.
func (p *Prober) probeHTTP(parent context.Context) model.ProbeResult {
	start := time.Now()
	res := p.result(start)
	tr := newTracker(start)

	ctx, cancel := context.WithTimeout(parent, p.timeout)
	defer cancel()
	ctx = httptrace.WithClientTrace(ctx, tr.trace())

	// The request is built per probe from the credential-free URL, so
	// net/http's errors (which quote req.URL) cannot leak the password.
	req, err := http.NewRequestWithContext(ctx, p.method, p.target, nil)
	if err != nil {
		// NewProber validated method and URL; this is unexpected but
		// must not panic.
		res.Phases, _ = tr.phases(time.Now())
		fail(&res, model.CauseNone, err)
		return res
	}
	if p.user != nil {
		pw, _ := p.user.Password()
		req.SetBasicAuth(p.user.Username(), pw)
	}
	for k, v := range p.headers {
		if http.CanonicalHeaderKey(k) == "Host" {
			req.Host = v
			continue
		}
		req.Header.Set(k, v)
	}

	resp, err := p.client.Do(req)
	if err != nil {
		// Read the stage at once: a dial detached by net/http may still
		// complete in the background and move it on.
		st := tr.stage(p.isTLS)
		res.Phases, res.Reused = tr.phases(time.Now())
		fail(&res, causeOf(err, st, parent), err)
		if headersTooLarge(err) && res.Cause != model.CauseNone {
			// net/http's text ("server response headers exceeded
			// 65536 bytes; aborted") behind "Get URL: transport
			// connection broken" says it less plainly.
			res.Cause = model.CauseBadResponse
			res.Error = fmt.Sprintf("response headers over %d KiB", MaxHeader>>10)
		}
		p.explain(&res, err, st)
		return res
	}
	res.Status = resp.StatusCode

	// Read (at most MaxBody of) the body: total covers the transfer, and
	// a keep-alive connection is only reused once its body was drained.
	_, rerr := io.Copy(io.Discard, io.LimitReader(resp.Body, MaxBody))
	end := time.Now()
	st := tr.stage(p.isTLS)
	resp.Body.Close()
	res.Phases, res.Reused = tr.phases(end)

	switch {
	case rerr != nil:
		// The headers arrived but the body broke off: still the
		// upstream's failure (nginx: "upstream prematurely closed
		// connection while reading upstream").
		fail(&res, causeOf(rerr, st, parent), rerr)
		p.explain(&res, rerr, st)
	case p.expected(resp.StatusCode):
		res.OK = true
	default:
		// The exchange was whole: no phase failed, so Phase stays "".
		cause, err := statusCause(resp.StatusCode), fmt.Errorf("unexpected status %s", resp.Status)
		if ra := resp.Header.Get("Retry-After"); resp.StatusCode == http.StatusServiceUnavailable && ra != "" {
			// The upstream says it is alive and sheds load on purpose.
			cause, err = model.CauseOverloaded, fmt.Errorf("unexpected status %s with Retry-After: %.40q", resp.Status, ra)
		}
		fail(&res, cause, err)
	}
	return res
}
