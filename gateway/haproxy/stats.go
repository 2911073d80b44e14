package haproxy

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/gwtop/gwtop/collector/feed"
	"github.com/gwtop/gwtop/model"
)

// restate is how often a standing failure (a server that stays DOWN with a
// failing check, a backend that stays DOWN) is reported again. HAProxy
// stops counting failed checks once a server is DOWN (chkfail counts only
// checks failed while UP), so without this a server down for longer than
// the five-minute window would show its cause with a count of 0.
const restate = time.Minute

// maxFailuresPerScrape caps the failures one scrape reports for one server,
// so a long gap between scrapes (a suspended laptop) does not flood the
// evidence with copies of one line.
const maxFailuresPerScrape = 20

// Stats reads HAProxy's stats CSV from the stats page or the runtime API
// and reports every server's counters, state and failing health checks.
// It keeps the previous reading to report each failed check once, so one
// Stats serves one scrape loop.
type Stats struct {
	// Names, when set, receives every server's address for a LogParser
	// sharing it.
	Names *Names

	t *target
	// Per server (backend/server) and per backend, what the previous
	// scrape saw.
	servers  map[string]*serverMemo
	backends map[string]*backendMemo
	prevReq  float64
	prevAt   time.Time
	reload   reloadWatch // counters that fell: a reload (reload.go)
}

type serverMemo struct {
	seen                       bool
	chkfail                    int64
	econ, eresp, wretr, wredis int64
	cause                      model.Cause // the cause of the last failing check seen
	reported                   time.Time
	maintDNS                   bool
}

type backendMemo struct {
	down     bool
	reported time.Time
	econ     int64
}

// NewStats prepares a scraper of target: an http(s) stats URL (";csv" is
// added when missing; basic auth from username and password or the URL's
// userinfo), "unix:/path" or "/path" for the runtime API's unix socket,
// or "ipv4@host:port", "ipv6@[::1]:port", "tcp://host:port" for it over
// TCP. The password never appears in an error, the gateway row or the
// evidence.
func NewStats(target, username, password string) (*Stats, error) {
	t, err := parseTarget(target, username, password)
	if err != nil {
		return nil, err
	}
	return &Stats{t: t, servers: map[string]*serverMemo{}, backends: map[string]*backendMemo{}}, nil
}

// Target is the target as it may be shown: without the password.
func (s *Stats) Target() string { return s.t.shown }

// Source is "stats" for the stats page, "socket" for the runtime API.
func (s *Stats) Source() string { return s.t.source() }

// Scrape reads the stats once and reports them; it returns the row's
// counters, or why the stats could not be read.
func (s *Stats) Scrape(ctx context.Context, sink feed.Sink) (map[string]float64, error) {
	info := s.t.readInfo(ctx) // the runtime API only: who answers, since when
	tab, head, err := s.t.read(ctx)
	if ctx.Err() != nil {
		return nil, err
	}
	switch {
	case errors.Is(err, ErrNotCSV):
		err = s.explain(err, head)
	case errors.Is(err, ErrTooLarge):
		err = fmt.Errorf("%s: %v", s.what(), err)
	}
	if err != nil {
		return nil, errors.New(s.t.redact(err.Error()))
	}
	now := time.Now()
	c := s.report(tab.Rows, now, sink)
	s.reload.observeInfo(info, now, s.Source(), sink)
	s.reload.observe(tab.Rows, now, s.Source(), sink)
	if tab.Short > 0 {
		// Rows that stop before the columns gwtop needs (a page cut
		// short, a proxy in between): skipped, and counted on the
		// source's row.
		c["short_rows"] = float64(tab.Short)
	}
	return c, nil
}

// what names the source in errors.
func (s *Stats) what() string {
	if s.t.network != "" {
		return "haproxy socket " + s.t.shown
	}
	return "haproxy stats " + s.t.shown
}

