package conf

import (
	"fmt"
	"net"
	"path"
	"strconv"
	"strings"
	"time"
)

// Pos is where an item was configured. A zero Pos is httpd's default.
type Pos struct {
	File string
	Line int
}

func posOf(d *Directive) Pos { return Pos{File: d.File, Line: d.Line} }

// Site is what gwtop uses from a configuration. Items carry the Pos of the
// directive they come from.
type Site struct {
	ServerRoot string
	Listen     []Listen
	Main       *Scope
	// VirtualHosts in configuration order (httpd's default vhost for an
	// address is the first one listed for it).
	VirtualHosts []*VirtualHost
	// ExtendedStatus as set (nil: not set; httpd 2.4 turns it on when
	// mod_status is loaded anyway).
	ExtendedStatus *Setting
	// Timeouts lists every timeout an operator tunes for 504s: Timeout,
	// ProxyTimeout, and the timeout= and connectiontimeout= keys of
	// ProxyPass, BalancerMember and ProxySet, in configuration order.
	Timeouts []Timeout
}

// Setting is a directive's value where only one matters.
type Setting struct {
	Value string
	Pos
}

// Listen is one Listen directive.
type Listen struct {
	Host  string // "" for every address
	Port  string
	Proto string // "https" when given, else ""
	Pos
}

// Addr is host:port, with 127.0.0.1 for a wildcard, for connecting to it.
func (l Listen) Addr() string {
	h := l.Host
	if h == "" || h == "*" || h == "0.0.0.0" {
		h = "127.0.0.1"
	} else if h == "::" {
		h = "::1"
	}
	return net.JoinHostPort(h, l.Port)
}

// VirtualHost is one <VirtualHost> section.
type VirtualHost struct {
	Addrs      []string // as written: "*:80", "127.0.0.1:8080", "_default_:443"
	ServerName *Setting
	Aliases    []Setting
	SSL        bool // SSLEngine on
	Pos
	*Scope
}

// Scope is the main server or one virtual host. A virtual host without
// its own ErrorLog, CustomLog/TransferLog, Timeout, ProxyTimeout or
// balancers has the main server's (the same values, with the main
// server's positions), as httpd merges them; LogLevel and LogFormats are
// merged (the vhost's override the main server's per module and name).
type Scope struct {
	ErrorLog   *ErrorLog
	LogLevel   *LogLevel
	LogFormats map[string]*LogFormat
	// DefaultFormat is the format TransferLog uses (LogFormat with one
	// argument; nil: httpd's "%h %l %u %t \"%r\" %>s %b").
	DefaultFormat *LogFormat
	AccessLogs    []*AccessLog
	Timeout       *Timeout // nil: httpd's 60 s
	ProxyTimeout  *Timeout // nil: Timeout's value
	Routes        []*Route
	Balancers     []*Balancer
	Status        []*StatusPage
}

// ErrorLog is an ErrorLog directive (or httpd's default logs/error_log).
type ErrorLog struct {
	Path string // ServerRoot-relative paths resolved; the command for a pipe
	// Piped ("|cmd") and Syslog ("syslog[:facility]") logs cannot be
	// followed as files.
	Piped, Syslog bool
	Pos
}

// Readable reports whether the log is a file gwtop can follow.
func (e *ErrorLog) Readable() bool { return !e.Piped && !e.Syslog }

// LogLevel is the effective LogLevel of a scope.
type LogLevel struct {
	Level   string            // "warn" by default
	Modules map[string]string // "proxy" → "error", as written (lower case)
	Lines   []Pos             // the LogLevel lines that made it (empty: the default)
}

// LogFormat is a LogFormat nickname (or default format) definition.
type LogFormat struct {
	Name   string // "" for a default format (one argument)
	Format string // quotes and escapes resolved, as httpd keeps it
	Pos
}

