// Package tail follows a log file the way `tail -F` does, for feeding
// gateway access and error logs (nginx, HAProxy, ...) into gwtop.
//
// It survives what happens to logs on a real gateway: the file not existing
// yet; logrotate's rename+create, once or several times within one poll
// (the renamed file is kept open and read to its end for as long as the
// writer still appends to it, and a file rotated in between — a name in the
// same directory starting with the log's name, whose inode was never read —
// is read too); copytruncate (the copy, a file of that prefix whose first
// bytes are those we read, is read on from where we stopped, so the lines
// written between our last read and the cut are not lost; a truncation is
// noticed by size or by the file's first bytes changing); half-written last
// lines and absurdly long lines. Only a regular file is read: the path is
// opened without blocking (O_NONBLOCK) and anything else (a named pipe, a
// device, a directory, a socket) is an error in Stats.Err, checked again
// every poll.
//
// Changes are noticed through fsnotify (inotify) on the file's directory
// where it works, and by polling every Options.Poll in any case, so
// filesystems where change notification does not work (NFS, overlay, bind
// mounts into containers) are still followed.
//
// Memory is bounded by the read buffer (64 KiB) plus Options.MaxLine for
// each file open at once (the current one and at most maxOld rotated ones
// being drained), whatever the size of the files or their lines, and the
// steady state does not allocate per line.
package tail

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/fsnotify/fsnotify"
)

const (
	// DefaultPoll is how often the file is checked for growth and rotation
	// when Options.Poll is zero.
	DefaultPoll = 250 * time.Millisecond
	// notifiedPoll is the poll's interval while file events are watched.
	notifiedPoll = 2 * time.Second
	// coalesce is the least time between two reads that file events
	// start: a gateway that writes every line with its own write(2)
	// (nginx without buffer=) raises an event per line, and reading each
	// alone would wake gwtop thousands of times a second. Lines written
	// meanwhile are read together; none waits longer than this.
	coalesce = 250 * time.Millisecond
	// DefaultMaxLine is the longest line kept when Options.MaxLine is zero.
	DefaultMaxLine = 64 << 10

	readBufSize = 64 << 10
	// ctxEvery is how many lines are read between checks of ctx while
	// working through a backlog, so a cancel is noticed promptly without
	// paying for a ctx check on every line.
	ctxEvery = 512
	// headLen is how many of a file's first bytes are kept to recognise
	// it: its copy after copytruncate, or its being cut and refilled.
	headLen = 256
	// maxOld is how many rotated files are drained at once.
	maxOld = 8
	// maxScan bounds the directory entries looked at for rotated files.
	maxScan = 4096
	// minDrain is how long a rotated file that stopped growing is kept
	// open (at least 8 polls): the writer may not have reopened its log
	// yet.
	minDrain = 2 * time.Second
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
	// is cut to MaxLine bytes and counted in Stats.CutLines; the rest of
	// it is discarded and the next line is intact.
	MaxLine int
	// Flow is how often a log that gets lines is read, on the wall clock,
	// a quarter of it before each multiple (so that a reader publishing
	// on those multiples, gwtop's engine, sees a read's lines at the next
	// one); coalesce if 0 or shorter.
	Flow time.Duration
}

// Stats describe what a Tailer has done so far.
type Stats struct {
	Lines       int64  // lines delivered to fn
	Bytes       int64  // bytes consumed from files, line terminators included
	CutLines    int64  // lines longer than MaxLine, delivered cut to MaxLine
	Rotations   int64  // rename rotations followed, each file rotated in between included
	Truncations int64  // times the file was cut under us (copytruncate)
	Offset      int64  // read position in the current file
	Waiting     bool   // no file is open: Run has not opened it yet, or it does not exist or cannot be opened
	Err         string // why the file is not being read, or the last read error; "" when all is well
}

