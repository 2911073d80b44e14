package nginx

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/gwtop/gwtop/redact"

	"github.com/gwtop/gwtop/collector/feed"
	"github.com/gwtop/gwtop/collector/statuspage"
)

// maxStatusBody caps what is read of a status page: stub_status is ~100
// bytes, and a misconfigured URL could point at anything.
const maxStatusBody = 256 << 10

// stubScraper reads nginx's stub_status page, turns its counters into rates,
// and reports dropped connections (accepts − handled growing) as evidence of
// gateway limits.
type stubScraper struct {
	url, shown string
	client     *statuspage.Client
	prev       StubStatus
	prevAt     time.Time
	have       bool
}

func newStubScraper(url string) *stubScraper {
	// Basic auth comes from the URL's userinfo, which statuspage sends as
	// a header and keeps out of errors.
	return &stubScraper{url: url, shown: redact.String(url),
		client: statuspage.New("stub_status", statuspage.Options{MaxBody: maxStatusBody})}
}

// Source names the page's row in the snapshot's gateways.
func (s *stubScraper) Source() string { return "stub_status" }

// Target is the page's URL without credentials.
func (s *stubScraper) Target() string { return s.shown }

// Scrape reads the page once. It keeps the previous reading to compute rates,
// so one stubScraper serves one loop.
func (s *stubScraper) Scrape(ctx context.Context, sink feed.Sink) (map[string]float64, error) {
	st, err := s.fetch(ctx)
	if err != nil || ctx.Err() != nil {
		return nil, err
	}
	now := time.Now()
	counters := map[string]float64{
		"active": float64(st.Active), "reading": float64(st.Reading), "writing": float64(st.Writing),
		"waiting": float64(st.Waiting), "accepts": float64(st.Accepts), "handled": float64(st.Handled),
		"requests": float64(st.Requests), "dropped": float64(st.Accepts - st.Handled),
	}
	// A counter going backwards means nginx restarted: start over.
	if s.have && st.Accepts >= s.prev.Accepts && st.Requests >= s.prev.Requests {
		dt := now.Sub(s.prevAt).Seconds()
		if dt > 0 {
			counters["requests_per_sec"] = float64(st.Requests-s.prev.Requests) / dt
			counters["accepts_per_sec"] = float64(st.Accepts-s.prev.Accepts) / dt
		}
		if d := (st.Accepts - st.Handled) - (s.prev.Accepts - s.prev.Handled); d > 0 {
			sink.GatewayLimit("stub_status", fmt.Sprintf("nginx stub_status: %d connections dropped (accepts − handled) since the last scrape — worker_connections or fd limit", d), d)
		}
	}
	s.prev, s.prevAt, s.have = st, now, true
	return counters, nil
}

func (s *stubScraper) fetch(ctx context.Context) (StubStatus, error) {
	resp, err := s.client.Get(ctx, s.url)
	if err != nil {
		return StubStatus{}, err
	}
	switch {
	case resp.StatusCode == http.StatusUnauthorized:
		return StubStatus{}, resp.Refused("check the user and password in nginx.status_url (http://user:password@host/path)")
	case resp.StatusCode != http.StatusOK:
		return StubStatus{}, resp.NotOK("with nginx's stub_status text")
	case statuspage.IsHTML(resp):
		// A web page where the counters were expected: the location
		// lacks "stub_status;", or the URL names another page.
		return StubStatus{}, resp.Errorf("answered an HTML page, not nginx's stub_status text (\"Active connections: …\") — point nginx.status_url at the location with \"stub_status;\"")
	}
	st, err := ParseStubStatus(resp.Body)
	if err != nil {
		return StubStatus{}, fmt.Errorf("%s: %w", s.shown, err)
	}
	return st, nil
}
