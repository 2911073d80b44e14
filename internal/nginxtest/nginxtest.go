// Package nginxtest runs a real nginx on loopback for tests: configuration,
// logs and pid in a temporary directory, a port chosen by the OS, stopped
// when the test ends.
package nginxtest

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gwtop/gwtop/internal/proctest"
)

// Binary returns the nginx binary's path, or fails the test: under `make
// test` nginx is installed first, so a missing nginx is a broken set-up,
// never a reason to skip.
func Binary(t testing.TB) string {
	t.Helper()
	return proctest.Binary(t, "nginx-light", "nginx", "/usr/sbin/nginx", "/usr/local/sbin/nginx", "/usr/local/nginx/sbin/nginx")
}

// Nginx is a running nginx.
type Nginx struct {
	Dir       string
	Port      int
	Addr      string // 127.0.0.1:PORT
	AccessLog string
	ErrorLog  string
	StatusURL string // http://127.0.0.1:PORT/nginx_status
	conf      string
	proc      *proctest.Proc
}

// readyTimeout is how long nginx has to accept connections once started.
const readyTimeout = 10 * time.Second

// FreePort asks the OS for a free loopback port.
func FreePort(t testing.TB) int {
	t.Helper()
	return proctest.FreePort(t)
}

// Config holds what goes into the test nginx's configuration.
type Config struct {
	// LogFormat is the log_format string (without the directive); the
	// access log is written in it.
	LogFormat string
	// HTTP is extra text for the http{} block: upstream blocks, resolver.
	HTTP string
	// Server is extra text for the server{} block: locations.
	Server string
}

// Start writes the configuration, checks it with `nginx -t`, starts nginx
// in the foreground and waits until it accepts connections.
func Start(t testing.TB, c Config) *Nginx {
	t.Helper()
	bin := Binary(t)
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o755); err != nil { // nginx workers may run as another user
		t.Fatal(err)
	}
	n := &Nginx{Dir: dir, AccessLog: filepath.Join(dir, "access.log"), ErrorLog: filepath.Join(dir, "error.log"), conf: filepath.Join(dir, "nginx.conf")}
	proctest.Retry(t, "nginx", func() error {
		n.Port = FreePort(t)
		n.Addr = fmt.Sprintf("127.0.0.1:%d", n.Port)
		n.StatusURL = "http://" + n.Addr + "/nginx_status"
		conf := n.render(c)
		if err := os.WriteFile(n.conf, []byte(conf), 0o644); err != nil {
			t.Fatal(err)
		}
		proctest.Check(t, exec.Command(bin, "-t", "-p", dir, "-c", n.conf, "-e", n.ErrorLog), conf)
		return n.start(bin)
	}, n.Stop)
	return n
}

func (n *Nginx) render(c Config) string {
	user := ""
	if os.Geteuid() == 0 {
		// As root nginx would drop workers to "nobody", who cannot enter
		// the test's temporary directories.
		user = "user root;"
	}
	tmp := func(name string) string { return filepath.Join(n.Dir, "tmp_"+name) }
	return fmt.Sprintf(`%s
worker_processes 1;
pid %s;
error_log %s info;
events { worker_connections 128; }
http {
    log_format gwtest %s;
    access_log %s gwtest;
    client_body_temp_path %s;
    proxy_temp_path %s;
    fastcgi_temp_path %s;
    uwsgi_temp_path %s;
    scgi_temp_path %s;
    proxy_connect_timeout 1s;
    proxy_read_timeout 1s;
    proxy_send_timeout 1s;
%s
    server {
        listen %s;
        server_name gwtest;
        location = /nginx_status { stub_status; }
%s
    }
}
`, user, filepath.Join(n.Dir, "nginx.pid"), n.ErrorLog, quote(c.LogFormat), n.AccessLog,
		tmp("body"), tmp("proxy"), tmp("fastcgi"), tmp("uwsgi"), tmp("scgi"), c.HTTP, n.Addr, c.Server)
}

// quote makes a log_format string an nginx single-quoted string.
func quote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `\'`) + "'"
}

// start starts nginx from the written configuration and waits until it
// accepts connections; if it does not, nginx is gone when start returns.
func (n *Nginx) start(bin string) error {
	p, err := proctest.Start(exec.Command(bin, "-p", n.Dir, "-c", n.conf, "-e", n.ErrorLog, "-g", "daemon off;"))
	if err != nil {
		return err
	}
	if err := p.WaitTCP(n.Addr, readyTimeout); err != nil {
		return err
	}
	n.proc = p
	return nil
}

// Stop stops nginx and its workers.
func (n *Nginx) Stop() { n.proc.Stop() }

// ReopenLogs asks nginx to reopen its log files (SIGUSR1), as logrotate's
// postrotate does after renaming them.
func (n *Nginx) ReopenLogs() error {
	if n.proc == nil {
		return fmt.Errorf("nginx is not running")
	}
	return n.proc.Signal(syscall.SIGUSR1)
}

// StartFile checks an existing configuration file with `nginx -t -p prefix
// -c conf`, starts nginx from it in the foreground (as an operator would:
// -p and -c only, the configuration names its own pid and logs) and waits
// until addr, an address the configuration listens on, accepts connections.
// It is stopped when the test ends. The configuration should set `daemon
// off;` or leave it to StartFile, which passes -g "daemon off;".
func StartFile(t testing.TB, conf, prefix, addr string) *Nginx {
	t.Helper()
	bin := Binary(t)
	if out, err := exec.Command(bin, "-t", "-p", prefix, "-c", conf, "-g", "daemon off;").CombinedOutput(); err != nil {
		t.Fatalf("nginx -t rejected %s: %v\n%s", conf, err, out)
	}
	n := &Nginx{Dir: prefix, Addr: addr, conf: conf}
	if _, port, err := net.SplitHostPort(addr); err == nil {
		fmt.Sscanf(port, "%d", &n.Port)
	}
	p, err := proctest.Start(exec.Command(bin, "-p", prefix, "-c", conf, "-g", "daemon off;"))
	if err != nil {
		t.Fatalf("start nginx: %v", err)
	}
	n.proc = p
	t.Cleanup(n.Stop)
	if err := p.WaitTCP(addr, readyTimeout); err != nil {
		t.Fatalf("start nginx from %s: %v", conf, err)
	}
	return n
}

// Pid returns the nginx master's process id.
func (n *Nginx) Pid() int { return n.proc.Pid() }
