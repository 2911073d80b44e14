package envoy

import (
	"fmt"

	"github.com/gwtop/gwtop/config"
	"github.com/gwtop/gwtop/config/discover"
	"github.com/gwtop/gwtop/diagnose"
	"github.com/gwtop/gwtop/gateway"
)

func init() {
	gateway.Register(gateway.Kind{
		Name: "envoy", Title: "Envoy", Rank: 50,
		New:       func() gateway.Section { return &Config{} },
		Processes: []string{"envoy"},
		Find:      find,
		ConfigArg: discover.ConfigFlag,
		// Envoy has no default path; this is the official Docker image's
		// (its CMD is -c /etc/envoy/envoy.yaml) and what most setups copy.
		Standard:   []string{"/etc/envoy/envoy.yaml"},
		FindConfig: findConfig,
		ConfFlag:   "envoy-config",
		Flags: []config.Flag{
			{Name: "envoy-admin", Usage: "Envoy admin URL (http://127.0.0.1:9901)", Field: "admin", Set: func(s config.Section, v string) { s.(*Config).Admin = v }},
		},
		Knobs: diagnose.Knobs{
			ReadTimeout: "the route's timeout", BufferSize: "max_request_headers_kb", TLSName: "the cluster's transport_socket sni",
			Resolver: "the cluster's dns_resolvers", Passive: "outlier_detection", Conns: "the cluster's circuit_breakers",
			FDs: "LimitNOFILE of the envoy unit", Status: "the admin /stats overflow counters", Pass: "the cluster's endpoints",
		},
	})
}

// Config says where Envoy's admin interface and access log are.
type Config struct {
	Admin     string `yaml:"admin"` // http://127.0.0.1:9901
	AccessLog string `yaml:"access_log"`
	LogFormat string `yaml:"log_format"` // "default" (Envoy's default text format) or "json"
}

// Empty reports whether the section names nothing to watch.
func (e *Config) Empty() bool { return e.Admin == "" && e.AccessLog == "" }

// Defaults reads an access log in Envoy's default format unless told.
func (e *Config) Defaults() {
	if e.AccessLog != "" && e.LogFormat == "" {
		e.LogFormat = "default"
	}
}

// Validate checks the admin URL and the log format.
func (e *Config) Validate(c *config.Check) {
	switch {
	case e.Admin == "" && e.AccessLog == "":
		c.Bad("", "give admin (http://127.0.0.1:9901) or access_log")
	case e.Admin != "":
		if err := config.CheckHTTPURL(e.Admin); err != nil {
			c.Bad("admin", err.Error(), "admin")
		}
	}
	if e.LogFormat != "" && e.LogFormat != "default" && e.LogFormat != "json" {
		c.Bad("log_format", fmt.Sprintf("%q: want default or json", e.LogFormat), "log_format")
	}
}

// Wire adds the admin interface (/clusters, /stats) and the access log, in
// the default text format or JSON.
func (e *Config) Wire(w gateway.Wirer) error {
	if e.Admin != "" {
		a, err := NewAdmin(e.Admin)
		if err != nil {
			return fmt.Errorf("envoy.admin: %w", err)
		}
		w.Scraper(a)
	}
	if e.AccessLog != "" {
		p, err := NewLogParser(e.LogFormat)
		if err != nil {
			return fmt.Errorf("envoy.log_format: %w", err)
		}
		w.Log("access_log", e.AccessLog, p)
	}
	return nil
}
