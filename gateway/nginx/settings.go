package nginx

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net"
	"path/filepath"
	"strings"

	"github.com/gwtop/gwtop/config/discover"
	"github.com/gwtop/gwtop/facts"
	"github.com/gwtop/gwtop/gateway/nginx/nginxconf"
)

// tuneSetting is one directive Settings reports for a pass, with nginx's
// default when it is not written (from the modules' merge_loc_conf).
type tuneSetting struct {
	suffix string // after the pass's prefix: "_read_timeout"
	def    string
	time   bool // a time value (ngx_conf_set_msec_slot)
}

// httpTune are the directives of ngx_http_proxy_module and its siblings
// (fastcgi, uwsgi, scgi, grpc, memcached), named by their prefix: all
// merge the three timeouts with 60000 ms, next_upstream with "error
// timeout", next_upstream_tries and next_upstream_timeout with 0.
var httpTune = []tuneSetting{
	{"_read_timeout", "60s", true},
	{"_connect_timeout", "60s", true},
	{"_send_timeout", "60s", true},
	{"_next_upstream", "error timeout", false},
	{"_next_upstream_tries", "0", false},
	{"_next_upstream_timeout", "0", true},
}

// streamTune are ngx_stream_proxy_module's: proxy_connect_timeout 60000
// ms, proxy_timeout 10 minutes, proxy_next_upstream on.
var streamTune = []tuneSetting{
	{"_connect_timeout", "60s", true},
	{"_timeout", "10m", true},
	{"_next_upstream", "on", false},
	{"_next_upstream_tries", "0", false},
	{"_next_upstream_timeout", "0", true},
}

// passPrefixes are the *_pass directives' module prefixes.
var passPrefixes = []string{"proxy", "fastcgi", "uwsgi", "scgi", "grpc", "memcached"}

// tuneDirectives are the directives the walker keeps per scope for
// Settings.
var tuneDirectives = func() map[string]bool {
	m := map[string]bool{}
	for _, p := range passPrefixes {
		for _, t := range httpTune {
			m[p+t.suffix] = true
		}
	}
	for _, t := range streamTune {
		m["proxy"+t.suffix] = true
	}
	return m
}()

// keepaliveTimeoutDefault is ngx_http_upstream_keepalive_module's
// keepalive_timeout when only keepalive is written.
const keepaliveTimeoutDefault = "60s"

// settings is the kind's gateway.Kind.Settings.
func settings(ctx context.Context, p discover.Proc, conf string) ([]facts.Setting, error) {
	return readSettings(ctx, p, conf, discover.Options{})
}

// readSettings reads the configuration of nginx process p (its -c and -p,
// else the compiled-in ones `nginx -V` gives), or the file conf when
// p.PID is 0, and returns, for every address a *_pass sends requests to,
// the effective timeouts and retry policy of its location (the location's
// own directive, else its server's, else http's, else nginx's default with
// Default set) and, for an upstream block, its keepalive. A pass to an
// upstream block gives the settings once with the block's name as
// Upstream and once per server address. Upstream is the address as
// discovery lists it ("127.0.0.1:8000", "unix:/run/app.sock"). An include
// that cannot be read or parsed is skipped: the settings read are then
// returned with an error naming it.
func readSettings(ctx context.Context, p discover.Proc, conf string, opt discover.Options) ([]facts.Setting, error) {
	s := discover.NewSession(opt)
	e := &env{s}
	prefix := ""
	if p.PID != 0 {
		cmd := parseNginxCmdline(p.Cmdline)
		conf, prefix = cmd.conf, cmd.prefix
		if prefix != "" && !filepath.IsAbs(prefix) && p.Cwd != "" {
			prefix = filepath.Join(p.Cwd, prefix)
		}
		if conf == "" || (prefix == "" && !filepath.IsAbs(conf)) {
			build := e.nginxBuild(ctx, e.nginxBinary(p, cmd))
			if conf == "" {
				conf = build.conf
			}
			if prefix == "" {
				prefix = build.prefix
			}
		}
		if !filepath.IsAbs(conf) {
			conf = filepath.Join(prefix, conf)
		}
	}
	if conf == "" {
		return nil, errors.New("nginx settings: no configuration file")
	}
	if prefix == "" {
		prefix = filepath.Dir(conf)
	}
	cf, err := nginxconf.Load(nginxconf.OS{Root: opt.Root, Read: opt.ReadFile}, conf, filepath.Dir(conf))
	if err != nil {
		var se *nginxconf.SyntaxError
		if errors.As(err, &se) {
			return nil, fmt.Errorf("nginx configuration: %w", err)
		}
		return nil, fmt.Errorf("nginx configuration %s: %w", conf, err)
	}
	x := &ngx{e: e, r: s, t: nginxTarget{conf: conf, prefix: prefix}, formats: map[string]*logFormat{}, upstreams: map[string]*upBlock{}}
	x.walk(cf.Directives, &scope{ctx: "main"})
	out := x.settings(ctx)
	var probs []error
	for _, pr := range cf.Problems {
		probs = append(probs, pr)
	}
	if len(probs) > 0 {
		return out, fmt.Errorf("nginx configuration %s: skipped: %w", conf, errors.Join(probs...))
	}
	return out, nil
}

