// Package caddy reads what Caddy says about its reverse proxy's upstreams:
// the admin API's upstream list (GET /reverse_proxy/upstreams: every
// upstream, its requests in flight and the failures its passive health
// checks remember) and Caddy's JSON log (access entries, the server's error
// entries and the reverse proxy's own entries), turning both into gwtop's
// feed events.
package caddy

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/gwtop/gwtop/redact"

	"github.com/gwtop/gwtop/collector/feed"
	"github.com/gwtop/gwtop/collector/statuspage"
)

// upstreamsPath is the admin API endpoint listing the reverse proxy's
// upstreams (one pool shared by every reverse_proxy handler).
const upstreamsPath = "/reverse_proxy/upstreams"

// maxAdminBody caps what is read of the upstream list: ~60 bytes an
// upstream, so this is tens of thousands of upstreams.
const maxAdminBody = 4 << 20

// Upstream is one element of Caddy's upstream list.
type Upstream struct {
	Address     string `json:"address"`      // the dial address: 127.0.0.1:9001
	NumRequests int64  `json:"num_requests"` // requests in flight now
	Fails       int64  `json:"fails"`        // failures passive health checks remember
}

// Admin reads Caddy's admin API. It keeps the previous reading of every
// upstream's fails to report their increases, so one Admin serves one
// scrape loop.
type Admin struct {
	url, shown string
	client     *statuspage.Client
	// MaxFails is the max_fails of the passive health checks in Caddy's
	// configuration: an upstream with at least this many remembered
	// failures takes no traffic, and gwtop shows it down. The admin API
	// does not say it; Caddy's default is 1.
	MaxFails int64
	prev     map[string]reading
}

// reading is what the previous scrape saw of one upstream.
type reading struct {
	fails int64
	down  bool // reported down
}

// NewAdmin returns a scraper of the admin API at addr: host:port
// (http:// is assumed) or a URL, with or without the
// /reverse_proxy/upstreams path.
func NewAdmin(addr string) (*Admin, error) {
	u, err := statuspage.BaseURL("caddy admin", addr, "localhost:2019", true)
	if err != nil {
		return nil, err
	}
	if !strings.HasSuffix(u.Path, upstreamsPath) {
		u.Path += upstreamsPath
	}
	full := u.String()
	return &Admin{url: full, shown: redact.String(full), MaxFails: 1,
		client: statuspage.New("caddy admin", statuspage.Options{MaxBody: maxAdminBody, Accept: "application/json"})}, nil
}

// Target is the URL scraped, without credentials.
func (a *Admin) Target() string { return a.shown }

// Source names the admin API's row in the snapshot's gateways.
func (a *Admin) Source() string { return "admin" }

// Scrape reads the upstream list once and reports every upstream and the
// failures Caddy counted since the last scrape. An answer that is not the
// upstream list is an error.
func (a *Admin) Scrape(ctx context.Context, sink feed.Sink) (map[string]float64, error) {
	body, err := a.fetch(ctx)
	if err != nil || ctx.Err() != nil {
		return nil, err
	}
	return a.report(body, sink)
}

func (a *Admin) fetch(ctx context.Context) ([]byte, error) {
	resp, err := a.client.Get(ctx, a.url)
	if err != nil {
		return nil, err
	}
	switch {
	case resp.StatusCode == http.StatusOK:
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		return nil, resp.Refused("the admin API refused gwtop (origin enforcement or remote admin access)" + snippet(resp.Body))
	case resp.StatusCode == http.StatusNotFound:
		return nil, resp.Refused("no reverse proxy upstream list here (is this Caddy's admin address, and is reverse_proxy configured?)" + snippet(resp.Body))
	default:
		return nil, resp.Errorf("HTTP %s (want 200 with the JSON upstream list)%s", resp.Status, snippet(resp.Body))
	}
	if statuspage.IsHTML(resp) {
		return nil, resp.Errorf("answered HTML, not Caddy's JSON upstream list — is this the admin address (admin.listen, default localhost:2019)?")
	}
	return resp.Body, nil
}

