package record

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/klauspost/compress/zstd"

	"github.com/gwtop/gwtop/model"
)

// Options tune a Writer; the zero value is the defaults.
type Options struct {
	// FullEvery is how many snapshots a block holds: a full one, then
	// deltas. Seeking decodes at most this many. Default 120 (a minute of
	// the engine's 500 ms snapshots).
	FullEvery int
	// MaxSize rotates the file once it reaches this many bytes (it ends at
	// the first frame past it): FILE becomes FILE.1, FILE.1 FILE.2 … and
	// only Keep rotated files are kept. 0: no cap.
	MaxSize int64
	// Keep is how many rotated files are kept; default 3.
	Keep int
}

// DefaultFullEvery is Options.FullEvery's default.
const DefaultFullEvery = 120

// DefaultKeep is Options.Keep's default.
const DefaultKeep = 3

func (o Options) withDefaults() Options {
	if o.FullEvery <= 0 {
		o.FullEvery = DefaultFullEvery
	}
	if o.Keep <= 0 {
		o.Keep = DefaultKeep
	}
	return o
}

// Writer appends snapshots to a recording. It is not safe for concurrent
// use: one goroutine owns it (Run, or the caller's loop).
//
// Compression is zstd (klauspost/compress, already in the module graph
// through the Prometheus client): a stream per block, flushed after every
// frame so that every whole frame on disk decodes. Its 8 MiB window keeps
// the previous versions of every row of a large gateway within reach,
// which gzip's 32 KiB cannot: on 500 upstreams under traffic 1.9 MiB per
// 10 s against gzip's 4.3, for 10 upstreams 47.5 KiB against 49.8, and
// faster to write.
type Writer struct {
	path string
	opt  Options
	f    *os.File
	size int64 // bytes in the current file
	all  int64 // bytes written over every file

	buf   bytes.Buffer
	gz    *zstd.Encoder
	block int             // snapshots in the current block; 0: the next one is full
	prev  *model.Snapshot // the snapshot the next delta is from
	last  *model.Snapshot
	seen  map[string]bool // keys of the events the previous snapshot held
	count int
}

// Create starts a recording at path, replacing what was there, and removes
// the rotated files (path.1, path.2 …) of an earlier recording, which a
// reader would otherwise take for this one's past.
func Create(path string, opt Options) (*Writer, error) {
	w := &Writer{path: path, opt: opt.withDefaults()}
	for i := 1; ; i++ {
		old := path + "." + strconv.Itoa(i)
		if !isRecording(old) {
			break
		}
		if err := os.Remove(old); err != nil {
			return nil, fmt.Errorf("remove an earlier recording's %s: %w", old, err)
		}
	}
	if err := w.open(); err != nil {
		return nil, err
	}
	return w, nil
}

// isRecording reports whether the file at path starts as a recording.
func isRecording(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	b := make([]byte, len(magic))
	_, err = f.ReadAt(b, 0)
	return err == nil && string(b) == magic
}

func (w *Writer) open() error {
	f, err := os.OpenFile(w.path, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("record: %w", err)
	}
	if _, err := f.Write([]byte(magic)); err != nil {
		f.Close()
		return fmt.Errorf("record %s: %w", w.path, err)
	}
	w.f, w.size, w.block, w.prev, w.seen = f, int64(len(magic)), 0, nil, nil
	w.all += int64(len(magic))
	return nil
}

// Write appends s; the snapshot written last is not written again.
func (w *Writer) Write(s *model.Snapshot) error {
	if w.f == nil {
		return errors.New("record: writer closed")
	}
	if s == nil || s == w.last {
		return nil
	}
	if err := w.events(s); err != nil {
		return err
	}
	full := w.block == 0 || w.prev == nil
	var raw []byte
	var err error
	if !full {
		raw, err = w.delta(s)
		if err != nil {
			return fmt.Errorf("record: %w", err)
		}
	}
	kind := kindDelta
	if full {
		kind = kindFull
		if raw, err = json.Marshal(s); err != nil {
			return fmt.Errorf("record: %w", err)
		}
		w.buf.Reset()
		if w.gz == nil {
			w.gz, _ = zstd.NewWriter(&w.buf, zstd.WithEncoderConcurrency(1), zstd.WithWindowSize(zstdWindow), zstd.WithEncoderLevel(zstd.SpeedBetterCompression))
		} else {
			w.gz.Reset(&w.buf)
		}
	}
	if _, err := w.gz.Write(raw); err != nil {
		return fmt.Errorf("record: %w", err)
	}
	if err := w.gz.Flush(); err != nil {
		return fmt.Errorf("record: %w", err)
	}
	if err := w.frame(kind, s.Time, w.buf.Bytes(), len(raw)); err != nil {
		return err
	}
	w.buf.Reset()
	w.prev, w.last = s, s
	w.count++
	if w.block++; w.block >= w.opt.FullEvery {
		w.block = 0
	}
	if w.opt.MaxSize > 0 && w.size >= w.opt.MaxSize {
		return w.rotate()
	}
	return nil
}

