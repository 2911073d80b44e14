// Package applog reads app servers' own logs (gunicorn, uWSGI, php-fpm)
// and turns their lines into facts.AppEvent: a worker killed for taking too
// long, a worker that died or was replaced, an exception's final line, a
// server at its worker limit, the master starting and stopping.
//
// The line formats come from the servers' source and from lines the Debian
// packages printed (testdata/README). A Parser holds a little state: a
// Python traceback spans many lines and becomes one event at its end, and
// lines without a timestamp take the time of the last stamped line.
// LogsOf finds a process's log files from its command line and
// configuration; a Watcher follows a set of them.
package applog

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gwtop/gwtop/collector/tail"
	"github.com/gwtop/gwtop/facts"
)

// The app servers this package reads, as App and Log.App name them.
const (
	Gunicorn = "gunicorn"
	UWSGI    = "uwsgi"
	PHPFPM   = "php-fpm"
	Uvicorn  = "uvicorn"
)

// The Detail of an AppWorkerBoot event: BootStartup for a worker started
// with the master (or its reload), BootReplacement for one started later,
// which is how gunicorn 20.x shows that a worker died: it logs nothing else.
// php-fpm logs its children's exits itself, so its later boots (ondemand
// and dynamic spawns) have an empty Detail.
const (
	BootStartup     = "start-up"
	BootReplacement = "replacement"
)

const (
	// MaxLine is the longest input line looked at; the rest is ignored.
	MaxLine = 64 << 10
	// MaxEventLine is the most bytes of a line kept in AppEvent.Line.
	MaxEventLine = 300
	// maxTraceLines is the most lines a held traceback may span; a longer
	// one is given up (counted in Stats.Dropped) rather than held forever.
	maxTraceLines = 1000
	// startupWindow is how long after the master's start-up lines worker
	// boots still count as part of the start-up.
	startupWindow = 10 * time.Second
)

// Stats count what a Parser has read.
type Stats struct {
	Lines   int64 // lines fed
	Events  int64 // events returned
	Other   int64 // lines in the server's format that are no event (INFO chatter, traceback frames)
	Unknown int64 // lines not in any format the parser knows, skipped
	Dropped int64 // multi-line records given up: a traceback longer than the cap, or one without its final line
	Cut     int64 // input lines longer than MaxLine, read up to it
}

// Parser turns one app server's log lines into events. It may hold a
// multi-line record (a traceback, uWSGI's harakiri report) until the line
// after it shows it has ended; Flush ends it. A Parser is not safe for
// concurrent use.
type Parser interface {
	// Feed reads one line (without its newline) and returns the events it
	// completes, usually none or one. The slice may be reused by the
	// caller after Feed returns.
	Feed(line []byte) []facts.AppEvent
	// Flush ends any held multi-line record and returns its event. The
	// parser stays usable.
	Flush() []facts.AppEvent
	// Stats returns the counters so far.
	Stats() Stats
}

// NewParser returns a Parser for app ("gunicorn", "uwsgi", "php-fpm").
// loc is the zone of timestamps written without one (uWSGI, php-fpm,
// Flask's own lines); nil means time.Local.
func NewParser(app string, loc *time.Location) (Parser, error) {
	if loc == nil {
		loc = time.Local
	}
	switch app {
	case Gunicorn:
		return newGunicorn(loc), nil
	case UWSGI:
		return newUWSGI(loc), nil
	case PHPFPM:
		return newPHPFPM(loc), nil
	}
	return nil, fmt.Errorf("applog: no parser for app %q (want %s, %s or %s)", app, Gunicorn, UWSGI, PHPFPM)
}

// base is what every parser shares: counters, the last stamped time and
// the start-up burst that tells start-up boots from replacements.
type base struct {
	app   string
	loc   *time.Location
	stats Stats
	last  time.Time // time of the last stamped line
	// started is the time of the last start-up line; inStartup is set
	// while worker boots still belong to it.
	started   time.Time
	inStartup bool
	// timedOut remembers the last pids killed for a timeout, so that the
	// kill that follows is not taken for an OOM kill or a crash.
	timedOut [16]int
	toNext   int
	out      []facts.AppEvent
}

func (b *base) Stats() Stats { return b.stats }

// begin counts a line and cuts it to MaxLine.
func (b *base) begin(line []byte) []byte {
	b.stats.Lines++
	b.out = b.out[:0]
	if len(line) > MaxLine {
		b.stats.Cut++
		line = line[:MaxLine]
	}
	return bytes.TrimRight(line, " \t\r\n")
}

