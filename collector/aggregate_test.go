package collector

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gwtop/gwtop/collector/feed"
	"github.com/gwtop/gwtop/diagnose"
	"github.com/gwtop/gwtop/model"
)

type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time { return c.t }

func TestAggregatorMultiAttemptAndQuantiles(t *testing.T) {
	clk := &fakeClock{time.Date(2026, 11, 22, 3, 0, 5, 0, time.UTC)}
	a := NewAggregator(AggregatorOptions{Clock: clk.now,
		Names: map[string]Name{"10.0.0.2:80": {Name: "api", Group: "backend"}, "10.0.0.9:80": {Name: "idle"}}})
	for i := range 1000 {
		a.ObserveRequest(&feed.Request{Time: clk.t, Status: 200, Duration: 0.02, Attempts: []feed.Attempt{
			{Addr: "10.0.0.1:80", Status: 502, Connect: -1, Header: -1, Total: 0.001},
			{Addr: "10.0.0.2:80", Status: 200, Connect: 0.001, Header: 0.01, Total: float64(i+1) / 1000},
		}}, []byte("line"))
	}
	s := a.Snapshot()
	api, ok := s.Upstream("", "10.0.0.2:80")
	if !ok || api.Name != "api" || api.Group != "backend" || api.Requests != 1000 || api.Errors5xx != 0 {
		t.Errorf("api = %s %s req %d 5xx %d", api.Name, api.Group, api.Requests, api.Errors5xx)
	}
	// Latencies 1..1000 ms: quantiles within the sketch's 1 % (plus rounding).
	for _, c := range []struct{ got, want float64 }{{api.LatencyMS.P50, 500}, {api.LatencyMS.P95, 950}, {api.LatencyMS.P99, 990}} {
		if math.Abs(c.got-c.want)/c.want > 0.02 {
			t.Errorf("quantile %v, want about %v", c.got, c.want)
		}
	}
	bad, ok := s.Upstream("", "10.0.0.1:80")
	if !ok || bad.State != model.StateDown || bad.Rate5xx != 1 || len(bad.Causes) != 0 {
		t.Errorf("first attempt upstream: state %s rate %v causes %+v", bad.State, bad.Rate5xx, bad.Causes)
	}
	if api.State != model.StateUp {
		t.Errorf("api state %s (%s)", api.State, api.StateReason)
	}
	if idle, ok := s.Upstream("", "10.0.0.9:80"); !ok || idle.State != model.StateUnknown || idle.Name != "idle" {
		t.Errorf("named idle upstream: %+v", idle)
	}
	if s.Rate5xx != 0 || s.ReqPerSec <= 0 {
		t.Errorf("gateway rate %v req/s %v", s.Rate5xx, s.ReqPerSec)
	}
}

func TestAggregatorWindowsSlide(t *testing.T) {
	clk := &fakeClock{time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC)}
	a := NewAggregator(AggregatorOptions{Clock: clk.now})
	a.ObserveFailure(feed.Failure{Time: clk.t, Addr: "10.0.0.5:8080", Cause: model.CauseRefused, Source: "error_log", Line: "connect() failed (111: Connection refused)"})
	for range 10 {
		a.ObserveRequest(&feed.Request{Time: clk.t, Status: 502, Duration: 0, Attempts: []feed.Attempt{{Addr: "10.0.0.5:8080", Status: 502, Connect: -1, Header: -1, Total: 0}}}, nil)
	}
	u, ok := a.Snapshot().Upstream("", "10.0.0.5:8080")
	if !ok || u.State != model.StateDown || len(u.Causes) != 1 || u.Causes[0].Code != model.CauseRefused || u.Causes[0].Count != 1 {
		t.Fatalf("fresh: state %s causes %+v", u.State, u.Causes)
	}
	if u.Causes[0].Evidence == "" || u.Causes[0].Hint == "" {
		t.Errorf("cause lacks evidence or hint: %+v", u.Causes[0])
	}
	clk.t = clk.t.Add(2 * time.Minute)
	u, ok = a.Snapshot().Upstream("", "10.0.0.5:8080")
	if !ok || u.Window1m.Requests != 0 || u.Window5m.Requests != 10 || u.State != model.StateUp {
		t.Errorf("after 2m: 1m %d 5m %d state %s (%s)", u.Window1m.Requests, u.Window5m.Requests, u.State, u.StateReason)
	}
	clk.t = clk.t.Add(4 * time.Minute)
	s := a.Snapshot()
	u, ok = s.Upstream("", "10.0.0.5:8080")
	if !ok || len(u.Causes) == 0 || u.Requests != 0 || u.Total.Requests != 10 || u.Causes[0].Count != 0 || u.Causes[0].Total != 1 {
		t.Errorf("after 6m: 5m %d total %d causes %+v", u.Requests, u.Total.Requests, u.Causes)
	}
	if len(s.Events) < 1 || s.Events[0].From != model.StateDown || s.Events[0].To != model.StateUp {
		t.Errorf("events %+v", s.Events)
	}
}

