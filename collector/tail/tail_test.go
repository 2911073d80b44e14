package tail

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// wait is how long a test waits for something the tailer should do within a
// few polls. It is a deadline for failure, not a sleep: tests move on as
// soon as the condition holds.
const wait = 5 * time.Second

// fastPoll keeps the tests quick; behaviour does not depend on the value.
const fastPoll = 5 * time.Millisecond

// harness runs a Tailer in the background and collects its lines.
type harness struct {
	t      *testing.T
	tl     *Tailer
	lines  chan string
	done   chan error
	cancel context.CancelFunc
}

func start(t *testing.T, path string, opt Options) *harness {
	t.Helper()
	return startWith(t, path, opt, nil)
}

// startStepped starts a tailer whose polls the test controls: each receive
// from the returned channel finds the tailer parked between polls, and
// closing the received channel lets it poll once.
func startStepped(t *testing.T, path string, opt Options) (*harness, chan chan struct{}) {
	t.Helper()
	hook := make(chan chan struct{})
	return startWith(t, path, opt, hook), hook
}

func startWith(t *testing.T, path string, opt Options, hook chan chan struct{}) *harness {
	t.Helper()
	if opt.Poll == 0 {
		opt.Poll = fastPoll
	}
	ctx, cancel := context.WithCancel(context.Background())
	h := &harness{
		t:      t,
		tl:     New(path, opt),
		lines:  make(chan string, 10000),
		done:   make(chan error, 1),
		cancel: cancel,
	}
	h.tl.pollHook = hook
	go func() {
		h.done <- h.tl.Run(ctx, func(b []byte) { h.lines <- string(b) })
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-h.done:
		case <-time.After(wait):
			t.Errorf("Run did not return after cancel")
		}
	})
	return h
}

// expect reads the next lines and fails unless they are exactly want, in
// order.
func (h *harness) expect(want ...string) {
	h.t.Helper()
	deadline := time.After(wait)
	for i, w := range want {
		select {
		case got := <-h.lines:
			if got != w {
				h.t.Fatalf("line %d: got %q, want %q", i, trunc(got), trunc(w))
			}
		case <-deadline:
			h.t.Fatalf("timed out waiting for line %d %q; stats %+v", i, trunc(w), h.tl.Stats())
		}
	}
}

// sentinel appends a marker line and expects it to be the very next line
// delivered: it proves nothing unexpected (a duplicate, a stray fragment)
// was delivered before it, without sleeping.
func (h *harness) sentinel(path string) {
	h.t.Helper()
	appendFile(h.t, path, "--sentinel--\n")
	h.expect("--sentinel--")
}

