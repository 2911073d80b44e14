package collector

import (
	"bufio"
	"compress/gzip"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gwtop/gwtop/config"
	"github.com/gwtop/gwtop/model"
)

// logSet is a generated log and its rotated copies: one line every step,
// from t0, upstream i%3, a 502 every 7th line; every 50th line is stamped a
// minute early (a slow request's line, written when it ended). Files are
// cut at the given line counts, oldest first; names as logrotate's. The
// counts a full scan restricted to each of the given ranges finds are
// kept as the lines are written (a multi-GB set keeps no line).
type logSet struct {
	dir, path string
	t0        time.Time
	step      time.Duration
	ranges    []Range
	wants     []map[string][2]int64
	bytes     int64 // uncompressed, every file
}

var rangeAddrs = []string{"10.1.0.1:80", "10.1.0.2:80", "10.1.0.3:80"}

func writeLogSet(t testing.TB, dir string, step time.Duration, cuts []int, names []string, gz []bool, ranges ...Range) *logSet {
	t.Helper()
	ls := &logSet{dir: dir, path: filepath.Join(dir, "access.log"), t0: time.Date(2026, 11, 30, 22, 0, 0, 0, time.UTC), step: step, ranges: ranges}
	for range ranges {
		ls.wants = append(ls.wants, map[string][2]int64{})
	}
	n := 0
	var line []byte
	var stamp string
	var stampSec int64 = -1
	for fi, c := range cuts {
		f, err := os.Create(filepath.Join(dir, names[fi]))
		if err != nil {
			t.Fatal(err)
		}
		bw := bufio.NewWriterSize(f, 1<<20)
		var w interface {
			Write([]byte) (int, error)
		} = bw
		var z *gzip.Writer
		if gz[fi] {
			z, _ = gzip.NewWriterLevel(bw, gzip.BestSpeed)
			w = z
		}
		for range c {
			ts := ls.t0.Add(time.Duration(n) * step)
			if n%50 == 49 {
				ts = ts.Add(-time.Minute)
			}
			st := 200
			if n%7 == 3 {
				st = 502
			}
			addr := rangeAddrs[n%3]
			for i, r := range ranges {
				if r.Contains(ts) {
					c := ls.wants[i][addr]
					c[0]++
					if st >= 500 {
						c[1]++
					}
					ls.wants[i][addr] = c
				}
			}
			if ts.Unix() != stampSec {
				stampSec, stamp = ts.Unix(), ts.Format("02/Jan/2006:15:04:05 -0700")
			}
			line = append(line[:0], "10.0.0.1 ["...)
			line = append(line, stamp...)
			line = append(line, `] "GET / HTTP/1.1" `...)
			line = strconv.AppendInt(line, int64(st), 10)
			line = append(line, ` ua="`...)
			line = append(line, addr...)
			line = append(line, `" us="`...)
			line = strconv.AppendInt(line, int64(st), 10)
			line = append(line, "\" uht=\"-\" urt=\"0.001\"\n"...)
			if _, err := w.Write(line); err != nil {
				t.Fatal(err)
			}
			ls.bytes += int64(len(line))
			n++
		}
		if z != nil {
			if err := z.Close(); err != nil {
				t.Fatal(err)
			}
		}
		if err := bw.Flush(); err != nil {
			t.Fatal(err)
		}
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
	}
	return ls
}

// backlog runs the engine on the set's log over r and returns the final
// snapshot and how many bytes it read.
func (ls *logSet) backlog(t testing.TB, r Range) (*model.Snapshot, BacklogProgress) {
	t.Helper()
	cfg, err := config.Parse("t", []byte(fmt.Sprintf("nginx:\n  access_log: %s\n  log_format: '%s'\n", ls.path, testFormat)), os.LookupEnv)
	if err != nil {
		t.Fatal(err)
	}
	eng, err := New(cfg, Options{Backlog: true, Range: r, NoHost: true})
	if err != nil {
		t.Fatal(err)
	}
	eng.Start(context.Background())
	<-eng.LogsDone()
	p := eng.Progress()
	s := eng.Stop()
	if err := eng.Err(); err != nil {
		t.Fatal(err)
	}
	return s, p
}

func gotCounts(s *model.Snapshot) map[string][2]int64 {
	out := map[string][2]int64{}
	for _, u := range s.Upstreams {
		if u.Total.Requests > 0 {
			out[u.Address] = [2]int64{u.Total.Requests, u.Total.Errors5xx}
		}
	}
	return out
}

