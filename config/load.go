package config

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/gwtop/gwtop/redact"

	"gopkg.in/yaml.v3"
)

// Error is a configuration error with its position. Line is 0 when the error
// does not come from a line of a file (a quick flag, say).
type Error struct {
	File  string
	Line  int
	Field string
	Msg   string
}

func (e *Error) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File)
		if e.Line > 0 {
			fmt.Fprintf(&b, ":%d", e.Line)
		}
		b.WriteString(": ")
	}
	if e.Field != "" {
		b.WriteString(e.Field)
		b.WriteString(": ")
	}
	// One error, one line: a line break quoted from the file (yaml.v3
	// quotes values) is shown escaped.
	b.WriteString(oneLine.Replace(e.Msg))
	return b.String()
}

var oneLine = strings.NewReplacer("\n", `\n`, "\r", `\r`)

// Errors is every problem found in one configuration.
type Errors []*Error

func (es Errors) Error() string {
	parts := make([]string, len(es))
	for i, e := range es {
		parts[i] = e.Error()
	}
	return strings.Join(parts, "\n")
}

// Load reads, expands and validates a YAML configuration file.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	return Parse(path, data, os.LookupEnv)
}

var yamlLine = regexp.MustCompile(`(?s)^line (\d+): (.*)$`)

// Parse decodes a configuration; name is used in messages. lookup resolves
// ${VAR} references (os.LookupEnv in production).
func Parse(name string, data []byte, lookup func(string) (string, bool)) (*Config, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, yamlError(name, err)
	}
	if line, ok := noSettings(&root); ok {
		// An empty file, or one of comments only (yaml.v3 said "EOF",
		// with no line).
		return nil, Errors{{File: name, Line: line, Msg: "the file has no settings: write upstreams: or a gateway section (nginx:, haproxy: …); `gwtop discover` prints one for this host"}}
	}
	cfg := &Config{Source: name}
	// Unknown fields and wrong types first, with yaml's own lines.
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(newFile(&root).ptr); err != nil {
		if err = withoutEnvRefs(err); err != nil {
			return nil, yamlError(name, err)
		}
	}
	// Then ${VAR} in every value, each error at the value's line,
	// and the expanded tree decoded.
	if errs := expandNodes(name, &root, "", lookup); len(errs) > 0 {
		return nil, errs
	}
	f := newFile(&root)
	if err := root.Decode(f.ptr); err != nil {
		return nil, yamlError(name, err)
	}
	f.into(cfg)
	p := &positions{root: &root}
	cfg.applyDefaults()
	if errs := cfg.validate(name, p); len(errs) > 0 {
		return nil, errs
	}
	return cfg, nil
}

// noSettings reports a document without a setting in it: nothing but
// comments and blank lines, a lone "---", null or {}; and the line to
// name (1 for an empty file).
func noSettings(root *yaml.Node) (int, bool) {
	if root.Kind != yaml.DocumentNode || len(root.Content) == 0 {
		return 1, true
	}
	n := root.Content[0]
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" && n.Value == "" {
		return 1, true // "---" and nothing after it
	}
	empty := n.Kind == yaml.ScalarNode && n.Tag == "!!null" || n.Kind == yaml.MappingNode && len(n.Content) == 0
	return max(n.Line, 1), empty
}

// yamlError turns yaml.v3's messages into "file:line: message" lines.
func yamlError(name string, err error) error {
	var te *yaml.TypeError
	if errors.As(err, &te) {
		var errs Errors
		for _, m := range te.Errors {
			e := &Error{File: name, Msg: m}
			if sm := yamlLine.FindStringSubmatch(m); sm != nil {
				e.Line, _ = strconv.Atoi(sm[1])
				e.Msg = friendlier(sm[2])
			}
			errs = append(errs, e)
		}
		return errs
	}
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	e := &Error{File: name, Msg: msg}
	if sm := yamlLine.FindStringSubmatch(msg); sm != nil {
		e.Line, _ = strconv.Atoi(sm[1])
		e.Msg = sm[2]
	}
	return Errors{e}
}

var notFound = regexp.MustCompile(`(?s)^field (\S+) not found in type .*$`)

// intoFile is yaml.v3's name for the decoding type built from the kinds.
var intoFile = regexp.MustCompile(`(?s) into struct \{.*\}$`)

func friendlier(m string) string {
	if sm := notFound.FindStringSubmatch(m); sm != nil {
		return fmt.Sprintf("unknown field %q (check the spelling; see the README's config reference)", sm[1])
	}
	m = intoFile.ReplaceAllString(m, " as a gwtop configuration, which is a YAML mapping (interval:, upstreams:, nginx: …)")
	return strings.ReplaceAll(m, "!!str", "text")
}

