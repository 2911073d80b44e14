package traefik

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/gwtop/gwtop/collector/feed"
	"github.com/gwtop/gwtop/collector/statuspage"
	"github.com/gwtop/gwtop/model"
)

const (
	// maxPages bounds the X-Next-Page walk: a proxy that always answers
	// "next page" must not keep a scrape going for ever.
	maxPages = 100
	// perPage is Traefik's own maximum page size for lists.
	perPage = 100
	// maxBody caps one page: 100 services are a few hundred KiB at most.
	maxBody = 8 << 20
)

// API reads Traefik's API once per Scrape. It keeps what it reported last
// (servers it marked down, services it found with every server down) so
// that it reports changes, and is used by one scrape loop at a time.
type API struct {
	base       *url.URL
	shown      string
	user, pass string // as configured; the 401 hint depends on them
	client     *statuspage.Client

	markedDown map[string]bool // servers this API last said were down
	allDown    map[string]bool // services whose every server was DOWN
}

// NewAPI prepares a reader of the Traefik API at rawURL (http://127.0.0.1:8080,
// with or without a trailing /api). username and password, when set, are
// sent as basic auth; they never appear in errors or in the gateway row.
func NewAPI(rawURL, username, password string) (*API, error) {
	u, err := statuspage.BaseURL("traefik api", rawURL, "http://127.0.0.1:8080", false)
	if err != nil {
		return nil, err
	}
	if u.User != nil && username == "" {
		username = u.User.Username()
		password, _ = u.User.Password()
	}
	u.User = nil
	u.Path = strings.TrimSuffix(u.Path, "/api")
	return &API{
		base: u, shown: u.String(), user: username, pass: password,
		client:     statuspage.New("traefik api", statuspage.Options{Username: username, Password: password, MaxBody: maxBody, Accept: "application/json"}),
		markedDown: map[string]bool{}, allDown: map[string]bool{},
	}, nil
}

// Target is the API's URL as shown: without credentials.
func (a *API) Target() string { return a.shown }

// Source names the API's row in the snapshot's gateways.
func (a *API) Source() string { return "api" }

// Scrape reads /api/overview and every page of /api/http/services and
// reports server states and labels; it returns the row's counters.
func (a *API) Scrape(ctx context.Context, sink feed.Sink) (map[string]float64, error) {
	ov, err := a.overview(ctx)
	var svcs []Service
	var pages int
	var truncated bool
	if err == nil {
		svcs, pages, truncated, err = a.services(ctx)
	}
	if err != nil || ctx.Err() != nil {
		return nil, err
	}
	counters := map[string]float64{"pages": float64(pages)}
	if truncated {
		counters["truncated"] = 1
	}
	for proto, kinds := range ov {
		for kind, c := range kinds {
			p := proto + "_" + kind + "_"
			counters[p+"total"] = float64(c.Total)
			counters[p+"warnings"] = float64(c.Warnings)
			counters[p+"errors"] = float64(c.Errors)
		}
	}
	n := a.report(svcs, sink)
	counters["services"] = float64(n.services)
	counters["servers"] = float64(n.servers)
	counters["servers_down"] = float64(n.down)
	return counters, nil
}

type tally struct{ services, servers, down int }

