// Package discover finds what gwtop should watch on this host without any
// configuration: the running gateways (nginx, HAProxy, Caddy, Traefik,
// Envoy, Apache), their configuration files, and from those the upstreams,
// logs, status pages and admin APIs. A gateway that is not running (it has
// crashed: its logs are where the answer is) is read from the
// configuration file a flag names or from its standard place, and said to
// be not running. It produces a gwtop configuration and the same
// configuration as YAML with a comment on every item saying where it came
// from, plus notes on what it could not use and why.
//
// Discovery only reads: /proc (through gopsutil) and files. The only
// programs it runs are `nginx -T` and `nginx -V`, with a timeout; it never
// signals a gateway.
package discover

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/gwtop/gwtop/config"
)

// Proc is one process as discovery sees it.
type Proc struct {
	PID     int32
	PPID    int32
	Name    string   // the kernel's name for it (comm)
	Cmdline []string // may be one string when the process rewrote its title (nginx)
	Exe     string   // the binary, from /proc/PID/exe; "" when unreadable
	Cwd     string   // "" when unreadable
	Env     []string // nil when unreadable (another user's process)
}

// Gateway is a gateway discovery found: a running process, or a
// configuration file read without one.
type Gateway struct {
	Kind   string // nginx, haproxy, caddy, traefik, envoy, apache
	PID    int32  // 0 when no process was read (a configuration file alone)
	Config string // its main configuration file ("" when it has none)
	Used   bool   // false when only noted (a second instance of a kind)
	// NotRunning says that no process of the kind runs: the section was
	// read from Config alone (Options.Configs or a standard path). Its logs
	// are watched; its probes, status page or admin API fail until it
	// starts.
	NotRunning bool
}

// String names the gateway as messages do: "nginx pid 10", "nginx
// (not running, /etc/nginx/nginx.conf)", "nginx configuration FILE".
func (g Gateway) String() string {
	switch {
	case g.NotRunning:
		return fmt.Sprintf("%s (not running, %s)", g.Kind, g.Config)
	case g.PID == 0:
		return fmt.Sprintf("%s configuration %s", g.Kind, g.Config)
	}
	return fmt.Sprintf("%s pid %d", g.Kind, g.PID)
}

// Result is what discovery found.
type Result struct {
	// Config is the configuration discovery chose.
	Config *config.Config
	// YAML is Config as YAML that config.Load accepts, with comments saying
	// where every item came from and notes on what was skipped.
	YAML []byte
	// Notes say what could not be used and why.
	Notes []string
	// Found lists the gateways seen.
	Found []Gateway
	// env holds secrets the YAML refers to as ${NAME} instead of printing
	// them (a stats page password).
	env map[string]string
}

// Load parses the YAML as a configuration file would be, so that watching
// the discovered configuration and watching the saved YAML are the same
// thing. Secrets the YAML names as ${VAR} come from lookup first, then from
// what discovery read.
func (r *Result) Load(lookup func(string) (string, bool)) (*config.Config, error) {
	cfg, err := config.Parse("discovered", r.YAML, func(name string) (string, bool) {
		if lookup != nil {
			if v, ok := lookup(name); ok {
				return v, true
			}
		}
		v, ok := r.env[name]
		return v, ok
	})
	if err != nil {
		return nil, err
	}
	cfg.Source = "discovered"
	return cfg, nil
}