func TestAggregatorProbeHistoryAndGatewayLimits(t *testing.T) {
	clk := &fakeClock{time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC)}
	a := NewAggregator(AggregatorOptions{Clock: clk.now})
	for i := range 100 {
		clk.t = clk.t.Add(time.Second)
		r := model.ProbeResult{Time: clk.t, OK: i%2 == 0, Target: "http://x/"}
		if !r.OK {
			r.Cause, r.Error = model.CauseReset, "read: connection reset by peer"
		}
		a.ObserveProbe("", "10.0.0.7:80", r)
	}
	a.ObserveRequest(&feed.Request{Time: clk.t, Status: 500, Attempts: []feed.Attempt{{Addr: "10.0.0.7:80", Status: 500, Header: 0.1, Total: 0.1, Cause: model.CauseUpstream5xx}}}, []byte("x 500"))
	a.GatewayLimit("status", "nginx dropped 3 connections (accepts − handled)", 3)
	u, ok := a.Snapshot().Upstream("", "10.0.0.7:80")
	if !ok || len(u.ProbeHistory) != probeHistory || u.Probe == nil || u.Probe.OK {
		t.Errorf("history %d last %+v", len(u.ProbeHistory), u.Probe)
	}
	codes := map[model.Cause]bool{}
	for _, c := range u.Causes {
		codes[c.Code] = true
	}
	if !codes[model.CauseReset] || !codes[model.CauseUpstream5xx] || !codes[model.CauseGatewayLimits] {
		t.Errorf("causes %+v", u.Causes)
	}
	if u.State != model.StateDegraded {
		t.Errorf("state %s %s", u.State, u.StateReason)
	}
}

func TestAggregatorLogClock(t *testing.T) {
	a := NewAggregator(AggregatorOptions{LogClock: true})
	old := time.Date(2020, 5, 7, 3, 15, 0, 0, time.UTC)
	for i := range 20 {
		a.ObserveRequest(&feed.Request{Time: old.Add(time.Duration(i) * time.Second), Status: 504,
			Attempts: []feed.Attempt{{Addr: "10.0.0.3:80", Status: 504, Connect: 0.001, Header: -1, Total: 60, Cause: model.CauseReadTimeout, Inferred: true}}}, []byte("504 line"))
	}
	s := a.Snapshot()
	u, ok := s.Upstream("", "10.0.0.3:80")
	if !ok || !s.Time.Equal(old.Add(19*time.Second)) || u.Requests != 20 || u.State != model.StateDown {
		t.Errorf("time %v requests %d state %s", s.Time, u.Requests, u.State)
	}
	if u.TopCause() != model.CauseReadTimeout {
		t.Errorf("causes %+v", u.Causes)
	}
}

// TestAggregatorMemoryBounded feeds many distinct addresses and many lines
// and checks the upstream count stays capped.
func TestAggregatorMemoryBounded(t *testing.T) {
	clk := &fakeClock{time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC)}
	a := NewAggregator(AggregatorOptions{Clock: clk.now})
	for i := range maxUpstreams + 500 {
		clk.t = clk.t.Add(time.Millisecond)
		a.ObserveFailure(feed.Failure{Time: clk.t, Addr: "host-" + itoa(i), Cause: model.CauseDNS, Source: "error_log", Line: "x"})
	}
	if n := len(a.ups); n > maxUpstreams {
		t.Fatalf("%d upstreams kept, cap %d", n, maxUpstreams)
	}
	if _, ok := a.ups[ukey{"", "host-0"}]; ok {
		t.Error("oldest upstream was not evicted")
	}
	runtime.GC()
}

