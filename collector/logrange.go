package collector

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gwtop/gwtop/collector/feed"
	"github.com/gwtop/gwtop/collector/tail"
	"github.com/gwtop/gwtop/model"
)

// Range limits a backlog's analysis to the lines logged in [Since, Until):
// `gwtop snapshot --since 03:00 --until 03:30`. A zero bound is open.
type Range struct {
	Since, Until time.Time
}

// Set reports whether either bound is given.
func (r Range) Set() bool { return !r.Since.IsZero() || !r.Until.IsZero() }

// Contains reports whether t lies in the range.
func (r Range) Contains(t time.Time) bool {
	return (r.Since.IsZero() || !t.Before(r.Since)) && (r.Until.IsZero() || t.Before(r.Until))
}

// rangeSlack is how far a log's lines may be out of time order: nginx
// writes a request's line when it ends, stamped with its end ($time_local)
// — a slow request's line follows faster, later ones. Seeking starts this
// much before Since and reading stops this much after Until; the lines
// outside the range read on either side are counted and dropped by time,
// so the answer is that of a full scan restricted to the range.
const rangeSlack = 5 * time.Minute

// rangeSink passes on what happened inside the range and counts the rest.
// It also tells the reader when the log has gone past Until (plus the
// slack): nothing after that can be in the range.
type rangeSink struct {
	feed.Sink
	r                      Range
	before, after, untimed atomic.Int64
	past                   atomic.Bool
}

func (s *rangeSink) keep(t time.Time) bool {
	switch {
	case t.IsZero():
		s.untimed.Add(1)
		return false
	case !s.r.Since.IsZero() && t.Before(s.r.Since):
		s.before.Add(1)
		return false
	case !s.r.Until.IsZero() && !t.Before(s.r.Until):
		s.after.Add(1)
		if t.Sub(s.r.Until) > rangeSlack {
			s.past.Store(true)
		}
		return false
	}
	return true
}

func (s *rangeSink) ObserveRequest(r *feed.Request, line []byte) {
	if s.keep(r.Time) {
		s.Sink.ObserveRequest(r, line)
	}
}

func (s *rangeSink) ObserveFailure(f feed.Failure) {
	if s.keep(f.Time) {
		s.Sink.ObserveFailure(f)
	}
}

func (s *rangeSink) ObserveEvent(e model.Event) {
	if s.keep(e.Time) {
		s.Sink.ObserveEvent(e)
	}
}

func (s *rangeSink) counters(into map[string]float64) {
	into["before_range"] = float64(s.before.Load())
	into["after_range"] = float64(s.after.Load())
	into["untimed"] = float64(s.untimed.Load())
}

// timeSink is what a probe of one line reports: the time of its first
// request, failure or event.
type timeSink struct {
	t time.Time
}

func (s *timeSink) set(t time.Time) {
	if s.t.IsZero() {
		s.t = t
	}
}
func (s *timeSink) ObserveRequest(r *feed.Request, _ []byte)      { s.set(r.Time) }
func (s *timeSink) ObserveFailure(f feed.Failure)                 { s.set(f.Time) }
func (s *timeSink) ObserveEvent(e model.Event)                    { s.set(e.Time) }
func (s *timeSink) ObserveCounters(string, string, feed.Counters) {}
func (s *timeSink) SetServerStatus(string, bool, string)          {}
func (s *timeSink) Label(string, string, string)                  {}
func (s *timeSink) SetGateway(model.Gateway)                      {}
func (s *timeSink) GatewayLimit(string, string, int64)            {}

// lineTime is the time the log's own parser reads on a line (with a
// collector's prefix stripped when it carries one); false when it reads
// none.
type lineTime func(line []byte) (time.Time, bool)

func parserTime(p feed.LineParser) lineTime {
	var mu sync.Mutex
	return func(line []byte) (time.Time, bool) {
		mu.Lock()
		defer mu.Unlock()
		var s timeSink
		if p.Line(line, &s) == nil && !s.t.IsZero() {
			return s.t, true
		}
		for i := range prefixes {
			if b, ok := prefixes[i].strip(line); ok {
				s = timeSink{}
				if p.Line(b, &s) == nil && !s.t.IsZero() {
					return s.t, true
				}
			}
		}
		return time.Time{}, false
	}
}

// Bounds of a probe for a time: the lines and bytes read from one place
// before giving up on it.
const (
	probeLines = 64
	probeBytes = 1 << 20
)

