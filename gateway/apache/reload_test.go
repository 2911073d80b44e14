package apache

import (
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gwtop/gwtop/collector/feed/feedtest"
	"github.com/gwtop/gwtop/gateway/apache/apachetest"
	"github.com/gwtop/gwtop/model"
)

// reloadEvents passes each line through one ErrorLog and returns the
// events it reported.
func reloadEvents(lines []string) []model.Event {
	l := &ErrorLog{}
	rec := &feedtest.Recorder{}
	for _, s := range lines {
		l.Line([]byte(s), rec)
	}
	return rec.Events()
}

func TestReloadLines(t *testing.T) {
	lines := []string{
		"[Tue Dec 01 13:00:00.000001 2026] [mpm_event:notice] [pid 100:tid 1] AH00489: Apache/2.4.62 (Debian) configured -- resuming normal operations",
		"[Tue Dec 01 13:05:00.000001 2026] [mpm_event:notice] [pid 100:tid 1] AH00493: SIGUSR1 received.  Doing graceful restart",
		"[Tue Dec 01 13:05:00.100001 2026] [mpm_event:notice] [pid 100:tid 1] AH00489: Apache/2.4.62 (Debian) configured -- resuming normal operations",
		"[Tue Dec 01 13:06:00.000001 2026] [mpm_prefork:notice] [pid 100] AH00171: Graceful restart requested, doing restart",
		"[Tue Dec 01 13:07:00.000001 2026] [mpm_event:notice] [pid 100:tid 1] AH00494: SIGHUP received.  Attempting to restart",
		"[Tue Dec 01 13:08:00.000001 2026] [mpm_event:notice] [pid 100:tid 1] AH00492: caught SIGWINCH, shutting down gracefully",
		"[Tue Dec 01 13:09:00.000001 2026] [mpm_event:error] [pid 100:tid 1] AH00493: SIGUSR1 received.  Doing graceful restart",
		"[Tue Dec 01 13:10:00.000001 2026] [proxy:error] [pid 100:tid 2] (111)Connection refused: AH00957: http: attempt to connect to 127.0.0.1:9 (127.0.0.1:9) failed",
	}
	want := []struct{ at, text string }{
		{"13:05:00", "Apache httpd reloaded its configuration: graceful restart (AH00493: SIGUSR1 received.  Doing graceful restart)"},
		{"13:06:00", "Apache httpd reloaded its configuration: graceful restart (AH00171: Graceful restart requested, doing restart)"},
		{"13:07:00", "Apache httpd restarted (SIGHUP): its connections were closed (AH00494: SIGHUP received.  Attempting to restart)"},
		{"13:08:00", "Apache httpd is stopping gracefully (SIGWINCH) (AH00492: caught SIGWINCH, shutting down gracefully)"},
	}
	ev := reloadEvents(lines)
	if len(ev) != len(want) {
		t.Fatalf("%d events, want %d: %+v", len(ev), len(want), ev)
	}
	for i, w := range want {
		e := ev[i]
		if e.Kind != model.EventReload || e.Text != w.text || e.Source != "apache error_log" || e.Time.Format("15:04:05") != w.at {
			t.Errorf("event %d: %+v, want %s %q", i, e, w.at, w.text)
		}
	}
}

// TestRealApacheGraceful: SIGUSR1 to a real apache2's parent (what
// apachectl graceful sends) is one reload event from its error log.
func TestRealApacheGraceful(t *testing.T) {
	a := apachetest.Start(t, apachetest.Config{})
	if err := syscall.Kill(a.Pid(), syscall.SIGUSR1); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(15 * time.Second)
	var lines []string
	for {
		b, _ := os.ReadFile(a.ErrorLog)
		if strings.Count(string(b), "resuming normal operations") >= 2 {
			lines = strings.Split(strings.TrimRight(string(b), "\n"), "\n")
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no restart in the error log:\n%s", b)
		}
		time.Sleep(20 * time.Millisecond)
	}
	ev := reloadEvents(lines)
	if len(ev) != 1 || ev[0].Text != "Apache httpd reloaded its configuration: graceful restart (AH00493: SIGUSR1 received.  Doing graceful restart)" || ev[0].Time.IsZero() {
		t.Errorf("events %+v from:\n%s", ev, strings.Join(lines, "\n"))
	}
}
