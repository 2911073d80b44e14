package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/gwtop/gwtop/collector"
	"github.com/gwtop/gwtop/model"
	"github.com/gwtop/gwtop/redact"
	"github.com/gwtop/gwtop/rule"
)

// watchFlags are gwtop watch's own flags.
type watchFlags struct {
	dur      time.Duration
	failWhen string
	upstream string
	asJSON   bool
}

// brokenRuns is how many evaluations in a row a rule must hold to fail
// the watch: one bad second does not fail a deploy.
const brokenRuns = 2

// baselineAfter is when the watch takes its "before" figures: the first
// evaluation at least this long after the engine started, by when the
// logs' backfill (the minutes before the watch) has been read.
const baselineAfter = time.Second

func watchCmd(stdout, stderr io.Writer) *cobra.Command {
	var src sources
	var wf watchFlags
	c := &cobra.Command{
		Use:   "watch",
		Short: "a deploy gate: collect for --for, exit 0 if --fail-when never held, 1 as soon as it holds twice in a row",
		Long: `Collect for --for (5m by default) and evaluate --fail-when on every upstream at each interval
(--interval, 1s by default), printing one progress line each (one JSON object with --json).
Exit 0 when the rule never held for two evaluations in a row over the whole duration; exit 1
as soon as it did, naming each upstream that broke it with its figures, cause and root; exit 2
on a mistake in the rule or the command line. An interrupted watch (SIGINT, SIGTERM) exits 1:
the gate was not passed. gwtop mark TEXT reaches a running watch, which prints the marker.

The rule compares upstream columns over the last minute, joined with and/or and parentheses:
  rate_5xx > 2%          share of requests answered 5xx
  p95 > 800ms            latency percentile: p50, p95, p99 (ms or s)
  p99 > 2x before        relative to the upstream's 5 minutes before the watch (the logs' backfill)
  requests < 1/s         requests per second (or /m)
  state == down          up, degraded, down, unknown (== and != only)
A figure the upstream has no data for (no request in the last minute) does not hold.`,
		Example: `  gwtop watch -c gwtop.yaml --for 5m --fail-when 'rate_5xx > 2% or state == down'
  gwtop watch --for 2m --fail-when 'p99 > 2x before' --upstream 'api-*'
  gwtop watch --access-log /var/log/nginx/access.log --error-log /var/log/nginx/error.log \
              --for 90s --fail-when 'rate_5xx > 1%' --json`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := runWatch(cmd.Context(), &src, wf, stdout, stderr); err != nil {
				return sanitizedError{err}
			}
			return nil
		},
	}
	src.register(c.Flags())
	c.Flags().DurationVar(&wf.dur, "for", 5*time.Minute, "how long the rule must not hold")
	c.Flags().StringVar(&wf.failWhen, "fail-when", "", "the RULE that breaks the gate, e.g. 'rate_5xx > 2% or state == down' (required)")
	c.Flags().StringVar(&wf.upstream, "upstream", "", "only upstreams whose name or address matches this GLOB (path.Match: *, ?, [...])")
	c.Flags().BoolVarP(&wf.asJSON, "json", "j", false, "print one JSON object per evaluation and one at the end")
	group(c.Flags(), "behaviour", "for", "fail-when", "upstream", "json")
	return c
}

// parseFailWhen reads a --fail-when rule; a mistake in it is a usage error
// (exit 2) naming the column and the position.
func parseFailWhen(s string) (*rule.Rule, error) {
	r, err := rule.Parse(s)
	if err != nil {
		return nil, usageError(fmt.Sprintf("--fail-when %q: %v", s, err))
	}
	return r, nil
}

// ruleBroken is a --fail-when rule that held: the gate failed. Its text
// names every upstream that broke it; code is the exit code the command
// means (watch 1, snapshot 3).
type ruleBroken struct {
	code int
	msg  string
}

func (e ruleBroken) Error() string { return e.msg }

// ExitCode is the command's exit code for the failed gate.
func (e ruleBroken) ExitCode() int { return e.code }

func brokenError(code int, r *rule.Rule, breaches []rule.Breach) ruleBroken {
	var b strings.Builder
	n := "upstream"
	if len(breaches) > 1 {
		n = "upstreams"
	}
	fmt.Fprintf(&b, "--fail-when %q broken by %d %s:", r.String(), len(breaches), n)
	for _, x := range breaches {
		b.WriteString("\n  " + x.String())
	}
	return ruleBroken{code: code, msg: b.String()}
}

// watchLine is one --json line of gwtop watch.
type watchLine struct {
	Time      time.Time `json:"time"`
	ElapsedMS int64     `json:"elapsed_ms"`
	Upstreams int       `json:"upstreams"` // the upstreams evaluated (--upstream)
	// Requests1m and Errors5xx1m are theirs over the last minute.
	Requests1m  int64        `json:"requests_1m"`
	Errors5xx1m int64        `json:"errors_5xx_1m"`
	Broken      []breachJSON `json:"broken"`
	Streak      int          `json:"streak"` // evaluations in a row the rule held
	// Result is set on the last line: held, broken or interrupted.
	Result string `json:"result,omitempty"`
}

type breachJSON struct {
	Name     string         `json:"name"`
	Address  string         `json:"address"`
	Gateway  string         `json:"gateway,omitempty"`
	State    model.State    `json:"state"`
	Why      []string       `json:"why"`
	Cause    model.Cause    `json:"cause,omitempty"`
	RootCode model.RootCode `json:"root_code,omitempty"`
	Root     string         `json:"root,omitempty"`
}

