package proctest

import (
	"fmt"
	"net"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
)

func sh(t *testing.T, script string) *Proc {
	t.Helper()
	p, err := Start(exec.Command(Binary(t, "dash", "sh"), "-c", script))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Stop)
	return p
}

func groupAlive(pgid int) bool { return syscall.Kill(-pgid, 0) == nil }

func TestWaitTCPReady(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	// A child in the background: Stop must end the whole group.
	p := sh(t, "echo started; sleep 60 & sleep 60")
	if err := p.WaitTCP(ln.Addr().String(), 5*time.Second); err != nil {
		t.Fatal(err)
	}
	if p.Pid() == 0 || !groupAlive(p.Pid()) {
		t.Fatalf("pid %d: group not running", p.Pid())
	}
	for deadline := time.Now().Add(5 * time.Second); p.Output() != "started\n"; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("output %q", p.Output())
		}
	}
	p.Stop()
	if groupAlive(p.Pid()) {
		t.Error("process group still there after Stop")
	}
	p.Stop() // a second Stop does nothing
}

func TestWaitTCPNoticesExit(t *testing.T) {
	p := sh(t, "echo boom >&2; exit 3")
	start := time.Now()
	err := p.WaitTCP("127.0.0.1:1", 10*time.Second)
	if err == nil || !strings.Contains(err.Error(), "sh exited: exit status 3: boom") {
		t.Fatalf("error %v", err)
	}
	if time.Since(start) > 5*time.Second {
		t.Errorf("exit noticed after %v", time.Since(start))
	}
}

func TestWaitTCPTimeoutKills(t *testing.T) {
	p := sh(t, "echo waiting; sleep 60 & sleep 60")
	err := p.WaitTCP("127.0.0.1:1", 300*time.Millisecond)
	if err == nil || !strings.Contains(err.Error(), "sh was not ready within 300ms") || !strings.Contains(err.Error(), "waiting") {
		t.Fatalf("error %v", err)
	}
	if groupAlive(p.Pid()) {
		t.Error("process group still there after a failed wait")
	}
}

func TestNilProc(t *testing.T) {
	var p *Proc
	p.Stop()
	if p.Pid() != 0 || p.Output() != "" || p.Signal(syscall.SIGUSR1) == nil {
		t.Error("nil Proc")
	}
}

// fakeTB records what Retry and Check ask of a test, and stops the
// goroutine on Fatalf as testing does.
type fakeTB struct {
	testing.TB
	fatal    string
	cleanups int
}

func (f *fakeTB) Helper()        {}
func (f *fakeTB) Cleanup(func()) { f.cleanups++ }
func (f *fakeTB) Fatalf(s string, a ...any) {
	f.fatal = fmt.Sprintf(s, a...)
	runtime.Goexit()
}

// run calls fn on its own goroutine, as a test body runs, and waits.
func (f *fakeTB) run(fn func()) {
	done := make(chan struct{})
	go func() { defer close(done); fn() }()
	<-done
}

func TestRetry(t *testing.T) {
	for _, tc := range []struct {
		fails    int // how many starts fail before one works
		calls    int
		cleanups int
		fatal    string
	}{
		{fails: 0, calls: 1, cleanups: 1},
		{fails: 2, calls: 3, cleanups: 1},
		{fails: 5, calls: 3, fatal: "start gw: port taken 3"},
	} {
		f := &fakeTB{TB: t}
		calls := 0
		f.run(func() {
			Retry(f, "gw", func() error {
				calls++
				if calls <= tc.fails {
					return fmt.Errorf("port taken %d", calls)
				}
				return nil
			}, func() {})
		})
		if calls != tc.calls || f.cleanups != tc.cleanups || f.fatal != tc.fatal {
			t.Errorf("%d failing starts: %d calls, %d cleanups, fatal %q; want %d, %d, %q", tc.fails, calls, f.cleanups, f.fatal, tc.calls, tc.cleanups, tc.fatal)
		}
	}
}

func TestCheck(t *testing.T) {
	sh := Binary(t, "dash", "sh")
	f := &fakeTB{TB: t}
	f.run(func() { Check(f, exec.Command(sh, "-c", "exit 0"), "conf") })
	if f.fatal != "" {
		t.Errorf("accepted configuration: %s", f.fatal)
	}
	f.run(func() { Check(f, exec.Command(sh, "-c", "echo 'line 3: unknown directive'; exit 1"), "the conf") })
	if !strings.HasPrefix(f.fatal, filepath.Base(sh)+" -c rejected the test configuration: exit status 1") || !strings.Contains(f.fatal, "line 3: unknown directive") || !strings.HasSuffix(f.fatal, "the conf") {
		t.Errorf("rejected configuration: %q", f.fatal)
	}
}
