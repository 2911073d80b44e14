package haproxy

import (
	"strconv"
	"strings"

	"github.com/gwtop/gwtop/model"
)

// ServerDown reports whether a server's status takes it out of the load
// balancing for new traffic because something is wrong or an operator
// said so: DOWN (with or without "1/2" while it recovers, "(agent)") and
// MAINT in every form. DRAIN and NOLB are not down: the server still
// answers the requests it gets (persistent sessions, existing
// connections) and was drained on purpose or by disable-on-404, which is
// not a failure. "UP 1/3" is UP with failing checks: not down yet, and its
// failed checks are reported as failures.
func ServerDown(status string) bool {
	return strings.HasPrefix(status, "DOWN") || strings.HasPrefix(status, "MAINT")
}

// CheckCause maps a failing health check to a cause code; it returns ""
// for a passing, unknown or still initialising check. desc is check_desc
// and info is last_chk, HAProxy's own text for this check (often an
// errno text), which refines the code: an L4CON "No route to host" is not
// a refusal, and SOCKERR is the socket's error, whatever it was: a reset
// by the upstream, or the gateway's own resources (EMFILE, no port).
//
// L7RSP is a bad response unless the text says the reply was empty: HAProxy
// 2.6's HTTP check reports an upstream that closes without a byte exactly
// like one that answers garbage (L7RSP, no text), so only versions and
// check types that say "empty response" can be told apart.
//
// HANA ("Health analyze": observe with on-error) is read from the failure
// its info names; PROCERR (an external check exited non-zero) is taken for
// the application failing and PROCTOUT (it did not finish in time) for a
// read timeout. An L7STS below 500 is a bad_response: the server answered,
// not what the check expects (CheckNote says what that means).
func CheckCause(status string, code int, desc, info string) model.Cause {
	status = strings.TrimSpace(strings.TrimPrefix(status, "* "))
	switch status {
	case "L4CON":
		if c := errnoCause(info); c != "" {
			return c
		}
		return model.CauseRefused
	case "L4TOUT":
		return model.CauseConnectTimeout
	case "L6RSP", "L6TOUT":
		return model.CauseTLS
	case "L7TOUT":
		return model.CauseReadTimeout
	case "L7RSP":
		if strings.Contains(strings.ToLower(info+" "+desc), "empty") {
			return model.CausePrematureClose
		}
		return model.CauseBadResponse
	case "L7STS":
		if code >= 500 || code == 0 {
			// Without a code (a running check clears it; the stats
			// page may hide it) the wrong status is taken for the
			// common case, the application failing.
			return model.CauseUpstream5xx
		}
		return model.CauseBadResponse
	case "HANA":
		// observe + on-error (check.c __health_adjust): the requests
		// themselves failed often enough; info names the last failure.
		return hanaCause(info + " " + desc)
	case "PROCERR":
		// The external check exited non-zero: the operator's own test of
		// the server says it fails; which layer, only the script knows.
		return model.CauseUpstream5xx
	case "PROCTOUT":
		// The external check did not finish within "timeout check":
		// what it tests did not answer in time.
		return model.CauseReadTimeout
	case "SOCKERR":
		if c := errnoCause(info); c != "" {
			return c
		}
		if strings.TrimSpace(info) == "" {
			// HAProxy reports an error on an established check
			// connection as SOCKERR, with the errno text when it has
			// one ("Connection reset by peer") and without when it
			// has not; seen without text from an upstream that
			// resets, so it is the upstream's doing.
			return model.CauseReset
		}
		// "TCPCHK error establishing connection": the check could not
		// even get a socket — the gateway host's resources.
		return model.CauseGatewayLimits
	}
	return ""
}

// analyzeCauses maps check.c's analyze_statuses texts, which a HANA
// check's info quotes ("Detected 3 consecutive errors, last one was: Read
// timeout (http)"), to causes. "L4 unsuccessful connection" is any failed
// connect (back_handle_st_cer): a refusal or a timeout, so it is inferred.
var analyzeCauses = []struct {
	text  string
	cause model.Cause
}{
	{"L4 unsuccessful connection", model.CauseRefused},
	{"Wrong http response", model.CauseUpstream5xx},
	{"Invalid http response (headers)", model.CauseBadResponse},
	{"Invalid http response", model.CauseBadResponse},
	{"Read error (http)", model.CauseReset},
	{"Read timeout (http)", model.CauseReadTimeout},
	{"Close from server (http)", model.CausePrematureClose},
}

