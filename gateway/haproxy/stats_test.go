package haproxy

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gwtop/gwtop/collector/feed"
	"github.com/gwtop/gwtop/collector/feed/feedtest"
	"github.com/gwtop/gwtop/model"
)

// page is a changing stats CSV served by the test servers.
type page struct {
	mu   sync.Mutex
	body string
}

func (p *page) set(s string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.body = s
}

func (p *page) get() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.body
}

const hdr = "# pxname,svname,qcur,scur,stot,econ,eresp,wretr,wredis,status,act,bck,chkfail,chkdown,type,check_status,check_code,hrsp_1xx,hrsp_2xx,hrsp_3xx,hrsp_4xx,hrsp_5xx,hrsp_other,req_rate,req_tot,last_chk,qtime,ctime,rtime,ttime,check_desc,addr,-,\n"

// csvOf builds a stats CSV: fe, backend "be_api" with srv1 (healthy) and
// srv2 (state given), backend "be_dead" with one refused server.
func csvOf(srv2Status, srv2Check string, srv2Chkfail int, deadStatus string, deadChkfail int, feReq int) string {
	deadBe := "UP"
	if strings.HasPrefix(deadStatus, "DOWN") {
		deadBe = "DOWN"
	}
	return hdr +
		fmt.Sprintf("fe,FRONTEND,,3,%d,,,,,OPEN,,,,,0,,,0,%d,0,0,1,0,7,%d,,,,,,,,-,\n", feReq, feReq-1, feReq) +
		"be_api,srv1,0,1,100,0,0,0,0,UP,1,0,0,0,2,L7OK,200,0,90,0,5,5,0,3,100,,0,1,20,22,Layer7 check passed,127.0.0.1:8001,-,\n" +
		fmt.Sprintf("be_api,srv2,0,0,10,3,0,2,0,%s,1,0,%d,1,2,%s,,0,0,0,0,0,0,0,0,Connection refused,0,0,0,0,Layer4 connection problem,127.0.0.1:8002,-,\n", srv2Status, srv2Chkfail, srv2Check) +
		"be_api,BACKEND,0,1,110,3,0,2,0,UP,1,0,,0,1,,,0,90,0,5,5,0,3,110,,0,1,20,22,,,-,\n" +
		fmt.Sprintf("be_dead,srv,0,0,0,0,0,0,0,%s,0,0,%d,1,2,L4CON,,0,0,0,0,0,0,0,0,Connection refused,0,0,0,0,Layer4 connection problem,127.0.0.1:8003,-,\n", deadStatus, deadChkfail) +
		fmt.Sprintf("be_dead,BACKEND,0,0,4,4,0,0,0,%s,0,0,,1,1,,,0,0,0,0,4,0,0,4,,0,0,0,0,,,-,\n", deadBe) + "\n"
}

func serveHTTP(t *testing.T, p *page, user, pass string) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u, pw, ok := r.BasicAuth(); user != "" && (!ok || u != user || pw != pass) {
			w.Header().Set("WWW-Authenticate", `Basic realm="HAProxy Statistics"`)
			w.WriteHeader(http.StatusUnauthorized)
			io.WriteString(w, "<html><body><h1>401 Unauthorized</h1></body></html>")
			return
		}
		if !strings.HasSuffix(r.URL.String(), ";csv") {
			io.WriteString(w, "<!DOCTYPE HTML><html><head><title>Statistics Report for HAProxy</title>")
			return
		}
		io.WriteString(w, p.get())
	}))
	t.Cleanup(srv.Close)
	return srv
}

// serveSocket answers "show stat" on a unix or TCP listener the way the
// runtime API does in its non-interactive mode.
func serveSocket(t *testing.T, network, addr string, p *page) net.Listener {
	ln, err := net.Listen(network, addr)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Go(func() {
				defer c.Close()
				cmd, _ := bufio.NewReader(c).ReadString('\n')
				if strings.TrimSpace(cmd) != "show stat" {
					io.WriteString(c, "Unknown command. Please enter one of the following commands only :\n\n")
					return
				}
				io.WriteString(c, p.get())
			})
		}
	})
	return ln
}

