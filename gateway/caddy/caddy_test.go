package caddy

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gwtop/gwtop/collector/feed"
	"github.com/gwtop/gwtop/collector/feed/feedtest"
	"github.com/gwtop/gwtop/model"
)

// feedFile reads a fixture through a parser and counts the outcomes.
func feedFile(t *testing.T, p *LogParser, path string, sink feed.Sink) (parsed, ignored int) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		switch err := p.Line(sc.Bytes(), sink); {
		case err == nil:
			parsed++
		case errors.Is(err, feed.ErrIgnored):
			ignored++
		default:
			t.Errorf("%s: %v: %s", path, err, sc.Text())
		}
	}
	return parsed, ignored
}

// route is the first path segment of a request URI: the fixtures proxy
// /NAME/* to the upstream that fails in way NAME.
func route(uri string) string {
	s := strings.TrimPrefix(uri, "/")
	if i := strings.IndexByte(s, '/'); i >= 0 {
		s = s[:i]
	}
	return s
}

// uriOf pulls the request URI out of an access line (the recorder keeps
// the evidence line, which for a failure is the error entry).
func uriOf(line string) string {
	i := strings.Index(line, `"uri":"`)
	if i < 0 {
		return ""
	}
	s := line[i+7:]
	return s[:strings.IndexByte(s, '"')]
}

type want struct {
	status int
	cause  model.Cause
	addr   bool // the attempt names an upstream
	header bool // the upstream's header time is known (it answered)
}

func checkRequests(t *testing.T, rec *feedtest.Recorder, wants map[string]want) {
	t.Helper()
	seen := map[string]int{}
	lines := rec.Lines()
	for i, q := range rec.Requests() {
		name := route(uriOf(lines[i]))
		if name == "passive" {
			// The first request failed (refused), the second found no
			// upstream left to try.
			name += fmt.Sprint(seen[name])
		}
		seen[route(uriOf(lines[i]))]++
		w, ok := wants[name]
		if !ok {
			t.Errorf("request %d: unexpected route %q", i, name)
			continue
		}
		if q.Status != w.status || q.Cause != w.cause {
			t.Errorf("%s: status %d cause %q, want %d %q", name, q.Status, q.Cause, w.status, w.cause)
		}
		if q.Duration < 0 || q.Time.IsZero() {
			t.Errorf("%s: duration %v time %v", name, q.Duration, q.Time)
		}
		switch {
		case !w.addr && len(q.Attempts) != 0:
			t.Errorf("%s: attempts %+v, want none", name, q.Attempts)
		case w.addr && (len(q.Attempts) != 1 || !strings.HasPrefix(q.Attempts[0].Addr, "127.0.0.1:")):
			t.Errorf("%s: attempts %+v, want one at a 127.0.0.1 address", name, q.Attempts)
		case w.addr && (q.Attempts[0].Header >= 0) != w.header:
			t.Errorf("%s: header time %v, want known=%v", name, q.Attempts[0].Header, w.header)
		case w.addr && q.Attempts[0].Status != w.status:
			t.Errorf("%s: attempt status %d, want %d", name, q.Attempts[0].Status, w.status)
		}
		if w.cause != "" && !strings.Contains(lines[i], `"error"`) && !strings.Contains(lines[i], "http.log.error") {
			t.Errorf("%s: evidence is not the line that states the cause: %s", name, lines[i])
		}
	}
	for name := range wants {
		base := strings.TrimSuffix(strings.TrimSuffix(name, "0"), "1")
		if !strings.HasPrefix(name, "passive") {
			base = name
		}
		if seen[base] == 0 {
			t.Errorf("no request seen for %s", name)
		}
	}
}

