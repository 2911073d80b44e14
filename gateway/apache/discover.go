package apache

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/gwtop/gwtop/config"
	"github.com/gwtop/gwtop/config/discover"
	"github.com/gwtop/gwtop/gateway/apache/conf"
)

// apacheCmd is what a running httpd's command line says.
type apacheCmd struct {
	bin     string
	root    string // -d
	conf    string // -f
	defines []string
}

// cmdlineOf reads httpd's flags: -d SERVERROOT, -f FILE, -D NAME.
func cmdlineOf(p discover.Proc) apacheCmd {
	a := discover.Args(p.Cmdline)
	var c apacheCmd
	if len(a) > 0 {
		c.bin = a[0]
	}
	for i := 1; i < len(a); i++ {
		letter, v, ok := discover.ShortFlag(a, &i, "dfDCc")
		switch {
		case !ok:
		case letter == 'd':
			c.root = v
		case letter == 'f':
			c.conf = v
		case letter == 'D':
			c.defines = append(c.defines, v)
		}
	}
	return c
}

// find reads one running Apache: its command line and environment say
// where its configuration is; the configuration says where its logs,
// status pages, routes and backends are.
func find(ctx context.Context, s *discover.Session, p discover.Proc) {
	o := procOptions(s, p)
	base := filepath.Base(cmdlineOf(p).bin)
	if base == "" || base == "." {
		base = p.Name
	}
	s.Found(discover.Gateway{Kind: "apache", PID: p.PID, Config: joinRoot(o.ServerRoot, o.Main), Used: true})
	s.Explain("apache", "%s pid %d: ServerRoot %s, configuration %s", base, p.PID, o.ServerRoot, joinRoot(o.ServerRoot, o.Main))
	FromConfigTree(s, o)
}

// findConfig is the kind's discover.Finder.FindConfig: it reads an Apache
// configuration without a running httpd. The ServerRoot is the file's
// directory (/etc/apache2), or its parent for ROOT/conf/httpd.conf; on
// Debian the variables of ROOT/envvars are what apache2ctl would set.
func findConfig(_ context.Context, s *discover.Session, path string) {
	root := filepath.Dir(path)
	if filepath.Base(root) == "conf" {
		root = filepath.Dir(root)
	}
	env := map[string]string{}
	envvars := filepath.Join(root, "envvars")
	if data, err := s.ReadFile(envvars); err == nil {
		env = conf.ParseEnvvars(data, env)
		s.Explain("apache", "ServerRoot %s, configuration %s, variables from %s (as apache2ctl sets them)", root, path, envvars)
	} else {
		s.Explain("apache", "ServerRoot %s, configuration %s", root, path)
	}
	FromConfigTree(s, conf.Options{ServerRoot: root, Main: path, Env: env})
}

func joinRoot(root, p string) string {
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(root, p)
}