// AccessLog is a CustomLog or TransferLog.
type AccessLog struct {
	Path  string // ServerRoot-relative paths resolved; the command for a pipe
	Piped bool
	// Nickname is the format argument when it names a LogFormat; Format is
	// the format string in effect (the nickname's, the inline string, or
	// the default for TransferLog).
	Nickname string
	Format   string
	// Cond is an "env=[!]VAR" or "expr=..." clause, as written.
	Cond      string
	Directive string // "CustomLog" or "TransferLog"
	Pos
}

// Timeout is a timeout setting with where it was made.
type Timeout struct {
	// Name says what is set: "Timeout", "ProxyTimeout",
	// "ProxyPass timeout", "BalancerMember connectiontimeout", ...
	Name  string
	Raw   string
	Value time.Duration // 0 when Raw does not parse
	Scope string        // "" for the main server, else the vhost's ServerName or address
	Pos
}

// Backend is where a proxy URL sends requests.
type Backend struct {
	Scheme string // "http", "https", "ws", "ajp", "fcgi", "balancer", ...
	// Addr is host:port with the scheme's default port filled in; "" for a
	// unix socket or a balancer.
	Addr   string
	Socket string // unix:/path
	// Balancer is the balancer's name, lower case ("apicluster" for
	// balancer://apicluster/...).
	Balancer string
	Path     string
}

// Route is one ProxyPass or ProxyPassMatch.
type Route struct {
	Directive string // "ProxyPass" or "ProxyPassMatch"
	// Path is the URL-path prefix, or the regular expression when Regex.
	Path  string
	Regex bool
	// Exclude is "ProxyPass PATH !": requests under it are not proxied.
	Exclude bool
	URL     string // as written
	Backend Backend
	Params  map[string]string // keys lower case: "timeout", "retry", ...
	Flags   []string          // nocanon, interpolate, noquery
	// Location is the <Location>/<LocationMatch> the route is in ("").
	Location                string
	Timeout, ConnectTimeout *Timeout
	Pos
}

// Balancer is a balancer://name with its members.
type Balancer struct {
	Name    string // lower case
	Members []*Member
	Set     map[string]string // ProxySet keys (lower case)
	Pos                       // the <Proxy> section or first BalancerMember
}

// Member is a BalancerMember.
type Member struct {
	URL     string
	Backend Backend
	Params  map[string]string // keys lower case
	Route   string
	// Status is the status= value; HotStandby is its +H flag (the member
	// only takes requests when the others are unusable).
	Status                  string
	HotStandby              bool
	LoadFactor              string
	Timeout, ConnectTimeout *Timeout
	Pos
}

// StatusPage is a <Location> handled by mod_status or the balancer manager.
type StatusPage struct {
	Handler string // "server-status" or "balancer-manager"
	Path    string
	Regex   bool // <LocationMatch>
	// Guards are the access-control lines in the section, in order:
	// Require (also inside <RequireAll>/<RequireAny>), and the 2.2 style
	// Order/Allow/Deny.
	Guards []Guard
	Access Access
	Pos    // the SetHandler line
}

// Guard is one access-control directive.
type Guard struct {
	Directive string
	Args      []string
	Pos
}

// Access classifies who a status page admits, from its guards.
type Access string

const (
	AccessOpen    Access = "open"    // no guard, or Require all granted
	AccessLocal   Access = "local"   // only this host (Require local, ip 127.0.0.1/::1)
	AccessLimited Access = "limited" // other addresses, users or expressions
	AccessDenied  Access = "denied"  // Require all denied
)

// Summarize extracts a Site from t. The notes say what could not be used.
func Summarize(t *Tree) (*Site, []Note) {
	s := &summarizer{site: &Site{ServerRoot: t.ServerRoot}, root: t.ServerRoot}
	s.site.Main = &Scope{LogFormats: map[string]*LogFormat{"CLF": {Name: "CLF", Format: defaultLogFormat}}}
	s.walkIn(t.Directives, s.site.Main, nil, nil, nil)
	s.finish()
	return s.site, s.notes
}

const defaultLogFormat = `%h %l %u %t "%r" %>s %b`

