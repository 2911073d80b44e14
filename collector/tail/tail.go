// Package tail follows a log file the way `tail -F` does, for feeding
// gateway access and error logs (nginx, HAProxy, ...) into gwtop.
//
// It survives what happens to logs on a real gateway: the file not existing
// yet, logrotate's rename+create (the rest of the old file is read before
// switching, so lines written just before the rename are not lost),
// copytruncate (noticed when the file is shorter than our offset at a poll;
// a file truncated and refilled past our offset within one poll looks like
// growth, as with any polling tailer), half-written last lines and absurdly
// long lines. It polls
// rather than using inotify: a 250 ms poll is cheap, portable, and works on
// filesystems where change notification does not (NFS, overlay, bind mounts
// into containers).
//
// Memory is bounded by the read buffer (64 KiB) plus Options.MaxLine,
// whatever the size of the file or its lines, and the steady state does not
// allocate per line.
package tail

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"sync/atomic"
	"time"
)

const (
	// DefaultPoll is how often the file is checked for growth and rotation
	// when Options.Poll is zero.
	DefaultPoll = 250 * time.Millisecond
	// DefaultMaxLine is the longest line kept when Options.MaxLine is zero.
	DefaultMaxLine = 64 << 10

	readBufSize = 64 << 10
	// ctxEvery is how many lines are read between checks of ctx while
	// working through a backlog, so a cancel is noticed promptly without
	// paying for a ctx check on every line.
	ctxEvery = 512
)

// Options tune a Tailer. The zero value follows new lines from the current
// end of the file.
type Options struct {
	// FromStart reads the file from its beginning. By default the tailer
	// starts at the current end of the file, so only lines written after
	// Run starts are delivered. A file that does not exist when Run starts
	// is always read from its beginning once it appears: all of it is new.
	FromStart bool
	// StopAtEOF makes Run return once it reaches the end of the file
	// (backlog analysis). A final line without a newline is delivered.
	StopAtEOF bool
	// Poll is how often to check for growth and rotation; DefaultPoll if 0.
	Poll time.Duration
	// Backfill, when starting at the end of an existing file, first reads
	// up to this many bytes before the end (from the next line start), so
	// the last few minutes are seen at once instead of only what comes
	// next. 0 means none.
	Backfill int64
	// MaxLine is the longest line kept, DefaultMaxLine if 0. A longer line
	// is cut to MaxLine bytes and counted in Stats.Truncated; the rest of
	// it is discarded and the next line is intact.
	MaxLine int
}

// Stats describe what a Tailer has done so far.
type Stats struct {
	Lines       int64  // lines delivered to fn
	Bytes       int64  // bytes consumed from files, line terminators included
	Truncated   int64  // lines longer than MaxLine, delivered cut
	Rotations   int64  // rename+create rotations followed
	Truncations int64  // times the file shrank under us (copytruncate)
	Offset      int64  // read position in the current file
	Waiting     bool   // no file is open: Run has not opened it yet, or it does not exist or cannot be opened
	Err         string // why the file is not being read, or the last read error; "" when all is well
}

// Tailer follows one file. Create it with New and start it with Run; Stats
// may be called from other goroutines at any time.
type Tailer struct {
	path string
	opt  Options

	lines, bytes, truncated, rotations, truncations, offset atomic.Int64
	waiting                                                 atomic.Bool
	err                                                     atomic.Pointer[string]

	// pollHook, when set (tests only), replaces the Poll timer.
	pollHook chan chan struct{}
}

// New returns a Tailer for path. Nothing is opened until Run.
func New(path string, opt Options) *Tailer {
	if opt.Poll <= 0 {
		opt.Poll = DefaultPoll
	}
	if opt.MaxLine <= 0 {
		opt.MaxLine = DefaultMaxLine
	}
	t := &Tailer{path: path, opt: opt}
	t.waiting.Store(true) // nothing is open until Run opens it
	return t
}

// Path returns the path being followed.
func (t *Tailer) Path() string { return t.path }

// Stats returns a snapshot of the counters. It is safe to call concurrently
// with Run.
func (t *Tailer) Stats() Stats {
	s := Stats{
		Lines:       t.lines.Load(),
		Bytes:       t.bytes.Load(),
		Truncated:   t.truncated.Load(),
		Rotations:   t.rotations.Load(),
		Truncations: t.truncations.Load(),
		Offset:      t.offset.Load(),
		Waiting:     t.waiting.Load(),
	}
	if p := t.err.Load(); p != nil {
		s.Err = *p
	}
	return s
}

func (t *Tailer) setErr(msg string) {
	if msg == "" {
		if t.err.Load() != nil {
			t.err.Store(nil)
		}
		return
	}
	if p := t.err.Load(); p != nil && *p == msg {
		return // avoid an allocation per poll while an error persists
	}
	t.err.Store(&msg)
}

