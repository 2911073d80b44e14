// Package discover finds what gwtop should watch on this host without any
// configuration: the running gateways (nginx, HAProxy, Caddy, Traefik,
// Envoy), their configuration files, and from those the upstreams, logs,
// status pages and admin APIs. It produces a gwtop configuration and the same
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

// Gateway is a running gateway discovery found.
type Gateway struct {
	Kind   string // nginx, haproxy, caddy, traefik, envoy
	PID    int32
	Config string // its main configuration file ("" when it has none)
	Used   bool   // false when only noted (a second instance of a kind)
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
}

// NotFoundError says that no gateway was found, what was looked for, and how
// to point gwtop at one.
type NotFoundError struct {
	Found []Gateway
	Notes []string
}

func (e *NotFoundError) Error() string {
	var b strings.Builder
	if len(e.Found) == 0 {
		var kinds []string
		for _, f := range finders() {
			kinds = append(kinds, f.Kind)
		}
		fmt.Fprintf(&b, "no gateway found: looked for running %s processes and found none", andList(kinds))
	} else {
		var names []string
		for _, g := range e.Found {
			names = append(names, fmt.Sprintf("%s (pid %d)", g.Kind, g.PID))
		}
		fmt.Fprintf(&b, "found %s but nothing gwtop can watch in its configuration", strings.Join(names, ", "))
	}
	for _, n := range e.Notes {
		b.WriteString("\n  - ")
		b.WriteString(n)
	}
	b.WriteString("\npoint gwtop at a gateway with --config FILE (see `gwtop discover` on the gateway host for a starting point)" +
		" or quick flags: " + strings.Join(config.TargetFlags(), ", ") + ";" +
		" try `gwtop demo` to see gwtop at work")
	return b.String()
}

// Discover finds the running gateways and builds a configuration from them.
// It fails only when the process list cannot be read or when nothing at all
// can be watched (a *NotFoundError); every other problem becomes a note.
func Discover(ctx context.Context, opt Options) (*Result, error) {
	list := opt.Processes
	if list == nil {
		list = SystemProcesses
	}
	procs, err := list(ctx)
	if err != nil {
		return nil, fmt.Errorf("list processes: %w", err)
	}
	s := NewSession(opt)
	byKind := gatewayProcs(procs)
	for _, f := range finders() {
		for i, p := range byKind[f.Kind] {
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
	return s.Result()
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

// gatewayProcs picks the gateway processes out of the list, one entry per
// running gateway (masters, not workers), sorted by pid.
func gatewayProcs(procs []Proc) map[string][]Proc {
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
