package envoy

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/gwtop/gwtop/collector/feed"
	"github.com/gwtop/gwtop/collector/feed/feedtest"
	"github.com/gwtop/gwtop/gateway/envoy/envoytest"
	"github.com/gwtop/gwtop/model"
)

func mustTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t
}

func near(a, b float64) bool { d := a - b; return d < 1e-9 && d > -1e-9 }

func TestLogParserFixtures(t *testing.T) {
	for _, tc := range []struct {
		name, format, line string
		time               time.Time
		status             int
		duration           float64
		cause              model.Cause
		attempts           []feed.Attempt
	}{
		{"documented default", "default", envoytest.DefaultDocumented, mustTime("2016-04-15T20:17:00.310Z"), 204, 0.226, "",
			[]feed.Attempt{{Addr: "10.0.2.1:80", Status: 204, Connect: -1, Header: 0.1, Total: 0.226}}},
		{"default UF,URX", "default", envoytest.DefaultUF, mustTime("2024-05-07T10:01:02.123Z"), 503, 0.025, model.CauseRefused,
			[]feed.Attempt{{Addr: "10.0.3.7:8080", Status: 503, Connect: -1, Header: -1, Total: 0.025}}},
		// No upstream host logged: the cause goes to the gateway.
		{"#17432", "json", envoytest.JSON17432, mustTime("2021-07-21T09:42:36.514Z"), 503, 0.055, model.CauseRefused, nil},
		{"#20311", "json", envoytest.JSON20311, mustTime("2022-03-11T09:58:37.960Z"), 503, 0.475, model.CauseRefused,
			[]feed.Attempt{{Addr: "172.19.0.2:8000", Status: 503, Connect: -1, Header: -1, Total: 0.475}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := NewLogParser(tc.format)
			if err != nil {
				t.Fatal(err)
			}
			sink := new(feedtest.Recorder)
			if err := p.Line([]byte(tc.line), sink); err != nil {
				t.Fatal(err)
			}
			r := sink.Requests()[0]
			if !r.Time.Equal(tc.time) || r.Status != tc.status || !near(r.Duration, tc.duration) || r.Cause != tc.cause {
				t.Errorf("request %v %d %v %q, want %v %d %v %q", r.Time, r.Status, r.Duration, r.Cause, tc.time, tc.status, tc.duration, tc.cause)
			}
			if len(r.Attempts) != len(tc.attempts) {
				t.Fatalf("attempts %+v, want %+v", r.Attempts, tc.attempts)
			}
			for i, a := range r.Attempts {
				w := tc.attempts[i]
				if a.Addr != w.Addr || a.Status != w.Status || !near(a.Header, w.Header) || !near(a.Total, w.Total) || !near(a.Connect, w.Connect) {
					t.Errorf("attempt %+v, want %+v", a, w)
				}
			}
		})
	}
}

