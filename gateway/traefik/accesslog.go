package traefik

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/gwtop/gwtop/collector/feed"
	"github.com/gwtop/gwtop/model"
)

// LogParser reads Traefik's JSON access log (accessLog.format=json), one
// request per line. It reuses one Request, so it serves one tailer.
type LogParser struct {
	req feed.Request
}

// NewLogParser returns a parser of Traefik's JSON access log.
func NewLogParser() *LogParser { return &LogParser{} }

// logEntry holds the access-log fields gwtop reads. Traefik writes every
// field of every request; the pointers tell "absent" from zero.
type logEntry struct {
	DownstreamStatus *int     `json:"DownstreamStatus"`
	OriginStatus     int      `json:"OriginStatus"`
	Duration         *float64 `json:"Duration"`       // ns, the whole request
	OriginDuration   *float64 `json:"OriginDuration"` // ns, time spent on the upstream
	// ServiceURL is a string in current versions and a JSON-encoded
	// net/url.URL ({"Scheme":…,"Host":…}) in some older 2.x ones.
	ServiceURL  json.RawMessage `json:"ServiceURL"`
	ServiceAddr string          `json:"ServiceAddr"`
	ServiceName string          `json:"ServiceName"`
	RouterName  string          `json:"RouterName"`
	RequestPath string          `json:"RequestPath"`
	RequestHost string          `json:"RequestHost"`
	StartUTC    string          `json:"StartUTC"`
	StartLocal  string          `json:"StartLocal"`
	Time        string          `json:"time"`
}

// Line reads one access-log line. A JSON line without DownstreamStatus
// (Traefik's own log, written to the same file by some setups) is
// feed.ErrIgnored; anything that is not a JSON object is an error.
//
// How a line becomes an attempt:
//   - OriginStatus > 0: the upstream answered; the attempt has its status,
//     and a 5xx is the upstream's own (upstream_5xx), even a 502 or 504.
//   - OriginStatus 0 and DownstreamStatus 502/504: Traefik failed to proxy.
//     The attempt carries the 502/504 with no header time, as nginx writes
//     its own 502 into $upstream_status. Traefik's access log gives no
//     reason for a 502 (refused, reset, EOF all look alike), so no cause is
//     stated; a 504 is a net.Error timeout, which is read_timeout here
//     because connect and read timeouts cannot be told apart in this log.
//   - OriginStatus 0 and DownstreamStatus 503 with no server: the load
//     balancer had no healthy server ("no available server"):
//     no_live_upstreams on the service.
//   - Other statuses Traefik answered itself (404, 401 from a middleware,
//     499 when the client left, its own 500) are not the upstream's: the
//     attempt, if any, has Status 0 so it is seen but not counted.
func (p *LogParser) Line(b []byte, sink feed.Sink) error {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || b[0] != '{' {
		return errors.New("not a JSON object: Traefik's access log must be accessLog.format=json")
	}
	var e logEntry
	if err := json.Unmarshal(b, &e); err != nil {
		return fmt.Errorf("traefik access log: %s", shortJSONErr(err))
	}
	if e.DownstreamStatus == nil {
		return feed.ErrIgnored
	}
	ds := *e.DownstreamStatus
	if ds < 0 || ds > 999 || e.OriginStatus < 0 || e.OriginStatus > 999 {
		return fmt.Errorf("traefik access log: status out of range (%d, origin %d)", ds, e.OriginStatus)
	}
	r := &p.req
	r.Time = entryTime(&e)
	r.Path, r.Host = e.RequestPath, e.RequestHost
	r.Status = ds
	r.Duration = nsToSeconds(e.Duration)
	r.Attempts = r.Attempts[:0]
	r.Cause = ""
	addr := entryAddr(&e)
	origin := nsToSeconds(e.OriginDuration)
	group := e.ServiceName
	if group == "" {
		group = e.RouterName
	}
	switch {
	case e.OriginStatus > 0 && addr != "":
		at := feed.Attempt{Addr: addr, Status: e.OriginStatus, Connect: -1, Header: -1, Total: origin}
		if e.OriginStatus >= 500 {
			at.Cause = model.CauseUpstream5xx // the upstream's own answer, even a 502 or 504
		}
		r.Attempts = append(r.Attempts, at)
	case e.OriginStatus == 0 && (ds == 502 || ds == 504) && addr != "":
		if ds == 504 {
			r.Cause = model.CauseReadTimeout
		}
		r.Attempts = append(r.Attempts, feed.Attempt{Addr: addr, Status: ds, Connect: -1, Header: -1, Total: origin})
	case e.OriginStatus == 0 && ds == 503 && addr == "":
		r.Cause = model.CauseNoLiveUpstreams
		if group != "" {
			r.Attempts = append(r.Attempts, feed.Attempt{Addr: group, Status: ds, Connect: -1, Header: -1, Total: -1})
		}
	case addr != "":
		r.Attempts = append(r.Attempts, feed.Attempt{Addr: addr, Connect: -1, Header: -1, Total: origin})
	}
	sink.ObserveRequest(r, b)
	return nil
}

func nsToSeconds(ns *float64) float64 {
	if ns == nil || *ns < 0 {
		return -1
	}
	return *ns / 1e9
}

func entryTime(e *logEntry) time.Time {
	for _, s := range []string{e.StartUTC, e.StartLocal, e.Time} {
		if s == "" {
			continue
		}
		if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
			return t
		}
	}
	return time.Time{}
}

// entryAddr is the upstream the request went to, keyed like the API's
// servers: ServiceURL carries the scheme, so it gives the default port
// that ServiceAddr (the URL's bare host) may lack.
func entryAddr(e *logEntry) string {
	if u := serviceURL(e.ServiceURL); u != "" {
		if a := HostPort(u); a != "" {
			return a
		}
	}
	a := strings.TrimSpace(e.ServiceAddr)
	if a == "" || a == "-" {
		return ""
	}
	if _, _, err := net.SplitHostPort(a); err != nil {
		return net.JoinHostPort(strings.Trim(a, "[]"), "80")
	}
	return a
}

func serviceURL(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var u struct{ Scheme, Host string }
	if json.Unmarshal(raw, &u) == nil && u.Host != "" {
		if u.Scheme == "" {
			u.Scheme = "http"
		}
		return u.Scheme + "://" + u.Host
	}
	return ""
}

var _ feed.LineParser = (*LogParser)(nil)