// Options changes where discovery looks; the zero value looks at this host.
type Options struct {
	// Processes lists the processes; nil uses SystemProcesses.
	Processes func(ctx context.Context) ([]Proc, error)
	// Root is prepended to every path discovery reads ("" for /).
	Root string
	// ReadFile reads a configuration file; nil uses os.ReadFile. The path
	// already has Root prepended.
	ReadFile func(path string) ([]byte, error)
	// CanRead reports whether gwtop can open a log for reading; nil tries
	// to open it. The path already has Root prepended.
	CanRead func(path string) error
	// CanWrite reports whether gwtop can connect to a unix socket (which
	// needs write permission); nil asks access(2).
	CanWrite func(path string) error
	// LookupHost resolves upstream host names to the addresses the gateway
	// logs; nil uses the system resolver with a short timeout.
	LookupHost func(ctx context.Context, host string) ([]string, error)
	// NoExec stops discovery from running `nginx -T` and `nginx -V`: only
	// files are read.
	NoExec bool
	// ExecTimeout bounds every program discovery runs; 0 means 5s.
	ExecTimeout time.Duration
	// Home is the home directory Traefik's default configuration is looked
	// up in; "" uses the Traefik process's $HOME when readable.
	Home string
	// Configs maps a kind ("nginx") to a configuration file to read for
	// it, as the kind's Finder.ConfFlag flag ("--nginx-conf") gives it.
	// The file is read whether or not a process of the kind runs (a
	// running one's own configuration is then not read); a file that
	// cannot be read makes Discover fail with a *ConfigFileError.
	Configs map[string]string
	// NoStandard stops discovery from reading a kind's standard
	// configuration paths (Finder.Standard) when no process of it runs.
	NoStandard bool
}

// ConfigFileError says that a configuration file given for a kind
// (Options.Configs, from the kind's flag) cannot be read.
type ConfigFileError struct {
	Kind string
	Flag string // "--nginx-conf"
	Path string
	Err  error
	hint string
}

func (e *ConfigFileError) Error() string {
	if e.Path == "" {
		return fmt.Sprintf("%s: %s", e.Flag, e.hint)
	}
	return fmt.Sprintf("%s %s: cannot read the %s configuration: %s", e.Flag, e.Path, e.Kind, e.hint)
}

func (e *ConfigFileError) Unwrap() error { return e.Err }

// NotFoundError says that no gateway was found, what was looked for, and how
// to point gwtop at one.
type NotFoundError struct {
	Found []Gateway
	Notes []string
	// noStandard: the standard configuration paths were not looked at.
	noStandard bool
}

func (e *NotFoundError) Error() string {
	var b strings.Builder
	if len(e.Found) == 0 {
		var kinds []string
		for _, f := range finders() {
			kinds = append(kinds, f.Kind)
		}
		fmt.Fprintf(&b, "no gateway found: looked for running %s processes and found none", andList(kinds))
		if !e.noStandard {
			b.WriteString(", nor a configuration file in the standard places")
		}
	} else {
		var names []string
		for _, g := range e.Found {
			names = append(names, g.String())
		}
		fmt.Fprintf(&b, "found %s but nothing gwtop can watch in its configuration", strings.Join(names, ", "))
	}
	for _, n := range e.Notes {
		b.WriteString("\n  - ")
		b.WriteString(n)
	}
	b.WriteString("\npoint gwtop at a gateway with --config FILE (see `gwtop discover` on the gateway host for a starting point)" +
		" or quick flags: " + strings.Join(config.TargetFlags(), ", ") + ";")
	if flags := confFlags(); len(flags) > 0 {
		b.WriteString(" read a stopped gateway's configuration with " + strings.Join(flags, ", ") + " FILE;")
	}
	b.WriteString(" try `gwtop demo` to see gwtop at work")
	return b.String()
}

// confFlags lists the kinds' configuration file flags ("--nginx-conf").
func confFlags() []string {
	var out []string
	for _, f := range finders() {
		if f.FindConfig != nil && f.ConfFlag != "" {
			out = append(out, "--"+f.ConfFlag)
		}
	}
	return out
}