// snippet quotes the start of an error answer: Caddy's admin API explains
// its refusals in a JSON {"error": ...}.
func snippet(body []byte) string {
	var e struct {
		Error string `json:"error"`
	}
	if json.Unmarshal(body, &e) == nil && e.Error != "" {
		return ": " + clip(e.Error, 200)
	}
	return ""
}

func clip(s string, n int) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, s)
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

// ParseUpstreams reads the body of GET /reverse_proxy/upstreams.
func ParseUpstreams(body []byte) ([]Upstream, error) {
	b := bytes.TrimSpace(body)
	if len(b) == 0 {
		return nil, errors.New("empty answer (want the JSON upstream list)")
	}
	if b[0] == '<' {
		return nil, errors.New("answered HTML, not Caddy's JSON upstream list — is this the admin address?")
	}
	if b[0] != '[' {
		return nil, fmt.Errorf("not Caddy's upstream list (want a JSON array): %q", clip(string(b), 60))
	}
	var list []Upstream
	if err := json.Unmarshal(b, &list); err != nil {
		return nil, fmt.Errorf("not Caddy's upstream list: %v", err)
	}
	return list, nil
}

// report sends one reading to the sink and fills the gateway row.
//
// The admin API says three things per upstream, and gwtop uses them so:
//   - the address: every upstream Caddy knows is listed (labelled with its
//     address, so a name from gwtop's configuration still wins), with or
//     without traffic — but a listing alone does not make it "up";
//   - num_requests, the requests in flight: summed into the gateway row's
//     in_flight counter;
//   - fails, the failures the passive health checks remember for
//     fail_duration. Caddy only counts them when passive health checks are
//     on (fail_duration set), and takes the upstream out of rotation once
//     fails reaches max_fails (default 1): at fails ≥ MaxFails the
//     upstream is reported down by its status, and back up when the
//     failures are forgotten. Every increase is reported
//     as one failure without a cause — the admin API does not say why;
//     the log does.
func (a *Admin) report(body []byte, sink feed.Sink) (map[string]float64, error) {
	list, err := ParseUpstreams(body)
	if err != nil {
		return nil, fmt.Errorf("caddy admin %s: %v", a.shown, err)
	}
	maxFails := max(a.MaxFails, 1)
	var inFlight, fails, unhealthy float64
	next := make(map[string]reading, len(list))
	now := time.Now()
	for _, u := range list {
		addr := strings.TrimSpace(u.Address)
		if addr == "" {
			continue
		}
		n, f := max(u.NumRequests, 0), max(u.Fails, 0)
		inFlight += float64(n)
		fails += float64(f)
		// Listed, whatever else is known of it.
		sink.Label(addr, addr, "")
		prev := a.prev[addr]
		down := f >= maxFails
		switch {
		case down:
			unhealthy++
			sink.SetServerStatus(addr, true, fmt.Sprintf("caddy: %d failure(s) remembered by passive health checks (max_fails %d): out of rotation for fail_duration", f, maxFails))
		case prev.down:
			// Back in rotation. Only then: fails 0 is all Caddy says of
			// an upstream without passive health checks, which is no
			// sign of health.
			sink.SetServerStatus(addr, false, "")
		}
		if f > prev.fails {
			sink.ObserveFailure(feed.Failure{Time: now, Addr: addr, Source: "status",
				Line: fmt.Sprintf("%s caddy admin %s: %s fails %d → %d (passive health checks)", now.Format("15:04:05"), a.shown, clip(addr, 200), prev.fails, f)})
		}
		next[addr] = reading{fails: f, down: down}
	}
	a.prev = next
	return map[string]float64{"upstreams": float64(len(next)), "in_flight": inFlight, "fails": fails, "unhealthy": unhealthy}, nil
}
