package collector

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/gwtop/gwtop/collector/feed"
	"github.com/gwtop/gwtop/collector/tail"
	"github.com/gwtop/gwtop/model"
)

// lineLog follows one log file and hands every line to a gateway's parser.
type lineLog struct {
	kind, instance, source string
	tailer                 *tail.Tailer
	parser                 feed.LineParser
	sink                   feed.Sink
	parsed                 atomic.Int64
	other                  atomic.Int64
	skipped                atomic.Int64
	lastSkip               atomic.Pointer[string]
}

func newLineLog(kind, instance, source, path string, opt tail.Options, p feed.LineParser, sink feed.Sink) *lineLog {
	return &lineLog{kind: kind, instance: instance, source: source, tailer: tail.New(path, opt), parser: p, sink: sink}
}

func (l *lineLog) run(ctx context.Context) error { return l.tailer.Run(ctx, l.line) }

func (l *lineLog) line(b []byte) {
	err := l.parser.Line(b, l.sink)
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

// gateway is the log's row in the snapshot: counters, and an error when
// the file cannot be read or no line of it can be parsed.
func (l *lineLog) gateway() model.Gateway {
	st := l.tailer.Stats()
	parsed, skipped := l.parsed.Load(), l.skipped.Load()
	g := model.Gateway{Kind: l.kind, Gateway: l.instance, Source: l.source, Target: l.tailer.Path(), Updated: time.Now(), OK: st.Err == "", Error: st.Err,
		Counters: map[string]float64{
			"lines": float64(st.Lines), "parsed": float64(parsed), "other": float64(l.other.Load()), "skipped": float64(skipped),
			"cut_lines": float64(st.CutLines), "rotations": float64(st.Rotations), "truncations": float64(st.Truncations),
		}}
	if n, ok := l.parser.(feed.Noter); ok {
		g.Note = n.Note()
	}
	if c, ok := l.parser.(feed.Counter); ok {
		for k, v := range c.Counters() {
			g.Counters[k] = v
		}
	}
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
