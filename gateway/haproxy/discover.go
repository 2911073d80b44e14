package haproxy

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/gwtop/gwtop/config"
	"github.com/gwtop/gwtop/config/discover"
)

// haproxyConfigArgs returns the configuration files and directories on an
// HAProxy command line: every -f, and everything after "--".
func haproxyConfigArgs(cmdline []string) []string {
	a := discover.Args(cmdline)
	var out []string
	for i := 1; i < len(a); i++ {
		switch {
		case a[i] == "-f" && i+1 < len(a):
			i++
			out = append(out, a[i])
		case strings.HasPrefix(a[i], "-f") && len(a[i]) > 2:
			out = append(out, a[i][2:])
		case a[i] == "--":
			out = append(out, a[i+1:]...)
			return out
		}
	}
	return out
}

func (e *env) haproxyProc(ctx context.Context, r *discover.Session, p discover.Proc) {
	files := haproxyConfigArgs(p.Cmdline)
	for i := range files {
		files[i] = discover.RelTo(p.Cwd, files[i])
	}
	if len(files) == 0 {
		files = []string{"/etc/haproxy/haproxy.cfg"}
		r.Explain("haproxy", "haproxy pid %d: no -f, trying %s", p.PID, files[0])
	} else {
		r.Explain("haproxy", "haproxy pid %d: -f %s", p.PID, strings.Join(files, " -f "))
	}
	r.Found(discover.Gateway{Kind: "haproxy", PID: p.PID, Config: files[0], Used: true})
	e.haproxyFiles(ctx, r, files)
}

// FromHAProxyConfig discovers from HAProxy configuration files (or
// directories of *.cfg files, as -f takes them). opt may be nil.
func FromHAProxyConfig(ctx context.Context, paths []string, opt *discover.Options) (*discover.Result, error) {
	r := discover.NewSessionFor(opt)
	e := &env{r}
	if len(paths) > 0 {
		r.Found(discover.Gateway{Kind: "haproxy", Config: paths[0], Used: true})
	}
	e.haproxyFiles(ctx, r, paths)
	return r.Result()
}

// hline is one configuration line, split into words.
type hline struct {
	words []string
	file  string
	line  int
}

func (l hline) pos() string { return fmt.Sprintf("%s:%d", l.file, l.line) }

// hsection is one section: global, defaults, frontend, backend, listen...
type hsection struct {
	kind, name string
	head       hline
	lines      []hline
	defaults   *hsection // the defaults section in force for a proxy
}

var haproxySections = map[string]bool{"global": true, "defaults": true, "frontend": true, "backend": true, "listen": true,
	"peers": true, "resolvers": true, "userlist": true, "cache": true, "program": true, "http-errors": true, "ring": true,
	"mailers": true, "log-forward": true, "crt-store": true, "traces": true, "fcgi-app": true}

func (e *env) haproxyFiles(ctx context.Context, r *discover.Session, paths []string) {
	secs, unread, skipped := e.readSections(paths)
	for _, u := range unread {
		r.Note("haproxy", "cannot read %s: %s", u.file, e.ReadHint(u.file, u.err))
	}
	for _, s := range skipped {
		r.Note("haproxy", "skipped %s", s)
	}
	if len(secs) == 0 {
		return
	}
	h := &Config{}
	e.haproxyStats(r, secs, h)
	e.haproxyLog(r, secs, h)
	e.haproxyServers(ctx, r, secs)
	if h.Stats != "" || h.Log != "" {
		r.SetSection("haproxy", h)
	} else {
		r.Note("haproxy", "no stats socket or stats page found: add `stats socket /run/haproxy/admin.sock mode 660 level user` to global so gwtop can read server states")
	}
}

