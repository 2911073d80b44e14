// Package export turns gwtop's latest snapshot into Prometheus metrics at
// scrape time: a prometheus.Collector that reads one immutable
// model.Snapshot per scrape, so a scrape never holds a lock of the engine.
package export

import (
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/gwtop/gwtop/model"
	"github.com/gwtop/gwtop/redact"
)

// upstreamLabels name one upstream row of the snapshot: its name, address,
// group (nginx upstream block, HAProxy backend) and gateway instance.
var upstreamLabels = []string{"upstream", "address", "group", "gateway"}

// sourceLabels name one gateways[] row: a status page or a log.
var sourceLabels = []string{"kind", "gateway", "source", "target"}

func with(base []string, extra ...string) []string {
	return append(slices.Clone(base), extra...)
}

// Collector is the prometheus.Collector of gwtop's metrics. Latest is read
// once per scrape; a nil snapshot (the engine has not published yet)
// yields gwtop_build_info alone.
type Collector struct {
	latest  func() *model.Snapshot
	version string

	buildInfo, snapTime, snapAge *prometheus.Desc

	requests, errors5xx, latency, state, failures, causeRecent, roots *prometheus.Desc
	reqPerSec, rate5xx, requests5m, errors5m, quantile                *prometheus.Desc
	probeUp, probeStatus, probePhase                                  *prometheus.Desc
	routeReqs, routeErrs                                              *prometheus.Desc

	srcUp, srcScrape, srcLines *prometheus.Desc

	cpu, mem, memUsed, memTotal, load1, tcp, ports, timeWait *prometheus.Desc
}

// New returns a collector reading latest at every scrape; version is
// gwtop's own, for gwtop_build_info.
func New(latest func() *model.Snapshot, version string) *Collector {
	d := func(name, help string, labels []string) *prometheus.Desc {
		return prometheus.NewDesc("gwtop_"+name, help, labels, nil)
	}
	u := upstreamLabels
	return &Collector{
		latest: latest, version: version,
		buildInfo: d("build_info", "gwtop's version; always 1.", []string{"version"}),
		snapTime:  d("snapshot_timestamp_seconds", "When the snapshot this scrape read was taken (unix seconds).", nil),
		snapAge:   d("start_time_seconds", "When gwtop started watching (unix seconds): counters count from here.", nil),

		requests:    d("upstream_requests_total", "Requests the gateway sent the upstream, by status class of the answer (other: no status).", with(u, "class")),
		errors5xx:   d("upstream_errors_5xx_total", "Requests to the upstream that ended in a 5xx.", u),
		latency:     d("upstream_request_duration_seconds", "Upstream response time as the gateway logged it; buckets counted from gwtop's latency sketch (1 % relative accuracy).", u),
		state:       d("upstream_state", "The upstream's state as gwtop judges it: one series per state, 1 for the current one.", with(u, "state")),
		failures:    d("upstream_failures_total", "Failures attributed to a cause (the design's cause codes) since gwtop started watching.", with(u, "cause")),
		causeRecent: d("upstream_cause_failures_5m", "Failures attributed to a cause over the last 5 minutes.", with(u, "cause")),
		roots:       d("upstream_root_occurrences", "Occurrences behind a root found under a cause (a process that exited, a certificate that expired), as gwtop counts them now.", with(u, "cause", "root")),
		reqPerSec:   d("upstream_requests_per_second", "Requests per second over the last 5 minutes, as gwtop's screen shows it.", u),
		rate5xx:     d("upstream_5xx_ratio", "Share of the last 5 minutes' requests that ended in a 5xx (0 to 1).", u),
		requests5m:  d("upstream_requests_5m", "Requests over the last 5 minutes.", u),
		errors5m:    d("upstream_errors_5xx_5m", "Requests that ended in a 5xx over the last 5 minutes.", u),
		quantile:    d("upstream_latency_5m_seconds", "Latency quantiles (0.5, 0.95, 0.99) over the last 5 minutes, as gwtop's screen shows them; count and sum since gwtop started.", u),
		probeUp:     d("probe_success", "Whether the last active probe of the upstream succeeded (1) or failed (0).", u),
		probeStatus: d("probe_http_status_code", "HTTP status of the last probe; 0 for TCP or no answer.", u),
		routeReqs:   d("upstream_route_requests_total", "Requests by route (the normalised path, IDs folded) and virtual host: the upstream's worst RoutesExported routes only, so the series stay bounded.", with(u, "route", "vhost")),
		routeErrs:   d("upstream_route_errors_5xx_total", "Requests by route that ended in a 5xx: the upstream's worst RoutesExported routes only.", with(u, "route", "vhost")),
		probePhase:  d("probe_phase_duration_seconds", "Duration of each phase of the last probe (dns, connect, tls, ttfb, total).", with(u, "phase")),

		srcUp:     d("source_up", "Whether the last read of a source (a status page, a log) succeeded.", sourceLabels),
		srcScrape: d("source_scrape_duration_seconds", "How long the last read of a status page took.", sourceLabels),
		srcLines:  d("source_lines_total", "Log lines read, by what became of them: parsed, skipped (unreadable), other (not about an upstream).", with(sourceLabels, "result")),

		cpu:      d("host_cpu_utilization_ratio", "The host's CPU busy share (0 to 1).", nil),
		mem:      d("host_memory_utilization_ratio", "The host's memory used share (0 to 1).", nil),
		memUsed:  d("host_memory_used_bytes", "The host's memory in use.", nil),
		memTotal: d("host_memory_total_bytes", "The host's memory.", nil),
		load1:    d("host_load1", "The host's 1-minute load average.", nil),
		tcp:      d("host_tcp_connections", "The host's TCP sockets by state.", []string{"state"}),
		ports:    d("host_ephemeral_ports", "Size of the local port range outgoing connections draw from (ip_local_port_range).", nil),
		timeWait: d("host_time_wait_ports_ratio", "TIME_WAIT sockets against the local port range (0 to 1): near 1, connects to upstreams fail.", nil),
	}
}

