package record

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/gwtop/gwtop/model"
)

// t0 is the fixtures' start.
var t0 = time.Date(2026, 3, 14, 3, 10, 0, 0, time.UTC)

// traffic evolves a 10-upstream gateway under traffic as the engine
// publishes it every 500 ms: counters and quantiles move every snapshot, a
// probe result per upstream per second, error lines for the failing ones,
// the sparklines' last bucket growing, host figures changing, and a state
// change now and then.
type traffic struct {
	rng   *rand.Rand
	step  int
	snap  model.Snapshot
	total []int64
	errs  []int64
}

func newTraffic(seed uint64, upstreams int) *traffic {
	g := &traffic{rng: rand.New(rand.NewPCG(seed, 1)), total: make([]int64, upstreams), errs: make([]int64, upstreams)}
	g.snap = model.Snapshot{Started: t0.Add(-time.Minute)}
	for i := range upstreams {
		u := model.Upstream{
			Name: fmt.Sprintf("app-%d", i), Address: fmt.Sprintf("10.0.0.%d:8000", i+10), Gateway: "nginx",
			Group: "backend", State: model.StateUp, StateReason: "answers", Sources: []string{"probe", "access_log", "error_log"},
			Causes: []model.CauseRank{},
		}
		for j := range 60 {
			u.ProbeHistory = append(u.ProbeHistory, g.probe(u.Address, t0.Add(time.Duration(j-60)*time.Second), true))
		}
		u.SparkP95 = make([]float64, 30)
		u.Spark5xx = make([]float64, 30)
		for j := range 30 {
			u.SparkP95[j] = 20 + g.rng.Float64()*10
		}
		g.snap.Upstreams = append(g.snap.Upstreams, u)
	}
	g.snap.Gateways = []model.Gateway{
		{Kind: "nginx", Gateway: "nginx", Source: "access_log", Target: "/var/log/nginx/access.log", OK: true, Counters: map[string]float64{"lines": 0, "bytes": 0}},
		{Kind: "nginx", Gateway: "nginx", Source: "error_log", Target: "/var/log/nginx/error.log", OK: true, Counters: map[string]float64{"lines": 0}},
		{Kind: "nginx", Gateway: "nginx", Source: "stub_status", Target: "http://127.0.0.1/nginx_status", OK: true, Counters: map[string]float64{"active": 12, "requests": 0}},
	}
	return g
}

func (g *traffic) probe(target string, at time.Time, ok bool) model.ProbeResult {
	p := model.ProbeResult{Time: at, Target: "http://" + target + "/health", OK: ok, Status: 200,
		Phases: model.Phases{Connect: 0.1 + g.rng.Float64()/10, TTFB: 2 + g.rng.Float64()*3}}
	p.Phases.Total = p.Phases.Connect + p.Phases.TTFB
	if !ok {
		p.Status, p.Cause, p.Phase, p.Error = 0, model.CauseRefused, "connect", "dial tcp "+target+": connect: connection refused"
		p.Phases = model.Phases{Connect: 0.2, Total: 0.2}
	}
	return p
}

func (g *traffic) window(secs int, reqs, errs int64) model.Window {
	w := model.Window{Seconds: secs, Requests: reqs, Errors5xx: errs, ReqPerSec: float64(reqs) / float64(secs),
		Classes:   model.StatusClasses{2: reqs - errs, 5: errs},
		LatencyMS: model.Latency{P50: 10 + g.rng.Float64()*5, P95: 25 + g.rng.Float64()*10, P99: 50 + g.rng.Float64()*20, Count: reqs}}
	if reqs > 0 {
		w.Rate5xx = float64(errs) / float64(reqs)
	}
	if errs > 0 {
		w.Codes = model.StatusCodes{{Code: 200, N: reqs - errs}, {Code: 502, N: errs}}
	}
	return w
}

