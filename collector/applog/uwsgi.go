package applog

import (
	"strings"
	"time"

	"github.com/gwtop/gwtop/facts"
)

// uwsgiParser reads uWSGI's log. Most of its lines carry no time
// (uwsgi_log); some are prefixed by uwsgi_log_verbose's ctime(3) stamp,
// "Tue Dec  1 11:45:24 2026 - ", in local time, and request lines carry
// one in brackets. The messages are core/master.c's, core/master_utils.c's
// and core/master_checks.c's. Python tracebacks from the app are printed
// without a header; the request line that follows names the worker and the
// path.
type uwsgiParser struct {
	base
	tb pyTrace
	// harakiri is a "*** HARAKIRI ON WORKER" event held until its status
	// report ("HARAKIRI [core 0] 127.0.0.1 - GET /slow since …") has named
	// the request.
	harakiri    facts.AppEvent
	harakiriSet bool
}

func newUWSGI(loc *time.Location) *uwsgiParser {
	return &uwsgiParser{base: base{app: UWSGI, loc: loc}}
}

func (p *uwsgiParser) Flush() []facts.AppEvent {
	p.out = p.out[:0]
	p.endHarakiri()
	p.pyEnd(&p.tb)
	return p.out
}

// uwsgiCtime is ctime(3)'s layout without its newline.
const uwsgiCtime = "Mon Jan _2 15:04:05 2006"

func (p *uwsgiParser) Feed(raw []byte) []facts.AppEvent {
	line := string(p.begin(raw))
	if p.tb.held() && strings.HasPrefix(line, "[pid: ") {
		// The request line after a traceback: "[pid: 24322|app: 0|req:
		// 1/2] 127.0.0.1 () {24 vars in 262 bytes} [Tue Dec  1 11:45:22
		// 2026] GET /api/boom => generated …" (core/logging.c).
		if pid, when, route, ok := p.requestLine(line); ok {
			if !p.tb.header {
				p.tb.header, p.tb.headPID, p.tb.headTime = true, pid, when
				_, p.tb.headPath, _ = strings.Cut(route, " ")
			} else if p.tb.headPID == 0 {
				p.tb.headPID = pid
			}
		}
	}
	if p.pyFeed(&p.tb, line) {
		return p.out
	}
	if when, path, header, ok := flaskLine(line, p.loc); ok {
		p.endHarakiri()
		p.last = when
		if header {
			p.pyHeader(&p.tb, 0, path)
		}
		p.stats.Other++
		return p.out
	}
	msg := line
	if len(line) >= len(uwsgiCtime)+3 && line[len(uwsgiCtime):len(uwsgiCtime)+3] == " - " {
		if t, err := time.ParseInLocation(uwsgiCtime, line[:len(uwsgiCtime)], p.loc); err == nil {
			p.last = t
			msg = line[len(uwsgiCtime)+3:]
		}
	}
	if p.harakiriSet && !strings.HasPrefix(msg, "HARAKIRI") {
		p.endHarakiri()
	}
	p.message(msg, line)
	return p.out
}

// requestLine reads uWSGI's request log line: the worker's pid, the
// request's time and "METHOD PATH".
func (p *uwsgiParser) requestLine(line string) (pid int, when time.Time, route string, ok bool) {
	pid, ok = intAfter(line, "[pid: ")
	if !ok {
		return
	}
	i := strings.Index(line, " bytes} [")
	if i < 0 {
		return pid, time.Time{}, "", false
	}
	rest := line[i+len(" bytes} ["):]
	stamp, rest, found := strings.Cut(rest, "] ")
	if !found {
		return pid, time.Time{}, "", false
	}
	when, err := time.ParseInLocation(uwsgiCtime, stamp, p.loc)
	if err != nil {
		return pid, time.Time{}, "", false
	}
	route, _, _ = strings.Cut(rest, " => ")
	return pid, when, route, true
}

func (p *uwsgiParser) endHarakiri() {
	if p.harakiriSet {
		p.out = append(p.out, p.harakiri)
		p.stats.Events++
		p.harakiriSet = false
	}
}