type summarizer struct {
	site  *Site
	root  string
	notes []Note
	// per-scope raw LogLevel lines and access logs, resolved in finish
	levels map[*Scope][]*Directive
}

func (s *summarizer) note(p Pos, format string, args ...any) {
	s.notes = append(s.notes, Note{File: p.File, Line: p.Line, Msg: sprintf(format, args...)})
}

func (s *summarizer) rel(p string) string {
	if p == "" || path.IsAbs(p) || s.root == "" {
		return p
	}
	return path.Join(s.root, p)
}

func scopeName(vh *VirtualHost) string {
	if vh == nil {
		return ""
	}
	if vh.ServerName != nil {
		return vh.ServerName.Value
	}
	return strings.Join(vh.Addrs, " ")
}

// location is the <Location> a directive is in.
type location struct {
	path  string
	regex bool
}

func (s *summarizer) walkIn(ds []*Directive, sc *Scope, vh *VirtualHost, loc *location, bal *Balancer) {
	for _, d := range ds {
		p := posOf(d)
		switch {
		case d.Section && d.Is("VirtualHost"):
			if vh != nil {
				s.note(p, "<VirtualHost> inside <VirtualHost> (httpd refuses it); ignored")
				continue
			}
			v := &VirtualHost{Addrs: d.Args, Pos: p, Scope: &Scope{LogFormats: map[string]*LogFormat{}}}
			s.site.VirtualHosts = append(s.site.VirtualHosts, v)
			s.walkIn(d.Children, v.Scope, v, nil, nil)
		case d.Section && (d.Is("Location") || d.Is("LocationMatch")):
			l := &location{path: d.Arg(0), regex: d.Is("LocationMatch")}
			if len(d.Args) >= 2 && d.Arg(0) == "~" {
				l.path, l.regex = d.Arg(1), true
			}
			s.walkIn(d.Children, sc, vh, l, bal)
			s.statusPage(d, sc, l)
		case d.Section && (d.Is("Proxy") || d.Is("ProxyMatch")):
			name, ok := balancerName(d.Arg(0))
			if !ok || d.Is("ProxyMatch") {
				continue // <Proxy *> forward-proxy access control
			}
			b := s.balancer(sc, name, p)
			s.walkIn(d.Children, sc, vh, loc, b)
		case d.Section:
			// <Directory>, <Files>, <If>, <RequireAll>...: proxy routes
			// and logs are not valid or not gwtop's business there, but a
			// status handler in <Directory> still is not a URL; skip.
			continue
		case d.Is("ServerName") && vh != nil:
			vh.ServerName = &Setting{Value: d.Arg(0), Pos: p}
		case d.Is("ServerAlias") && vh != nil:
			for _, a := range d.Args {
				vh.Aliases = append(vh.Aliases, Setting{Value: a, Pos: p})
			}
		case d.Is("SSLEngine") && vh != nil:
			vh.SSL = strings.EqualFold(d.Arg(0), "on")
		case d.Is("Listen") && vh == nil:
			s.listen(d)
		case d.Is("ExtendedStatus") && vh == nil && loc == nil:
			s.site.ExtendedStatus = &Setting{Value: d.Arg(0), Pos: p}
		case d.Is("ErrorLog") && loc == nil:
			sc.ErrorLog = s.errorLog(d)
		case d.Is("LogLevel") && loc == nil:
			if s.levels == nil {
				s.levels = map[*Scope][]*Directive{}
			}
			s.levels[sc] = append(s.levels[sc], d)
		case d.Is("LogFormat") && loc == nil:
			if len(d.Args) == 0 {
				continue
			}
			f := &LogFormat{Name: d.Arg(1), Format: d.Args[0], Pos: p}
			if len(d.Args) == 1 {
				sc.DefaultFormat = f
			} else {
				sc.LogFormats[f.Name] = f
			}
		case (d.Is("CustomLog") || d.Is("TransferLog")) && loc == nil:
			s.accessLog(d, sc)
		case d.Is("Timeout") && loc == nil:
			sc.Timeout = s.timeout("Timeout", d.Arg(0), vh, p)
		case d.Is("ProxyTimeout") && loc == nil:
			sc.ProxyTimeout = s.timeout("ProxyTimeout", d.Arg(0), vh, p)
		case d.Is("ProxyPass") || d.Is("ProxyPassMatch"):
			s.route(d, sc, vh, loc)
		case d.Is("BalancerMember"):
			s.member(d, sc, vh, bal)
		case d.Is("ProxySet"):
			s.proxySet(d, sc, vh, bal)
		}
	}
}

