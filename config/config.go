// Package config holds gwtop's configuration: the YAML schema of the design (../shared/DESIGN.md), the
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
	// DefaultAlertAfter is how long a state must last before it is
	// alerted on (alert_after:).
	DefaultAlertAfter = 30 * time.Second
	// DefaultAlertTimeout bounds one delivery attempt of an alert.
	DefaultAlertTimeout = 10 * time.Second
)

// Config is gwtop's whole configuration after defaults and validation.
type Config struct {
	Interval     time.Duration `yaml:"interval"`
	ProbeTimeout time.Duration `yaml:"probe_timeout"`
	Upstreams    []Upstream    `yaml:"upstreams"`
	// Apps are app servers whose own logs gwtop reads for the roots of
	// their upstream's failures, when their command line does not say
	// where they log (gunicorn --error-logfile, uWSGI --logto, php-fpm's
	// error_log are found by themselves).
	Apps []App `yaml:"apps"`
	// Alerts are where an upstream's state changes are sent (a webhook,
	// a command, the terminal's bell); AlertAfter is how long a state
	// must last first (DefaultAlertAfter unless alert_after: says).
	Alerts     []Alert       `yaml:"alerts"`
	AlertAfter time.Duration `yaml:"alert_after"`
	// Prometheus, when set, makes the file a fleet's: the agents are read
	// back from that Prometheus (see Prometheus).
	Prometheus *Prometheus `yaml:"prometheus"`
	// Gateways are the gateway sections (nginx:, haproxy:, …), in the
	// order their kinds registered; see Section.
	Gateways []Gateway `yaml:"-"`

	// Set from the command line, not the file.
	FromStart bool `yaml:"-"`
	// Source is where the configuration came from ("gwtop.yaml", "flags").
	Source string `yaml:"-"`
}

// Upstream names an upstream address and, optionally, how to probe it.
type Upstream struct {
	Name    string `yaml:"name"`
	Address string `yaml:"address"` // as the gateway writes it: 10.0.0.1:8080, unix:/run/app.sock
	Group   string `yaml:"group"`   // nginx upstream block / HAProxy backend
	// Gateway is the gateway instance whose traffic this upstream is
	// ("nginx", "haproxy", "nginx@internal"): its probes and name go to
	// that gateway's row. Default: the configuration's first section.
	Gateway  string `yaml:"gateway"`
	Probe    string `yaml:"probe"` // http://, https://, tcp://
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

// App is an app server behind an upstream and the log it writes.
type App struct {
	// Address is the upstream address it serves (as in upstreams:); its
	// log's events then count for the process listening there.
	Address string `yaml:"address"`
	Log     string `yaml:"log"`  // its error log (gunicorn, uWSGI, php-fpm)
	Kind    string `yaml:"kind"` // gunicorn, uwsgi or php-fpm: how to read the log
}

// Alert is one destination of alerts: exactly one of Webhook, Command and
// Bell is set.
type Alert struct {
	// Webhook is an http(s) URL that gets a JSON POST with a
	// Slack-compatible "text". It is a secret (a token is often in its
	// path): shown only as scheme://host/….
	Webhook string `yaml:"webhook"`
	// Command is a program and its arguments, run with the alert's JSON
	// on its standard input.
	Command []string `yaml:"command"`
	// Bell rings the terminal's bell and flashes the TUI.
	Bell bool `yaml:"bell"`
	// On are the states alerted on: down (the default) and degraded.
	// Leaving them for a better state is alerted as a recovery.
	On []string `yaml:"on"`
	// Timeout bounds one delivery attempt; DefaultAlertTimeout.
	Timeout time.Duration `yaml:"timeout"`
}

// AlertStates are the states an alert may be sent on.
var AlertStates = []string{"down", "degraded"}

// AppKinds are the app servers whose logs gwtop reads.
var AppKinds = []string{"gunicorn", "uwsgi", "php-fpm"}

// Empty reports whether the configuration watches nothing at all.
func (c *Config) Empty() bool {
	if len(c.Upstreams) > 0 {
		return false
	}
	for _, g := range c.Gateways {
		if !g.Section.Empty() {
			return false
		}
	}
	return true
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
		if u.Gateway == "" && len(c.Gateways) > 0 {
			u.Gateway = c.Gateways[0].Name
		}
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
	for i := range c.Alerts {
		a := &c.Alerts[i]
		if len(a.On) == 0 {
			a.On = []string{"down"}
		}
		if a.Timeout == 0 {
			a.Timeout = DefaultAlertTimeout
		}
	}
	for _, g := range c.Gateways {
		g.Section.Defaults()
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
