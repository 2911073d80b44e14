// Package fleet reads many gwtop agents (gwtop serve) back from the
// Prometheus that scrapes them, through its HTTP API, into one
// model.Snapshot whose upstreams carry their instance: a handful of PromQL
// queries per refresh, whatever the number of upstreams.
package fleet

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/api"
	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	pmodel "github.com/prometheus/common/model"

	"github.com/gwtop/gwtop/diagnose"
	"github.com/gwtop/gwtop/model"
	"github.com/gwtop/gwtop/redact"
)

// Environment variables holding the Prometheus API's credentials.
const (
	EnvToken    = "GWTOP_PROMETHEUS_TOKEN"    // bearer token
	EnvUser     = "GWTOP_PROMETHEUS_USER"     // basic auth user
	EnvPassword = "GWTOP_PROMETHEUS_PASSWORD" // basic auth password
)

// DefaultJob is the scrape job gwtop's agents are read from (the
// packaging's sample scrape configuration names it so).
const DefaultJob = "gwtop"

// Kind is the gateways[] kind of the fleet's own rows: Prometheus itself
// and each agent it scrapes.
const Kind = "prometheus"

// Options say which Prometheus to read and how.
type Options struct {
	URL string // http://prom:9090; user:password@ in it is basic auth
	Job string // the agents' scrape job, DefaultJob when empty
	// Timeout bounds one refresh (all its queries), 5 s when 0.
	Timeout time.Duration
	// Credentials; when empty, taken from the URL and then from
	// EnvToken, EnvUser and EnvPassword.
	BearerToken        string
	Username, Password string
	// KnobsOf gives a gateway instance's words for the causes' hints
	// (gateway.KnobsOf); nil: the generic words.
	KnobsOf func(gateway string) diagnose.Knobs
}

// Source reads the fleet. Refresh is safe to call from one goroutine at a
// time; Latest from any.
type Source struct {
	opt    Options
	target string // the URL as shown: without credentials
	tr     *http.Transport
	api    v1.API
	latest atomic.Pointer[model.Snapshot]
}

// New checks the options and returns a source; nothing is fetched yet.
func New(o Options) (*Source, error) {
	u, err := url.Parse(o.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("--prometheus %s: want http(s)://HOST:PORT", redact.String(o.URL))
	}
	if u.User != nil && o.Username == "" {
		o.Username = u.User.Username()
		o.Password, _ = u.User.Password()
	}
	u.User = nil
	o.URL = u.String()
	if o.BearerToken == "" && o.Username == "" {
		o.BearerToken = os.Getenv(EnvToken)
		o.Username, o.Password = os.Getenv(EnvUser), os.Getenv(EnvPassword)
	}
	if o.Job == "" {
		o.Job = DefaultJob
	}
	if strings.ContainsAny(o.Job, "\"\\\n") {
		return nil, fmt.Errorf("--prometheus-job %q: quotes, backslashes and line breaks are not allowed", o.Job)
	}
	if o.Timeout <= 0 {
		o.Timeout = 5 * time.Second
	}
	tr := &http.Transport{Proxy: http.ProxyFromEnvironment, MaxIdleConnsPerHost: 8, IdleConnTimeout: 30 * time.Second}
	rt := http.RoundTripper(tr)
	if o.BearerToken != "" || o.Username != "" {
		rt = &authTransport{next: rt, token: o.BearerToken, user: o.Username, pass: o.Password}
	}
	c, err := api.NewClient(api.Config{Address: o.URL, RoundTripper: rt})
	if err != nil {
		return nil, fmt.Errorf("--prometheus %s: %w", o.URL, err)
	}
	return &Source{opt: o, target: o.URL, api: v1.NewAPI(c), tr: tr}, nil
}

type authTransport struct {
	next              http.RoundTripper
	token, user, pass string
}

func (a *authTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	if a.token != "" {
		r.Header.Set("Authorization", "Bearer "+a.token)
	} else {
		r.SetBasicAuth(a.user, a.pass)
	}
	return a.next.RoundTrip(r)
}

// Close drops the idle connections to Prometheus, whose goroutines would
// outlive the source.
func (s *Source) Close() { s.tr.CloseIdleConnections() }

// Latest is the last refresh's snapshot, nil before the first.
func (s *Source) Latest() *model.Snapshot { return s.latest.Load() }

