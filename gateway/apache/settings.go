package apache

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/gwtop/gwtop/config/discover"
	"github.com/gwtop/gwtop/facts"
	"github.com/gwtop/gwtop/gateway/apache/conf"
)

// httpd's defaults: Timeout (DEFAULT_TIMEOUT, 60 s), a worker's retry
// (PROXY_WORKER_DEFAULT_RETRY, 60 s) and keepalive (off).
const (
	defaultTimeout   = "60"
	defaultRetry     = "60"
	defaultKeepalive = "Off"
)

// settings is the kind's gateway.Kind.Settings.
func settings(ctx context.Context, p discover.Proc, path string) ([]facts.Setting, error) {
	return readSettings(ctx, p, path, discover.Options{})
}

// readSettings reads the configuration of httpd process p (-d and -f,
// else the compiled-in ones of Debian's apache2 or of httpd; ${VAR} from
// its environment, else from ServerRoot/envvars as discovery does), or
// the file path when p.PID is 0, and returns for every ProxyPass and
// ProxyPassMatch route (ProxyPass PATH ! excluded) the timeouts in effect:
// Timeout (60 by default), ProxyTimeout (Timeout's value by default), and
// the worker's timeout=, connectiontimeout=, retry= and keepalive=,
// unwritten ones falling back as mod_proxy does (timeout to ProxyTimeout,
// connectiontimeout to the worker's timeout; retry 60, keepalive Off).
// Upstream is the route's backend as discovery's upstream rows name it
// (HOST:PORT, "unix:PATH", "balancer://NAME"); a balancer's members each
// get their own BalancerMember values. What the loader could not read (an
// Include, an unclosed section) is skipped and named, with file:line, in
// the error returned with the settings; a main file that cannot be read is
// an error alone.
func readSettings(_ context.Context, p discover.Proc, path string, opt discover.Options) ([]facts.Setting, error) {
	s := discover.NewSession(opt)
	var o conf.Options
	if p.PID != 0 {
		o = procOptions(s, p)
	} else {
		if path == "" {
			return nil, errors.New("apache settings: no configuration file")
		}
		root := filepath.Dir(path)
		if filepath.Base(root) == "conf" {
			root = filepath.Dir(root)
		}
		env := map[string]string{}
		if data, err := s.ReadFile(filepath.Join(root, "envvars")); err == nil {
			env = conf.ParseEnvvars(data, env)
		}
		o = conf.Options{ServerRoot: root, Main: path, Env: env}
	}
	tree, notes, err := conf.Load(conf.OSFS{Root: opt.Root}, o)
	if err != nil {
		return nil, fmt.Errorf("apache configuration %s: %w", joinRoot(o.ServerRoot, o.Main), err)
	}
	site, _ := conf.Summarize(tree)
	out := siteSettings(site)
	if len(notes) > 0 {
		msgs := make([]string, len(notes))
		for i, n := range notes {
			msgs[i] = n.String()
		}
		return out, fmt.Errorf("apache configuration: skipped %s", strings.Join(msgs, "; "))
	}
	return out, nil
}

// procOptions is where a running httpd's configuration is, for discovery
// and Settings: its -d and -f, else the compiled-in defaults of Debian's
// apache2 or of httpd; its -D defines; and its environment, or Debian's
// envvars (apache2ctl reads them) when the process's is unreadable.
func procOptions(s *discover.Session, p discover.Proc) conf.Options {
	c := cmdlineOf(p)
	root, main := c.root, c.conf
	base := filepath.Base(c.bin)
	if base == "" || base == "." {
		base = p.Name
	}
	if root == "" {
		root = "/etc/httpd"
		if base == "apache2" {
			root = "/etc/apache2"
		}
	}
	if main == "" {
		main = "conf/httpd.conf"
		if base == "apache2" {
			main = "apache2.conf"
		}
	}
	env := map[string]string{}
	for _, kv := range p.Env {
		if k, v, ok := strings.Cut(kv, "="); ok {
			env[k] = v
		}
	}
	if _, ok := env["APACHE_LOG_DIR"]; !ok {
		if data, err := s.ReadFile(filepath.Join(root, "envvars")); err == nil {
			env = conf.ParseEnvvars(data, env)
		}
	}
	return conf.Options{ServerRoot: root, Main: main, Env: env, Defines: c.defines}
}

