package config

import (
	"fmt"
	"sort"
	"strings"
	"sync"
)

// Section is one gateway kind's part of the configuration (`nginx:`,
// `haproxy:`, …). The kind's own package defines it as a struct with yaml
// tags; config decodes it strictly (unknown fields are errors with their
// line), fills its defaults and asks it to validate itself, but never
// names a kind.
type Section interface {
	// Defaults fills what was left out (a log format, a default address).
	Defaults()
	// Validate reports every problem through c; c knows the section's
	// name and the file's positions.
	Validate(c *Check)
	// Empty reports whether the section watches nothing.
	Empty() bool
}

// Flag is a quick command-line flag that sets one field of a section, so
// that a kind can be watched without a file (--nginx-status URL).
type Flag struct {
	Name  string // without dashes: "nginx-status"
	Usage string
	// Field is the section's field it sets, as validation names it
	// ("status_url"): an error in that field is reported as the flag.
	Field string
	Set   func(s Section, value string)
}

// Kind is what config knows of one gateway kind: its section's name in the
// file, how to make an empty one, and its quick flags. The kind's package
// registers it (through the gateway registry) before main runs.
type Kind struct {
	Name  string // the section's key in the YAML file: "nginx"
	New   func() Section
	Flags []Flag
	// Rank orders the kinds (lowest first) in the configuration, in
	// discovery's output and in messages; init functions run in import
	// path order, which says nothing.
	Rank int
}

var (
	kindsMu sync.RWMutex
	kinds   []Kind
)

// RegisterKind adds a kind; kinds are kept in Rank order (then by name).
// Registering a name twice is a programming error.
func RegisterKind(k Kind) {
	kindsMu.Lock()
	defer kindsMu.Unlock()
	if k.Name == "" || k.New == nil {
		panic("config: RegisterKind needs a name and a constructor")
	}
	for _, o := range kinds {
		if o.Name == k.Name {
			panic(fmt.Sprintf("config: kind %q registered twice", k.Name))
		}
	}
	kinds = append(kinds, k)
	sort.SliceStable(kinds, func(i, j int) bool {
		if kinds[i].Rank != kinds[j].Rank {
			return kinds[i].Rank < kinds[j].Rank
		}
		return kinds[i].Name < kinds[j].Name
	})
	structType.Store(nil) // the decoding type is built anew with this kind
}

// Kinds lists the registered kinds in Rank order.
func Kinds() []Kind {
	kindsMu.RLock()
	defer kindsMu.RUnlock()
	return append([]Kind(nil), kinds...)
}

func kindByName(name string) (Kind, bool) {
	kindsMu.RLock()
	defer kindsMu.RUnlock()
	for _, k := range kinds {
		if k.Name == name {
			return k, true
		}
	}
	return Kind{}, false
}

// KindNames lists the registered kinds' names, for messages.
func KindNames() []string {
	var out []string
	for _, k := range Kinds() {
		out = append(out, k.Name)
	}
	return out
}

// Gateway is one section of the configuration: a gateway instance.
type Gateway struct {
	Kind string
	// Name is the instance: the kind's name for its first section
	// ("nginx"), KIND@LABEL for more instances of the kind on the same host
	// ("nginx@internal"), as the section's key in the YAML file. Upstream
	// rows, gateway rows and upstreams[].gateway carry it.
	Name    string
	Section Section
}

// KindOf returns the kind of an instance name: "nginx" for "nginx@internal".
func KindOf(instance string) string {
	k, _, _ := strings.Cut(instance, "@")
	return k
}

// validLabel reports whether an instance label (after the @) is a word.
func validLabel(l string) bool {
	if l == "" || len(l) > 64 {
		return false
	}
	for _, c := range l {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

// Section returns the configuration's main section of a kind (its first
// instance, named as the kind), or nil.
func (c *Config) Section(kind string) Section { return c.Instance(kind) }

// Instance returns the section of a gateway instance by name, or nil.
func (c *Config) Instance(name string) Section {
	for _, g := range c.Gateways {
		if g.Name == name {
			return g.Section
		}
	}
	return nil
}

// Ensure returns the main section of a kind, adding an empty one when the
// configuration has none. It panics for a kind nobody registered.
func (c *Config) Ensure(kind string) Section {
	if s := c.Section(kind); s != nil {
		return s
	}
	k, ok := kindByName(kind)
	if !ok {
		panic(fmt.Sprintf("config: no kind %q registered", kind))
	}
	s := k.New()
	c.SetSection(kind, s)
	return s
}

// SetSection puts a section in place of an instance's (or adds it), named
// as the kind or KIND@LABEL, keeping the sections in kind order, then by
// name.
func (c *Config) SetSection(name string, s Section) {
	for i, g := range c.Gateways {
		if g.Name == name {
			c.Gateways[i].Section = s
			return
		}
	}
	c.Gateways = append(c.Gateways, Gateway{Kind: KindOf(name), Name: name, Section: s})
	order := map[string]int{}
	for i, k := range Kinds() {
		order[k.Name] = i
	}
	less := func(a, b Gateway) bool {
		if order[a.Kind] != order[b.Kind] {
			return order[a.Kind] < order[b.Kind]
		}
		return a.Name < b.Name // "nginx" before "nginx@…"
	}
	// Few sections: an insertion step keeps them in order.
	for i := len(c.Gateways) - 1; i > 0 && less(c.Gateways[i], c.Gateways[i-1]); i-- {
		c.Gateways[i], c.Gateways[i-1] = c.Gateways[i-1], c.Gateways[i]
	}
}

// SectionOf returns the configuration's section of a kind as its concrete
// type, or nil: SectionOf[*nginx.Config](cfg, "nginx").
func SectionOf[T Section](c *Config, kind string) T {
	var zero T
	s, ok := c.Section(kind).(T)
	if !ok {
		return zero
	}
	return s
}

// Check collects the problems of one section, each with the file, the
// line and the field's full name.
type Check struct {
	kind string
	file string
	pos  *positions
	errs *Errors
}

// Bad reports a problem with field (relative to the section, e.g.
// "status_url" or "access_logs[1].path"; "" for the section as a whole).
// path locates it in the file, relative to the section: "access_logs", 2.
func (c *Check) Bad(field, msg string, path ...any) {
	full := c.kind
	if field != "" {
		full += "." + field
	}
	*c.errs = append(*c.errs, &Error{File: c.file, Line: c.pos.line(append([]any{c.kind}, path...)...), Field: full, Msg: msg})
}

// instances lists the configuration's gateway instances.
func (c *Config) instances() []string {
	var out []string
	for _, g := range c.Gateways {
		out = append(out, g.Name)
	}
	if len(out) == 0 {
		out = []string{"none"}
	}
	return out
}
