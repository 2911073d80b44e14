package traefik

import (
	"fmt"

	"github.com/gwtop/gwtop/config"
	"github.com/gwtop/gwtop/config/discover"
	"github.com/gwtop/gwtop/diagnose"
	"github.com/gwtop/gwtop/gateway"
)

func init() {
	gateway.Register(gateway.Kind{
		Name: "traefik", Title: "Traefik", Rank: 40,
		New:       func() gateway.Section { return &Config{} },
		Processes: []string{"traefik"},
		Find:      find,
		ConfigArg: discover.ConfigFlag,
		// The first place of Traefik's own search for its static
		// configuration (then $XDG_CONFIG_HOME, $HOME/.config and the
		// working directory, which only a running process has).
		Standard:   []string{"/etc/traefik/traefik.yml", "/etc/traefik/traefik.yaml", "/etc/traefik/traefik.toml"},
		FindConfig: findConfig,
		ConfFlag:   "traefik-config",
		Flags: []config.Flag{
			{Name: "traefik-api", Usage: "Traefik API URL (http://127.0.0.1:8080)", Field: "api", Set: func(s config.Section, v string) { s.(*Config).API = v }},
		},
		Knobs: diagnose.Knobs{
			ReadTimeout: "the serversTransport's responseHeaderTimeout", TLSName: "the serversTransport's serverName",
			Passive: "the service's healthCheck interval and timeout", Conns: "the serversTransport's maxIdleConnsPerHost",
			FDs: "LimitNOFILE of the traefik unit", Status: "the API's service list", Pass: "the service's loadBalancer servers",
		},
	})
}

// Config says where Traefik's API and access log are.
type Config struct {
	API       string `yaml:"api"` // http://127.0.0.1:8080
	Username  string `yaml:"username"`
	Password  string `yaml:"password"`
	AccessLog string `yaml:"access_log"` // JSON access log
}

// Empty reports whether the section names nothing to watch.
func (t *Config) Empty() bool { return t.API == "" && t.AccessLog == "" }

// Defaults has nothing to fill.
func (t *Config) Defaults() {}

// Validate checks the API URL.
func (t *Config) Validate(c *config.Check) {
	switch {
	case t.API == "" && t.AccessLog == "":
		c.Bad("", "give api (http://127.0.0.1:8080) or access_log")
	case t.API != "":
		if err := config.CheckHTTPURL(t.API); err != nil {
			c.Bad("api", err.Error(), "api")
		}
	}
}

// Wire adds the API (server health, service membership) and the JSON
// access log.
func (t *Config) Wire(w gateway.Wirer) error {
	if t.API != "" {
		api, err := NewAPI(t.API, t.Username, t.Password)
		if err != nil {
			return fmt.Errorf("traefik.api: %w", err)
		}
		w.Scraper(api)
	}
	if t.AccessLog != "" {
		w.Log("access_log", t.AccessLog, NewLogParser())
	}
	return nil
}
