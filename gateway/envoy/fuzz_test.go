package envoy

import (
	"errors"
	"strings"
	"testing"

	"github.com/gwtop/gwtop/collector/feed"
	"github.com/gwtop/gwtop/collector/feed/feedtest"
	"github.com/gwtop/gwtop/gateway/envoy/envoytest"
)

// The fuzz targets check that nothing panics and that what comes out is
// well formed; the table tests pin the values.

func checkClusters(t *testing.T, cs []Cluster) {
	t.Helper()
	for _, c := range cs {
		for _, h := range c.Hosts {
			if h.Addr == "" || h.Stats == nil {
				t.Fatalf("host %+v", h)
			}
			down, why := h.Down()
			if why == "" || (down && why == "healthy") {
				t.Fatalf("Down() = %v %q", down, why)
			}
		}
	}
	a, _ := NewAdmin("http://127.0.0.1:9901")
	sink := new(feedtest.Recorder)
	a.report(cs, nil, sink)
	a.report(cs, nil, sink)
	if len(sink.Failures()) != 0 {
		t.Fatalf("the same reading twice made failures: %+v", sink.Failures())
	}
}

func FuzzClustersText(f *testing.F) {
	f.Add(envoytest.ClustersText)
	f.Add("c::[::1]:80::rq_total::9\nc::/run/a.sock::health_flags::/failed_active_hc\nc::outlier::success_rate_average::-1")
	f.Fuzz(func(t *testing.T, in string) {
		cs, err := ParseClustersText([]byte(in))
		if err != nil {
			return
		}
		checkClusters(t, cs)
	})
}

func FuzzClustersJSON(f *testing.F) {
	f.Add(envoytest.ClustersJSON)
	f.Add(`{"cluster_statuses":[{"name":"c","host_statuses":[{"address":{"pipe":{"path":"/x"}},"stats":[{"name":"rq_total","value":"1"}]}]}]}`)
	f.Add("{}")
	f.Fuzz(func(t *testing.T, in string) {
		cs, err := ParseClustersJSON([]byte(in))
		if err != nil {
			return
		}
		checkClusters(t, cs)
	})
}

func FuzzStats(f *testing.F) {
	f.Add(envoytest.StatsText)
	f.Add("cluster.a.b.upstream_rq_timeout: 3\ncluster.x.membership_healthy: 0\n")
	f.Fuzz(func(t *testing.T, in string) {
		s, err := ParseStats([]byte(in))
		if err != nil {
			return
		}
		for cluster, m := range ClusterStats(s) {
			if cluster == "" || len(m) == 0 {
				t.Fatalf("cluster %q stats %v", cluster, m)
			}
			for stat, v := range m {
				if s["cluster."+cluster+"."+stat] != v {
					t.Fatalf("%s/%s = %d not from the input", cluster, stat, v)
				}
			}
		}
	})
}

func FuzzEnvoyLog(f *testing.F) {
	for _, s := range []string{envoytest.DefaultDocumented, envoytest.DefaultUF, envoytest.JSON17432, envoytest.JSON20311, "{}", "garbage"} {
		f.Add(s)
	}
	parsers := map[string]*LogParser{}
	for _, name := range []string{"default", "json"} {
		p, _ := NewLogParser(name)
		parsers[name] = p
	}
	f.Fuzz(func(t *testing.T, line string) {
		for name, p := range parsers {
			sink := new(feedtest.Recorder)
			err := p.Line([]byte(line), sink)
			if err != nil {
				if len(sink.Requests()) != 0 {
					t.Fatalf("%s: error %v but reported", name, err)
				}
				if errors.Is(err, feed.ErrIgnored) && (name != "json" || !strings.HasPrefix(strings.TrimSpace(line), "{")) {
					t.Fatalf("%s: %q ignored", name, line)
				}
				continue
			}
			r := sink.Requests()[0]
			if r.Status < 0 || r.Status > 999 || len(r.Attempts) > 1 || (r.Cause != "" && r.Cause.Index() < 0) {
				t.Fatalf("%s: request %+v", name, r)
			}
			for _, a := range r.Attempts {
				if a.Addr == "" || a.Status < 0 || a.Status > 999 {
					t.Fatalf("%s: attempt %+v", name, a)
				}
			}
		}
	})
}