// explain turns a parse error into what the operator should do about it.
func (s *Stats) explain(err error, body []byte) error {
	what := s.what()
	if s.t.network != "" {
		// The runtime API answers errors in plain text ("Unknown
		// command", "Permission denied").
		if line := strings.TrimSpace(firstLine(body)); line != "" && line[0] != '#' && !looksHTML(body) {
			return fmt.Errorf("%s: %q instead of the stats CSV — is this HAProxy's runtime API (\"stats socket\")?", what, line)
		}
		return fmt.Errorf("%s: %v", what, err)
	}
	if looksHTML(body) {
		return fmt.Errorf("%s: got an HTML page, not CSV — point haproxy.stats at the \"stats uri\" (gwtop adds \";csv\")", what)
	}
	return fmt.Errorf("%s: %v — is this HAProxy's \"stats uri\"?", what, err)
}

// serverKey is the upstream address a server row stands for: its ip:port,
// or backend/server where the row has no usable address (versions without
// the addr column, unix-socket servers, unresolved names).
func serverKey(r *Row) string {
	host, port, err := net.SplitHostPort(r.Addr)
	if err == nil && port != "" && port != "0" {
		if ip := net.ParseIP(host); ip != nil && !ip.IsUnspecified() {
			return r.Addr
		}
	}
	return r.Proxy + "/" + r.Name
}

// perAddr gathers the server rows of one address: the same server often
// sits in several backends, and its counters must reach the aggregator as
// one reading per address.
type perAddr struct {
	label, group string
	requests     int64
	classes      [6]int64
	avg          map[string]float64
	avgWeight    int64
	down, anyRow int
	why          []string
}

func (s *Stats) report(rows []Row, now time.Time, sink feed.Sink) map[string]float64 {
	c := map[string]float64{}
	addrs := map[string]*perAddr{}
	var order []string
	seenSrv := map[string]bool{}
	var reqTot float64
	for i := range rows {
		r := &rows[i]
		switch r.Type {
		case TypeFrontend:
			c["frontends"]++
			c["sessions"] += float64(r.Scur)
			c["req_rate"] += r.ReqRate
			c["requests"] += float64(r.Requests())
			c["responses_5xx"] += float64(r.Hrsp[5])
			reqTot += float64(r.Requests())
		case TypeListener:
			c["listeners"]++
		case TypeBackend:
			c["backends"]++
			c["queued"] += float64(r.Qcur)
			s.backend(r, now, sink, c)
		case TypeServer:
			c["servers"]++
			key := serverKey(r)
			name := r.Proxy + "/" + r.Name
			seenSrv[name] = true
			if s.Names != nil {
				if key == name {
					// The row hides its address: use the one the
					// configuration gives, if any (Names.Preset).
					key = s.Names.Resolve(r.Proxy, r.Name)
				} else {
					s.Names.set(r.Proxy, r.Name, key)
				}
			}
			down := ServerDown(r.Status)
			switch {
			case down && strings.HasPrefix(r.Status, "MAINT"):
				c["servers_maint"]++
			case down:
				c["servers_down"]++
			case strings.HasPrefix(r.Status, "DRAIN"), strings.HasPrefix(r.Status, "NOLB"):
				c["servers_drain"]++
			default:
				c["servers_up"]++
			}
			a := addrs[key]
			if a == nil {
				a = &perAddr{label: name, group: r.Proxy}
				addrs[key] = a
				order = append(order, key)
			}
			a.anyRow++
			if down {
				a.down++
			}
			a.why = append(a.why, statusWhy(r))
			// A server's requests are counted when they end: the
			// responses it sent (hrsp_*), and the ones HAProxy answered
			// 502/503/504 itself after a failed connect or a bad or
			// missing response (econ, eresp), which hrsp_5xx leaves
			// out. stot would count them when they start, so a reading
			// taken while requests are in flight would later show more
			// 5xx than requests; req_tot leaves the failures out.
			// eresp also counts a response cut after its status, which
			// is then counted twice: the price of never exceeding 100%.
			failed := r.Econ + r.Eresp
			for k := range a.classes {
				a.classes[k] += r.Hrsp[k]
				a.requests += r.Hrsp[k]
			}
			a.classes[5] += failed
			a.requests += failed
			if r.hasAvg {
				w := max(r.Requests(), 1)
				if a.avg == nil {
					a.avg = map[string]float64{}
				}
				a.avg["queue"] += r.Qtime * float64(w)
				a.avg["connect"] += r.Ctime * float64(w)
				a.avg["response"] += r.Rtime * float64(w)
				a.avg["total"] += r.Ttime * float64(w)
				a.avgWeight += w
			}
			s.server(r, key, now, sink)
		}
	}
	for _, key := range order {
		a := addrs[key]
		sink.Label(key, a.label, a.group)
		fc := feed.Counters{Requests: a.requests, Classes: a.classes}
		if a.avgWeight > 0 {
			fc.AvgMS = map[string]float64{}
			for k, v := range a.avg {
				fc.AvgMS[k] = v / float64(a.avgWeight)
			}
			fc.Note = "HAProxy stats: averages of the last 1024 requests"
		}
		sink.ObserveCounters("haproxy "+s.t.shown, key, fc)
		// An address is down when every backend that uses it says so.
		sink.SetServerStatus(key, a.down == a.anyRow, strings.Join(a.why, "; "))
	}
	// Forget servers that left the configuration (a reload).
	for name := range s.servers {
		if !seenSrv[name] {
			delete(s.servers, name)
		}
	}
	if !s.prevAt.IsZero() && reqTot >= s.prevReq {
		if dt := now.Sub(s.prevAt).Seconds(); dt > 0 {
			c["requests_per_sec"] = (reqTot - s.prevReq) / dt
		}
	}
	s.prevReq, s.prevAt = reqTot, now
	return c
}

