package haproxy

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gwtop/gwtop/collector/feed/feedtest"
	"github.com/gwtop/gwtop/internal/haproxytest"
	"github.com/gwtop/gwtop/internal/proctest"
	"github.com/gwtop/gwtop/model"
)

func TestReloadWatch(t *testing.T) {
	fe := func(stot int64) []Row { return []Row{{Type: TypeFrontend, Stot: stot}, {Type: TypeBackend, Stot: 1}} }
	var w reloadWatch
	rec := &feedtest.Recorder{}
	now := time.Date(2026, 12, 1, 13, 0, 0, 0, time.UTC)
	for _, stot := range []int64{5, 9, 9, 3, 4} {
		w.observe(fe(stot), now, "stats", rec)
	}
	w.observe(nil, now, "stats", rec) // no frontend: nothing to compare
	w.observe(fe(2), now, "stats", rec)
	ev := rec.Events()
	want := []string{
		"HAProxy reloaded or restarted: its counters started again (frontend sessions 9 → 3)",
		"HAProxy reloaded or restarted: its counters started again (frontend sessions 4 → 2)",
	}
	if len(ev) != len(want) {
		t.Fatalf("events %+v", ev)
	}
	for i := range want {
		if ev[i].Text != want[i] || ev[i].Kind != model.EventReload || ev[i].Source != "haproxy stats" || !ev[i].Time.Equal(now) {
			t.Errorf("event %d: %+v, want %q", i, ev[i], want[i])
		}
	}
}

func TestReloadLogLines(t *testing.T) {
	p := NewLogParser()
	rec := &feedtest.Recorder{}
	for _, l := range []string{
		"[NOTICE]   (4242) : New worker (4243) forked",
		"[NOTICE]   (4242) : Loading success.",
		"[NOTICE]   (4242) : Reloading HAProxy",
		"[NOTICE]   (4242) : Reloading HAProxy (hard-reload)",
		"[WARNING] 123/130000 (4242) : Reexecuting Master process",
		"Dec  1 13:00:00 host haproxy[4242]: Reloading HAProxy",
		"[NOTICE]   (4242) : Reloading HAProxy now, said nobody",
		"Reloading HAProxy", // not HAProxy's own line: no prefix
	} {
		p.Line([]byte(l), rec)
	}
	want := []string{
		"HAProxy reloaded its configuration (Reloading HAProxy)",
		"HAProxy reloaded its configuration (Reloading HAProxy (hard-reload))",
		"HAProxy reloaded its configuration (Reexecuting Master process)",
		"HAProxy reloaded its configuration (Reloading HAProxy)",
	}
	ev := rec.Events()
	if len(ev) != len(want) {
		t.Fatalf("events %+v", ev)
	}
	for i := range want {
		if ev[i].Text != want[i] || ev[i].Kind != model.EventReload || ev[i].Source != "haproxy log" {
			t.Errorf("event %d: %+v, want %q", i, ev[i], want[i])
		}
	}
}

// TestRealHAProxyReload: a master-worker HAProxy (-W) reloaded with
// SIGUSR2, as systemctl reload does, is one reload event on its stats
// page's scraper.
func TestRealHAProxyReload(t *testing.T) {
	bin := haproxytest.Binary(t)
	dir := t.TempDir()
	port := proctest.FreePort(t)
	conf := filepath.Join(dir, "haproxy.cfg")
	if err := os.WriteFile(conf, []byte(fmt.Sprintf(`global
    master-worker
defaults
    mode http
    timeout connect 500ms
    timeout client 5s
    timeout server 1s
listen stats
    bind 127.0.0.1:%d
    stats enable
    stats uri /stats
`, port)), 0o644); err != nil {
		t.Fatal(err)
	}
	p, err := proctest.Start(exec.Command(bin, "-W", "-db", "-f", conf))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Stop)
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	if err := p.WaitReady(10*time.Second, func() error { return proctest.Dial("tcp", addr) }); err != nil {
		t.Fatalf("haproxy: %v\n%s", err, p.Output())
	}
	s, err := NewStats("http://"+addr+"/stats", "", "")
	if err != nil {
		t.Fatal(err)
	}
	rec := &feedtest.Recorder{}
	scrape := func() {
		t.Helper()
		if _, err := s.Scrape(context.Background(), rec); err != nil {
			t.Fatal(err)
		}
	}
	for range 4 {
		scrape()
	}
	if ev := rec.Events(); len(ev) != 0 {
		t.Fatalf("events before the reload: %+v", ev)
	}
	// The master takes SIGUSR2 once it has said its worker is loaded (a
	// signal before that was lost on a loaded CI host); until it says
	// "Reloading HAProxy", the signal is sent again every 3 s.
	deadline := time.Now().Add(15 * time.Second)
	for !strings.Contains(p.Output(), "Loading success") && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	var sent time.Time
	for len(rec.Events()) == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("no reload seen on the stats\n%s", p.Output())
		}
		if !strings.Contains(p.Output(), "Reloading HAProxy") && time.Since(sent) > 3*time.Second {
			if err := syscall.Kill(p.Pid(), syscall.SIGUSR2); err != nil {
				t.Fatal(err)
			}
			sent = time.Now()
		}
		time.Sleep(50 * time.Millisecond)
		scrape()
	}
	for range 3 {
		scrape()
	}
	ev := rec.Events()
	if len(ev) != 1 || ev[0].Kind != model.EventReload || ev[0].Source != "haproxy stats" ||
		!strings.HasPrefix(ev[0].Text, "HAProxy reloaded or restarted: its counters started again (frontend sessions ") {
		t.Errorf("events %+v", ev)
	}
	// The master said so on its standard error, as the journal keeps it.
	var out string
	for !strings.Contains(out, "Reloading HAProxy") {
		if time.Now().After(deadline) {
			t.Fatalf("no reload line from the master:\n%s", out)
		}
		time.Sleep(20 * time.Millisecond)
		out = p.Output()
	}
	lp, lrec := NewLogParser(), &feedtest.Recorder{}
	for _, l := range strings.Split(out, "\n") {
		lp.Line([]byte(l), lrec)
	}
	if ev := lrec.Events(); len(ev) != 1 || ev[0].Text != "HAProxy reloaded its configuration (Reloading HAProxy)" {
		t.Errorf("events from the master's lines %+v:\n%s", ev, out)
	}
}
