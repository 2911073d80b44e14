package apache

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/gwtop/gwtop/collector/feed"
	"github.com/gwtop/gwtop/collector/statuspage"
	"github.com/gwtop/gwtop/model"
)

// maxStatusBody caps a mod_status or balancer-manager answer: ?auto is a
// few KB, the balancer XML a few KB per worker.
const maxStatusBody = 1 << 20

// statusScraper reads mod_status's ?auto page: the server's counters for
// its row, and every worker busy as gateway-limits evidence (the next
// connection waits in the listen backlog: MaxRequestWorkers).
type statusScraper struct {
	url, shown string
	client     *statuspage.Client
}

func newStatusScraper(u string) *statusScraper {
	if !strings.Contains(u, "?") {
		u += "?auto"
	} else if !strings.Contains(u, "auto") {
		u += "&auto"
	}
	return &statusScraper{url: u, shown: statuspage.Shown(u), client: statuspage.New("apache mod_status", statuspage.Options{MaxBody: maxStatusBody})}
}

func (s *statusScraper) Source() string { return "server_status" }
func (s *statusScraper) Target() string { return s.shown }

func (s *statusScraper) Scrape(ctx context.Context, sink feed.Sink) (map[string]float64, error) {
	resp, err := s.client.Get(ctx, s.url)
	if err != nil {
		return nil, err
	}
	switch {
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		return nil, resp.Refused("the status page refused gwtop: allow it (`Require local` or `Require ip 127.0.0.1` in its <Location>)")
	case resp.StatusCode != http.StatusOK:
		return nil, resp.NotOK("with mod_status's ?auto text (SetHandler server-status)")
	}
	st, err := ParseStatusAuto(resp.Body)
	if err != nil {
		return nil, resp.Errorf("%v", err)
	}
	if ev := st.LimitEvidence(); ev != "" {
		sink.GatewayLimit("server_status", ev, 1)
	}
	return st.Counters, nil
}

// balancerScraper reads the balancer-manager's XML: each worker's state
// (Err, Dis, Stop, health check failed) for its row, and a balancer with no
// usable worker as no_live_upstreams.
type balancerScraper struct {
	url, shown string
	client     *statuspage.Client
}

func newBalancerScraper(u string) *balancerScraper {
	if !strings.Contains(u, "xml") {
		if strings.Contains(u, "?") {
			u += "&xml=1"
		} else {
			u += "?xml=1"
		}
	}
	// Without a Referer from its own page the balancer-manager serves
	// HTML and logs AH10187 (its CSRF check).
	return &balancerScraper{url: u, shown: statuspage.Shown(u),
		client: statuspage.New("apache balancer-manager", statuspage.Options{MaxBody: maxStatusBody, SelfReferer: true})}
}

func (b *balancerScraper) Source() string { return "balancer_manager" }
func (b *balancerScraper) Target() string { return b.shown }

func (b *balancerScraper) Scrape(ctx context.Context, sink feed.Sink) (map[string]float64, error) {
	resp, err := b.client.Get(ctx, b.url)
	if err != nil {
		return nil, err
	}
	switch {
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		return nil, resp.Refused("the balancer-manager refused gwtop: allow it (`Require local`) in its <Location>")
	case resp.StatusCode != http.StatusOK:
		return nil, resp.NotOK("with the balancer-manager page (SetHandler balancer-manager)")
	}
	workers, err := ParseBalancerXML(resp.Body)
	if err != nil {
		return nil, resp.Errorf("%v", err)
	}
	usable := map[string]int{}
	seen := map[string]bool{}
	down := 0
	for _, w := range workers {
		if w.Addr == "" {
			continue
		}
		group := w.Balancer // "balancer://pool", as routes and messages name it
		sink.Label(w.Addr, w.Addr, group)
		isDown, why := w.Down()
		sink.SetServerStatus(w.Addr, isDown, why)
		seen[group] = true
		if isDown {
			down++
		} else {
			usable[group]++
		}
	}
	for group := range seen {
		if usable[group] == 0 {
			// Apache tries none of them: every request to the balancer
			// fails until a worker recovers (their own rows say why).
			why := fmt.Sprintf("balancer-manager: no usable worker in %s", group)
			sink.SetServerStatus(group, true, why)
			sink.ObserveFailure(feed.Failure{Time: time.Now(), Addr: group, Cause: model.CauseNoLiveUpstreams, Source: "status", Line: why})
		}
	}
	return map[string]float64{"balancers": float64(len(seen)), "workers": float64(len(workers)), "workers_down": float64(down)}, nil
}