// TestLogDebug reads Caddy 2.6.2's log with the reverse proxy's debug
// entries, which name the upstream of every attempt.
func TestLogDebug(t *testing.T) {
	rec := new(feedtest.Recorder)
	p := NewLogParser()
	parsed, ignored := feedFile(t, p, "testdata/caddy262-debug.log", rec)
	t.Logf("parsed %d, ignored %d", parsed, ignored)
	checkRequests(t, rec, map[string]want{
		"healthy":      {200, "", true, true},
		"refused":      {502, model.CauseRefused, true, false},
		"slow":         {504, model.CauseReadTimeout, true, false},
		"close":        {502, model.CausePrematureClose, true, false},
		"reset":        {502, model.CauseReset, true, false},
		"error500":     {500, "", true, true},
		"badheader":    {200, "", true, true}, // Go's HTTP client accepts the header Caddy is sent
		"plain_on_tls": {502, model.CauseTLS, true, false},
		"unavailable":  {503, "", true, true},
		"passive0":     {502, model.CauseRefused, true, false},
		"passive1":     {503, model.CauseNoLiveUpstreams, false, false},
	})
	if len(rec.Requests()) != 20 {
		t.Errorf("%d requests, want 20", len(rec.Requests()))
	}
	// Every error was matched to its access entry: none reported twice.
	if len(rec.Failures()) != 0 {
		t.Errorf("failures reported besides the requests: %+v", rec.Failures())
	}
	if len(p.pending) != 0 || p.nPending != 0 {
		t.Errorf("requests left pending: %d", p.nPending)
	}
}

// TestLogInfo reads Caddy 2.6.2's log at its default level: the access
// and error entries name no upstream, so only errors that quote the
// address (a refused dial, a reset read) are attributed to one; the rest
// are the gateway's.
func TestLogInfo(t *testing.T) {
	rec := new(feedtest.Recorder)
	feedFile(t, NewLogParser(), "testdata/caddy262-info.log", rec)
	checkRequests(t, rec, map[string]want{
		"healthy":      {200, "", false, false},
		"refused":      {502, model.CauseRefused, true, false},
		"slow":         {504, model.CauseReadTimeout, false, false},
		"close":        {502, model.CausePrematureClose, false, false},
		"reset":        {502, model.CauseReset, true, false},
		"error500":     {500, "", false, false},
		"badheader":    {200, "", false, false},
		"plain_on_tls": {502, model.CauseTLS, false, false},
		"unavailable":  {503, "", false, false},
		"passive0":     {502, model.CauseRefused, true, false},
		"passive1":     {503, model.CauseNoLiveUpstreams, false, false},
		"dns":          {502, model.CauseDNS, false, false},
	})
	if len(rec.Failures()) != 0 {
		t.Errorf("failures reported besides the requests: %+v", rec.Failures())
	}
	// Each request carries its path and host, for the per-route figures.
	for _, r := range rec.Requests() {
		if !strings.HasSuffix(r.Path, "/x?i=0") && !strings.HasSuffix(r.Path, "/x?i=1") || !strings.HasPrefix(r.Host, "127.0.0.1:") {
			t.Errorf("request path %q host %q", r.Path, r.Host)
		}
	}
}

// TestLogErrorsOnly: a file without access entries still reports every
// proxy error, as a failure.
func TestLogErrorsOnly(t *testing.T) {
	b, err := os.ReadFile("testdata/caddy262-debug.log")
	if err != nil {
		t.Fatal(err)
	}
	rec := new(feedtest.Recorder)
	p := NewLogParser()
	for _, l := range strings.Split(string(b), "\n") {
		if strings.Contains(l, "http.log.access") {
			continue
		}
		_ = p.Line([]byte(l), rec)
	}
	got := map[model.Cause]int{}
	for _, f := range rec.Failures() {
		got[f.Cause]++
		if f.Cause != model.CauseNoLiveUpstreams && !strings.HasPrefix(f.Addr, "127.0.0.1:") {
			t.Errorf("failure without its upstream: %+v", f)
		}
		if f.Source != "error_log" || f.Line == "" || f.Time.IsZero() {
			t.Errorf("failure %+v", f)
		}
	}
	wantCounts := map[model.Cause]int{model.CauseRefused: 3, model.CauseReadTimeout: 2, model.CausePrematureClose: 2,
		model.CauseReset: 2, model.CauseTLS: 2, model.CauseNoLiveUpstreams: 1}
	for c, n := range wantCounts {
		if got[c] != n {
			t.Errorf("%s: %d failures, want %d (all: %v)", c, got[c], n, got)
		}
	}
	if len(rec.Requests()) != 0 {
		t.Errorf("requests without access entries: %d", len(rec.Requests()))
	}
}

