package haproxy

import (
	"bufio"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/gwtop/gwtop/collector/feed"
	"github.com/gwtop/gwtop/collector/feed/feedtest"
	"github.com/gwtop/gwtop/model"
)

func TestParseLogLine(t *testing.T) {
	l, err := ParseLogLine([]byte(logDocExample))
	if err != nil {
		t.Fatal(err)
	}
	want := time.Date(2009, 2, 6, 12, 14, 14, 655e6, time.Local)
	if !l.Time.Equal(want) || l.Client != "10.0.1.2:33317" || l.Frontend != "http-in" || l.Backend != "static" || l.Server != "srv1" ||
		l.TR != 10 || l.Tw != 0 || l.Tc != 30 || l.Tr != 69 || l.Ta != 109 || l.Status != 200 || l.Termination != "----" || l.NoServer() {
		t.Errorf("%+v", l)
	}
	l, err = ParseLogLine([]byte(log2071))
	if err != nil || l.Frontend != "ssl~" || l.Server != "10.81.15.120" || l.Tr != -1 || l.Ta != 600004 || l.Status != 504 || l.Termination != "sH--" {
		t.Errorf("#2071: %+v %v", l, err)
	}
	l, err = ParseLogLine([]byte(logPorter))
	if err != nil || l.Retries != 3 || !l.Redispatched || l.Tc != -1 || l.Status != 503 {
		t.Errorf("porter: %+v %v", l, err)
	}
	l, err = ParseLogLine([]byte(logLocal))
	if err != nil || !l.NoServer() || l.Termination != "LR--" {
		t.Errorf("local: %+v %v", l, err)
	}
	// The request line's URI, after captured headers or none.
	for line, want := range map[string]string{logDocExample: "/index.html", log2071: "https://api.domain.com/xyz", logLocal: "/",
		strings.Replace(logLocal, `"GET / HTTP/1.1"`, `"<BADREQ>"`, 1): ""} {
		if l, err := ParseLogLine([]byte(line)); err != nil || string(l.Path) != want {
			t.Errorf("path of %q: %q %v, want %q", line, l.Path, err, want)
		}
	}
}

func TestParseLogLineErrors(t *testing.T) {
	for _, line := range []string{
		"",
		"garbage",
		`127.0.0.1:1 [12/Jun/2024:10:09:11.814] fe be/srv 0/0/0/0/0 200 49 - - ---- 1/1/0/0/0 0/0`[:50],
		`127.0.0.1:1 [12/Jun/2024:10:09:11.814] fe besrv 0/0/0/0/0 200 49 - - ---- 1/1/0/0/0 0/0`,
		`127.0.0.1:1 [12/Jun/2024:10:09:11.814] fe be/srv 0/0/x/0/0 200 49 - - ---- 1/1/0/0/0 0/0`,
		`127.0.0.1:1 [12/Jun/2024:10:09:11.814] fe be/srv 0/0/0/0/0 abc 49 - - ---- 1/1/0/0/0 0/0`,
		`127.0.0.1:1 [12/Jun/2024:10:09:11.814] fe be/srv 0/0/0/0/0 200 49 - - -?-- 1/1/0/0/0 0/0`,
		`127.0.0.1:1 [99/Foo/2024:10:09:11.814] fe be/srv 0/0/0/0/0 200 49 - - ---- 1/1/0/0/0 0/0`,
		// option tcplog
		`127.0.0.1:1 [12/Jun/2024:10:09:11.814] fe be/srv 0/0/5 49 -- 1/1/0/0/0 0/0`,
	} {
		if _, err := ParseLogLine([]byte(line)); !errors.Is(err, ErrNotHTTPLog) {
			t.Errorf("%q: error %v, want ErrNotHTTPLog", line, err)
		}
	}
}

