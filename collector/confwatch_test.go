package collector

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gwtop/gwtop/internal/nginxtest"
	"github.com/gwtop/gwtop/model"
)

// TestConfigFileEvents: a real nginx includes conf.d/api.conf; the facts
// loop follows that file (found from the nginx process and its settings,
// with nothing configured) and puts one config event on the timeline per
// change of its content — which lines and the directive, never the text (a
// header's credentials stay out) — none for a touch, one when it is removed
// and one when it comes back.
func TestConfigFileEvents(t *testing.T) {
	dir := t.TempDir()
	api := filepath.Join(dir, "api.conf")
	const secret = "c2VjcmV0cGFzc3dvcmQ="
	v1 := "location /api/ {\n    proxy_read_timeout 5s;\n    proxy_pass http://127.0.0.1:9;\n}\n"
	if err := os.WriteFile(api, []byte(v1), 0o644); err != nil {
		t.Fatal(err)
	}
	n := nginxtest.Start(t, nginxtest.Config{LogFormat: testFormat, Server: "include " + api + ";"})
	yaml := fmt.Sprintf("interval: 500ms\nnginx:\n  access_log: %s\n  log_format: '%s'\n", n.AccessLog, testFormat)
	eng := startEngine(t, yaml, Options{Publish: 50 * time.Millisecond})
	waitUntil(t, "api.conf followed", func() bool {
		eng.facts.mu.Lock()
		defer eng.facts.mu.Unlock()
		f, main := eng.facts.conf.files[api], eng.facts.conf.files[filepath.Join(n.Dir, "nginx.conf")]
		return f != nil && f.kind == "nginx" && !f.gone && main != nil
	})
	configEvents := func() []string {
		var out []string
		for _, e := range eng.Latest().Events {
			if e.Kind == model.EventConfig && strings.Contains(e.Text, api) {
				if e.Gateway != "nginx" || e.Source != "config files" || e.Time.IsZero() || e.Compare != nil {
					t.Errorf("event %+v", e)
				}
				out = append(out, strings.TrimPrefix(e.Text, "nginx configuration "+api+" "))
			}
		}
		return out
	}
	wantEvents := func(what string, want ...string) {
		t.Helper()
		waitUntil(t, what, func() bool { return len(configEvents()) >= len(want) })
		time.Sleep(factsEvery + 500*time.Millisecond) // another round adds nothing
		if got := configEvents(); strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Fatalf("%s: config events\n%s\nwant\n%s", what, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	}

	// The port moves: line 3.
	v2 := strings.Replace(v1, ":9;", ":10;", 1)
	if err := os.WriteFile(api, []byte(v2), 0o644); err != nil {
		t.Fatal(err)
	}
	e1 := fmt.Sprintf("modified: line 3 (proxy_pass) (%d → %d bytes)", len(v1), len(v2))
	wantEvents("the first change", e1)

	// A touch is no change.
	later := time.Now().Add(time.Minute)
	if err := os.Chtimes(api, later, later); err != nil {
		t.Fatal(err)
	}
	time.Sleep(factsEvery)
	wantEvents("a touch", e1)

	// Two lines added, one with credentials: named by its directive only.
	v3 := strings.Replace(v2, "    proxy_pass", "    proxy_set_header Authorization \"Basic "+secret+"\";\n    proxy_set_header Host api;\n    proxy_pass", 1)
	if err := os.WriteFile(api, []byte(v3), 0o644); err != nil {
		t.Fatal(err)
	}
	e2 := fmt.Sprintf("modified: lines 3–4 (proxy_set_header) (%d → %d bytes)", len(v2), len(v3))
	wantEvents("added lines", e1, e2)

	if err := os.Remove(api); err != nil {
		t.Fatal(err)
	}
	wantEvents("removed", e1, e2, "removed")
	if err := os.WriteFile(api, []byte(v1), 0o644); err != nil {
		t.Fatal(err)
	}
	wantEvents("created again", e1, e2, "removed", "created")
	for _, e := range eng.Latest().Events {
		if strings.Contains(e.Text, secret) || strings.Contains(e.Name, secret) {
			t.Errorf("an event quotes the configuration's credentials: %+v", e)
		}
	}
}

// TestChanged: which lines a change names, for edits at the start, the
// end, the middle, pure removals and files too large to keep.
func TestChanged(t *testing.T) {
	f := func(s string) confFile { return confFile{size: int64(len(s)), lines: strings.Split(s, "\n")} }
	for _, c := range []struct{ a, b, want string }{
		{"a 1;\nb 2;\nc 3;\n", "a 1;\nb 3;\nc 3;\n", ": line 2 (b) (15 → 15 bytes)"},
		{"a 1;\nb 2;\n", "x 0;\na 1;\nb 2;\n", ": line 1 (x) (10 → 15 bytes)"},
		{"a 1;\nb 2;\n", "a 1;\nb 2;\nserver {\n  listen 80;\n}\n", ": lines 3–5 (server) (10 → 34 bytes)"},
		{"a 1;\nb 2;\nc 3;\n", "a 1;\nc 3;\n", ": 1 lines removed after line 1 (15 → 10 bytes)"},
		{"a 1;\n", "\"pass\": \"x\"\n", ": line 1 (5 → 12 bytes)"},
	} {
		if got := changed(f(c.a), f(c.b)); got != c.want {
			t.Errorf("changed(%q, %q) = %q, want %q", c.a, c.b, got, c.want)
		}
	}
	if got := changed(confFile{size: 5 << 20}, confFile{size: 6 << 20}); got != " (5242880 → 6291456 bytes)" {
		t.Errorf("large files: %q", got)
	}
}

// TestConfWatchFIFO: a named pipe where a configuration file was is never
// opened for a blocking read: the watch goes on, saying nothing of it.
func TestConfWatchFIFO(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "api.conf")
	if err := os.WriteFile(p, []byte("a 1;\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var w confWatch
	w.track(map[string]string{p: "nginx"})
	if err := os.Remove(p); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(p, 0o644); err != nil {
		t.Fatal(err)
	}
	done := make(chan []model.Event, 1)
	go func() { done <- w.check(time.Now()) }()
	select {
	case ev := <-done:
		if len(ev) != 0 {
			t.Errorf("events for a FIFO: %+v", ev)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the watch blocked on a FIFO")
	}
	w.track(map[string]string{p: "nginx", filepath.Join(dir, "other.conf"): "nginx"}) // a new FIFO-free set: no block either
}
