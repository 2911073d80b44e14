package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gwtop/gwtop/internal/faults"
	"github.com/gwtop/gwtop/internal/nginxtest"
	"github.com/gwtop/gwtop/model"
)

// watchRig is a real nginx in front of named upstreams, one location each.
type watchRig struct {
	nginx *nginxtest.Nginx
	ups   map[string]*faults.Server
	order []string
}

func startWatchRig(t *testing.T, kinds ...string) *watchRig {
	t.Helper()
	g := &watchRig{ups: map[string]*faults.Server{}}
	var httpBlock, server strings.Builder
	for _, nk := range kinds {
		name, kind, _ := strings.Cut(nk, "=")
		s := faults.Start(t, faults.Kind(kind))
		g.ups[name], g.order = s, append(g.order, name)
		fmt.Fprintf(&httpBlock, "    upstream %s { server %s; }\n", name, s.Addr)
		fmt.Fprintf(&server, "        location /%s/ { proxy_pass http://%s; }\n", name, name)
	}
	g.nginx = nginxtest.Start(t, nginxtest.Config{LogFormat: testLogFormat, HTTP: httpBlock.String(), Server: server.String()})
	return g
}

// config is the YAML naming every upstream and nginx's logs.
func (g *watchRig) config(t *testing.T) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("upstreams:\n")
	for _, n := range g.order {
		fmt.Fprintf(&b, "  - name: %s\n    address: %q\n", n, g.ups[n].Addr)
	}
	fmt.Fprintf(&b, "nginx:\n  access_log: %s\n  log_format: '%s'\n  error_log: %s\n", g.nginx.AccessLog, testLogFormat, g.nginx.ErrorLog)
	return writeFile(t, "gwtop.yaml", b.String())
}

// traffic sends requests to the named locations until ctx ends.
func (g *watchRig) traffic(ctx context.Context, names ...string) *sync.WaitGroup {
	prefixes := map[string]int{}
	for _, n := range names {
		prefixes[fmt.Sprintf("http://%s/%s/item/", g.nginx.Addr, n)] = 2
	}
	return faults.Traffic(ctx, prefixes)
}

type watchRun struct {
	code           int
	stdout, stderr string
}

func watchAsync(args ...string) <-chan watchRun {
	ch := make(chan watchRun, 1)
	go func() {
		var out, errb bytes.Buffer
		code := run(context.Background(), append([]string{"watch", "--interval", "200ms"}, args...), &out, &errb)
		ch <- watchRun{code, out.String(), errb.String()}
	}()
	return ch
}

// TestWatchNginx: against a real nginx, gwtop watch holds on healthy
// upstreams under traffic (exit 0, one progress line per evaluation), and
// when a deploy stops one upstream's process it exits 1 well before --for
// ends, naming that upstream with its figure and cause (refused) and no
// other; a watch limited by --upstream to the healthy one still holds.
func TestWatchNginx(t *testing.T) {
	g := startWatchRig(t, "api=healthy", "web=healthy", "billing=error500")
	cfg := g.config(t)

	ctx, cancel := context.WithCancel(context.Background())
	wg := g.traffic(ctx, "api", "web")
	held := <-watchAsync("--config", cfg, "--for", "3s", "--fail-when", "rate_5xx > 2%")
	t.Logf("healthy watch: exit %d\n%s%s", held.code, held.stdout, held.stderr)
	if held.code != 0 {
		t.Errorf("healthy: exit %d, want 0: %s", held.code, held.stderr)
	}
	lines := strings.Split(strings.TrimSpace(held.stdout), "\n")
	// A header, ~15 evaluations at 200ms over 3s, the verdict.
	if len(lines) < 8 || !strings.HasPrefix(lines[0], "gwtop watch: nginx for 3s, every 200ms: fail when rate_5xx > 2%") ||
		!strings.HasPrefix(lines[len(lines)-1], "gwtop watch: held for 3s (") {
		t.Errorf("healthy watch output:\n%s", held.stdout)
	}
	for _, l := range lines[1 : len(lines)-1] {
		if !strings.HasSuffix(l, "  ok") || !strings.Contains(l, "3 upstreams") {
			t.Errorf("progress line %q: want 3 upstreams, ok", l)
		}
	}

	// The deploy: api's process stops one second into the watch, while
	// both keep receiving traffic.
	broken := watchAsync("--config", cfg, "--for", "20s", "--fail-when", "rate_5xx > 2% or state == down")
	onlyWeb := watchAsync("--config", cfg, "--for", "4s", "--fail-when", "rate_5xx > 2%", "--upstream", "w*")
	start := time.Now()
	time.Sleep(time.Second)
	g.ups["api"].Close()
	b := <-broken
	took := time.Since(start)
	w := <-onlyWeb
	cancel()
	wg.Wait()
	t.Logf("deploy watch: exit %d after %v\nstdout:\n%sstderr:\n%s", b.code, took.Round(100*time.Millisecond), b.stdout, b.stderr)
	if b.code != 1 {
		t.Errorf("broken: exit %d, want 1", b.code)
	}
	if took > 15*time.Second {
		t.Errorf("broken watch ran %v: it should end as soon as the rule held twice", took)
	}
	api := g.ups["api"].Addr
	if !strings.Contains(b.stderr, `gwtop: --fail-when "rate_5xx > 2% or state == down" broken by 1 upstream:`) ||
		!strings.Contains(b.stderr, "\n  api "+api+" (nginx) ") || !strings.Contains(b.stderr, "rate_5xx ") ||
		!strings.Contains(b.stderr, "; cause refused") || strings.Contains(b.stderr, "web ") || strings.Contains(b.stderr, "billing") {
		t.Errorf("broken watch's stderr does not name api (refused) alone:\n%s", b.stderr)
	}
	out := strings.Split(strings.TrimSpace(b.stdout), "\n")
	last := out[len(out)-1]
	if !strings.HasPrefix(last, "gwtop watch: BROKEN after ") || !strings.HasSuffix(last, "the rule held 2 evaluations in a row") {
		t.Errorf("broken watch's last line %q", last)
	}
	if prev := out[len(out)-2]; !strings.Contains(prev, "held 2/2: api "+api) || !strings.Contains(out[len(out)-3], "held 1/2: api "+api) {
		t.Errorf("the two evaluations before the verdict should name api:\n%s", strings.Join(out[len(out)-3:], "\n"))
	}
	t.Logf("--upstream w*: exit %d\n%s%s", w.code, w.stdout, w.stderr)
	if w.code != 0 || !strings.Contains(w.stdout, "  1 upstreams  ") {
		t.Errorf("--upstream w*: exit %d, want 0 on 1 upstream:\n%s%s", w.code, w.stdout, w.stderr)
	}
	keepLogs(t, g.nginx.AccessLog, g.nginx.ErrorLog)
}