// Tailer follows one file. Create it with New and start it with Run; Stats
// may be called from other goroutines at any time.
type Tailer struct {
	path string
	opt  Options

	lines, bytes, cut, rotations, truncations, offset atomic.Int64
	wakes                                             atomic.Int64 // of Run's loop between reads, for the tests
	waiting                                           atomic.Bool
	err                                               atomic.Pointer[string]

	// pos is where the line being delivered lies (Pos), set by emit on
	// Run's goroutine around each call of fn.
	pos    Pos
	posSet bool

	// pollHook, when set (tests only), replaces the Poll timer and file
	// events.
	pollHook chan chan struct{}
	// noNotify (tests only) follows by polling alone.
	noNotify bool
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
		CutLines:    t.cut.Load(),
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

// NotRegularError is the error for a path that is not a regular file.
type NotRegularError struct {
	Path string
	What string // "named pipe", "character device", "directory", ...
}

func (e *NotRegularError) Error() string {
	return fmt.Sprintf("%s: not a regular file: %s", e.Path, e.What)
}

// describe turns an open/stat error into the short text shown in Stats.Err.
func (t *Tailer) describe(err error) string {
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Sprintf("waiting for %s: no such file", t.path)
	}
	var nr *NotRegularError
	if errors.As(err, &nr) {
		return nr.Error() + " (checked again every poll)"
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err // the path is already in our message
	}
	return fmt.Sprintf("waiting for %s: %v", t.path, err)
}

// fileKind names what a non-regular mode is.
func fileKind(m fs.FileMode) string {
	switch {
	case m&fs.ModeNamedPipe != 0:
		return "named pipe"
	case m&fs.ModeSocket != 0:
		return "socket"
	case m&fs.ModeCharDevice != 0:
		return "character device"
	case m&fs.ModeDevice != 0:
		return "block device"
	case m.IsDir():
		return "directory"
	case m&fs.ModeSymlink != 0:
		return "symbolic link"
	}
	return "irregular file"
}

// OpenRegular is openRegular for the other readers of log and
// configuration files (a time range's rotated copies, the configuration
// watch): a named pipe put where a file was never blocks them.
func OpenRegular(path string) (*os.File, os.FileInfo, error) { return openRegular(path) }

