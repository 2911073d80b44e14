// Package statuspage fetches a gateway's status page or admin API over
// HTTP the one way gwtop needs it: a GET bound to the scrape's context,
// basic auth when configured, redirects reported instead of followed, the
// body read whole up to a cap, and error texts that name the page without
// ever quoting its credentials. The kind-specific interpretation (what a
// 401 means for HAProxy, what Caddy's JSON error says) stays with the
// callers; Response.Refused, Response.NotOK and Response.Errorf give their
// messages the same shape.
package statuspage

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"github.com/gwtop/gwtop/redact"
)

// Options configures a Client. The zero value is usable: no credentials
// other than the URL's own, no cap, no Accept header.
type Options struct {
	// Username and Password are sent as basic auth. When both are empty,
	// the userinfo of the URL given to Get is used instead.
	Username, Password string
	// MaxBody caps the body read of one answer, in bytes; 0 means no cap.
	// A 200 answer beyond it is an error: a truncated document would only
	// fail later with a misleading parse error.
	MaxBody int64
	// Accept, when set, is sent as the Accept header.
	Accept string
	// SelfReferer sends the page's own URL (without userinfo) as the
	// Referer: Apache's balancer-manager answers its XML only to a
	// request that seems to come from its own page.
	SelfReferer bool
}

// Client gets status pages. It holds no state between calls beyond its
// configuration, so one Client may serve concurrent scrapes.
type Client struct {
	label string
	opt   Options
	http  *http.Client
}