// report turns the service list into labels, server states and
// no_live_upstreams failures.
func (a *API) report(svcs []Service, sink feed.Sink) tally {
	var n tally
	type state struct {
		down, checked bool
		why           string
	}
	servers := map[string]*state{}
	seenSvc := map[string]bool{}
	for _, s := range svcs {
		lb := s.LoadBalancer
		if lb == nil || len(lb.Servers) == 0 {
			continue // weighted/mirroring/failover: no servers of their own
		}
		n.services++
		checked := lb.HasHealthCheck()
		total, down := 0, 0
		for _, srv := range lb.Servers {
			addr := HostPort(srv.URL)
			if addr == "" {
				continue
			}
			total++
			sink.Label(addr, s.Name, s.Name)
			st := servers[addr]
			if st == nil {
				st = &state{}
				servers[addr] = st
			}
			// serverStatus is keyed by the URL exactly as configured.
			status := strings.ToUpper(s.ServerStatus[srv.URL])
			switch {
			case status == "DOWN":
				// DOWN is only ever set by a failing health check.
				down++
				st.down, st.checked = true, true
				st.why = "traefik healthcheck: DOWN (service " + s.Name + ")"
			case checked && !st.down:
				// Servers start UP and stay UP without a health check,
				// so UP says something only when one is configured.
				st.checked = true
				st.why = "traefik healthcheck: UP"
			}
		}
		n.servers += total
		if total == 0 {
			continue
		}
		seenSvc[s.Name] = true
		if down == total {
			if !a.allDown[s.Name] {
				a.allDown[s.Name] = true
				sink.ObserveFailure(feed.Failure{Addr: s.Name, Cause: model.CauseNoLiveUpstreams, Source: "status",
					Line: fmt.Sprintf("traefik service %s: all %d servers DOWN by health check — Traefik answers 503 \"no available server\"", s.Name, total)})
			}
		} else {
			delete(a.allDown, s.Name)
		}
	}
	for name := range a.allDown {
		if !seenSvc[name] {
			delete(a.allDown, name)
		}
	}
	addrs := make([]string, 0, len(servers))
	for addr := range servers {
		addrs = append(addrs, addr)
	}
	sort.Strings(addrs)
	for _, addr := range addrs {
		st := servers[addr]
		if st.down {
			n.down++
		}
		switch {
		case st.checked:
			sink.SetServerStatus(addr, st.down, st.why)
		case a.markedDown[addr]:
			// No health check any more: withdraw the DOWN said before.
			sink.SetServerStatus(addr, false, "traefik: no health check configured")
		}
		a.markedDown[addr] = st.down
	}
	for addr := range a.markedDown {
		if servers[addr] == nil {
			delete(a.markedDown, addr)
		}
	}
	return n
}

func (a *API) overview(ctx context.Context) (Overview, error) {
	b, _, err := a.get(ctx, "/api/overview", nil)
	if err != nil {
		return nil, err
	}
	ov, err := ParseOverview(b)
	if err != nil {
		return nil, fmt.Errorf("traefik api %s: %w", a.endpoint("/api/overview"), err)
	}
	return ov, nil
}

// services walks the pages of /api/http/services: Traefik answers each with
// X-Next-Page, the number of the next page, or 1 on the last one.
func (a *API) services(ctx context.Context) (all []Service, pages int, truncated bool, err error) {
	page := 1
	for {
		q := url.Values{"page": {strconv.Itoa(page)}, "per_page": {strconv.Itoa(perPage)}}
		b, hdr, err := a.get(ctx, "/api/http/services", q)
		if err != nil {
			return nil, pages, false, err
		}
		pages++
		s, err := ParseServices(b)
		if err != nil {
			return nil, pages, false, fmt.Errorf("traefik api %s (page %d): %w", a.endpoint("/api/http/services"), page, err)
		}
		all = append(all, s...)
		next, err := strconv.Atoi(strings.TrimSpace(hdr.Get("X-Next-Page")))
		if err != nil || next <= page {
			return all, pages, false, nil
		}
		if pages >= maxPages {
			return all, pages, true, nil
		}
		page = next
	}
}

func (a *API) endpoint(path string) string {
	u := *a.base
	u.Path += path
	return u.String()
}

// get fetches one endpoint and insists on a 200. It returns the headers
// for X-Next-Page.
func (a *API) get(ctx context.Context, path string, q url.Values) ([]byte, http.Header, error) {
	u := *a.base
	u.Path += path
	u.RawQuery = q.Encode()
	resp, err := a.client.Get(ctx, u.String())
	if err != nil {
		return nil, nil, err
	}
	switch {
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		hint := "the API wants credentials: set traefik.username and traefik.password"
		if a.user != "" {
			hint = "check traefik.username and traefik.password"
		}
		return nil, nil, resp.Refused(hint)
	case resp.StatusCode != http.StatusOK:
		return nil, nil, resp.NotOK("with JSON; is the API enabled?")
	}
	return resp.Body, resp.Header, nil
}

var _ feed.Scraper = (*API)(nil)