// until polls cond until it holds or the deadline passes.
func until(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(wait)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

func trunc(s string) string {
	if len(s) > 40 {
		return s[:40] + "..."
	}
	return s
}

func writeFile(t *testing.T, path, s string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

// appendFile writes with O_APPEND, as nginx does (and as copytruncate needs).
func appendFile(t *testing.T, path, s string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString(s); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// runToEOF runs a StopAtEOF tailer synchronously and returns its lines.
func runToEOF(t *testing.T, path string, opt Options) ([]string, *Tailer, error) {
	t.Helper()
	opt.StopAtEOF = true
	tl := New(path, opt)
	var got []string
	done := make(chan error, 1)
	go func() {
		done <- tl.Run(context.Background(), func(b []byte) { got = append(got, string(b)) })
	}()
	select {
	case err := <-done:
		return got, tl, err
	case <-time.After(wait):
		t.Fatal("StopAtEOF Run did not return")
		return nil, nil, nil
	}
}

func TestStartsAtEnd(t *testing.T) {
	path := filepath.Join(t.TempDir(), "access.log")
	old := "old1\nold2\n"
	writeFile(t, path, old)

	h := start(t, path, Options{})
	until(t, "tailer to open the file at its end", func() bool {
		s := h.tl.Stats()
		return !s.Waiting && s.Offset == int64(len(old))
	})
	appendFile(t, path, "new1\nnew2\n")
	h.expect("new1", "new2")
	h.sentinel(path)
	if s := h.tl.Stats(); s.Lines != 3 || s.Bytes != int64(len("new1\nnew2\n--sentinel--\n")) {
		t.Errorf("stats %+v", s)
	}
}

func TestStartsAtEndMidLine(t *testing.T) {
	path := filepath.Join(t.TempDir(), "access.log")
	writeFile(t, path, "old\npart")

	h := start(t, path, Options{})
	until(t, "tailer to open the file", func() bool { return h.tl.Stats().Offset == 8 })
	appendFile(t, path, "ial\nnew\n")
	// The end of the line we joined halfway is not a line of its own.
	h.expect("new")
	h.sentinel(path)
}

// TestBackfill starts at the end but first reads the last Backfill bytes,
// from the first whole line in them.
func TestBackfill(t *testing.T) {
	path := filepath.Join(t.TempDir(), "access.log")
	writeFile(t, path, "line-one\nline-two\nline-three\n")
	// 15 bytes before the end falls inside "line-two": it is skipped whole.
	h := start(t, path, Options{Backfill: 15})
	h.expect("line-three")
	appendFile(t, path, "line-four\n")
	h.expect("line-four")
	h.sentinel(path)

	// A backfill larger than the file reads all of it.
	path2 := filepath.Join(t.TempDir(), "small.log")
	writeFile(t, path2, "a\nb\n")
	h2 := start(t, path2, Options{Backfill: 1 << 20})
	h2.expect("a", "b")
	h2.sentinel(path2)
}

func TestFromStart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "access.log")
	writeFile(t, path, "a\nb\r\n\nc\n")

	h := start(t, path, Options{FromStart: true})
	h.expect("a", "b", "", "c")
	appendFile(t, path, "d\n")
	h.expect("d")
	h.sentinel(path)
}

func TestStopAtEOF(t *testing.T) {
	path := filepath.Join(t.TempDir(), "access.log")
	writeFile(t, path, "one\ntwo\r\nthree")

	got, tl, err := runToEOF(t, path, Options{FromStart: true})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"one", "two", "three"}; strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("got %q, want %q", got, want)
	}
	if s := tl.Stats(); s.Lines != 3 || s.Bytes != 14 || s.Offset != 14 {
		t.Errorf("stats %+v", s)
	}
}

func TestStopAtEOFEmptyAndMissing(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty.log")
	writeFile(t, empty, "")
	got, _, err := runToEOF(t, empty, Options{FromStart: true})
	if err != nil || len(got) != 0 {
		t.Fatalf("empty file: got %q, %v", got, err)
	}

	missing := filepath.Join(dir, "missing.log")
	_, tl, err := runToEOF(t, missing, Options{FromStart: true})
	if !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("missing file: err = %v, want not exist", err)
	}
	if s := tl.Stats(); !s.Waiting || !strings.Contains(s.Err, "no such file") {
		t.Errorf("stats %+v", s)
	}

	_, _, err = runToEOF(t, dir, Options{FromStart: true})
	if err == nil {
		t.Fatal("a directory: want an error")
	}
}

func TestFileCreatedLater(t *testing.T) {
	path := filepath.Join(t.TempDir(), "access.log")

	// Not FromStart: a file that appears after Run started is all new.
	h := start(t, path, Options{})
	until(t, "waiting state", func() bool {
		s := h.tl.Stats()
		return s.Waiting && s.Err == "waiting for "+path+": no such file"
	})
	appendFile(t, path, "first\nsecond\n")
	h.expect("first", "second")
	if s := h.tl.Stats(); s.Waiting || s.Err != "" {
		t.Errorf("after the file appeared: stats %+v", s)
	}
	h.sentinel(path)
}

