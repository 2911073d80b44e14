package collector

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/gwtop/gwtop/collector/feed"
	"github.com/gwtop/gwtop/collector/nginx"
	"github.com/gwtop/gwtop/collector/tail"
	"github.com/gwtop/gwtop/model"
)

// logSource is one followed log: its tailer, its parse counters and the
// gateway row it reports as.
type logSource struct {
	kind, source string
	tailer       *tail.Tailer
	parsed       atomic.Int64
	skipped      atomic.Int64
	lastSkip     atomic.Pointer[string]
}

func (l *logSource) gateway() model.Gateway {
	st := l.tailer.Stats()
	parsed, skipped := l.parsed.Load(), l.skipped.Load()
	g := model.Gateway{Kind: l.kind, Source: l.source, Target: l.tailer.Path(), Updated: time.Now(), OK: st.Err == "",
		Counters: map[string]float64{
			"lines": float64(st.Lines), "parsed": float64(parsed), "skipped": float64(skipped),
			"truncated": float64(st.Truncated), "rotations": float64(st.Rotations + st.Truncations),
		}}
	g.Error = st.Err
	if skipped > 0 && parsed == 0 && l.source == "access_log" {
		g.OK = false
		why := ""
		if p := l.lastSkip.Load(); p != nil {
			why = ": " + *p
		}
		g.Error = fmt.Sprintf("none of %d lines matches the log_format%s", skipped, why)
	}
	return g
}

func (l *logSource) skip(err error) {
	l.skipped.Add(1)
	msg := err.Error()
	l.lastSkip.Store(&msg)
}

// accessLog feeds an nginx access log into the aggregator.
type accessLog struct {
	logSource
	format *nginx.Format
	agg    *Aggregator
	rec    nginx.Record
	req    feed.Request
}

func newAccessLog(path string, format *nginx.Format, opt tail.Options, agg *Aggregator) *accessLog {
	return &accessLog{logSource: logSource{kind: "nginx", source: "access_log", tailer: tail.New(path, opt)}, format: format, agg: agg}
}

func (a *accessLog) run(ctx context.Context) error {
	return a.tailer.Run(ctx, a.line)
}

// line is called by the tailer for every line; it reuses one Record and one
// Request so that a steady stream allocates almost nothing.
func (a *accessLog) line(b []byte) {
	if err := a.format.Parse(b, &a.rec); err != nil {
		a.skip(err)
		return
	}
	a.parsed.Add(1)
	r := &a.req
	r.Time, r.Status, r.Duration = a.rec.Time, a.rec.Status, a.rec.RequestTime
	r.Attempts = r.Attempts[:0]
	for _, at := range a.rec.Attempts {
		r.Attempts = append(r.Attempts, feed.Attempt{Addr: at.Addr, Status: at.Status,
			Connect: at.ConnectTime, Header: at.HeaderTime, Total: at.ResponseTime})
	}
	a.agg.ObserveRequest(r, b)
}

// errorLog feeds an nginx error log into the aggregator.
type errorLog struct {
	logSource
	agg *Aggregator
}

func newErrorLog(path string, opt tail.Options, agg *Aggregator) *errorLog {
	return &errorLog{logSource: logSource{kind: "nginx", source: "error_log", tailer: tail.New(path, opt)}, agg: agg}
}

func (e *errorLog) run(ctx context.Context) error {
	return e.tailer.Run(ctx, e.line)
}

func (e *errorLog) line(b []byte) {
	rec, ok := nginx.ParseErrorLine(b)
	if !ok {
		// Most error-log lines are not upstream failures (notices, client
		// errors); they are counted, not reported.
		e.skipped.Add(1)
		return
	}
	e.parsed.Add(1)
	addr := rec.UpstreamAddr
	if addr == "" {
		addr = hostOnly(rec.Host)
	}
	e.agg.ObserveFailure(feed.Failure{Time: rec.Time, Addr: addr, Cause: rec.Cause, Source: "error_log", Line: string(b)})
}

// hostOnly strips a port from a Host header value, since a host name stands
// for an upstream only when nothing better is known (DNS failures).
func hostOnly(h string) string {
	if h == "" {
		return ""
	}
	if u, err := url.Parse("//" + h); err == nil && u.Hostname() != "" {
		return u.Hostname()
	}
	return strings.TrimSpace(h)
}
