package config

import (
	"fmt"
	"net/url"
	"os"
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
	// SecretFiles are the --secret-file VAR=FILE flags: ${VAR} in the
	// flags and in the file is the content of FILE.
	SecretFiles secretFiles
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
	// After the kinds' flags: the help lists it after the values it
	// serves.
	fs.Var(&q.SecretFiles, "secret-file", "define ${VAR} as the content of FILE for flag values and the --config file, "+
		"keeping passwords out of ps: --nginx-status 'http://u:${PW}@host/status' --secret-file PW=/run/secrets/pw; repeatable")
	group(fs, "sources", "secret-file")
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
	if !strings.Contains(u, "${") && !hasScheme(u) {
		// With ${VAR}, the URL is checked once expanded (Build).
		return fmt.Errorf("want NAME=URL with http://, https:// or tcp://, got %q", redact.String(v))
	}
	*p = append(*p, v)
	return nil
}

// hasScheme reports whether a probe URL parses with a scheme.
func hasScheme(u string) bool {
	p, err := url.Parse(u)
	return err == nil && p.Scheme != ""
}

// Lookup is lookup (os.LookupEnv in production) with the variables the
// --secret-file flags define first; it reads their files. Build expands
// ${VAR} with it, and so should whatever loads a configuration for these
// flags (discovery's).
func (q *Quick) Lookup(lookup func(string) (string, bool)) (func(string) (string, bool), error) {
	secrets, err := readSecrets(q.SecretFiles)
	if err != nil {
		return nil, err
	}
	return withSecrets(secrets, lookup), nil
}

// Build loads the file named by --config (if any) and lays the quick flags
// over it: a flag wins over the file. ${VAR} in the file and in the flags'
// values is expanded with lookup and the --secret-file variables. Its
// errors never quote a secret those gave (see hideSecrets).
func (q *Quick) Build(lookup func(string) (string, bool)) (*Config, error) {
	full, err := q.Lookup(lookup)
	if err != nil {
		return nil, err
	}
	var secrets []string
	record := func(name string) (string, bool) {
		if full == nil {
			return "", false
		}
		v, ok := full(name)
		if ok && (q.fromFile(name) || secretName(name)) {
			secrets = append(secrets, v)
		}
		return v, ok
	}
	cfg, err := q.build(record)
	if err != nil {
		return nil, hideSecrets(err, secrets)
	}
	return cfg, nil
}

// fromFile reports whether a --secret-file defines the variable.
func (q *Quick) fromFile(name string) bool {
	for _, f := range q.SecretFiles {
		if n, _, _ := strings.Cut(f, "="); n == name {
			return true
		}
	}
	return false
}

func (q *Quick) build(lookup func(string) (string, bool)) (*Config, error) {
	cfg := &Config{Source: "flags"}
	if q.ConfigFile != "" {
		data, err := os.ReadFile(q.ConfigFile)
		if err != nil {
			return nil, fmt.Errorf("read config: %w", err)
		}
		loaded, err := Parse(q.ConfigFile, data, lookup)
		if err != nil {
			return nil, err
		}
		cfg = loaded
	}
	var errs Errors
	expand := func(flag, v string) string {
		out, e := expandFlag(flag, v, lookup)
		if e != nil {
			errs = append(errs, e)
		}
		return out
	}
	if q.Interval != 0 {
		cfg.Interval = q.Interval
	}
	cfg.FromStart = q.FromStart
	for _, k := range Kinds() {
		for _, f := range k.Flags {
			if v := q.kindFlags[f.Name]; v != nil && *v != "" {
				f.Set(cfg.Ensure(k.Name), expand("--"+f.Name, *v))
			}
		}
	}
	for _, p := range q.Probes {
		name, u, _ := strings.Cut(p, "=")
		if strings.Contains(u, "${") {
			if u = expand("--probe "+name, u); u != "" && !hasScheme(u) {
				errs = append(errs, &Error{Field: "--probe " + name, Msg: fmt.Sprintf("want a URL with http://, https:// or tcp://, got %q", redact.String(u))})
			}
		}
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
	if len(errs) > 0 {
		return nil, errs
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
