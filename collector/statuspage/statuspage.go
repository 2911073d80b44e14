// Package statuspage fetches a gateway's status page or admin API over
// HTTP the one way gwtop needs it: a GET bound to the scrape's context,
// basic auth when configured, redirects reported instead of followed,
// headers capped at MaxHeader, the body read whole up to a cap (Get) or
// streamed through it (Open), and error texts that name the page without
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
	"strconv"
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

// MaxHeader caps the status line and headers of an answer. net/http's
// default is 10 MiB, which an endless stream of header lines fills at a
// cost of about ten times that in heap; a status page's headers are a few
// hundred bytes. Going over is an error, "answer headers over 64 KiB".
const MaxHeader = 64 << 10

// Memory of one fetch in flight: at most MaxHeader of headers (buffered
// and parsed, about 4 × MaxHeader), the transport's 4 KiB buffers, and
// the body: Get holds at most Options.MaxBody (+ growth, below 2 ×
// MaxBody), Open holds nothing of it, its reader does. A body that drips
// is bounded in time by the context given to Get or Open.

// transport is net/http's default transport (proxy from the
// environment, its timeouts, a shared pool) with MaxHeader.
var transport = func() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxResponseHeaderBytes = MaxHeader
	return t
}()

// CloseIdleConnections closes the status pages' idle keep-alive
// connections (and their goroutines): the engine calls it when it stops.
func CloseIdleConnections() { transport.CloseIdleConnections() }

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
		Transport: transport,
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
	st, err := c.Open(ctx, rawURL)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	return st.ReadAll()
}

// Stream is an answer whose body is read as it arrives: a caller that
// parses while reading holds only what it keeps. Its Read returns at most
// Options.MaxBody bytes and then, if the body goes on, an error saying so;
// its errors are worded and scrubbed like Get's. Close it.
type Stream struct {
	Response // Body empty
	body     io.ReadCloser
	n        int64
	max      int64
	err      error
	over     bool // the body went on past max
}

// Open fetches rawURL like Get, but returns once the headers are read and
// leaves the body to the Stream. Reading it is bounded by ctx too.
func (c *Client) Open(ctx context.Context, rawURL string) (*Stream, error) {
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
		if strings.Contains(err.Error(), "server response headers exceeded") {
			// net/http's own words, behind "transport connection
			// broken", say it less plainly.
			return nil, fail("answer headers over %d KiB", MaxHeader>>10)
		}
		return nil, fail("%v", unwrapURLError(err))
	}
	return &Stream{
		Response: Response{StatusCode: resp.StatusCode, Status: resp.Status, Header: resp.Header, prefix: prefix, red: red},
		body:     resp.Body,
		max:      c.opt.MaxBody,
	}, nil
}

// Read reads the body through the cap. A read error, or a body longer
// than MaxBody, is an error naming the page, returned again by every
// later Read.
func (s *Stream) Read(p []byte) (int, error) {
	if s.err != nil {
		return 0, s.err
	}
	if s.max > 0 && int64(len(p)) > s.max-s.n+1 {
		// Read one byte past the cap at most: enough to know the body
		// goes on.
		p = p[:s.max-s.n+1]
	}
	n, err := s.body.Read(p)
	s.n += int64(n)
	if s.max > 0 && s.n > s.max {
		n -= int(s.n - s.max)
		s.n, s.over = s.max, true
		s.err = s.Errorf("answer larger than %d bytes%s", s.max, size(s.max))
		return n, s.err
	}
	if err != nil && err != io.EOF {
		s.err = s.Errorf("reading the answer (HTTP %s): %v", s.Status, unwrapURLError(err))
		return n, s.err
	}
	return n, err
}

// Close releases the connection.
func (s *Stream) Close() error { return s.body.Close() }

// ReadAll reads the rest of the body into a Response, as Get does: a 200
// answer longer than MaxBody is an error, another one's start is kept
// (Truncated).
func (s *Stream) ReadAll() (*Response, error) {
	var buf bytes.Buffer
	if cl := s.Response.Header.Get("Content-Length"); cl != "" {
		// A length announced within the cap is allocated once.
		if n, err := strconv.ParseInt(cl, 10, 64); err == nil && n > 0 && (s.max <= 0 || n <= s.max) {
			buf.Grow(int(min(n, 64<<20)) + 1)
		}
	}
	_, err := buf.ReadFrom(s)
	r := s.Response
	r.Body = buf.Bytes()
	switch {
	case err == nil:
	case s.over:
		if r.StatusCode == http.StatusOK {
			return nil, err
		}
		r.Truncated = true
	default:
		return nil, err
	}
	return &r, nil
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
