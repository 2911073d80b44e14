package traefik

import (
	"context"
	"fmt"
	"net"
	"path/filepath"
	"strings"

	"github.com/gwtop/gwtop/config/discover"
	"gopkg.in/yaml.v3"
)

func (e *env) traefikProc(_ context.Context, r *discover.Session, p discover.Proc) {
	path := discover.RelTo(p.Cwd, discover.FlagValue(p.Cmdline, "--configfile", "-configfile"))
	cli := traefikCLI(p.Cmdline)
	if path == "" && len(cli) == 0 {
		// Traefik's own search order for its static configuration.
		dirs := []string{"/etc/traefik"}
		home := e.Options().Home
		for _, kv := range p.Env {
			if v, ok := strings.CutPrefix(kv, "HOME="); ok && home == "" {
				home = v
			}
		}
		if home != "" {
			dirs = append(dirs, filepath.Join(home, ".config"))
		}
		if p.Cwd != "" {
			dirs = append(dirs, p.Cwd)
		}
	search:
		for _, dir := range dirs {
			for _, ext := range []string{"yml", "yaml", "toml"} {
				if f := filepath.Join(dir, "traefik."+ext); e.Exists(f) {
					path = f
					break search
				}
			}
		}
	}
	r.Found(discover.Gateway{Kind: "traefik", PID: p.PID, Config: path, Used: true})
	r.Explain("traefik", "traefik pid %d: static configuration %s", p.PID, discover.OrNone(path))
	if len(cli) > 0 {
		// Traefik takes its static configuration from one source only: the
		// command line wins over a file.
		e.traefikStatic(r, cli, fmt.Sprintf("pid %d's command line", p.PID))
		return
	}
	if path == "" {
		r.Note("traefik", "no static configuration file found (looked in /etc/traefik, $HOME/.config and the working directory); give --traefik-api")
		return
	}
	e.traefikFile(r, path)
}

// FromTraefikConfig discovers from Traefik's static configuration (YAML or
// TOML). opt may be nil.
func FromTraefikConfig(_ context.Context, path string, opt *discover.Options) (*discover.Result, error) {
	r := discover.NewSessionFor(opt)
	r.Found(discover.Gateway{Kind: "traefik", Config: path, Used: true})
	findConfig(context.Background(), r, path)
	return r.Result()
}

// traefikCLI returns the static configuration given as --a.b.c=value flags,
// keys lower-cased.
func traefikCLI(cmdline []string) map[string]string {
	out := map[string]string{}
	for _, w := range discover.Args(cmdline) {
		if !strings.HasPrefix(w, "--") {
			continue
		}
		k, v, ok := strings.Cut(strings.TrimPrefix(w, "--"), "=")
		k = strings.ToLower(k)
		if k == "configfile" {
			continue
		}
		if !ok {
			v = "true"
		}
		out[k] = v
	}
	return out
}

func (e *env) traefikFile(r *discover.Session, path string) {
	data, err := e.ReadFile(path)
	if err != nil {
		r.Note("traefik", "cannot read %s: %s", path, e.ReadHint(path, err))
		return
	}
	var flat map[string]string
	if strings.HasSuffix(path, ".toml") {
		flat = flatTOML(string(data))
	} else {
		var doc any
		if err := yaml.Unmarshal(data, &doc); err != nil {
			r.Note("traefik", "cannot parse %s: %v", path, err)
			return
		}
		flat = map[string]string{}
		flatten("", doc, flat)
	}
	e.traefikStatic(r, flat, path)
}

// flatten turns a decoded YAML document into lower-cased dotted keys, the
// way Traefik matches them (case-insensitively).
func flatten(prefix string, v any, out map[string]string) {
	switch t := v.(type) {
	case map[string]any:
		if len(t) == 0 && prefix != "" {
			out[prefix] = "true" // "api: {}" enables the section
		}
		for k, c := range t {
			flatten(join(prefix, strings.ToLower(k)), c, out)
		}
	case nil:
		if prefix != "" {
			out[prefix] = "true" // "api:" with nothing under it
		}
	case []any:
	default:
		out[prefix] = fmt.Sprint(t)
	}
}

func join(a, b string) string {
	if a == "" {
		return b
	}
	return a + "." + b
}

// flatTOML reads the "[section]" and "key = value" lines of a TOML file,
// which is all Traefik's static settings gwtop needs use.
func flatTOML(s string) map[string]string {
	out := map[string]string{}
	section := ""
	for _, line := range strings.Split(s, "\n") {
		line = strings.TrimSpace(line)
		if i := strings.Index(line, "#"); i >= 0 && !strings.Contains(line[:i], `"`) {
			line = strings.TrimSpace(line[:i])
		}
		switch {
		case line == "":
		case strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]"):
			section = strings.ToLower(strings.Trim(line, "[] "))
			out[section] = "true"
		default:
			k, v, ok := strings.Cut(line, "=")
			if !ok {
				continue
			}
			v = strings.Trim(strings.TrimSpace(v), `"'`)
			out[join(section, strings.ToLower(strings.Trim(strings.TrimSpace(k), `"`)))] = v
		}
	}
	return out
}

// traefikStatic reads the API and access log settings from flattened static
// configuration.
func (e *env) traefikStatic(r *discover.Session, s map[string]string, src string) {
	t := &Config{}
	has := func(prefix string) bool {
		for k := range s {
			if k == prefix || strings.HasPrefix(k, prefix+".") {
				return true
			}
		}
		return false
	}
	switch {
	case !has("api"):
		r.Note("traefik", "the API is off in %s (no api section): gwtop needs it for router and service states; enable api.insecure or give --traefik-api", src)
	case s["api.insecure"] != "true":
		r.Note("traefik", "the API in %s is not insecure, so it is served through a router of yours (api@internal) whose address gwtop cannot know; give --traefik-api", src)
	default:
		addr, why := ":8080", "the traefik entry point's default address"
		if a := s["entrypoints.traefik.address"]; a != "" {
			addr, why = a, "entryPoints.traefik.address"
		}
		host, port := discover.SplitHostPort(strings.SplitN(addr, "/", 2)[0])
		t.API = "http://" + net.JoinHostPort(discover.LocalHost(host), port)
		r.SetField("traefik.api", fmt.Sprintf("api.insecure in %s; %s", src, why))
	}
	if has("accesslog") {
		p := s["accesslog.filepath"]
		switch {
		case p == "":
			r.Note("traefik", "the access log in %s goes to stdout (no accessLog.filePath): gwtop follows files", src)
		case !strings.EqualFold(s["accesslog.format"], "json"):
			r.Note("traefik", "the access log %s in %s is in the common format: gwtop reads Traefik's JSON access log (accessLog.format: json)", p, src)
		default:
			if err := e.CanRead(p); err != nil {
				r.Note("traefik", "access log %s (%s): %s", p, src, e.ReadHint(p, err))
			} else {
				t.AccessLog = p
				r.SetField("traefik.access_log", "accessLog.filePath in "+src)
			}
		}
	}
	if t.API != "" || t.AccessLog != "" {
		r.SetSection("traefik", t)
	}
}
