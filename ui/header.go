package ui

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"charm.land/lipgloss/v2"

	"github.com/gwtop/gwtop/model"
	"github.com/gwtop/gwtop/themes"
	"github.com/gwtop/gwtop/ui/render"
)

// header is what the top lines show; it is built by the root and drawn by
// a pure function so it can be tested alone.
type header struct {
	title  string
	snap   *model.Snapshot
	paused bool
	replay *replayState // set in a replay: the recording's clock
	marker *Marker      // the latest marker, if any
	now    time.Time
	g      *render.Glyphs
}

// wantLines is how many lines the header would like: identity, load, and
// the before/after line once a marker exists.
func (h header) wantLines() int {
	if h.marker != nil {
		return 3
	}
	return 2
}

// view draws the header in exactly lines lines of width w.
func (h header) view(s *themes.Styles, w, lines int) string {
	out := []string{h.identity(s, w), h.load(s, w)}
	if h.marker != nil {
		out = append(out, s.Accent.Render(h.g.Fit("⚑ "+beforeAfter(*h.marker, h.snap, h.now), w)))
	}
	for len(out) < lines {
		out = append(out, "")
	}
	return strings.Join(out[:lines], "\n")
}

// identity: app, gateway, watched sources on the left; clock and live/paused
// on the right, which always stays visible.
func (h header) identity(s *themes.Styles, w int) string {
	clock := "--:--:--"
	if h.snap != nil {
		clock = h.snap.Time.Format("15:04:05")
	}
	state := s.Live.Render("● LIVE")
	if h.paused {
		state = s.Paused.Render(" ❚❚ PAUSED ")
	}
	if h.replay != nil {
		at := h.replay.at
		if h.snap != nil {
			at = at.In(h.snap.Time.Location()) // the recording's zone
		}
		clock, state = at.Format("15:04:05"), s.Paused.Render(replayBadge(h.replay))
	}
	right := s.Muted.Render(clock) + " " + state
	var left strings.Builder
	left.WriteString(s.Title.Render("gwtop"))
	if h.title != "" {
		left.WriteString(" " + s.Value.Render(Sanitize(h.title)))
	}
	if h.snap != nil {
		if len(h.snap.Gateways) == 0 {
			left.WriteString(s.Muted.Render("  no gateway sources"))
		}
		// Failing sources first: on a narrow terminal the line is cut from
		// the right, and a source that is down is what the operator must see.
		gws := slices.Clone(h.snap.Gateways)
		slices.SortStableFunc(gws, func(a, b model.Gateway) int {
			if a.OK == b.OK {
				return 0
			}
			if !a.OK {
				return -1
			}
			return 1
		})
		for i := range gws {
			g := &gws[i]
			who := g.Kind
			if g.Gateway != "" {
				who = g.Gateway // "nginx@2": another instance of the kind
			}
			name := Sanitize(who + " " + g.Source)
			if g.OK {
				left.WriteString("  " + s.OK.Render("✓") + " " + name)
			} else {
				msg := name
				if g.Error != "" {
					msg += ": " + Sanitize(g.Error)
				}
				left.WriteString("  " + s.Error.Render("✖ "+msg))
			}
		}
	}
	return spread(h.g, left.String(), right, w)
}

// spread puts left and right on one line of width w, truncating left first.
func spread(g *render.Glyphs, left, right string, w int) string {
	right = g.Fold(right)
	rw := render.Width(right)
	if rw >= w {
		return g.Fit(right, w)
	}
	room := w - rw - 1
	left = g.Truncate(left, room)
	gap := w - render.Width(left) - rw
	return left + strings.Repeat(" ", max(gap, 1)) + right
}

