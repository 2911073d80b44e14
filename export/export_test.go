package export

import (
	"bytes"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"

	"github.com/gwtop/gwtop/model"
)

var t0 = time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)

// fixture is a snapshot of two upstreams (one failing with a cause and a
// root, one healthy and probed), a log and a status page whose URL holds
// credentials.
func fixture() *model.Snapshot {
	return &model.Snapshot{
		Time: t0.Add(time.Minute), Started: t0,
		Host: model.Host{CPUPercent: 25, MemPercent: 50, MemUsedBytes: 1 << 30, MemTotalBytes: 2 << 30, Load1: 0.5,
			TCPStates: map[string]int{"ESTABLISHED": 10, "TIME_WAIT": 2820}, EphemeralPorts: 28232},
		Gateways: []model.Gateway{
			{Kind: "nginx", Gateway: "nginx", Source: "access_log", Target: "/var/log/nginx/access.log", OK: true,
				Counters: map[string]float64{"lines": 120, "parsed": 100, "skipped": 15, "other": 5}},
			{Kind: "haproxy", Gateway: "haproxy", Source: "stats", Target: "http://admin:Sup3rS3cretPw@127.0.0.1:8404/stats;csv", OK: false, Error: "connection refused", ScrapeMS: 12.5},
		},
		Upstreams: []model.Upstream{
			{Name: "api", Address: "127.0.0.1:8001", Gateway: "nginx", Group: "backend", State: model.StateDown,
				Requests: 40, Errors5xx: 30, Rate5xx: 0.75, ReqPerSec: 0.5, LatencyMS: model.Latency{P50: 2, P95: 40, P99: 2000, Count: 16},
				Total: model.Window{Requests: 50, Errors5xx: 35, Classes: model.StatusClasses{2: 15, 5: 35}},
				Causes: []model.CauseRank{{Code: model.CauseRefused, Count: 30, Total: 35,
					Roots: []model.Root{{Code: model.RootNotRunning, Count: 3}}}},
				LatencyBins: []model.LatencyBin{{MS: 0, Count: 2}, {MS: 3, Count: 10}, {MS: 40, Count: 5}, {MS: 2000, Count: 1}},
				Routes: []model.Route{
					{Route: "/pay/:id", Host: "shop.example", Requests: 30, Errors5xx: 25},
					{Route: "/reset?access_token=Qm8wZ3hKc2VjcmV0", Requests: 9, Errors5xx: 5},
					{Route: "/a", Requests: 5}, {Route: "/b", Requests: 4}, {Route: "/c", Requests: 3},
					{Route: "/d", Requests: 2}, {Route: model.RouteOther, Requests: 1},
				},
			},
			{Name: "web token=Zq9xV7mK2pL4", Address: "10.0.0.2:80", Gateway: "nginx", State: model.StateUp,
				Total:  model.Window{Requests: 7, Classes: model.StatusClasses{2: 7}},
				Probe:  &model.ProbeResult{OK: true, Status: 200, Phases: model.Phases{Connect: 1.5, TTFB: 3, Total: 5}},
				Causes: nil,
			},
		},
	}
}

func gather(t *testing.T, s *model.Snapshot) []*dto.MetricFamily {
	t.Helper()
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(New(func() *model.Snapshot { return s }, "1.2.3"))
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	return mfs
}

func exposition(t *testing.T, mfs []*dto.MetricFamily, f expfmt.Format) string {
	t.Helper()
	var b bytes.Buffer
	enc := expfmt.NewEncoder(&b, f)
	for _, mf := range mfs {
		if err := enc.Encode(mf); err != nil {
			t.Fatal(err)
		}
	}
	if c, ok := enc.(expfmt.Closer); ok {
		_ = c.Close()
	}
	return b.String()
}

// value finds one series' value by name and label subset.
func value(t *testing.T, mfs []*dto.MetricFamily, name string, labels map[string]string) float64 {
	t.Helper()
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
	next:
		for _, m := range mf.Metric {
			have := map[string]string{}
			for _, lp := range m.Label {
				have[lp.GetName()] = lp.GetValue()
			}
			for k, v := range labels {
				if have[k] != v {
					continue next
				}
			}
			switch {
			case m.Gauge != nil:
				return m.Gauge.GetValue()
			case m.Counter != nil:
				return m.Counter.GetValue()
			}
		}
	}
	t.Fatalf("no series %s%v", name, labels)
	return 0
}

