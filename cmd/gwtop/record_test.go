package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gwtop/gwtop/internal/faults"
	"github.com/gwtop/gwtop/model"
	"github.com/gwtop/gwtop/record"
)

// replayJSON is gwtop snapshot --replay FILE [args] --json; it returns the
// snapshot and stderr.
func replayJSON(t *testing.T, file string, args ...string) (*model.Snapshot, string) {
	t.Helper()
	var out, errb bytes.Buffer
	if code := run(context.Background(), append([]string{"snapshot", "--json", "--replay", file}, args...), &out, &errb); code != 0 {
		t.Fatalf("gwtop snapshot --replay %s %v: exit %d: %s", file, args, code, errb.String())
	}
	checkSchema(t, out.Bytes())
	var s model.Snapshot
	if err := json.Unmarshal(out.Bytes(), &s); err != nil {
		t.Fatalf("replay JSON: %v\n%s", err, out.String())
	}
	return &s, errb.String()
}

// TestRecordReplayNginx records 10 s of a real nginx in front of failing
// upstreams with gwtop record while a live gwtop snapshot watches the same
// gateway for the same 10 s; the recording's last snapshot gives the same
// states and top causes as the live one, a moment inside it is there too,
// and the recording cut anywhere still replays.
func TestRecordReplayNginx(t *testing.T) {
	g := startGateway(t)
	cfg := g.writeConfig(t, true, true)
	file := filepath.Join(t.TempDir(), "incident.rec")

	ctx, cancel := context.WithCancel(context.Background())
	wg := g.traffic(ctx)
	var live *model.Snapshot
	var recCode int
	var recErr bytes.Buffer
	var both sync.WaitGroup
	both.Go(func() {
		recCode = run(context.Background(), []string{"record", "--config", cfg, "--for", "10s", "-o", file}, &bytes.Buffer{}, &recErr)
	})
	both.Go(func() { live = snapshotJSON(t, "--config", cfg, "--for", "10s") })
	both.Wait()
	cancel()
	wg.Wait()
	if recCode != 0 || !strings.Contains(recErr.String(), "recorded") {
		t.Fatalf("gwtop record: exit %d: %s", recCode, recErr.String())
	}
	if t.Failed() {
		return
	}

	replayed, notes := replayJSON(t, file)
	if notes != "" {
		t.Errorf("a whole recording has notes: %s", notes)
	}
	g.checkCauses(t, "live", live)
	g.checkCauses(t, "replay", replayed)
	for _, u := range live.Upstreams {
		r, ok := replayed.Upstream(u.Gateway, u.Address)
		if !ok {
			t.Errorf("%s %s is live but not in the replay", u.Name, u.Address)
			continue
		}
		if r.State != u.State || r.TopCause() != u.TopCause() {
			t.Errorf("%s: live %s/%s, replay %s/%s", u.Name, u.State, u.TopCause(), r.State, r.TopCause())
		}
	}
	if len(replayed.Upstreams) != len(live.Upstreams) {
		t.Errorf("replay has %d upstreams, live %d", len(replayed.Upstreams), len(live.Upstreams))
	}

	// What the recording holds: two snapshots a second for 10 s, and its
	// size against the budget (200 KiB per 10 s of a 10-upstream gateway).
	r, err := record.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	n, start, end := r.Len(), r.Start(), r.End()
	r.Close()
	st, _ := os.Stat(file)
	t.Logf("recording: %d snapshots over %v of %d upstreams, %d bytes (%.1f KiB per 10 s)", n, end.Sub(start), len(live.Upstreams), st.Size(),
		float64(st.Size())/1024/(end.Sub(start).Seconds()/10))
	if n < 15 || end.Sub(start) < 8*time.Second {
		t.Errorf("%d snapshots over %v, want about 20 over 10 s", n, end.Sub(start))
	}
	if st.Size() > 200<<10 {
		t.Errorf("%d bytes for 10 s, budget 200 KiB", st.Size())
	}
	if !replayed.Time.Equal(end) {
		t.Errorf("the default moment is %v, the recording ends %v", replayed.Time, end)
	}

	// --at: the moment asked for, a relative one and a clock time.
	mid, _ := replayJSON(t, file, "--at", "+5s")
	if d := mid.Time.Sub(start); d > 5*time.Second || d < 4*time.Second {
		t.Errorf("--at +5s gave the snapshot %v after the start", d)
	}
	clock := start.Add(6 * time.Second).In(mid.Time.Location()).Format("15:04:05")
	at, _ := replayJSON(t, file, "--at", clock)
	if at.Time.After(start.Add(7*time.Second)) || at.Time.Before(start.Add(4*time.Second)) {
		t.Errorf("--at %s gave %v", clock, at.Time)
	}

	// Cut at several offsets, inside frames too: each replays to its last
	// whole record, with a note and exit 0.
	full, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	prev := time.Time{}
	for _, frac := range []float64{0.3, 0.55, 0.8, 0.999} {
		cut := int(float64(len(full)) * frac)
		torn := filepath.Join(t.TempDir(), "torn.rec")
		if err := os.WriteFile(torn, full[:cut], 0o600); err != nil {
			t.Fatal(err)
		}
		s, notes := replayJSON(t, torn)
		if !strings.Contains(notes, "note:") || !strings.Contains(notes, "last whole record") {
			t.Errorf("cut at %d of %d: stderr %q, want a note", cut, len(full), notes)
		}
		if s.Time.After(end) || s.Time.Before(prev) || s.Time.Before(start) {
			t.Errorf("cut at %d: snapshot of %v (recording %v – %v, previous cut %v)", cut, s.Time, start, end, prev)
		}
		prev = s.Time
		if len(s.Upstreams) == 0 {
			t.Errorf("cut at %d: no upstreams", cut)
		}
	}
}