// firstTime is the time of the first line from off on that has one
// (a partial line at off is skipped unless off is 0).
func firstTime(r io.Reader, skipPartial bool, at lineTime) (time.Time, bool) {
	br := bufio.NewReaderSize(r, 64<<10)
	read := 0
	if skipPartial {
		b, err := br.ReadSlice('\n')
		for errors.Is(err, bufio.ErrBufferFull) && read < probeBytes {
			read += len(b)
			b, err = br.ReadSlice('\n')
		}
		read += len(b)
		if err != nil {
			return time.Time{}, false
		}
	}
	for n := 0; n < probeLines && read < probeBytes; n++ {
		b, err := br.ReadSlice('\n')
		read += len(b)
		if errors.Is(err, bufio.ErrBufferFull) {
			for errors.Is(err, bufio.ErrBufferFull) && read < probeBytes {
				b, err = br.ReadSlice('\n')
				read += len(b)
			}
			continue // a line too long to be a log line: the next one
		}
		if line := bytes.TrimRight(b, "\r\n"); len(line) > 0 {
			if t, ok := at(line); ok {
				return t, true
			}
		}
		if err != nil {
			break
		}
	}
	return time.Time{}, false
}

// seekTime finds, by binary search on the lines' times, an offset of a
// line start at or before the first line logged at target or later (the
// log being in time order up to rangeSlack, which the caller subtracted).
// It reads O(log(size)) probes of a few KiB; a file whose lines give no
// time is read from 0.
func seekTime(f io.ReaderAt, size int64, target time.Time, at lineTime) int64 {
	lo, hi := int64(0), size
	for hi-lo > 64<<10 {
		mid := lo + (hi-lo)/2
		t, ok := firstTime(io.NewSectionReader(f, mid, size-mid), true, at)
		if !ok || !t.Before(target) {
			hi = mid // no time there (the end) or at/after the target: look left
			continue
		}
		lo = mid
	}
	if lo == 0 {
		return 0
	}
	// Align to the start of the line after lo.
	br := bufio.NewReaderSize(io.NewSectionReader(f, lo, size-lo), 64<<10)
	skip := int64(0)
	for {
		b, err := br.ReadSlice('\n')
		skip += int64(len(b))
		if err == nil {
			return lo + skip
		}
		if !errors.Is(err, bufio.ErrBufferFull) {
			return lo // no newline to the end: read it whole
		}
	}
}

// rangeFile is one file of a log's set: the log itself or a rotated copy
// (access.log.1, access.log.2.gz, access.log-20261201.gz).
type rangeFile struct {
	path  string
	gz    bool
	size  int64
	first time.Time // its first line's time; zero when none reads
	start int64     // where reading begins (a seek into the oldest file read)
}

// rotatedSet is the log's rotated copies and the log, oldest first by
// their first line's time (names differ between logrotate's numbering and
// its dateext; the times do not lie). The log itself is always last.
func rotatedSet(path string, at lineTime) []rangeFile {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	ents, _ := os.ReadDir(dir)
	var rot []rangeFile
	for _, e := range ents {
		name := e.Name()
		if name == base || !e.Type().IsRegular() || len(name) <= len(base)+1 || !strings.HasPrefix(name, base) {
			continue
		}
		rest := name[len(base):]
		if rest[0] != '.' && rest[0] != '-' {
			continue
		}
		rest = rest[1:]
		gz := strings.HasSuffix(rest, ".gz")
		rest = strings.TrimSuffix(rest, ".gz")
		if rest == "" || strings.Trim(rest, "0123456789") != "" {
			continue
		}
		p := filepath.Join(dir, name)
		rot = append(rot, probeFile(p, gz, at))
	}
	slices.SortStableFunc(rot, func(a, b rangeFile) int {
		switch {
		case a.first.IsZero() && b.first.IsZero():
			return strings.Compare(b.path, a.path) // access.log.2 before access.log.1
		case a.first.IsZero():
			return -1
		case b.first.IsZero():
			return 1
		}
		return a.first.Compare(b.first)
	})
	return append(rot, probeFile(path, false, at))
}

func probeFile(path string, gz bool, at lineTime) rangeFile {
	rf := rangeFile{path: path, gz: gz}
	f, st, err := tail.OpenRegular(path)
	if err != nil {
		return rf
	}
	defer f.Close()
	rf.size = st.Size()
	var r io.Reader = f
	if gz {
		z, err := gzip.NewReader(f)
		if err != nil {
			return rf
		}
		defer z.Close()
		r = z
	}
	rf.first, _ = firstTime(r, false, at)
	return rf
}