// haproxyStats finds the runtime API socket (preferred: no password, every
// proxy) and the stats page.
func (e *env) haproxyStats(r *discover.Session, secs []*hsection, h *Config) {
	for _, s := range secs {
		if s.kind != "global" {
			continue
		}
		for _, l := range s.lines {
			if len(l.words) < 3 || l.words[0] != "stats" || l.words[1] != "socket" {
				continue
			}
			addr := l.words[2]
			var stats string
			switch {
			case strings.HasPrefix(addr, "ipv4@"), strings.HasPrefix(addr, "ipv6@"):
				host, port := discover.SplitHostPort(addr[5:])
				stats = addr[:5] + net.JoinHostPort(discover.LocalHost(host), port)
			case strings.HasPrefix(addr, "unix@"):
				stats = "unix:" + addr[5:]
			case strings.HasPrefix(addr, "/"):
				stats = "unix:" + addr
			case strings.HasPrefix(addr, "abns@"), strings.HasPrefix(addr, "fd@"), strings.HasPrefix(addr, "sockpair@"):
				r.Note("haproxy", "stats socket %s (%s): gwtop cannot connect to that kind of socket", addr, l.pos())
				continue
			default:
				host, port := discover.SplitHostPort(addr)
				if port == "" {
					r.Note("haproxy", "stats socket %s (%s): not an address gwtop understands", addr, l.pos())
					continue
				}
				stats = "ipv4@" + net.JoinHostPort(discover.LocalHost(host), port)
			}
			if sock, ok := strings.CutPrefix(stats, "unix:"); ok {
				if err := e.CanWrite(sock); err != nil {
					hint := e.ReadHint(sock, err)
					if errors.Is(err, os.ErrPermission) {
						if g := e.GroupOf(sock); g != "" {
							hint = "permission denied — run as root or a member of group " + g
						}
					}
					r.Note("haproxy", "stats socket %s (%s): %s", sock, l.pos(), hint)
					continue
				}
			}
			if h.Stats == "" {
				h.Stats = stats
				lvl := ""
				for i, w := range l.words {
					if w == "level" && i+1 < len(l.words) {
						lvl = ", level " + l.words[i+1]
					}
				}
				r.SetField("haproxy.stats", fmt.Sprintf("stats socket at %s%s", l.pos(), lvl))
			}
		}
	}
	for _, s := range secs {
		if s.kind != "frontend" && s.kind != "listen" {
			continue
		}
		uri, auth := "", ""
		var uriLine hline
		for _, l := range s.lines {
			if len(l.words) >= 2 && l.words[0] == "stats" {
				switch l.words[1] {
				case "uri":
					if len(l.words) > 2 {
						uri, uriLine = l.words[2], l
					}
				case "enable":
					if uri == "" {
						uri, uriLine = "/haproxy?stats", l
					}
				case "auth":
					if auth == "" && len(l.words) > 2 {
						auth = l.words[2]
					}
				}
			}
		}
		if uri == "" {
			continue
		}
		var bind *hline
		for i, l := range s.lines {
			if l.words[0] == "bind" && len(l.words) > 1 {
				bind = &s.lines[i]
				break
			}
		}
		if bind == nil && s.kind == "listen" && len(s.head.words) > 2 {
			bind = &hline{words: []string{"bind", s.head.words[2]}, file: s.head.file, line: s.head.line}
		}
		if bind == nil {
			r.Note("haproxy", "stats page %s in %s %s (%s) has no bind line", uri, s.kind, s.name, uriLine.pos())
			continue
		}
		a := strings.Split(bind.words[1], ",")[0]
		a = strings.TrimPrefix(strings.TrimPrefix(a, "ipv4@"), "ipv6@")
		host, port := discover.SplitHostPort(a)
		if port == "" || strings.HasPrefix(a, "/") || strings.Contains(a, "@") {
			r.Note("haproxy", "stats page %s (%s): bind %s is not a TCP address gwtop can reach", uri, uriLine.pos(), bind.words[1])
			continue
		}
		scheme := "http"
		if slices.Contains(bind.words[2:], "ssl") {
			scheme = "https"
		}
		page := fmt.Sprintf("%s://%s%s", scheme, net.JoinHostPort(discover.LocalHost(host), port), uri)
		if h.Stats != "" {
			r.Explain("haproxy", "also a stats page at %s (%s, bind %s); the socket needs no password", page, uriLine.pos(), bind.pos())
			continue
		}
		h.Stats = page
		r.SetField("haproxy.stats", fmt.Sprintf("stats uri at %s, bind at %s", uriLine.pos(), bind.pos()))
		if user, pass, ok := strings.Cut(auth, ":"); ok {
			h.Username = user
			h.Password = "${GWTOP_HAPROXY_PASSWORD}"
			r.SetEnv("GWTOP_HAPROXY_PASSWORD", pass)
			r.SetField("haproxy.username", "stats auth in "+s.kind+" "+s.name)
			r.SetField("haproxy.password", "not copied here: export GWTOP_HAPROXY_PASSWORD=<the stats auth password in "+s.head.file+">")
		}
	}
}

