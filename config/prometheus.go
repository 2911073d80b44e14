package config

import (
	"fmt"
	"time"
)

// Prometheus is the prometheus: section — the fleet view's Prometheus
// (gwtop --config fleet.yaml, the same as --prometheus URL), with its
// credentials, which the command line should not carry:
//
//	prometheus:
//	  url: https://prom.internal:9090
//	  username: gwtop
//	  password: ${PROMETHEUS_PASSWORD}
//	  # or: bearer_token_file: /etc/gwtop/prometheus.token
//
// A file with this section reads a fleet; it watches no gateway itself.
type Prometheus struct {
	URL             string        `yaml:"url"`
	Job             string        `yaml:"job"`
	Timeout         time.Duration `yaml:"timeout"`
	Username        string        `yaml:"username"`
	Password        string        `yaml:"password"`
	BearerToken     string        `yaml:"bearer_token"`
	BearerTokenFile string        `yaml:"bearer_token_file"`
}

func (c *Config) validatePrometheus(bad func(field, msg string, path ...any)) {
	p := c.Prometheus
	if p == nil {
		return
	}
	if p.URL == "" {
		bad("prometheus.url", "missing: the Prometheus that scrapes the gwtop agents (http://prom:9090)", "prometheus")
	} else if err := CheckHTTPURL(p.URL); err != nil {
		bad("prometheus.url", err.Error(), "prometheus", "url")
	}
	if p.Timeout < 0 {
		bad("prometheus.timeout", fmt.Sprintf("%v is negative", p.Timeout), "prometheus", "timeout")
	}
	creds := 0
	if p.Username != "" || p.Password != "" {
		creds++
		if p.Username == "" || p.Password == "" {
			bad("prometheus", "basic auth needs both username: and password:", "prometheus")
		}
	}
	if p.BearerToken != "" {
		creds++
	}
	if p.BearerTokenFile != "" {
		creds++
	}
	if creds > 1 {
		bad("prometheus", "give one of username:/password:, bearer_token: or bearer_token_file:", "prometheus")
	}
	if len(c.Upstreams) > 0 || len(c.Gateways) > 0 {
		bad("prometheus", "a prometheus: section reads a fleet of gwtop agents from Prometheus: it cannot be combined with upstreams: or a gateway section, which watch this host (use two files)", "prometheus")
	}
}
