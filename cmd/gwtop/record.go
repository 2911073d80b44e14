package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/gwtop/gwtop/collector"
	"github.com/gwtop/gwtop/model"
	"github.com/gwtop/gwtop/record"
)

// defaultMaxSize is the recordings' --max-size: about 15 hours of a
// 10-upstream gateway under traffic before the first rotation.
const defaultMaxSize = 256 << 20

// recordFlags are gwtop record's own flags.
type recordFlags struct {
	dur     time.Duration
	out     string
	maxSize string
	keep    int
}

func recordCmd(stdout, stderr io.Writer) *cobra.Command {
	var src sources
	var rf recordFlags
	c := &cobra.Command{
		Use:   "record",
		Short: "collect without a screen and keep every snapshot in a recording (gwtop replay FILE)",
		Long: `Collect as the screen would, without one, and keep what gwtop saw — every published snapshot
(two a second) and every event — in FILE: a full snapshot a minute and the changes between,
compressed, each record checksummed, so a recording cut short (gwtop killed) replays up to its
last whole record. --for ends it (by default it runs until interrupted); --max-size rotates it
(FILE.1, FILE.2 …, --keep of them kept). A 10-upstream gateway under traffic takes about
50 KiB per 10 s. Read it back with gwtop replay FILE, or gwtop snapshot --replay FILE --at TIME.`,
		Example: `  gwtop record -c gwtop.yaml --for 10m -o incident.rec
  gwtop record --access-log /var/log/nginx/access.log --error-log /var/log/nginx/error.log -o nginx.rec
  gwtop replay incident.rec`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := runRecord(cmd.Context(), &src, rf, stderr); err != nil {
				return sanitizedError{err}
			}
			return nil
		},
	}
	src.register(c.Flags())
	c.Flags().StringVarP(&rf.out, "output", "o", "", "the recording FILE (required)")
	c.Flags().DurationVar(&rf.dur, "for", 0, "record this long, then exit (default: until interrupted)")
	c.Flags().StringVar(&rf.maxSize, "max-size", "256MiB", "rotate the recording at this size (KiB, MiB, GiB; KB, MB, GB; 0: never)")
	c.Flags().IntVar(&rf.keep, "keep", record.DefaultKeep, "rotated files kept (FILE.1 … FILE.N)")
	group(c.Flags(), "behaviour", "output", "for", "max-size", "keep")
	return c
}

// parseSize reads a size: bytes, or a number with KiB/MiB/GiB (K, M, G)
// or KB/MB/GB.
func parseSize(s string) (int64, error) {
	t := strings.TrimSpace(s)
	units := []struct {
		suffix string
		mult   int64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"KB", 1000}, {"MB", 1000 * 1000}, {"GB", 1000 * 1000 * 1000},
		{"K", 1 << 10}, {"M", 1 << 20}, {"G", 1 << 30}, {"B", 1}}
	mult := int64(1)
	for _, u := range units {
		if strings.HasSuffix(t, u.suffix) {
			t, mult = strings.TrimSpace(strings.TrimSuffix(t, u.suffix)), u.mult
			break
		}
	}
	n, err := strconv.ParseFloat(t, 64)
	if err != nil || n < 0 || n*float64(mult) > 1<<50 {
		return 0, fmt.Errorf("want a size such as 100MiB, 512KiB or 0")
	}
	return int64(n * float64(mult)), nil
}

func (rf recordFlags) options() (record.Options, error) {
	size, err := parseSize(rf.maxSize)
	if err != nil {
		return record.Options{}, usageError(fmt.Sprintf("--max-size %q: %v", rf.maxSize, err))
	}
	if size > 0 && size < 64<<10 {
		return record.Options{}, usageError(fmt.Sprintf("--max-size %q: want 64KiB or more (or 0)", rf.maxSize))
	}
	if rf.keep < 1 || rf.keep > 1000 {
		return record.Options{}, usageError(fmt.Sprintf("--keep %d: want 1 to 1000", rf.keep))
	}
	return record.Options{MaxSize: size, Keep: rf.keep}, nil
}

func runRecord(ctx context.Context, src *sources, rf recordFlags, stderr io.Writer) error {
	if rf.out == "" {
		return usageError("gwtop record needs -o FILE, the recording to write")
	}
	if rf.dur < 0 {
		return usageError(fmt.Sprintf("--for %v: want a positive duration", rf.dur))
	}
	opt, err := rf.options()
	if err != nil {
		return err
	}
	cfg, err := resolveConfig(ctx, src, stderr)
	if err != nil {
		return err
	}
	longRunning()
	eng, err := collector.New(cfg, collector.Options{})
	if err != nil {
		return err
	}
	rec, err := startRecording(rf.out, opt, eng.Latest)
	if err != nil {
		return err
	}
	eng.Start(ctx)
	stopMarks := serveMarks(eng.Mark)
	fmt.Fprintf(stderr, "gwtop: recording to %s", rf.out)
	if rf.dur > 0 {
		fmt.Fprintf(stderr, " for %v", rf.dur)
	} else {
		fmt.Fprint(stderr, " until interrupted")
	}
	fmt.Fprintln(stderr)
	var done <-chan time.Time
	if rf.dur > 0 {
		done = time.After(rf.dur)
	}
	select {
	case <-done:
	case <-ctx.Done():
	}
	stopMarks()
	final := eng.Stop()
	n, size, err := rec.stop(final)
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "gwtop: recorded %d snapshots (%s), %s in %s\n", n, span(final), kib(size), rf.out)
	return nil
}

func span(s *model.Snapshot) string {
	if s == nil {
		return "none"
	}
	return "up to " + s.Time.Format("15:04:05")
}

func kib(n int64) string { return fmt.Sprintf("%.1f KiB", float64(n)/1024) }

// recording writes the engine's published snapshots to a file from its
// own goroutine: it polls the engine's atomic pointer twice per publish
// and writes each new snapshot once.
type recording struct {
	w      *record.Writer
	cancel context.CancelFunc
	wg     sync.WaitGroup
	mu     sync.Mutex
	err    error
}

// recordPoll is how often a recording looks for a new snapshot: half the
// engine's publish interval, so none is missed.
const recordPoll = 250 * time.Millisecond

func startRecording(path string, opt record.Options, latest func() *model.Snapshot) (*recording, error) {
	w, err := record.Create(path, opt)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := &recording{w: w, cancel: cancel}
	r.wg.Go(func() {
		t := time.NewTicker(recordPoll)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				if err := w.Write(latest()); err != nil {
					// A full disk stops the recording, not gwtop.
					slog.Error("recording stopped", "file", path, "err", err)
					r.mu.Lock()
					r.err = err
					r.mu.Unlock()
					return
				}
			}
		}
	})
	return r, nil
}

// stop ends the recording with the final snapshot and closes the file.
func (r *recording) stop(final *model.Snapshot) (count int, size int64, err error) {
	r.cancel()
	r.wg.Wait()
	r.mu.Lock()
	err = r.err
	r.mu.Unlock()
	if err == nil {
		err = r.w.Write(final)
	}
	if cerr := r.w.Close(); err == nil {
		err = cerr
	}
	return r.w.Count(), r.w.Written(), err
}