func TestRotationRenameCreate(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "access.log")
	writeFile(t, path, "a1\na2\n")

	h := start(t, path, Options{FromStart: true})
	h.expect("a1", "a2")

	// Lines written to the old file just before the rename, then the
	// rename, then lines to the new file: logrotate with create.
	appendFile(t, path, "a3\na4\n")
	if err := os.Rename(path, path+".1"); err != nil {
		t.Fatal(err)
	}
	appendFile(t, path, "b1\nb2\n")
	h.expect("a3", "a4", "b1", "b2")
	appendFile(t, path, "b3\n")
	h.expect("b3")
	h.sentinel(path)
	if s := h.tl.Stats(); s.Rotations != 1 || s.Truncations != 0 {
		t.Errorf("stats %+v", s)
	}
}

// freeRun lets a stepped tailer poll freely from now on.
func freeRun(t *testing.T, hook chan chan struct{}) {
	stop := make(chan struct{})
	t.Cleanup(func() { close(stop) })
	go func() {
		for {
			select {
			case release := <-hook:
				close(release)
			case <-stop:
				return
			}
		}
	}()
}

func TestRotationDrainsOldFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "access.log")
	writeFile(t, path, "a1\n")

	h, hook := startStepped(t, path, Options{FromStart: true})
	h.expect("a1")
	release := <-hook // parked at EOF of the old file

	// Between two polls: more lines to the old file (the last one not yet
	// terminated when the writer switched), the rename, a new file. The
	// next poll sees a different file at the path and must finish the old
	// one first.
	appendFile(t, path, "a2\na3")
	if err := os.Rename(path, path+".1"); err != nil {
		t.Fatal(err)
	}
	appendFile(t, path, "b1\n")
	close(release)
	h.expect("a2", "b1")

	// The writer may still finish its last line in the old file until it
	// reopens its log: the fragment is delivered when the old file is let
	// go, after it stopped growing for a while.
	freeRun(t, hook)
	h.expect("a3")
	h.sentinel(path)
	if s := h.tl.Stats(); s.Rotations != 1 {
		t.Errorf("stats %+v", s)
	}
}

func TestRotationOldFileStillWritten(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "access.log")
	writeFile(t, path, "")

	h := start(t, path, Options{FromStart: true})
	until(t, "tailer to open the file", func() bool { return !h.tl.Stats().Waiting })
	if err := os.Rename(path, path+".1"); err != nil {
		t.Fatal(err)
	}
	// Until the writer reopens its log it keeps writing to the renamed
	// file; with no new file yet, those lines must still arrive.
	until(t, "the missing path to be noticed", func() bool {
		return strings.Contains(h.tl.Stats().Err, "no such file")
	})
	appendFile(t, path+".1", "late1\n")
	h.expect("late1")
	appendFile(t, path, "new1\n")
	h.expect("new1")
	h.sentinel(path)
	if s := h.tl.Stats(); s.Rotations != 1 || s.Err != "" {
		t.Errorf("stats %+v", s)
	}
}

func TestCopyTruncate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "access.log")
	long := strings.Repeat("x", 100)
	writeFile(t, path, long+"1\n"+long+"2\n"+long+"3\npart")

	h, hook := startStepped(t, path, Options{FromStart: true})
	h.expect(long+"1", long+"2", long+"3")
	release := <-hook

	// copytruncate: the content is copied elsewhere and the file cut to 0
	// while the writer keeps its O_APPEND descriptor and goes on writing.
	// The fragment held from before the cut is not glued to the new line.
	if err := os.Truncate(path, 0); err != nil {
		t.Fatal(err)
	}
	appendFile(t, path, "d1\n")
	close(release)
	h.expect("part", "d1")

	freeRun(t, hook)
	h.sentinel(path)
	if s := h.tl.Stats(); s.Truncations != 1 || s.Rotations != 0 {
		t.Errorf("stats %+v", s)
	}
}