// TestHotRowsForgetEvicted: a row evicted while the hot cache holds it is
// not found there again; the next line of its address starts a new row
// that a snapshot shows.
func TestHotRowsForgetEvicted(t *testing.T) {
	clk := &fakeClock{time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC)}
	a := NewAggregator(AggregatorOptions{Clock: clk.now})
	req := func(addr string, at time.Time) {
		a.ObserveRequest(&feed.Request{Time: at, Status: 200, Duration: 0.01, Attempts: []feed.Attempt{{Addr: addr, Status: 200, Total: 0.01}}}, nil)
	}
	for i := range maxUpstreams - 1 {
		req("10.9."+itoa(i), clk.t)
	}
	// The same string each time, as an interning parser hands it on: the
	// last row used, and the least recently seen (its line is old).
	victim := strings.Clone("10.0.0.1:80")
	req(victim, clk.t.Add(-time.Hour))
	if a.hot[hotSlot(victim)] == nil || a.hot[hotSlot(victim)].addr != victim {
		t.Fatal("the row just used is not in the hot cache")
	}
	req("10.0.0.2:80", clk.t) // one row too many: the oldest go
	if _, ok := a.ups[ukey{"", victim}]; ok {
		t.Fatal("the least recently seen row was not evicted")
	}
	req(victim, clk.t)
	u, ok := a.ups[ukey{"", victim}]
	if !ok || u.total.requests != 1 {
		t.Fatalf("after its eviction, the address's next line went to no row a snapshot shows (kept %v)", ok)
	}
	if r, ok := a.Snapshot().Upstream("", victim); !ok || r.Requests != 1 {
		t.Fatalf("snapshot: row %v, %+v", ok, r)
	}
}

func itoa(i int) string { return time.Duration(i).String() }

func BenchmarkObserveRequest(b *testing.B) {
	a := NewAggregator(AggregatorOptions{})
	r := &feed.Request{Status: 200, Duration: 0.02, Attempts: []feed.Attempt{{Addr: "10.0.0.1:80", Status: 200, Connect: 0.001, Header: 0.01, Total: 0.015}}}
	b.ReportAllocs()
	for b.Loop() {
		a.ObserveRequest(r, nil)
	}
}

// BenchmarkObserveRequest5xx: a 5xx line also keeps a copy of itself as
// the cause's latest evidence (one allocation).
func BenchmarkObserveRequest5xx(b *testing.B) {
	a := NewAggregator(AggregatorOptions{})
	line := []byte(`10.0.0.1 - - [22/Nov/2026:03:00:01 +0000] "GET /api/items/12345 HTTP/1.1" 500 157 "-" "Mozilla/5.0 (X11; Linux x86_64)" rt=0.020 uct="0.001" uht="0.019" urt="0.020" ua="10.0.0.1:80" us="500"`)
	r := &feed.Request{Status: 500, Duration: 0.02, Attempts: []feed.Attempt{{Addr: "10.0.0.1:80", Status: 500, Connect: 0.001, Header: 0.019, Total: 0.02}}}
	b.ReportAllocs()
	for b.Loop() {
		a.ObserveRequest(r, line)
	}
}

func BenchmarkSnapshot1000(b *testing.B) { benchSnapshot1000(b, AggregatorOptions{}) }

// benchSnapshot1000 rebuilds every row of 1,000 upstreams with 50 requests
// each, once per iteration.
func benchSnapshot1000(b *testing.B, o AggregatorOptions) {
	a := NewAggregator(o)
	for i := range 1000 {
		for j := range 50 {
			a.ObserveRequest(&feed.Request{Status: 200 + (j%10)*30, Duration: 0.02, Attempts: []feed.Attempt{
				{Addr: "10.0.0." + itoa(i), Status: 200 + (j%10)*30, Connect: 0.001, Header: 0.01, Total: float64(j) / 100}}}, []byte("l"))
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		for _, u := range a.ups {
			u.dirty = true
		}
		_ = a.Snapshot()
	}
}

func TestAggregatorCountersLabelsAndStatedCause(t *testing.T) {
	clk := &fakeClock{time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC)}
	a := NewAggregator(AggregatorOptions{Clock: clk.now, Names: map[string]Name{"10.0.0.2:80": {Name: "mine"}}})
	note := "HAProxy stats: averages of the last 1024 requests"
	a.ObserveCounters("haproxy", "10.0.0.1:80", feed.Counters{Requests: 1000, Classes: [6]int64{0, 0, 900, 0, 0, 100}})
	clk.t = clk.t.Add(time.Second)
	a.ObserveCounters("haproxy", "10.0.0.1:80", feed.Counters{Requests: 1010, Classes: [6]int64{0, 0, 905, 0, 0, 105}, AvgMS: map[string]float64{"total": 12}, Note: note})
	a.Label("10.0.0.1:80", "be/srv1", "be")
	a.Label("10.0.0.2:80", "be/srv2", "be") // named in config: config wins
	a.ObserveRequest(&feed.Request{Time: clk.t, Status: 503, Cause: model.CauseRefused,
		Attempts: []feed.Attempt{{Addr: "10.0.0.2:80", Status: 503, Connect: -1, Header: -1, Total: -1}}}, []byte("SC-- 503"))
	s := a.Snapshot()
	u, ok := s.Upstream("", "10.0.0.1:80")
	if !ok || u.Requests != 10 || u.Errors5xx != 5 || u.Name != "be/srv1" || u.Group != "be" || u.AvgMS["total"] != 12 || u.LatencyNote != note {
		t.Errorf("counters upstream: req %d 5xx %d name %s group %s avg %v note %q", u.Requests, u.Errors5xx, u.Name, u.Group, u.AvgMS, u.LatencyNote)
	}
	// A reload resets counters: no negative delta.
	a.ObserveCounters("haproxy", "10.0.0.1:80", feed.Counters{Requests: 3})
	if u, ok := a.Snapshot().Upstream("", "10.0.0.1:80"); !ok || u.Requests != 10 {
		t.Errorf("after reset: %d requests", u.Requests)
	}
	m, ok := s.Upstream("", "10.0.0.2:80")
	if !ok || m.Name != "mine" || len(m.Causes) != 1 || m.Causes[0].Code != model.CauseRefused {
		t.Errorf("stated cause: name %s causes %+v", m.Name, m.Causes)
	}
}

