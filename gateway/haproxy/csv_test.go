package haproxy

import (
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/gwtop/gwtop/model"
)

func byName(rows []Row) map[string]Row {
	m := map[string]Row{}
	for _, r := range rows {
		m[r.Proxy+"/"+r.Name] = r
	}
	return m
}

func TestParseStatsFixture1(t *testing.T) {
	rows, err := ParseStats([]byte(statsFixture1))
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3 {
		t.Fatalf("%d rows, want 3", len(rows))
	}
	m := byName(rows)
	fe, srv, be := m["http-in/FRONTEND"], m["backend_servers/node01"], m["backend_servers/BACKEND"]
	if fe.Type != TypeFrontend || fe.Status != "OPEN" || be.Type != TypeBackend || srv.Type != TypeServer {
		t.Errorf("types/status: %+v %+v %+v", fe, be, srv)
	}
	if srv.Addr != "10.0.0.51:80" || srv.Status != "UP" || srv.CheckStatus != "L4OK" || srv.CheckDesc != "Layer4 check passed" {
		t.Errorf("server: %+v", srv)
	}
	if !srv.Has("addr") || srv.Has("cookie") || be.Act != 2 {
		t.Errorf("Has/act: addr=%v cookie=%v act=%d", srv.Has("addr"), srv.Has("cookie"), be.Act)
	}
}

func TestParseStatsOld62Columns(t *testing.T) {
	rows, err := ParseStats([]byte(statsFixture2))
	if err != nil {
		t.Fatal(err)
	}
	m := byName(rows)
	srv := m["horizon/node-7"]
	if srv.Status != "DOWN" || srv.CheckStatus != "L4CON" || srv.LastChk != "Connection refused" || srv.ChkFail != 3 || srv.ChkDown != 1 {
		t.Errorf("horizon/node-7: %+v", srv)
	}
	if srv.Addr != "" || serverKey(&srv) != "horizon/node-7" {
		t.Errorf("a server without addr is keyed %q", serverKey(&srv))
	}
	k := m["keystone-1/node-7"]
	if k.CheckStatus != "L7OK" || k.CheckCode != 300 || k.Stot != 25 || k.Hrsp[3] != 25 || k.Rtime != 1 || k.Ttime != 1 {
		t.Errorf("keystone-1/node-7: %+v", k)
	}
	if m["horizon/BACKEND"].Status != "DOWN" {
		t.Errorf("backend: %+v", m["horizon/BACKEND"])
	}
}

func TestParseStatsReal26(t *testing.T) {
	b, err := os.ReadFile("testdata/show-stat-2.6.csv")
	if err != nil {
		t.Fatal(err)
	}
	rows, err := ParseStats(b)
	if err != nil {
		t.Fatal(err)
	}
	m := byName(rows)
	for name, want := range map[string]struct {
		status, check string
		cause         model.Cause
	}{
		"be_healthy/srv":      {"UP", "L7OK", ""},
		"be_refused/srv":      {"DOWN", "L4CON", model.CauseRefused},
		"be_slow/srv":         {"DOWN", "L7TOUT", model.CauseReadTimeout},
		"be_close/srv":        {"DOWN", "L7RSP", model.CauseBadResponse}, // 2.6 says no more than "invalid response"
		"be_reset/srv":        {"DOWN", "SOCKERR", model.CauseReset},
		"be_error500/srv":     {"DOWN", "L7STS", model.CauseUpstream5xx},
		"be_badheader/srv":    {"DOWN", "L7RSP", model.CauseBadResponse},
		"be_plain_on_tls/srv": {"DOWN", "L6RSP", model.CauseTLS},
		"raw_healthy/srv":     {"no check", "", ""},
	} {
		r, ok := m[name]
		if !ok {
			t.Errorf("%s missing", name)
			continue
		}
		got := CheckCause(r.CheckStatus, r.CheckCode, r.CheckDesc, r.LastChk)
		if r.Status != want.status || r.CheckStatus != want.check || got != want.cause {
			t.Errorf("%s: status %q check %q cause %q, want %q %q %q", name, r.Status, r.CheckStatus, got, want.status, want.check, want.cause)
		}
		if !strings.HasPrefix(r.Addr, "127.0.0.1:") {
			t.Errorf("%s addr %q", name, r.Addr)
		}
	}
	if r := m["raw_refused/srv"]; r.Stot != 4 || r.Wretr != 3 || r.Econ != 1 {
		t.Errorf("raw_refused/srv counters: %+v", r)
	}
}

func TestParseStatsByHeaderName(t *testing.T) {
	// Columns in another order, a quoted field with a comma and a doubled
	// quote, a "* " running check, CRLF line ends and the socket's
	// trailing empty line.
	csv := "# svname,type,status,pxname,check_status,last_chk,addr,stot,hrsp_5xx,hrsp_other,chkfail,-,extra,scur,econ,eresp,hrsp_1xx,hrsp_2xx,hrsp_3xx,hrsp_4xx\r\n" +
		"srv1,2,UP 1/3,be,* L4CON,\"refused, \"\"really\"\"\",[::1]:8080,7,2,1,4,-,x,0,0,0,0,5,0,0\r\n" +
		"\r\n"
	rows, err := ParseStats([]byte(csv))
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1 {
		t.Fatalf("%d rows", len(rows))
	}
	r := rows[0]
	if r.Proxy != "be" || r.Name != "srv1" || r.Status != "UP 1/3" || r.CheckStatus != "L4CON" || !r.CheckRunning ||
		r.LastChk != `refused, "really"` || r.Addr != "[::1]:8080" || r.Stot != 7 || r.Hrsp[5] != 2 || r.Hrsp[0] != 1 || r.ChkFail != 4 {
		t.Errorf("%+v", r)
	}
	if serverKey(&r) != "[::1]:8080" {
		t.Errorf("key %q", serverKey(&r))
	}
}

