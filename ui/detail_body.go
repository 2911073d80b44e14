package ui

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/charmbracelet/x/ansi"

	"github.com/gwtop/gwtop/model"
	"github.com/gwtop/gwtop/themes"
	"github.com/gwtop/gwtop/ui/render"
)

// twoColumnWidth is where the detail body splits into two columns: causes
// and evidence on the left, figures on the right.
const twoColumnWidth = 150

// detailBody renders everything below the detail title for width cells.
func detailBody(c *Common, u *model.Upstream, width int) string {
	s, g := &c.Styles, c.Glyphs
	if width >= twoColumnWidth {
		lw := (width - 3) * 11 / 20
		rw := width - 3 - lw
		left := slices.Concat(causesSection(c, u, lw), routesSection(c, u, lw), evidenceSection(c, u, lw))
		right := slices.Concat(latencySection(c, u, rw), probeSection(c, u, rw), codesSection(c, u, rw))
		n := max(len(left), len(right))
		lines := make([]string, n)
		for i := range n {
			var l, r string
			if i < len(left) {
				l = left[i]
			}
			if i < len(right) {
				r = right[i]
			}
			lines[i] = g.Fit(l, lw) + s.Muted.Render(" │ ") + r
		}
		return strings.Join(lines, "\n")
	}
	lines := slices.Concat(
		causesSection(c, u, width),
		latencySection(c, u, width),
		routesSection(c, u, width),
		probeSection(c, u, width),
		codesSection(c, u, width),
		evidenceSection(c, u, width),
	)
	return strings.Join(lines, "\n")
}

// wrapIndent wraps text to width with a label on the first line and the
// same indent on the following ones.
func wrapIndent(g *render.Glyphs, label, text string, width int, labelStyle, textStyle func(...string) string) []string {
	label, text = g.Fold(label), g.Fold(text)
	indent := render.Width(label)
	avail := max(width-indent, 8)
	wrapped := strings.Split(ansi.Wrap(text, avail, " "), "\n")
	out := make([]string, len(wrapped))
	pad := strings.Repeat(" ", indent)
	for i, w := range wrapped {
		if i == 0 {
			out[i] = labelStyle(label) + textStyle(w)
		} else {
			out[i] = pad + textStyle(w)
		}
	}
	return out
}

func causesSection(c *Common, u *model.Upstream, w int) []string {
	s, g := &c.Styles, c.Glyphs
	lines := []string{s.Section.Render("PROBABLE CAUSES") + s.Muted.Render(" strongest first")}
	if len(u.Causes) == 0 {
		msg := "no failures attributed to this upstream"
		if u.State == model.StateUnknown && u.StateReason != "" {
			msg = "no data: " + Sanitize(u.StateReason)
		}
		return append(lines, s.Muted.Render(g.Fit(msg, w)), "")
	}
	sty := causeStyle(s, u.State)
	for i := range u.Causes {
		cr := &u.Causes[i]
		head := fmt.Sprintf("%d. ", i+1) + sty.Render(string(cr.Code)) +
			s.Value.Render(" ×"+render.Count(cr.Count)) + s.Muted.Render(" in 5m · "+render.Count(cr.Total)+" total")
		if !cr.LastSeen.IsZero() {
			head += s.Muted.Render(" · last " + cr.LastSeen.Format("15:04:05"))
		}
		if cr.Source != "" {
			head += s.Muted.Render(" · from " + Sanitize(cr.Source))
		}
		lines = append(lines, g.Fit(head, w))
		if cr.Hint != "" {
			lines = append(lines, wrapIndent(g, "   why  ", Sanitize(cr.Hint), w, s.Muted.Render, s.Text.Render)...)
		}
		// The roots under the cause, each with its evidence; the first
		// one's specific next step replaces the generic one.
		next := cr.NextStep
		for j := range cr.Roots {
			r := &cr.Roots[j]
			lines = append(lines, wrapIndent(g, "   root ", sty.Render(string(r.Code))+" "+Sanitize(r.Summary), w, s.Muted.Render, s.Text.Render)...)
			if r.Evidence != "" {
				src := ""
				if r.Source != "" {
					src = " (" + Sanitize(r.Source) + ")"
				}
				lines = append(lines, wrapIndent(g, "        ", Sanitize(r.Evidence)+src, w, s.Muted.Render, s.Muted.Render)...)
			}
			if j == 0 && r.NextStep != "" {
				next = r.NextStep
			}
		}
		if len(cr.Roots) == 0 && cr.Count > 0 && rootable(cr.Code) {
			lines = append(lines, wrapIndent(g, "   root ", noRootWhy(cr.Code), w, s.Muted.Render, s.Muted.Render)...)
		}
		if next != "" {
			lines = append(lines, wrapIndent(g, "   next ", Sanitize(next), w, s.Muted.Render, s.Accent.Render)...)
		}
		if cr.Evidence != "" {
			lines = append(lines, wrapIndent(g, "   seen ", Sanitize(cr.Evidence), w, s.Muted.Render, s.Text.Render)...)
		}
	}
	return append(lines, "")
}

