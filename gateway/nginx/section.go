package nginx

import (
	"fmt"
	"strings"

	"github.com/gwtop/gwtop/config"
	"github.com/gwtop/gwtop/config/discover"
	"github.com/gwtop/gwtop/diagnose"
	"github.com/gwtop/gwtop/gateway"
	"github.com/gwtop/gwtop/gateway/nginx/logformat"
)

func init() {
	gateway.Register(gateway.Kind{
		Name: "nginx", Title: "nginx", Rank: 10,
		New:       func() gateway.Section { return &Config{} },
		Processes: []string{"nginx"},
		Find:      find,
		Serves:    nginxMaster,
		ConfigArg: func(p discover.Proc) string { return parseNginxCmdline(p.Cmdline).conf },
		// Debian's and Red Hat's packages and nginx.org's; nginx built
		// from source (prefix /usr/local/nginx); FreeBSD's port and
		// Homebrew.
		Standard:   []string{"/etc/nginx/nginx.conf", "/usr/local/nginx/conf/nginx.conf", "/usr/local/etc/nginx/nginx.conf"},
		FindConfig: findConfig,
		ConfFlag:   "nginx-conf",
		Settings:   settings,
		Flags: []config.Flag{
			{Name: "nginx-status", Usage: "nginx stub_status URL", Field: "status_url", Set: func(s config.Section, v string) { s.(*Config).StatusURL = v }},
			{Name: "access-log", Usage: "nginx access log path", Field: "access_log", Set: func(s config.Section, v string) { s.(*Config).AccessLog = v }},
			{Name: "error-log", Usage: "nginx error log path", Field: "error_log", Set: func(s config.Section, v string) { s.(*Config).ErrorLog = v }},
			{Name: "log-format", Usage: "nginx log_format of the access log: combined, main, or the format string", Field: "log_format", Set: func(s config.Section, v string) { s.(*Config).LogFormat = v }},
		},
		Knobs: diagnose.Knobs{
			ReadTimeout: "proxy_read_timeout", BufferSize: "proxy_buffer_size", TLSName: "proxy_ssl_server_name",
			Resolver: "the `resolver` directive", Passive: "max_fails/fail_timeout", Conns: "worker_connections",
			FDs: "worker_rlimit_nofile", Status: "stub_status accepts − handled", Pass: "*_pass",
		},
	})
}

// Config says where one nginx's status page and logs are.
type Config struct {
	StatusURL string `yaml:"status_url"`
	AccessLog string `yaml:"access_log"`
	LogFormat string `yaml:"log_format"` // "combined", "main" or the log_format string
	ErrorLog  string `yaml:"error_log"`
	// AccessLogs and ErrorLogs are more logs of the same nginx: a host often
	// has one per server block, each access log in its own format.
	AccessLogs []AccessLog `yaml:"access_logs"`
	ErrorLogs  []string    `yaml:"error_logs"`
	// Routes attribute the requests of an access log whose format names
	// no upstream to the location's proxy_pass (see Route).
	Routes []Route `yaml:"routes"`
}

// AccessLog is one access log and the log_format it is written in.
type AccessLog struct {
	Path   string `yaml:"path"`
	Format string `yaml:"format"` // "combined" (default), "main" or the log_format string
}

// AllAccessLogs lists every access log to follow: access_log first, then
// access_logs.
func (n *Config) AllAccessLogs() []AccessLog {
	var out []AccessLog
	if n.AccessLog != "" {
		out = append(out, AccessLog{Path: n.AccessLog, Format: n.LogFormat})
	}
	return append(out, n.AccessLogs...)
}

// AllErrorLogs lists every error log to follow.
func (n *Config) AllErrorLogs() []string {
	var out []string
	if n.ErrorLog != "" {
		out = append(out, n.ErrorLog)
	}
	return append(out, n.ErrorLogs...)
}

// Empty reports whether the section names nothing to watch.
func (n *Config) Empty() bool {
	return n.StatusURL == "" && len(n.AllAccessLogs()) == 0 && len(n.AllErrorLogs()) == 0
}

// Defaults makes "combined" the format of an access log that names none.
func (n *Config) Defaults() {
	if n.AccessLog != "" && n.LogFormat == "" {
		n.LogFormat = "combined"
	}
	for i := range n.AccessLogs {
		if n.AccessLogs[i].Format == "" {
			n.AccessLogs[i].Format = "combined"
		}
	}
}

// Validate checks URLs, paths and formats.
func (n *Config) Validate(c *config.Check) {
	if n.StatusURL != "" {
		if err := config.CheckHTTPURL(n.StatusURL); err != nil {
			c.Bad("status_url", err.Error(), "status_url")
		}
	}
	seen := map[string]string{}
	for i, a := range n.AllAccessLogs() {
		field := "access_log"
		path := []any{"access_log"}
		if n.AccessLog == "" || i > 0 {
			k := i
			if n.AccessLog != "" {
				k = i - 1
			}
			field, path = fmt.Sprintf("access_logs[%d]", k), []any{"access_logs", k}
		}
		if a.Path == "" {
			c.Bad(field+".path", "missing: which file?", path...)
		} else if prev, dup := seen[a.Path]; dup {
			c.Bad(field, fmt.Sprintf("%s is already nginx.%s", a.Path, prev), path...)
		}
		seen[a.Path] = field
	}
	if n.LogFormat != "" && n.AccessLog == "" {
		c.Bad("log_format", "set, but nginx.access_log is not: which log is in this format?", "log_format")
	}
	for i, r := range n.Routes {
		kind, path := splitLocation(r.Location)
		switch {
		case kind != "" && kind != "=" && kind != "^~":
			c.Bad(fmt.Sprintf("routes[%d].location", i), fmt.Sprintf("%q: a route is a prefix (/api/, ^~ /static/) or exact (= /login) location, not a regular expression or a named one", r.Location), "routes", i, "location")
		case !strings.HasPrefix(path, "/"):
			c.Bad(fmt.Sprintf("routes[%d].location", i), fmt.Sprintf("%q: a location's path starts with /", r.Location), "routes", i, "location")
		case r.Upstream == "":
			c.Bad(fmt.Sprintf("routes[%d].upstream", i), "missing: where the location proxies to (host:port, or an upstream block's name)", "routes", i)
		}
	}
}

// Wire follows every access and error log and reads stub_status.
func (n *Config) Wire(w gateway.Wirer) error {
	errLogOn := len(n.AllErrorLogs()) > 0
	var rt *router
	if len(n.Routes) > 0 {
		rt = newRouter(n.Routes)
	}
	for _, a := range n.AllAccessLogs() {
		f, err := logformat.Compile(a.Format)
		if err != nil {
			return fmt.Errorf("nginx log_format of %s: %w", a.Path, err)
		}
		p := &accessParser{format: f, errorLogWatched: errLogOn}
		if !hasUpstreamVars(a.Format) {
			p.router, p.routes = rt, len(n.Routes)
		}
		w.Log("access_log", a.Path, p)
	}
	for _, path := range n.AllErrorLogs() {
		w.Log("error_log", path, newErrorParser())
	}
	if n.StatusURL != "" {
		w.Scraper(newStubScraper(n.StatusURL))
	}
	return nil
}

// Label names the nginx in the TUI's title: the host of its status page.
func (n *Config) Label() string {
	if n.StatusURL == "" {
		return ""
	}
	return config.AddressOf(n.StatusURL)
}
