package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gwtop/gwtop/gateway/envoy/envoytest"
	"github.com/gwtop/gwtop/internal/faults"
	"github.com/gwtop/gwtop/model"
)

// TestEnvoyAdmin runs gwtop snapshot against a fake Envoy admin whose
// counters move between scrapes, once with JSON /clusters and once with an
// Envoy that only answers text.
func TestEnvoyAdmin(t *testing.T) {
	for _, tc := range []struct {
		name string
		mode envoytest.Mode
	}{{"json", envoytest.OK}, {"text", envoytest.TextOnly}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := envoytest.Start(t, tc.mode)
			healthy := apiTestHealthy(t)
			s := snapshotJSON(t, "--envoy-admin", srv.URL, "--probe", "healthy="+healthy, "--interval", "200ms", "--for", "3s")
			g, ok := s.Gateway("envoy", "admin", "")
			if !ok || !g.OK || g.Error != "" || g.Counters["clusters"] < 6 {
				t.Fatalf("envoy admin gateway row: %+v", g)
			}
			if (g.Counters["clusters_text"] == 1) != (tc.mode == envoytest.TextOnly) {
				t.Errorf("text fallback counter: %+v", g.Counters)
			}
			checkUpstreams(t, "envoy", s, "envoy", map[string]upstreamWant{
				"127.0.0.1:8001":     {name: "api", state: model.StateUp},
				"127.0.0.1:8002":     {name: "api", state: model.StateDown, cause: model.CauseRefused},
				"[::1]:8003":         {name: "api", state: model.StateDown},
				"127.0.0.3:7000":     {name: "timeouts", state: model.StateDown, cause: model.CauseConnectTimeout},
				"127.0.0.2:9000":     {name: "slow", state: model.StateDown},
				"unix:/run/app.sock": {name: "slow", state: model.StateUp},
				"10.0.9.1:80":        {name: "pay", state: model.StateDown},
				"slow":               {cause: model.CauseReadTimeout},
				"breaker":            {cause: model.CauseGatewayLimits},
				"pay":                {cause: model.CauseNoLiveUpstreams},
				"closing":            {cause: model.CausePrematureClose},
			})
			if u, _ := s.Upstream("envoy", "127.0.0.1:8001"); u.Requests < 20 {
				t.Errorf("127.0.0.1:8001 counted %d requests from rq_total", u.Requests)
			}
			if u, _ := s.Upstream("envoy", "slow"); len(u.Causes) > 0 && !strings.HasPrefix(u.Causes[0].Evidence, "envoy cluster slow: upstream_rq_timeout +") {
				t.Errorf("evidence %q", u.Causes[0].Evidence)
			}
			apiTestHealthyProbe(t, s, healthy)
		})
	}
}

// TestEnvoyAdminFailures: an admin that answers HTML, garbage or nothing
// is an error on its row, and the probes keep working.
func TestEnvoyAdminFailures(t *testing.T) {
	for _, tc := range []struct {
		name string
		mode envoytest.Mode
		want string
	}{
		{"html", envoytest.HTML, "neither JSON"},
		{"garbage", envoytest.Garbage, "neither JSON"},
		{"nothing", -1, "refused"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			u := "http://" + faults.ClosedTCP(t)
			if tc.mode >= 0 {
				u = envoytest.Start(t, tc.mode).URL
			}
			checkSourceFails(t, "--envoy-admin", u, "envoy", "admin", tc.want)
		})
	}
}

// TestEnvoyAccessLog reads access-log lines stamped now, in both formats,
// from files named in the configuration: the response flags give the causes.
func TestEnvoyAccessLog(t *testing.T) {
	now := time.Now().Add(-2 * time.Second)
	for _, tc := range []struct {
		format string
		lines  []string
		wants  map[string]upstreamWant
	}{
		{"default", []string{
			envoytest.DefaultLine(now, "503", "UF,URX", "10.0.3.7:8080"),
			envoytest.DefaultLine(now, "504", "UT", "10.0.3.8:8080"),
			envoytest.DefaultLine(now, "503", "UC", "tcp://10.0.3.9:8080"),
			envoytest.DefaultLine(now, "500", "-", "10.0.3.10:8080"),
			envoytest.DefaultLine(now, "200", "-", "10.0.3.11:8080"),
			envoytest.DefaultLine(now, "503", "UO", "10.0.3.12:8080"),
			envoytest.DefaultLine(now, "404", "NR", "-"),
		}, map[string]upstreamWant{
			"10.0.3.7:8080":  {state: model.StateDown, cause: model.CauseRefused},
			"10.0.3.8:8080":  {state: model.StateDown, cause: model.CauseReadTimeout},
			"10.0.3.9:8080":  {state: model.StateDown, cause: model.CausePrematureClose},
			"10.0.3.10:8080": {state: model.StateDown, cause: model.CauseUpstream5xx},
			"10.0.3.11:8080": {state: model.StateUp},
			"10.0.3.12:8080": {state: model.StateDown, cause: model.CauseGatewayLimits},
		}},
		{"json", []string{
			envoytest.JSONLine(envoytest.JSON20311, now),
			envoytest.JSONLine(envoytest.JSON17432, now),
			fmt.Sprintf(`{"start_time":%q,"response_code":503,"response_flags":"UH","upstream_cluster":"pay","upstream_host":null,"duration":1}`, now.UTC().Format(time.RFC3339Nano)),
			fmt.Sprintf(`{"start_time":%q,"response_code":503,"response_flags":"UF","response_code_details":"upstream_reset_before_response_started{connection_failure,TLS_error:_CERTIFICATE_VERIFY_FAILED}","upstream_host":"10.0.4.1:443","duration":3}`, now.UTC().Format(time.RFC3339Nano)),
			`{"level":"info","msg":"not an access-log entry"}`,
		}, map[string]upstreamWant{
			"172.19.0.2:8000": {state: model.StateDown, cause: model.CauseRefused},
			"pay":             {cause: model.CauseNoLiveUpstreams},
			"10.0.4.1:443":    {state: model.StateDown, cause: model.CauseTLS},
			"(gateway)":       {cause: model.CauseRefused},
		}},
	} {
		t.Run(tc.format, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			logPath := filepath.Join(dir, "envoy.log")
			var b strings.Builder
			for range 6 {
				b.WriteString(strings.Join(tc.lines, "\n") + "\n")
			}
			if err := os.WriteFile(logPath, []byte(b.String()), 0o600); err != nil {
				t.Fatal(err)
			}
			cfg := writeFile(t, "gwtop.yaml", fmt.Sprintf("envoy:\n  access_log: %s\n  log_format: %s\n", logPath, tc.format))
			s := snapshotJSON(t, "--config", cfg, "--from-start", "--for", "1500ms")
			g, ok := s.Gateway("envoy", "access_log", "")
			if !ok || !g.OK || g.Counters["skipped"] != 0 || g.Counters["parsed"] < 24 {
				t.Fatalf("access log row %+v", g)
			}
			checkUpstreams(t, "envoy "+tc.format, s, "envoy", tc.wants)
		})
	}
}