// TestWatchJSONAndUpstream5xx: billing answers 500 itself; --json prints
// one object per evaluation and the last says broken, with billing's
// figure, cause upstream_5xx; gwtop snapshot --fail-when on the same
// gateway fails naming it, and passes with a rule that does not hold.
func TestWatchJSONAndUpstream5xx(t *testing.T) {
	g := startWatchRig(t, "api=healthy", "billing=error500")
	cfg := g.config(t)
	ctx, cancel := context.WithCancel(context.Background())
	wg := g.traffic(ctx, "api", "billing")
	defer func() { cancel(); wg.Wait() }()

	r := <-watchAsync("--config", cfg, "--for", "20s", "--fail-when", "rate_5xx > 50%", "--json")
	if r.code != 1 {
		t.Fatalf("exit %d, want 1:\n%s%s", r.code, r.stdout, r.stderr)
	}
	var lines []watchLine
	sc := bufio.NewScanner(strings.NewReader(r.stdout))
	for sc.Scan() {
		var l watchLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		lines = append(lines, l)
	}
	if len(lines) < 2 {
		t.Fatalf("JSON lines:\n%s", r.stdout)
	}
	last, prev := lines[len(lines)-1], lines[len(lines)-2]
	if last.Result != "broken" || last.Streak != 2 || prev.Streak != 1 || prev.Result != "" || last.Upstreams != 2 ||
		last.Errors5xx1m == 0 || last.Requests1m < 2*last.Errors5xx1m-2 {
		t.Errorf("last two lines %+v %+v", prev, last)
	}
	if len(last.Broken) != 1 {
		t.Fatalf("broken %+v", last.Broken)
	}
	bb := last.Broken[0]
	if bb.Name != "billing" || bb.Address != g.ups["billing"].Addr || bb.Gateway != "nginx" || bb.Cause != model.CauseUpstream5xx ||
		len(bb.Why) != 1 || bb.Why[0] != "rate_5xx 100.0% > 50%" {
		t.Errorf("breach %+v", bb)
	}
	if !strings.Contains(r.stderr, "billing "+g.ups["billing"].Addr+" (nginx)") {
		t.Errorf("stderr %s", r.stderr)
	}

	// The same rule on gwtop snapshot: exit 3, a broken rule, not a
	// failure to collect (1).
	code, stdout, stderr := runCmd("snapshot", "--config", cfg, "--for", "1500ms", "--fail-when", "rate_5xx > 50%")
	t.Logf("snapshot --fail-when: exit %d\n%s%s", code, stdout, stderr)
	if code != 3 || !strings.Contains(stdout, "STATE") ||
		!strings.Contains(stderr, `--fail-when "rate_5xx > 50%" broken by 1 upstream:`) || !strings.Contains(stderr, "  billing "+g.ups["billing"].Addr) {
		t.Errorf("snapshot --fail-when broken: exit %d, stderr %s", code, stderr)
	}
	if code, _, stderr := runCmd("snapshot", "--config", cfg, "--for", "1s", "--fail-when", "state == down and requests > 1000/s"); code != 0 {
		t.Errorf("snapshot --fail-when that does not hold: exit %d: %s", code, stderr)
	}
}

