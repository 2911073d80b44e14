package envoy

import (
	"context"
	"fmt"
	"net"

	"github.com/gwtop/gwtop/config"
	"github.com/gwtop/gwtop/config/discover"
	"gopkg.in/yaml.v3"
)

func (e *env) envoyProc(ctx context.Context, r *discover.Session, p discover.Proc) {
	path := discover.RelTo(p.Cwd, discover.FlagValue(p.Cmdline, "-c", "--config-path"))
	inline := discover.FlagValue(p.Cmdline, "--config-yaml")
	r.Found(discover.Gateway{Kind: "envoy", PID: p.PID, Config: path, Used: true})
	r.Explain("envoy", "envoy pid %d: config %s", p.PID, discover.OrNone(path))
	switch {
	case path != "":
		e.envoyFile(ctx, r, path)
	case inline != "":
		e.envoyYAML(ctx, r, []byte(inline), fmt.Sprintf("pid %d's --config-yaml", p.PID))
	default:
		r.Note("envoy", "no -c on envoy's command line: give --envoy-admin")
	}
}

// FromEnvoyConfig discovers from an Envoy bootstrap file (YAML or JSON).
// opt may be nil.
func FromEnvoyConfig(ctx context.Context, path string, opt *discover.Options) (*discover.Result, error) {
	r := discover.NewSessionFor(opt)
	r.Found(discover.Gateway{Kind: "envoy", Config: path, Used: true})
	findConfig(ctx, r, path)
	return r.Result()
}

func (e *env) envoyFile(ctx context.Context, r *discover.Session, path string) {
	data, err := e.ReadFile(path)
	if err != nil {
		r.Note("envoy", "cannot read %s: %s", path, e.ReadHint(path, err))
		return
	}
	e.envoyYAML(ctx, r, data, path)
}

// get follows a path of keys and indexes through a decoded document.
func get(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				return nil
			}
			v = m[k]
		case int:
			s, ok := v.([]any)
			if !ok || k >= len(s) {
				return nil
			}
			v = s[k]
		}
	}
	return v
}

func getString(v any, path ...any) string {
	switch t := get(v, path...).(type) {
	case string:
		return t
	case int, float64:
		return fmt.Sprint(t)
	}
	return ""
}

func (e *env) envoyYAML(ctx context.Context, r *discover.Session, data []byte, src string) {
	var doc any
	if err := yaml.Unmarshal(data, &doc); err != nil {
		r.Note("envoy", "cannot parse %s: %v", src, err)
		return
	}
	en := &Config{}
	sa := get(doc, "admin", "address", "socket_address")
	if host, port := getString(sa, "address"), getString(sa, "port_value"); port != "" {
		en.Admin = "http://" + net.JoinHostPort(discover.LocalHost(host), port)
		r.SetField("envoy.admin", "admin.address.socket_address in "+src)
	} else if get(doc, "admin", "address", "pipe") != nil {
		r.Note("envoy", "the admin interface in %s is a unix socket: gwtop reaches it over TCP only", src)
	} else {
		r.Note("envoy", "no admin address in %s: gwtop needs the admin interface for cluster states", src)
	}
	// Access logs: the file loggers anywhere in the listeners.
	discover.WalkJSON(get(doc, "static_resources", "listeners"), func(m map[string]any) {
		logs, ok := m["access_log"].([]any)
		if !ok || en.AccessLog != "" {
			return
		}
		for _, l := range logs {
			tc := get(l, "typed_config")
			p := getString(tc, "path")
			if p == "" {
				continue
			}
			switch {
			case p == "/dev/stdout" || p == "/dev/stderr":
				r.Note("envoy", "access log %s in %s: not a file gwtop can follow", p, src)
				continue
			case get(tc, "log_format", "json_format") != nil:
				en.LogFormat = "json"
			case get(tc, "log_format") != nil || get(tc, "format") != nil:
				r.Note("envoy", "access log %s in %s has a custom text format: gwtop reads Envoy's default format or json_format", p, src)
				continue
			default:
				en.LogFormat = "default"
			}
			if err := e.CanRead(p); err != nil {
				r.Note("envoy", "access log %s (%s): %s", p, src, e.ReadHint(p, err))
				en.LogFormat = ""
				continue
			}
			en.AccessLog = p
			r.SetField("envoy.access_log", "a file access_log in the listeners of "+src)
			return
		}
	})
	clusters, _ := get(doc, "static_resources", "clusters").([]any)
	for i, c := range clusters {
		name := getString(c, "name")
		hpath := ""
		hcs, _ := get(c, "health_checks").([]any)
		for _, hc := range hcs {
			if p := getString(hc, "http_health_check", "path"); p != "" {
				hpath = p
			}
		}
		eps, _ := get(c, "load_assignment", "endpoints").([]any)
		for _, ep := range eps {
			lbs, _ := get(ep, "lb_endpoints").([]any)
			for _, lb := range lbs {
				sa := get(lb, "endpoint", "address", "socket_address")
				host, port := getString(sa, "address"), getString(sa, "port_value")
				if host == "" || port == "" {
					continue
				}
				why := fmt.Sprintf("from %s (static_resources.clusters[%d] %s)", src, i, name)
				ips := []string{host}
				if net.ParseIP(host) == nil {
					if got, err := e.LookupHost(ctx, host); err == nil && len(got) > 0 {
						ips = got
						why += fmt.Sprintf("; %s resolves to %v", host, got)
					} else {
						r.Note("upstreams", "cluster %s: cannot resolve %s (%v); listed under its name", name, host, err)
					}
				}
				for _, ip := range ips {
					addr := net.JoinHostPort(ip, port)
					u := config.Upstream{Name: name, Group: name, Address: addr, Probe: "tcp://" + addr}
					w := why
					if hpath != "" {
						u.Probe = "http://" + addr + hpath
						w += "; HTTP probe from its http_health_check path"
					}
					r.AddUpstream(u, w)
				}
			}
		}
	}
	if get(doc, "dynamic_resources") != nil {
		r.Explain("upstreams", "envoy gets clusters from a control plane (dynamic_resources in %s): gwtop sees them through the admin interface, not here", src)
	}
	if en.Admin != "" || en.AccessLog != "" {
		r.SetSection("envoy", en)
	}
}
