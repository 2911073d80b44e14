package collector

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gwtop/gwtop/collector/tail"
	"github.com/gwtop/gwtop/config"
	"github.com/gwtop/gwtop/internal/faults"
	"github.com/gwtop/gwtop/internal/memtest"
	"github.com/gwtop/gwtop/internal/nginxtest"
	"github.com/gwtop/gwtop/model"
)

// writeLines writes n numbered lines of about size bytes to a file and
// returns them with their positions, as the tailer would give them.
func writeLines(t *testing.T, path string, n, size int) ([]string, []tail.Pos) {
	t.Helper()
	var b strings.Builder
	var lines []string
	var pos []tail.Pos
	for i := range n {
		l := fmt.Sprintf("line %06d %s", i, strings.Repeat("x", max(size-12, 0)))
		pos = append(pos, tail.Pos{Path: path, Offset: int64(b.Len()), Len: int64(len(l) + 1)})
		lines = append(lines, l)
		b.WriteString(l + "\n")
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	st := fi.Sys().(*syscall.Stat_t)
	for i := range pos {
		pos[i].Dev, pos[i].Ino = uint64(st.Dev), st.Ino //nolint:unconvert // Dev's type differs by platform
	}
	return lines, pos
}

// TestRawRingInBytes: one row's text is a RawRowBytes ring; the lines whose
// text it overwrote are read back from the file by position, newest
// first, and a cause narrows the answer.
func TestRawRingInBytes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "access.log")
	lines, pos := writeLines(t, path, 3000, 200)
	s := newRawStore()
	t0 := time.Date(2026, 3, 14, 12, 0, 0, 0, time.UTC)
	for i, l := range lines {
		cause := model.CauseNone
		if i%3 == 0 {
			cause = model.CauseRefused
		}
		s.add("nginx", "10.0.0.5:8000", t0.Add(time.Duration(i)*time.Millisecond), srcAccess, cause, 0, []byte(l), pos[i], true)
	}
	if b, _ := s.usage(); b != RawRowBytes {
		t.Fatalf("ring bytes %d, want one row's %d", b, RawRowBytes)
	}
	got := s.lines(context.Background(), model.LinesQuery{Gateway: "nginx", Address: "10.0.0.5:8000", Max: 2000})
	inRing := RawRowBytes / 200 // lines whose text the ring still holds
	if len(got.Lines) != 2000 || got.Known != 3000 || got.FromFile != 2000-inRing || got.Gone != 0 {
		t.Fatalf("%d lines, known %d, from file %d, gone %d; want 2000, 3000, %d, 0", len(got.Lines), got.Known, got.FromFile, got.Gone, 2000-inRing)
	}
	for k, l := range got.Lines {
		i := 2999 - k // newest first
		if l.Text != lines[i] || l.Offset != pos[i].Offset || l.File != path || l.Source != "access_log" {
			t.Fatalf("line %d: %+v, want %q at %d", k, l, lines[i], pos[i].Offset)
		}
		if l.FromFile != (k >= inRing) {
			t.Fatalf("line %d: FromFile %v with %d lines in the ring", k, l.FromFile, inRing)
		}
		if !l.Time.Equal(t0.Add(time.Duration(i) * time.Millisecond)) {
			t.Fatalf("line %d time %v", k, l.Time)
		}
	}
	ref := s.lines(context.Background(), model.LinesQuery{Gateway: "nginx", Address: "10.0.0.5:8000", Cause: model.CauseRefused})
	if ref.Known != 1000 || len(ref.Lines) != DefaultMaxLines {
		t.Fatalf("refused: known %d, %d lines", ref.Known, len(ref.Lines))
	}
	for _, l := range ref.Lines {
		if l.Cause != model.CauseRefused {
			t.Fatalf("a %q line in the refused answer", l.Cause)
		}
	}
	if none := s.lines(context.Background(), model.LinesQuery{Gateway: "haproxy", Address: "10.0.0.5:8000"}); none.Known != 0 || len(none.Lines) != 0 {
		t.Fatalf("another gateway's row: %+v", none)
	}
}

