package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/gwtop/gwtop/collector"
	"github.com/gwtop/gwtop/config"
	"github.com/gwtop/gwtop/filter"
	"github.com/gwtop/gwtop/model"
	"github.com/gwtop/gwtop/redact"
	"github.com/gwtop/gwtop/rule"
	"github.com/gwtop/gwtop/ui"
)

// snapshotFlags are gwtop snapshot's own flags.
type snapshotFlags struct {
	dur      time.Duration
	asJSON   bool
	failWhen string // --fail-when RULE: the command fails (ruleBroken, code 3) when it holds
	filter   string // --filter EXPR: only the upstreams it matches (the overview's / language)
	// --since/--until: a backlog's analysis limited to a time range.
	since, until string
	fleet        fleetFlags
	// --replay FILE [--at TIME]: the snapshot a recording holds at TIME.
	replay, at string
}

// runSnapshot is gwtop snapshot; its error, if any, is printed sanitised.
func runSnapshot(ctx context.Context, src *sources, sf snapshotFlags, stdout, stderr io.Writer) error {
	if err := snapshot(ctx, src, sf, stdout, stderr); err != nil {
		return sanitizedError{err}
	}
	return nil
}

func snapshot(ctx context.Context, src *sources, sf snapshotFlags, stdout, stderr io.Writer) error {
	if sf.dur < 0 {
		return usageError(fmt.Sprintf("--for %v: want a positive duration", sf.dur))
	}
	if sf.fleet.url != "" {
		return fleetSnapshot(ctx, sf.fleet, sf.asJSON, stdout)
	}
	dur, asJSON := &sf.dur, &sf.asJSON
	var failWhen *rule.Rule
	if sf.failWhen != "" {
		r, err := parseFailWhen(sf.failWhen)
		if err != nil {
			return err
		}
		failWhen = r
	}
	flt, err := parseFilter(sf.filter)
	if err != nil {
		return err
	}
	if sf.replay != "" || sf.at != "" {
		snap, err := replayed(sf, stderr)
		if err != nil {
			return err
		}
		return printSnapshot(stdout, filtered(snap, flt), *asJSON, failWhen)
	}
	rng, err := parseRange(sf.since, sf.until, time.Now(), time.Local)
	if err != nil {
		return err
	}
	if rng.Set() && *dur > 0 {
		return usageError("--since/--until analyse the logs' backlog; --for collects live: give one or the other")
	}
	cfg, err := resolveConfig(ctx, src, stderr)
	if err != nil {
		return err
	}
	if rng.Set() {
		cfg.FromStart = true // a time range is a backlog's
	}
	backlog := cfg.FromStart && *dur == 0
	if backlog && collector.LiveSources(cfg) {
		fmt.Fprintln(stderr, "gwtop: reading the logs' backlog only: probes and status pages are skipped (add --for 5s to run them too)")
	}
	if *dur == 0 {
		*dur = 5 * time.Second
	}
	snap, err := collect(ctx, cfg, collector.Options{Backlog: backlog, Range: rng}, *dur, stderr)
	if err != nil {
		return err
	}
	return printSnapshot(stdout, filtered(snap, flt), *asJSON, failWhen)
}

// printSnapshot prints the snapshot as a table or JSON and judges
// --fail-when on it.
func printSnapshot(stdout io.Writer, snap *model.Snapshot, asJSON bool, failWhen *rule.Rule) error {
	if asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(snap); err != nil {
			return err
		}
	} else {
		printTable(stdout, snap)
	}
	return checkFailWhen(failWhen, snap)
}

// parseFilter reads --filter; a bad expression is a usage error (exit 2)
// naming the term, its position and why.
func parseFilter(s string) (*filter.Filter, error) {
	f, err := filter.Parse(s)
	if err != nil {
		return nil, usageError(fmt.Sprintf("--filter %q: %v", s, err))
	}
	return f, nil
}

// filtered is the snapshot with only the upstreams f matches; the
// gateway-wide figures, the gateways and the events are the whole
// gateway's. The snapshot is shared and immutable, so this is a copy.
func filtered(s *model.Snapshot, f *filter.Filter) *model.Snapshot {
	if f.Empty() || s == nil {
		return s
	}
	out := *s
	out.Upstreams = f.Apply(s.Upstreams)
	if out.Upstreams == nil {
		out.Upstreams = []model.Upstream{}
	}
	return &out
}

