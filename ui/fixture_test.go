package ui

import (
	"fmt"
	"time"

	"github.com/gwtop/gwtop/model"
)

// fixedNow is the instant every fixture snapshot is taken at, so goldens
// never depend on the wall clock.
var fixedNow = time.Date(2026, 3, 14, 12, 3, 4, 0, time.UTC)

func series(n int, f func(i int) float64) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = f(i)
	}
	return out
}

func history(n int, failFrom int) []model.ProbeResult {
	out := make([]model.ProbeResult, n)
	for i := range out {
		out[i] = model.ProbeResult{Time: fixedNow.Add(time.Duration(i-n) * 5 * time.Second), OK: i < failFrom}
	}
	return out
}

func window(secs int, reqs, errs int64, p50, p95, p99 float64) model.Window {
	w := model.Window{
		Seconds: secs, Requests: reqs, Errors5xx: errs,
		ReqPerSec: float64(reqs) / float64(secs),
		LatencyMS: model.Latency{P50: p50, P95: p95, P99: p99, Count: reqs},
		Classes:   model.StatusClasses{2: reqs - errs, 4: reqs / 50, 5: errs},
	}
	if reqs > 0 {
		w.Rate5xx = float64(errs) / float64(reqs)
	}
	if errs > 0 {
		w.Codes = model.StatusCodes{{Code: 200, N: reqs - errs}, {Code: 502, N: errs * 2 / 3}, {Code: 504, N: errs - errs*2/3}}
	}
	return w
}

// upstream builds one fixture upstream from its 5-minute window.
func upstream(name, addr string, st model.State, w5 model.Window) model.Upstream {
	return model.Upstream{
		Name: name, Address: addr, Group: "backend", State: st,
		Requests: w5.Requests, Errors5xx: w5.Errors5xx, Rate5xx: w5.Rate5xx, ReqPerSec: w5.ReqPerSec,
		LatencyMS: w5.LatencyMS, Window5m: w5, Window1m: w5, Total: w5,
		LastSeen: fixedNow, Sources: []string{"probe", "access_log"},
	}
}

