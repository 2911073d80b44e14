package haproxy

import (
	"bufio"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/gwtop/gwtop/collector/feed"
	"github.com/gwtop/gwtop/collector/feed/feedtest"
	"github.com/gwtop/gwtop/model"
)

// The catalogue of what HAProxy says of its servers and of itself, from its
// source at v3.5-dev5 (src/server.c, src/check.c, src/backend.c,
// src/proto_tcp.c, src/proto_uxst.c, src/sock.c), one line per message as
// HAProxy writes it: recorded from HAProxy 2.6.12 where it could be made
// to say it on loopback (rec: the line is in testdata/catalogue, see its
// README), built from the source's format string where it could not.

const (
	notFailure = model.Cause("not a failure")
	gatewayRow = "(gateway)" // the failure is the gateway's own: GatewayLimit
)

var catalogue = []struct {
	level Severity
	rec   bool
	line  string
	addr  string // the failure's key; gatewayRow for a GatewayLimit
	cause model.Cause
}{
	// --- src/server.c _srv_update_status_op: "is DOWN" (LOG_ALERT, LOG_NOTICE when it was stopping) with the check's reason (check.c check_append_info)
	{SeverityAlert, true, `<129>Dec  1 12:44:43 localhost haproxy[24585]: Server be_404/s is DOWN, reason: Layer7 wrong status, code: 404, info: "Not Found", check duration: 0ms. 0 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.`, "be_404/s", model.CauseBadResponse},
	{SeverityAlert, true, `<129>Dec  1 12:44:43 localhost haproxy[24585]: Server be_401/s is DOWN, reason: Layer7 wrong status, code: 401, info: "Unauthorized", check duration: 0ms. 0 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.`, "be_401/s", model.CauseBadResponse},
	{SeverityAlert, true, `<129>Dec  1 12:44:43 localhost haproxy[24585]: Server be_301/s is DOWN, reason: Layer7 wrong status, code: 301, info: "Moved Permanently", check duration: 0ms. 0 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.`, "be_301/s", model.CauseBadResponse},
	{SeverityAlert, false, `<129>Dec  1 12:44:45 localhost haproxy[24585]: Server be/s is DOWN, reason: Layer7 wrong status, code: 502, info: "Bad Gateway", check duration: 1ms. 0 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.`, "be/s", model.CauseUpstream5xx},
	{SeverityAlert, true, `<129>Dec  1 12:44:43 localhost haproxy[24585]: Server lst/s is DOWN, reason: Layer4 connection problem, info: "Connection refused", check duration: 0ms. 0 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.`, "lst/s", model.CauseRefused},
	{SeverityAlert, false, `<129>Dec  1 12:44:45 localhost haproxy[24585]: Server be/s is DOWN, reason: Layer4 connection problem, info: "No route to host", check duration: 3ms. 0 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.`, "be/s", model.CauseConnectTimeout},
	{SeverityAlert, false, `<129>Dec  1 12:44:45 localhost haproxy[24585]: Server be/s is DOWN, reason: Layer4 timeout, check duration: 2001ms. 0 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.`, "be/s", model.CauseConnectTimeout},
	{SeverityAlert, false, `<129>Dec  1 12:44:45 localhost haproxy[24585]: Server be/s is DOWN, reason: Socket error, info: "Connection reset by peer", check duration: 0ms. 0 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.`, "be/s", model.CauseReset},
	{SeverityAlert, false, `<129>Dec  1 12:44:45 localhost haproxy[24585]: Server be/s is DOWN, reason: Layer6 timeout, check duration: 2000ms. 0 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.`, "be/s", model.CauseTLS},
	{SeverityAlert, false, `<129>Dec  1 12:44:45 localhost haproxy[24585]: Server be/s is DOWN, reason: Layer6 invalid response, info: "SSL handshake failure", check duration: 1ms. 0 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.`, "be/s", model.CauseTLS},
	{SeverityAlert, false, `<129>Dec  1 12:44:45 localhost haproxy[24585]: Server be/s is DOWN, reason: Layer7 timeout, check duration: 201ms. 0 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.`, "be/s", model.CauseReadTimeout},
	{SeverityAlert, false, `<129>Dec  1 12:44:45 localhost haproxy[24585]: Server be/s is DOWN, reason: Layer7 invalid response, check duration: 0ms. 0 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.`, "be/s", model.CauseBadResponse},
	{SeverityAlert, true, `<129>Dec  1 12:44:44 localhost haproxy[24585]: Server be_extfail/s is DOWN, reason: External check error, code: 1, check duration: 2ms. 0 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.`, "be_extfail/s", model.CauseUpstream5xx},
	{SeverityAlert, true, `<129>Dec  1 12:44:44 localhost haproxy[24585]: Server be_exttout/s is DOWN, reason: External check timeout, code: 0, check duration: 501ms. 0 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.`, "be_exttout/s", model.CauseReadTimeout},
	{SeverityAlert, true, `<129>Dec  1 12:44:45 localhost haproxy[24585]: Server be_hana/s is DOWN, reason: Health analyze, info: "Detected 1 consecutive errors, last one was: Wrong http response". 0 active and 0 backup servers left. 1 sessions active, 0 requeued, 0 remaining in queue.`, "be_hana/s", model.CauseUpstream5xx},
	{SeverityAlert, false, `<129>Dec  1 12:44:45 localhost haproxy[24585]: Server be/s is DOWN, reason: Health analyze, info: "Detected 3 consecutive errors, last one was: L4 unsuccessful connection". 0 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.`, "be/s", model.CauseRefused},
	{SeverityAlert, false, `<129>Dec  1 12:44:45 localhost haproxy[24585]: Server be/s is DOWN, reason: Health analyze, info: "Detected 3 consecutive errors, last one was: Read timeout (http)". 0 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.`, "be/s", model.CauseReadTimeout},
	{SeverityAlert, false, `<129>Dec  1 12:44:45 localhost haproxy[24585]: Server be/s is DOWN, reason: Health analyze, info: "Detected 3 consecutive errors, last one was: Read error (http)". 0 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.`, "be/s", model.CauseReset},
	{SeverityAlert, false, `<129>Dec  1 12:44:45 localhost haproxy[24585]: Server be/s is DOWN, reason: Health analyze, info: "Detected 3 consecutive errors, last one was: Close from server (http)". 0 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.`, "be/s", model.CausePrematureClose},
	{SeverityAlert, false, `<129>Dec  1 12:44:45 localhost haproxy[24585]: Server be/s is DOWN, reason: Health analyze, info: "Detected 3 consecutive errors, last one was: Invalid http response (headers)". 0 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.`, "be/s", model.CauseBadResponse},
	{SeverityAlert, false, `<129>Dec  1 12:44:45 localhost haproxy[24585]: Server be/s is DOWN, reason: Health analyze, info: "Detected 3 consecutive errors, last one was: Invalid http response". 0 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.`, "be/s", model.CauseBadResponse},
	// Was stopping (NOLB or drain) before: LOG_NOTICE, still a failure.
	{SeverityNotice, false, `<133>Dec  1 12:44:45 localhost haproxy[24585]: Server be/s is DOWN, reason: Layer4 connection problem, info: "Connection refused", check duration: 0ms. 0 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.`, "be/s", model.CauseRefused},
	// HAProxy's stderr form of the same (ha_warning).
	{SeverityWarning, true, `[WARNING]  (24585) : Server be_404/s is DOWN, reason: Layer7 wrong status, code: 404, info: "Not Found", check duration: 0ms. 0 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.`, "be_404/s", model.CauseBadResponse},
	// A backup server (SRV_F_BACKUP); and without a reason: with "option log-health-checks" the check's own line gave it.
	{SeverityAlert, false, `<129>Dec  1 12:44:45 localhost haproxy[24585]: Backup Server be_backup/b is DOWN, reason: Layer4 connection problem, info: "Connection refused", check duration: 0ms. 0 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.`, "be_backup/b", model.CauseRefused},
	{SeverityAlert, true, `<129>Dec  1 12:44:43 localhost haproxy[24585]: Backup Server be_backup/b is DOWN. 0 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.`, "", notFailure},
	{SeverityAlert, true, `<129>Dec  1 12:44:43 localhost haproxy[24585]: Server be_backup/a is DOWN. 0 active and 1 backup servers left. Running on backup. 0 sessions active, 0 requeued, 0 remaining in queue.`, "", notFailure},
	// Tracking another server: that server's line gives the reason.
	{SeverityAlert, false, `<129>Dec  1 12:44:45 localhost haproxy[24585]: Server be2/s is DOWN via be/s. 0 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.`, "", notFailure},
	// An operator (srv_op_st_chg_cause_str).
	{SeverityAlert, true, `<129>Dec  1 12:44:47 localhost haproxy[24585]: Server be_cli/s is DOWN, changed from CLI. 0 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.`, "", notFailure},
	{SeverityAlert, false, `<129>Dec  1 12:44:47 localhost haproxy[24585]: Server be/s is DOWN, changed from Web interface. 0 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.`, "", notFailure},
	{SeverityAlert, false, `<129>Dec  1 12:44:47 localhost haproxy[24585]: Server be/s is DOWN, changed from Lua script. 0 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.`, "", notFailure},
	{SeverityAlert, false, `<129>Dec  1 12:44:47 localhost haproxy[24585]: Server be/s is DOWN, changed from server-state after a reload. 0 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.`, "", notFailure},
	// "is stopping" (NOLB: disable-on-404), "is UP" (LOG_NOTICE).
	{SeverityNotice, false, `<133>Dec  1 12:44:47 localhost haproxy[24585]: Server be/s is stopping, reason: Layer7 check conditionally passed, code: 404, info: "Not Found", check duration: 1ms. 0 active and 0 backup servers online. 0 sessions requeued, 0 total in queue.`, "", notFailure},
	{SeverityNotice, true, `<133>Dec  1 12:44:45 localhost haproxy[24585]: Server be_hana/s is UP, reason: Layer7 check passed, code: 200, check duration: 0ms. 1 active and 0 backup servers online. 0 sessions requeued, 0 total in queue.`, "", notFailure},
	{SeverityNotice, true, `<133>Dec  1 12:44:47 localhost haproxy[24585]: Server be_cli/s is UP, reason: Layer4 check passed, check duration: 0ms. 1 active and 0 backup servers online. 0 sessions requeued, 0 total in queue.`, "", notFailure},
	{SeverityNotice, false, `<133>Dec  1 12:44:47 localhost haproxy[24585]: Backup Server be/b is UP, reason: External check passed, code: 0, check duration: 4ms. 1 active and 1 backup servers online. 0 sessions requeued, 0 total in queue.`, "", notFailure},

	// --- src/server.c _srv_update_status_adm: maintenance (LOG_ALERT if it was running), with srv_adm_st_chg_cause_str
	{SeverityAlert, true, `<129>Dec  1 12:44:43 localhost haproxy[24585]: Server be_dnsnx/s is going DOWN for maintenance (DNS NX status). 0 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.`, "be_dnsnx/s", model.CauseDNS},
	{SeverityAlert, true, `<129>Dec  1 12:44:43 localhost haproxy[24585]: Server be_dnstout/s is going DOWN for maintenance (DNS timeout status). 0 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.`, "be_dnstout/s", model.CauseDNS},
	{SeverityAlert, false, `<129>Dec  1 12:44:45 localhost haproxy[24585]: Server be/s is going DOWN for maintenance (No IP for server ). 0 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.`, "be/s", model.CauseDNS},
	{SeverityAlert, false, `<129>Dec  1 12:44:45 localhost haproxy[24585]: Server be/s is going DOWN for maintenance (DNS refused status). 0 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.`, "be/s", model.CauseDNS},
	{SeverityAlert, false, `<129>Dec  1 12:44:45 localhost haproxy[24585]: Server be/s is going DOWN for maintenance (unspecified DNS error). 0 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.`, "be/s", model.CauseDNS},
	{SeverityNotice, false, `<133>Dec  1 12:44:45 localhost haproxy[24585]: Server be/s was DOWN and now enters maintenance (DNS NX status).`, "be/s", model.CauseDNS},
	// The SRV record no longer lists the server (a deliberate scale-down); an operator.
	{SeverityAlert, false, `<129>Dec  1 12:44:45 localhost haproxy[24585]: Server be/s is going DOWN for maintenance (entry removed from SRV record). 0 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.`, "", notFailure},
	{SeverityAlert, true, `<129>Dec  1 12:44:47 localhost haproxy[24585]: Server be_kill/s is going DOWN for maintenance. 0 active and 0 backup servers left. 1 sessions active, 0 requeued, 0 remaining in queue.`, "", notFailure},
	{SeverityAlert, false, `<129>Dec  1 12:44:47 localhost haproxy[24585]: Server be/s is going DOWN for maintenance ('disable' on stats page). 0 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.`, "", notFailure},
	{SeverityNotice, false, `<133>Dec  1 12:44:47 localhost haproxy[24585]: Server be/s was DOWN and now enters maintenance ('stop' on stats page).`, "", notFailure},
	{SeverityNotice, true, `<133>Dec  1 12:44:48 localhost haproxy[24585]: Server be_kill/s is UP/READY (leaving forced maintenance).`, "", notFailure},
	{SeverityNotice, false, `<133>Dec  1 12:44:48 localhost haproxy[24585]: Server be/s is DOWN/READY (leaving maintenance).`, "", notFailure},
	{SeverityNotice, false, `<133>Dec  1 12:44:48 localhost haproxy[24585]: Server be/s ('app.invalid') is UP/READY (resolves again).`, "", notFailure},
	{SeverityNotice, false, `<133>Dec  1 12:44:48 localhost haproxy[24585]: Server be/s is leaving forced maintenance but remains in maintenance via be2/s.`, "", notFailure},
	{SeverityNotice, false, `<133>Dec  1 12:44:48 localhost haproxy[24585]: Server be/s ('app.invalid') resolves again but remains in maintenance.`, "", notFailure},
	{SeverityNotice, false, `<133>Dec  1 12:44:48 localhost haproxy[24585]: Server be/s remains in forced maintenance.`, "", notFailure},
	{SeverityNotice, true, `<133>Dec  1 12:44:47 localhost haproxy[24585]: Server be_drain/s enters drain state. 0 active and 0 backup servers online. 0 sessions requeued, 0 total in queue.`, "", notFailure},
	{SeverityNotice, false, `<133>Dec  1 12:44:47 localhost haproxy[24585]: Server be/s is UP (leaving forced drain).`, "", notFailure},
	{SeverityNotice, false, `<133>Dec  1 12:44:47 localhost haproxy[24585]: Server be/s is DOWN (leaving drain).`, "", notFailure},
	{SeverityNotice, false, `<133>Dec  1 12:44:47 localhost haproxy[24585]: Server be/s remains in drain mode.`, "", notFailure},
	{SeverityNotice, false, `<133>Dec  1 12:44:47 localhost haproxy[24585]: Server be/s remains in forced drain mode.`, "", notFailure},
	// srv_update_addr/ the resolvers' callback (LOG_NOTICE).
	{SeverityNotice, false, `<133>Dec  1 12:44:47 localhost haproxy[24585]: Server be/s administratively READY thanks to valid DNS answer.`, "", notFailure},

	// --- src/check.c set_server_check_status with "option log-health-checks" (LOG_NOTICE)
	{SeverityNotice, true, `<133>Dec  1 12:44:43 localhost haproxy[24585]: Health check for server be_backup/a failed, reason: Layer4 connection problem, info: "Connection refused", check duration: 0ms, status: 0/1 DOWN.`, "be_backup/a", model.CauseRefused},
	{SeverityNotice, true, `<133>Dec  1 12:44:43 localhost haproxy[24585]: Health check for backup server be_backup/b failed, reason: Layer4 connection problem, info: "Connection refused", check duration: 0ms, status: 0/1 DOWN.`, "be_backup/b", model.CauseRefused},
	{SeverityWarning, true, `[WARNING]  (24585) : Health check for backup server be_backup/b failed, reason: Layer4 connection problem, info: "Connection refused", check duration: 0ms, status: 0/1 DOWN.`, "be_backup/b", model.CauseRefused},
	{SeverityNotice, false, `<133>Nov 22 22:11:02 haproxy[8123]: Health check for server be_b/s2 failed, reason: Layer7 wrong status, code: 502, info: "Bad Gateway", check duration: 1ms, status: 1/2 UP.`, "be_b/s2", model.CauseUpstream5xx},
	{SeverityNotice, false, `<133>Nov 22 22:11:02 haproxy[8123]: Health check for server be/s failed, reason: Layer7 wrong status, code: 404, info: "Not Found", check duration: 1ms, status: 0/2 DOWN.`, "be/s", model.CauseBadResponse},
	{SeverityNotice, false, `<133>Nov 22 22:11:02 haproxy[8123]: Health check for server be/s failed, reason: Health analyze, info: "Detected 10 consecutive errors, last one was: Read timeout (http)", status: 0/2 DOWN.`, "be/s", model.CauseReadTimeout},
	{SeverityNotice, false, `<133>Nov 22 22:11:02 haproxy[8123]: Health check for server be/s succeeded, reason: Layer7 check passed, code: 200, check duration: 1ms, status: 3/3 UP.`, "", notFailure},
	{SeverityNotice, false, `<133>Nov 22 22:11:02 haproxy[8123]: Health check for server be/s conditionally succeeded, reason: Layer7 check conditionally passed, code: 404, info: "Not Found", check duration: 1ms, status: 3/3 DRAIN.`, "", notFailure},
	// An agent that cannot be reached does not take its server down.
	{SeverityNotice, false, `<133>Nov 22 22:11:02 haproxy[8123]: Agent check for server be/s failed, reason: Layer4 connection problem, info: "Connection refused", check duration: 0ms, status: 1/1 UP.`, "", notFailure},

	// --- src/backend.c set_backend_down: send_log LOG_EMERG (unquoted), ha_alert (quoted)
	{SeverityEmerg, true, `<128>Dec  1 12:44:43 localhost haproxy[24585]: backend be_404 has no server available!`, "be_404", model.CauseNoLiveUpstreams},
	{SeverityEmerg, true, `<128>Dec  1 12:44:43 localhost haproxy[24585]: proxy lst has no server available!`, "lst", model.CauseNoLiveUpstreams},
	{SeverityAlert, true, `[ALERT]    (24585) : backend 'be_404' has no server available!`, "be_404", model.CauseNoLiveUpstreams},
	{SeverityAlert, true, `[ALERT]    (24585) : proxy 'lst' has no server available!`, "lst", model.CauseNoLiveUpstreams},

	// --- src/proto_tcp.c tcp_connect_server (LOG_EMERG, LOG_ERR): the gateway's source address and ports
	{SeverityEmerg, true, `<128>Dec  1 12:44:47 localhost haproxy[24585]: Cannot bind to source address before connect() for backend be_src.`, gatewayRow, model.CauseGatewayLimits},
	{SeverityAlert, true, `[ALERT]    (24585) : Cannot bind to source address before connect() for backend be_src. Aborting.`, gatewayRow, model.CauseGatewayLimits},
	{SeverityEmerg, false, `<128>Dec  1 12:44:47 localhost haproxy[24585]: Cannot bind to tproxy source address before connect() for backend be.`, gatewayRow, model.CauseGatewayLimits},
	{SeverityErr, false, `<131>Dec  1 12:44:47 localhost haproxy[24585]: Connect() failed for backend be: no free ports.`, gatewayRow, model.CauseGatewayLimits},
	{SeverityErr, false, `<131>Dec  1 12:44:47 localhost haproxy[24585]: Connect() failed for backend be: local address already in use.`, gatewayRow, model.CauseGatewayLimits},
	// --- src/proto_uxst.c uxst_connect_server (LOG_ERR): 2.6 without the errno text, 3.x with it; stderr without a prefix
	{SeverityErr, true, `<131>Dec  1 12:44:47 localhost haproxy[24585]: Connect() failed for backend be_unix: can't connect to destination unix socket, check backlog size on the server.`, "be_unix", model.CauseOverloaded},
	{SeverityErr, false, `<131>Dec  1 12:44:47 localhost haproxy[24585]: Connect() failed for backend be_unix: can't connect to destination unix socket, check backlog size on the server (Resource temporarily unavailable).`, "be_unix", model.CauseOverloaded},
	{SeverityUnknown, true, `Connect() failed for backend be_unix: can't connect to destination unix socket, check backlog size on the server.`, "be_unix", model.CauseOverloaded},
	// --- src/sock.c sock_accept_conn (LOG_EMERG): HAProxy's own connection and descriptor limits
	{SeverityEmerg, false, `<128>Dec  1 12:44:47 localhost haproxy[24585]: Proxy fe reached the configured maximum connection limit. Please check the global 'maxconn' value.`, gatewayRow, model.CauseGatewayLimits},
	{SeverityEmerg, false, `<128>Dec  1 12:44:47 localhost haproxy[24585]: Proxy fe reached system FD limit (actconn=4096). Please check system tunables.`, gatewayRow, model.CauseGatewayLimits},
	{SeverityEmerg, false, `<128>Dec  1 12:44:47 localhost haproxy[24585]: Proxy fe reached process FD limit (maxsock=4096). Please check 'ulimit-n' and restart.`, gatewayRow, model.CauseGatewayLimits},
	{SeverityEmerg, false, `<128>Dec  1 12:44:47 localhost haproxy[24585]: Proxy fe reached system memory limit (actconn=4096). Please check system tunables.`, gatewayRow, model.CauseGatewayLimits},
	// RFC 5424 ("log ... format rfc5424").
	{SeverityAlert, false, `<129>1 2026-12-01T12:44:45.123456+00:00 lb haproxy 24585 - - Server be/s is DOWN, reason: Layer4 timeout, check duration: 2001ms. 0 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.`, "be/s", model.CauseConnectTimeout},
}

