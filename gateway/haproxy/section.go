package haproxy

import (
	"fmt"
	"net"
	"strings"

	"github.com/gwtop/gwtop/redact"

	"github.com/gwtop/gwtop/config"
	"github.com/gwtop/gwtop/config/discover"
	"github.com/gwtop/gwtop/diagnose"
	"github.com/gwtop/gwtop/gateway"
)

func init() {
	gateway.Register(gateway.Kind{
		Name: "haproxy", Title: "HAProxy", Rank: 20,
		New:       func() gateway.Section { return &Config{} },
		Processes: []string{"haproxy"},
		Find:      find,
		// Debian's, Ubuntu's and Red Hat's packages; the official Docker
		// image and FreeBSD's port.
		Standard:   []string{"/etc/haproxy/haproxy.cfg", "/usr/local/etc/haproxy/haproxy.cfg"},
		FindConfig: findConfig,
		ConfFlag:   "haproxy-cfg",
		Settings:   settings,
		ConfigArg: func(p discover.Proc) string {
			if fs := haproxyConfigArgs(p.Cmdline); len(fs) > 0 {
				return fs[0]
			}
			return ""
		},
		Flags: []config.Flag{
			{Name: "haproxy-stats", Usage: "HAProxy stats page URL or runtime API socket (unix:PATH, ipv4@HOST:PORT)", Field: "stats",
				Set: func(s config.Section, v string) { s.(*Config).Stats = v }},
		},
		Knobs: diagnose.Knobs{
			ReadTimeout: "timeout server", BufferSize: "tune.bufsize", TLSName: "the server's sni/verify settings",
			Resolver: "the resolvers section", Passive: "the check's fall/rise and inter", Conns: "maxconn",
			FDs: "ulimit-n / fd-hard-limit", Status: "the stats page's queue and session counters", Pass: "the backend's server line",
		},
	})
}

// Config says where HAProxy's statistics and log are.
type Config struct {
	// Stats is the stats page (http://127.0.0.1:8404/stats;csv — ";csv" is
	// added when missing) or the runtime API socket: unix:/run/haproxy/admin.sock,
	// a plain socket path, ipv4@127.0.0.1:9999 or tcp://127.0.0.1:9999.
	Stats    string `yaml:"stats"`
	Username string `yaml:"username"` // basic auth for the stats page
	Password string `yaml:"password"` // use ${ENV}; never shown
	Log      string `yaml:"log"`      // a file with "option httplog" lines
}

// Empty reports whether the section names nothing to watch.
func (h *Config) Empty() bool { return h.Stats == "" && h.Log == "" }

// Defaults has nothing to fill.
func (h *Config) Defaults() {}

// Validate checks the stats target.
func (h *Config) Validate(c *config.Check) {
	switch {
	case h.Stats == "" && h.Log == "":
		c.Bad("", "give stats (a stats page URL or the runtime API socket) or log")
	case h.Stats != "":
		if err := checkStats(h.Stats); err != nil {
			c.Bad("stats", err.Error(), "stats")
		}
	}
}

// checkStats accepts a stats page URL or a runtime API socket.
func checkStats(s string) error {
	switch {
	case strings.HasPrefix(s, "http://"), strings.HasPrefix(s, "https://"):
		return config.CheckHTTPURL(s)
	case strings.HasPrefix(s, "unix:"), strings.HasPrefix(s, "/"):
		p := strings.TrimPrefix(s, "unix:")
		if p == "" {
			return fmt.Errorf("%q: give the socket path, e.g. unix:/run/haproxy/admin.sock", s)
		}
		if strings.HasPrefix(p, "//") || strings.Contains(p, "@") {
			return fmt.Errorf("%q: not a socket path (a URL without http:? give http://HOST:PORT/stats)", redact.String(s))
		}
		return nil
	case strings.HasPrefix(s, "ipv4@"), strings.HasPrefix(s, "ipv6@"), strings.HasPrefix(s, "tcp://"):
		hp := strings.TrimPrefix(s, "tcp://")
		if !strings.HasPrefix(s, "tcp://") {
			hp = s[strings.Index(s, "@")+1:]
		}
		if _, _, err := net.SplitHostPort(hp); err != nil {
			return fmt.Errorf("%q: want HOST:PORT after the prefix", redact.String(s))
		}
		return config.CheckHostPort(hp)
	}
	return fmt.Errorf("%q: want http://HOST/stats;csv, unix:/path/to/admin.sock, ipv4@HOST:PORT or tcp://HOST:PORT", redact.String(s))
}

// Wire adds the stats scraper and the log follower. When both are
// configured they share one Names table, so the log's backend/server names
// count toward the addresses the stats list.
func (h *Config) Wire(w gateway.Wirer) error {
	names := &Names{}
	// Servers the configuration names (backend "group", server "name", as
	// gwtop discover writes them, or "backend/server" as a name) keep their
	// address even when the stats page hides it.
	for _, u := range w.Config().Upstreams {
		if _, _, err := net.SplitHostPort(u.Address); err != nil {
			continue
		}
		switch be, srv, ok := strings.Cut(u.Name, "/"); {
		case u.Group != "" && !ok:
			names.Preset(u.Group, u.Name, u.Address)
		case ok:
			names.Preset(be, srv, u.Address)
		}
	}
	if h.Stats != "" {
		stats, err := NewStats(h.Stats, h.Username, h.Password)
		if err != nil {
			return fmt.Errorf("haproxy.stats: %w", err)
		}
		stats.Names = names
		w.Scraper(stats)
	}
	if h.Log != "" {
		p := NewLogParser()
		if h.Stats != "" && !w.Backlog() {
			p.Resolve = names.Resolve
		}
		w.Log("log", h.Log, p)
	}
	return nil
}