// TestLogIncomplete: the upstream broke off its body after the header;
// the client got a 200 and Caddy says why in an entry naming no request.
func TestLogIncomplete(t *testing.T) {
	rec := new(feedtest.Recorder)
	feedFile(t, NewLogParser(), "testdata/caddy262-incomplete.log", rec)
	if len(rec.Failures()) != 2 {
		t.Fatalf("failures %+v, want 2", rec.Failures())
	}
	for _, f := range rec.Failures() {
		if f.Cause != model.CausePrematureClose || !strings.Contains(f.Line, "aborting with incomplete response") {
			t.Errorf("failure %+v", f)
		}
	}
	if len(rec.Requests()) != 2 || rec.Requests()[0].Status != 200 {
		t.Errorf("requests %+v", rec.Requests())
	}
}

// TestLogExpiry: a proxy error whose access entry never comes is reported
// once the log moves on past pendingTTL.
func TestLogExpiry(t *testing.T) {
	rec := new(feedtest.Recorder)
	p := NewLogParser()
	lines := []string{
		`{"level":"info","ts":1000,"logger":"http.log.access.x","msg":"handled request","request":{"remote_ip":"10.0.0.1","remote_port":"1","proto":"HTTP/1.1","uri":"/"},"duration":0.1,"status":200}`,
		`{"level":"debug","ts":1001,"logger":"http.handlers.reverse_proxy","msg":"upstream roundtrip","upstream":"10.0.0.5:80","duration":0.5,"request":{"remote_ip":"10.0.0.2","remote_port":"2","proto":"HTTP/1.1","uri":"/a"},"error":"dial tcp 10.0.0.5:80: i/o timeout"}`,
		`{"level":"info","ts":1010,"logger":"http.log.access.x","msg":"handled request","request":{"remote_ip":"10.0.0.1","remote_port":"3","proto":"HTTP/1.1","uri":"/"},"duration":0.1,"status":200}`,
	}
	for _, l := range lines {
		if err := p.Line([]byte(l), rec); err != nil {
			t.Fatal(err)
		}
	}
	if len(rec.Failures()) != 0 {
		t.Fatalf("reported before its access entry could come: %+v", rec.Failures())
	}
	late := `{"level":"info","ts":1040,"logger":"http.log.access.x","msg":"handled request","request":{"remote_ip":"10.0.0.1","remote_port":"4","proto":"HTTP/1.1","uri":"/"},"duration":0.1,"status":200}`
	if err := p.Line([]byte(late), rec); err != nil {
		t.Fatal(err)
	}
	if len(rec.Failures()) != 1 || rec.Failures()[0].Cause != model.CauseConnectTimeout || rec.Failures()[0].Addr != "10.0.0.5:80" {
		t.Errorf("failures %+v, want one connect_timeout at 10.0.0.5:80", rec.Failures())
	}
	if p.nPending != 0 {
		t.Errorf("%d still pending", p.nPending)
	}
}

