package envoy

import (
	"reflect"
	"strings"
	"testing"

	"github.com/gwtop/gwtop/gateway/envoy/envoytest"
)

func findHost(cs []Cluster, cluster, addr string) *Host {
	for i := range cs {
		if cs[i].Name != cluster {
			continue
		}
		for j := range cs[i].Hosts {
			if cs[i].Hosts[j].Addr == addr {
				return &cs[i].Hosts[j]
			}
		}
	}
	return nil
}

func TestParseClustersTextFixture(t *testing.T) {
	cs, err := ParseClustersText([]byte(envoytest.ClustersText))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, c := range cs {
		names = append(names, c.Name)
	}
	want := []string{"in#8080#reporttimeb", "outbound|443||httpbin.org", "httpbin_httpbin", ""}
	if !reflect.DeepEqual(names, want) {
		t.Fatalf("clusters %q, want %q", names, want)
	}
	h := findHost(cs, "in#8080#reporttimeb", "9.77.7.132:8080")
	if h == nil {
		t.Fatal("TSF host missing")
	}
	wantStats := map[string]int64{"cx_active": 0, "cx_connect_fail": 0, "cx_total": 4, "rq_active": 0, "rq_error": 0, "rq_success": 4, "rq_timeout": 0, "rq_total": 4}
	if !reflect.DeepEqual(h.Stats, wantStats) {
		t.Errorf("stats %v, want %v", h.Stats, wantStats)
	}
	if down, why := h.Down(); down || why != "healthy" || len(h.Flags) != 0 {
		t.Errorf("TSF host down=%v why=%q flags=%v", down, why, h.Flags)
	}
	if len(cs[0].Hosts) != 1 {
		t.Errorf("cluster-level lines read as hosts: %+v", cs[0].Hosts)
	}
	if h := findHost(cs, "outbound|443||httpbin.org", "54.156.228.155:443"); h == nil || h.Stats["rq_error"] != 1 {
		t.Errorf("istio-style cluster host: %+v", h)
	}
	h = findHost(cs, "httpbin_httpbin", "10.XX.X.XX:8080")
	if h == nil {
		t.Fatal("gloo host missing")
	}
	if down, why := h.Down(); !down || why != "/failed_active_hc/failed_outlier_check" {
		t.Errorf("gloo host down=%v why=%q", down, why)
	}
	h = findHost(cs, "", "172.19.0.5:6443")
	if h == nil {
		t.Fatal("prefix-less host line missing")
	}
	if down, why := h.Down(); !down || why != "/failed_active_hc/active_hc_timeout" {
		t.Errorf("kind host down=%v why=%q", down, why)
	}
}

