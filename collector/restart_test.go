package collector

import (
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/gwtop/gwtop/internal/apptest"
	"github.com/gwtop/gwtop/internal/nginxtest"
	"github.com/gwtop/gwtop/model"
)

// TestRestartEvent: a real gunicorn behind a real nginx is stopped and
// started again on its port; the facts loop sees its listener's owner
// change and puts one restart event on the timeline, naming both pids.
func TestRestartEvent(t *testing.T) {
	bind := fmt.Sprintf("127.0.0.1:%d", nginxtest.FreePort(t))
	g1 := apptest.StartGunicorn(t, apptest.GunicornConfig{App: apptest.Flask, Bind: bind})
	n := nginxtest.Start(t, nginxtest.Config{LogFormat: testFormat, Server: "location / { proxy_pass http://" + bind + "; }"})
	yaml := fmt.Sprintf("interval: 500ms\nnginx:\n  access_log: %s\n  log_format: '%s'\n  error_log: %s\nupstreams:\n  - name: app\n    address: %q\n    probe: http://%s/\n",
		n.AccessLog, testFormat, n.ErrorLog, bind, n.Addr)
	eng := startEngine(t, yaml, Options{Publish: 50 * time.Millisecond})
	// The facts loop knows gunicorn as the owner of the upstream's listener.
	waitUntil(t, "the listener's owner", func() bool {
		eng.facts.mu.Lock()
		defer eng.facts.mu.Unlock()
		return eng.facts.owners[bind].PID == g1.Pid()
	})
	restarts := func() []model.Event {
		var out []model.Event
		for _, e := range eng.Latest().Events {
			if e.Kind == model.EventRestart {
				out = append(out, e)
			}
		}
		return out
	}
	if r := restarts(); len(r) != 0 {
		t.Fatalf("restart events before any restart: %+v", r)
	}
	old := g1.Pid()
	g1.Stop()
	g2 := apptest.StartGunicorn(t, apptest.GunicornConfig{App: apptest.Flask, Bind: bind})
	waitUntil(t, "a restart event", func() bool { return len(restarts()) > 0 })
	// Two more rounds of the facts loop: still one event.
	time.Sleep(2*factsEvery + 500*time.Millisecond)
	r := restarts()
	want := "gunicorn (pid " + strconv.Itoa(old) + " → " + strconv.Itoa(g2.Pid()) + ") restarted"
	if len(r) != 1 || r[0].Text != want || r[0].Upstream != "app" || r[0].Address != bind || r[0].Source != "listeners" || r[0].Time.IsZero() {
		t.Errorf("restart events %+v, want one %q for app %s", r, want, bind)
	}
}