func TestMetricValues(t *testing.T) {
	mfs := gather(t, fixture())
	api := map[string]string{"upstream": "api", "address": "127.0.0.1:8001", "group": "backend", "gateway": "nginx"}
	with := func(k, v string) map[string]string {
		m := map[string]string{k: v}
		for a, b := range api {
			m[a] = b
		}
		return m
	}
	for _, c := range []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"gwtop_upstream_requests_total", with("class", "5xx"), 35},
		{"gwtop_upstream_requests_total", with("class", "2xx"), 15},
		{"gwtop_upstream_requests_total", with("class", "4xx"), 0},
		{"gwtop_upstream_errors_5xx_total", api, 35},
		{"gwtop_upstream_state", with("state", "down"), 1},
		{"gwtop_upstream_state", with("state", "up"), 0},
		{"gwtop_upstream_failures_total", with("cause", "refused"), 35},
		{"gwtop_upstream_cause_failures_5m", with("cause", "refused"), 30},
		{"gwtop_upstream_root_occurrences", map[string]string{"upstream": "api", "cause": "refused", "root": "not_running"}, 3},
		{"gwtop_upstream_5xx_ratio", api, 0.75},
		{"gwtop_probe_phase_duration_seconds", map[string]string{"address": "10.0.0.2:80", "phase": "ttfb"}, 0.003},
		{"gwtop_probe_success", map[string]string{"address": "10.0.0.2:80"}, 1},
		{"gwtop_source_up", map[string]string{"source": "access_log"}, 1},
		{"gwtop_source_up", map[string]string{"source": "stats"}, 0},
		{"gwtop_source_scrape_duration_seconds", map[string]string{"source": "stats"}, 0.0125},
		{"gwtop_source_lines_total", map[string]string{"source": "access_log", "result": "skipped"}, 15},
		{"gwtop_upstream_route_requests_total", map[string]string{"upstream": "api", "route": "/pay/:id", "vhost": "shop.example"}, 30},
		{"gwtop_upstream_route_errors_5xx_total", map[string]string{"upstream": "api", "route": "/pay/:id"}, 25},
		{"gwtop_upstream_route_requests_total", map[string]string{"upstream": "api", "route": "/c", "vhost": ""}, 3},
		{"gwtop_host_cpu_utilization_ratio", nil, 0.25},
		{"gwtop_host_time_wait_ports_ratio", nil, 2820.0 / 28232},
		{"gwtop_host_tcp_connections", map[string]string{"state": "TIME_WAIT"}, 2820},
	} {
		if got := value(t, mfs, c.name, c.labels); math.Abs(got-c.want) > 1e-9 {
			t.Errorf("%s%v = %v, want %v", c.name, c.labels, got, c.want)
		}
	}
}

func TestSummaryQuantiles(t *testing.T) {
	for _, mf := range gather(t, fixture()) {
		if mf.GetName() != "gwtop_upstream_latency_5m_seconds" {
			continue
		}
		if len(mf.Metric) != 1 { // the web row has no latency
			t.Fatalf("%d series", len(mf.Metric))
		}
		sm := mf.Metric[0].Summary
		got := map[float64]float64{}
		for _, q := range sm.Quantile {
			got[q.GetQuantile()] = q.GetValue()
		}
		if got[0.5] != 0.002 || got[0.95] != 0.04 || got[0.99] != 2 || sm.GetSampleCount() != 18 {
			t.Errorf("quantiles %v count %d", got, sm.GetSampleCount())
		}
		return
	}
	t.Fatal("no gwtop_upstream_latency_5m_seconds")
}

