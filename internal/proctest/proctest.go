// Package proctest holds the process handling shared by the harnesses that
// run real gateways in tests (nginxtest, caddytest, haproxytest,
// discovertest): finding the gateway's binary, asking the OS for a free
// loopback port, starting the gateway in its own process group with its
// output captured, waiting until it accepts connections (or noticing that it
// exited), and stopping the whole group.
package proctest

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Binary returns the path of the first of names that exec.LookPath finds (a
// bare name is searched for in $PATH, a path is checked as it is), or fails
// the test. It never skips: under `make test` the gateways are installed
// first, so a missing one is a broken set-up. The message names names[0] and
// aptPackage, the Debian package that provides it.
func Binary(t testing.TB, aptPackage string, names ...string) string {
	t.Helper()
	for _, name := range names {
		if path, err := exec.LookPath(name); err == nil {
			return path
		}
	}
	t.Fatalf("%s not found: run `make test`, which installs it (apt-get install %s)", names[0], aptPackage)
	return ""
}

// FreePort asks the OS for a free loopback TCP port.
func FreePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// Check runs cmd, a gateway's own check of a configuration (nginx -t,
// caddy validate…), and fails the test with its output and conf, the
// configuration, if the gateway rejects it.
func Check(t testing.TB, cmd *exec.Cmd, conf string) {
	t.Helper()
	if out, err := cmd.CombinedOutput(); err != nil {
		what := filepath.Base(cmd.Path)
		if len(cmd.Args) > 1 {
			what += " " + cmd.Args[1]
		}
		t.Fatalf("%s rejected the test configuration: %v\n%s\n%s", what, err, out, conf)
	}
}

// Retry calls start until it returns nil, three times at most, and then
// registers stop with t.Cleanup. Each call picks fresh ports, writes the
// configuration and starts the gateway, so that a port someone else takes
// between FreePort and the gateway's bind costs one more try, not the test.
// After the third failure Retry fails the test with the last error, naming
// the gateway.
func Retry(t testing.TB, name string, start func() error, stop func()) {
	t.Helper()
	var err error
	for range 3 {
		if err = start(); err == nil {
			t.Cleanup(stop)
			return
		}
	}
	t.Fatalf("start %s: %v", name, err)
}

// Dial reports whether addr accepts a connection within 200ms: nil if it
// does, the dial error if not. It is the building block of WaitReady checks.
func Dial(network, addr string) error {
	c, err := net.DialTimeout(network, addr, 200*time.Millisecond)
	if err != nil {
		return err
	}
	return c.Close()
}

// pollInterval is how long WaitReady and Stop sleep between checks.
const pollInterval = 50 * time.Millisecond

// Proc is a started process, the leader of its own process group, so that
// Stop also ends the workers it forks (nginx's).
type Proc struct {
	name    string // the binary's base name, for messages
	cmd     *exec.Cmd
	out     SyncBuffer
	exited  chan struct{} // closed once the leader has exited and been reaped
	waitErr error         // cmd.Wait's result; read only after exited is closed
	end     sync.Once     // the process is stopped or killed only once
}

// Start starts cmd in a new process group, its stdout and stderr captured
// together (see Output); Start sets cmd.Stdout, cmd.Stderr and
// cmd.SysProcAttr.Setpgid. The caller stops it with Stop, usually from
// t.Cleanup.
func Start(cmd *exec.Cmd) (*Proc, error) {
	p := &Proc{name: filepath.Base(cmd.Path), cmd: cmd, exited: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = &p.out, &p.out
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Setpgid = true
	if cmd.WaitDelay == 0 {
		// Should something outside the group keep the output pipe open,
		// Wait still returns soon after the process exits.
		cmd.WaitDelay = time.Second
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", p.name, err)
	}
	go func() {
		p.waitErr = cmd.Wait()
		close(p.exited)
	}()
	return p, nil
}

// WaitTCP waits until addr accepts TCP connections; see WaitReady.
func (p *Proc) WaitTCP(addr string, timeout time.Duration) error {
	return p.WaitReady(timeout, func() error { return Dial("tcp", addr) })
}

// WaitReady calls ready every 50ms until it returns nil. It fails if the
// process exits first or ready still fails after timeout; the error then
// carries the process's output, and the process group has been killed.
func (p *Proc) WaitReady(timeout time.Duration, ready func() error) error {
	deadline := time.Now().Add(timeout)
	for {
		select {
		case <-p.exited:
			p.kill() // workers it may have left behind
			return fmt.Errorf("%s exited: %v: %s", p.name, p.waitErr, p.Output())
		default:
		}
		err := ready()
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			p.kill()
			return fmt.Errorf("%s was not ready within %v: %v\n%s output:\n%s", p.name, timeout, err, p.name, p.Output())
		}
		select {
		case <-p.exited:
		case <-time.After(pollInterval):
		}
	}
}

// Stop stops the process group: SIGTERM, then SIGKILL if any of it is still
// there after 5s. It returns once the group is gone and the leader reaped.
// Stopping a stopped (or nil) Proc does nothing.
func (p *Proc) Stop() {
	if p == nil {
		return
	}
	p.end.Do(func() {
		_ = syscall.Kill(-p.Pid(), syscall.SIGTERM)
		if !p.waitGone(5 * time.Second) {
			p.endNow()
		}
	})
}

// kill ends the process group at once, unless it was stopped already.
func (p *Proc) kill() { p.end.Do(p.endNow) }

// endNow sends SIGKILL to the process group and waits until it is gone.
func (p *Proc) endNow() {
	_ = syscall.Kill(-p.Pid(), syscall.SIGKILL)
	p.waitGone(5 * time.Second)
}

// waitGone waits up to d for every process of the group to be gone and
// for the leader to be reaped, and reports whether they are.
func (p *Proc) waitGone(d time.Duration) bool {
	for deadline := time.Now().Add(d); time.Now().Before(deadline); time.Sleep(pollInterval) {
		if syscall.Kill(-p.Pid(), 0) != nil {
			<-p.exited
			return true
		}
	}
	return false
}

// Signal sends sig to the process (the group's leader) alone, as
// `kill -USR1 <master pid>` would.
func (p *Proc) Signal(sig os.Signal) error {
	if p == nil {
		return fmt.Errorf("process is not running")
	}
	return p.cmd.Process.Signal(sig)
}

// Pid returns the process id (also the process group id); 0 for a nil Proc.
func (p *Proc) Pid() int {
	if p == nil {
		return 0
	}
	return p.cmd.Process.Pid
}

// Output returns what the process wrote to stdout and stderr so far; "" for a
// nil Proc.
func (p *Proc) Output() string {
	if p == nil {
		return ""
	}
	return p.out.String()
}

// SyncBuffer is a bytes.Buffer that a writer (the process's output copier, a
// program under test) may write while a test reads it.
type SyncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *SyncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *SyncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