func scrape(t *testing.T, s *Stats, rec *feedtest.Recorder) model.Gateway {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	feed.ScrapeOnce(ctx, "haproxy", s, rec)
	return rec.LastGateway()
}

func TestStatsHTTPWithAuth(t *testing.T) {
	p := &page{}
	p.set(csvOf("DOWN", "L4CON", 2, "DOWN", 1, 50))
	srv := serveHTTP(t, p, "admin", "s3cret")
	s, err := NewStats(srv.URL+"/stats", "admin", "s3cret")
	if err != nil {
		t.Fatal(err)
	}
	names := &Names{}
	s.Names = names
	rec := new(feedtest.Recorder)
	g := scrape(t, s, rec)
	if !g.OK || g.Kind != "haproxy" || g.Source != "stats" || g.Error != "" {
		t.Fatalf("gateway row %+v", g)
	}
	if !strings.HasSuffix(g.Target, "/stats;csv") || strings.Contains(g.Target, "s3cret") || !strings.Contains(g.Target, "admin@") {
		t.Errorf("target %q", g.Target)
	}
	for k, v := range map[string]float64{"frontends": 1, "backends": 2, "servers": 3, "servers_up": 1, "servers_down": 2, "backends_down": 1, "req_rate": 7, "sessions": 3} {
		if g.Counters[k] != v {
			t.Errorf("counter %s = %v, want %v (%v)", k, g.Counters[k], v, g.Counters)
		}
	}
	c := rec.Counters()["127.0.0.1:8001"]
	if c.Requests != 100 || c.Classes[2] != 90 || c.Classes[5] != 5 || c.AvgMS["response"] != 20 || c.AvgMS["total"] != 22 || c.Note == "" {
		t.Errorf("srv1 counters %+v", c)
	}
	if rec.CountersSource("127.0.0.1:8001") != "haproxy "+g.Target {
		t.Errorf("counters source %q", rec.CountersSource("127.0.0.1:8001"))
	}
	// srv2: 10 sessions, 2 of them retries, 3 connection errors: the 3
	// requests that ended, all 5xx HAProxy answered itself.
	if c := rec.Counters()["127.0.0.1:8002"]; c.Requests != 3 || c.Classes[5] != 3 {
		t.Errorf("srv2 counters %+v", c)
	}
	if l := rec.Labels()["127.0.0.1:8001"]; l.Name != "be_api/srv1" || l.Group != "be_api" {
		t.Errorf("label %v", l)
	}
	if st := rec.Statuses()["127.0.0.1:8001"]; st.Down {
		t.Errorf("srv1 status %+v", st)
	}
	if st := rec.Statuses()["127.0.0.1:8002"]; !st.Down || !strings.Contains(st.Why, "L4CON") {
		t.Errorf("srv2 status %+v", st)
	}
	if st := rec.Statuses()["be_dead"]; !st.Down || st.Why != "backend DOWN: no server UP" {
		t.Errorf("be_dead status %+v", st)
	}
	if _, ok := rec.Statuses()["be_api"]; ok {
		t.Errorf("a backend that is UP got a row of its own")
	}
	if got := names.Resolve("be_api", "srv2"); got != "127.0.0.1:8002" {
		t.Errorf("Names.Resolve = %q", got)
	}
	if got := names.Resolve("be_api", "nope"); got != "be_api/nope" {
		t.Errorf("Names.Resolve unknown = %q", got)
	}

	// First scrape: one failure per failing server, one for the DOWN backend.
	f := rec.FailuresFor("127.0.0.1:8002")
	if len(f) != 1 || f[0].Cause != model.CauseRefused || f[0].Source != "status" ||
		!strings.Contains(f[0].Line, "haproxy check be_api/srv2: L4CON Connection refused (last_chk) status DOWN, 2 failed checks") {
		t.Fatalf("srv2 failures %+v", f)
	}
	if f := rec.FailuresFor("be_dead"); len(f) != 1 || f[0].Cause != model.CauseNoLiveUpstreams {
		t.Fatalf("be_dead failures %+v", f)
	}

	// Same reading again: nothing new failed.
	scrape(t, s, rec)
	if n := len(rec.FailuresFor("127.0.0.1:8002")); n != 1 {
		t.Errorf("an unchanged reading reported %d failures in all, want 1", n)
	}
	if n := len(rec.FailuresFor("be_dead")); n != 1 {
		t.Errorf("a backend still DOWN reported %d failures, want 1", n)
	}

	// Three more failed checks: three failures, with the counter deltas.
	p.set(strings.Replace(csvOf("DOWN", "L4CON", 5, "DOWN", 1, 60), "be_api,srv2,0,0,10,3,", "be_api,srv2,0,0,12,5,", 1))
	scrape(t, s, rec)
	f = rec.FailuresFor("127.0.0.1:8002")
	if len(f) != 4 || !strings.Contains(f[3].Line, "econ +2") {
		t.Fatalf("after 3 more failed checks: %d failures %+v", len(f), f)
	}

	// Recovery: srv2 UP, be_dead UP — no new failure, statuses cleared.
	p.set(csvOf("UP", "L7OK", 5, "UP", 1, 70))
	scrape(t, s, rec)
	if st := rec.Statuses()["127.0.0.1:8002"]; st.Down {
		t.Errorf("srv2 after recovery %+v", st)
	}
	if st := rec.Statuses()["be_dead"]; st.Down {
		t.Errorf("be_dead after recovery %+v", st)
	}
	// Down again: a new transition is reported.
	p.set(csvOf("UP", "L7OK", 5, "DOWN", 2, 80))
	scrape(t, s, rec)
	if n := len(rec.FailuresFor("be_dead")); n != 2 {
		t.Errorf("be_dead DOWN twice: %d failures, want 2", n)
	}
	if len(rec.FailuresFor("127.0.0.1:8003")) != 2 {
		t.Errorf("be_dead/srv failures %+v", rec.FailuresFor("127.0.0.1:8003"))
	}
}

