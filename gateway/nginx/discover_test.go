package nginx

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"

	"github.com/gwtop/gwtop/config"
	"github.com/gwtop/gwtop/config/discover"
	"github.com/gwtop/gwtop/config/discover/discovertest"
	"github.com/gwtop/gwtop/internal/nginxtest"
)

var testPorts = discovertest.Ports{Listen: 18001, Status: 18002, Static: 18003, Healthy: 18004, Backup: 18005, Down: 18006,
	Error500: 18007, Refused: 18008, Inline: 18009, FastCGI: 18010}

// nginxT checks a tree with the real nginx, so that the trees the tests
// read are configurations nginx accepts.
func nginxT(t *testing.T, tr *discovertest.NginxTree) {
	t.Helper()
	bin, err := exec.LookPath("nginx")
	if err != nil {
		bin = "/usr/sbin/nginx"
	}
	if out, err := exec.Command(bin, "-t", "-q", "-p", tr.Prefix, "-c", tr.Conf).CombinedOutput(); err != nil {
		t.Fatalf("nginx -t rejects the test tree: %v\n%s", err, out)
	}
}

func nginxOf(cfg *config.Config) *Config { return config.SectionOf[*Config](cfg, "nginx") }

// checkRoundTrip parses the YAML back and compares what matters, the
// nginx logs included.
func checkRoundTrip(t *testing.T, res *discover.Result) {
	t.Helper()
	back := discovertest.CheckRoundTrip(t, res)
	if n := nginxOf(res.Config); n != nil {
		b := nginxOf(back)
		if b == nil {
			t.Errorf("nginx section lost in the round trip:\n%s", res.YAML)
			return
		}
		if !reflect.DeepEqual(b.AllAccessLogs(), n.AllAccessLogs()) || !reflect.DeepEqual(b.AllErrorLogs(), n.AllErrorLogs()) {
			t.Errorf("nginx logs after the round trip:\n got %+v %v\nwant %+v %v", b.AllAccessLogs(), b.AllErrorLogs(), n.AllAccessLogs(), n.AllErrorLogs())
		}
	}
}

// TestNginxTree reads the tree through `nginx -T` and through the files
// and expects the same configuration both ways, and a YAML that loads back
// into it.
func TestNginxTree(t *testing.T) {
	tr := discovertest.WriteNginxTree(t, testPorts)
	nginxT(t, tr)
	var prev *discover.Result
	for _, noExec := range []bool{false, true} {
		res, err := FromNginxConfig(context.Background(), tr.Conf, tr.Prefix, &discover.Options{NoExec: noExec})
		if err != nil {
			t.Fatal(err)
		}
		sock := "unix:" + filepath.Join(tr.Prefix, "run", "app.sock")
		want := []string{
			"app-1 app 127.0.0.1:18004 tcp://127.0.0.1:18004",
			"app-2 app 127.0.0.1:18005 tcp://127.0.0.1:18005",
			"app-3 app 127.0.0.1:18006 ",
			"payments payments 127.0.0.1:18007 tcp://127.0.0.1:18007",
			"legacy legacy 127.0.0.1:18008 tcp://127.0.0.1:18008",
			"sock sock " + sock + " ",
			"api.test/inline/  127.0.0.1:18009 tcp://127.0.0.1:18009",
			"api.test/php/  127.0.0.1:18010 tcp://127.0.0.1:18010",
		}
		if got := discovertest.UpstreamSet(res.Config); !reflect.DeepEqual(got, want) {
			t.Errorf("noExec=%v upstreams:\n got %q\nwant %q", noExec, got, want)
		}
		logs := filepath.Join(tr.Prefix, "logs")
		wantN := Config{StatusURL: tr.StatusURL, AccessLog: tr.AccessLog, LogFormat: discovertest.UpstreamLogFormat, ErrorLog: tr.ErrorLog,
			// Every other readable access log is watched too: the JSON one
			// (upstream variables) first, then by proxied locations.
			AccessLogs: []AccessLog{
				{Path: filepath.Join(logs, "api.json.log"), Format: `escape=json '{"time":"$time_iso8601","status":"$status","request":"$request","upstream_addr":"$upstream_addr","upstream_status":"$upstream_status","upstream_response_time":"$upstream_response_time","request_time":$request_time}'`},
				{Path: filepath.Join(logs, "access.log"), Format: "combined"},
				{Path: filepath.Join(logs, "static.log"), Format: "combined"},
			},
			ErrorLogs: []string{filepath.Join(logs, "error.log")},
			// Two of those logs are combined, which names no upstream:
			// the proxying prefix locations are routes.
			Routes: []Route{{Location: "/app/", Upstream: "app"}, {Location: "/payments/", Upstream: "payments"}, {Location: "/legacy/", Upstream: "legacy"}, {Location: "/inline/", Upstream: "127.0.0.1:18009"}},
		}
		if n := nginxOf(res.Config); n == nil || !reflect.DeepEqual(*n, wantN) {
			t.Errorf("noExec=%v nginx:\n got %+v\nwant %+v", noExec, n, wantN)
		}
		if len(res.Notes) != 1 || !strings.Contains(res.Notes[0], "$backend") {
			t.Errorf("notes: %q", res.Notes)
		}
		checkRoundTrip(t, res)
		if prev != nil && !reflect.DeepEqual(prev.Config, res.Config) {
			t.Errorf("nginx -T and the files disagree:\n%+v\n%+v", prev.Config, res.Config)
		}
		prev = res
	}
}

