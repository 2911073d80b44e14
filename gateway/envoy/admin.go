package envoy

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"

	"github.com/gwtop/gwtop/redact"

	"github.com/gwtop/gwtop/collector/feed"
	"github.com/gwtop/gwtop/collector/statuspage"
	"github.com/gwtop/gwtop/model"
)

const (
	// maxBody caps one admin page: /clusters of a large mesh runs to a few
	// MiB; anything far beyond is not what was asked for.
	maxBody = 32 << 20
	// maxFailuresPerDelta caps the failures one counter increase turns
	// into, so a counter that jumps by millions costs nothing; the evidence
	// line still gives the whole increase.
	maxFailuresPerDelta = 100
	// countersSource names the admin's counters in the aggregator.
	countersSource = "envoy admin"
)

// statCause maps the cluster stats that say why requests failed to causes.
// upstream_cx_connect_timeout and upstream_rq_timeout are handled with the
// hosts' own counters, membership_* as a gauge.
var statCause = []struct {
	stat     string
	cause    model.Cause
	inferred bool
}{
	{"upstream_rq_per_try_timeout", model.CauseReadTimeout, false},
	{"upstream_cx_destroy_remote_with_active_rq", model.CausePrematureClose, false},
	// The circuit breakers: Envoy itself refused to send (UO, 503), the
	// gateway's own limit rather than the upstream's fault.
	{"upstream_rq_pending_overflow", model.CauseGatewayLimits, false},
	{"upstream_cx_overflow", model.CauseGatewayLimits, false},
	{"upstream_cx_none_healthy", model.CauseNoLiveUpstreams, false},
	{"upstream_cx_protocol_error", model.CauseBadResponse, false},
	// Health checks that could not connect: refused or timed out, the
	// stat does not say which, so it is a guess.
	{"health_check.network_failure", model.CauseRefused, true},
}

// Admin reads Envoy's admin interface once per Scrape. It keeps the
// previous counter values to report their increases, so one Admin serves
// one scrape loop.
type Admin struct {
	base   *url.URL
	shown  string
	client *statuspage.Client

	textOnly    bool                        // ?format=json did not parse: ask for text
	prevHost    map[string]map[string]int64 // cluster\x00addr → host stats
	prevStats   map[string]map[string]int64 // stat cluster name → cluster stats
	noneHealthy map[string]bool             // clusters last seen with no healthy host
	markedDown  map[string]bool
}

// NewAdmin prepares a reader of the Envoy admin interface at rawURL
// (http://127.0.0.1:9901).
func NewAdmin(rawURL string) (*Admin, error) {
	u, err := statuspage.BaseURL("envoy admin", rawURL, "http://127.0.0.1:9901", false)
	if err != nil {
		return nil, err
	}
	shown := redact.String(u.String())
	return &Admin{
		base: u, shown: shown,
		// Basic auth, if any, comes from the URL's userinfo.
		client:   statuspage.New("envoy admin", statuspage.Options{MaxBody: maxBody}),
		prevHost: map[string]map[string]int64{}, prevStats: map[string]map[string]int64{},
		noneHealthy: map[string]bool{}, markedDown: map[string]bool{},
	}, nil
}

// Target is the admin URL as shown: without credentials.
func (a *Admin) Target() string { return a.shown }

// Source names the admin interface's row in the snapshot's gateways.
func (a *Admin) Source() string { return "admin" }

// Scrape reads /clusters and /stats and reports hosts, their counters and
// health, and the failures the counters' increases reveal; it returns the
// row's counters.
func (a *Admin) Scrape(ctx context.Context, sink feed.Sink) (map[string]float64, error) {
	clusters, err := a.clusters(ctx)
	var stats map[string]map[string]int64
	var serr error
	if err == nil {
		var raw map[string]int64
		raw, serr = a.stats(ctx)
		stats = ClusterStats(raw)
	}
	if err != nil || ctx.Err() != nil {
		return nil, err
	}
	if serr != nil {
		// The hosts are still worth showing; the causes from cluster
		// stats are missing, and the row says so.
		stats = nil
	}
	n := a.report(clusters, stats, sink)
	counters := map[string]float64{"clusters": float64(len(clusters)), "hosts": float64(n.hosts), "hosts_down": float64(n.down)}
	if a.textOnly {
		counters["clusters_text"] = 1
	}
	return counters, serr
}