func breachesJSON(bs []rule.Breach) []breachJSON {
	out := []breachJSON{}
	for _, b := range bs {
		why := make([]string, len(b.Why))
		for i, w := range b.Why {
			why[i] = redact.String(w)
		}
		out = append(out, breachJSON{Name: redact.String(b.Name), Address: redact.String(b.Address), Gateway: b.Gateway, State: b.State,
			Why: why, Cause: b.Cause, RootCode: b.RootCode, Root: redact.String(b.Root)})
	}
	return out
}

func runWatch(ctx context.Context, src *sources, wf watchFlags, stdout, stderr io.Writer) error {
	if strings.TrimSpace(wf.failWhen) == "" {
		return usageError("--fail-when RULE is required, e.g. --fail-when 'rate_5xx > 2%'")
	}
	if wf.dur <= 0 {
		return usageError(fmt.Sprintf("--for %v: want a positive duration", wf.dur))
	}
	r, err := parseFailWhen(wf.failWhen)
	if err != nil {
		return err
	}
	match, err := rule.Filter(wf.upstream)
	if err != nil {
		return usageError("--upstream: " + err.Error())
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
	start := time.Now()
	eng.Start(ctx)
	defer eng.Stop()
	defer serveMarks(eng.Mark)() // gwtop mark reaches the watch; closed before the engine stops

	enc := json.NewEncoder(stdout)
	emit := func(l watchLine, text string) {
		if wf.asJSON {
			_ = enc.Encode(l)
			return
		}
		fmt.Fprintln(stdout, text)
	}
	if !wf.asJSON {
		fmt.Fprintf(stdout, "gwtop watch: %s for %v, every %v: fail when %s\n", shown(title(cfg)), wf.dur, cfg.Interval, shown(r.String()))
	}
	tick := time.NewTicker(cfg.Interval)
	defer tick.Stop()
	deadline := time.NewTimer(wf.dur)
	defer deadline.Stop()
	var before rule.Before
	streak, evals := 0, 0
	var lastMark time.Time // the newest marker printed
	for {
		select {
		case <-ctx.Done():
			el := time.Since(start).Round(100 * time.Millisecond)
			emit(watchLine{Time: time.Now(), ElapsedMS: el.Milliseconds(), Broken: []breachJSON{}, Streak: streak, Result: "interrupted"},
				fmt.Sprintf("gwtop watch: interrupted after %v of %v", el, wf.dur))
			return fmt.Errorf("watch interrupted after %v of %v: the gate was not passed", el, wf.dur)
		case <-deadline.C:
			el := time.Since(start).Round(100 * time.Millisecond)
			emit(watchLine{Time: time.Now(), ElapsedMS: el.Milliseconds(), Broken: []breachJSON{}, Streak: streak, Result: "held"},
				fmt.Sprintf("gwtop watch: held for %v (%d evaluations): %s never held %d times in a row", wf.dur, evals, shown(r.String()), brokenRuns))
			return nil
		case now := <-tick.C:
			snap := eng.Latest()
			if snap == nil {
				continue
			}
			if before == nil && now.Sub(start) >= baselineAfter {
				before = rule.BeforeOf(snap)
			}
			var n int
			var req, e5 int64
			for _, u := range snap.Upstreams {
				if match(u) {
					n++
					req += u.Window1m.Requests
					e5 += u.Window1m.Errors5xx
				}
			}
			if !wf.asJSON {
				for _, ev := range snap.Events {
					if ev.Kind == model.EventMarker && ev.Time.After(lastMark) {
						lastMark = ev.Time
						fmt.Fprintf(stdout, "%7s  marker %s (%s)\n", ev.Time.Sub(start).Round(100*time.Millisecond), shown(strconv.Quote(ev.Text)), shown(ev.Source))
					}
				}
			}
			bs := r.Eval(snap, before, match)
			evals++
			if len(bs) > 0 {
				streak++
			} else {
				streak = 0
			}
			el := now.Sub(start).Round(100 * time.Millisecond)
			line := watchLine{Time: now, ElapsedMS: el.Milliseconds(), Upstreams: n, Requests1m: req, Errors5xx1m: e5, Broken: breachesJSON(bs), Streak: streak}
			if streak >= brokenRuns {
				line.Result = "broken"
			}
			emit(line, progress(el, n, req, e5, bs, streak))
			if streak >= brokenRuns {
				if !wf.asJSON {
					fmt.Fprintf(stdout, "gwtop watch: BROKEN after %v: the rule held %d evaluations in a row\n", el, streak)
				}
				return brokenError(1, r, bs)
			}
		}
	}
}

// progress is one evaluation's line: the time since the watch started,
// how many upstreams were evaluated and their requests and 5xx share over
// the last minute, and each upstream the rule held for.
func progress(el time.Duration, n int, req, e5 int64, bs []rule.Breach, streak int) string {
	rate := 0.0
	if req > 0 {
		rate = float64(e5) / float64(req) * 100
	}
	head := fmt.Sprintf("%7s  %d upstreams  %d req/1m  5xx %.1f%%", el, n, req, rate)
	if len(bs) == 0 {
		return head + "  ok"
	}
	var parts []string
	for _, b := range bs {
		parts = append(parts, shown(b.String()))
	}
	return fmt.Sprintf("%s  held %d/%d: %s", head, streak, brokenRuns, strings.Join(parts, " | "))
}
