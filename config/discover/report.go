package discover

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"reflect"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gwtop/gwtop/config"
	"github.com/gwtop/gwtop/redact"
	"gopkg.in/yaml.v3"
)

// report accumulates the configuration and, for every item, why it is
// there; it renders both as commented YAML.
type report struct {
	cfg      config.Config
	upWhy    []string            // parallel to cfg.Upstreams
	field    map[string]string   // "nginx.access_log" → where it came from
	head     map[string][]string // section → comment lines above it
	notes    []string            // what could not be used, for Result.Notes
	topNotes []string            // notes not tied to a section
	found    []Gateway
	// instance is the gateway instance whose finder runs ("nginx",
	// "nginx@2"): its section, fields, notes and upstreams are that
	// instance's.
	instance string
	env      map[string]string
	byAddr   map[string]int
}

func newReport() *report {
	return &report{field: map[string]string{}, head: map[string][]string{}, env: map[string]string{}, byAddr: map[string]int{}}
}

// Note records something discovery could not use; section places it above
// that part of the YAML ("" for the top).
func (r *report) Note(section, format string, args ...any) {
	section = r.in(section)
	msg := fmt.Sprintf(format, args...)
	if section == "" {
		r.topNotes = append(r.topNotes, msg)
		r.notes = append(r.notes, msg)
		return
	}
	r.head[section] = append(r.head[section], msg)
	r.notes = append(r.notes, section+": "+msg)
}

// Explain adds a comment line above a section that is not a problem.
func (r *report) Explain(section, format string, args ...any) {
	section = r.in(section)
	r.head[section] = append(r.head[section], fmt.Sprintf(format, args...))
}

// AddUpstream adds an upstream unless its address is already there (gwtop
// keys upstreams by address); why says where it came from.
func (r *report) AddUpstream(u config.Upstream, why string) {
	if u.Gateway == "" {
		u.Gateway = r.instance
	}
	// An address a gateway's configuration (or a fuzzer) wrote that is
	// no host — credentials in it, a path, spaces — is noted, never
	// listed: it could carry a password into the YAML.
	if !strings.HasPrefix(u.Address, "unix:") {
		host, _, err := net.SplitHostPort(u.Address)
		if err != nil || host == "" || strings.ContainsAny(host, "@/ \t\r\n\\?#") {
			r.Note("upstreams", "skipped %s (%s): not a HOST:PORT address", noSecret(u.Address), redact.String(why))
			return
		}
	}
	if i, dup := r.byAddr[u.Gateway+" "+u.Address]; dup {
		prev := r.cfg.Upstreams[i]
		r.upWhy[i] += fmt.Sprintf("; also %s (%s)", why, u.Name)
		if prev.Probe == "" && u.Probe != "" {
			r.cfg.Upstreams[i].Probe = u.Probe
		}
		return
	}
	r.byAddr[u.Gateway+" "+u.Address] = len(r.cfg.Upstreams)
	r.cfg.Upstreams = append(r.cfg.Upstreams, u)
	r.upWhy = append(r.upWhy, why)
}

func (r *report) result() (*Result, error) {
	res := &Result{Notes: r.notes, Found: r.found, env: r.env}
	if r.cfg.Empty() {
		return nil, &NotFoundError{Found: r.found, Notes: r.notes}
	}
	r.cfg.Interval = config.DefaultInterval
	r.cfg.Source = "discovered"
	cfg := r.cfg
	res.Config = &cfg
	r.dropCredentials()
	cfg = r.cfg
	res.Config = &cfg
	out, err := r.render()
	if err != nil {
		return nil, err
	}
	res.YAML = out
	// What discovery prints must be what gwtop can load. A value a
	// gateway's configuration holds that gwtop refuses (a server on port
	// 0, a stats URL that is no URL, two upstreams of one name) is
	// dropped with a note saying why, and the rest kept; anything else
	// that does not load is a discovery bug, reported with the text.
	for range 8 {
		_, err := res.Load(func(string) (string, bool) { return "", false })
		if err == nil {
			return res, nil
		}
		if !r.repair(err) {
			return nil, fmt.Errorf("discovered configuration does not load (a gwtop bug): %v\n%s", err, out)
		}
		cfg := r.cfg
		res.Config, res.Notes = &cfg, r.notes
		if res.Config.Empty() {
			return nil, &NotFoundError{Found: r.found, Notes: r.notes}
		}
		if out, err = r.render(); err != nil {
			return nil, err
		}
		res.YAML = out
	}
	return nil, fmt.Errorf("discovered configuration does not load (a gwtop bug): repairs did not end\n%s", out)
}