// openRegular opens path for reading without ever blocking (a named pipe
// with no writer would block an ordinary open until one comes), then checks
// on the descriptor that it is a regular file.
func openRegular(path string) (*os.File, os.FileInfo, error) {
	var fd int
	var err error
	for {
		fd, err = syscall.Open(path, syscall.O_RDONLY|syscall.O_NONBLOCK|syscall.O_CLOEXEC|syscall.O_NOCTTY, 0)
		if err != syscall.EINTR {
			break
		}
	}
	if err != nil {
		// A socket cannot be opened at all (ENXIO): say what it is.
		if fi, serr := os.Stat(path); serr == nil && !fi.Mode().IsRegular() {
			return nil, nil, &NotRegularError{Path: path, What: fileKind(fi.Mode())}
		}
		return nil, nil, &fs.PathError{Op: "open", Path: path, Err: err}
	}
	f := os.NewFile(uintptr(fd), path)
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, nil, &NotRegularError{Path: path, What: fileKind(fi.Mode())}
	}
	return f, fi, nil
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
	r := &reader{t: t, fn: fn, known: map[fileID]bool{}}
	defer r.closeAll()

	var events chan fsnotify.Event
	var evErrs chan error
	if !t.opt.StopAtEOF && t.pollHook == nil && !t.noNotify {
		// Unbuffered: while lines flow the loop below does not listen,
		// and fsnotify's reader then waits on its first event instead of
		// waking for every write; the kernel merges the repeats meanwhile.
		if w, err := fsnotify.NewWatcher(); err == nil {
			if w.Add(filepath.Dir(t.path)) == nil {
				events, evErrs = w.Events, w.Errors
			}
			defer w.Close()
		}
	}
	base := filepath.Base(t.path)

	// With file events the poll is only a safety net (an event missed or
	// dropped, a file system without inotify): it runs at notifiedPoll,
	// not at every Poll, so an idle log wakes nothing up.
	poll := t.opt.Poll
	if events != nil {
		poll = max(poll, notifiedPoll)
	}
	timer := time.NewTimer(poll)
	defer timer.Stop()
	flow := max(t.opt.Flow, coalesce)
	var lastRead time.Time
	// flowing says the last read found bytes: the next is then at the
	// next mark of flow, on the clock, without waiting for file events (a
	// busy log raises one per write, and each would wake gwtop for
	// nothing); a read that finds none goes back to the events.
	flowing := false
	sleep := func() bool {
		if t.pollHook != nil {
			return t.hookedSleep(ctx)
		}
		evs, errs, next := events, evErrs, untilNext(time.Now(), poll)
		if flowing && events != nil {
			// Not listened to (a nil channel never receives), and read
			// a quarter of flow before each of its marks: before the
			// publisher's, so that what a read finds is in the next
			// snapshot, not one mark later.
			evs, errs = nil, nil
			next = untilNext(time.Now().Add(flow/4), flow)
		}
		timer.Reset(next)
		settling := false
		for {
			t.wakes.Add(1)
			select {
			case <-ctx.Done():
				return false
			case <-timer.C:
				lastRead = time.Now()
				return true
			case err, ok := <-errs:
				if !ok || err != nil {
					// An overflow or a closed watcher: the poll goes on,
					// at its own pace again.
					evErrs, events, poll = nil, nil, t.opt.Poll
					evs, errs = nil, nil
				}
			case ev, ok := <-evs:
				if !ok {
					events, evErrs, poll = nil, nil, t.opt.Poll
					evs, errs = nil, nil
					continue
				}
				if settling || !strings.HasPrefix(filepath.Base(ev.Name), base) {
					continue
				}
				wait := coalesce - time.Since(lastRead)
				if wait <= 0 {
					lastRead = time.Now()
					return true
				}
				// Read when coalesce has passed since the last read; the
				// events until then only say what that read will see.
				settling = true
				timer.Reset(wait)
			}
		}
	}

	atEnd := !t.opt.FromStart
	scanned := false
	for {
		if ctx.Err() != nil {
			return nil
		}
		if r.cur == nil {
			if !scanned && !t.opt.StopAtEOF {
				// Rotated files already there are not ours to read.
				r.scan(func(fileID, os.FileInfo, string) {})
				scanned = true
			}
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
				r.drainOld(ctx)
				continue
			}
			t.waiting.Store(false)
			t.setErr("")
		}

		before := r.cur.off
		if err := r.cur.readToEOF(ctx); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			if t.opt.StopAtEOF {
				r.cur.flush()
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
			r.cur.flush()
			return nil
		}

		flowing = r.cur.off != before
		if !sleep() {
			return nil
		}
		r.drainOld(ctx)

		switch r.check(ctx) {
		case rotated:
			// Lines written to the old file between our last read and the
			// rename are still in it, and the writer may go on appending
			// until it reopens its log: read it now and keep it open.
			if r.cur.readToEOF(ctx) != nil && ctx.Err() != nil {
				return nil
			}
			r.retire(r.cur)
			r.cur = nil
			t.rotations.Add(1)
			// Files rotated in between (a second rename within one poll)
			// hold lines we have not read: read them whole.
			r.scan(func(id fileID, fi os.FileInfo, p string) {
				if r.readWhole(ctx, p, id) {
					t.rotations.Add(1)
				}
			})
			// The loop opens the new file at once, from its start.
		case truncated:
			r.truncated(ctx)
			t.truncations.Add(1)
		}
	}
}

// untilNext is how long from now to the next multiple of d on the wall
// clock: the poll fires at the same instants as gwtop's other loops of a
// pace that divides it (the engine's publisher, every 500 ms), so a
// followed log that gets no line costs an idle gwtop no wakeup of its own.
func untilNext(now time.Time, d time.Duration) time.Duration {
	return d - time.Duration(now.UnixNano()%int64(d))
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

// fileID is a file's identity: device and inode.
type fileID struct{ dev, ino uint64 }

func idOf(fi os.FileInfo) (fileID, bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return fileID{}, false
	}
	return fileID{uint64(st.Dev), uint64(st.Ino)}, true //nolint:unconvert // Dev's type differs by platform
}