// Run refreshes every interval until ctx ends, the first at once. Done
// closes when it has returned.
func (s *Source) Run(ctx context.Context, interval time.Duration) (done <-chan struct{}) {
	ch := make(chan struct{})
	go func() {
		defer close(ch)
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			s.Refresh(ctx)
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	return ch
}

// The queries of one refresh; %s is the job selector.
const (
	qUp = `up{%s}`
	// The current state of a scraped agent's upstreams (a row the agent
	// forgot goes stale at once); an agent not scraped keeps its last
	// known rows for 5 minutes.
	qState  = `(gwtop_upstream_state{%[1]s} == 1) or ((last_over_time(gwtop_upstream_state{%[1]s}[5m]) == 1) unless on(instance) (up{%[1]s} == 1))`
	qFigure = `{%s,__name__=~"gwtop_upstream_(requests_per_second|5xx_ratio|requests_5m|errors_5xx_5m|latency_5m_seconds)"}`
	qCause  = `{%s,__name__=~"gwtop_upstream_(cause_failures_5m|failures_total|root_occurrences)"}`
	qSource = `{%s,__name__=~"gwtop_(source_up|source_scrape_duration_seconds|host_cpu_utilization_ratio|host_memory_utilization_ratio|host_load1)"}`
	// The fleet-wide latency over 5 minutes, for the header: p50, p95 and
	// p99 of every agent's classic histogram summed, and the count, as one
	// vector labelled q.
	qLatency = `label_replace(histogram_quantile(0.5, sum by (le) (rate(gwtop_upstream_request_duration_seconds_bucket{%[1]s}[5m]))), "q", "0.5", "", "")` +
		` or label_replace(histogram_quantile(0.95, sum by (le) (rate(gwtop_upstream_request_duration_seconds_bucket{%[1]s}[5m]))), "q", "0.95", "", "")` +
		` or label_replace(histogram_quantile(0.99, sum by (le) (rate(gwtop_upstream_request_duration_seconds_bucket{%[1]s}[5m]))), "q", "0.99", "", "")` +
		` or label_replace(sum(increase(gwtop_upstream_request_duration_seconds_count{%[1]s}[5m])), "q", "count", "", "")`
)

// Queries is how many PromQL queries one refresh makes.
const Queries = 6

// MaxUpstreams bounds a fleet snapshot: beyond it the least severe rows
// are left out, and the Prometheus row says how many.
const MaxUpstreams = 20000

// Refresh queries Prometheus once and publishes the snapshot (also
// returned). A Prometheus that cannot be reached, or a query that fails,
// is a gateways[] row with the error, never a missing snapshot.
func (s *Source) Refresh(ctx context.Context) *model.Snapshot {
	start := time.Now()
	ctx, cancel := context.WithTimeout(ctx, s.opt.Timeout)
	defer cancel()
	sel := fmt.Sprintf(`job=%q`, s.opt.Job)
	qs := []string{qUp, qState, qFigure, qCause, qSource, qLatency}
	res := make([]pmodel.Vector, len(qs))
	errs := make([]error, len(qs))
	var wg sync.WaitGroup
	for i, q := range qs {
		wg.Go(func() {
			v, _, _, err := s.api.Query(ctx, fmt.Sprintf(q, sel), start)
			if err != nil {
				errs[i] = err
				return
			}
			vec, ok := v.(pmodel.Vector)
			if !ok {
				errs[i] = fmt.Errorf("query %d: want a vector, got %s", i, v.Type())
				return
			}
			res[i] = vec
		})
	}
	wg.Wait()
	snap := build(start, res, s.opt.KnobsOf)
	row := model.Gateway{Kind: Kind, Gateway: Kind, Source: "api", Target: s.target, OK: true, Updated: time.Now(),
		ScrapeMS: float64(time.Since(start).Microseconds()) / 1000, Note: fmt.Sprintf("%d queries per refresh, job %q", len(qs), s.opt.Job)}
	if err := errors.Join(errs...); err != nil {
		row.OK = false
		row.Error = redact.String(firstLine(err))
	} else if len(res[0]) == 0 {
		row.OK = false
		row.Error = fmt.Sprintf("Prometheus scrapes no target of job %q", s.opt.Job)
	}
	if n := bound(snap, MaxUpstreams); n > 0 {
		row.Note += fmt.Sprintf("; %d more upstreams not shown (at most %d)", n, MaxUpstreams)
	}
	snap.Gateways = append([]model.Gateway{row}, snap.Gateways...)
	s.latest.Store(snap)
	return snap
}

// bound keeps the worst max upstreams (they are sorted worst first) and
// returns how many it left out.
func bound(s *model.Snapshot, max int) int {
	n := len(s.Upstreams) - max
	if n <= 0 {
		return 0
	}
	s.Upstreams = slices.Clip(s.Upstreams[:max])
	return n
}

func firstLine(err error) string {
	l, _, _ := strings.Cut(err.Error(), "\n")
	return l
}

type ukey struct{ instance, gateway, address string }

// build turns the queries' vectors into a snapshot.
func build(now time.Time, res []pmodel.Vector, knobsOf func(string) diagnose.Knobs) *model.Snapshot {
	if knobsOf == nil {
		knobsOf = func(string) diagnose.Knobs { return diagnose.Knobs{} }
	}
	snap := &model.Snapshot{Time: now, Started: now, Gateways: []model.Gateway{}, Upstreams: []model.Upstream{}}
	down := map[string]bool{}
	var instances []string
	for _, smp := range res[0] {
		inst := string(smp.Metric["instance"])
		instances = append(instances, inst)
		if smp.Value != 1 {
			down[inst] = true
		}
	}
	rows := map[ukey]*model.Upstream{}
	var order []ukey
	key := func(m pmodel.Metric) ukey {
		return ukey{string(m["instance"]), string(m["gateway"]), string(m["address"])}
	}
	for _, smp := range res[1] {
		k := key(smp.Metric)
		if _, ok := rows[k]; ok {
			continue
		}
		u := &model.Upstream{Instance: k.instance, Gateway: k.gateway, Address: k.address,
			Name: string(smp.Metric["upstream"]), Group: string(smp.Metric["group"]),
			State: model.State(smp.Metric["state"]), Sources: []string{"prometheus"}}
		if down[k.instance] {
			u.StateReason = fmt.Sprintf("last known (%s): Prometheus cannot scrape agent %s", u.State, k.instance)
			u.State = model.StateUnknown
		}
		rows[k] = u
		order = append(order, k)
	}
	for _, smp := range res[2] {
		u := rows[key(smp.Metric)]
		if u == nil {
			continue
		}
		v := float64(smp.Value)
		switch smp.Metric["__name__"] {
		case "gwtop_upstream_requests_per_second":
			u.ReqPerSec = v
		case "gwtop_upstream_5xx_ratio":
			u.Rate5xx = v
		case "gwtop_upstream_requests_5m":
			u.Requests = int64(v)
		case "gwtop_upstream_errors_5xx_5m":
			u.Errors5xx = int64(v)
		case "gwtop_upstream_latency_5m_seconds":
			switch smp.Metric["quantile"] {
			case "0.5":
				u.LatencyMS.P50 = v * 1000
			case "0.95":
				u.LatencyMS.P95 = v * 1000
			case "0.99":
				u.LatencyMS.P99 = v * 1000
			}
			u.LatencyMS.Count = max(u.LatencyMS.Count, 1)
		}
	}
	causes := map[ukey]map[model.Cause]*model.CauseRank{}
	type rootSample struct {
		k     ukey
		cause model.Cause
		root  model.Root
	}
	var roots []rootSample
	for _, smp := range res[3] {
		k := key(smp.Metric)
		if rows[k] == nil {
			continue
		}
		code := model.Cause(smp.Metric["cause"])
		if code.Index() < 0 {
			continue
		}
		if smp.Metric["__name__"] == "gwtop_upstream_root_occurrences" {
			rc := model.RootCode(smp.Metric["root"])
			if slices.Contains(model.AllRoots(), rc) {
				roots = append(roots, rootSample{k, code, model.Root{Code: rc, Count: int64(smp.Value), Source: "prometheus",
					Summary: "reported by agent " + k.instance}})
			}
			continue
		}
		if causes[k] == nil {
			causes[k] = map[model.Cause]*model.CauseRank{}
		}
		cr := causes[k][code]
		if cr == nil {
			cr = &model.CauseRank{Code: code, Source: "prometheus"}
			causes[k][code] = cr
		}
		if smp.Metric["__name__"] == "gwtop_upstream_failures_total" {
			cr.Total = int64(smp.Value)
		} else {
			cr.Count = int64(smp.Value)
		}
	}
	for _, r := range roots {
		if cr := causes[r.k][r.cause]; cr != nil {
			cr.Roots = append(cr.Roots, r.root)
		}
	}
	for k, m := range causes {
		u := rows[k]
		for _, cr := range m {
			// A cause seen only before the last 5 minutes is history.
			if cr.Count > 0 {
				slices.SortFunc(cr.Roots, func(a, b model.Root) int { return cmp.Compare(b.Count, a.Count) })
				cr.Evidence = fmt.Sprintf("%d in the last 5 minutes, %d since agent %s started", cr.Count, cr.Total, k.instance)
				cr.Hint, cr.NextStep = diagnose.Hint(cr.Code, diagnose.Target{Name: u.Name, Address: u.Address, Knobs: knobsOf(u.Gateway)})
				cr.NextStep = "on " + hostOf(k.instance) + ": " + cr.NextStep
				u.Causes = append(u.Causes, *cr)
			}
		}
		slices.SortFunc(u.Causes, func(a, b model.CauseRank) int {
			return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(b.Total, a.Total), cmp.Compare(a.Code, b.Code))
		})
	}
	var req, e5 int64
	for _, k := range order {
		u := rows[k]
		if u.Causes == nil {
			u.Causes = []model.CauseRank{}
		}
		// The agents export the 5-minute window; the others stay empty.
		u.Window5m = model.Window{Seconds: 300, Requests: u.Requests, Errors5xx: u.Errors5xx, Rate5xx: u.Rate5xx,
			ReqPerSec: u.ReqPerSec, LatencyMS: u.LatencyMS}
		u.Window1m = model.Window{Seconds: 60}
		u.Total = model.Window{}
		snap.Upstreams = append(snap.Upstreams, *u)
		snap.ReqPerSec += u.ReqPerSec
		req += u.Requests
		e5 += u.Errors5xx
	}
	if req > 0 {
		snap.Rate5xx = float64(e5) / float64(req)
	}
	slices.SortFunc(snap.Upstreams, func(x, y model.Upstream) int {
		return cmp.Or(cmp.Compare(y.State.Severity(), x.State.Severity()), cmp.Compare(y.Rate5xx, x.Rate5xx),
			cmp.Compare(x.Name, y.Name), cmp.Compare(x.Instance, y.Instance), cmp.Compare(x.Address, y.Address), cmp.Compare(x.Gateway, y.Gateway))
	})
	// One row per agent, then each agent's own sources.
	slices.Sort(instances)
	for _, inst := range slices.Compact(instances) {
		g := model.Gateway{Kind: Kind, Gateway: inst, Source: "agent", Target: inst, OK: !down[inst], Updated: now}
		if down[inst] {
			g.Error = "Prometheus cannot scrape this agent (up == 0): gwtop serve stopped, or the host is unreachable"
		}
		snap.Gateways = append(snap.Gateways, g)
	}
	fleetLatency(&snap.LatencyMS, res[5])
	srcs := map[string]*model.Gateway{}
	var srcOrder []string
	for _, smp := range res[4] {
		m := smp.Metric
		name := string(m["__name__"])
		if !strings.HasPrefix(name, "gwtop_source_") {
			hostFigure(&snap.Host, name, float64(smp.Value))
			continue
		}
		id := strings.Join([]string{string(m["instance"]), string(m["kind"]), string(m["gateway"]), string(m["source"]), string(m["target"])}, "\x00")
		g := srcs[id]
		if g == nil {
			g = &model.Gateway{Kind: string(m["kind"]), Gateway: string(m["gateway"]) + "@" + string(m["instance"]), Source: string(m["source"]),
				Target: string(m["target"]), Updated: now}
			srcs[id] = g
			srcOrder = append(srcOrder, id)
		}
		switch name {
		case "gwtop_source_up":
			g.OK = smp.Value == 1
			if !g.OK {
				g.Error = "the agent's last read of this source failed (its own /api/v1/snapshot says why)"
			}
		case "gwtop_source_scrape_duration_seconds":
			g.ScrapeMS = float64(smp.Value) * 1000
		}
	}
	slices.Sort(srcOrder)
	for _, id := range srcOrder {
		snap.Gateways = append(snap.Gateways, *srcs[id])
	}
	return snap
}