// checkFailWhen is snapshot's --fail-when: the rule on the final snapshot,
// "before" being each upstream's own 5-minute window; a rule that holds
// for an upstream is an error naming them (exit 3).
func checkFailWhen(r *rule.Rule, snap *model.Snapshot) error {
	if r == nil {
		return nil
	}
	if bs := r.Eval(snap, rule.BeforeOf(snap), nil); len(bs) > 0 {
		return brokenError(3, r, bs)
	}
	return nil
}

// collect runs the engine for d (or, for a backlog, to the end of the logs)
// and returns the final snapshot.
// A backlog's progress is drawn on stderr when it is a terminal.
func collect(ctx context.Context, cfg *config.Config, opt collector.Options, d time.Duration, stderr io.Writer) (*model.Snapshot, error) {
	eng, err := collector.New(cfg, opt)
	if err != nil {
		return nil, err
	}
	eng.Start(ctx)
	stopMarks := serveMarks(eng.Mark)
	if opt.Backlog {
		stopProgress := showProgress(ctx, stderr, eng)
		select {
		case <-eng.LogsDone():
		case <-ctx.Done():
		}
		stopProgress()
	} else {
		select {
		case <-time.After(d):
		case <-ctx.Done():
		}
	}
	stopMarks()
	snap := eng.Stop()
	if err := eng.Err(); err != nil {
		return nil, err
	}
	return snap, nil
}

func printTable(w io.Writer, s *model.Snapshot) {
	fmt.Fprintf(w, "gwtop snapshot %s — host cpu %.0f%% mem %.0f%% load %.2f — gateway %.1f req/s, 5xx %.1f%%\n\n",
		s.Time.Format("2006-01-02 15:04:05"), s.Host.CPUPercent, s.Host.MemPercent, s.Host.Load1, s.ReqPerSec, s.Rate5xx*100)
	for _, g := range s.Gateways {
		status := "ok"
		if !g.OK {
			status = "ERROR: " + g.Error
		}
		fmt.Fprintf(w, "  %s %s %s: %s\n", shown(g.Kind), shown(g.Source), shown(g.Target), shown(status))
	}
	if len(s.Gateways) > 0 {
		fmt.Fprintln(w)
	}
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "STATE\tNAME\tADDRESS\tREQ\t5XX%\tP50\tP95\tP99\tPROBE\tTOP CAUSE")
	for _, u := range s.Upstreams {
		pr := "-"
		if u.Probe != nil {
			if u.Probe.OK {
				pr = fmt.Sprintf("ok %.0fms", u.Probe.Phases.Total)
			} else {
				pr = "✖ " + string(u.Probe.Cause)
				if u.Probe.Phase != "" {
					pr += " in " + u.Probe.Phase
				}
			}
		}
		cause := "-"
		if len(u.Causes) > 0 {
			c := u.Causes[0]
			cause = fmt.Sprintf("%s ×%d: %s", c.Code, c.Total, c.Hint)
			if len(c.Roots) > 0 {
				// The root is what the operator acts on.
				cause = fmt.Sprintf("%s ×%d → %s: %s", c.Code, c.Total, c.Roots[0].Code, c.Roots[0].Summary)
			}
		}
		name := u.Name
		if u.Instance != "" { // a fleet's row: the agent it came from
			name += "@" + u.Instance
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%.1f\t%s\t%s\t%s\t%s\t%s\n", shown(string(u.State)), shown(name), shown(u.Address), u.Requests, u.Rate5xx*100,
			ms(u.LatencyMS.P50, u.LatencyMS.Count), ms(u.LatencyMS.P95, u.LatencyMS.Count), ms(u.LatencyMS.P99, u.LatencyMS.Count), shown(pr), shown(cause))
	}
	tw.Flush()
}

func ms(v float64, n int64) string {
	if n == 0 {
		return "-"
	}
	return fmt.Sprintf("%.0fms", v)
}

// shown is how the table prints a text that came from a log, a status page,
// an upstream or the configuration: with no credential (redact.String) and
// nothing a terminal would act on (ui.Sanitize, the TUI's sanitiser: C0 and
// C1 controls, escape sequences and bidi overrides become visible escapes,
// line breaks \n, tabs a space), so a row stays on one line.
func shown(s string) string { return ui.Sanitize(redact.String(s)) }

// sanitizedError is an error of the command as it may be printed: what it
// quotes of a log or a URL is shown as the table shows it, line by line (a
// configuration's errors are one a line). It unwraps to the error, so its
// kind (a usage mistake: exit 2) is kept.
type sanitizedError struct{ err error }

func (e sanitizedError) Error() string {
	lines := strings.Split(e.err.Error(), "\n")
	for i, l := range lines {
		lines[i] = shown(l)
	}
	return strings.Join(lines, "\n")
}
func (e sanitizedError) Unwrap() error { return e.err }
