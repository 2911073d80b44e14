package apache

import (
	"errors"
	"testing"
	"time"

	"github.com/gwtop/gwtop/collector/feed"
	"github.com/gwtop/gwtop/collector/feed/feedtest"
	"github.com/gwtop/gwtop/model"
)

func TestErrorLineLayout(t *testing.T) {
	r, err := ParseErrorLine([]byte("[Tue Dec 01 09:32:15.123456 2026] [proxy:error] [pid 1234:tid 5678] (111)Connection refused: AH00957: http: attempt to connect to 127.0.0.1:8080 (127.0.0.1:8080) failed\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := time.Date(2026, 12, 1, 9, 32, 15, 123456000, time.Local)
	if !r.Time.Equal(want) || r.Module != "proxy" || r.Level != "error" || r.PID != 1234 || r.TID != 5678 ||
		r.Errno != 111 || r.ErrText != "Connection refused" || r.ID != "AH00957" || r.Cause != model.CauseRefused {
		t.Fatalf("%+v", r)
	}

	cases := []struct {
		name, line string
		cause      model.Cause
		addr, peer string
	}{
		{"no tid", "[Tue Dec 01 09:32:15.123456 2026] [proxy:error] [pid 1234] (111)Connection refused: AH00957: http: attempt to connect to 127.0.0.1:8080 (127.0.0.1:8080) failed", model.CauseRefused, "127.0.0.1:8080", ""},
		{"no microseconds", "[Tue Dec 01 09:32:15 2026] [proxy:error] [pid 1234] (111)Connection refused: AH00957: http: attempt to connect to 127.0.0.1:8080 (127.0.0.1:8080) failed", model.CauseRefused, "127.0.0.1:8080", ""},
		{"client and referer", "[Tue Dec 01 09:32:15.123456 2026] [proxy_http:error] [pid 1:tid 2] (104)Connection reset by peer: [client 10.1.1.5:40000] AH01102: error reading status line from remote server 10.0.0.1:80, referer: http://example/", model.CauseReset, "10.0.0.1:80", "10.1.1.5:40000"},
		{"IPv6 client", "[Tue Dec 01 09:32:15.123456 2026] [proxy_http:error] [pid 1:tid 2] (104)Connection reset by peer: [client [2001:db8::1]:40000] AH01102: error reading status line from remote server 10.0.0.1:80", model.CauseReset, "10.0.0.1:80", "[2001:db8::1]:40000"},
		{"debug file(line)", "[Tue Dec 01 09:32:15.123456 2026] [proxy:debug] [pid 1:tid 2] proxy_util.c(2615): (111)Connection refused: AH00957: http: attempt to connect to 127.0.0.1:8080 (127.0.0.1:8080) failed", model.CauseNone, "127.0.0.1:8080", ""},
		{"crit counts", "[Tue Dec 01 09:32:15.123456 2026] [proxy:crit] [pid 1:tid 2] (13)Permission denied: AH00957: http: attempt to connect to 127.0.0.1:8080 (127.0.0.1:8080) failed", model.CausePermission, "127.0.0.1:8080", ""},
		{"warn does not", "[Tue Dec 01 09:32:15.123456 2026] [proxy:warn] [pid 1:tid 2] (111)Connection refused: AH00957: http: attempt to connect to 127.0.0.1:8080 (127.0.0.1:8080) failed", model.CauseNone, "127.0.0.1:8080", ""},
		{"no level quoted", "(111)Connection refused: AH00957: http: attempt to connect to 127.0.0.1:8080 (127.0.0.1:8080) failed", model.CauseNone, "", ""},
		{"client cert is not a backend", "[Tue Dec 01 09:32:15.123456 2026] [ssl:error] [pid 1:tid 2] [client 10.1.1.5:40000] AH02039: Certificate Verification: Error (10): certificate has expired", model.CauseNone, "", "10.1.1.5:40000"},
		{"startup notice", "AH00558: apache2: Could not reliably determine the server's fully qualified domain name, using 127.0.1.1. Set the 'ServerName' directive globally to suppress this message", model.CauseNone, "", ""},
		{"other module", "[Tue Dec 01 09:32:15.123456 2026] [mpm_event:notice] [pid 12935:tid 12935] AH00489: Apache/2.4.71 (Debian) configured -- resuming normal operations", model.CauseNone, "", ""},
		{"trace level", "[Tue Dec 01 09:32:15.123456 2026] [proxy_http:trace2] [pid 1:tid 2] mod_proxy_http.c(1234): [client 10.1.1.5:40000] HTTP: fam 2 socket created", model.CauseNone, "", "10.1.1.5:40000"},
	}
	for _, c := range cases {
		r, err := ParseErrorLine([]byte(c.line))
		if c.name == "no level quoted" {
			// Without brackets and without a leading AH id it is not a
			// line of this log.
			if !errors.Is(err, ErrGarbage) {
				t.Errorf("%s: err %v", c.name, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if r.Cause != c.cause || r.Addr != c.addr || (c.peer != "" && r.Peer[:len(c.peer)] != c.peer) {
			t.Errorf("%s: cause %q addr %q peer %q, want %q %q %q", c.name, r.Cause, r.Addr, r.Peer, c.cause, c.addr, c.peer)
		}
	}
	for _, g := range []string{"", "garbage", "[not a time] [proxy:loud] [pid 1] x", "[proxy:error] [pid x] AH00957: y", "[Tue Dec 01 09:32:15 2026] [proxy:error] [pid 1:tid q] z"} {
		if _, err := ParseErrorLine([]byte(g)); !errors.Is(err, ErrGarbage) {
			t.Errorf("%q: err %v, want ErrGarbage", g, err)
		}
	}
}

// TestErrorLogReportsOncePerRequest feeds request line groups as Apache
// writes them and checks each failure is reported once, with the backend
// from whichever line named it.
func TestErrorLogReportsOncePerRequest(t *testing.T) {
	lines := []string{
		// refused: AH00957 then AH01114 (host only)
		"[Tue Dec 01 08:51:33.026292 2026] [proxy:error] [pid 20123:tid 20140] (111)Connection refused: AH00957: http: attempt to connect to 127.0.0.1:20040 (127.0.0.1:20040) failed",
		"[Tue Dec 01 08:51:33.026331 2026] [proxy_http:error] [pid 20123:tid 20140] [client 127.0.0.1:38974] AH01114: HTTP: failed to make connection to backend: 127.0.0.1",
		// slow: AH01102 (70007) then AH00898
		"[Tue Dec 01 08:51:34.031861 2026] [proxy_http:error] [pid 20124:tid 20199] (70007)The timeout specified has expired: [client 127.0.0.1:38988] AH01102: error reading status line from remote server 127.0.0.1:19951",
		"[Tue Dec 01 08:51:34.031883 2026] [proxy:error] [pid 20124:tid 20199] [client 127.0.0.1:38988] AH00898: Error reading from remote server returned by /slow/x",
		// TLS: AH01084 names the backend, AH00898 says why, AH01097 repeats
		"[Tue Dec 01 09:38:59.211127 2026] [proxy:error] [pid 12937:tid 12940] (20014)Internal error (specific information not available): [client 127.0.0.1:51826] AH01084: pass request body failed to 127.0.0.1:39485 (127.0.0.1)",
		"[Tue Dec 01 09:38:59.211141 2026] [proxy:error] [pid 12937:tid 12940] [client 127.0.0.1:51826] AH00898: Error during SSL Handshake with remote server returned by /tls/x",
		"[Tue Dec 01 09:38:59.211146 2026] [proxy_http:error] [pid 12937:tid 12940] [client 127.0.0.1:51826] AH01097: pass request body failed to 127.0.0.1:39485 (127.0.0.1) from 127.0.0.1 ()",
		// a bad header alone, on a thread that reported before for another client
		"[Tue Dec 01 09:38:59.500000 2026] [proxy_http:warn] [pid 12937:tid 12940] [client 127.0.0.1:60000] AH01106: bad HTTP/1.1 header returned by /api/x (GET)",
		// DNS with a route naming the host with its port
		"[Tue Dec 01 08:51:34.077506 2026] [proxy:error] [pid 20122:tid 20130] (EAI 2)Name or service not known: [client 127.0.0.1:39044] AH00898: DNS lookup failure for: ghost.invalid returned by /dns/x",
	}
	el := &ErrorLog{Router: NewRouter([]Route{{"/api", "10.0.0.7:8080"}, RouteFor("/dns/", "http://ghost.invalid/")})}
	var rec feedtest.Recorder
	for _, l := range lines {
		if err := el.Line([]byte(l), &rec); err != nil && !errors.Is(err, feed.ErrIgnored) {
			t.Fatalf("%q: %v", l, err)
		}
	}
	type fa struct {
		addr  string
		cause model.Cause
	}
	want := []fa{
		{"127.0.0.1:20040", model.CauseRefused},
		{"127.0.0.1:19951", model.CauseReadTimeout},
		{"127.0.0.1:39485", model.CauseTLS},
		{"10.0.0.7:8080", model.CauseBadResponse},
		{"ghost.invalid:80", model.CauseDNS},
	}
	got := rec.Failures()
	if len(got) != len(want) {
		t.Fatalf("failures %+v, want %v", got, want)
	}
	for i, w := range want {
		if got[i].Addr != w.addr || got[i].Cause != w.cause || got[i].Source != "error_log" || got[i].Time.IsZero() {
			t.Errorf("failure %d: %+v, want %v", i, got[i], w)
		}
	}
	if err := el.Line([]byte("rubbish"), &rec); err == nil || errors.Is(err, feed.ErrIgnored) {
		t.Errorf("garbage: %v", err)
	}
}