// hanaCause reads the last failure a HANA check's info names; without one
// (a stats page that hides last_chk) the requests failed in a way HAProxy
// does not say, taken for the common case, the application failing.
func hanaCause(info string) model.Cause {
	for _, a := range analyzeCauses {
		if strings.Contains(info, a.text) {
			return a.cause
		}
	}
	return model.CauseUpstream5xx
}

// checkInferred reports whether the cause CheckCause gives a check is a
// guess from an indirect signal: a HANA summary that does not say whether
// a connect was refused or timed out, or that names no failure, and an
// external check, whose exit code says only "failed".
func checkInferred(status, info string) bool {
	switch strings.TrimSpace(strings.TrimPrefix(status, "* ")) {
	case "HANA":
		return !strings.Contains(info, "last one was: ") || strings.Contains(info, "L4 unsuccessful connection")
	case "PROCERR", "PROCTOUT":
		return true
	}
	return false
}

// CheckNote returns what an operator must know about a failing check that
// its cause code would hide, or "": an L7STS with a 1xx–4xx code means the
// server answered, but not what the check expects — its URL ("option
// httpchk", "http-check send") or its expected status ("http-check
// expect") is wrong, or the server wants authentication; the application
// is not failing.
func CheckNote(status string, code int) string {
	if strings.TrimSpace(strings.TrimPrefix(status, "* ")) != "L7STS" || code < 100 || code >= 500 {
		return ""
	}
	what := "the health check's URL or its expected status is wrong"
	switch {
	case code == 404:
		what = "the health check's URL is wrong (nothing at that path)"
	case code == 401 || code == 403:
		what = "the health check's request is refused: the server wants authentication, or blocks the check"
	case code >= 300 && code < 400:
		what = "the health check is redirected: its URL, Host or scheme is wrong, or \"http-check expect\" excludes 3xx"
	}
	return "the health check got " + strconv.Itoa(code) + ": " + what +
		" (\"option httpchk\", \"http-check send\", \"http-check expect\"); the server answers, the application is not failing"
}

// errnoCause reads the errno text HAProxy puts in last_chk (strerror).
func errnoCause(info string) model.Cause {
	s := strings.ToLower(info)
	switch {
	case s == "":
		return ""
	case strings.Contains(s, "refused"):
		return model.CauseRefused
	case strings.Contains(s, "reset by peer"), strings.Contains(s, "broken pipe"):
		return model.CauseReset
	case strings.Contains(s, "timed out"), strings.Contains(s, "no route"), strings.Contains(s, "unreachable"):
		// ICMP unreachable and lost SYNs are both routing or firewall
		// problems: the connect_timeout playbook.
		return model.CauseConnectTimeout
	case strings.Contains(s, "permission denied"), strings.Contains(s, "not permitted"):
		return model.CausePermission
	case strings.Contains(s, "too many open files"), strings.Contains(s, "cannot assign requested address"),
		strings.Contains(s, "no buffer space"), strings.Contains(s, "resource temporarily unavailable"),
		strings.Contains(s, "cannot allocate memory"):
		return model.CauseGatewayLimits
	}
	return ""
}

// reasonStatus maps the reason HAProxy logs when a server changes state
// ("Server be/srv is DOWN, reason: Layer4 connection problem, ...") — the
// check_desc text — back to its check_status code.
var reasonStatus = map[string]string{
	"Socket error":                      "SOCKERR",
	"Layer4 timeout":                    "L4TOUT",
	"Layer4 connection problem":         "L4CON",
	"Layer6 timeout":                    "L6TOUT",
	"Layer6 invalid response":           "L6RSP",
	"Layer7 timeout":                    "L7TOUT",
	"Layer7 invalid response":           "L7RSP",
	"Layer7 wrong status":               "L7STS",
	"Layer4 check passed":               "L4OK",
	"Layer6 check passed":               "L6OK",
	"Layer7 check passed":               "L7OK",
	"Layer7 check conditionally passed": "L7OKC",
	"Health analyze":                    "HANA",
	"External check error":              "PROCERR",
	"External check timeout":            "PROCTOUT",
	"External check passed":             "PROCOK",
	"Unknown":                           "UNK",
	"Initializing":                      "INI",
	"No status change":                  "CHECKED",
}