// fixtureSnapshot is a gateway with every upstream state, several causes
// with evidence, probe history and sparklines.
func fixtureSnapshot() *model.Snapshot {
	api := upstream("api", "10.0.0.5:8000", model.StateDown, window(300, 3000, 2950, 1.1, 2.4, 3.9))
	api.StateReason = "probe refused 12 times in a row"
	api.Window1m = window(60, 600, 600, 1.0, 2.0, 3.0)
	api.Probe = &model.ProbeResult{Time: fixedNow, Target: "http://10.0.0.5:8000/health", OK: false,
		Phases: model.Phases{DNS: 0, Connect: 0.3, Total: 0.3}, Cause: model.CauseRefused, Phase: "connect",
		Error: "dial tcp 10.0.0.5:8000: connect: connection refused"}
	api.ProbeHistory = history(60, 48)
	api.Causes = []model.CauseRank{
		{Code: model.CauseRefused, Count: 2950, Total: 4100, Source: "error_log",
			Hint:     "nothing listens at that address: the service is stopped, crashed or still starting",
			NextStep: "systemctl status api; ss -ltnp | grep :8000; read the service's own log for a start-up failure",
			Evidence: `2026/03/14 12:03:01 [error] 812#812: *4411 connect() failed (111: Connection refused) while connecting to upstream, upstream: "http://10.0.0.5:8000/v1/orders"`,
			LastSeen: fixedNow.Add(-3 * time.Second)},
		{Code: model.CauseNoLiveUpstreams, Count: 40, Total: 40, Source: "error_log",
			Hint:     "every server of the group is marked down",
			NextStep: "fix the servers; check max_fails/fail_timeout",
			Evidence: `no live upstreams while connecting to upstream, upstream: "http://backend/v1/orders"`,
			LastSeen: fixedNow.Add(-10 * time.Second)},
	}
	api.Evidence = []string{
		`2026/03/14 12:02:58 [error] 812#812: *4402 connect() failed (111: Connection refused) while connecting to upstream`,
		`2026/03/14 12:03:00 [error] 812#812: *4407 no live upstreams while connecting to upstream`,
		`2026/03/14 12:03:01 [error] 812#812: *4411 connect() failed (111: Connection refused) while connecting to upstream`,
	}
	api.SparkP95 = series(30, func(i int) float64 { return 2 + float64(i%3) })
	api.Spark5xx = series(30, func(i int) float64 {
		if i > 20 {
			return 100
		}
		return 0
	})

	api.Routes = []model.Route{
		{Route: "/v1/orders", Host: "shop.example.com", Requests: 3100, Errors5xx: 3100, Rate5xx: 1, P50MS: 0.3, P95MS: 0.4, Requests5m: 2900, Errors5xx5m: 2900},
		{Route: "/v1/orders/:id", Host: "shop.example.com", Requests: 900, Errors5xx: 850, Rate5xx: 0.944, P50MS: 0.3, P95MS: 0.5, Requests5m: 60, Errors5xx5m: 50},
		{Route: "/health", Requests: 100, Errors5xx: 0, Rate5xx: 0, P50MS: -1, P95MS: -1, Requests5m: 30},
	}
	pay := upstream("payments", "10.0.0.7:8443", model.StateDegraded, window(300, 12000, 380, 45, 910, 2400))
	pay.Routes = []model.Route{
		{Route: "/pay/charge", Host: "pay.example.com", Requests: 7000, Errors5xx: 380, Rate5xx: 0.054, P50MS: 61, P95MS: 1450, Requests5m: 7000, Errors5xx5m: 380},
		{Route: "/pay/refunds/:id", Host: "pay.example.com", Requests: 5000, Errors5xx: 0, Rate5xx: 0, P50MS: 30, P95MS: 88, Requests5m: 5000},
	}
	pay.StateReason = "p95 above 800ms, 3.2% 5xx"
	pay.Probe = &model.ProbeResult{Time: fixedNow, Target: "https://10.0.0.7:8443/healthz", OK: true, Status: 200,
		Phases: model.Phases{DNS: 0.4, Connect: 1.2, TLS: 6.8, TTFB: 840, Total: 852}}
	pay.ProbeHistory = history(60, 60)
	pay.Causes = []model.CauseRank{
		{Code: model.CauseReadTimeout, Count: 310, Total: 900, Source: "error_log",
			Hint:     "connected, but no response header within proxy_read_timeout: the upstream is overloaded or blocked",
			NextStep: "check the upstream's latency and its database; raise workers; raise the timeout only for long routes",
			Evidence: "upstream timed out (110: Connection timed out) while reading response header from upstream",
			LastSeen: fixedNow.Add(-1 * time.Second),
			Roots: []model.Root{{Code: model.RootExceedsTimeout, Count: 310, Source: "gateway_config",
				Summary:  "requests to 10.0.0.7:8443 take longer than nginx gives them: proxy_read_timeout 1s for location /charge (pay.conf:22)",
				Evidence: "proxy_read_timeout 1s at /etc/nginx/sites-enabled/pay.conf:22",
				NextStep: "if the route is meant to be that slow, raise proxy_read_timeout at pay.conf:22 above its real duration; else find what makes it slow"}}},
		{Code: model.CauseUpstream5xx, Count: 70, Total: 120, Source: "access_log",
			Hint: "the upstream itself answered 5xx", NextStep: "read the application log for those requests",
			LastSeen: fixedNow.Add(-40 * time.Second)},
	}
	pay.Evidence = []string{"upstream timed out (110: Connection timed out) while reading response header from upstream, request: \"POST /charge HTTP/1.1\""}
	pay.SparkP95 = series(30, func(i int) float64 { return 200 + float64(i*i) })

	auth := upstream("auth", "10.0.0.9:9000", model.StateDegraded, window(300, 9000, 95, 8, 40, 95))
	auth.Probe = &model.ProbeResult{Time: fixedNow, Target: "http://10.0.0.9:9000/ping", OK: true, Status: 200, Reused: true,
		Phases: model.Phases{Connect: 0.4, TTFB: 3.1, Total: 3.4}}
	auth.Causes = []model.CauseRank{{Code: model.CauseReset, Count: 95, Total: 95, Source: "error_log",
		Hint:     "the upstream sent a TCP RST, often a keep-alive connection reused after the upstream closed it",
		NextStep: "make the upstream's keep-alive timeout longer than the gateway's", LastSeen: fixedNow}}
	auth.SparkP95 = series(30, func(i int) float64 { return 30 + float64(i%7) })

	search := upstream("search", "search.internal:9200", model.StateDown, window(300, 400, 400, 0, 0, 0))
	search.LatencyMS = model.Latency{}
	search.Probe = &model.ProbeResult{Time: fixedNow, Target: "http://search.internal:9200/", OK: false, Cause: model.CauseDNS,
		Error: "lookup search.internal: no such host"}
	search.Causes = []model.CauseRank{{Code: model.CauseDNS, Count: 400, Total: 400, Source: "probe",
		Hint: "the gateway cannot resolve the upstream's name", NextStep: "dig search.internal from the gateway host", LastSeen: fixedNow}}

	web := upstream("web", "10.0.0.2:8080", model.StateUp, window(300, 60000, 0, 3.2, 11, 25))
	web.Probe = &model.ProbeResult{Time: fixedNow, Target: "http://10.0.0.2:8080/", OK: true, Status: 200,
		Phases: model.Phases{Connect: 0.2, TTFB: 2.9, Total: 3.3}}
	web.ProbeHistory = history(60, 60)
	web.SparkP95 = series(30, func(i int) float64 { return 10 + float64(i%4) })

	static := upstream("static", "10.0.0.3:8080", model.StateUp, window(300, 30000, 3, 0.8, 2.1, 4.4))
	static.SparkP95 = series(30, func(i int) float64 { return 2 })

	img := upstream("images-resizer-with-a-very-long-name", "10.0.0.44:8081", model.StateUp, window(300, 1500, 1, 120, 340, 560))
	img.SparkP95 = series(12, func(i int) float64 { return float64(300 + 10*i) })

	batch := upstream("batch", "10.0.0.8:7000", model.StateUnknown, window(300, 0, 0, 0, 0, 0))
	batch.StateReason = "no traffic and no probe configured"
	batch.Window5m.Classes = model.StatusClasses{}
	batch.LatencyMS = model.Latency{}

	return &model.Snapshot{
		Time:    fixedNow,
		Started: fixedNow.Add(-15 * time.Minute),
		Host:    fixtureHost(),
		Gateways: []model.Gateway{
			{Kind: "nginx", Source: "stub_status", Target: "http://127.0.0.1/nginx_status", OK: true, Updated: fixedNow},
			{Kind: "nginx", Source: "access_log", Target: "/var/log/nginx/access.log", OK: true, Updated: fixedNow},
			{Kind: "nginx", Source: "error_log", Target: "/var/log/nginx/error.log", OK: false, Error: "permission denied"},
		},
		Upstreams: []model.Upstream{web, api, static, pay, batch, auth, img, search},
		Events: []model.Event{
			{Time: fixedNow.Add(-5 * time.Minute), Kind: "state", Name: "api", Address: "10.0.0.5:8000", From: model.StateUp, To: model.StateDegraded, Cause: model.CauseRefused},
			{Time: fixedNow.Add(-4 * time.Minute), Kind: "state", Name: "api", Address: "10.0.0.5:8000", From: model.StateDegraded, To: model.StateDown, Cause: model.CauseRefused},
			{Time: fixedNow.Add(-3 * time.Minute), Kind: "state", Name: "payments", Address: "10.0.0.7:8443", From: model.StateUp, To: model.StateDegraded, Cause: model.CauseReadTimeout},
			{Time: fixedNow.Add(-90 * time.Second), Kind: "state", Name: "search", Address: "search.internal:9200", From: model.StateUnknown, To: model.StateDown, Cause: model.CauseDNS},
			{Time: fixedNow.Add(-30 * time.Second), Kind: "state", Name: "auth", Address: "10.0.0.9:9000", From: model.StateUp, To: model.StateDegraded, Cause: model.CauseReset},
		},
		ReqPerSec: 385.6,
		Rate5xx:   0.031,
		LatencyMS: model.Latency{P50: 4, P95: 480, P99: 1900, Count: 115000},
	}
}

