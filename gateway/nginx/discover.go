package nginx

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"maps"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/gwtop/gwtop/config"
	"github.com/gwtop/gwtop/config/discover"
	"github.com/gwtop/gwtop/gateway/nginx/logformat"
	"github.com/gwtop/gwtop/gateway/nginx/nginxconf"
)

// nginxCmd is what a running nginx's command line says.
type nginxCmd struct {
	bin     string
	conf    string // -c
	prefix  string // -p
	errLog  string // -e
	globals string // -g
}

// nginxFlags are nginx's command-line switches, to find where a -g value
// ends in a rewritten process title.
var nginxFlags = map[string]bool{"-c": true, "-p": true, "-e": true, "-g": true, "-q": true, "-s": true,
	"-t": true, "-T": true, "-v": true, "-V": true, "-h": true, "-?": true}

// parseNginxCmdline reads a master's command line. nginx rewrites its
// title to "nginx: master process /usr/sbin/nginx -c FILE -g daemon off;",
// one string, so words are split on spaces (paths with spaces cannot be told
// apart from that title).
func parseNginxCmdline(cmdline []string) nginxCmd {
	var a []string
	if len(cmdline) == 1 {
		s := cmdline[0]
		if i := strings.Index(s, "master process "); i >= 0 {
			s = s[i+len("master process "):]
		}
		a = strings.Fields(s)
	} else {
		a = cmdline
	}
	var c nginxCmd
	if len(a) == 0 {
		return c
	}
	c.bin = a[0]
	for i := 1; i < len(a); i++ {
		letter, v, ok := discover.ShortFlag(a, &i, "cpeg")
		if !ok {
			continue
		}
		switch letter {
		case 'c':
			c.conf = v
		case 'p':
			c.prefix = v
		case 'e':
			c.errLog = v
		case 'g':
			g := v
			if len(cmdline) == 1 { // the value's words were split too
				for i+1 < len(a) && !nginxFlags[a[i+1]] {
					i++
					g += " " + a[i]
				}
			}
			c.globals = g
		}
	}
	return c
}

// nginxMaster reports whether p is an nginx that serves (a master, or a
// single process), not a worker, a cache process or `nginx -t`.
func nginxMaster(p discover.Proc) bool {
	if len(p.Cmdline) == 0 {
		return false
	}
	title := strings.Join(p.Cmdline, " ")
	if strings.Contains(title, "master process") {
		return true
	}
	if strings.HasPrefix(title, "nginx: ") { // worker process, cache manager, cache loader
		return false
	}
	for _, w := range discover.Args(p.Cmdline)[1:] {
		switch w {
		case "-t", "-T", "-s", "-v", "-V", "-h", "-?":
			return false
		}
	}
	return true
}

// nginxBuild is what `nginx -V` says about compiled-in defaults.
type nginxBuild struct {
	prefix, conf, accessLog, errorLog, pid string
	// temp are the compiled-in temp directories by the directive that
	// changes each ("proxy_temp_path").
	temp  map[string]string
	known bool
}

// tempDirectives are the directives naming the temp directories nginx
// creates at start (and `nginx -T` too), with configure's names for their
// compiled-in defaults and those defaults under the prefix.
var tempDirectives = []struct{ directive, configure, def string }{
	{"client_body_temp_path", "--http-client-body-temp-path", "client_body_temp"},
	{"proxy_temp_path", "--http-proxy-temp-path", "proxy_temp"},
	{"fastcgi_temp_path", "--http-fastcgi-temp-path", "fastcgi_temp"},
	{"uwsgi_temp_path", "--http-uwsgi-temp-path", "uwsgi_temp"},
	{"scgi_temp_path", "--http-scgi-temp-path", "scgi_temp"},
}

func (e *env) nginxBuild(ctx context.Context, bin string) nginxBuild {
	// Without `nginx -V`: Debian's package, the most common one (its temp
	// directories matter only to `nginx -T`, which needs the binary).
	b := nginxBuild{prefix: "/usr/share/nginx", conf: "/etc/nginx/nginx.conf", accessLog: "/var/log/nginx/access.log", errorLog: "/var/log/nginx/error.log",
		pid: "/run/nginx.pid", temp: map[string]string{}}
	if bin == "" {
		return b
	}
	out, errOut, err := e.Run(ctx, bin, "-V")
	if err != nil {
		return b
	}
	b.known = true
	set := map[string]string{}
	for _, w := range strings.Fields(string(out) + " " + string(errOut)) {
		if k, v, ok := strings.Cut(w, "="); ok && strings.HasPrefix(k, "--") {
			set[k] = v
		}
	}
	// configure's defaults for what it was not told (prefix/logs/...).
	or := func(k, def string) string {
		if v, ok := set[k]; ok {
			return v
		}
		return def
	}
	b.prefix = or("--prefix", "/usr/local/nginx")
	under := func(p string) string {
		if filepath.IsAbs(p) || p == "stderr" {
			return p
		}
		return filepath.Join(b.prefix, p)
	}
	b.conf = under(or("--conf-path", "conf/nginx.conf"))
	b.accessLog = under(or("--http-log-path", "logs/access.log"))
	b.errorLog = under(or("--error-log-path", "logs/error.log"))
	b.pid = under(or("--pid-path", "logs/nginx.pid"))
	for _, t := range tempDirectives {
		b.temp[t.directive] = under(or(t.configure, t.def))
	}
	return b
}

// nginxBinary finds the binary a process runs, to run `nginx -T` with it.
func (e *env) nginxBinary(p discover.Proc, cmd nginxCmd) string {
	if exe := strings.TrimSuffix(p.Exe, " (deleted)"); exe != "" && exe == p.Exe && e.Exists(exe) {
		return exe
	}
	if filepath.IsAbs(cmd.bin) && e.Exists(cmd.bin) {
		return cmd.bin
	}
	if path, err := exec.LookPath("nginx"); err == nil {
		return path
	}
	return ""
}

