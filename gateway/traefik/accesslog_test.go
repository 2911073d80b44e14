package traefik

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/gwtop/gwtop/collector/feed"
	"github.com/gwtop/gwtop/collector/feed/feedtest"
	"github.com/gwtop/gwtop/gateway/traefik/traefiktest"
	"github.com/gwtop/gwtop/model"
)

func TestLogParserFixtures(t *testing.T) {
	fixture, _ := time.Parse(time.RFC3339Nano, traefiktest.FixtureTime)
	for _, tc := range []struct {
		name     string
		line     string
		status   int
		duration float64
		cause    model.Cause
		attempts []feed.Attempt
	}{
		{"200", traefiktest.AccessOK, 200, 0.002534021, "",
			[]feed.Attempt{{Addr: "172.17.0.1:3000", Status: 200, Connect: -1, Header: -1, Total: 0.002411203}}},
		{"upstream 500", traefiktest.Access500, 500, 0.015234021, "",
			[]feed.Attempt{{Addr: "172.17.0.1:3000", Status: 500, Connect: -1, Header: -1, Total: 0.015002001, Cause: model.CauseUpstream5xx}}},
		{"traefik 502", traefiktest.Access502, 502, 0.001204332, "",
			[]feed.Attempt{{Addr: "127.0.0.1:9001", Status: 502, Connect: -1, Header: -1, Total: 0.001100021}}},
		{"traefik 504", traefiktest.Access504, 504, 30.001234567, model.CauseReadTimeout,
			[]feed.Attempt{{Addr: "10.0.0.2:443", Status: 504, Connect: -1, Header: -1, Total: 30.000123456}}},
		{"no available server", traefiktest.Access503, 503, 0.000083021, model.CauseNoLiveUpstreams,
			[]feed.Attempt{{Addr: "api@docker", Status: 503, Connect: -1, Header: -1, Total: -1}}},
		{"404 no router", traefiktest.Access404, 404, 0.000033011, "", nil},
		{"ServiceURL object", traefiktest.AccessURLObject, 200, 0.001, "",
			[]feed.Attempt{{Addr: "127.0.0.1:80", Status: 200, Connect: -1, Header: -1, Total: 0.0009}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := NewLogParser()
			sink := new(feedtest.Recorder)
			if err := p.Line([]byte(tc.line), sink); err != nil {
				t.Fatal(err)
			}
			if len(sink.Requests()) != 1 {
				t.Fatalf("%d requests", len(sink.Requests()))
			}
			r := sink.Requests()[0]
			if !r.Time.Equal(fixture) || r.Status != tc.status || !near(r.Duration, tc.duration) || r.Cause != tc.cause {
				t.Errorf("request time %v status %d duration %v cause %q; want %v %d %v %q", r.Time, r.Status, r.Duration, r.Cause, fixture, tc.status, tc.duration, tc.cause)
			}
			if len(r.Attempts) != len(tc.attempts) {
				t.Fatalf("attempts %+v, want %+v", r.Attempts, tc.attempts)
			}
			for i, a := range r.Attempts {
				w := tc.attempts[i]
				if a.Addr != w.Addr || a.Status != w.Status || !near(a.Connect, w.Connect) || !near(a.Header, w.Header) || !near(a.Total, w.Total) || a.Cause != w.Cause {
					t.Errorf("attempt %+v, want %+v", a, w)
				}
			}
		})
	}
}

func near(a, b float64) bool { d := a - b; return d < 1e-9 && d > -1e-9 }

func TestLogParserOtherLines(t *testing.T) {
	p := NewLogParser()
	sink := new(feedtest.Recorder)
	for _, l := range []string{traefiktest.TraefikLog, `{}`, `{"msg":"Configuration loaded from flags."}`} {
		if err := p.Line([]byte(l), sink); !errors.Is(err, feed.ErrIgnored) {
			t.Errorf("Line(%q) = %v, want ErrIgnored", l, err)
		}
	}
	for _, l := range []string{
		``, `garbage`, `{"DownstreamStatus":`, `[1,2]`,
		`10.0.0.1 - - [07/May/2024:10:01:02 +0000] "GET / HTTP/1.1" 502 11 "-" "curl/8.5.0" 9 "api@docker" "http://127.0.0.1:9001" 1ms`,
		`{"DownstreamStatus":"502"}`, `{"DownstreamStatus":5000}`, `{"DownstreamStatus":502,"OriginStatus":-1}`,
	} {
		err := p.Line([]byte(l), sink)
		if err == nil || errors.Is(err, feed.ErrIgnored) {
			t.Errorf("Line(%q) = %v, want a parse error", l, err)
		}
	}
	if len(sink.Requests()) != 0 {
		t.Errorf("reported %+v", sink.Requests())
	}
}

func TestLogParserAddresses(t *testing.T) {
	for _, tc := range []struct{ line, addr string }{
		{`{"DownstreamStatus":200,"OriginStatus":200,"ServiceAddr":"10.0.0.9:81"}`, "10.0.0.9:81"},
		{`{"DownstreamStatus":200,"OriginStatus":200,"ServiceAddr":"10.0.0.9"}`, "10.0.0.9:80"},
		{`{"DownstreamStatus":200,"OriginStatus":200,"ServiceAddr":"[::1]"}`, "[::1]:80"},
		{`{"DownstreamStatus":200,"OriginStatus":200,"ServiceURL":"https://api.internal","ServiceAddr":"api.internal"}`, "api.internal:443"},
		{`{"DownstreamStatus":200,"OriginStatus":200,"ServiceURL":"","ServiceAddr":"-"}`, ""},
	} {
		p := NewLogParser()
		sink := new(feedtest.Recorder)
		if err := p.Line([]byte(tc.line), sink); err != nil {
			t.Fatal(err)
		}
		r := sink.Requests()[0]
		got := ""
		if len(r.Attempts) > 0 {
			got = r.Attempts[0].Addr
		}
		if got != tc.addr {
			t.Errorf("%s: addr %q, want %q", tc.line, got, tc.addr)
		}
	}
}

// A 499 or Traefik's own 500 names the server but is not its answer:
// the attempt is seen, not counted.
func TestLogParserNotTheUpstreams(t *testing.T) {
	for _, ds := range []string{"499", "500", "401"} {
		p := NewLogParser()
		sink := new(feedtest.Recorder)
		line := strings.Replace(traefiktest.Access502, `"DownstreamStatus":502`, `"DownstreamStatus":`+ds, 1)
		if err := p.Line([]byte(line), sink); err != nil {
			t.Fatal(err)
		}
		r := sink.Requests()[0]
		if len(r.Attempts) != 1 || r.Attempts[0].Status != 0 || r.Cause != "" {
			t.Errorf("%s: %+v", ds, r)
		}
	}
}

// TestLogParserPathHost: the recorded entry's RequestPath and RequestHost
// reach the request, for the per-route figures.
func TestLogParserPathHost(t *testing.T) {
	sink := new(feedtest.Recorder)
	if err := NewLogParser().Line([]byte(traefiktest.AccessOK), sink); err != nil {
		t.Fatal(err)
	}
	if r := sink.Requests()[0]; r.Path != "/items" || r.Host != "app.example.com" {
		t.Errorf("path %q host %q", r.Path, r.Host)
	}
}
