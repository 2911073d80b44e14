//go:build linux

package procnet

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"syscall"
	"time"
	"unsafe"

	"github.com/gwtop/gwtop/facts"
)

// maxRecordsPerRead bounds the work of one KmsgReader.Read: the kernel's
// buffer (log_buf_len) holds a few thousand records at most, so the first
// read, from its start, ends well within it.
const maxRecordsPerRead = 1 << 16

// KmsgReader reads the kernel's OOM kills from /dev/kmsg. It opens the
// device read-only and non-blocking; the first Read starts at the oldest
// record the kernel still holds, so kills from before gwtop started are
// found, and every later Read returns only what was logged since. Records
// overwritten before they were read (EPIPE) are skipped. When the device
// cannot be read (absent, EPERM under dmesg_restrict without CAP_SYSLOG),
// the first Read says so and later ones return nothing.
type KmsgReader struct {
	path   string
	boot   time.Time
	fd     int
	opened bool
	failed bool
	buf    []byte
	carry  []byte // a line cut by the end of a read (only for plain files)
	ring   killRing
}

// NewKmsgReader returns a reader of /dev/kmsg whose record times are
// counted from boot (see BootTime).
func NewKmsgReader(boot time.Time) *KmsgReader {
	return OpenKmsgAt("/dev/kmsg", boot)
}

// OpenKmsgAt is NewKmsgReader on another path: a saved copy of the
// records, one a line, reads the same way.
func OpenKmsgAt(path string, boot time.Time) *KmsgReader {
	return &KmsgReader{path: path, boot: boot, fd: -1, buf: make([]byte, 8192)}
}

// Read returns the OOM kills logged since the last Read (oldest first).
// The error is set once, when the device cannot be opened or read; later
// calls then return nothing.
func (r *KmsgReader) Read() ([]facts.OOMKill, error) {
	if r.failed {
		return nil, nil
	}
	if !r.opened {
		fd, err := syscall.Open(r.path, syscall.O_RDONLY|syscall.O_NONBLOCK|syscall.O_CLOEXEC, 0)
		if err != nil {
			r.failed = true
			return nil, fmt.Errorf("kernel log %s: %w", r.path, err)
		}
		r.fd, r.opened = fd, true
	}
	var out []facts.OOMKill
	for range maxRecordsPerRead {
		n, err := syscall.Read(r.fd, r.buf)
		switch {
		case err == syscall.EINTR, err == syscall.EPIPE:
			continue // EPIPE: records were overwritten; the next read goes on after them
		case err == syscall.EAGAIN:
			return out, nil
		case err == syscall.EINVAL && len(r.buf) < 1<<16:
			// The record does not fit (the kernel does not move on):
			// read it again with a bigger buffer.
			r.buf = make([]byte, 2*len(r.buf))
			continue
		case err != nil:
			r.fail()
			return out, fmt.Errorf("kernel log %s: %w", r.path, err)
		case n == 0:
			return out, nil // a plain file's end
		}
		out = r.lines(r.buf[:n], out)
	}
	return out, nil
}

// lines parses the complete lines of b (with any carried part before it).
func (r *KmsgReader) lines(b []byte, out []facts.OOMKill) []facts.OOMKill {
	for len(b) > 0 {
		nl := bytes.IndexByte(b, '\n')
		if nl < 0 {
			if len(r.carry)+len(b) <= 1<<16 {
				r.carry = append(r.carry, b...)
			} else {
				r.carry = r.carry[:0] // no record is this long: drop it
			}
			return out
		}
		line := b[:nl]
		b = b[nl+1:]
		if len(r.carry) > 0 {
			line = append(r.carry, line...)
			r.carry = r.carry[:0]
		}
		k, kind := parseKmsg(line, r.boot)
		if kill, ok := r.ring.take(k, kind); ok {
			out = append(out, kill)
		}
	}
	return out
}

func (r *KmsgReader) fail() {
	r.failed = true
	if r.fd >= 0 {
		syscall.Close(r.fd)
		r.fd = -1
	}
}

// Kills returns the last 64 OOM kills read, oldest first (a copy).
func (r *KmsgReader) Kills() []facts.OOMKill {
	return slices.Clone(r.ring.kills)
}

// Close closes the device; Read then returns nothing.
func (r *KmsgReader) Close() error {
	if r.fd < 0 {
		r.failed = true
		return nil
	}
	err := syscall.Close(r.fd)
	r.fd, r.failed = -1, true
	return err
}

// BootTime is when the clock of the kernel's log records started: now
// minus CLOCK_MONOTONIC, which like the records' timestamps does not count
// time spent suspended.
func BootTime() (time.Time, error) {
	var ts syscall.Timespec
	const clockMonotonic = 1
	if _, _, e := syscall.Syscall(syscall.SYS_CLOCK_GETTIME, clockMonotonic, uintptr(unsafe.Pointer(&ts)), 0); e != 0 {
		return time.Time{}, errors.New("clock_gettime(CLOCK_MONOTONIC): " + e.Error())
	}
	return time.Now().Add(-time.Duration(ts.Nano())), nil
}