// TestFlagsCause covers every response flag.
func TestFlagsCause(t *testing.T) {
	for _, tc := range []struct {
		flags, details string
		want           model.Cause
	}{
		{"UF", "", model.CauseRefused},
		{"UF", "upstream_reset_before_response_started{connection_failure}", model.CauseRefused},
		{"UF", "upstream_reset_before_response_started{connection_failure,delayed_connect_error:_111}", model.CauseRefused},
		{"UF", "upstream connect error or disconnect/reset before headers. reset reason: connection failure, transport failure reason: delayed connect error: 111", model.CauseRefused},
		{"UF", "upstream_reset_before_response_started{connection_timeout}", model.CauseConnectTimeout},
		{"UF", "delayed connect error: 110", model.CauseConnectTimeout},
		{"UF", "upstream_reset_before_response_started{connection_failure,TLS_error:_268435581:SSL_routines:OPENSSL_internal:CERTIFICATE_VERIFY_FAILED}", model.CauseTLS},
		{"UF", "transport failure reason: TLS error: handshake", model.CauseTLS},
		{"UF,URX", "", model.CauseRefused},
		{"URX,UF", "", model.CauseRefused},
		{"UH", "no_healthy_upstream", model.CauseNoLiveUpstreams},
		{"UO", "", model.CauseGatewayLimits},
		{"UT", "upstream_response_timeout", model.CauseReadTimeout},
		{"UT,URX", "", model.CauseReadTimeout},
		{"UC", "upstream_reset_before_response_started{connection_termination}", model.CausePrematureClose},
		{"UR", "upstream_reset_before_response_started{remote_reset}", model.CauseReset},
		{"UPE", "upstream_reset_before_response_started{protocol_error}", model.CauseBadResponse},
		{"DF", "", model.CauseDNS},
		{"LR", "upstream_reset_before_response_started{local reset}", model.CauseReset},
		{"UMSDR", "", model.CauseReadTimeout},
		{"OM", "", model.CauseGatewayLimits},
		{"URX", "", ""},
		{"NR", "route_not_found", ""},
		{"NC", "cluster_not_found", ""},
		{"RL", "", ""},
		{"RLSE", "", ""},
		{"UAEX", "", ""},
		{"DC", "", ""},
		{"DPE", "", ""},
		{"SI", "", ""},
		{"DT", "", ""},
		{"IH", "", ""},
		{"FI", "", ""},
		{"DI", "", ""},
		{"LH", "", ""},
		{"DO", "", ""},
		{"RFCF", "", ""},
		{"NFCF", "", ""},
		{"", "via_upstream", ""},
	} {
		if got := FlagsCause(splitFlags(tc.flags), tc.details); got != tc.want {
			t.Errorf("FlagsCause(%s, %q) = %q, want %q", tc.flags, tc.details, got, tc.want)
		}
	}
}

// TestLogParserAttempts checks how each kind of line becomes attempts.
func TestLogParserAttempts(t *testing.T) {
	at := time.Date(2024, 5, 7, 10, 1, 2, 123e6, time.UTC)
	for _, tc := range []struct {
		name, line string
		cause      model.Cause
		addr       string
		status     int
		header     float64
	}{
		{"upstream 500", envoytest.DefaultLine(at, "500", "-", "10.0.0.1:80"), "", "10.0.0.1:80", 500, 0},
		{"upstream 503 after retries", envoytest.DefaultLine(at, "503", "URX", "10.0.0.1:80"), "", "10.0.0.1:80", 503, 0},
		{"UH without host", envoytest.DefaultLine(at, "503", "UH", "-"), model.CauseNoLiveUpstreams, "", 0, 0},
		{"UT", envoytest.DefaultLine(at, "504", "UT", "tcp://10.0.0.2:80"), model.CauseReadTimeout, "10.0.0.2:80", 504, -1},
		{"UC", envoytest.DefaultLine(at, "503", "UC", "10.0.0.3:80"), model.CausePrematureClose, "10.0.0.3:80", 503, -1},
		{"NR", envoytest.DefaultLine(at, "404", "NR", "-"), "", "", 0, 0},
		{"RL with host", envoytest.DefaultLine(at, "429", "RL", "10.0.0.4:80"), "", "", 0, 0},
		{"DC", envoytest.DefaultLine(at, "0", "DC", "10.0.0.5:80"), "", "10.0.0.5:80", 0, -1},
		{"UH on a cluster", `{"response_code":503,"response_flags":"UH","upstream_cluster":"pay","upstream_host":null}`, model.CauseNoLiveUpstreams, "pay", 503, -1},
		{"JSON via_upstream", `{"response_code":"502","response_flags":"-","response_code_details":"via_upstream","upstream_host":"10.0.0.6:80","upstream_service_time":"12"}`, "", "10.0.0.6:80", 502, 0.012},
		{"JSON local 503 without flag", `{"response_code":503,"response_code_details":"overload","upstream_host":"10.0.0.7:80"}`, "", "10.0.0.7:80", 0, -1},
		{"JSON nested host, transport reason", `{"RESPONSE_CODE":503,"RESPONSE_FLAGS":"UF","UPSTREAM_TRANSPORT_FAILURE_REASON":"TLS error: 268435581:SSL routines","upstream":{"host":"unix:///run/app.sock"}}`, model.CauseTLS, "unix:/run/app.sock", 503, -1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			format := "default"
			if strings.HasPrefix(tc.line, "{") {
				format = "json"
			}
			p, _ := NewLogParser(format)
			sink := new(feedtest.Recorder)
			if err := p.Line([]byte(tc.line), sink); err != nil {
				t.Fatal(err)
			}
			r := sink.Requests()[0]
			if r.Cause != tc.cause {
				t.Errorf("cause %q, want %q", r.Cause, tc.cause)
			}
			if tc.addr == "" {
				if len(r.Attempts) != 0 {
					t.Errorf("attempts %+v, want none", r.Attempts)
				}
				return
			}
			if len(r.Attempts) != 1 {
				t.Fatalf("attempts %+v", r.Attempts)
			}
			a := r.Attempts[0]
			if a.Addr != tc.addr || a.Status != tc.status || !near(a.Header, tc.header) {
				t.Errorf("attempt %+v, want %s status %d header %v", a, tc.addr, tc.status, tc.header)
			}
		})
	}
}

