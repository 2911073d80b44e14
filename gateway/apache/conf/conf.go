// Package conf reads an Apache httpd configuration tree the way httpd reads
// it at startup: logical lines with backslash continuation, words quoted as
// ap_getword_conf quotes them, ${VAR} expanded from Define and the
// environment before a line is split, Include and IncludeOptional (globs,
// whole directories, relative to ServerRoot) spliced in place, and the
// read-time conditionals <IfModule>, <IfDefine>, <IfVersion>, <IfFile>
// evaluated in file order as httpd evaluates them. Every directive keeps the
// file and line it came from, so that gwtop's discovery can say where each
// upstream, log and timeout it uses was configured.
//
// Summarize turns a Tree into what gwtop needs (listen addresses, virtual
// hosts, logs, proxy routes, balancers, timeouts, status pages) and
// ParseDashS reads the output of `apachectl -S`. Nothing here starts a
// process or touches the network; files are read through an FS.
package conf

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// Directive is one configuration directive or section.
type Directive struct {
	// Name as written, without the angle bracket of a section:
	// "ProxyPass", "VirtualHost". Apache compares names case-insensitively;
	// use Is.
	Name string
	// Args are the words after the name, quotes and escapes resolved, after
	// ${VAR} expansion. For a section the closing '>' is removed first.
	Args []string
	// Raw is the argument text after expansion and before splitting, for
	// the few directives that split their own way (RAW_ARGS in httpd,
	// such as <If> expressions).
	Raw  string
	File string
	Line int
	// Section is set for <Name ...> ... </Name>; Children are the
	// directives inside it (an empty slice for an empty section).
	Section  bool
	Children []*Directive
}

// Is reports whether d is the directive name, case-insensitively.
func (d *Directive) Is(name string) bool { return strings.EqualFold(d.Name, name) }

// Arg returns argument i, or "".
func (d *Directive) Arg(i int) string {
	if i < len(d.Args) {
		return d.Args[i]
	}
	return ""
}

// Pos returns "file:line".
func (d *Directive) Pos() string { return fmt.Sprintf("%s:%d", d.File, d.Line) }

// Note is something gwtop could not use or that an operator should know,
// at the line that caused it. File and Line are empty/zero for a note about
// the whole load.
type Note struct {
	File string
	Line int
	Msg  string
}

func (n Note) String() string {
	if n.File == "" {
		return n.Msg
	}
	if n.Line == 0 {
		return n.File + ": " + n.Msg
	}
	return fmt.Sprintf("%s:%d: %s", n.File, n.Line, n.Msg)
}

// Skipped is a conditional section that evaluated false; httpd does not
// read what is inside (it only looks for the closing tag), and neither
// does Load.
type Skipped struct {
	Name string // "IfModule"
	Arg  string // "!mod_ssl.c"
	File string
	Line int
}

// Tree is a whole configuration: the main file's directives with every
// Include replaced by the included files' directives, and every true
// conditional section replaced by its contents, as httpd builds its tree.
type Tree struct {
	Main       string
	ServerRoot string // the last ServerRoot in effect (the option's, or a directive's)
	Directives []*Directive
	Files      []string // every file read, in order (a file included twice is listed twice)
	// Defines are the names defined at the end of reading (-D options and
	// Define), with their values ("" for a bare Define).
	Defines map[string]string
	// Modules are the modules loaded at the end of reading, by identifier
	// ("proxy_module") and the file of each LoadModule ("mod_proxy.so");
	// static modules from Options.Static are included.
	Modules []string
	Skipped []Skipped
}

// FS supplies configuration files. Paths are as httpd names them
// (absolute, after ServerRoot is applied).
type FS interface {
	ReadFile(name string) ([]byte, error)
	// Glob returns the paths matching pattern (filepath.Match syntax).
	Glob(pattern string) ([]string, error)
	// ReadDir returns the names of the entries of a directory, and an error
	// when name is not one.
	ReadDir(name string) ([]string, error)
	// Exists reports whether a file or directory exists (IncludeOptional
	// of a missing file is silent, <IfFile> tests it).
	Exists(name string) bool
}

