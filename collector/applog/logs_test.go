package applog

import (
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gwtop/gwtop/facts"
)

func TestApp(t *testing.T) {
	for _, c := range []struct {
		comm string
		args []string
		want string
	}{
		{"gunicorn", []string{"/usr/bin/python3", "/usr/bin/gunicorn", "-c", "conf.py", "app:app"}, Gunicorn},
		{"python3", []string{"/usr/bin/python3", "/usr/bin/gunicorn", "app:app"}, Gunicorn},
		{"python3", []string{"python3", "-u", "-m", "gunicorn", "app:app"}, Gunicorn},
		{"python3.11", []string{"gunicorn: master [app:app]"}, Gunicorn},
		{"uwsgi", []string{"uwsgi", "--ini", "a.ini"}, UWSGI},
		{"uwsgi-core", []string{"/usr/bin/uwsgi-core"}, UWSGI},
		{"php-fpm8.2", []string{"php-fpm: master process (/etc/php/8.2/fpm/php-fpm.conf)"}, PHPFPM},
		{"php-fpm8.2", []string{"php-fpm: pool www"}, PHPFPM},
		{"python3", []string{"/usr/bin/python3", "-m", "uvicorn", "main:app"}, Uvicorn},
		{"uvicorn", []string{"/srv/venv/bin/python", "/srv/venv/bin/uvicorn", "main:app"}, Uvicorn},
		{"nginx", []string{"nginx: master process /usr/sbin/nginx"}, ""},
		{"python3", []string{"/usr/bin/python3", "manage.py", "runserver"}, ""},
		{"", nil, ""},
	} {
		if got := App(facts.Process{Comm: c.comm, Cmdline: c.args}); got != c.want {
			t.Errorf("App(%q, %q) = %q, want %q", c.comm, c.args, got, c.want)
		}
	}
}

// files is a readFile over a map.
func files(m map[string]string) func(string) ([]byte, error) {
	return func(p string) ([]byte, error) {
		if s, ok := m[p]; ok {
			return []byte(s), nil
		}
		return nil, &fs.PathError{Op: "open", Path: p, Err: fs.ErrNotExist}
	}
}

func gunicornProc(args ...string) facts.Process {
	return facts.Process{Comm: "gunicorn", Cmdline: append([]string{"/usr/bin/python3", "/usr/bin/gunicorn"}, args...)}
}

func TestLogsOfGunicorn(t *testing.T) {
	conf := files(map[string]string{
		"/srv/app/gunicorn.conf.py": "import os\nbind = '127.0.0.1:8001'\nerrorlog = \"logs/error.log\"  # the error log\ntimeout = 45\nif x:\n    errorlog = 'no.log'\n",
		"/etc/g.py":                 "timeout=12 # short\naccesslog = '/var/log/a.log'\n",
	})
	for _, c := range []struct {
		args    []string
		path    string
		timeout float64
		why     string
	}{
		{[]string{"--error-logfile", "/var/log/g.log", "app:app"}, "/var/log/g.log", 45, "--error-logfile on the command line; timeout 45 from timeout in /srv/app/gunicorn.conf.py:4"},
		{[]string{"--error-logfile=e.log", "-t", "5"}, "/srv/app/e.log", 5, "--error-logfile on the command line; timeout 5 from --timeout on the command line"},
		{[]string{"--log-file", "/l.log", "--timeout=9"}, "/l.log", 9, ""},
		{[]string{"-t3", "app:app"}, "/srv/app/logs/error.log", 3, "errorlog in /srv/app/gunicorn.conf.py:3"},
		{[]string{"-c", "/etc/g.py", "app:app"}, "", 12, "gunicorn writes its error log to stderr (no --error-logfile); timeout 12 from timeout in /etc/g.py:1"},
		{[]string{"--config=/etc/g.py", "--error-logfile", "-"}, "", 12, "(--error-logfile on the command line is -)"},
		{[]string{"-c", "/etc/missing.py", "--error-logfile", "x.log"}, "/srv/app/x.log", 30, "timeout 30 (gunicorn's default); config /etc/missing.py not read"},
		{[]string{"-c", "python:conf.gunicorn"}, "", 30, "is a module, not read"},
	} {
		logs := LogsOf(gunicornProc(c.args...), conf, "/srv/app")
		if len(logs) != 1 {
			t.Fatalf("%q: %d logs", c.args, len(logs))
		}
		l := logs[0]
		if l.App != Gunicorn || l.Path != c.path || l.Timeout != c.timeout || !strings.Contains(l.Why, c.why) {
			t.Errorf("%q: %+v, want path %q timeout %v why ~%q", c.args, l, c.path, c.timeout, c.why)
		}
	}
	for _, c := range []struct {
		args []string
		keep float64
		why  string
	}{
		{[]string{"app:app"}, 0, ""}, // sync: closes after each response
		{[]string{"-k", "gthread", "app:app"}, 2, "--keep-alive 2 (gunicorn's default), worker class gthread"},
		{[]string{"--threads", "4", "--keep-alive", "5"}, 5, "--keep-alive 5, worker class gthread"},
		{[]string{"--worker-class=gevent", "--keep-alive=1"}, 1, "worker class gevent"},
		{[]string{"-k", "sync", "--keep-alive", "5"}, 0, ""},
	} {
		l := LogsOf(gunicornProc(c.args...), conf, "/srv/app")[0]
		if l.KeepAlive != c.keep || !strings.Contains(l.KeepAliveWhy, c.why) {
			t.Errorf("%q: keep-alive %v %q, want %v %q", c.args, l.KeepAlive, l.KeepAliveWhy, c.keep, c.why)
		}
	}
	if logs := LogsOf(facts.Process{Comm: "nginx", Cmdline: []string{"nginx"}}, conf, "/"); logs != nil {
		t.Errorf("nginx: %+v", logs)
	}
}

