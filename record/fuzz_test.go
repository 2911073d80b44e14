package record

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// FuzzReader: whatever the bytes, the reader never panics, never holds a
// frame longer than the file, and every snapshot it indexes decodes or
// fails with an error.
func FuzzReader(f *testing.F) {
	// A small recording (2 upstreams, 5 snapshots): the fuzzer mutates
	// it faster than a large one.
	path := filepath.Join(f.TempDir(), "rec")
	w, err := Create(path, Options{FullEvery: 3})
	if err != nil {
		f.Fatal(err)
	}
	g := newTraffic(3, 2)
	for range 5 {
		s := g.next()
		for i := range s.Upstreams {
			h := s.Upstreams[i].ProbeHistory
			s.Upstreams[i].ProbeHistory = h[len(h)-2:]
		}
		if err := w.Write(s); err != nil {
			f.Fatal(err)
		}
	}
	w.Close()
	full, err := os.ReadFile(path)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(full)
	f.Add(full[:len(full)/2])
	f.Add(full[:len(magic)+headerLen+5])
	// A header claiming a 4 GiB payload and a 4 GiB decoded length.
	f.Add(append([]byte(magic), 'F', 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0))
	// A frame whose checksum holds but whose payload is no zstd stream.
	bad := encodeFrame(kindFull, t0, []byte("not zstd at all"), 15)
	f.Add(append([]byte(magic), bad...))
	// A delta frame first.
	f.Add(append([]byte(magic), encodeFrame(kindDelta, t0, []byte{1, 2, 3}, 3)...))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := NewReader(bytes.NewReader(data), int64(len(data)), "fuzz")
		if err != nil {
			return
		}
		for i := range min(r.Len(), 50) {
			if e := r.snaps[i]; e.plen > len(data) {
				t.Fatalf("frame %d: payload %d in a %d-byte file", i, e.plen, len(data))
			}
			_, _ = r.Snapshot(i)
		}
		_ = r.Events()
	})
}

// A header claiming the largest payload and decoded length the format
// allows, in a file that holds neither, costs the reader no more than the
// file: it checks lengths against the file before it allocates.
func TestHostileLengthsBoundedMemory(t *testing.T) {
	frame := encodeFrame(kindFull, t0, []byte("x"), 1)
	binary.LittleEndian.PutUint32(frame[9:13], maxPayload)
	binary.LittleEndian.PutUint32(frame[13:17], maxDecoded)
	data := append([]byte(magic), frame...)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	_, err := NewReader(bytes.NewReader(data), int64(len(data)), "hostile")
	runtime.ReadMemStats(&after)
	if err == nil || !strings.Contains(err.Error(), "a frame is cut") {
		t.Errorf("err %v", err)
	}
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 1<<20 {
		t.Errorf("the reader allocated %d bytes for a %d-byte file", grew, len(data))
	}
	// Past the format's limits the header alone is refused.
	binary.LittleEndian.PutUint32(frame[9:13], maxPayload+1)
	data = append([]byte(magic), frame...)
	if _, err := NewReader(bytes.NewReader(data), int64(len(data)), "hostile"); err == nil || !strings.Contains(err.Error(), "out of bounds") {
		t.Errorf("err %v", err)
	}
}