func (s *summarizer) listen(d *Directive) {
	a := d.Arg(0)
	l := Listen{Proto: strings.ToLower(d.Arg(1)), Pos: posOf(d)}
	if h, p, err := net.SplitHostPort(a); err == nil {
		l.Host, l.Port = h, p
	} else {
		l.Port = a
	}
	if _, err := strconv.Atoi(l.Port); err != nil {
		s.note(l.Pos, "Listen %q: not a port", a)
		return
	}
	s.site.Listen = append(s.site.Listen, l)
}

func (s *summarizer) errorLog(d *Directive) *ErrorLog {
	a := d.Arg(0)
	e := &ErrorLog{Path: a, Pos: posOf(d)}
	switch {
	case strings.HasPrefix(a, "|"):
		e.Piped = true
		e.Path = strings.TrimSpace(strings.TrimPrefix(strings.TrimPrefix(a, "|"), "$"))
		s.note(e.Pos, "ErrorLog is piped to %q; gwtop cannot follow it", e.Path)
	case a == "syslog" || strings.HasPrefix(a, "syslog:"):
		e.Syslog = true
		s.note(e.Pos, "ErrorLog goes to %s; gwtop cannot follow it", a)
	default:
		e.Path = s.rel(a)
	}
	return e
}

func (s *summarizer) accessLog(d *Directive, sc *Scope) {
	a := &AccessLog{Directive: d.Name, Pos: posOf(d)}
	if d.Is("TransferLog") {
		a.Path = d.Arg(0)
	} else {
		if len(d.Args) < 2 {
			s.note(a.Pos, "CustomLog wants a file and a format")
			return
		}
		a.Path, a.Nickname, a.Cond = d.Args[0], d.Args[1], d.Arg(2)
	}
	if strings.HasPrefix(a.Path, "|") {
		a.Piped = true
		a.Path = strings.TrimSpace(strings.TrimLeft(a.Path, "|$"))
		s.note(a.Pos, "%s is piped to %q; gwtop cannot follow it", d.Name, a.Path)
	} else {
		a.Path = s.rel(a.Path)
	}
	sc.AccessLogs = append(sc.AccessLogs, a)
}

