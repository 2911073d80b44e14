package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/gwtop/gwtop/collector"
	"github.com/gwtop/gwtop/config"
	"github.com/gwtop/gwtop/internal/faults"
	"github.com/gwtop/gwtop/internal/nginxtest"
	"github.com/gwtop/gwtop/model"
	"github.com/gwtop/gwtop/ui"
)

// TestDrillDownRealNginx: a real nginx in front of a refused and a
// healthy upstream, watched by the engine; in the TUI on it, the refused
// upstream's detail, then l, lists its access and error lines newest
// first, more than 20, and none of the healthy one's.
func TestDrillDownRealNginx(t *testing.T) {
	refused := faults.Start(t, faults.Refused)
	healthy := faults.Start(t, faults.Healthy)
	ngx := nginxtest.Start(t, nginxtest.Config{LogFormat: testLogFormat,
		Server: fmt.Sprintf("        location /bad/ { proxy_pass http://%s; }\n        location /ok/ { proxy_pass http://%s; }\n", refused.Addr, healthy.Addr)})
	cfg, err := config.Parse("t", []byte(fmt.Sprintf("nginx:\n  access_log: %s\n  log_format: '%s'\n  error_log: %s\n", ngx.AccessLog, testLogFormat, ngx.ErrorLog)), os.LookupEnv)
	if err != nil {
		t.Fatal(err)
	}
	eng, err := collector.New(cfg, collector.Options{Publish: 50 * time.Millisecond, NoHost: true, KeepLines: true})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	eng.Start(ctx)
	defer eng.Stop()
	const requests = 15
	for i := range requests {
		for _, p := range []string{"/bad/", "/ok/"} {
			if resp, err := http.Get(fmt.Sprintf("http://%s%sreq-%02d", ngx.Addr, p, i)); err == nil {
				resp.Body.Close()
			}
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		s := eng.Latest()
		if u, ok := s.Upstream("nginx", refused.Addr); ok && u.Requests == requests && u.TopCause() == model.CauseRefused &&
			eng.Lines(ctx, model.LinesQuery{Gateway: "nginx", Address: refused.Addr}).Known >= 2*requests {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the engine did not see the %d refused requests", requests)
		}
		time.Sleep(50 * time.Millisecond)
	}

	var m tea.Model = ui.New(eng, ui.Options{Theme: "dark", NoColor: true, Title: "nginx"})
	m, _ = m.Update(tea.WindowSizeMsg{Width: 160, Height: 50})
	m, _ = m.Update(ui.SnapshotMsg{Snapshot: eng.Latest()})
	m, _ = m.Update(tea.KeyPressMsg{Code: tea.KeyEnter}) // the worst upstream: the refused one
	m, cmd := m.Update(tea.KeyPressMsg{Code: 'l', Text: "l"})
	if cmd == nil {
		t.Fatal("l gave no command to read the lines")
	}
	m, _ = m.Update(cmd())
	screen := ansi.Strip(m.(ui.Model).View().Content)
	if !strings.Contains(screen, refused.Addr+" · every line · ") || !strings.Contains(screen, "newest first") {
		t.Fatalf("no drill-down heading for %s:\n%s", refused.Addr, screen)
	}
	// The lines: after the two heading lines, "15:04:05 A|E cause text".
	var rows []string
	for _, l := range strings.Split(screen, "\n") {
		if len(l) > 11 && l[2] == ':' && l[5] == ':' && (l[9] == 'A' || l[9] == 'E') && l[8] == ' ' {
			rows = append(rows, l)
		}
		if strings.Contains(l, "/ok/req-") {
			t.Fatalf("a healthy upstream's line in the refused one's drill-down: %s", l)
		}
	}
	if len(rows) <= 20 {
		t.Fatalf("%d lines of the refused upstream, want more than 20:\n%s", len(rows), screen)
	}
	// Newest first: the access lines' requests count down from the last.
	var access, errs int
	last := requests
	for _, r := range rows {
		switch {
		case strings.Contains(r, " E refused ") && strings.Contains(r, "Connection refused"):
			errs++
		case strings.Contains(r, " A ") && strings.Contains(r, "/bad/req-"):
			access++
			var n int
			fmt.Sscanf(r[strings.Index(r, "/bad/req-")+len("/bad/req-"):], "%02d", &n)
			if n >= last {
				t.Fatalf("req-%02d after req-%02d: not newest first:\n%s", n, last, strings.Join(rows, "\n"))
			}
			last = n
		default:
			t.Fatalf("a line that is neither the refused upstream's access line nor its error line: %s", r)
		}
	}
	// 15 access lines counting down strictly from below 15: req-14 … req-00.
	if access != requests || errs != requests {
		t.Fatalf("%d access and %d error lines, want %d each", access, errs, requests)
	}
}