func TestLogParserRejects(t *testing.T) {
	def, _ := NewLogParser("default")
	js, _ := NewLogParser("json")
	sink := new(feedtest.Recorder)
	for _, l := range []string{"", "garbage", envoytest.JSON20311, `[2024-05-07T10:01:02.123Z] "GET / HTTP/1.1" 503`,
		`[x] "GET / HTTP/1.1" 5030 - 0 0 1 - "-" "-" "-" "-" "-"`} {
		if err := def.Line([]byte(l), sink); err == nil || errors.Is(err, feed.ErrIgnored) {
			t.Errorf("default Line(%q) = %v", l, err)
		}
	}
	for _, l := range []string{"", "garbage", envoytest.DefaultDocumented, `{"response_code":`, `{"response_code":"abc"}`, `{"response_code":502.5}`, `{"response_code":1000}`} {
		if err := js.Line([]byte(l), sink); err == nil || errors.Is(err, feed.ErrIgnored) {
			t.Errorf("json Line(%q) = %v", l, err)
		}
	}
	for _, l := range []string{`{}`, `{"level":"info","msg":"starting main dispatch loop"}`} {
		if err := js.Line([]byte(l), sink); !errors.Is(err, feed.ErrIgnored) {
			t.Errorf("json Line(%q) = %v, want ErrIgnored", l, err)
		}
	}
	if len(sink.Requests()) != 0 {
		t.Errorf("reported %+v", sink.Requests())
	}
	if _, err := NewLogParser("combined"); err == nil {
		t.Error("NewLogParser(combined) accepted")
	}
}

// TestLogParserPathAuthority: the request's path and authority, from the
// documented default line and a JSON one, for the per-route figures.
func TestLogParserPathAuthority(t *testing.T) {
	for _, tc := range []struct{ format, line, path, host string }{
		{"default", envoytest.DefaultDocumented, "/api/v1/locations", "locations"},
		{"json", envoytest.JSON20311, "/service03", ""},
	} {
		p, err := NewLogParser(tc.format)
		if err != nil {
			t.Fatal(err)
		}
		sink := new(feedtest.Recorder)
		if err := p.Line([]byte(tc.line), sink); err != nil {
			t.Fatal(err)
		}
		if r := sink.Requests()[0]; r.Path != tc.path || r.Host != tc.host {
			t.Errorf("%s: path %q host %q, want %q %q", tc.format, r.Path, r.Host, tc.path, tc.host)
		}
	}
}