// FromConfigTree reads an Apache configuration into the session: the
// apache section (logs with their formats, mod_status, balancer-manager,
// ProxyPass routes) and an upstream for every backend.
func FromConfigTree(s *discover.Session, opt conf.Options) {
	tree, notes, err := conf.Load(conf.OSFS{Root: s.Options().Root}, opt)
	if err != nil {
		s.Note("apache", "cannot read the configuration: %v", err)
		return
	}
	for _, n := range notes {
		s.Note("apache", "%s", n)
	}
	site, notes := conf.Summarize(tree)
	for _, n := range notes {
		s.Note("apache", "%s", n)
	}
	s.Explain("apache", "configuration read from %d files (%s first)", len(tree.Files), tree.Main)
	c := &Config{}
	scopes := []scope{{name: "main server", Scope: site.Main}}
	for _, vh := range site.VirtualHosts {
		name := strings.Join(vh.Addrs, " ")
		if vh.ServerName != nil {
			name = vh.ServerName.Value
		}
		scopes = append(scopes, scope{name: "virtual host " + name, vh: vh, Scope: vh.Scope})
	}
	seenLog := map[string]bool{}
	for _, sc := range scopes {
		if sc.Scope == nil {
			continue
		}
		if el := sc.ErrorLog; el != nil && !seenLog[el.Path] {
			seenLog[el.Path] = true
			switch {
			case !el.Readable():
				s.Note("apache", "ErrorLog %s (%s:%d, %s) is a pipe or syslog: gwtop reads files only", el.Path, el.File, el.Line, sc.name)
			case s.CanRead(el.Path) != nil:
				s.Note("apache", "ErrorLog %s (%s:%d, %s): %s", el.Path, el.File, el.Line, sc.name, s.ReadHint(el.Path, s.CanRead(el.Path)))
			default:
				why := fmt.Sprintf("ErrorLog %s:%d (%s%s)", el.File, el.Line, sc.name, levelOf(sc.Scope))
				if c.ErrorLog == "" {
					c.ErrorLog = el.Path
					s.SetField("apache.error_log", why)
				} else {
					s.SetField(fmt.Sprintf("apache.error_logs[%d]", len(c.ErrorLogs)), why)
					c.ErrorLogs = append(c.ErrorLogs, el.Path)
				}
			}
		}
		for _, al := range sc.AccessLogs {
			if seenLog[al.Path] {
				continue
			}
			seenLog[al.Path] = true
			if al.Piped {
				s.Note("apache", "%s %s (%s:%d) is a pipe: gwtop reads files only", al.Directive, al.Path, al.File, al.Line)
				continue
			}
			if err := s.CanRead(al.Path); err != nil {
				s.Note("apache", "%s %s (%s:%d): %s", al.Directive, al.Path, al.File, al.Line, s.ReadHint(al.Path, err))
				continue
			}
			format := al.Format
			if al.Nickname != "" {
				if _, ok := Nicknames[al.Nickname]; ok {
					format = al.Nickname
				}
			}
			if _, err := CompileLogFormat(format); err != nil {
				s.Note("apache", "%s %s (%s:%d): its LogFormat cannot be read: %v", al.Directive, al.Path, al.File, al.Line, err)
				continue
			}
			why := fmt.Sprintf("%s %s:%d (%s)", al.Directive, al.File, al.Line, sc.name)
			if c.AccessLog == "" {
				c.AccessLog, c.LogFormat = al.Path, format
				s.SetField("apache.access_log", why)
			} else {
				s.SetField(fmt.Sprintf("apache.access_logs[%d]", len(c.AccessLogs)), why)
				c.AccessLogs = append(c.AccessLogs, AccessLogFile{Path: al.Path, Format: format})
			}
		}
		for _, st := range sc.Status {
			field := map[string]string{"server-status": "status_url", "balancer-manager": "balancer_url"}[st.Handler]
			if field == "" || st.Regex {
				continue
			}
			if st.Access == conf.AccessDenied {
				s.Note("apache", "%s at %s (%s:%d) denies every client: allow 127.0.0.1 for gwtop", st.Handler, st.Path, st.File, st.Line)
				continue
			}
			u, _ := site.URL(sc.vh, st.Path)
			why := fmt.Sprintf("SetHandler %s at %s:%d (<Location %s>, %s, access %s)", st.Handler, st.File, st.Line, st.Path, sc.name, st.Access)
			switch {
			case field == "status_url" && c.StatusURL == "":
				c.StatusURL = u
				s.SetField("apache.status_url", why)
			case field == "balancer_url" && c.BalancerURL == "":
				c.BalancerURL = u
				s.SetField("apache.balancer_url", why)
			}
		}
		for _, b := range sc.Balancers {
			for _, m := range b.Members {
				if m.Backend.Addr == "" {
					continue
				}
				// The group is the balancer as Apache names it in its
				// routes and messages, so the balancer's own row (the
				// requests the access log attributes to it) is the group's.
				up := config.Upstream{Name: m.Backend.Addr, Address: m.Backend.Addr, Group: "balancer://" + b.Name}
				what := fmt.Sprintf("BalancerMember %s of balancer://%s", m.URL, b.Name)
				if m.HotStandby {
					what += "; hot standby"
				}
				if tcp := probeOf(m.Backend); tcp != "" {
					up.Probe = tcp
				}
				s.AddUpstream(up, fmt.Sprintf("from %s:%d (%s)", m.File, m.Line, what))
			}
		}
		for _, r := range sc.Routes {
			if r.Regex {
				s.Note("apache", "%s %s (%s:%d) is a regular expression: requests are not attributed by it", r.Directive, r.Path, r.File, r.Line)
				continue
			}
			rt := Route{Prefix: r.Path, Upstream: Exclude}
			switch {
			case r.Exclude:
			case r.Backend.Balancer != "":
				rt.Upstream = "balancer://" + r.Backend.Balancer
			case r.Backend.Addr != "":
				rt.Upstream = r.Backend.Addr
			case r.Backend.Socket != "":
				rt.Upstream = "unix:" + r.Backend.Socket
			}
			if len(site.VirtualHosts) > 1 && sc.vh != nil {
				// Prefixes of several virtual hosts share one table: the
				// access log rarely says which host a line is for.
				s.Explain("apache", "ProxyPass %s in %s: attributed with every virtual host's routes", r.Path, sc.name)
			}
			s.SetField(fmt.Sprintf("apache.routes[%d]", len(c.Routes)), fmt.Sprintf("%s %s %s (%s:%d, %s)", r.Directive, r.Path, orDash(r.URL), r.File, r.Line, sc.name))
			c.Routes = append(c.Routes, rt)
			if rt.Upstream == Exclude || strings.HasPrefix(rt.Upstream, "balancer://") {
				continue
			}
			up := config.Upstream{Name: sc.hostName() + r.Path, Address: rt.Upstream}
			up.Probe = probeOf(r.Backend)
			s.AddUpstream(up, fmt.Sprintf("from %s:%d (%s %s %s in %s)", r.File, r.Line, r.Directive, r.Path, r.URL, sc.name))
		}
	}
	if c.Empty() {
		s.Note("apache", "no readable log, status page or balancer-manager in the configuration")
		return
	}
	if c.AccessLog != "" && len(c.Routes) == 0 {
		s.Note("apache", "no ProxyPass routes: the access log cannot say which backend served a request")
	}
	if c.ErrorLog == "" {
		s.Note("apache", "no readable ErrorLog: Apache writes why a backend failed only there")
	}
	s.SetSection("apache", c)
}

// scope is the main server or one virtual host, as discovery walks them.
type scope struct {
	name string
	vh   *conf.VirtualHost
	*conf.Scope
}

// hostName prefixes an upstream's name with the virtual host it serves.
func (sc scope) hostName() string {
	if sc.vh != nil && sc.vh.ServerName != nil {
		return sc.vh.ServerName.Value
	}
	return ""
}

// probeOf is a TCP probe of a backend reached over TCP; none for sockets.
func probeOf(b conf.Backend) string {
	if b.Addr == "" || b.Socket != "" {
		return ""
	}
	return "tcp://" + b.Addr
}

func levelOf(sc *conf.Scope) string {
	if sc.LogLevel == nil {
		return ", level warn (default)"
	}
	l := ", level " + sc.LogLevel.Level
	if p, ok := sc.LogLevel.Modules["proxy"]; ok {
		l += ", proxy:" + p
	}
	return l
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