func (e *env) nginxProc(ctx context.Context, r *discover.Session, p discover.Proc) {
	cmd := parseNginxCmdline(p.Cmdline)
	bin := e.nginxBinary(p, cmd)
	build := e.nginxBuild(ctx, bin)
	prefix := cmd.prefix
	if prefix == "" {
		prefix = build.prefix
	}
	conf := cmd.conf
	if conf == "" {
		conf = build.conf
	}
	if !filepath.IsAbs(conf) {
		conf = filepath.Join(prefix, conf)
	}
	r.Found(discover.Gateway{Kind: "nginx", PID: p.PID, Config: conf, Used: true})
	how := fmt.Sprintf("nginx pid %d: -c %s", p.PID, conf)
	if cmd.conf == "" {
		how = fmt.Sprintf("nginx pid %d: %s (no -c: nginx's compiled-in default)", p.PID, conf)
	}
	r.Explain("nginx", "%s, prefix %s", how, prefix)
	e.nginxConfig(ctx, r, nginxTarget{bin: bin, conf: conf, prefix: prefix, globals: cmd.globals, errLog: cmd.errLog, build: build})
}

// FromNginxConfig discovers from an nginx configuration file without a
// running nginx. prefix is nginx's -p ("" for the prefix nginx itself would
// use: see nginxFile). opt may be nil.
func FromNginxConfig(ctx context.Context, path, prefix string, opt *discover.Options) (*discover.Result, error) {
	r := discover.NewSessionFor(opt)
	r.Found(discover.Gateway{Kind: "nginx", Config: path, Used: true})
	(&env{r}).nginxFile(ctx, r, path, prefix)
	return r.Result()
}

// nginxFile reads a configuration file no running nginx names. prefix is
// nginx's -p; "" is the installed nginx's compiled-in prefix (`nginx -V`)
// when it can be asked, else the one the file's place implies
// (PREFIX/conf/nginx.conf, as nginx built from source lays it out) or the
// file's directory.
func (e *env) nginxFile(ctx context.Context, r *discover.Session, path, prefix string) {
	bin := ""
	if !e.Options().NoExec {
		bin, _ = exec.LookPath("nginx")
	}
	build := e.nginxBuild(ctx, bin)
	how := "given"
	switch {
	case prefix != "":
	case build.known:
		prefix, how = build.prefix, "`"+bin+" -V`"
	case filepath.Base(filepath.Dir(path)) == "conf":
		prefix, how = filepath.Dir(filepath.Dir(path)), "the file is PREFIX/conf/nginx.conf"
	default:
		prefix, how = filepath.Dir(path), "the file's directory"
	}
	r.Explain("nginx", "nginx configuration %s, prefix %s (%s)", path, prefix, how)
	e.nginxConfig(ctx, r, nginxTarget{bin: bin, conf: path, prefix: prefix, build: build})
}

type nginxTarget struct {
	bin, conf, prefix, globals, errLog string
	build                              nginxBuild
}

// nginxConfig reads the whole configuration — through `nginx -T` when the
// binary runs, which attributes every line to its file exactly as nginx
// read it, else by following includes itself — and extracts what gwtop can
// watch.
func (e *env) nginxConfig(ctx context.Context, r *discover.Session, t nginxTarget) {
	// The files first: they are read without running anything, and they
	// say which files `nginx -T` would open for writing.
	files, ferr := nginxconf.Load(nginxconf.OS{Root: e.Options().Root, Read: e.Options().ReadFile}, t.conf, filepath.Dir(t.conf))
	var cf *nginxconf.Config
	if t.bin != "" && !e.Options().NoExec {
		// nginx -T opens (and so creates) every log file and temp
		// directory the configuration names. For a running nginx they
		// exist already; a configuration edited since the last reload may
		// name new ones, and discovery must not create them.
		if missing := missingWritePaths(files, t.prefix, t.errLog, t.build); len(missing) > 0 {
			r.Note("nginx", "did not run `%s -T`: it would create %s (named in the configuration, not on disk yet); reading the files instead", t.bin, strings.Join(missing, ", "))
		} else {
			cf = e.nginxDump(ctx, r, t)
		}
	}
	if cf == nil {
		if ferr != nil {
			if _, ok := ferr.(*nginxconf.SyntaxError); ok {
				r.Note("nginx", "cannot parse %v", ferr)
			} else {
				r.Note("nginx", "cannot read %s: %s", t.conf, e.ReadHint(t.conf, ferr))
			}
			return
		}
		cf = files
		r.Explain("nginx", "configuration read from the files (%d)", len(cf.Files))
	}
	for _, p := range cf.Problems {
		r.Note("nginx", "skipped %s", nginxProblem(e, p))
	}
	x := &ngx{e: e, r: r, t: t, formats: map[string]*logFormat{}, upstreams: map[string]*upBlock{}}
	x.walk(cf.Directives, &scope{ctx: "main"})
	x.emit(ctx)
}

// nginxDump reads the configuration as `nginx -T` prints it, which
// attributes every line to its file exactly as nginx reads it; nil when it
// fails (the caller falls back to the files).
func (e *env) nginxDump(ctx context.Context, r *discover.Session, t nginxTarget) *nginxconf.Config {
	a := []string{"-T", "-q", "-p", t.prefix, "-c", t.conf}
	if t.globals != "" {
		a = append(a, "-g", t.globals)
	}
	if t.errLog != "" {
		a = append(a, "-e", t.errLog)
	}
	out, errOut, err := e.Run(ctx, t.bin, a...)
	if err != nil {
		r.Note("nginx", "`%s -T` failed (%v%s); reading the files instead", t.bin, err, firstLine(errOut))
		return nil
	}
	d := nginxconf.ParseDump(out)
	files := d.Files()
	if len(files) == 0 {
		return nil
	}
	cf, lerr := nginxconf.Load(d, files[0], filepath.Dir(files[0]))
	if lerr != nil {
		r.Note("nginx", "nginx -T output: %v; reading the files instead", lerr)
		return nil
	}
	r.Explain("nginx", "configuration read with `%s -T` (%d files)", t.bin, len(cf.Files))
	return cf
}