// chooseFiles keeps the files the range reaches into: from the newest one
// whose first line is at or before Since (less the slack) to the oldest
// whose first line is past Until (plus the slack), that one excluded; and
// seeks into the first plain file kept.
func chooseFiles(set []rangeFile, r Range, at lineTime) []rangeFile {
	from := 0
	if !r.Since.IsZero() {
		since := r.Since.Add(-rangeSlack)
		for i, f := range set {
			if !f.first.IsZero() && !f.first.After(since) {
				from = i
			}
		}
	}
	to := len(set)
	if !r.Until.IsZero() {
		until := r.Until.Add(rangeSlack)
		for i := from + 1; i < len(set); i++ {
			if !set[i].first.IsZero() && set[i].first.After(until) {
				to = i
				break
			}
		}
	}
	out := slices.Clone(set[from:to])
	if len(out) > 0 && !out[0].gz && !r.Since.IsZero() {
		if f, _, err := tail.OpenRegular(out[0].path); err == nil {
			out[0].start = seekTime(f, out[0].size, r.Since.Add(-rangeSlack), at)
			f.Close()
		}
	}
	return out
}

// rangeReader is a log's follower for a backlog limited to a Range: it
// reads the rotated copies the range reaches into, oldest first (gzip
// ones through a decompressor), seeks into the first by the lines' times,
// and stops once the log's lines are past Until.
type rangeReader struct {
	path    string
	r       Range
	at      lineTime
	sink    *rangeSink
	maxLine int

	lines, bytes, cut atomic.Int64
	total, files      atomic.Int64
	mu                sync.Mutex
	read              []string // the files read, for the row
	err               string
}

func newRangeReader(path string, r Range, opt tail.Options, p feed.LineParser, sink *rangeSink) *rangeReader {
	max := opt.MaxLine
	if max <= 0 {
		max = tail.DefaultMaxLine
	}
	return &rangeReader{path: path, r: r, at: parserTime(p), sink: sink, maxLine: max}
}

func (rr *rangeReader) Path() string { return rr.path }

func (rr *rangeReader) Stats() tail.Stats {
	rr.mu.Lock()
	defer rr.mu.Unlock()
	return tail.Stats{Lines: rr.lines.Load(), Bytes: rr.bytes.Load(), CutLines: rr.cut.Load(), Err: rr.err}
}

// progress is how much of what the range needs has been read.
func (rr *rangeReader) progress() (read, total int64) { return rr.bytes.Load(), rr.total.Load() }

func (rr *rangeReader) Run(ctx context.Context, fn func(line []byte)) error {
	st, err := os.Stat(rr.path)
	if err == nil && !st.Mode().IsRegular() {
		err = fmt.Errorf("%s is not a regular file: a time range is read from files", rr.path)
	}
	if err != nil {
		rr.fail(err.Error())
		return err
	}
	files := chooseFiles(rotatedSet(rr.path, rr.at), rr.r, rr.at)
	var total int64
	for _, f := range files {
		total += f.size - f.start
	}
	rr.total.Store(total)
	for _, f := range files {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		rr.mu.Lock()
		rr.read = append(rr.read, filepath.Base(f.path))
		rr.mu.Unlock()
		rr.files.Add(1)
		if err := rr.readFile(ctx, f, fn); err != nil {
			rr.fail(err.Error())
			return err
		}
		if rr.sink.past.Load() {
			break
		}
	}
	return nil
}

func (rr *rangeReader) fail(msg string) {
	rr.mu.Lock()
	rr.err = msg
	rr.mu.Unlock()
}

// countingReader counts the bytes read from a file (compressed ones for
// a gzip file: the progress is over bytes on disk).
type countingReader struct {
	r io.Reader
	n *atomic.Int64
}

func (c countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

func (rr *rangeReader) readFile(ctx context.Context, f rangeFile, fn func([]byte)) error {
	fh, _, err := tail.OpenRegular(f.path)
	if err != nil {
		return err
	}
	defer fh.Close()
	if _, err := fh.Seek(f.start, io.SeekStart); err != nil {
		return err
	}
	var r io.Reader = countingReader{fh, &rr.bytes}
	if f.gz {
		z, err := gzip.NewReader(r)
		if err != nil {
			return fmt.Errorf("%s: %w", f.path, err)
		}
		defer z.Close()
		r = z
	}
	br := bufio.NewReaderSize(r, 256<<10)
	var long []byte // a line longer than the buffer, kept up to maxLine
	over := false
	g := galloper{on: !rr.r.Since.IsZero(), cutoff: rr.r.Since.Add(-rangeSlack), at: rr.at, fn: fn, before: &rr.sink.before}
	defer g.flush()
	for n := 0; ; n++ {
		if n&1023 == 0 && (ctx.Err() != nil || rr.sink.past.Load()) {
			return ctx.Err()
		}
		b, err := br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) || long != nil {
			keep := min(len(b), rr.maxLine-len(long))
			over = over || keep < len(b)
			long = append(long, b[:keep]...)
			if errors.Is(err, bufio.ErrBufferFull) {
				continue
			}
			if over {
				rr.cut.Add(1)
			}
			b, long, over = long, nil, false
		}
		if line := bytes.TrimRight(b, "\r\n"); len(line) > 0 {
			rr.lines.Add(1)
			g.line(line)
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s: %w", f.path, err)
		}
	}
}