func TestCatalogue(t *testing.T) {
	recorded := fixtureLines(t, "testdata/catalogue/syslog-2.6.log", "testdata/catalogue/stderr-2.6.log")
	for _, c := range catalogue {
		if c.rec && !recorded[c.line] {
			t.Errorf("marked recorded but not in testdata/catalogue: %s", c.line)
		}
		_, sev, _ := splitPrefix(c.line)
		if sev != c.level {
			t.Errorf("level %d, want %d: %s", sev, c.level, c.line)
		}
		p := NewLogParser()
		rec := new(feedtest.Recorder)
		err := p.Line([]byte(c.line), rec)
		fs, ls := rec.Failures(), rec.Limits()
		switch {
		case c.cause == notFailure:
			if !errors.Is(err, feed.ErrIgnored) || len(fs) != 0 || len(ls) != 0 {
				t.Errorf("%s: %v, failures %+v, limits %+v; want ignored", c.line, err, fs, ls)
			}
		case c.addr == gatewayRow:
			if err != nil || len(fs) != 0 || len(ls) != 1 || ls[0].N != 1 || !strings.Contains(c.line, ls[0].Line) {
				t.Errorf("%s: %v, failures %+v, limits %+v; want one gateway limit", c.line, err, fs, ls)
			}
		default:
			if err != nil || len(fs) != 1 || fs[0].Addr != c.addr || fs[0].Cause != c.cause || fs[0].Source != "error_log" {
				t.Errorf("%s: %v, failures %+v; want %s at %s", c.line, err, fs, c.cause, c.addr)
				continue
			}
			if msg, _, _ := splitPrefix(c.line); !strings.HasPrefix(fs[0].Line, msg) {
				t.Errorf("evidence %q does not quote %q", fs[0].Line, msg)
			}
		}
	}
}