// parseTimeout is ap_timeout_parameter_parse: a number with an optional
// unit ms, s, mi (minutes) or h; seconds without one.
func parseTimeout(raw string) time.Duration {
	num, unit := raw, time.Second
	for _, u := range []struct {
		suf string
		d   time.Duration
	}{{"ms", time.Millisecond}, {"mi", time.Minute}, {"s", time.Second}, {"h", time.Hour}} {
		if strings.HasSuffix(strings.ToLower(raw), u.suf) {
			num, unit = raw[:len(raw)-len(u.suf)], u.d
			break
		}
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n < 0 || n > int64(1<<62)/int64(unit) {
		return 0
	}
	return time.Duration(n) * unit
}

func (s *summarizer) timeout(name, raw string, vh *VirtualHost, p Pos) *Timeout {
	t := &Timeout{Name: name, Raw: raw, Value: parseTimeout(raw), Scope: scopeName(vh), Pos: p}
	if t.Value == 0 && raw != "0" {
		s.note(p, "%s %q is not a timeout", name, raw)
	}
	s.site.Timeouts = append(s.site.Timeouts, *t)
	return t
}

// defaultPort is ap_proxy_port_of_scheme (apr_uri_port_of_scheme and
// mod_proxy's own table) for the schemes a reverse proxy uses.
var defaultPort = map[string]string{
	"http": "80", "https": "443", "ws": "80", "wss": "443", "h2c": "80", "h2": "443",
	"ajp": "8009", "fcgi": "8000", "scgi": "4000", "uwsgi": "3031", "ftp": "21",
}

func balancerName(u string) (string, bool) {
	if len(u) < len("balancer://") || !strings.EqualFold(u[:len("balancer://")], "balancer://") {
		return "", false
	}
	rest := u[len("balancer://"):]
	name, _, _ := strings.Cut(rest, "/")
	if name == "" {
		return "", false
	}
	return strings.ToLower(name), true
}

// ParseBackend reads a proxy URL: scheme://host[:port]/path,
// unix:/socket|scheme://host/path (ap_proxy_de_socketfy) or
// balancer://name/path.
func ParseBackend(u string) (Backend, bool) {
	var b Backend
	if len(u) > 5 && strings.EqualFold(u[:5], "unix:") {
		sock, real, ok := strings.Cut(u[5:], "|")
		if !ok || sock == "" {
			return b, false
		}
		b.Socket = sock
		u = real
	}
	scheme, rest, ok := strings.Cut(u, "://")
	if !ok || scheme == "" {
		return b, false
	}
	b.Scheme = strings.ToLower(scheme)
	if n, ok := balancerName(u); ok {
		b.Balancer = n
		_, p, _ := strings.Cut(rest, "/")
		b.Path = "/" + p
		return b, true
	}
	hostport, p, hasPath := strings.Cut(rest, "/")
	if hasPath {
		b.Path = "/" + p
	}
	if at := strings.LastIndexByte(hostport, '@'); at >= 0 {
		hostport = hostport[at+1:] // credentials are not part of the address
	}
	if b.Socket != "" {
		return b, true
	}
	host, port, err := net.SplitHostPort(hostport)
	if err != nil {
		host, port = strings.Trim(hostport, "[]"), defaultPort[b.Scheme]
	}
	if host == "" || port == "" {
		return b, false
	}
	b.Addr = net.JoinHostPort(host, port)
	return b, true
}

// params splits key=value words (keys lower-cased) and bare flags.
func params(ws []string) (map[string]string, []string) {
	m := map[string]string{}
	var flags []string
	for _, w := range ws {
		if k, v, ok := strings.Cut(w, "="); ok {
			m[strings.ToLower(k)] = v
		} else {
			flags = append(flags, strings.ToLower(w))
		}
	}
	return m, flags
}

func (s *summarizer) route(d *Directive, sc *Scope, vh *VirtualHost, loc *location) {
	r := &Route{Directive: d.Name, Regex: d.Is("ProxyPassMatch"), Pos: posOf(d)}
	args := d.Args
	if len(args) > 0 && args[0] == "~" && !r.Regex {
		r.Regex, args = true, args[1:]
	}
	if loc != nil {
		// Inside <Location PATH> the path is the location's (add_pass
		// takes cmd->path), and a location with wildcards matches as a
		// regular expression.
		r.Location, r.Path = loc.path, loc.path
		if loc.regex || strings.ContainsAny(loc.path, "*?[") {
			r.Regex = true
		}
	} else {
		if len(args) == 0 {
			s.note(r.Pos, "%s needs a path when not in a <Location>", d.Name)
			return
		}
		r.Path, args = args[0], args[1:]
	}
	if len(args) == 0 {
		s.note(r.Pos, "%s %s has no URL", d.Name, r.Path)
		return
	}
	r.URL = args[0]
	r.Params, r.Flags = params(args[1:])
	if r.URL == "!" {
		r.Exclude = true
	} else if b, ok := ParseBackend(r.URL); ok {
		r.Backend = b
	} else {
		s.note(r.Pos, "%s %s: cannot read the backend URL %q", d.Name, r.Path, r.URL)
	}
	if r.Regex {
		s.note(r.Pos, "%s %s is a regular-expression route: gwtop maps its backend but not which paths reach it", d.Name, r.Path)
	}
	r.Timeout, r.ConnectTimeout = s.keyTimeouts(d.Name, r.Params, vh, r.Pos)
	sc.Routes = append(sc.Routes, r)
}

func (s *summarizer) keyTimeouts(dir string, m map[string]string, vh *VirtualHost, p Pos) (t, ct *Timeout) {
	if v, ok := m["timeout"]; ok {
		t = s.timeout(dir+" timeout", v, vh, p)
	}
	if v, ok := m["connectiontimeout"]; ok {
		ct = s.timeout(dir+" connectiontimeout", v, vh, p)
	}
	return t, ct
}

func (s *summarizer) balancer(sc *Scope, name string, p Pos) *Balancer {
	for _, b := range sc.Balancers {
		if b.Name == name {
			return b
		}
	}
	b := &Balancer{Name: name, Set: map[string]string{}, Pos: p}
	sc.Balancers = append(sc.Balancers, b)
	return b
}

func (s *summarizer) member(d *Directive, sc *Scope, vh *VirtualHost, bal *Balancer) {
	args := d.Args
	p := posOf(d)
	if bal == nil {
		// Outside <Proxy balancer://...> the first word names the balancer.
		name, ok := balancerName(d.Arg(0))
		if !ok {
			s.note(p, "BalancerMember outside <Proxy balancer://...> needs the balancer URL first")
			return
		}
		bal, args = s.balancer(sc, name, p), args[1:]
	}
	if len(args) == 0 {
		s.note(p, "BalancerMember without a URL")
		return
	}
	m := &Member{URL: args[0], Pos: p}
	m.Params, _ = params(args[1:])
	m.Route, m.Status, m.LoadFactor = m.Params["route"], m.Params["status"], m.Params["loadfactor"]
	// status= flags: +H (or H) sets hot standby, -H clears it.
	for i := 0; i < len(m.Status); i++ {
		if m.Status[i] == 'H' || m.Status[i] == 'h' {
			m.HotStandby = i == 0 || m.Status[i-1] != '-'
		}
	}
	if b, ok := ParseBackend(m.URL); ok && b.Balancer == "" {
		m.Backend = b
	} else {
		s.note(p, "BalancerMember %q: cannot read the backend URL", m.URL)
	}
	m.Timeout, m.ConnectTimeout = s.keyTimeouts("BalancerMember", m.Params, vh, p)
	bal.Members = append(bal.Members, m)
}

func (s *summarizer) proxySet(d *Directive, sc *Scope, vh *VirtualHost, bal *Balancer) {
	args := d.Args
	p := posOf(d)
	if bal == nil {
		name, ok := balancerName(d.Arg(0))
		if !ok {
			return // ProxySet for a worker URL: not a balancer's
		}
		bal, args = s.balancer(sc, name, p), args[1:]
	}
	m, _ := params(args)
	for k, v := range m {
		bal.Set[k] = v
	}
	s.keyTimeouts("ProxySet", m, vh, p)
}

func (s *summarizer) statusPage(d *Directive, sc *Scope, l *location) {
	var handler *Directive
	var guards []Guard
	var visit func(ds []*Directive)
	visit = func(ds []*Directive) {
		for _, c := range ds {
			switch {
			case c.Section && (c.Is("RequireAll") || c.Is("RequireAny") || c.Is("RequireNone")):
				guards = append(guards, Guard{Directive: "<" + c.Name + ">", Pos: posOf(c)})
				visit(c.Children)
			case c.Section:
			case c.Is("SetHandler") && (strings.EqualFold(c.Arg(0), "server-status") || strings.EqualFold(c.Arg(0), "balancer-manager")):
				handler = c
			case c.Is("Require") || c.Is("Order") || c.Is("Allow") || c.Is("Deny") || c.Is("Satisfy"):
				guards = append(guards, Guard{Directive: c.Name, Args: c.Args, Pos: posOf(c)})
			}
		}
	}
	visit(d.Children)
	if handler == nil {
		return
	}
	sp := &StatusPage{Handler: strings.ToLower(handler.Arg(0)), Path: l.path, Regex: l.regex, Guards: guards, Pos: posOf(handler)}
	sp.Access = classify(guards)
	sc.Status = append(sc.Status, sp)
}

// classify reads the guards conservatively: any "Require all denied" or
// "Deny from all" without an Allow is denied; only local addresses is
// local; anything else that restricts is limited. Negations and nested
// RequireAll/Any are not evaluated: they make the page limited.
func classify(gs []Guard) Access {
	if len(gs) == 0 {
		return AccessOpen
	}
	allowsOther, local, denied, granted, compatAllow := false, false, false, false, false
	for _, g := range gs {
		dn := strings.ToLower(g.Directive)
		args := lowerAll(g.Args)
		switch dn {
		case "require":
			if len(args) >= 2 && args[0] == "all" {
				if args[1] == "denied" {
					denied = true
				} else {
					granted = true
				}
				continue
			}
			if len(args) >= 1 && (args[0] == "local" || args[0] == "ip" && allLocal(args[1:])) {
				local = true
				continue
			}
			allowsOther = true
		case "allow":
			compatAllow = true
			if len(args) >= 2 && args[0] == "from" && allLocal(args[1:]) {
				local = true
			} else {
				allowsOther = true
			}
		case "deny":
			if len(args) >= 2 && args[1] == "all" && !compatAllow {
				denied = true
			}
		default:
			if strings.HasPrefix(dn, "<") {
				allowsOther = true
			}
		}
	}
	switch {
	case allowsOther:
		return AccessLimited
	case local:
		return AccessLocal
	case denied:
		return AccessDenied
	case granted:
		return AccessOpen
	}
	return AccessLimited
}

func lowerAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = strings.ToLower(s)
	}
	return out
}