// repair drops what a load error names: an upstream (upstreams[i].…), or a
// scalar field of a section (KIND.FIELD); a second upstream of an existing
// name gets a numbered one. It reports whether it changed anything.
func (r *report) repair(err error) bool {
	var es config.Errors
	if !errors.As(err, &es) {
		return false
	}
	changed := false
	drop := map[int]bool{}
	for _, e := range es {
		var i int
		var rest string
		if n, _ := fmt.Sscanf(e.Field, "upstreams[%d]%s", &i, &rest); n >= 1 && i >= 0 && i < len(r.cfg.Upstreams) {
			if rest == ".name" && strings.Contains(e.Msg, "already the name") {
				r.cfg.Upstreams[i].Name = fmt.Sprintf("%s (%d)", r.cfg.Upstreams[i].Name, i+1)
				changed = true
				continue
			}
			if !drop[i] {
				drop[i] = true
				r.Note("upstreams", "skipped %s: %s", noSecret(r.cfg.Upstreams[i].Address), unquoted(e.Msg))
			}
			continue
		}
		if inst, field, ok := strings.Cut(e.Field, "."); ok && r.clearField(inst, field) {
			r.Note(inst, "left out %s: %s", field, unquoted(e.Msg))
			changed = true
		}
	}
	if len(drop) > 0 {
		var ups []config.Upstream
		var whys []string
		for i, u := range r.cfg.Upstreams {
			if !drop[i] {
				ups = append(ups, u)
				whys = append(whys, r.upWhy[i])
			}
		}
		r.cfg.Upstreams, r.upWhy = ups, whys
		r.byAddr = map[string]int{}
		for i, u := range ups {
			r.byAddr[u.Gateway+" "+u.Address] = i
		}
		changed = true
	}
	return changed
}

// withPassword is a URL's or an address's userinfo with a password
// ("user:PW@", ":PW@"): discovery writes secrets as ${VAR}, never in a
// field.
var withPassword = regexp.MustCompile(`:[^:@/\s"]+@`)

// dropCredentials clears every string field of every section whose value
// carries a password in userinfo (a gateway's configuration may write an
// address that way, or be mistyped so), with a note that names the field,
// not the value.
func (r *report) dropCredentials() {
	kept := r.cfg.Gateways[:0]
	for _, g := range r.cfg.Gateways {
		v := reflect.ValueOf(g.Section)
		if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
			kept = append(kept, g)
			continue
		}
		v = v.Elem()
		cleared := false
		for i := range v.NumField() {
			f := v.Type().Field(i)
			if f.Type.Kind() != reflect.String || !withPassword.MatchString(v.Field(i).String()) {
				continue
			}
			name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
			v.Field(i).SetString("")
			cleared = true
			r.Note(g.Name, "left out %s: it carries a password in the address; give it in the configuration file with ${VAR}", name)
		}
		if cleared && g.Section.Empty() {
			r.Note(g.Name, "nothing left to watch of it")
			continue
		}
		kept = append(kept, g)
	}
	r.cfg.Gateways = kept
}

// quotedValue is a value an error message quotes.
var quotedValue = regexp.MustCompile(`"(?:[^"\\]|\\.)*"`)

// unquoted is a load error's message without the values it quotes: a value
// gwtop refused came from a gateway's configuration, and a mistyped one
// may hold a password no redaction rule recognises ("0#:PW@0" as a port).
// The field name says which value it was.
func unquoted(msg string) string {
	return quotedValue.ReplaceAllString(redact.String(msg), `"…"`)
}

// noSecret is an address as a note may print it: with an '@' it may carry
// credentials, and is not printed.
func noSecret(addr string) string {
	if strings.Contains(addr, "@") {
		return "(an address with '@', not printed)"
	}
	return redact.String(addr)
}

