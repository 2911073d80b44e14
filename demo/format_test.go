package demo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestErrorPagesAreNginxs(t *testing.T) {
	want502 := "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
	if got := errorPage(502); got != want502 {
		t.Fatalf("502 page %q", got)
	}
	// nginx with server_tokens off: 7 bytes shorter than the 157/167 of
	// "nginx/1.x.y" in the reference's captured lines.
	if len(errorPage(502)) != 150 || len(errorPage(504)) != 160 {
		t.Fatalf("page sizes %d %d", len(errorPage(502)), len(errorPage(504)))
	}
	if !strings.Contains(errorPage(504), "<title>504 Gateway Time-out</title>") {
		t.Fatal(errorPage(504))
	}
}

func TestStubStatusRender(t *testing.T) {
	s := newStubStatus()
	c1, c2 := &net.TCPConn{}, &net.UDPConn{}
	ctx := s.connContext(context.Background(), c1)
	s.connContext(context.Background(), c2)
	s.connState(c1, http.StateActive)
	s.requestStarted(ctx)
	want := "Active connections: 2 \nserver accepts handled requests\n 2 2 1 \nReading: 0 Writing: 1 Waiting: 1 \n"
	if got := string(s.render()); got != want {
		t.Fatalf("got %q want %q", got, want)
	}
	s.connState(c1, http.StateIdle)
	s.connState(c2, http.StateClosed)
	want = "Active connections: 1 \nserver accepts handled requests\n 2 2 1 \nReading: 0 Writing: 0 Waiting: 1 \n"
	if got := string(s.render()); got != want {
		t.Fatalf("got %q want %q", got, want)
	}
	if connStatFrom(ctx).serial != 1 {
		t.Fatal("connection serials start at 1")
	}
}

