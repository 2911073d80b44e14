package nginx

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/gwtop/gwtop/config/discover"
	"github.com/gwtop/gwtop/facts"
	"github.com/gwtop/gwtop/gateway/internal/settingstest"
	"github.com/gwtop/gwtop/internal/nginxtest"
)

// settingsTree is a configuration nginx accepts, written for the Settings
// tests: http sets proxy_read_timeout 5s, one server overrides it with
// 1m30s, one of its locations with 1s, and an upstream block keeps 16
// connections alive.
type settingsTree struct {
	prefix, conf, php string
	listen            string
	app1, app2, fast  string // upstream addresses
	slow              string
	sock              string
}

func writeSettingsTree(t *testing.T) *settingsTree {
	t.Helper()
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	port := func() string { return strconv.Itoa(nginxtest.FreePort(t)) }
	tr := &settingsTree{prefix: dir, conf: filepath.Join(dir, "nginx.conf"), php: filepath.Join(dir, "conf.d", "php.conf"),
		listen: "127.0.0.1:" + port(), app1: "127.0.0.1:" + port(), app2: "127.0.0.1:" + port(), fast: "127.0.0.1:" + port(),
		slow: "127.0.0.1:" + port(), sock: filepath.Join(dir, "php.sock")}
	user := ""
	if os.Geteuid() == 0 {
		user = "user root;"
	}
	tmp := func(n string) string { return filepath.Join(dir, "tmp_"+n) }
	main := fmt.Sprintf(`%s
worker_processes 1;
pid %s/nginx.pid;
error_log %s/error.log;
events { worker_connections 64; }
http {
    access_log %s/access.log;
    client_body_temp_path %s;
    proxy_temp_path %s;
    fastcgi_temp_path %s;
    uwsgi_temp_path %s;
    scgi_temp_path %s;
    proxy_read_timeout 5s; # http
    proxy_connect_timeout 2s; # http connect
    upstream app {
        server %s;
        server %s max_fails=2;
        keepalive 16;
    }
    server {
        listen %s;
        server_name api.example.com www.example.com;
        proxy_read_timeout 1m30s; # server
        location /api/ {
            proxy_pass http://app;
        }
        location /fast/ {
            proxy_read_timeout 1s; # location
            proxy_next_upstream error timeout http_502; # location retries
            proxy_next_upstream_tries 3;
            proxy_pass http://%s/;
        }
    }
    server {
        listen %s;
        server_name _;
        location /slow/ {
            proxy_pass http://%s;
        }
        include conf.d/*.conf;
    }
}
`, user, dir, dir, dir, tmp("body"), tmp("proxy"), tmp("fastcgi"), tmp("uwsgi"), tmp("scgi"), tr.app1, tr.app2,
		tr.listen, tr.fast, "127.0.0.1:"+port(), tr.slow)
	php := fmt.Sprintf(`location ~ \.php$ {
    fastcgi_read_timeout 300ms; # php
    fastcgi_pass unix:%s;
}
`, tr.sock)
	if err := os.MkdirAll(filepath.Dir(tr.php), 0o755); err != nil {
		t.Fatal(err)
	}
	for path, text := range map[string]string{tr.conf: main, tr.php: php} {
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	bin := nginxtest.Binary(t)
	if out, err := exec.Command(bin, "-t", "-q", "-p", dir, "-c", tr.conf).CombinedOutput(); err != nil {
		t.Fatalf("nginx -t rejects the test tree: %v\n%s", err, out)
	}
	return tr
}

// lineOf is the line of path that contains mark.
func lineOf(t *testing.T, path, mark string) int {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for i, l := range strings.Split(string(b), "\n") {
		if strings.Contains(l, mark) {
			return i + 1
		}
	}
	t.Fatalf("%s has no line with %q", path, mark)
	return 0
}

// byKey indexes settings by "upstream|route|name", failing on duplicates.
func byKey(t *testing.T, ss []facts.Setting) map[string]facts.Setting {
	t.Helper()
	m := map[string]facts.Setting{}
	for _, s := range ss {
		k := s.Upstream + "|" + s.Route + "|" + s.Name
		if _, dup := m[k]; dup {
			t.Errorf("setting %s twice", k)
		}
		m[k] = s
	}
	return m
}

// want checks one setting: its value, seconds and where it is written
// (file "" for nginx's default).
func want(t *testing.T, m map[string]facts.Setting, upstream, route, name, value string, seconds float64, file string, line int) {
	t.Helper()
	k := upstream + "|" + route + "|" + name
	s, ok := m[k]
	if !ok {
		t.Errorf("no setting %s", k)
		return
	}
	w := facts.Setting{Gateway: "nginx", Upstream: upstream, Route: route, Name: name, Value: value, Seconds: seconds, File: file, Line: line, Default: file == ""}
	if s != w {
		t.Errorf("%s:\n got %+v\nwant %+v", k, s, w)
	}
}

func checkSettingsTree(t *testing.T, tr *settingsTree, got []facts.Setting) {
	t.Helper()
	m := byKey(t, got)
	srvRead := lineOf(t, tr.conf, "# server")
	api := "server api.example.com, location /api/"
	for _, up := range []string{"app", tr.app1, tr.app2} {
		want(t, m, up, api, "proxy_read_timeout", "1m30s", 90, tr.conf, srvRead)
		want(t, m, up, api, "proxy_connect_timeout", "2s", 2, tr.conf, lineOf(t, tr.conf, "# http connect"))
		want(t, m, up, api, "proxy_send_timeout", "60s", 60, "", 0)
		want(t, m, up, api, "proxy_next_upstream", "error timeout", 0, "", 0)
		want(t, m, up, api, "proxy_next_upstream_tries", "0", 0, "", 0)
		want(t, m, up, api, "keepalive", "16", 0, tr.conf, lineOf(t, tr.conf, "keepalive 16"))
		want(t, m, up, api, "keepalive_timeout", "60s", 60, "", 0)
	}
	fast := "server api.example.com, location /fast/"
	want(t, m, tr.fast, fast, "proxy_read_timeout", "1s", 1, tr.conf, lineOf(t, tr.conf, "# location"))
	want(t, m, tr.fast, fast, "proxy_next_upstream", "error timeout http_502", 0, tr.conf, lineOf(t, tr.conf, "# location retries"))
	want(t, m, tr.fast, fast, "proxy_next_upstream_tries", "3", 0, tr.conf, lineOf(t, tr.conf, "proxy_next_upstream_tries 3"))
	want(t, m, tr.fast, fast, "keepalive", "off", 0, "", 0)
	// server_name _ is no name: the route is the location alone.
	want(t, m, tr.slow, "location /slow/", "proxy_read_timeout", "5s", 5, tr.conf, lineOf(t, tr.conf, "# http"))
	// fastcgi_pass gets the fastcgi_ directives, from the included file;
	// http's proxy_ ones do not apply to it.
	php := "location ~ \\.php$"
	sock := "unix:" + tr.sock
	want(t, m, sock, php, "fastcgi_read_timeout", "300ms", 0.3, tr.php, lineOf(t, tr.php, "# php"))
	want(t, m, sock, php, "fastcgi_connect_timeout", "60s", 60, "", 0)
	if _, ok := m[sock+"|"+php+"|proxy_read_timeout"]; ok {
		t.Errorf("fastcgi_pass got proxy_read_timeout")
	}
	// Where each address is written: the group at its proxy_pass, its
	// servers at their server lines, the others at their *_pass.
	want(t, m, "app", api, "proxy_pass", "http://app", 0, tr.conf, lineOf(t, tr.conf, "proxy_pass http://app;"))
	want(t, m, tr.fast, fast, "proxy_pass", "http://"+tr.fast+"/", 0, tr.conf, lineOf(t, tr.conf, "proxy_pass http://"+tr.fast+"/;"))
	want(t, m, sock, php, "fastcgi_pass", "unix:"+tr.sock, 0, tr.php, lineOf(t, tr.php, "fastcgi_pass"))
	if s := m[tr.app1+"|"+api+"|server"]; s.File != tr.conf || s.Line == 0 || !strings.HasPrefix(s.Value, tr.app1) {
		t.Errorf("server line of %s: %+v", tr.app1, s)
	}
	// 3 upstreams × 9 for /api/, 8 for /fast/ and /slow/, 8 for php.
	if len(got) != 3*9+8+8+8 {
		t.Errorf("%d settings, want %d", len(got), 3*9+8+8+8)
	}
}

// TestSettingsTree reads a configuration file nginx accepts.
func TestSettingsTree(t *testing.T) {
	tr := writeSettingsTree(t)
	got, err := settings(context.Background(), discover.Proc{}, tr.conf)
	if err != nil {
		t.Fatal(err)
	}
	checkSettingsTree(t, tr, got)
}

// TestSettingsRunning reads a running nginx found as discovery finds it:
// the process from /proc, its -p and -c from its rewritten title.
func TestSettingsRunning(t *testing.T) {
	tr := writeSettingsTree(t)
	n := nginxtest.StartFile(t, tr.conf, tr.prefix, tr.listen)
	p := settingstest.Proc(t, n.Pid(), "nginx")
	if !nginxMaster(p) {
		t.Fatalf("pid %d (%q) is not an nginx master", p.PID, p.Cmdline)
	}
	got, err := settings(context.Background(), p, "")
	if err != nil {
		t.Fatal(err)
	}
	checkSettingsTree(t, tr, got)
	fromFile, err := settings(context.Background(), discover.Proc{}, tr.conf)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, fromFile) {
		t.Errorf("the running nginx's settings differ from its file's:\n%v\n%v", got, fromFile)
	}
}