// OSFS reads the file system under Root ("" or "/" for the host, a
// container's /proc/PID/root or a test tree otherwise). Paths stay as httpd
// names them; Root is only prepended to open them.
type OSFS struct{ Root string }

func (o OSFS) full(p string) string {
	if o.Root == "" || o.Root == "/" {
		return p
	}
	return filepath.Join(o.Root, p)
}

// ReadFile implements FS.
func (o OSFS) ReadFile(p string) ([]byte, error) { return os.ReadFile(o.full(p)) }

// ReadDir implements FS.
func (o OSFS) ReadDir(p string) ([]string, error) {
	es, err := os.ReadDir(o.full(p))
	if err != nil {
		return nil, err
	}
	names := make([]string, len(es))
	for i, e := range es {
		names[i] = e.Name()
	}
	return names, nil
}

// Exists implements FS.
func (o OSFS) Exists(p string) bool {
	_, err := os.Stat(o.full(p))
	return err == nil
}

// Glob implements FS.
func (o OSFS) Glob(pattern string) ([]string, error) {
	m, err := filepath.Glob(o.full(pattern))
	if err != nil {
		return nil, err
	}
	if o.Root != "" && o.Root != "/" {
		for i := range m {
			rel, _ := filepath.Rel(o.Root, m[i])
			m[i] = "/" + filepath.ToSlash(rel)
		}
	}
	return m, nil
}

// Options say where the configuration is and what httpd was started with.
type Options struct {
	// ServerRoot is the compiled-in or -d server root ("/etc/apache2" on
	// Debian, "/etc/httpd" on Red Hat); relative Include paths and the
	// main file are relative to it until a ServerRoot directive changes it.
	ServerRoot string
	// Main is the main file (-f): "apache2.conf", "/etc/httpd/conf/httpd.conf".
	Main string
	// Env is the environment httpd runs with, for ${VAR}: on Debian the
	// variables of /etc/apache2/envvars (see ParseEnvvars), or better the
	// running process's own environment.
	Env map[string]string
	// Defines are the -D names httpd was started with.
	Defines []string
	// Static are the compiled-in modules, as `httpd -l` lists them
	// ("mod_so.c"); nil means Debian's list (DefaultStatic).
	Static []string
	// Version is httpd's version ("2.4.71") for <IfVersion>; "" keeps
	// every <IfVersion> section, which is the conservative choice when the
	// binary's version is unknown.
	Version string
	// MaxFiles and MaxBytes bound the reading (0: 1000 files, 64 MiB).
	MaxFiles int
	MaxBytes int64
}

// DefaultStatic is Debian's `apache2 -l` (2.4): the modules compiled in,
// for which <IfModule> is true without a LoadModule.
var DefaultStatic = []string{"core.c", "mod_so.c", "mod_watchdog.c", "http_core.c", "mod_log_config.c", "mod_logio.c", "mod_version.c", "mod_unixd.c"}

// maxIncludeDepth is httpd's AP_MAX_INCLUDE_DEPTH; gwtop also refuses an
// include of a file that is already being read, which is the same loop
// found sooner.
const maxIncludeDepth = 128

// maxSectionDepth bounds nesting so that hostile input cannot exhaust the
// stack; real configurations nest a few levels.
const maxSectionDepth = 64

