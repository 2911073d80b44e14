package discover

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/gwtop/gwtop/config"
)

// Finder is how discovery reads one kind of gateway. Each kind's package
// registers one (through the gateway registry); Discover runs them in
// Rank order.
type Finder struct {
	Kind string
	// Title is how people write the kind ("HAProxy"); "" uses Kind.
	Title string
	// Rank orders the finders (lowest first), as config.Kind.Rank.
	Rank int
	// Processes are the process names (comm, or the first word of the
	// command line) of the kind's daemons.
	Processes []string
	// Serves reports whether a process of the kind is one that serves (an
	// nginx master, not a worker or `nginx -t`); nil: every one.
	Serves func(Proc) bool
	// ConfigArg is the configuration path on a process's command line,
	// for listing an instance that is not read; nil: none.
	ConfigArg func(Proc) string
	// Find reads one running process into the session: its section,
	// upstreams, notes.
	Find func(ctx context.Context, s *Session, p Proc)
	// Standard are the kind's standard configuration paths, the most
	// common first. When no process of the kind runs (and Options.Configs
	// names no file for it), Discover reads the first one that exists
	// under Options.Root with FindConfig.
	Standard []string
	// FindConfig reads a configuration file of the kind without a process
	// into the session (section, upstreams, notes). Discover has recorded
	// the Gateway and said why the file is read; FindConfig only reads.
	// nil: the kind cannot be read from a file alone.
	FindConfig func(ctx context.Context, s *Session, path string)
	// ConfFlag is the name of the flag (without "--") that points
	// discovery at a configuration file of the kind ("nginx-conf"); the
	// command line puts its value in Options.Configs[Kind].
	ConfFlag string
}

func (f Finder) title() string {
	if f.Title != "" {
		return f.Title
	}
	return f.Kind
}

func (f Finder) flag() string {
	if f.ConfFlag != "" {
		return "--" + f.ConfFlag
	}
	return fmt.Sprintf("Configs[%q]", f.Kind)
}

var (
	findersMu  sync.RWMutex
	finderList []Finder
)

// Register adds a kind's finder.
func Register(f Finder) {
	findersMu.Lock()
	defer findersMu.Unlock()
	finderList = append(finderList, f)
	sort.SliceStable(finderList, func(i, j int) bool {
		if finderList[i].Rank != finderList[j].Rank {
			return finderList[i].Rank < finderList[j].Rank
		}
		return finderList[i].Kind < finderList[j].Kind
	})
}

func finders() []Finder {
	findersMu.RLock()
	defer findersMu.RUnlock()
	return append([]Finder(nil), finderList...)
}

// Session is one run of discovery as a kind's finder sees it: where to look
// (the Options, through the file and program helpers) and what it found so
// far (the configuration being built and, for every item, why it is there).
type Session struct {
	*env
	*report
}

// NewSession starts a discovery with the given options.
func NewSession(opt Options) *Session {
	return &Session{env: newEnv(opt), report: newReport()}
}

// Found records a gateway process or configuration that was read (or, with
// Used false, only seen).
func (r *report) Found(g Gateway) { r.found = append(r.found, g) }

// SetField says where a field of the configuration came from: the text
// goes into a comment beside it ("nginx.access_log", "nginx.access_logs[0]",
// "upstreams" items use AddUpstream's why).
func (r *report) SetField(field, why string) { r.field[r.in(field)] = why }

// SetEnv keeps a secret discovery read (a stats password) out of the YAML:
// the YAML refers to it as ${name}, and Result.Load supplies it.
func (r *report) SetEnv(name, value string) { r.env[name] = value }

// SetSection puts a kind's section into the configuration, as the
// instance being read (a second nginx is "nginx@2").
func (r *report) SetSection(kind string, s config.Section) { r.cfg.SetSection(r.in(kind), s) }

// Section returns the section found so far of the instance being read (of
// the kind's first one outside Discover), or nil.
func (r *report) Section(kind string) config.Section { return r.cfg.Instance(r.in(kind)) }

// Upstreams lists the upstreams found so far.
func (r *report) Upstreams() []config.Upstream { return r.cfg.Upstreams }

// Result ends the discovery: the configuration, its commented YAML and the
// notes; a *NotFoundError when nothing can be watched.
func (s *Session) Result() (*Result, error) { return s.report.result() }

// andList joins names as "a, b and c".
func andList(names []string) string {
	switch len(names) {
	case 0:
		return "gateway"
	case 1:
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}

// NewSessionFor is NewSession for an optional set of options (nil: look at
// this host), as the kinds' From…Config functions take them.
func NewSessionFor(opt *Options) *Session {
	if opt == nil {
		return NewSession(Options{})
	}
	return NewSession(*opt)
}