func TestLongLineTruncated(t *testing.T) {
	path := filepath.Join(t.TempDir(), "access.log")
	huge := strings.Repeat("x", 1<<20)
	writeFile(t, path, "before\n"+huge+"\nafter\n")

	got, tl, err := runToEOF(t, path, Options{FromStart: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 {
		t.Fatalf("got %d lines, want 3", len(got))
	}
	if got[0] != "before" || got[1] != huge[:DefaultMaxLine] || got[2] != "after" {
		t.Fatalf("got %q / %d bytes / %q", got[0], len(got[1]), got[2])
	}
	if s := tl.Stats(); s.CutLines != 1 || s.Lines != 3 {
		t.Errorf("stats %+v", s)
	}
}

func TestMaxLineBoundary(t *testing.T) {
	path := filepath.Join(t.TempDir(), "access.log")
	// With MaxLine 8: exactly 8 bytes (with either ending) is kept whole,
	// 9 bytes is cut, and so is an unterminated 9-byte last line.
	writeFile(t, path, "12345678\n12345678\r\n123456789\n123456789\r\nok\n123456789")

	got, tl, err := runToEOF(t, path, Options{FromStart: true, MaxLine: 8})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"12345678", "12345678", "12345678", "12345678", "ok", "12345678"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("got %q, want %q", got, want)
	}
	if s := tl.Stats(); s.CutLines != 3 {
		t.Errorf("CutLines = %d, want 3", s.CutLines)
	}
}

func TestLongLineFollowing(t *testing.T) {
	// The same cut, but for a line arriving in pieces while following.
	path := filepath.Join(t.TempDir(), "access.log")
	writeFile(t, path, "")
	h := start(t, path, Options{FromStart: true, MaxLine: 100})
	until(t, "tailer to open the file", func() bool { return !h.tl.Stats().Waiting })
	for i := range 5 {
		appendFile(t, path, strings.Repeat("y", 60))
		until(t, "piece to be read", func() bool { return h.tl.Stats().Bytes == int64(60*(i+1)) })
	}
	appendFile(t, path, "\nnext\n")
	h.expect(strings.Repeat("y", 100), "next")
	h.sentinel(path)
	if s := h.tl.Stats(); s.CutLines != 1 {
		t.Errorf("stats %+v", s)
	}
}

func TestPartialLineCompletedLater(t *testing.T) {
	path := filepath.Join(t.TempDir(), "access.log")
	writeFile(t, path, "")

	h := start(t, path, Options{FromStart: true})
	until(t, "tailer to open the file", func() bool { return !h.tl.Stats().Waiting })
	appendFile(t, path, "GET /hel")
	// Make sure the read really landed mid-line before completing it.
	until(t, "partial line to be read", func() bool { return h.tl.Stats().Bytes == 8 })
	appendFile(t, path, "lo 200\n")
	h.expect("GET /hello 200")
	h.sentinel(path)
	if s := h.tl.Stats(); s.Lines != 2 {
		t.Errorf("stats %+v", s)
	}
}

func TestCancelReturns(t *testing.T) {
	dir := t.TempDir()
	existing := filepath.Join(dir, "access.log")
	writeFile(t, existing, "x\n")
	for _, path := range []string{existing, filepath.Join(dir, "missing.log")} {
		ctx, cancel := context.WithCancel(context.Background())
		// A long poll: Run must not wait for it to notice the cancel.
		tl := New(path, Options{FromStart: true, Poll: time.Hour})
		started := make(chan struct{})
		done := make(chan error, 1)
		go func() {
			close(started)
			done <- tl.Run(ctx, func([]byte) {})
		}()
		<-started
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("%s: Run returned %v after cancel, want nil", path, err)
			}
		case <-time.After(wait):
			t.Fatalf("%s: Run did not return after cancel", path)
		}
	}
}

