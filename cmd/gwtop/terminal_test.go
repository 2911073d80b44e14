package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gwtop/gwtop/internal/faults"
)

// tmuxPane is a shell in a private tmux server: a real terminal emulator
// whose screen and modes a test reads back.
type tmuxPane struct {
	t    *testing.T
	sock string
}

func newTmuxPane(t *testing.T, w, h int) *tmuxPane {
	t.Helper()
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Fatal("tmux is not installed (make test installs it)")
	}
	p := &tmuxPane{t: t, sock: fmt.Sprintf("gwtop-test-%d-%d", os.Getpid(), time.Now().UnixNano())}
	p.tmux("-f", "/dev/null", "new-session", "-d", "-s", "t", "-x", fmt.Sprint(w), "-y", fmt.Sprint(h),
		"env", "-i", "PATH="+os.Getenv("PATH"), "HOME="+t.TempDir(), "TERM=tmux-256color", "LANG=C.UTF-8",
		"bash", "--norc", "--noprofile")
	t.Cleanup(func() { _ = exec.Command("tmux", "-L", p.sock, "kill-server").Run() })
	return p
}

func (p *tmuxPane) tmux(args ...string) string {
	p.t.Helper()
	out, err := exec.Command("tmux", append([]string{"-L", p.sock}, args...)...).CombinedOutput()
	if err != nil {
		p.t.Fatalf("tmux %v: %v\n%s", args, err, out)
	}
	return string(out)
}

func (p *tmuxPane) screen() string { return p.tmux("capture-pane", "-p", "-t", "t") }

// modes is the pane's alternate screen, cursor and mouse flags.
func (p *tmuxPane) modes() string {
	return strings.TrimSpace(p.tmux("display", "-p", "-t", "t",
		"alt=#{alternate_on} cursor=#{cursor_flag} mouse=#{mouse_any_flag}#{mouse_button_flag}#{mouse_sgr_flag}")) // any, button, SGR
}

// wait polls until ok holds of the screen and modes, or fails after 30 s.
func (p *tmuxPane) wait(what string, ok func(screen, modes string) bool) string {
	p.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		s, m := p.screen(), p.modes()
		if ok(s, m) {
			return s
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("waited 30 s for %s; modes %s, screen:\n%s", what, m, s)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestTUIInTerminal runs the full-screen TUI in a real terminal emulator
// (tmux): it draws the overview, follows a resize and a key, and on q
// leaves the terminal as it found it: the main screen with the shell's
// lines, the cursor shown, the mouse off, the line discipline cooked.
func TestTUIInTerminal(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "gwtop")
	if b, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, b)
	}
	h := faults.Start(t, faults.Healthy)
	p := newTmuxPane(t, 120, 30)
	p.tmux("send-keys", "-t", "t", "echo shell-before", "Enter")
	p.tmux("send-keys", "-t", "t", fmt.Sprintf("%s --probe web=http://%s/ --interval 200ms; echo exit=$?", bin, h.Addr), "Enter")

	p.wait("the overview", func(s, m string) bool {
		return m == "alt=1 cursor=0 mouse=111" && strings.Contains(s, "UPSTREAM") && strings.Contains(s, "web") &&
			strings.Contains(s, "probe passing")
	})
	if s := p.screen(); strings.Contains(s, "shell-before") {
		t.Errorf("the overview is drawn over the shell's lines:\n%s", s)
	}

	p.tmux("resize-window", "-t", "t", "-x", "70", "-y", "16")
	s := p.wait("the overview at 70×16", func(s, _ string) bool {
		return strings.Contains(s, "UPSTREAM") && strings.Contains(s, "web")
	})
	for i, l := range strings.Split(strings.TrimRight(s, "\n"), "\n") {
		if n := len([]rune(l)); n > 70 || i >= 16 {
			t.Errorf("line %d (%d cells) is outside 70×16:\n%s", i, n, s)
		}
	}

	p.tmux("send-keys", "-t", "t", "?")
	p.wait("the help", func(s, _ string) bool { return strings.Contains(strings.ToLower(s), "keys") })
	p.tmux("send-keys", "-t", "t", "Escape")
	p.wait("the overview again", func(s, _ string) bool { return strings.Contains(s, "UPSTREAM") })

	p.tmux("send-keys", "-t", "t", "q")
	p.restored("q", "exit=0")

	// Ctrl+C and SIGTERM end it the same way.
	for _, stop := range []string{"C-c", "SIGTERM"} {
		p.tmux("send-keys", "-t", "t", "clear; echo shell-before", "Enter")
		p.tmux("send-keys", "-t", "t", fmt.Sprintf("%s --probe web=http://%s/ --interval 200ms; echo exit=$?", bin, h.Addr), "Enter")
		p.wait("the overview", func(s, m string) bool { return m == "alt=1 cursor=0 mouse=111" && strings.Contains(s, "web") })
		if stop == "SIGTERM" {
			if out, err := exec.Command("pkill", "-TERM", "-x", "-f", bin+" --probe .*").CombinedOutput(); err != nil {
				t.Fatalf("pkill: %v %s", err, out)
			}
		} else {
			p.tmux("send-keys", "-t", "t", stop)
		}
		p.restored(stop, "exit=0")
	}
}

// restored waits for the shell to be back as it was: the main screen with
// its lines, the cursor shown, the mouse off, the exit status printed and
// the line discipline cooked (canonical, echoing).
func (p *tmuxPane) restored(how, exit string) {
	p.t.Helper()
	p.wait("the shell after "+how, func(s, m string) bool {
		return m == "alt=0 cursor=1 mouse=000" && strings.Contains(s, exit) && strings.Contains(s, "shell-before")
	})
	p.tmux("send-keys", "-t", "t", "stty -a | tr ' ' '\\n' | grep -x -e icanon -e echo -e -icanon -e -echo | tr '\\n' ' '; echo", "Enter")
	p.wait("the line discipline restored after "+how, func(s, _ string) bool { return strings.Contains(s, "icanon echo") })
}
