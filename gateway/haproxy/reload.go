package haproxy

import (
	"strconv"
	"strings"
	"time"

	"github.com/gwtop/gwtop/collector/feed"
	"github.com/gwtop/gwtop/model"
)

// reloadWatch notices an HAProxy reload (or restart) on its stats: a
// reload starts new processes whose counters start from zero, so the
// frontends' cumulative sessions (stot) fall. The stats page counts the
// scrapes themselves, so even a quiet HAProxy shows it there; through the
// runtime socket a quiet HAProxy's counters may stay at 0, so there "show
// info" is read too (info.go): another pid, or an uptime that fell, is a
// new process. One event per reload either way. One scraper's Scrape calls
// are sequential: no lock.
type reloadWatch struct {
	seen     bool
	sessions int64    // the frontends' stot at the last scrape
	info     procInfo // the runtime API's "show info" at the last scrape
	reported bool     // observeInfo reported this scrape's reload
}

// observeInfo compares "show info" with the last scrape's: another pid,
// or an uptime that fell, is a new process. It reports true when it
// reported a reload (the counters' check then says nothing more).
func (w *reloadWatch) observeInfo(pi procInfo, now time.Time, source string, sink feed.Sink) bool {
	if !pi.ok {
		return false
	}
	was := w.info
	w.info = pi
	if !was.ok || (pi.pid == was.pid && pi.uptime >= was.uptime) {
		return false
	}
	w.reported = true
	text := "HAProxy reloaded or restarted: a new process answers (pid " + strconv.Itoa(was.pid) + " → " + strconv.Itoa(pi.pid) +
		", up " + strconv.FormatInt(pi.uptime, 10) + "s)"
	sink.ObserveEvent(model.Event{Time: now, Kind: model.EventReload, Name: text, Text: text, Source: "haproxy " + source})
	return true
}

// observe compares the rows' frontend sessions with the last scrape's and
// reports a reload when they fell.
func (w *reloadWatch) observe(rows []Row, now time.Time, source string, sink feed.Sink) {
	var tot int64
	n := 0
	for i := range rows {
		if rows[i].Type == TypeFrontend {
			tot += rows[i].Stot
			n++
		}
	}
	if n == 0 {
		return
	}
	if w.seen && tot < w.sessions && !w.reported {
		text := "HAProxy reloaded or restarted: its counters started again (frontend sessions " +
			strconv.FormatInt(w.sessions, 10) + " → " + strconv.FormatInt(tot, 10) + ")"
		sink.ObserveEvent(model.Event{Time: now, Kind: model.EventReload, Name: text, Text: text, Source: "haproxy " + source})
	}
	w.seen, w.sessions, w.reported = true, tot, false
}

// The master's own lines of a reload (master-worker mode, -W or
// master-worker in global), at [NOTICE]/[WARNING] on its standard error,
// hence in the journal and in logs written from it:
//
//	[NOTICE]   (4242) : Reloading HAProxy             (2.5 and later, src/haproxy.c, src/mworker.c)
//	[NOTICE]   (4242) : Reloading HAProxy (hard-reload)
//	[WARNING] 123/130000 (4242) : Reexecuting Master process   (1.8 to 2.4)
//
// "Proxy NAME started." (before 2.6) is one line per proxy, not one per
// reload, and is not taken.
var reloadLines = []string{"Reloading HAProxy", "Reexecuting Master process"}

// reloadEvent says whether msg (after splitPrefix) is a reload's line,
// and the event's text.
func reloadEvent(msg string) (string, bool) {
	m := strings.TrimSpace(msg)
	for _, p := range reloadLines {
		if rest, ok := strings.CutPrefix(m, p); ok && (rest == "" || rest == " (hard-reload)") {
			return "HAProxy reloaded its configuration (" + m + ")", true
		}
	}
	return "", false
}
