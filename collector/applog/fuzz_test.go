package applog

import (
	"bytes"
	"os"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/gwtop/gwtop/facts"
)

// fuzzParser feeds data's lines to app's parser and checks the invariants
// of every event: a known kind and app, an exception for AppException, a
// short valid Line, no event without a line behind it.
func fuzzParser(f *testing.F, app string, fixtures ...string) {
	for _, fx := range fixtures {
		data, err := os.ReadFile(fx)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
		// A few records alone, so mutations start close to them.
		for _, l := range bytes.SplitAfter(data, []byte("\n"))[:8] {
			f.Add(l)
		}
	}
	kinds := map[facts.AppEventKind]bool{
		facts.AppWorkerTimeout: true, facts.AppWorkerKilled: true, facts.AppWorkerExit: true,
		facts.AppWorkerBoot: true, facts.AppException: true, facts.AppOverloaded: true,
		facts.AppStarting: true, facts.AppStopping: true,
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := NewParser(app, time.UTC)
		if err != nil {
			t.Fatal(err)
		}
		lines := bytes.Split(data, []byte("\n"))
		var evs []facts.AppEvent
		for _, l := range lines {
			evs = append(evs, p.Feed(l)...)
		}
		evs = append(evs, p.Flush()...)
		st := p.Stats()
		if st.Lines != int64(len(lines)) || st.Events != int64(len(evs)) {
			t.Fatalf("stats %+v for %d lines, %d events", st, len(lines), len(evs))
		}
		if len(evs) > len(lines) {
			t.Fatalf("%d events from %d lines", len(evs), len(lines))
		}
		for _, e := range evs {
			if !kinds[e.Kind] || e.App != app {
				t.Fatalf("event %+v", e)
			}
			if e.Kind == facts.AppException && strings.TrimSpace(e.Exception) == "" {
				t.Fatalf("exception without its text: %+v", e)
			}
			if e.Line == "" || len(e.Line) > MaxEventLine || !utf8.ValidString(e.Line) ||
				len(e.Detail) > MaxEventLine || len(e.Exception) > MaxEventLine || !utf8.ValidString(e.Detail) {
				t.Fatalf("line or detail unbounded or invalid: %+v", e)
			}
			if e.PID < 0 {
				t.Fatalf("pid %d", e.PID)
			}
		}
	})
}

func FuzzGunicorn(f *testing.F) {
	fuzzParser(f, Gunicorn, "testdata/gunicorn-20.1.0-flask.log", "testdata/gunicorn-20.1.0-wsgi.log")
}

func FuzzUWSGI(f *testing.F) { fuzzParser(f, UWSGI, "testdata/uwsgi-2.0.21.log") }

func FuzzPHPFPM(f *testing.F) {
	fuzzParser(f, PHPFPM, "testdata/php-fpm-8.2.36.log", "testdata/php-fpm-8.2.36-slow.log", "testdata/php-fpm-8.2.36-stderr.log")
}

// FuzzLogsOf: any command line and configuration file gives logs with
// absolute paths (or none and a reason), and no panic.
func FuzzLogsOf(f *testing.F) {
	f.Add("gunicorn\x00-c\x00conf.py\x00--timeout\x005", "errorlog = 'e.log'\ntimeout = 9\n")
	f.Add("uwsgi\x00--ini\x00u.ini:app", "[app]\nlogto = /x.log\nharakiri = 3\n")
	f.Add("php-fpm: master process (/etc/fpm.conf)", "[global]\nerror_log = e.log\n[www]\nslowlog = $pool.slow\nrequest_terminate_timeout = 1m\n")
	f.Fuzz(func(t *testing.T, cmd, conf string) {
		p := facts.Process{Comm: "x", Cmdline: strings.Split(cmd, "\x00")}
		read := func(string) ([]byte, error) { return []byte(conf), nil }
		for _, l := range LogsOf(p, read, "/srv") {
			if l.Path == "" && l.Why == "" {
				t.Fatalf("no path and no reason: %+v", l)
			}
			if l.Path != "" && !strings.HasPrefix(l.Path, "/") {
				t.Fatalf("relative path %q", l.Path)
			}
			if l.Timeout < 0 {
				t.Fatalf("timeout %v", l.Timeout)
			}
		}
	})
}
