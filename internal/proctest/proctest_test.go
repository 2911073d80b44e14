package proctest

import (
	"net"
	"os/exec"
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
