package applog

import (
	"bufio"
	"bytes"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/gwtop/gwtop/facts"
)

// parseAll feeds every line of data to a new parser for app and flushes.
func parseAll(t *testing.T, app, data string) ([]facts.AppEvent, Stats) {
	t.Helper()
	p, err := NewParser(app, time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	var out []facts.AppEvent
	sc := bufio.NewScanner(strings.NewReader(data))
	for sc.Scan() {
		out = append(out, p.Feed(sc.Bytes())...)
	}
	out = append(out, p.Flush()...)
	return out, p.Stats()
}

func parseFile(t *testing.T, app, path string) ([]facts.AppEvent, Stats) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return parseAll(t, app, string(data))
}

// want is one expected event; Time is "15:04:05" on 2026-12-01 UTC.
type want struct {
	Time      string
	Kind      facts.AppEventKind
	PID       int
	Exception string
	Detail    string
}

func check(t *testing.T, app string, got []facts.AppEvent, wants []want) {
	t.Helper()
	if len(got) != len(wants) {
		for _, e := range got {
			t.Logf("got %s %s pid=%d exc=%q detail=%q", e.Time.Format(time.TimeOnly), e.Kind, e.PID, e.Exception, e.Detail)
		}
		t.Fatalf("%d events, want %d", len(got), len(wants))
	}
	for i, w := range wants {
		e := got[i]
		wt, err := time.Parse(time.DateTime, "2026-12-01 "+w.Time)
		if err != nil {
			t.Fatal(err)
		}
		if !e.Time.Truncate(time.Second).Equal(wt) || e.Kind != w.Kind || e.PID != w.PID || e.Exception != w.Exception || e.Detail != w.Detail || e.App != app {
			t.Errorf("event %d = %s %s %s pid=%d exc=%q detail=%q\n     want %s %s pid=%d exc=%q detail=%q",
				i, e.Time.Format(time.DateTime), e.App, e.Kind, e.PID, e.Exception, e.Detail, w.Time, w.Kind, w.PID, w.Exception, w.Detail)
		}
		if e.Line == "" || len(e.Line) > MaxEventLine {
			t.Errorf("event %d: Line %q", i, e.Line)
		}
	}
}

func TestGunicornFlaskFixture(t *testing.T) {
	got, st := parseFile(t, Gunicorn, "testdata/gunicorn-20.1.0-flask.log")
	check(t, Gunicorn, got, []want{
		{"11:44:46", facts.AppStarting, 23479, "", ""},
		{"11:44:46", facts.AppStarting, 23479, "", "127.0.0.1:45383"},
		{"11:44:46", facts.AppWorkerBoot, 23481, "", BootStartup},
		{"11:44:46", facts.AppWorkerBoot, 23482, "", BootStartup},
		// Flask's own lines: local time (UTC here), no pid.
		{"11:44:47", facts.AppException, 0, "ZeroDivisionError: division by zero", "/api/boom"},
		{"11:44:47", facts.AppException, 0, "ValueError: bad value", "/chain"}, // the chain's last
		{"11:44:49", facts.AppWorkerTimeout, 23482, "", ""},
		{"11:44:49", facts.AppWorkerBoot, 23507, "", BootReplacement},
		{"11:44:50", facts.AppWorkerBoot, 23543, "", BootReplacement}, // after os._exit(1): 20.1 logs nothing else
		{"11:44:51", facts.AppWorkerKilled, 23507, "", "SIGKILL"},
		{"11:44:51", facts.AppWorkerBoot, 23550, "", BootReplacement},
		{"11:44:53", facts.AppWorkerBoot, 23553, "", BootReplacement},
		{"11:44:55", facts.AppStopping, 23479, "", "SIGTERM"},
		{"11:44:55", facts.AppStopping, 23479, "", ""},
	})
	if st.Unknown != 0 || st.Dropped != 0 || st.Lines != 60 || st.Events != 14 {
		t.Errorf("stats %+v", st)
	}
	if got[4].Time.Nanosecond() != 902e6 {
		t.Errorf("Flask's milliseconds lost: %v", got[4].Time)
	}
	if got[4].Line != "ZeroDivisionError: division by zero" {
		t.Errorf("Line %q", got[4].Line)
	}
}

