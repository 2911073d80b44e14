package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	progressbar "charm.land/bubbles/v2/progress"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/term"

	"github.com/gwtop/gwtop/collector"
)

// rangeTimeHelp is what --since and --until take.
const rangeTimeHelp = "a time of day (03:00, 03:12:30), a date and time (2026-12-01 03:00), RFC 3339, or a duration back from now (2h, 90m)"

// parseRange reads --since and --until against now, in loc (the host's
// zone, which the logs' own offsets override line by line). A time of day
// is today's; a --since later than now is yesterday's, and an --until at
// or before --since the day after it.
func parseRange(since, until string, now time.Time, loc *time.Location) (collector.Range, error) {
	var r collector.Range
	var err error
	var sinceClock, untilClock bool
	if since != "" {
		if r.Since, sinceClock, err = parseRangeTime(since, now, loc); err != nil {
			return r, usageError(fmt.Sprintf("--since %q: %v", since, err))
		}
		if sinceClock && r.Since.After(now) {
			r.Since = r.Since.AddDate(0, 0, -1)
		}
	}
	if until != "" {
		if r.Until, untilClock, err = parseRangeTime(until, now, loc); err != nil {
			return r, usageError(fmt.Sprintf("--until %q: %v", until, err))
		}
		if untilClock && !r.Since.IsZero() {
			for !r.Until.After(r.Since) {
				r.Until = r.Until.AddDate(0, 0, 1)
			}
		}
	}
	if !r.Since.IsZero() && !r.Until.IsZero() && !r.Until.After(r.Since) {
		return r, usageError(fmt.Sprintf("--until %s is not after --since %s", r.Until.Format(time.RFC3339), r.Since.Format(time.RFC3339)))
	}
	return r, nil
}

// parseRangeTime reads one bound; clock is set for a bare time of day.
func parseRangeTime(s string, now time.Time, loc *time.Location) (t time.Time, clock bool, err error) {
	s = strings.TrimSpace(s)
	if d, err := time.ParseDuration(s); err == nil {
		if d <= 0 {
			return t, false, fmt.Errorf("want a positive duration back from now")
		}
		return now.Add(-d), false, nil
	}
	for _, layout := range []string{"15:04", "15:04:05"} {
		if c, err := time.ParseInLocation(layout, s, loc); err == nil {
			y, m, d := now.In(loc).Date()
			return time.Date(y, m, d, c.Hour(), c.Minute(), c.Second(), 0, loc), true, nil
		}
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, false, nil
	}
	for _, layout := range []string{"2006-01-02 15:04:05", "2006-01-02 15:04", "2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t, false, nil
		}
	}
	return t, false, fmt.Errorf("want %s", rangeTimeHelp)
}

// showProgress draws a backlog's progress on w (standard error) every
// 200 ms until ctx ends, when w is a terminal; nothing otherwise. The line
// is erased at the end, so the table or JSON that follows is alone.
func showProgress(ctx context.Context, w io.Writer, eng *collector.Engine) (stop func()) {
	f, ok := w.(*os.File)
	if !ok || !term.IsTerminal(f.Fd()) {
		return func() {}
	}
	width, _, err := term.GetSize(f.Fd())
	if err != nil || width < 40 {
		width = 80
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		bar := progressbar.New(progressbar.WithWidth(min(30, width/4)), progressbar.WithoutPercentage())
		start := time.Now()
		tick := time.NewTicker(200 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				fmt.Fprint(f, "\r\x1b[2K")
				return
			case <-tick.C:
				fmt.Fprint(f, "\r\x1b[2K"+progressLine(eng.Progress(), time.Since(start), bar, width))
			}
		}
	}()
	return func() {
		cancel()
		<-done
	}
}

// progressLine is one line of a backlog's progress: a bar, bytes, lines,
// lines/s and the time left, fitted to width.
func progressLine(p collector.BacklogProgress, el time.Duration, bar progressbar.Model, width int) string {
	frac := 0.0
	if p.Total > 0 {
		frac = min(1, float64(p.Read)/float64(p.Total))
	}
	rate := 0.0
	if s := el.Seconds(); s > 0 {
		rate = float64(p.Lines) / s
	}
	left := "?"
	if frac > 0 && frac < 1 {
		left = time.Duration(float64(el) * (1 - frac) / frac).Round(time.Second).String()
	} else if frac >= 1 {
		left = "0s"
	}
	text := fmt.Sprintf(" %3.0f%%  %s / %s  %d lines  %.0f lines/s  %s left", frac*100, bytesShown(p.Read), bytesShown(p.Total), p.Lines, rate, left)
	line := "gwtop: reading the backlog " + bar.ViewAs(frac) + text
	if ansi.StringWidth(line) > width-1 {
		return "gwtop: reading the backlog" + text
	}
	return line
}

func bytesShown(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.2f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.0f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
