package record_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/gwtop/gwtop/collector"
	"github.com/gwtop/gwtop/config"
	_ "github.com/gwtop/gwtop/gateway/all"
	"github.com/gwtop/gwtop/internal/faults"
	"github.com/gwtop/gwtop/internal/nginxtest"
	"github.com/gwtop/gwtop/model"
	"github.com/gwtop/gwtop/record"
)

const logFormat = `$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" rt=$request_time uct="$upstream_connect_time" uht="$upstream_header_time" urt="$upstream_response_time" ua="$upstream_addr" us="$upstream_status"`

// TestEngineSnapshotsReplayExactly records what a real engine publishes
// for a real nginx in front of a healthy, a refused and a 500 upstream,
// and reads every snapshot back as the JSON the engine's was, byte for
// byte: the replay's diagnosis is the live one.
func TestEngineSnapshotsReplayExactly(t *testing.T) {
	ups := map[string]*faults.Server{
		"healthy": faults.Start(t, faults.Healthy),
		"e500":    faults.Start(t, faults.Error500),
		"refused": faults.Start(t, faults.Refused),
	}
	var httpBlock, server, yaml bytes.Buffer
	yaml.WriteString("interval: 500ms\nupstreams:\n")
	for name, s := range ups {
		fmt.Fprintf(&httpBlock, "    upstream %s { server %s; }\n", name, s.Addr)
		fmt.Fprintf(&server, "        location /%s/ { proxy_pass http://%s; }\n", name, name)
		fmt.Fprintf(&yaml, "  - name: %s\n    address: %q\n    probe: http://%s/\n    timeout: 800ms\n", name, s.Addr, s.Addr)
	}
	ng := nginxtest.Start(t, nginxtest.Config{LogFormat: logFormat, HTTP: httpBlock.String(), Server: server.String()})
	fmt.Fprintf(&yaml, "nginx:\n  access_log: %s\n  log_format: '%s'\n  error_log: %s\n  status_url: %s\n", ng.AccessLog, logFormat, ng.ErrorLog, ng.StatusURL)
	cfg, err := config.Parse("test", yaml.Bytes(), os.LookupEnv)
	if err != nil {
		t.Fatal(err)
	}
	eng, err := collector.New(cfg, collector.Options{Publish: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	prefixes := map[string]int{}
	for name := range ups {
		prefixes[fmt.Sprintf("http://%s/%s/item/", ng.Addr, name)] = 2
	}
	traffic := faults.Traffic(ctx, prefixes)
	eng.Start(ctx)

	path := filepath.Join(t.TempDir(), "rec")
	w, err := record.Create(path, record.Options{FullEvery: 10})
	if err != nil {
		t.Fatal(err)
	}
	var want [][]byte
	var last *model.Snapshot
	for deadline := time.Now().Add(6 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		s := eng.Latest()
		if s == last {
			continue
		}
		last = s
		if err := w.Write(s); err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(s)
		want = append(want, b)
	}
	cancel()
	traffic.Wait()
	// Stop publishes once more, and returns the snapshot the loop saw
	// last when nothing changed since: the writer keeps one copy of it.
	if final := eng.Stop(); final != last {
		if err := w.Write(final); err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(final)
		want = append(want, b)
	}
	w.Close()

	r, err := record.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if r.Len() != len(want) || len(want) < 15 {
		t.Fatalf("%d snapshots read, %d written", r.Len(), len(want))
	}
	for i := range want {
		s, err := r.Snapshot(i)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := json.Marshal(s)
		if !bytes.Equal(got, want[i]) {
			t.Fatalf("snapshot %d differs from the engine's:\n got %.400s\nwant %.400s", i, got, want[i])
		}
	}
	// The run was an incident: the refused and 500 upstreams are down
	// with their causes in what the replay shows at the end.
	end, _ := r.Snapshot(r.Len() - 1)
	for name, cause := range map[string]model.Cause{"refused": model.CauseRefused, "e500": model.CauseUpstream5xx} {
		u, ok := end.Upstream("nginx", ups[name].Addr)
		if !ok || u.State != model.StateDown || u.TopCause() != cause {
			t.Errorf("%s in the replay: %+v", name, u)
		}
	}
	st, _ := os.Stat(path)
	t.Logf("%d engine snapshots, %d bytes", len(want), st.Size())
}
