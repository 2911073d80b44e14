package ui

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/gwtop/gwtop/model"
	"github.com/gwtop/gwtop/ui/render"
)

// runLines is the display for a terminal that cannot address the cursor
// (TERM=dumb: an Emacs shell, a serial console, output kept as a log): every
// LineRefresh it prints the snapshot as a plain-text table, if the snapshot
// changed since the last one printed, until ctx ends. No escape sequences,
// no keys; every line is at most width cells.
func runLines(ctx context.Context, src Source, opt Options, width int) error {
	g := render.Unicode
	if opt.ASCII {
		g = render.ASCII
	}
	t := time.NewTicker(opt.LineRefresh)
	defer t.Stop()
	var last *model.Snapshot
	for {
		if s := latest(src); s != nil && s != last {
			last = s
			if _, err := io.WriteString(opt.Output, lineTable(s, g, width)); err != nil {
				return fmt.Errorf("line mode: write: %w", err)
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// Line-mode column widths; name and address grow to the data up to their
// maximum.
const (
	lineStateW   = 8 // "degraded"
	lineNameMax  = 20
	lineAddrMax  = 21
	lineNumW     = 6
	lineCauseMin = 12 // below this the address column is left out
)

// lineTable is one snapshot in the line mode: a summary line, a line per
// failing source, the column titles and one line per upstream, worst first,
// then a blank line to set it off from the next.
func lineTable(s *model.Snapshot, g *render.Glyphs, width int) string {
	var b strings.Builder
	put := func(line string) {
		b.WriteString(strings.TrimRight(g.Truncate(line, width), " "))
		b.WriteByte('\n')
	}
	put(s.Time.Format("15:04:05") + "  " + render.PerSec(s.ReqPerSec) + " req/s  5xx/1m " + render.Pct(s.Rate5xx) +
		"  p95/1m " + render.Latency(s.LatencyMS, s.LatencyMS.P95) + "  " + lineCounts(s.Upstreams))
	for i := range s.Gateways {
		if gw := &s.Gateways[i]; !gw.OK {
			msg := "source failing: " + Sanitize(gw.Kind+" "+gw.Source)
			if gw.Error != "" {
				msg += ": " + Sanitize(gw.Error)
			}
			put(msg)
		}
	}
	ups := s.Upstreams
	if len(ups) == 0 {
		put("no upstreams seen yet")
		b.WriteByte('\n')
		return b.String()
	}
	nameW, addrW := len("UPSTREAM"), len("ADDRESS")
	for i := range ups {
		nameW = max(nameW, render.Width(Sanitize(ups[i].Name)))
		addrW = max(addrW, render.Width(Sanitize(ups[i].Address)))
	}
	nameW, addrW = min(nameW, lineNameMax), min(addrW, lineAddrMax)
	fixed := lineStateW + nameW + addrW + 2*lineNumW + 5 // five spaces between six columns
	if width-fixed < lineCauseMin {
		addrW = 0
	}
	row := func(state, name, addr, rate, p95, cause string) string {
		out := g.Fit(state, lineStateW) + " " + g.Fit(name, nameW) + " "
		if addrW > 0 {
			out += g.Fit(addr, addrW) + " "
		}
		return out + g.FitRight(rate, lineNumW) + " " + g.FitRight(p95, lineNumW) + "  " + cause
	}
	put(row("STATE", "UPSTREAM", "ADDRESS", "5XX/5m", "P95", "PROBABLE CAUSE"))
	idx := make([]int, len(ups))
	for i := range idx {
		idx[i] = i
	}
	sortRows(ups, idx, colBadge)
	for _, i := range idx {
		u := &ups[i]
		put(row(Sanitize(string(u.State)), Sanitize(u.Name), Sanitize(u.Address),
			render.Rate5xx(u.Rate5xx, u.Requests), render.Latency(u.LatencyMS, u.LatencyMS.P95), causeHint(u)))
	}
	b.WriteByte('\n')
	return b.String()
}

// lineCounts: "8 upstreams: 2 down, 2 degraded, 3 up, 1 unknown", worst
// first, in words, since the line mode has no colour.
func lineCounts(ups []model.Upstream) string {
	var n [4]int // by severity
	for i := range ups {
		n[ups[i].State.Severity()]++
	}
	var parts []string
	for _, st := range []model.State{model.StateDown, model.StateDegraded, model.StateUp, model.StateUnknown} {
		if c := n[st.Severity()]; c > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", c, st))
		}
	}
	out := fmt.Sprintf("%d upstreams", len(ups))
	if len(parts) > 0 {
		out += ": " + strings.Join(parts, ", ")
	}
	return out
}