func TestStatsSocket(t *testing.T) {
	p := &page{}
	p.set(csvOf("UP 1/3", "L7STS", 1, "DOWN", 1, 10))
	path := filepath.Join(t.TempDir(), "admin.sock")
	serveSocket(t, "unix", path, p)
	tcp := serveSocket(t, "tcp", "127.0.0.1:0", p)
	for _, target := range []string{"unix:" + path, path, "ipv4@" + tcp.Addr().String(), "tcp://" + tcp.Addr().String()} {
		s, err := NewStats(target, "", "")
		if err != nil {
			t.Fatal(err)
		}
		rec := new(feedtest.Recorder)
		g := scrape(t, s, rec)
		if !g.OK || g.Source != "socket" || g.Counters["servers"] != 3 {
			t.Errorf("%s: gateway %+v", target, g)
		}
		// UP 1/3 is still UP, with its failed check reported.
		if st := rec.Statuses()["127.0.0.1:8002"]; st.Down {
			t.Errorf("%s: UP 1/3 reported down", target)
		}
		if f := rec.FailuresFor("127.0.0.1:8002"); len(f) != 1 || f[0].Cause != model.CauseUpstream5xx {
			t.Errorf("%s: L7STS without a code: %+v", target, f)
		}
	}
}

func TestStatsIPv6Socket(t *testing.T) {
	ln, err := net.Listen("tcp", "[::1]:0")
	if err != nil {
		t.Fatalf("IPv6 loopback: %v", err)
	}
	ln.Close()
	p := &page{}
	p.set(csvOf("UP", "L7OK", 0, "UP", 0, 10))
	srv := serveSocket(t, "tcp", "[::1]:0", p)
	s, err := NewStats("ipv6@"+srv.Addr().String(), "", "")
	if err != nil {
		t.Fatal(err)
	}
	if g := scrape(t, s, new(feedtest.Recorder)); !g.OK {
		t.Errorf("ipv6@: %+v", g)
	}
}

