// Package gateway is the seam every kind of gateway plugs into. A kind is
// one folder (gateway/nginx, gateway/haproxy, …) that registers itself in
// an init function: its configuration section, its quick flags, how it
// adds its sources to the engine, how discovery finds it, and the words
// its hints use. The engine, the configuration loader, discovery and the
// command line iterate the registry and never name a kind; gateway/all
// imports every kind, so main gets them all with one blank import.
package gateway

import (
	"context"
	"fmt"
	"sort"
	"sync"

	"github.com/gwtop/gwtop/collector/feed"
	"github.com/gwtop/gwtop/config"
	"github.com/gwtop/gwtop/config/discover"
	"github.com/gwtop/gwtop/diagnose"
	"github.com/gwtop/gwtop/facts"
)

// Section is a kind's configuration section that can add its sources to
// an engine.
type Section interface {
	config.Section
	// Wire adds the section's scrapers and logs. It returns an error for
	// configuration it cannot use (a log_format that does not compile).
	Wire(w Wirer) error
}

// Wirer is what a section may add to an engine. It is bound to the kind,
// so the rows it makes in the snapshot's gateways carry the kind's name.
type Wirer interface {
	// Scraper adds a status page or admin API read every interval. The
	// loop that runs it builds the source's health row from what Scrape
	// returns. Scrapers are not run in backlog mode.
	Scraper(s feed.Scraper)
	// Log adds a followed log file read by p; source names its row in the
	// snapshot's gateways ("access_log", "error_log", "log").
	Log(source, path string, p feed.LineParser)
	// Backlog reports whether the engine only reads logs to their end.
	Backlog() bool
	// Config is the whole configuration (upstream names a kind may need).
	Config() *config.Config
}

// Kind is one kind of gateway.
type Kind struct {
	// Name is the section's key in the YAML file and the kind in the
	// snapshot's gateways: "nginx".
	Name string
	// Title is how people write it: "nginx", "HAProxy", "Apache httpd".
	Title string
	// Rank orders the kinds (lowest first) wherever gwtop lists them:
	// configuration sections, discovery, flags, messages. Package init
	// order (import path order) cannot be relied on for that.
	Rank int
	// New returns an empty section.
	New func() Section
	// Flags are the quick flags that set the section's fields.
	Flags []config.Flag
	// Processes are the process names (comm) of the kind's daemons, for
	// discovery and the host pane.
	Processes []string
	// Find reads one running process of the kind into a discovery
	// session (its section, upstreams and notes); nil when the kind
	// cannot be discovered.
	Find func(ctx context.Context, s *discover.Session, p discover.Proc)
	// Serves reports whether a process of the kind serves (an nginx
	// master, not a worker); nil: every one whose parent is not of the
	// same kind.
	Serves func(discover.Proc) bool
	// ConfigArg is the configuration file on a process's command line.
	ConfigArg func(discover.Proc) string
	// Standard are the kind's standard configuration paths, the most
	// common first ("/etc/nginx/nginx.conf", …). When no process of the
	// kind runs, discovery reads the first that exists with FindConfig
	// and says that the gateway is not running.
	Standard []string
	// FindConfig reads a configuration file of the kind without a
	// process into a discovery session (its section, upstreams and
	// notes); nil when the kind cannot be read from a file alone.
	FindConfig func(ctx context.Context, s *discover.Session, path string)
	// ConfFlag is the name (without "--") of the flag that points
	// discovery at a configuration file of the kind ("nginx-conf"): the
	// command line defines it on `gwtop discover` and the watching
	// commands and passes its value as discover.Options.Configs[Name].
	ConfFlag string
	// Knobs are the kind's names for what the hints tell an operator to
	// tune.
	Knobs diagnose.Knobs
	// Settings reads, from the configuration of one process of the kind
	// (p as discovery lists it; p.PID 0 for a configuration read without
	// a process, its file then in conf), the values that bear on its
	// upstreams: read and connect timeouts, retries, keep-alive, each
	// with file:line. The engine calls it at start and again every
	// minute, so a reload is seen. nil when the kind has none to read.
	Settings func(ctx context.Context, p discover.Proc, conf string) ([]facts.Setting, error)
}

var (
	mu    sync.RWMutex
	kinds []Kind
)

// Register adds a kind. It is called from the kind's init function; a
// name registered twice is a programming error.
func Register(k Kind) {
	if k.New == nil {
		panic(fmt.Sprintf("gateway: kind %q has no New", k.Name))
	}
	if k.Title == "" {
		k.Title = k.Name
	}
	config.RegisterKind(config.Kind{Name: k.Name, Rank: k.Rank, New: func() config.Section { return k.New() }, Flags: k.Flags})
	if k.Find != nil {
		discover.Register(discover.Finder{Kind: k.Name, Title: k.Title, Rank: k.Rank, Processes: k.Processes, Serves: k.Serves, ConfigArg: k.ConfigArg, Find: k.Find,
			Standard: k.Standard, FindConfig: k.FindConfig, ConfFlag: k.ConfFlag})
	}
	mu.Lock()
	defer mu.Unlock()
	kinds = append(kinds, k)
	sort.SliceStable(kinds, func(i, j int) bool {
		if kinds[i].Rank != kinds[j].Rank {
			return kinds[i].Rank < kinds[j].Rank
		}
		return kinds[i].Name < kinds[j].Name
	})
}

// Kinds lists the registered kinds in Rank order.
func Kinds() []Kind {
	mu.RLock()
	defer mu.RUnlock()
	return append([]Kind(nil), kinds...)
}

// Lookup returns a kind by name.
func Lookup(name string) (Kind, bool) {
	for _, k := range Kinds() {
		if k.Name == name {
			return k, true
		}
	}
	return Kind{}, false
}

// KnobsOf returns the hint words of a kind or of an instance of it
// ("nginx@internal"), or the generic ones.
func KnobsOf(name string) diagnose.Knobs {
	if k, ok := Lookup(config.KindOf(name)); ok {
		kn := k.Knobs
		kn.Kind, kn.Title = k.Name, k.Title
		return kn
	}
	return diagnose.Knobs{}
}

// Processes lists every kind's process names.
func Processes() []string {
	var out []string
	for _, k := range Kinds() {
		out = append(out, k.Processes...)
	}
	return out
}
