package collector

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"io"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gwtop/gwtop/collector/feed"
	"github.com/gwtop/gwtop/collector/tail"
	"github.com/gwtop/gwtop/model"
)

// A backlog (gwtop snapshot --from-start) of a regular file whose parser
// can be forked (feed.Forker) is read in parallel: the file is split at
// line boundaries into one chunk per core, each chunk is read with large
// reads and parsed by its own fork into its own aggregator (the first
// chunk into the engine's), and the aggregators are merged into the
// engine's in file order (merge.go). A reader that has finished while
// another still has much to read splits that chunk at a line and reads
// its second half (a chunk of its own, merged after the first), so the
// readers end together however busy the cores are. The result is the
// serial reader's: the same lines, the same cuts at MaxLine, the same
// prefix detection (decided on the file's first lines before the chunks
// start), the same counts on the log's row.

const (
	// minChunk is the least a chunk holds: a file under twice this is read
	// serially, where starting goroutines and merging would cost more
	// than they save.
	minChunk = 4 << 20
	// splitBuf is each chunk reader's buffer.
	splitBuf = 1 << 20
	// splitCtxEvery is how many lines pass between checks of ctx.
	splitCtxEvery = 4096
	// minSteal is the least a chunk must have left to read for an idle
	// worker to take its second half: a part of 1 MiB (5-10 ms to read)
	// is worth more than its merge (0.5-1.5 ms for such a part).
	minSteal = 2 << 20
)

// splitter is a lineLog's parallel backlog reader and, once it has
// started, the source of the log row's file counters.
type splitter struct {
	agg     *Aggregator
	chunk   int64 // bytes per chunk; 0: the file's size over the cores, at least minChunk
	maxLine int
	workers int   // readers; 0: GOMAXPROCS
	stealAt int64 // the least left in a chunk to split it; 0: minSteal (or half of chunk)
	bufSize int   // each reader's buffer; 0: splitBuf

	used                      atomic.Bool
	lines, bytes, cut, offset atomic.Int64
	steals                    atomic.Int64 // chunks split by an idle worker

	// mu guards the chunks' end, claimed and next: how far each may and
	// did read, and their order, which stealing changes.
	mu sync.Mutex
	// testClaim, when set, is called before each claim of a read (tests:
	// to hold a reader until another has stolen from it).
	testClaim func(*chunk)
}

var _ feed.Sink = discardSink{}

// stats are the file counters of a parallel read, as a Tailer's.
func (s *splitter) stats() tail.Stats {
	return tail.Stats{Lines: s.lines.Load(), Bytes: s.bytes.Load(), CutLines: s.cut.Load(), Offset: s.offset.Load()}
}

// chunk is one part of the file and what reading it gave.
type chunk struct {
	start int64
	// Guarded by the splitter's mu: the chunk ends at end (a steal moves
	// it back, to a line's start); its reader has claimed [start,
	// claimed) and reads nothing else; next is the chunk after it in the
	// file, nil for the last.
	end, claimed int64
	next         *chunk
	started      bool

	agg  *Aggregator
	log  *lineLog
	err  error
	done chan struct{}
}