// New returns a Client whose errors start with label ("haproxy stats",
// "caddy admin") and the URL fetched.
func New(label string, opt Options) *Client {
	return &Client{label: label, opt: opt, http: &http.Client{
		// A redirect (to a login page, to https) would drop the
		// credentials or read some other page: report it instead.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// Response is an answer read whole.
type Response struct {
	StatusCode int
	Status     string // "404 Not Found"
	Header     http.Header
	Body       []byte
	// Truncated is set when the body of an answer other than 200 was
	// longer than MaxBody: such a body is only ever quoted, so its start
	// is kept and the status, which says more, is not hidden by the size.
	Truncated bool

	prefix string
	red    *redactor
}

// Get fetches rawURL once, within ctx. Any answer, whatever its status, is
// a Response; the error is for what kept an answer from being read. Every
// error text starts with the label and Shown(rawURL), and holds neither the
// configured password nor the URL's userinfo.
func (c *Client) Get(ctx context.Context, rawURL string) (*Response, error) {
	shown := Shown(rawURL)
	red := newRedactor(rawURL, c.opt.Password, shown)
	prefix := c.label + " " + shown + ": "
	fail := func(format string, a ...any) error {
		return errors.New(red.clean(prefix + fmt.Sprintf(format, a...)))
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fail("%v", unwrapURLError(err))
	}
	user, pass := c.opt.Username, c.opt.Password
	if u.User != nil {
		if user == "" && pass == "" {
			user = u.User.Username()
			pass, _ = u.User.Password()
		}
		// Sent as a header below, never as part of the URL that
		// net/http may quote.
		u.User = nil
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, fail("%v", unwrapURLError(err))
	}
	if user != "" || pass != "" {
		req.SetBasicAuth(user, pass)
	}
	if c.opt.Accept != "" {
		req.Header.Set("Accept", c.opt.Accept)
	}
	if c.opt.SelfReferer {
		req.Header.Set("Referer", u.String())
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fail("%v", unwrapURLError(err))
	}
	defer resp.Body.Close()
	var body []byte
	if c.opt.MaxBody > 0 {
		body, err = io.ReadAll(io.LimitReader(resp.Body, c.opt.MaxBody+1))
	} else {
		body, err = io.ReadAll(resp.Body)
	}
	if err != nil {
		return nil, fail("reading the answer (HTTP %s): %v", resp.Status, unwrapURLError(err))
	}
	r := &Response{StatusCode: resp.StatusCode, Status: resp.Status, Header: resp.Header, Body: body, prefix: prefix, red: red}
	if c.opt.MaxBody > 0 && int64(len(body)) > c.opt.MaxBody {
		if resp.StatusCode == http.StatusOK {
			return nil, fail("answer larger than %d bytes%s", c.opt.MaxBody, size(c.opt.MaxBody))
		}
		r.Body, r.Truncated = body[:c.opt.MaxBody], true
	}
	return r, nil
}

// Errorf returns an error about this answer: the label and shown URL, then
// the message, with the credentials scrubbed from it like from Get's.
func (r *Response) Errorf(format string, a ...any) error {
	return errors.New(r.red.clean(r.prefix + fmt.Sprintf(format, a...)))
}

// Refused returns "HTTP <status> — <hint>": for a status the caller can
// explain, such as 401 ("set haproxy.username ...").
func (r *Response) Refused(hint string) error {
	return r.Errorf("HTTP %s — %s", r.Status, hint)
}

// NotOK returns "HTTP <status> (want 200 <want>)": for any other status
// than the 200 expected, want saying what the 200 would have carried
// ("with the stats CSV").
func (r *Response) NotOK(want string) error {
	return r.Errorf("HTTP %s (want 200 %s)", r.Status, want)
}

// IsHTML reports whether the answer is an HTML page, by its Content-Type or
// its first bytes: a web server's default page or a login form where a
// status page was expected, which deserves a hint rather than a parse
// error.
func IsHTML(r *Response) bool {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		if mt, _, err := mime.ParseMediaType(ct); err == nil && (mt == "text/html" || mt == "application/xhtml+xml") {
			return true
		}
	}
	b := bytes.TrimLeft(r.Body, "\ufeff \t\r\n")
	b = bytes.ToLower(b[:min(len(b), len("<!doctype html"))])
	return bytes.HasPrefix(b, []byte("<!doctype html")) || bytes.HasPrefix(b, []byte("<html"))
}

// BaseURL parses the base URL of a status page or admin API as a user
// writes it: surrounding spaces trimmed, http or https only, a host
// required; a bare host:port gets http:// when hostPort allows it (Caddy's
// admin address is written that way). Query, fragment and a trailing slash
// are dropped: callers append their own paths. Errors start with label and
// never quote a password; example shows what is wanted.
func BaseURL(label, raw, example string, hostPort bool) (*url.URL, error) {
	s := strings.TrimSpace(raw)
	switch {
	case s == "":
		return nil, fmt.Errorf("%s: empty address (want %s)", label, example)
	case strings.HasPrefix(s, "unix:"):
		return nil, fmt.Errorf("%s %s: unix sockets are not supported here (want %s)", label, s, example)
	case hostPort && !strings.Contains(s, "://"):
		s = "http://" + s
	}
	u, err := url.Parse(s)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %v (want %s)", label, Shown(s), unwrapURLError(err), example)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("%s %s: want an http:// or https:// URL like %s", label, Shown(s), example)
	}
	u.RawQuery, u.ForceQuery, u.Fragment, u.RawFragment, u.RawPath = "", false, "", "", ""
	u.Path = strings.TrimRight(u.Path, "/")
	return u, nil
}

// Shown is rawURL as errors show it: without userinfo, query or fragment.
// The query goes too because tokens travel there, and the callers name
// the endpoint, not its parameters. A URL that does not parse is shown
// with everything up to its last '@' before the host masked.
func Shown(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return redact.Userinfo(rawURL)
	}
	u.User, u.RawQuery, u.ForceQuery, u.Fragment, u.RawFragment = nil, "", false, "", ""
	return u.String()
}

// redactor scrubs the credentials of one request from a text: the raw URL
// becomes the shown one, then the configured password and the URL's own
// userinfo go in every form a text may quote them (redact.New), and so does
// anything else that looks like a credential.
type redactor struct {
	rawURL, shown string
	r             *redact.Redactor
}

func newRedactor(rawURL, password, shown string) *redactor {
	return &redactor{rawURL: rawURL, shown: shown, r: redact.New(append(redact.URLSecrets(rawURL), password)...)}
}

func (r *redactor) clean(s string) string {
	if r == nil { // a Response not made by Get
		return s
	}
	if r.rawURL != r.shown && r.rawURL != "" {
		s = strings.ReplaceAll(s, r.rawURL, r.shown)
	}
	return r.r.String(s)
}

// unwrapURLError drops the *url.Error wrapper, whose text repeats the
// method and the URL, the URL being already in the prefix.
func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// size adds n in MiB or KiB when it is a whole number of them, the way
// callers write their caps.
func size(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf(" (%d MiB)", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf(" (%d KiB)", n>>10)
	}
	return ""
}