// statusWhy is how the status page puts a server's state.
func statusWhy(r *Row) string {
	why := "haproxy " + r.Proxy + "/" + r.Name + " " + r.Status
	failing := CheckCause(r.CheckStatus, r.CheckCode, r.CheckDesc, r.LastChk) != ""
	if r.CheckStatus != "" && (failing || !strings.HasPrefix(r.Status, "UP")) {
		why += " (" + checkText(r) + ")"
	}
	return why
}

// checkText is the last check as HAProxy puts it: "L4CON Connection
// refused", "L7STS 500 Internal Server Error", "L7TOUT Layer7 timeout".
func checkText(r *Row) string {
	parts := []string{r.CheckStatus}
	if r.CheckCode != 0 {
		parts = append(parts, fmt.Sprint(r.CheckCode))
	}
	switch {
	case r.LastChk != "":
		parts = append(parts, r.LastChk)
	case r.CheckDesc != "":
		parts = append(parts, r.CheckDesc)
	}
	return strings.Join(parts, " ")
}

// server reports a server's failing health checks: one failure per check
// that failed since the previous scrape (chkfail's increase), one for a
// check found failing at the first scrape, and the standing failure again
// every restate while HAProxy's counter stays put.
func (s *Stats) server(r *Row, key string, now time.Time, sink feed.Sink) {
	name := r.Proxy + "/" + r.Name
	m := s.servers[name]
	if m == nil {
		m = &serverMemo{}
		s.servers[name] = m
	}
	cause := CheckCause(r.CheckStatus, r.CheckCode, r.CheckDesc, r.LastChk)
	if r.CheckRunning && cause != "" && m.cause != "" {
		// The status shown is the previous check's, without the code
		// and text that told its cause: keep the cause read then.
		cause = m.cause
	}
	n := 0
	switch {
	case !m.seen:
		if cause != "" {
			n = 1
		}
	case r.ChkFail > m.chkfail:
		n = int(min(r.ChkFail-m.chkfail, maxFailuresPerScrape))
		if cause == "" {
			// The check failed and recovered between two scrapes: its
			// cause is the last one seen failing, if any.
			cause = m.cause
		}
	case r.ChkFail < m.chkfail:
		// HAProxy restarted: a new baseline.
	case cause != "" && cause != m.cause:
		// Failing differently while DOWN, where chkfail stays put.
		n = 1
	case cause != "" && now.Sub(m.reported) >= restate:
		n = 1
	}
	if cause != "" && n > 0 {
		line := s.evidence(r, m)
		if note := CheckNote(r.CheckStatus, r.CheckCode); note != "" {
			line += " " + note // a 404 means the check's URL is wrong, not the app
		}
		inferred := checkInferred(r.CheckStatus, r.LastChk)
		for range n {
			sink.ObserveFailure(feed.Failure{Time: now, Addr: key, Cause: cause, Source: "status", Line: line, Inferred: inferred})
		}
		m.reported = now
	}
	// DNS: a server whose name no longer resolves is put in maintenance.
	dns := r.Status == "MAINT (resolution)"
	if dns && (!m.maintDNS || now.Sub(m.reported) >= restate) {
		sink.ObserveFailure(feed.Failure{Time: now, Addr: key, Cause: model.CauseDNS, Source: "status",
			Line: fmt.Sprintf("haproxy server %s: status %s — its name does not resolve", name, r.Status)})
		m.reported = now
	}
	if cause != "" {
		m.cause = cause
	}
	m.seen, m.chkfail, m.maintDNS = true, r.ChkFail, dns
	m.econ, m.eresp, m.wretr, m.wredis = r.Econ, r.Eresp, r.Wretr, r.Wredis
}