// withoutEnvRefs drops the type errors of values that hold a ${VAR}: they
// are checked again once expanded.
func withoutEnvRefs(err error) error {
	var te *yaml.TypeError
	if !errors.As(err, &te) {
		return err
	}
	var keep []string
	for _, m := range te.Errors {
		if !strings.Contains(m, "${") {
			keep = append(keep, m)
		}
	}
	if len(keep) == 0 {
		return nil
	}
	return &yaml.TypeError{Errors: keep}
}

// expandNodes replaces ${VAR} references in every scalar of the tree. A
// plain scalar is re-resolved after expansion, so `port: ${PORT}` can
// still be a number.
func expandNodes(file string, n *yaml.Node, path string, lookup func(string) (string, bool)) Errors {
	var errs Errors
	switch n.Kind {
	case yaml.DocumentNode:
		for _, c := range n.Content {
			errs = append(errs, expandNodes(file, c, path, lookup)...)
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			key := n.Content[i].Value
			if path != "" {
				key = path + "." + key
			}
			errs = append(errs, expandNodes(file, n.Content[i+1], key, lookup)...)
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			errs = append(errs, expandNodes(file, c, fmt.Sprintf("%s[%d]", path, i), lookup)...)
		}
	case yaml.ScalarNode:
		if !strings.Contains(n.Value, "${") {
			return nil
		}
		out, err := expandEnv(n.Value, lookup)
		if err != nil {
			return Errors{{File: file, Line: n.Line, Field: path, Msg: err.Error()}}
		}
		n.Value = out
		if n.Style == 0 {
			n.Tag = ""
		}
	}
	return errs
}

