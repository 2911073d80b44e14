package apache_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gwtop/gwtop/collector"
	"github.com/gwtop/gwtop/config/discover"
	"github.com/gwtop/gwtop/gateway/apache/apachetest"
	"github.com/gwtop/gwtop/internal/apptest"
	"github.com/gwtop/gwtop/internal/proctest"
	"github.com/gwtop/gwtop/model"
)

// TestRootsBehindApache: the roots of issue 10 where Apache is the
// gateway. A real apache2 (mod_proxy) before Debian's gunicorn/Flask: a
// route slower than its ProxyTimeout names the ProxyTimeout and its
// file:line, a service never started is not_running, an exception in the
// app is named from gunicorn's log; the healthy route has no root.
func TestRootsBehindApache(t *testing.T) {
	slowApp := apptest.Flask + "\n@app.route('/slow')\ndef slow():\n    time.sleep(3)\n    return 'late\\n'\n"
	boomApp := apptest.Flask + "\n@app.route('/boom')\ndef boom():\n    return {}['user']\n"
	at := func() string { return fmt.Sprintf("127.0.0.1:%d", proctest.FreePort(t)) }
	healthy := apptest.StartGunicorn(t, apptest.GunicornConfig{App: apptest.Flask, Bind: at()})
	slow := apptest.StartGunicorn(t, apptest.GunicornConfig{App: slowApp, Bind: at()})
	boom := apptest.StartGunicorn(t, apptest.GunicornConfig{App: boomApp, Bind: at()})
	never := at()
	dirs := fmt.Sprintf("ProxyPass /server-status !\nProxyTimeout 1\n"+
		"ProxyPass /healthy/ http://%s/\nProxyPass /slow/ http://%s/slow\nProxyPass /boom/ http://%s/boom\nProxyPass /never/ http://%s/\n",
		healthy.Bind, slow.Bind, boom.Bind, never)
	a := apachetest.Start(t, apachetest.Config{Directives: dirs})

	res, err := discover.Discover(context.Background(), discover.Options{NoStandard: true, Processes: func(ctx context.Context) ([]discover.Proc, error) {
		all, err := discover.SystemProcesses(ctx)
		var out []discover.Proc
		for _, p := range all {
			if int(p.PID) == a.Pid() {
				out = append(out, p)
			}
		}
		return out, err
	}})
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := res.Load(nil)
	if err != nil {
		t.Fatal(err)
	}
	eng, err := collector.New(cfg, collector.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	eng.Start(ctx)
	client := &http.Client{Timeout: 10 * time.Second}
	var wg sync.WaitGroup
	for _, path := range []string{"/healthy/", "/slow/", "/boom/", "/never/"} {
		wg.Go(func() {
			for end := time.Now().Add(8 * time.Second); time.Now().Before(end); time.Sleep(300 * time.Millisecond) {
				if resp, err := client.Get(a.URL + path); err == nil {
					resp.Body.Close()
				}
			}
		})
	}
	wg.Wait()
	time.Sleep(2500 * time.Millisecond) // one more facts sample and publish
	s := eng.Stop()

	for addr, w := range map[string]struct {
		cause model.Cause
		root  model.RootCode
		names []string
	}{
		slow.Bind: {model.CauseReadTimeout, model.RootExceedsTimeout, []string{"ProxyTimeout 1", a.Conf + ":"}},
		never:     {model.CauseRefused, model.RootNotRunning, []string{never}},
		boom.Bind: {model.CauseUpstream5xx, model.RootAppException, []string{"KeyError: 'user'", "/boom"}},
	} {
		u, ok := s.Upstream("apache", addr)
		if !ok {
			t.Errorf("%s: no row", addr)
			continue
		}
		var found bool
		for _, c := range u.Causes {
			for _, r := range c.Roots {
				if c.Code == w.cause && r.Code == w.root {
					found = true
					t.Logf("%s: %s → %s → %s", addr, c.Code, r.Code, r.Summary)
					for _, n := range w.names {
						if !strings.Contains(r.Summary, n) {
							t.Errorf("%s: %s summary %q does not name %q", addr, r.Code, r.Summary, n)
						}
					}
				}
			}
		}
		if !found {
			var got []string
			for _, c := range u.Causes {
				got = append(got, fmt.Sprintf("%s%v", c.Code, c.Roots))
			}
			t.Errorf("%s: no %s → %s; causes %s", addr, w.cause, w.root, strings.Join(got, " "))
		}
	}
	if u, ok := s.Upstream("apache", healthy.Bind); !ok || len(u.Causes) != 0 {
		t.Errorf("healthy: %v %+v", ok, u.Causes)
	}
}