// hostOf is the host part of an instance (host:port), where the
// operator goes to act on a cause.
func hostOf(instance string) string {
	if h, _, err := net.SplitHostPort(instance); err == nil {
		return h
	}
	return instance
}

// hostFigure keeps the fleet's busiest host's figures: the snapshot has
// one Host, and the worst is the one to see.
func hostFigure(h *model.Host, name string, v float64) {
	switch name {
	case "gwtop_host_cpu_utilization_ratio":
		h.CPUPercent = max(h.CPUPercent, v*100)
	case "gwtop_host_memory_utilization_ratio":
		h.MemPercent = max(h.MemPercent, v*100)
	case "gwtop_host_load1":
		h.Load1 = max(h.Load1, v)
	}
}

// Instances lists the instances a snapshot's upstreams come from, sorted.
func Instances(s *model.Snapshot) []string {
	var out []string
	for _, u := range s.Upstreams {
		if u.Instance != "" {
			out = append(out, u.Instance)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// fleetLatency reads qLatency's vector into the snapshot's gateway-wide
// latency (ms); a quantile Prometheus cannot compute (no traffic: NaN)
// stays zero.
func fleetLatency(l *model.Latency, vec pmodel.Vector) {
	for _, smp := range vec {
		v := float64(smp.Value)
		if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
			continue
		}
		switch smp.Metric["q"] {
		case "0.5":
			l.P50 = v * 1000
		case "0.95":
			l.P95 = v * 1000
		case "0.99":
			l.P99 = v * 1000
		case "count":
			l.Count = int64(math.Round(v))
		}
	}
}