func TestTerminationCause(t *testing.T) {
	for _, tc := range []struct {
		ts       string
		status   int
		noServer bool
		want     model.Cause
	}{
		{"SC--", 503, false, model.CauseRefused},
		{"SC--", 503, true, model.CauseNoLiveUpstreams},
		{"sC--", 503, false, model.CauseConnectTimeout},
		{"SH--", 502, false, model.CausePrematureClose},
		{"sH--", 504, false, model.CauseReadTimeout},
		{"PH--", 502, false, model.CauseBadResponse},
		{"sQ--", 503, false, model.CauseOverloaded},
		{"sQ--", 503, true, model.CauseOverloaded},
		{"SD--", 200, false, model.CauseReset},
		{"sD--", 200, false, model.CauseReadTimeout},
		{"PC--", 503, false, model.CauseGatewayLimits},
		{"RC--", 503, true, model.CauseGatewayLimits},
		{"----", 500, false, model.CauseUpstream5xx},
		{"----", 503, false, model.CauseUpstream5xx},
		{"----", 200, false, ""},
		{"----", 503, true, ""},
		{"CH--", -1, false, ""}, {"CQ--", 503, false, ""}, {"CC--", 503, false, ""},
		{"LR--", 200, true, ""}, {"LH--", 200, true, ""}, {"PR--", 403, true, ""},
		{"", 502, false, ""},
	} {
		if got := TerminationCause(tc.ts, tc.status, tc.noServer); got != tc.want {
			t.Errorf("TerminationCause(%q, %d, %v) = %q, want %q", tc.ts, tc.status, tc.noServer, got, tc.want)
		}
	}
}

func TestLogParserRequests(t *testing.T) {
	p := NewLogParser()
	rec := new(feedtest.Recorder)
	for _, l := range []string{logDocExample, log2071, logLocal, logPorter,
		`127.0.0.1:1 [22/Nov/2026:22:11:05.604] fe be_refused/<NOSRV> 0/-1/-1/-1/0 503 217 - - SC-- 1/1/0/0/0 0/0 "GET /x HTTP/1.1"`,
		`127.0.0.1:1 [22/Nov/2026:22:11:05.604] fe be/srv 0/0/0/-1/800 -1 0 - - CH-- 1/1/0/0/0 0/0 "GET /x HTTP/1.1"`,
	} {
		if err := p.Line([]byte(l), rec); err != nil {
			t.Fatalf("%s: %v", l, err)
		}
	}
	r := rec.Requests()
	if len(r) != 6 {
		t.Fatalf("%d requests", len(r))
	}
	if a := r[0].Attempts; len(a) != 1 || a[0].Addr != "static/srv1" || a[0].Status != 200 || a[0].Connect != 0.03 || a[0].Header != 0.069 || a[0].Total != 0.109 || r[0].Cause != "" || r[0].Duration != 0.109 {
		t.Errorf("doc example: %+v", r[0])
	}
	if a := r[1].Attempts; len(a) != 1 || a[0].Header != -1 || r[1].Cause != model.CauseReadTimeout || r[1].Status != 504 {
		t.Errorf("#2071: %+v", r[1])
	}
	if len(r[2].Attempts) != 0 || r[2].Cause != "" || r[2].Status != 200 {
		t.Errorf("local: %+v", r[2])
	}
	if a := r[3].Attempts; len(a) != 1 || a[0].Connect != -1 || r[3].Cause != model.CauseRefused {
		t.Errorf("porter: %+v", r[3])
	}
	if a := r[4].Attempts; len(a) != 1 || a[0].Addr != "be_refused" || a[0].Status != 503 || r[4].Cause != model.CauseNoLiveUpstreams {
		t.Errorf("NOSRV: %+v", r[4])
	}
	if a := r[5].Attempts; len(a) != 1 || a[0].Status != 0 || r[5].Cause != "" || r[5].Status != 0 {
		t.Errorf("client abort: %+v", r[5])
	}
	if l := rec.Labels()["static/srv1"]; l.Name != "static/srv1" || l.Group != "static" {
		t.Errorf("label %v", l)
	}
	if l := rec.Labels()["be_refused"]; l.Name != "be_refused" || l.Group != "be_refused" {
		t.Errorf("backend label %v", l)
	}
}

func TestLogParserResolve(t *testing.T) {
	names := &Names{}
	names.set("static", "srv1", "10.0.0.5:80")
	p := NewLogParser()
	p.Resolve = names.Resolve
	rec := new(feedtest.Recorder)
	if err := p.Line([]byte(logDocExample), rec); err != nil {
		t.Fatal(err)
	}
	if a := rec.Requests()[0].Attempts; a[0].Addr != "10.0.0.5:80" {
		t.Errorf("resolved to %q", a[0].Addr)
	}
	if _, ok := rec.Labels()["10.0.0.5:80"]; ok {
		t.Error("the log labelled an address: the stats do that")
	}
}