// emit records an event with the given kind and the current time.
func (b *base) emit(kind facts.AppEventKind, pid int, detail, line string) *facts.AppEvent {
	b.out = append(b.out, facts.AppEvent{
		Time:   b.last,
		App:    b.app,
		Kind:   kind,
		PID:    pid,
		Detail: clip(detail),
		Line:   clip(line),
	})
	b.stats.Events++
	return &b.out[len(b.out)-1]
}

// starting marks the start-up burst.
func (b *base) starting() {
	b.started = b.last
	b.inStartup = true
}

// boot is the Detail of a worker boot at the current time.
func (b *base) boot() string {
	if b.inStartup && !b.started.IsZero() && b.last.Sub(b.started) <= startupWindow {
		return BootStartup
	}
	b.inStartup = false
	return BootReplacement
}

// endStartup ends the start-up burst: a line that is neither a start-up
// line nor a boot.
func (b *base) endStartup() { b.inStartup = false }

func (b *base) markTimeout(pid int) {
	b.timedOut[b.toNext] = pid
	b.toNext = (b.toNext + 1) % len(b.timedOut)
}

func (b *base) wasTimedOut(pid int) bool {
	if pid <= 0 {
		return false
	}
	for _, p := range b.timedOut {
		if p == pid {
			return true
		}
	}
	return false
}

// signalled is the event for a worker ended by signal sig: a SIGKILL is
// AppWorkerKilled (gunicorn: "Perhaps out of memory?") unless it follows a
// timeout of the same worker, whose kill it is.
func (b *base) signalled(pid, sig int, line string) {
	name := signalName(sig)
	if b.wasTimedOut(pid) {
		b.emit(facts.AppWorkerExit, pid, name+" after timeout", line)
		return
	}
	if sig == 9 {
		b.emit(facts.AppWorkerKilled, pid, name, line)
		return
	}
	b.emit(facts.AppWorkerExit, pid, name, line)
}

var signalNames = map[int]string{
	1: "SIGHUP", 2: "SIGINT", 3: "SIGQUIT", 4: "SIGILL", 5: "SIGTRAP", 6: "SIGABRT", 7: "SIGBUS",
	8: "SIGFPE", 9: "SIGKILL", 10: "SIGUSR1", 11: "SIGSEGV", 12: "SIGUSR2", 13: "SIGPIPE",
	14: "SIGALRM", 15: "SIGTERM",
}

// signalName is "SIGKILL" for 9, "signal 42" for one without a name here.
func signalName(sig int) string {
	if n, ok := signalNames[sig]; ok {
		return n
	}
	return "signal " + strconv.Itoa(sig)
}

// signalNumber is 9 for "SIGKILL" (or "KILL"), 0 when unknown.
func signalNumber(name string) int {
	name = strings.TrimPrefix(strings.ToUpper(name), "SIG")
	for n, s := range signalNames {
		if s[3:] == name {
			return n
		}
	}
	return 0
}

// clip trims a line to at most MaxEventLine bytes of valid UTF-8.
func clip(s string) string {
	s = strings.ToValidUTF8(strings.TrimSpace(s), "\uFFFD")
	if len(s) > MaxEventLine {
		cut := MaxEventLine
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut]
	}
	return s
}

// atoiPrefix reads the decimal number at the start of s and returns it
// with the rest; ok is false when s does not start with a digit or the
// number does not fit.
func atoiPrefix(s string) (n int, rest string, ok bool) {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	if i == 0 || i > 9 {
		return 0, s, false
	}
	n, _ = strconv.Atoi(s[:i])
	return n, s[i:], true
}

// between returns the text of s between prefix and the next suffix after
// it, and whether both were found.
func between(s, prefix, suffix string) (string, bool) {
	i := strings.Index(s, prefix)
	if i < 0 {
		return "", false
	}
	s = s[i+len(prefix):]
	j := strings.Index(s, suffix)
	if j < 0 {
		return "", false
	}
	return s[:j], true
}

// intAfter reads the number following prefix in s.
func intAfter(s, prefix string) (int, bool) {
	i := strings.Index(s, prefix)
	if i < 0 {
		return 0, false
	}
	n, _, ok := atoiPrefix(s[i+len(prefix):])
	return n, ok
}

// tailOptions are the tail options a Watcher follows a log with.
func tailOptions(backfill int64, poll time.Duration) tail.Options {
	return tail.Options{Backfill: backfill, Poll: poll, MaxLine: MaxLine}
}