func TestCancelDuringBacklog(t *testing.T) {
	path := filepath.Join(t.TempDir(), "access.log")
	writeFile(t, path, strings.Repeat("line\n", 100000))
	ctx, cancel := context.WithCancel(context.Background())
	tl := New(path, Options{FromStart: true})
	done := make(chan error, 1)
	go func() {
		done <- tl.Run(ctx, func([]byte) { cancel() })
	}()
	select {
	case <-done:
	case <-time.After(wait):
		t.Fatal("Run did not return after cancel")
	}
	if n := tl.Stats().Lines; n >= 100000 {
		t.Errorf("read all %d lines after cancel on the first", n)
	}
}

func BenchmarkTailFromStart(b *testing.B) {
	path := filepath.Join(b.TempDir(), "access.log")
	var buf bytes.Buffer
	line := `10.0.0.1 - - [10/Oct/2026:13:55:36 +0000] "GET /api/v1/items?id=42 HTTP/1.1" 200 512 "-" "curl/8.0" 0.012 10.1.2.3:8080 0.010` + "\n"
	for range 100000 {
		buf.WriteString(line)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(buf.Len()))
	b.ReportAllocs()
	var n int
	for b.Loop() {
		tl := New(path, Options{FromStart: true, StopAtEOF: true})
		if err := tl.Run(context.Background(), func(l []byte) { n += len(l) }); err != nil {
			b.Fatal(err)
		}
		if got := tl.Stats().Lines; got != 100000 {
			b.Fatalf("read %d lines", got)
		}
	}
	_ = n
}

// TestNotRegularFile: a named pipe, a device, a directory or a socket is
// never read (opening a pipe with no writer would block; /dev/zero never
// ends): it is an error naming what it is, the open does not block, Run
// ends with its context, and the path is checked again every poll.
func TestNotRegularFile(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo.log")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(dir, "sock.log")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	for _, c := range []struct{ path, what string }{
		{fifo, "named pipe"}, {"/dev/zero", "character device"}, {dir, "directory"}, {sock, "socket"},
	} {
		want := c.path + ": not a regular file: " + c.what
		// Following: the error is in Stats, and a cancel ends Run.
		h := start(t, c.path, Options{FromStart: true})
		until(t, c.what+" reported", func() bool { return strings.HasPrefix(h.tl.Stats().Err, want) })
		if s := h.tl.Stats(); !s.Waiting || s.Lines != 0 || s.Bytes != 0 {
			t.Errorf("%s: stats %+v", c.what, s)
		}
		h.cancel()
		select {
		case err := <-h.done:
			h.done <- err // for the cleanup's check
		case <-time.After(wait):
			t.Fatalf("%s: Run did not return after cancel", c.what)
		}
		// Backlog: an error at once, not a hang or an endless read.
		_, _, err := runToEOF(t, c.path, Options{FromStart: true})
		var nr *NotRegularError
		if !errors.As(err, &nr) || nr.What != c.what {
			t.Errorf("%s: StopAtEOF err = %v", c.what, err)
		}
	}

	// Checked again every poll: once the pipe is replaced by a regular
	// file, that file is read.
	h := start(t, fifo, Options{FromStart: true})
	until(t, "pipe reported", func() bool { return strings.Contains(h.tl.Stats().Err, "named pipe") })
	if err := os.Remove(fifo); err != nil {
		t.Fatal(err)
	}
	writeFile(t, fifo, "now a file\n")
	h.expect("now a file")
	if s := h.tl.Stats(); s.Err != "" || s.Waiting {
		t.Errorf("after the pipe became a file: stats %+v", s)
	}
}

// TestRotatedToPipe: a regular file replaced by a pipe between two polls
// ends the rotation with an error, never a blocked open.
func TestRotatedToPipe(t *testing.T) {
	path := filepath.Join(t.TempDir(), "access.log")
	writeFile(t, path, "a1\n")
	h := start(t, path, Options{FromStart: true})
	h.expect("a1")
	if err := os.Rename(path, path+".1"); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(path, 0o644); err != nil {
		t.Fatal(err)
	}
	until(t, "pipe reported", func() bool { return strings.Contains(h.tl.Stats().Err, "not a regular file: named pipe") })
	// The renamed file is still drained.
	appendFile(t, path+".1", "a2\n")
	h.expect("a2")
}

