// Package config holds gwtop's configuration: the YAML schema of DESIGN.md, the
// quick command-line flags merged on top of it, defaults, ${ENV} expansion for
// secrets, and validation whose errors name the file, line and field.
package config

import (
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"
)

// Defaults.
const (
	DefaultInterval     = time.Second
	DefaultProbeTimeout = 2 * time.Second
	DefaultStubPath     = "/nginx_status"
)

// Config is gwtop's whole configuration after defaults and validation.
type Config struct {
	Interval     time.Duration `yaml:"interval"`
	ProbeTimeout time.Duration `yaml:"probe_timeout"`
	Upstreams    []Upstream    `yaml:"upstreams"`
	Nginx        *Nginx        `yaml:"nginx"`
	HAProxy      *HAProxy      `yaml:"haproxy"`
	Caddy        *Caddy        `yaml:"caddy"`
	Traefik      *Traefik      `yaml:"traefik"`
	Envoy        *Envoy        `yaml:"envoy"`

	// Set from the command line, not the file.
	FromStart bool `yaml:"-"`
	// Source is where the configuration came from ("gwtop.yaml", "flags").
	Source string `yaml:"-"`
}

// Upstream names an upstream address and, optionally, how to probe it.
type Upstream struct {
	Name     string `yaml:"name"`
	Address  string `yaml:"address"` // as the gateway writes it: 10.0.0.1:8080, unix:/run/app.sock
	Group    string `yaml:"group"`   // nginx upstream block / HAProxy backend
	Probe    string `yaml:"probe"`   // http://, https://, tcp://
	Insecure bool   `yaml:"insecure"`
	// KeepAlive reuses probe connections; off by default so that connect and
	// TLS time are measured every time.
	KeepAlive bool `yaml:"keepalive"`
	// Expect is the accepted status range, "200-399" by default.
	Expect  string        `yaml:"expect"`
	Timeout time.Duration `yaml:"timeout"`
	// CAFile is a PEM file of CA certificates for https probes (a private
	// CA); default: the system's.
	CAFile string `yaml:"ca_file"`
	// Resolver is a DNS server (HOST:PORT) for the probe's name lookups,
	// e.g. the one nginx's `resolver` directive uses; default: the system's.
	Resolver string `yaml:"resolver"`
}

// Nginx says where one nginx's status page and logs are.
type Nginx struct {
	StatusURL string `yaml:"status_url"`
	AccessLog string `yaml:"access_log"`
	LogFormat string `yaml:"log_format"` // "combined", "main" or the log_format string
	ErrorLog  string `yaml:"error_log"`
	// AccessLogs and ErrorLogs are more logs of the same nginx: a host often
	// has one per server block, each access log in its own format.
	AccessLogs []AccessLog `yaml:"access_logs"`
	ErrorLogs  []string    `yaml:"error_logs"`
}

// AccessLog is one access log and the log_format it is written in.
type AccessLog struct {
	Path   string `yaml:"path"`
	Format string `yaml:"format"` // "combined" (default), "main" or the log_format string
}

// AllAccessLogs lists every access log to follow: access_log first, then
// access_logs.
func (n *Nginx) AllAccessLogs() []AccessLog {
	var out []AccessLog
	if n.AccessLog != "" {
		out = append(out, AccessLog{Path: n.AccessLog, Format: n.LogFormat})
	}
	return append(out, n.AccessLogs...)
}

// AllErrorLogs lists every error log to follow.
func (n *Nginx) AllErrorLogs() []string {
	var out []string
	if n.ErrorLog != "" {
		out = append(out, n.ErrorLog)
	}
	return append(out, n.ErrorLogs...)
}

// HAProxy says where HAProxy's statistics and log are.
type HAProxy struct {
	// Stats is the stats page (http://127.0.0.1:8404/stats;csv — ";csv" is
	// added when missing) or the runtime API socket: unix:/run/haproxy/admin.sock,
	// a plain socket path, ipv4@127.0.0.1:9999 or tcp://127.0.0.1:9999.
	Stats    string `yaml:"stats"`
	Username string `yaml:"username"` // basic auth for the stats page
	Password string `yaml:"password"` // use ${ENV}; never shown
	Log      string `yaml:"log"`      // a file with "option httplog" lines
}