func TestGunicornWSGIFixture(t *testing.T) {
	got, st := parseFile(t, Gunicorn, "testdata/gunicorn-20.1.0-wsgi.log")
	check(t, Gunicorn, got, []want{
		{"11:45:04", facts.AppStarting, 23886, "", ""},
		{"11:45:04", facts.AppStarting, 23886, "", "127.0.0.1:37227"},
		{"11:45:04", facts.AppWorkerBoot, 23888, "", BootStartup},
		{"11:45:06", facts.AppException, 23888, "ZeroDivisionError: division by zero", "/api/boom"},
		{"11:45:06", facts.AppException, 23888, "RuntimeError: lookup failed", "/chain"},
		{"11:45:06", facts.AppStopping, 23886, "", "SIGTERM"},
		{"11:45:07", facts.AppStopping, 23886, "", ""},
	})
	if st.Unknown != 0 || st.Dropped != 0 {
		t.Errorf("stats %+v", st)
	}
}

// TestGunicornLaterMessages covers the reaper's messages of gunicorn 21
// and later (arbiter.py reap_workers: "Worker (pid:%s) was sent %s!",
// " Perhaps out of memory?" for SIGKILL, "Worker (pid:%s) exited with code
// %s."), which Debian 12's 20.1.0 does not print, and a timeout's kill.
func TestGunicornLaterMessages(t *testing.T) {
	log := `[2026-12-01 08:25:40 +0100] [4242] [INFO] Starting gunicorn 23.0.0
[2026-12-01 08:25:40 +0100] [4242] [INFO] Listening at: http://127.0.0.1:8001,http://[::1]:8001,unix:/run/app.sock (4242)
[2026-12-01 08:25:41 +0100] [4250] [INFO] Booting worker with pid: 4250
[2026-12-01 08:25:43 +0100] [4242] [ERROR] Worker (pid:4250) was sent SIGKILL! Perhaps out of memory?
[2026-12-01 08:25:44 +0100] [4242] [INFO] Worker (pid:4251) was sent SIGTERM!
[2026-12-01 08:25:45 +0100] [4242] [WARNING] Worker (pid:4252) was sent SIGSEGV!
[2026-12-01 08:25:46 +0100] [4242] [ERROR] Worker (pid:4253) exited with code 1.
[2026-12-01 08:25:47 +0100] [4242] [CRITICAL] WORKER TIMEOUT (pid:4254)
[2026-12-01 08:25:48 +0100] [4242] [ERROR] Worker (pid:4254) was sent SIGKILL! Perhaps out of memory?
[2026-12-01 08:25:49 +0100] [4255] [INFO] Booting worker with pid: 4255
`
	got, st := parseAll(t, Gunicorn, log)
	check(t, Gunicorn, got, []want{
		{"07:25:40", facts.AppStarting, 4242, "", ""},
		{"07:25:40", facts.AppStarting, 4242, "", "127.0.0.1:8001,[::1]:8001,unix:/run/app.sock"},
		{"07:25:41", facts.AppWorkerBoot, 4250, "", BootStartup},
		{"07:25:43", facts.AppWorkerKilled, 4250, "", "SIGKILL"},
		{"07:25:44", facts.AppWorkerExit, 4251, "", "SIGTERM"},
		{"07:25:45", facts.AppWorkerExit, 4252, "", "SIGSEGV"},
		{"07:25:46", facts.AppWorkerExit, 4253, "", "code 1"},
		{"07:25:47", facts.AppWorkerTimeout, 4254, "", ""},
		{"07:25:48", facts.AppWorkerExit, 4254, "", "SIGKILL after timeout"},
		{"07:25:49", facts.AppWorkerBoot, 4255, "", BootReplacement},
	})
	if st.Unknown != 0 {
		t.Errorf("stats %+v", st)
	}
}