// TestGroupHintNamesServers: nginx's "no live upstreams" on a group is
// explained by its servers' own causes.
func TestGroupHintNamesServers(t *testing.T) {
	clk := &fakeClock{time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC)}
	a := NewAggregator(AggregatorOptions{Clock: clk.now, Names: map[string]Name{
		"127.0.0.1:1": {Name: "api-1", Group: "api"}, "127.0.0.1:2": {Name: "api-2", Group: "api"}}})
	for _, addr := range []string{"127.0.0.1:1", "127.0.0.1:2"} {
		a.ObserveFailure(feed.Failure{Time: clk.t, Addr: addr, Cause: model.CauseRefused, Source: "error_log", Line: "connect() failed (111: Connection refused)"})
	}
	for range 5 {
		a.ObserveFailure(feed.Failure{Time: clk.t, Addr: "api", Cause: model.CauseNoLiveUpstreams, Source: "error_log", Line: "no live upstreams while connecting to upstream"})
	}
	s := a.Snapshot()
	g, ok := s.Upstream("", "api")
	if !ok || g.TopCause() != model.CauseNoLiveUpstreams {
		t.Fatalf("group causes %+v", g.Causes)
	}
	h, n := g.Causes[0].Hint, g.Causes[0].NextStep
	if !strings.Contains(h, "api-1 down (refused)") || !strings.Contains(h, "api-2 down (refused)") || !strings.Contains(n, "fail with refused") {
		t.Errorf("hint %q next %q", h, n)
	}
	// The cached upstream behind the snapshot is not changed.
	again, ok := a.Snapshot().Upstream("", "api")
	if !ok || len(again.Causes) == 0 || strings.Count(again.Causes[0].Hint, "its servers") != 1 {
		t.Errorf("hint grew across snapshots: %+v", again.Causes)
	}
}

// TestGatewayLimitRebuildsOnly5xx: while gateway-wide limit evidence is
// active, upstreams without 5xx keep their cached build; those with 5xx
// get the evidence.
func TestGatewayLimitRebuildsOnly5xx(t *testing.T) {
	clk := &fakeClock{time.Date(2026, 11, 22, 3, 0, 5, 0, time.UTC)}
	a := NewAggregator(AggregatorOptions{Clock: clk.now})
	a.ObserveRequest(&feed.Request{Time: clk.t, Status: 200, Attempts: []feed.Attempt{{Addr: "10.0.0.1:80", Status: 200, Header: 0.01, Total: 0.01}}}, nil)
	a.ObserveRequest(&feed.Request{Time: clk.t, Status: 500, Attempts: []feed.Attempt{{Addr: "10.0.0.2:80", Status: 500, Header: 0.01, Total: 0.01, Cause: model.CauseUpstream5xx}}}, []byte("500"))
	a.Snapshot()
	ok, bad := a.ups[ukey{"", "10.0.0.1:80"}].builds, a.ups[ukey{"", "10.0.0.2:80"}].builds
	a.GatewayLimit("host", "gateway host saturated", 1)
	s := a.Snapshot()
	if a.ups[ukey{"", "10.0.0.1:80"}].builds != ok {
		t.Error("an upstream without 5xx was rebuilt")
	}
	if a.ups[ukey{"", "10.0.0.2:80"}].builds == bad {
		t.Error("an upstream with 5xx was not rebuilt")
	}
	if u, ok := s.Upstream("", "10.0.0.2:80"); !ok || len(u.Causes) != 2 || u.Causes[1].Code != model.CauseGatewayLimits {
		t.Errorf("causes %+v", u.Causes)
	}
}