// describe turns an open/stat error into the short text shown in Stats.Err.
func (t *Tailer) describe(err error) string {
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Sprintf("waiting for %s: no such file", t.path)
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err // the path is already in our message
	}
	return fmt.Sprintf("waiting for %s: %v", t.path, err)
}

// Run reads lines and calls fn for each one, without the trailing "\n" or
// "\r\n", until ctx is done or, with StopAtEOF, the end of the file is
// reached. fn's slice is only valid during the call: it points into a
// reused buffer. fn runs on Run's goroutine, so a slow fn slows reading but
// loses nothing.
//
// Run returns nil when ctx is done or at EOF with StopAtEOF. It returns an
// error only with StopAtEOF, when the file cannot be opened or read; without
// it, errors are retried every Poll and reported in Stats.Err.
func (t *Tailer) Run(ctx context.Context, fn func(line []byte)) error {
	r := &reader{
		t:  t,
		fn: fn,
		br: bufio.NewReaderSize(nil, readBufSize),
	}
	defer r.close()

	timer := time.NewTimer(t.opt.Poll)
	defer timer.Stop()
	sleep := func() bool {
		if t.pollHook != nil {
			return t.hookedSleep(ctx)
		}
		timer.Reset(t.opt.Poll)
		select {
		case <-ctx.Done():
			return false
		case <-timer.C:
			return true
		}
	}

	atEnd := !t.opt.FromStart
	for {
		if ctx.Err() != nil {
			return nil
		}
		if r.f == nil {
			err := r.open(atEnd)
			// Only the file present when Run starts is joined at its end;
			// one that appears later is new, so all of it is read.
			atEnd = false
			if err != nil {
				t.waiting.Store(true)
				t.setErr(t.describe(err))
				if t.opt.StopAtEOF {
					return err
				}
				if !sleep() {
					return nil
				}
				continue
			}
			t.waiting.Store(false)
			t.setErr("")
		}

		if err := r.readToEOF(ctx); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			if t.opt.StopAtEOF {
				r.flush()
				return err
			}
			// A read error (EIO, a stale NFS handle) may be transient:
			// report it and try again after a poll, keeping our place.
			t.setErr(fmt.Sprintf("reading %s: %v", t.path, err))
			r.readErr = true
		} else if r.readErr {
			r.readErr = false
			t.setErr("")
		}
		if t.opt.StopAtEOF {
			r.flush()
			return nil
		}

		if !sleep() {
			return nil
		}

		switch r.check() {
		case rotated:
			// Lines written to the old file between our last read and the
			// rename are still in it: read them before moving on.
			if err := r.readToEOF(ctx); err != nil && ctx.Err() != nil {
				return nil
			}
			r.flush() // an unterminated tail of the old file ends there
			r.close()
			t.rotations.Add(1)
			// The loop opens the new file at once, from its start.
		case truncated:
			r.flush()
			if err := r.rewind(); err != nil {
				t.setErr(fmt.Sprintf("rewinding %s: %v", t.path, err))
				r.close()
			}
			t.truncations.Add(1)
		}
	}
}

// hookedSleep replaces the poll timer in tests: it hands the test a channel
// and waits for the test to close it, so a test knows the tailer is parked
// between polls and can change the file at exactly that point.
func (t *Tailer) hookedSleep(ctx context.Context) bool {
	release := make(chan struct{})
	select {
	case t.pollHook <- release:
	case <-ctx.Done():
		return false
	}
	select {
	case <-release:
		return true
	case <-ctx.Done():
		return false
	}
}

type change int

const (
	unchanged change = iota
	rotated
	truncated
)

// reader is Run's state; it lives on Run's goroutine only.
type reader struct {
	t  *Tailer
	fn func([]byte)

	f   *os.File
	fi  os.FileInfo // of f, for os.SameFile against the path
	br  *bufio.Reader
	off int64 // bytes consumed from f; the file shrinking below it is a truncation

	line []byte // a line spanning reads: unterminated, or longer than br's buffer
	over bool   // line overflowed MaxLine+1; the rest is discarded up to the newline
	skip bool   // drop bytes up to the next newline (we joined the file mid-line)

	pathGone bool // check set Stats.Err because the path is missing
	readErr  bool // Stats.Err holds a read error
}

