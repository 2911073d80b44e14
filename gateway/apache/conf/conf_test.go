package conf

import (
	"errors"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
)

// memFS is an in-memory FS for grammar tests.
type memFS map[string]string

func (m memFS) ReadFile(n string) ([]byte, error) {
	if s, ok := m[n]; ok {
		return []byte(s), nil
	}
	return nil, fs.ErrNotExist
}

func (m memFS) Glob(p string) ([]string, error) {
	var out []string
	for n := range m {
		if ok, err := path.Match(p, n); err != nil {
			return nil, err
		} else if ok {
			out = append(out, n)
		}
	}
	return out, nil
}

func (m memFS) ReadDir(d string) ([]string, error) {
	seen := map[string]bool{}
	for n := range m {
		if rest, ok := strings.CutPrefix(n, d+"/"); ok {
			first, _, _ := strings.Cut(rest, "/")
			seen[first] = true
		}
	}
	if len(seen) == 0 {
		return nil, errors.New("not a directory")
	}
	var out []string
	for n := range seen {
		out = append(out, n)
	}
	return out, nil
}

func (m memFS) Exists(n string) bool {
	if _, ok := m[n]; ok {
		return true
	}
	_, err := m.ReadDir(n)
	return err == nil
}

func load(t *testing.T, files memFS, env map[string]string) (*Tree, []Note) {
	t.Helper()
	tr, notes, err := Load(files, Options{ServerRoot: "/etc/h", Main: "main.conf", Env: env})
	if err != nil {
		t.Fatal(err)
	}
	return tr, notes
}

