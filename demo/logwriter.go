package demo

import (
	"os"
	"sync"
)

// flushThreshold is how much buffered log text forces an immediate write,
// so a burst cannot grow the buffer without bound between flushes.
const flushThreshold = 32 << 10

// logWriter appends whole lines to a log file. Lines are buffered in memory
// and handed to the kernel only as complete lines, under a mutex, so a tailer
// (gwtop's collector) never sees two concurrent requests' lines interleaved
// and sees a partial line only if it races a single write(2).
type logWriter struct {
	mu     sync.Mutex
	f      *os.File
	buf    []byte
	closed bool
	err    error // first write error, reported by close
}

// openLog opens path for appending like nginx does (O_APPEND, created 0644).
func openLog(path string) (*logWriter, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	return &logWriter{f: f}, nil
}

// writeLine queues one line; line must end with '\n'. Lines arriving after
// close are dropped: they come from requests cut off by the shutdown.
func (w *logWriter) writeLine(line []byte) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return
	}
	w.buf = append(w.buf, line...)
	if len(w.buf) >= flushThreshold {
		w.flushLocked()
	}
}

// flush writes the queued lines to the file.
func (w *logWriter) flush() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.closed {
		w.flushLocked()
	}
}

func (w *logWriter) flushLocked() {
	if len(w.buf) == 0 {
		return
	}
	if _, err := w.f.Write(w.buf); err != nil && w.err == nil {
		w.err = err
	}
	w.buf = w.buf[:0]
}

// close flushes what is queued and closes the file. It is safe to call twice.
func (w *logWriter) close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return nil
	}
	w.flushLocked()
	w.closed = true
	if err := w.f.Close(); err != nil && w.err == nil {
		w.err = err
	}
	return w.err
}
