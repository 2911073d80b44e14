package record

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"time"

	"github.com/klauspost/compress/zstd"

	"github.com/gwtop/gwtop/model"
)

// maxIndexedEvents bounds the events a reader lists (the newest kept).
const maxIndexedEvents = 10000

// entry is one snapshot frame in the index.
type entry struct {
	key   time.Time // the frame's time, never before the previous entry's
	full  bool
	file  int
	off   int64 // the payload's offset
	plen  int
	dlen  int
	block int // entries of one block share one zstd stream
	first int // the index of the block's full snapshot
}

// Reader reads a recording: the index of its snapshots and events is
// built when it is opened (every frame's checksum verified), and At
// decodes only from the full snapshot before the time asked for. It is not
// safe for concurrent use.
type Reader struct {
	files   []io.ReaderAt
	names   []string
	closers []io.Closer
	snaps   []entry
	events  []model.Event
	// seenEvent are the keys of the events listed (bounded: cleared
	// past 4×maxIndexedEvents).
	seenEvent map[string]bool
	notes     []string
	blocks    int

	cur  *cursor
	last struct {
		i    int
		snap *model.Snapshot
	}
}

// Open opens the recording at path with the files it rotated to
// (path.N … path.1), oldest first.
func Open(path string) (*Reader, error) {
	var paths []string
	for i := 1; ; i++ {
		p := path + "." + strconv.Itoa(i)
		if !isRecording(p) {
			break
		}
		paths = append(paths, p)
	}
	for i, j := 0, len(paths)-1; i < j; i, j = i+1, j-1 {
		paths[i], paths[j] = paths[j], paths[i]
	}
	paths = append(paths, path)
	r := &Reader{last: struct {
		i    int
		snap *model.Snapshot
	}{i: -1}}
	for _, p := range paths {
		f, err := os.Open(p)
		if err != nil {
			r.Close()
			return nil, fmt.Errorf("replay: %w", err)
		}
		st, err := f.Stat()
		if err != nil {
			f.Close()
			r.Close()
			return nil, fmt.Errorf("replay: %w", err)
		}
		r.closers = append(r.closers, f)
		if err := r.add(f, st.Size(), p); err != nil {
			r.Close()
			return nil, err
		}
	}
	if len(r.snaps) == 0 {
		r.Close()
		return nil, fmt.Errorf("replay %s: no whole snapshot in the recording%s", path, r.noteSuffix())
	}
	return r, nil
}

// NewReader reads one recording file of size bytes (no rotated files).
func NewReader(ra io.ReaderAt, size int64, name string) (*Reader, error) {
	r := &Reader{}
	r.last.i = -1
	if err := r.add(ra, size, name); err != nil {
		return nil, err
	}
	if len(r.snaps) == 0 {
		return nil, fmt.Errorf("replay %s: no whole snapshot in the recording%s", name, r.noteSuffix())
	}
	return r, nil
}

func (r *Reader) noteSuffix() string {
	if len(r.notes) == 0 {
		return ""
	}
	return " (" + r.notes[len(r.notes)-1] + ")"
}