// TestUpstreamIdentityIsGatewayAndAddress: one address behind two gateway
// instances is two rows, each with its own traffic, causes and probes; a
// name the configuration gives without a gateway labels both.
func TestUpstreamIdentityIsGatewayAndAddress(t *testing.T) {
	clk := &fakeClock{time.Date(2026, 11, 22, 3, 0, 5, 0, time.UTC)}
	a := NewAggregator(AggregatorOptions{Clock: clk.now, Names: map[string]Name{"10.0.0.5:80": {Name: "api"}}})
	ng, hp := a.For("nginx"), a.For("haproxy")
	for range 10 {
		ng.ObserveRequest(&feed.Request{Time: clk.t, Status: 200, Attempts: []feed.Attempt{{Addr: "10.0.0.5:80", Status: 200, Header: 0.01, Total: 0.01}}}, nil)
		hp.ObserveRequest(&feed.Request{Time: clk.t, Status: 500, Attempts: []feed.Attempt{{Addr: "10.0.0.5:80", Status: 500, Header: 0.01, Total: 0.01, Cause: model.CauseUpstream5xx}}}, []byte("500"))
	}
	a.ObserveProbe("nginx", "10.0.0.5:80", model.ProbeResult{Time: clk.t, OK: true, Target: "http://10.0.0.5/"})
	rows := map[string]model.Upstream{}
	for _, u := range a.Snapshot().Upstreams {
		if u.Address == "10.0.0.5:80" {
			rows[u.Gateway] = u
		}
	}
	n, h := rows["nginx"], rows["haproxy"]
	if len(rows) != 2 || n.Name != "api" || h.Name != "api" {
		t.Fatalf("rows %+v", rows)
	}
	if n.Requests != 10 || n.Errors5xx != 0 || h.Requests != 10 || h.Errors5xx != 10 {
		t.Errorf("nginx %d/%d, haproxy %d/%d requests/5xx", n.Requests, n.Errors5xx, h.Requests, h.Errors5xx)
	}
	if n.Probe == nil || h.Probe != nil {
		t.Errorf("the probe went to nginx %v / haproxy %v", n.Probe != nil, h.Probe != nil)
	}
	if n.State != model.StateUp || h.State != model.StateDown || h.TopCause() != model.CauseUpstream5xx {
		t.Errorf("nginx %s, haproxy %s %+v", n.State, h.State, h.Causes)
	}
}

// TestSnapshotUnchangedIsReused: with nothing observed, a snapshot within
// the same second is the previous one, a later second gets a copy with the
// new time and the same rows, and an observation or a new bucket builds
// a new one.
func TestSnapshotUnchangedIsReused(t *testing.T) {
	clk := &fakeClock{time.Date(2026, 11, 22, 3, 0, 1, 0, time.UTC)}
	a := NewAggregator(AggregatorOptions{Clock: clk.now})
	req := func() {
		a.ObserveRequest(&feed.Request{Time: clk.t, Status: 200, Duration: 0.01, Attempts: []feed.Attempt{{Addr: "10.0.0.1:80", Status: 200, Connect: 0, Header: 0.01, Total: 0.01}}}, nil)
	}
	req()
	s1 := a.Snapshot()
	clk.t = clk.t.Add(300 * time.Millisecond)
	if s2 := a.Snapshot(); s2 != s1 {
		t.Error("nothing changed within the second, yet a new snapshot")
	}
	clk.t = clk.t.Add(time.Second)
	s3 := a.Snapshot()
	if s3 == s1 || !s3.Time.Equal(clk.t) || &s3.Upstreams[0] != &s1.Upstreams[0] {
		t.Errorf("a second later: same %v, time %v, rows shared %v", s3 == s1, s3.Time, &s3.Upstreams[0] == &s1.Upstreams[0])
	}
	a.SetGateway(model.Gateway{Kind: "nginx", Source: "access_log", Target: "x", Updated: clk.t, Counters: map[string]float64{"lines": 1}})
	s4 := a.Snapshot()
	if s4 == s3 || len(s4.Gateways) != 1 {
		t.Fatalf("a new gateway row: reused %v, %d rows", s4 == s3, len(s4.Gateways))
	}
	a.SetGateway(model.Gateway{Kind: "nginx", Source: "access_log", Target: "x", Updated: clk.t.Add(time.Second), Counters: map[string]float64{"lines": 1}})
	if a.Snapshot() != s4 {
		t.Error("the same gateway row read again (only Updated differs) built a new snapshot")
	}
	req()
	s5 := a.Snapshot()
	if s5 == s4 || s5.Upstreams[0].Total.Requests != 2 {
		t.Errorf("after a request: reused %v, total %d", s5 == s4, s5.Upstreams[0].Total.Requests)
	}
	clk.t = clk.t.Add(bucketSeconds * time.Second)
	if s6 := a.Snapshot(); s6 == s5 || s6.Upstreams[0].Window1m.Requests != 2 {
		t.Errorf("a new bucket: reused %v", s6 == s5)
	}
}