func allLocal(addrs []string) bool {
	if len(addrs) == 0 {
		return false
	}
	for _, a := range addrs {
		switch a {
		case "127.0.0.1", "::1", "localhost", "127.0.0.0/8", "127.":
			continue
		}
		return false
	}
	return true
}

// finish resolves what depends on the whole configuration: effective log
// levels, format names (httpd resolves them after reading), inheritance.
func (s *summarizer) finish() {
	m := s.site.Main
	if m.ErrorLog == nil {
		// httpd's compiled-in default (DEFAULT_ERRORLOG).
		m.ErrorLog = &ErrorLog{Path: s.rel("logs/error_log")}
	}
	m.LogLevel = s.level(&LogLevel{Level: "warn", Modules: map[string]string{}}, s.levels[m])
	s.resolveFormats(m)
	for _, vh := range s.site.VirtualHosts {
		v := vh.Scope
		if v.ErrorLog == nil {
			v.ErrorLog = m.ErrorLog
		}
		base := &LogLevel{Level: m.LogLevel.Level, Modules: map[string]string{}, Lines: append([]Pos(nil), m.LogLevel.Lines...)}
		for k, x := range m.LogLevel.Modules {
			base.Modules[k] = x
		}
		v.LogLevel = s.level(base, s.levels[v])
		for k, f := range m.LogFormats {
			if _, own := v.LogFormats[k]; !own {
				v.LogFormats[k] = f
			}
		}
		if v.DefaultFormat == nil {
			v.DefaultFormat = m.DefaultFormat
		}
		s.resolveFormats(v)
		if len(v.AccessLogs) == 0 {
			v.AccessLogs = m.AccessLogs
		}
		if v.Timeout == nil {
			v.Timeout = m.Timeout
		}
		if v.ProxyTimeout == nil {
			v.ProxyTimeout = m.ProxyTimeout
		}
		// mod_proxy merges the main server's balancers into each vhost.
		for _, b := range m.Balancers {
			found := false
			for _, o := range v.Balancers {
				found = found || o.Name == b.Name
			}
			if !found {
				v.Balancers = append(v.Balancers, b)
			}
		}
	}
	for _, sc := range s.scopes() {
		for _, r := range sc.Routes {
			if b := r.Backend.Balancer; b != "" && sc.Balancer(b) == nil {
				s.note(r.Pos, "%s %s uses balancer://%s, which has no members", r.Directive, r.Path, b)
			}
		}
	}
}