// Describe sends every descriptor the collector may emit.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.buildInfo, c.snapTime, c.snapAge,
		c.requests, c.errors5xx, c.latency, c.state, c.failures, c.causeRecent, c.roots,
		c.reqPerSec, c.rate5xx, c.requests5m, c.errors5m, c.quantile, c.probeUp, c.probeStatus, c.probePhase,
		c.routeReqs, c.routeErrs,
		c.srcUp, c.srcScrape, c.srcLines,
		c.cpu, c.mem, c.memUsed, c.memTotal, c.load1, c.tcp, c.ports, c.timeWait} {
		ch <- d
	}
}

// RoutesExported is how many of an upstream's routes (the collector's,
// worst first) become series: routes are the one label whose values the
// traffic chooses, so only the top few are exported.
const RoutesExported = 5

var states = []model.State{model.StateUp, model.StateDegraded, model.StateDown, model.StateUnknown}

var classes = []string{"1xx", "2xx", "3xx", "4xx", "5xx", "other"}

// Collect turns the latest snapshot into metrics.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	ch <- prometheus.MustNewConstMetric(c.buildInfo, prometheus.GaugeValue, 1, labelValue(c.version))
	s := c.latest()
	if s == nil {
		return
	}
	ch <- prometheus.MustNewConstMetric(c.snapTime, prometheus.GaugeValue, unix(s.Time))
	ch <- prometheus.MustNewConstMetric(c.snapAge, prometheus.GaugeValue, unix(s.Started))
	seen := make(map[string]bool, len(s.Upstreams))
	for i := range s.Upstreams {
		c.upstream(ch, &s.Upstreams[i], s.Started, seen)
	}
	clear(seen)
	for i := range s.Gateways {
		c.source(ch, &s.Gateways[i], seen)
	}
	c.host(ch, &s.Host)
}

func unix(t time.Time) float64 {
	if t.IsZero() {
		return 0
	}
	return float64(t.UnixNano()) / 1e9
}