// load: gateway-wide traffic, upstream counts and host load. Traffic and
// counts come first because they say whether anything is wrong; the host
// part is drawn in the richest form that fits: gauges and three load
// averages, then gauges and load1, then bare percentages.
func (h header) load(s *themes.Styles, w int) string {
	if h.snap == nil {
		return s.Muted.Render(h.g.Fit("waiting for data…", w))
	}
	sn := h.snap
	rate := render.Pct(sn.Rate5xx)
	rateOut := s.Value.Render(rate)
	if st := rateStyle(s, sn.Rate5xx); st != nil {
		rateOut = st.Render(rate)
	}
	lead := s.Value.Render(render.PerSec(sn.ReqPerSec)) + s.Label.Render(" req/s  5xx/1m ") + rateOut +
		s.Label.Render("  p95 ") + s.Value.Render(render.Latency(sn.LatencyMS, sn.LatencyMS.P95)) +
		s.Muted.Render(" │ ") + upstreamCounts(s, sn.Upstreams)
	hst := sn.Host
	if hst.Error != "" {
		return h.g.Fit(lead+s.Muted.Render(" │ ")+s.Warn.Render("host: "+Sanitize(hst.Error)), w)
	}
	pct := func(v float64) string { return fmt.Sprintf("%.0f%%", v) }
	// The host's figures, widest first; each is drawn only if the one
	// before it did not fit (the first nearly always does).
	variants := []func() string{
		func() string {
			return s.Label.Render("CPU ") + gauge(s, hst.CPUPercent) + " " + pct(hst.CPUPercent) + "  " +
				s.Label.Render("MEM ") + gauge(s, hst.MemPercent) + " " + pct(hst.MemPercent) + "  " +
				s.Label.Render("load ") + fmt.Sprintf("%.2f %.2f %.2f", hst.Load1, hst.Load5, hst.Load15)
		},
		func() string {
			return s.Label.Render("CPU ") + gauge(s, hst.CPUPercent) + " " + pct(hst.CPUPercent) + "  " +
				s.Label.Render("MEM ") + gauge(s, hst.MemPercent) + " " + pct(hst.MemPercent) + "  " +
				s.Label.Render("load ") + fmt.Sprintf("%.2f", hst.Load1)
		},
		func() string {
			return s.Label.Render("CPU ") + levelStyle(s, hst.CPUPercent).Render(pct(hst.CPUPercent)) + " " +
				s.Label.Render("MEM ") + levelStyle(s, hst.MemPercent).Render(pct(hst.MemPercent)) + " " +
				s.Label.Render("load ") + fmt.Sprintf("%.1f", hst.Load1)
		},
		func() string {
			return s.Label.Render("CPU ") + levelStyle(s, hst.CPUPercent).Render(pct(hst.CPUPercent)) + " " +
				s.Label.Render("MEM ") + levelStyle(s, hst.MemPercent).Render(pct(hst.MemPercent))
		},
	}
	sep := s.Muted.Render(" │ ")
	tw := timeWait(s, hst)
	var v string
	for _, variant := range variants {
		v = variant()
		line := lead + sep + tw + v
		if line = h.g.Fold(line); render.Width(line) <= w {
			return line
		}
	}
	return h.g.Fit(lead+sep+tw+v, w)
}

// timeWait warns, from half the ephemeral port range on, that TIME_WAIT
// sockets are eating the ports upstream connections need; otherwise it
// takes no room.
func timeWait(s *themes.Styles, h model.Host) string {
	n := h.TCPStates["TIME_WAIT"]
	if h.EphemeralPorts <= 0 || n*2 < h.EphemeralPorts {
		return ""
	}
	p := 100 * float64(n) / float64(h.EphemeralPorts)
	return s.Label.Render("TIME_WAIT ") + levelStyle(s, p).Render(render.Count(int64(n))+"/"+render.Count(int64(h.EphemeralPorts))+" ports") + "  "
}

// levelStyle colours a saturation percentage: warn from 75, error from 90.
func levelStyle(s *themes.Styles, pct float64) lipgloss.Style {
	switch {
	case pct >= 90:
		return s.Error
	case pct >= 75:
		return s.Warn
	}
	return s.Value
}

// gauge is an 8-cell bar coloured by how close to saturation it is.
func gauge(s *themes.Styles, pct float64) string {
	full, empty := render.Gauge(pct/100, 8)
	st := s.BarFull
	if pct >= 75 {
		st = levelStyle(s, pct)
	}
	return st.Render(full) + s.BarEmpty.Render(empty)
}

// upstreamCounts: "8 upstreams 2✖ 2▲ 3● 1?" — worst first.
func upstreamCounts(s *themes.Styles, ups []model.Upstream) string {
	var n [4]int // by severity
	for i := range ups {
		n[ups[i].State.Severity()]++
	}
	out := s.Value.Render(fmt.Sprint(len(ups))) + s.Label.Render(" upstreams")
	for _, st := range []model.State{model.StateDown, model.StateDegraded, model.StateUp, model.StateUnknown} {
		if c := n[st.Severity()]; c > 0 {
			out += " " + stateStyle(s, st).Render(fmt.Sprint(c)+render.Symbol(st))
		}
	}
	return out
}