func (s *summarizer) scopes() []*Scope {
	out := []*Scope{s.site.Main}
	for _, v := range s.site.VirtualHosts {
		out = append(out, v.Scope)
	}
	return out
}

// Balancer returns the scope's balancer called name (lower case), or nil.
func (sc *Scope) Balancer(name string) *Balancer {
	for _, b := range sc.Balancers {
		if b.Name == strings.ToLower(name) {
			return b
		}
	}
	return nil
}

// level applies LogLevel lines as core's set_loglevel does: a bare level
// sets the scope's level, module:level one module's.
func (s *summarizer) level(base *LogLevel, ds []*Directive) *LogLevel {
	for _, d := range ds {
		base.Lines = append(base.Lines, posOf(d))
		for _, w := range d.Args {
			w = strings.ToLower(w)
			if mod, lv, ok := strings.Cut(w, ":"); ok {
				if !isLevel(lv) {
					s.note(posOf(d), "LogLevel %s: unknown level", w)
					continue
				}
				base.Modules[mod] = lv
				continue
			}
			if !isLevel(w) {
				s.note(posOf(d), "LogLevel %s: unknown level", w)
				continue
			}
			base.Level = w
		}
	}
	return base
}

func isLevel(l string) bool {
	switch l {
	case "emerg", "alert", "crit", "error", "warn", "notice", "info", "debug":
		return true
	}
	if strings.HasPrefix(l, "trace") && len(l) == 6 && l[5] >= '1' && l[5] <= '8' {
		return true
	}
	return false
}