func TestParseStatsErrors(t *testing.T) {
	for name, tc := range map[string]struct{ body, want string }{
		"html":    {"<!DOCTYPE HTML PUBLIC \"-//W3C//DTD HTML 4.01//EN\">\n<html><head><title>Statistics Report for HAProxy</title>", "HTML"},
		"401":     {"<html><body><h1>401 Unauthorized</h1>\nYou need a valid user and password to access this content.\n</body></html>", "HTML"},
		"empty":   {"\n\n", "empty"},
		"text":    {"ok\n", `"ok"`},
		"unknown": {"Unknown command. Please enter one of the following commands only :\n", "Unknown command"},
		"header":  {"# a,b,c\n1,2,3\n", "pxname"},
		"row":     {"# " + strings.Join(Needed, ",") + "\nbe,,UP,L7OK,0,0,0,0,0,0,0,0,0,0\n", "line 2 has no pxname or svname"},
		"columns": {"# pxname,svname,status\nbe,srv,UP\n", "the header has no check_status, scur, stot, econ, eresp, chkfail, hrsp_1xx, hrsp_2xx, hrsp_3xx, hrsp_4xx, hrsp_5xx columns, which gwtop needs"},
		"short":   {"# " + strings.Join(Needed, ",") + "\nbe,srv\nbe,srv,UP\n", "all 2 rows have fewer than the 14 fields"},
		"line":    {"# " + strings.Join(Needed, ",") + "\nbe,srv," + strings.Repeat("a", 70<<10) + "\n", "line 2 longer than 64 KiB"},
	} {
		_, err := ParseStats([]byte(tc.body))
		if err == nil || !errors.Is(err, ErrNotCSV) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want ErrNotCSV mentioning %q", name, err, tc.want)
		}
	}
}

func TestServerDown(t *testing.T) {
	for status, down := range map[string]bool{
		"UP": false, "UP 1/3": false, "DOWN": true, "DOWN 1/2": true, "DOWN (agent)": true,
		"MAINT": true, "MAINT (via be/srv)": true, "MAINT (resolution)": true,
		"DRAIN": false, "DRAIN (agent)": false, "DRAIN 1/2": false, "NOLB": false, "NOLB 1/2": false, "no check": false,
	} {
		if ServerDown(status) != down {
			t.Errorf("ServerDown(%q) = %v", status, !down)
		}
	}
}

func TestCheckCause(t *testing.T) {
	for _, tc := range []struct {
		status string
		code   int
		desc   string
		info   string
		want   model.Cause
	}{
		{"L4CON", 0, "Layer4 connection problem", "Connection refused", model.CauseRefused},
		{"* L4CON", 0, "", "", model.CauseRefused},
		{"L4CON", 0, "", "No route to host", model.CauseConnectTimeout},
		{"L4CON", 0, "", "Permission denied", model.CausePermission},
		{"L4TOUT", 0, "Layer4 timeout", "", model.CauseConnectTimeout},
		{"L6RSP", 0, "", "SSL handshake failure", model.CauseTLS},
		{"L6TOUT", 0, "", "", model.CauseTLS},
		{"L7TOUT", 0, "", "", model.CauseReadTimeout},
		{"L7RSP", 0, "Layer7 invalid response", "", model.CauseBadResponse},
		{"L7RSP", 0, "Layer7 invalid response", "TCPCHK got an empty response at step 1", model.CausePrematureClose},
		{"L7STS", 500, "", "Internal Server Error", model.CauseUpstream5xx},
		{"L7STS", 503, "", "Service Unavailable", model.CauseUpstream5xx},
		{"L7STS", 404, "", "Not Found", model.CauseBadResponse},
		{"L7STS", 0, "Layer7 wrong status", "", model.CauseUpstream5xx},
		{"SOCKERR", 0, "Socket error", "Connection reset by peer", model.CauseReset},
		{"SOCKERR", 0, "Socket error", "Too many open files", model.CauseGatewayLimits},
		{"SOCKERR", 0, "Socket error", "", model.CauseReset},
		{"SOCKERR", 0, "Socket error", "TCPCHK error establishing connection at step 1", model.CauseGatewayLimits},
		{"L4OK", 0, "", "", ""}, {"L7OK", 200, "", "", ""}, {"L7OKC", 404, "", "", ""},
		{"INI", 0, "", "", ""}, {"UNK", 0, "", "", ""}, {"", 0, "", "", ""},
	} {
		if got := CheckCause(tc.status, tc.code, tc.desc, tc.info); got != tc.want {
			t.Errorf("CheckCause(%q, %d, %q, %q) = %q, want %q", tc.status, tc.code, tc.desc, tc.info, got, tc.want)
		}
	}
}