// TestLogRetries: a retried request (lb_try_duration) reports the failed
// first try as a failure and the answering second as the request's attempt.
func TestLogRetries(t *testing.T) {
	rec := new(feedtest.Recorder)
	p := NewLogParser()
	req := `"request":{"remote_ip":"10.0.0.2","remote_port":"2","proto":"HTTP/1.1","uri":"/a"}`
	lines := []string{
		`{"level":"info","ts":1000,"logger":"http.log.access.x","msg":"handled request","request":{"remote_ip":"10.0.0.1","remote_port":"1","proto":"HTTP/1.1","uri":"/"},"duration":0.1,"status":200}`,
		`{"level":"debug","ts":1001,"logger":"http.handlers.reverse_proxy","msg":"upstream roundtrip","upstream":"10.0.0.5:80","duration":0.001,` + req + `,"error":"dial tcp 10.0.0.5:80: connect: connection refused"}`,
		`{"level":"debug","ts":1001.5,"logger":"http.handlers.reverse_proxy","msg":"upstream roundtrip","upstream":"10.0.0.6:80","duration":0.02,` + req + `,"headers":{},"status":503}`,
		`{"level":"error","ts":1001.6,"logger":"http.log.access.x","msg":"handled request",` + req + `,"duration":0.6,"status":503}`,
	}
	for _, l := range lines {
		if err := p.Line([]byte(l), rec); err != nil {
			t.Fatal(err)
		}
	}
	if len(rec.Failures()) != 1 || rec.Failures()[0].Addr != "10.0.0.5:80" || rec.Failures()[0].Cause != model.CauseRefused {
		t.Errorf("failures %+v", rec.Failures())
	}
	q := rec.Requests()[1]
	if len(q.Attempts) != 1 || q.Attempts[0].Addr != "10.0.0.6:80" || q.Attempts[0].Status != 503 || q.Attempts[0].Header != 0.02 || q.Attempts[0].Total != 0.6 || q.Cause != "" {
		t.Errorf("request %+v", q)
	}
}

// TestLogMultiplexed: two concurrent HTTP/2 requests on one connection
// keep their own upstreams.
func TestLogMultiplexed(t *testing.T) {
	rec := new(feedtest.Recorder)
	p := NewLogParser()
	r := func(uri string) string {
		return `"request":{"remote_ip":"10.0.0.2","remote_port":"2","proto":"HTTP/2.0","uri":"` + uri + `"}`
	}
	lines := []string{
		`{"ts":1,"logger":"http.log.access.x","msg":"handled request",` + r("/warm") + `,"duration":0.1,"status":200}`,
		`{"ts":2,"logger":"http.handlers.reverse_proxy","msg":"upstream roundtrip","upstream":"10.0.0.5:80",` + r("/a") + `,"duration":0.1,"status":200}`,
		`{"ts":2,"logger":"http.handlers.reverse_proxy","msg":"upstream roundtrip","upstream":"10.0.0.6:80",` + r("/b") + `,"duration":0.1,"error":"EOF"}`,
		`{"ts":3,"logger":"http.log.error.x","msg":"EOF",` + r("/b") + `,"duration":0.1,"status":502}`,
		`{"ts":3,"logger":"http.log.access.x","msg":"handled request",` + r("/b") + `,"duration":0.1,"status":502}`,
		`{"ts":3,"logger":"http.log.access.x","msg":"handled request",` + r("/a") + `,"duration":0.1,"status":200}`,
	}
	for _, l := range lines {
		if err := p.Line([]byte(l), rec); err != nil {
			t.Fatal(err)
		}
	}
	if len(rec.Requests()) != 3 {
		t.Fatalf("requests %+v", rec.Requests())
	}
	b, a := rec.Requests()[1], rec.Requests()[2]
	if len(b.Attempts) != 1 || b.Attempts[0].Addr != "10.0.0.6:80" || b.Cause != model.CausePrematureClose {
		t.Errorf("/b: %+v", b)
	}
	if len(a.Attempts) != 1 || a.Attempts[0].Addr != "10.0.0.5:80" || a.Cause != "" {
		t.Errorf("/a: %+v", a)
	}
}

