package discover

import (
	"bytes"
	"fmt"
	"reflect"
	"strings"
	"time"

	"github.com/gwtop/gwtop/config"
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
	out, err := r.render()
	if err != nil {
		return nil, err
	}
	res.YAML = out
	// What discovery prints must be what gwtop can load: a failure here is
	// a discovery bug, reported with the text so it can be fixed.
	if _, err := res.Load(func(string) (string, bool) { return "", false }); err != nil {
		return nil, fmt.Errorf("discovered configuration does not load (a gwtop bug): %v\n%s", err, out)
	}
	return res, nil
}

func str(v string) *yaml.Node {
	n := &yaml.Node{}
	_ = n.Encode(v) // a string always encodes
	return n
}

func key(k string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: k} }

// comment turns lines into one YAML comment block.
func comment(lines []string) string {
	var out []string
	for _, l := range lines {
		for _, s := range strings.Split(l, "\n") {
			out = append(out, "# "+s)
		}
	}
	return strings.Join(out, "\n")
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