// TestWatchUsage: a bad rule, a missing rule, a bad glob and a bad --for
// exit 2 before anything is collected, naming what is wrong.
func TestWatchUsage(t *testing.T) {
	cfg := writeFile(t, "gwtop.yaml", "upstreams:\n  - name: api\n    address: 127.0.0.1:9\n    probe: tcp://127.0.0.1:9\n")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"watch", "--config", cfg, "--for", "3s", "--fail-when", "p96 > 800ms"},
			`--fail-when "p96 > 800ms": unknown column "p96" at 1: want rate_5xx, p50, p95, p99, requests, state`},
		{[]string{"watch", "--config", cfg, "--fail-when", "rate_5xx > 2"}, `rate_5xx: bad value "2" at 12: want a percentage such as 2%`},
		{[]string{"watch", "--config", cfg}, "--fail-when RULE is required"},
		{[]string{"watch", "--config", cfg, "--fail-when", "state == down", "--upstream", "api["}, `--upstream: bad pattern "api["`},
		{[]string{"watch", "--config", cfg, "--fail-when", "state == down", "--for", "0s"}, "--for 0s: want a positive duration"},
		{[]string{"snapshot", "--config", cfg, "--fail-when", "p95 >> 1s"}, `--fail-when "p95 >> 1s": p95: bad value ">" at 6`},
	} {
		code, stdout, stderr := runCmd(tc.args...)
		if code != 2 || !strings.Contains(stderr, tc.want) || stdout != "" {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want 2 and %q", tc.args, code, stdout, stderr, tc.want)
		}
	}
}

// TestWatchInterrupted: cancelling the context (SIGINT in main) ends the
// watch at once, exit 1 (the gate was not passed), with the engine
// stopped (the package's goleak check).
func TestWatchInterrupted(t *testing.T) {
	api := faults.Start(t, faults.Healthy)
	cfg := writeFile(t, "gwtop.yaml", "upstreams:\n  - name: api\n    address: "+api.Addr+"\n    probe: http://"+api.Addr+"/\n")
	ctx, cancel := context.WithCancel(context.Background())
	var out, errb bytes.Buffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"watch", "--config", cfg, "--interval", "100ms", "--for", "1h", "--fail-when", "state == down"}, &out, &errb)
	}()
	time.Sleep(500 * time.Millisecond)
	cancel()
	select {
	case code := <-done:
		if code != 1 || !strings.Contains(errb.String(), "watch interrupted after ") || !strings.Contains(out.String(), "gwtop watch: interrupted after ") {
			t.Errorf("exit %d\n%s%s", code, out.String(), errb.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("watch did not end on cancel")
	}
}

// TestWatchReceivesMark: gwtop mark from a second invocation reaches a
// running gwtop watch, which prints the marker among its progress lines.
func TestWatchReceivesMark(t *testing.T) {
	rt := t.TempDir()
	t.Setenv("XDG_RUNTIME_DIR", rt)
	api := faults.Start(t, faults.Healthy)
	cfg := writeFile(t, "gwtop.yaml", "upstreams:\n  - name: api\n    address: "+api.Addr+"\n    probe: http://"+api.Addr+"/\n")
	done := make(chan struct{})
	ch := make(chan watchRun, 1)
	go func() {
		defer close(done)
		var out, errb bytes.Buffer
		code := run(context.Background(), []string{"watch", "--config", cfg, "--interval", "100ms", "--for", "2s", "--fail-when", "state == down"}, &out, &errb)
		ch <- watchRun{code, out.String(), errb.String()}
	}()
	waitSockets(t, filepath.Join(rt, "gwtop"), 1, done)
	if code, out, errs := runCmd("mark", "deploy v2.3 canary"); code != 0 {
		t.Errorf("gwtop mark: exit %d %s%s", code, out, errs)
	}
	r := <-ch
	if r.code != 0 || !regexp.MustCompile(`(?m)^ +[0-9.]+m?s  marker "deploy v2\.3 canary" \(gwtop mark\)$`).MatchString(r.stdout) {
		t.Errorf("watch: exit %d, no marker line:\n%s%s", r.code, r.stdout, r.stderr)
	}
}
