package envoytest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"testing"
)

// Mode is how the fake admin answers.
type Mode int

// Modes of the fake admin.
const (
	OK       Mode = iota // JSON and text /clusters, /stats
	TextOnly             // /clusters?format=json answers text, as Envoy before 1.12
	HTML                 // a web page
	Garbage              // neither
	NoStats              // /stats answers 404
)

// The fake's clusters, each showing one cause:
//
//	api        127.0.0.1:8001 serving; 127.0.0.1:8002 connect failures
//	           (no connect timeouts: refused); [::1]:8003 /failed_active_hc
//	timeouts   127.0.0.3:7000 connect failures that are all timeouts
//	slow       127.0.0.2:9000 and unix:/run/app.sock; upstream_rq_timeout rising
//	breaker    127.0.0.4:9100; upstream_rq_pending_overflow rising
//	pay        10.0.9.1:80 outlier-ejected; membership_healthy 0
//	closing    127.0.0.5:9200; upstream_cx_destroy_remote_with_active_rq rising
//
// plus the reference's real text lines (in#8080#reporttimeb, httpbin).
type fakeHost struct {
	path       string // pipe path; empty for a socket address
	host, port string
	flags      string // text health_flags
	stats      func(k int64) map[string]int64
}

type fakeCluster struct {
	name  string
	hosts []fakeHost
	stats func(k int64) map[string]int64
}

func steady(k int64) map[string]int64 {
	return map[string]int64{"rq_total": 10 * k, "rq_success": 10 * k, "cx_total": k}
}

var fakeClusters = []fakeCluster{
	{name: "api", hosts: []fakeHost{
		{host: "127.0.0.1", port: "8001", stats: steady},
		{host: "127.0.0.1", port: "8002", stats: func(k int64) map[string]int64 {
			return map[string]int64{"cx_connect_fail": 2 * k, "rq_total": 2 * k, "rq_error": 2 * k}
		}},
		{host: "::1", port: "8003", flags: "/failed_active_hc", stats: func(int64) map[string]int64 { return map[string]int64{"rq_total": 3, "rq_success": 3} }},
	}, stats: func(k int64) map[string]int64 {
		return map[string]int64{"upstream_cx_connect_fail": 2 * k, "upstream_cx_connect_timeout": 0, "membership_healthy": 2, "membership_total": 3}
	}},
	{name: "timeouts", hosts: []fakeHost{
		{host: "127.0.0.3", port: "7000", stats: func(k int64) map[string]int64 {
			return map[string]int64{"cx_connect_fail": 4 * k, "rq_total": 4 * k, "rq_error": 4 * k}
		}},
	}, stats: func(k int64) map[string]int64 {
		return map[string]int64{"upstream_cx_connect_timeout": 4 * k, "membership_healthy": 1, "membership_total": 1}
	}},
	{name: "slow", hosts: []fakeHost{
		{host: "127.0.0.2", port: "9000", stats: func(k int64) map[string]int64 {
			return map[string]int64{"rq_total": 3 * k, "rq_error": 3 * k}
		}},
		{path: "/run/app.sock", stats: steady},
	}, stats: func(k int64) map[string]int64 {
		return map[string]int64{"upstream_rq_timeout": 3 * k, "membership_healthy": 2, "membership_total": 2}
	}},
	{name: "breaker", hosts: []fakeHost{{host: "127.0.0.4", port: "9100", stats: steady}}, stats: func(k int64) map[string]int64 {
		return map[string]int64{"upstream_rq_pending_overflow": 5 * k, "upstream_cx_overflow": 0, "membership_healthy": 1, "membership_total": 1}
	}},
	{name: "pay", hosts: []fakeHost{{host: "10.0.9.1", port: "80", flags: "/failed_outlier_check", stats: func(int64) map[string]int64 { return map[string]int64{} }}},
		stats: func(k int64) map[string]int64 {
			return map[string]int64{"upstream_cx_none_healthy": k, "membership_healthy": 0, "membership_total": 1}
		}},
	{name: "closing", hosts: []fakeHost{{host: "127.0.0.5", port: "9200", stats: steady}}, stats: func(k int64) map[string]int64 {
		return map[string]int64{"upstream_cx_destroy_remote_with_active_rq": k, "membership_healthy": 1, "membership_total": 1}
	}},
}

// Server is a fake Envoy admin on 127.0.0.1.
type Server struct {
	URL string

	mu       sync.Mutex
	mode     Mode
	k        int64 // advanced by every /stats request
	requests map[string]int
}

// Start starts a fake admin closed at the end of the test.
func Start(t testing.TB, m Mode) *Server {
	s := &Server{mode: m, requests: map[string]int{}}
	hs := httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(hs.Close)
	s.URL = hs.URL
	return s
}

