package collector

import (
	"bufio"
	"context"
	"errors"
	"io"
	"os"
	"sync"
	"sync/atomic"

	"github.com/gwtop/gwtop/collector/tail"
)

// follower is what lineLog reads lines from: a followed file (tail.Tailer)
// or standard input.
type follower interface {
	Run(ctx context.Context, fn func(line []byte)) error
	Stats() tail.Stats
	Path() string
}

// StdinPath is the log path that means standard input: `kubectl logs -f
// deploy/ingress-nginx | gwtop snapshot --error-log -`.
const StdinPath = "-"

// stdinReader reads lines from a stream (standard input) until it ends or
// the context is done. A read blocked on a quiet pipe does not hold up
// Stop: Run returns on cancel, and the reading goroutine ends with the
// stream (or with the process).
type stdinReader struct {
	r       io.Reader
	maxLine int
	lines   atomic.Int64
	bytes   atomic.Int64
	cut     atomic.Int64
	mu      sync.Mutex
	err     string
}

func newStdinReader(r io.Reader, opt tail.Options) *stdinReader {
	max := opt.MaxLine
	if max <= 0 {
		max = tail.DefaultMaxLine
	}
	return &stdinReader{r: r, maxLine: max}
}

func (s *stdinReader) Path() string { return "(standard input)" }

func (s *stdinReader) Stats() tail.Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return tail.Stats{Lines: s.lines.Load(), Bytes: s.bytes.Load(), CutLines: s.cut.Load(), Err: s.err}
}

// Run delivers every line to fn. At the end of the stream it returns nil
// (a backlog is then read), unless the context ended first.
func (s *stdinReader) Run(ctx context.Context, fn func(line []byte)) error {
	lines := make(chan []byte, 256)
	done := make(chan error, 1)
	go func() {
		br := bufio.NewReaderSize(s.r, 64<<10)
		var long []byte
		for {
			chunk, err := br.ReadSlice('\n')
			s.bytes.Add(int64(len(chunk)))
			switch {
			case errors.Is(err, bufio.ErrBufferFull):
				if len(long) < s.maxLine {
					long = append(long, chunk[:min(len(chunk), s.maxLine-len(long))]...)
				}
				continue
			case len(chunk) > 0 || len(long) > 0:
				line := append(long, chunk...)
				long = nil
				if len(line) > s.maxLine {
					line = line[:s.maxLine]
					s.cut.Add(1)
				}
				line = trimEOL(line)
				select {
				case lines <- append([]byte(nil), line...):
				case <-ctx.Done():
					done <- ctx.Err()
					return
				}
			}
			if err != nil {
				if !errors.Is(err, io.EOF) {
					s.mu.Lock()
					s.err = err.Error()
					s.mu.Unlock()
				}
				close(lines)
				done <- nil
				return
			}
		}
	}()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case l, ok := <-lines:
			if !ok {
				return <-done
			}
			s.lines.Add(1)
			fn(l)
		}
	}
}

func trimEOL(b []byte) []byte {
	if n := len(b); n > 0 && b[n-1] == '\n' {
		b = b[:n-1]
		if n := len(b); n > 0 && b[n-1] == '\r' {
			b = b[:n-1]
		}
	}
	return b
}

// stdin is the process's standard input, read when a log is "-" (a test
// may set os.Stdin to a pipe first).
func stdin() io.Reader { return os.Stdin }