// siteSettings are the settings of every route of the main server and
// the virtual hosts.
func siteSettings(site *conf.Site) []facts.Setting {
	var out []facts.Setting
	type sc struct {
		vh *conf.VirtualHost
		*conf.Scope
	}
	scopes := []sc{{nil, site.Main}}
	for _, vh := range site.VirtualHosts {
		scopes = append(scopes, sc{vh, vh.Scope})
	}
	for _, x := range scopes {
		if x.Scope == nil {
			continue
		}
		base := serverSettings(x.Scope)
		for _, r := range x.Routes {
			if r.Exclude {
				continue
			}
			route := r.Directive + " " + r.Path
			if x.vh != nil && x.vh.ServerName != nil {
				route = "virtual host " + x.vh.ServerName.Value + ", " + route
			}
			emit := func(up string, vals []facts.Setting) {
				for _, v := range vals {
					v.Upstream, v.Route = up, route
					out = append(out, v)
				}
			}
			switch b := r.Backend; {
			case b.Balancer != "":
				emit("balancer://"+b.Balancer, base)
				bal := findBalancer(x.Scope, b.Balancer)
				if bal == nil {
					bal = findBalancer(site.Main, b.Balancer)
				}
				if bal == nil {
					continue
				}
				for _, m := range bal.Members {
					if m.Backend.Addr == "" {
						continue
					}
					emit(m.Backend.Addr, append(append([]facts.Setting(nil), base...), workerSettings("BalancerMember", m.Params, m.Timeout, m.ConnectTimeout, base[1], m.Pos)...))
				}
			case b.Addr != "" || b.Socket != "":
				up := b.Addr
				if up == "" {
					up = "unix:" + b.Socket
				}
				emit(up, append(append([]facts.Setting(nil), base...), workerSettings(r.Directive, r.Params, r.Timeout, r.ConnectTimeout, base[1], r.Pos)...))
			}
		}
	}
	return out
}

func findBalancer(sc *conf.Scope, name string) *conf.Balancer {
	if sc == nil {
		return nil
	}
	for _, b := range sc.Balancers {
		if b.Name == name {
			return b
		}
	}
	return nil
}

// serverSettings are a scope's Timeout and ProxyTimeout, in that order.
func serverSettings(sc *conf.Scope) []facts.Setting {
	t := facts.Setting{Gateway: "apache", Name: "Timeout", Value: defaultTimeout, Seconds: 60, Default: true}
	if written(sc.Timeout) {
		t = fromTimeout("Timeout", sc.Timeout)
	}
	pt := t
	pt.Name, pt.File, pt.Line, pt.Default = "ProxyTimeout", "", 0, true
	if written(sc.ProxyTimeout) {
		pt = fromTimeout("ProxyTimeout", sc.ProxyTimeout)
	}
	return []facts.Setting{t, pt}
}

// workerSettings are a worker's timeout=, connectiontimeout=, retry= and
// keepalive= from its directive (dir: "ProxyPass", "BalancerMember"),
// each unwritten one falling back as ap_proxy_connect_backend does.
func workerSettings(dir string, params map[string]string, timeout, connect *conf.Timeout, proxyTimeout facts.Setting, pos conf.Pos) []facts.Setting {
	t := proxyTimeout
	t.Name, t.File, t.Line, t.Default = dir+" timeout", "", 0, true
	if written(timeout) {
		t = fromTimeout(dir+" timeout", timeout)
	}
	ct := t
	ct.Name, ct.File, ct.Line, ct.Default = dir+" connectiontimeout", "", 0, true
	if written(connect) {
		ct = fromTimeout(dir+" connectiontimeout", connect)
	}
	retry := facts.Setting{Gateway: "apache", Name: dir + " retry", Value: defaultRetry, Seconds: 60, Default: true}
	if v, ok := params["retry"]; ok && v != "" {
		retry.Value, retry.File, retry.Line, retry.Default, retry.Seconds = v, pos.File, pos.Line, false, retrySeconds(v)
	}
	ka := facts.Setting{Gateway: "apache", Name: dir + " keepalive", Value: defaultKeepalive, Default: true}
	if v, ok := params["keepalive"]; ok && v != "" {
		ka.Value, ka.File, ka.Line, ka.Default = v, pos.File, pos.Line, false
	}
	return []facts.Setting{t, ct, retry, ka}
}

// retrySeconds is retry=N: whole seconds (mod_proxy reads it with atoi,
// so a unit is ignored); 0 for what is not a number.
func retrySeconds(v string) float64 {
	n := 0
	for i := 0; i < len(v) && v[i] >= '0' && v[i] <= '9' && n < 1<<30; i++ {
		n = n*10 + int(v[i]-'0')
	}
	return float64(n)
}

// written reports whether a timeout is set with a value.
func written(t *conf.Timeout) bool { return t != nil && t.Raw != "" }

func fromTimeout(name string, t *conf.Timeout) facts.Setting {
	s := facts.Setting{Gateway: "apache", Name: name, Value: t.Raw, Seconds: t.Value.Seconds(), File: t.File, Line: t.Line}
	if s.File == "" { // a position-less value is httpd's default
		s.Default = true
	}
	return s
}
