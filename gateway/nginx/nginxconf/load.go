package nginxconf

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Files supplies configuration text: the file system, or the files of an
// `nginx -T` dump.
type Files interface {
	ReadFile(path string) ([]byte, error)
	// Glob returns the files matching pattern, sorted, as glob(3) does for
	// nginx's include.
	Glob(pattern string) ([]string, error)
}

// Problem is a part of the configuration that could not be used: a file
// that could not be read or parsed. Line is the include directive's line in
// File for an unreadable file, or the error's line for a syntax error.
type Problem struct {
	File string
	Line int
	Err  error
}

func (p Problem) Error() string {
	var se *SyntaxError
	if errors.As(p.Err, &se) {
		return se.Error()
	}
	if p.Line > 0 {
		return fmt.Sprintf("%s:%d: %v", p.File, p.Line, p.Err)
	}
	return fmt.Sprintf("%s: %v", p.File, p.Err)
}

// Config is a whole configuration: the main file's directives with every
// include replaced by the included files' directives, as nginx does.
type Config struct {
	Main       string
	Directives []*Directive
	Files      []string  // every file read, in order
	Problems   []Problem // what was skipped and why
}

// maxIncludeDepth stops include loops, which nginx itself does not detect.
const maxIncludeDepth = 32

// Load reads the main file and follows its includes. Relative include paths
// are relative to confDir (nginx's conf prefix: the main file's directory).
// A main file that cannot be read or parsed is an error; an include that
// cannot be is a Problem, and the rest is still returned.
func Load(files Files, main, confDir string) (*Config, error) {
	data, err := files.ReadFile(main)
	if err != nil {
		return nil, err
	}
	ds, err := Parse(main, data)
	if err != nil {
		return nil, err
	}
	c := &Config{Main: main, Files: []string{main}}
	c.Directives = c.expand(files, ds, confDir, 0)
	return c, nil
}

func (c *Config) expand(files Files, ds []*Directive, confDir string, depth int) []*Directive {
	out := make([]*Directive, 0, len(ds))
	for _, d := range ds {
		if d.Name != "include" || d.IsBlock {
			if d.IsBlock {
				d.Block = c.expand(files, d.Block, confDir, depth)
			}
			out = append(out, d)
			continue
		}
		if len(d.Args) != 1 {
			c.Problems = append(c.Problems, Problem{File: d.File, Line: d.Line, Err: errors.New("include wants one file or pattern")})
			continue
		}
		if depth >= maxIncludeDepth {
			c.Problems = append(c.Problems, Problem{File: d.File, Line: d.Line, Err: fmt.Errorf("includes nested more than %d deep (a loop?)", maxIncludeDepth)})
			continue
		}
		pattern := d.Args[0]
		if !filepath.IsAbs(pattern) {
			pattern = filepath.Join(confDir, pattern)
		}
		var names []string
		if strings.ContainsAny(pattern, "*?[") {
			m, err := files.Glob(pattern)
			if err != nil {
				c.Problems = append(c.Problems, Problem{File: d.File, Line: d.Line, Err: fmt.Errorf("include %s: %w", d.Args[0], err)})
				continue
			}
			names = m // no match is fine for a pattern, as in nginx
		} else {
			names = []string{pattern}
		}
		for _, name := range names {
			data, err := files.ReadFile(name)
			if err != nil {
				c.Problems = append(c.Problems, Problem{File: d.File, Line: d.Line, Err: fmt.Errorf("include %s: %w", name, err)})
				continue
			}
			inc, err := Parse(name, data)
			if err != nil {
				c.Problems = append(c.Problems, Problem{File: name, Err: err})
				continue
			}
			c.Files = append(c.Files, name)
			out = append(out, c.expand(files, inc, confDir, depth+1)...)
		}
	}
	return out
}

// OS reads files from the file system under Root ("" or "/" for the host;
// a container's /proc/PID/root or a test tree otherwise). Paths stay as nginx
// names them; Root is only prepended to read them.
type OS struct {
	Root string
	// Read replaces os.ReadFile (tests inject permission errors with it).
	Read func(path string) ([]byte, error)
}

func (o OS) full(p string) string {
	if o.Root == "" || o.Root == "/" {
		return p
	}
	return filepath.Join(o.Root, p)
}

// ReadFile implements Files.
func (o OS) ReadFile(p string) ([]byte, error) {
	if o.Read != nil {
		return o.Read(o.full(p))
	}
	return os.ReadFile(o.full(p))
}

// Glob implements Files.
func (o OS) Glob(pattern string) ([]string, error) {
	m, err := filepath.Glob(o.full(pattern))
	if err != nil {
		return nil, err
	}
	if o.Root != "" && o.Root != "/" {
		for i := range m {
			rel, _ := filepath.Rel(o.Root, m[i])
			m[i] = "/" + rel
		}
	}
	sort.Strings(m)
	return m, nil
}

// Dump is the files of an `nginx -T` dump, which marks each file it read
// with "# configuration file PATH:". Reading from it attributes every line to
// the file nginx read it from, with files nginx could read even when gwtop
// cannot.
type Dump struct {
	files map[string][]byte
	order []string
}

const dumpMark = "# configuration file "

// ParseDump splits `nginx -T` output into files.
func ParseDump(out []byte) *Dump {
	d := &Dump{files: map[string][]byte{}}
	var cur string
	var buf []byte
	flush := func() {
		if cur == "" {
			return
		}
		// nginx writes one newline after each file's text.
		buf = bytes.TrimSuffix(buf, []byte("\n"))
		if _, dup := d.files[cur]; !dup {
			d.order = append(d.order, cur)
		}
		d.files[cur] = buf
	}
	for len(out) > 0 {
		line := out
		if i := bytes.IndexByte(out, '\n'); i >= 0 {
			line, out = out[:i+1], out[i+1:]
		} else {
			out = nil
		}
		t := bytes.TrimRight(line, "\r\n")
		if bytes.HasPrefix(t, []byte(dumpMark)) && bytes.HasSuffix(t, []byte(":")) {
			flush()
			cur = string(t[len(dumpMark) : len(t)-1])
			buf = nil
			continue
		}
		if cur != "" {
			buf = append(buf, line...)
		}
	}
	flush()
	return d
}

// Files returns the dumped files' paths in dump order; the first is the
// main file.
func (d *Dump) Files() []string { return d.order }

// ReadFile implements Files.
func (d *Dump) ReadFile(p string) ([]byte, error) {
	if b, ok := d.files[p]; ok {
		return b, nil
	}
	return nil, fmt.Errorf("%s: not in nginx -T output: %w", p, os.ErrNotExist)
}

// Glob implements Files.
func (d *Dump) Glob(pattern string) ([]string, error) {
	if _, err := filepath.Match(pattern, ""); err != nil {
		return nil, err
	}
	var m []string
	for _, name := range d.order {
		if ok, _ := filepath.Match(pattern, name); ok {
			m = append(m, name)
		}
	}
	sort.Strings(m)
	return m, nil
}