type tally struct{ hosts, down int }

// report is Scrape's pure part: what /clusters and /stats say, turned
// into sink calls. stats is nil when /stats could not be read.
func (a *Admin) report(clusters []Cluster, stats map[string]map[string]int64, sink feed.Sink) tally {
	type hostSum struct {
		c       feed.Counters
		down    bool
		why     []string
		cluster string
	}
	hosts := map[string]*hostSum{}
	seenHost := map[string]bool{}
	var order []string
	for ci := range clusters {
		c := &clusters[ci]
		sn := statName(c)
		cs := stats[sn]
		ps, hadStats := a.prevStats[sn]
		delta := func(stat string) int64 {
			if !hadStats || cs == nil {
				return 0
			}
			if d := cs[stat] - ps[stat]; d > 0 {
				return d
			}
			return 0 // first sight, or reset by a restart
		}
		// Connect failures: the hosts' cx_connect_fail says which host,
		// the cluster's upstream_cx_connect_timeout how many were timeouts.
		type hostDelta struct {
			addr               string
			connFail, rqTimout int64
		}
		var hd []hostDelta
		var sumConn, sumRqTimeout int64
		for hi := range c.Hosts {
			h := &c.Hosts[hi]
			key := c.Name + "\x00" + h.Addr
			seenHost[key] = true
			if prev, ok := a.prevHost[key]; ok {
				d := hostDelta{addr: h.Addr}
				if v := h.Stats["cx_connect_fail"] - prev["cx_connect_fail"]; v > 0 {
					d.connFail = v
				}
				if v := h.Stats["rq_timeout"] - prev["rq_timeout"]; v > 0 {
					d.rqTimout = v
				}
				if d.connFail > 0 || d.rqTimout > 0 {
					hd = append(hd, d)
					sumConn += d.connFail
					sumRqTimeout += d.rqTimout
				}
			}
			a.prevHost[key] = h.Stats

			hs := hosts[h.Addr]
			if hs == nil {
				hs = &hostSum{cluster: c.Name}
				hosts[h.Addr] = hs
				order = append(order, h.Addr)
				sink.Label(h.Addr, c.Name, c.Name)
			}
			hs.c.Requests += h.Stats["rq_total"]
			hs.c.Classes[5] += h.Stats["rq_error"]
			// rq_success counts every non-5xx answer: Envoy's per-host
			// stats do not split 1xx-4xx, so they are shown as 2xx.
			hs.c.Classes[2] += h.Stats["rq_success"]
			down, flags := h.Down()
			hs.down = hs.down || down
			hs.why = append(hs.why, flags)
		}
		timeouts := delta("upstream_cx_connect_timeout")
		for _, d := range hd {
			if d.connFail > 0 {
				switch {
				case timeouts >= sumConn:
					emit(sink, d.addr, model.CauseConnectTimeout, false, d.connFail,
						fmt.Sprintf("envoy cluster %s host %s: cx_connect_fail +%d, cluster upstream_cx_connect_timeout +%d", c.Name, d.addr, d.connFail, timeouts))
				default:
					// Connect failures that were not timeouts are, on a
					// plain connection, refusals; the counter itself does
					// not say (TLS handshake failures count here too),
					// hence inferred.
					emit(sink, d.addr, model.CauseRefused, true, d.connFail,
						fmt.Sprintf("envoy cluster %s host %s: cx_connect_fail +%d (of which timeouts: %d in the cluster)", c.Name, d.addr, d.connFail, timeouts))
				}
			}
			if d.rqTimout > 0 {
				emit(sink, d.addr, model.CauseReadTimeout, false, d.rqTimout,
					fmt.Sprintf("envoy cluster %s host %s: rq_timeout +%d", c.Name, d.addr, d.rqTimout))
			}
		}
		if timeouts > 0 && (sumConn == 0 || timeouts < sumConn) {
			// Timeouts no host accounts for alone go to the cluster.
			emit(sink, c.Name, model.CauseConnectTimeout, false, timeouts,
				fmt.Sprintf("envoy cluster %s: upstream_cx_connect_timeout +%d", c.Name, timeouts))
		}
		// Route timeouts not already seen on a host go to the cluster.
		if d := delta("upstream_rq_timeout") - sumRqTimeout; d > 0 {
			emit(sink, c.Name, model.CauseReadTimeout, false, d, fmt.Sprintf("envoy cluster %s: upstream_rq_timeout +%d", c.Name, d))
		}
		for _, sc := range statCause {
			if d := delta(sc.stat); d > 0 {
				emit(sink, c.Name, sc.cause, sc.inferred, d, fmt.Sprintf("envoy cluster %s: %s +%d", c.Name, sc.stat, d))
			}
		}
		if cs != nil {
			if cs["membership_total"] > 0 && cs["membership_healthy"] == 0 {
				if !a.noneHealthy[c.Name] {
					a.noneHealthy[c.Name] = true
					emit(sink, c.Name, model.CauseNoLiveUpstreams, false, 1,
						fmt.Sprintf("envoy cluster %s: membership_healthy 0 of %d hosts — Envoy answers 503 UH", c.Name, cs["membership_total"]))
				}
			} else {
				delete(a.noneHealthy, c.Name)
			}
			a.prevStats[sn] = cs
		}
	}
	for k := range a.prevHost {
		if !seenHost[k] {
			delete(a.prevHost, k)
		}
	}
	var n tally
	sort.Strings(order)
	for _, addr := range order {
		hs := hosts[addr]
		n.hosts++
		sink.ObserveCounters(countersSource, addr, hs.c)
		why := "envoy health_flags: " + strings.Join(uniq(hs.why), " ")
		if hs.down {
			n.down++
		}
		sink.SetServerStatus(addr, hs.down, why)
		a.markedDown[addr] = hs.down
	}
	for addr := range a.markedDown {
		if hosts[addr] == nil {
			delete(a.markedDown, addr)
		}
	}
	return n
}