func TestLogBadLines(t *testing.T) {
	for _, tc := range []struct {
		line    string
		ignored bool
	}{
		{"hello world", false},
		{"{not json", false},
		{`{"ts":1,"logger":"http.log.access.x","msg":"handled request"}`, false}, // no status
		{`[1,2]`, false},
		{`{"level":"info","ts":1795385407.8317056,"msg":"serving initial configuration"}`, true},
		{`{"level":"info","ts":1,"logger":"tls","msg":"cleaning storage unit"}`, true},
		{`{"level":"debug","ts":1,"logger":"http.handlers.reverse_proxy","msg":"selected upstream","dial":"127.0.0.1:1","total_upstreams":1}`, true},
		{`{"level":"error","ts":1,"logger":"http.handlers.reverse_proxy","msg":"aborting with incomplete response","error":"context canceled"}`, true},
		{`{"level":"debug","ts":1,"logger":"http.log.error.x","msg":"not found","status":404,"request":{"remote_ip":"1.2.3.4","remote_port":"5"}}`, true},
		{"", true},
		// A field of an unexpected type does not lose the entry.
		{`{"ts":1,"logger":"http.log.access.x","msg":"handled request","request":"weird","status":200,"duration":{"x":1}}`, false},
	} {
		rec := new(feedtest.Recorder)
		err := NewLogParser().Line([]byte(tc.line), rec)
		switch {
		case tc.ignored && !errors.Is(err, feed.ErrIgnored):
			t.Errorf("%q: %v, want ErrIgnored", tc.line, err)
		case !tc.ignored && strings.Contains(tc.line, `"request":"weird"`):
			if err != nil || len(rec.Requests()) != 1 || rec.Requests()[0].Status != 200 || rec.Requests()[0].Duration != -1 {
				t.Errorf("%q: %v %+v", tc.line, err, rec.Requests())
			}
		case !tc.ignored && (err == nil || errors.Is(err, feed.ErrIgnored)):
			t.Errorf("%q: %v, want a parse error", tc.line, err)
		}
	}
}

func TestClassify(t *testing.T) {
	for text, want := range map[string]model.Cause{
		// Real Caddy 2.6.2 texts (testdata).
		"dial tcp 127.0.0.1:34675: connect: connection refused": model.CauseRefused,
		"net/http: timeout awaiting response headers":           model.CauseReadTimeout,
		"EOF": model.CausePrematureClose,
		"read tcp 127.0.0.1:56708->127.0.0.1:42365: read: connection reset by peer": model.CauseReset,
		"tls: first record does not look like a TLS handshake":                      model.CauseTLS,
		"no upstreams available": model.CauseNoLiveUpstreams,
		"dial tcp: lookup ghost.invalid on 10.255.255.53:53: no such host": model.CauseDNS,
		"unexpected EOF": model.CausePrematureClose,
		// Go's texts for the other failures (illustrative).
		"dial tcp 10.0.0.1:80: i/o timeout":                                                model.CauseConnectTimeout,
		"dial tcp: lookup api.internal on 127.0.0.53:53: i/o timeout":                      model.CauseDNS,
		"dial tcp: lookup api.internal: server misbehaving":                                model.CauseDNS,
		"read tcp 10.0.0.9:5123->10.0.0.1:80: i/o timeout":                                 model.CauseReadTimeout,
		"context deadline exceeded":                                                        model.CauseReadTimeout,
		"dial tcp 10.0.0.1:80: connect: no route to host":                                  model.CauseConnectTimeout,
		`net/http: HTTP/1.x transport connection broken: malformed HTTP status code "x"`:   model.CauseBadResponse,
		`net/http: HTTP/1.x transport connection broken: malformed MIME header line: a`:    model.CauseBadResponse,
		"net/http: server response headers exceeded 1048576 bytes; aborted":                model.CauseBadResponse,
		"tls: failed to verify certificate: x509: certificate signed by unknown authority": model.CauseTLS,
		"x509: certificate has expired or is not yet valid":                                model.CauseTLS,
		"remote error: tls: handshake failure":                                             model.CauseTLS,
		"dial tcp 10.0.0.1:80: socket: too many open files":                                model.CauseGatewayLimits,
		"dial tcp 10.0.0.1:80: connect: cannot assign requested address":                   model.CauseGatewayLimits,
		"dial unix /run/app.sock: connect: permission denied":                              model.CausePermission,
		"write tcp 10.0.0.9:5123->10.0.0.1:80: write: broken pipe":                         model.CauseReset,
		"read tcp 10.0.0.9:5123->10.0.0.1:80: EOF":                                         model.CausePrematureClose,
		"http: server closed idle connection":                                              model.CausePrematureClose,
		"context canceled":                                                                 model.CauseNone,
		"something else entirely":                                                          model.CauseNone,
	} {
		if got := Classify(text); got != want {
			t.Errorf("Classify(%q) = %q, want %q", text, got, want)
		}
	}
}