func TestUWSGIFixture(t *testing.T) {
	got, st := parseFile(t, UWSGI, "testdata/uwsgi-2.0.21.log")
	check(t, UWSGI, got[:14], []want{
		{"11:45:20", facts.AppStarting, 0, "", ""},
		{"11:45:20", facts.AppStarting, 0, "", "127.0.0.1:45985"},
		{"11:45:20", facts.AppStarting, 24319, "", ""},
		{"11:45:20", facts.AppWorkerBoot, 24321, "", BootStartup},
		{"11:45:20", facts.AppWorkerBoot, 24322, "", BootStartup},
		// The traceback has no header: the request line after it names
		// the worker, the path and the time.
		{"11:45:22", facts.AppException, 24322, "ZeroDivisionError: division by zero", "/api/boom"},
		{"11:45:24", facts.AppWorkerTimeout, 24322, "", "GET /slow"},
		{"11:45:24", facts.AppWorkerExit, 24322, "", "SIGKILL after timeout"},
		{"11:45:24", facts.AppWorkerBoot, 24407, "", BootReplacement},
		{"11:45:24", facts.AppWorkerExit, 24321, "", "died"}, // os._exit(1)
		{"11:45:24", facts.AppWorkerBoot, 24410, "", BootReplacement},
		// kill -KILL from the recording script; the request line before
		// it moved the clock on.
		{"11:45:26", facts.AppWorkerKilled, 24407, "", "SIGKILL"},
		{"11:45:26", facts.AppWorkerBoot, 24413, "", BootReplacement},
		{"11:45:29", facts.AppOverloaded, 0, "", "listen queue of 127.0.0.1:45985 full (3/2)"},
	})
	count := map[facts.AppEventKind]int{}
	for _, e := range got {
		count[e.Kind]++
	}
	wantCount := map[facts.AppEventKind]int{
		// grep -c: 15 spawned/Respawned, 11 HARAKIRI ON WORKER, 13 DAMN
		// (one the script's kill -KILL), 8 listen queue.
		facts.AppStarting: 3, facts.AppWorkerBoot: 15, facts.AppException: 1, facts.AppWorkerTimeout: 11,
		facts.AppWorkerExit: 12, facts.AppWorkerKilled: 1, facts.AppOverloaded: 8, facts.AppStopping: 2,
	}
	for k, n := range wantCount {
		if count[k] != n {
			t.Errorf("%d %s events, want %d", count[k], k, n)
		}
	}
	if st.Unknown != 0 || st.Dropped != 0 {
		t.Errorf("stats %+v", st)
	}
}

