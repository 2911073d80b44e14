package apache

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"
	"unsafe"

	"github.com/gwtop/gwtop/collector/feed"
	"github.com/gwtop/gwtop/model"
)

// AccessRecord is what one access-log line says. The byte slices point
// into the line and are valid only as long as it is.
type AccessRecord struct {
	Time     time.Time // zero when the format has no date
	Status   int       // %>s, else %s; 0 when absent
	Duration float64   // seconds; -1 when the format has no duration or logged "-"
	Path     []byte    // %U, else the path of %r (without the query)
	Worker   []byte    // %{BALANCER_WORKER_NAME}e as logged ("http://127.0.0.1:8001"); nil for "-"
	Route    []byte    // %{BALANCER_ROUTE}e; nil for "-"
}

// ErrMismatch is wrapped by Parse's error for a line that does not follow
// the format.
var ErrMismatch = errors.New("line does not match the LogFormat")

func mismatch(why string, args ...any) error {
	return fmt.Errorf("%s: %w", fmt.Sprintf(why, args...), ErrMismatch)
}

// Parse reads line into rec (reset first). It allocates nothing.
func (f *Format) Parse(line []byte, rec *AccessRecord) error {
	*rec = AccessRecord{Duration: -1}
	line = bytes.TrimRight(line, "\r\n")
	i := 0
	var status, final = -1, -1
	durPrec := 0
	for k := range f.toks {
		t := &f.toks[k]
		if t.letter == "" {
			if !bytes.HasPrefix(line[i:], []byte(t.lit)) {
				return mismatch("expected %q at byte %d", t.lit, i)
			}
			i += len(t.lit)
			continue
		}
		if t.tf != nil {
			tm, n, ok := t.tf.parse(line[i:])
			if !ok {
				return mismatch("bad time at byte %d", i)
			}
			rec.Time = tm
			i += n
			continue
		}
		end, err := f.fieldEnd(line, i, k)
		if err != nil {
			return err
		}
		v := line[i:end]
		i = end
		if len(v) == 1 && v[0] == '-' {
			continue
		}
		switch t.role {
		case roleStatus, roleFinal:
			n, used := leadingDigits(v, 3)
			if used != 3 || len(v) != 3 || n < 100 {
				return mismatch("bad status %q", clip(v))
			}
			if t.role == roleFinal {
				final = int(n)
			} else {
				status = int(n)
			}
		case roleMicros, roleMillis, roleSeconds:
			n, used := leadingDigits(v, 18)
			if used != len(v) || used == 0 {
				return mismatch("bad duration %q", clip(v))
			}
			// With several durations the most precise one wins.
			if p := precision(t.role); p > durPrec {
				durPrec = p
				switch t.role {
				case roleMicros:
					rec.Duration = float64(n) / 1e6
				case roleMillis:
					rec.Duration = float64(n) / 1e3
				default:
					rec.Duration = float64(n)
				}
			}
		case roleBytesIn, roleBytesOut:
			if _, used := leadingDigits(v, 19); used != len(v) {
				return mismatch("bad byte count %q", clip(v))
			}
		case roleRequest:
			if rec.Path == nil {
				rec.Path = requestPath(v)
			}
		case rolePath:
			rec.Path = v
		case roleWorker:
			rec.Worker = v
		case roleRoute:
			rec.Route = v
		}
	}
	if i != len(line) {
		return mismatch("%d bytes left after the format", len(line)-i)
	}
	switch {
	case final >= 0:
		rec.Status = final
	case status >= 0:
		rec.Status = status
	}
	return nil
}

// precision ranks the duration roles: µs over ms over s.
func precision(r role) int {
	switch r {
	case roleMicros:
		return 3
	case roleMillis:
		return 2
	}
	return 1
}

// clip shortens a value for an error message.
func clip(v []byte) string {
	if len(v) > 40 {
		return string(v[:40]) + "…"
	}
	return string(v)
}

// requestPath returns the path of a request line "GET /x?y HTTP/1.1".
func requestPath(v []byte) []byte {
	sp := bytes.IndexByte(v, ' ')
	if sp < 0 {
		return nil
	}
	p := v[sp+1:]
	if e := bytes.IndexByte(p, ' '); e >= 0 {
		p = p[:e]
	}
	if q := bytes.IndexAny(p, "?#"); q >= 0 {
		p = p[:q]
	}
	return p
}

// fieldEnd returns where the field of token k, starting at i, ends: at
// the next literal (the end of the line for the last token). In a quoted
// field the literal's quote must not be one Apache escaped (\"); an
// unquoted %r spans its two inner spaces.
func (f *Format) fieldEnd(line []byte, i, k int) (int, error) {
	if k+1 >= len(f.toks) {
		return len(line), nil
	}
	next := f.toks[k+1].lit
	t := &f.toks[k]
	from := i
	if t.role == roleRequest && !t.quoted && next != "" && next[0] == ' ' {
		// "GET /x HTTP/1.1": skip the method and the path.
		for n := 0; n < 2; n++ {
			sp := bytes.IndexByte(line[from:], ' ')
			if sp < 0 {
				break
			}
			from += sp + 1
		}
	}
	for {
		j := bytes.Index(line[from:], []byte(next))
		if j < 0 {
			return 0, mismatch("no %q after byte %d", next, i)
		}
		end := from + j
		if t.quoted && oddBackslashes(line, i, end) {
			from = end + 1
			continue
		}
		return end, nil
	}
}