// reader is Run's state; it lives on Run's goroutine only.
type reader struct {
	t  *Tailer
	fn func([]byte)

	cur *src   // the file at the path
	old []*src // rotated files still being drained, oldest first
	// known holds the files of the log's directory with its prefix that
	// are not to be read as rotated-in-between: those present at start,
	// and every file opened since.
	known map[fileID]bool

	pathGone bool // check set Stats.Err because the path is missing
	readErr  bool // Stats.Err holds a read error
}

// src is one open file and where we are in it.
type src struct {
	r    *reader
	f    *os.File
	fi   os.FileInfo // of f, for os.SameFile against the path
	br   *bufio.Reader
	off  int64  // bytes consumed from f; the file shrinking below it is a truncation
	head []byte // the file's first bytes (up to headLen) as we read them

	line []byte // a line spanning reads: unterminated, or longer than br's buffer
	over bool   // line overflowed MaxLine+1; the rest is discarded up to the newline
	skip bool   // drop bytes up to the next newline (we joined the file mid-line)

	grew time.Time // last time a read found bytes (rotated files)
	// rewound is when the file was read again from its start after a
	// cut; zero once we read from it again.
	rewound time.Time

	// start is the offset of the first byte of the line being read; mid
	// says a line has begun (its first bytes are read).
	start int64
	mid   bool

	// The bytes and lines read since the Tailer's counters were last
	// brought up to date (stats): each update is a locked instruction,
	// which waits for every store before it, so it is made once per
	// buffer of lines, not three times per line.
	newBytes, newLines int64
}

// stats adds what s read since the last call to the Tailer's counters.
func (s *src) stats() {
	t := s.r.t
	if s.newBytes != 0 {
		t.bytes.Add(s.newBytes)
		s.newBytes = 0
		if s == s.r.cur {
			t.offset.Store(s.off)
		}
	}
	if s.newLines != 0 {
		t.lines.Add(s.newLines)
		s.newLines = 0
	}
}

func (r *reader) newSrc(f *os.File, fi os.FileInfo) *src {
	s := &src{r: r, f: f, fi: fi, br: bufio.NewReaderSize(f, readBufSize), grew: time.Now()}
	if id, ok := idOf(fi); ok {
		r.known[id] = true
	}
	return s
}

func (r *reader) open(atEnd bool) error {
	f, fi, err := openRegular(r.t.path)
	if err != nil {
		return err
	}
	s := r.newSrc(f, fi)
	var off int64
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
				s.skip = true
			}
		}
		if off > 0 {
			s.head = make([]byte, min(off, headLen))
			n, _ := f.ReadAt(s.head, 0)
			s.head = s.head[:n]
		}
		s.br.Reset(f)
	}
	s.off = off
	r.cur = s
	r.pathGone, r.readErr = false, false
	r.t.offset.Store(off)
	return nil
}

func (s *src) close() {
	if s.f != nil {
		s.f.Close()
		s.f = nil
		s.br.Reset(nil)
	}
}

func (r *reader) closeAll() {
	if r.cur != nil {
		r.cur.close()
	}
	for _, s := range r.old {
		s.close()
	}
	r.old = nil
}

// retire keeps a rotated file open to drain what its writer still appends
// before it reopens its log.
func (r *reader) retire(s *src) {
	s.grew = time.Now()
	if len(r.old) == maxOld {
		r.old[0].flush()
		r.old[0].close()
		r.old = slices.Delete(r.old, 0, 1)
	}
	r.old = append(r.old, s)
}

// drainOld reads the rotated files on, and lets go of those that have not
// grown for a while: their writer has moved to the new file.
func (r *reader) drainOld(ctx context.Context) {
	keepFor := max(minDrain, 8*r.t.opt.Poll)
	r.old = slices.DeleteFunc(r.old, func(s *src) bool {
		off := s.off
		if s.readToEOF(ctx) == nil && s.off == off && time.Since(s.grew) > keepFor {
			s.flush() // an unterminated tail of the old file ends there
			s.close()
			return true
		}
		if s.off != off {
			s.grew = time.Now()
		}
		return false
	})
}