// manyUpstreams is an aggregator of n upstreams that each had a request
// every second (active) or one request at the start (idle), over five
// minutes of a fake clock.
func manyUpstreams(n int, active bool) (*Aggregator, *fakeClock) {
	clk := &fakeClock{time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC)}
	a := NewAggregator(AggregatorOptions{Clock: clk.now})
	addrs := make([]string, n)
	for i := range addrs {
		addrs[i] = fmt.Sprintf("10.%d.%d.%d:8080", i/65536, i/256%256, i%256)
	}
	for sec := range 300 {
		for i, addr := range addrs {
			if !active && sec > 0 {
				break
			}
			status := 200
			if i%50 == 0 && sec%3 == 0 {
				status = 502
			}
			a.ObserveRequest(&feed.Request{Time: clk.t, Status: status, Duration: 0.01, Attempts: []feed.Attempt{
				{Addr: addr, Status: status, Connect: 0.001, Header: 0.01, Total: 0.002 + float64((i*7+sec)%200)/1000}}}, nil)
		}
		clk.t = clk.t.Add(time.Second)
	}
	return a, clk
}

// BenchmarkSnapshot is the cost of one snapshot of 1,000 and 10,000
// upstreams, each with a request in the last second (every row rebuilt)
// or with nothing new (the rows reused; a new second, so not the previous
// snapshot itself).
func BenchmarkSnapshot(b *testing.B) {
	// 10,000 addresses are more rows than an aggregator keeps
	// (maxUpstreams) no more: 20,000 are kept.
	for _, n := range []int{1000, 10000} {
		a, clk := manyUpstreams(n, true)
		a.Snapshot()
		b.Run(fmt.Sprintf("%d/changed", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				a.ObserveRequest(&feed.Request{Time: clk.t, Status: 200, Duration: 0.01}, nil)
				for _, u := range a.ups {
					u.dirty = true
				}
				a.Snapshot()
			}
		})
		b.Run(fmt.Sprintf("%d/unchanged", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				a.ObserveRequest(&feed.Request{Time: clk.t, Status: 200, Duration: 0.01}, nil) // the gateway's row only
				a.Snapshot()
			}
		})
	}
}

// BenchmarkUpstreamMemory reports the heap one upstream row takes, with
// the snapshot that shows it: idle (one request five minutes ago) and
// active (a request every second for five minutes, every bucket filled).
func BenchmarkUpstreamMemory(b *testing.B) {
	const n = 1000
	for _, active := range []bool{false, true} {
		name := map[bool]string{false: "idle", true: "active"}[active]
		b.Run(name, func(b *testing.B) {
			var per float64
			for b.Loop() {
				before := liveHeap()
				a, _ := manyUpstreams(n, active)
				s := a.Snapshot()
				per = float64(liveHeap()-before) / n
				runtime.KeepAlive(a)
				runtime.KeepAlive(s)
			}
			b.ReportMetric(per, "B/upstream")
		})
	}
}

func liveHeap() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// Reading a backlog, the span read runs from the earliest line to the
// latest whatever order the logs' readers deliver them in (an error
// log's line of the next second can come first): the figures do not
// depend on which reader was quicker.
func TestLogClockSpanIsOrderFree(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 18, 0, 0, 0, time.UTC)
	var want *model.Snapshot
	for _, order := range [][]time.Duration{{0, time.Second, time.Second}, {time.Second, 0, time.Second}, {time.Second, time.Second, 0}} {
		a := NewAggregator(AggregatorOptions{LogClock: true})
		for _, d := range order {
			a.ObserveRequest(&feed.Request{Time: t0.Add(d), Status: 200, Duration: 0.01, Attempts: []feed.Attempt{{Addr: "10.0.0.1:80", Status: 200, Total: 0.01}}}, nil)
		}
		s := a.Snapshot()
		if !s.Started.Equal(t0) {
			t.Fatalf("order %v: started %v, want the earliest line's %v", order, s.Started, t0)
		}
		if want != nil && (s.ReqPerSec != want.ReqPerSec || s.Upstreams[0].ReqPerSec != want.Upstreams[0].ReqPerSec) {
			t.Fatalf("order %v: %v req/s (row %v), first order gave %v (%v)", order, s.ReqPerSec, s.Upstreams[0].ReqPerSec, want.ReqPerSec, want.Upstreams[0].ReqPerSec)
		}
		want = s
	}
}

