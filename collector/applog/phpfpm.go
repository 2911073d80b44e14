package applog

import (
	"strconv"
	"strings"
	"time"

	"github.com/gwtop/gwtop/facts"
)

// phpfpmParser reads php-fpm's error log,
// "[01-Dec-2026 11:55:50] WARNING: [pool www] child 6484, script '…'
// (request: "GET /slow.php") execution timed out (2.011179 sec),
// terminating" (sapi/fpm/fpm/zlog.c: "[%d-%b-%Y %H:%M:%S] LEVEL: ", local
// time; messages from fpm_children.c, fpm_process_ctl.c and
// fpm_request.c as PHP 8.2 prints them), and its slowlog, whose records
// start "[01-Dec-2026 11:55:49]  [pool www] pid 6484" (fpm_php_trace.c)
// and are no event. Lines written to the journal have no stamp.
type phpfpmParser struct {
	base
}

func newPHPFPM(loc *time.Location) *phpfpmParser {
	return &phpfpmParser{base: base{app: PHPFPM, loc: loc}}
}

// Flush holds nothing for php-fpm: every record is one line.
func (p *phpfpmParser) Flush() []facts.AppEvent { return nil }

const phpfpmStamp = "02-Jan-2006 15:04:05"

func (p *phpfpmParser) Feed(raw []byte) []facts.AppEvent {
	line := string(p.begin(raw))
	msg := line
	stamped := false
	if len(line) >= len(phpfpmStamp)+2 && line[0] == '[' && line[len(phpfpmStamp)+1] == ']' {
		if t, err := time.ParseInLocation(phpfpmStamp, line[1:len(phpfpmStamp)+1], p.loc); err == nil {
			p.last = t
			msg = strings.TrimLeft(line[len(phpfpmStamp)+2:], " ")
			stamped = true
		}
	}
	level, rest, ok := strings.Cut(msg, ": ")
	switch {
	case ok && phpfpmLevel(level):
		p.message(rest, line)
	case stamped && strings.HasPrefix(msg, "[pool "):
		// A slowlog record's header.
		p.stats.Other++
	case !stamped && (strings.HasPrefix(msg, "script_filename = ") || strings.HasPrefix(msg, "[0x")):
		// A slowlog record's body.
		p.stats.Other++
	case line == "":
		p.stats.Other++
	default:
		p.stats.Unknown++
	}
	return p.out
}

func phpfpmLevel(s string) bool {
	switch s {
	case "DEBUG", "NOTICE", "WARNING", "ERROR", "ALERT", "SYSTEM":
		return true
	}
	return false
}