// Load reads the main file and everything it includes. A main file that
// cannot be read is an error; everything else that is wrong is a Note and
// the rest is still read.
func Load(fsys FS, opt Options) (*Tree, []Note, error) {
	l := &loader{fs: fsys, opt: opt, defines: map[string]string{}, modules: map[string]bool{}, reading: map[string]bool{}}
	if l.opt.MaxFiles <= 0 {
		l.opt.MaxFiles = 1000
	}
	if l.opt.MaxBytes <= 0 {
		l.opt.MaxBytes = 64 << 20
	}
	l.root = opt.ServerRoot
	for _, d := range opt.Defines {
		l.defines[d] = ""
		l.defOrder = append(l.defOrder, d)
	}
	static := opt.Static
	if static == nil {
		static = DefaultStatic
	}
	for _, m := range static {
		l.addModule(staticID(m), m)
	}
	main := l.rel(opt.Main)
	data, err := fsys.ReadFile(main)
	if err != nil {
		return nil, nil, err
	}
	t := &Tree{Main: main}
	l.tree = t
	l.reading[main] = true
	t.Files = append(t.Files, main)
	l.bytes += int64(len(data))
	t.Directives = l.file(main, data, 0, nil)
	t.ServerRoot = l.root
	t.Defines = l.defines
	for m := range l.modules {
		t.Modules = append(t.Modules, m)
	}
	sort.Strings(t.Modules)
	return t, l.notes, nil
}

type loader struct {
	fs       FS
	opt      Options
	tree     *Tree
	notes    []Note
	root     string
	defines  map[string]string
	defOrder []string
	modules  map[string]bool
	reading  map[string]bool // files on the include stack
	bytes    int64
	stopped  bool // a cap was hit; noted once
}

func (l *loader) note(file string, line int, format string, args ...any) {
	if len(l.notes) >= 10000 {
		return // a hostile tree must not grow the notes without bound
	}
	l.notes = append(l.notes, Note{File: file, Line: line, Msg: fmt.Sprintf(format, args...)})
}

// rel is ap_server_root_relative.
func (l *loader) rel(p string) string {
	if p == "" || path.IsAbs(p) || l.root == "" {
		return p
	}
	return path.Join(l.root, p)
}

// staticID is the module identifier of a compiled-in module's source file:
// mod_log_config.c is log_config_module, http_core.c is http_module.
func staticID(src string) string {
	n := strings.TrimSuffix(strings.ToLower(src), ".c")
	if n == "http_core" {
		return "http_module"
	}
	return strings.TrimPrefix(n, "mod_") + "_module"
}

// addModule records a module under every name <IfModule> accepts for it:
// its identifier (proxy_module) and its source file (mod_proxy.c).
func (l *loader) addModule(id, file string) {
	l.modules[strings.ToLower(id)] = true
	if file != "" {
		base := strings.ToLower(path.Base(file))
		// A module loaded from mod_proxy.so was built from mod_proxy.c.
		base = strings.TrimSuffix(strings.TrimSuffix(base, ".so"), ".c")
		l.modules[base+".c"] = true
	}
}

func (l *loader) lookup(name string) (string, bool) {
	if v, ok := l.defines[name]; ok && v != "" {
		return v, true
	}
	// A Define without a value defines the name for <IfDefine> but not a
	// value for ${NAME}: httpd falls through to the environment.
	v, ok := l.opt.Env[name]
	return v, ok
}

// frame is an open section while a file is read.
type frame struct {
	d   *Directive
	out []*Directive // the parent's list, to append d to on close
}