// TestTimeRange: a backlog limited to a range counts exactly the lines a
// full scan restricted to it counts — for a range inside the live file
// (reached by seeking: far less than the file is read), one that starts in
// a gzipped copy and ends in the plain .1, an open end, an open start and
// one past the end — and its row says which files it read and what it
// dropped on either side.
func TestTimeRange(t *testing.T) {
	dir := t.TempDir()
	// 4 files × 20,000 lines, one a second: 22:00 … 00:13 the next day.
	t0 := time.Date(2026, 11, 30, 22, 0, 0, 0, time.UTC)
	at := func(line int) time.Time { return t0.Add(time.Duration(line) * time.Second) }
	cases := []struct {
		name  string
		r     Range
		files string
		// most is the most bytes the read may take (0: no bound).
		most int64
	}{
		{"inside the live file", Range{Since: at(65000), Until: at(66800)}, "access.log", -3},
		{"gz into .1", Range{Since: at(39000), Until: at(41000)}, "access.log.2.gz, access.log.1", 0},
		{"open end from .3.gz", Range{Since: at(19990)}, "access.log.3.gz, access.log.2.gz, access.log.1, access.log", 0},
		{"open start", Range{Until: at(1500)}, "access.log.3.gz", 0},
		{"nothing in it", Range{Since: at(90000), Until: at(91000)}, "access.log", -10},
	}
	var ranges []Range
	for _, c := range cases {
		ranges = append(ranges, c.r)
	}
	ls := writeLogSet(t, dir, time.Second, []int{20000, 20000, 20000, 20000},
		[]string{"access.log.3.gz", "access.log.2.gz", "access.log.1", "access.log"}, []bool{true, true, false, false}, ranges...)
	st, _ := os.Stat(ls.path)
	for i, c := range cases {
		if c.most < 0 {
			c.most = st.Size() / -c.most
		}
		t.Run(c.name, func(t *testing.T) {
			s, p := ls.backlog(t, c.r)
			want := ls.wants[i]
			if got := gotCounts(s); fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("counts per upstream\n got %v\nwant %v", got, want)
			}
			if c.most > 0 && p.Read > c.most {
				t.Errorf("read %d bytes, more than %d: the range was not sought", p.Read, c.most)
			}
			var row model.Gateway
			for _, g := range s.Gateways {
				if g.Source == "access_log" {
					row = g
				}
			}
			if !strings.Contains(row.Note, "time range read from "+c.files) || (c.files != "" && strings.Contains(row.Note, c.files+",")) {
				t.Errorf("row note %q, want the files %s", row.Note, c.files)
			}
			inRange := int64(0)
			for _, v := range want {
				inRange += v[0]
			}
			if row.Counters["parsed"] > row.Counters["lines"] ||
				int64(row.Counters["before_range"]+row.Counters["after_range"])+inRange != int64(row.Counters["lines"]) {
				t.Errorf("row counters %v: lines = before + after + %d in range", row.Counters, inRange)
			}
			if !c.r.Until.IsZero() && !s.Time.Before(c.r.Until) {
				t.Errorf("snapshot time %v is not before --until %v", s.Time, c.r.Until)
			}
		})
	}
}

// TestSeekTime: the binary search lands on a line start at or before the
// first line at the target (less nothing: the caller subtracts the slack),
// for targets before, inside and after the file.
func TestSeekTime(t *testing.T) {
	dir := t.TempDir()
	ls := writeLogSet(t, dir, time.Second, []int{30000}, []string{"access.log"}, []bool{false})
	data, _ := os.ReadFile(ls.path)
	lineTime := func(i int) time.Time {
		ts := ls.t0.Add(time.Duration(i) * time.Second)
		if i%50 == 49 {
			ts = ts.Add(-time.Minute)
		}
		return ts
	}
	f, _ := os.Open(ls.path)
	defer f.Close()
	at := func(b []byte) (time.Time, bool) {
		i, j := strings.IndexByte(string(b), '['), strings.IndexByte(string(b), ']')
		if i < 0 || j < i {
			return time.Time{}, false
		}
		ts, err := time.Parse("02/Jan/2006:15:04:05 -0700", string(b[i+1:j]))
		return ts, err == nil
	}
	for _, target := range []int{-5, 0, 1, 777, 15000, 29999, 40000} {
		tt := ls.t0.Add(time.Duration(target) * time.Second)
		off := seekTime(f, int64(len(data)), tt, at)
		if off != 0 && data[off-1] != '\n' {
			t.Fatalf("target %d: offset %d is not a line start", target, off)
		}
		// Every line before off is earlier than the target, except the
		// early-stamped ones (a minute): none at or after target+1m.
		first := strings.Count(string(data[:off]), "\n")
		for i := 0; i < first; i++ {
			if !lineTime(i).Before(tt.Add(time.Minute)) {
				t.Fatalf("target %d: line %d (%v) skipped", target, i, lineTime(i))
			}
		}
		if target > 1000 && target < 30000 && first < target-1000 {
			t.Errorf("target %d: sought only to line %d", target, first)
		}
	}
}

// TestTimeRangeFIFO: a range over a named pipe (the log itself, or a
// rotated copy's name) never blocks: the log says it is no regular file;
// a FIFO named like a rotated copy is not one.
func TestTimeRangeFIFO(t *testing.T) {
	dir := t.TempDir()
	ls := writeLogSet(t, dir, time.Second, []int{100}, []string{"access.log"}, []bool{false}, Range{Since: time.Date(2026, 11, 30, 22, 0, 30, 0, time.UTC)})
	if err := syscall.Mkfifo(filepath.Join(dir, "access.log.1"), 0o644); err != nil {
		t.Fatal(err)
	}
	s, _ := ls.backlog(t, ls.ranges[0])
	if got := gotCounts(s); fmt.Sprint(got) != fmt.Sprint(ls.wants[0]) {
		t.Errorf("counts %v, want %v", got, ls.wants[0])
	}
	fifo := filepath.Join(t.TempDir(), "access.log")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Parse("t", []byte(fmt.Sprintf("nginx:\n  access_log: %s\n  log_format: '%s'\n", fifo, testFormat)), os.LookupEnv)
	if err != nil {
		t.Fatal(err)
	}
	eng, err := New(cfg, Options{Backlog: true, Range: ls.ranges[0], NoHost: true})
	if err != nil {
		t.Fatal(err)
	}
	eng.Start(context.Background())
	select {
	case <-eng.LogsDone():
	case <-time.After(10 * time.Second):
		t.Fatal("a range over a FIFO blocked")
	}
	eng.Stop()
	if err := eng.Err(); err == nil || !strings.Contains(err.Error(), "is not a regular file") {
		t.Errorf("error %v", err)
	}
}