func (r *reader) open(atEnd bool) error {
	f, err := os.Open(r.t.path)
	if err != nil {
		return err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return err
	}
	if fi.IsDir() {
		f.Close()
		return &fs.PathError{Op: "open", Path: r.t.path, Err: errors.New("is a directory")}
	}
	var off int64
	r.skip = false
	if atEnd {
		if off, err = f.Seek(0, io.SeekEnd); err != nil {
			f.Close()
			return err
		}
		if b := r.t.opt.Backfill; b > 0 && off > 0 {
			if off, err = f.Seek(max(0, off-b), io.SeekStart); err != nil {
				f.Close()
				return err
			}
		}
		// Joining a file mid-line (its last line still being written, or
		// a backfill that starts inside a line) would deliver the fragment
		// after our offset as a line of its own.
		var last [1]byte
		if off > 0 {
			if _, err := f.ReadAt(last[:], off-1); err == nil && last[0] != '\n' {
				r.skip = true
			}
		}
	}
	r.f, r.fi, r.off = f, fi, off
	r.pathGone, r.readErr = false, false
	r.t.offset.Store(off)
	r.br.Reset(f)
	r.line, r.over = r.line[:0], false
	return nil
}

func (r *reader) close() {
	if r.f != nil {
		r.f.Close()
		r.f = nil
		r.fi = nil
		r.br.Reset(nil)
	}
}

// rewind restarts the current file from its beginning after copytruncate.
func (r *reader) rewind() error {
	if _, err := r.f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	r.off = 0
	r.t.offset.Store(0)
	r.br.Reset(r.f)
	r.line, r.over, r.skip = r.line[:0], false, false
	return nil
}

// check compares the path with the open file. A path that is missing or
// cannot be stat'ed is not a rotation: between logrotate's rename and the
// create, and until the writer reopens its log, the old file is still the
// one being written, so we keep reading it.
func (r *reader) check() change {
	pfi, err := os.Stat(r.t.path)
	if err != nil {
		r.t.setErr(r.t.describe(err) + " (still reading the previous file)")
		r.pathGone = true
		return unchanged
	}
	if r.pathGone {
		r.pathGone = false
		r.t.setErr("")
	}
	if !os.SameFile(r.fi, pfi) {
		return rotated
	}
	if pfi.Size() < r.off {
		return truncated
	}
	return unchanged
}

// readToEOF delivers every complete line available. A trailing partial line
// is kept in r.line until its newline arrives. It returns nil at EOF.
func (r *reader) readToEOF(ctx context.Context) error {
	for n := 1; ; n++ {
		if n%ctxEvery == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		chunk, err := r.br.ReadSlice('\n')
		if len(chunk) > 0 {
			r.off += int64(len(chunk))
			r.t.offset.Store(r.off)
			r.t.bytes.Add(int64(len(chunk)))
		}
		switch err {
		case nil:
			r.complete(chunk[:len(chunk)-1])
		case bufio.ErrBufferFull:
			r.hold(chunk)
		case io.EOF:
			r.hold(chunk)
			return nil
		default:
			r.hold(chunk)
			return err
		}
	}
}

// hold keeps part of a line that continues in a later read, up to
// MaxLine+1 bytes (the extra byte leaves room for the '\r' of a "\r\n"
// ending, so a line of exactly MaxLine bytes is not counted as truncated).
func (r *reader) hold(b []byte) {
	if r.skip || r.over || len(b) == 0 {
		return
	}
	limit := r.t.opt.MaxLine + 1
	if room := limit - len(r.line); len(b) > room {
		b = b[:room]
		r.over = true
	}
	if r.line == nil {
		// Most spanning lines are short fragments at EOF: start small and
		// let append grow it toward the MaxLine+1 bound only when needed.
		r.line = make([]byte, 0, min(limit, 4096))
	}
	r.line = append(r.line, b...)
}

// complete ends the current line with b, its last piece (newline removed).
func (r *reader) complete(b []byte) {
	if r.skip {
		r.skip = false
		return
	}
	if len(r.line) == 0 && !r.over {
		r.emit(b, false) // the common case: the whole line is in br's buffer
		return
	}
	r.hold(b)
	r.emit(r.line, r.over)
	r.line, r.over = r.line[:0], false
}

// flush delivers a held unterminated line: at EOF with StopAtEOF, or when
// the file it came from is left behind (rotation, truncation).
func (r *reader) flush() {
	if !r.skip && (len(r.line) > 0 || r.over) {
		r.emit(r.line, r.over)
	}
	r.line, r.over, r.skip = r.line[:0], false, false
}

func (r *reader) emit(b []byte, over bool) {
	if !over && len(b) > 0 && b[len(b)-1] == '\r' {
		b = b[:len(b)-1]
	}
	if over || len(b) > r.t.opt.MaxLine {
		b = b[:min(len(b), r.t.opt.MaxLine)]
		r.t.truncated.Add(1)
	}
	r.t.lines.Add(1)
	r.fn(b)
}