// scan calls found for each file in the log's directory whose name starts
// with the log's name (access.log.1, access.log-20260101, ...), is a
// regular, uncompressed file other than the log itself, and was not known;
// every such file is known afterwards. It opens nothing but the candidates'
// first bytes, and only regular files, without blocking.
func (r *reader) scan(found func(id fileID, fi os.FileInfo, path string)) {
	dir, base := filepath.Dir(r.t.path), filepath.Base(r.t.path)
	d, err := os.Open(dir)
	if err != nil {
		return
	}
	names, _ := d.Readdirnames(maxScan)
	d.Close()
	var pfi os.FileInfo
	if fi, err := os.Stat(r.t.path); err == nil {
		pfi = fi
	}
	type cand struct {
		id   fileID
		fi   os.FileInfo
		path string
	}
	var cands []cand
	for _, n := range names {
		if n == base || !strings.HasPrefix(n, base) || compressedName(n) {
			continue
		}
		p := filepath.Join(dir, n)
		fi, err := os.Stat(p)
		if err != nil || !fi.Mode().IsRegular() || (pfi != nil && os.SameFile(fi, pfi)) {
			continue
		}
		id, ok := idOf(fi)
		if !ok || r.known[id] {
			continue
		}
		r.known[id] = true
		cands = append(cands, cand{id, fi, p})
	}
	// Oldest first: the order the lines were written in.
	slices.SortFunc(cands, func(a, b cand) int { return a.fi.ModTime().Compare(b.fi.ModTime()) })
	for _, c := range cands {
		found(c.id, c.fi, c.path)
	}
	if len(r.known) > 2*maxScan {
		clear(r.known) // bounded; rebuilt from what is there now
		r.scan(func(fileID, os.FileInfo, string) {})
		if r.cur != nil {
			if id, ok := idOf(r.cur.fi); ok {
				r.known[id] = true
			}
		}
	}
}

func compressedName(n string) bool {
	for _, ext := range []string{".gz", ".bz2", ".xz", ".zst", ".lz4", ".lzma", ".Z", ".zip", ".br"} {
		if strings.HasSuffix(n, ext) {
			return true
		}
	}
	return false
}

// compressedHead tells a compressed file by its magic bytes.
func compressedHead(b []byte) bool {
	for _, m := range [][]byte{{0x1f, 0x8b}, []byte("BZh"), {0xfd, '7', 'z', 'X', 'Z'}, {0x28, 0xb5, 0x2f, 0xfd}, {0x04, 0x22, 0x4d, 0x18}} {
		if bytes.HasPrefix(b, m) {
			return true
		}
	}
	return false
}

// readWhole reads a rotated file we never read, from its start, and keeps
// it with the rotated files being drained. It reports whether it did.
func (r *reader) readWhole(ctx context.Context, path string, id fileID) bool {
	f, fi, err := openRegular(path)
	if err != nil {
		return false
	}
	if got, ok := idOf(fi); !ok || got != id {
		f.Close() // renamed again since the scan
		return false
	}
	var magic [8]byte
	n, _ := f.ReadAt(magic[:], 0)
	if compressedHead(magic[:n]) {
		f.Close()
		return false
	}
	s := r.newSrc(f, fi)
	_ = s.readToEOF(ctx)
	r.retire(s)
	return true
}