// message reads one php-fpm message after its level.
func (p *phpfpmParser) message(msg, line string) {
	pool := ""
	if name, ok := between(msg, "[pool ", "] "); ok && strings.HasPrefix(msg, "[pool ") {
		pool = name
		msg = msg[len("[pool ")+len(name)+2:]
	}
	if strings.HasPrefix(msg, "child ") {
		if _, ok := intAfter(msg, "child "); !ok {
			p.stats.Unknown++ // "child" without its pid
			return
		}
	}
	switch {
	case strings.HasPrefix(msg, "child ") && strings.Contains(msg, ") execution timed out ("):
		// fpm_request.c: "[pool %s] child %d, script '%s' (request: \"%s
		// %s%s%s\") execution timed out (%d.%06d sec), terminating"
		p.endStartup()
		pid, _ := intAfter(msg, "child ")
		p.markTimeout(pid)
		req, _ := between(msg, "(request: \"", "\") execution timed out")
		p.emit(facts.AppWorkerTimeout, pid, clip(req), line)
	case strings.HasPrefix(msg, "server reached ") && strings.Contains(msg, "max_children setting ("):
		// fpm_process_ctl.c: "[pool %s] server reached pm.max_children
		// setting (%d), consider raising it" (8.2 also prints
		// "max_children" without "pm.")
		p.endStartup()
		n, _ := between(msg, "setting (", ")")
		p.emit(facts.AppOverloaded, 0, clip("pool "+pool+" max_children "+n), line)
	case strings.HasPrefix(msg, "child ") && strings.Contains(msg, " exited on signal "):
		// fpm_children.c: "[pool %s] child %d exited on signal %d (%s)
		// after %ld.%06d seconds from start"
		p.endStartup()
		pid, _ := intAfter(msg, "child ")
		sig, _ := intAfter(msg, " exited on signal ")
		p.signalled(pid, sig, line)
	case strings.HasPrefix(msg, "child ") && strings.Contains(msg, " exited with code "):
		// "[pool %s] child %d exited with code %d after …": code 0 is
		// a child recycled after pm.max_requests, no event.
		pid, _ := intAfter(msg, "child ")
		code, _ := intAfter(msg, " exited with code ")
		if code == 0 {
			p.stats.Other++
			return
		}
		p.endStartup()
		p.emit(facts.AppWorkerExit, pid, "code "+strconv.Itoa(code), line)
	case strings.HasPrefix(msg, "child ") && strings.HasSuffix(msg, " started"):
		// "[pool %s] child %d started"
		pid, _ := intAfter(msg, "child ")
		d := p.boot()
		if d == BootReplacement {
			d = "" // ondemand and dynamic spawns are no replacement
		}
		p.emit(facts.AppWorkerBoot, pid, d, line)
	case strings.HasPrefix(msg, "child ") && strings.Contains(msg, " said into std"):
		// fpm_stdio.c with catch_workers_output: "[pool %s] child %d
		// said into stderr: \"%s\"". PHP's fatal errors arrive so when
		// PHP has no error_log of its own.
		pid, _ := intAfter(msg, "child ")
		_, said, _ := strings.Cut(msg, ": ")
		said = strings.TrimSuffix(strings.TrimPrefix(said, "\""), "\"")
		if exc := phpFatal(said); exc != "" {
			p.endStartup()
			ev := p.emit(facts.AppException, pid, "", line)
			ev.Exception = clip(exc)
			if ev.Exception == "" {
				ev.Exception = "PHP Fatal error"
			}
			return
		}
		p.stats.Other++
	case strings.HasPrefix(msg, "fpm is running, pid "):
		p.starting()
		pid, _ := intAfter(msg, "pid ")
		p.emit(facts.AppStarting, pid, "", line)
	case strings.HasPrefix(msg, "ready to handle connections"), strings.HasPrefix(msg, "systemd monitor"):
		p.starting()
		p.stats.Other++
	case strings.HasPrefix(msg, "Terminating ..."), strings.HasPrefix(msg, "Finishing ..."),
		strings.HasPrefix(msg, "exiting, bye-bye!"):
		p.endStartup()
		p.emit(facts.AppStopping, 0, "", line)
	case strings.HasPrefix(msg, "Reloading in progress ..."):
		p.starting()
		p.emit(facts.AppStopping, 0, "reload", line)
	default:
		p.stats.Other++
	}
}

// phpFatal reads PHP's fatal error line, "PHP Fatal error:  Uncaught
// RuntimeException: boom in /srv/boom.php:1" (main.c php_error_cb, Zend's
// "Uncaught %s" for an exception), as "RuntimeException: boom"; another
// fatal error ("Maximum execution time of 30 seconds exceeded") is
// "PHP Fatal error: " and its message. It returns "" for other lines.
func phpFatal(s string) string {
	const fatal = "PHP Fatal error:  "
	i := strings.Index(s, fatal)
	if i < 0 {
		return ""
	}
	msg := s[i+len(fatal):]
	uncaught := strings.HasPrefix(msg, "Uncaught ")
	msg = strings.TrimPrefix(msg, "Uncaught ")
	// Drop the place: " in FILE:LINE" (uncaught) or " in FILE on line N".
	if j := strings.LastIndex(msg, " in "); j > 0 {
		msg = msg[:j]
	}
	if uncaught {
		return msg
	}
	return "PHP Fatal error: " + msg
}
