package main

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gwtop/gwtop/internal/faults"
	"github.com/gwtop/gwtop/internal/nginxtest"
	"github.com/gwtop/gwtop/model"
)

// combinedFormat is nginx's built-in combined format, written out: it
// names no upstream.
const combinedFormat = `$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent"`

// TestRoutesCombinedNginx: a real nginx logging in the combined format
// (no $upstream_addr) proxies /api/ to a healthy upstream and /pay/ to one
// that answers 500. Discovery from its configuration writes the locations
// as routes; gwtop attributes each request by the location its path
// matched, says so on the log's row, and breaks each upstream down by
// route: pay's /pay/charge/:id is all 5xx, api's routes are clean.
func TestRoutesCombinedNginx(t *testing.T) {
	api, pay := faults.Start(t, faults.Healthy), faults.Start(t, faults.Error500)
	n := nginxtest.Start(t, nginxtest.Config{LogFormat: combinedFormat, Server: fmt.Sprintf(
		"location /api/ { proxy_pass http://%s; }\nlocation /pay/ { proxy_pass http://%s; }", api.Addr, pay.Addr)})
	conf := filepath.Join(n.Dir, "nginx.conf")
	yml, errOut, code := gwtopRun(t, "discover", "--no-exec", "--nginx-conf", conf)
	if code != 0 || !strings.Contains(yml, "- location: /api/\n      upstream: "+api.Addr) || !strings.Contains(yml, "- location: /pay/\n      upstream: "+pay.Addr) {
		t.Fatalf("discover: exit %d, no routes for both locations:\n%s%s", code, yml, errOut)
	}
	ctx, cancel := context.WithCancel(context.Background())
	wg := faults.Traffic(ctx, map[string]int{
		"http://" + n.Addr + "/api/users/": 2, "http://" + n.Addr + "/pay/charge/": 1,
	})
	s := snapshotJSON(t, "--nginx-conf", conf, "--for", "4s")
	cancel()
	wg.Wait()
	up := func(addr string) model.Upstream {
		u, ok := s.Upstream("nginx", addr)
		if !ok {
			for _, x := range s.Upstreams {
				if x.Address == addr {
					return x
				}
			}
			t.Fatalf("no upstream %s in %+v", addr, s.Upstreams)
		}
		return u
	}
	p, a := up(pay.Addr), up(api.Addr)
	if p.Total.Requests == 0 || p.Total.Errors5xx != p.Total.Requests || p.TopCause() != model.CauseUpstream5xx {
		t.Errorf("pay: %d requests, %d 5xx, causes %+v", p.Total.Requests, p.Total.Errors5xx, p.Causes)
	}
	if a.Total.Requests == 0 || a.Total.Errors5xx != 0 {
		t.Errorf("api: %d requests, %d 5xx", a.Total.Requests, a.Total.Errors5xx)
	}
	if len(p.Routes) != 1 || p.Routes[0].Route != "/pay/charge/:id" || p.Routes[0].Rate5xx != 1 || p.Routes[0].Requests != p.Total.Requests {
		t.Errorf("pay's routes %+v", p.Routes)
	}
	if len(a.Routes) == 0 || a.Routes[0].Route != "/api/users/:id" || a.Routes[0].Errors5xx != 0 {
		t.Errorf("api's routes %+v", a.Routes)
	}
	if note := sourceRow(s, "access_log").Note; !strings.Contains(note, "this log_format names no upstream: requests attributed by the location their path matches, to its proxy_pass (2 routes") {
		t.Errorf("access log row note %q", note)
	}
	t.Logf("pay %s: %+v", pay.Addr, p.Routes)
}