// haproxyLog finds a file HAProxy's log ends up in. HAProxy never writes
// files itself: it sends syslog, and the local syslog daemon's rules say
// which file.
func (e *env) haproxyLog(r *discover.Session, secs []*hsection, h *Config) {
	var target *hline
	httplog := false
	for _, s := range secs {
		for i, l := range s.lines {
			if s.kind == "global" && l.words[0] == "log" && len(l.words) > 1 && target == nil {
				target = &s.lines[i]
			}
			if len(l.words) >= 2 && l.words[0] == "option" && l.words[1] == "httplog" {
				httplog = true
			}
		}
	}
	if target == nil {
		r.Explain("haproxy", "no log line in global: HAProxy logs nothing gwtop can follow")
		return
	}
	dest := target.words[1]
	switch {
	case dest == "stdout" || dest == "stderr":
		r.Note("haproxy", "log %s (%s): goes to HAProxy's %s, not a file gwtop can follow", dest, target.pos(), dest)
		return
	case strings.HasPrefix(dest, "ring@"):
		r.Note("haproxy", "log %s (%s): a ring buffer, not a file", dest, target.pos())
		return
	}
	path, where := e.syslogFileFor("haproxy")
	if path == "" {
		r.Note("haproxy", "log %s (%s) is syslog; no rsyslog rule for haproxy writes a file gwtop could find: give haproxy.log", dest, target.pos())
		return
	}
	if err := e.CanRead(path); err != nil {
		r.Note("haproxy", "log file %s (%s, HAProxy logs to %s at %s): %s", path, where, dest, target.pos(), e.ReadHint(path, err))
		return
	}
	h.Log = path
	r.SetField("haproxy.log", fmt.Sprintf("HAProxy logs to syslog %s (%s); %s writes it here", dest, target.pos(), where))
	if !httplog {
		r.Note("haproxy", "no `option httplog`: the log lines lack the timers and termination state gwtop reads")
	}
}

// syslogFileFor finds an rsyslog rule that writes a program's messages to a
// file (Debian's /etc/rsyslog.d/49-haproxy.conf does this for HAProxy).
func (e *env) syslogFileFor(program string) (path, where string) {
	files, _ := filepath.Glob(e.Full("/etc/rsyslog.d/*.conf"))
	sort.Strings(files)
	files = append(files, e.Full("/etc/rsyslog.conf"))
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		lines := strings.Split(string(data), "\n")
		for i, line := range lines {
			t := strings.TrimSpace(line)
			// A filter on the program: ":programname, startswith, "haproxy"",
			// "if $programname == 'haproxy' then", "local0.* /var/log/..."
			// lines are not enough on their own. Directives ($...) and
			// comments are not rules.
			if strings.HasPrefix(t, "#") || strings.HasPrefix(t, "$") || !strings.Contains(t, program) ||
				!(strings.Contains(t, "programname") || strings.Contains(t, "syslogtag")) {
				continue
			}
			// The action is on the same line or in the block after it.
			for j := i; j < len(lines) && j < i+6; j++ {
				l := strings.TrimSpace(lines[j])
				for _, w := range strings.Fields(l) {
					w = strings.TrimPrefix(w, "-") // "-/var/log/x": no sync
					w = strings.Trim(w, `"';`)
					if strings.HasPrefix(w, "/") && !strings.HasPrefix(w, "/dev/") {
						rel := f
						if e.Options().Root != "" && e.Options().Root != "/" {
							rel, _ = filepath.Rel(e.Options().Root, f)
							rel = "/" + rel
						}
						return w, fmt.Sprintf("rsyslog rule %s:%d", rel, i+1)
					}
				}
				if j > i && strings.HasPrefix(l, "}") {
					break
				}
			}
		}
	}
	return "", ""
}

// hcheck is a proxy's HTTP health check.
type hcheck struct {
	method, uri string
	explicit    bool // the configuration names a path (not the bare "option httpchk")
	expect      string
	pos         string
}

// haproxyCheck reads "option httpchk [<method>] [<uri>]", "http-check send
// meth M uri U" and "http-check expect status S" over inherited settings.
func haproxyCheck(lines []hline, inherit hcheck) hcheck {
	c := inherit
	for _, l := range lines {
		w := l.words
		switch {
		case len(w) >= 2 && w[0] == "option" && w[1] == "httpchk":
			c = hcheck{method: "OPTIONS", uri: "/", pos: l.pos(), expect: c.expect}
			switch {
			case len(w) == 3: // option httpchk <uri>
				c.uri, c.explicit = w[2], true
			case len(w) >= 4: // option httpchk <method> <uri> [<version>]
				c.method, c.uri, c.explicit = w[2], w[3], true
			}
		case len(w) >= 2 && w[0] == "http-check" && w[1] == "send":
			for i := 2; i+1 < len(w); i++ {
				switch w[i] {
				case "meth":
					c.method = w[i+1]
				case "uri":
					c.uri, c.explicit = w[i+1], true
				}
			}
			c.pos = l.pos()
		case len(w) >= 4 && w[0] == "http-check" && w[1] == "expect" && w[2] == "status":
			c.expect = w[3]
		}
	}
	return c
}

