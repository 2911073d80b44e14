package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gwtop/gwtop/internal/faults"
	"github.com/gwtop/gwtop/model"
)

// waitSockets waits until dir holds n sockets, or the test's own deadline.
func waitSockets(t *testing.T, dir string, n int, done <-chan struct{}) {
	t.Helper()
	for {
		m, _ := filepath.Glob(filepath.Join(dir, "*.sock"))
		live := 0
		for _, p := range m {
			if c, err := net.Dial("unix", p); err == nil {
				c.Close()
				live++
			}
		}
		if live >= n {
			return
		}
		select {
		case <-done:
			t.Fatalf("the command ended before %d marker socket(s) were in %s (%v)", n, dir, m)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// TestMarkReachesRunningSnapshot runs gwtop snapshot --json --for 3s, sends
// it gwtop mark "deploy x" from a second invocation, and finds the marker
// in its events; a stale socket beside it is removed; once the snapshot has
// ended, gwtop mark finds nobody and exits 1.
func TestMarkReachesRunningSnapshot(t *testing.T) {
	rt := t.TempDir()
	t.Setenv("XDG_RUNTIME_DIR", rt)
	dir := filepath.Join(rt, "gwtop")
	up := faults.Start(t, faults.Healthy)
	cfg := writeFile(t, "gwtop.yaml", "interval: 500ms\nupstreams:\n  - name: app\n    address: \""+up.Addr+"\"\n    probe: http://"+up.Addr+"/\n")

	// A socket left by a gwtop that died: bound, its listener gone.
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	stale := filepath.Join(dir, "4000000.sock")
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: stale, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	ln.SetUnlinkOnClose(false)
	ln.Close()

	var out, errb bytes.Buffer
	done := make(chan int)
	go func() {
		done <- run(context.Background(), []string{"snapshot", "--json", "--for", "3s", "-c", cfg}, &out, &errb)
	}()
	ended := make(chan struct{})
	waitSockets(t, dir, 1, ended)

	before := time.Now()
	code, stdout, stderr := runCmd("mark", "deploy", "x")
	if code != 0 || !strings.Contains(stdout, `marker "deploy x" received by 1 running gwtop`) {
		t.Errorf("gwtop mark: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	if !strings.Contains(stderr, "removed 1 stale socket(s)") {
		t.Errorf("stale socket not reported: %q", stderr)
	}
	if _, err := os.Lstat(stale); !os.IsNotExist(err) {
		t.Errorf("stale socket still there: %v", err)
	}
	if fi, err := os.Stat(dir); err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("socket directory: %v %v", fi.Mode(), err)
	}
	m, _ := filepath.Glob(filepath.Join(dir, "*.sock"))
	for _, p := range m {
		if fi, err := os.Stat(p); err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("socket %s: %v %v", p, fi.Mode(), err)
		}
	}

	if code := <-done; code != 0 {
		t.Fatalf("gwtop snapshot: exit %d: %s", code, errb.String())
	}
	close(ended)
	checkSchema(t, out.Bytes())
	var s model.Snapshot
	if err := json.Unmarshal(out.Bytes(), &s); err != nil {
		t.Fatal(err)
	}
	var marks []model.Event
	for _, e := range s.Events {
		if e.Kind == model.EventMarker {
			marks = append(marks, e)
		}
	}
	if len(marks) != 1 || marks[0].Text != "deploy x" || marks[0].Source != "gwtop mark" || marks[0].Time.Before(before.Add(-time.Second)) {
		t.Errorf("marker events %+v (all: %+v)", marks, s.Events)
	}

	// The snapshot has ended: its socket is gone, and nobody receives.
	if m, _ := filepath.Glob(filepath.Join(dir, "*.sock")); len(m) != 0 {
		t.Errorf("sockets left after the snapshot ended: %v", m)
	}
	code, stdout, stderr = runCmd("mark", "deploy y")
	if code != 1 || stdout != "" || !strings.Contains(stderr, "no gwtop is running for this user (no socket in "+dir+")") {
		t.Errorf("gwtop mark with none running: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
}

func TestMarkUsage(t *testing.T) {
	t.Setenv("XDG_RUNTIME_DIR", t.TempDir())
	for _, args := range [][]string{{"mark"}, {"mark", " \t\x1b"}} {
		code, _, stderr := runCmd(args...)
		if code != 2 || !strings.Contains(stderr, "marker's text") {
			t.Errorf("%q: exit %d, stderr %q", args, code, stderr)
		}
	}
}