// Discover finds the gateways on the host and builds a configuration from
// them. For each kind, in Rank order:
//
//   - a file Options.Configs names for the kind is read with its
//     FindConfig, whether or not a process of the kind runs;
//   - else every running process of the kind is read (Find);
//   - else, when no process of the kind runs, the first of its standard
//     configuration paths that exists (under Options.Root) is read, and
//     the YAML and the notes say that the gateway is not running.
//
// It fails when the process list cannot be read, when a file in
// Options.Configs cannot be read (a *ConfigFileError naming the flag) or
// when nothing at all can be watched (a *NotFoundError); every other
// problem becomes a note.
func Discover(ctx context.Context, opt Options) (*Result, error) {
	s := NewSession(opt)
	all := finders()
	if err := s.checkConfigs(all); err != nil {
		return nil, err
	}
	list := opt.Processes
	if list == nil {
		list = SystemProcesses
	}
	procs, err := list(ctx)
	if err != nil {
		return nil, fmt.Errorf("list processes: %w", err)
	}
	byKind := GatewayProcs(procs)
	for _, f := range all {
		running := byKind[f.Kind]
		if path, ok := opt.Configs[f.Kind]; ok {
			s.readConfig(ctx, f, path, running, true)
			continue
		}
		if len(running) == 0 {
			if path := s.standardConfig(f); path != "" {
				s.readConfig(ctx, f, path, nil, false)
			}
			continue
		}
		for i, p := range running {
			// Every running instance is read: the first is the kind's
			// section ("nginx:"), the next ones KIND@N ("nginx@2:"), so
			// two nginx on one host keep their upstreams apart.
			s.report.instance = f.Kind
			if i > 0 {
				s.report.instance = fmt.Sprintf("%s@%d", f.Kind, i+1)
				s.Explain(f.Kind, "%s pid %d is another %s: its section is %s", f.Kind, p.PID, f.Kind, s.report.instance)
			}
			f.Find(ctx, s, p)
			s.report.instance = ""
		}
	}
	res, err := s.Result()
	if nf, ok := err.(*NotFoundError); ok {
		nf.noStandard = opt.NoStandard
	}
	return res, err
}