// TestRawReadBackGone: an older line whose file was rotated away or
// rewritten is reported gone, with why, never shown wrong.
func TestRawReadBackGone(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "access.log")
	lines, pos := writeLines(t, path, 1000, 200)
	s := newRawStore()
	for i, l := range lines {
		s.add("", "a:1", time.Now(), srcAccess, "", 0, []byte(l), pos[i], true)
	}
	q := model.LinesQuery{Address: "a:1", Max: 1000}
	// Rewritten in place (same file, other bytes at the offsets).
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteAt([]byte(strings.Repeat("z", int(pos[400].Offset))), 0)
	f.Close()
	got := s.lines(context.Background(), q)
	oldest := got.Lines[len(got.Lines)-1]
	if oldest.Gone != "its file was rewritten at that offset" || oldest.Text != "" {
		t.Fatalf("rewritten: %+v", oldest)
	}
	if l := got.Lines[len(got.Lines)-600]; !l.FromFile || l.Text != lines[599] {
		t.Fatalf("line 599 was not rewritten: %+v", l)
	}
	// Rotated: the path is another file now.
	if err := os.Rename(path, path+".1"); err != nil {
		t.Fatal(err)
	}
	writeLines(t, path, 10, 200)
	got = s.lines(context.Background(), q)
	inRing := RawRowBytes / 200
	if got.Gone != 1000-inRing || !strings.Contains(got.Lines[999].Gone, "rotated away") || got.Lines[0].Text != lines[999] {
		t.Fatalf("rotated: gone %d, oldest %+v, newest %q", got.Gone, got.Lines[999], got.Lines[0].Text)
	}
	// Standard input has no file to read back from.
	s.add("", "b:1", time.Now(), srcError, model.CauseReset, 0, []byte("from stdin"), tail.Pos{}, false)
	if got := s.lines(context.Background(), model.LinesQuery{Address: "b:1"}); got.Lines[0].Text != "from stdin" || got.Lines[0].Source != "error_log" || got.Lines[0].File != "" {
		t.Fatalf("stdin line: %+v", got.Lines[0])
	}
}

// TestRawMemoryBounded: 2000 rows and 250 MB of lines through the store
// keep at most RawMaxBytes of text and rawMaxRecs positions, and the heap
// grows by no more than those and the rows' bookkeeping.
func TestRawMemoryBounded(t *testing.T) {
	line := memtest.Repeat("GET /v1/orders?id=123 HTTP/1.1 502 ", 2000)
	s := newRawStore()
	h := memtest.Start()
	p := tail.Pos{Path: "/var/log/nginx/access.log", Dev: 1, Ino: 2}
	for i := range 125000 {
		p.Offset = int64(i) * 2001
		s.add("nginx", fmt.Sprintf("10.0.%d.%d:80", i%2000/250, i%250), time.Now(), srcAccess, model.CauseRefused, 0, line, p, true)
	}
	growth := h.Growth()
	ringBytes, recs := s.usage()
	// every row keeps at least its last line's position, past the budget
	if ringBytes > RawMaxBytes || recs > rawMaxRecs+2000 {
		t.Fatalf("held %d ring bytes (cap %d), %d positions (cap %d and one for each of 2000 rows)", ringBytes, RawMaxBytes, recs, rawMaxRecs)
	}
	const slack = 8 << 20 // the row map, the row structs, the address strings
	if limit := uint64(RawMaxBytes + (rawMaxRecs+2000)*48 + slack); growth > limit {
		t.Fatalf("heap grew %d MiB for 250 MB of lines, want at most %d MiB", growth>>20, limit>>20)
	}
	t.Logf("250 MB of lines into 2000 rows: %d MiB of rings, %d positions, heap +%d MiB", ringBytes>>20, recs, growth>>20)
}

