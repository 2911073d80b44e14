package nginx

import (
	"strings"
	"sync"
	"time"

	"github.com/gwtop/gwtop/collector/feed"
	"github.com/gwtop/gwtop/model"
)

// nginx's master writes a reload to its error log at [notice] (nginx's
// src/os/unix/ngx_process.c, ngx_signal_handler, and
// src/os/unix/ngx_process_cycle.c, ngx_master_process_cycle):
//
//	signal 1 (SIGHUP) received from 4242, reconfiguring
//	reconfiguring
//	using the "epoll" event method
//	start worker processes
//	start worker process 4301
//
// ("signal 1 (SIGHUP) received, reconfiguring" when the sender is not
// known; a single-process nginx writes "reconfiguring" only). A start
// writes "start worker processes" with no "reconfiguring" before it. None
// of this is written when error_log's level is above notice (nginx's
// default is error).
const (
	msgSignalHUP   = "signal 1 (SIGHUP) received"
	msgReconfigure = "reconfiguring"
	msgStart       = "start worker processes"
	// reloadSpan is how long after a reload's first line its later lines
	// are taken as the same reload (by the log's clock).
	reloadSpan = 10 * time.Second
	// reloadSource is the events' Source.
	reloadSource = "nginx error_log"
)

// reloadWatch turns the error log's reload lines into one reload event
// each: the SIGHUP line (or "reconfiguring" when no SIGHUP line came
// first) is the reload, the lines after it are part of it; "start worker
// processes" with no reload before it is nginx starting.
type reloadWatch struct {
	mu      sync.Mutex
	pending bool      // a reload's first line was seen, its workers not yet started
	at      time.Time // when (the log's clock; zero when the lines have none)
}

// observe reports a reload to sink when rec is the first line of one; it
// returns whether rec was a reload line.
func (w *reloadWatch) observe(rec ErrorRecord, sink feed.Sink) bool {
	if rec.Level != "" && rec.Level != "notice" {
		return false
	}
	m := rec.Message
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.pending && !rec.Time.IsZero() && !w.at.IsZero() && rec.Time.Sub(w.at) > reloadSpan {
		w.pending = false // a reload that never started its workers (a configuration error)
	}
	var text string
	switch {
	case strings.HasPrefix(m, msgSignalHUP) && strings.HasSuffix(m, ", reconfiguring"):
		text = "nginx reloaded its configuration (" + sanitize(strings.TrimSuffix(m, ", reconfiguring"), 80) + ")"
		w.pending, w.at = true, rec.Time
	case m == msgReconfigure:
		if w.pending {
			return true
		}
		text = "nginx reloaded its configuration (reconfiguring)"
		w.pending, w.at = true, rec.Time
	case m == msgStart:
		if w.pending {
			w.pending = false
			return true
		}
		text = "nginx started (start worker processes)"
	default:
		return false
	}
	sink.ObserveEvent(model.Event{Time: rec.Time, Kind: model.EventReload, Name: text, Text: text, Source: reloadSource})
	return true
}