func TestLogsOfUWSGI(t *testing.T) {
	read := files(map[string]string{
		"/srv/u.ini": "[uwsgi]\nhttp-socket = 127.0.0.1:8002\nlogto = /var/log/u.log ; the log\nharakiri = 20\n[other]\nlogto = o.log\nharakiri = 4\n",
	})
	for _, c := range []struct {
		args    []string
		path    string
		timeout float64
		why     string
	}{
		{[]string{"uwsgi", "--ini", "u.ini"}, "/var/log/u.log", 20, "logto in /srv/u.ini:3; harakiri 20 from harakiri in /srv/u.ini:4"},
		{[]string{"uwsgi", "--ini", "/srv/u.ini:other"}, "/srv/o.log", 4, ""},
		{[]string{"uwsgi", "u.ini", "--harakiri", "2"}, "/var/log/u.log", 2, "--harakiri on the command line"},
		{[]string{"uwsgi", "--logto=x.log", "-t", "7"}, "/srv/x.log", 7, "--logto on the command line"},
		{[]string{"uwsgi", "--daemonize", "/d.log"}, "/d.log", 0, "no harakiri"},
		{[]string{"uwsgi", "--http", ":80"}, "", 0, "uWSGI logs to stderr"},
		{[]string{"uwsgi", "--logto", "127.0.0.1:1717"}, "", 0, "not a file"},
		{[]string{"uwsgi", "--ini", "gone.ini"}, "", 0, "ini /srv/gone.ini not read"},
	} {
		logs := LogsOf(facts.Process{Comm: "uwsgi", Cmdline: c.args}, read, "/srv")
		if len(logs) != 1 {
			t.Fatalf("%q: %d logs", c.args, len(logs))
		}
		l := logs[0]
		if l.App != UWSGI || l.Path != c.path || l.Timeout != c.timeout || !strings.Contains(l.Why, c.why) {
			t.Errorf("%q: %+v, want path %q timeout %v why ~%q", c.args, l, c.path, c.timeout, c.why)
		}
	}
}