// file parses one file. parent is the section an Include appeared in (nil
// at top level), which only matters for what httpd allows there.
func (l *loader) file(name string, data []byte, depth int, parent *Directive) []*Directive {
	var out []*Directive
	var stack []frame
	lines := splitLines(data)
	for i := 0; i < len(lines); i++ {
		pl := lines[i]
		if pl.text[0] == '#' {
			continue
		}
		text, ok := resolveEnv(pl.text, l.lookup, func(v string) {
			l.note(name, pl.line, "${%s} is not defined; kept as written", v)
		})
		if !ok {
			l.note(name, pl.line, "line longer than %d bytes after ${VAR} expansion; skipped", maxLine)
			continue
		}
		word, rest := getWord(text)
		if word == "" {
			continue
		}
		if strings.HasPrefix(word, "</") {
			closing := strings.TrimSuffix(word[2:], ">")
			if len(stack) == 0 {
				l.note(name, pl.line, "%s without matching <%s> section; ignored", word, closing)
				continue
			}
			top := stack[len(stack)-1]
			if !strings.EqualFold(closing, top.d.Name) {
				// httpd stops here ("Expected </X> but saw </Y>"); gwtop
				// closes the sections up to a matching one, or ignores the
				// stray tag, so that the rest can still be read.
				match := -1
				for j := len(stack) - 1; j >= 0; j-- {
					if strings.EqualFold(stack[j].d.Name, closing) {
						match = j
						break
					}
				}
				if match < 0 {
					l.note(name, pl.line, "expected </%s> but saw %s; ignored", top.d.Name, word)
					continue
				}
				for len(stack)-1 > match {
					t := stack[len(stack)-1]
					l.note(t.d.File, t.d.Line, "<%s> is not closed before %s at line %d", t.d.Name, word, pl.line)
					out = l.closeFrame(&stack, out)
				}
			}
			out = l.closeFrame(&stack, out)
			continue
		}
		d := &Directive{Name: word, Raw: rest, File: name, Line: pl.line}
		if strings.HasPrefix(word, "<") {
			d.Name = strings.TrimSuffix(word[1:], ">")
			d.Section = true
			argText := rest
			if strings.HasSuffix(word, ">") && rest == "" {
				argText = ""
			} else if j := strings.LastIndexByte(rest, '>'); j >= 0 {
				argText = rest[:j]
			} else {
				l.note(name, pl.line, "<%s> directive missing closing '>'", d.Name)
			}
			d.Raw = strings.TrimSpace(argText)
			d.Args = Words(d.Raw)
			if d.Name == "" {
				l.note(name, pl.line, "empty section name; ignored")
				continue
			}
			if cond, ok := l.condition(d); ok {
				if !cond {
					l.tree.Skipped = append(l.tree.Skipped, Skipped{Name: d.Name, Arg: d.Raw, File: name, Line: pl.line})
					i = l.soak(name, lines, i, d.Name)
					continue
				}
				// A true conditional's contents take its place, as in
				// httpd; it is kept on the stack only to match its end.
			} else if len(stack) >= maxSectionDepth {
				l.note(name, pl.line, "sections nested more than %d deep; <%s> skipped", maxSectionDepth, d.Name)
				i = l.soak(name, lines, i, d.Name)
				continue
			}
			d.Children = []*Directive{}
			stack = append(stack, frame{d: d, out: out})
			out = nil
			continue
		}
		d.Args = Words(rest)
		cur := parent
		if len(stack) > 0 {
			cur = stack[len(stack)-1].d
		}
		switch {
		case d.Is("Include") || d.Is("IncludeOptional"):
			out = append(out, l.include(d, depth, l.innermostReal(stack, parent))...)
			continue
		case d.Is("Define"):
			if n := d.Arg(0); n != "" && !strings.Contains(n, ":") {
				if _, had := l.defines[n]; !had {
					l.defOrder = append(l.defOrder, n)
				}
				l.defines[n] = d.Arg(1)
			}
		case d.Is("UnDefine"):
			delete(l.defines, d.Arg(0))
		case d.Is("ServerRoot"):
			if cur == nil && d.Arg(0) != "" {
				l.root = strings.TrimSuffix(d.Arg(0), "/")
				if l.root == "" {
					l.root = "/"
				}
			}
		case d.Is("LoadModule"):
			if len(d.Args) >= 2 {
				l.addModule(d.Args[0], d.Args[1])
			}
		}
		out = append(out, d)
	}
	for len(stack) > 0 {
		t := stack[len(stack)-1]
		l.note(t.d.File, t.d.Line, "<%s> is not closed before the end of the file", t.d.Name)
		out = l.closeFrame(&stack, out)
	}
	return out
}

