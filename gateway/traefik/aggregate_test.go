package traefik_test

import (
	"testing"
	"time"

	"github.com/gwtop/gwtop/collector"
	"github.com/gwtop/gwtop/collector/feed/feedtest"
	"github.com/gwtop/gwtop/gateway/traefik"
	"github.com/gwtop/gwtop/gateway/traefik/traefiktest"
	"github.com/gwtop/gwtop/model"
)

// TestLogCausesThroughAggregator checks that the attempts the parser builds
// read as intended once the aggregator applies its own rules: the
// upstream's 500 is upstream_5xx, Traefik's 504 read_timeout, its 502 a 5xx
// with no cause, and "no available server" no_live_upstreams.
func TestLogCausesThroughAggregator(t *testing.T) {
	now := time.Now()
	agg := collector.NewAggregator(collector.AggregatorOptions{Clock: func() time.Time { return now }})
	p := traefik.NewLogParser()
	for _, l := range []string{traefiktest.AccessOK, traefiktest.Access500, traefiktest.Access502, traefiktest.Access504, traefiktest.Access503, traefiktest.Access404} {
		if err := p.Line([]byte(traefiktest.At(l, now.Add(-time.Second))), agg); err != nil {
			t.Fatal(err)
		}
	}
	byAddr := feedtest.UpstreamsByAddr(agg.Snapshot().Upstreams)
	for addr, want := range map[string]struct {
		cause model.Cause
		err5  int64
	}{
		"172.17.0.1:3000": {model.CauseUpstream5xx, 1},
		"10.0.0.2:443":    {model.CauseReadTimeout, 1},
		"127.0.0.1:9001":  {"", 1},
		"api@docker":      {model.CauseNoLiveUpstreams, 1},
	} {
		u, ok := byAddr[addr]
		if !ok {
			t.Errorf("%s missing", addr)
			continue
		}
		top := feedtest.TopCause(u)
		if top != want.cause || u.Errors5xx != want.err5 {
			t.Errorf("%s: top cause %q, 5xx %d; want %q, %d (%+v)", addr, top, u.Errors5xx, want.cause, want.err5, u.Causes)
		}
	}
}