// TestNginxUnreadable: a missing include, a syntax error in an included
// file, an unreadable include and a log gwtop may not read become notes
// naming the file and line, and discovery still returns the rest.
func TestNginxUnreadable(t *testing.T) {
	tr := discovertest.WriteNginxTree(t, testPorts)
	nginxT(t, tr)
	etc := filepath.Join(tr.Prefix, "etc")
	// Broken after nginx -t, as an edit on a running host would be.
	discovertest.Write(t, filepath.Join(etc, "conf.d", "zz-broken.conf"), "upstream broken {\n    server 127.0.0.1:1\n}\n")
	discovertest.Write(t, filepath.Join(etc, "conf.d", "secret.conf"), "upstream secret { server 127.0.0.1:2; }\n")
	main, _ := os.ReadFile(tr.Conf)
	edited := strings.Replace(string(main), "    include conf.d/*.conf;", "    include conf.d/*.conf;\n    include /nonexistent/dir/missing.conf;", 1)
	discovertest.Write(t, tr.Conf, edited)
	missingLine := 1 + strings.Count(edited[:strings.Index(edited, "include /nonexistent")], "\n")
	// Tests run as root, who can read everything: permission is simulated.
	secret := filepath.Join(etc, "conf.d", "secret.conf")
	denied := func(p string) error {
		if p == tr.AccessLog || p == secret {
			return &fs.PathError{Op: "open", Path: p, Err: syscall.EACCES}
		}
		return nil
	}
	opt := &discover.Options{NoExec: true, CanRead: func(p string) error {
		if err := denied(p); err != nil {
			return err
		}
		f, err := os.Open(p)
		if err == nil {
			f.Close()
		}
		return err
	}, ReadFile: func(p string) ([]byte, error) {
		if err := denied(p); err != nil {
			return nil, err
		}
		return os.ReadFile(p)
	}}
	res, err := FromNginxConfig(context.Background(), tr.Conf, tr.Prefix, opt)
	if err != nil {
		t.Fatal(err)
	}
	notes := strings.Join(res.Notes, "\n")
	for _, s := range []string{
		filepath.Join(etc, "conf.d", "zz-broken.conf") + `:3: unexpected "}" (gwtop cannot parse it)`,
		fmt.Sprintf("%s:%d: include /nonexistent/dir/missing.conf: open /nonexistent/dir/missing.conf: no such file or directory", tr.Conf, missingLine),
		secret + ": permission denied — run as root",
		"access_log " + tr.AccessLog + " (" + tr.API + ":4, server api.test, format upstreamlog",
		"permission denied — run as root",
	} {
		if !strings.Contains(notes, s) {
			t.Errorf("notes lack %q:\n%s", s, notes)
		}
	}
	// The rest is still there: the other upstream-aware log is chosen instead.
	if n := nginxOf(res.Config); n == nil || n.AccessLog != filepath.Join(tr.Prefix, "logs", "api.json.log") || !strings.HasPrefix(n.LogFormat, "escape=json '{") || n.StatusURL != tr.StatusURL {
		t.Errorf("nginx: %+v", n)
	}
	if len(res.Config.Upstreams) != 8 {
		t.Errorf("upstreams: %q", discovertest.UpstreamSet(res.Config))
	}
	if !strings.Contains(string(res.YAML), "# access_log "+tr.AccessLog) {
		t.Errorf("the YAML does not say why the access log was not used:\n%s", res.YAML)
	}
	checkRoundTrip(t, res)

	// A main file that is not nginx's at all: nothing to watch, and the
	// error names the file and line.
	bad := filepath.Join(t.TempDir(), "nginx.conf")
	discovertest.Write(t, bad, "http {\n  server {\n")
	_, err = FromNginxConfig(context.Background(), bad, "", &discover.Options{NoExec: true})
	var nf *discover.NotFoundError
	if !errors.As(err, &nf) || !strings.Contains(err.Error(), bad+":3: unexpected end of file") {
		t.Errorf("broken main file: %v", err)
	}
}

