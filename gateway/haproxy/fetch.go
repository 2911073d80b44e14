package haproxy

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gwtop/gwtop/redact"

	"github.com/gwtop/gwtop/collector/statuspage"
)

// maxStats caps what is read of the stats: a row is about 1 KB, so this
// is room for tens of thousands of servers, and a misconfigured target
// could stream forever. The body is parsed as it arrives (ReadStats), so
// the cap bounds the bytes and the time read, not memory: that is
// bounded by ReadStats' own caps (MaxRows, maxLine).
const maxStats = 64 << 20

// target is where the stats come from: the stats page over HTTP(S) or the
// runtime API over a unix or TCP socket.
type target struct {
	url        string // http(s) URL with ";csv", without userinfo
	user, pass string
	network    string // unix or tcp, for the runtime API
	addr       string
	shown      string             // what errors and the gateway row show: no password
	client     *statuspage.Client // for the stats page
}

// parseTarget reads the forms config.HAProxy.Stats documents.
func parseTarget(s, username, password string) (*target, error) {
	s = strings.TrimSpace(s)
	switch {
	case strings.HasPrefix(s, "http://"), strings.HasPrefix(s, "https://"):
		u, err := url.Parse(s)
		if err != nil || u.Host == "" {
			return nil, fmt.Errorf("haproxy stats %s: not a URL", redactURL(s, password))
		}
		t := &target{user: username, pass: password}
		if u.User != nil {
			if t.user == "" {
				t.user = u.User.Username()
			}
			if pw, ok := u.User.Password(); ok && t.pass == "" {
				t.pass = pw
			}
			u.User = nil
		}
		if u.Path == "" && u.RawQuery == "" {
			u.Path = "/" // ";csv" belongs to the path, not the port
		}
		raw := u.String()
		if !strings.Contains(raw, ";csv") {
			raw += ";csv"
		}
		t.url = raw
		t.shown = raw
		t.client = statuspage.New("haproxy stats", statuspage.Options{Username: t.user, Password: t.pass, MaxBody: maxStats})
		if t.user != "" {
			// Say who logs in, never with what.
			t.shown = strings.Replace(raw, "://", "://"+url.User(t.user).String()+"@", 1)
		}
		return t, nil
	case strings.HasPrefix(s, "unix:"), strings.HasPrefix(s, "/"):
		p := strings.TrimPrefix(s, "unix:")
		if p == "" {
			return nil, fmt.Errorf("haproxy stats %q: give the socket path, e.g. unix:/run/haproxy/admin.sock", s)
		}
		// "//user:pw@host:port/stats" is a URL missing its scheme, not a
		// socket: say so without the password it carries.
		if strings.HasPrefix(p, "//") || strings.Contains(p, "@") {
			return nil, fmt.Errorf("haproxy stats %s: not a socket path (a URL without http:? give http://HOST:PORT/stats)", redactURL(s, password))
		}
		return &target{network: "unix", addr: p, shown: "unix:" + p}, nil
	case strings.HasPrefix(s, "ipv4@"), strings.HasPrefix(s, "ipv6@"), strings.HasPrefix(s, "tcp://"):
		hp := strings.TrimPrefix(strings.TrimPrefix(strings.TrimPrefix(s, "ipv4@"), "ipv6@"), "tcp://")
		if _, _, err := net.SplitHostPort(hp); err != nil {
			return nil, fmt.Errorf("haproxy stats %s: want HOST:PORT after the prefix", redactURL(s, password))
		}
		return &target{network: "tcp", addr: hp, shown: s}, nil
	}
	return nil, fmt.Errorf("haproxy stats %q: want http://HOST/stats;csv, unix:/path/to/admin.sock, ipv4@HOST:PORT or tcp://HOST:PORT", redactURL(s, password))
}

// redactURL hides a password in s: the URL's own and the configured one,
// in every form, and anything else that looks like a credential.
func redactURL(s, password string) string {
	return redact.Secrets(s, append(redact.URLSecrets(s), password)...)
}

func (t *target) source() string {
	if t.network != "" {
		return "socket"
	}
	return "stats"
}

