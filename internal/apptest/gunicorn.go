// Package apptest runs real app servers on loopback for tests: Debian's
// gunicorn with a small Flask app written by the test, its logs in a
// temporary directory, stopped when the test ends.
package apptest

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gwtop/gwtop/internal/proctest"
)

// Gunicorn is a running gunicorn.
type Gunicorn struct {
	Dir      string
	Bind     string // as given: 127.0.0.1:PORT, [::1]:PORT, unix:PATH
	ErrorLog string
	proc     *proctest.Proc
}

// GunicornConfig is what the test's gunicorn runs.
type GunicornConfig struct {
	// App is the Python source of app.py, which must define `app` (a
	// Flask app); Flask is imported for it.
	App string
	// Bind is where it listens: 127.0.0.1:PORT, [::1]:PORT, unix:PATH.
	Bind string
	// Timeout is gunicorn's --timeout in seconds (default 30); Workers
	// its --workers (default 1).
	Timeout, Workers int
	// Args are more command-line arguments.
	Args []string
}

// Flask is the head of a test app: imports and the app object.
const Flask = "import os, time\nfrom flask import Flask\napp = Flask(__name__)\n\n@app.route('/')\ndef index():\n    return 'ok\\n'\n"

// Binary returns gunicorn's path, or fails the test: under `make test` it
// is installed first (Debian's gunicorn with python3-flask).
func Binary(t testing.TB) string {
	t.Helper()
	return proctest.Binary(t, "gunicorn", "gunicorn", "/usr/bin/gunicorn")
}

// StartGunicorn starts gunicorn in the foreground with its error log in a
// temporary directory and waits until it accepts connections.
func StartGunicorn(t testing.TB, c GunicornConfig) *Gunicorn {
	t.Helper()
	bin := Binary(t)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "app.py"), []byte(c.App), 0o644); err != nil {
		t.Fatal(err)
	}
	g := &Gunicorn{Dir: dir, Bind: c.Bind, ErrorLog: filepath.Join(dir, "error.log")}
	args := []string{"--chdir", dir, "--bind", c.Bind, "--workers", strconv.Itoa(max(c.Workers, 1)),
		"--timeout", strconv.Itoa(cmp(c.Timeout, 30)), "--error-logfile", g.ErrorLog, "--capture-output"}
	args = append(append(args, c.Args...), "app:app")
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "PYTHONDONTWRITEBYTECODE=1")
	p, err := proctest.Start(cmd)
	if err != nil {
		t.Fatal(err)
	}
	g.proc = p
	t.Cleanup(p.Stop)
	network, addr := "tcp", strings.NewReplacer("[", "", "]", "").Replace(c.Bind)
	if path, ok := strings.CutPrefix(c.Bind, "unix:"); ok {
		network, addr = "unix", path
	} else if h, port, err := net.SplitHostPort(c.Bind); err == nil {
		addr = net.JoinHostPort(h, port)
	}
	if err := p.WaitReady(20*time.Second, func() error { return proctest.Dial(network, addr) }); err != nil {
		log, _ := os.ReadFile(g.ErrorLog)
		t.Fatalf("gunicorn on %s: %v\n%s\n%s", c.Bind, err, p.Output(), log)
	}
	return g
}

func cmp(v, def int) int {
	if v > 0 {
		return v
	}
	return def
}

// Pid is the master's pid.
func (g *Gunicorn) Pid() int { return g.proc.Pid() }

// Stop ends it with SIGTERM (a graceful shutdown) and waits until it is
// gone.
func (g *Gunicorn) Stop() { g.proc.Stop() }

// Kill ends the master and its workers with SIGKILL at once, as the OOM
// killer or a crash would.
func (g *Gunicorn) Kill() {
	_ = syscall.Kill(-g.proc.Pid(), syscall.SIGKILL)
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if syscall.Kill(-g.proc.Pid(), 0) != nil {
			return
		}
	}
}

// Log returns the error log so far.
func (g *Gunicorn) Log() string {
	b, _ := os.ReadFile(g.ErrorLog)
	return string(b)
}

// String names it for messages.
func (g *Gunicorn) String() string { return fmt.Sprintf("gunicorn pid %d on %s", g.Pid(), g.Bind) }