func (p *uwsgiParser) message(msg, line string) {
	switch {
	case strings.HasPrefix(msg, "*** HARAKIRI ON WORKER "):
		// master_utils.c uwsgi_master_manage_harakiri: "*** HARAKIRI ON
		// WORKER %d (pid: %d, try: %d[, graceful: %s]) ***"
		p.endStartup()
		pid, _ := intAfter(msg, "(pid: ")
		p.markTimeout(pid)
		p.harakiri = facts.AppEvent{Time: p.last, App: p.app, Kind: facts.AppWorkerTimeout, PID: pid, Line: clip(line)}
		p.harakiriSet = true
	case strings.HasPrefix(msg, "HARAKIRI [core "):
		// uwsgi_dump_worker: "HARAKIRI [core %d] %s - %s %s since %d"
		// (remote address, method, URI).
		if p.harakiriSet && p.harakiri.Detail == "" {
			if _, req, ok := strings.Cut(msg, " - "); ok {
				if i := strings.LastIndex(req, " since "); i >= 0 {
					req = req[:i]
				}
				p.harakiri.Detail = clip(req)
			}
		}
		p.stats.Other++
	case strings.HasPrefix(msg, "HARAKIRI"):
		p.stats.Other++
	case strings.HasPrefix(msg, "DAMN ! worker "):
		// master.c: "DAMN ! worker %d (pid: %d) died, killed by signal %d
		// :( trying respawn ...", "DAMN ! worker %d (pid: %d) died :(
		// trying respawn ...", "DAMN ! worker %d (pid: %d) MYSTERIOUSLY
		// killed by signal %d :( trying respawn ..."
		p.endStartup()
		pid, _ := intAfter(msg, "(pid: ")
		if sig, ok := intAfter(msg, "killed by signal "); ok {
			p.signalled(pid, sig, line)
			return
		}
		p.emit(facts.AppWorkerExit, pid, "died", line)
	case strings.HasPrefix(msg, "Respawned uWSGI worker "):
		// master_utils.c: "Respawned uWSGI worker %d (new pid: %d)"
		p.endStartup()
		pid, _ := intAfter(msg, "(new pid: ")
		p.emit(facts.AppWorkerBoot, pid, BootReplacement, line)
	case strings.HasPrefix(msg, "spawned uWSGI worker "):
		// "spawned uWSGI worker %d (pid: %d, cores: %d)"
		pid, _ := intAfter(msg, "(pid: ")
		p.emit(facts.AppWorkerBoot, pid, p.boot(), line)
	case strings.HasPrefix(msg, "*** uWSGI listen queue of socket "):
		// master.c: "*** uWSGI listen queue of socket \"%s\" (fd: %d)
		// full !!! (%llu/%llu) ***"
		p.endStartup()
		name, _ := between(msg, "socket \"", "\"")
		fill, _ := between(msg, "full !!! (", ")")
		p.emit(facts.AppOverloaded, 0, clip("listen queue of "+name+" full ("+fill+")"), line)
	case strings.HasPrefix(msg, "*** Starting uWSGI "):
		// "*** Starting uWSGI %s (%dbit) on [%.*s] ***"
		if s, ok := between(msg, " on [", "]"); ok {
			if t, err := time.ParseInLocation(uwsgiCtime, s, p.loc); err == nil {
				p.last = t
			}
		}
		p.starting()
		p.emit(facts.AppStarting, 0, "", line)
	case strings.HasPrefix(msg, "uwsgi socket ") && strings.Contains(msg, " bound to "):
		// socket.c: "uwsgi socket %d bound to TCP address %s fd %d",
		// "… bound to UNIX address %s fd %d"
		p.starting()
		addr, _ := between(msg, " address ", " fd ")
		if strings.Contains(msg, " UNIX address ") {
			addr = "unix:" + addr
		}
		p.emit(facts.AppStarting, 0, clip(addr), line)
	case strings.HasPrefix(msg, "spawned uWSGI master process (pid: "):
		p.starting()
		pid, _ := intAfter(msg, "(pid: ")
		p.emit(facts.AppStarting, pid, "", line)
	case strings.HasPrefix(msg, "SIGINT/SIGTERM received"), strings.HasPrefix(msg, "goodbye to uWSGI"),
		strings.HasPrefix(msg, "graceful shutdown triggered"):
		p.endStartup()
		p.emit(facts.AppStopping, 0, "", line)
	case strings.HasPrefix(msg, "...gracefully killing workers..."), strings.HasPrefix(msg, "...brutally killing workers..."):
		// A reload: the master stays, the workers are spawned anew.
		p.starting()
		p.emit(facts.AppStopping, 0, "reload", line)
	case strings.HasPrefix(msg, "[pid: "):
		// A request line: its time (the request's start) moves the clock
		// on for the unstamped lines after it.
		if _, when, _, ok := p.requestLine(msg); ok && when.After(p.last) {
			p.last = when
		}
		p.stats.Other++
	default:
		if uwsgiChatter(msg) {
			p.stats.Other++
			return
		}
		p.stats.Unknown++
	}
}

// uwsgiChatter reports whether msg is one of uWSGI's start-up and
// shutdown lines that are no event.
func uwsgiChatter(msg string) bool {
	for _, p := range []string{
		"***", " ***", "compiled with version", "os: ", "nodename: ", "machine: ", "clock source",
		"pcre ", "detected ", "current working directory", "writing pidfile", "uWSGI running as root",
		"chdir() to", "your ", "lock engine", "thunder lock", "Python ", "mapped ", "WSGI app ",
		"worker ", "spawned uWSGI", "mule ", "spooler ", "gateway ", "subprocess ", "...",
		"Gracefully killing worker", "binary reloading", "*** uWSGI",
	} {
		if strings.HasPrefix(msg, p) {
			return true
		}
	}
	return false
}
