package collector

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"runtime"
	"sync/atomic"

	"github.com/gwtop/gwtop/collector/feed"
	"github.com/gwtop/gwtop/collector/tail"
	"github.com/gwtop/gwtop/model"
)

// A backlog (gwtop snapshot --from-start) of a regular file whose parser
// can be forked (feed.Forker) is read in parallel: the file is split at
// line boundaries into one chunk per core, each chunk is read with large
// reads and parsed by its own fork into its own aggregator, and the
// aggregators are merged into the engine's in file order (merge.go). The
// result is the serial reader's: the same lines, the same cuts at MaxLine,
// the same prefix detection (decided on the file's first lines before the
// chunks start), the same counts on the log's row.

const (
	// minChunk is the least a chunk holds: a file under twice this is read
	// serially, where starting goroutines and merging would cost more
	// than they save.
	minChunk = 4 << 20
	// splitBuf is each chunk reader's buffer.
	splitBuf = 1 << 20
	// splitCtxEvery is how many lines pass between checks of ctx.
	splitCtxEvery = 4096
)

// splitter is a lineLog's parallel backlog reader and, once it has
// started, the source of the log row's file counters.
type splitter struct {
	agg     *Aggregator
	chunk   int64 // bytes per chunk; 0: the file's size over the cores, at least minChunk
	maxLine int

	used                      atomic.Bool
	lines, bytes, cut, offset atomic.Int64
}

var _ feed.Sink = discardSink{}

// stats are the file counters of a parallel read, as a Tailer's.
func (s *splitter) stats() tail.Stats {
	return tail.Stats{Lines: s.lines.Load(), Bytes: s.bytes.Load(), CutLines: s.cut.Load(), Offset: s.offset.Load()}
}

// chunk is one part of the file and what reading it gave.
type chunk struct {
	start, end int64
	agg        *Aggregator
	log        *lineLog
	err        error
	done       chan struct{}
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

	chunks := make([]*chunk, len(bounds)-1)
	for k := range chunks {
		agg := s.agg.forkEmpty()
		cl := &lineLog{kind: l.kind, instance: l.instance, source: l.source, parser: fk.Fork(), sink: agg.For(l.instance), pre: l.pre}
		chunks[k] = &chunk{start: bounds[k], end: bounds[k+1], agg: agg, log: cl, done: make(chan struct{})}
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	work := make(chan *chunk)
	for range min(cores, len(chunks)) {
		go func() {
			for c := range work {
				c.err = s.read(ctx, f, c)
				close(c.done)
			}
		}()
	}
	go func() {
		defer close(work)
		for i, c := range chunks {
			select {
			case work <- c:
			case <-ctx.Done():
				// Never handed to a worker: nothing to read or merge.
				for _, r := range chunks[i:] {
					r.err = ctx.Err()
					close(r.done)
				}
				return
			}
		}
	}()
	// Merge in file order as each chunk ends, dropping its aggregator.
	var firstErr error
	for _, c := range chunks {
		<-c.done
		if firstErr != nil {
			continue
		}
		if c.err != nil {
			firstErr = c.err
			cancel()
			continue
		}
		s.agg.mergeFrom(c.agg)
		l.parsed.Add(c.log.parsed.Load())
		l.other.Add(c.log.other.Load())
		l.skipped.Add(c.log.skipped.Load())
		if m := c.log.lastSkip.Load(); m != nil {
			l.lastSkip.Store(m)
		}
		c.agg, c.log = nil, nil
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
	buf = buf[:n]
	for len(buf) > 0 && !probe.pre.decided {
		i := bytes.IndexByte(buf, '\n')
		if i < 0 {
			break
		}
		b := bytes.TrimSuffix(buf[:i], []byte("\r"))
		probe.line(b[:min(len(b), maxLine)])
		buf = buf[i+1:]
	}
	if !probe.pre.decided {
		return false
	}
	l.pre = probe.pre
	if p := probe.prefixName.Load(); p != nil {
		l.prefixName.Store(p)
	}
	return true
}

// lineBounds splits [0, size) into parts of about per bytes, each starting
// at the beginning of a line: bounds[k] to bounds[k+1] is part k.
func lineBounds(f *os.File, size, per int64) ([]int64, error) {
	bounds := []int64{0}
	buf := make([]byte, 64<<10)
	for {
		at := bounds[len(bounds)-1] + per
		if at >= size {
			break
		}
		// The part ends after the first '\n' at or after at-1.
		pos, next := at-1, int64(-1)
		for pos < size && next < 0 {
			n, err := f.ReadAt(buf, pos)
			if i := bytes.IndexByte(buf[:n], '\n'); i >= 0 {
				next = pos + int64(i) + 1
			}
			pos += int64(n)
			if err == io.EOF {
				break
			}
			if err != nil {
				return nil, err
			}
		}
		if next < 0 || next >= size {
			break
		}
		bounds = append(bounds, next)
	}
	return append(bounds, size), nil
}

// read delivers the lines of chunk c to its lineLog as the tailer would:
// without "\n" or "\r\n", cut at maxLine (counted), an unterminated last
// line of the file included.
func (s *splitter) read(ctx context.Context, f *os.File, c *chunk) error {
	r := io.NewSectionReader(f, c.start, c.end-c.start)
	buf := make([]byte, splitBuf)
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
	for {
		m, err := r.Read(buf[fill:])
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