// fixtureLines reads recorded lines into a set.
func fixtureLines(t *testing.T, paths ...string) map[string]bool {
	t.Helper()
	out := map[string]bool{}
	for _, p := range paths {
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			out[sc.Text()] = true
		}
		f.Close()
	}
	return out
}

// An L7STS below 500 says the check is wrong, not the application: the
// evidence says so, in place of the bad_response hint's "not valid HTTP".
func TestCatalogueCheckNote(t *testing.T) {
	for line, want := range map[string]string{
		catalogue[0].line: "the health check got 404: the health check's URL is wrong",
		catalogue[1].line: "the health check got 401: the health check's request is refused",
		catalogue[2].line: "the health check got 301: the health check is redirected",
	} {
		rec := new(feedtest.Recorder)
		if err := NewLogParser().Line([]byte(line), rec); err != nil {
			t.Fatal(err)
		}
		f := rec.Failures()
		if len(f) != 1 || !strings.Contains(f[0].Line, "[gwtop: "+want) || !strings.Contains(f[0].Line, "the application is not failing") {
			t.Errorf("%s: evidence %+v, want %q", line, f, want)
		}
	}
	rec := new(feedtest.Recorder)
	if err := NewLogParser().Line([]byte(catalogue[3].line), rec); err != nil || strings.Contains(rec.Failures()[0].Line, "gwtop:") {
		t.Errorf("a 502 check needs no note: %+v %v", rec.Failures(), err)
	}
}