// oddBackslashes reports whether the byte at end is escaped: preceded (not
// before start) by an odd number of backslashes.
func oddBackslashes(line []byte, start, end int) bool {
	n := 0
	for p := end - 1; p >= start && line[p] == '\\'; p-- {
		n++
	}
	return n%2 == 1
}

// AccessLog is the access log's feed.LineParser: each line becomes one
// feed.Request with one attempt at the backend that served it — the
// balancer member from %{BALANCER_WORKER_NAME}e when the format logs it,
// otherwise the Router's route for the request path. A request no route
// matches (or an excluded path) has no attempt: it counts for the gateway
// only. Safe for concurrent use.
type AccessLog struct {
	format *Format
	router *Router
	// ErrorLogWatched says an error log explains Apache's own 5xx (a
	// refused backend is a 503 here, a bad header a 500), so a 5xx the
	// error log does not explain is taken, by inference, as the backend's
	// own answer.
	ErrorLogWatched bool

	mu       sync.Mutex
	req      feed.Request
	attempts [1]feed.Attempt
	rec      AccessRecord
	// workers caches WorkerAddr per worker name, so a line allocates
	// nothing once its worker has been seen. Bounded: reset when full.
	workers map[string]string
}

// maxWorkers bounds AccessLog's worker cache.
const maxWorkers = 1024

// NewAccessLog compiles format (a LogFormat string or a nickname) and
// returns the parser; router may be nil.
func NewAccessLog(format string, router *Router) (*AccessLog, error) {
	f, err := CompileLogFormat(format)
	if err != nil {
		return nil, err
	}
	return &AccessLog{format: f, router: router, workers: map[string]string{}}, nil
}

// Format returns the compiled format.
func (l *AccessLog) Format() *Format { return l.format }

// Line implements feed.LineParser.
func (l *AccessLog) Line(line []byte, sink feed.Sink) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	rec := &l.rec
	if err := l.format.Parse(line, rec); err != nil {
		return err
	}
	l.req = feed.Request{Time: rec.Time, Status: rec.Status, Duration: rec.Duration, Attempts: l.attempts[:0]}
	if len(rec.Path) > 0 {
		// Valid during the call only, as feed.Request says: no copy.
		l.req.Path = unsafe.String(&rec.Path[0], len(rec.Path))
	}
	if addr, ok := l.backend(rec); ok {
		l.attempts[0] = feed.Attempt{Addr: addr, Status: rec.Status, Connect: -1, Header: -1, Total: -1}
		l.cause(&l.attempts[0])
		l.req.Attempts = l.attempts[:1]
	}
	sink.ObserveRequest(&l.req, line)
	return nil
}

// backend names the backend of a parsed line.
func (l *AccessLog) backend(rec *AccessRecord) (string, bool) {
	if len(rec.Worker) > 0 {
		if a, ok := l.workers[string(rec.Worker)]; ok {
			return a, true
		}
		if len(l.workers) >= maxWorkers {
			clear(l.workers)
		}
		a := WorkerAddr(string(rec.Worker))
		l.workers[string(rec.Worker)] = a
		return a, true
	}
	if l.router == nil || rec.Path == nil {
		return "", false
	}
	return l.router.matchBytes(rec.Path)
}

// cause is what an access-log line alone says of a 5xx. Apache logs no
// header time, and makes 500, 502 and 503 itself when a backend fails, with
// an error-log line saying why. So a 5xx is the backend's own answer only
// by inference (weighed less than the error log's evidence): any 5xx when
// an error log is watched (what it explains outranks the guess), and
// without one only the statuses Apache does not make for a failed backend
// (it makes 502, 503 and 500).
func (l *AccessLog) cause(at *feed.Attempt) {
	switch {
	case at.Status < 500, strings.HasPrefix(at.Addr, "balancer://"):
		// A balancer answers nothing itself: its 5xx are its workers'
		// failures (their own rows) or Apache's "no usable worker".
	case l.ErrorLogWatched, at.Status != 500 && at.Status != 502 && at.Status != 503:
		at.Cause, at.Inferred = model.CauseUpstream5xx, true
	}
}

// Note says, on the log's row in the snapshot's gateways, how requests are
// attributed to backends.
func (l *AccessLog) Note() string {
	switch {
	case l.format.HasWorker():
		return "backends from %{BALANCER_WORKER_NAME}e"
	case l.router != nil && l.format.HasPath():
		return fmt.Sprintf("this LogFormat names no backend: requests attributed by the ProxyPass prefix they matched (%d routes)", len(l.router.routes))
	}
	return "this LogFormat names no backend and no routes are known: requests count for the gateway only"
}