// TestWatchedRowsFirst: with more rows than lazyRows and a screen that
// says which it shows, a snapshot rebuilds every second the rows on screen
// and the rows with news (a 5xx, a failure, a probe that failed), and the
// others, which only counted requests or passed a probe again, at their
// bucket's turn. With no
// screen (serve, JSON) or few rows every changed row is rebuilt.
func TestWatchedRowsFirst(t *testing.T) {
	clk := &fakeClock{time.Date(2026, 11, 22, 3, 0, 1, 0, time.UTC)}
	a := NewAggregator(AggregatorOptions{Clock: clk.now})
	a.lazyRows = 4
	addr := func(i int) string { return fmt.Sprintf("10.0.0.%d:80", i+1) }
	ok := func(i int) {
		a.ObserveRequest(&feed.Request{Time: clk.t, Status: 200, Attempts: []feed.Attempt{{Addr: addr(i), Status: 200, Header: 0.01, Total: 0.01}}}, nil)
	}
	all := func() {
		for i := range 8 {
			ok(i)
		}
	}
	reqs := func(s *model.Snapshot, i int) int64 {
		u, found := s.Upstream("", addr(i))
		if !found {
			t.Fatalf("no row %s", addr(i))
		}
		return u.Requests
	}
	all()
	if s := a.Snapshot(); reqs(s, 7) != 1 {
		t.Fatalf("first snapshot: %d requests", reqs(s, 7))
	}
	// No screen yet: every changed row is rebuilt.
	clk.t = clk.t.Add(time.Second)
	all()
	for _, i := range []int{3, 4} {
		a.ObserveProbe("", addr(i), model.ProbeResult{Time: clk.t, OK: true, Target: "http://x/"})
	}
	if s := a.Snapshot(); reqs(s, 0) != 2 || reqs(s, 7) != 2 {
		t.Fatalf("without Watch: %d and %d requests, want 2", reqs(s, 0), reqs(s, 7))
	}

	a.Watch([]model.RowRef{{Address: addr(0)}, {Address: addr(1)}})
	clk.t = clk.t.Add(time.Second)
	all()
	a.ObserveRequest(&feed.Request{Time: clk.t, Status: 502, Attempts: []feed.Attempt{{Addr: addr(5), Status: 502, Total: 0.01, Cause: model.CauseRefused}}}, []byte("502"))
	a.ObserveFailure(feed.Failure{Time: clk.t, Addr: addr(6), Cause: model.CauseReadTimeout, Source: "error_log"})
	a.ObserveProbe("", addr(4), model.ProbeResult{Time: clk.t, OK: false, Target: "http://x/", Error: "refused", Cause: model.CauseRefused})
	a.ObserveProbe("", addr(3), model.ProbeResult{Time: clk.t, OK: true, Target: "http://x/"}) // no news
	built := map[int]int{}
	for i := range 8 {
		built[i] = a.ups[ukey{"", addr(i)}].builds
	}
	s := a.Snapshot()
	for i := range 8 {
		rebuilt := a.ups[ukey{"", addr(i)}].builds != built[i]
		want := i <= 1 || i >= 4 && i <= 6 // on screen, or news
		if rebuilt != want {
			t.Errorf("row %d rebuilt %v, want %v", i, rebuilt, want)
		}
	}
	if reqs(s, 0) != 3 || reqs(s, 2) != 2 || reqs(s, 5) != 4 {
		t.Errorf("watched %d, off screen %d, with a 5xx %d requests; want 3, 2 (last built), 4", reqs(s, 0), reqs(s, 2), reqs(s, 5))
	}
	if u, _ := s.Upstream("", addr(4)); u.Probe == nil || u.Probe.OK {
		t.Errorf("the failed probe is not shown: %+v", u.Probe)
	}
	// A row scrolled into view is rebuilt at the next snapshot.
	a.Watch([]model.RowRef{{Address: addr(2)}})
	if s := a.Snapshot(); reqs(s, 2) != 3 || reqs(s, 3) != 2 {
		t.Errorf("after scrolling: %d and %d requests, want 3 and 2", reqs(s, 2), reqs(s, 3))
	}
	// The next bucket rebuilds every row.
	clk.t = clk.t.Add(bucketSeconds * time.Second)
	ok(7)
	if s := a.Snapshot(); reqs(s, 3) != 3 || reqs(s, 7) != 4 {
		t.Errorf("next bucket: %d and %d requests, want 3 and 4", reqs(s, 3), reqs(s, 7))
	}
	// Few rows: every changed row, watched or not.
	a.lazyRows = 100
	clk.t = clk.t.Add(time.Second)
	ok(3)
	if s := a.Snapshot(); reqs(s, 3) != 4 {
		t.Errorf("few rows: %d requests, want 4", reqs(s, 3))
	}
}

