package collector

import (
	"bytes"
	"encoding/json"
	"regexp"
)

// A log shipped through a collector carries the collector's prefix before
// each of the gateway's lines: docker compose's service column, kubectl's
// --timestamps, containerd's CRI format, Docker's json-file, syslog (which
// is also what nginx's own `error_log syslog:` writes). The gateway's
// parser would take every such line for "other" and nothing would say the
// log was lost; lineLog strips the prefix it detects once per file.

// prefix is one collector's way of wrapping a line.
type prefix struct {
	name  string
	strip func(line []byte) ([]byte, bool)
}

func reStrip(re *regexp.Regexp) func([]byte) ([]byte, bool) {
	return func(b []byte) ([]byte, bool) {
		loc := re.FindIndex(b)
		if loc == nil || loc[0] != 0 {
			return nil, false
		}
		return b[loc[1]:], true
	}
}

// dockerJSON unwraps Docker's json-file line {"log":"…\n","stream":…}.
func dockerJSON(b []byte) ([]byte, bool) {
	if len(b) < 8 || b[0] != '{' || !bytes.Contains(b[:min(len(b), 16)], []byte(`"log"`)) {
		return nil, false
	}
	var v struct {
		Log *string `json:"log"`
	}
	if json.Unmarshal(b, &v) != nil || v.Log == nil {
		return nil, false
	}
	return bytes.TrimRight([]byte(*v.Log), "\r\n"), true
}

var rfc3339 = `\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d)`

// prefixes are tried in this order: the most specific first.
var prefixes = []prefix{
	// containerd/CRI: "2025-12-08T07:47:45.565219601Z stderr F LINE".
	{"cri", reStrip(regexp.MustCompile(`^` + rfc3339 + ` (?:stdout|stderr) [FP] `))},
	// kubectl logs --timestamps: "2025-12-08T07:47:45.565219601Z LINE".
	{"kubectl --timestamps", reStrip(regexp.MustCompile(`^` + rfc3339 + ` `))},
	{"docker json-file", dockerJSON},
	// docker compose: "nginx.1    | LINE", "web-1  | LINE".
	{"docker compose", reStrip(regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]*\s*\| `))},
	// RFC 5424 syslog: "<PRI>1 TIMESTAMP HOST APP PROCID MSGID SD MSG".
	{"syslog (RFC 5424)", reStrip(regexp.MustCompile(`^(?:<\d{1,3}>)?1 \S+ \S+ \S+ \S+ \S+ (?:-|\[.*?\]) `))},
	// RFC 3164 syslog as rsyslog writes it, or as nginx sends it:
	// "<PRI>Dec  1 10:00:00 lb nginx: LINE", "Dec  1 10:00:00 lb nginx[12]: LINE".
	{"syslog", reStrip(regexp.MustCompile(`^(?:<\d{1,3}>)?[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d \S+ [^\s:\[]+(?:\[\d+\])?: `))},
	// RFC 3339 syslog (rsyslog's high-precision format): "2025-12-01T10:00:00.123+00:00 lb nginx: LINE".
	{"syslog (RFC 3339)", reStrip(regexp.MustCompile(`^` + rfc3339 + ` \S+ [^\s:\[]+(?:\[\d+\])?: `))},
}

// detectLines is how many lines a log has to show its prefix: after as
// many lines that parse neither bare nor under any prefix, the log is
// taken as the gateway's own, with no prefix.
const detectLines = 200

// prefixState detects and then strips one log's prefix. It is used by
// the log's one reading goroutine only.
type prefixState struct {
	decided bool
	use     *prefix // nil: the lines are the gateway's own
	tried   int
}