func TestAddrInText(t *testing.T) {
	for text, want := range map[string]string{
		"dial tcp 127.0.0.1:34675: connect: connection refused":                     "127.0.0.1:34675",
		"read tcp 127.0.0.1:56708->127.0.0.1:42365: read: connection reset by peer": "127.0.0.1:42365",
		"dial tcp [::1]:8080: connect: connection refused":                          "[::1]:8080",
		"dial unix /run/app.sock: connect: permission denied":                       "/run/app.sock",
		"dial tcp: lookup ghost.invalid on 10.255.255.53:53: no such host":          "",
		"net/http: timeout awaiting response headers":                               "",
		"x->": "",
	} {
		if got := addrInText(text); got != want {
			t.Errorf("addrInText(%q) = %q, want %q", text, got, want)
		}
	}
}

func TestTimeAndDuration(t *testing.T) {
	want := time.Date(2026, 11, 21, 10, 10, 7, 500_000_000, time.UTC)
	for raw, w := range map[string]time.Time{
		fmt.Sprintf("%d.5", want.Unix()):   want,
		fmt.Sprint(want.UnixMilli()):       want,
		fmt.Sprint(want.UnixNano()):        want,
		`"2026-11-21T10:10:07.5Z"`:         want,
		`"2026-11-21T10:10:07.500Z"`:       want,
		`"2026-11-21T11:10:07.500+0100"`:   want,
		`"21/Nov/2026:10:10:07 +0000"`:     want.Truncate(time.Second),
		fmt.Sprintf(`"%d.5"`, want.Unix()): want,
		`"yesterday"`:                      {},
		`null`:                             {},
		`-5`:                               {},
		`1e300`:                            {},
		``:                                 {},
	} {
		if got := parseTime([]byte(raw)); !got.Equal(w) {
			t.Errorf("parseTime(%s) = %v, want %v", raw, got, w)
		}
	}
	for raw, w := range map[string]float64{
		`0.000195611`: 0.000195611, `1.5`: 1.5, `0`: 0, `"1.5ms"`: 0.0015, `"2s"`: 2,
		`1500000`: 0.0015, `"0.25"`: 0.25, `-1`: -1, `"soon"`: -1, ``: -1, `null`: -1,
	} {
		if got := seconds([]byte(raw)); got != w {
			t.Errorf("seconds(%s) = %v, want %v", raw, got, w)
		}
	}
	for raw, w := range map[string]int{`502`: 502, `"504"`: 504, `0`: 0, `99`: 0, `1000`: 0, `"x"`: 0, `{}`: 0} {
		if got := statusOf([]byte(raw)); got != w {
			t.Errorf("statusOf(%s) = %d, want %d", raw, got, w)
		}
	}
}

// adminServer answers GET /reverse_proxy/upstreams with whatever the test
// sets.
type adminServer struct {
	mu     sync.Mutex
	status int
	ctype  string
	body   string
}