// runSplit reads l's file in parallel chunks. It returns false, having
// read nothing, when the file is better read serially (small, not a
// regular file, a prefix not yet decided by its first lines): the tailer
// then reads it and reports what is wrong with it.
func (l *lineLog) runSplit(ctx context.Context) (bool, error) {
	s := l.split
	fk, ok := l.parser.(feed.Forker)
	if !ok {
		return false, nil
	}
	f, err := os.Open(l.tailer.Path())
	if err != nil {
		return false, nil
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil || !fi.Mode().IsRegular() {
		return false, nil
	}
	size := fi.Size()
	cores := runtime.GOMAXPROCS(0)
	per := s.chunk
	if per <= 0 {
		if size < 2*minChunk || cores < 2 {
			return false, nil
		}
		per = max(size/int64(cores), minChunk)
	}
	if !l.pre.decided && !l.detectPrefix(f, fk, s.maxLine) {
		return false, nil
	}
	bounds, err := lineBounds(f, size, per)
	if err != nil {
		return false, nil
	}
	s.used.Store(true)
	s.offset.Store(size)
	// The read ends at the file's last time or later: buckets older than
	// five minutes before it are out of the final window, and no chunk
	// fills them (Aggregator.horizon).
	if t := lastTime(f, size, fk, l.pre, s.maxLine); !t.IsZero() {
		s.agg.raiseHorizon(t)
	}

	newChunk := func(start, end int64, agg *Aggregator) *chunk {
		cl := &lineLog{kind: l.kind, instance: l.instance, source: l.source, parser: fk.Fork(), sink: agg.For(l.instance), pre: l.pre}
		return &chunk{start: start, end: end, claimed: start, agg: agg, log: cl, done: make(chan struct{})}
	}
	chunks := make([]*chunk, len(bounds)-1)
	for k := range chunks {
		// The first chunk's lines go where a serial read puts them, into
		// the engine's aggregator: nothing to merge for it (merging into
		// an empty aggregator builds every row anew, the costliest merge).
		agg := s.agg
		if k > 0 {
			agg = s.agg.forkEmpty()
		}
		chunks[k] = newChunk(bounds[k], bounds[k+1], agg)
		if k > 0 {
			chunks[k-1].next = chunks[k]
		}
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// Each worker reads the next chunk not started; when there is none, it
	// splits the chunk with the most left to read and reads its second
	// half, so that the readers end together however the cores are
	// shared. A chunk's aggregator is its own, merged in file order.
	minLeft := int64(minSteal)
	switch {
	case s.stealAt > 0:
		minLeft = max(s.stealAt, 2)
	case s.chunk > 0:
		minLeft = max(min(minLeft, s.chunk/2), 2) // tests' small chunks are split too
	}
	queued := 0
	nextChunk := func() *chunk {
		s.mu.Lock()
		defer s.mu.Unlock()
		if queued < len(chunks) {
			c := chunks[queued]
			queued++
			c.started = true
			return c
		}
		if ctx.Err() != nil {
			return nil
		}
		var victim *chunk
		for c := chunks[0]; c != nil; c = c.next {
			if c.started && c.end-c.claimed >= minLeft && (victim == nil || c.end-c.claimed > victim.end-victim.claimed) {
				victim = c
			}
		}
		if victim == nil {
			return nil
		}
		mid := victim.claimed + (victim.end-victim.claimed)/2
		at, err := lineStart(f, mid, victim.end)
		if err != nil || at <= victim.claimed || at >= victim.end {
			return nil
		}
		nc := newChunk(at, victim.end, s.agg.forkEmpty())
		nc.started, nc.next = true, victim.next
		victim.end, victim.next = at, nc
		s.steals.Add(1)
		return nc
	}
	workers := s.workers
	if workers <= 0 {
		workers = cores
	}
	for range workers {
		go func() {
			for c := nextChunk(); c != nil; c = nextChunk() {
				c.err = s.read(ctx, f, c)
				close(c.done)
			}
		}()
	}
	// Merge in file order as each chunk ends, dropping its aggregator.
	var firstErr error
	for c := chunks[0]; c != nil; {
		<-c.done
		s.mu.Lock()
		next := c.next // settled: c's reader claimed all of it
		s.mu.Unlock()
		if firstErr == nil && c.err != nil {
			firstErr = c.err
			cancel()
		}
		if firstErr == nil {
			if c.agg != s.agg {
				s.agg.mergeFrom(c.agg)
			}
			l.parsed.Add(c.log.parsed.Load())
			l.other.Add(c.log.other.Load())
			l.skipped.Add(c.log.skipped.Load())
			if m := c.log.lastSkip.Load(); m != nil {
				l.lastSkip.Store(m)
			}
		}
		c.agg, c.log = nil, nil
		c = next
	}
	return true, firstErr
}

// detectPrefix decides l's prefix (prefix.go) from the file's first lines,
// with a fork of the parser and a sink that keeps nothing. It reports
// false when the first chunk's worth of lines did not decide it.
func (l *lineLog) detectPrefix(f *os.File, fk feed.Forker, maxLine int) bool {
	probe := &lineLog{parser: fk.Fork(), sink: discardSink{}}
	buf := make([]byte, 256<<10)
	n, err := f.ReadAt(buf, 0)
	if err != nil && err != io.EOF {
		return false
	}
	wholeLines(buf[:n], func(b []byte) bool {
		probe.line(b[:min(len(b), maxLine)])
		return !probe.pre.decided
	})
	if !probe.pre.decided {
		return false
	}
	l.pre = probe.pre
	if p := probe.prefixName.Load(); p != nil {
		l.prefixName.Store(p)
	}
	return true
}

// tailProbe is how much of a file's end lastTime reads.
const tailProbe = 64 << 10

// lastTime returns the latest time of the complete lines in the file's
// last tailProbe bytes (zero when none has one). Lines the chunk readers
// would cut are left out: each line read here is read whole by them, and
// parsed alike, so the time is one the backlog itself sees.
func lastTime(f *os.File, size int64, fk feed.Forker, pre prefixState, maxLine int) time.Time {
	off := max(0, size-tailProbe)
	buf := make([]byte, size-off)
	n, err := f.ReadAt(buf, off)
	if err != nil && err != io.EOF {
		return time.Time{}
	}
	buf = buf[:n]
	if off > 0 {
		i := bytes.IndexByte(buf, '\n')
		if i < 0 {
			return time.Time{}
		}
		buf = buf[i+1:] // the first line began before the probe
	}
	var sink latestSink
	probe := &lineLog{parser: fk.Fork(), sink: &sink, pre: pre}
	wholeLines(buf, func(b []byte) bool {
		if len(b) <= maxLine {
			probe.line(b)
		}
		return true
	})
	return sink.latest
}

// wholeLines calls fn with each line of buf that a '\n' ends, without its
// "\n" or "\r\n", until fn returns false. What follows the last '\n' is
// left out: a line begun there may be still being written.
func wholeLines(buf []byte, fn func([]byte) bool) {
	for {
		i := bytes.IndexByte(buf, '\n')
		if i < 0 || !fn(bytes.TrimSuffix(buf[:i], []byte("\r"))) {
			return
		}
		buf = buf[i+1:]
	}
}

// latestSink keeps the latest time of what it is given.
type latestSink struct {
	discardSink
	latest time.Time
}

func (s *latestSink) ObserveRequest(r *feed.Request, _ []byte) { s.see(r.Time) }
func (s *latestSink) ObserveFailure(f feed.Failure)            { s.see(f.Time) }
func (s *latestSink) see(t time.Time) {
	if t.After(s.latest) {
		s.latest = t
	}
}

// lineBounds splits [0, size) into parts of about per bytes, each starting
// at the beginning of a line: bounds[k] to bounds[k+1] is part k.
func lineBounds(f *os.File, size, per int64) ([]int64, error) {
	bounds := []int64{0}
	for {
		at := bounds[len(bounds)-1] + per
		if at >= size {
			break
		}
		next, err := lineStart(f, at, size)
		if err != nil {
			return nil, err
		}
		if next < 0 {
			break
		}
		bounds = append(bounds, next)
	}
	return append(bounds, size), nil
}

// lineStart is where the first line starting at or after at begins: after
// the first '\n' at or after at-1. It is -1 when that is limit or beyond.
func lineStart(f *os.File, at, limit int64) (int64, error) {
	var buf [16 << 10]byte
	for pos := at - 1; pos < limit; {
		n, err := f.ReadAt(buf[:min(int64(len(buf)), limit-pos)], pos)
		if i := bytes.IndexByte(buf[:n], '\n'); i >= 0 {
			if next := pos + int64(i) + 1; next < limit {
				return next, nil
			}
			return -1, nil
		}
		pos += int64(n)
		if err == io.EOF {
			break
		}
		if err != nil {
			return 0, err
		}
	}
	return -1, nil
}

// read delivers the lines of chunk c to its lineLog as the tailer would:
// without "\n" or "\r\n", cut at maxLine (counted), an unterminated last
// line of the file included.
func (s *splitter) read(ctx context.Context, f *os.File, c *chunk) error {
	if err := ctx.Err(); err != nil {
		return err // handed out after another chunk failed
	}
	buf := make([]byte, cmp.Or(s.bufSize, splitBuf))
	var held []byte // the start of a line longer than buf
	over := false   // held reached maxLine+1 bytes: the rest is dropped
	limit := s.maxLine + 1
	var lines, told int64
	emit := func(b []byte, over bool) {
		if !over && len(b) > 0 && b[len(b)-1] == '\r' {
			b = b[:len(b)-1]
		}
		if over || len(b) > s.maxLine {
			b = b[:min(len(b), s.maxLine)]
			s.cut.Add(1)
		}
		lines++
		c.log.line(b)
	}
	hold := func(b []byte) {
		if over {
			return
		}
		if room := limit - len(held); len(b) > room {
			b, over = b[:room], true
		}
		held = append(held, b...)
	}
	fill := 0
	pos := c.start // the next byte to read
	for {
		// Claim the next read, up to where the chunk ends now: a steal
		// can move the end back, but not below what was claimed.
		if s.testClaim != nil {
			s.testClaim(c)
		}
		s.mu.Lock()
		n := int(min(int64(len(buf)-fill), c.end-c.claimed))
		c.claimed += int64(n)
		s.mu.Unlock()
		m, err := 0, io.EOF
		if n > 0 {
			m, err = f.ReadAt(buf[fill:fill+n], pos)
			pos += int64(m)
		}
		fill += m
		s.bytes.Add(int64(m))
		data := buf[:fill]
		for {
			i := bytes.IndexByte(data, '\n')
			if i < 0 {
				break
			}
			if len(held) > 0 || over {
				hold(data[:i])
				emit(held, over)
				held, over = held[:0], false
			} else {
				emit(data[:i], false)
			}
			data = data[i+1:]
			if lines-told >= splitCtxEvery {
				s.lines.Add(lines - told)
				told = lines
				if ctx.Err() != nil {
					return ctx.Err()
				}
			}
		}
		if len(data) == len(buf) {
			hold(data) // a line longer than buf: keep what MaxLine allows
			fill = 0
		} else {
			fill = copy(buf, data)
		}
		if err == io.EOF {
			hold(buf[:fill])
			if len(held) > 0 || over {
				emit(held, over)
			}
			s.lines.Add(lines - told)
			return nil
		}
		if err != nil {
			return fmt.Errorf("read %s: %w", f.Name(), err)
		}
	}
}

// discardSink keeps nothing: the prefix detection's parser reports to it.
type discardSink struct{}

func (discardSink) ObserveRequest(*feed.Request, []byte)          {}
func (discardSink) ObserveFailure(feed.Failure)                   {}
func (discardSink) ObserveCounters(string, string, feed.Counters) {}
func (discardSink) SetServerStatus(string, bool, string)          {}
func (discardSink) Label(string, string, string)                  {}
func (discardSink) SetGateway(model.Gateway)                      {}
func (discardSink) GatewayLimit(string, string, int64)            {}
func (discardSink) ObserveEvent(model.Event)                      {}