// TestNginxCmdline reads nginx's rewritten process titles. Which processes
// of a process list are served gateways (masters, not workers or `nginx
// -t`) is TestGatewayProcs in gateway/all, which needs every kind.
func TestNginxCmdline(t *testing.T) {
	for _, c := range []struct {
		in   []string
		want nginxCmd
	}{
		{[]string{"nginx: master process /usr/sbin/nginx -p /srv/gw -c etc/gw.conf -g daemon off; master_process on;"},
			nginxCmd{bin: "/usr/sbin/nginx", prefix: "/srv/gw", conf: "etc/gw.conf", globals: "daemon off; master_process on;"}},
		{[]string{"nginx: master process /usr/sbin/nginx -g daemon on; master_process on;"},
			nginxCmd{bin: "/usr/sbin/nginx", globals: "daemon on; master_process on;"}},
		{[]string{"/usr/local/nginx/sbin/nginx", "-c/etc/x.conf", "-e", "/tmp/e.log", "-g", "daemon off;"},
			nginxCmd{bin: "/usr/local/nginx/sbin/nginx", conf: "/etc/x.conf", errLog: "/tmp/e.log", globals: "daemon off;"}},
	} {
		if got := parseNginxCmdline(c.in); got != c.want {
			t.Errorf("%q:\n got %+v\nwant %+v", c.in, got, c.want)
		}
	}
}