// missingWritePaths lists the files and directories that `nginx -T` would
// create because they do not exist: the log files and temp directories the
// configuration names; the error log nginx opens before it reads the
// configuration (-e, else the compiled-in one); the pid file, which a test
// run opens too (an nginx that is not running has none); and, where the
// configuration does not set them in http{}, the compiled-in access log and
// temp directories. Paths with variables, syslog targets and "off" are not
// files.
func missingWritePaths(cf *nginxconf.Config, prefix, errLog string, build nginxBuild) []string {
	if cf == nil {
		return nil
	}
	var missing []string
	seen := map[string]bool{}
	check := func(p string) {
		if p == "" || p == "off" || p == "stderr" || strings.HasPrefix(p, "syslog:") || strings.HasPrefix(p, "memory:") || strings.Contains(p, "$") {
			return
		}
		if !filepath.IsAbs(p) {
			p = filepath.Join(prefix, p)
		}
		if seen[p] {
			return
		}
		seen[p] = true
		if _, err := os.Stat(p); err != nil && os.IsNotExist(err) {
			missing = append(missing, p)
		}
	}
	if errLog != "" {
		check(errLog)
	} else {
		check(build.errorLog)
	}
	pid := build.pid
	for _, d := range cf.Directives {
		switch d.Name {
		case "pid":
			pid = d.Arg(0)
		case "http":
			inHTTP := map[string]bool{}
			for _, c := range d.Block {
				inHTTP[c.Name] = true
			}
			if !inHTTP["access_log"] {
				check(build.accessLog)
			}
			for _, t := range tempDirectives {
				if !inHTTP[t.directive] {
					check(build.temp[t.directive])
				}
			}
		}
	}
	check(pid)
	var walk func([]*nginxconf.Directive)
	walk = func(ds []*nginxconf.Directive) {
		for _, d := range ds {
			switch d.Name {
			case "access_log", "error_log", "client_body_temp_path", "proxy_temp_path", "fastcgi_temp_path", "uwsgi_temp_path", "scgi_temp_path":
				check(d.Arg(0))
			}
			walk(d.Block)
		}
	}
	walk(cf.Directives)
	return missing
}

func nginxProblem(e *env, p nginxconf.Problem) string {
	if _, ok := p.Err.(*nginxconf.SyntaxError); ok {
		return fmt.Sprintf("%v (gwtop cannot parse it)", p.Err)
	}
	msg := p.Err.Error()
	// Say what would help for a file nginx could read and gwtop cannot.
	for _, h := range []string{"permission denied"} {
		if strings.Contains(strings.ToLower(msg), h) {
			msg += " — run as root"
		}
	}
	return fmt.Sprintf("%s:%d: %s", p.File, p.Line, msg)
}

func firstLine(b []byte) string {
	s := strings.TrimSpace(string(b))
	if s == "" {
		return ""
	}
	sc := bufio.NewScanner(bytes.NewReader([]byte(s)))
	sc.Scan()
	return ": " + sc.Text()
}

// ngx extracts gwtop's view from a parsed configuration.
type ngx struct {
	e *env
	r *discover.Session
	t nginxTarget

	formats   map[string]*logFormat
	upstreams map[string]*upBlock // "http NAME", "stream NAME"
	upOrder   []*upBlock
	passes    []*pass
	alogs     []*accessLog
	elogs     []*errorLog
	stubs     []*stub
	servers   []*server
	resolvers []*nginxconf.Directive
}

type logFormat struct {
	d      *nginxconf.Directive
	escape string
	text   string
}

type upBlock struct {
	d      *nginxconf.Directive
	name   string
	stream bool
	used   bool
}

type pass struct {
	d      *nginxconf.Directive
	stream bool
	srv    *server
	loc    string
	// tune are the timeout and retry directives in effect where the pass
	// is (see scope.tune).
	tune map[string]*nginxconf.Directive
}

type accessLog struct {
	d        *nginxconf.Directive // nil for nginx's default
	path     string
	format   string
	off      bool
	problem  string // why it cannot be followed
	buffered string
	uses     int
	where    place
}

type errorLog struct {
	d     *nginxconf.Directive
	path  string
	level string
	uses  int
	where place
	prob  string
}

type stub struct {
	d    *nginxconf.Directive
	path string
	srv  *server
	deny []*nginxconf.Directive
	ok   []*nginxconf.Directive
}

type server struct {
	d       *nginxconf.Directive
	listens []*nginxconf.Directive
	names   []string
}

func (s *server) label() string {
	for _, n := range s.names {
		if n != "" && n != "_" {
			return n
		}
	}
	if len(s.listens) > 0 {
		return s.listens[0].Arg(0)
	}
	return "server"
}

type scope struct {
	ctx   string // main, http, server, location, stream, stream-server
	srv   *server
	loc   string
	alogs []*accessLog
	elogs []*errorLog
	deny  []*nginxconf.Directive
	allow []*nginxconf.Directive
	// tune are the directives named in tuneDirectives in effect in the
	// block, by name: the block's own, else the enclosing block's (nginx's
	// merge_loc_conf inheritance). Shared with the parent until the block
	// writes one of its own.
	tune map[string]*nginxconf.Directive
}

func (x *ngx) fullPath(p string) string {
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(x.t.prefix, p)
}

// place says where in the configuration a directive applies. It is
// rendered after the walk, when every server's names are known.
type place struct {
	ctx  string
	srv  *server
	loc  string
	text string // set for nginx's defaults
}

func (p place) String() string {
	switch {
	case p.text != "":
		return p.text
	case p.loc != "":
		return fmt.Sprintf("server %s, location %s", p.srv.label(), p.loc)
	case p.srv != nil:
		return "server " + p.srv.label()
	}
	return p.ctx
}

func (x *ngx) where(sc *scope) place { return place{ctx: sc.ctx, srv: sc.srv, loc: sc.loc} }