func TestEscapingAndNumbers(t *testing.T) {
	cases := []struct{ in, want string }{
		{"", "-"},
		{"curl/8.5.0", "curl/8.5.0"},
		{`say "hi" \ bye`, `say \x22hi\x22 \x5C bye`},
		{"tab\there\x7f\xff", `tab\x09here\x7F\xFF`},
		{"é", `\xC3\xA9`},
	}
	for _, c := range cases {
		if got := string(appendVar(nil, c.in)); got != c.want {
			t.Errorf("appendVar(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	msec := map[time.Duration]string{
		0: "0.000", 999 * time.Microsecond: "0.000", 12 * time.Millisecond: "0.012",
		1001 * time.Millisecond: "1.001", 61*time.Second + 5*time.Millisecond: "61.005", -time.Second: "0.000",
	}
	for d, want := range msec {
		if got := string(appendMsec(nil, d)); got != want {
			t.Errorf("appendMsec(%v) = %q, want %q", d, got, want)
		}
	}
	if got := string(appendPhase(nil, -1)); got != "-" {
		t.Errorf("unreached phase %q", got)
	}
	for s, want := range map[int]string{9: "009", 0: "000", 499: "499", 200: "200"} {
		if got := string(appendStatus(nil, s)); got != want {
			t.Errorf("appendStatus(%d) = %q", s, got)
		}
	}
}

func TestAccessLineFormat(t *testing.T) {
	start := time.Date(2020, 5, 7, 3, 15, 12, 0, time.UTC)
	ex := &exchange{attempts: []*attempt{
		{addr: "127.0.0.1:1111", status: 502, connect: -1, header: -1, response: time.Millisecond},
		{addr: "127.0.0.1:2222", status: 200, connect: 0, header: 12 * time.Millisecond, response: 13 * time.Millisecond},
	}}
	e := accessEntry{
		remoteAddr: "127.0.0.1", request: "GET /auth/session HTTP/1.1", status: 200, bodyBytes: 46,
		userAgent: "curl/8.5.0", start: start, end: start.Add(15 * time.Millisecond), ex: ex,
	}
	want := `127.0.0.1 - - [07/May/2020:03:15:12 +0000] "GET /auth/session HTTP/1.1" 200 46 "-" "curl/8.5.0" ` +
		`rt=0.015 uct="-, 0.000" uht="-, 0.012" urt="0.001, 0.013" ua="127.0.0.1:1111, 127.0.0.1:2222" us="502, 200"` + "\n"
	if got := string(appendAccessLine(nil, &e)); got != want {
		t.Fatalf("got  %q\nwant %q", got, want)
	}
	e.ex, e.status, e.bodyBytes = nil, 404, 146
	want = `127.0.0.1 - - [07/May/2020:03:15:12 +0000] "GET /auth/session HTTP/1.1" 404 146 "-" "curl/8.5.0" ` +
		`rt=0.015 uct="-" uht="-" urt="-" ua="-" us="-"` + "\n"
	if got := string(appendAccessLine(nil, &e)); got != want {
		t.Fatalf("got  %q\nwant %q", got, want)
	}
	const brief = `$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" rt=$request_time uct="$upstream_connect_time" uht="$upstream_header_time" urt="$upstream_response_time" ua="$upstream_addr" us="$upstream_status"`
	if LogFormat != brief {
		t.Fatalf("LogFormat = %q", LogFormat)
	}
	// The variable names of LogFormat appear in the order the line is written.
	vars := []string{"$remote_addr", "$remote_user", "$time_local", "$request", "$status", "$body_bytes_sent",
		"$http_referer", "$http_user_agent", "$request_time", "$upstream_connect_time", "$upstream_header_time",
		"$upstream_response_time", "$upstream_addr", "$upstream_status"}
	rest := LogFormat
	for _, v := range vars {
		i := strings.Index(rest, v)
		if i < 0 {
			t.Fatalf("%s missing or out of order in LogFormat", v)
		}
		rest = rest[i+len(v):]
	}
}

type timeoutErr struct{}

func (timeoutErr) Error() string   { return "i/o timeout" }
func (timeoutErr) Timeout() bool   { return true }
func (timeoutErr) Temporary() bool { return true }

func TestClassify(t *testing.T) {
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}
	dialTimeout := &net.OpError{Op: "dial", Net: "tcp", Err: timeoutErr{}}
	reset := &net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", syscall.ECONNRESET)}
	cases := []struct {
		err   error
		wrote bool
		want  failure
	}{
		{refused, false, failure{msgRefused, actionConnecting, 502}},
		{dialTimeout, false, failure{msgTimedOut, actionConnecting, 504}},
		{timeoutErr{}, true, failure{msgTimedOut, actionReading, 504}},
		{fmt.Errorf("net/http: HTTP/1.x transport connection broken: %w", reset), true, failure{msgResetRecv, actionReading, 502}},
		{reset, false, failure{msgResetSend, actionSending, 502}},
		{errors.New("http: server closed idle connection"), true, failure{msgPremature, actionReading, 502}},
		{io.ErrUnexpectedEOF, true, failure{msgPremature, actionReading, 502}},
		{errors.New("net/http: server response headers exceeded 4096 bytes; aborted"), true, failure{msgTooBigHeader, actionReading, 502}},
	}
	for _, c := range cases {
		if got := classify(c.err, c.wrote); got != c.want {
			t.Errorf("classify(%v) = %+v, want %+v", c.err, got, c.want)
		}
	}
}

// TestTransportFailuresAndRetry drives the gateway's transport against real
// sockets: a closed port, a server that hangs up, one that resets, and a
// group of two where the first is down and the next one answers.
var seconds = regexp.MustCompile(`\d+\.\d{3}`)

func TestTransportFailuresAndRetry(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedAddr := ln.Addr().String()
	ln.Close()

	hang := func(reset bool) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			c, _, err := w.(http.Hijacker).Hijack()
			if err != nil {
				return
			}
			if reset {
				_ = c.(*net.TCPConn).SetLinger(0)
			}
			c.Close()
		}
	}
	okSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "ok") }))
	defer okSrv.Close()
	closeSrv := httptest.NewServer(hang(false))
	defer closeSrv.Close()
	resetSrv := httptest.NewServer(hang(true))
	defer resetSrv.Close()
	host := func(s *httptest.Server) string { return strings.TrimPrefix(s.URL, "http://") }

	w, err := openLog(filepath.Join(t.TempDir(), "error.log"))
	if err != nil {
		t.Fatal(err)
	}
	base := &http.Transport{DialContext: (&net.Dialer{Timeout: connectTimeout}).DialContext, ResponseHeaderTimeout: readTimeout, DisableKeepAlives: true}
	defer base.CloseIdleConnections()
	pools := map[string]*peerPool{
		"down":  {name: "down", peers: []*peer{{addr: closedAddr}}},
		"close": {name: "close", peers: []*peer{{addr: host(closeSrv)}}},
		"reset": {name: "reset", peers: []*peer{{addr: host(resetSrv)}}},
		"auth":  {name: "auth", peers: []*peer{{addr: closedAddr}, {addr: host(okSrv)}}},
	}
	tr := &upstreamTransport{base: base, pools: pools, errlog: &errorLog{w: w, pid: 42}}

	roundTrip := func(group string) (*exchange, *http.Response, error) {
		in := httptest.NewRequest("GET", "http://gw.test/"+group+"/x?y=1", nil)
		ex := &exchange{in: in, pool: pools[group], conn: 7}
		out, _ := http.NewRequestWithContext(context.WithValue(context.Background(), exchangeKey{}, ex), "GET", "http://"+group+"/"+group+"/x?y=1", nil)
		resp, err := tr.RoundTrip(out)
		if resp != nil {
			_, _ = io.ReadAll(resp.Body)
			resp.Body.Close()
		}
		return ex, resp, err
	}
	check := func(group, wantUA, wantUS, wantUCT string, wantErr bool) {
		t.Helper()
		ex, _, err := roundTrip(group)
		if (err != nil) != wantErr {
			t.Fatalf("%s: err %v", group, err)
		}
		line := string(appendAccessLine(nil, &accessEntry{request: "GET / HTTP/1.1", status: 200, start: time.Now(), end: time.Now(), ex: ex}))
		// Times vary with the machine's load: compare their shape (a
		// number or "-"), not their value.
		line = seconds.ReplaceAllString(line, "N")
		wantUCT = seconds.ReplaceAllString(wantUCT, "N")
		if !strings.Contains(line, `ua="`+wantUA+`" us="`+wantUS+`"`) || !strings.Contains(line, `uct="`+wantUCT+`"`) {
			t.Fatalf("%s: %s", group, line)
		}
	}
	check("down", closedAddr, "502", "-", true)
	check("close", host(closeSrv), "502", "0.000", true)
	check("reset", host(resetSrv), "502", "0.000", true)
	// First request: the down server is tried (round-robin starts with it),
	// fails and is disabled, the next one answers.
	check("auth", closedAddr+", "+host(okSrv), "502, 200", "-, 0.000", false)
	// Within fail_timeout the failed server is skipped.
	check("auth", host(okSrv), "200", "0.000", false)
	check("auth", host(okSrv), "200", "0.000", false)

	if err := w.close(); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(w.f.Name())
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	wantMsgs := []string{
		msgRefused + " while " + actionConnecting,
		msgPremature + " while " + actionReading,
		msgResetRecv + " while " + actionReading,
		msgRefused + " while " + actionConnecting,
		msgDisabled + " while " + actionConnecting,
	}
	if len(lines) != len(wantMsgs) {
		t.Fatalf("error log:\n%s", b)
	}
	for i, l := range lines {
		if !strings.Contains(l, " 42#0: *7 "+wantMsgs[i]+", client: 192.0.2.1, server: demo, request: \"GET http://gw.test/") ||
			!errorLineRE.MatchString(l) {
			t.Fatalf("line %d: %q", i, l)
		}
	}
}