// TestTUIRecord: gwtop --record FILE records while the screen runs (the
// line mode here, which needs no terminal), until it is stopped.
func TestTUIRecord(t *testing.T) {
	t.Setenv("TERM", "dumb")
	h := faults.Start(t, faults.Healthy)
	file := filepath.Join(t.TempDir(), "tui.rec")
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Second)
	defer cancel()
	var out, errb bytes.Buffer
	if code := run(ctx, []string{"--probe", "h=http://" + h.Addr + "/", "--interval", "200ms", "--record", file}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	s, _ := replayJSON(t, file)
	if u, ok := s.Upstream("", h.Addr); !ok || u.State != model.StateUp || u.Probe == nil || !u.Probe.OK {
		t.Errorf("the recording's last snapshot: %+v", s.Upstreams)
	}
	r, err := record.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if r.Len() < 5 {
		t.Errorf("%d snapshots in 4 s", r.Len())
	}
}

func TestRecordReplayUsage(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "x.rec")
	// A small recording to ask about.
	w, err := record.Create(file, record.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 3, 14, 3, 10, 0, 0, time.UTC)
	for i := range 10 {
		if err := w.Write(&model.Snapshot{Time: t0.Add(time.Duration(i) * time.Second), Upstreams: []model.Upstream{{Name: "a", Address: "127.0.0.1:1", State: model.StateUp}}}); err != nil {
			t.Fatal(err)
		}
	}
	w.Close()
	notRec := writeFile(t, "not.rec", "hello")
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"record", "--probe", "x=tcp://127.0.0.1:1"}, 2, "needs -o FILE"},
		{[]string{"record", "-o", file + "2", "--max-size", "lots", "--probe", "x=tcp://127.0.0.1:1"}, 2, "--max-size"},
		{[]string{"record", "-o", file + "2", "--max-size", "1KiB", "--probe", "x=tcp://127.0.0.1:1"}, 2, "64KiB or more"},
		{[]string{"record", "-o", file + "2", "--keep", "0", "--probe", "x=tcp://127.0.0.1:1"}, 2, "--keep"},
		{[]string{"record", "-o", filepath.Join(dir, "no", "such", "dir"), "--probe", "x=tcp://127.0.0.1:1"}, 1, "no such file"},
		{[]string{"replay"}, 2, "one FILE"},
		{[]string{"replay", file}, 1, "needs a terminal"},
		{[]string{"snapshot", "--replay", notRec}, 1, "not a gwtop recording"},
		{[]string{"snapshot", "--replay", filepath.Join(dir, "missing")}, 1, "no such file"},
		{[]string{"snapshot", "--at", "03:10:05"}, 2, "give --replay FILE too"},
		{[]string{"snapshot", "--replay", file, "--for", "2s"}, 2, "one or the other"},
		{[]string{"snapshot", "--replay", file, "--at", "04:00"}, 2, "outside the recording"},
		{[]string{"snapshot", "--replay", file, "--at", "soon"}, 2, "want 03:12:00"},
		{[]string{"snapshot", "--replay", file, "--at", "+1h"}, 2, "runs 2026-03-14"},
	} {
		if c.args[0] == "replay" {
			t.Setenv("TERM", "xterm-256color")
		}
		code, _, stderr := runCmd(c.args...)
		if code != c.code || !strings.Contains(stderr, c.want) {
			t.Errorf("gwtop %v: exit %d, stderr %q; want %d and %q", c.args, code, stderr, c.code, c.want)
		}
	}
	// A clock time on the recording's day, in its zone; the table too.
	code, out, stderr := runCmd("snapshot", "--replay", file, "--at", "03:10:04")
	if code != 0 || !strings.Contains(out, "2026-03-14 03:10:04") || !strings.Contains(out, "127.0.0.1:1") {
		t.Errorf("exit %d: %s %s", code, out, stderr)
	}
	// TERM=dumb: the replay in the line mode, a table per new snapshot,
	// from --at on, until stopped.
	t.Setenv("TERM", "dumb")
	ctx, cancel := context.WithTimeout(context.Background(), 1500*time.Millisecond)
	defer cancel()
	var lines, errb bytes.Buffer
	if code := run(ctx, []string{"replay", file, "--at", "03:10:08"}, &lines, &errb); code != 0 || !strings.Contains(lines.String(), "127.0.0.1:1") {
		t.Errorf("replay in the line mode: exit %d: %s%s", code, lines.String(), errb.String())
	}
}

// TestRecordFleet: the screen on a fleet (line mode) records what it
// showed — the Prometheus row included — and the recording replays it.
func TestRecordFleet(t *testing.T) {
	t.Setenv("TERM", "dumb")
	file := filepath.Join(t.TempDir(), "fleet.rec")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	var out, errb bytes.Buffer
	if code := run(ctx, []string{"--prometheus", "http://127.0.0.1:1", "--prometheus-every", "500ms", "--record", file}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	s, _ := replayJSON(t, file)
	if len(s.Gateways) == 0 || s.Gateways[0].Kind != "prometheus" || s.Gateways[0].OK || s.Gateways[0].Error == "" {
		t.Errorf("the recording's last snapshot: %+v", s.Gateways)
	}
}