// clearField empties the string field of instance's section whose yaml
// name is field (a top-level scalar only).
func (r *report) clearField(instance, field string) bool {
	sec := r.cfg.Instance(instance)
	if sec == nil || strings.ContainsAny(field, ".[") {
		return false
	}
	v := reflect.ValueOf(sec)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
		return false
	}
	v = v.Elem()
	for i := range v.NumField() {
		f := v.Type().Field(i)
		if name, _, _ := strings.Cut(f.Tag.Get("yaml"), ","); name == field && f.Type.Kind() == reflect.String && v.Field(i).String() != "" {
			v.Field(i).SetString("")
			return true
		}
	}
	return false
}

func str(v string) *yaml.Node {
	n := &yaml.Node{}
	_ = n.Encode(v) // a string always encodes
	return n
}

func key(k string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: k} }

// comment turns lines into one YAML comment block. Text a gateway's
// configuration put in a line (a name with control characters) is
// escaped: YAML allows none in a comment, and a terminal would act on it.
func comment(lines []string) string {
	var out []string
	for _, l := range lines {
		for _, s := range strings.Split(l, "\n") {
			out = append(out, "# "+printable(s))
		}
	}
	return strings.Join(out, "\n")
}

// printable escapes control characters (C0 but tab, DEL, C1), bidi
// overrides and invalid UTF-8 as \xNN or \uNNNN.
func printable(s string) string {
	clean := true
	for _, r := range s {
		if unsafeRune(r) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for i, r := range s {
		switch {
		case r == utf8.RuneError && !strings.HasPrefix(s[i:], "\uFFFD"):
			fmt.Fprintf(&b, "\\x%02x", s[i])
		case unsafeRune(r):
			if r < 0x100 {
				fmt.Fprintf(&b, "\\x%02x", r)
			} else {
				fmt.Fprintf(&b, "\\u%04x", r)
			}
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func unsafeRune(r rune) bool {
	return (r < 0x20 && r != '\t') || (r >= 0x7f && r < 0xa0) || r == utf8.RuneError ||
		(r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069) || r == 0x200e || r == 0x200f || r == 0xfeff
}

// mapping builds a mapping from key/value pairs, skipping empty values; a
// field comment from r.field[prefix+key] goes at the end of the line.
func (r *report) mapping(prefix string, kv ...string) *yaml.Node {
	m := &yaml.Node{Kind: yaml.MappingNode}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == "" {
			continue
		}
		v := str(kv[i+1])
		if why := r.field[prefix+kv[i]]; why != "" {
			v.LineComment = comment([]string{why})
		}
		m.Content = append(m.Content, key(kv[i]), v)
	}
	return m
}

func (r *report) render() ([]byte, error) {
	root := &yaml.Node{Kind: yaml.MappingNode}
	head := []string{
		"gwtop configuration found by `gwtop discover`.",
		"Save it, edit it, and run: gwtop --config FILE",
	}
	for _, g := range r.found {
		state := "read"
		if !g.Used {
			state = "not read"
		}
		cf := ""
		if g.Config != "" {
			cf = ", " + g.Config
		}
		switch {
		case g.NotRunning:
			head = append(head, fmt.Sprintf("%s is NOT running: read its configuration %s; its logs are watched, probes and the status page will fail until it starts", g.Kind, g.Config))
		case g.PID == 0:
			head = append(head, fmt.Sprintf("read %s configuration %s", g.Kind, g.Config))
		default:
			head = append(head, fmt.Sprintf("found %s pid %d%s (%s)", g.Kind, g.PID, cf, state))
		}
	}
	if len(r.topNotes) > 0 {
		head = append(head, "notes:")
		for _, n := range r.topNotes {
			head = append(head, "  - "+n)
		}
	}
	iv := str(r.cfg.Interval.String())
	iv.LineComment = "# the default: how often gwtop probes and reads status pages"
	k := key("interval")
	k.HeadComment = comment(head)
	root.Content = append(root.Content, k, iv)

	if len(r.cfg.Upstreams) > 0 || len(r.head["upstreams"]) > 0 {
		seq := &yaml.Node{Kind: yaml.SequenceNode}
		for i, u := range r.cfg.Upstreams {
			gw := ""
			if len(r.cfg.Gateways) > 1 {
				gw = u.Gateway // with one gateway, every upstream is its
			}
			m := r.mapping("", "name", u.Name, "address", u.Address, "gateway", gw, "group", u.Group, "probe", u.Probe, "expect", u.Expect)
			if u.Insecure {
				m.Content = append(m.Content, key("insecure"), &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: "true"})
			}
			m.HeadComment = comment([]string{r.upWhy[i]})
			seq.Content = append(seq.Content, m)
		}
		k := key("upstreams")
		k.HeadComment = comment(r.head["upstreams"])
		if len(seq.Content) == 0 {
			seq.Style = yaml.FlowStyle
		}
		root.Content = append(root.Content, k, seq)
	}
	section := func(name string, present bool, kv ...string) *yaml.Node {
		if !present {
			if lines := r.head[name]; len(lines) > 0 {
				// Say why the section is missing, as a comment at the end.
				root.FootComment = joinComments(root.FootComment, comment(append([]string{name + ": not configured"}, indent(lines)...)))
			}
			return nil
		}
		k := key(name)
		k.HeadComment = comment(r.head[name])
		m := r.mapping(name+".", kv...)
		root.Content = append(root.Content, k, m)
		return m
	}
	for _, kind := range config.KindNames() {
		present := false
		for _, g := range r.cfg.Gateways {
			if g.Kind != kind {
				continue
			}
			present = true
			k := key(g.Name)
			k.HeadComment = comment(r.head[g.Name])
			root.Content = append(root.Content, k, r.node(g.Name+".", reflect.ValueOf(g.Section)))
		}
		if !present {
			section(kind, false)
		}
	}
	doc := &yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{root}}
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(doc); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// node renders a section's value as YAML: struct fields by their yaml
// tags, empty ones left out, each with the comment SetField gave it (a
// field's key is prefix+tag; a list item's prefix+tag+"[i]").
func (r *report) node(prefix string, v reflect.Value) *yaml.Node {
	for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
		if v.IsNil() {
			return str("")
		}
		v = v.Elem()
	}
	switch v.Kind() {
	case reflect.Struct:
		m := &yaml.Node{Kind: yaml.MappingNode}
		t := v.Type()
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			tag, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
			if tag == "" || tag == "-" || !f.IsExported() {
				continue
			}
			fv := v.Field(i)
			if fv.IsZero() || (fv.Kind() == reflect.Slice && fv.Len() == 0) {
				continue
			}
			field := prefix + tag
			var val *yaml.Node
			if fv.Kind() == reflect.Slice {
				seq := &yaml.Node{Kind: yaml.SequenceNode}
				for j := 0; j < fv.Len(); j++ {
					item := r.node("", fv.Index(j))
					why := r.field[fmt.Sprintf("%s[%d]", field, j)]
					if why != "" {
						if item.Kind == yaml.MappingNode {
							item.HeadComment = comment([]string{"from " + why})
						} else {
							item.LineComment = comment([]string{why})
						}
					}
					seq.Content = append(seq.Content, item)
				}
				val = seq
			} else {
				val = r.node(field+".", fv)
				if why := r.field[field]; why != "" {
					val.LineComment = comment([]string{why})
				}
			}
			m.Content = append(m.Content, key(tag), val)
		}
		return m
	case reflect.Bool:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: fmt.Sprint(v.Bool())}
	case reflect.Int, reflect.Int64:
		if d, ok := v.Interface().(time.Duration); ok {
			return str(d.String())
		}
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: fmt.Sprint(v.Int())}
	}
	return str(fmt.Sprint(v.Interface()))
}

// in maps a section or field name of a kind ("nginx", "nginx.access_log")
// to the instance being read ("nginx@2", "nginx@2.access_log").
func (r *report) in(name string) string {
	if r.instance == "" || !strings.Contains(r.instance, "@") {
		return name
	}
	kind := config.KindOf(r.instance)
	switch {
	case name == kind:
		return r.instance
	case strings.HasPrefix(name, kind+"."):
		return r.instance + name[len(kind):]
	}
	return name
}

func indent(lines []string) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = "  " + l
	}
	return out
}

func joinComments(a, b string) string {
	if a == "" {
		return b
	}
	return a + "\n\n" + b
}
