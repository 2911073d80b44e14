package applog

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"

	"github.com/gwtop/gwtop/collector/tail"
	"github.com/gwtop/gwtop/facts"
)

// Defaults of WatchOptions.
const (
	DefaultRing     = 512
	DefaultBackfill = 1 << 20
	// idleFlush is how long a log must be quiet before a held traceback
	// is taken as ended.
	idleFlush = time.Second
)

// WatchOptions tune a Watcher. The zero value is usable.
type WatchOptions struct {
	// Context ends every follower when done; nil means none ends before
	// Close.
	Context context.Context
	// Ring is how many events are kept per file, DefaultRing if 0.
	Ring int
	// Backfill is how many bytes before the end of a file are read when
	// it is first followed, DefaultBackfill if 0, none if negative.
	Backfill int64
	// Poll is how often files are checked for growth, rotation and
	// appearing; tail.DefaultPoll if 0.
	Poll time.Duration
	// Location is the zone of timestamps written without one; nil means
	// time.Local.
	Location *time.Location
}

// FileStats is what a Watcher knows of one followed file.
type FileStats struct {
	Log    Log
	Tail   tail.Stats // zero until the file is followed
	Parse  Stats
	Events int    // events held
	Err    string // why the file is not followed ("not a regular file"), or the tailer's error
}

// Watcher follows a set of app-server logs, parses their lines and keeps
// the last events of each file. Its methods are safe for concurrent use and
// never wait for a follower: a follower stuck in the kernel (opening a
// named pipe nobody writes) blocks nothing else.
type Watcher struct {
	opt    WatchOptions
	ctx    context.Context
	cancel context.CancelFunc

	mu    sync.Mutex
	files map[string]*follower
}

// follower is one file's state.
type follower struct {
	path   string // log.Path, which never changes; read without mu
	cancel context.CancelFunc

	mu       sync.Mutex
	log      Log // Set changes its Timeout and Why (under w.mu and mu); its Path and App never change
	parser   Parser
	ring     []facts.AppEvent
	next     int
	full     bool
	lastFeed time.Time
	held     bool // lines were fed since the last flush
	err      string
	tailer   *tail.Tailer
}

// NewWatcher returns a Watcher following nothing; Set gives it files.
func NewWatcher(opt WatchOptions) *Watcher {
	if opt.Ring <= 0 {
		opt.Ring = DefaultRing
	}
	if opt.Backfill == 0 {
		opt.Backfill = DefaultBackfill
	} else if opt.Backfill < 0 {
		opt.Backfill = 0
	}
	if opt.Poll <= 0 {
		opt.Poll = tail.DefaultPoll
	}
	if opt.Location == nil {
		opt.Location = time.Local
	}
	parent := opt.Context
	if parent == nil {
		parent = context.Background()
	}
	ctx, cancel := context.WithCancel(parent)
	return &Watcher{opt: opt, ctx: ctx, cancel: cancel, files: map[string]*follower{}}
}

// Close stops every follower. The Watcher keeps its events.
func (w *Watcher) Close() { w.cancel() }

// Set makes logs the set of files followed: new paths start being
// followed, paths no longer in logs stop (their events are forgotten), and
// a path whose App changed starts over. Logs without a Path, or of an app
// without a parser, are skipped. The first Log of a path wins.
func (w *Watcher) Set(logs []Log) {
	want := map[string]Log{}
	for _, l := range logs {
		if l.Path == "" {
			continue
		}
		if _, err := NewParser(l.App, nil); err != nil {
			continue
		}
		p := filepath.Clean(l.Path)
		if _, ok := want[p]; !ok {
			l.Path = p
			want[p] = l
		}
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	for p, f := range w.files {
		if l, ok := want[p]; !ok || l.App != f.log.App {
			f.cancel()
			delete(w.files, p)
		}
	}
	for p, l := range want {
		if f, ok := w.files[p]; ok {
			f.mu.Lock()
			f.log = l // a new timeout or reason
			f.mu.Unlock()
			continue
		}
		if w.ctx.Err() != nil {
			return
		}
		parser, _ := NewParser(l.App, w.opt.Location)
		ctx, cancel := context.WithCancel(w.ctx)
		f := &follower{path: p, log: l, cancel: cancel, parser: parser, ring: make([]facts.AppEvent, w.opt.Ring)}
		w.files[p] = f
		go f.run(ctx, w.opt)
	}
}

// Events returns the held events at or after since, oldest first (events
// of one file keep their order when times tie).
func (w *Watcher) Events(since time.Time) []facts.AppEvent {
	w.mu.Lock()
	list := make([]*follower, 0, len(w.files))
	for _, f := range w.files {
		list = append(list, f)
	}
	w.mu.Unlock()
	sort.Slice(list, func(i, j int) bool { return list[i].path < list[j].path })
	var out []facts.AppEvent
	for _, f := range list {
		f.mu.Lock()
		out = f.appendEvents(out, since)
		f.mu.Unlock()
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Time.Before(out[j].Time) })
	return out
}

