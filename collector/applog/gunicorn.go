package applog

import (
	"strconv"
	"strings"
	"time"

	"github.com/gwtop/gwtop/facts"
)

// gunicornParser reads gunicorn's error log. Its lines are
// "[2026-12-01 08:25:43 +0000] [4242] [CRITICAL] WORKER TIMEOUT (pid:4250)"
// (gunicorn/glogging.py: "%(asctime)s [%(process)d] [%(levelname)s]
// %(message)s", datefmt "[%Y-%m-%d %H:%M:%S %z]"); the messages are
// arbiter.py's and workers/base.py's, in 20.x (Debian 12) and in later
// releases. With --capture-output the app's own output lands there too:
// Flask's "[…] ERROR in app: Exception on /path [GET]" and tracebacks.
type gunicornParser struct {
	base
	tb pyTrace
}

func newGunicorn(loc *time.Location) *gunicornParser {
	return &gunicornParser{base: base{app: Gunicorn, loc: loc}}
}

func (p *gunicornParser) Flush() []facts.AppEvent {
	p.out = p.out[:0]
	p.pyEnd(&p.tb)
	return p.out
}

func (p *gunicornParser) Feed(raw []byte) []facts.AppEvent {
	line := string(p.begin(raw))
	if p.pyFeed(&p.tb, line) {
		return p.out
	}
	if when, pid, level, msg, ok := gunicornStamp(line); ok {
		p.last = when
		p.message(pid, level, msg, line)
		return p.out
	}
	if when, path, header, ok := flaskLine(line, p.loc); ok {
		p.last = when
		if header {
			p.pyHeader(&p.tb, 0, path)
		}
		p.stats.Other++
		return p.out
	}
	p.stats.Unknown++
	return p.out
}

// gunicornStamp splits "[2026-12-01 08:25:43 +0000] [4242] [LEVEL] msg".
func gunicornStamp(line string) (when time.Time, pid int, level, msg string, ok bool) {
	const layout = "2006-01-02 15:04:05 -0700"
	if len(line) < len(layout)+2 || line[0] != '[' || line[len(layout)+1] != ']' {
		return
	}
	t, err := time.Parse(layout, line[1:len(layout)+1])
	if err != nil {
		return
	}
	rest, found := strings.CutPrefix(line[len(layout)+2:], " [")
	if !found {
		return
	}
	pid, rest, found = atoiPrefix(rest)
	if !found {
		return
	}
	rest, found = strings.CutPrefix(rest, "] [")
	if !found {
		return
	}
	level, msg, found = strings.Cut(rest, "] ")
	if !found {
		// A message may be empty: "[…] [42] [INFO] ".
		level, found = strings.CutSuffix(rest, "]")
		if !found {
			return
		}
	}
	return t, pid, level, msg, true
}