var envRef = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)(:-([^}]*))?\}`)

// expandEnv replaces ${VAR} and ${VAR:-default}. A variable that is not set
// and has no default is an error: a silently empty password is worse.
func expandEnv(s string, lookup func(string) (string, bool)) (string, error) {
	if !strings.Contains(s, "${") {
		return s, nil
	}
	var missing []string
	out := envRef.ReplaceAllStringFunc(s, func(ref string) string {
		sm := envRef.FindStringSubmatch(ref)
		if v, ok := lookup(sm[1]); ok {
			return v
		}
		if sm[2] != "" {
			return sm[3]
		}
		missing = append(missing, sm[1])
		return ""
	})
	if len(missing) > 0 {
		return "", fmt.Errorf("environment variable %s is not set", strings.Join(missing, ", "))
	}
	return out, nil
}

// positions finds the line of a field in the parsed document.
type positions struct{ root *yaml.Node }

// line returns the line of the value at path (map keys as strings, sequence
// indexes as ints), or of the deepest part of it that exists.
func (p *positions) line(path ...any) int {
	if p == nil || p.root == nil || len(p.root.Content) == 0 {
		return 0
	}
	n := p.root.Content[0]
	line := n.Line
	for _, step := range path {
		switch s := step.(type) {
		case string:
			if n.Kind != yaml.MappingNode {
				return line
			}
			found := false
			for i := 0; i+1 < len(n.Content); i += 2 {
				if n.Content[i].Value == s {
					line = n.Content[i].Line
					n = n.Content[i+1]
					found = true
					break
				}
			}
			if !found {
				return line
			}
		case int:
			if n.Kind != yaml.SequenceNode || s >= len(n.Content) {
				return line
			}
			n = n.Content[s]
			line = n.Line
		}
	}
	return line
}

func (c *Config) validate(name string, p *positions) Errors {
	var errs Errors
	bad := func(field, msg string, path ...any) {
		errs = append(errs, &Error{File: name, Line: p.line(path...), Field: field, Msg: msg})
	}
	if c.Interval < 100_000_000 {
		bad("interval", fmt.Sprintf("%v is too short: use 100ms or more", c.Interval), "interval")
	}
	seen := map[string]int{}
	names := map[[3]string]int{} // gateway, group, name → first index
	for i, u := range c.Upstreams {
		f := func(s string) string { return fmt.Sprintf("upstreams[%d].%s", i, s) }
		var probeErr error
		if u.Probe != "" {
			if probeErr = checkProbeURL(u.Probe); probeErr != nil {
				bad(f("probe"), probeErr.Error(), "upstreams", i, "probe")
			}
		}
		switch {
		case u.Address == "":
			bad(f("address"), "missing: give the address as the gateway logs it (10.0.0.1:8080) or a probe URL to take it from", "upstreams", i)
		case probeErr != nil && u.Address == AddressOf(u.Probe):
			// taken from the probe URL, whose error says it
		default:
			if err := checkUpstreamAddress(u.Address); err != nil {
				bad(f("address"), err.Error(), "upstreams", i, "address")
			}
		}
		if j, dup := seen[u.Gateway+" "+u.Address]; dup && u.Address != "" {
			bad(f("address"), fmt.Sprintf("%s is already upstreams[%d]", u.Address, j), "upstreams", i, "address")
		}
		seen[u.Gateway+" "+u.Address] = i
		// Members of one group may share its name (discovery names an
		// Envoy cluster's endpoints after the cluster); elsewhere a name
		// is one upstream's.
		if key := [3]string{u.Gateway, u.Group, u.Name}; u.Name != "" && u.Group == "" {
			if j, dup := names[key]; dup {
				bad(f("name"), dupName(u, j, p), "upstreams", i, "name")
			} else {
				names[key] = i
			}
		}
		if u.Gateway != "" && c.Instance(u.Gateway) == nil {
			bad(f("gateway"), fmt.Sprintf("%q is not a gateway section of this configuration (have: %s)", u.Gateway, strings.Join(c.instances(), ", ")), "upstreams", i, "gateway")
		}
		if _, err := ParseExpect(u.Expect); err != nil {
			bad(f("expect"), err.Error(), "upstreams", i, "expect")
		}
		if u.CAFile != "" {
			if _, err := os.Stat(u.CAFile); err != nil {
				bad(f("ca_file"), err.Error(), "upstreams", i, "ca_file")
			}
		}
		if u.Resolver != "" {
			if _, port, err := net.SplitHostPort(u.Resolver); err != nil {
				bad(f("resolver"), fmt.Sprintf("%q: want HOST:PORT of a DNS server", redact.String(u.Resolver)), "upstreams", i, "resolver")
			} else if err := checkPort(u.Resolver, port); err != nil {
				bad(f("resolver"), err.Error(), "upstreams", i, "resolver")
			}
		}
		if u.Timeout < 0 {
			bad(f("timeout"), "must be positive", "upstreams", i, "timeout")
		}
	}
	for i, a := range c.Apps {
		f := func(s string) string { return fmt.Sprintf("apps[%d].%s", i, s) }
		if a.Log == "" {
			bad(f("log"), "missing: which log file does the app server write?", "apps", i)
		}
		if !slices.Contains(AppKinds, a.Kind) {
			bad(f("kind"), fmt.Sprintf("%q: want one of %s", a.Kind, strings.Join(AppKinds, ", ")), "apps", i, "kind")
		}
		if a.Address != "" {
			if err := checkAppAddress(a.Address); err != nil {
				bad(f("address"), err.Error(), "apps", i, "address")
			}
		}
	}
	c.validateAlerts(bad)
	c.validatePrometheus(bad)
	for _, g := range c.Gateways {
		g.Section.Validate(&Check{kind: g.Name, file: name, pos: p, errs: &errs})
	}
	return errs
}

// validateAlerts checks alerts: and alert_after:. A webhook URL is a
// secret: its errors name its scheme and host at most, never its path,
// query or userinfo.
func (c *Config) validateAlerts(bad func(field, msg string, path ...any)) {
	if c.AlertAfter < 0 {
		bad("alert_after", fmt.Sprintf("%v is negative: use 0s to alert at once, or a duration like 30s", c.AlertAfter), "alert_after")
	}
	for i, a := range c.Alerts {
		f := func(s string) string { return fmt.Sprintf("alerts[%d].%s", i, s) }
		n := 0
		if a.Webhook != "" {
			n++
		}
		if len(a.Command) > 0 {
			n++
		}
		if a.Bell {
			n++
		}
		if n != 1 {
			bad(fmt.Sprintf("alerts[%d]", i), "give exactly one of webhook: URL, command: [PROGRAM, ARGS…] or bell: true (one alert per list item)", "alerts", i)
		}
		if a.Webhook != "" {
			if err := checkWebhook(a.Webhook); err != nil {
				bad(f("webhook"), err.Error(), "alerts", i, "webhook")
			}
		}
		if len(a.Command) > 0 {
			if a.Command[0] == "" {
				bad(f("command"), "the program (the list's first item) is empty", "alerts", i, "command")
			} else if _, err := exec.LookPath(a.Command[0]); err != nil {
				bad(f("command"), fmt.Sprintf("%q: %v", a.Command[0], unwrapExec(err)), "alerts", i, "command")
			}
		}
		for j, st := range a.On {
			if !slices.Contains(AlertStates, st) {
				bad(f("on"), fmt.Sprintf("%q: want %s (recoveries are alerted by themselves)", truncate(st, 20), strings.Join(AlertStates, " or ")), "alerts", i, "on", j)
			}
		}
		if a.Timeout < 0 {
			bad(f("timeout"), "must be positive", "alerts", i, "timeout")
		}
	}
}

// checkWebhook accepts an http(s) URL with a host. Its errors never quote
// the URL: its path or query is often the token.
func checkWebhook(s string) error {
	u, err := url.Parse(s)
	if err != nil {
		return errors.New("not a URL (the URL is a secret and is not quoted)")
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("scheme %q: want https:// (or http://)", truncate(u.Scheme, 20))
	}
	if u.Host == "" {
		return fmt.Errorf("%s:// URL with no host", u.Scheme)
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.ParseUint(p, 10, 16); err != nil || n == 0 {
			return fmt.Errorf("%s://%s: the port is not a number from 1 to 65535", u.Scheme, u.Hostname())
		}
	}
	return nil
}

// unwrapExec drops exec.Error's and a stat's quoting of the name, said
// already.
func unwrapExec(err error) error {
	var ee *exec.Error
	if errors.As(err, &ee) {
		err = ee.Err
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	return err
}

// dupName says which upstream of the same gateway already has u's name.
func dupName(u Upstream, first int, p *positions) string {
	msg := fmt.Sprintf("%q is already the name of upstreams[%d]", u.Name, first)
	if l := p.line("upstreams", first); l > 0 {
		msg += fmt.Sprintf(" (line %d)", l)
	}
	return msg + ": give each upstream its own name (a name is the row's label)"
}

// checkAppAddress accepts HOST:PORT or unix:PATH.
func checkAppAddress(s string) error {
	if p, ok := strings.CutPrefix(s, "unix:"); ok && p != "" {
		return nil
	}
	if _, _, err := net.SplitHostPort(s); err != nil {
		return fmt.Errorf("%q: want HOST:PORT or unix:PATH, as upstreams write it", redact.String(s))
	}
	return CheckHostPort(s)
}

// checkUpstreamAddress checks the port of an upstream's HOST:PORT; other
// forms (unix:PATH, a name the gateway logs) are left as they are written.
func checkUpstreamAddress(s string) error {
	if strings.HasPrefix(s, "unix:") {
		return nil
	}
	if _, _, err := net.SplitHostPort(s); err != nil {
		return nil
	}
	return CheckHostPort(s)
}

// CheckHostPort accepts HOST:PORT with a port from 1 to 65535.
func CheckHostPort(s string) error {
	_, port, err := net.SplitHostPort(s)
	if err != nil {
		return fmt.Errorf("%q: want HOST:PORT", redact.String(s))
	}
	return checkPort(s, port)
}

// checkPort accepts a port number from 1 to 65535 (what was written is
// quoted, redacted, in the error).
func checkPort(written, port string) error {
	if n, err := strconv.ParseUint(port, 10, 16); err != nil || n == 0 {
		if strings.ContainsAny(port, "@/") {
			// "host:secret@": the "port" is someone's password.
			return fmt.Errorf("%q: the port is not a number from 1 to 65535", redact.String(written))
		}
		return fmt.Errorf("%q: port %q is not a number from 1 to 65535", redact.String(written), truncate(port, 20))
	}
	return nil
}

// truncate shortens s to at most n bytes (a port of a thousand digits is
// not worth quoting whole).
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// CheckHostPortOrURL accepts HOST:PORT or an http(s) URL (an admin API
// address).
func CheckHostPortOrURL(s string) error {
	if strings.Contains(s, "://") {
		return CheckHTTPURL(s)
	}
	if _, _, err := net.SplitHostPort(s); err != nil {
		return fmt.Errorf("%q: want HOST:PORT or http://HOST:PORT", redact.String(s))
	}
	return CheckHostPort(s)
}

func checkProbeURL(s string) error {
	u, err := url.Parse(s)
	if err != nil {
		return fmt.Errorf("not a URL: %v", unwrapURL(err))
	}
	switch u.Scheme {
	case "http", "https", "tcp":
	default:
		return fmt.Errorf("scheme %q not supported: use http://, https:// or tcp://HOST:PORT", u.Scheme)
	}
	if u.Host == "" {
		return fmt.Errorf("%q has no host", redact.String(s))
	}
	if u.Scheme == "tcp" && u.Port() == "" {
		return fmt.Errorf("%q needs a port: tcp://HOST:PORT", redact.String(s))
	}
	if p := u.Port(); p != "" {
		return checkPort(s, p)
	}
	return nil
}

// CheckHTTPURL accepts an http:// or https:// URL with a host; its error
// never quotes a password.
func CheckHTTPURL(s string) error {
	u, err := url.Parse(s)
	if err != nil {
		return fmt.Errorf("not a URL: %v", unwrapURL(err))
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%q is not an http:// or https:// URL", redact.String(s))
	}
	if p := u.Port(); p != "" {
		return checkPort(s, p)
	}
	return nil
}

func unwrapURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}