func TestParseClustersTextTricky(t *testing.T) {
	in := strings.Join([]string{
		"outbound|8080||svc.ns.svc.cluster.local::observability_name::outbound|8080||svc.ns.svc.cluster.local",
		"outbound|8080||svc.ns.svc.cluster.local::[::1]:80::rq_total::9",
		"outbound|8080||svc.ns.svc.cluster.local::[::1]:80::health_flags::/failed_eds_health",
		"outbound|8080||svc.ns.svc.cluster.local::[2001:db8::7]:8443::rq_error::2",
		"outbound|8080||svc.ns.svc.cluster.local::outlier::success_rate_average::-1",
		"local#app::/run/app.sock::rq_total::3",
		"local#app::/run/app.sock::hostname::app.local",
		"svc::10.0.0.1:80::health_flags::/degraded_active_hc/pending_dynamic_removal",
		"svc::10.0.0.1:80::region::",
		"svc::10.0.0.1:80::success_rate::93.5",
		"",
		"no separators at all",
	}, "\r\n")
	cs, err := ParseClustersText([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	if h := findHost(cs, "outbound|8080||svc.ns.svc.cluster.local", "[::1]:80"); h == nil || h.Stats["rq_total"] != 9 {
		t.Errorf("IPv6 loopback host: %+v (%+v)", h, cs)
	} else if down, why := h.Down(); !down || why != "/failed_eds_health" {
		t.Errorf("eds health: %v %q", down, why)
	}
	if h := findHost(cs, "outbound|8080||svc.ns.svc.cluster.local", "[2001:db8::7]:8443"); h == nil || h.Stats["rq_error"] != 2 {
		t.Errorf("IPv6 host: %+v", h)
	}
	if cs[0].ObservabilityName != "outbound|8080||svc.ns.svc.cluster.local" || len(cs[0].Hosts) != 2 {
		t.Errorf("cluster: %+v", cs[0])
	}
	if h := findHost(cs, "local#app", "unix:/run/app.sock"); h == nil || h.Stats["rq_total"] != 3 || h.Hostname != "app.local" {
		t.Errorf("pipe host: %+v", h)
	}
	h := findHost(cs, "svc", "10.0.0.1:80")
	if down, why := h.Down(); down || why != "/degraded_active_hc/pending_dynamic_removal" {
		t.Errorf("degraded host is not down: %v %q", down, why)
	}
	if _, ok := h.Stats["success_rate"]; ok {
		t.Error("success_rate is not a counter")
	}
}

func TestParseClustersTextRejects(t *testing.T) {
	for _, in := range []string{"<html>", `{"cluster_statuses":[]}`, "garbage\nmore garbage", "a::b"} {
		if _, err := ParseClustersText([]byte(in)); err == nil {
			t.Errorf("ParseClustersText(%q) accepted", in)
		}
	}
	if cs, err := ParseClustersText(nil); err != nil || len(cs) != 0 {
		t.Errorf("empty: %v %v", cs, err)
	}
}

func TestParseClustersJSONFixture(t *testing.T) {
	cs, err := ParseClustersJSON([]byte(envoytest.ClustersJSON))
	if err != nil {
		t.Fatal(err)
	}
	if len(cs) != 2 || cs[0].Name != "api" || cs[0].ObservabilityName != "api" || cs[1].Name != "empty" || len(cs[1].Hosts) != 0 {
		t.Fatalf("clusters %+v", cs)
	}
	for _, tc := range []struct {
		addr  string
		stats map[string]int64
		down  bool
		why   string
	}{
		{"10.0.0.5:8080", map[string]int64{"cx_active": 3, "cx_connect_fail": 0, "rq_error": 12, "rq_success": 88, "rq_total": 100}, true, "/failed_active_hc/failed_outlier_check"},
		{"[::1]:8081", map[string]int64{"rq_total": 7}, false, "healthy"},
		{"unix:/run/app.sock", map[string]int64{"rq_total": 5, "rq_success": 5}, true, "/failed_eds_health"},
		{"10.0.0.6:8080", map[string]int64{}, false, "/eds_status_draining/pending_dynamic_removal"},
	} {
		h := findHost(cs, "api", tc.addr)
		if h == nil {
			t.Errorf("%s missing", tc.addr)
			continue
		}
		if !reflect.DeepEqual(h.Stats, tc.stats) {
			t.Errorf("%s stats %v, want %v", tc.addr, h.Stats, tc.stats)
		}
		if down, why := h.Down(); down != tc.down || why != tc.why {
			t.Errorf("%s down=%v why=%q, want %v %q", tc.addr, down, why, tc.down, tc.why)
		}
	}
	if h := findHost(cs, "api", "10.0.0.5:8080"); h.Hostname != "api-1.internal" {
		t.Errorf("hostname %q", h.Hostname)
	}
}

// TestHealthFlags pins which flags, in either form, take a host down.
func TestHealthFlags(t *testing.T) {
	for _, tc := range []struct {
		text string
		json string
		down bool
	}{
		{"healthy", `{}`, false},
		{"/failed_active_hc", `{"failed_active_health_check":true}`, true},
		{"/failed_outlier_check", `{"failed_outlier_check":true}`, true},
		{"/failed_eds_health", `{"eds_health_status":"UNHEALTHY"}`, true},
		{"/failed_eds_health", `{"eds_health_status":"TIMEOUT"}`, true},
		{"/degraded_active_hc", `{"failed_active_degraded_check":true}`, false},
		{"/degraded_eds_health", `{"eds_health_status":"DEGRADED"}`, false},
		{"/pending_dynamic_removal", `{"pending_dynamic_removal":true}`, false},
		{"/pending_active_hc", `{"pending_active_hc":true}`, false},
		{"/excluded_via_immediate_hc_fail", `{"excluded_via_immediate_hc_fail":true}`, true},
		{"/active_hc_timeout", `{"active_hc_timeout":true}`, true},
		{"/eds_status_draining", `{"eds_health_status":"DRAINING"}`, false},
		{"healthy", `{"eds_health_status":"UNKNOWN"}`, false},
	} {
		tcs, err := ParseClustersText([]byte("c::10.0.0.1:80::health_flags::" + tc.text))
		if err != nil {
			t.Fatal(err)
		}
		down, why := tcs[0].Hosts[0].Down()
		if down != tc.down || why != tc.text {
			t.Errorf("text %s: down=%v why=%q", tc.text, down, why)
		}
		jcs, err := ParseClustersJSON([]byte(`{"cluster_statuses":[{"name":"c","host_statuses":[{"address":{"socket_address":{"address":"10.0.0.1","port_value":80}},"health_status":` + tc.json + `}]}]}`))
		if err != nil {
			t.Fatal(err)
		}
		down, why = jcs[0].Hosts[0].Down()
		if down != tc.down || why != tc.text {
			t.Errorf("json %s: down=%v why=%q, want %v %q", tc.json, down, why, tc.down, tc.text)
		}
	}
}

func TestParseClustersJSONRejects(t *testing.T) {
	for _, in := range []string{"", "<html>", envoytest.ClustersText, `{"http":{"routers":{}}}`, `{"cluster_statuses":{}}`,
		`{"cluster_statuses":[{"host_statuses":[{"stats":[{"name":"x","value":"abc"}]}]}]}`} {
		if _, err := ParseClustersJSON([]byte(in)); err == nil {
			t.Errorf("ParseClustersJSON(%.30q) accepted", in)
		}
	}
	if cs, err := ParseClustersJSON([]byte("{}")); err != nil || len(cs) != 0 {
		t.Errorf("no clusters: %v %v", cs, err)
	}
}

func TestParseStatsFixture(t *testing.T) {
	s, err := ParseStats([]byte(envoytest.StatsText))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int64{
		"cluster.my-broker.update_success": 98, "cluster.my-broker.upstream_cx_active": 0,
		"cluster.my-broker.upstream_cx_connect_fail": 788, "cluster.my-broker.upstream_cx_connect_timeout": 0,
		"cluster.my-broker.upstream_cx_destroy": 859, "cluster.my-broker.upstream_cx_destroy_local": 859,
		"cluster.my-broker.upstream_cx_destroy_local_with_active_rq": 71,
	}
	if !reflect.DeepEqual(s, want) {
		t.Errorf("stats %v\nwant %v", s, want)
	}
	cs := ClusterStats(s)
	if len(cs) != 1 || cs["my-broker"]["upstream_cx_connect_timeout"] != 0 || len(cs["my-broker"]) != 1 {
		t.Errorf("cluster stats %v", cs)
	}
}

func TestClusterStatsNames(t *testing.T) {
	s, err := ParseStats([]byte(`cluster.outbound|443||httpbin.org.upstream_rq_timeout: 4
cluster.outbound|443||httpbin.org.upstream_rq_per_try_timeout: 1
cluster.a.b.c.health_check.network_failure: 2
cluster.172.19.0.5_6443.membership_healthy: 0
cluster.x.upstream_rq_time: No recorded values
cluster.x.circuit_breakers.default.cx_open: 1
cluster..upstream_rq_timeout: 9
http.ingress.downstream_rq_5xx: 3`))
	if err != nil {
		t.Fatal(err)
	}
	got := ClusterStats(s)
	want := map[string]map[string]int64{
		"outbound|443||httpbin.org": {"upstream_rq_timeout": 4, "upstream_rq_per_try_timeout": 1},
		"a.b.c":                     {"health_check.network_failure": 2},
		"172.19.0.5_6443":           {"membership_healthy": 0},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v\nwant %v", got, want)
	}
	if n := statName(&Cluster{Name: "172.19.0.5:6443"}); n != "172.19.0.5_6443" {
		t.Errorf("statName %q", n)
	}
	if n := statName(&Cluster{Name: "x", ObservabilityName: "y"}); n != "y" {
		t.Errorf("statName %q", n)
	}
}

func TestParseStatsRejects(t *testing.T) {
	for _, in := range []string{"<html>", `{"stats":[]}`, "garbage garbage\nmore"} {
		if _, err := ParseStats([]byte(in)); err == nil {
			t.Errorf("ParseStats(%q) accepted", in)
		}
	}
}
