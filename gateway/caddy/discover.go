package caddy

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/url"
	"path/filepath"
	"strings"

	"github.com/gwtop/gwtop/config"
	"github.com/gwtop/gwtop/config/discover"
)

const defaultCaddyAdmin = "localhost:2019"

func (e *env) caddyProc(_ context.Context, r *discover.Session, p discover.Proc) {
	path := discover.RelTo(p.Cwd, discover.FlagValue(p.Cmdline, "--config", "-config"))
	adapter := discover.FlagValue(p.Cmdline, "--adapter", "-adapter")
	if path == "" && p.Cwd != "" && e.Exists(filepath.Join(p.Cwd, "Caddyfile")) {
		path, adapter = filepath.Join(p.Cwd, "Caddyfile"), "caddyfile"
	}
	r.Found(discover.Gateway{Kind: "caddy", PID: p.PID, Config: path, Used: true})
	admin, why := defaultCaddyAdmin, "Caddy's default admin address"
	for _, kv := range p.Env {
		if v, ok := strings.CutPrefix(kv, "CADDY_ADMIN="); ok && v != "" {
			admin, why = v, fmt.Sprintf("CADDY_ADMIN in pid %d's environment", p.PID)
		}
	}
	r.Explain("caddy", "caddy pid %d: config %s", p.PID, discover.OrNone(path))
	e.caddyConfig(r, path, adapter, admin, why)
}

// FromCaddyConfig discovers from a Caddyfile or Caddy JSON configuration.
// opt may be nil.
func FromCaddyConfig(_ context.Context, path string, opt *discover.Options) (*discover.Result, error) {
	r := discover.NewSessionFor(opt)
	r.Found(discover.Gateway{Kind: "caddy", Config: path, Used: true})
	findConfig(context.Background(), r, path)
	return r.Result()
}

func (e *env) caddyConfig(r *discover.Session, path, adapter, admin, adminWhy string) {
	c := &Config{}
	adminOff := false
	if path != "" {
		data, err := e.ReadFile(path)
		switch {
		case err != nil:
			r.Note("caddy", "cannot read %s: %s; assuming the default admin address", path, e.ReadHint(path, err))
		case adapter == "json" || strings.HasSuffix(path, ".json") || (adapter == "" && strings.HasPrefix(strings.TrimSpace(string(data)), "{\"")):
			adminOff = e.caddyJSON(r, path, data, c, &admin, &adminWhy)
		default:
			adminOff = e.caddyfile(r, path, data, c, &admin, &adminWhy)
		}
	}
	if !adminOff {
		if strings.HasPrefix(admin, "unix/") || strings.HasPrefix(admin, "unix//") {
			r.Note("caddy", "admin endpoint %s (%s) is a unix socket: gwtop reaches the admin API over TCP only", admin, adminWhy)
		} else {
			c.Admin = admin
			r.SetField("caddy.admin", adminWhy)
		}
	}
	if c.Admin != "" || c.Log != "" {
		r.SetSection("caddy", c)
	}
}

