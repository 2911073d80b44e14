package applog

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gwtop/gwtop/facts"
)

func findEvent(evs []facts.AppEvent, match func(facts.AppEvent) bool) (facts.AppEvent, bool) {
	for _, e := range evs {
		if match(e) {
			return e, true
		}
	}
	return facts.AppEvent{}, false
}

// TestWatcherGunicornLive runs the Debian gunicorn with a Flask app and
// follows its --error-logfile: an unhandled ZeroDivisionError, a handler
// longer than --timeout 1 and a worker that os._exit()s must show as
// events.
func TestWatcherGunicornLive(t *testing.T) {
	gunicorn := need(t, "gunicorn", "gunicorn python3-flask")
	dir := t.TempDir()
	copyTestdata(t, dir, "app.py")
	port := freePort(t)
	logPath := filepath.Join(dir, "err.log")
	start(t, dir, gunicorn, "--error-logfile", logPath, "--capture-output", "--timeout", "1", "-w", "1",
		"-b", "127.0.0.1:"+strconv.Itoa(port), "app:app")
	waitPort(t, port)

	w := NewWatcher(WatchOptions{Poll: 50 * time.Millisecond, Location: time.UTC})
	defer w.Close()
	w.Set([]Log{{App: Gunicorn, Path: logPath, Timeout: 1}})

	base := "http://127.0.0.1:" + strconv.Itoa(port)
	client := &http.Client{Timeout: 10 * time.Second}
	get := func(path string) (int, string, error) {
		resp, err := client.Get(base + path)
		if err != nil {
			return 0, "", err
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b), nil
	}
	workerPID := func() int {
		t.Helper()
		var pid int
		eventually(t, 10*time.Second, "a worker answering /pid", func() bool {
			code, body, err := get("/pid")
			if err != nil || code != 200 {
				return false
			}
			pid, _ = strconv.Atoi(body)
			return pid > 0
		})
		return pid
	}

	first := workerPID()
	if code, _, err := get("/api/boom"); err != nil || code != 500 {
		t.Fatalf("/api/boom: %d %v", code, err)
	}
	if _, _, err := get("/slow"); err == nil {
		t.Fatal("/slow answered: gunicorn's --timeout 1 did not kill the worker")
	}
	second := workerPID()
	if second == first {
		t.Fatalf("the timed-out worker %d still answers", first)
	}
	if _, _, err := get("/exit"); err == nil {
		t.Fatal("/exit answered")
	}
	third := workerPID()
	if third == second {
		t.Fatalf("the worker %d that called os._exit still answers", second)
	}

	var evs []facts.AppEvent
	eventually(t, 10*time.Second, "the events", func() bool {
		evs = w.Events(time.Time{})
		_, ok := findEvent(evs, func(e facts.AppEvent) bool { return e.Kind == facts.AppWorkerBoot && e.PID == third })
		return ok
	})
	exc, ok := findEvent(evs, func(e facts.AppEvent) bool { return e.Kind == facts.AppException })
	if !ok || exc.Exception != "ZeroDivisionError: division by zero" || exc.Detail != "/api/boom" {
		t.Errorf("exception: %+v", exc)
	}
	to, ok := findEvent(evs, func(e facts.AppEvent) bool { return e.Kind == facts.AppWorkerTimeout })
	if !ok || to.PID != first || to.Timeout != 1 || to.File != logPath || !strings.Contains(to.Line, "WORKER TIMEOUT (pid:"+strconv.Itoa(first)+")") {
		t.Errorf("timeout: %+v", to)
	}
	if time.Since(to.Time) > time.Minute || time.Until(to.Time) > 2*time.Second {
		t.Errorf("timeout's time %v, now %v", to.Time, time.Now())
	}
	for _, pid := range []int{first, second, third} {
		b, ok := findEvent(evs, func(e facts.AppEvent) bool { return e.Kind == facts.AppWorkerBoot && e.PID == pid })
		want := BootReplacement
		if pid == first {
			want = BootStartup
		}
		if !ok || b.Detail != want {
			t.Errorf("boot of %d: %+v, want %s", pid, b, want)
		}
	}
	if _, ok := findEvent(evs, func(e facts.AppEvent) bool {
		return e.Kind == facts.AppStarting && e.Detail == "127.0.0.1:"+strconv.Itoa(port)
	}); !ok {
		t.Errorf("no starting event with the listen address in %+v", evs)
	}
	for i := 1; i < len(evs); i++ {
		if evs[i].Time.Before(evs[i-1].Time) {
			t.Errorf("events out of order at %d", i)
		}
	}
	st := w.Stats()
	if len(st) != 1 || st[0].Parse.Unknown != 0 || st[0].Tail.Lines == 0 || st[0].Events != len(evs) || st[0].Err != "" {
		t.Errorf("stats %+v", st)
	}
}