// walk visits a block: its own log directives first (they apply to the
// whole block, wherever they are written), then what it contains.
func (x *ngx) walk(ds []*nginxconf.Directive, sc *scope) {
	var own []*accessLog
	var ownErr []*errorLog
	httpish := sc.ctx == "http" || sc.ctx == "server" || sc.ctx == "location"
	ownTune := false
	for _, d := range ds {
		switch {
		case d.Name == "access_log" && httpish:
			a := x.accessLog(d, sc)
			own = append(own, a)
			x.alogs = append(x.alogs, a)
		case d.Name == "error_log" && sc.ctx != "stream" && sc.ctx != "stream-server":
			el := x.errorLog(d, sc)
			ownErr = append(ownErr, el)
			x.elogs = append(x.elogs, el)
		case d.Name == "deny" && httpish:
			sc.deny = append(sc.deny, d)
		case d.Name == "allow" && httpish:
			sc.allow = append(sc.allow, d)
		case tuneDirectives[d.Name] && sc.ctx != "main" && len(d.Args) > 0:
			if !ownTune {
				sc.tune = maps.Clone(sc.tune)
				if sc.tune == nil {
					sc.tune = map[string]*nginxconf.Directive{}
				}
				ownTune = true
			}
			sc.tune[d.Name] = d
		}
	}
	if len(own) > 0 {
		sc.alogs = own
	} else if sc.ctx == "http" {
		// nginx logs to its compiled-in path in "combined" when http{}
		// says nothing.
		a := &accessLog{path: x.t.build.accessLog, format: "combined", where: place{text: "http (nginx's default: no access_log in http{})"}}
		x.alogs = append(x.alogs, a)
		sc.alogs = []*accessLog{a}
	}
	if len(ownErr) > 0 {
		sc.elogs = ownErr
	} else if sc.ctx == "main" {
		def := x.t.errLog
		where := "nginx's -e"
		if def == "" {
			def, where = x.t.build.errorLog, "nginx's compiled-in default"
		}
		el := &errorLog{path: def, level: "error", where: place{text: "main (" + where + ": no error_log at the top level)"}}
		if def == "stderr" || def == "" {
			el.prob = "nginx writes it to stderr"
		} else {
			def = x.fullPath(def)
			el.path = def
		}
		x.elogs = append(x.elogs, el)
		sc.elogs = []*errorLog{el}
	}
	for _, d := range ds {
		child := func(ctx string) *scope {
			c := *sc
			c.ctx = ctx
			c.deny = append([]*nginxconf.Directive(nil), sc.deny...)
			c.allow = append([]*nginxconf.Directive(nil), sc.allow...)
			return &c
		}
		switch sc.ctx {
		case "main":
			switch d.Name {
			case "http":
				x.walk(d.Block, child("http"))
			case "stream":
				x.walk(d.Block, child("stream"))
			}
		case "http", "stream":
			switch d.Name {
			case "log_format":
				if sc.ctx == "http" {
					x.logFormat(d)
				}
			case "upstream":
				x.upstream(d, sc.ctx == "stream")
			case "server":
				if !d.IsBlock {
					continue
				}
				s := &server{d: d}
				x.servers = append(x.servers, s)
				c := child("server")
				if sc.ctx == "stream" {
					c.ctx = "stream-server"
				}
				c.srv = s
				x.walk(d.Block, c)
			case "resolver":
				x.resolvers = append(x.resolvers, d)
			}
		case "server", "location", "stream-server":
			switch d.Name {
			case "listen":
				if sc.ctx != "location" {
					sc.srv.listens = append(sc.srv.listens, d)
				}
			case "server_name":
				if sc.ctx != "location" {
					sc.srv.names = append(sc.srv.names, d.Args...)
				}
			case "location", "if", "limit_except":
				if sc.ctx == "stream-server" || !d.IsBlock {
					continue
				}
				c := child("location")
				if d.Name == "location" {
					c.loc = strings.Join(d.Args, " ")
				}
				x.walk(d.Block, c)
			case "stub_status":
				if sc.ctx == "location" {
					x.stubs = append(x.stubs, &stub{d: d, path: sc.loc, srv: sc.srv, deny: sc.deny, ok: sc.allow})
				}
			case "proxy_pass", "fastcgi_pass", "uwsgi_pass", "scgi_pass", "grpc_pass", "memcached_pass":
				if sc.ctx == "server" {
					continue // not allowed there; nginx -t would have said so
				}
				x.passes = append(x.passes, &pass{d: d, stream: sc.ctx == "stream-server", srv: sc.srv, loc: sc.loc, tune: sc.tune})
				for _, a := range sc.alogs {
					a.uses++
				}
				for _, el := range sc.elogs {
					el.uses++
				}
			case "resolver":
				x.resolvers = append(x.resolvers, d)
			}
		}
	}
}

func (x *ngx) logFormat(d *nginxconf.Directive) {
	if len(d.Args) < 2 {
		return
	}
	f := &logFormat{d: d}
	rest := d.Args[1:]
	if strings.HasPrefix(rest[0], "escape=") {
		f.escape = strings.TrimPrefix(rest[0], "escape=")
		rest = rest[1:]
	}
	f.text = strings.Join(rest, "")
	if _, dup := x.formats[d.Args[0]]; !dup {
		x.formats[d.Args[0]] = f
	}
}

func (x *ngx) accessLog(d *nginxconf.Directive, sc *scope) *accessLog {
	a := &accessLog{d: d, where: x.where(sc), format: "combined"}
	p := d.Arg(0)
	switch {
	case p == "off":
		a.off = true
		a.problem = "off"
		return a
	case strings.HasPrefix(p, "syslog:"):
		a.path = p
		a.problem = "sent to syslog, not a file"
	case strings.Contains(p, "$"):
		a.path = p
		a.problem = "the path has variables: one file per value, gwtop follows one file"
	default:
		a.path = x.fullPath(p)
	}
	if len(d.Args) > 1 && !strings.Contains(d.Args[1], "=") && d.Args[1] != "gzip" {
		a.format = d.Args[1]
	}
	for _, w := range d.Args[1:] {
		switch {
		case w == "gzip" || strings.HasPrefix(w, "gzip="):
			a.problem = "gzip-compressed: gwtop cannot follow it"
		case strings.HasPrefix(w, "buffer="), strings.HasPrefix(w, "flush="):
			a.buffered = w
		}
	}
	return a
}

