package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/charmbracelet/x/term"
	"github.com/spf13/cobra"

	"github.com/gwtop/gwtop/model"
	"github.com/gwtop/gwtop/record"
	"github.com/gwtop/gwtop/ui"
)

func replayCmd(stdout, stderr io.Writer) *cobra.Command {
	var uf uiFlags
	var at string
	c := &cobra.Command{
		Use:   "replay FILE",
		Short: "open the screen on a recording (gwtop record, gwtop --record): pause, seek, jump between events",
		Long: `Open the same screen as a live gwtop on a recording, marked REPLAY with the recording's clock in
the header. Every pane works as live. space pauses, ←/→ seek 10 s, [ and ] jump to the previous
and next event, < and > change the speed (¼× to 64×). A recording cut short replays up to its
last whole record, with a note. For one moment as a table or JSON: gwtop snapshot --replay FILE
--at TIME.`,
		Example: `  gwtop replay incident.rec
  gwtop replay incident.rec --at 03:12:00`,
		Args: func(c *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usageError("gwtop replay takes one FILE, the recording")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := runReplay(cmd.Context(), args[0], at, uf, stdout, stderr); err != nil {
				return sanitizedError{err}
			}
			return nil
		},
	}
	uf.registerScreen(c.Flags())
	c.Flags().StringVar(&at, "at", "", "start at this moment: 03:12:00, 03:12, RFC 3339, +2m (from the start) or -30s (before the end)")
	group(c.Flags(), "behaviour", "at")
	return c
}

// openRecording opens a recording and prints its notes (a torn file) on
// stderr.
func openRecording(path string, stderr io.Writer) (*record.Reader, error) {
	r, err := record.Open(path)
	if err != nil {
		return nil, err
	}
	for _, n := range r.Notes() {
		fmt.Fprintln(stderr, "gwtop: note: "+n)
	}
	return r, nil
}

func runReplay(ctx context.Context, path, at string, uf uiFlags, stdout, stderr io.Writer) error {
	if err := uf.check(); err != nil {
		return err
	}
	dumb := strings.EqualFold(os.Getenv("TERM"), "dumb")
	if !dumb && !term.IsTerminal(os.Stdout.Fd()) {
		return fmt.Errorf("the screen needs a terminal and stdout is not one: for a table or JSON of one moment, use `gwtop snapshot --replay %s --at TIME` (--json)", path)
	}
	r, err := openRecording(path, stderr)
	if err != nil {
		return err
	}
	defer r.Close()
	p := record.NewPlayer(r, nil)
	if at != "" {
		t, err := parseAt(at, r)
		if err != nil {
			return err
		}
		p.SeekTo(t)
	}
	closeLog, err := uf.setupLog()
	if err != nil {
		return err
	}
	defer closeLog()
	return ui.Run(ctx, p, ui.Options{Refresh: uf.refresh, Theme: uf.theme, NoColor: uf.noColor, ASCII: uf.ascii,
		Title: "replay " + path, Output: stdout})
}

// replaySnapshot is gwtop snapshot --replay: the snapshot the recording
// holds at --at (its last one by default).
func replaySnapshot(path, at string, stderr io.Writer) (*model.Snapshot, error) {
	r, err := openRecording(path, stderr)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	t := r.End()
	if at != "" {
		if t, err = parseAt(at, r); err != nil {
			return nil, err
		}
	}
	return r.At(t)
}

// parseAt reads --at against the recording: a clock time (03:12:00,
// 03:12) in the recording's zone on the day the recording holds it, an
// RFC 3339 time, +D from its start or -D before its end. A time outside
// the recording is a usage error naming its span.
func parseAt(s string, r *record.Reader) (time.Time, error) {
	start, end := r.Start(), r.End()
	loc := time.Local
	if first, err := r.Snapshot(0); err == nil {
		loc = first.Time.Location()
	}
	start, end = start.In(loc), end.In(loc)
	bad := func(why string) error {
		return usageError(fmt.Sprintf("--at %q: %s; the recording runs %s – %s", s, why, start.Format("2006-01-02 15:04:05"), end.Format("15:04:05")))
	}
	var t time.Time
	switch {
	case strings.HasPrefix(s, "+") || strings.HasPrefix(s, "-"):
		d, err := time.ParseDuration(s[1:])
		if err != nil {
			return t, bad("want a duration after " + s[:1])
		}
		if s[0] == '+' {
			t = start.Add(d)
		} else {
			t = end.Add(-d)
		}
	default:
		if x, err := time.Parse(time.RFC3339, s); err == nil {
			t = x
			break
		}
		var clock time.Time
		var err error
		for _, layout := range []string{"15:04:05", "15:04"} {
			if clock, err = time.Parse(layout, s); err == nil {
				break
			}
		}
		if err != nil {
			return t, bad("want 03:12:00, 03:12, an RFC 3339 time, +2m or -30s")
		}
		// The first time of day at or after the start of the recording
		// that reads so: a recording may run past midnight.
		for day := start.Truncate(time.Hour * 24); !day.After(end.Add(24 * time.Hour)); day = day.AddDate(0, 0, 1) {
			y, m, d := day.In(loc).Date()
			c := time.Date(y, m, d, clock.Hour(), clock.Minute(), clock.Second(), 0, loc)
			if !c.Before(start.Truncate(time.Second)) {
				t = c
				break
			}
		}
	}
	if t.IsZero() || t.Before(start.Truncate(time.Second)) || t.After(end) {
		return t, bad("outside the recording")
	}
	return t, nil
}

// replayed is snapshot --replay's snapshot; the flags that collect do not
// go with it.
func replayed(sf snapshotFlags, stderr io.Writer) (*model.Snapshot, error) {
	switch {
	case sf.replay == "":
		return nil, usageError("--at picks a moment of a recording: give --replay FILE too")
	case sf.dur > 0 || sf.since != "" || sf.until != "":
		return nil, usageError("--replay reads a recording: --for, --since and --until collect, give one or the other")
	}
	return replaySnapshot(sf.replay, sf.at, stderr)
}