// add indexes one file. A file that is not a recording is an error; one
// that ends inside a frame, or with a frame that does not check, is read
// up to its last whole frame with a note.
func (r *Reader) add(ra io.ReaderAt, size int64, name string) error {
	head := make([]byte, len(magic))
	if n, _ := ra.ReadAt(head, 0); n < len(magic) || string(head) != magic {
		if n < len(magic) && string(head[:n]) == magic[:n] {
			// Killed before its header was whole.
			r.notes = append(r.notes, fmt.Sprintf("%s: empty recording", name))
			return nil
		}
		if n == len(magic) && string(head[:len(magic)-1]) == magic[:len(magic)-1] {
			return fmt.Errorf("replay %s: a recording in format %d, which this gwtop does not read (it reads format %d)", name, head[len(magic)-1], magic[len(magic)-1])
		}
		return fmt.Errorf("replay %s: not a gwtop recording", name)
	}
	file := len(r.files)
	r.files, r.names = append(r.files, ra), append(r.names, name)
	off := int64(len(magic))
	first := -1 // the current block's full snapshot, none yet in this file
	h := make([]byte, headerLen)
	var payload []byte
	for off < size {
		if size-off < headerLen {
			r.torn(name, off, "a frame's header is cut")
			return nil
		}
		if _, err := ra.ReadAt(h, off); err != nil {
			r.torn(name, off, err.Error())
			return nil
		}
		fh, crc, err := parseHeader(h)
		if err != nil {
			r.torn(name, off, err.Error())
			return nil
		}
		if int64(fh.payloadLen) > size-off-headerLen {
			r.torn(name, off, "a frame is cut")
			return nil
		}
		payload = append(payload[:0], make([]byte, fh.payloadLen)...)
		if _, err := ra.ReadAt(payload, off+headerLen); err != nil {
			r.torn(name, off, err.Error())
			return nil
		}
		if !checkCRC(h, payload, crc) {
			r.torn(name, off, "checksum mismatch")
			return nil
		}
		switch fh.kind {
		case kindEvent:
			var e model.Event
			// Each rotated file lists the events its first snapshot
			// holds again: one entry per event.
			if json.Unmarshal(payload, &e) == nil && !r.seenEvent[eventKey(&e)] {
				if r.seenEvent == nil || len(r.seenEvent) > 4*maxIndexedEvents {
					r.seenEvent = map[string]bool{}
				}
				r.seenEvent[eventKey(&e)] = true
				r.events = append(r.events, e)
				if len(r.events) > 2*maxIndexedEvents {
					r.events = append(r.events[:0], r.events[len(r.events)-maxIndexedEvents:]...)
				}
			}
		case kindFull, kindDelta:
			if fh.kind == kindFull {
				r.blocks++
				first = len(r.snaps)
			} else if first < 0 {
				break // a delta with no full snapshot before it in this file
			}
			key := fh.time
			if n := len(r.snaps); n > 0 && key.Before(r.snaps[n-1].key) {
				key = r.snaps[n-1].key
			}
			r.snaps = append(r.snaps, entry{key: key, full: fh.kind == kindFull, file: file, off: off + headerLen,
				plen: fh.payloadLen, dlen: fh.decodedLen, block: r.blocks, first: first})
		}
		off += headerLen + int64(fh.payloadLen)
	}
	return nil
}

func (r *Reader) torn(name string, off int64, why string) {
	at := "before its first snapshot"
	if n := len(r.snaps); n > 0 {
		at = "after " + r.snaps[n-1].key.Format("15:04:05.0")
	}
	r.notes = append(r.notes, fmt.Sprintf("%s is torn at byte %d (%s): replayed up to its last whole record, %s", name, off, why, at))
}

// Notes say what the reader could not read (a torn file), one per file;
// none for a whole recording.
func (r *Reader) Notes() []string { return r.notes }

// Len is the number of snapshots.
func (r *Reader) Len() int { return len(r.snaps) }

// Start and End are the times of the first and last snapshots.
func (r *Reader) Start() time.Time { return r.snaps[0].key }

// End is the time of the last snapshot.
func (r *Reader) End() time.Time { return r.snaps[len(r.snaps)-1].key }

// Time is the time of snapshot i.
func (r *Reader) Time(i int) time.Time { return r.snaps[i].key }

// Events are the events the recording saw, in the order first seen, as
// first seen (their before/after comparisons are in the snapshots).
func (r *Reader) Events() []model.Event {
	if len(r.events) > maxIndexedEvents {
		return r.events[len(r.events)-maxIndexedEvents:]
	}
	return r.events
}

// Index is the snapshot at or before t: the first one when t is before
// the recording.
func (r *Reader) Index(t time.Time) int {
	i := sort.Search(len(r.snaps), func(i int) bool { return r.snaps[i].key.After(t) })
	return max(i-1, 0)
}

// IndexAfter is the first snapshot at or after t: the last one when t is
// after the recording.
func (r *Reader) IndexAfter(t time.Time) int {
	i := sort.Search(len(r.snaps), func(i int) bool { return !r.snaps[i].key.Before(t) })
	return min(i, len(r.snaps)-1)
}

// At is the snapshot gwtop had published at t: the last one at or before
// it (the first one for a time before the recording).
func (r *Reader) At(t time.Time) (*model.Snapshot, error) { return r.Snapshot(r.Index(t)) }