// SetMode changes how the server answers from now on.
func (s *Server) SetMode(m Mode) {
	s.mu.Lock()
	s.mode = m
	s.mu.Unlock()
}

// Requests reports how many requests each "path?query" got.
func (s *Server) Requests(key string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests[key]
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests[r.URL.Path+"?"+r.URL.RawQuery]++
	switch s.mode {
	case HTML:
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, "<!DOCTYPE html><html><body><h1>Envoy Admin</h1></body></html>\n")
		return
	case Garbage:
		fmt.Fprint(w, "\x00\x01\x02 garbage")
		return
	}
	switch r.URL.Path {
	case "/clusters":
		if r.URL.Query().Get("format") == "json" && s.mode != TextOnly {
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, clustersJSON(s.k))
			return
		}
		w.Header().Set("Content-Type", "text/plain")
		fmt.Fprint(w, clustersText(s.k)+ClustersText)
	case "/stats":
		if s.mode == NoStats {
			http.NotFound(w, r)
			return
		}
		if r.URL.Query().Get("filter") != `^cluster\.` {
			http.Error(w, "want filter=^cluster\\.", http.StatusBadRequest)
			return
		}
		s.k++
		w.Header().Set("Content-Type", "text/plain")
		fmt.Fprint(w, statsText(s.k)+StatsText)
	default:
		http.NotFound(w, r)
	}
}

func sortedKeys(m map[string]int64) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func clustersText(k int64) string {
	var b strings.Builder
	for _, c := range fakeClusters {
		fmt.Fprintf(&b, "%s::observability_name::%s\n%s::default_priority::max_connections::1024\n", c.name, c.name, c.name)
		for _, h := range c.hosts {
			addr := h.path
			if addr == "" {
				addr = h.host + ":" + h.port
				if strings.Contains(h.host, ":") {
					addr = "[" + h.host + "]:" + h.port
				}
			}
			st := h.stats(k)
			for _, name := range sortedKeys(st) {
				fmt.Fprintf(&b, "%s::%s::%s::%d\n", c.name, addr, name, st[name])
			}
			flags := h.flags
			if flags == "" {
				flags = "healthy"
			}
			fmt.Fprintf(&b, "%s::%s::health_flags::%s\n%s::%s::weight::1\n%s::%s::success_rate::-1\n", c.name, addr, flags, c.name, addr, c.name, addr)
		}
	}
	return b.String()
}

type jsonHost struct {
	Address      map[string]any   `json:"address"`
	Stats        []map[string]any `json:"stats,omitempty"`
	HealthStatus map[string]any   `json:"health_status"`
	Weight       int              `json:"weight"`
}

func clustersJSON(k int64) string {
	type jsonCluster struct {
		Name         string     `json:"name"`
		HostStatuses []jsonHost `json:"host_statuses"`
	}
	var out struct {
		ClusterStatuses []jsonCluster `json:"cluster_statuses"`
	}
	for ci, c := range fakeClusters {
		jc := jsonCluster{Name: c.name}
		for _, h := range c.hosts {
			jh := jsonHost{Weight: 1, HealthStatus: map[string]any{"eds_health_status": "HEALTHY"}}
			if h.path != "" {
				jh.Address = map[string]any{"pipe": map[string]any{"path": h.path}}
			} else {
				jh.Address = map[string]any{"socket_address": map[string]any{"address": h.host, "port_value": h.port}}
			}
			st := h.stats(k)
			for i, name := range sortedKeys(st) {
				m := map[string]any{"name": name, "type": "COUNTER"}
				// Proto JSON omits zero values; older Envoy writes
				// strings, newer numbers: both appear here.
				if v := st[name]; v != 0 {
					if (ci+i)%2 == 0 {
						m["value"] = fmt.Sprint(v)
					} else {
						m["value"] = v
					}
				}
				jh.Stats = append(jh.Stats, m)
			}
			for _, f := range strings.Split(h.flags, "/") {
				switch f {
				case "failed_active_hc":
					jh.HealthStatus["failed_active_health_check"] = true
				case "failed_outlier_check":
					jh.HealthStatus["failed_outlier_check"] = true
				}
			}
			jc.HostStatuses = append(jc.HostStatuses, jh)
		}
		out.ClusterStatuses = append(out.ClusterStatuses, jc)
	}
	b, _ := json.Marshal(out)
	return string(b)
}

func statsText(k int64) string {
	var b strings.Builder
	for _, c := range fakeClusters {
		st := c.stats(k)
		for _, name := range sortedKeys(st) {
			fmt.Fprintf(&b, "cluster.%s.%s: %d\n", c.name, name, st[name])
		}
		fmt.Fprintf(&b, "cluster.%s.upstream_rq_time: No recorded values\n", c.name)
	}
	return b.String()
}