// Only the worst RoutesExported routes of an upstream become series.
func TestRoutesBounded(t *testing.T) {
	for _, mf := range gather(t, fixture()) {
		if mf.GetName() == "gwtop_upstream_route_requests_total" {
			if len(mf.Metric) != RoutesExported {
				t.Errorf("%d route series, want %d", len(mf.Metric), RoutesExported)
			}
			for _, m := range mf.Metric {
				for _, lp := range m.Label {
					if lp.GetName() == "route" && (lp.GetValue() == "/d" || lp.GetValue() == model.RouteOther) {
						t.Errorf("route %s exported beyond the top %d", lp.GetValue(), RoutesExported)
					}
				}
			}
			return
		}
	}
	t.Fatal("no route series")
}

func TestHistogramBuckets(t *testing.T) {
	mfs := gather(t, fixture())
	var h *dto.Histogram
	for _, mf := range mfs {
		if mf.GetName() == "gwtop_upstream_request_duration_seconds" {
			for _, m := range mf.Metric {
				for _, lp := range m.Label {
					if lp.GetName() == "upstream" && lp.GetValue() == "api" {
						h = m.Histogram
					}
				}
			}
		}
	}
	if h == nil {
		t.Fatal("no histogram for api")
	}
	if h.GetSampleCount() != 18 {
		t.Errorf("count %d, want 18", h.GetSampleCount())
	}
	if want := (10*3 + 5*40 + 2000) / 1000.0; math.Abs(h.GetSampleSum()-want) > 1e-9 {
		t.Errorf("sum %v, want %v", h.GetSampleSum(), want)
	}
	wantCum := map[float64]uint64{0.001: 2, 0.0025: 2, 0.005: 12, 0.025: 12, 0.05: 17, 1: 17, 2.5: 18, 60: 18}
	for _, b := range h.Bucket {
		if w, ok := wantCum[b.GetUpperBound()]; ok && b.GetCumulativeCount() != w {
			t.Errorf("le=%v: %d, want %d", b.GetUpperBound(), b.GetCumulativeCount(), w)
		}
	}
	// The native part decodes back to the bins' counts in the buckets
	// holding 3 ms, 40 ms and 2 s.
	if h.GetSchema() != NativeSchema || h.GetZeroCount() != 2 {
		t.Fatalf("schema %d zero %d", h.GetSchema(), h.GetZeroCount())
	}
	got := map[int32]int64{}
	var k int32
	var c int64
	di := 0
	for _, sp := range h.PositiveSpan {
		k += sp.GetOffset()
		for range sp.GetLength() {
			c += h.PositiveDelta[di]
			di++
			got[k] = c
			k++
		}
	}
	want := map[int32]int64{nativeIndex(0.003): 10, nativeIndex(0.04): 5, nativeIndex(2): 1}
	if len(got) != len(want) {
		t.Fatalf("native buckets %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("native bucket %d: %d, want %d", k, got[k], v)
		}
	}
	for _, v := range []float64{0.003, 0.04, 2} {
		i := float64(nativeIndex(v))
		if lo, hi := math.Exp2((i-1)/(1<<NativeSchema)), math.Exp2(i/(1<<NativeSchema)); v <= lo || v > hi {
			t.Errorf("%v not in native bucket (%v, %v]", v, lo, hi)
		}
	}
}

func TestSpansWithGaps(t *testing.T) {
	sp, d := spans([]int32{-3, -2, 5, 6, 7, 10}, []int64{1, 4, 2, 2, 9, 1})
	var got []string
	for _, s := range sp {
		got = append(got, fmt.Sprintf("%d:%d", s.GetOffset(), s.GetLength()))
	}
	if strings.Join(got, " ") != "-3:2 6:3 2:1" {
		t.Errorf("spans %v", got)
	}
	wantD := []int64{1, 3, -2, 0, 7, -8}
	for i := range wantD {
		if d[i] != wantD[i] {
			t.Fatalf("deltas %v, want %v", d, wantD)
		}
	}
}

func TestNoSecretInExposition(t *testing.T) {
	mfs := gather(t, fixture())
	for _, f := range []expfmt.Format{expfmt.NewFormat(expfmt.TypeTextPlain), expfmt.NewFormat(expfmt.TypeOpenMetrics)} {
		out := exposition(t, mfs, f)
		for _, secret := range []string{"Sup3rS3cretPw", "Zq9xV7mK2pL4", "Qm8wZ3hKc2VjcmV0"} {
			if strings.Contains(out, secret) {
				t.Errorf("%s exposition holds the secret %q", f, secret)
			}
		}
		if !strings.Contains(out, `target="http://admin:`) || !strings.Contains(out, `@127.0.0.1:8404/stats;csv"`) {
			t.Errorf("the stats target is not shown redacted:\n%s", grepLines(out, "source_up"))
		}
	}
}