// galloper skips, unparsed, the lines of a file read from its start (a
// gzipped copy cannot be sought) that lie wholly before the range. Lines go
// by in groups of gallopLines (or gallopBytes); the first line of each
// group is probed for its time; when it is before Since less the slack,
// the group held before it lies wholly before the range too (the log is in
// order up to the slack) and is dropped, counted as before_range. The first
// probe at or past the cutoff (or with no time) ends the galloping: the
// held group and every line after it go to the parser.
type galloper struct {
	on     bool
	cutoff time.Time
	at     lineTime
	fn     func([]byte)
	before *atomic.Int64

	cur, held       []byte
	curEnds, heldEn []int
}

const (
	gallopLines = 256
	gallopBytes = 1 << 20
)

func (g *galloper) line(b []byte) {
	if !g.on {
		g.fn(b)
		return
	}
	if len(g.curEnds) == 0 {
		if t, ok := g.at(b); ok && t.Before(g.cutoff) {
			g.before.Add(int64(len(g.heldEn)))
			g.held, g.heldEn = g.held[:0], g.heldEn[:0]
		} else {
			g.flush()
			g.on = false
			g.fn(b)
			return
		}
	}
	g.cur = append(g.cur, b...)
	g.curEnds = append(g.curEnds, len(g.cur))
	if len(g.curEnds) >= gallopLines || len(g.cur) >= gallopBytes {
		g.cur, g.held = g.held[:0], g.cur
		g.curEnds, g.heldEn = g.heldEn[:0], g.curEnds
	}
}

// flush hands the lines held back to the parser, in order.
func (g *galloper) flush() {
	for _, part := range [2]struct {
		b    []byte
		ends []int
	}{{g.held, g.heldEn}, {g.cur, g.curEnds}} {
		start := 0
		for _, e := range part.ends {
			g.fn(part.b[start:e])
			start = e
		}
	}
	g.held, g.heldEn, g.cur, g.curEnds = g.held[:0], g.heldEn[:0], g.cur[:0], g.curEnds[:0]
}

// limitTo makes the log's reading a time range's (backlog only): its sink
// drops what lies outside the range, and a file is read through a
// rangeReader (standard input is filtered alone).
func (l *lineLog) limitTo(path string, r Range, opt tail.Options) {
	rs := &rangeSink{Sink: l.sink, r: r}
	l.sink = rs
	if path != StdinPath {
		l.tailer = newRangeReader(path, r, opt, l.parser, rs)
	}
}

// rangeRow adds a time range's counters and files to the log's row.
func (l *lineLog) rangeRow(g *model.Gateway) {
	rs, ok := l.sink.(*rangeSink)
	if !ok {
		return
	}
	rs.counters(g.Counters)
	if rr, ok := l.tailer.(*rangeReader); ok {
		if n := rr.note(); n != "" {
			g.Note = strings.TrimPrefix(g.Note+"; "+n, "; ")
		}
	}
}

// note says which files the range was read from, for the log's row.
func (rr *rangeReader) note() string {
	rr.mu.Lock()
	defer rr.mu.Unlock()
	if len(rr.read) == 0 {
		return ""
	}
	return "time range read from " + strings.Join(rr.read, ", ")
}

// BacklogProgress is how far a backlog's reading has got, over every log.
type BacklogProgress struct {
	Read, Total int64 // bytes on disk; Total 0 when not known
	Lines       int64
}

// Progress sums every log's reading so far (a backlog's progress line).
func (e *Engine) Progress() BacklogProgress {
	var p BacklogProgress
	for _, l := range e.logs {
		st := l.stats()
		p.Lines += st.Lines
		if rr, ok := l.tailer.(*rangeReader); ok {
			r, t := rr.progress()
			p.Read += r
			p.Total += t
			continue
		}
		p.Read += st.Bytes
		if fi, err := os.Stat(l.tailer.Path()); err == nil && fi.Mode().IsRegular() {
			p.Total += fi.Size()
		}
	}
	return p
}
