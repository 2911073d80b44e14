package envoy_test

import (
	"testing"
	"time"

	"github.com/gwtop/gwtop/collector"
	"github.com/gwtop/gwtop/collector/feed/feedtest"
	"github.com/gwtop/gwtop/gateway/envoy"
	"github.com/gwtop/gwtop/gateway/envoy/envoytest"
	"github.com/gwtop/gwtop/model"
)

// TestLogCausesThroughAggregator checks that the aggregator reads the
// parser's requests as meant: flags state the cause, and an unflagged 502
// from the upstream is the upstream's own.
func TestLogCausesThroughAggregator(t *testing.T) {
	now := time.Now()
	agg := collector.NewAggregator(collector.AggregatorOptions{Clock: func() time.Time { return now }})
	p, _ := envoy.NewLogParser("default")
	at := now.Add(-time.Second)
	for _, l := range []string{
		envoytest.DefaultLine(at, "503", "UF,URX", "10.0.3.7:8080"),
		envoytest.DefaultLine(at, "504", "UT", "10.0.3.8:8080"),
		envoytest.DefaultLine(at, "502", "-", "10.0.3.9:8080"),
		envoytest.DefaultLine(at, "503", "UH", "-"),
		envoytest.DefaultLine(at, "200", "-", "10.0.3.10:8080"),
	} {
		if err := p.Line([]byte(l), agg); err != nil {
			t.Fatal(err)
		}
	}
	byAddr := feedtest.UpstreamsByAddr(agg.Snapshot().Upstreams)
	for addr, want := range map[string]model.Cause{
		"10.0.3.7:8080":       model.CauseRefused,
		"10.0.3.8:8080":       model.CauseReadTimeout,
		"10.0.3.9:8080":       model.CauseUpstream5xx,
		collector.GatewayName: model.CauseNoLiveUpstreams,
		"10.0.3.10:8080":      "",
	} {
		u, ok := byAddr[addr]
		if !ok {
			t.Errorf("%s missing", addr)
			continue
		}
		top := feedtest.TopCause(u)
		if top != want {
			t.Errorf("%s: top cause %q, want %q", addr, top, want)
		}
	}
}
