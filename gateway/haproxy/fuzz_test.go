package haproxy

import (
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/gwtop/gwtop/collector/feed"
	"github.com/gwtop/gwtop/collector/feed/feedtest"
	"github.com/gwtop/gwtop/model"
)

// The fuzz targets check that nothing panics and that what comes out is
// well formed; the table tests pin the values.

func FuzzStatsCSV(f *testing.F) {
	real26, err := os.ReadFile("testdata/show-stat-2.6.csv")
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range []string{statsFixture1, statsFixture2, string(real26), csvOf("DOWN", "L4CON", 3, "DOWN", 1, 10),
		"# svname,pxname,status\r\nsrv,\"b\"\"e\",UP 1/3,\r\n\r\n", "<html>", ""} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		rows, err := ParseStats(b)
		if err != nil {
			if !errors.Is(err, ErrNotCSV) && !errors.Is(err, ErrTooLarge) {
				t.Fatalf("error %v wraps neither ErrNotCSV nor ErrTooLarge", err)
			}
			return
		}
		for _, r := range rows {
			if r.Proxy == "" || r.Name == "" || r.Type < TypeFrontend || r.Type > TypeListener {
				t.Fatalf("bad row %+v", r)
			}
			if c := CheckCause(r.CheckStatus, r.CheckCode, r.CheckDesc, r.LastChk); c != "" && c.Index() < 0 {
				t.Fatalf("unknown cause %q", c)
			}
		}
		// Whatever parses can be reported twice without trouble.
		now := time.Now()
		s := &Stats{t: &target{shown: "fuzz"}, Names: &Names{}, servers: map[string]*serverMemo{}, backends: map[string]*backendMemo{}}
		rec := new(feedtest.Recorder)
		s.report(rows, now, rec)
		s.report(rows, now, rec)
		for _, fl := range rec.Failures() {
			if fl.Addr == "" || fl.Cause.Index() < 0 || fl.Line == "" {
				t.Fatalf("bad failure %+v", fl)
			}
		}
		for addr, c := range rec.Counters() {
			var sum int64
			for _, n := range c.Classes {
				sum += n
			}
			if addr == "" || sum != c.Requests {
				t.Fatalf("bad counters %q %+v: classes add up to %d", addr, c, sum)
			}
		}
	})
}

func FuzzLogLine(f *testing.F) {
	for _, s := range []string{logDocExample, log2071, logLocal, logPorter,
		`[WARNING]  (8123) : Server be_a/s1 is DOWN, reason: Layer4 timeout, check duration: 2001ms.`,
		`<128>Nov 22 22:11:02 haproxy[8123]: backend be_refused has no server available!`,
		`<129>Nov 22 22:11:02 haproxy[8123]: Server be_error500/srv is DOWN, reason: Layer7 wrong status, code: 500, info: "Internal Server Error", check duration: 0ms.`} {
		f.Add(s)
	}
	if b, err := os.ReadFile("testdata/syslog-2.6.log"); err == nil {
		for _, l := range strings.Split(string(b), "\n")[:5] {
			f.Add(l)
		}
	}
	f.Fuzz(func(t *testing.T, line string) {
		p := NewLogParser()
		rec := new(feedtest.Recorder)
		err := p.Line([]byte(line), rec)
		if err != nil {
			if !errors.Is(err, ErrNotHTTPLog) && !errors.Is(err, feed.ErrIgnored) {
				t.Fatalf("error %v is neither ErrNotHTTPLog nor ErrIgnored", err)
			}
			if len(rec.Requests())+len(rec.Failures()) > 0 {
				t.Fatal("reported something for a line it refused")
			}
			return
		}
		if len(rec.Requests())+len(rec.Failures())+len(rec.Limits()) != 1 {
			t.Fatalf("%d requests, %d failures and %d gateway limits for one line", len(rec.Requests()), len(rec.Failures()), len(rec.Limits()))
		}
		for _, r := range rec.Requests() {
			if r.Status < 0 || r.Status > 999 || (r.Cause != "" && r.Cause.Index() < 0) || len(r.Attempts) > 1 {
				t.Fatalf("bad request %+v", r)
			}
			for _, a := range r.Attempts {
				if a.Addr == "" || a.Status < 0 {
					t.Fatalf("bad attempt %+v", a)
				}
			}
		}
		for _, fl := range rec.Failures() {
			if fl.Addr == "" || fl.Cause.Index() < 0 || fl.Cause == model.CauseNone {
				t.Fatalf("bad failure %+v", fl)
			}
			// Without Resolve, the key is the server's or the proxy's
			// name as the line wrote it.
			if !strings.Contains(line, fl.Addr) {
				t.Fatalf("failure keyed %q, which the line %q does not name", fl.Addr, line)
			}
		}
	})
}

// FuzzClassifyMessage: any message, never a panic; a message it knows
// names a proxy (and a server) the line wrote, a cause from the model,
// and flags that agree with the cause.
func FuzzClassifyMessage(f *testing.F) {
	for _, c := range catalogue {
		msg, _, _ := splitPrefix(c.line)
		f.Add(msg)
	}
	f.Add("Server a/b/c is DOWN, reason: Layer4 timeout")
	f.Add("Health check for backup server /s failed, reason: ")
	f.Add("backend '' has no server available!")
	f.Fuzz(func(t *testing.T, msg string) {
		m, ok := ClassifyMessage(msg)
		if !ok {
			if m != (Message{}) {
				t.Fatalf("unknown message with content %+v", m)
			}
			return
		}
		if m.Backend == "" || !strings.Contains(msg, m.Backend) || strings.ContainsAny(m.Backend, " /") {
			t.Fatalf("proxy %q not named by %q", m.Backend, msg)
		}
		if m.Server != "" && !strings.Contains(msg, m.Backend+"/"+m.Server) {
			t.Fatalf("server %q/%q not named by %q", m.Backend, m.Server, msg)
		}
		if m.Cause != "" && m.Cause.Index() < 0 {
			t.Fatalf("unknown cause %q", m.Cause)
		}
		if (m.Gateway && m.Cause != model.CauseGatewayLimits) || (m.Backlog && m.Cause != model.CauseOverloaded) ||
			(m.Note != "" && m.Cause != model.CauseBadResponse) || (m.Inferred && m.Cause == "") {
			t.Fatalf("flags disagree with the cause: %+v", m)
		}
		// The parser reports the message's failure under its names.
		rec := new(feedtest.Recorder)
		err := NewLogParser().Line([]byte("[ALERT]    (1) : "+msg), rec)
		switch {
		case m.Cause == "":
			if !errors.Is(err, feed.ErrIgnored) {
				t.Fatalf("not a failure, yet %v", err)
			}
		case m.Gateway:
			if err != nil || len(rec.Limits()) != 1 {
				t.Fatalf("gateway limit: %v %+v", err, rec.Limits())
			}
		default:
			want := m.Backend
			if m.Server != "" {
				want += "/" + m.Server
			}
			if fs := rec.Failures(); err != nil || len(fs) != 1 || fs[0].Addr != want || fs[0].Cause != m.Cause {
				t.Fatalf("failure %+v %v, want %s at %s", fs, err, m.Cause, want)
			}
		}
	})
}