// Inferred: HANA's "L4 unsuccessful connection" (refused or timed out) and
// the external checks (an exit code); the rest is what HAProxy states.
func TestCatalogueInferred(t *testing.T) {
	for _, c := range catalogue {
		if c.cause == notFailure || c.addr == gatewayRow {
			continue
		}
		rec := new(feedtest.Recorder)
		_ = NewLogParser().Line([]byte(c.line), rec)
		want := strings.Contains(c.line, "L4 unsuccessful connection") || strings.Contains(c.line, "External check")
		if f := rec.Failures(); len(f) != 1 || f[0].Inferred != want {
			t.Errorf("%s: %+v, want inferred %v", c.line, f, want)
		}
	}
}

// Every termination-flag pair (log.c sess_term_cond × sess_fin_state): the
// first character's row, the cause per second character R Q C H D L T -,
// for a request that reached a server and got a 503; "" is no failure.
func TestCatalogueTerminationFlags(t *testing.T) {
	const phases = "RQCHDLT-"
	const (
		re = model.CauseRefused
		ct = model.CauseConnectTimeout
		rt = model.CauseReadTimeout
		pc = model.CausePrematureClose
		rs = model.CauseReset
		br = model.CauseBadResponse
		gl = model.CauseGatewayLimits
		ov = model.CauseOverloaded
		u5 = model.CauseUpstream5xx
	)
	for first, row := range map[byte][8]model.Cause{
		'-': {"", "", "", "", "", "", "", u5}, // "--" with the server's own 503
		'C': {}, 'c': {}, 'L': {}, 'K': {}, 'U': {},
		'D': {}, // the server's own cause, from the parser (TestCatalogueKilledSessions)
		'S': {"", "", re, pc, rs, rs, "", ""},
		's': {"", ov, ct, rt, rt, rt, "", ""},
		'P': {"", "", gl, br, br, "", "", ""},
		'R': {gl, gl, gl, gl, gl, gl, gl, gl},
		'I': {gl, gl, gl, gl, gl, gl, gl, gl},
	} {
		for i, want := range row {
			ts := string([]byte{first, phases[i], '-', '-'})
			if got := TerminationCause(ts, 503, false); got != want {
				t.Errorf("%s 503: %q, want %q", ts, got, want)
			}
		}
	}
	// Status- and server-dependent pairs.
	for _, c := range []struct {
		ts       string
		status   int
		noServer bool
		want     model.Cause
	}{
		{"PH--", 502, false, model.CauseBadResponse},
		{"PH--", 500, false, model.CauseGatewayLimits}, // header rewrite failed: tune.maxrewrite
		{"PH--", 400, false, ""},                       // the client's invalid chunked request
		{"PD--", 200, false, model.CauseBadResponse},
		{"PD--", 400, true, ""},
		{"sQ--", 503, true, model.CauseOverloaded},
		{"SC--", 503, true, model.CauseNoLiveUpstreams},
		{"----", 200, false, ""},
		{"----", 503, true, ""},
		{"RC--", 503, true, model.CauseGatewayLimits},
		{"sH", 504, false, model.CauseReadTimeout}, // tcplog's two characters
	} {
		if got := TerminationCause(c.ts, c.status, c.noServer); got != c.want {
			t.Errorf("TerminationCause(%q, %d, %v) = %q, want %q", c.ts, c.status, c.noServer, got, c.want)
		}
	}
}

