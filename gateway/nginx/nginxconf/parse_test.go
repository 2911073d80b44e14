package nginxconf

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	src := `# comment
user www-data;
http {
    log_format j escape=json '{"a":"$remote_addr",'
                             '"b":"${upstream_addr}"}';
    log_format q "say \"hi\" \t it's" 'x\'y';
    upstream api { server 10.0.0.1:80 weight=2; server unix:/run/a.sock backup; }
    server {
        listen 80 default_server; # trailing comment
        location ~ "^/a{2}$" { return 200 a#b; }
        location = /x { proxy_pass http://$host$uri; }
        set $v a}b;
    }
    events {}
}
`
	ds, err := Parse("t.conf", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if len(ds) != 2 || ds[0].Name != "user" || ds[0].Line != 2 || ds[1].Name != "http" || !ds[1].IsBlock {
		t.Fatalf("top level: %+v", ds)
	}
	http := ds[1].Block
	j := http[0]
	if j.Line != 4 || !reflect.DeepEqual(j.Args, []string{"j", "escape=json", `{"a":"$remote_addr",`, `"b":"${upstream_addr}"}`}) {
		t.Errorf("log_format j: line %d %q", j.Line, j.Args)
	}
	q := http[1]
	if !reflect.DeepEqual(q.Args, []string{"q", "say \"hi\" \t it's", "x'y"}) {
		t.Errorf("log_format q: %q", q.Args)
	}
	up := http[2]
	if up.Name != "upstream" || len(up.Block) != 2 || up.Block[1].Arg(0) != "unix:/run/a.sock" || up.Block[1].Line != 7 {
		t.Errorf("upstream: %+v", up)
	}
	srv := http[3].Block
	if srv[0].Line != 9 || !reflect.DeepEqual(srv[0].Args, []string{"80", "default_server"}) {
		t.Errorf("listen: %+v", srv[0])
	}
	loc := srv[1]
	if !reflect.DeepEqual(loc.Args, []string{"~", "^/a{2}$"}) || loc.Block[0].Arg(1) != "a#b" {
		t.Errorf("regex location: %q %q", loc.Args, loc.Block[0].Args)
	}
	if got := srv[2].Block[0].Arg(0); got != "http://$host$uri" {
		t.Errorf("proxy_pass = %q", got)
	}
	if got := srv[3].Args; !reflect.DeepEqual(got, []string{"$v", "a}b"}) {
		t.Errorf("set = %q", got)
	}
	if ev := http[4]; !ev.IsBlock || len(ev.Block) != 0 || ev.Block == nil {
		t.Errorf("empty block: %+v", ev)
	}
}

func TestParseErrors(t *testing.T) {
	for _, c := range []struct {
		src  string
		line int
		msg  string
	}{
		{"http {\n  server {\n", 3, `expecting "}"`},
		{"a b", 1, `expecting ";" or "}"`},
		{"a;\n}\n", 2, `unexpected "}"`},
		{"a;\n;", 2, `unexpected ";"`},
		{"a 'b\n\nc;", 1, "quoted string"},
		{"a \"b\"c;", 1, "after a quoted string"},
		{"x {\n a b }\n", 2, `unexpected "}"`},
		{"\n\n{", 3, `unexpected "{"`},
		{strings.Repeat("a{", 200), 1, "nested"},
	} {
		_, err := Parse("bad.conf", []byte(c.src))
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("%q: err = %v, want a SyntaxError", c.src, err)
			continue
		}
		if se.File != "bad.conf" || se.Line != c.line || !strings.Contains(se.Msg, c.msg) {
			t.Errorf("%q: %v, want bad.conf:%d ... %s", c.src, err, c.line, c.msg)
		}
	}
}

func TestLoadIncludes(t *testing.T) {
	dir := t.TempDir()
	write := func(name, s string) {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("nginx.conf", "http {\n include conf.d/*.conf;\n include none/*.conf;\n include missing.conf;\n}\n")
	write("conf.d/a.conf", "upstream a { server 1.1.1.1:1; }\n")
	write("conf.d/b.conf", "server {\n listen 80;\n location / {\n")
	write("conf.d/c.conf", "\n\nupstream c { server 2.2.2.2:2; }\n")
	c, err := Load(OS{}, filepath.Join(dir, "nginx.conf"), dir)
	if err != nil {
		t.Fatal(err)
	}
	http := c.Directives[0].Block
	if len(http) != 2 || http[0].Arg(0) != "a" || http[1].Arg(0) != "c" || http[1].Line != 3 || http[1].File != filepath.Join(dir, "conf.d/c.conf") {
		t.Fatalf("expanded http: %+v", http)
	}
	if len(c.Problems) != 2 {
		t.Fatalf("problems: %v", c.Problems)
	}
	if got := c.Problems[0].Error(); !strings.Contains(got, "conf.d/b.conf:4:") {
		t.Errorf("syntax problem %q lacks file:line", got)
	}
	if got := c.Problems[1].Error(); !strings.Contains(got, "nginx.conf:4:") || !strings.Contains(got, "missing.conf") {
		t.Errorf("missing include problem %q", got)
	}
}

func TestDump(t *testing.T) {
	out := "# configuration file /etc/nginx/nginx.conf:\nhttp {\n    include /etc/nginx/conf.d/*.conf;\n}\n\n" +
		"# configuration file /etc/nginx/conf.d/x.conf:\n# a comment\nupstream x { server 127.0.0.1:9; }\n\n"
	d := ParseDump([]byte(out))
	if !reflect.DeepEqual(d.Files(), []string{"/etc/nginx/nginx.conf", "/etc/nginx/conf.d/x.conf"}) {
		t.Fatalf("files %q", d.Files())
	}
	c, err := Load(d, "/etc/nginx/nginx.conf", "/etc/nginx")
	if err != nil {
		t.Fatal(err)
	}
	up := c.Directives[0].Block[0]
	if up.Name != "upstream" || up.File != "/etc/nginx/conf.d/x.conf" || up.Line != 2 || len(c.Problems) != 0 {
		t.Errorf("upstream from dump: %+v, problems %v", up, c.Problems)
	}
}

// FuzzNginxConf checks that no input makes the parser panic or loop, and that
// every error names the file and a line inside the input.
func FuzzNginxConf(f *testing.F) {
	for _, s := range []string{
		"http { server { listen 80; location / { proxy_pass http://a; } } }",
		"log_format j escape=json '{\"a\":\"$a\"}' \"x\\\"y\";",
		"a ${b}c{ d; }",
		"# c\n'a' \"b\";\n",
		"a \\\n b;",
		"}",
		"a 'b",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		ds, err := Parse("f.conf", data)
		lines := 1 + strings.Count(string(data), "\n")
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) || se.File != "f.conf" || se.Line < 1 || se.Line > lines {
				t.Fatalf("error %v: want f.conf:1..%d", err, lines)
			}
			return
		}
		var walk func([]*Directive)
		walk = func(ds []*Directive) {
			for _, d := range ds {
				if d.Line < 1 || d.Line > lines {
					t.Fatalf("directive %q at line %d of %d", d.Name, d.Line, lines)
				}
				walk(d.Block)
			}
		}
		walk(ds)
	})
}
