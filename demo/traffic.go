package demo

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sync"
	"time"
)

// maxInFlight bounds the generator's concurrent requests, so a slow upstream
// costs dropped ticks rather than a pile of goroutines.
const maxInFlight = 32

// clientTimeout is the traffic clients' patience, longer than the gateway's
// own timeouts so the gateway, not the client, decides the outcome.
const clientTimeout = 5 * time.Second

// route is one kind of request the generator sends, with its share of traffic.
type route struct {
	weight int
	path   func(r *lockedRand) string
}

var searchTerms = []string{"blue shoes", "laptop", "coffee grinder", "usb-c cable", "tent", "desk lamp", "headphones", "yoga mat"}

var userAgents = []string{
	"Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
	"Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15",
	"curl/8.5.0",
	"okhttp/4.12.0",
	"python-requests/2.32.3",
}

var routes = []route{
	{25, func(r *lockedRand) string { return fmt.Sprintf("/users/%d", 1+r.intN(5000)) }},
	{10, func(r *lockedRand) string { return fmt.Sprintf("/users/%d/profile", 1+r.intN(5000)) }},
	{20, func(r *lockedRand) string { return fmt.Sprintf("/catalog/items?page=%d", 1+r.intN(40)) }},
	{15, func(r *lockedRand) string {
		return "/search?q=" + url.QueryEscape(searchTerms[r.intN(len(searchTerms))])
	}},
	{10, func(r *lockedRand) string { return fmt.Sprintf("/payments/charges/ch_%06d", r.intN(1000000)) }},
	{10, func(r *lockedRand) string { return fmt.Sprintf("/orders/%d", 100000+r.intN(900000)) }},
	{10, func(r *lockedRand) string { return fmt.Sprintf("/inventory/sku-%04d", r.intN(10000)) }},
	{8, func(r *lockedRand) string { return "/auth/session" }},
}

// traffic sends a steady stream of requests to the gateway.
type traffic struct {
	base   string // the gateway's front URL
	rate   int
	rnd    *lockedRand
	client *http.Client
	wg     sync.WaitGroup // requests in flight
}

func newTraffic(base string, rate int, rnd *lockedRand) *traffic {
	return &traffic{
		base: base,
		rate: rate,
		rnd:  rnd,
		client: &http.Client{
			Timeout: clientTimeout,
			// Keep-alive like real clients, so the gateway's stub_status
			// shows waiting connections; no proxy from the environment.
			Transport: &http.Transport{
				MaxIdleConnsPerHost: maxInFlight,
				IdleConnTimeout:     30 * time.Second,
				DisableCompression:  true,
			},
		},
	}
}

// run sends requests until ctx ends, then waits for those in flight.
func (t *traffic) run(ctx context.Context) {
	defer func() {
		t.wg.Wait()
		t.client.CloseIdleConnections()
	}()
	total := 0
	for _, r := range routes {
		total += r.weight
	}
	sem := make(chan struct{}, maxInFlight)
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		}
		// Exponential gaps (a Poisson stream) look like real traffic rather
		// than a metronome, and average to Rate per second.
		t.rnd.mu.Lock()
		gap := time.Duration(t.rnd.r.ExpFloat64() / float64(t.rate) * float64(time.Second))
		t.rnd.mu.Unlock()
		timer.Reset(gap)

		select {
		case sem <- struct{}{}:
		default:
			continue // saturated: skip this tick
		}
		path := pickRoute(t.rnd, total).path(t.rnd)
		ua := userAgents[t.rnd.intN(len(userAgents))]
		t.wg.Add(1)
		go func() {
			defer func() { <-sem; t.wg.Done() }()
			t.send(ctx, path, ua)
		}()
	}
}

func pickRoute(r *lockedRand, total int) route {
	n := r.intN(total)
	for _, rt := range routes {
		if n < rt.weight {
			return rt
		}
		n -= rt.weight
	}
	return routes[0]
}

func (t *traffic) send(ctx context.Context, path, ua string) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, t.base+path, nil)
	if err != nil {
		return
	}
	req.Header.Set("User-Agent", ua)
	req.Header.Set("Accept", "application/json")
	resp, err := t.client.Do(req)
	if err != nil {
		return
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
}
