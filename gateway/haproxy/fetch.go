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
// could stream forever.
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
	case strings.HasPrefix(s, "unix:"):
		p := strings.TrimPrefix(s, "unix:")
		if p == "" {
			return nil, fmt.Errorf("haproxy stats %q: give the socket path, e.g. unix:/run/haproxy/admin.sock", s)
		}
		return &target{network: "unix", addr: p, shown: s}, nil
	case strings.HasPrefix(s, "/"):
		return &target{network: "unix", addr: s, shown: "unix:" + s}, nil
	case strings.HasPrefix(s, "ipv4@"), strings.HasPrefix(s, "ipv6@"), strings.HasPrefix(s, "tcp://"):
		hp := strings.TrimPrefix(strings.TrimPrefix(strings.TrimPrefix(s, "ipv4@"), "ipv6@"), "tcp://")
		if _, _, err := net.SplitHostPort(hp); err != nil {
			return nil, fmt.Errorf("haproxy stats %q: want HOST:PORT after the prefix", s)
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

// fetch reads the stats CSV once, within ctx's deadline. Its errors never
// hold the password: statuspage scrubs it from the page's, and the
// runtime API has none.
func (t *target) fetch(ctx context.Context) ([]byte, error) {
	if t.network != "" {
		return t.fetchSocket(ctx)
	}
	return t.fetchHTTP(ctx)
}

// redact hides the configured password in msg, whatever quoted it and
// however it was encoded.
func (t *target) redact(msg string) string { return redact.Secrets(msg, t.pass) }

func (t *target) fetchHTTP(ctx context.Context) ([]byte, error) {
	resp, err := t.client.Get(ctx, t.url)
	if err != nil {
		return nil, err
	}
	switch {
	case resp.StatusCode == http.StatusUnauthorized && t.user == "":
		return nil, resp.Refused(`the page has "stats auth": set haproxy.username and haproxy.password`)
	case resp.StatusCode == http.StatusUnauthorized:
		return nil, resp.Refused(`wrong username or password for "stats auth"`)
	case resp.StatusCode != http.StatusOK:
		return nil, resp.NotOK("with the stats CSV")
	}
	return resp.Body, nil
}

// fetchSocket asks the runtime API for "show stat" in its non-interactive
// mode: one command, the answer, then HAProxy closes the connection.
func (t *target) fetchSocket(ctx context.Context) ([]byte, error) {
	var d net.Dialer
	c, err := d.DialContext(ctx, t.network, t.addr)
	if err != nil {
		return nil, fmt.Errorf("haproxy socket %s: %v", t.shown, err)
	}
	defer c.Close()
	if dl, ok := ctx.Deadline(); ok {
		_ = c.SetDeadline(dl)
	} else {
		_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	}
	// Closing the connection when ctx ends interrupts a blocked read
	// even without a deadline.
	stop := context.AfterFunc(ctx, func() { c.Close() })
	defer stop()
	if _, err := io.WriteString(c, "show stat\n"); err != nil {
		return nil, fmt.Errorf("haproxy socket %s: sending \"show stat\": %v", t.shown, err)
	}
	b, err := io.ReadAll(io.LimitReader(c, maxStats+1))
	if err != nil {
		if ctx.Err() != nil {
			err = ctx.Err()
		}
		return nil, fmt.Errorf("haproxy socket %s: reading \"show stat\": %v", t.shown, err)
	}
	if len(b) > maxStats {
		return nil, fmt.Errorf("haproxy socket %s: answer larger than %d MiB", t.shown, maxStats>>20)
	}
	return b, nil
}
