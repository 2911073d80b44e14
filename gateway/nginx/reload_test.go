package nginx

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gwtop/gwtop/collector/feed/feedtest"
	"github.com/gwtop/gwtop/internal/nginxtest"
	"github.com/gwtop/gwtop/model"
)

// feedLines passes every line of log through one error parser and returns
// the events it reported.
func feedLines(t *testing.T, log string) []model.Event {
	t.Helper()
	p := newErrorParser()
	rec := &feedtest.Recorder{}
	for _, l := range strings.SplitAfter(log, "\n") {
		if l != "" {
			p.Line([]byte(l), rec)
		}
	}
	return rec.Events()
}

func TestReloadLines(t *testing.T) {
	// Lines as nginx 1.22 writes them (error_log at notice or info).
	log := `2026/12/01 13:00:00 [notice] 100#100: using the "epoll" event method
2026/12/01 13:00:00 [notice] 100#100: nginx/1.22.1
2026/12/01 13:00:00 [notice] 100#100: start worker processes
2026/12/01 13:00:00 [notice] 100#100: start worker process 101
2026/12/01 13:05:00 [notice] 100#100: signal 1 (SIGHUP) received from 4242, reconfiguring
2026/12/01 13:05:00 [notice] 100#100: reconfiguring
2026/12/01 13:05:00 [notice] 100#100: using the "epoll" event method
2026/12/01 13:05:00 [notice] 100#100: start worker processes
2026/12/01 13:05:00 [notice] 100#100: start worker process 102
2026/12/01 13:05:00 [notice] 101#101: gracefully shutting down
2026/12/01 13:06:00 [notice] 100#100: signal 1 (SIGHUP) received, reconfiguring
2026/12/01 13:06:00 [notice] 100#100: reconfiguring
2026/12/01 13:06:00 [emerg] 100#100: unknown directive "bogus" in /etc/nginx/nginx.conf:3
2026/12/01 13:07:00 [notice] 100#100: reconfiguring
2026/12/01 13:07:00 [notice] 100#100: start worker processes
2026/12/01 13:08:00 [error] 100#100: reconfiguring
`
	ev := feedLines(t, log)
	want := []struct{ at, text string }{
		{"13:00:00", "nginx started (start worker processes)"},
		{"13:05:00", "nginx reloaded its configuration (signal 1 (SIGHUP) received from 4242)"},
		{"13:06:00", "nginx reloaded its configuration (signal 1 (SIGHUP) received)"},
		// The 13:06 reload failed; a minute later, a reload with no
		// SIGHUP line (single process mode) is one of its own.
		{"13:07:00", "nginx reloaded its configuration (reconfiguring)"},
	}
	if len(ev) != len(want) {
		t.Fatalf("%d events, want %d: %+v", len(ev), len(want), ev)
	}
	for i, w := range want {
		e := ev[i]
		if e.Kind != model.EventReload || e.Text != w.text || e.Name != w.text || e.Source != "nginx error_log" || e.Time.Format("15:04:05") != w.at {
			t.Errorf("event %d: %+v, want %s %q", i, e, w.at, w.text)
		}
	}
}

func TestReloadHostileLine(t *testing.T) {
	ev := feedLines(t, "2026/12/01 13:05:00 [notice] 1#1: signal 1 (SIGHUP) received from \x1b[2J"+strings.Repeat("x", 500)+", reconfiguring\n")
	if len(ev) != 1 || strings.ContainsRune(ev[0].Text, 0x1b) || len(ev[0].Text) > 130 {
		t.Errorf("events %+v", ev)
	}
}

// TestRealNginxReload: `nginx -s reload` on a real nginx (error_log at
// info) is one reload event, its start one start event.
func TestRealNginxReload(t *testing.T) {
	n := nginxtest.Start(t, nginxtest.Config{LogFormat: "$remote_addr $status"})
	waitLog(t, n.ErrorLog, msgStart, 1)
	out, err := exec.Command(nginxtest.Binary(t), "-p", n.Dir, "-c", filepath.Join(n.Dir, "nginx.conf"), "-e", n.ErrorLog, "-s", "reload").CombinedOutput()
	if err != nil {
		t.Fatalf("nginx -s reload: %v\n%s", err, out)
	}
	log := waitLog(t, n.ErrorLog, msgStart, 2)
	ev := feedLines(t, log)
	var texts []string
	for _, e := range ev {
		texts = append(texts, e.Text)
		if e.Kind != model.EventReload || e.Time.IsZero() {
			t.Errorf("event %+v", e)
		}
	}
	if len(ev) != 2 || texts[0] != "nginx started (start worker processes)" ||
		!strings.HasPrefix(texts[1], "nginx reloaded its configuration (signal 1 (SIGHUP) received from ") {
		t.Errorf("events %q from the error log:\n%s", texts, log)
	}
}

// waitLog waits until path holds n lines ending in msg and returns it.
func waitLog(t *testing.T, path, msg string, n int) string {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		b, _ := os.ReadFile(path)
		if bytes.Count(b, []byte(": "+msg+"\n")) >= n {
			return string(b)
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: fewer than %d %q lines:\n%s", path, n, msg, b)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