// delta encodes s as changes to the previous snapshot: on the Go values
// when the model allows, else through JSON.
func (w *Writer) delta(s *model.Snapshot) ([]byte, error) {
	d, ok, err := diffSnapshots(w.prev, s)
	if err != nil {
		return nil, err
	}
	if !ok {
		pb, err := json.Marshal(w.prev)
		if err != nil {
			return nil, err
		}
		nb, err := json.Marshal(s)
		if err != nil {
			return nil, err
		}
		ps, err := parseState(pb)
		if err != nil {
			return nil, err
		}
		ns, err := parseState(nb)
		if err != nil {
			return nil, err
		}
		d = diff(ps, ns)
	}
	return json.Marshal(d)
}

// events writes a frame for every event s holds that the previous
// snapshot did not, so a reader lists them without decoding snapshots.
func (w *Writer) events(s *model.Snapshot) error {
	seen := make(map[string]bool, len(s.Events))
	for i := range s.Events {
		e := &s.Events[i]
		k := eventKey(e)
		seen[k] = true
		if w.seen[k] {
			continue
		}
		ev := *e
		ev.Compare = nil // judged later; the snapshots carry it
		b, err := json.Marshal(ev)
		if err != nil {
			return fmt.Errorf("record: %w", err)
		}
		if err := w.frame(kindEvent, e.Time, b, len(b)); err != nil {
			return err
		}
	}
	w.seen = seen
	return nil
}

func eventKey(e *model.Event) string {
	return strconv.FormatInt(e.Time.UnixNano(), 10) + "\x00" + e.Kind + "\x00" + e.Name + "\x00" + e.Gateway + "\x00" + e.Address + "\x00" + e.Text
}

// frame writes one frame in one write: a kill tears at most this one.
func (w *Writer) frame(kind byte, t time.Time, payload []byte, decoded int) error {
	b := encodeFrame(kind, t, payload, decoded)
	n, err := w.f.Write(b)
	w.size += int64(n)
	w.all += int64(n)
	if err != nil {
		return fmt.Errorf("record %s: %w", w.path, err)
	}
	return nil
}

// rotate moves path to path.1 (path.1 to path.2 …, the oldest past Keep
// removed) and starts a new file with a full snapshot.
func (w *Writer) rotate() error {
	if err := w.f.Close(); err != nil {
		return fmt.Errorf("record %s: %w", w.path, err)
	}
	w.f = nil
	_ = os.Remove(w.path + "." + strconv.Itoa(w.opt.Keep))
	for i := w.opt.Keep - 1; i >= 1; i-- {
		from := w.path + "." + strconv.Itoa(i)
		if _, err := os.Stat(from); err == nil {
			if err := os.Rename(from, w.path+"."+strconv.Itoa(i+1)); err != nil {
				return fmt.Errorf("record: rotate: %w", err)
			}
		}
	}
	if err := os.Rename(w.path, w.path+".1"); err != nil {
		return fmt.Errorf("record: rotate: %w", err)
	}
	return w.open()
}

// Written is how many bytes the recording took, over every file it
// rotated through (including those since removed).
func (w *Writer) Written() int64 { return w.all }

// Count is how many snapshots were written.
func (w *Writer) Count() int { return w.count }

// Close ends the recording. A recording that is never closed (a killed
// process) reads the same up to its last whole frame.
func (w *Writer) Close() error {
	if w.f == nil {
		return nil
	}
	err := w.f.Close()
	w.f = nil
	return err
}
