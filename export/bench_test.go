package export

import (
	"fmt"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/gwtop/gwtop/model"
)

// BigSnapshot is n upstreams as a busy agent has them: classes, a
// 200-bin latency sketch, a cause with a root, a probe, the exported
// maximum of routes.
func BigSnapshot(n int) *model.Snapshot {
	s := &model.Snapshot{Time: t0, Started: t0.Add(-time.Hour),
		Host: model.Host{CPUPercent: 30, TCPStates: map[string]int{"ESTABLISHED": 100, "TIME_WAIT": 900}, EphemeralPorts: 28232}}
	for i := range n {
		u := model.Upstream{Name: fmt.Sprintf("svc-%04d", i), Address: fmt.Sprintf("10.0.%d.%d:8080", i/250, i%250), Gateway: "nginx",
			Group: fmt.Sprintf("pool-%02d", i%40), State: model.StateUp, Requests: 3000, ReqPerSec: 10, Rate5xx: 0.01, Errors5xx: 30,
			LatencyMS: model.Latency{P50: 12, P95: 80, P99: 200, Count: 3000},
			Total:     model.Window{Requests: 36000, Errors5xx: 360, Classes: model.StatusClasses{2: 35000, 4: 640, 5: 360}},
			Causes: []model.CauseRank{{Code: model.CauseUpstream5xx, Count: 30, Total: 360,
				Roots: []model.Root{{Code: model.RootAppException, Count: 12}}}},
			Probe: &model.ProbeResult{OK: true, Status: 200, Phases: model.Phases{Connect: 0.3, TTFB: 11, Total: 12}}}
		for r := range RoutesExported {
			u.Routes = append(u.Routes, model.Route{Route: fmt.Sprintf("/api/v1/resource-%d/:id", r), Host: "api.example.com", Requests: 900, Errors5xx: 9})
		}
		for b := range 200 {
			u.LatencyBins = append(u.LatencyBins, model.LatencyBin{MS: 1 * pow102(b), Count: uint64(1 + b%17)})
		}
		s.Upstreams = append(s.Upstreams, u)
	}
	return s
}

func pow102(n int) float64 {
	v := 1.0
	for range n {
		v *= 1.0202
	}
	return v
}

// BenchmarkScrape1000 is one /metrics scrape of an agent with 1,000
// upstreams, in the text format Prometheus asks for by default.
func BenchmarkScrape1000(b *testing.B) {
	s := BigSnapshot(1000)
	reg := prometheus.NewRegistry()
	reg.MustRegister(New(func() *model.Snapshot { return s }, "bench"))
	h := promhttp.HandlerFor(reg, promhttp.HandlerOpts{EnableOpenMetrics: true})
	var size int
	b.ReportAllocs()
	for b.Loop() {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
		if rec.Code != 200 {
			b.Fatal(rec.Code)
		}
		size = rec.Body.Len()
	}
	b.ReportMetric(float64(size), "body_bytes")
	b.ReportMetric(float64(size)/1000, "bytes/upstream")
	// What Prometheus receives: it asks for gzip.
	rec := httptest.NewRecorder()
	req := httptest.NewRequest("GET", "/metrics", nil)
	req.Header.Set("Accept-Encoding", "gzip")
	h.ServeHTTP(rec, req)
	if rec.Header().Get("Content-Encoding") != "gzip" {
		b.Fatal("no gzip")
	}
	b.ReportMetric(float64(rec.Body.Len()), "gzip_bytes")
}
