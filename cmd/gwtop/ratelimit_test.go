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

// TestRateLimitedIsTheGateways: nginx's limit_req rejections are the
// gateway refusing on purpose — counted per zone on the error log's row,
// never an upstream row (before, one named after the Host header).
func TestRateLimitedIsTheGateways(t *testing.T) {
	up := faults.Start(t, faults.Healthy)
	ngx := nginxtest.Start(t, nginxtest.Config{LogFormat: testLogFormat,
		HTTP:   "    limit_req_zone $binary_remote_addr zone=api:1m rate=1r/m;\n",
		Server: fmt.Sprintf("        location /limited/ { limit_req zone=api; proxy_pass http://%s; }\n", up.Addr)})
	var rejected int
	for range 5 {
		resp, err := http.Get("http://" + ngx.Addr + "/limited/x")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode == http.StatusServiceUnavailable {
			rejected++
		}
	}
	if rejected != 4 {
		t.Fatalf("nginx rejected %d of 5 requests, want 4 (rate 1r/m, no burst)", rejected)
	}
	time.Sleep(200 * time.Millisecond)
	s := snapshotJSON(t, "--from-start", "--access-log", ngx.AccessLog, "--log-format", testLogFormat, "--error-log", ngx.ErrorLog)
	var row bool
	for _, g := range s.Gateways {
		if g.Source == "error_log" {
			row = true
			if g.Counters["rate_limited:api"] != 4 {
				t.Errorf("error_log row counters %v, want rate_limited:api 4", g.Counters)
			}
		}
	}
	if !row {
		t.Fatal("no error_log row")
	}
	for _, u := range s.Upstreams {
		if u.Address != up.Addr && !strings.HasPrefix(u.Name, "(gateway)") {
			t.Errorf("an upstream row for the gateway's own policy: %s %s (%s)", u.Name, u.Address, causeList(u))
		}
	}
}