// TestNginxDiscoveryCreatesNothing: a configuration naming a log file and a
// temp directory that do not exist yet (edited, not reloaded) must not make
// discovery run `nginx -T`, which would create them.
func TestNginxDiscoveryCreatesNothing(t *testing.T) {
	dir := t.TempDir()
	newLog := filepath.Join(dir, "logs", "new-access.log")
	tmpDir := filepath.Join(dir, "proxy_tmp")
	conf := filepath.Join(dir, "nginx.conf")
	body := fmt.Sprintf(`error_log %s/error.log;
events {}
http {
    proxy_temp_path %s;
    upstream api { server 127.0.0.1:9; }
    server { listen 127.0.0.1:1; access_log %s; location / { proxy_pass http://api; } }
}
`, dir, tmpDir, newLog)
	if err := os.WriteFile(conf, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "logs"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "error.log"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	res, err := FromNginxConfig(context.Background(), conf, dir, &discover.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{newLog, tmpDir} {
		if _, err := os.Stat(p); err == nil {
			t.Errorf("discovery created %s", p)
		}
	}
	notes := strings.Join(res.Notes, "\n")
	if !strings.Contains(notes, "did not run") || !strings.Contains(notes, newLog) {
		t.Errorf("notes do not say why nginx -T was not run:\n%s", notes)
	}
	if len(res.Config.Upstreams) != 1 || res.Config.Upstreams[0].Address != "127.0.0.1:9" {
		t.Errorf("upstreams from the files: %+v", res.Config.Upstreams)
	}
}

// stoppedNginx is an nginx configuration as a crashed nginx leaves it:
// logs, an upstream and a stub_status page, no process.
func stoppedNginx(logDir string) string {
	return fmt.Sprintf(`error_log %[1]s/error.log;
events {}
http {
    access_log %[1]s/access.log;
    upstream app { server 127.0.0.1:9001; }
    server {
        listen 127.0.0.1:8080;
        location / { proxy_pass http://app; }
        location = /nginx_status { stub_status; }
    }
}
`, logDir)
}

// TestNginxNotRunning: with no nginx process, discovery reads the first
// standard configuration file there is, says that nginx is not running,
// and still watches its logs (the status page stays: it works again once
// nginx is back).
func TestNginxNotRunning(t *testing.T) {
	h := discovertest.NewHost(t)
	h.Write("/etc/nginx/nginx.conf", stoppedNginx("/var/log/nginx"))
	h.Write("/var/log/nginx/access.log", "")
	h.Write("/var/log/nginx/error.log", "")
	// A later standard path is not read when an earlier one exists.
	h.Write("/usr/local/nginx/conf/nginx.conf", stoppedNginx("/elsewhere"))
	res, err := h.Discover(nil)
	if err != nil {
		t.Fatal(err)
	}
	if testing.Verbose() {
		t.Logf("%s", res.YAML)
	}
	discovertest.CheckNotRunning(t, res, "nginx", "nginx", "/etc/nginx/nginx.conf")
	want := Config{StatusURL: "http://127.0.0.1:8080/nginx_status", AccessLog: "/var/log/nginx/access.log", LogFormat: "combined", ErrorLog: "/var/log/nginx/error.log",
		Routes: []Route{{Location: "/", Upstream: "app"}}} // combined names no upstream: routes
	if n := nginxOf(res.Config); n == nil || !reflect.DeepEqual(*n, want) {
		t.Errorf("nginx:\n got %+v\nwant %+v\n%s", n, want, res.YAML)
	}
	if got := discovertest.UpstreamSet(res.Config); len(got) != 1 || got[0] != "app app 127.0.0.1:9001 tcp://127.0.0.1:9001" {
		t.Errorf("upstreams %q", got)
	}
}

// TestNginxNotRunningSourceBuild: nginx built from source keeps its
// configuration in PREFIX/conf/nginx.conf, and relative log paths are
// under that prefix (logs/access.log), as nginx itself reads them.
func TestNginxNotRunningSourceBuild(t *testing.T) {
	h := discovertest.NewHost(t)
	h.Write("/usr/local/nginx/conf/nginx.conf", stoppedNginx("logs"))
	h.Write("/usr/local/nginx/logs/access.log", "")
	h.Write("/usr/local/nginx/logs/error.log", "")
	res, err := h.Discover(nil)
	if err != nil {
		t.Fatal(err)
	}
	discovertest.CheckNotRunning(t, res, "nginx", "nginx", "/usr/local/nginx/conf/nginx.conf")
	if n := nginxOf(res.Config); n == nil || n.AccessLog != "/usr/local/nginx/logs/access.log" || n.ErrorLog != "/usr/local/nginx/logs/error.log" {
		t.Errorf("nginx: %+v\n%s", n, res.YAML)
	}
}

// TestNginxConfFlag: a file given with --nginx-conf is read instead of the
// standard one; one that does not exist is an error naming the flag; and
// with an nginx running, the file stands for its configuration (the
// process is not reported as stopped).
func TestNginxConfFlag(t *testing.T) {
	h := discovertest.NewHost(t)
	h.Write("/etc/nginx/nginx.conf", stoppedNginx("/var/log/nginx"))
	h.Write("/var/log/nginx/access.log", "")
	h.Write("/var/log/nginx/error.log", "")
	h.Write("/srv/edge/nginx.conf", stoppedNginx("/srv/edge/logs"))
	h.Write("/srv/edge/logs/access.log", "")
	h.Write("/srv/edge/logs/error.log", "")

	res, err := h.Discover(map[string]string{"nginx": "/srv/edge/nginx.conf"})
	if err != nil {
		t.Fatal(err)
	}
	discovertest.CheckNotRunning(t, res, "nginx", "nginx", "/srv/edge/nginx.conf")
	if n := nginxOf(res.Config); n == nil || n.AccessLog != "/srv/edge/logs/access.log" || n.ErrorLog != "/srv/edge/logs/error.log" {
		t.Errorf("nginx: %+v\n%s", n, res.YAML)
	}
	if strings.Contains(string(res.YAML), "/etc/nginx/nginx.conf") {
		t.Errorf("the standard file was read too:\n%s", res.YAML)
	}

	h.CheckMissingConfig("nginx", "nginx-conf", "/srv/nowhere/nginx.conf")

	master := discover.Proc{PID: 42, Name: "nginx", Cmdline: []string{"nginx: master process /usr/sbin/nginx -c /etc/nginx/nginx.conf"}}
	res, err = h.Discover(map[string]string{"nginx": "/srv/edge/nginx.conf"}, master)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Found) != 1 || res.Found[0].PID != 42 || res.Found[0].NotRunning || res.Found[0].Config != "/srv/edge/nginx.conf" {
		t.Errorf("found %+v", res.Found)
	}
	if n := nginxOf(res.Config); n == nil || n.AccessLog != "/srv/edge/logs/access.log" {
		t.Errorf("nginx with a process and --nginx-conf: %+v", n)
	}
	if strings.Contains(string(res.YAML), "not running") || !strings.Contains(string(res.YAML), "nginx pid 42: configuration /srv/edge/nginx.conf from --nginx-conf") {
		t.Errorf("the YAML with a process and --nginx-conf:\n%s", res.YAML)
	}

	// No flag: the running nginx's own configuration, not "not running".
	res, err = h.Discover(nil, discover.Proc{PID: 43, Name: "nginx", Cmdline: []string{"nginx: master process /usr/sbin/nginx -c /srv/edge/nginx.conf"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Found) != 1 || res.Found[0].PID != 43 || res.Found[0].NotRunning || strings.Contains(string(res.YAML), "not running") {
		t.Errorf("found %+v\n%s", res.Found, res.YAML)
	}
	if n := nginxOf(res.Config); n == nil || n.AccessLog != "/srv/edge/logs/access.log" {
		t.Errorf("nginx from its process: %+v", n)
	}
}

// TestNginxNotRunningCreatesNothing: reading a stopped nginx's
// configuration with the real binary runs `nginx -T` only when that would
// create nothing. nginx's test run opens the pid file, which a stopped
// nginx does not have: discovery reads the files instead and the pid file
// is still not there. Once every file exists, `nginx -T` is used.
func TestNginxNotRunningCreatesNothing(t *testing.T) {
	nginxtest.Binary(t) // make test installs nginx: a missing one fails, never skips
	dir := t.TempDir()
	pid := filepath.Join(dir, "run", "nginx.pid")
	user := ""
	if os.Geteuid() == 0 {
		user = "user root;"
	}
	var temps strings.Builder
	for _, d := range tempDirectives {
		p := filepath.Join(dir, "tmp", d.def)
		if err := os.MkdirAll(p, 0o755); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&temps, "    %s %s;\n", d.directive, p)
	}
	conf := filepath.Join(dir, "nginx.conf")
	discovertest.Write(t, conf, fmt.Sprintf(`%s
pid %s;
error_log %s/error.log;
events {}
http {
    access_log %s/access.log;
%s    upstream app { server 127.0.0.1:9001; }
    server { listen 127.0.0.1:1; location / { proxy_pass http://app; } }
}
`, user, pid, dir, dir, temps.String()))
	discovertest.Write(t, filepath.Join(dir, "error.log"), "")
	discovertest.Write(t, filepath.Join(dir, "access.log"), "")
	if err := os.MkdirAll(filepath.Dir(pid), 0o755); err != nil {
		t.Fatal(err)
	}
	opt := discover.Options{Configs: map[string]string{"nginx": conf}, NoStandard: true,
		Processes: func(context.Context) ([]discover.Proc, error) { return nil, nil }}
	res, err := discover.Discover(context.Background(), opt)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(pid); err == nil {
		t.Errorf("discovery created %s", pid)
	}
	notes := strings.Join(res.Notes, "\n")
	if !strings.Contains(notes, "did not run") || !strings.Contains(notes, pid) || !strings.Contains(notes, "nginx is not running: read "+conf) {
		t.Errorf("notes:\n%s", notes)
	}
	if n := nginxOf(res.Config); n == nil || n.AccessLog != filepath.Join(dir, "access.log") {
		t.Errorf("nginx from the files: %+v", n)
	}

	discovertest.Write(t, pid, "")
	res, err = discover.Discover(context.Background(), opt)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(res.YAML), "-T` (1 files)") {
		t.Errorf("with every file there, nginx -T was not used:\n%s", res.YAML)
	}
}

// TestErrorLogLevelHidesReloads: an error_log above notice gets a note
// that reloads will not be seen (nginx logs them at notice); at notice or
// lower, none.
func TestErrorLogLevelHidesReloads(t *testing.T) {
	for _, c := range []struct {
		level string
		note  bool
	}{{"error", true}, {"warn", true}, {"notice", false}, {"info", false}} {
		dir := t.TempDir()
		elog := filepath.Join(dir, "error.log")
		discovertest.Write(t, elog, "")
		conf := filepath.Join(dir, "nginx.conf")
		discovertest.Write(t, conf, "error_log "+elog+" "+c.level+";\nevents {}\nhttp {\n  server {\n    listen 127.0.0.1:18080;\n    location / { proxy_pass http://127.0.0.1:18081; }\n  }\n}\n")
		res, err := FromNginxConfig(context.Background(), conf, dir, &discover.Options{NoExec: true})
		if err != nil {
			t.Fatal(err)
		}
		notes := strings.Join(res.Notes, "\n")
		want := "error_log " + elog + " is at level " + c.level + ": nginx writes its reloads"
		if strings.Contains(notes, want) != c.note {
			t.Errorf("level %s: note %q present = %v, want %v; notes:\n%s", c.level, want, !c.note, c.note, notes)
		}
		if n := nginxOf(res.Config); n == nil || n.ErrorLog != elog {
			t.Errorf("level %s: the error log is still followed: %+v", c.level, n)
		}
	}
}
