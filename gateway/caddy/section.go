package caddy

import (
	"fmt"

	"github.com/gwtop/gwtop/config"
	"github.com/gwtop/gwtop/config/discover"
	"github.com/gwtop/gwtop/diagnose"
	"github.com/gwtop/gwtop/gateway"
)

func init() {
	gateway.Register(gateway.Kind{
		Name: "caddy", Title: "Caddy", Rank: 30,
		New:       func() gateway.Section { return &Config{} },
		Processes: []string{"caddy"},
		Find:      find,
		ConfigArg: discover.ConfigFlag,
		// The Debian/Ubuntu and Fedora packages' (the caddy.service unit's
		// --config).
		Standard:   []string{"/etc/caddy/Caddyfile"},
		FindConfig: findConfig,
		ConfFlag:   "caddyfile",
		Flags: []config.Flag{
			{Name: "caddy-admin", Usage: "Caddy admin API address (localhost:2019)", Field: "admin", Set: func(s config.Section, v string) { s.(*Config).Admin = v }},
		},
		Knobs: diagnose.Knobs{
			ReadTimeout: "the transport's response_header_timeout", BufferSize: "the transport's max_response_header",
			TLSName: "the transport's tls_server_name", Resolver: "the dynamic upstreams' resolvers",
			Passive: "max_fails/fail_duration (passive health checks)", Conns: "the transport's max_conns_per_host",
			FDs: "LimitNOFILE of the caddy unit", Status: "the admin API's upstream list", Pass: "the reverse_proxy upstreams",
		},
	})
}

// Config says where Caddy's admin API and log are.
type Config struct {
	Admin string `yaml:"admin"` // host:port or URL of the admin API; default localhost:2019
	Log   string `yaml:"log"`   // Caddy's JSON log (access and error entries)
}

// Empty reports whether the section names nothing to watch; a present
// section with nothing in it reads the default admin address.
func (c *Config) Empty() bool { return false }

// Defaults reads the default admin address when nothing is named.
func (c *Config) Defaults() {
	if c.Admin == "" && c.Log == "" {
		c.Admin = "localhost:2019"
	}
}

// Validate checks the admin address.
func (c *Config) Validate(ck *config.Check) {
	if c.Admin != "" {
		if err := config.CheckHostPortOrURL(c.Admin); err != nil {
			ck.Bad("admin", err.Error(), "admin")
		}
	}
}

// Wire adds the admin API (the upstream list) and the JSON log (access,
// error and reverse proxy entries in one file).
func (c *Config) Wire(w gateway.Wirer) error {
	if c.Admin != "" {
		admin, err := NewAdmin(c.Admin)
		if err != nil {
			return fmt.Errorf("caddy.admin: %w", err)
		}
		w.Scraper(admin)
	}
	if c.Log != "" {
		w.Log("log", c.Log, NewLogParser())
	}
	return nil
}
