package envoy

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/gwtop/gwtop/collector/feed"
	"github.com/gwtop/gwtop/model"
)

// LogParser reads Envoy's access log in the default text format or as
// JSON. It reuses one Request, so it serves one tailer.
type LogParser struct {
	json bool
	req  feed.Request
}

// NewLogParser returns a parser for format "default" (Envoy's default
// text format) or "json" (a json_format access log).
func NewLogParser(format string) (*LogParser, error) {
	switch format {
	case "", "default":
		return &LogParser{}, nil
	case "json":
		return &LogParser{json: true}, nil
	}
	return nil, fmt.Errorf("envoy access log format %q: want default or json", format)
}

// defaultLine is Envoy's default format:
//
//	[%START_TIME%] "%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%"
//	%RESPONSE_CODE% %RESPONSE_FLAGS% %BYTES_RECEIVED% %BYTES_SENT% %DURATION%
//	%RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)% "%REQ(X-FORWARDED-FOR)%"
//	"%REQ(USER-AGENT)%" "%REQ(X-REQUEST-ID)%" "%REQ(:AUTHORITY)%" "%UPSTREAM_HOST%"
//
// Envoy does not escape quotes inside quoted fields, so the free-text ones
// are matched greedily and the upstream host, which holds no quote, last.
var defaultLine = regexp.MustCompile(`^\[([^\]]*)\] "(.*)" (\d{1,3}) (\S+) (\S+) (\S+) (\S+) (\S+) "(.*)" "(.*)" "(.*)" "(.*)" "([^"]*)"$`)

// entry is one access-log line, whichever format it came in.
type entry struct {
	time        time.Time
	code        int
	flags       []string
	details     string // %RESPONSE_CODE_DETAILS% and transport failure reason
	durationMS  float64
	serviceMS   float64 // x-envoy-upstream-service-time, -1 when absent
	host        string
	cluster     string
	haveDetails bool
	// path and authority of the request, for the per-route figures
	path, authority string
}

// Line reads one access-log line.
func (p *LogParser) Line(b []byte, sink feed.Sink) error {
	var e entry
	var err error
	if p.json {
		err = parseJSON(b, &e)
	} else {
		err = parseDefault(b, &e)
	}
	if err != nil {
		return err
	}
	p.build(&e)
	for i := range p.req.Attempts {
		feed.UpstreamAnswer(&p.req.Attempts[i])
	}
	sink.ObserveRequest(&p.req, b)
	return nil
}

func parseDefault(b []byte, e *entry) error {
	m := defaultLine.FindSubmatch(bytes.TrimRight(b, "\r\n"))
	if m == nil {
		if len(bytes.TrimSpace(b)) > 0 && bytes.TrimSpace(b)[0] == '{' {
			return errors.New("envoy access log: a JSON line, but log_format is default")
		}
		return errors.New("envoy access log: not Envoy's default format")
	}
	e.time = parseTime(string(m[1]))
	e.code, _ = strconv.Atoi(string(m[3]))
	e.flags = splitFlags(string(m[4]))
	e.durationMS = number(string(m[7]))
	e.serviceMS = number(string(m[8]))
	e.host = upstreamHost(string(m[13]))
	// "%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%"
	if f := strings.Fields(string(m[2])); len(f) >= 2 && f[1] != "-" {
		e.path = f[1]
	}
	if a := string(m[12]); a != "-" {
		e.authority = a
	}
	return nil
}

// JSON keys are matched after normalising them (lower case, without '_',
// '-', '%', '@' or '.', and with nested objects flattened): response_flags,
// responseFlags and RESPONSE_FLAGS are one key, and {"upstream":{"host":…}}
// reads as upstream_host. The names accepted for each field:
var (
	keysCode      = []string{"responsecode", "statuscode", "status", "code"}
	keysFlags     = []string{"responseflags", "flags"}
	keysDetails   = []string{"responsecodedetails", "upstreamtransportfailurereason", "connectionterminationdetails"}
	keysDuration  = []string{"duration", "durationms"}
	keysService   = []string{"upstreamservicetime", "respxenvoyupstreamservicetime", "xenvoyupstreamservicetime", "upstreamduration"}
	keysHost      = []string{"upstreamhost", "upstreamaddress", "upstreamremoteaddress"}
	keysCluster   = []string{"upstreamcluster", "upstreamservice", "cluster"}
	keysStartTime = []string{"starttime", "timestamp", "time", "start"}
	keysPath      = []string{"xenvoyoriginalpath", "path", "reqpath", "requestpath", "uri"}
	keysAuthority = []string{"authority", "reqauthority", "requestauthority"}
)