// fixtureHost is a 4-core gateway host running nginx: one worker close to
// its open-files limit, one whose descriptors cannot be read, TIME_WAIT at
// a third of the ephemeral ports (below the header's warning).
func fixtureHost() model.Host {
	const mib = 1 << 20
	return model.Host{
		CPUPercent: 42, MemPercent: 71, SwapPercent: 10, Load1: 1.2, Load5: 0.8, Load15: 0.5,
		CPUs:         []float64{38, 55, 12, 63},
		MemUsedBytes: 5734 * mib, MemTotalBytes: 8076 * mib, SwapUsedBytes: 205 * mib, SwapTotalBytes: 2048 * mib,
		TCPStates:      map[string]int{"ESTABLISHED": 412, "TIME_WAIT": 9120, "LISTEN": 9, "CLOSE_WAIT": 3, "SYN_SENT": 2},
		EphemeralPorts: 28232,
		Processes: []model.Process{
			{PID: 812, PPID: 1, Name: "nginx", Role: model.RoleMaster, CPUPercent: 0.1, RSSBytes: 12 * mib, FDs: 42, FDLimit: 1024},
			{PID: 813, PPID: 812, Name: "nginx", Role: model.RoleWorker, CPUPercent: 23.5, RSSBytes: 48 * mib, FDs: 870, FDLimit: 1024},
			{PID: 814, PPID: 812, Name: "nginx", Role: model.RoleWorker, CPUPercent: 18.2, RSSBytes: 46 * mib, FDs: 312, FDLimit: 1024},
			{PID: 815, PPID: 812, Name: "nginx", Role: model.RoleWorker, CPUPercent: 9.0, RSSBytes: 45 * mib, FDLimit: 1024},
		},
	}
}

// bigSnapshot has n upstreams for the benchmark and scrolling tests.
func bigSnapshot(n int) *model.Snapshot {
	s := fixtureSnapshot()
	base := s.Upstreams
	ups := make([]model.Upstream, n)
	for i := range ups {
		u := base[i%len(base)]
		u.Name = fmt.Sprintf("%s-%04d", u.Name, i)
		u.Address = fmt.Sprintf("10.1.%d.%d:8000", i/250, i%250)
		u.Rate5xx = float64(i%97) / 97
		ups[i] = u
	}
	s.Upstreams = ups
	return s
}
