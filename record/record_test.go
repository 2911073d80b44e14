package record

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gwtop/gwtop/model"
)

// writeTraffic records n snapshots of a 10-upstream gateway and returns
// each one's JSON, in order.
func writeTraffic(t testing.TB, path string, n int, opt Options) ([][]byte, *Writer) {
	t.Helper()
	return writeUpstreams(t, path, 10, n, opt)
}

// writeUpstreams is writeTraffic with that many upstreams (3 or more: the
// first three go down at 20, 40 and 60 s).
func writeUpstreams(t testing.TB, path string, upstreams, n int, opt Options) ([][]byte, *Writer) {
	t.Helper()
	w, err := Create(path, opt)
	if err != nil {
		t.Fatal(err)
	}
	g := newTraffic(7, upstreams)
	var want [][]byte
	for range n {
		s := g.next()
		if err := w.Write(s); err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(s)
		want = append(want, b)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return want, w
}

func mustJSON(t testing.TB, s *model.Snapshot) []byte {
	t.Helper()
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Every snapshot reads back as the JSON gwtop printed for it, forward and
// seeking backwards across blocks.
func TestRoundTripEverySnapshot(t *testing.T) {
	path := filepath.Join(t.TempDir(), "rec")
	want, _ := writeUpstreams(t, path, 4, 150, Options{FullEvery: 50})
	r, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if r.Len() != 150 || len(r.Notes()) != 0 {
		t.Fatalf("len %d notes %v, want 150 and none", r.Len(), r.Notes())
	}
	order := []int{}
	for i := range 150 {
		order = append(order, i)
	}
	order = append(order, 149, 10, 120, 101, 0, 51, 50, 49, 148)
	for _, i := range order {
		s, err := r.Snapshot(i)
		if err != nil {
			t.Fatalf("snapshot %d: %v", i, err)
		}
		if got := mustJSON(t, s); !bytes.Equal(got, want[i]) {
			t.Fatalf("snapshot %d differs:\n got %.300s\nwant %.300s", i, got, want[i])
		}
	}
	if !r.Start().Equal(t0) || !r.End().Equal(t0.Add(149*500*time.Millisecond)) {
		t.Errorf("range %v – %v", r.Start(), r.End())
	}
	// At is the snapshot published at or before the time.
	s, err := r.At(t0.Add(10*time.Second + 200*time.Millisecond))
	if err != nil || !s.Time.Equal(t0.Add(10*time.Second)) {
		t.Errorf("At 10.2s: %v %v", s.Time, err)
	}
	if s, _ := r.At(t0.Add(-time.Hour)); !s.Time.Equal(t0) {
		t.Errorf("At before the start: %v", s.Time)
	}
	// The three upstreams that went down are three state events.
	evs := r.Events()
	if len(evs) != 3 || evs[0].Name != "app-0" || evs[0].To != model.StateDown || !evs[0].Time.Equal(t0.Add(20*time.Second)) {
		t.Errorf("events %+v", evs)
	}
}

// sizePer10s is the recording's bytes per 10 s of a 10-upstream gateway.
func sizePer10s(t testing.TB, minutes int) float64 {
	path := filepath.Join(t.TempDir(), "rec")
	n := minutes * 120
	writeTraffic(t, path, n, Options{})
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return float64(st.Size()) / (float64(n) / 20)
}

// The budget: at most 200 KiB per 10 s of a 10-upstream gateway under
// traffic (3 of them failing, with error lines every snapshot).
func TestSizeBudget(t *testing.T) {
	per := sizePer10s(t, 2)
	t.Logf("%.1f KiB per 10 s (a 10-minute recording: %.0f KiB)", per/1024, per*60/1024)
	if per > 200*1024 {
		t.Fatalf("%.1f KiB per 10 s, budget 200 KiB", per/1024)
	}
}

// BenchmarkWrite is the cost of recording one snapshot of a gateway of
// 10 and of 500 upstreams, and the bytes it takes per 10 s.
func BenchmarkWrite(b *testing.B) {
	for _, n := range []int{10, 500} {
		b.Run(fmt.Sprintf("upstreams=%d", n), func(b *testing.B) {
			path := filepath.Join(b.TempDir(), "rec")
			w, err := Create(path, Options{})
			if err != nil {
				b.Fatal(err)
			}
			g := newTraffic(7, n)
			snaps := make([]*model.Snapshot, 60)
			for i := range snaps {
				snaps[i] = g.next()
			}
			b.ResetTimer()
			for i := range b.N {
				// Fresh pointers, so none is skipped as the one written last.
				s := *snaps[i%len(snaps)]
				if err := w.Write(&s); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			w.Close()
			b.ReportMetric(float64(w.Written())/(float64(b.N)/20)/1024, "KiB/10s")
		})
	}
}

// BenchmarkSeek is a seek to a random moment of a 10-minute recording.
func BenchmarkSeek(b *testing.B) {
	path := filepath.Join(b.TempDir(), "rec")
	writeTraffic(b, path, 1200, Options{})
	r, err := Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer r.Close()
	b.ResetTimer()
	for i := range b.N {
		if _, err := r.Snapshot((i * 7919) % r.Len()); err != nil {
			b.Fatal(err)
		}
	}
}

// A recording cut anywhere — between frames, inside a header, inside a
// payload — replays to its last whole snapshot, with a note when a frame
// was cut.
func TestTornRecordingReplaysToLastWholeRecord(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "rec")
	want, _ := writeUpstreams(t, path, 4, 40, Options{FullEvery: 16})
	full, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// Where each snapshot frame ends.
	var ends []int
	for off := len(magic); off < len(full); {
		fh, _, err := parseHeader(full[off : off+headerLen])
		if err != nil {
			t.Fatal(err)
		}
		off += headerLen + fh.payloadLen
		if fh.kind != kindEvent {
			ends = append(ends, off)
		}
	}
	if len(ends) != 40 {
		t.Fatalf("%d snapshot frames, want 40", len(ends))
	}
	cuts := []int{ends[0], ends[0] + 1, ends[0] + headerLen - 1, ends[0] + headerLen + 3, ends[15], ends[16] - 1, ends[16] + 10, ends[30] + 2, len(full) - 1, len(full)}
	for i := 0; i < len(full); i += 997 {
		cuts = append(cuts, i+len(magic))
	}
	for _, cut := range cuts {
		if cut > len(full) {
			continue
		}
		whole := 0
		for whole < len(ends) && ends[whole] <= cut {
			whole++
		}
		r, err := NewReader(bytes.NewReader(full[:cut]), int64(cut), "rec")
		if whole == 0 {
			if err == nil || !strings.Contains(err.Error(), "no whole snapshot") {
				t.Errorf("cut %d: err %v, want no whole snapshot", cut, err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("cut %d: %v", cut, err)
		}
		if r.Len() != whole {
			t.Fatalf("cut %d: %d snapshots, want %d", cut, r.Len(), whole)
		}
		midFrame := cut != ends[whole-1] && cut != len(full)
		if midFrame != (len(r.Notes()) == 1) {
			t.Errorf("cut %d: notes %q (mid-frame %v)", cut, r.Notes(), midFrame)
		}
		s, err := r.Snapshot(whole - 1)
		if err != nil {
			t.Fatalf("cut %d: last snapshot: %v", cut, err)
		}
		if !bytes.Equal(mustJSON(t, s), want[whole-1]) {
			t.Fatalf("cut %d: last snapshot differs", cut)
		}
	}
	// The note names the file and the offset.
	os.WriteFile(path, full[:ends[20]+5], 0o600)
	r, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if n := r.Notes(); len(n) != 1 || !strings.Contains(n[0], "torn at byte") || !strings.Contains(n[0], "last whole record") {
		t.Errorf("notes %q", n)
	}
}

// A flipped byte fails the frame's checksum: the recording stops there.
func TestCorruptFrameStopsAtChecksum(t *testing.T) {
	path := filepath.Join(t.TempDir(), "rec")
	writeTraffic(t, path, 20, Options{})
	full, _ := os.ReadFile(path)
	full[len(full)-10] ^= 0xff
	r, err := NewReader(bytes.NewReader(full), int64(len(full)), "rec")
	if err != nil {
		t.Fatal(err)
	}
	if r.Len() != 19 || len(r.Notes()) != 1 || !strings.Contains(r.Notes()[0], "checksum") {
		t.Errorf("len %d notes %q", r.Len(), r.Notes())
	}
}

func TestNotARecording(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x")
	os.WriteFile(path, []byte("hello, this is not a recording at all"), 0o600)
	if _, err := Open(path); err == nil || !strings.Contains(err.Error(), "not a gwtop recording") {
		t.Errorf("err %v", err)
	}
	os.WriteFile(path, []byte("GWTOPREC\x00\x01 an older format"), 0o600)
	if _, err := Open(path); err == nil || !strings.Contains(err.Error(), "format 1, which this gwtop does not read (it reads format 2)") {
		t.Errorf("err %v", err)
	}
	if _, err := Open(filepath.Join(t.TempDir(), "missing")); err == nil {
		t.Error("a missing file opened")
	}
}

// --max-size rotates: FILE, FILE.1 … FILE.Keep, each under the cap plus a
// frame, and Open reads them oldest first as one recording.
func TestRotation(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "rec")
	const maxSize = 48 << 10
	want, w := writeUpstreams(t, path, 4, 300, Options{MaxSize: maxSize, Keep: 2})
	files, _ := filepath.Glob(path + "*")
	if len(files) != 3 {
		t.Fatalf("files %v, want rec, rec.1, rec.2", files)
	}
	for _, f := range files {
		st, _ := os.Stat(f)
		if st.Size() > maxSize+16<<10 {
			t.Errorf("%s is %d bytes, cap %d", f, st.Size(), maxSize)
		}
	}
	if w.Written() <= 3*maxSize {
		t.Errorf("written %d: the test did not rotate past Keep", w.Written())
	}
	r, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if r.Len() >= 300 || r.Len() < 60 {
		t.Fatalf("%d snapshots kept", r.Len())
	}
	for i := 1; i < r.Len(); i++ {
		if d := r.Time(i).Sub(r.Time(i - 1)); d != 500*time.Millisecond {
			t.Fatalf("snapshot %d is %v after the one before", i, d)
		}
	}
	// The last snapshot is the last written; the first kept is an older one.
	last, err := r.Snapshot(r.Len() - 1)
	if err != nil || !bytes.Equal(mustJSON(t, last), want[299]) {
		t.Fatalf("last: %v", err)
	}
	first, err := r.Snapshot(0)
	if err != nil || !bytes.Equal(mustJSON(t, first), want[300-r.Len()]) {
		t.Fatalf("first: %v", err)
	}
	// Every file lists the events its first snapshot holds; the reader
	// lists each once.
	if evs := r.Events(); len(evs) != 3 {
		t.Errorf("%d events over the rotated files, want 3", len(evs))
	}
	// A new recording at the same path forgets the old one's rotated files.
	writeTraffic(t, path, 5, Options{})
	if files, _ := filepath.Glob(path + "*"); len(files) != 1 {
		t.Errorf("after a new recording: %v", files)
	}
}

// The writer's two delta coders — on the Go values, and the JSON one it
// falls back to — both turn each snapshot into the next.
func TestDeltaCodersAgree(t *testing.T) {
	g := newTraffic(11, 5)
	prev := g.next()
	for i := range 100 {
		next := g.next()
		if i == 50 { // a row goes, one comes
			next.Upstreams = append([]model.Upstream(nil), next.Upstreams[1:]...)
			next.Upstreams = append(next.Upstreams, model.Upstream{Name: "new", Address: "10.9.9.9:80", State: model.StateUnknown})
		}
		pb, nb := mustJSON(t, prev), mustJSON(t, next)
		ps, _ := parseState(pb)
		ns, _ := parseState(nb)
		goDelta, ok, err := diffSnapshots(prev, next)
		if !ok || err != nil {
			t.Fatalf("the Go coder does not follow the model: %v", err)
		}
		for name, d := range map[string]delta{"go": goDelta, "json": diff(ps, ns)} {
			b, _ := json.Marshal(d)
			var back delta
			if err := json.Unmarshal(b, &back); err != nil {
				t.Fatal(err)
			}
			got, err := apply(ps, &back)
			if err != nil {
				t.Fatalf("%s delta %d: %v", name, i, err)
			}
			gb, _ := got.json()
			var s model.Snapshot
			if err := json.Unmarshal(gb, &s); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(mustJSON(t, &s), nb) {
				t.Fatalf("%s delta %d does not give the next snapshot", name, i)
			}
		}
		prev = next
	}
}