// writeFile writes a fixture's lines to a temp file and returns its path.
func writeFile(t *testing.T, dir, name, text string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestWatcherBackfillRingAndSet(t *testing.T) {
	dir := t.TempDir()
	data, err := os.ReadFile("testdata/php-fpm-8.2.36.log")
	if err != nil {
		t.Fatal(err)
	}
	fpm := writeFile(t, dir, "fpm.log", string(data))
	w := NewWatcher(WatchOptions{Poll: 20 * time.Millisecond, Ring: 4, Location: time.UTC})
	defer w.Close()
	w.Set([]Log{{App: PHPFPM, Path: fpm, Timeout: 2}, {App: PHPFPM, Path: ""}, {App: "tomcat", Path: fpm + "x"}})
	eventually(t, 5*time.Second, "the backfill", func() bool {
		st := w.Stats()
		return len(st) == 1 && st[0].Parse.Lines == 24
	})
	evs := w.Events(time.Time{})
	if len(evs) != 4 { // the ring keeps the last 4 of 14
		t.Fatalf("%d events", len(evs))
	}
	if evs[0].Kind != facts.AppWorkerExit || evs[0].PID != 6508 || evs[3].Kind != facts.AppStopping || evs[0].Timeout != 2 || evs[0].File != fpm {
		t.Errorf("ring %+v", evs)
	}
	since := time.Date(2026, 12, 1, 11, 55, 56, 0, time.UTC)
	if got := w.Events(since); len(got) != 2 {
		t.Errorf("Events(since) = %d events", len(got))
	}

	// A second file appears later; growth is followed.
	gpath := filepath.Join(dir, "g.log")
	w.Set([]Log{{App: PHPFPM, Path: fpm, Timeout: 2}, {App: Gunicorn, Path: gpath, Timeout: 30}})
	eventually(t, 5*time.Second, "waiting for g.log", func() bool {
		for _, s := range w.Stats() {
			if s.Log.Path == gpath && strings.Contains(s.Err, "no such file") {
				return true
			}
		}
		return false
	})
	writeFile(t, dir, "g.log", "[2026-12-01 08:25:47 +0000] [4242] [CRITICAL] WORKER TIMEOUT (pid:4254)\n")
	eventually(t, 5*time.Second, "g.log's event", func() bool {
		_, ok := findEvent(w.Events(time.Time{}), func(e facts.AppEvent) bool {
			return e.Kind == facts.AppWorkerTimeout && e.PID == 4254 && e.Timeout == 30 && e.File == gpath
		})
		return ok
	})

	// A traceback at the end of a quiet log ends after a second.
	f, err := os.OpenFile(gpath, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprint(f, "[2026-12-01 08:25:48 +0000] [4255] [ERROR] Error handling request /api/boom\nTraceback (most recent call last):\n  File \"a.py\", line 3, in f\nZeroDivisionError: division by zero\n")
	f.Close()
	eventually(t, 5*time.Second, "the traceback's event", func() bool {
		_, ok := findEvent(w.Events(time.Time{}), func(e facts.AppEvent) bool {
			return e.Kind == facts.AppException && e.PID == 4255 && e.Detail == "/api/boom" && e.Exception == "ZeroDivisionError: division by zero"
		})
		return ok
	})

	// Dropping a file forgets it.
	w.Set([]Log{{App: Gunicorn, Path: gpath}})
	if st := w.Stats(); len(st) != 1 || st[0].Log.Path != gpath {
		t.Errorf("stats after Set: %+v", st)
	}
	for _, e := range w.Events(time.Time{}) {
		if e.File == fpm {
			t.Fatalf("an event of a dropped file: %+v", e)
		}
	}
	w.Set(nil)
	if len(w.Events(time.Time{})) != 0 || len(w.Stats()) != 0 {
		t.Error("events after Set(nil)")
	}
}

// TestWatcherFIFO: a named pipe is reported and not opened (opening it
// would block until a writer comes); the watcher's goroutines end with its
// context.
func TestWatcherFIFO(t *testing.T) {
	before := runtime.NumGoroutine()
	dir := t.TempDir()
	fifo := filepath.Join(dir, "pipe.log")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	w := NewWatcher(WatchOptions{Context: ctx, Poll: 20 * time.Millisecond})
	w.Set([]Log{{App: UWSGI, Path: fifo}, {App: UWSGI, Path: filepath.Join(dir, "missing.log")}})
	eventually(t, 5*time.Second, "the FIFO reported", func() bool {
		st := w.Stats()
		return len(st) == 2 && strings.Contains(st[1].Err, "named pipe") && strings.Contains(st[0].Err, "no such file")
	})
	if evs := w.Events(time.Time{}); len(evs) != 0 {
		t.Fatalf("events from a FIFO: %+v", evs)
	}
	cancel()
	eventually(t, 5*time.Second, "the goroutines to end", func() bool { return runtime.NumGoroutine() <= before })
	w.Set([]Log{{App: UWSGI, Path: filepath.Join(dir, "late.log")}}) // after the end: nothing starts
	time.Sleep(50 * time.Millisecond)
	if n := runtime.NumGoroutine(); n > before {
		t.Errorf("%d goroutines after the context ended, %d before", n, before)
	}
}
