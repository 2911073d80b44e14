// Package traefik reads Traefik (v2/v3): its API (/api/http/services and
// /api/overview) for server health and service membership, and its JSON
// access log for per-request outcomes, and reports both through feed.
package traefik

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
)

// Service is what gwtop reads of one element of /api/http/services.
type Service struct {
	Name     string `json:"name"` // name@provider
	Provider string `json:"provider"`
	Type     string `json:"type"`   // loadbalancer, weighted, mirroring, failover
	Status   string `json:"status"` // enabled, warning, disabled: config validity, not health
	// LoadBalancer is nil for weighted, mirroring and failover services,
	// which only point at other services.
	LoadBalancer *LoadBalancer `json:"loadBalancer"`
	// ServerStatus maps a server URL to "UP" or "DOWN".
	ServerStatus map[string]string `json:"serverStatus"`
}

// LoadBalancer is a service's server list.
type LoadBalancer struct {
	Servers []struct {
		URL string `json:"url"`
	} `json:"servers"`
	// HealthCheck is kept raw: gwtop only needs to know whether one is set,
	// because without it every server stays "UP" whatever happens to it.
	HealthCheck json.RawMessage `json:"healthCheck"`
}

// HasHealthCheck reports whether the service's servers are health checked,
// which is the only case where an "UP" in serverStatus means anything.
func (lb *LoadBalancer) HasHealthCheck() bool {
	h := bytes.TrimSpace(lb.HealthCheck)
	return len(h) > 0 && !bytes.Equal(h, []byte("null"))
}

// Overview holds /api/overview's counters, by protocol ("http", "tcp",
// "udp") and kind ("routers", "services", "middlewares").
type Overview map[string]map[string]struct {
	Total    int64 `json:"total"`
	Warnings int64 `json:"warnings"`
	Errors   int64 `json:"errors"`
}

// errHTML and friends name what a wrong URL usually answers, so the gateway
// row says what to fix rather than quoting a JSON decoder.
var (
	errEmpty = errors.New("empty answer (want JSON from Traefik's API)")
	errHTML  = errors.New("answered HTML, not JSON: is this Traefik's API (api.insecure, or the traefik entrypoint, default :8080)?")
)

// checkJSON rejects bodies that cannot be Traefik's JSON before decoding,
// for a clearer message.
func checkJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) == 0:
		return errEmpty
	case b[0] == '<':
		return errHTML
	}
	return nil
}

// ParseServices decodes one page of /api/http/services.
func ParseServices(b []byte) ([]Service, error) {
	if err := checkJSON(b); err != nil {
		return nil, err
	}
	var s []Service
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, fmt.Errorf("not a JSON array of services: %s", shortJSONErr(err))
	}
	return s, nil
}

// ParseOverview decodes /api/overview. Fields gwtop does not use
// ("features", "providers") are skipped whatever their shape.
func ParseOverview(b []byte) (Overview, error) {
	if err := checkJSON(b); err != nil {
		return nil, err
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return nil, fmt.Errorf("not a JSON overview object: %s", shortJSONErr(err))
	}
	ov := Overview{}
	for _, proto := range []string{"http", "tcp", "udp"} {
		r, ok := raw[proto]
		if !ok {
			continue
		}
		var m map[string]struct {
			Total    int64 `json:"total"`
			Warnings int64 `json:"warnings"`
			Errors   int64 `json:"errors"`
		}
		if err := json.Unmarshal(r, &m); err != nil {
			return nil, fmt.Errorf("overview %q: %s", proto, shortJSONErr(err))
		}
		ov[proto] = m
	}
	if len(ov) == 0 {
		return nil, errors.New("JSON without http/tcp/udp counters: not Traefik's /api/overview")
	}
	return ov, nil
}

// shortJSONErr keeps a decoder error short: it may quote a whole line of
// garbage otherwise.
func shortJSONErr(err error) string {
	s := err.Error()
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}

// HostPort returns the host:port a Traefik server URL connects to, which is
// how gwtop keys upstreams: http://172.17.0.1:3000 → 172.17.0.1:3000, with
// the scheme's default port when none is written (80, or 443 for https).
// It returns "" for a URL with no host.
func HostPort(raw string) string {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || u.Host == "" {
		return ""
	}
	host, port := u.Hostname(), u.Port()
	if host == "" {
		return ""
	}
	if port == "" {
		port = "80"
		if u.Scheme == "https" {
			port = "443"
		}
	}
	return net.JoinHostPort(host, port)
}