// haproxyServers lists every backend's servers as upstreams, with an HTTP
// probe where the proxy has an HTTP health check.
func (e *env) haproxyServers(ctx context.Context, r *discover.Session, secs []*hsection) {
	for _, s := range secs {
		if s.kind != "backend" && s.kind != "listen" {
			continue
		}
		var def hcheck
		var defServer []string
		if s.defaults != nil {
			def = haproxyCheck(s.defaults.lines, hcheck{})
			defServer = defaultServer(s.defaults.lines, nil)
		}
		chk := haproxyCheck(s.lines, def)
		defServer = defaultServer(s.lines, defServer)
		for _, l := range s.lines {
			w := l.words
			if w[0] == "server-template" {
				r.Note("upstreams", "server-template %s (%s): servers made at run time from DNS; gwtop sees them in the stats", strings.Join(w[1:], " "), l.pos())
				continue
			}
			if w[0] != "server" || len(w) < 3 {
				continue
			}
			params := append(append([]string(nil), defServer...), w[3:]...)
			e.haproxyServer(ctx, r, s, l, params, chk)
		}
	}
}

func defaultServer(lines []hline, inherit []string) []string {
	out := inherit
	for _, l := range lines {
		if l.words[0] == "default-server" {
			out = append(append([]string(nil), out...), l.words[1:]...)
		}
	}
	return out
}

func (e *env) haproxyServer(ctx context.Context, r *discover.Session, s *hsection, l hline, params []string, chk hcheck) {
	name, addr := l.words[1], l.words[2]
	why := fmt.Sprintf("from %s (%s %s, server %s", l.pos(), s.kind, s.name, name)
	param := func(k string) string {
		for i, p := range params {
			if p == k && i+1 < len(params) {
				return params[i+1]
			}
		}
		return ""
	}
	has := func(k string) bool { return slices.Contains(params, k) }
	switch {
	case strings.HasPrefix(addr, "unix@"), strings.HasPrefix(addr, "/"):
		sock := strings.TrimPrefix(addr, "unix@")
		r.AddUpstream(config.Upstream{Name: name, Group: s.name, Address: "unix:" + sock}, why+"; a unix socket: gwtop probes TCP and HTTP only)")
		return
	case strings.Contains(addr, "${"):
		r.Note("upstreams", "server %s %s (%s): the address comes from the environment; skipped", name, addr, l.pos())
		return
	}
	addr = strings.TrimPrefix(strings.TrimPrefix(addr, "ipv4@"), "ipv6@")
	host, port := discover.SplitHostPort(addr)
	if port == "" || strings.HasPrefix(port, "+") || strings.HasPrefix(port, "-") {
		r.Note("upstreams", "server %s %s (%s): no fixed port (it follows the client's); skipped", name, addr, l.pos())
		return
	}
	if _, err := strconv.Atoi(port); err != nil {
		r.Note("upstreams", "server %s %s (%s): port %q is not a number; skipped", name, addr, l.pos(), port)
		return
	}
	ip := host
	if net.ParseIP(host) == nil {
		ips, err := e.LookupHost(ctx, host)
		if err != nil || len(ips) == 0 {
			r.Note("upstreams", "server %s %s (%s): cannot resolve %s (%v); listed under its name", name, addr, l.pos(), host, err)
		} else {
			ip = ips[0]
			why += fmt.Sprintf("; %s resolves to %s", host, ip)
		}
	}
	a := net.JoinHostPort(ip, port)
	u := config.Upstream{Name: name, Group: s.name, Address: a}
	var flags []string
	for _, f := range []string{"backup", "disabled", "check"} {
		if has(f) {
			flags = append(flags, f)
		}
	}
	if len(flags) > 0 {
		why += "; " + strings.Join(flags, ", ")
	}
	if has("disabled") {
		r.AddUpstream(u, why+": not probed)")
		return
	}
	u.Probe = "tcp://" + a
	if chk.explicit && has("check") {
		scheme := "http"
		if has("ssl") || has("check-ssl") {
			scheme = "https"
			if param("verify") == "none" {
				u.Insecure = true
			}
		}
		cport := port
		if p := param("port"); p != "" {
			cport = p
		}
		caddr := ip
		if p := param("addr"); p != "" {
			caddr = p
		}
		u.Probe = fmt.Sprintf("%s://%s%s", scheme, net.JoinHostPort(caddr, cport), chk.uri)
		why += fmt.Sprintf("; HTTP probe from the health check %s %s at %s", chk.method, chk.uri, chk.pos)
		if chk.method != "GET" && chk.method != "HEAD" {
			why += " (gwtop sends GET)"
		}
		if chk.expect != "" {
			if _, err := config.ParseExpect(chk.expect); err == nil {
				u.Expect = chk.expect
			}
		}
	} else if chk.pos != "" && has("check") {
		why += fmt.Sprintf("; its health check (%s) names no path, so a TCP probe", chk.pos)
	}
	r.AddUpstream(u, why+")")
}