func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

func TestLabelValueBounded(t *testing.T) {
	long := strings.Repeat("é", 300) + "\x1b[31m"
	v := labelValue(long)
	if len(v) > maxLabel+len("…") || strings.ContainsRune(v, 0x1b) {
		t.Errorf("label value %d bytes: %q", len(v), v)
	}
	if got := labelValue("bad\xffutf8\nline"); got != "bad\uFFFDutf8 line" {
		t.Errorf("got %q", got)
	}
}

// Two rows sanitising to the same labels do not fail the scrape.
func TestDuplicateRowsKeepScrapeValid(t *testing.T) {
	s := fixture()
	dup := s.Upstreams[0]
	s.Upstreams = append(s.Upstreams, dup)
	s.Gateways = append(s.Gateways, s.Gateways[0])
	gather(t, s) // a duplicate series would fail Gather
}

func TestNilSnapshot(t *testing.T) {
	mfs := gather(t, nil)
	if len(mfs) != 1 || mfs[0].GetName() != "gwtop_build_info" {
		t.Errorf("got %d families", len(mfs))
	}
}

// promtool, Prometheus' own linter, finds nothing to say about the
// exposition (make deps installs it with Debian's prometheus package).
func TestPromtoolCheckMetrics(t *testing.T) {
	out := exposition(t, gather(t, fixture()), expfmt.NewFormat(expfmt.TypeTextPlain))
	cmd := exec.Command("promtool", "check", "metrics")
	cmd.Stdin = strings.NewReader(out)
	res, err := cmd.CombinedOutput()
	if err != nil || len(bytes.TrimSpace(res)) > 0 {
		t.Fatalf("promtool check metrics: %v\n%s", err, res)
	}
}

// A scraper that asks for protobuf gets the native histogram; one that
// asks for OpenMetrics gets text with the classic buckets.
func TestNegotiation(t *testing.T) {
	reg := prometheus.NewRegistry()
	s := fixture()
	reg.MustRegister(New(func() *model.Snapshot { return s }, "test"))
	srv := httptest.NewServer(promhttp.HandlerFor(reg, promhttp.HandlerOpts{EnableOpenMetrics: true}))
	defer srv.Close()
	get := func(accept string) (*http.Response, []byte) {
		req, _ := http.NewRequest("GET", srv.URL, nil)
		req.Header.Set("Accept", accept)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var b bytes.Buffer
		_, _ = b.ReadFrom(resp.Body)
		return resp, b.Bytes()
	}
	resp, body := get("application/openmetrics-text;version=1.0.0")
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/openmetrics-text") {
		t.Errorf("content type %q", ct)
	}
	if !bytes.Contains(body, []byte(`gwtop_upstream_request_duration_seconds_bucket{address="127.0.0.1:8001",gateway="nginx",group="backend",upstream="api",le="0.005"} 12`)) || !bytes.HasSuffix(body, []byte("# EOF\n")) {
		t.Errorf("OpenMetrics body:\n%s", grepLines(string(body), "duration_seconds_bucket"))
	}
	resp, body = get(`application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited`)
	dec := expfmt.NewDecoder(bytes.NewReader(body), expfmt.ResponseFormat(resp.Header))
	found := false
	for {
		var mf dto.MetricFamily
		if err := dec.Decode(&mf); err != nil {
			break
		}
		if mf.GetName() == "gwtop_upstream_request_duration_seconds" {
			for _, m := range mf.Metric {
				if len(m.Histogram.PositiveSpan) > 0 && m.Histogram.GetSchema() == NativeSchema && len(m.Histogram.Bucket) == len(Buckets) {
					found = true
				}
			}
		}
	}
	if !found {
		t.Error("no native+classic histogram in the protobuf exposition")
	}
}
