// Package apachetest runs a real Apache httpd (Debian's apache2) on loopback
// for tests: the configuration, logs, pid file, runtime directory and mutex
// files all live in a temporary directory, the port is chosen by the OS, and
// the server runs in the foreground (-DFOREGROUND) so that the harness owns
// the process and reaps it when the test ends.
package apachetest

import (
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gwtop/gwtop/internal/proctest"
)

// ModulesDir is where Debian's apache2 package keeps its shared modules.
const ModulesDir = "/usr/lib/apache2/modules"

// readyTimeout is how long apache2 has to answer once started.
const readyTimeout = 15 * time.Second

// Binary returns the apache2 binary's path, or fails the test: under `make
// test` apache2 is installed first, so a missing apache2 is a broken
// set-up, never a reason to skip.
func Binary(t testing.TB) string {
	t.Helper()
	return proctest.Binary(t, "apache2", "apache2", "/usr/sbin/apache2", "/usr/local/apache2/bin/httpd", "httpd")
}

// DefaultModules are the modules every test server loads: an MPM, access
// control (for Require), MIME types, mod_status, the proxy family with the
// balancer and its shared memory, and SSL for https:// backends.
// mod_log_config and mod_unixd are compiled into Debian's binary and must
// not be loaded again.
var DefaultModules = []string{
	"mpm_event", "authz_core", "mime", "status",
	"proxy", "proxy_http", "proxy_balancer", "slotmem_shm", "lbmethod_byrequests",
	"ssl",
}

// Config holds what goes into the test server's configuration.
type Config struct {
	// LogFormat is the access log's LogFormat string (without the
	// directive or its quotes) or a nickname the harness defines
	// ("common", "combined", "vhost_combined", as Debian's apache2.conf
	// does). Empty means combined.
	LogFormat string
	// LogLevel is the LogLevel directive's argument; empty means "warn",
	// Debian's default.
	LogLevel string
	// Modules replaces DefaultModules when not nil (names without the
	// mod_ prefix and .so suffix).
	Modules []string
	// Extra modules loaded after Modules.
	ExtraModules []string
	// Directives is extra configuration text for the server: ProxyPass
	// lines, <Proxy balancer://…> blocks, ProxyTimeout, SSLProxy*.
	Directives string
}

// Apache is a running apache2.
type Apache struct {
	Dir         string // the ServerRoot, a temporary directory
	Port        int
	Addr        string // 127.0.0.1:PORT
	URL         string // http://127.0.0.1:PORT
	Conf        string // the configuration file
	AccessLog   string
	ErrorLog    string
	StatusURL   string // mod_status's machine-readable page (…/server-status?auto)
	BalancerURL string // mod_proxy_balancer's XML page (…/balancer-manager?xml=1)
	proc        *proctest.Proc
}

// Start writes the configuration, checks it with `apache2 -t`, starts
// apache2 in the foreground and waits until it answers /server-status.
// Should the chosen port be taken by someone else before apache2 binds it,
// Start tries again on another port.
func Start(t testing.TB, c Config) *Apache {
	t.Helper()
	bin := Binary(t)
	dir := t.TempDir()
	a := &Apache{Dir: dir, Conf: filepath.Join(dir, "apache2.conf"),
		AccessLog: filepath.Join(dir, "access.log"), ErrorLog: filepath.Join(dir, "error.log")}
	if err := a.prepareDirs(); err != nil {
		t.Fatal(err)
	}
	proctest.Retry(t, "apache2", func() error {
		a.Port = proctest.FreePort(t)
		a.Addr = fmt.Sprintf("127.0.0.1:%d", a.Port)
		a.URL = "http://" + a.Addr
		a.StatusURL = a.URL + "/server-status?auto"
		a.BalancerURL = a.URL + "/balancer-manager?xml=1"
		conf, err := a.render(c)
		if err != nil {
			t.Fatal(err)
		}
		if err = os.WriteFile(a.Conf, []byte(conf), 0o644); err != nil {
			t.Fatal(err)
		}
		proctest.Check(t, exec.Command(bin, "-t", "-d", dir, "-f", a.Conf), numbered(conf))
		return a.start(bin)
	}, a.Stop)
	return a
}

// prepareDirs creates the runtime directory and, when the test runs as
// root, opens the way for the unprivileged user apache2's children switch
// to: they re-open the flock mutex files by name, so they must be able to
// reach the runtime directory.
func (a *Apache) prepareDirs() error {
	run := filepath.Join(a.Dir, "run")
	if err := os.MkdirAll(run, 0o755); err != nil {
		return fmt.Errorf("create runtime directory: %w", err)
	}
	if os.Geteuid() != 0 {
		return nil
	}
	// t.TempDir makes its directories 0700; the parent is the test's own
	// temporary directory, holding nothing but these.
	for _, d := range []string{filepath.Dir(a.Dir), a.Dir, run} {
		if err := os.Chmod(d, 0o755); err != nil {
			return fmt.Errorf("open %s to the server's user: %w", d, err)
		}
	}
	_, gid, err := runAs()
	if err != nil {
		return err
	}
	if g, err := strconv.Atoi(strings.TrimPrefix(gid, "#")); err == nil {
		_ = os.Chown(run, -1, g)
	}
	return nil
}