// The request lines recorded from HAProxy 2.6: the queue timeout, the
// session killed by maintenance, an invalid chunk after the headers (2.6:
// SD--), a refused connect after a full unix backlog.
func TestCatalogueRecordedRequests(t *testing.T) {
	f, err := os.Open("testdata/catalogue/syslog-2.6.log")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	p := NewLogParser()
	rec := new(feedtest.Recorder)
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if err := p.Line(sc.Bytes(), rec); err != nil && !errors.Is(err, feed.ErrIgnored) {
			t.Errorf("%s: %v", sc.Text(), err)
		}
	}
	got := map[string]feed.Request{}
	for _, r := range rec.Requests() {
		if len(r.Attempts) > 0 {
			got[r.Attempts[0].Addr] = r
		}
	}
	for addr, want := range map[string]model.Cause{
		"be_queue":   model.CauseOverloaded, // sQ-- <NOSRV> 503
		"be_chunk/s": model.CauseReset,      // SD-- 200
		"be_unix/s":  model.CauseOverloaded, // SC-- after "check backlog size on the server"
		"be_src/s":   model.CauseRefused,    // SC-- after "Cannot bind to source address": 2.6 logs no RC
		"lst":        model.CauseNoLiveUpstreams,
		"be_hana/s":  model.CauseUpstream5xx, // the 500 that took it down
	} {
		if r, ok := got[addr]; !ok || r.Cause != want {
			t.Errorf("%s: %+v, want cause %s", addr, r, want)
		}
	}
	// be_kill/s went into maintenance by an operator: its killed session
	// (DH-- 502) is no failure of the server.
	if r := got["be_kill/s"]; r.Cause != "" || r.Attempts[0].Status != 0 || r.Attempts[0].Cause != "" {
		t.Errorf("be_kill/s: %+v", r)
	}
	if l := rec.Limits(); len(l) != 4 || !strings.HasPrefix(l[0].Line, "Cannot bind to source address") {
		t.Errorf("gateway limits %+v", l)
	}
	if n := p.Counters()["other_errors"]; n != 0 {
		t.Errorf("other_errors %v: every error-level line of the recording is in the catalogue", n)
	}
}

