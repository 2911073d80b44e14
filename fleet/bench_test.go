package fleet

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/gwtop/gwtop/internal/promtest"
	"github.com/gwtop/gwtop/model"
)

// agentSnapshot is one generated agent's 50 upstreams, a tenth down.
func agentSnapshot(n int) *model.Snapshot {
	now := time.Now()
	s := &model.Snapshot{Time: now, Started: now.Add(-time.Hour)}
	for i := range n {
		u := model.Upstream{Name: fmt.Sprintf("svc-%02d", i), Address: fmt.Sprintf("10.0.0.%d:8080", i), Gateway: "nginx", State: model.StateUp,
			Requests: 600, ReqPerSec: 2, LatencyMS: model.Latency{P50: 5, P95: 40, P99: 90, Count: 600},
			Total: model.Window{Requests: 7200, Classes: model.StatusClasses{2: 7200}}, Causes: []model.CauseRank{}}
		if i%10 == 0 {
			u.State, u.Rate5xx, u.Errors5xx = model.StateDown, 1, 600
			u.Causes = []model.CauseRank{{Code: model.CauseRefused, Count: 600, Total: 7200, Roots: []model.Root{{Code: model.RootNotRunning, Count: 1}}}}
		}
		s.Upstreams = append(s.Upstreams, u)
	}
	return s
}

// BenchmarkFleetRefresh20x50 is one fleet refresh (its six queries and
// the snapshot) against a real Prometheus scraping 20 generated agents of
// 50 upstreams each, served by export's collector.
func BenchmarkFleetRefresh20x50(b *testing.B) {
	p := promtest.Start(b, promtest.Options{Targets: startAgents(b, 20, 50)})
	src, err := New(Options{URL: p.URL, Timeout: 10 * time.Second})
	if err != nil {
		b.Fatal(err)
	}
	defer src.Close()
	deadline := time.Now().Add(60 * time.Second)
	for {
		s := src.Refresh(context.Background())
		if len(s.Upstreams) == 1000 && s.Gateways[0].OK {
			break
		}
		if time.Now().After(deadline) {
			b.Fatalf("%d upstreams: %+v", len(s.Upstreams), s.Gateways[0])
		}
		time.Sleep(500 * time.Millisecond)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if s := src.Refresh(context.Background()); len(s.Upstreams) != 1000 {
			b.Fatalf("%d upstreams", len(s.Upstreams))
		}
	}
	b.ReportMetric(Queries, "queries/refresh")
}