// checkConfigs makes sure every file Options.Configs names is for a kind
// that reads one, and can be read: a flag pointing at nothing is the
// operator's mistake, said before anything else is done.
func (s *Session) checkConfigs(all []Finder) error {
	kinds := make([]string, 0, len(s.opt.Configs))
	for k := range s.opt.Configs {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	for _, kind := range kinds {
		path := s.opt.Configs[kind]
		var f *Finder
		for i := range all {
			if all[i].Kind == kind && all[i].FindConfig != nil {
				f = &all[i]
			}
		}
		if f == nil {
			var can []string
			for _, o := range all {
				if o.FindConfig != nil {
					can = append(can, o.Kind)
				}
			}
			return fmt.Errorf("discover: no gateway kind %q reads a configuration file (these do: %s)", kind, strings.Join(can, ", "))
		}
		if path == "" {
			return &ConfigFileError{Kind: kind, Flag: f.flag(), hint: "give the configuration file"}
		}
		if _, err := s.ReadFile(path); err != nil {
			// HAProxy takes a directory of *.cfg files as well; the
			// kind's reader says what it makes of one.
			if fi, serr := os.Stat(s.Full(path)); serr == nil && fi.IsDir() {
				continue
			}
			return &ConfigFileError{Kind: kind, Flag: f.flag(), Path: path, Err: err, hint: s.ReadHint(path, err)}
		}
	}
	return nil
}

// standardConfig is the first of a kind's standard configuration paths
// that exists, or "".
func (s *Session) standardConfig(f Finder) string {
	if s.opt.NoStandard || f.FindConfig == nil {
		return ""
	}
	for _, p := range f.Standard {
		if s.Exists(p) {
			return p
		}
	}
	return ""
}

// NotRunningNote is what discovery says of a gateway read from its
// configuration file while no process of it runs.
func NotRunningNote(title, path string) string {
	return fmt.Sprintf("%s is not running: read %s; its logs are watched, probes and the status page will fail until it starts", title, path)
}

// readConfig reads a kind's configuration file without its process:
// from Options.Configs (byFlag) or a standard path. running are the
// kind's processes: when one runs, the file stands for its configuration.
func (s *Session) readConfig(ctx context.Context, f Finder, path string, running []Proc, byFlag bool) {
	s.report.instance = f.Kind
	defer func() { s.report.instance = "" }()
	g := Gateway{Kind: f.Kind, Config: path, Used: true, NotRunning: len(running) == 0}
	if len(running) > 0 {
		g.PID = running[0].PID
	}
	s.Found(g)
	argOf := func(p Proc) string {
		if f.ConfigArg != nil {
			return f.ConfigArg(p)
		}
		return ""
	}
	for _, p := range running[min(1, len(running)):] {
		s.Found(Gateway{Kind: f.Kind, PID: p.PID, Config: argOf(p)})
		s.Note(f.Kind, "%s pid %d is not read: %s names one configuration, read as pid %d's", f.title(), p.PID, f.flag(), g.PID)
	}
	switch {
	case len(running) > 0:
		s.Explain(f.Kind, "%s pid %d: configuration %s from %s (instead of %s, as its command line says)", f.title(), g.PID, path, f.flag(), OrNone(argOf(running[0])))
	case byFlag:
		s.Note(f.Kind, "%s", NotRunningNote(f.title(), path))
		s.Explain(f.Kind, "configuration %s from %s", path, f.flag())
	default:
		s.Note(f.Kind, "%s", NotRunningNote(f.title(), path))
		s.Explain(f.Kind, "no %s process runs: %s is %s's standard configuration file (give another with %s)", f.title(), path, f.title(), f.flag())
	}
	f.FindConfig(ctx, s, path)
}

// env is the options with defaults filled in.
type env struct {
	opt Options
}

func newEnv(opt Options) *env {
	if opt.ExecTimeout <= 0 {
		opt.ExecTimeout = 5 * time.Second
	}
	return &env{opt: opt}
}

// Options returns the options discovery runs with (defaults filled in).
func (e *env) Options() Options { return e.opt }

// Full is the path to open for a path as the gateway names it.
func (e *env) Full(p string) string {
	if e.opt.Root == "" || e.opt.Root == "/" {
		return p
	}
	return filepath.Join(e.opt.Root, p)
}

func (e *env) ReadFile(p string) ([]byte, error) {
	if e.opt.ReadFile != nil {
		return e.opt.ReadFile(e.Full(p))
	}
	return os.ReadFile(e.Full(p))
}

func (e *env) CanRead(p string) error {
	if e.opt.CanRead != nil {
		return e.opt.CanRead(e.Full(p))
	}
	f, err := os.Open(e.Full(p))
	if err != nil {
		return err
	}
	return f.Close()
}

func (e *env) CanWrite(p string) error {
	if e.opt.CanWrite != nil {
		return e.opt.CanWrite(e.Full(p))
	}
	if err := syscall.Access(e.Full(p), 2 /* W_OK */); err != nil {
		return &fs.PathError{Op: "access", Path: p, Err: err}
	}
	return nil
}

func (e *env) Exists(p string) bool {
	_, err := os.Stat(e.Full(p))
	return err == nil
}

// LookupHost resolves a name, bounded so that a dead resolver cannot stall
// discovery.
func (e *env) LookupHost(ctx context.Context, host string) ([]string, error) {
	if e.opt.LookupHost != nil {
		return e.opt.LookupHost(ctx, host)
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	return net.DefaultResolver.LookupHost(ctx, host)
}

// Run runs a read-only program (nginx -T, nginx -V) with a timeout and
// returns its stdout and stderr.
func (e *env) Run(ctx context.Context, bin string, args ...string) (stdout, stderr []byte, err error) {
	if e.opt.NoExec || (e.opt.Root != "" && e.opt.Root != "/") {
		return nil, nil, errors.New("running programs is off")
	}
	ctx, cancel := context.WithTimeout(ctx, e.opt.ExecTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	var out, errb strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errb
	cmd.WaitDelay = time.Second
	err = cmd.Run()
	if ctx.Err() != nil {
		err = fmt.Errorf("timed out after %v", e.opt.ExecTimeout)
	}
	return []byte(out.String()), []byte(errb.String()), err
}

// ReadHint explains why a file cannot be read and what would fix it.
func (e *env) ReadHint(p string, err error) string {
	switch {
	case errors.Is(err, fs.ErrPermission):
		if g := e.GroupOf(p); g != "" {
			return fmt.Sprintf("permission denied — run as root or a member of group %s", g)
		}
		return "permission denied — run as root"
	case errors.Is(err, fs.ErrNotExist):
		return "does not exist"
	}
	return err.Error()
}

// GroupOf names the group that may read p (the file's group when the file
// is group-readable), or "".
func (e *env) GroupOf(p string) string {
	fi, err := os.Stat(e.Full(p))
	if err != nil {
		return ""
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok || fi.Mode().Perm()&0o040 == 0 {
		return ""
	}
	if g, err := user.LookupGroupId(strconv.Itoa(int(st.Gid))); err == nil {
		return g.Name
	}
	return strconv.Itoa(int(st.Gid))
}

// GatewayProcs groups a process list by gateway kind, keeping the ones
// that serve (masters, not workers), sorted by pid: what discovery reads,
// and what the engine asks each kind's Settings about.
func GatewayProcs(procs []Proc) map[string][]Proc {
	byPID := map[int32]Proc{}
	for _, p := range procs {
		byPID[p.PID] = p
	}
	out := map[string][]Proc{}
	for _, p := range procs {
		f, ok := finderOf(p)
		if !ok {
			continue
		}
		if f.Serves != nil && !f.Serves(p) {
			continue
		}
		// HAProxy's master-worker mode, Apache's and nginx's workers and
		// some service wrappers run the gateway under a parent of the
		// same kind: keep the parent only.
		if parent, ok := byPID[p.PPID]; ok {
			if pf, ok := finderOf(parent); ok && pf.Kind == f.Kind {
				continue
			}
		}
		out[f.Kind] = append(out[f.Kind], p)
	}
	for _, ps := range out {
		sort.Slice(ps, func(i, j int) bool { return ps[i].PID < ps[j].PID })
	}
	return out
}

// finderOf returns the finder of the kind a process runs.
func finderOf(p Proc) (Finder, bool) {
	names := []string{p.Name}
	if len(p.Cmdline) > 0 {
		first := strings.Fields(p.Cmdline[0])
		if len(first) > 0 {
			names = append(names, filepath.Base(strings.TrimSuffix(first[0], ":")))
		}
	}
	for _, f := range finders() {
		for _, n := range names {
			for _, pn := range f.Processes {
				if n == pn {
					return f, true
				}
			}
		}
	}
	return Finder{}, false
}

// Args returns the command line split into words (a rewritten title is one
// string holding all of them).
func Args(cmdline []string) []string {
	if len(cmdline) == 1 {
		return strings.Fields(cmdline[0])
	}
	return cmdline
}

// FlagValue returns the value of the first of names on a command line,
// given as "--name value" or "--name=value" (any case).
func FlagValue(cmdline []string, names ...string) string {
	a := Args(cmdline)
	for i, w := range a {
		for _, n := range names {
			if strings.EqualFold(w, n) && i+1 < len(a) {
				return a[i+1]
			}
			if len(w) > len(n) && strings.EqualFold(w[:len(n)+1], n+"=") {
				return w[len(n)+1:]
			}
		}
	}
	return ""
}

// RelTo makes a path a gateway names relative to its working directory
// absolute.
func RelTo(dir, p string) string {
	if p == "" || filepath.IsAbs(p) || dir == "" {
		return p
	}
	return filepath.Join(dir, p)
}