func (x *ngx) errorLog(d *nginxconf.Directive, sc *scope) *errorLog {
	el := &errorLog{d: d, level: "error", where: x.where(sc)}
	if len(d.Args) > 1 {
		el.level = d.Args[1]
	}
	p := d.Arg(0)
	switch {
	case p == "stderr":
		el.path, el.prob = p, "written to stderr"
	case strings.HasPrefix(p, "syslog:"):
		el.path, el.prob = p, "sent to syslog, not a file"
	case strings.HasPrefix(p, "memory:"):
		el.path, el.prob = p, "kept in memory, not a file"
	case p == "/dev/null":
		el.path, el.prob = p, "discarded (/dev/null)"
	default:
		el.path = x.fullPath(p)
	}
	if el.prob == "" && levelRank(el.level) > levelRank("error") {
		el.prob = fmt.Sprintf("level %s hides upstream errors, which nginx logs at level error: use `error_log %s error;` or lower", el.level, d.Arg(0))
	}
	return el
}

func levelRank(l string) int {
	for i, s := range []string{"debug", "info", "notice", "warn", "error", "crit", "alert", "emerg"} {
		if l == s {
			return i
		}
	}
	return 4
}

func (x *ngx) upstream(d *nginxconf.Directive, stream bool) {
	if !d.IsBlock || len(d.Args) == 0 {
		return
	}
	k := "http " + d.Args[0]
	if stream {
		k = "stream " + d.Args[0]
	}
	u := &upBlock{d: d, name: d.Args[0], stream: stream}
	if _, dup := x.upstreams[k]; !dup {
		x.upstreams[k] = u
		x.upOrder = append(x.upOrder, u)
	}
}

// passDest is where a *_pass sends requests.
type passDest struct {
	variable   bool     // the target has variables: resolved per request
	up         *upBlock // an upstream block of that name
	unix       string   // a unix socket's path
	host, port string   // a host (name or IP) and port
	noPort     bool     // no port and no upstream block of that name
}

// passDest reads a pass's target as nginx does: an upstream block when the
// name has no port and a block has it, a unix socket, or HOST:PORT (the
// scheme's port when none is written).
func (x *ngx) passDest(p *pass) passDest {
	target, kind := p.d.Arg(0), p.d.Name
	if strings.Contains(target, "$") {
		return passDest{variable: true}
	}
	scheme, rest := "", target
	if i := strings.Index(target, "://"); i >= 0 {
		scheme, rest = target[:i], target[i+3:]
	}
	if strings.HasPrefix(rest, "unix:") {
		sock := strings.TrimPrefix(rest, "unix:")
		if i := strings.Index(sock, ":"); i >= 0 && kind == "proxy_pass" && !p.stream {
			sock = sock[:i]
		}
		return passDest{unix: sock}
	}
	hostport := rest
	if i := strings.IndexByte(hostport, '/'); i >= 0 && scheme != "" {
		hostport = hostport[:i]
	}
	host, port := discover.SplitHostPort(hostport)
	if port == "" {
		// Without a port, the name may be an upstream block.
		k := "http " + host
		if p.stream {
			k = "stream " + host
		}
		if u, ok := x.upstreams[k]; ok {
			return passDest{up: u}
		}
		switch scheme {
		case "https", "grpcs", "suwsgi":
			port = "443"
		default:
			port = "80"
		}
		if p.stream || (scheme == "" && kind != "grpc_pass") {
			return passDest{noPort: true}
		}
	}
	return passDest{host: host, port: port}
}

// emit turns what walk collected into the report.
func (x *ngx) emit(ctx context.Context) {
	// Passes first: they tell which upstream blocks are used.
	type inline struct {
		p         *pass
		host      string
		port      string
		unix      string
		directive string
	}
	var inlines []inline
	varNoted := false
	for _, p := range x.passes {
		target, kind := p.d.Arg(0), p.d.Name
		dst := x.passDest(p)
		switch {
		case dst.variable:
			if !varNoted {
				extra := ""
				if len(x.resolvers) > 0 {
					extra = fmt.Sprintf(" through resolver %s (%s)", strings.Join(x.resolvers[0].Args, " "), x.resolvers[0].Pos())
				}
				x.r.Note("upstreams", "%s %s (%s) names its upstream with variables: nginx resolves it per request%s, so gwtop cannot list it; it still shows up from the logs under its address",
					kind, target, p.d.Pos(), extra)
				varNoted = true
			}
		case dst.up != nil:
			dst.up.used = true
		case dst.noPort:
			x.r.Note("upstreams", "%s %s (%s): no port and no upstream block of that name; skipped", kind, target, p.d.Pos())
		default:
			inlines = append(inlines, inline{p: p, host: dst.host, port: dst.port, unix: dst.unix, directive: kind})
		}
	}

	for _, u := range x.upOrder {
		var servers []*nginxconf.Directive
		for _, d := range u.d.Block {
			if d.Name == "server" && len(d.Args) > 0 {
				servers = append(servers, d)
			}
		}
		if len(servers) == 0 {
			x.r.Note("upstreams", "upstream %s (%s) has no server lines (filled at run time?); skipped", u.name, u.d.Pos())
			continue
		}
		var addrs []config.Upstream
		var whys []string
		for _, s := range servers {
			var flags []string
			down := false
			for _, w := range s.Args[1:] {
				switch {
				case w == "down":
					down = true
					flags = append(flags, "down: not probed")
				case w == "backup", w == "resolve", w == "drain",
					strings.HasPrefix(w, "weight="), strings.HasPrefix(w, "max_fails="), strings.HasPrefix(w, "max_conns="):
					flags = append(flags, w)
				}
			}
			block := "upstream " + u.name
			if u.stream {
				block = "stream upstream " + u.name
			}
			if !u.used {
				block += ", not named by any *_pass gwtop could read"
			}
			why := fmt.Sprintf("from %s (%s", s.Pos(), block)
			if len(flags) > 0 {
				why += "; " + strings.Join(flags, ", ")
			}
			as, unix, rwhy := x.serverAddrs(ctx, u, s)
			if unix {
				addrs = append(addrs, config.Upstream{Address: as[0], Group: u.name})
				whys = append(whys, why+"; a unix socket: gwtop probes TCP and HTTP only)")
				continue
			}
			for _, addr := range as {
				up := config.Upstream{Address: addr, Group: u.name}
				if !down {
					up.Probe = "tcp://" + addr
				}
				addrs = append(addrs, up)
				whys = append(whys, why+rwhy+")")
			}
		}
		for i := range addrs {
			addrs[i].Name = u.name
			if len(addrs) > 1 {
				addrs[i].Name = fmt.Sprintf("%s-%d", u.name, i+1)
			}
			x.r.AddUpstream(addrs[i], whys[i])
		}
	}

	for _, in := range inlines {
		name := in.p.loc
		if in.p.srv != nil {
			name = in.p.srv.label() + strings.TrimPrefix(strings.TrimPrefix(in.p.loc, "= "), "^~ ")
		}
		why := fmt.Sprintf("from %s (%s %s", in.p.d.Pos(), in.directive, in.p.d.Arg(0))
		if in.p.loc != "" {
			why += " in location " + in.p.loc
		}
		if in.unix != "" {
			x.r.AddUpstream(config.Upstream{Name: name, Address: "unix:" + in.unix}, why+"; a unix socket: gwtop probes TCP and HTTP only)")
			continue
		}
		ips, rwhy := x.resolve(ctx, in.host, in.port, in.p.d)
		for _, ip := range ips {
			addr := net.JoinHostPort(ip, in.port)
			x.r.AddUpstream(config.Upstream{Name: name, Address: addr, Probe: "tcp://" + addr}, why+rwhy+")")
		}
	}
	if len(x.resolvers) > 0 && !varNoted {
		x.r.Explain("upstreams", "nginx has a resolver (%s): upstream names are re-resolved at run time, the logs show the addresses in use", x.resolvers[0].Pos())
	}

	n := &Config{}
	x.chooseAccessLog(n)
	x.chooseRoutes(ctx, n)
	x.chooseErrorLog(n)
	x.chooseStub(n)
	if n.StatusURL != "" || n.AccessLog != "" || n.ErrorLog != "" {
		x.r.SetSection("nginx", n)
	}
}

