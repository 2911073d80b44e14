package applog

import (
	"strings"
	"time"

	"github.com/gwtop/gwtop/facts"
)

// Python's traceback lines (Lib/traceback.py).
const (
	pyTraceback = "Traceback (most recent call last):"
	pyContext   = "During handling of the above exception, another exception occurred:"
	pyCause     = "The above exception was the direct cause of the following exception:"
)

type traceState int

const (
	traceIdle   traceState = iota
	traceFrames            // inside a traceback, reading its indented frames
	traceFinal             // read a final "Type: message" line; a chained traceback may follow
	traceChain             // read a blank line or a chain sentence after a final line
)

// pyTrace follows Python tracebacks. A header line (gunicorn's "Error
// handling request /path", Flask's "Exception on /path [GET]") names the
// request and the worker; the traceback after it ends at the last final
// line of its chain, which becomes one AppException event.
type pyTrace struct {
	state traceState
	lines int
	// The header, when one came just before the traceback.
	header     bool
	headTime   time.Time
	headPID    int
	headPath   string
	traceStart time.Time
	final      string // the last "Type: message" line read
}

// pyHeader records a header line at the parser's current time. A finished
// traceback still held is emitted first.
func (b *base) pyHeader(t *pyTrace, pid int, path string) {
	b.pyEnd(t)
	t.header, t.headTime, t.headPID, t.headPath = true, b.last, pid, path
}

// pyFeed reads line as part of a traceback. It returns true when the line
// belonged to it; false means the caller reads the line as usual (a
// traceback that line has ended is emitted first).
func (b *base) pyFeed(t *pyTrace, line string) bool {
	switch t.state {
	case traceIdle:
		if line == pyTraceback {
			t.state, t.lines, t.traceStart = traceFrames, 1, b.last
			return true
		}
		if t.header {
			// A header with no traceback after it.
			t.header = false
			b.stats.Dropped++
		}
		return false
	case traceFrames:
		if line == "" || line[0] == ' ' || line[0] == '\t' {
			return b.pyMore(t)
		}
		if isPyException(line) {
			t.state, t.final = traceFinal, line
			return b.pyMore(t)
		}
		// Not a traceback after all, or one cut short.
		b.pyReset(t)
		b.stats.Dropped++
		return false
	case traceFinal, traceChain:
		switch {
		case line == "" || line == pyContext || line == pyCause:
			t.state = traceChain
			return b.pyMore(t)
		case line == pyTraceback:
			t.state = traceFrames
			return b.pyMore(t)
		}
		b.pyEnd(t)
		return false
	}
	return false
}

// pyMore counts one more traceback line, giving the traceback up past
// maxTraceLines.
func (b *base) pyMore(t *pyTrace) bool {
	t.lines++
	b.stats.Other++
	if t.lines > maxTraceLines {
		b.pyReset(t)
		b.stats.Dropped++
	}
	return true
}

// pyEnd emits the held traceback when it has its final line.
func (b *base) pyEnd(t *pyTrace) {
	if t.state == traceFinal || t.state == traceChain {
		when := t.traceStart
		var pid int
		var path string
		if t.header {
			when, pid, path = t.headTime, t.headPID, t.headPath
		}
		exc := clip(t.final)
		if exc != "" {
			ev := b.emit(facts.AppException, pid, path, t.final)
			ev.Time = when
			ev.Exception = exc
		}
	} else if t.header || t.state == traceFrames {
		b.stats.Dropped++
	}
	b.pyReset(t)
}

func (b *base) pyReset(t *pyTrace) { *t = pyTrace{} }

// held reports whether a finished traceback is held, which a request line
// may complete (uWSGI logs the request after the traceback).
func (t *pyTrace) held() bool { return t.state == traceFinal || t.state == traceChain }

// isPyException reports whether line looks like a traceback's final line:
// a dotted identifier, alone or followed by ":".
func isPyException(line string) bool {
	name := line
	if i := strings.IndexByte(line, ':'); i >= 0 {
		name = line[:i]
	}
	if name == "" || name == "Traceback" {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c == '_' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z':
		case (c >= '0' && c <= '9' || c == '.') && i > 0:
		default:
			return false
		}
	}
	return name[len(name)-1] != '.'
}

// flaskLine reads Flask's default handler line,
// "[2026-12-01 11:44:47,902] ERROR in app: Exception on /api/boom [GET]"
// (flask/logging.py: "[%(asctime)s] %(levelname)s in %(module)s:
// %(message)s", message from Flask.log_exception). It returns the time,
// the path and whether the line is one; a Flask line that is not an
// exception header has ok set and path "".
func flaskLine(line string, loc *time.Location) (when time.Time, path string, isHeader, ok bool) {
	const layout = "2006-01-02 15:04:05,000"
	if len(line) < len(layout)+3 || line[0] != '[' || line[len(layout)+1] != ']' || line[len(layout)+2] != ' ' {
		return time.Time{}, "", false, false
	}
	t, err := time.ParseInLocation(layout, line[1:len(layout)+1], loc)
	if err != nil {
		return time.Time{}, "", false, false
	}
	rest := line[len(layout)+3:]
	if !strings.Contains(rest, " in ") || !strings.Contains(rest, ": ") {
		return time.Time{}, "", false, false
	}
	_, msg, _ := strings.Cut(rest, ": ")
	if p, found := strings.CutPrefix(msg, "Exception on "); found {
		if i := strings.LastIndex(p, " ["); i >= 0 {
			p = p[:i]
		}
		return t, p, true, true
	}
	return t, "", false, true
}