// TestDoubleRenameWithinOnePoll: two logrotate runs between two polls
// (access.log → .1 → .2, a middle file → .1, a new access.log): the middle
// file is found by its inode and read whole, the old one drained.
func TestDoubleRenameWithinOnePoll(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "access.log")
	writeFile(t, path+".3", "archived\n") // there before: never read
	writeFile(t, path, "a1\n")
	h, hook := startStepped(t, path, Options{FromStart: true})
	h.expect("a1")
	release := <-hook
	appendFile(t, path, "a2\n")
	mustRename(t, path, path+".1")
	writeFile(t, path, "b1\nb2\n")
	mustRename(t, path+".1", path+".2")
	mustRename(t, path, path+".1")
	writeFile(t, path, "c1\n")
	writeFile(t, path+".1.gz", "\x1f\x8b compressed, not a log\n")
	close(release)
	h.expect("a2", "b1", "b2", "c1")
	freeRun(t, hook)
	h.sentinel(path)
	if s := h.tl.Stats(); s.Rotations != 2 || s.Truncations != 0 || s.Lines != 6 {
		t.Errorf("stats %+v", s)
	}
}

// TestCopyTruncateReadsTheCopy: lines written after our last read and
// before the cut are read from the copy, from where we stopped, a partial
// line included; a second copytruncate is read the same way.
func TestCopyTruncateReadsTheCopy(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "access.log")
	writeFile(t, path, "a1\na2\n")
	h, hook := startStepped(t, path, Options{FromStart: true})
	h.expect("a1", "a2")
	release := <-hook
	appendFile(t, path, "a3\na4 half")
	copyTruncate(t, path)
	appendFile(t, path, "b1\n")
	close(release)
	h.expect("a3", "a4 half", "b1")

	release = <-hook
	appendFile(t, path, "b2\n")
	copyTruncate(t, path)
	appendFile(t, path, "c1\n")
	close(release)
	h.expect("b2", "c1")
	freeRun(t, hook)
	h.sentinel(path)
	if s := h.tl.Stats(); s.Truncations != 2 || s.Rotations != 0 || s.Lines != 8 {
		t.Errorf("stats %+v", s)
	}
}

// TestCutAndRefilledPastOffset: a file cut and written past our offset
// within one poll is noticed by its first bytes, not taken for growth.
func TestCutAndRefilledPastOffset(t *testing.T) {
	path := filepath.Join(t.TempDir(), "access.log")
	writeFile(t, path, "first-generation-1\n")
	h, hook := startStepped(t, path, Options{FromStart: true})
	h.expect("first-generation-1")
	release := <-hook
	writeFile(t, path, "second-generation-1\nsecond-generation-2\n")
	close(release)
	h.expect("second-generation-1", "second-generation-2")
	freeRun(t, hook)
	h.sentinel(path)
	if s := h.tl.Stats(); s.Truncations != 1 {
		t.Errorf("stats %+v", s)
	}
}

func mustRename(t *testing.T, from, to string) {
	t.Helper()
	if err := os.Rename(from, to); err != nil {
		t.Fatal(err)
	}
}

// copyTruncate does what logrotate's copytruncate does: shift .1 to .2,
// copy the log to .1, cut the log to 0.
func copyTruncate(t *testing.T, path string) {
	t.Helper()
	if _, err := os.Stat(path + ".1"); err == nil {
		mustRename(t, path+".1", path+".2")
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, path+".1", string(b))
	if err := os.Truncate(path, 0); err != nil {
		t.Fatal(err)
	}
}