// caddyfile reads the global options (admin), reverse_proxy upstreams and
// log files of a Caddyfile. It reports whether the admin API is off.
func (e *env) caddyfile(r *discover.Session, path string, data []byte, c *Config, admin, adminWhy *string) bool {
	depth := 0
	global := false
	first := true
	inProxy := -1 // depth of the reverse_proxy block we are in
	inLog := -1
	off := false
	for i, text := range strings.Split(string(data), "\n") {
		words, err := discover.Words(text) // the same quoting and comment rules
		if err != nil {
			r.Note("caddy", "skipped %s:%d: %v", path, i+1, err)
			continue
		}
		if len(words) == 0 {
			continue
		}
		pos := fmt.Sprintf("%s:%d", path, i+1)
		if first && len(words) == 1 && words[0] == "{" {
			global = true
		}
		first = false
		w0 := words[0]
		switch {
		case global && depth == 1 && w0 == "admin" && len(words) > 1:
			if words[1] == "off" {
				off = true
				r.Note("caddy", "admin off (%s): gwtop cannot read upstream states without the admin API", pos)
			} else {
				*admin, *adminWhy = words[1], "admin in the global options at "+pos
			}
		case w0 == "reverse_proxy" || (inProxy >= 0 && depth == inProxy+1 && w0 == "to"):
			for _, w := range words[1:] {
				if w == "{" || strings.HasPrefix(w, "@") || strings.HasPrefix(w, "/") || w == "*" {
					continue
				}
				caddyUpstream(r, w, fmt.Sprintf("from %s (%s)", pos, w0))
			}
			if w0 == "reverse_proxy" && words[len(words)-1] == "{" {
				inProxy = depth
			}
		case w0 == "log":
			if words[len(words)-1] == "{" {
				inLog = depth
			}
		case inLog >= 0 && w0 == "output" && len(words) >= 3 && words[1] == "file":
			if c.Log == "" {
				e.caddyLog(r, c, words[2], pos)
			}
		}
		for _, w := range words {
			if w == "{" || strings.HasSuffix(w, "{") && !strings.HasPrefix(w, "{") {
				depth++
			}
			if w == "}" {
				depth--
				if depth == 0 {
					global = false
				}
				if depth <= inProxy {
					inProxy = -1
				}
				if depth <= inLog {
					inLog = -1
				}
			}
		}
	}
	return off
}

func (e *env) caddyLog(r *discover.Session, c *Config, path, pos string) {
	if err := e.CanRead(path); err != nil {
		r.Note("caddy", "log file %s (%s): %s", path, pos, e.ReadHint(path, err))
		return
	}
	c.Log = path
	r.SetField("caddy.log", "output file at "+pos)
}

// caddyUpstream adds a reverse_proxy upstream under the address Caddy's
// admin API reports for it (the dial address as written).
func caddyUpstream(r *discover.Session, w, why string) {
	if strings.Contains(w, "{") {
		r.Note("upstreams", "reverse_proxy %s: a placeholder, filled per request; skipped", w)
		return
	}
	if sock, ok := strings.CutPrefix(w, "unix/"); ok {
		r.AddUpstream(config.Upstream{Name: w, Address: w}, why+fmt.Sprintf("; a unix socket (%s): gwtop probes TCP and HTTP only", sock))
		return
	}
	host, port := w, ""
	if u, err := url.Parse(w); err == nil && u.Scheme != "" && u.Host != "" {
		host, port = u.Hostname(), u.Port()
		if port == "" {
			port = "80"
			if u.Scheme == "https" {
				port = "443"
			}
		}
	} else {
		host, port = discover.SplitHostPort(w)
		if port == "" {
			port = "80"
		}
	}
	if host == "" {
		host = "localhost"
	}
	addr := net.JoinHostPort(host, port)
	r.AddUpstream(config.Upstream{Name: addr, Address: addr, Probe: "tcp://" + addr}, why)
}

// caddyJSON reads Caddy's native JSON configuration.
func (e *env) caddyJSON(r *discover.Session, path string, data []byte, c *Config, admin, adminWhy *string) bool {
	var doc map[string]any
	if err := json.Unmarshal(data, &doc); err != nil {
		r.Note("caddy", "cannot parse %s: %v", path, err)
		return false
	}
	off := false
	if a, ok := doc["admin"].(map[string]any); ok {
		if d, _ := a["disabled"].(bool); d {
			off = true
			r.Note("caddy", "admin.disabled in %s: gwtop cannot read upstream states without the admin API", path)
		}
		if l, ok := a["listen"].(string); ok && l != "" {
			*admin, *adminWhy = l, "admin.listen in "+path
		}
	}
	discover.WalkJSON(doc, func(m map[string]any) {
		if m["handler"] == "reverse_proxy" {
			ups, _ := m["upstreams"].([]any)
			for _, u := range ups {
				if um, ok := u.(map[string]any); ok {
					if dial, ok := um["dial"].(string); ok {
						caddyUpstream(r, dial, "from "+path+" (reverse_proxy upstreams[].dial)")
					}
				}
			}
		}
		if m["output"] == "file" && c.Log == "" {
			if f, ok := m["filename"].(string); ok {
				e.caddyLog(r, c, f, path+" logging writer")
			}
		}
	})
	return off
}