// Caddy says where Caddy's admin API and log are.
type Caddy struct {
	Admin string `yaml:"admin"` // host:port or URL of the admin API; default localhost:2019
	Log   string `yaml:"log"`   // Caddy's JSON log (access and error entries)
}

// Traefik says where Traefik's API and access log are.
type Traefik struct {
	API       string `yaml:"api"` // http://127.0.0.1:8080
	Username  string `yaml:"username"`
	Password  string `yaml:"password"`
	AccessLog string `yaml:"access_log"` // JSON access log
}

// Envoy says where Envoy's admin interface and access log are.
type Envoy struct {
	Admin     string `yaml:"admin"` // http://127.0.0.1:9901
	AccessLog string `yaml:"access_log"`
	LogFormat string `yaml:"log_format"` // "default" (Envoy's default text format) or "json"
}

// Empty reports whether the configuration watches nothing at all.
func (c *Config) Empty() bool {
	if len(c.Upstreams) > 0 {
		return false
	}
	if c.HAProxy != nil || c.Caddy != nil || c.Traefik != nil || c.Envoy != nil {
		return false
	}
	n := c.Nginx
	return n == nil || (n.StatusURL == "" && len(n.AllAccessLogs()) == 0 && len(n.AllErrorLogs()) == 0)
}

func (c *Config) applyDefaults() {
	if c.Interval == 0 {
		c.Interval = DefaultInterval
	}
	if c.ProbeTimeout == 0 {
		c.ProbeTimeout = DefaultProbeTimeout
	}
	for i := range c.Upstreams {
		u := &c.Upstreams[i]
		if u.Address == "" && u.Probe != "" {
			u.Address = AddressOf(u.Probe)
		}
		if u.Name == "" {
			u.Name = u.Address
		}
		if u.Timeout == 0 {
			u.Timeout = c.ProbeTimeout
		}
		if u.Expect == "" {
			u.Expect = "200-399"
		}
	}
	if n := c.Nginx; n != nil {
		if n.AccessLog != "" && n.LogFormat == "" {
			n.LogFormat = "combined"
		}
		for i := range n.AccessLogs {
			if n.AccessLogs[i].Format == "" {
				n.AccessLogs[i].Format = "combined"
			}
		}
	}
	if c.Caddy != nil && c.Caddy.Admin == "" && c.Caddy.Log == "" {
		c.Caddy.Admin = "localhost:2019"
	}
	if c.Envoy != nil && c.Envoy.AccessLog != "" && c.Envoy.LogFormat == "" {
		c.Envoy.LogFormat = "default"
	}
}

// AddressOf returns the host:port a probe URL connects to, which is how
// nginx writes the upstream in its logs (it logs the peer, not the name).
func AddressOf(probe string) string {
	u, err := url.Parse(probe)
	if err != nil || u.Host == "" {
		return ""
	}
	host, port := u.Hostname(), u.Port()
	if port == "" {
		switch u.Scheme {
		case "https":
			port = "443"
		default:
			port = "80"
		}
	}
	return net.JoinHostPort(host, port)
}

// ParseExpect parses "200-399", "200" or "200,204,300-399" into ranges.
func ParseExpect(s string) ([][2]int, error) {
	var out [][2]int
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		lo, hi, isRange := strings.Cut(part, "-")
		var a, b int
		if _, err := fmt.Sscanf(lo, "%d", &a); err != nil {
			return nil, fmt.Errorf("bad status %q: want a number like 200 or a range like 200-399", part)
		}
		b = a
		if isRange {
			if _, err := fmt.Sscanf(hi, "%d", &b); err != nil {
				return nil, fmt.Errorf("bad status range %q: want a range like 200-399", part)
			}
		}
		if a < 100 || b > 599 || a > b {
			return nil, fmt.Errorf("bad status range %q: statuses go from 100 to 599, low to high", part)
		}
		out = append(out, [2]int{a, b})
	}
	return out, nil
}