// next is the following snapshot (500 ms later), a new value each time.
func (g *traffic) next() *model.Snapshot {
	s := g.snap
	s.Time = t0.Add(time.Duration(g.step) * 500 * time.Millisecond)
	s.Host = model.Host{CPUPercent: 20 + g.rng.Float64()*10, MemPercent: 41 + g.rng.Float64(), Load1: 0.5 + g.rng.Float64()/4, Load5: 0.6, Load15: 0.7,
		CPUs: []float64{g.rng.Float64() * 50, g.rng.Float64() * 50}, TCPStates: map[string]int{"ESTABLISHED": 40 + g.rng.IntN(5), "TIME_WAIT": 300 + g.rng.IntN(50)}}
	s.Gateways = make([]model.Gateway, len(g.snap.Gateways))
	for i, gw := range g.snap.Gateways {
		gw.Updated = s.Time
		c := make(map[string]float64, len(gw.Counters))
		for k, v := range gw.Counters {
			c[k] = v + float64(g.rng.IntN(200))
		}
		gw.Counters = c
		s.Gateways[i] = gw
	}
	s.Upstreams = make([]model.Upstream, len(g.snap.Upstreams))
	failing := func(i int) bool { return i < 3 && g.step >= 40*(i+1) }
	for i, u := range g.snap.Upstreams {
		n := int64(15 + g.rng.IntN(10))
		var e int64
		if failing(i) {
			e = n / 2
		}
		g.total[i] += n
		g.errs[i] += e
		u.Window1m = g.window(60, min(g.total[i], 1200)+n, min(g.errs[i], 600))
		u.Window5m = g.window(300, min(g.total[i], 6000), min(g.errs[i], 3000))
		u.Total = g.window(int(s.Time.Sub(s.Started).Seconds()), g.total[i], g.errs[i])
		u.Requests, u.Errors5xx, u.Rate5xx, u.ReqPerSec, u.LatencyMS = u.Window5m.Requests, u.Window5m.Errors5xx, u.Window5m.Rate5xx, u.Window5m.ReqPerSec, u.Window5m.LatencyMS
		u.LastSeen = s.Time
		if g.step%2 == 0 { // a probe a second
			p := g.probe(u.Address, s.Time, !failing(i))
			u.Probe = &p
			u.ProbeHistory = append(u.ProbeHistory[1:len(u.ProbeHistory):len(u.ProbeHistory)], p)
		}
		sp, s5 := append([]float64(nil), u.SparkP95...), append([]float64(nil), u.Spark5xx...)
		if g.step%20 == 0 {
			sp, s5 = append(sp[1:], 0), append(s5[1:], 0)
		}
		sp[len(sp)-1] = 25 + g.rng.Float64()*10
		s5[len(s5)-1] += float64(e)
		u.SparkP95, u.Spark5xx = sp, s5
		if failing(i) {
			if u.State != model.StateDown {
				g.snap.Events = append(g.snap.Events, model.Event{Time: s.Time, Kind: model.EventState, Name: u.Name, Upstream: u.Name,
					Address: u.Address, Gateway: "nginx", From: u.State, To: model.StateDown, Cause: model.CauseRefused})
			}
			u.State, u.StateReason = model.StateDown, "probe refused"
			line := fmt.Sprintf(`%s [error] 812#812: *%d connect() failed (111: Connection refused) while connecting to upstream, client: 127.0.0.1, server: _, request: "GET /v1/orders/%d HTTP/1.1", upstream: "http://%s/v1/orders/%d"`,
				s.Time.Format("2006/01/02 15:04:05"), 4000+g.step*10+i, g.rng.IntN(100000), u.Address, g.rng.IntN(100000))
			u.Evidence = append(append([]string(nil), u.Evidence...), line)
			if len(u.Evidence) > 20 {
				u.Evidence = u.Evidence[len(u.Evidence)-20:]
			}
			u.Causes = []model.CauseRank{{Code: model.CauseRefused, Count: u.Window5m.Errors5xx, Total: g.errs[i], Source: "error_log",
				Hint: "nothing listens at that address", NextStep: "systemctl status app", Evidence: line, LastSeen: s.Time,
				Roots: []model.Root{{Code: "not_running", Count: 1, Summary: "nothing listens on " + u.Address, Source: "listeners"}}}}
		}
		s.Upstreams[i] = u
	}
	s.Events = append([]model.Event(nil), g.snap.Events...)
	var all, bad int64
	for i := range s.Upstreams {
		all += s.Upstreams[i].Window1m.Requests
		bad += s.Upstreams[i].Window1m.Errors5xx
	}
	s.ReqPerSec = float64(all) / 60
	if all > 0 {
		s.Rate5xx = float64(bad) / float64(all)
	}
	s.LatencyMS = model.Latency{P50: 11, P95: 30 + g.rng.Float64()*5, P99: 60, Count: all}
	g.snap = s
	g.step++
	out := s
	return &out
}