// TestSettingsSameAddressesAsDiscovery checks that every address Settings
// names is an upstream row discovery lists for the same configuration.
func TestSettingsSameAddressesAsDiscovery(t *testing.T) {
	tr := writeSettingsTree(t)
	res, err := FromNginxConfig(context.Background(), tr.conf, tr.prefix, &discover.Options{NoExec: true})
	if err != nil {
		t.Fatal(err)
	}
	got, err := settings(context.Background(), discover.Proc{}, tr.conf)
	if err != nil {
		t.Fatal(err)
	}
	settingstest.Listed(t, res.Config, got)
}

func TestSettingsErrors(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	settingstest.Missing(t, settings, "none.conf")
	// A syntax error at line 4 (a directive without its ;).
	settingstest.Broken(t, settings, "bad.conf", "events {}\nhttp {\n  proxy_read_timeout 1s\n}\n", "4")
	// A broken include is skipped and named; the rest is read.
	main := filepath.Join(dir, "nginx.conf")
	inc := filepath.Join(dir, "broken.inc")
	text := "events {}\nhttp {\n  include broken.inc;\n  server { location / { proxy_pass http://127.0.0.1:9; } }\n}\n"
	if err := os.WriteFile(main, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(inc, []byte("proxy_read_timeout {"), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := settings(ctx, discover.Proc{}, main)
	if err == nil || !strings.Contains(err.Error(), inc+":1") {
		t.Errorf("broken include: %v, want %s:1", err, inc)
	}
	m := byKey(t, got)
	want(t, m, "127.0.0.1:9", "location /", "proxy_read_timeout", "60s", 60, "", 0)
	if _, err := settings(ctx, discover.Proc{}, ""); err == nil {
		t.Error("no file and no process: no error")
	}
}

func TestParseTime(t *testing.T) {
	for s, ms := range map[string]int64{
		"5": 5000, "5s": 5000, "300ms": 300, "1m": 60000, "1m30s": 90000, "1m 30s": 90000, "2h": 7200000,
		"1d": 86400000, "1w": 604800000, "1h1m1s1ms": 3661001, "1s500ms": 1500, "0": 0, "1m30": 90000,
	} {
		if got, ok := parseTime(s); !ok || got != ms {
			t.Errorf("parseTime(%q) = %d, %v; want %d", s, got, ok, ms)
		}
	}
	// nginx rejects these for a msec value: y and M are for seconds only,
	// parts out of order or twice, no number, unknown units.
	for _, s := range []string{"", "s", "1y", "1M", "1s1m", "1s1s", "1ms1s", "1x", "-1s", "99999999999999999999s", "1.5s"} {
		if got, ok := parseTime(s); ok {
			t.Errorf("parseTime(%q) = %d, want an error", s, got)
		}
	}
}

// FuzzParseTime holds that an accepted value is never negative and reads
// back the same as milliseconds.
func FuzzParseTime(f *testing.F) {
	for _, s := range []string{"1m30s", "300ms", "5", "1w2d3h4m5s6ms", "1m 30s", "1 2"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ms, ok := parseTime(s)
		if !ok {
			return
		}
		if ms < 0 {
			t.Fatalf("parseTime(%q) = %d", s, ms)
		}
		if back, ok := parseTime(strconv.FormatInt(ms, 10) + "ms"); !ok || back != ms {
			t.Fatalf("parseTime(%q) = %d, but %dms reads %d, %v", s, ms, ms, back, ok)
		}
	})
}

// FuzzSettings reads any text as nginx.conf: no panic, and every setting
// is well formed (a name, a value, seconds ≥ 0, a position unless it is
// nginx's default).
func FuzzSettings(f *testing.F) {
	f.Add("http { proxy_read_timeout 5s; upstream a { server 127.0.0.1:1; keepalive 4; } server { location / { proxy_pass http://a; } } }")
	f.Add("http { server { location /x { fastcgi_pass unix:/s; fastcgi_read_timeout 1m; } location /y { grpc_pass grpc://127.0.0.1:5; } } }")
	f.Add("stream { server { listen 1; proxy_timeout 3s; proxy_pass 127.0.0.1:2; } }")
	f.Fuzz(func(t *testing.T, text string) {
		if len(text) > 1<<16 {
			return
		}
		ss, _ := readSettings(context.Background(), discover.Proc{}, "/fuzz/nginx.conf", settingstest.FuzzOptions("/fuzz/nginx.conf", text))
		for _, s := range ss {
			if s.Gateway != "nginx" || s.Name == "" || s.Value == "" || s.Upstream == "" || s.Seconds < 0 || s.Default != (s.File == "") || (s.File != "" && s.Line < 1) {
				t.Fatalf("bad setting %+v", s)
			}
		}
	})
}