func TestGetWord(t *testing.T) {
	for _, c := range []struct {
		in   string
		want []string
	}{
		{`a b  c`, []string{"a", "b", "c"}},
		{`"a b" c`, []string{"a b", "c"}},
		{`'a "b"' c`, []string{`a "b"`, "c"}},
		{`"say \"hi\"" x`, []string{`say "hi"`, "x"}},
		{`"back\\slash" "keep\d"`, []string{`back\slash`, `keep\d`}},
		{`'it\'s' "it\'s"`, []string{"it's", `it\'s`}},
		{`un\\quoted un\"q`, []string{`un\quoted`, `un\"q`}},
		{`"a"b`, []string{"a", "b"}},
		{`mid"dle quote`, []string{`mid"dle`, "quote"}},
		{`"unterminated here`, []string{"unterminated here"}},
		{`"" x`, []string{"", "x"}},
		{"tab\tsep", []string{"tab", "sep"}},
	} {
		if got := Words(c.in); !reflect.DeepEqual(got, c.want) {
			t.Errorf("Words(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestLinesAndSections(t *testing.T) {
	src := "# comment\n" +
		"  ServerName  example.com  \n" +
		"LogLevel warn \\\n   proxy:error\r\n" +
		"Foo bar # not a comment\n" +
		"\n" +
		"<VirtualHost *:80 [::]:80>\n" +
		"  <Location \"/a b\">\n" +
		"    Require all granted\n" +
		"  </location>\n" +
		"  <Directory /var/www>\n" +
		"  </Directory>\n" +
		"</VirtualHost>\n" +
		"<IfModule mod_missing.c>\n" +
		"   <Broken\n" +
		"   ProxyPass / http://never/\n" +
		"   </Broken>\n" +
		"</IfModule>\n" +
		"<IfModule !mod_missing.c>\n" +
		"  Kept yes\n" +
		"</IfModule>\n" +
		"<IfModule log_config_module>\n" +
		"  Static yes\n" +
		"</IfModule>\n" +
		"LoadModule proxy_module /usr/lib/apache2/modules/mod_proxy.so\n" +
		"<IfModule mod_proxy.c>\n" +
		"  <IfModule proxy_module>\n" +
		"    Nested yes\n" +
		"  </IfModule>\n" +
		"</IfModule>\n"
	tr, notes := load(t, memFS{"/etc/h/main.conf": src}, nil)
	if len(notes) != 0 {
		t.Errorf("notes: %v", notes)
	}
	ds := tr.Directives
	names := []string{}
	for _, d := range ds {
		names = append(names, d.Name)
	}
	want := []string{"ServerName", "LogLevel", "Foo", "VirtualHost", "Kept", "Static", "LoadModule", "Nested"}
	if !reflect.DeepEqual(names, want) {
		t.Fatalf("top level %q, want %q", names, want)
	}
	if ds[0].Line != 2 || !reflect.DeepEqual(ds[0].Args, []string{"example.com"}) {
		t.Errorf("ServerName: %+v", ds[0])
	}
	if ds[1].Line != 3 || !reflect.DeepEqual(ds[1].Args, []string{"warn", "proxy:error"}) {
		t.Errorf("continued LogLevel: line %d %q", ds[1].Line, ds[1].Args)
	}
	if !reflect.DeepEqual(ds[2].Args, []string{"bar", "#", "not", "a", "comment"}) {
		t.Errorf("httpd has no trailing comments: %q", ds[2].Args)
	}
	vh := ds[3]
	if !vh.Section || vh.Line != 7 || !reflect.DeepEqual(vh.Args, []string{"*:80", "[::]:80"}) || len(vh.Children) != 2 {
		t.Fatalf("VirtualHost: %+v", vh)
	}
	loc := vh.Children[0]
	if !loc.Is("location") || loc.Arg(0) != "/a b" || loc.Children[0].Line != 9 {
		t.Errorf("Location: %+v", loc)
	}
	if d := vh.Children[1]; !d.Section || d.Children == nil || len(d.Children) != 0 {
		t.Errorf("empty Directory: %+v", d)
	}
	if len(tr.Skipped) != 1 || tr.Skipped[0].Line != 14 || tr.Skipped[0].Arg != "mod_missing.c" {
		t.Errorf("skipped: %+v", tr.Skipped)
	}
	if ds[7].Line != 28 {
		t.Errorf("nested IfModule contents at line %d", ds[7].Line)
	}
}

func TestVariables(t *testing.T) {
	src := "Define ROOT /srv\n" +
		"Define BARE\n" +
		"DocumentRoot ${ROOT}/www\n" +
		"ErrorLog ${APACHE_LOG_DIR}/error.log\n" +
		"Split ${TWO}\n" +
		"Missing ${NOPE} $plain ${a:b}\n" +
		"Dflt ${NOPE?=fallback}\n" +
		"Bare ${BARE}\n" +
		"<IfDefine BARE>\n On yes\n</IfDefine>\n" +
		"<IfDefine !ROOT>\n Off yes\n</IfDefine>\n" +
		"UnDefine ROOT\n" +
		"After ${ROOT}\n"
	tr, notes := load(t, memFS{"/etc/h/main.conf": src}, map[string]string{"APACHE_LOG_DIR": "/var/log/apache2", "TWO": "a b", "BARE": "from-env"})
	got := map[string][]string{}
	for _, d := range tr.Directives {
		got[d.Name] = d.Args
	}
	want := map[string][]string{
		"Define":       {"BARE"},
		"DocumentRoot": {"/srv/www"},
		"ErrorLog":     {"/var/log/apache2/error.log"},
		"Split":        {"a", "b"}, // expanded before the line is split
		"Missing":      {"${NOPE}", "$plain", "${a:b}"},
		"Dflt":         {"fallback"},
		"Bare":         {"from-env"}, // a value-less Define does not hide the environment
		"On":           {"yes"},
		"UnDefine":     {"ROOT"},
		"After":        {"${ROOT}"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %q\nwant %q", got, want)
	}
	var msgs []string
	for _, n := range notes {
		msgs = append(msgs, n.String())
	}
	wantNotes := []string{
		"/etc/h/main.conf:6: ${NOPE} is not defined; kept as written",
		"/etc/h/main.conf:16: ${ROOT} is not defined; kept as written",
	}
	if !reflect.DeepEqual(msgs, wantNotes) {
		t.Errorf("notes %q, want %q", msgs, wantNotes)
	}
}

func TestIncludes(t *testing.T) {
	files := memFS{
		"/etc/h/main.conf": "A 1\n" +
			"Include conf.d/*.conf\n" +
			"Include missing.conf\n" +
			"IncludeOptional missing.conf\n" +
			"Include nomatch/*.conf\n" +
			"IncludeOptional nomatch/*.conf\n" +
			"<VirtualHost *:80>\n  Include sites/\n</VirtualHost>\n" +
			"Include loop.conf\n" +
			"ServerRoot /other\n" +
			"Include x.conf\n",
		"/etc/h/conf.d/b.conf":       "B 2\n",
		"/etc/h/conf.d/a.conf":       "A2 1\n",
		"/etc/h/conf.d/.hidden.conf": "Hidden 1\n",
		"/etc/h/conf.d/c.txt":        "Txt 1\n",
		"/etc/h/sites/z":             "Z 1\n",
		"/etc/h/sites/sub/y":         "Y 1\n",
		"/etc/h/loop.conf":           "L 1\nInclude loop2.conf\n",
		"/etc/h/loop2.conf":          "L2 1\nInclude /etc/h/loop.conf\n",
		"/other/x.conf":              "X 1\n",
	}
	tr, notes := load(t, files, nil)
	var got []string
	var walk func([]*Directive)
	walk = func(ds []*Directive) {
		for _, d := range ds {
			got = append(got, d.Name+"@"+d.Pos())
			walk(d.Children)
		}
	}
	walk(tr.Directives)
	want := []string{
		"A@/etc/h/main.conf:1",
		"A2@/etc/h/conf.d/a.conf:1",
		"B@/etc/h/conf.d/b.conf:1",
		"VirtualHost@/etc/h/main.conf:7",
		"Y@/etc/h/sites/sub/y:1",
		"Z@/etc/h/sites/z:1",
		"L@/etc/h/loop.conf:1",
		"L2@/etc/h/loop2.conf:1",
		"ServerRoot@/etc/h/main.conf:11",
		"X@/other/x.conf:1",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %q\nwant %q", got, want)
	}
	var msgs []string
	for _, n := range notes {
		msgs = append(msgs, n.String())
	}
	wantNotes := []string{
		"/etc/h/main.conf:3: Include /etc/h/missing.conf: no such file or directory",
		"/etc/h/main.conf:5: Include nomatch/*.conf: no matches for the wildcard",
		"/etc/h/loop2.conf:2: Include /etc/h/loop.conf: include cycle (the file is already being read)",
	}
	if !reflect.DeepEqual(msgs, wantNotes) {
		t.Errorf("notes %q\nwant  %q", msgs, wantNotes)
	}
	if tr.ServerRoot != "/other" {
		t.Errorf("ServerRoot %q", tr.ServerRoot)
	}
}

func TestMalformed(t *testing.T) {
	src := "</Location>\n" +
		"<VirtualHost *:80>\n" +
		"  ServerName a\n" +
		"  <Location /x>\n" +
		"    ProxyPass http://b/\n" +
		"</VirtualHost>\n" +
		"<VirtualHost *:81\n" +
		"  ServerName b\n" +
		"  </Nope>\n" +
		"</VirtualHost>\n" +
		"<VirtualHost *:82>\n" +
		"  ServerName c\n"
	tr, notes := load(t, memFS{"/etc/h/main.conf": src}, nil)
	var msgs []string
	for _, n := range notes {
		msgs = append(msgs, n.String())
	}
	want := []string{
		"/etc/h/main.conf:1: </Location> without matching <Location> section; ignored",
		"/etc/h/main.conf:4: <Location> is not closed before </VirtualHost> at line 6",
		"/etc/h/main.conf:7: <VirtualHost> directive missing closing '>'",
		"/etc/h/main.conf:9: expected </VirtualHost> but saw </Nope>; ignored",
		"/etc/h/main.conf:11: <VirtualHost> is not closed before the end of the file",
	}
	if !reflect.DeepEqual(msgs, want) {
		t.Errorf("notes %q\nwant  %q", msgs, want)
	}
	if len(tr.Directives) != 3 {
		t.Fatalf("want three vhosts, got %d", len(tr.Directives))
	}
	if r := tr.Directives[0].Children[1].Children[0]; !r.Is("ProxyPass") || r.Line != 5 {
		t.Errorf("route in the unclosed Location: %+v", r)
	}
	if got := tr.Directives[1].Args; !reflect.DeepEqual(got, []string{"*:81"}) {
		t.Errorf("unclosed-bracket vhost args %q", got)
	}
	if got := tr.Directives[2].Children[0].Arg(0); got != "c" {
		t.Errorf("last vhost ServerName %q", got)
	}
}

func TestCaps(t *testing.T) {
	// Each file includes itself twice through a second name: without the
	// file cap this would read 2^40 files.
	files := memFS{
		"/etc/h/main.conf": "Include a.conf\n",
		"/etc/h/a.conf":    "Include b*.conf\nInclude b*.conf\n",
		"/etc/h/b1.conf":   "Include c*.conf\nInclude c*.conf\n",
		"/etc/h/c1.conf":   "Include d*.conf\nInclude d*.conf\n",
		"/etc/h/d1.conf":   "Include e*.conf\nInclude e*.conf\n",
		"/etc/h/e1.conf":   "Include f*.conf\nInclude f*.conf\n",
		"/etc/h/f1.conf":   "X 1\nX 2\n",
	}
	tr, notes, err := Load(files, Options{ServerRoot: "/etc/h", Main: "main.conf", MaxFiles: 20})
	if err != nil {
		t.Fatal(err)
	}
	if len(tr.Files) != 20 {
		t.Errorf("read %d files, want the cap of 20", len(tr.Files))
	}
	if len(notes) != 1 || !strings.Contains(notes[0].Msg, "stopped reading") {
		t.Errorf("notes %v", notes)
	}
	// A Define that doubles itself must not grow without bound.
	var b strings.Builder
	b.WriteString("Define X aaaaaaaaaaaaaaaa\n")
	for range 40 {
		b.WriteString("Define X ${X}${X}\n")
	}
	_, notes, err = Load(memFS{"/etc/h/main.conf": b.String()}, Options{ServerRoot: "/etc/h", Main: "main.conf"})
	if err != nil || len(notes) == 0 || !strings.Contains(notes[len(notes)-1].Msg, "longer than") {
		t.Errorf("doubling Define: %v %v", err, notes)
	}
}

func TestIfVersion(t *testing.T) {
	src := "<IfVersion >= 2.4>\nNew 1\n</IfVersion>\n<IfVersion < 2.4>\nOld 1\n</IfVersion>\n<IfVersion 2.4.71>\nExact 1\n</IfVersion>\n"
	tr, _, _ := Load(memFS{"/etc/h/main.conf": src}, Options{ServerRoot: "/etc/h", Main: "main.conf", Version: "2.4.71"})
	if len(tr.Directives) != 2 || tr.Directives[0].Name != "New" || tr.Directives[1].Name != "Exact" {
		t.Errorf("with a version: %+v", tr.Directives)
	}
	tr, _, _ = Load(memFS{"/etc/h/main.conf": src}, Options{ServerRoot: "/etc/h", Main: "main.conf"})
	if len(tr.Directives) != 3 {
		t.Errorf("without a version every branch is kept: %d", len(tr.Directives))
	}
}

func TestParseEnvvars(t *testing.T) {
	b, err := os.ReadFile("testdata/debian-envvars")
	if err != nil {
		t.Fatal(err)
	}
	got := ParseEnvvars(b, nil)
	want := map[string]string{
		"APACHE_RUN_USER": "www-data", "APACHE_RUN_GROUP": "www-data",
		"APACHE_PID_FILE": "/var/run/apache2/apache2.pid", "APACHE_RUN_DIR": "/var/run/apache2",
		"APACHE_LOCK_DIR": "/var/lock/apache2", "APACHE_LOG_DIR": "/var/log/apache2", "LANG": "C",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v", got)
	}
	got = ParseEnvvars([]byte("export A='x y' B=\"$A/z\"\nC=${A:-d}/${NONE:-dflt}\n"), map[string]string{"A": "base"})
	if got["A"] != "x y" || got["C"] != "x y/dflt" {
		t.Errorf("quoting: %v", got)
	}
}

// copyTree copies a directory into a temporary root, so that tests never
// touch the original.
func copyTree(t *testing.T, src, dstRoot string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(filepath.Dir(src), p)
		dst := filepath.Join(dstRoot, rel)
		if d.IsDir() {
			return os.MkdirAll(dst, 0o755)
		}
		info, err := os.Stat(p) // follow the sites-enabled symlinks
		if err != nil || info.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(dst, b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestDebianTree(t *testing.T) {
	if _, err := os.Stat("/etc/apache2/apache2.conf"); err != nil {
		t.Fatalf("this test reads Debian's installed /etc/apache2: %v", err)
	}
	root := t.TempDir()
	copyTree(t, "/etc/apache2", filepath.Join(root, "etc"))
	fsys := OSFS{Root: root}
	ev, err := fsys.ReadFile("/etc/apache2/envvars")
	if err != nil {
		t.Fatal(err)
	}
	tr, notes, err := Load(fsys, Options{ServerRoot: "/etc/apache2", Main: "apache2.conf", Env: ParseEnvvars(ev, nil)})
	if err != nil {
		t.Fatal(err)
	}
	if len(notes) != 0 {
		t.Errorf("notes: %v", notes)
	}
	if tr.Files[0] != "/etc/apache2/apache2.conf" || !contains(tr.Files, "/etc/apache2/sites-enabled/000-default.conf") || !contains(tr.Files, "/etc/apache2/mods-enabled/status.conf") {
		t.Errorf("files %q", tr.Files)
	}
	if !contains(tr.Modules, "status_module") || !contains(tr.Modules, "mod_status.c") || !contains(tr.Modules, "log_config_module") {
		t.Errorf("modules %q", tr.Modules)
	}
	s, snotes := Summarize(tr)
	if len(snotes) != 0 {
		t.Errorf("summary notes: %v", snotes)
	}
	if len(s.Listen) != 1 || s.Listen[0].Port != "80" || s.Listen[0].Pos != (Pos{"/etc/apache2/ports.conf", 5}) || s.Listen[0].Addr() != "127.0.0.1:80" {
		t.Errorf("listen %+v", s.Listen)
	}
	m := s.Main
	if m.ErrorLog.Path != "/var/log/apache2/error.log" || m.ErrorLog.Pos != (Pos{"/etc/apache2/apache2.conf", 134}) {
		t.Errorf("main error log %+v", m.ErrorLog)
	}
	if m.LogLevel.Level != "warn" || m.LogLevel.Lines[0] != (Pos{"/etc/apache2/apache2.conf", 143}) {
		t.Errorf("log level %+v", m.LogLevel)
	}
	if f := m.LogFormats["combined"]; f == nil || f.Format != `%h %l %u %t "%r" %>s %O "%{Referer}i" "%{User-Agent}i"` || f.Line != 213 {
		t.Errorf("combined %+v", f)
	}
	if m.Timeout == nil || m.Timeout.Value.Seconds() != 300 || m.Timeout.Line != 92 {
		t.Errorf("timeout %+v", m.Timeout)
	}
	if len(m.Status) != 1 || m.Status[0].Path != "/server-status" || m.Status[0].Access != AccessLocal || m.Status[0].Pos != (Pos{"/etc/apache2/mods-enabled/status.conf", 6}) {
		t.Errorf("status %+v", m.Status)
	}
	if len(m.AccessLogs) != 1 || m.AccessLogs[0].Path != "/var/log/apache2/other_vhosts_access.log" || m.AccessLogs[0].Nickname != "vhost_combined" {
		t.Errorf("main access logs %+v", m.AccessLogs)
	}
	if len(s.VirtualHosts) != 1 {
		t.Fatalf("vhosts %+v", s.VirtualHosts)
	}
	v := s.VirtualHosts[0]
	if !reflect.DeepEqual(v.Addrs, []string{"*:80"}) || v.Pos != (Pos{"/etc/apache2/sites-enabled/000-default.conf", 1}) || v.ServerName != nil {
		t.Errorf("vhost %+v", v)
	}
	if v.ErrorLog.Path != "/var/log/apache2/error.log" || v.ErrorLog.Line != 20 {
		t.Errorf("vhost error log %+v", v.ErrorLog)
	}
	if len(v.AccessLogs) != 1 || v.AccessLogs[0].Path != "/var/log/apache2/access.log" || v.AccessLogs[0].Format != m.LogFormats["combined"].Format || v.AccessLogs[0].Line != 21 {
		t.Errorf("vhost access log %+v", v.AccessLogs[0])
	}
	if v.Timeout != m.Timeout {
		t.Errorf("vhost timeout not inherited")
	}
}

func contains(ss []string, s string) bool {
	i := sort.SearchStrings(ss, s)
	if i < len(ss) && ss[i] == s {
		return true
	}
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

func FuzzParse(f *testing.F) {
	for _, p := range []string{"testdata/multi/etc/gw/httpd.conf", "testdata/multi/etc/gw/sites/10-api.conf", "testdata/multi/etc/gw/sites/20-admin.conf"} {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(b))
	}
	f.Add("<VirtualHost *:80>\n<Location /a>\nProxyPass http://x\n</Location>\n</VirtualHost>\nInclude main.conf\n")
	f.Add("Define A ${A}${A}\n<IfDefine A>\n<IfModule !x>\nLogFormat \"a\\\"b\" c\n</IfModule></IfDefine>\\\n")
	f.Fuzz(func(t *testing.T, src string) {
		files := memFS{"/etc/h/main.conf": src, "/etc/h/inc.conf": src}
		tr, notes, err := Load(files, Options{ServerRoot: "/etc/h", Main: "main.conf", MaxFiles: 50, MaxBytes: 1 << 20})
		if err != nil {
			t.Fatal(err)
		}
		if len(tr.Files) > 50 || len(notes) > 10000 {
			t.Fatalf("caps not kept: %d files, %d notes", len(tr.Files), len(notes))
		}
		var walk func([]*Directive, int)
		walk = func(ds []*Directive, depth int) {
			if depth > maxSectionDepth+1 {
				t.Fatalf("nesting %d", depth)
			}
			for _, d := range ds {
				if d.Line < 1 || d.File == "" {
					t.Fatalf("directive without a position: %+v", d)
				}
				walk(d.Children, depth+1)
			}
		}
		walk(tr.Directives, 0)
		s, _ := Summarize(tr)
		for _, sc := range append([]*Scope{s.Main}, func() []*Scope {
			var o []*Scope
			for _, v := range s.VirtualHosts {
				o = append(o, v.Scope)
			}
			return o
		}()...) {
			for _, r := range sc.Routes {
				if r.Line < 1 {
					t.Fatalf("route without a line: %+v", r)
				}
			}
		}
		ParseDashS(src)
	})
}