func TestPHPFPMFixture(t *testing.T) {
	got, st := parseFile(t, PHPFPM, "testdata/php-fpm-8.2.36.log")
	check(t, PHPFPM, got, []want{
		{"11:55:47", facts.AppStarting, 6478, "", ""},
		{"11:55:48", facts.AppOverloaded, 0, "", "pool www max_children 1"},
		{"11:55:50", facts.AppWorkerTimeout, 6484, "", "GET /slow.php"},
		{"11:55:50", facts.AppWorkerExit, 6484, "", "SIGTERM after timeout"},
		{"11:55:50", facts.AppWorkerBoot, 6490, "", ""},
		{"11:55:50", facts.AppWorkerKilled, 6490, "", "SIGKILL"},
		{"11:55:50", facts.AppWorkerBoot, 6501, "", ""},
		{"11:55:51", facts.AppWorkerExit, 6501, "", "SIGSEGV"},
		{"11:55:51", facts.AppWorkerBoot, 6508, "", ""},
		{"11:55:54", facts.AppWorkerTimeout, 6508, "", "GET /slow.php"},
		{"11:55:54", facts.AppWorkerExit, 6508, "", "SIGTERM after timeout"},
		{"11:55:54", facts.AppWorkerBoot, 6576, "", ""},
		{"11:55:56", facts.AppStopping, 0, "", ""},
		{"11:55:56", facts.AppStopping, 0, "", ""},
	})
	if st.Unknown != 0 || st.Lines != 24 {
		t.Errorf("stats %+v", st)
	}

	// pm.max_requests = 1: children recycled with code 0 are no event.
	got, _ = parseFile(t, PHPFPM, "testdata/php-fpm-8.2.36-maxrequests.log")
	for _, e := range got {
		if e.Kind == facts.AppWorkerExit {
			t.Errorf("a recycled child is an exit: %q", e.Line)
		}
	}
	// A non-zero code is (fpm_children.c: "child %d exited with code %d
	// after %ld.%06d seconds from start").
	got, _ = parseAll(t, PHPFPM, "[01-Dec-2026 11:56:11] WARNING: [pool api] child 77 exited with code 255 after 0.004493 seconds from start\n"+
		"[01-Dec-2026 11:56:12] WARNING: [pool api] server reached pm.max_children setting (5), consider raising it\n")
	check(t, PHPFPM, got, []want{
		{"11:56:11", facts.AppWorkerExit, 77, "", "code 255"},
		{"11:56:12", facts.AppOverloaded, 0, "", "pool api max_children 5"},
	})

	// catch_workers_output: PHP's uncaught exception, as the child said it.
	got, st = parseFile(t, PHPFPM, "testdata/php-fpm-8.2.36-stderr.log")
	check(t, PHPFPM, got, []want{
		{"12:09:20", facts.AppStarting, 12440, "", ""},
		{"12:09:21", facts.AppException, 12446, "RuntimeException: boom", ""},
		{"12:09:22", facts.AppStopping, 0, "", ""},
		{"12:09:22", facts.AppStopping, 0, "", ""},
	})
	if st.Unknown != 0 {
		t.Errorf("stats %+v", st)
	}
	if e := phpFatal("PHP Fatal error:  Maximum execution time of 30 seconds exceeded in /srv/a.php on line 3"); e != "PHP Fatal error: Maximum execution time of 30 seconds exceeded" {
		t.Errorf("phpFatal = %q", e)
	}

	// The slowlog's records are known lines, no events.
	got, st = parseFile(t, PHPFPM, "testdata/php-fpm-8.2.36-slow.log")
	if len(got) != 0 || st.Unknown != 0 || st.Other != 8 {
		t.Errorf("slowlog: %d events, stats %+v", len(got), st)
	}
}

// TestLocation checks that zone-less stamps are read in the given zone and
// gunicorn's in its own.
func TestLocation(t *testing.T) {
	loc := time.FixedZone("X", 2*3600)
	p, _ := NewParser(PHPFPM, loc)
	evs := p.Feed([]byte("[01-Dec-2026 11:55:47] NOTICE: fpm is running, pid 6478"))
	if len(evs) != 1 || !evs[0].Time.Equal(time.Date(2026, 12, 1, 9, 55, 47, 0, time.UTC)) {
		t.Fatalf("php-fpm in +02:00: %+v", evs)
	}
	p, _ = NewParser(UWSGI, loc)
	evs = p.Feed([]byte("Tue Dec  1 11:45:29 2026 - *** uWSGI listen queue of socket \"127.0.0.1:1\" (fd: 3) full !!! (3/2) ***"))
	if len(evs) != 1 || !evs[0].Time.Equal(time.Date(2026, 12, 1, 9, 45, 29, 0, time.UTC)) {
		t.Fatalf("uWSGI in +02:00: %+v", evs)
	}
	p, _ = NewParser(Gunicorn, loc)
	evs = p.Feed([]byte("[2026-12-01 08:25:43 -0500] [4242] [CRITICAL] WORKER TIMEOUT (pid:4250)"))
	if len(evs) != 1 || !evs[0].Time.Equal(time.Date(2026, 12, 1, 13, 25, 43, 0, time.UTC)) || evs[0].PID != 4250 {
		t.Fatalf("gunicorn's own zone: %+v", evs)
	}
	if _, err := NewParser("tomcat", nil); err == nil {
		t.Fatal("a parser for tomcat")
	}
}