// chooseRoutes writes the locations that proxy as routes when an access
// log followed is in a format that names no upstream (combined, main):
// its requests are then attributed by the location their path matches.
// Regular-expression and named locations are not routes (noted); the
// first location of a path wins (server blocks are not told apart).
func (x *ngx) chooseRoutes(ctx context.Context, n *Config) {
	need := false
	for _, a := range n.AllAccessLogs() {
		if !hasUpstreamVars(a.Format) {
			need = true
		}
	}
	if !need {
		return
	}
	seen := map[string]bool{}
	skipped := 0
	for _, p := range x.passes {
		if p.stream || p.loc == "" || p.d.Name != "proxy_pass" && p.d.Name != "grpc_pass" {
			continue
		}
		kind, path := splitLocation(p.loc)
		if kind != "" && kind != "=" && kind != "^~" {
			skipped++
			continue
		}
		key := kind + " " + path
		if seen[key] {
			continue
		}
		dst := x.passDest(p)
		var up string
		switch {
		case dst.up != nil:
			up = dst.up.name
		case dst.unix != "":
			up = "unix:" + dst.unix
		case dst.host != "":
			ips, _ := x.resolve(ctx, dst.host, dst.port, p.d)
			if len(ips) == 0 {
				continue
			}
			up = net.JoinHostPort(ips[0], dst.port)
		default:
			continue // variables, or no port
		}
		seen[key] = true
		x.r.SetField(fmt.Sprintf("nginx.routes[%d]", len(n.Routes)), fmt.Sprintf("%s (%s %s in location %s)", p.d.Pos(), p.d.Name, p.d.Arg(0), p.loc))
		n.Routes = append(n.Routes, Route{Location: p.loc, Upstream: up})
	}
	if len(n.Routes) > 0 {
		x.r.Explain("nginx", "requests of the access logs whose format names no upstream are attributed by the location their path matches: %d routes below", len(n.Routes))
	}
	if skipped > 0 {
		x.r.Note("nginx", "%d regular-expression or named locations proxy too: routes are prefix and exact locations only, so their requests are attributed by prefix or not at all", skipped)
	}
}

// serverAddrs returns the addresses nginx logs for a server line s of
// upstream block u: "unix:PATH" for a socket (unix true), else each
// address the host resolves to, with the port (80 when none is written; a
// stream server without one is noted and has none). rwhy says how a name
// was resolved.
func (x *ngx) serverAddrs(ctx context.Context, u *upBlock, s *nginxconf.Directive) (addrs []string, unix bool, rwhy string) {
	a := s.Args[0]
	if strings.HasPrefix(a, "unix:") {
		return []string{a}, true, ""
	}
	host, port := discover.SplitHostPort(a)
	if port == "" {
		if u.stream {
			x.r.Note("upstreams", "server %s (%s) has no port; skipped", a, s.Pos())
			return nil, false, ""
		}
		port = "80"
	}
	ips, rwhy := x.resolve(ctx, host, port, s)
	for _, ip := range ips {
		addrs = append(addrs, net.JoinHostPort(ip, port))
	}
	return addrs, false, rwhy
}

// resolve returns the addresses nginx logs for host: itself for an IP, the
// name's addresses otherwise (nginx resolves names once, at start).
func (x *ngx) resolve(ctx context.Context, host, port string, d *nginxconf.Directive) ([]string, string) {
	if net.ParseIP(host) != nil {
		return []string{host}, ""
	}
	ips, err := x.e.LookupHost(ctx, host)
	if err != nil || len(ips) == 0 {
		x.r.Note("upstreams", "%s (%s): cannot resolve %s (%v); listed under its name, while nginx logs the address it resolved at start", d.Arg(0), d.Pos(), host, err)
		return []string{host}, ""
	}
	sort.Strings(ips)
	return ips, fmt.Sprintf("; %s resolves to %s, the address nginx logs", host, strings.Join(ips, ", "))
}

