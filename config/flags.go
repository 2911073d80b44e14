package config

import (
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/gwtop/gwtop/redact"
	"github.com/spf13/pflag"
)

// Quick holds the quick flags of the design (../shared/DESIGN.md), which work with or without a
// file: the common ones here, and each registered kind's own (Kind.Flags).
type Quick struct {
	ConfigFile string
	Probes     probeFlags
	Interval   time.Duration
	FromStart  bool
	// kindFlags holds the value of every kind's flag, by flag name.
	kindFlags map[string]*string
}

// FlagGroup is the annotation key that sorts a flag into a section of the
// command line's help ("sources", "screen", "behaviour").
const FlagGroup = "gwtop_group"

// Register adds the quick flags to fs: what to watch in the "sources" group
// of the help, how often and from where in "behaviour".
func (q *Quick) Register(fs *pflag.FlagSet) {
	fs.StringVarP(&q.ConfigFile, "config", "c", "", "configuration file (YAML)")
	fs.VarP(&q.Probes, "probe", "p", "probe an upstream: NAME=URL (http://, https://, tcp://HOST:PORT); repeatable")
	group(fs, "sources", "config", "probe")
	q.kindFlags = map[string]*string{}
	for _, k := range Kinds() {
		for _, f := range k.Flags {
			v := new(string)
			q.kindFlags[f.Name] = v
			fs.StringVar(v, f.Name, "", f.Usage)
			group(fs, "sources", f.Name)
		}
	}
	fs.DurationVarP(&q.Interval, "interval", "i", 0, "probe and scrape interval, 100ms or more (default 1s)")
	fs.BoolVar(&q.FromStart, "from-start", false, "read logs from the beginning instead of the end")
	group(fs, "behaviour", "interval", "from-start")
}

// group annotates flags with their help section.
func group(fs *pflag.FlagSet, name string, flags ...string) {
	for _, f := range flags {
		_ = fs.SetAnnotation(f, FlagGroup, []string{name}) // the flag was just defined
	}
}

// Set sets a kind's quick flag by name, as if it had been given on the
// command line (tests, and commands that build a Quick by hand).
func (q *Quick) Set(name, value string) {
	if q.kindFlags == nil {
		q.kindFlags = map[string]*string{}
	}
	v := value
	q.kindFlags[name] = &v
}

// TargetFlags lists every quick flag that names something to watch, with
// dashes, for messages ("nothing to watch: give …").
func TargetFlags() []string {
	out := []string{"--probe NAME=URL"}
	for _, k := range Kinds() {
		for _, f := range k.Flags {
			out = append(out, "--"+f.Name)
		}
	}
	return out
}

type probeFlags []string

func (p *probeFlags) String() string { return strings.Join(*p, ",") }
func (p *probeFlags) Type() string   { return "NAME=URL" }
func (p *probeFlags) Set(v string) error {
	name, u, ok := strings.Cut(v, "=")
	if !ok || name == "" || u == "" {
		return fmt.Errorf("want NAME=URL, got %q", redact.String(v))
	}
	if u, err := url.Parse(u); err != nil || u.Scheme == "" {
		return fmt.Errorf("want NAME=URL with http://, https:// or tcp://, got %q", redact.String(v))
	}
	*p = append(*p, v)
	return nil
}

// Build loads the file named by --config (if any) and lays the quick flags
// over it: a flag wins over the file.
func (q *Quick) Build(lookup func(string) (string, bool)) (*Config, error) {
	cfg := &Config{Source: "flags"}
	if q.ConfigFile != "" {
		loaded, err := Load(q.ConfigFile)
		if err != nil {
			return nil, err
		}
		cfg = loaded
	}
	if q.Interval != 0 {
		cfg.Interval = q.Interval
	}
	cfg.FromStart = q.FromStart
	for _, k := range Kinds() {
		for _, f := range k.Flags {
			if v := q.kindFlags[f.Name]; v != nil && *v != "" {
				f.Set(cfg.Ensure(k.Name), *v)
			}
		}
	}
	for _, p := range q.Probes {
		name, u, _ := strings.Cut(p, "=")
		addr := AddressOf(u)
		replaced := false
		for i := range cfg.Upstreams {
			if cfg.Upstreams[i].Name == name || (addr != "" && cfg.Upstreams[i].Address == addr) {
				cfg.Upstreams[i].Probe = u
				cfg.Upstreams[i].Name = name
				replaced = true
			}
		}
		if !replaced {
			cfg.Upstreams = append(cfg.Upstreams, Upstream{Name: name, Probe: u})
		}
	}
	cfg.applyDefaults()
	if errs := cfg.validate("flags", nil); len(errs) > 0 {
		for _, e := range errs {
			e.File = "" // flags have no file or line
			e.Field = flagName(e.Field)
		}
		return nil, errs
	}
	return cfg, nil
}

// flagName names the flag that sets a field, for errors in flags.
func flagName(field string) string {
	switch {
	case strings.HasPrefix(field, "upstreams["):
		return "--probe"
	case field == "interval":
		return "--interval"
	}
	for _, k := range Kinds() {
		for _, f := range k.Flags {
			if field == k.Name+"."+f.Field {
				return "--" + f.Name
			}
		}
	}
	return field
}