// settings turns the walked passes into facts.Settings.
func (x *ngx) settings(ctx context.Context) []facts.Setting {
	var out []facts.Setting
	for _, p := range x.passes {
		if len(p.d.Args) == 0 {
			continue // "grpc_pass;": nginx -t rejects it, there is no address
		}
		dst := x.passDest(p)
		if dst.variable || dst.noPort {
			continue
		}
		vals := passSettings(p)
		// Where the address is written: the *_pass itself, or the
		// server line of its upstream block (for a wrong port's file:line).
		written := map[string]facts.Setting{}
		pass := facts.Setting{Gateway: "nginx", Name: p.d.Name, Value: strings.Join(p.d.Args, " "), File: p.d.File, Line: p.d.Line}
		var addrs []string
		switch {
		case dst.up != nil:
			vals = append(vals, keepalive(dst.up)...)
			addrs = append(addrs, dst.up.name)
			written[dst.up.name] = pass
			for _, d := range dst.up.d.Block {
				if d.Name == "server" && len(d.Args) > 0 {
					as, _, _ := x.serverAddrs(ctx, dst.up, d)
					addrs = append(addrs, as...)
					for _, a := range as {
						written[a] = facts.Setting{Gateway: "nginx", Name: "server", Value: strings.Join(d.Args, " "), File: d.File, Line: d.Line}
					}
				}
			}
		case dst.unix != "":
			addrs = []string{"unix:" + dst.unix}
			vals = append(vals, keepalive(nil)...)
		default:
			ips, _ := x.resolve(ctx, dst.host, dst.port, p.d)
			for _, ip := range ips {
				addrs = append(addrs, net.JoinHostPort(ip, dst.port))
			}
			if !p.stream {
				vals = append(vals, keepalive(nil)...)
			}
		}
		route := passRoute(p)
		for _, a := range addrs {
			w, ok := written[a]
			if !ok {
				w = pass
			}
			for _, v := range append([]facts.Setting{w}, vals...) {
				v.Upstream, v.Route = a, route
				out = append(out, v)
			}
		}
	}
	return out
}

// passSettings are the effective timeouts and retries where p is.
func passSettings(p *pass) []facts.Setting {
	prefix, tune := strings.TrimSuffix(p.d.Name, "_pass"), httpTune
	if p.stream {
		prefix, tune = "proxy", streamTune
	}
	out := make([]facts.Setting, 0, len(tune))
	for _, t := range tune {
		name := prefix + t.suffix
		s := facts.Setting{Gateway: "nginx", Name: name, Value: t.def, Default: true}
		if d := p.tune[name]; d != nil {
			s.Value, s.File, s.Line, s.Default = strings.Join(d.Args, " "), d.File, d.Line, false
		}
		if t.time {
			if ms, ok := parseTime(s.Value); ok {
				s.Seconds = float64(ms) / 1000
			}
		}
		out = append(out, s)
	}
	return out
}

