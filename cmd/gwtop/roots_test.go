package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gwtop/gwtop/internal/apptest"
	"github.com/gwtop/gwtop/internal/nginxtest"
	"github.com/gwtop/gwtop/model"
)

// The Flask apps of the roots test, each failing on purpose in its own way.
const (
	boomApp  = apptest.Flask + "\n@app.route('/boom')\ndef boom():\n    return str(1 / 0)\n"
	crashApp = apptest.Flask + "\n@app.route('/crash')\ndef crash():\n    os._exit(1)\n"
	slowApp  = apptest.Flask + "\n@app.route('/slow')\ndef slow():\n    time.sleep(3)\n    return 'late\\n'\n"
	stuckApp = apptest.Flask + "\n@app.route('/stuck')\ndef stuck():\n    time.sleep(8)\n    return 'never\\n'\n"
)

// freePortPair finds a free port p whose neighbour p+1 is free too.
func freePortPair(t *testing.T) int {
	t.Helper()
	for range 50 {
		p := nginxtest.FreePort(t)
		l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", p+1))
		if err == nil {
			l.Close()
			return p
		}
	}
	t.Fatal("no free pair of ports")
	return 0
}

// TestRootsNginxGunicorn is issue 10's end-to-end check: a real nginx in
// front of real gunicorn/Flask apps from Debian, each failing on purpose,
// and `gwtop snapshot` with no configuration at all. gwtop must discover
// nginx, find the gunicorn processes behind its routes and their logs by
// itself, and name the root under every cause: the service never started,
// the one that exited, the port one off, the address bound elsewhere, the
// exception, the worker that died, the worker gunicorn killed, the route
// slower than its proxy_read_timeout. The healthy app gets no root.
func TestRootsNginxGunicorn(t *testing.T) {
	port := func() int { return nginxtest.FreePort(t) }
	at := func(p int) string { return fmt.Sprintf("127.0.0.1:%d", p) }
	healthy := apptest.StartGunicorn(t, apptest.GunicornConfig{App: apptest.Flask, Bind: at(port())})
	boom := apptest.StartGunicorn(t, apptest.GunicornConfig{App: boomApp, Bind: at(port())})
	crash := apptest.StartGunicorn(t, apptest.GunicornConfig{App: crashApp, Bind: at(port())})
	killer := apptest.StartGunicorn(t, apptest.GunicornConfig{App: stuckApp, Bind: at(port()), Timeout: 1})
	slow := apptest.StartGunicorn(t, apptest.GunicornConfig{App: slowApp, Bind: at(port())})
	exits := apptest.StartGunicorn(t, apptest.GunicornConfig{App: apptest.Flask, Bind: at(port())})
	wrong := freePortPair(t) // nginx points at it; gunicorn listens one above
	apptest.StartGunicorn(t, apptest.GunicornConfig{App: apptest.Flask, Bind: at(wrong + 1)})
	v6 := port() // gunicorn on [::1], nginx points at 127.0.0.1
	apptest.StartGunicorn(t, apptest.GunicornConfig{App: apptest.Flask, Bind: fmt.Sprintf("[::1]:%d", v6)})
	never := at(port())

	routes := []struct{ loc, addr, path, extra string }{
		{"/healthy/", healthy.Bind, "/", ""},
		{"/boom/", boom.Bind, "/boom", ""},
		{"/crash/", crash.Bind, "/crash", ""},
		{"/stuck/", killer.Bind, "/stuck", "proxy_read_timeout 10s; "},
		{"/slow/", slow.Bind, "/slow", "proxy_read_timeout 1s; "},
		{"/exits/", exits.Bind, "/", ""},
		{"/wrong/", at(wrong), "/", ""},
		{"/v6/", at(v6), "/", ""},
		{"/never/", never, "/", ""},
	}
	var server strings.Builder
	for _, r := range routes {
		// One location per line, so the test knows each one's line.
		// location /boom/ with proxy_pass http://ADDR/boom: /boom/ → /boom.
		fmt.Fprintf(&server, "        location %s { %sproxy_pass http://%s%s; }\n", r.loc, r.extra, r.addr, r.path)
	}
	ngx := nginxtest.Start(t, nginxtest.Config{LogFormat: testLogFormat, Server: server.String()})
	onlyPID(t, ngx.Pid())

	// gwtop discover says which app servers it found behind the routes
	// and which of their logs it reads.
	yml, errOut, code := gwtopRun(t, "discover")
	if code != 0 {
		t.Fatalf("gwtop discover: exit %d: %s", code, errOut)
	}
	for _, want := range []string{fmt.Sprintf("#   %s: gunicorn pid %d listening on %s", boom.Bind, boom.Pid(), boom.Bind),
		"#     log " + boom.ErrorLog + " (--error-logfile on the command line; timeout 30 from --timeout on the command line)"} {
		if !strings.Contains(yml, want) {
			t.Errorf("gwtop discover lacks %q:\n%s", want, yml)
		}
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	type result struct {
		out, errOut string
		code        int
	}
	done := make(chan result, 1)
	go func() {
		out, errOut, code := gwtopRun(t, "snapshot", "--json", "--for", "18s")
		done <- result{out, errOut, code}
	}()
	// gwtop sees every listener first; then one service goes away.
	time.Sleep(4 * time.Second)
	exitsPid := exits.Pid()
	exits.Kill()

	client := &http.Client{Timeout: 15 * time.Second}
	var wg sync.WaitGroup
	for _, r := range routes {
		wg.Go(func() {
			for end := time.Now().Add(9 * time.Second); time.Now().Before(end) && ctx.Err() == nil; {
				req, _ := http.NewRequestWithContext(ctx, "GET", "http://"+ngx.Addr+r.loc, nil)
				if resp, err := client.Do(req); err == nil {
					resp.Body.Close()
				}
				time.Sleep(400 * time.Millisecond)
			}
		})
	}
	wg.Wait()
	res := <-done
	if res.code != 0 {
		t.Fatalf("gwtop snapshot: exit %d\n%s", res.code, res.errOut)
	}
	var snap model.Snapshot
	if err := json.Unmarshal([]byte(res.out), &snap); err != nil {
		t.Fatalf("snapshot JSON: %v\n%s", err, res.out)
	}
	checkSchema(t, []byte(res.out))
	// The same snapshot as `gwtop snapshot` prints it without --json: the
	// top cause's root replaces its generic hint.
	var table strings.Builder
	printTable(&table, &snap)
	t.Logf("gwtop snapshot:\n%s", table.String())
	if !strings.Contains(table.String(), "refused ×") || !strings.Contains(table.String(), "→ not_running: no process listens on "+never) {
		t.Errorf("the table does not show the roots:\n%s", table.String())
	}

	type want struct {
		cause model.Cause
		root  model.RootCode
		names []string // facts the root's summary must name
	}
	conf := ngx.Dir + "/nginx.conf"
	wants := map[string]want{
		never:       {model.CauseRefused, model.RootNotRunning, []string{never}},
		exits.Bind:  {model.CauseRefused, model.RootExited, []string{fmt.Sprintf("gunicorn (pid %d", exitsPid), "exited at", exits.Bind}},
		at(wrong):   {model.CauseRefused, model.RootWrongPort, []string{fmt.Sprintf("listens on 127.0.0.1:%d", wrong+1), fmt.Sprintf("nginx points at :%d", wrong)}},
		at(v6):      {model.CauseRefused, model.RootBoundElsewhere, []string{fmt.Sprintf("[::1]:%d", v6), "not " + at(v6)}},
		boom.Bind:   {model.CauseUpstream5xx, model.RootAppException, []string{"ZeroDivisionError: division by zero", "/boom"}},
		crash.Bind:  {model.CausePrematureClose, model.RootWorkerCrash, []string{"gunicorn"}},
		killer.Bind: {model.CausePrematureClose, model.RootWorkerTimeout, []string{"gunicorn killed its worker", "1s", "proxy_read_timeout is 10s"}},
		slow.Bind:   {model.CauseReadTimeout, model.RootExceedsTimeout, []string{"proxy_read_timeout 1s", conf + ":"}},
	}
	for addr, w := range wants {
		u, ok := snap.Upstream("nginx", addr)
		if !ok {
			t.Errorf("%s: no upstream row", addr)
			continue
		}
		var cause *model.CauseRank
		for i := range u.Causes {
			if u.Causes[i].Code == w.cause {
				cause = &u.Causes[i]
			}
		}
		if cause == nil {
			t.Errorf("%s: no %s among %s", addr, w.cause, causeList(u))
			continue
		}
		var root *model.Root
		for i := range cause.Roots {
			if cause.Roots[i].Code == w.root {
				root = &cause.Roots[i]
			}
		}
		if root == nil {
			t.Errorf("%s: %s has no root %s: %+v", addr, w.cause, w.root, cause.Roots)
			continue
		}
		t.Logf("%s: %s → %s → %s", addr, w.cause, root.Code, root.Summary)
		for _, n := range w.names {
			if !strings.Contains(root.Summary, n) {
				t.Errorf("%s: %s summary %q does not name %q", addr, root.Code, root.Summary, n)
			}
		}
		if root.Evidence == "" || root.Count < 1 {
			t.Errorf("%s: %s without evidence: %+v", addr, root.Code, root)
		}
	}
	if u, ok := snap.Upstream("nginx", healthy.Bind); !ok || len(u.Causes) != 0 || u.State != model.StateUp {
		t.Errorf("healthy app: %v state %s causes %s", ok, u.State, causeList(u))
	}
	if t.Failed() {
		t.Logf("gunicorn logs:\nboom:\n%s\ncrash:\n%s\nkiller:\n%s", boom.Log(), crash.Log(), killer.Log())
	}
}
