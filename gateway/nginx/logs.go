package nginx

import (
	"net/url"
	"strings"

	"github.com/gwtop/gwtop/collector/feed"
	"github.com/gwtop/gwtop/gateway/nginx/logformat"
	"github.com/gwtop/gwtop/model"
)

// accessParser reads nginx access-log lines in one compiled log_format. It
// reuses one logformat.Record and one feed.Request, so a steady stream
// allocates almost nothing; it is used by one tailer goroutine only.
type accessParser struct {
	format *logformat.Format
	// errorLogWatched says an error log explains nginx's own 502/504s,
	// so the access log need not guess their cause.
	errorLogWatched bool
	rec             logformat.Record
	req             feed.Request
}

func (a *accessParser) Line(b []byte, sink feed.Sink) error {
	if err := a.format.Parse(b, &a.rec); err != nil {
		return err
	}
	r := &a.req
	r.Time, r.Status, r.Duration = a.rec.Time, a.rec.Status, a.rec.RequestTime
	r.Attempts = r.Attempts[:0]
	for _, at := range a.rec.Attempts {
		fa := feed.Attempt{Addr: at.Addr, Status: at.Status,
			Connect: at.ConnectTime, Header: at.HeaderTime, Total: at.ResponseTime}
		a.cause(&fa)
		r.Attempts = append(r.Attempts, fa)
	}
	sink.ObserveRequest(r, b)
	return nil
}

// errorParser reads nginx error-log lines. Most lines of an error log are
// not upstream failures (notices, client errors): they are ErrIgnored.
type errorParser struct{}

func (errorParser) Line(b []byte, sink feed.Sink) error {
	rec, ok := ParseErrorLine(b)
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

// cause is what an access-log attempt alone says of its cause. nginx copies
// its own 502/504 into $upstream_status, so a 502 or 504 is the upstream's
// answer only when a response header arrived; otherwise the error log says
// why, and without one a 504 is a timeout — of the connect when the
// connection was never made — and a 502 at an upstream group (no address)
// means nginx had no live server to try.
func (a *accessParser) cause(at *feed.Attempt) {
	if feed.UpstreamAnswer(at); at.Cause != "" || at.Status < 500 || a.errorLogWatched {
		return
	}
	switch {
	case at.Status == 504 && at.Connect < 0:
		at.Cause, at.Inferred = model.CauseConnectTimeout, true
	case at.Status == 504:
		at.Cause, at.Inferred = model.CauseReadTimeout, true
	case at.Status == 502 && !strings.Contains(at.Addr, ":"):
		at.Cause = model.CauseNoLiveUpstreams
	}
}