func uniq(s []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, v := range s {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}

func emit(sink feed.Sink, addr string, cause model.Cause, inferred bool, n int64, line string) {
	for range min(n, maxFailuresPerDelta) {
		sink.ObserveFailure(feed.Failure{Addr: addr, Cause: cause, Source: "status", Line: line, Inferred: inferred})
	}
}

// clusters reads /clusters?format=json, or the text form when the JSON
// does not parse (Envoy before 1.12 ignores format=json and answers text).
func (a *Admin) clusters(ctx context.Context) ([]Cluster, error) {
	if !a.textOnly {
		b, err := a.get(ctx, "/clusters", "format=json")
		if err != nil {
			return nil, err
		}
		c, jerr := ParseClustersJSON(b)
		if jerr == nil {
			return c, nil
		}
		tb, err := a.get(ctx, "/clusters", "")
		if err != nil {
			return nil, err
		}
		c, terr := ParseClustersText(tb)
		if terr != nil {
			return nil, fmt.Errorf("envoy admin %s/clusters: neither JSON (%v) nor text (%v)", a.shown, jerr, terr)
		}
		a.textOnly = true
		return c, nil
	}
	b, err := a.get(ctx, "/clusters", "")
	if err != nil {
		return nil, err
	}
	c, err := ParseClustersText(b)
	if err != nil {
		a.textOnly = false // try JSON again next time
		return nil, fmt.Errorf("envoy admin %s/clusters: %w", a.shown, err)
	}
	return c, nil
}

func (a *Admin) stats(ctx context.Context) (map[string]int64, error) {
	b, err := a.get(ctx, "/stats", "filter="+url.QueryEscape(`^cluster\.`))
	if err != nil {
		return nil, err
	}
	s, err := ParseStats(b)
	if err != nil {
		return nil, fmt.Errorf("envoy admin %s/stats: %w", a.shown, err)
	}
	return s, nil
}

func (a *Admin) get(ctx context.Context, path, query string) ([]byte, error) {
	u := *a.base
	u.Path += path
	u.RawQuery = query
	resp, err := a.client.Get(ctx, u.String())
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, resp.NotOK("from Envoy's admin interface")
	}
	return resp.Body, nil
}

var _ feed.Scraper = (*Admin)(nil)
