package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gwtop/gwtop/model"
)

// notRegularLogs are log paths gwtop must refuse to read: a named pipe
// (opening one with no writer blocks) and /dev/zero (endless).
func notRegularLogs(t *testing.T) map[string]string {
	t.Helper()
	fifo := filepath.Join(t.TempDir(), "access.log")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	return map[string]string{fifo: "not a regular file: named pipe", "/dev/zero": "not a regular file: character device"}
}

// TestSnapshotNotRegularLog: `gwtop snapshot --for 2s --json` with a pipe or
// /dev/zero as --access-log ends (it used to hang in open, through SIGTERM)
// and names the error in the log's row.
func TestSnapshotNotRegularLog(t *testing.T) {
	for path, want := range notRegularLogs(t) {
		done := make(chan struct{})
		var out, errb bytes.Buffer
		var code int
		go func() {
			defer close(done)
			code = run(context.Background(), []string{"snapshot", "--for", "2s", "--json", "--access-log", path}, &out, &errb)
		}()
		select {
		case <-done:
		case <-time.After(30 * time.Second): // a deadline for a hang, not a speed limit
			t.Fatalf("%s: gwtop snapshot did not end", path)
		}
		var s model.Snapshot
		if err := json.Unmarshal(out.Bytes(), &s); err != nil {
			t.Fatalf("%s: exit %d, %v\nstdout %s\nstderr %s", path, code, err, out.String(), errb.String())
		}
		checkSchema(t, out.Bytes())
		g, ok := s.Gateway("nginx", "access_log", "")
		if !ok || g.OK || !strings.Contains(g.Error, path+": "+want) || g.Counters["lines"] != 0 {
			t.Errorf("%s: access_log row %+v", path, g)
		}
	}
}

// TestSnapshotNotRegularLogCancel: cancelling gwtop (as SIGINT/SIGTERM do)
// ends it while it watches a pipe, and the built binary ends on SIGTERM.
func TestSnapshotNotRegularLogCancel(t *testing.T) {
	for path := range notRegularLogs(t) {
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan int, 1)
		go func() {
			var out, errb bytes.Buffer
			done <- run(ctx, []string{"snapshot", "--for", "1h", "--json", "--access-log", path}, &out, &errb)
		}()
		time.Sleep(500 * time.Millisecond) // let it open the log
		cancel()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			t.Fatalf("%s: gwtop did not end on cancel", path)
		}
	}

	bin := filepath.Join(t.TempDir(), "gwtop")
	if b, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, b)
	}
	for path, want := range notRegularLogs(t) {
		cmd := exec.Command(bin, "snapshot", "--for", "1h", "--json", "--access-log", path)
		var out bytes.Buffer
		cmd.Stdout = &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Second)
		if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait() }()
		select {
		case <-exited:
		case <-time.After(30 * time.Second):
			_ = cmd.Process.Kill()
			t.Fatalf("%s: gwtop did not end on SIGTERM", path)
		}
		// If it printed a snapshot on the way out, the row names the error.
		if out.Len() > 0 && !strings.Contains(out.String(), want) {
			t.Errorf("%s: output after SIGTERM does not name %q:\n%s", path, want, out.String())
		}
	}
	_ = os.Remove(bin)
}
