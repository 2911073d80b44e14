package fleet

import (
	"context"
	"math"
	"strings"
	"testing"
	"time"

	pmodel "github.com/prometheus/common/model"

	"github.com/gwtop/gwtop/internal/faults"
	"github.com/gwtop/gwtop/model"
)

func sample(v float64, kv ...string) *pmodel.Sample {
	m := pmodel.Metric{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[pmodel.LabelName(kv[i])] = pmodel.LabelValue(kv[i+1])
	}
	return &pmodel.Sample{Metric: m, Value: pmodel.SampleValue(v)}
}

// build: a down agent's upstreams are unknown with their last state in
// the reason, causes rank by their 5-minute count, a cause with none in 5
// minutes is left out, roots attach to their cause.
func TestBuild(t *testing.T) {
	up := func(inst string, v float64) *pmodel.Sample { return sample(v, "instance", inst, "job", "gwtop") }
	u := func(inst, name string, kv ...string) []string {
		return append([]string{"instance", inst, "upstream", name, "address", "10.0.0.1:80", "gateway", "nginx", "group", "g"}, kv...)
	}
	res := []pmodel.Vector{
		{up("a:9922", 1), up("b:9922", 0)},
		{sample(1, u("a:9922", "api", "state", "down")...), sample(1, u("b:9922", "api", "state", "down")...)},
		{sample(0.5, u("a:9922", "api", "__name__", "gwtop_upstream_5xx_ratio")...),
			sample(0.08, u("a:9922", "api", "__name__", "gwtop_upstream_latency_5m_seconds", "quantile", "0.95")...),
			sample(100, u("a:9922", "api", "__name__", "gwtop_upstream_requests_5m")...)},
		{sample(5, u("a:9922", "api", "__name__", "gwtop_upstream_cause_failures_5m", "cause", "reset")...),
			sample(40, u("a:9922", "api", "__name__", "gwtop_upstream_cause_failures_5m", "cause", "refused")...),
			sample(90, u("a:9922", "api", "__name__", "gwtop_upstream_failures_total", "cause", "refused")...),
			sample(0, u("a:9922", "api", "__name__", "gwtop_upstream_cause_failures_5m", "cause", "tls")...),
			sample(3, u("a:9922", "api", "__name__", "gwtop_upstream_root_occurrences", "cause", "refused", "root", "not_running")...),
			sample(3, u("a:9922", "api", "__name__", "gwtop_upstream_cause_failures_5m", "cause", "bogus")...)},
		{sample(0.9, "__name__", "gwtop_host_cpu_utilization_ratio", "instance", "a:9922"), sample(0.2, "__name__", "gwtop_host_cpu_utilization_ratio", "instance", "b:9922")},
		// The fleet-wide latency; Prometheus' NaN (no traffic) is no figure.
		{sample(0.012, "q", "0.5"), sample(0.25, "q", "0.95"), sample(math.NaN(), "q", "0.99"), sample(1234, "q", "count")},
	}
	s := build(time.Unix(0, 0), res, nil)
	if l := s.LatencyMS; l.P50 != 12 || l.P95 != 250 || l.P99 != 0 || l.Count != 1234 {
		t.Errorf("fleet latency %+v", l)
	}
	if len(s.Upstreams) != 2 {
		t.Fatalf("%d upstreams", len(s.Upstreams))
	}
	a, b := s.Upstreams[0], s.Upstreams[1]
	if a.Instance != "a:9922" || a.State != model.StateDown || a.Rate5xx != 0.5 || a.LatencyMS.P95 != 80 || a.Requests != 100 {
		t.Errorf("a: %+v", a)
	}
	if len(a.Causes) != 2 || a.Causes[0].Code != model.CauseRefused || a.Causes[0].Total != 90 || a.Causes[1].Code != model.CauseReset {
		t.Fatalf("a causes: %+v", a.Causes)
	}
	if c := a.Causes[0]; c.Hint == "" || !strings.HasPrefix(c.NextStep, "on a: ") {
		t.Errorf("hint %q next %q", c.Hint, c.NextStep)
	}
	if r := a.Causes[0].Roots; len(r) != 1 || r[0].Code != model.RootNotRunning || r[0].Count != 3 {
		t.Errorf("roots %+v", r)
	}
	if b.Instance != "b:9922" || b.State != model.StateUnknown || b.StateReason == "" {
		t.Errorf("b (agent down): %+v", b)
	}
	var downRow bool
	for _, g := range s.Gateways {
		if g.Target == "b:9922" && !g.OK && g.Error != "" {
			downRow = true
		}
	}
	if !downRow || s.Host.CPUPercent != 90 {
		t.Errorf("gateways %+v host %+v", s.Gateways, s.Host)
	}
}

func TestNewRejects(t *testing.T) {
	for _, u := range []string{"", "ftp://x", "http://", "::"} {
		if _, err := New(Options{URL: u}); err == nil {
			t.Errorf("%q accepted", u)
		}
	}
	s, err := New(Options{URL: "http://user:secretpw@127.0.0.1:9090"})
	if err != nil {
		t.Fatal(err)
	}
	if s.target != "http://127.0.0.1:9090" || s.opt.Password != "secretpw" {
		t.Errorf("target %q", s.target)
	}
}

func TestBound(t *testing.T) {
	s := &model.Snapshot{Upstreams: []model.Upstream{{Name: "a", State: model.StateDown}, {Name: "b"}, {Name: "c"}}}
	if n := bound(s, 2); n != 1 || len(s.Upstreams) != 2 || s.Upstreams[0].Name != "a" {
		t.Errorf("dropped %d, kept %v", n, s.Upstreams)
	}
	if n := bound(s, 5); n != 0 || len(s.Upstreams) != 2 {
		t.Errorf("dropped %d under the bound", n)
	}
}

// A Prometheus that accepts and never answers costs one timeout, then is
// a failed row.
func TestRefreshTimeout(t *testing.T) {
	hole := faults.Start(t, faults.Blackhole)
	s, err := New(Options{URL: "http://" + hole.Addr, Timeout: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	snap := s.Refresh(context.Background())
	if row := snap.Gateways[0]; row.OK || !(strings.Contains(row.Error, "deadline exceeded") || strings.Contains(row.Error, "timeout")) || len(snap.Upstreams) != 0 {
		t.Errorf("row %+v", row)
	}
	if s.Latest() != snap {
		t.Error("the refresh was not published")
	}
}