func parseJSON(b []byte, e *entry) error {
	t := bytes.TrimSpace(b)
	if len(t) == 0 || t[0] != '{' {
		return errors.New("envoy access log: not a JSON object (log_format is json)")
	}
	d := json.NewDecoder(bytes.NewReader(t))
	d.UseNumber()
	var raw map[string]any
	if err := d.Decode(&raw); err != nil {
		return fmt.Errorf("envoy access log: %s", short(err.Error()))
	}
	flat := map[string]any{}
	flatten("", raw, flat, 0)
	codeV, hasCode := lookup(flat, keysCode)
	flagsV, hasFlags := lookup(flat, keysFlags)
	if !hasCode && !hasFlags {
		return feed.ErrIgnored
	}
	if hasCode {
		c := number(str(codeV))
		if c < 0 || c > 999 || c != float64(int(c)) {
			return fmt.Errorf("envoy access log: response code %v", codeV)
		}
		e.code = int(c)
	}
	if hasFlags {
		e.flags = splitFlags(str(flagsV))
	}
	for _, k := range keysDetails {
		if v, ok := flat[k]; ok && str(v) != "" && str(v) != "-" {
			e.details += str(v) + " "
			e.haveDetails = true
		}
	}
	e.durationMS, e.serviceMS = -1, -1
	if v, ok := lookup(flat, keysDuration); ok {
		e.durationMS = number(str(v))
	}
	if v, ok := lookup(flat, keysService); ok {
		e.serviceMS = number(str(v))
	}
	if v, ok := lookup(flat, keysHost); ok {
		e.host = upstreamHost(str(v))
	}
	if v, ok := lookup(flat, keysCluster); ok {
		if s := str(v); s != "-" {
			e.cluster = s
		}
	}
	if v, ok := lookup(flat, keysStartTime); ok {
		e.time = parseTime(str(v))
	}
	if v, ok := lookup(flat, keysPath); ok && str(v) != "-" {
		e.path = str(v)
	}
	if v, ok := lookup(flat, keysAuthority); ok && str(v) != "-" {
		e.authority = str(v)
	}
	return nil
}

func normKey(k string) string {
	var sb strings.Builder
	for _, c := range strings.ToLower(k) {
		switch c {
		case '_', '-', '%', '@', '.', ' ', '(', ')', ':':
		default:
			sb.WriteRune(c)
		}
	}
	return sb.String()
}

// flatten walks two levels of nesting at most: access-log JSON is flat or
// grouped once ({"upstream":{…}}).
func flatten(prefix string, m map[string]any, out map[string]any, depth int) {
	for k, v := range m {
		key := prefix + normKey(k)
		if sub, ok := v.(map[string]any); ok {
			if depth < 2 {
				flatten(key, sub, out, depth+1)
			}
			continue
		}
		if _, dup := out[key]; !dup {
			out[key] = v
		}
	}
}

// lookup returns the first present, non-null value among keys.
func lookup(flat map[string]any, keys []string) (any, bool) {
	for _, k := range keys {
		if v, ok := flat[k]; ok && v != nil {
			return v, true
		}
	}
	return nil, false
}

func str(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case json.Number:
		return x.String()
	case bool:
		return strconv.FormatBool(x)
	}
	return ""
}

// number reads a count or a millisecond figure; "-" and garbage are -1.
func number(s string) float64 {
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || f < 0 || f != f || f > 1e15 {
		return -1
	}
	return f
}

func splitFlags(s string) []string {
	s = strings.TrimSpace(s)
	if s == "" || s == "-" {
		return nil
	}
	return strings.Split(s, ",")
}

// upstreamHost strips the tcp:// Envoy puts before addresses.
func upstreamHost(s string) string {
	s = strings.TrimSpace(s)
	if s == "-" {
		return ""
	}
	s = strings.TrimPrefix(s, "tcp://")
	if p, ok := strings.CutPrefix(s, "unix://"); ok {
		return "unix:" + p
	}
	return s
}

var timeLayouts = []string{time.RFC3339Nano, "2006-01-02T15:04:05.000Z0700", "2006-01-02T15:04:05Z0700", "2006-01-02 15:04:05.000Z07:00"}

func parseTime(s string) time.Time {
	for _, l := range timeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t
		}
	}
	return time.Time{}
}