// runAs returns the User and Group values for the configuration. Apache
// refuses to serve as root, so as root the children become www-data (or
// nobody); as any other user apache2 cannot switch, and names the current
// user and group by number, which needs no entry in /etc/passwd.
func runAs() (string, string, error) {
	if os.Geteuid() != 0 {
		return "#" + strconv.Itoa(os.Geteuid()), "#" + strconv.Itoa(os.Getegid()), nil
	}
	for _, name := range []string{"www-data", "nobody", "daemon"} {
		u, err := user.Lookup(name)
		if err != nil {
			continue
		}
		return "#" + u.Uid, "#" + u.Gid, nil
	}
	return "", "", errors.New("running as root, but none of www-data, nobody, daemon exists for apache2's children")
}

// Nicknames are the LogFormat nicknames Debian's apache2.conf defines,
// which the harness defines the same way.
var Nicknames = map[string]string{
	"vhost_combined": `%v:%p %h %l %u %t \"%r\" %>s %O \"%{Referer}i\" \"%{User-Agent}i\"`,
	"combined":       `%h %l %u %t \"%r\" %>s %O \"%{Referer}i\" \"%{User-Agent}i\"`,
	"common":         `%h %l %u %t \"%r\" %>s %O`,
}

func (a *Apache) render(c Config) (string, error) {
	usr, grp, err := runAs()
	if err != nil {
		return "", err
	}
	mods := c.Modules
	if mods == nil {
		mods = DefaultModules
	}
	var b strings.Builder
	fmt.Fprintf(&b, "ServerRoot %q\nPidFile %q\nDefaultRuntimeDir %q\nMutex file:%s default\n",
		a.Dir, filepath.Join(a.Dir, "apache2.pid"), filepath.Join(a.Dir, "run"), filepath.Join(a.Dir, "run"))
	for _, m := range append(append([]string(nil), mods...), c.ExtraModules...) {
		fmt.Fprintf(&b, "LoadModule %s_module %s\n", m, filepath.Join(ModulesDir, "mod_"+m+".so"))
	}
	level := c.LogLevel
	if level == "" {
		level = "warn"
	}
	format := c.LogFormat
	switch {
	case format == "":
		format = "combined"
		fallthrough
	case Nicknames[format] != "":
		format = Nicknames[format]
	default:
		format = strings.ReplaceAll(format, `"`, `\"`)
	}
	fmt.Fprintf(&b, `User %s
Group %s
ServerName 127.0.0.1
Listen %s
TypesConfig /dev/null
StartServers 1
ServerLimit 1
ThreadsPerChild 16
ThreadLimit 16
MaxRequestWorkers 16
MinSpareThreads 1
MaxSpareThreads 16
ErrorLog %q
LogLevel %s
LogFormat "%s" gwtest
CustomLog %q gwtest
ExtendedStatus On
<Location /server-status>
    SetHandler server-status
</Location>
<Location /balancer-manager>
    SetHandler balancer-manager
</Location>
%s
`, usr, grp, a.Addr, a.ErrorLog, level, format, a.AccessLog, c.Directives)
	return b.String(), nil
}

// numbered prefixes each line of s with its number, for error messages.
func numbered(s string) string {
	var b strings.Builder
	for i, l := range strings.Split(s, "\n") {
		fmt.Fprintf(&b, "%3d  %s\n", i+1, l)
	}
	return b.String()
}

// start starts apache2 from the written configuration and waits until it
// answers; if it does not, apache2 is gone when start returns.
func (a *Apache) start(bin string) error {
	p, err := proctest.Start(exec.Command(bin, "-d", a.Dir, "-f", a.Conf, "-DFOREGROUND"))
	if err != nil {
		return err
	}
	client := &http.Client{Timeout: time.Second}
	err = p.WaitReady(readyTimeout, func() error {
		resp, err := client.Get(a.StatusURL)
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("GET %s: %s", a.StatusURL, resp.Status)
		}
		return nil
	})
	if err != nil {
		if log, rerr := os.ReadFile(a.ErrorLog); rerr == nil {
			err = fmt.Errorf("%w\nerror log:\n%s", err, log)
		}
		return err
	}
	a.proc = p
	return nil
}

// Stop stops apache2 (SIGTERM to its process group, then SIGKILL) and
// reaps it. Stopping twice does nothing.
func (a *Apache) Stop() { a.proc.Stop() }

// Pid returns the apache2 parent's process id.
func (a *Apache) Pid() int { return a.proc.Pid() }

// Output returns what apache2 wrote to stdout and stderr.
func (a *Apache) Output() string { return a.proc.Output() }

// ReadErrorLog returns the error log's lines so far.
func (a *Apache) ReadErrorLog(t testing.TB) []string {
	t.Helper()
	return readLines(t, a.ErrorLog)
}

// ReadAccessLog returns the access log's lines so far.
func (a *Apache) ReadAccessLog(t testing.TB) []string {
	t.Helper()
	return readLines(t, a.AccessLog)
}

func readLines(t testing.TB, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	s := strings.TrimRight(string(b), "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}