// formatText renders a log_format as gwtop's nginx.log_format accepts it:
// the directive's pieces, quoted, with its escape= parameter.
func formatText(f *logFormat) string {
	// The text as it is reads best, when gwtop reads it back the same way.
	if (f.escape == "" || f.escape == "default") && !strings.ContainsAny(f.text[:min(1, len(f.text))], `'"`) &&
		!strings.HasPrefix(f.text, "log_format") && !strings.HasPrefix(f.text, "escape=") && !strings.ContainsAny(f.text, "\n") {
		if _, err := logformat.Compile(f.text); err == nil {
			return f.text
		}
	}
	s := "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(f.text) + "'"
	if f.escape != "" && f.escape != "default" {
		s = "escape=" + f.escape + " " + s
	}
	return s
}

func hasUpstreamVars(text string) bool {
	for _, v := range []string{"upstream_addr", "upstream_status"} {
		if strings.Contains(text, "$"+v) || strings.Contains(text, "${"+v+"}") {
			return true
		}
	}
	return false
}

// chooseAccessLog picks the access log gwtop follows: one that can be read,
// in a format gwtop parses, preferring formats with upstream variables and
// then the log most proxied locations write to.
func (x *ngx) chooseAccessLog(n *Config) {
	type cand struct {
		a      *accessLog
		format string // for config
		up     bool
		prob   string
		uses   int
		pos    string
	}
	var cands []*cand
	byPath := map[string]*cand{}
	for _, a := range x.alogs {
		if a.off {
			continue
		}
		pos := "nginx's default"
		if a.d != nil {
			pos = a.d.Pos()
		}
		if c, ok := byPath[a.path]; ok && c.a.format == a.format {
			c.uses += a.uses
			continue
		}
		c := &cand{a: a, uses: a.uses, pos: pos, prob: a.problem}
		byPath[a.path] = c
		cands = append(cands, c)
		if c.prob != "" {
			continue
		}
		if a.format == "combined" {
			if f, ok := x.formats["combined"]; ok {
				c.format, c.up = formatText(f), hasUpstreamVars(f.text)
			} else {
				c.format = "combined"
			}
		} else if f, ok := x.formats[a.format]; ok {
			c.format, c.up = formatText(f), hasUpstreamVars(f.text)
		} else {
			c.prob = fmt.Sprintf("format %q is not defined", a.format)
			continue
		}
		if _, err := logformat.Compile(c.format); err != nil {
			c.prob = fmt.Sprintf("format %s: gwtop cannot parse it: %v", a.format, err)
			continue
		}
		if err := x.e.CanRead(a.path); err != nil {
			c.prob = x.e.ReadHint(a.path, err)
		}
	}
	sort.SliceStable(cands, func(i, j int) bool {
		a, b := cands[i], cands[j]
		if (a.prob == "") != (b.prob == "") {
			return a.prob == ""
		}
		if a.up != b.up {
			return a.up
		}
		return a.uses > b.uses
	})
	for i, c := range cands {
		desc := fmt.Sprintf("access_log %s (%s, %s, format %s", c.a.path, c.pos, c.a.where, c.a.format)
		if f, ok := x.formats[c.a.format]; ok {
			desc += " from " + f.d.Pos()
		}
		desc += fmt.Sprintf(", %d proxied locations)", c.uses)
		if i == 0 && c.prob == "" {
			n.AccessLog, n.LogFormat = c.a.path, c.format
			why := fmt.Sprintf("from %s (%s, %d proxied locations log here)", c.pos, c.a.where, c.uses)
			x.r.SetField("nginx.access_log", why)
			if f, ok := x.formats[c.a.format]; ok {
				x.r.SetField("nginx.log_format", fmt.Sprintf("log_format %s from %s", c.a.format, f.d.Pos()))
			} else {
				x.r.SetField("nginx.log_format", "nginx's built-in combined format")
			}
			if !c.up {
				x.r.Note("nginx", "the access log's format has no $upstream_addr/$upstream_status: gwtop cannot tell from it which upstream nginx chose (it attributes requests by the location they matched, where that location's proxy_pass names one); add them to log_format %s", c.a.format)
			}
			if c.a.buffered != "" {
				x.r.Explain("nginx", "the access log is buffered (%s): lines reach the file in bursts", c.a.buffered)
			}
			continue
		}
		if c.prob != "" {
			x.r.Note("nginx", "%s: %s", desc, c.prob)
			continue
		}
		if n.AccessLog == "" {
			// The first usable one, when the preferred one had a problem.
			n.AccessLog, n.LogFormat = c.a.path, c.format
			x.r.SetField("nginx.access_log", fmt.Sprintf("from %s (%s, %d proxied locations log here)", c.pos, c.a.where, c.uses))
			continue
		}
		k := len(n.AccessLogs)
		n.AccessLogs = append(n.AccessLogs, AccessLog{Path: c.a.path, Format: c.format})
		fmtFrom := ""
		if f, ok := x.formats[c.a.format]; ok {
			fmtFrom = " from " + f.d.Pos()
		}
		x.r.SetField(fmt.Sprintf("nginx.access_logs[%d]", k), fmt.Sprintf("%s (%s, format %s%s, %d proxied locations)", c.pos, c.a.where, c.a.format, fmtFrom, c.uses))
		if !c.up && c.uses > 0 {
			x.r.Note("nginx", "access_log %s: its format has no $upstream_addr/$upstream_status, so its %d proxied locations count for the gateway but not per upstream", c.a.path, c.uses)
		}
	}
}