// TestLazyRowsWaitForFacts: new host facts renew the roots of the rows
// with a cause that are on screen (or have news) at once, and of the
// others at their bucket's turn; without a screen, of every such row.
func TestLazyRowsWaitForFacts(t *testing.T) {
	clk := &fakeClock{time.Date(2026, 11, 22, 3, 0, 1, 0, time.UTC)}
	a := NewAggregator(AggregatorOptions{Clock: clk.now})
	a.lazyRows = 4
	addr := func(i int) string { return fmt.Sprintf("10.0.0.%d:80", i+1) }
	for i := range 8 {
		a.ObserveRequest(&feed.Request{Time: clk.t, Status: 502, Attempts: []feed.Attempt{{Addr: addr(i), Status: 502, Total: 0.01, Cause: model.CauseRefused}}}, []byte("502"))
	}
	a.Snapshot()
	rebuilt := func(step string, want func(i int) bool) {
		t.Helper()
		before := map[int]int{}
		for i := range 8 {
			before[i] = a.ups[ukey{"", addr(i)}].builds
		}
		a.Snapshot()
		for i := range 8 {
			u := a.ups[ukey{"", addr(i)}]
			if got := u.builds != before[i]; got != want(i) {
				t.Errorf("%s: row %d rebuilt %v, want %v", step, i, got, want(i))
			}
		}
	}
	// No screen: every row with a cause.
	clk.t = clk.t.Add(time.Second)
	a.SetFacts(&diagnose.HostFacts{Time: clk.t})
	rebuilt("facts, no screen", func(int) bool { return true })

	a.Watch([]model.RowRef{{Address: addr(0)}, {Address: addr(1)}})
	a.Snapshot()
	clk.t = clk.t.Add(time.Second)
	a.SetFacts(&diagnose.HostFacts{Time: clk.t})
	a.ObserveRequest(&feed.Request{Time: clk.t, Status: 502, Attempts: []feed.Attempt{{Addr: addr(5), Status: 502, Total: 0.01, Cause: model.CauseRefused}}}, []byte("502"))
	rebuilt("facts, rows 0 and 1 on screen, news on 5", func(i int) bool { return i <= 1 || i == 5 })
	for i := range 8 {
		if u := a.ups[ukey{"", addr(i)}]; (u.factsVer == a.factsVer) != (i <= 1 || i == 5) {
			t.Errorf("row %d has facts %d of %d", i, u.factsVer, a.factsVer)
		}
	}
	// The bucket's turn brings the others the facts.
	clk.t = clk.t.Add(bucketSeconds * time.Second)
	rebuilt("next bucket", func(int) bool { return true })
	for i := range 8 {
		if u := a.ups[ukey{"", addr(i)}]; u.factsVer != a.factsVer {
			t.Errorf("after the bucket's turn, row %d has facts %d of %d", i, u.factsVer, a.factsVer)
		}
	}
}

// TestPermuteRows: rows reordered in place are the rows gathered into a
// new slice, for every permutation of a few rows and for random larger ones.
func TestPermuteRows(t *testing.T) {
	check := func(from []int32) {
		t.Helper()
		rows := make([]model.Upstream, len(from))
		want := make([]model.Upstream, len(from))
		for i := range rows {
			rows[i] = model.Upstream{Name: fmt.Sprint("u", i), Requests: int64(i)}
		}
		for i, f := range from {
			want[i] = rows[f]
		}
		perm := slices.Clone(from)
		permuteRows(rows, perm)
		for i := range rows {
			if rows[i].Name != want[i].Name || rows[i].Requests != want[i].Requests {
				t.Fatalf("from %v: row %d is %s, want %s", from, i, rows[i].Name, want[i].Name)
			}
		}
	}
	var all func(p []int32, k int)
	all = func(p []int32, k int) { // every permutation of p[k:]
		if k == len(p) {
			check(p)
			return
		}
		for i := k; i < len(p); i++ {
			p[k], p[i] = p[i], p[k]
			all(p, k+1)
			p[k], p[i] = p[i], p[k]
		}
	}
	for n := range 6 {
		p := make([]int32, n)
		for i := range p {
			p[i] = int32(i)
		}
		all(p, 0)
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 200 {
		n := 1 + r.IntN(300)
		p := make([]int32, n)
		for i, v := range r.Perm(n) {
			p[i] = int32(v)
		}
		check(p)
	}
}