// appendTo opens path for appending, as a gateway holds its log, until
// the test ends.
func appendTo(t *testing.T, path string) *os.File {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// TestFlowingLogReadsOnTheClock: a log written many times a second (a
// gateway that writes each line with its own write(2)) raises a file event
// per write, but while lines flow the tailer reads on its own clock, once
// per coalesce, waking for no event, and loses none of the lines.
func TestFlowingLogReadsOnTheClock(t *testing.T) {
	path := filepath.Join(t.TempDir(), "access.log")
	writeFile(t, path, "")
	h := start(t, path, Options{FromStart: true})
	f := appendTo(t, path)
	// The first line shows the watch is in place.
	if _, err := f.WriteString("first\n"); err != nil {
		t.Fatal(err)
	}
	h.expect("first")
	begin, wakes0 := time.Now(), h.tl.wakes.Load()
	const writes = 120
	var want []string
	for i := range writes {
		line := "line " + strings.Repeat("x", i%7) + string(rune('a'+i%26))
		want = append(want, line)
		if _, err := f.WriteString(line + "\n"); err != nil {
			t.Fatal(err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	h.expect(want...)
	elapsed := time.Since(begin)
	wakes := h.tl.wakes.Load() - wakes0
	// One wake per coalesce on the clock, a few more at each end of the
	// flow, and the safety poll's: one per event would be ~120.
	if most := int64(elapsed/coalesce) + 4 + int64(elapsed/notifiedPoll); wakes > most {
		t.Errorf("%d writes over %v woke the tailer %d times, want at most %d (one per %v)", writes, elapsed.Round(time.Millisecond), wakes, most, coalesce)
	}
}

// TestFlowPacesReads: with Options.Flow, a log that gets lines is read
// once per Flow on the wall clock, a quarter of it before each multiple
// (where gwtop's engine publishes), not at every coalesce.
func TestFlowPacesReads(t *testing.T) {
	const flow = 600 * time.Millisecond
	path := filepath.Join(t.TempDir(), "access.log")
	writeFile(t, path, "")
	tl := New(path, Options{FromStart: true, Flow: flow})
	var mu sync.Mutex
	var at []time.Time
	got := make(chan struct{}, 10000)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- tl.Run(ctx, func([]byte) {
			mu.Lock()
			at = append(at, time.Now())
			mu.Unlock()
			got <- struct{}{}
		})
	}()
	defer func() { cancel(); <-done }()
	f := appendTo(t, path)
	if _, err := f.WriteString("first\n"); err != nil {
		t.Fatal(err)
	}
	<-got
	const writes = 200
	begin := time.Now()
	for range writes {
		if _, err := f.WriteString("line\n"); err != nil {
			t.Fatal(err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	elapsed := time.Since(begin)
	for range writes {
		select {
		case <-got:
		case <-time.After(wait):
			t.Fatalf("lines lost: stats %+v", tl.Stats())
		}
	}
	// The reads: lines delivered within 20 ms of one another.
	mu.Lock()
	var reads []time.Time
	for i, a := range at[1:] {
		if i == 0 || a.Sub(at[i]) > 20*time.Millisecond {
			reads = append(reads, a)
		}
	}
	mu.Unlock()
	if most := int(elapsed/flow) + 3; len(reads) > most {
		t.Errorf("%d writes over %v were read %d times, want at most %d (one per %v)", writes, elapsed.Round(time.Millisecond), len(reads), most, flow)
	}
	// The first read follows a file event, the last may; those between
	// are on the clock, at 450 ms past a multiple of 600 ms (a read's
	// goroutine may be late, never early).
	for _, r := range reads[1 : len(reads)-1] {
		if phase := time.Duration(r.UnixNano() % int64(flow)); phase < flow*3/4 || phase > flow*3/4+150*time.Millisecond {
			t.Errorf("a read at %v past a multiple of %v, want %v", phase.Round(time.Millisecond), flow, flow*3/4)
		}
	}
}