// The real log of HAProxy 2.6 as a UDP syslog receiver wrote it.
func TestLogParserReal26(t *testing.T) {
	f, err := os.Open("testdata/syslog-2.6.log")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	p := NewLogParser()
	rec := new(feedtest.Recorder)
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		// Every line of this capture is a request or a state change.
		if err := p.Line(sc.Bytes(), rec); err != nil {
			t.Errorf("%s: %v", sc.Text(), err)
		}
	}
	causes := map[string]model.Cause{}
	for _, r := range rec.Requests() {
		if len(r.Attempts) > 0 {
			causes[r.Attempts[0].Addr] = r.Cause
		}
	}
	for addr, want := range map[string]model.Cause{
		"raw_healthy/srv": "", "raw_refused/srv": model.CauseRefused, "raw_slow/srv": model.CauseReadTimeout,
		"raw_close/srv": model.CausePrematureClose, "raw_reset/srv": model.CausePrematureClose,
		"raw_error500/srv": model.CauseUpstream5xx, "raw_badheader/srv": model.CauseBadResponse,
		"raw_unavailable/srv": model.CauseUpstream5xx, "be_refused": model.CauseNoLiveUpstreams,
		// A TLS handshake failure reads like a refusal in the log (SC--):
		// only the health check (L6RSP) tells them apart.
		"raw_plain_on_tls/srv": model.CauseRefused,
	} {
		got, ok := causes[addr]
		if !ok || got != want {
			t.Errorf("%s: cause %q (seen %v), want %q", addr, got, ok, want)
		}
	}
	// The state changes HAProxy logged.
	for addr, want := range map[string]model.Cause{
		"be_refused/srv": model.CauseRefused, "be_slow/srv": model.CauseReadTimeout, "be_reset/srv": model.CauseReset,
		"be_error500/srv": model.CauseUpstream5xx, "be_badheader/srv": model.CauseBadResponse,
		"be_plain_on_tls/srv": model.CauseTLS, "be_close/srv": model.CauseBadResponse,
	} {
		f := rec.FailuresFor(addr)
		if len(f) != 1 || f[0].Cause != want || !strings.HasPrefix(f[0].Line, "Server "+addr+" is DOWN") {
			t.Errorf("%s: failures %+v, want one %s", addr, f, want)
		}
	}
	if f := rec.FailuresFor("be_slow"); len(f) != 1 || f[0].Cause != model.CauseNoLiveUpstreams {
		t.Errorf("backend be_slow: %+v", f)
	}
}

func TestLogParserEvents(t *testing.T) {
	p := NewLogParser()
	rec := new(feedtest.Recorder)
	for line, want := range map[string]error{
		`[WARNING]  (8123) : Server be_a/s1 is DOWN, reason: Layer4 timeout, check duration: 2001ms. 0 active and 0 backup servers left.`:                                               nil,
		`[ALERT]    (8123) : backend 'be_a' has no server available!`:                                                                                                                   nil,
		`<133>Nov 22 22:11:02 haproxy[8123]: Health check for server be_b/s2 failed, reason: Layer7 wrong status, code: 502, info: "Bad Gateway", check duration: 1ms, status: 1/2 UP.`: nil,
		`<133>Nov 22 22:11:02 haproxy[8123]: Server be_b/s2 is UP, reason: Layer7 check passed, code: 200, check duration: 1ms.`:                                                        feed.ErrIgnored,
		`<133>Nov 22 22:11:02 haproxy[8123]: Proxy fe started.`:                                                                                                                         feed.ErrIgnored,
		`<133>Nov 22 22:11:02 haproxy[8123]: Server be_b/s2 is going DOWN for maintenance.`:                                                                                             feed.ErrIgnored,
		`Nov 22 22:11:02 host kernel: something else`:                                                                                                                                   ErrNotHTTPLog,
	} {
		err := p.Line([]byte(line), rec)
		if (want == nil) != (err == nil) || (want != nil && !errors.Is(err, want)) {
			t.Errorf("%s: %v, want %v", line, err, want)
		}
	}
	if f := rec.FailuresFor("be_a/s1"); len(f) != 1 || f[0].Cause != model.CauseConnectTimeout {
		t.Errorf("be_a/s1: %+v", f)
	}
	if f := rec.FailuresFor("be_a"); len(f) != 1 || f[0].Cause != model.CauseNoLiveUpstreams {
		t.Errorf("be_a: %+v", f)
	}
	if f := rec.FailuresFor("be_b/s2"); len(f) != 1 || f[0].Cause != model.CauseUpstream5xx {
		t.Errorf("be_b/s2: %+v", f)
	}
}
