package collector

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"github.com/gwtop/gwtop/collector/feed"
	"github.com/gwtop/gwtop/collector/tail"
	"github.com/gwtop/gwtop/model"
)

// lineLog follows one log file and hands every line to a gateway's parser.
type lineLog struct {
	kind, instance, source string
	tailer                 follower
	parser                 feed.LineParser
	sink                   feed.Sink
	parsed                 atomic.Int64
	other                  atomic.Int64
	skipped                atomic.Int64
	lastSkip               atomic.Pointer[string]
	pre                    prefixState            // the reading goroutine's only
	prefixName             atomic.Pointer[string] // the detected prefix, for the row
	split                  *splitter              // a backlog read in parallel chunks (backlog.go), or nil

	// raw keeps the lines for the drill-down (rawlines.go); rawLine and
	// rawPos are the line being parsed and where it lies.
	raw     *rawStore
	rawLine []byte
	rawPos  tail.Pos
	rawOK   bool
	rawBuf  []byte // scratch for a request's normalised route
}

// keepRaw makes the log keep its lines in raw, for the rows they name.
func (l *lineLog) keepRaw(raw *rawStore) {
	l.raw = raw
	l.sink = newRawSink(l.sink, l)
}

func newLineLog(kind, instance, source, path string, opt tail.Options, p feed.LineParser, sink feed.Sink) *lineLog {
	var f follower
	if path == StdinPath {
		f = newStdinReader(stdin(), opt)
	} else {
		f = tail.New(path, opt)
	}
	return &lineLog{kind: kind, instance: instance, source: source, tailer: f, parser: p, sink: sink}
}

func (l *lineLog) run(ctx context.Context) error {
	if l.split != nil {
		if ok, err := l.runSplit(ctx); ok {
			return err
		}
	}
	return l.tailer.Run(ctx, l.line)
}

// line hands one line to the parser. Until the log's prefix is known
// (see prefix.go), a line that carries a collector's prefix is tried
// without it first — a lax format (an access log's first field) may take
// the prefixed line too, wrongly — and then as it is; the first that
// parses decides it for the file. A line that does not parse has said
// nothing to the sink, so trying twice counts nothing twice.
func (l *lineLog) line(b []byte) {
	if l.raw != nil {
		l.rawLine = b
		l.rawPos, l.rawOK = tail.Pos{}, false
		if t, ok := l.tailer.(*tail.Tailer); ok {
			l.rawPos, l.rawOK = t.Pos()
		}
	}
	if l.pre.decided {
		if l.pre.use != nil {
			if s, ok := l.pre.use.strip(b); ok {
				b = s
			}
		}
		l.count(l.parser.Line(b, l.sink))
		return
	}
	for i := range prefixes {
		s, ok := prefixes[i].strip(b)
		if !ok {
			continue
		}
		if e := l.parser.Line(s, l.sink); e == nil {
			l.pre.decided, l.pre.use = true, &prefixes[i]
			name := prefixes[i].name
			l.prefixName.Store(&name)
			l.count(nil)
			return
		}
		break
	}
	err := l.parser.Line(b, l.sink)
	if err == nil {
		l.pre.decided = true
		l.count(nil)
		return
	}
	if l.pre.tried++; l.pre.tried >= detectLines {
		l.pre.decided = true
	}
	l.count(err)
}

func (l *lineLog) count(err error) {
	switch {
	case err == nil:
		l.parsed.Add(1)
	case errors.Is(err, feed.ErrIgnored):
		l.other.Add(1)
	default:
		l.skipped.Add(1)
		msg := err.Error()
		l.lastSkip.Store(&msg)
	}
}

// stats are the file counters of the log's reader: its tailer's, or its
// parallel backlog reader's once that has started.
func (l *lineLog) stats() tail.Stats {
	if l.split != nil && l.split.used.Load() {
		return l.split.stats()
	}
	return l.tailer.Stats()
}

// gateway is the log's row in the snapshot: counters, and an error when
// the file cannot be read or no line of it can be parsed.
func (l *lineLog) gateway() model.Gateway {
	st := l.stats()
	parsed, skipped := l.parsed.Load(), l.skipped.Load()
	g := model.Gateway{Kind: l.kind, Gateway: l.instance, Source: l.source, Target: l.tailer.Path(), Updated: time.Now(), OK: st.Err == "", Error: st.Err,
		Counters: map[string]float64{
			"lines": float64(st.Lines), "parsed": float64(parsed), "other": float64(l.other.Load()), "skipped": float64(skipped),
			"cut_lines": float64(st.CutLines), "rotations": float64(st.Rotations), "truncations": float64(st.Truncations),
		}}
	if n, ok := l.parser.(feed.Noter); ok {
		g.Note = n.Note()
	}
	if p := l.prefixName.Load(); p != nil {
		g.Note = strings.TrimPrefix(g.Note+"; lines behind a "+*p+" prefix, read without it", "; ")
	}
	if c, ok := l.parser.(feed.Counter); ok {
		for k, v := range c.Counters() {
			g.Counters[k] = v
		}
	}
	l.rangeRow(&g)
	if skipped > 0 && parsed == 0 {
		g.OK = false
		why := ""
		if p := l.lastSkip.Load(); p != nil {
			why = ": " + *p
		}
		g.Error = fmt.Sprintf("none of %d lines could be read%s — is the log format right?", skipped, why)
	}
	return g
}
