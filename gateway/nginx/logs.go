package collector

import (
	"net/url"
	"strings"

	"github.com/gwtop/gwtop/collector/feed"
	"github.com/gwtop/gwtop/collector/nginx"
)

// nginxAccess reads nginx access-log lines in one compiled log_format. It
// reuses one Record and one Request, so a steady stream allocates almost
// nothing; it is used by one tailer goroutine only.
type nginxAccess struct {
	format *nginx.Format
	rec    nginx.Record
	req    feed.Request
}

func (a *nginxAccess) Line(b []byte, sink feed.Sink) error {
	if err := a.format.Parse(b, &a.rec); err != nil {
		return err
	}
	r := &a.req
	r.Time, r.Status, r.Duration = a.rec.Time, a.rec.Status, a.rec.RequestTime
	r.Attempts = r.Attempts[:0]
	for _, at := range a.rec.Attempts {
		r.Attempts = append(r.Attempts, feed.Attempt{Addr: at.Addr, Status: at.Status,
			Connect: at.ConnectTime, Header: at.HeaderTime, Total: at.ResponseTime})
	}
	sink.ObserveRequest(r, b)
	return nil
}

// nginxErrors reads nginx error-log lines. Most lines of an error log are
// not upstream failures (notices, client errors): they are ErrIgnored.
type nginxErrors struct{}

func (nginxErrors) Line(b []byte, sink feed.Sink) error {
	rec, ok := nginx.ParseErrorLine(b)
	if !ok {
		return feed.ErrIgnored
	}
	addr := rec.UpstreamAddr
	if addr == "" {
		addr = hostOnly(rec.Host)
	}
	sink.ObserveFailure(feed.Failure{Time: rec.Time, Addr: addr, Cause: rec.Cause, Source: "error_log", Line: string(b)})
	return nil
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
