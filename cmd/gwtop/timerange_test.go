package main

import (
	"compress/gzip"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	charmprogress "charm.land/bubbles/v2/progress"

	"github.com/gwtop/gwtop/collector"
	"github.com/gwtop/gwtop/model"
)

// TestParseRange: every form --since and --until take, against a fixed
// now, and the errors that name the flag and what it wants.
func TestParseRange(t *testing.T) {
	loc := time.FixedZone("CET", 3600)
	now := time.Date(2026, 12, 1, 10, 30, 0, 0, loc)
	day := func(d, h, m, s int) time.Time { return time.Date(2026, 12, d, h, m, s, 0, loc) }
	for _, c := range []struct {
		since, until string
		want         collector.Range
	}{
		{"03:00", "03:30", collector.Range{Since: day(1, 3, 0, 0), Until: day(1, 3, 30, 0)}},
		{"03:12:30", "", collector.Range{Since: day(1, 3, 12, 30)}},
		{"23:00", "01:00", collector.Range{Since: day(30, 23, 0, 0).AddDate(0, -1, 0), Until: day(1, 1, 0, 0)}}, // since later than now: yesterday; until the day after
		{"2h", "", collector.Range{Since: day(1, 8, 30, 0)}},
		{"90m", "30m", collector.Range{Since: day(1, 9, 0, 0), Until: day(1, 10, 0, 0)}},
		{"2026-11-30 22:00", "2026-11-30T23:15:00", collector.Range{Since: day(30, 22, 0, 0).AddDate(0, -1, 0), Until: day(30, 23, 15, 0).AddDate(0, -1, 0)}},
		{"2026-12-01T03:00:00Z", "", collector.Range{Since: time.Date(2026, 12, 1, 3, 0, 0, 0, time.UTC)}},
		{"", "2026-12-01", collector.Range{Until: day(1, 0, 0, 0)}},
	} {
		got, err := parseRange(c.since, c.until, now, loc)
		if err != nil || !got.Since.Equal(c.want.Since) || !got.Until.Equal(c.want.Until) {
			t.Errorf("parseRange(%q, %q) = %v – %v, %v; want %v – %v", c.since, c.until, got.Since, got.Until, err, c.want.Since, c.want.Until)
		}
	}
	for _, c := range []struct{ since, until, want string }{
		{"3am", "", `--since "3am": want a time of day (03:00`},
		{"", "-2h", `--until "-2h": want a positive duration back from now`},
		{"2026-12-01 04:00", "2026-12-01 03:00", "--until 2026-12-01T03:00:00+01:00 is not after --since 2026-12-01T04:00:00+01:00"},
		{"25:00", "", `--since "25:00": want`},
	} {
		_, err := parseRange(c.since, c.until, now, loc)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("parseRange(%q, %q): error %v, want %q", c.since, c.until, err, c.want)
		}
	}
}

// TestSnapshotSince: gwtop snapshot --since/--until on a log whose range
// reaches back into its gzipped copy counts exactly the lines of the
// range; --for with a range is a usage error; a bad time exits 2.
func TestSnapshotSince(t *testing.T) {
	dir := t.TempDir()
	t0 := time.Date(2026, 11, 30, 22, 0, 0, 0, time.UTC)
	line := func(i int) string {
		st := 200
		if i%5 == 0 {
			st = 502
		}
		return fmt.Sprintf("10.0.0.1 [%s] \"GET / HTTP/1.1\" %d ua=\"10.2.0.1:80\" us=\"%d\" uht=\"-\" urt=\"0.001\"\n", t0.Add(time.Duration(i)*time.Second).Format("02/Jan/2006:15:04:05 -0700"), st, st)
	}
	gzf, _ := os.Create(filepath.Join(dir, "access.log.1.gz"))
	z := gzip.NewWriter(gzf)
	for i := range 3000 {
		z.Write([]byte(line(i)))
	}
	z.Close()
	gzf.Close()
	var b strings.Builder
	for i := 3000; i < 6000; i++ {
		b.WriteString(line(i))
	}
	access := writeFile(t, "access.log", b.String())
	// writeFile puts it in its own directory: move the gz copy beside it.
	if err := os.Rename(filepath.Join(dir, "access.log.1.gz"), access+".1.gz"); err != nil {
		t.Fatal(err)
	}
	format := `$remote_addr [$time_local] "$request" $status ua="$upstream_addr" us="$upstream_status" uht="$upstream_header_time" urt="$upstream_response_time"`
	// 2,000 s from 22:40 (line 2400, in the gz copy) to 23:13:20 (line 4400).
	s := snapshotJSON(t, "--access-log", access, "--log-format", format, "--since", "2026-11-30T22:40:00Z", "--until", "2026-11-30T23:13:20Z")
	u, ok := s.Upstream("", "10.2.0.1:80")
	if !ok || u.Total.Requests != 2000 || u.Total.Errors5xx != 400 {
		t.Errorf("range: %+v, want 2000 requests, 400 5xx", u.Total)
	}
	if note := sourceRow(s, "access_log").Note; !strings.Contains(note, "time range read from access.log.1.gz, access.log") {
		t.Errorf("row note %q", note)
	}
	if code, _, errs := runCmd("snapshot", "--access-log", access, "--log-format", format, "--since", "2h", "--for", "1s"); code != 2 || !strings.Contains(errs, "--since/--until analyse the logs' backlog; --for collects live") {
		t.Errorf("--since with --for: exit %d %s", code, errs)
	}
	if code, _, errs := runCmd("snapshot", "--access-log", access, "--since", "yesterday"); code != 2 || !strings.Contains(errs, `--since "yesterday": want a time of day`) {
		t.Errorf("bad --since: exit %d %s", code, errs)
	}
}

// sourceRow is the snapshot's last gateways[] row of that source.
func sourceRow(s *model.Snapshot, source string) model.Gateway {
	var row model.Gateway
	for _, g := range s.Gateways {
		if g.Source == source {
			row = g
		}
	}
	return row
}

// TestProgressLine: the backlog's progress line says how far, how fast
// and how long is left, and fits the terminal.
func TestProgressLine(t *testing.T) {
	bar := charmprogress.New(charmprogress.WithWidth(20), charmprogress.WithoutPercentage())
	got := progressLine(collector.BacklogProgress{Read: 512 << 20, Total: 2 << 30, Lines: 2_500_000}, 10*time.Second, bar, 200)
	for _, want := range []string{"reading the backlog", " 25%", "512.0 MiB / 2.00 GiB", "2500000 lines", "250000 lines/s", "30s left"} {
		if !strings.Contains(got, want) {
			t.Errorf("progress line %q lacks %q", got, want)
		}
	}
	if narrow := progressLine(collector.BacklogProgress{Read: 1, Total: 2, Lines: 1}, time.Second, bar, 60); strings.Contains(narrow, "█") || strings.Contains(narrow, "░") {
		t.Errorf("a narrow terminal gets no bar: %q", narrow)
	}
}