func (x *ngx) chooseErrorLog(n *Config) {
	var cands []*errorLog
	seen := map[string]*errorLog{}
	for _, el := range x.elogs {
		if prev, ok := seen[el.path]; ok {
			prev.uses += el.uses
			continue
		}
		seen[el.path] = el
		if el.prob == "" {
			if err := x.e.CanRead(el.path); err != nil {
				el.prob = x.e.ReadHint(el.path, err)
			}
		}
		cands = append(cands, el)
	}
	sort.SliceStable(cands, func(i, j int) bool {
		a, b := cands[i], cands[j]
		if (a.prob == "") != (b.prob == "") {
			return a.prob == ""
		}
		return a.uses > b.uses
	})
	// reloadSeen: a followed error log is at notice or lower, where nginx
	// writes its reload lines.
	reloadSeen, lowest := false, ""
	defer func() {
		if n.ErrorLog != "" && !reloadSeen {
			x.r.Note("nginx", "error_log %s is at level %s: nginx writes its reloads (\"signal 1 (SIGHUP) received\", \"reconfiguring\") at notice, so gwtop will not see them; `error_log %s notice;` shows them", n.ErrorLog, lowest, n.ErrorLog)
		}
	}()
	for i, el := range cands {
		if el.prob == "" {
			reloadSeen = reloadSeen || levelRank(el.level) <= levelRank("notice")
			if lowest == "" || levelRank(el.level) < levelRank(lowest) {
				lowest = el.level
			}
		}
		pos := "nginx's default"
		if el.d != nil {
			pos = el.d.Pos()
		}
		if i == 0 && el.prob == "" {
			n.ErrorLog = el.path
			x.r.SetField("nginx.error_log", fmt.Sprintf("from %s (%s, level %s, %d proxied locations log here)", pos, el.where, el.level, el.uses))
			continue
		}
		desc := fmt.Sprintf("(%s, %s, level %s, %d proxied locations)", pos, el.where, el.level, el.uses)
		switch {
		case el.prob != "":
			x.r.Note("nginx", "error_log %s %s: %s", el.path, desc, el.prob)
		case n.ErrorLog == "":
			n.ErrorLog = el.path
			x.r.SetField("nginx.error_log", fmt.Sprintf("from %s (%s, level %s, %d proxied locations log here)", pos, el.where, el.level, el.uses))
		default:
			x.r.SetField(fmt.Sprintf("nginx.error_logs[%d]", len(n.ErrorLogs)), fmt.Sprintf("from %s (%s, level %s, %d proxied locations)", pos, el.where, el.level, el.uses))
			n.ErrorLogs = append(n.ErrorLogs, el.path)
		}
	}
}

// chooseStub builds the stub_status URL from the location and the listen
// address of its server.
func (x *ngx) chooseStub(n *Config) {
	for _, s := range x.stubs {
		fields := strings.Fields(s.path)
		var path string
		switch {
		case len(fields) == 1 && !strings.HasPrefix(fields[0], "@"):
			path = fields[0]
		case len(fields) == 2 && (fields[0] == "=" || fields[0] == "^~"):
			path = fields[1]
		default:
			x.r.Note("nginx", "stub_status at %s is in location %q: gwtop cannot build a URL for a regex or named location; give --nginx-status", s.d.Pos(), s.path)
			continue
		}
		hostport, scheme, lpos, ok := x.listenAddr(s.srv)
		if !ok {
			x.r.Note("nginx", "stub_status at %s: its server listens on no TCP address gwtop can reach", s.d.Pos())
			continue
		}
		u := scheme + "://" + hostport + path
		if n.StatusURL != "" {
			x.r.Explain("nginx", "also a stub_status page at %s (%s)", u, s.d.Pos())
			continue
		}
		n.StatusURL = u
		x.r.SetField("nginx.status_url", fmt.Sprintf("stub_status at %s, listen at %s", s.d.Pos(), lpos))
		if len(s.deny) > 0 && !allowsLoopback(s.ok) {
			x.r.Note("nginx", "the status page has deny rules (%s) and no allow for 127.0.0.1: gwtop may get 403", s.deny[0].Pos())
		}
		if other := x.defaultServer(hostport, s.srv); other != nil {
			x.r.Note("nginx", "server %s (%s) is the default server for %s, so gwtop's request may reach it instead of the status page's server %s; add default_server to its listen", other.label(), other.d.Pos(), hostport, s.srv.label())
		}
	}
}

func allowsLoopback(allow []*nginxconf.Directive) bool {
	for _, a := range allow {
		switch v := a.Arg(0); {
		case v == "all", strings.HasPrefix(v, "127."), v == "::1":
			return true
		}
	}
	return false
}

// listenAddr returns the address a local client reaches a server at.
func (x *ngx) listenAddr(s *server) (hostport, scheme, pos string, ok bool) {
	if len(s.listens) == 0 {
		return "127.0.0.1:80", "http", "nginx's default listen *:80 (the server has none)", true
	}
	for _, l := range s.listens {
		a := l.Arg(0)
		if strings.HasPrefix(a, "unix:") || slices.Contains(l.Args[1:], "quic") {
			continue
		}
		host, port := discover.SplitHostPort(a)
		if port == "" {
			if _, err := strconv.Atoi(host); err == nil {
				host, port = "", host
			} else {
				port = "80"
			}
		}
		switch host {
		case "", "*", "0.0.0.0":
			host = "127.0.0.1"
		case "::":
			host = "::1"
		}
		scheme = "http"
		if slices.Contains(l.Args[1:], "ssl") {
			scheme = "https"
		}
		return net.JoinHostPort(host, port), scheme, l.Pos(), true
	}
	return "", "", "", false
}

// defaultServer returns the server that answers requests for hostport
// without a matching Host, when it is not s.
func (x *ngx) defaultServer(hostport string, s *server) *server {
	var first, def *server
	for _, o := range x.servers {
		if len(o.listens) == 0 {
			continue
		}
		hp, _, _, ok := x.listenAddr(o)
		if !ok || hp != hostport {
			continue
		}
		if first == nil {
			first = o
		}
		for _, l := range o.listens {
			if slices.Contains(l.Args[1:], "default_server") || slices.Contains(l.Args[1:], "default") {
				def = o
			}
		}
	}
	if def == nil {
		def = first
	}
	if def == nil || def == s {
		return nil
	}
	for _, n := range s.names {
		if n == "127.0.0.1" || n == "localhost" || strings.HasPrefix(hostport, n+":") {
			return nil
		}
	}
	return def
}