// keepalive is an upstream block's connection cache: keepalive N and its
// keepalive_timeout (60s when unwritten), or keepalive "off" with Default
// set when the block (or an address without one) caches no connections.
func keepalive(u *upBlock) []facts.Setting {
	off := []facts.Setting{{Gateway: "nginx", Name: "keepalive", Value: "off", Default: true}}
	if u == nil || u.stream {
		if u != nil {
			return nil
		}
		return off
	}
	var ka, kt *nginxconf.Directive
	for _, d := range u.d.Block {
		if len(d.Args) == 0 {
			continue
		}
		switch d.Name {
		case "keepalive":
			ka = d
		case "keepalive_timeout":
			kt = d
		}
	}
	if ka == nil {
		return off
	}
	out := []facts.Setting{{Gateway: "nginx", Name: "keepalive", Value: strings.Join(ka.Args, " "), File: ka.File, Line: ka.Line}}
	t := facts.Setting{Gateway: "nginx", Name: "keepalive_timeout", Value: keepaliveTimeoutDefault, Default: true}
	if kt != nil {
		t.Value, t.File, t.Line, t.Default = strings.Join(kt.Args, " "), kt.File, kt.Line, false
	}
	if ms, ok := parseTime(t.Value); ok {
		t.Seconds = float64(ms) / 1000
	}
	return append(out, t)
}

// passRoute names where a pass is: "location /api/", "server
// api.example.com, location /api/", "stream server 127.0.0.1:5432".
func passRoute(p *pass) string {
	name := ""
	if p.srv != nil {
		for _, n := range p.srv.names {
			if n != "" && n != "_" {
				name = n
				break
			}
		}
	}
	if p.stream {
		if p.srv != nil && len(p.srv.listens) > 0 {
			return "stream server " + p.srv.listens[0].Arg(0)
		}
		return "stream server"
	}
	switch {
	case p.loc == "" && name == "":
		return ""
	case p.loc == "":
		return "server " + name
	case name == "":
		return "location " + p.loc
	}
	return "server " + name + ", location " + p.loc
}

// parseTime reads an nginx time value in milliseconds as
// ngx_parse_time(…, 0) does for ngx_conf_set_msec_slot: parts in
// descending order of w, d, h, m, s and ms ("1m30s", "1m 30s"), a bare
// number meaning seconds; no y or M (those are for second values only).
// It reports false for what nginx rejects or what overflows.
func parseTime(s string) (int64, bool) {
	const (
		stStart = iota
		stWeek
		stDay
		stHour
		stMin
		stSec
		stMsec
		stLast
	)
	step := stStart
	var value, total int64
	valid := false
	for i := 0; i < len(s); {
		c := s[i]
		if c >= '0' && c <= '9' {
			if value > (math.MaxInt64-9)/10 {
				return 0, false
			}
			value = value*10 + int64(c-'0')
			valid = true
			i++
			continue
		}
		i++
		var next int
		var scale int64
		switch c {
		case 'w':
			next, scale = stWeek, 7*24*3600*1000
		case 'd':
			next, scale = stDay, 24*3600*1000
		case 'h':
			next, scale = stHour, 3600*1000
		case 'm':
			if i < len(s) && s[i] == 's' {
				i++
				next, scale = stMsec, 1
			} else {
				next, scale = stMin, 60*1000
			}
		case 's':
			next, scale = stSec, 1000
		case ' ':
			if step >= stSec {
				return 0, false
			}
			next, scale = stLast, 1000
		default:
			return 0, false
		}
		if next <= step && next != stLast {
			return 0, false
		}
		step = next
		if value > math.MaxInt64/scale {
			return 0, false
		}
		value *= scale
		if total > math.MaxInt64-value {
			return 0, false
		}
		total += value
		value = 0
		for i < len(s) && s[i] == ' ' {
			i++
		}
	}
	if !valid {
		return 0, false
	}
	if value > math.MaxInt64/1000 {
		return 0, false
	}
	value *= 1000
	if total > math.MaxInt64-value {
		return 0, false
	}
	return total + value, true
}
