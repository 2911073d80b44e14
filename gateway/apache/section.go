package apache

import (
	"fmt"
	"strings"

	"github.com/gwtop/gwtop/config"
	"github.com/gwtop/gwtop/config/discover"
	"github.com/gwtop/gwtop/diagnose"
	"github.com/gwtop/gwtop/gateway"
)

func init() {
	gateway.Register(gateway.Kind{
		Name: "apache", Title: "Apache httpd", Rank: 60,
		New:       func() gateway.Section { return &Config{} },
		Processes: []string{"apache2", "httpd"},
		Find:      find,
		ConfigArg: func(p discover.Proc) string { return cmdlineOf(p).conf },
		// Debian's apache2 (with its envvars beside it), Red Hat's httpd,
		// and apache.org's own layout (also the Docker image's).
		Standard:   []string{"/etc/apache2/apache2.conf", "/etc/httpd/conf/httpd.conf", "/usr/local/apache2/conf/httpd.conf"},
		FindConfig: findConfig,
		ConfFlag:   "apache-conf",
		Settings:   settings,
		Flags: []config.Flag{
			{Name: "apache-status", Usage: "Apache mod_status URL (http://127.0.0.1/server-status)", Field: "status_url",
				Set: func(s config.Section, v string) { s.(*Config).StatusURL = v }},
			{Name: "apache-error-log", Usage: "Apache error log path", Field: "error_log",
				Set: func(s config.Section, v string) { s.(*Config).ErrorLog = v }},
			{Name: "apache-access-log", Usage: "Apache access log path (LogFormat: --apache-log-format, default combined)", Field: "access_log",
				Set: func(s config.Section, v string) { s.(*Config).AccessLog = v }},
			{Name: "apache-log-format", Usage: "Apache LogFormat of the access log: combined, common, vhost_combined or the format string", Field: "log_format",
				Set: func(s config.Section, v string) { s.(*Config).LogFormat = v }},
		},
		Knobs: diagnose.Knobs{
			ReadTimeout: "ProxyTimeout (or the ProxyPass/BalancerMember timeout=)", BufferSize: "LimitRequestFieldSize / ProxyIOBufferSize",
			TLSName: "SSLProxyCheckPeerName and ProxyPreserveHost", Resolver: "the system resolver (/etc/resolv.conf; Apache resolves backends itself)",
			Passive: "the worker's retry= (ProxyPass/BalancerMember)", Conns: "MaxRequestWorkers",
			FDs: "LimitNOFILE of the apache2 unit", Status: "mod_status BusyWorkers/IdleWorkers", Pass: "ProxyPass / BalancerMember",
		},
	})
}

// Config says where one Apache httpd's status pages and logs are, and which
// backend each ProxyPass prefix goes to: Apache's usual access log names
// no backend, so requests are attributed by the prefix they matched.
type Config struct {
	// StatusURL is mod_status's page; "?auto" is added when missing.
	StatusURL string `yaml:"status_url"`
	// BalancerURL is mod_proxy_balancer's balancer-manager page.
	BalancerURL string `yaml:"balancer_url"`
	AccessLog   string `yaml:"access_log"`
	LogFormat   string `yaml:"log_format"` // "combined" (default), a LogFormat nickname or string
	ErrorLog    string `yaml:"error_log"`
	// AccessLogs and ErrorLogs are more logs of the same Apache (one per
	// virtual host is common), each access log in its own format.
	AccessLogs []AccessLogFile `yaml:"access_logs"`
	ErrorLogs  []string        `yaml:"error_logs"`
	// Routes are the ProxyPass prefixes and their backends (host:port,
	// balancer://name, or "!" for an exclusion); the longest prefix wins.
	Routes []Route `yaml:"routes"`
}

// AccessLogFile is one access log and the LogFormat it is written in.
type AccessLogFile struct {
	Path   string `yaml:"path"`
	Format string `yaml:"format"`
}