// truncated handles the current file being cut (copytruncate): the lines
// between our last read and the cut are in the copy, a file of the log's
// prefix whose first bytes are those we read and that is at least as long
// as our offset. It is read on from our offset; then the file is read again
// from its start.
func (r *reader) truncated(ctx context.Context) {
	s := r.cur
	var copied *src
	if len(s.head) > 0 {
		dir, base := filepath.Dir(r.t.path), filepath.Base(r.t.path)
		names := []string{base + ".1"}
		if d, err := os.Open(dir); err == nil {
			more, _ := d.Readdirnames(maxScan)
			d.Close()
			slices.Sort(more)
			names = append(names, more...)
		}
		buf := make([]byte, len(s.head))
		for _, n := range names {
			if n == base || !strings.HasPrefix(n, base) || compressedName(n) {
				continue
			}
			f, fi, err := openRegular(filepath.Join(dir, n))
			if err != nil {
				continue
			}
			if os.SameFile(fi, s.fi) || fi.Size() < s.off {
				f.Close()
				continue
			}
			if k, err := f.ReadAt(buf, 0); k != len(buf) || err != nil && err != io.EOF || !bytes.Equal(buf, s.head) {
				f.Close()
				continue
			}
			if _, err := f.Seek(s.off, io.SeekStart); err != nil {
				f.Close()
				continue
			}
			copied = r.newSrc(f, fi)
			break
		}
	}
	if copied != nil {
		// The copy goes on where we stopped, a held partial line included.
		copied.off, copied.head = s.off, s.head
		copied.line, copied.over, copied.skip = s.line, s.over, s.skip
		copied.start, copied.mid = s.start, s.mid
		s.line = nil
		_ = copied.readToEOF(ctx)
		copied.flush()
		copied.close()
	} else {
		s.flush()
	}
	// Copies made since that we never read (copytruncate twice within
	// one poll) come before what is in the file now.
	r.scan(func(id fileID, fi os.FileInfo, p string) {
		if r.readWhole(ctx, p, id) {
			r.t.truncations.Add(1)
		}
	})
	if err := s.rewind(); err != nil {
		r.t.setErr(fmt.Sprintf("rewinding %s: %v", r.t.path, err))
		s.close()
		r.cur = nil
	}
}

// rewind restarts the current file from its beginning after copytruncate.
func (s *src) rewind() error {
	if _, err := s.f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	s.off = 0
	s.r.t.offset.Store(0)
	s.br.Reset(s.f)
	s.head = s.head[:0]
	s.line, s.over, s.skip, s.mid = s.line[:0], false, false, false
	s.rewound = time.Now()
	return nil
}

// missedCopies finds a copy made by a second copytruncate while we had read
// nothing since the first (a cut at offset 0 changes nothing we can see in
// the file): a new file of the log's prefix, written since our rewind, whose
// first bytes are no longer in the log. It is read whole.
func (r *reader) missedCopies(ctx context.Context) {
	s := r.cur
	dir, base := filepath.Dir(r.t.path), filepath.Base(r.t.path)
	d, err := os.Open(dir)
	if err != nil {
		return
	}
	names, _ := d.Readdirnames(maxScan)
	d.Close()
	var a, b [headLen]byte
	for _, n := range names {
		if n == base || !strings.HasPrefix(n, base) || compressedName(n) {
			continue
		}
		p := filepath.Join(dir, n)
		fi, err := os.Stat(p)
		if err != nil || !fi.Mode().IsRegular() || fi.Size() == 0 || fi.ModTime().Before(s.rewound) {
			continue
		}
		id, ok := idOf(fi)
		if !ok || r.known[id] {
			continue
		}
		f, _, err := openRegular(p)
		if err != nil {
			continue
		}
		k, _ := f.ReadAt(a[:], 0)
		f.Close()
		if m, _ := s.f.ReadAt(b[:k], 0); m == k && bytes.Equal(a[:k], b[:k]) {
			continue // not cut yet: the lines are still in the log
		}
		r.known[id] = true
		if r.readWhole(ctx, p, id) {
			r.t.truncations.Add(1)
		}
	}
}

// check compares the path with the open file. A path that is missing or
// cannot be stat'ed is not a rotation: between logrotate's rename and the
// create, and until the writer reopens its log, the old file is still the
// one being written, so we keep reading it.
func (r *reader) check(ctx context.Context) change {
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
	s := r.cur
	if !os.SameFile(s.fi, pfi) {
		return rotated
	}
	if !s.rewound.IsZero() {
		if s.off > 0 {
			s.rewound = time.Time{}
		} else {
			r.missedCopies(ctx)
		}
	}
	if pfi.Size() < s.off {
		return truncated
	}
	// Cut and refilled past our offset within one poll: the first bytes
	// are not those we read.
	if n := len(s.head); n > 0 {
		var buf [headLen]byte
		if k, _ := s.f.ReadAt(buf[:n], 0); k < n || !bytes.Equal(buf[:n], s.head) {
			return truncated
		}
	}
	return unchanged
}