// Stats returns each followed file's state, by path.
func (w *Watcher) Stats() []FileStats {
	w.mu.Lock()
	list := make([]*follower, 0, len(w.files))
	for _, f := range w.files {
		list = append(list, f)
	}
	w.mu.Unlock()
	out := make([]FileStats, 0, len(list))
	for _, f := range list {
		f.mu.Lock()
		s := FileStats{Log: f.log, Parse: f.parser.Stats(), Err: f.err}
		s.Events = f.next
		if f.full {
			s.Events = len(f.ring)
		}
		t := f.tailer
		f.mu.Unlock()
		if t != nil {
			s.Tail = t.Stats()
			if s.Err == "" {
				s.Err = s.Tail.Err
			}
		}
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Log.Path < out[j].Log.Path })
	return out
}

func (f *follower) appendEvents(out []facts.AppEvent, since time.Time) []facts.AppEvent {
	add := func(evs []facts.AppEvent) {
		for _, e := range evs {
			if !e.Time.Before(since) {
				out = append(out, e)
			}
		}
	}
	if f.full {
		add(f.ring[f.next:])
	}
	add(f.ring[:f.next])
	return out
}

// keep adds events to the ring; f.mu is held.
func (f *follower) keep(evs []facts.AppEvent) {
	for _, e := range evs {
		e.File = f.path
		if e.Timeout == 0 {
			e.Timeout = f.log.Timeout
		}
		f.ring[f.next] = e
		f.next++
		if f.next == len(f.ring) {
			f.next, f.full = 0, true
		}
	}
}

// run follows the file until ctx is done. The path is checked before the
// tailer opens it: opening a named pipe (or a device) would block until a
// writer comes, so only a regular file is followed, and a path that is
// something else is reported and checked again every poll. (collector/tail
// itself opens with O_NONBLOCK and refuses what is not a regular file, so
// a file replaced by a pipe between two polls cannot strand this follower
// either.)
func (f *follower) run(ctx context.Context, opt WatchOptions) {
	poll := time.NewTicker(opt.Poll)
	defer poll.Stop()
	for {
		fi, err := os.Stat(f.path)
		switch {
		case err == nil && fi.Mode().IsRegular():
			f.setErr("")
			f.follow(ctx, opt)
			return
		case err == nil:
			f.setErr(fmt.Sprintf("%s is not a regular file (%s): not followed", f.path, kind(fi.Mode())))
		default:
			var pe *fs.PathError
			if errors.As(err, &pe) {
				err = pe.Err // the path is already in the message
			}
			f.setErr(fmt.Sprintf("waiting for %s: %v", f.path, err))
		}
		select {
		case <-ctx.Done():
			return
		case <-poll.C:
		}
	}
}

func kind(m fs.FileMode) string {
	switch {
	case m&fs.ModeNamedPipe != 0:
		return "named pipe"
	case m&fs.ModeSocket != 0:
		return "socket"
	case m&fs.ModeDevice != 0:
		return "device"
	case m.IsDir():
		return "directory"
	}
	return m.Type().String()
}

func (f *follower) setErr(s string) {
	f.mu.Lock()
	f.err = s
	f.mu.Unlock()
}

// follow runs the tailer, with a ticker that ends a traceback held by a
// quiet log.
func (f *follower) follow(ctx context.Context, opt WatchOptions) {
	t := tail.New(f.path, tailOptions(opt.Backfill, opt.Poll))
	f.mu.Lock()
	f.tailer = t
	f.mu.Unlock()

	done := make(chan struct{})
	go func() {
		tick := time.NewTicker(idleFlush / 2)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			case now := <-tick.C:
				f.mu.Lock()
				if f.held && now.Sub(f.lastFeed) >= idleFlush {
					f.keep(f.parser.Flush())
					f.held = false
				}
				f.mu.Unlock()
			}
		}
	}()
	_ = t.Run(ctx, func(line []byte) {
		f.mu.Lock()
		f.keep(f.parser.Feed(line))
		f.lastFeed, f.held = time.Now(), true
		f.mu.Unlock()
	})
	close(done)
	f.mu.Lock()
	f.keep(f.parser.Flush())
	f.mu.Unlock()
}