func TestSchedule(t *testing.T) {
	s := newSchedule(time.Unix(1000, 0), 1)
	at := func(sec float64) time.Time { return s.start.Add(time.Duration(sec * float64(time.Second))) }
	cases := []struct {
		name string
		sec  float64
		want mode
	}{
		{"payments", 1, modeHealthy}, {"payments", 3.5, modeDown}, {"payments", 22.9, modeDown},
		{"payments", 25, modeWarmup}, {"payments", 31, modeHealthy},
		{"search", 1.9, modeHealthy}, {"search", 2.1, modeSlow}, {"search", 32.1, modeHealthy},
		{"orders", 6, modeCrashy}, {"inventory", 2, modeErroring}, {"users", 10, modeHealthy},
		{"auth-1", 45, modeDown}, {"auth-2", 51, modeDown}, {"auth-2", 45, modeHealthy},
		// The cycle repeats.
		{"payments", 90 + 3.5, modeDown}, {"search", 180 + 2.1, modeSlow}, {"payments", 90 + 1, modeHealthy},
	}
	for _, c := range cases {
		if got := s.modeOf(c.name, at(c.sec)); got != c.want {
			t.Errorf("%s at %.1fs: %v, want %v", c.name, c.sec, got, c.want)
		}
	}
	// At least two causes that show in the error log within 10 s of start.
	seen := map[mode]bool{}
	for off := time.Duration(0); off < 10*time.Second; off += 100 * time.Millisecond {
		for name := range timeline {
			if m := modeAt(name, off); m == modeDown || m == modeSlow || m == modeCrashy {
				seen[m] = true
			}
		}
	}
	if len(seen) < 2 {
		t.Fatalf("only %v within 10 s", seen)
	}
	fast := newSchedule(time.Unix(1000, 0), 4)
	if got := fast.offset(fast.start.Add(time.Second)); got != 4*time.Second {
		t.Fatalf("speed 4: %v", got)
	}
}

func TestRouteOf(t *testing.T) {
	for in, want := range map[string]string{"/users/42": "users", "/search": "search", "/": "", "/a/b/c": "a"} {
		if got := routeOf(in); got != want {
			t.Errorf("routeOf(%q) = %q", in, got)
		}
	}
}
