package config

import (
	"flag"
	"fmt"
	"strings"
	"time"
)

// Quick holds the quick flags of DESIGN.md, which work with or without a file.
type Quick struct {
	ConfigFile   string
	Probes       probeFlags
	NginxStatus  string
	AccessLog    string
	ErrorLog     string
	LogFormat    string
	Interval     time.Duration
	FromStart    bool
	HAProxyStats string
	CaddyAdmin   string
	TraefikAPI   string
	EnvoyAdmin   string
}

// Register adds the quick flags to fs.
func (q *Quick) Register(fs *flag.FlagSet) {
	fs.StringVar(&q.ConfigFile, "config", "", "configuration file (YAML)")
	fs.Var(&q.Probes, "probe", "probe an upstream: NAME=URL (http://, https://, tcp://HOST:PORT); repeatable")
	fs.StringVar(&q.NginxStatus, "nginx-status", "", "nginx stub_status URL")
	fs.StringVar(&q.AccessLog, "access-log", "", "nginx access log path")
	fs.StringVar(&q.ErrorLog, "error-log", "", "nginx error log path")
	fs.StringVar(&q.LogFormat, "log-format", "", "nginx log_format of the access log: combined, main, or the format string")
	fs.DurationVar(&q.Interval, "interval", 0, "probe and scrape interval (default 1s)")
	fs.BoolVar(&q.FromStart, "from-start", false, "read logs from the beginning instead of the end")
	fs.StringVar(&q.HAProxyStats, "haproxy-stats", "", "HAProxy stats page URL or runtime API socket (unix:PATH, ipv4@HOST:PORT)")
	fs.StringVar(&q.CaddyAdmin, "caddy-admin", "", "Caddy admin API address (localhost:2019)")
	fs.StringVar(&q.TraefikAPI, "traefik-api", "", "Traefik API URL (http://127.0.0.1:8080)")
	fs.StringVar(&q.EnvoyAdmin, "envoy-admin", "", "Envoy admin URL (http://127.0.0.1:9901)")
}

type probeFlags []string

func (p *probeFlags) String() string { return strings.Join(*p, ",") }
func (p *probeFlags) Set(v string) error {
	name, u, ok := strings.Cut(v, "=")
	if !ok || name == "" || u == "" {
		return fmt.Errorf("want NAME=URL, got %q", v)
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
	if q.NginxStatus != "" || q.AccessLog != "" || q.ErrorLog != "" || q.LogFormat != "" {
		if cfg.Nginx == nil {
			cfg.Nginx = &Nginx{}
		}
		set := func(dst *string, v string) {
			if v != "" {
				*dst = v
			}
		}
		set(&cfg.Nginx.StatusURL, q.NginxStatus)
		set(&cfg.Nginx.AccessLog, q.AccessLog)
		set(&cfg.Nginx.ErrorLog, q.ErrorLog)
		set(&cfg.Nginx.LogFormat, q.LogFormat)
	}
	if q.HAProxyStats != "" {
		if cfg.HAProxy == nil {
			cfg.HAProxy = &HAProxy{}
		}
		cfg.HAProxy.Stats = q.HAProxyStats
	}
	if q.CaddyAdmin != "" {
		if cfg.Caddy == nil {
			cfg.Caddy = &Caddy{}
		}
		cfg.Caddy.Admin = q.CaddyAdmin
	}
	if q.TraefikAPI != "" {
		if cfg.Traefik == nil {
			cfg.Traefik = &Traefik{}
		}
		cfg.Traefik.API = q.TraefikAPI
	}
	if q.EnvoyAdmin != "" {
		if cfg.Envoy == nil {
			cfg.Envoy = &Envoy{}
		}
		cfg.Envoy.Admin = q.EnvoyAdmin
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

func flagName(field string) string {
	switch {
	case strings.HasPrefix(field, "upstreams["):
		return "--probe"
	case field == "nginx.status_url":
		return "--nginx-status"
	case field == "nginx.log_format":
		return "--log-format"
	case field == "interval":
		return "--interval"
	case field == "haproxy.stats":
		return "--haproxy-stats"
	case field == "caddy.admin":
		return "--caddy-admin"
	case field == "traefik.api":
		return "--traefik-api"
	case field == "envoy.admin":
		return "--envoy-admin"
	}
	return field
}