// A session killed because its server went down (on-marked-down
// shutdown-sessions) carries the server's own cause, inferred.
func TestCatalogueKilledSessions(t *testing.T) {
	p := NewLogParser()
	rec := new(feedtest.Recorder)
	for _, l := range []string{
		`<129>Dec  1 12:44:45 localhost haproxy[24585]: Server be/s is DOWN, reason: Layer7 timeout, check duration: 301ms. 0 active and 0 backup servers left. 1 sessions active, 0 requeued, 0 remaining in queue.`,
		`<134>Dec  1 12:44:47 localhost haproxy[24585]: 127.0.0.1:55002 [01/Dec/2026:12:44:47.057] fe be/s 0/0/0/-1/426 502 209 - - DH-- 2/2/0/0/0 0/0 "GET /a HTTP/1.1"`,
		`<134>Dec  1 12:44:47 localhost haproxy[24585]: 127.0.0.1:55002 [01/Dec/2026:12:44:47.057] fe be/t 0/0/0/-1/426 502 209 - - DH-- 2/2/0/0/0 0/0 "GET /a HTTP/1.1"`,
		`<134>Dec  1 12:44:47 localhost haproxy[24585]: 127.0.0.1:55002 [01/Dec/2026:12:44:47.057] fe be/t 0/0/0/-1/426 502 209 - - KH-- 2/2/0/0/0 0/0 "GET /a HTTP/1.1"`,
	} {
		if err := p.Line([]byte(l), rec); err != nil {
			t.Fatal(err)
		}
	}
	r := rec.Requests()
	if a := r[0].Attempts[0]; a.Cause != model.CauseReadTimeout || !a.Inferred || a.Status != 502 || r[0].Cause != "" {
		t.Errorf("killed after its server's Layer7 timeout: %+v", r[0])
	}
	for _, q := range r[1:] {
		if a := q.Attempts[0]; a.Cause != "" || a.Status != 0 || q.Cause != "" {
			t.Errorf("killed with no failure known, or by an operator: %+v", q)
		}
	}
}

// An error-level message outside the catalogue is counted and quoted; a
// warning is not.
func TestCatalogueOtherErrors(t *testing.T) {
	p := NewLogParser()
	rec := new(feedtest.Recorder)
	for _, l := range []string{
		`<131>Dec  1 12:44:47 localhost haproxy[24585]: SPOE: [agent] internal error while execute spoe-send-group`,
		`[ALERT]    (24585) : Blocking cacheable cookie in response from instance be, server s.`,
		`[WARNING]  (24585) : kill 23177`,
		`<132>Dec  1 12:44:47 localhost haproxy[24585]: Proxy fe stopped (cumulated conns: FE: 3, BE: 0).`,
	} {
		if err := p.Line([]byte(l), rec); !errors.Is(err, feed.ErrIgnored) {
			t.Errorf("%s: %v", l, err)
		}
	}
	if n := p.Counters()["other_errors"]; n != 2 {
		t.Errorf("other_errors %v, want 2", n)
	}
	if n := p.Note(); !strings.HasSuffix(n, "Blocking cacheable cookie in response from instance be, server s.") {
		t.Errorf("note %q", n)
	}
	if NewLogParser().Note() != "" {
		t.Error("a note with nothing to say")
	}
}