// TestTracebackEdges: a held traceback ends at Flush; one cut short, or
// longer than the cap, is dropped and counted; garbage is counted.
func TestTracebackEdges(t *testing.T) {
	p, _ := NewParser(Gunicorn, time.UTC)
	for _, l := range []string{
		"[2026-12-01 08:25:43 +0000] [7] [ERROR] Error handling request /x",
		"Traceback (most recent call last):",
		`  File "a.py", line 1, in f`,
		"KeyError: 'k'",
	} {
		if evs := p.Feed([]byte(l)); len(evs) != 0 {
			t.Fatalf("event before the traceback ended: %+v", evs)
		}
	}
	evs := p.Flush()
	if len(evs) != 1 || evs[0].Exception != "KeyError: 'k'" || evs[0].PID != 7 || evs[0].Detail != "/x" {
		t.Fatalf("flush: %+v", evs)
	}
	if evs := p.Flush(); len(evs) != 0 {
		t.Fatalf("second flush: %+v", evs)
	}

	// Cut short by the next stamped line: dropped, the line still read.
	p.Feed([]byte("Traceback (most recent call last):"))
	p.Feed([]byte(`  File "a.py", line 1, in f`))
	evs = p.Feed([]byte("[2026-12-01 08:25:44 +0000] [1] [CRITICAL] WORKER TIMEOUT (pid:9)"))
	if len(evs) != 1 || evs[0].Kind != facts.AppWorkerTimeout || p.Stats().Dropped != 1 {
		t.Fatalf("cut short: %+v %+v", evs, p.Stats())
	}

	// Longer than the cap.
	p.Feed([]byte("Traceback (most recent call last):"))
	for range maxTraceLines + 5 {
		p.Feed([]byte("  frame"))
	}
	if evs := p.Feed([]byte("ValueError: late")); len(evs) != 0 {
		t.Fatalf("a traceback over the cap: %+v", evs)
	}
	if p.Stats().Dropped != 2 {
		t.Fatalf("stats %+v", p.Stats())
	}

	before := p.Stats().Unknown
	p.Feed([]byte("\x00\xff garbage"))
	p.Feed(make([]byte, MaxLine+10))
	if s := p.Stats(); s.Unknown != before+2 || s.Cut != 1 {
		t.Fatalf("garbage: %+v", s)
	}
}

func TestIsPyException(t *testing.T) {
	for s, w := range map[string]bool{
		"ZeroDivisionError: division by zero": true,
		"KeyboardInterrupt":                   true,
		"werkzeug.exceptions.NotFound: 404":   true,
		"Traceback (most recent call last):":  false,
		"[2026-12-01] x":                      false,
		"Booting worker":                      false,
		"":                                    false,
		"a.:":                                 false,
		"9Error: x":                           false,
	} {
		if isPyException(s) != w {
			t.Errorf("isPyException(%q) = %v", s, !w)
		}
	}
}

func benchParser(b *testing.B, app, fixture string) {
	data, err := os.ReadFile(fixture)
	if err != nil {
		b.Fatal(err)
	}
	lines := bytes.Split(bytes.TrimRight(data, "\n"), []byte("\n"))
	p, _ := NewParser(app, time.UTC)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		for _, l := range lines {
			p.Feed(l)
		}
		p.Flush()
	}
}

func BenchmarkGunicorn(b *testing.B) {
	benchParser(b, Gunicorn, "testdata/gunicorn-20.1.0-flask.log")
}
func BenchmarkUWSGI(b *testing.B)  { benchParser(b, UWSGI, "testdata/uwsgi-2.0.21.log") }
func BenchmarkPHPFPM(b *testing.B) { benchParser(b, PHPFPM, "testdata/php-fpm-8.2.36.log") }