// evidence is the line a failing check is shown with.
func (s *Stats) evidence(r *Row, m *serverMemo) string {
	var b strings.Builder
	fmt.Fprintf(&b, "haproxy check %s/%s: %s", r.Proxy, r.Name, r.CheckStatus)
	if r.CheckCode != 0 {
		fmt.Fprintf(&b, " %d", r.CheckCode)
	}
	switch {
	case r.LastChk != "":
		fmt.Fprintf(&b, " %s (last_chk)", r.LastChk)
	case r.CheckDesc != "":
		fmt.Fprintf(&b, " %s", r.CheckDesc)
	}
	fmt.Fprintf(&b, " status %s, %d failed checks, %d UP→DOWN", r.Status, r.ChkFail, r.ChkDown)
	if m.seen {
		var d []string
		for _, x := range []struct {
			name      string
			now, prev int64
		}{{"econ", r.Econ, m.econ}, {"eresp", r.Eresp, m.eresp}, {"wretr", r.Wretr, m.wretr}, {"wredis", r.Wredis, m.wredis}} {
			if x.now > x.prev {
				d = append(d, fmt.Sprintf("%s +%d", x.name, x.now-x.prev))
			}
		}
		if len(d) > 0 {
			fmt.Fprintf(&b, "; since the last scrape %s", strings.Join(d, ", "))
		}
	}
	return b.String()
}

// backend reports a backend with no server UP as no_live_upstreams on the
// backend's name: HAProxy answers its requests 503 without trying any.
func (s *Stats) backend(r *Row, now time.Time, sink feed.Sink, c map[string]float64) {
	m := s.backends[r.Proxy]
	down := strings.HasPrefix(r.Status, "DOWN")
	if down {
		c["backends_down"]++
	}
	if m == nil {
		if !down {
			// Only backends that have been DOWN get an upstream row of
			// their own; the others are their servers.
			return
		}
		m = &backendMemo{}
		s.backends[r.Proxy] = m
		sink.Label(r.Proxy, r.Proxy, r.Proxy)
	}
	if down && (!m.down || now.Sub(m.reported) >= restate) {
		line := fmt.Sprintf("haproxy backend %s: status %s — no server UP (%d active, %d backup), requests answered 503", r.Proxy, r.Status, r.Act, r.Bck)
		if m.down && r.Econ > m.econ {
			line += fmt.Sprintf("; econ +%d since the last report", r.Econ-m.econ)
		}
		sink.ObserveFailure(feed.Failure{Time: now, Addr: r.Proxy, Cause: model.CauseNoLiveUpstreams, Source: "status", Line: line})
		m.reported, m.econ = now, r.Econ
	}
	if down {
		sink.SetServerStatus(r.Proxy, true, "backend DOWN: no server UP")
	} else {
		sink.SetServerStatus(r.Proxy, false, "backend "+r.Status)
	}
	m.down = down
}

var _ feed.Scraper = (*Stats)(nil)