func (c *Collector) upstream(ch chan<- prometheus.Metric, u *model.Upstream, started time.Time, seen map[string]bool) {
	lv := []string{labelValue(u.Name), labelValue(u.Address), labelValue(u.Group), labelValue(u.Gateway)}
	// Two rows that sanitise to the same labels would fail the whole
	// scrape (a duplicate series): the first, worst, is kept.
	key := strings.Join(lv, "\x00")
	if seen[key] {
		return
	}
	seen[key] = true
	counter := func(d *prometheus.Desc, v float64, extra ...string) {
		ch <- prometheus.MustNewConstMetricWithCreatedTimestamp(d, prometheus.CounterValue, v, started, append(lv, extra...)...)
	}
	gauge := func(d *prometheus.Desc, v float64, extra ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, append(lv, extra...)...)
	}
	for _, cl := range classes {
		n, _ := u.Total.Classes.Get(cl)
		counter(c.requests, float64(n), cl)
	}
	counter(c.errors5xx, float64(u.Total.Errors5xx))
	ch <- newHistogram(c.latency, slices.Clone(lv), u.LatencyBins, started)
	state := u.State
	if state == "" {
		state = model.StateUnknown
	}
	for _, st := range states {
		v := 0.0
		if st == state {
			v = 1
		}
		gauge(c.state, v, string(st))
	}
	for _, cr := range u.Causes {
		if cr.Code == model.CauseNone || cr.Code.Index() < 0 {
			continue
		}
		counter(c.failures, float64(cr.Total), string(cr.Code))
		gauge(c.causeRecent, float64(cr.Count), string(cr.Code))
		for _, r := range cr.Roots {
			if r.Code == "" || !knownRoot(r.Code) {
				continue
			}
			gauge(c.roots, float64(r.Count), string(cr.Code), string(r.Code))
		}
	}
	gauge(c.reqPerSec, u.ReqPerSec)
	gauge(c.rate5xx, u.Rate5xx)
	gauge(c.requests5m, float64(u.Requests))
	gauge(c.errors5m, float64(u.Errors5xx))
	if u.LatencyMS.Count > 0 {
		// A summary in client_golang's sense: quantiles over a sliding
		// window (here the screen's 5 minutes), count and sum cumulative.
		var n uint64
		var sum float64
		for _, b := range u.LatencyBins {
			n += b.Count
			sum += b.MS / 1000 * float64(b.Count)
		}
		q := map[float64]float64{0.5: u.LatencyMS.P50 / 1000, 0.95: u.LatencyMS.P95 / 1000, 0.99: u.LatencyMS.P99 / 1000}
		ch <- prometheus.MustNewConstSummaryWithCreatedTimestamp(c.quantile, n, sum, q, started, lv...)
	}
	// Two routes that sanitise alike would be a duplicate series.
	var routeSeen []string
	for _, r := range u.Routes {
		if len(routeSeen) == RoutesExported {
			break
		}
		rl, vh := labelValue(r.Route), labelValue(r.Host)
		if slices.Contains(routeSeen, rl+"\x00"+vh) {
			continue
		}
		routeSeen = append(routeSeen, rl+"\x00"+vh)
		counter(c.routeReqs, float64(r.Requests), rl, vh)
		counter(c.routeErrs, float64(r.Errors5xx), rl, vh)
	}
	if p := u.Probe; p != nil {
		ok := 0.0
		if p.OK {
			ok = 1
		}
		gauge(c.probeUp, ok)
		gauge(c.probeStatus, float64(p.Status))
		for _, ph := range []struct {
			name string
			ms   float64
		}{{"dns", p.Phases.DNS}, {"connect", p.Phases.Connect}, {"tls", p.Phases.TLS}, {"ttfb", p.Phases.TTFB}, {"total", p.Phases.Total}} {
			gauge(c.probePhase, ph.ms/1000, ph.name)
		}
	}
}

func knownRoot(r model.RootCode) bool { return slices.Contains(model.AllRoots(), r) }

func (c *Collector) source(ch chan<- prometheus.Metric, g *model.Gateway, seen map[string]bool) {
	lv := []string{labelValue(g.Kind), labelValue(g.Gateway), labelValue(g.Source), labelValue(g.Target)}
	key := strings.Join(lv, "\x00")
	if seen[key] {
		return
	}
	seen[key] = true
	up := 0.0
	if g.OK {
		up = 1
	}
	ch <- prometheus.MustNewConstMetric(c.srcUp, prometheus.GaugeValue, up, lv...)
	if g.ScrapeMS > 0 {
		ch <- prometheus.MustNewConstMetric(c.srcScrape, prometheus.GaugeValue, g.ScrapeMS/1000, lv...)
	}
	if _, isLog := g.Counters["lines"]; isLog {
		for _, r := range []string{"parsed", "skipped", "other"} {
			ch <- prometheus.MustNewConstMetric(c.srcLines, prometheus.CounterValue, g.Counters[r], append(slices.Clone(lv), r)...)
		}
	}
}

func (c *Collector) host(ch chan<- prometheus.Metric, h *model.Host) {
	gauge := func(d *prometheus.Desc, v float64, lv ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, lv...)
	}
	gauge(c.cpu, h.CPUPercent/100)
	gauge(c.mem, h.MemPercent/100)
	if h.MemTotalBytes > 0 {
		gauge(c.memUsed, float64(h.MemUsedBytes))
		gauge(c.memTotal, float64(h.MemTotalBytes))
	}
	gauge(c.load1, h.Load1)
	names := make([]string, 0, len(h.TCPStates))
	for st := range h.TCPStates {
		names = append(names, st)
	}
	slices.Sort(names)
	for _, st := range names {
		gauge(c.tcp, float64(h.TCPStates[st]), labelValue(st))
	}
	if h.EphemeralPorts > 0 {
		gauge(c.ports, float64(h.EphemeralPorts))
		gauge(c.timeWait, float64(h.TCPStates["TIME_WAIT"])/float64(h.EphemeralPorts))
	}
}

// maxLabel bounds a label value; addresses, names and paths fit.
const maxLabel = 200

// labelValue is a label value as gwtop may export it: no credential (the
// redact package), valid UTF-8, no control character, at most maxLabel
// bytes.
func labelValue(s string) string {
	s = redact.String(s)
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	if strings.IndexFunc(s, unicode.IsControl) >= 0 {
		s = strings.Map(func(r rune) rune {
			if unicode.IsControl(r) {
				return ' '
			}
			return r
		}, s)
	}
	if len(s) > maxLabel {
		cut := maxLabel
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}
