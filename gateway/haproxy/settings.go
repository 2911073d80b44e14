package haproxy

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/gwtop/gwtop/config/discover"
	"github.com/gwtop/gwtop/facts"
)

// maxLineBytes bounds one configuration line; HAProxy's own limit
// (MAX_LINE_LEN) is 2 kB, and a longer line is garbage to gwtop.
const maxLineBytes = 64 << 10

// haproxyTimeouts are the timeouts Settings reports per backend, in order.
var haproxyTimeouts = []string{"server", "connect", "queue", "http-keep-alive"}

// defaultRetries is CONN_RETRIES (include/haproxy/defaults.h).
const defaultRetries = "3"

// settings is the kind's gateway.Kind.Settings.
func settings(ctx context.Context, p discover.Proc, conf string) ([]facts.Setting, error) {
	return readSettings(ctx, p, conf, discover.Options{})
}

// readSettings reads the configuration files of haproxy process p (every
// -f, relative to its working directory; /etc/haproxy/haproxy.cfg without
// one), or the file or directory conf when p.PID is 0, and returns, per
// backend and listen section, its timeout server, connect, queue and
// http-keep-alive, retries and option redispatch — the section's own
// line, else its defaults section's (the one named by "from", else the
// last one before it), else HAProxy's default with Default set: no timeout
// ("none") for server and connect, timeout connect's value for queue,
// timeout http-request's for http-keep-alive, 3 retries, no redispatch.
// Each section's settings are given once with Upstream the backend's name
// and once per server address, as discovery lists them ("127.0.0.1:8000",
// "unix:/run/app.sock"). A file that cannot be read is an error naming it;
// a line that cannot be split is skipped and named in the error returned
// with the settings.
func readSettings(ctx context.Context, p discover.Proc, conf string, opt discover.Options) ([]facts.Setting, error) {
	e := &env{discover.NewSession(opt)}
	var paths []string
	if p.PID != 0 {
		paths = haproxyConfigArgs(p.Cmdline)
		for i := range paths {
			paths[i] = discover.RelTo(p.Cwd, paths[i])
		}
		if len(paths) == 0 {
			paths = []string{"/etc/haproxy/haproxy.cfg"}
		}
	} else if conf != "" {
		paths = []string{conf}
	}
	if len(paths) == 0 {
		return nil, errors.New("haproxy settings: no configuration file")
	}
	secs, unread, skipped := e.readSections(paths)
	if len(unread) > 0 && (unread[0].file == paths[0] || len(secs) == 0) {
		return nil, fmt.Errorf("haproxy configuration %s: %w", unread[0].file, unread[0].err)
	}
	for _, u := range unread {
		skipped = append(skipped, fmt.Sprintf("%s: %v", u.file, u.err))
	}
	out := e.sectionSettings(ctx, secs)
	if len(skipped) > 0 {
		return out, fmt.Errorf("haproxy configuration: skipped %s", strings.Join(skipped, "; "))
	}
	return out, nil
}

// readErr is a configuration file that could not be read.
type readErr struct {
	file string
	err  error
}

// readSections splits the files (directories: their *.cfg files, sorted,
// as -f reads them) into sections, for discovery and for Settings alike.
// unread are the files it could not read; skipped names the lines it
// could not use ("file:line: why"), which are left out.
func (e *env) readSections(paths []string) (secs []*hsection, unread []readErr, skipped []string) {
	var files []string
	for _, p := range paths {
		fi, err := os.Stat(e.Full(p))
		if err == nil && fi.IsDir() {
			m, _ := filepath.Glob(filepath.Join(e.Full(p), "*.cfg"))
			sort.Strings(m)
			for _, f := range m {
				files = append(files, filepath.Join(p, filepath.Base(f)))
			}
			continue
		}
		files = append(files, p)
	}
	var cur *hsection
	var lastDefaults *hsection
	for _, f := range files {
		data, err := e.ReadFile(f)
		if err != nil {
			unread = append(unread, readErr{f, err})
			continue
		}
		for i, text := range strings.Split(string(data), "\n") {
			if len(text) > maxLineBytes {
				skipped = append(skipped, fmt.Sprintf("%s:%d: line longer than %d bytes", f, i+1, maxLineBytes))
				continue
			}
			words, err := discover.Words(text)
			if err != nil {
				skipped = append(skipped, fmt.Sprintf("%s:%d: %v", f, i+1, err))
				continue
			}
			if len(words) == 0 {
				continue
			}
			l := hline{words: words, file: f, line: i + 1}
			if haproxySections[words[0]] {
				cur = &hsection{kind: words[0], head: l}
				if len(words) > 1 {
					cur.name = words[1]
				}
				switch cur.kind {
				case "defaults":
					lastDefaults = cur
				case "frontend", "backend", "listen":
					cur.defaults = lastDefaults
				}
				secs = append(secs, cur)
				continue
			}
			if cur == nil {
				what := strconv.Quote(words[0])
				if strings.ContainsAny(words[0], ":@") {
					what = "a line" // "auth:secret": not quoted
				}
				skipped = append(skipped, fmt.Sprintf("%s: %s is outside any section", l.pos(), what))
				continue
			}
			cur.lines = append(cur.lines, l)
		}
	}
	return secs, unread, skipped
}

// fromDefaults is the defaults section a proxy inherits: the one its
// "from NAME" names (HAProxy 2.5+), else the last one before it.
func fromDefaults(secs []*hsection, s *hsection) *hsection {
	w := s.head.words
	for i := 2; i+1 < len(w); i++ {
		if w[i] == "from" {
			var named *hsection
			for _, d := range secs {
				if d == s {
					break
				}
				if d.kind == "defaults" && d.name == w[i+1] {
					named = d
				}
			}
			return named
		}
	}
	return s.defaults
}