func (s *summarizer) resolveFormats(sc *Scope) {
	dflt := defaultLogFormat
	if sc.DefaultFormat != nil {
		dflt = sc.DefaultFormat.Format
		// "LogFormat nickname" makes a named format the default.
		if f, ok := sc.LogFormats[dflt]; ok {
			dflt = f.Format
		}
	}
	for _, a := range sc.AccessLogs {
		if !strings.EqualFold(a.Directive, "CustomLog") {
			a.Format = dflt
			continue
		}
		if f, ok := sc.LogFormats[a.Nickname]; ok {
			a.Format = f.Format
			continue
		}
		a.Format = a.Nickname
		if !strings.Contains(a.Nickname, "%") {
			s.note(a.Pos, "CustomLog format %q is not a defined LogFormat nickname; httpd writes it literally on every line", a.Nickname)
		}
		a.Nickname = ""
	}
}

func sprintf(format string, args ...any) string { return fmt.Sprintf(format, args...) }

// URL returns a URL for path on the server of scope vh (nil for the main
// server) as seen from this host, and the Host header to send ("" when
// the address answers for it anyway). A vhost's own address is used when
// it names a port; "*:PORT" and "_default_:PORT" connect to 127.0.0.1. The
// main server is reached through its first Listen. The scheme is https
// for a vhost with SSLEngine on or a Listen with protocol https.
func (s *Site) URL(vh *VirtualHost, p string) (url, host string) {
	scheme := "http"
	addr := ""
	if vh != nil {
		for _, a := range vh.Addrs {
			h, port, err := net.SplitHostPort(a)
			if err != nil || port == "*" {
				continue
			}
			if h == "*" || h == "_default_" || h == "" {
				h = "127.0.0.1"
			}
			addr = net.JoinHostPort(h, port)
			break
		}
		if vh.SSL {
			scheme = "https"
		}
		if vh.ServerName != nil {
			host = vh.ServerName.Value
		}
	}
	if addr == "" && len(s.Listen) > 0 {
		addr = s.Listen[0].Addr()
		if s.Listen[0].Proto == "https" {
			scheme = "https"
		}
	}
	if addr == "" {
		addr = "127.0.0.1:80"
	}
	return scheme + "://" + addr + p, host
}
