package main

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gwtop/gwtop/model"
)

// TestDeployStory is issue 13's whole story against a real nginx, as a
// deploy script lives it: a `gwtop snapshot --for` records, a `gwtop
// watch` gates, the script runs `gwtop mark "deploy v2.4"` and its deploy
// then stops api's process. The watch exits 1 naming api alone (refused);
// the marker reached both running gwtops, and the snapshot's compare for it
// says regressed for api and unchanged for web.
func TestDeployStory(t *testing.T) {
	rt := t.TempDir()
	t.Setenv("XDG_RUNTIME_DIR", rt)
	g := startWatchRig(t, "api=healthy", "web=healthy")
	cfg := g.config(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	wg := g.traffic(ctx, "api", "web")
	defer wg.Wait()
	defer cancel()

	// The compare needs two complete 10 s buckets (of Unix time) each
	// side of the marker's: the marker goes just after the first bucket
	// edge at least 21 s after the snapshot starts, the snapshot lasts
	// until 31 s after that edge.
	start := time.Now()
	edge := start.Add(21 * time.Second).Truncate(10 * time.Second)
	if edge.Before(start.Add(21 * time.Second)) {
		edge = edge.Add(10 * time.Second)
	}
	dur := edge.Sub(start) + 32*time.Second
	done := make(chan struct{})
	snap := make(chan watchRun, 1)
	go func() {
		defer close(done)
		var out, errb bytes.Buffer
		code := run(context.Background(), []string{"snapshot", "--json", "--config", cfg, "--for", dur.Round(time.Second).String()}, &out, &errb)
		snap <- watchRun{code, out.String(), errb.String()}
	}()
	waitSockets(t, filepath.Join(rt, "gwtop"), 1, done)
	time.Sleep(time.Until(edge.Add(-2 * time.Second)))
	watch := watchAsync("--config", cfg, "--for", "60s", "--fail-when", "rate_5xx > 2% or state == down")
	waitSockets(t, filepath.Join(rt, "gwtop"), 2, done)
	time.Sleep(time.Until(edge.Add(300 * time.Millisecond)))
	code, out, errs := runCmd("mark", "deploy v2.4")
	t.Logf("gwtop mark: exit %d\n%s%s", code, out, errs)
	if code != 0 || !strings.Contains(out, "2 ") {
		t.Errorf("gwtop mark should reach the snapshot and the watch: exit %d %s%s", code, out, errs)
	}
	time.Sleep(time.Second)
	g.ups["api"].Close() // the deploy breaks api
	w := <-watch
	t.Logf("gwtop watch: exit %d\nstdout:\n%sstderr:\n%s", w.code, w.stdout, w.stderr)
	api, web := g.ups["api"].Addr, g.ups["web"].Addr
	if w.code != 1 || !strings.Contains(w.stderr, "broken by 1 upstream:\n  api "+api+" (nginx) ") || !strings.Contains(w.stderr, "cause refused") ||
		strings.Contains(w.stderr, "web ") {
		t.Errorf("the watch should exit 1 naming api alone: exit %d\n%s", w.code, w.stderr)
	}
	if !strings.Contains(w.stdout, `marker "deploy v2.4" (gwtop mark)`) {
		t.Errorf("the watch did not print the marker:\n%s", w.stdout)
	}

	r := <-snap
	if r.code != 0 {
		t.Fatalf("snapshot: exit %d: %s", r.code, r.stderr)
	}
	var s model.Snapshot
	if err := json.Unmarshal([]byte(r.stdout), &s); err != nil {
		t.Fatal(err)
	}
	var mk *model.Event
	for i := range s.Events {
		if s.Events[i].Kind == model.EventMarker && s.Events[i].Text == "deploy v2.4" {
			mk = &s.Events[i]
		}
	}
	if mk == nil {
		t.Fatalf("no marker in the snapshot's events: %+v", s.Events)
	}
	block, _ := json.MarshalIndent(mk, "", "  ")
	t.Logf("the marker's event in the snapshot:\n%s", block)
	verdicts := map[string]string{}
	for _, c := range mk.Compare {
		verdicts[c.Address] = c.Verdict
		// web must be unchanged — or "regressed" by its p95 alone, the
		// loaded CI host's timing, never by its 5xx.
		if c.Address == web && c.Verdict == model.VerdictRegressed && strings.HasPrefix(c.Why, "p95 ") && c.After.Rate5xx == 0 {
			verdicts[web] = model.VerdictUnchanged
		}
	}
	if verdicts[api] != model.VerdictRegressed || verdicts[web] != model.VerdictUnchanged {
		t.Errorf("compare: api %q (want regressed), web %q (want unchanged)\n%s", verdicts[api], verdicts[web], block)
	}
	keepLogs(t, g.nginx.AccessLog, g.nginx.ErrorLog)
}