func (s *adminServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r.URL.Path != "/reverse_proxy/upstreams" {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", s.ctype)
	w.WriteHeader(s.status)
	fmt.Fprint(w, s.body)
}

func (s *adminServer) set(status int, ctype, body string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.status, s.ctype, s.body = status, ctype, body
}

func TestAdmin(t *testing.T) {
	srv := &adminServer{}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	a, err := NewAdmin(strings.TrimPrefix(ts.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	scrape := func() *feedtest.Recorder {
		rec := new(feedtest.Recorder)
		feed.ScrapeOnce(context.Background(), "caddy", a, rec)
		if len(rec.Gateways()) != 1 {
			t.Fatalf("gateway rows %+v", rec.Gateways())
		}
		g := rec.Gateways()[0]
		if g.Kind != "caddy" || g.Source != "admin" || g.Target != ts.URL+"/reverse_proxy/upstreams" {
			t.Errorf("gateway row %+v", g)
		}
		return rec
	}

	// The documentation's fixture (reference §7), plus the "healthy"
	// field some builds write and never set.
	srv.set(200, "application/json", `[
	{"address": "10.0.1.1:80", "num_requests": 4, "fails": 2},
	{"address": "10.0.1.2:80", "num_requests": 5, "fails": 0, "healthy": false},
	{"address": "10.0.1.3:80", "num_requests": 3, "fails": 3}
]`)
	rec := scrape()
	g := rec.Gateways()[0]
	if !g.OK || g.Error != "" || g.Counters["upstreams"] != 3 || g.Counters["in_flight"] != 12 || g.Counters["fails"] != 5 || g.Counters["unhealthy"] != 2 {
		t.Errorf("gateway row %+v", g)
	}
	if st := rec.Statuses(); !st["10.0.1.1:80"].Down || !strings.HasPrefix(st["10.0.1.1:80"].Why, "caddy: 2 failure") || !st["10.0.1.3:80"].Down || len(st) != 2 {
		t.Errorf("status %v, want two down and nothing said of the third", st)
	}
	if !slices.Equal(rec.LabeledAddrs(), []string{"10.0.1.1:80", "10.0.1.2:80", "10.0.1.3:80"}) {
		t.Errorf("listed %v", rec.LabeledAddrs())
	}
	if len(rec.Failures()) != 2 {
		t.Errorf("failures %+v, want one per upstream whose fails rose", rec.Failures())
	}
	for _, f := range rec.Failures() {
		if f.Cause != "" || f.Source != "status" || !strings.Contains(f.Line, "fails 0 →") {
			t.Errorf("failure %+v: the admin API does not say why", f)
		}
	}
	// Unchanged: no new failure. Risen: one.
	if rec := scrape(); len(rec.Failures()) != 0 {
		t.Errorf("failures %+v on an unchanged reading", rec.Failures())
	}
	srv.set(200, "application/json", `[{"address":"10.0.1.1:80","num_requests":0,"fails":4},{"address":"10.0.1.2:80","num_requests":0,"fails":0}]`)
	if rec := scrape(); len(rec.Failures()) != 1 || rec.Failures()[0].Addr != "10.0.1.1:80" || !strings.Contains(rec.Failures()[0].Line, "fails 2 → 4") {
		t.Errorf("failures %+v", rec.Failures())
	}
	// A higher max_fails in Caddy's configuration: back in rotation,
	// said once.
	a.MaxFails = 5
	st := scrape().Statuses()
	if s, ok := st["10.0.1.1:80"]; !ok || s.Down || len(st) != 1 {
		t.Errorf("4 fails under max_fails 5: %v", st)
	}
	if rec := scrape(); len(rec.Statuses()) != 0 {
		t.Errorf("status repeated: %v", rec.Statuses())
	}

	for _, tc := range []struct {
		status      int
		ctype, body string
		want        string
	}{
		{200, "text/html; charset=utf-8", "<html><body>It works</body></html>", "HTML"},
		{200, "application/json", "<!DOCTYPE html>", "HTML"},
		{401, "application/json", `{"error":"client is not authorized"}`, "401"},
		{403, "application/json", `{"error":"host not allowed: evil"}`, "host not allowed"},
		{404, "text/plain", "404 page not found", "is reverse_proxy configured"},
		{500, "text/plain", "oops", "500"},
		{200, "application/json", "", "empty"},
		{200, "application/json", `{"address":"x"}`, "JSON array"},
		{200, "application/json", `[{"address":"x","fails":"many"}]`, "not Caddy's upstream list"},
		{200, "application/json", `[{"address":"x"`, "not Caddy's upstream list"},
		{200, "application/octet-stream", "\x00\x01garbage", "not Caddy's upstream list"},
	} {
		srv.set(tc.status, tc.ctype, tc.body)
		rec := scrape()
		g := rec.Gateways()[0]
		if g.OK || !strings.Contains(g.Error, tc.want) || !strings.Contains(g.Error, "caddy admin") {
			t.Errorf("%d %q: gateway row %+v, want an error mentioning %q", tc.status, tc.body, g, tc.want)
		}
		if len(rec.Statuses()) != 0 || len(rec.Failures()) != 0 || len(rec.LabeledAddrs()) != 0 {
			t.Errorf("%d %q: reported upstreams from a bad answer: %v %v", tc.status, tc.body, rec.Statuses(), rec.Failures())
		}
	}
}

func TestAdminUnreachable(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	a, err := NewAdmin(addr)
	if err != nil {
		t.Fatal(err)
	}
	rec := new(feedtest.Recorder)
	feed.ScrapeOnce(context.Background(), "caddy", a, rec)
	if len(rec.Gateways()) != 1 || rec.Gateways()[0].OK || !strings.Contains(rec.Gateways()[0].Error, "connection refused") {
		t.Errorf("gateway rows %+v", rec.Gateways())
	}
	// A scrape cut short by shutdown reports nothing.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	rec = new(feedtest.Recorder)
	feed.ScrapeOnce(ctx, "caddy", a, rec)
	if len(rec.Gateways()) != 0 {
		t.Errorf("cancelled scrape reported %+v", rec.Gateways())
	}
}

func TestNewAdmin(t *testing.T) {
	for in, want := range map[string]string{
		"localhost:2019":                     "http://localhost:2019/reverse_proxy/upstreams",
		"127.0.0.1:2019/":                    "http://127.0.0.1:2019/reverse_proxy/upstreams",
		"https://caddy.lan:2019":             "https://caddy.lan:2019/reverse_proxy/upstreams",
		"http://h:1/reverse_proxy/upstreams": "http://h:1/reverse_proxy/upstreams",
		"http://h:1/admin/":                  "http://h:1/admin/reverse_proxy/upstreams",
		"http://user:secret@h:1":             "http://user:xxxxx@h:1/reverse_proxy/upstreams",
		" http://h:1?x=1#y ":                 "http://h:1/reverse_proxy/upstreams",
	} {
		a, err := NewAdmin(in)
		if err != nil {
			t.Errorf("NewAdmin(%q): %v", in, err)
			continue
		}
		if a.Target() != want {
			t.Errorf("NewAdmin(%q).Target() = %q, want %q", in, a.Target(), want)
		}
	}
	for _, in := range []string{"", "ftp://h:1", "http://", "http://[::1"} {
		if _, err := NewAdmin(in); err == nil {
			t.Errorf("NewAdmin(%q) accepted", in)
		}
	}
}

// fixtureLines returns every line of the fixtures, for the fuzzers' seeds.
func fixtureLines(t interface{ Fatal(...any) }) [][]byte {
	var out [][]byte
	for _, f := range []string{"testdata/caddy262-debug.log", "testdata/caddy262-info.log", "testdata/caddy262-incomplete.log"} {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, bytes.Split(b, []byte("\n"))...)
	}
	return out
}