// AllAccessLogs lists every access log: access_log first, then access_logs.
func (c *Config) AllAccessLogs() []AccessLogFile {
	var out []AccessLogFile
	if c.AccessLog != "" {
		out = append(out, AccessLogFile{Path: c.AccessLog, Format: c.LogFormat})
	}
	return append(out, c.AccessLogs...)
}

// AllErrorLogs lists every error log.
func (c *Config) AllErrorLogs() []string {
	var out []string
	if c.ErrorLog != "" {
		out = append(out, c.ErrorLog)
	}
	return append(out, c.ErrorLogs...)
}

// Empty reports whether the section names nothing to watch.
func (c *Config) Empty() bool {
	return c.StatusURL == "" && c.BalancerURL == "" && len(c.AllAccessLogs()) == 0 && len(c.AllErrorLogs()) == 0
}

// Defaults reads an access log as "combined" unless told.
func (c *Config) Defaults() {
	if c.AccessLog != "" && c.LogFormat == "" {
		c.LogFormat = "combined"
	}
	for i := range c.AccessLogs {
		if c.AccessLogs[i].Format == "" {
			c.AccessLogs[i].Format = "combined"
		}
	}
}

// Validate checks URLs, formats and routes.
func (c *Config) Validate(ck *config.Check) {
	if c.Empty() {
		ck.Bad("", "give status_url, balancer_url, access_log or error_log")
	}
	for _, u := range []struct{ field, v string }{{"status_url", c.StatusURL}, {"balancer_url", c.BalancerURL}} {
		if u.v != "" {
			if err := config.CheckHTTPURL(u.v); err != nil {
				ck.Bad(u.field, err.Error(), u.field)
			}
		}
	}
	if c.LogFormat != "" && c.AccessLog == "" {
		ck.Bad("log_format", "set, but apache.access_log is not: which log is in this format?", "log_format")
	}
	for i, a := range c.AllAccessLogs() {
		field, path := "access_log", []any{"access_log"}
		if c.AccessLog == "" || i > 0 {
			k := i
			if c.AccessLog != "" {
				k = i - 1
			}
			field, path = fmt.Sprintf("access_logs[%d]", k), []any{"access_logs", k}
		}
		if a.Path == "" {
			ck.Bad(field+".path", "missing: which file?", path...)
		}
		if _, err := CompileLogFormat(a.Format); err != nil {
			ck.Bad(field, fmt.Sprintf("LogFormat %q: %v", a.Format, err), path...)
		}
	}
	for i, r := range c.Routes {
		switch {
		case !strings.HasPrefix(r.Prefix, "/"):
			ck.Bad(fmt.Sprintf("routes[%d].prefix", i), fmt.Sprintf("%q: a ProxyPass prefix starts with /", r.Prefix), "routes", i, "prefix")
		case r.Upstream == "":
			ck.Bad(fmt.Sprintf("routes[%d].upstream", i), "missing: the backend (host:port, balancer://name or ! for an exclusion)", "routes", i)
		}
	}
}

// Label names the Apache in the TUI's title: the host of its status page.
func (c *Config) Label() string {
	if c.StatusURL == "" {
		return ""
	}
	return config.AddressOf(c.StatusURL)
}

// Wire follows the logs (access lines attributed to backends by the
// routes) and reads mod_status and the balancer-manager.
func (c *Config) Wire(w gateway.Wirer) error {
	var router *Router
	if len(c.Routes) > 0 {
		router = NewRouter(c.Routes)
	}
	errorLogs := c.AllErrorLogs()
	for _, a := range c.AllAccessLogs() {
		p, err := NewAccessLog(a.Format, router)
		if err != nil {
			return fmt.Errorf("apache LogFormat of %s: %w", a.Path, err)
		}
		p.ErrorLogWatched = len(errorLogs) > 0
		w.Log("access_log", a.Path, p)
	}
	for _, path := range errorLogs {
		w.Log("error_log", path, &ErrorLog{Router: router})
	}
	if c.StatusURL != "" {
		w.Scraper(newStatusScraper(c.StatusURL))
	}
	if c.BalancerURL != "" {
		w.Scraper(newBalancerScraper(c.BalancerURL))
	}
	return nil
}