// readToEOF delivers every complete line available. A trailing partial line
// is kept in s.line until its newline arrives. It returns nil at EOF.
func (s *src) readToEOF(ctx context.Context) error {
	defer s.stats()
	for n := 1; ; n++ {
		if n%ctxEvery == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		chunk, err := s.br.ReadSlice('\n')
		if len(chunk) > 0 {
			if s.off < headLen && int64(len(s.head)) == s.off {
				s.head = append(s.head, chunk[:min(len(chunk), headLen-len(s.head))]...)
			}
			if !s.mid {
				s.start, s.mid = s.off, true
			}
			s.off += int64(len(chunk))
			s.newBytes += int64(len(chunk))
		}
		switch err {
		case nil:
			s.complete(chunk[:len(chunk)-1])
		case bufio.ErrBufferFull:
			s.hold(chunk)
		case io.EOF:
			s.hold(chunk)
			return nil
		default:
			s.hold(chunk)
			return err
		}
	}
}

// hold keeps part of a line that continues in a later read, up to
// MaxLine+1 bytes (the extra byte leaves room for the '\r' of a "\r\n"
// ending, so a line of exactly MaxLine bytes is not counted as cut).
func (s *src) hold(b []byte) {
	if s.skip || s.over || len(b) == 0 {
		return
	}
	limit := s.r.t.opt.MaxLine + 1
	if room := limit - len(s.line); len(b) > room {
		b = b[:room]
		s.over = true
	}
	if s.line == nil {
		// Most spanning lines are short fragments at EOF: start small and
		// let append grow it toward the MaxLine+1 bound only when needed.
		s.line = make([]byte, 0, min(limit, 4096))
	}
	s.line = append(s.line, b...)
}

// complete ends the current line with b, its last piece (newline removed).
func (s *src) complete(b []byte) {
	s.mid = false // the next byte starts a line
	if s.skip {
		s.skip = false
		return
	}
	if len(s.line) == 0 && !s.over {
		s.emit(b, false) // the common case: the whole line is in br's buffer
		return
	}
	s.hold(b)
	s.emit(s.line, s.over)
	s.line, s.over = s.line[:0], false
}

// flush delivers a held unterminated line: at EOF with StopAtEOF, or when
// the file it came from is left behind (rotation, truncation).
func (s *src) flush() {
	if !s.skip && (len(s.line) > 0 || s.over) {
		s.emit(s.line, s.over)
	}
	s.line, s.over, s.skip, s.mid = s.line[:0], false, false, false
}

func (s *src) emit(b []byte, over bool) {
	t := s.r.t
	if !over && len(b) > 0 && b[len(b)-1] == '\r' {
		b = b[:len(b)-1]
	}
	if over || len(b) > t.opt.MaxLine {
		b = b[:min(len(b), t.opt.MaxLine)]
		t.cut.Add(1)
	}
	// The counters are brought up to date before the last line the
	// buffer holds is handed over (a reader of Stats that has that line
	// sees it counted), and every ctxEvery lines of a long read.
	if s.newLines++; s.br.Buffered() == 0 || s.newLines >= ctxEvery {
		s.stats()
	}
	t.pos, t.posSet = Pos{Offset: s.start, Len: s.off - s.start}, s.f != nil
	if s.f != nil {
		t.pos.Path = s.f.Name()
		if id, ok := idOf(s.fi); ok {
			t.pos.Dev, t.pos.Ino = id.dev, id.ino
		}
	}
	s.r.fn(b)
	t.posSet = false
}

// Pos is where a delivered line lies in its file, to read it back later:
// the path the file was opened by and its identity (a rotated file keeps
// its identity, not its path), the offset of the line's first byte and
// how many bytes it spans there, line ending included.
type Pos struct {
	Path     string
	Dev, Ino uint64
	Offset   int64
	Len      int64
}

// Pos is the position of the line being delivered. It may be called only
// from inside Run's fn, on Run's goroutine; ok is false elsewhere.
func (t *Tailer) Pos() (Pos, bool) { return t.pos, t.posSet }