// innermostReal is the innermost open section that is a real one (not a
// true conditional), for what an Include inside it belongs to.
func (l *loader) innermostReal(stack []frame, parent *Directive) *Directive {
	for j := len(stack) - 1; j >= 0; j-- {
		if _, cond := l.isConditional(stack[j].d.Name); !cond {
			return stack[j].d
		}
	}
	return parent
}

// closeFrame ends the innermost open section: a real section becomes a
// directive of its parent, a true conditional's contents are spliced into
// the parent.
func (l *loader) closeFrame(stack *[]frame, out []*Directive) []*Directive {
	s := *stack
	t := s[len(s)-1]
	*stack = s[:len(s)-1]
	if _, cond := l.isConditional(t.d.Name); cond {
		return append(t.out, out...)
	}
	if out != nil {
		t.d.Children = out
	}
	return append(t.out, t.d)
}

// soak is ap_soak_end_container: skip to the line that closes the section
// opened at lines[i], counting nested sections. It returns the index of the
// closing line.
func (l *loader) soak(name string, lines []physLine, i int, section string) int {
	depth := 0
	for j := i + 1; j < len(lines); j++ {
		w, _ := getWord(lines[j].text)
		if strings.HasPrefix(w, "</") {
			if depth == 0 {
				if !strings.EqualFold(strings.TrimSuffix(w[2:], ">"), section) {
					l.note(name, lines[j].line, "expected </%s> but saw %s", section, w)
				}
				return j
			}
			depth--
		} else if strings.HasPrefix(w, "<") && len(w) > 1 {
			depth++
		}
	}
	l.note(name, lines[i].line, "<%s> is not closed before the end of the file", section)
	return len(lines)
}

func (l *loader) isConditional(name string) (string, bool) {
	switch strings.ToLower(name) {
	case "ifmodule", "ifdefine", "ifversion", "iffile", "ifdirective", "ifsection":
		return strings.ToLower(name), true
	}
	return "", false
}

// condition evaluates a read-time conditional section; ok is false for
// any other section. <IfDirective> and <IfSection> would need httpd's
// table of every module's directives; they are kept (true).
func (l *loader) condition(d *Directive) (result, ok bool) {
	kind, ok := l.isConditional(d.Name)
	if !ok {
		return false, false
	}
	arg := d.Arg(0)
	not := false
	if kind != "ifversion" && strings.HasPrefix(arg, "!") {
		not, arg = true, arg[1:]
	}
	var r bool
	switch kind {
	case "ifmodule":
		r = l.modules[strings.ToLower(arg)]
	case "ifdefine":
		_, r = l.defines[arg]
	case "iffile":
		r = l.fs.Exists(l.rel(arg))
	case "ifversion":
		r = l.version(d)
	default:
		r = true
	}
	return r != not, true
}

// version evaluates <IfVersion [[!]op] version>, the mod_version syntax;
// without Options.Version every <IfVersion> is kept.
func (l *loader) version(d *Directive) bool {
	if l.opt.Version == "" {
		return true
	}
	op, want := "=", d.Arg(0)
	if len(d.Args) >= 2 {
		op, want = d.Args[0], d.Args[1]
	}
	neg := strings.HasPrefix(op, "!")
	op = strings.TrimPrefix(op, "!")
	have := parseVersion(l.opt.Version)
	var r bool
	switch op {
	case "=", "==":
		if strings.HasPrefix(want, "/") || strings.HasPrefix(want, "~") {
			// Regular-expression forms: not evaluated, kept.
			return true
		}
		r = cmpVersion(have, parseVersion(want)) == 0
	case "~":
		return true
	case "<":
		r = cmpVersion(have, parseVersion(want)) < 0
	case "<=":
		r = cmpVersion(have, parseVersion(want)) <= 0
	case ">":
		r = cmpVersion(have, parseVersion(want)) > 0
	case ">=":
		r = cmpVersion(have, parseVersion(want)) >= 0
	default:
		return true
	}
	return r != neg
}

