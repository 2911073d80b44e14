package collector

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gwtop/gwtop/collector/feed"
	"github.com/gwtop/gwtop/config"
	"github.com/gwtop/gwtop/model"
)

const backlogFormat = `$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" rt=$request_time uct="$upstream_connect_time" uht="$upstream_header_time" urt="$upstream_response_time" ua="$upstream_addr" us="$upstream_status"`

// backlogLog writes n generated access-log lines behind prefix: one to
// three attempts per request (a refused one, then a retry; two groups
// after an internal redirect), 5xx of the upstream's own and nginx's,
// attempts without an outcome, lines that do not parse, CRLF endings, a
// line longer than the tailer keeps, and a last line without a newline.
func backlogLog(t testing.TB, n int, prefix string) string {
	t.Helper()
	return backlogLogStretched(t, n, prefix, 1)
}

// backlogLogStretched is backlogLog with the gaps between lines stretch
// times as long (20 ms on average, times stretch).
func backlogLogStretched(t testing.TB, n int, prefix string, stretch int) string {
	t.Helper()
	rng := rand.New(rand.NewPCG(7, 9))
	var b bytes.Buffer
	ts := time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC)
	addr := func() string { return fmt.Sprintf("10.0.%d.%d:8080", rng.IntN(2), 1+rng.IntN(30)) }
	for i := range n {
		ts = ts.Add(time.Duration(rng.IntN(40)*stretch) * time.Millisecond)
		b.WriteString(prefix)
		when := ts.Format("02/Jan/2006:15:04:05 -0700")
		ms := 1 + rng.IntN(900)
		switch r := rng.IntN(20); {
		case i%997 == 5:
			b.WriteString("garbage that is no access log line")
		case i == n/2:
			fmt.Fprintf(&b, `10.1.0.1 - - [%s] "GET /%s HTTP/1.1" 200 5 "-" "ua" rt=0.001 uct="0.001" uht="0.001" urt="0.001" ua="10.0.0.1:8080" us="200"`, when, strings.Repeat("x", 70<<10))
		case r == 0: // refused, then a retry that answers
			fmt.Fprintf(&b, `10.1.0.%d - - [%s] "GET /a/%d HTTP/1.1" 200 512 "-" "curl/8.5.0" rt=0.%03d uct="-, 0.001" uht="-, 0.%03d" urt="0.000, 0.%03d" ua="%s, %s" us="502, 200"`,
				i%250, when, i, ms, ms, ms, addr(), addr())
		case r == 1: // two groups: a redirect to another upstream
			fmt.Fprintf(&b, `10.1.0.%d - - [%s] "GET /b HTTP/1.1" 504 0 "-" "curl/8.5.0" rt=1.%03d uct="0.001, - : 0.002" uht="-, - : -" urt="1.000, 0.000 : 0.%03d" ua="%s, %s : %s" us="504, - : 504"`,
				i%250, when, ms, ms, addr(), addr(), addr())
		case r == 2: // no live upstreams
			fmt.Fprintf(&b, `10.1.0.%d - - [%s] "GET /c HTTP/1.1" 502 0 "-" "curl/8.5.0" rt=0.000 uct="-" uht="-" urt="0.000" ua="backend" us="502"`, i%250, when)
		default:
			status := []int{200, 200, 200, 201, 304, 404, 500, 503}[rng.IntN(8)]
			fmt.Fprintf(&b, `10.1.0.%d - - [%s] "GET /d/%d HTTP/1.1" %d 512 "-" "Mozilla/5.0" rt=0.%03d uct="0.001" uht="0.%03d" urt="0.%03d" ua="%s" us="%d"`,
				i%250, when, i, status, ms, ms, ms, addr(), status)
		}
		if i == n-1 {
			break // the last line has no newline
		}
		if i%13 == 0 {
			b.WriteString("\r")
		}
		b.WriteString("\n")
	}
	path := filepath.Join(t.TempDir(), "access.log")
	if err := os.WriteFile(path, b.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// backlogSnapshot reads path as a backlog and returns the snapshot with the
// wall-clock times of the gateways' rows cleared.
func backlogSnapshot(t testing.TB, path string, opt Options) *model.Snapshot {
	t.Helper()
	return backlogSnapshotWith(t, path, opt, nil)
}

// backlogSnapshotWith is backlogSnapshot with prep run on the engine
// before it starts.
func backlogSnapshotWith(t testing.TB, path string, opt Options, prep func(*Engine)) *model.Snapshot {
	t.Helper()
	cfg, err := config.Parse("gwtop.yaml", []byte("nginx:\n  access_log: "+path+"\n  log_format: '"+backlogFormat+"'\n"), func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatal(err)
	}
	// Only the final snapshot: the state events of intermediate ones
	// depend on when they were taken.
	opt.Backlog, opt.NoHost, opt.Publish = true, true, time.Hour
	e, err := New(cfg, opt)
	if err != nil {
		t.Fatal(err)
	}
	if prep != nil {
		prep(e)
	}
	e.Start(t.Context())
	<-e.LogsDone()
	s := e.Stop()
	if err := e.Err(); err != nil {
		t.Fatal(err)
	}
	if split := e.logs[0].split; opt.BacklogChunk > 0 && (split == nil || !split.used.Load()) {
		t.Fatalf("BacklogChunk %d, yet the log was not read in chunks", opt.BacklogChunk)
	}
	for i := range s.Gateways {
		s.Gateways[i].Updated = time.Time{}
	}
	s.Events = slices.DeleteFunc(s.Events, func(e model.Event) bool { return e.Kind == model.EventState })
	return s
}

func snapJSON(t *testing.T, s *model.Snapshot) string {
	t.Helper()
	b, err := json.MarshalIndent(s, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestParallelBacklogMatchesSerial reads generated logs serially and in
// parallel chunks of several sizes, so that lines straddle chunk edges
// everywhere: every figure of the snapshot is the same.
func TestParallelBacklogMatchesSerial(t *testing.T) {
	for _, tc := range []struct {
		name, prefix   string
		lines, stretch int
	}{
		{"bare", "", 12000, 1},
		{"docker compose prefix", "nginx-1  | ", 3000, 1},
		// 24 minutes: most chunks end long before the last five, whose
		// buckets alone the final window holds (the horizon).
		{"longer than the window", "", 12000, 6},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := backlogLogStretched(t, tc.lines, tc.prefix, tc.stretch)
			serial := backlogSnapshot(t, path, Options{SerialBacklog: true})
			want := snapJSON(t, serial)
			if len(serial.Upstreams) < 30 || serial.Gateways[0].Counters["skipped"] == 0 || serial.Gateways[0].Counters["cut_lines"] != 1 {
				t.Fatalf("the generated log does not exercise what it should: %d upstreams, gateway row %v", len(serial.Upstreams), serial.Gateways[0].Counters)
			}
			if tc.prefix != "" && !strings.Contains(serial.Gateways[0].Note, "docker compose") {
				t.Fatalf("prefix not detected: note %q", serial.Gateways[0].Note)
			}
			for _, chunk := range []int64{1000, 4093, 64 << 10, 1 << 20} {
				par := backlogSnapshot(t, path, Options{BacklogChunk: chunk})
				if got := snapJSON(t, par); got != want {
					t.Errorf("chunks of %d bytes: the snapshot differs from the serial read's:\n%s", chunk, firstDiff(got, want))
				}
			}
		})
	}
}

// firstDiff shows the first line where got and want differ, with context.
// TestBacklogStealMatchesSerial: a log read as one chunk by two workers,
// the first held at its first read until the second has split the chunk
// and taken its second half, and both splitting whatever the other has
// left (down to 16 KiB; they read 32 KiB at a time, shorter than the
// log's longest line) as they run out: the snapshot is the serial read's,
// however the chunks fell.
func TestBacklogStealMatchesSerial(t *testing.T) {
	path := backlogLog(t, 12000, "")
	want := snapJSON(t, backlogSnapshot(t, path, Options{SerialBacklog: true}))
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	for run := range 3 {
		var sp *splitter
		got := snapJSON(t, backlogSnapshotWith(t, path, Options{BacklogChunk: fi.Size()}, func(e *Engine) {
			sp = e.logs[0].split
			sp.workers, sp.stealAt, sp.bufSize = 2, 16<<10, 32<<10
			sp.testClaim = func(c *chunk) {
				for deadline := time.Now().Add(10 * time.Second); c.start == 0 && sp.steals.Load() == 0 && time.Now().Before(deadline); {
					time.Sleep(time.Millisecond)
				}
			}
		}))
		t.Logf("run %d: %d steals", run, sp.steals.Load())
		if sp.steals.Load() == 0 {
			t.Fatalf("run %d: the second worker never split the first one's chunk", run)
		}
		if got != want {
			t.Fatalf("run %d, %d steals: the snapshot differs from the serial read's:\n%s", run, sp.steals.Load(), firstDiff(got, want))
		}
	}
}

func firstDiff(got, want string) string {
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	for i := 0; i < min(len(g), len(w)); i++ {
		if g[i] != w[i] {
			lo := max(0, i-8)
			return fmt.Sprintf("line %d\n got: %s\nwant: %s\ncontext (want):\n%s", i+1, g[i], w[i], strings.Join(w[lo:min(len(w), i+3)], "\n"))
		}
	}
	return fmt.Sprintf("lengths %d and %d lines", len(g), len(w))
}

// TestLastTime: the backlog's horizon is the latest time of the whole
// lines at the file's end, read as the chunk readers read them (prefix
// stripped, CRLF); a line begun before the part read, an unterminated
// last line and a line the readers would cut are left out.
func TestLastTime(t *testing.T) {
	line := func(prefix string, sec int, tail string) string {
		ts := time.Date(2026, 11, 22, 3, 0, sec, 0, time.UTC).Format("02/Jan/2006:15:04:05 -0700")
		return fmt.Sprintf(`%s10.1.0.1 - - [%s] "GET /%s HTTP/1.1" 200 5 "-" "ua" rt=0.001 uct="0.001" uht="0.001" urt="0.001" ua="10.0.0.1:8080" us="200"`, prefix, ts, tail)
	}
	long := strings.Repeat("x", 2*tailProbe)
	// Docker's json-file lines: not an access log line until unwrapped.
	docker := func(l string) string {
		b, err := json.Marshal(map[string]string{"log": l + "\n", "stream": "stdout", "time": "2026-11-22T03:00:07Z"})
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	var dockerPrefix *prefix
	for i := range prefixes {
		if prefixes[i].name == "docker json-file" {
			dockerPrefix = &prefixes[i]
		}
	}
	if dockerPrefix == nil {
		t.Fatal("no docker json-file prefix")
	}
	// The nginx parser the engine wires for the backlog format.
	cfg, err := config.Parse("gwtop.yaml", []byte("nginx:\n  access_log: "+filepath.Join(t.TempDir(), "access.log")+"\n  log_format: '"+backlogFormat+"'\n"), func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatal(err)
	}
	e, err := New(cfg, Options{Backlog: true, NoHost: true})
	if err != nil {
		t.Fatal(err)
	}
	fk, ok := e.logs[0].parser.(feed.Forker)
	if !ok {
		t.Fatalf("the nginx access parser %T cannot be forked", e.logs[0].parser)
	}
	for _, tc := range []struct {
		name, data string
		prefix     *prefix
		maxLine    int
		want       int // seconds past 03:00:00; -1: none
	}{
		{"small file", line("", 1, "a") + "\n" + line("", 9, "b") + "\n" + line("", 5, "c") + "\n", nil, 1 << 20, 9},
		{"crlf and garbage", line("", 4, "a") + "\nnot a line\n", nil, 1 << 20, 4},
		{"unterminated last line", line("", 4, "a") + "\n" + line("", 30, "b"), nil, 1 << 20, 4},
		{"first line begun before the probe", line("", 50, long) + "\n" + line("", 2, "a") + "\n", nil, 1 << 20, 2},
		{"only one line, begun before", line("", 50, long) + "\n", nil, 1 << 20, -1},
		{"cut line", line("", 3, "a") + "\n" + line("", 40, strings.Repeat("y", 300)) + "\n", nil, 300, 3},
		{"prefix", docker(line("", 7, "a")) + "\n", dockerPrefix, 1 << 20, 7},
		{"prefix not stripped", docker(line("", 7, "a")) + "\n", nil, 1 << 20, -1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "access.log")
			if err := os.WriteFile(path, []byte(tc.data), 0o600); err != nil {
				t.Fatal(err)
			}
			f, err := os.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			got := lastTime(f, int64(len(tc.data)), fk, prefixState{decided: true, use: tc.prefix}, tc.maxLine)
			want := time.Time{}
			if tc.want >= 0 {
				want = time.Date(2026, 11, 22, 3, 0, tc.want, 0, time.UTC)
			}
			if !got.Equal(want) {
				t.Errorf("lastTime = %v, want %v", got, want)
			}
		})
	}
}

// TestLineBounds: every part but the first starts right after a newline,
// the parts cover the file, and a line longer than a part is not split.
func TestLineBounds(t *testing.T) {
	data := []byte("aa\nbbbbbbbbbbbbbbbbbbbbbbbb\ncc\nd\n\neeee")
	path := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for per, want := range map[int64][]int64{
		1:   {0, 3, 28, 31, 33, 34, 38},
		3:   {0, 3, 28, 31, 34, 38},
		4:   {0, 28, 33, 38},
		100: {0, 38},
	} {
		got, err := lineBounds(f, int64(len(data)), per)
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("per %d: bounds %v, want %v", per, got, want)
		}
	}
}

// BenchmarkBacklog reads a generated 100k-line backlog (about 20 MB) through
// the whole engine, serially and in parallel chunks: ns/op over 1e5 is the
// cost of a line.
func BenchmarkBacklog(b *testing.B) {
	path := backlogLog(b, 100_000, "")
	for _, bc := range []struct {
		name string
		opt  Options
	}{{"serial", Options{SerialBacklog: true}}, {"parallel", Options{}}} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				backlogSnapshot(b, path, bc.opt)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/100_000, "ns/line")
		})
	}
}