// TestRawLinesFromNginx: a real nginx in front of a refused and a healthy
// upstream; the engine keeps every line behind each, and the refused
// upstream's drill-down lists its access and error lines newest first,
// more than 20 of them.
func TestRawLinesFromNginx(t *testing.T) {
	refused := faults.Start(t, faults.Refused)
	healthy := faults.Start(t, faults.Healthy)
	n := nginxtest.Start(t, nginxtest.Config{LogFormat: testFormat, Server: fmt.Sprintf(
		"location /bad/ { proxy_pass http://%s; }\nlocation /ok/ { proxy_pass http://%s; }", refused.Addr, healthy.Addr)})
	cfg, err := config.Parse("t", []byte(fmt.Sprintf("nginx:\n  access_log: %s\n  log_format: '%s'\n  error_log: %s\n", n.AccessLog, testFormat, n.ErrorLog)), os.LookupEnv)
	if err != nil {
		t.Fatal(err)
	}
	eng, err := New(cfg, Options{Publish: 50 * time.Millisecond, NoHost: true, KeepLines: true})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	eng.Start(ctx)
	defer eng.Stop()
	waitUntil(t, "the logs opened", func() bool {
		s := eng.Latest()
		return s != nil && len(s.Gateways) >= 2
	})
	const requests = 30
	for i := range requests {
		for _, p := range []string{"/bad/", "/ok/"} {
			if resp, err := http.Get(fmt.Sprintf("http://%s%sr%d", n.Addr, p, i)); err == nil {
				resp.Body.Close()
			}
		}
	}
	q := model.LinesQuery{Gateway: "nginx", Address: refused.Addr}
	var got model.Lines
	waitUntil(t, "every line", func() bool {
		got = eng.Lines(ctx, q)
		return got.Known >= 2*requests // an access line and an error line per request
	})
	var access, errs int
	for i, l := range got.Lines {
		if i > 0 && l.Time.After(got.Lines[i-1].Time) {
			t.Fatalf("line %d is newer than line %d: not newest first", i, i-1)
		}
		if !strings.Contains(l.Text, "/bad/r") || l.Gone != "" {
			t.Fatalf("line %d is not the refused upstream's: %+v", i, l)
		}
		switch l.Source {
		case "access_log":
			access++
			if l.File != n.AccessLog {
				t.Fatalf("access line from %q", l.File)
			}
		case "error_log":
			errs++
			if l.Cause != model.CauseRefused || !strings.Contains(l.Text, "Connection refused") || l.File != n.ErrorLog {
				t.Fatalf("error line %+v", l)
			}
		}
	}
	if access < requests || errs < requests || len(got.Lines) <= 20 {
		t.Fatalf("%d access and %d error lines, want %d of each (more than 20)", access, errs, requests)
	}
	if !strings.Contains(got.Lines[0].Text, fmt.Sprintf("/bad/r%d", requests-1)) {
		t.Errorf("the newest line is not the last request's: %q", got.Lines[0].Text)
	}
	var ok model.Lines
	waitUntil(t, "the healthy upstream's lines", func() bool {
		ok = eng.Lines(ctx, model.LinesQuery{Gateway: "nginx", Address: healthy.Addr})
		return ok.Known >= requests
	})
	if ok.Known != requests || strings.Contains(ok.Lines[0].Text, "/bad/") {
		t.Errorf("healthy upstream: %d lines, newest %q", ok.Known, ok.Lines[0].Text)
	}
	if c := eng.Lines(ctx, model.LinesQuery{Gateway: "nginx", Address: refused.Addr, Cause: model.CauseRefused}); c.Known < requests {
		t.Errorf("refused lines %d", c.Known)
	}
	// A route's lines: its access lines, as many as the route counts.
	var u model.Upstream
	waitUntil(t, "the routes", func() bool {
		u, _ = eng.Latest().Upstream("nginx", refused.Addr)
		return len(u.Routes) > 0 && u.Requests == requests
	})
	var routed int64
	for _, r := range u.Routes {
		if r.Route == model.RouteOther {
			continue
		}
		got := eng.Lines(ctx, model.LinesQuery{Gateway: "nginx", Address: refused.Addr, Route: r.Route, Host: r.Host})
		if int64(got.Known) != r.Requests {
			t.Errorf("route %s %s: %d lines, the route counts %d requests", r.Route, r.Host, got.Known, r.Requests)
		}
		for _, l := range got.Lines {
			if l.Source != "access_log" {
				t.Errorf("route %s: a %s line", r.Route, l.Source)
			}
		}
		routed += int64(got.Known)
	}
	if routed == 0 {
		t.Errorf("no line by route; routes %+v", u.Routes)
	}
	if none := eng.Lines(ctx, model.LinesQuery{Gateway: "nginx", Address: refused.Addr, Route: "/nowhere"}); none.Known != 0 {
		t.Errorf("a route never requested has %d lines", none.Known)
	}
}

// BenchmarkRawAdd is the cost the drill-down adds to every access line: a
// 300-byte line kept for one of 100 rows.
func BenchmarkRawAdd(b *testing.B) {
	s := newRawStore()
	line := []byte(strings.Repeat("x", 300))
	addrs := make([]string, 100)
	for i := range addrs {
		addrs[i] = fmt.Sprintf("10.0.0.%d:80", i)
	}
	p := tail.Pos{Path: "/var/log/nginx/access.log", Dev: 1, Ino: 2}
	now := time.Now()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		p.Offset += 301
		s.add("nginx", addrs[i%100], now, srcAccess, "", 0, line, p, true)
		i++
	}
}