func parseVersion(s string) [3]int {
	var v [3]int
	for i, p := range strings.SplitN(s, ".", 3) {
		n, _ := strconv.Atoi(p)
		v[i] = n
	}
	return v
}

func cmpVersion(a, b [3]int) int {
	for i := range a {
		if a[i] != b[i] {
			if a[i] < b[i] {
				return -1
			}
			return 1
		}
	}
	return 0
}

func (l *loader) capped(d *Directive) bool {
	if len(l.tree.Files) < l.opt.MaxFiles && l.bytes < l.opt.MaxBytes {
		return false
	}
	if !l.stopped {
		l.stopped = true
		l.note(d.File, d.Line, "stopped reading: more than %d files or %d bytes", l.opt.MaxFiles, l.opt.MaxBytes)
	}
	return true
}

// include follows Include/IncludeOptional as ap_process_fnmatch_configs
// does: a pattern matches per path component (a wildcard directory part
// only matches directories), a directory includes every file under it in
// sorted order, and a pattern that matches nothing is an error for Include
// only.
func (l *loader) include(d *Directive, depth int, parent *Directive) []*Directive {
	optional := d.Is("IncludeOptional")
	if len(d.Args) != 1 {
		l.note(d.File, d.Line, "%s takes one argument", d.Name)
		return nil
	}
	if depth >= maxIncludeDepth {
		l.note(d.File, d.Line, "includes nested more than %d deep", maxIncludeDepth)
		return nil
	}
	p := l.rel(d.Args[0])
	var names []string
	if strings.ContainsAny(p, "*?[") {
		m, err := l.fs.Glob(p)
		if err != nil {
			l.note(d.File, d.Line, "%s %s: %v", d.Name, d.Args[0], err)
			return nil
		}
		// APR_FNM_PERIOD: a wildcard does not match a leading dot.
		if !strings.HasPrefix(path.Base(p), ".") {
			m = dropDotfiles(m)
		}
		sort.Strings(m)
		if len(m) == 0 && !optional {
			l.note(d.File, d.Line, "Include %s: no matches for the wildcard", d.Args[0])
		}
		names = m
	} else {
		if !l.fs.Exists(p) {
			if !optional {
				l.note(d.File, d.Line, "Include %s: no such file or directory", p)
			}
			return nil
		}
		names = []string{p}
	}
	var out []*Directive
	for _, n := range names {
		out = append(out, l.includeOne(d, n, depth, parent, 0)...)
	}
	return out
}

func dropDotfiles(m []string) []string {
	out := m[:0]
	for _, n := range m {
		if !strings.HasPrefix(path.Base(n), ".") {
			out = append(out, n)
		}
	}
	return out
}

func (l *loader) includeOne(d *Directive, name string, depth int, parent *Directive, dirDepth int) []*Directive {
	if l.capped(d) {
		return nil
	}
	if entries, err := l.fs.ReadDir(name); err == nil {
		if dirDepth >= maxIncludeDepth {
			l.note(d.File, d.Line, "directory %s nested too deep", name)
			return nil
		}
		sort.Strings(entries)
		var out []*Directive
		for _, e := range entries {
			out = append(out, l.includeOne(d, path.Join(name, e), depth, parent, dirDepth+1)...)
		}
		return out
	}
	if l.reading[name] {
		l.note(d.File, d.Line, "%s %s: include cycle (the file is already being read)", d.Name, name)
		return nil
	}
	data, err := l.fs.ReadFile(name)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) && d.Is("IncludeOptional") {
			return nil
		}
		l.note(d.File, d.Line, "%s %s: %v", d.Name, name, err)
		return nil
	}
	if int64(len(data)) > l.opt.MaxBytes-l.bytes {
		l.capped(d)
		l.bytes = l.opt.MaxBytes
		return nil
	}
	l.bytes += int64(len(data))
	l.tree.Files = append(l.tree.Files, name)
	l.reading[name] = true
	out := l.file(name, data, depth+1, parent)
	delete(l.reading, name)
	return out
}