// build turns an entry into the parser's Request:
//   - flags that state a cause: one attempt at the upstream host (or the
//     cluster, or none when neither is logged) with the response code and
//     no header time, and Request.Cause set;
//   - flags that are not about the upstream (NR, NC, RL, …): no attempt;
//   - other flags (DC, SI, …): the attempt is seen but not counted;
//   - no flags: the answer came from the upstream ("via_upstream"), so a
//     5xx is the upstream's own (upstream_5xx): the attempt has a header time.
func (p *LogParser) build(e *entry) {
	r := &p.req
	r.Time, r.Status, r.Cause = e.time, e.code, ""
	r.Path, r.Host = e.path, e.authority
	r.Duration = -1
	total := -1.0
	if e.durationMS >= 0 {
		r.Duration = e.durationMS / 1000
		total = r.Duration
	}
	r.Attempts = r.Attempts[:0]
	addr := e.host
	if addr == "" {
		addr = e.cluster
	}
	cause := FlagsCause(e.flags, e.details)
	switch {
	case cause != "":
		r.Cause = cause
		if addr != "" {
			r.Attempts = append(r.Attempts, feed.Attempt{Addr: addr, Status: e.code, Connect: -1, Header: -1, Total: total})
		}
	case notUpstream(e.flags) || addr == "":
	case upstreamAnswered(e):
		hdr := 0.0
		if e.serviceMS >= 0 {
			hdr = e.serviceMS / 1000
		}
		r.Attempts = append(r.Attempts, feed.Attempt{Addr: addr, Status: e.code, Connect: -1, Header: hdr, Total: total})
	default:
		r.Attempts = append(r.Attempts, feed.Attempt{Addr: addr, Connect: -1, Header: -1, Total: total})
	}
}

// upstreamAnswered reports whether the response is the upstream's own:
// no flag of Envoy's (URX alone means the retries ran out on the
// upstream's own answers) and no details naming a local reply.
func upstreamAnswered(e *entry) bool {
	for _, f := range e.flags {
		if f != "URX" {
			return false
		}
	}
	d := strings.TrimSpace(e.details)
	return !e.haveDetails || strings.HasPrefix(d, "via_upstream") || e.code < 500
}

// flagCauses are the response flags that state a cause, strongest first:
// with "UF,URX" the connect failure is the cause, the retry limit only
// what followed.
var flagCauses = []struct {
	flag  string
	cause model.Cause
}{
	{"UF", model.CauseRefused}, // refined by the details below
	{"UH", model.CauseNoLiveUpstreams},
	{"UO", model.CauseGatewayLimits}, // circuit breaker: Envoy's own limit
	{"UT", model.CauseReadTimeout},
	{"UC", model.CausePrematureClose},
	{"UR", model.CauseReset},
	{"UPE", model.CauseBadResponse},
	{"DF", model.CauseDNS},
	{"LR", model.CauseReset},
	{"UMSDR", model.CauseReadTimeout}, // the upstream stream outlived max_stream_duration
	{"OM", model.CauseGatewayLimits},  // the overload manager shed it: Envoy out of resources
}

// nonUpstreamFlags say the request never was the upstream's business.
var nonUpstreamFlags = map[string]bool{
	"NR": true, "NC": true, "RL": true, "RLSE": true, "UAEX": true, "IH": true, "FI": true, "DI": true,
	"RFCF": true, "NFCF": true, "LH": true, "DPE": true, "DO": true,
}

func notUpstream(flags []string) bool {
	for _, f := range flags {
		if nonUpstreamFlags[f] {
			return true
		}
	}
	return false
}

// FlagsCause returns the cause %RESPONSE_FLAGS% state, or "" when they
// state none. details (%RESPONSE_CODE_DETAILS%, the transport failure
// reason) tells a UF connect failure apart: refused, timeout or TLS.
func FlagsCause(flags []string, details string) model.Cause {
	for _, fc := range flagCauses {
		for _, f := range flags {
			if f != fc.flag {
				continue
			}
			if f == "UF" {
				return connectFailure(details)
			}
			return fc.cause
		}
	}
	return ""
}

// connectFailure reads why a connection failed from Envoy's details, e.g.
// "upstream_reset_before_response_started{connection_failure,delayed_connect_error:_111}".
func connectFailure(details string) model.Cause {
	d := strings.ToLower(details)
	switch {
	case strings.Contains(d, "tls") || strings.Contains(d, "ssl") || strings.Contains(d, "handshake") || strings.Contains(d, "certificate"):
		return model.CauseTLS
	case strings.Contains(d, "timeout") || strings.Contains(d, "timed out") || strings.Contains(d, "error:_110") || strings.Contains(d, "error: 110"):
		return model.CauseConnectTimeout
	}
	// "delayed connect error: 111" (ECONNREFUSED), or no detail at all:
	// a refused connection is by far the most common connect failure.
	return model.CauseRefused
}

var _ feed.LineParser = (*LogParser)(nil)