func TestLogsOfPHPFPM(t *testing.T) {
	dir := t.TempDir()
	write := func(name, s string) string {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	conf := write("php-fpm.conf", "[global]\npid = /run/php/fpm.pid\nerror_log = "+dir+"/fpm.log\ninclude="+dir+"/pool.d/*.conf\n")
	write("pool.d/www.conf", "[www]\nlisten = 127.0.0.1:9000\nrequest_terminate_timeout = 2m\nslowlog = "+dir+"/$pool.slow.log\n")
	write("pool.d/api.conf", "; api\n[api]\nrequest_terminate_timeout = 120\n")
	title := facts.Process{Comm: "php-fpm8.2", Cmdline: []string{"php-fpm: master process (" + conf + ")"}}
	logs := LogsOf(title, os.ReadFile, "/")
	if len(logs) != 2 {
		t.Fatalf("%d logs: %+v", len(logs), logs)
	}
	if l := logs[0]; l.Path != dir+"/fpm.log" || l.Timeout != 120 || !strings.Contains(l.Why, "error_log in "+conf+":3") ||
		!strings.Contains(l.Why, "pool www request_terminate_timeout 2m ("+dir+"/pool.d/www.conf:3)") {
		t.Errorf("error log %+v", l)
	}
	if l := logs[1]; l.Path != dir+"/www.slow.log" || l.Timeout != 120 || !strings.Contains(l.Why, "pool www slowlog") {
		t.Errorf("slowlog %+v", l)
	}

	// No error_log: php-fpm's default under its prefix.
	bare := write("bare.conf", "[global]\n[www]\nrequest_terminate_timeout = 5s\n")
	logs = LogsOf(facts.Process{Comm: "php-fpm8.2", Cmdline: []string{"php-fpm8.2", "-F", "-y", bare, "-p", "/opt/fpm"}}, os.ReadFile, "/")
	if len(logs) != 1 || logs[0].Path != "/opt/fpm/log/php-fpm.log" || logs[0].Timeout != 5 {
		t.Errorf("default error_log: %+v", logs)
	}
	sys := write("sys.conf", "[global]\nerror_log = syslog\n")
	logs = LogsOf(facts.Process{Comm: "php-fpm8.2", Cmdline: []string{"php-fpm: master process (" + sys + ")"}}, os.ReadFile, "/")
	if len(logs) != 1 || logs[0].Path != "" || !strings.Contains(logs[0].Why, "syslog") {
		t.Errorf("syslog: %+v", logs)
	}
	logs = LogsOf(facts.Process{Comm: "php-fpm8.2", Cmdline: []string{"php-fpm: pool www"}}, os.ReadFile, "/")
	if len(logs) != 1 || logs[0].Path != "" || !strings.Contains(logs[0].Why, "pool worker") {
		t.Errorf("pool worker: %+v", logs)
	}
}

// TestLogsOfLive reads the command lines of the real servers from /proc.
func TestLogsOfLive(t *testing.T) {
	t.Run("gunicorn", func(t *testing.T) {
		gunicorn := need(t, "gunicorn", "gunicorn python3-flask")
		dir := t.TempDir()
		copyTestdata(t, dir, "app.py")
		port := freePort(t)
		conf := "errorlog = \"g-err.log\"\ntimeout = 7\nbind = \"127.0.0.1:" + strconv.Itoa(port) + "\"\n"
		if err := os.WriteFile(filepath.Join(dir, "conf.py"), []byte(conf), 0o644); err != nil {
			t.Fatal(err)
		}
		cmd := start(t, dir, gunicorn, "-c", "conf.py", "app:app")
		waitPort(t, port)
		p, cwd := process(t, cmd.Process.Pid)
		if App(p) != Gunicorn {
			t.Fatalf("App(%+v) = %q", p, App(p))
		}
		logs := LogsOf(p, os.ReadFile, cwd)
		if len(logs) != 1 || logs[0].Path != filepath.Join(dir, "g-err.log") || logs[0].Timeout != 7 {
			t.Fatalf("cmdline %q: %+v", p.Cmdline, logs)
		}
		if _, err := os.Stat(logs[0].Path); err != nil {
			t.Fatalf("gunicorn did not write the log LogsOf names: %v", err)
		}
	})
	t.Run("uwsgi", func(t *testing.T) {
		uwsgi := need(t, "uwsgi", "uwsgi uwsgi-plugin-python3")
		dir := t.TempDir()
		copyTestdata(t, dir, "app.py")
		port := freePort(t)
		ini := "[uwsgi]\nplugin = python3\nhttp-socket = 127.0.0.1:" + strconv.Itoa(port) +
			"\nmaster = true\nprocesses = 1\nwsgi-file = app.py\ncallable = app\nlogto = u.log\nharakiri = 3\n"
		if err := os.WriteFile(filepath.Join(dir, "u.ini"), []byte(ini), 0o644); err != nil {
			t.Fatal(err)
		}
		cmd := start(t, dir, uwsgi, "--ini", "u.ini")
		waitPort(t, port)
		p, cwd := process(t, cmd.Process.Pid)
		if App(p) != UWSGI {
			t.Fatalf("App(%+v) = %q", p, App(p))
		}
		logs := LogsOf(p, os.ReadFile, cwd)
		if len(logs) != 1 || logs[0].Path != filepath.Join(dir, "u.log") || logs[0].Timeout != 3 {
			t.Fatalf("cmdline %q: %+v", p.Cmdline, logs)
		}
		if _, err := os.Stat(logs[0].Path); err != nil {
			t.Fatalf("uWSGI did not write the log LogsOf names: %v", err)
		}
	})
	t.Run("php-fpm", func(t *testing.T) {
		fpm := need(t, "php-fpm8.2", "php-fpm")
		dir := t.TempDir()
		port := freePort(t)
		conf := filepath.Join(dir, "fpm.conf")
		text := "[global]\npid = " + dir + "/fpm.pid\nerror_log = " + dir + "/fpm.log\n[www]\nlisten = 127.0.0.1:" + strconv.Itoa(port) +
			"\npm = ondemand\npm.max_children = 1\nrequest_terminate_timeout = 2s\nrequest_slowlog_timeout = 1s\nslowlog = " + dir + "/$pool.slow\n"
		if err := os.WriteFile(conf, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		cmd := start(t, dir, fpm, "-F", "-R", "-y", conf)
		waitPort(t, port)
		var p facts.Process
		var cwd string
		eventually(t, 5*time.Second, "php-fpm's title", func() bool {
			p, cwd = process(t, cmd.Process.Pid)
			return strings.HasPrefix(strings.Join(p.Cmdline, " "), "php-fpm: master process")
		})
		if App(p) != PHPFPM {
			t.Fatalf("App(%+v) = %q", p, App(p))
		}
		logs := LogsOf(p, os.ReadFile, cwd)
		if len(logs) != 2 || logs[0].Path != dir+"/fpm.log" || logs[0].Timeout != 2 || logs[1].Path != dir+"/www.slow" {
			t.Fatalf("cmdline %q: %+v", p.Cmdline, logs)
		}
		if _, err := os.Stat(logs[0].Path); err != nil {
			t.Fatalf("php-fpm did not write the log LogsOf names: %v", err)
		}
	})
}