func TestStatsErrorsInGatewayRow(t *testing.T) {
	p := &page{}
	p.set(csvOf("UP", "L7OK", 0, "UP", 0, 10))
	srv := serveHTTP(t, p, "admin", "s3cret")
	html := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "<!DOCTYPE html><html><body>hello</body></html>")
	}))
	defer html.Close()
	dead := serveSocket(t, "tcp", "127.0.0.1:0", p)
	deadAddr := dead.Addr().String()
	dead.Close()
	wrongCmd := serveSocket(t, "tcp", "127.0.0.1:0", &page{})
	wrongCmd.Close()
	unknown := net.Listener(nil)
	{
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		unknown = ln
		var wg sync.WaitGroup
		t.Cleanup(func() { ln.Close(); wg.Wait() })
		wg.Go(func() {
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				_, _ = bufio.NewReader(c).ReadString('\n')
				io.WriteString(c, "Permission denied\n\n")
				c.Close()
			}
		})
	}
	for _, tc := range []struct {
		target, user, pass string
		want               string
	}{
		{srv.URL + "/stats", "admin", "wrong-pass", "wrong username or password"},
		{strings.Replace(srv.URL, "://", "://admin:wrong-pass@", 1) + "/stats", "", "", "wrong username or password"},
		{srv.URL + "/stats", "", "", "set haproxy.username"},
		{html.URL + "/", "", "", `got an HTML page, not CSV`},
		{"tcp://" + deadAddr, "", "", "connection refused"},
		{"tcp://" + unknown.Addr().String(), "", "", `"Permission denied"`},
	} {
		s, err := NewStats(tc.target, tc.user, tc.pass)
		if err != nil {
			t.Fatal(err)
		}
		g := scrape(t, s, new(feedtest.Recorder))
		if g.OK || !strings.Contains(g.Error, tc.want) {
			t.Errorf("%s: gateway %+v, want an error with %q", tc.target, g, tc.want)
		}
		if strings.Contains(g.Error+g.Target, "wrong-pass") {
			t.Errorf("the password leaked: %+v", g)
		}
	}
	// Credentials from the URL work like the configured ones.
	s, err := NewStats(strings.Replace(srv.URL, "://", "://admin:s3cret@", 1)+"/stats;csv", "", "")
	if err != nil {
		t.Fatal(err)
	}
	if g := scrape(t, s, new(feedtest.Recorder)); !g.OK || strings.Contains(g.Target, "s3cret") {
		t.Errorf("URL userinfo: %+v", g)
	}
	if _, err := NewStats("ftp://x", "", "pw"); err == nil {
		t.Error("ftp:// accepted")
	}
}

// A server listed in two backends reaches the aggregator as one address.
func TestStatsSameAddressTwoBackends(t *testing.T) {
	csv := hdr +
		"a,s,0,0,10,0,0,0,0,UP,1,0,0,0,2,L7OK,200,0,10,0,0,0,0,0,10,,0,1,10,10,,10.0.0.1:80,-,\n" +
		"b,s,0,0,30,0,0,0,0,DOWN,1,0,1,1,2,L7STS,500,0,20,0,0,10,0,0,30,Internal Server Error,0,1,30,30,,10.0.0.1:80,-,\n"
	p := &page{}
	p.set(csv)
	srv := serveHTTP(t, p, "", "")
	s, _ := NewStats(srv.URL+"/;csv", "", "")
	rec := new(feedtest.Recorder)
	scrape(t, s, rec)
	c := rec.Counters()["10.0.0.1:80"]
	if c.Requests != 40 || c.Classes[5] != 10 || c.AvgMS["total"] != 25 {
		t.Errorf("merged counters %+v", c)
	}
	if st := rec.Statuses()["10.0.0.1:80"]; st.Down || !strings.Contains(st.Why, "b/s DOWN") {
		t.Errorf("up in one backend is not down: %+v", st)
	}
	if f := rec.FailuresFor("10.0.0.1:80"); len(f) != 1 || f[0].Cause != model.CauseUpstream5xx {
		t.Errorf("failures %+v", f)
	}
}

