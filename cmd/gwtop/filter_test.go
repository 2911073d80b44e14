package main

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gwtop/gwtop/internal/faults"
	"github.com/gwtop/gwtop/internal/nginxtest"
)

// TestSnapshotFilter: a real nginx in front of a refused and a healthy
// upstream; gwtop snapshot --filter over its logs prints only the
// upstreams the expression matches, in JSON and in the table, and a bad
// expression exits 2 naming the term and its position.
func TestSnapshotFilter(t *testing.T) {
	refused := faults.Start(t, faults.Refused)
	healthy := faults.Start(t, faults.Healthy)
	ngx := nginxtest.Start(t, nginxtest.Config{LogFormat: testLogFormat,
		Server: fmt.Sprintf("        location /refused/ { proxy_pass http://%s; }\n        location /ok/ { proxy_pass http://%s; }\n", refused.Addr, healthy.Addr)})
	for range 10 {
		for _, p := range []string{"/refused/x", "/ok/x"} {
			if resp, err := http.Get("http://" + ngx.Addr + p); err == nil {
				resp.Body.Close()
			}
		}
	}
	time.Sleep(300 * time.Millisecond) // nginx writes its logs after the answer
	logs := []string{"--from-start", "--access-log", ngx.AccessLog, "--log-format", testLogFormat, "--error-log", ngx.ErrorLog}

	all := snapshotJSON(t, logs...)
	if len(all.Upstreams) != 2 {
		t.Fatalf("without --filter: %d upstreams, want 2", len(all.Upstreams))
	}
	for expr, want := range map[string]string{
		"cause:refused":             refused.Addr,
		"!cause:refused":            healthy.Addr,
		"5xx>50%":                   refused.Addr,
		"5xx=0% req>=10":            healthy.Addr,
		"state:up":                  healthy.Addr,
		"state:down | 5xx>50%":      refused.Addr,
		"cause:refused | state:up":  refused.Addr + "," + healthy.Addr,
		"/" + healthy.Addr + "$/":   healthy.Addr,
		"p95>1h":                    "",
		"gateway:nginx rps>=0 !foo": refused.Addr + "," + healthy.Addr,
	} {
		s := snapshotJSON(t, append(logs, "--filter", expr)...)
		var got []string
		for _, u := range s.Upstreams {
			got = append(got, u.Address)
		}
		if g := strings.Join(got, ","); g != want {
			// The order is the snapshot's; compare as sets of two.
			if len(got) != 2 || !strings.Contains(want, got[0]) || !strings.Contains(want, got[1]) {
				t.Errorf("--filter %q: upstreams %s, want %s", expr, g, want)
			}
		}
		// The gateway's own rows and figures are the whole gateway's.
		if len(s.Gateways) != len(all.Gateways) || s.ReqPerSec != all.ReqPerSec {
			t.Errorf("--filter %q changed the gateway rows or figures", expr)
		}
	}

	code, out, stderr := runCmd(append([]string{"snapshot", "--filter", "cause:refused"}, logs...)...)
	if code != 0 || !strings.Contains(out, refused.Addr) || strings.Contains(out, healthy.Addr) {
		t.Errorf("table with --filter cause:refused: exit %d\n%s%s", code, out, stderr)
	}

	// --fail-when judges only the filtered upstreams.
	if code, _, stderr := runCmd(append([]string{"snapshot", "--filter", "state:up", "--fail-when", "rate_5xx > 50%"}, logs...)...); code != 0 {
		t.Errorf("--fail-when on the healthy upstream alone: exit %d: %s", code, stderr)
	}
	if code, _, stderr := runCmd(append([]string{"snapshot", "--filter", "!state:up", "--fail-when", "rate_5xx > 50%"}, logs...)...); code != 3 || !strings.Contains(stderr, refused.Addr) {
		t.Errorf("--fail-when on the refused upstream: exit %d: %s", code, stderr)
	}

	for expr, want := range map[string]string{
		"p95>abc":           `gwtop: --filter "p95>abc": p95>abc at 1: not a duration (want 500ms, 1.5s)`,
		"state:down cause:": `gwtop: --filter "state:down cause:": cause: at 12: empty value after cause:`,
		"api |":             `gwtop: --filter "api |": | at 5: nothing after |`,
	} {
		code, out, stderr := runCmd(append([]string{"snapshot", "--filter", expr}, logs...)...)
		if code != 2 || out != "" || !strings.Contains(stderr, want) {
			t.Errorf("--filter %q: exit %d, stdout %q, stderr %q; want 2 and %s", expr, code, out, stderr, want)
		}
	}
}