// message reads one gunicorn message logged by process pid.
func (p *gunicornParser) message(pid int, level, msg, line string) {
	for _, w := range []string{"WORKER TIMEOUT (pid:", "Worker (pid:", "Worker with pid ", "Booting worker with pid: "} {
		if strings.HasPrefix(msg, w) {
			if _, ok := intAfter(msg, w); !ok {
				p.stats.Unknown++ // a worker message without its pid
				return
			}
		}
	}
	switch {
	case strings.HasPrefix(msg, "WORKER TIMEOUT (pid:"):
		// arbiter.py murder_workers: "WORKER TIMEOUT (pid:%s)"
		p.endStartup()
		w, _ := intAfter(msg, "(pid:")
		p.markTimeout(w)
		p.emit(facts.AppWorkerTimeout, w, "", line)
	case strings.HasPrefix(msg, "Worker (pid:") && strings.Contains(msg, ") was sent "):
		// arbiter.py reap_workers (21+): "Worker (pid:%s) was sent %s!",
		// "... Perhaps out of memory?" for SIGKILL.
		p.endStartup()
		w, _ := intAfter(msg, "(pid:")
		name, _ := between(msg, ") was sent ", "!")
		sig := signalNumber(name)
		if sig == 0 {
			if n, ok := intAfter(name, "signal "); ok {
				sig = n
			}
		}
		if sig == 0 {
			p.emit(facts.AppWorkerExit, w, name, line)
			return
		}
		p.signalled(w, sig, line)
	case strings.HasPrefix(msg, "Worker with pid ") && strings.Contains(msg, " was terminated due to signal "):
		// arbiter.py reap_workers (20.x): "Worker with pid %s was
		// terminated due to signal %s".
		p.endStartup()
		w, _ := intAfter(msg, "Worker with pid ")
		sig, _ := intAfter(msg, "due to signal ")
		p.signalled(w, sig, line)
	case strings.HasPrefix(msg, "Worker (pid:") && strings.Contains(msg, ") exited with code "):
		// arbiter.py reap_workers (21+): "Worker (pid:%s) exited with code %s."
		p.endStartup()
		w, _ := intAfter(msg, "(pid:")
		code, _ := intAfter(msg, "exited with code ")
		p.emit(facts.AppWorkerExit, w, "code "+strconv.Itoa(code), line)
	case strings.HasPrefix(msg, "Booting worker with pid: "):
		// arbiter.py spawn_worker: "Booting worker with pid: %s"
		w, _ := intAfter(msg, "with pid: ")
		p.emit(facts.AppWorkerBoot, w, p.boot(), line)
	case strings.HasPrefix(msg, "Starting gunicorn "):
		p.starting()
		p.emit(facts.AppStarting, pid, "", line)
	case strings.HasPrefix(msg, "Listening at: "):
		// "Listening at: %s (%s)" at start-up, "Listening at: %s" after
		// a reload; listeners are "http://HOST:PORT", "unix:PATH", joined
		// with ",".
		p.starting()
		addrs := strings.TrimPrefix(msg, "Listening at: ")
		if i := strings.LastIndex(addrs, " ("); i >= 0 {
			if m, _, ok := atoiPrefix(addrs[i+2:]); ok {
				pid = m
			}
			addrs = addrs[:i]
		}
		p.emit(facts.AppStarting, pid, listenAddrs(addrs), line)
	case strings.HasPrefix(msg, "Using worker: "), strings.HasPrefix(msg, "Arbiter booted"),
		strings.HasPrefix(msg, "Hang up: "):
		// Start-up and reload chatter; a reload boots workers anew.
		p.starting()
		p.stats.Other++
	case strings.HasPrefix(msg, "Handling signal: "):
		sig := strings.TrimPrefix(msg, "Handling signal: ")
		switch sig {
		case "term", "int", "quit":
			p.endStartup()
			p.emit(facts.AppStopping, pid, "SIG"+strings.ToUpper(sig), line)
		case "hup":
			p.starting()
			p.stats.Other++
		default:
			p.stats.Other++
		}
	case strings.HasPrefix(msg, "Shutting down: "):
		p.endStartup()
		p.emit(facts.AppStopping, pid, "", line)
	case strings.HasPrefix(msg, "Error handling request"):
		// workers/base.py handle_error: "Error handling request %s"
		// (the URI), sync.py: "Error handling request" (headers sent).
		p.endStartup()
		path := strings.TrimSpace(strings.TrimPrefix(msg, "Error handling request"))
		p.pyHeader(&p.tb, pid, path)
		p.stats.Other++
	case strings.HasPrefix(msg, "Exception in worker process"),
		strings.HasPrefix(msg, "Socket error processing request"),
		strings.HasPrefix(msg, "Unhandled exception in main loop"),
		strings.HasPrefix(msg, "Exception in post_request hook"):
		p.endStartup()
		p.pyHeader(&p.tb, pid, "")
		p.stats.Other++
	default:
		if level != "INFO" && level != "DEBUG" {
			p.endStartup()
		}
		p.stats.Other++
	}
}

// listenAddrs turns gunicorn's listeners ("http://127.0.0.1:8001",
// "http://[::1]:8001", "unix:/run/app.sock", joined with ",") into
// facts.Listener's form ("127.0.0.1:8001", "[::1]:8001",
// "unix:/run/app.sock").
func listenAddrs(s string) string {
	parts := strings.Split(s, ",")
	for i, a := range parts {
		a = strings.TrimSpace(a)
		a = strings.TrimPrefix(a, "http://")
		a = strings.TrimPrefix(a, "https://")
		parts[i] = a
	}
	return strings.Join(parts, ",")
}