func TestStatsMaintResolution(t *testing.T) {
	csv := hdr + "be,s,0,0,0,0,0,0,0,MAINT (resolution),0,0,0,0,2,,,0,0,0,0,0,0,0,0,,0,0,0,0,,,-,\n"
	p := &page{}
	p.set(csv)
	srv := serveHTTP(t, p, "", "")
	s, _ := NewStats(srv.URL, "", "")
	rec := new(feedtest.Recorder)
	scrape(t, s, rec)
	scrape(t, s, rec)
	if f := rec.FailuresFor("be/s"); len(f) != 1 || f[0].Cause != model.CauseDNS {
		t.Errorf("MAINT (resolution): %+v", f)
	}
	if st := rec.Statuses()["be/s"]; !st.Down {
		t.Errorf("status %+v", st)
	}
}

// A running check shows the previous status without its code: the cause
// read before stands, and nothing new is counted.
func TestStatsRunningCheck(t *testing.T) {
	row := func(check string, code string) string {
		return hdr + "be,s,0,0,0,0,0,0,0,DOWN,1,0,1,1,2," + check + "," + code + ",0,0,0,0,0,0,0,0,,0,0,0,0,,10.0.0.9:80,-,\n"
	}
	p := &page{}
	p.set(row("L7STS", "404"))
	srv := serveHTTP(t, p, "", "")
	s, _ := NewStats(srv.URL, "", "")
	rec := new(feedtest.Recorder)
	scrape(t, s, rec)
	p.set(row("* L7STS", ""))
	scrape(t, s, rec)
	if f := rec.FailuresFor("10.0.0.9:80"); len(f) != 1 || f[0].Cause != model.CauseBadResponse {
		t.Errorf("failures %+v", f)
	}
	// The check now fails another way while DOWN: counted once.
	p.set(row("L7STS", "503"))
	scrape(t, s, rec)
	scrape(t, s, rec)
	if f := rec.FailuresFor("10.0.0.9:80"); len(f) != 2 || f[1].Cause != model.CauseUpstream5xx {
		t.Errorf("failures %+v", f)
	}
}

// TestStatsPageWithoutAddresses: a stats page without "stats show-legends"
// leaves addr empty; a server the configuration names still reports to its
// address, an unnamed one falls back to backend/server.
func TestStatsPageWithoutAddresses(t *testing.T) {
	csv := hdr +
		"be_api,srv1,0,0,10,0,0,0,0,UP,1,0,0,0,2,L7OK,200,0,10,0,0,0,0,0,10,,0,1,10,10,,,-,\n" +
		"be_api,srv2,0,0,5,0,0,0,0,DOWN,1,0,1,1,2,L4CON,,0,0,0,0,5,0,0,5,Connection refused,0,0,0,0,,,-,\n"
	p := &page{}
	p.set(csv)
	srv := serveHTTP(t, p, "", "")
	s, _ := NewStats(srv.URL+"/;csv", "", "")
	s.Names = &Names{}
	s.Names.Preset("be_api", "srv2", "10.0.0.2:8080")
	rec := new(feedtest.Recorder)
	scrape(t, s, rec)
	st := rec.Statuses()
	if !st["10.0.0.2:8080"].Down {
		t.Errorf("srv2 not reported at its configured address: %+v", st)
	}
	if _, ok := st["be_api/srv1"]; !ok {
		t.Errorf("srv1 (no configured address) not keyed backend/server: %+v", st)
	}
	if _, ok := st["be_api/srv2"]; ok {
		t.Errorf("srv2 reported under its name too: %+v", st)
	}
	if f := rec.FailuresFor("10.0.0.2:8080"); len(f) == 0 || f[0].Cause != model.CauseRefused {
		t.Errorf("failures at the configured address: %+v", f)
	}
}