// sectionSettings are the settings of every backend and listen section.
func (e *env) sectionSettings(ctx context.Context, secs []*hsection) []facts.Setting {
	var out []facts.Setting
	for _, s := range secs {
		if s.kind != "backend" && s.kind != "listen" {
			continue
		}
		var chain []*hsection // defaults first, the section last: the last line wins
		if d := fromDefaults(secs, s); d != nil {
			chain = append(chain, d)
		}
		chain = append(chain, s)
		vals := proxySettings(chain)
		route := s.kind + " " + s.name
		var addrs []string
		if s.name != "" {
			addrs = append(addrs, s.name)
		}
		for _, l := range s.lines {
			if l.words[0] == "server" && len(l.words) >= 3 {
				if a := e.serverAddr(ctx, l.words[2]); a != "" {
					addrs = append(addrs, a)
				}
			}
		}
		for _, a := range addrs {
			for _, v := range vals {
				v.Upstream, v.Route = a, route
				out = append(out, v)
			}
		}
	}
	return out
}

// proxySettings reads the timeouts, retries and redispatch over a chain of
// sections (a defaults section, then the proxy).
func proxySettings(chain []*hsection) []facts.Setting {
	written := map[string]hline{} // by Setting.Name
	value := map[string]string{}
	for _, s := range chain {
		for _, l := range s.lines {
			w := l.words
			if len(w) < 2 || w[len(w)-1] == "" {
				continue
			}
			switch {
			case w[0] == "timeout" && len(w) >= 3:
				written["timeout "+w[1]], value["timeout "+w[1]] = l, w[2]
			case w[0] == "retries" && len(w) >= 2:
				written["retries"], value["retries"] = l, w[1]
			case w[0] == "option" && len(w) >= 2 && w[1] == "redispatch":
				written["option redispatch"], value["option redispatch"] = l, strings.Join(append([]string{"on"}, w[2:]...), " ")
			case w[0] == "no" && len(w) >= 3 && w[1] == "option" && w[2] == "redispatch":
				written["option redispatch"], value["option redispatch"] = l, "off"
			}
		}
	}
	var out []facts.Setting
	set := func(name, def string, defSeconds float64, time bool) {
		s := facts.Setting{Gateway: "haproxy", Name: name, Value: def, Seconds: defSeconds, Default: true}
		if l, ok := written[name]; ok {
			s.Value, s.File, s.Line, s.Default, s.Seconds = value[name], l.file, l.line, false, 0
			if time {
				s.Seconds, _ = parseTime(s.Value)
			}
		}
		out = append(out, s)
	}
	for _, t := range haproxyTimeouts {
		name := "timeout " + t
		def, defSec := "none", 0.0
		// Unset, queue takes timeout connect's value and http-keep-alive
		// timeout http-request's (configuration.txt).
		from := map[string]string{"queue": "timeout connect", "http-keep-alive": "timeout http-request"}[t]
		if _, ok := written[from]; ok {
			def = value[from]
			defSec, _ = parseTime(def)
		}
		set(name, def, defSec, true)
	}
	set("retries", defaultRetries, 0, false)
	set("option redispatch", "off", 0, false)
	return out
}

// serverAddr is a server line's address as discovery's upstream rows name
// it ("unix:PATH", HOST:PORT with a name resolved to its first address);
// "" when it has none fixed (an environment variable, a port that follows
// the client's).
func (e *env) serverAddr(ctx context.Context, addr string) string {
	switch {
	case strings.HasPrefix(addr, "unix@"), strings.HasPrefix(addr, "/"):
		return "unix:" + strings.TrimPrefix(addr, "unix@")
	case strings.Contains(addr, "${"):
		return ""
	}
	addr = strings.TrimPrefix(strings.TrimPrefix(addr, "ipv4@"), "ipv6@")
	host, port := discover.SplitHostPort(addr)
	if _, err := strconv.Atoi(port); err != nil || strings.HasPrefix(port, "+") || strings.HasPrefix(port, "-") {
		return ""
	}
	ip := host
	if net.ParseIP(host) == nil {
		if ips, err := e.LookupHost(ctx, host); err == nil && len(ips) > 0 {
			ip = ips[0]
		}
	}
	return net.JoinHostPort(ip, port)
}

// parseTime reads an HAProxy time value in seconds as parse_time_err
// (src/tools.c) does for a millisecond timeout: an integer with an
// optional unit us, ms (the default), s, m, h or d. HAProxy only warns of
// characters after the unit, and ignores them. Values of 2^31 ms or more
// are rejected, as HAProxy rejects them.
func parseTime(s string) (float64, bool) {
	i := 0
	var v uint64
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		if v > math.MaxUint64/10-1 {
			return 0, false
		}
		v = v*10 + uint64(s[i]-'0')
		i++
	}
	if i == 0 {
		return 0, false
	}
	rest := s[i:]
	var us float64 // microseconds per unit
	switch {
	case rest == "":
		us = 1e3
	case strings.HasPrefix(rest, "us"):
		us = 1
	case strings.HasPrefix(rest, "ms"):
		us = 1e3
	case rest[0] == 's':
		us = 1e6
	case rest[0] == 'm':
		us = 60e6
	case rest[0] == 'h':
		us = 3600e6
	case rest[0] == 'd':
		us = 86400e6
	default:
		return 0, false
	}
	sec := float64(v) * us / 1e6
	if math.Ceil(sec*1000) >= 1<<31 {
		return 0, false
	}
	return sec, true
}