// Snapshot decodes snapshot i. Going forward within a block continues
// where the last call stopped; anything else starts at the block's full
// snapshot.
func (r *Reader) Snapshot(i int) (*model.Snapshot, error) {
	if i < 0 || i >= len(r.snaps) {
		return nil, fmt.Errorf("replay: snapshot %d of %d", i, len(r.snaps))
	}
	if i == r.last.i {
		return r.last.snap, nil
	}
	e := r.snaps[i]
	if r.cur == nil || r.cur.block != e.block || r.cur.next > i+1 || r.cur.err != nil {
		r.cur.close()
		r.cur = r.newCursor(e.first)
	}
	for r.cur.next <= i {
		if err := r.cur.step(); err != nil {
			return nil, err
		}
	}
	b, err := r.cur.st.json()
	if err != nil {
		return nil, fmt.Errorf("replay: snapshot at %s: %w", e.key.Format(time.RFC3339), err)
	}
	s := new(model.Snapshot)
	if err := json.Unmarshal(b, s); err != nil {
		return nil, fmt.Errorf("replay: snapshot at %s: %w", e.key.Format(time.RFC3339), err)
	}
	r.last.i, r.last.snap = i, s
	return s, nil
}

// close frees the decoder.
func (c *cursor) close() {
	if c != nil && c.gz != nil {
		c.gz.Close()
		c.gz = nil
	}
}

// Close closes the files Open opened.
func (r *Reader) Close() error {
	r.cur.close()
	r.cur = nil
	var errs []error
	for _, c := range r.closers {
		errs = append(errs, c.Close())
	}
	r.closers = nil
	return errors.Join(errs...)
}

// cursor decodes one block's zstd stream forward, snapshot by snapshot.
type cursor struct {
	r     *Reader
	block int
	next  int // the next snapshot step decodes
	feed  int // the next snapshot whose payload the stream reads
	gz    *zstd.Decoder
	buf   []byte // the payload being fed
	st    *state
	err   error
}

func (r *Reader) newCursor(first int) *cursor {
	return &cursor{r: r, block: r.snaps[first].block, next: first, feed: first}
}

// Read feeds the zstd decoder the block's payloads, in order; the stream
// ends at the block's end.
func (c *cursor) Read(p []byte) (int, error) {
	for len(c.buf) == 0 {
		if c.feed >= len(c.r.snaps) || c.r.snaps[c.feed].block != c.block {
			return 0, io.EOF
		}
		e := c.r.snaps[c.feed]
		c.buf = make([]byte, e.plen)
		if _, err := c.r.files[e.file].ReadAt(c.buf, e.off); err != nil {
			return 0, err
		}
		c.feed++
	}
	n := copy(p, c.buf)
	c.buf = c.buf[n:]
	return n, nil
}

func (c *cursor) step() error {
	e := c.r.snaps[c.next]
	fail := func(err error) error {
		c.err = fmt.Errorf("replay: decode the snapshot at %s: %w", e.key.Format(time.RFC3339), err)
		return c.err
	}
	if c.gz == nil {
		gz, err := zstd.NewReader(bufio.NewReaderSize(c, 4096), zstd.WithDecoderConcurrency(1),
			zstd.WithDecoderMaxWindow(zstdWindow), zstd.WithDecoderMaxMemory(maxDecoded), zstd.WithDecoderLowmem(true))
		if err != nil {
			return fail(err)
		}
		c.gz = gz
	}
	// Read as it decodes: a length that lies costs no more than the data.
	raw, err := io.ReadAll(io.LimitReader(c.gz, int64(e.dlen)))
	if err != nil {
		return fail(err)
	}
	if len(raw) != e.dlen {
		return fail(io.ErrUnexpectedEOF)
	}
	if e.full {
		st, err := parseState(raw)
		if err != nil {
			return fail(err)
		}
		c.st = st
	} else {
		var d delta
		if err := json.Unmarshal(raw, &d); err != nil {
			return fail(err)
		}
		st, err := apply(c.st, &d)
		if err != nil {
			return fail(err)
		}
		c.st = st
	}
	c.next++
	return nil
}