// read fetches the stats CSV once, within ctx's deadline, and parses it
// as it arrives (ReadStats): the body is never held whole. head is the
// start of the body, for explaining a page that is not the CSV. Its
// errors never hold the password: statuspage scrubs it from the page's,
// and the runtime API has none.
func (t *target) read(ctx context.Context) (tab Table, head []byte, err error) {
	if t.network != "" {
		return t.readSocket(ctx)
	}
	return t.readHTTP(ctx)
}

// redact hides the configured password in msg, whatever quoted it and
// however it was encoded.
func (t *target) redact(msg string) string { return redact.Secrets(msg, t.pass) }

func (t *target) readHTTP(ctx context.Context) (Table, []byte, error) {
	st, err := t.client.Open(ctx, t.url)
	if err != nil {
		return Table{}, nil, err
	}
	defer st.Close()
	switch {
	case st.StatusCode == http.StatusUnauthorized && t.user == "":
		return Table{}, nil, st.Refused(`the page has "stats auth": set haproxy.username and haproxy.password`)
	case st.StatusCode == http.StatusUnauthorized:
		return Table{}, nil, st.Refused(`wrong username or password for "stats auth"`)
	case st.StatusCode != http.StatusOK:
		return Table{}, nil, st.NotOK("with the stats CSV")
	}
	h := &headReader{r: st}
	tab, err := ReadStats(h)
	return tab, h.head, err
}

// readSocket asks the runtime API for "show stat" in its non-interactive
// mode: one command, the answer, then HAProxy closes the connection.
func (t *target) readSocket(ctx context.Context) (Table, []byte, error) {
	c, stop, err := t.command(ctx, "show stat")
	if err != nil {
		return Table{}, nil, err
	}
	defer stop()
	h := &headReader{r: &socketReader{ctx: ctx, c: c, shown: t.shown}}
	tab, err := ReadStats(h)
	return tab, h.head, err
}

// command connects to the runtime socket and sends one command; the
// connection has ctx's deadline (10 s without one) and is closed when ctx
// ends, which interrupts a blocked read. stop closes it.
func (t *target) command(ctx context.Context, cmd string) (net.Conn, func(), error) {
	var d net.Dialer
	c, err := d.DialContext(ctx, t.network, t.addr)
	if err != nil {
		return nil, nil, fmt.Errorf("haproxy socket %s: %v", t.shown, err)
	}
	if dl, ok := ctx.Deadline(); ok {
		_ = c.SetDeadline(dl)
	} else {
		_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	}
	unwatch := context.AfterFunc(ctx, func() { c.Close() })
	stop := func() { unwatch(); c.Close() }
	if _, err := io.WriteString(c, cmd+"\n"); err != nil {
		stop()
		return nil, nil, fmt.Errorf("haproxy socket %s: sending %q: %v", t.shown, cmd, err)
	}
	return c, stop, nil
}

// socketReader reads the runtime API's answer through maxStats, with
// errors that name the socket.
type socketReader struct {
	ctx   context.Context
	c     net.Conn
	shown string
	n     int64
	err   error
}

func (s *socketReader) Read(p []byte) (int, error) {
	if s.err != nil {
		return 0, s.err
	}
	if int64(len(p)) > maxStats-s.n+1 {
		p = p[:maxStats-s.n+1]
	}
	n, err := s.c.Read(p)
	s.n += int64(n)
	switch {
	case s.n > maxStats:
		s.err = fmt.Errorf("haproxy socket %s: answer larger than %d MiB", s.shown, maxStats>>20)
		return n - int(s.n-maxStats), s.err
	case err != nil && err != io.EOF:
		if s.ctx.Err() != nil {
			err = s.ctx.Err()
		}
		s.err = fmt.Errorf("haproxy socket %s: reading \"show stat\": %v", s.shown, err)
		return n, s.err
	}
	return n, err
}

// headReader keeps a copy of the first 512 bytes read through it.
type headReader struct {
	r    io.Reader
	head []byte
}

func (h *headReader) Read(p []byte) (int, error) {
	n, err := h.r.Read(p)
	if k := min(n, 512-len(h.head)); k > 0 {
		h.head = append(h.head, p[:k]...)
	}
	return n, err
}
