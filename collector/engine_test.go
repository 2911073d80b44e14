package collector

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gwtop/gwtop/config"
	_ "github.com/gwtop/gwtop/gateway/all"
	"github.com/gwtop/gwtop/model"
)

const testFormat = `$remote_addr [$time_local] "$request" $status ua="$upstream_addr" us="$upstream_status" uht="$upstream_header_time" urt="$upstream_response_time"`

func accessLine(t time.Time, status int, addr string) string {
	return fmt.Sprintf("10.0.0.1 [%s] \"GET / HTTP/1.1\" %d ua=\"%s\" us=\"%d\" uht=\"-\" urt=\"0.001\"\n", t.Format("02/Jan/2006:15:04:05 -0700"), status, addr, status)
}

// TestLiveStartBackfills starts the engine live on logs that already hold
// the last seconds of an incident: they are on the snapshot at once, and
// lines written afterwards are counted too.
func TestLiveStartBackfills(t *testing.T) {
	dir := t.TempDir()
	access := filepath.Join(dir, "access.log")
	errlog := filepath.Join(dir, "error.log")
	now := time.Now()
	var a, e strings.Builder
	for i := range 6 {
		ts := now.Add(time.Duration(i-30) * time.Second)
		a.WriteString(accessLine(ts, 502, "127.0.0.1:9"))
		fmt.Fprintf(&e, "%s [error] 7#7: *%d connect() failed (111: Connection refused) while connecting to upstream, client: 10.0.0.1, server: x, request: \"GET / HTTP/1.1\", upstream: \"http://127.0.0.1:9/\", host: \"x\"\n", ts.Format("2006/01/02 15:04:05"), i)
	}
	if err := os.WriteFile(access, []byte(a.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(errlog, []byte(e.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Parse("t", []byte(fmt.Sprintf("nginx:\n  access_log: %s\n  log_format: '%s'\n  error_log: %s\n", access, testFormat, errlog)), os.LookupEnv)
	if err != nil {
		t.Fatal(err)
	}
	eng, err := New(cfg, Options{Publish: 50 * time.Millisecond, NoHost: true})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	eng.Start(ctx)
	defer eng.Stop()
	up := func() model.Upstream {
		u, _ := eng.Latest().Upstream("", "127.0.0.1:9")
		return u
	}
	waitUntil(t, "backfilled lines", func() bool {
		u := up()
		return u.Requests == 6 && len(u.Causes) > 0 && u.Causes[0].Count == 6
	})
	if u := up(); u.State != model.StateDown || u.TopCause() != model.CauseRefused {
		t.Errorf("after backfill: %s %+v", u.State, u.Causes)
	}
	f, err := os.OpenFile(access, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(accessLine(time.Now(), 502, "127.0.0.1:9"))
	f.Close()
	waitUntil(t, "a new line", func() bool { return up().Requests == 7 })
}

func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if cond() {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s", what)
}

func TestHostPressure(t *testing.T) {
	cases := []struct {
		h    model.Host
		want []string
	}{
		{model.Host{CPUPercent: 40, MemPercent: 50, TCPStates: map[string]int{"TIME_WAIT": 100}, EphemeralPorts: 28232}, nil},
		{model.Host{CPUPercent: 99}, []string{"CPU 99%"}},
		{model.Host{MemPercent: 96}, []string{"memory 96%"}},
		{model.Host{TCPStates: map[string]int{"TIME_WAIT": 22586}, EphemeralPorts: 28232}, []string{"22586 sockets in TIME_WAIT for 28232 ephemeral ports"}},
		{model.Host{TCPStates: map[string]int{"TIME_WAIT": 22585}, EphemeralPorts: 28232}, nil},
		{model.Host{TCPStates: map[string]int{"TIME_WAIT": 50000}}, nil}, // range unknown: no guess
	}
	for i, c := range cases {
		got := hostPressure(c.h)
		if len(got) != len(c.want) {
			t.Errorf("case %d: %q, want %q", i, got, c.want)
			continue
		}
		for j := range got {
			if !strings.HasPrefix(got[j], c.want[j]) {
				t.Errorf("case %d: %q, want prefix %q", i, got[j], c.want[j])
			}
		}
	}
}

func TestPublishPace(t *testing.T) {
	for _, c := range []struct{ every, took, want time.Duration }{
		{500 * time.Millisecond, 100 * time.Microsecond, 500 * time.Millisecond}, // a few rows: the set pace
		{500 * time.Millisecond, 4 * time.Millisecond, 800 * time.Millisecond},   // 0.5 % of a core
		{500 * time.Millisecond, 50 * time.Millisecond, time.Second},             // never slower than 1 s
		{50 * time.Millisecond, time.Microsecond, 50 * time.Millisecond},
		{2 * time.Second, 50 * time.Millisecond, 2 * time.Second}, // a slower set pace stands
	} {
		if got := publishPace(c.every, c.took); got != c.want {
			t.Errorf("publishPace(%v, %v) = %v, want %v", c.every, c.took, got, c.want)
		}
	}
}
