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
// startMasterWorker starts a real haproxy -W on conf and waits until addr
// (network "tcp" or "unix") accepts connections.
func startMasterWorker(t *testing.T, conf, network, addr string) *proctest.Proc {
	t.Helper()
	p, err := proctest.Start(exec.Command(haproxytest.Binary(t), "-W", "-db", "-f", conf))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Stop)
	if err := p.WaitReady(10*time.Second, func() error { return proctest.Dial(network, addr) }); err != nil {
		t.Fatalf("haproxy: %v\n%s", err, p.Output())
	}
	return p
}

// reloadUntil sends the master SIGUSR2 once it has said its worker is
// loaded (a signal before that was lost on a loaded CI host), again every
// 3 s until it says "Reloading HAProxy", scraping every 50 ms until seen()
// or 15 s.
func reloadUntil(t *testing.T, p *proctest.Proc, scrape func(), seen func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !strings.Contains(p.Output(), "Loading success") && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	var sent time.Time
	for !seen() {
		if time.Now().After(deadline) {
			t.Fatalf("no reload seen\n%s", p.Output())
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
}

func TestRealHAProxyReload(t *testing.T) {
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
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	p := startMasterWorker(t, conf, "tcp", addr)
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
	reloadUntil(t, p, scrape, func() bool { return len(rec.Events()) > 0 })
	deadline := time.Now().Add(15 * time.Second)
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

// TestRealHAProxyReloadSocket: a quiet HAProxy read over its runtime
// socket only — its counters never move, so no fall of its sessions can
// show a reload — is seen to reload by "show info": another worker pid
// answers. One event, however many scrapes follow.
func TestRealHAProxyReloadSocket(t *testing.T) {
	dir := t.TempDir()
	sock := filepath.Join(dir, "admin.sock")
	conf := filepath.Join(dir, "haproxy.cfg")
	if err := os.WriteFile(conf, []byte(fmt.Sprintf(`global
    master-worker
    stats socket %s mode 600 level admin
defaults
    mode http
    timeout connect 500ms
    timeout client 5s
    timeout server 1s
frontend quiet
    bind 127.0.0.1:%d
    default_backend b
backend b
    server s1 127.0.0.1:9
`, sock, proctest.FreePort(t))), 0o644); err != nil {
		t.Fatal(err)
	}
	p := startMasterWorker(t, conf, "unix", sock)
	s, err := NewStats("unix:"+sock, "", "")
	if err != nil {
		t.Fatal(err)
	}
	rec := &feedtest.Recorder{}
	scrape := func() {
		t.Helper()
		// Between the old worker's exit and the new one's socket, a
		// scrape can fail: that is not the test's matter.
		_, _ = s.Scrape(context.Background(), rec)
	}
	for range 4 {
		scrape()
	}
	if ev := rec.Events(); len(ev) != 0 || !s.reload.info.ok {
		t.Fatalf("before the reload: events %+v, show info read %v", rec.Events(), s.reload.info.ok)
	}
	reloadUntil(t, p, scrape, func() bool { return len(rec.Events()) > 0 })
	for range 5 {
		scrape()
		time.Sleep(50 * time.Millisecond)
	}
	ev := rec.Events()
	if len(ev) != 1 || ev[0].Kind != model.EventReload || ev[0].Source != "haproxy socket" ||
		!strings.HasPrefix(ev[0].Text, "HAProxy reloaded or restarted: a new process answers (pid ") {
		t.Errorf("events %+v", ev)
	}
}

func TestParseInfo(t *testing.T) {
	for in, want := range map[string]procInfo{
		"Name: HAProxy\nVersion: 2.6.12\nPid: 4242\nUptime: 0d 0h00m07s\nUptime_sec: 7\n\n": {pid: 4242, uptime: 7, ok: true},
		"Pid: 4242\n":                       {pid: 4242},
		"Pid: -1\nUptime_sec: 3\n":          {uptime: 3},
		"Unknown command\n":                 {},
		"Pid:x\nUptime_sec:\n" + "\x00\xff": {},
	} {
		if got := parseInfo(strings.NewReader(in)); got != want {
			t.Errorf("parseInfo(%q) = %+v, want %+v", in, got, want)
		}
	}
}