func latencySection(c *Common, u *model.Upstream, w int) []string {
	s, g := &c.Styles, c.Glyphs
	lines := []string{s.Section.Render("LATENCY & TRAFFIC")}
	head := g.Fit("", 6)
	for _, t := range []string{"req/s", "requests", "5xx", "5xx%", "p50", "p95", "p99"} {
		head += g.FitRight(t, 9)
	}
	lines = append(lines, s.TableHeader.Render(g.Fit(head, w)))
	for _, row := range []struct {
		label string
		win   *model.Window
	}{{"1m", &u.Window1m}, {"5m", &u.Window5m}, {"total", &u.Total}} {
		wn := row.win
		line := s.Label.Render(g.Fit(row.label, 6)) +
			g.FitRight(render.PerSec(wn.ReqPerSec), 9) +
			g.FitRight(render.Count(wn.Requests), 9) +
			g.FitRight(render.Count(wn.Errors5xx), 9)
		rate := g.FitRight(render.Rate5xx(wn.Rate5xx, wn.Requests), 9)
		if st := rateStyle(s, wn.Rate5xx); st != nil {
			rate = st.Render(rate)
		}
		line += rate +
			g.FitRight(render.Latency(wn.LatencyMS, wn.LatencyMS.P50), 9) +
			g.FitRight(render.Latency(wn.LatencyMS, wn.LatencyMS.P95), 9) +
			g.FitRight(render.Latency(wn.LatencyMS, wn.LatencyMS.P99), 9)
		lines = append(lines, g.Fit(line, w))
	}
	sparkW := min(max(w-24, 4), sparkMax*2)
	if len(u.SparkP95) > 0 {
		lines = append(lines, s.Label.Render("p95 5m ")+s.Spark.Render(render.Sparkline(stretch(u.SparkP95, sparkW), sparkW))+
			s.Muted.Render("  max "+render.MS(maxOf(u.SparkP95))))
	}
	if len(u.Spark5xx) > 0 {
		lines = append(lines, s.Label.Render("5xx 5m ")+s.Error.Render(render.Sparkline(stretch(u.Spark5xx, sparkW), sparkW))+
			s.Muted.Render("  max "+render.Count(int64(maxOf(u.Spark5xx)))+"/10s"))
	}
	if len(u.AvgMS) > 0 {
		keys := make([]string, 0, len(u.AvgMS))
		for k := range u.AvgMS {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		items := []string{s.Label.Render("avg")}
		for _, k := range keys {
			items = append(items, Sanitize(k)+" "+render.MS(u.AvgMS[k]))
		}
		lines = append(lines, wrapJoin(g, items, "  ", w)...)
	}
	if u.LatencyNote != "" {
		lines = append(lines, s.Muted.Render(g.Fit("note: "+Sanitize(u.LatencyNote), w)))
	}
	return append(lines, "")
}

// stretch repeats each value so a 30-point series fills a wider sparkline
// instead of leaving it half empty.
func stretch(series []float64, width int) []float64 {
	if len(series) == 0 || width <= len(series) {
		return series
	}
	k := width / len(series)
	out := make([]float64, 0, len(series)*k)
	for _, v := range series {
		for range k {
			out = append(out, v)
		}
	}
	return out
}

func maxOf(series []float64) float64 {
	m := 0.0
	for _, v := range series {
		m = max(m, v)
	}
	return m
}

func probeSection(c *Common, u *model.Upstream, w int) []string {
	s, g := &c.Styles, c.Glyphs
	lines := []string{s.Section.Render("LAST PROBE")}
	p := u.Probe
	if p == nil {
		return append(lines, s.Muted.Render(g.Fit("no active probe for this upstream (add one in the config to get phase timings)", w)), "")
	}
	var head []string
	if p.Target != "" {
		head = append(head, Sanitize(p.Target))
	}
	if !p.Time.IsZero() {
		head = append(head, p.Time.Format("15:04:05"))
	}
	if p.Status != 0 {
		head = append(head, fmt.Sprintf("HTTP %d", p.Status))
	}
	if p.Reused {
		head = append(head, "(reused connection)")
	}
	lines = append(lines, g.Fit(strings.Join(head, "  "), w))
	if !p.OK {
		why := string(p.Cause)
		if why == "" {
			why = "failed"
		}
		if p.Phase != "" {
			why += " in " + p.Phase
		}
		lines = append(lines, wrapIndent(g, s.Error.Render("✖ "+why)+" ", Sanitize(p.Error), w, func(x ...string) string { return strings.Join(x, "") }, s.Text.Render)...)
		if p.Root != "" {
			lines = append(lines, wrapIndent(g, "  root ", string(p.Root)+" "+Sanitize(p.RootDetail), w, s.Muted.Render, s.Text.Render)...)
		}
	}
	parts := render.PhaseParts(p.Phases)
	barW := min(max(w-2, 4), 60)
	cells := render.Stack(parts[:], barW)
	var bar strings.Builder
	for i, n := range cells {
		if n > 0 {
			bar.WriteString(s.Phases[i].Render(strings.Repeat(render.PhaseGlyphs[i], n)))
		}
	}
	if p.Phases.Total > 0 {
		lines = append(lines, "["+bar.String()+"]")
	}
	var legend []string
	for i := range render.NumPhases {
		// A phase that did not happen (no DNS for an IP, no TLS for
		// HTTP, nothing after the phase a probe failed in) is "—", not
		// a time of 0.
		v := render.MS(parts[i])
		if parts[i] == 0 {
			v = render.None
		}
		if !p.OK && probePhases[i] == p.Phase {
			v += " ✖"
		}
		legend = append(legend, s.Phases[i].Render(render.PhaseGlyphs[i])+" "+render.PhaseNames[i]+" "+v)
	}
	legend = append(legend, s.Value.Render("total "+render.MS(p.Phases.Total)))
	lines = append(lines, wrapJoin(g, legend, "  ", w)...)
	if len(u.ProbeHistory) > 0 {
		lines = append(lines, historyLine(s, u.ProbeHistory, w))
	}
	return append(lines, "")
}

// historyLine is the probe history as ✓/✖ marks, newest at the right.
func historyLine(s *themes.Styles, hist []model.ProbeResult, w int) string {
	ok := 0
	for i := range hist {
		if hist[i].OK {
			ok++
		}
	}
	label := "history "
	tail := fmt.Sprintf("  %d/%d ok", ok, len(hist))
	room := max(w-len(label)-len(tail), 1)
	if len(hist) > room {
		hist = hist[len(hist)-room:]
	}
	var b strings.Builder
	for i := range hist {
		if hist[i].OK {
			b.WriteString(s.OK.Render("✓"))
		} else {
			b.WriteString(s.Error.Render("✖"))
		}
	}
	return s.Label.Render(label) + b.String() + s.Muted.Render(tail)
}

// wrapJoin joins items with sep, starting a new line instead of splitting an
// item across lines.
func wrapJoin(g *render.Glyphs, items []string, sep string, w int) []string {
	var lines []string
	cur := ""
	for _, it := range items {
		it = g.Fold(it)
		switch {
		case cur == "":
			cur = it
		case render.Width(cur)+len(sep)+render.Width(it) <= w:
			cur += sep + it
		default:
			lines = append(lines, cur)
			cur = it
		}
	}
	if cur != "" {
		lines = append(lines, g.Fit(cur, w))
	}
	return lines
}

func codesSection(c *Common, u *model.Upstream, w int) []string {
	s, g := &c.Styles, c.Glyphs
	lines := []string{s.Section.Render("STATUS CODES") + s.Muted.Render(" last 5m")}
	win := &u.Window5m
	if win.Classes == (model.StatusClasses{}) && len(win.Codes) == 0 {
		return append(lines, s.Muted.Render(g.Fit("no responses seen", w)), "")
	}
	var classes []string
	for _, cl := range []string{"1xx", "2xx", "3xx", "4xx", "5xx"} {
		n, ok := win.Classes.Get(cl)
		if !ok {
			continue
		}
		item := s.Label.Render(cl) + " " + render.Count(n)
		if cl == "5xx" && n > 0 {
			item = s.Error.Render(cl + " " + render.Count(n))
		}
		classes = append(classes, item)
	}
	lines = append(lines, wrapJoin(g, classes, "   ", w)...)
	var items []string
	for _, sc := range win.Codes.Sorted() {
		code := strconv.Itoa(sc.Code)
		item := code + " ×" + render.Count(sc.N)
		if strings.HasPrefix(code, "5") {
			item = s.Error.Render(item)
		}
		items = append(items, item)
	}
	lines = append(lines, wrapJoin(g, items, "  ", w)...)
	return append(lines, "")
}

// routesShown is how many routes the detail pane lists.
const routesShown = 8

// routesSection is "which route is failing" at a glance: the upstream's
// routes worst first (5xx of the last 5 minutes, then since the start),
// with their 5xx share, requests and p95 since gwtop started. Nothing when
// the log names no path.
func routesSection(c *Common, u *model.Upstream, w int) []string {
	if len(u.Routes) == 0 {
		return nil
	}
	s, g := &c.Styles, c.Glyphs
	title := fmt.Sprintf(" worst first, %d of %d", min(routesShown, len(u.Routes)), len(u.Routes))
	if len(u.Routes) <= routesShown {
		title = " worst first"
	}
	lines := []string{s.Section.Render("ROUTES") + s.Muted.Render(title),
		s.TableHeader.Render(g.Fit(fmt.Sprintf("%6s %7s %7s %6s  %s", "5XX%", "REQ", "P95", "5XX/5m", "ROUTE"), w))}
	for i := range min(routesShown, len(u.Routes)) {
		r := &u.Routes[i]
		p95 := "-"
		if r.P95MS >= 0 {
			p95 = render.MS(r.P95MS)
		}
		fig := fmt.Sprintf("%6s %7s %7s %6s  ", render.Pct(r.Rate5xx), render.Count(r.Requests), p95, render.Count(r.Errors5xx5m))
		if r.Errors5xx5m > 0 {
			fig = s.Error.Render(fig)
		}
		name := s.Value.Render(Sanitize(r.Route))
		if r.Host != "" {
			name += s.Muted.Render("  " + Sanitize(r.Host))
		}
		lines = append(lines, g.Fit(fig+name, w))
	}
	return append(lines, "")
}

func evidenceSection(c *Common, u *model.Upstream, w int) []string {
	s, g := &c.Styles, c.Glyphs
	lines := []string{s.Section.Render("EVIDENCE") + s.Muted.Render(fmt.Sprintf(" %d latest lines, newest first", len(u.Evidence)))}
	if len(u.Evidence) == 0 {
		return append(lines, s.Muted.Render(g.Fit("no log lines mention this upstream", w)))
	}
	for i := len(u.Evidence) - 1; i >= 0; i-- {
		lines = append(lines, wrapIndent(g, "› ", Sanitize(u.Evidence[i]), w, s.Muted.Render, s.Text.Render)...)
	}
	return lines
}

// rootable are the causes whose roots gwtop looks for on the host.
func rootable(c model.Cause) bool {
	switch c {
	case model.CauseRefused, model.CausePrematureClose, model.CauseReset, model.CauseReadTimeout,
		model.CauseConnectTimeout, model.CauseTLS, model.CauseDNS, model.CauseUpstream5xx, model.CauseOverloaded:
		return true
	}
	return false
}

// noRootWhy says what a cause without a root lacked.
func noRootWhy(c model.Cause) string {
	switch c {
	case model.CauseTLS, model.CauseDNS:
		return "not found: neither the probe nor the gateway's message said why"
	}
	return "not found on this host (listeners, app logs, kernel, gateway config)"
}

// probePhases are model.ProbeResult.Phase's names of render's phases.
var probePhases = [render.NumPhases]string{"dns", "connect", "tls", "ttfb", "body"}
