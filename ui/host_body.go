package ui

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/gwtop/gwtop/model"
	"github.com/gwtop/gwtop/themes"
	"github.com/gwtop/gwtop/ui/render"
)

// fdWarn is the share of the open-files limit from which a process is
// highlighted: past it, one traffic burst ends in "(24: Too many open
// files)" and 502s.
const fdWarn = 0.8

// hostBody renders everything below the host pane's title for width cells.
func hostBody(c *Common, h *model.Host, width int) string {
	s, g := &c.Styles, c.Glyphs
	lines := slices.Concat(
		cpuSection(s, g, h, width),
		memorySection(s, h, width),
		tcpSection(s, g, h, width),
		processSection(s, g, h, width),
	)
	for i, l := range lines {
		lines[i] = g.Fit(l, width)
	}
	return strings.Join(lines, "\n")
}

// bar is a gauge of width cells for a 0..100 percentage with the figure.
func bar(s *themes.Styles, pct float64, width int) string {
	full, empty := render.Gauge(pct/100, width)
	st := s.BarFull
	if pct >= 75 {
		st = levelStyle(s, pct)
	}
	return st.Render(full) + s.BarEmpty.Render(empty) + " " + levelStyle(s, pct).Render(fmt.Sprintf("%3.0f%%", pct))
}

// cpuSection: the total, the load against the core count, and one bar per
// core laid out in as many columns as fit, so a 64-core box stays short.
func cpuSection(s *themes.Styles, g *render.Glyphs, h *model.Host, w int) []string {
	cores := len(h.CPUs)
	lines := []string{s.Section.Render("CPU") + s.Muted.Render(fmt.Sprintf(" %d cores", cores))}
	lines = append(lines, s.Label.Render("all   ")+bar(s, h.CPUPercent, 20))
	load := s.Label.Render("load  ") + fmt.Sprintf("%.2f %.2f %.2f", h.Load1, h.Load5, h.Load15) + s.Muted.Render("  1 · 5 · 15 min")
	if cores > 0 {
		per := h.Load1 / float64(cores)
		st := s.Value
		switch {
		case per >= 2:
			st = s.Error
		case per >= 1:
			st = s.Warn
		}
		load += "  " + st.Render(fmt.Sprintf("%.2f per core", per))
		if per >= 1 {
			load += s.Muted.Render(" (runnable tasks wait for a core)")
		}
	}
	lines = append(lines, load)
	if cores == 0 {
		return append(lines, "")
	}
	labelW := len(strconv.Itoa(cores-1)) + 4 // "cpu12 "
	const barW = 10
	cellW := labelW + barW + 5 + 3 // bar, " 100%", gap
	perLine := max(1, min(cores, (w+3)/cellW))
	rows := (cores + perLine - 1) / perLine
	// Column-major, as htop lists cores: cpu0, cpu1 … down the first column.
	for r := range rows {
		var b strings.Builder
		for c := range perLine {
			i := c*rows + r
			if i >= cores {
				break
			}
			if c > 0 {
				b.WriteString("   ")
			}
			b.WriteString(s.Label.Render(g.Fit("cpu"+strconv.Itoa(i), labelW)))
			b.WriteString(bar(s, h.CPUs[i], barW))
		}
		lines = append(lines, b.String())
	}
	return append(lines, "")
}

func memorySection(s *themes.Styles, h *model.Host, _ int) []string {
	lines := []string{s.Section.Render("MEMORY")}
	mem := s.Label.Render("mem   ") + bar(s, h.MemPercent, 20)
	if h.MemTotalBytes > 0 {
		mem += "  " + render.Bytes(h.MemUsedBytes) + s.Muted.Render(" of ") + render.Bytes(h.MemTotalBytes)
	}
	lines = append(lines, mem)
	if h.SwapTotalBytes == 0 {
		lines = append(lines, s.Label.Render("swap  ")+s.Muted.Render("none configured"))
	} else {
		lines = append(lines, s.Label.Render("swap  ")+bar(s, h.SwapPercent, 20)+"  "+
			render.Bytes(h.SwapUsedBytes)+s.Muted.Render(" of ")+render.Bytes(h.SwapTotalBytes))
	}
	return append(lines, "")
}

// tcpSection: TIME_WAIT against the ephemeral port range first (each
// upstream connection holds a port until TIME_WAIT ends), then every state,
// most sockets first.
func tcpSection(s *themes.Styles, g *render.Glyphs, h *model.Host, w int) []string {
	lines := []string{s.Section.Render("TCP SOCKETS")}
	tw := h.TCPStates["TIME_WAIT"]
	if h.EphemeralPorts > 0 {
		pct := 100 * float64(tw) / float64(h.EphemeralPorts)
		lines = append(lines, s.Label.Render("TIME_WAIT ")+bar(s, pct, 20)+"  "+
			render.Count(int64(tw))+s.Muted.Render(" of ")+render.Count(int64(h.EphemeralPorts))+s.Muted.Render(" ephemeral ports"))
	}
	if len(h.TCPStates) == 0 {
		return append(lines, s.Muted.Render("no TCP table read"), "")
	}
	names := slices.SortedFunc(maps.Keys(h.TCPStates), func(a, b string) int {
		if c := cmp.Compare(h.TCPStates[b], h.TCPStates[a]); c != 0 {
			return c
		}
		return strings.Compare(a, b)
	})
	items := make([]string, 0, len(names))
	for _, n := range names {
		items = append(items, s.Label.Render(Sanitize(n))+" "+render.Count(int64(h.TCPStates[n])))
	}
	lines = append(lines, wrapJoin(g, items, "  ", w)...)
	return append(lines, "")
}

// procColumns are the process table's titles and widths; NAME takes what
// is left.
var procColumns = []struct {
	title string
	width int
	right bool
}{
	{"PID", 7, true}, {"ROLE", 6, false}, {"CPU%", 6, true}, {"RSS", 7, true},
	{"FDS", 7, true}, {"LIMIT", 7, true}, {"FD%", 5, true}, {"NAME", 0, false},
}

func processSection(s *themes.Styles, g *render.Glyphs, h *model.Host, w int) []string {
	lines := []string{s.Section.Render("GATEWAY PROCESSES") + s.Muted.Render(" open files against the soft limit; ! from 80%")}
	if len(h.Processes) == 0 {
		return append(lines, s.Muted.Render("no gateway process found (nginx, haproxy, caddy, traefik, envoy, apache2, httpd)"))
	}
	fixed := len(procColumns) - 1 // the spaces between columns
	for _, c := range procColumns {
		fixed += c.width
	}
	cells := func(vals []string) string {
		var b strings.Builder
		for i, c := range procColumns {
			if i > 0 {
				b.WriteByte(' ')
			}
			width := c.width
			if width == 0 {
				width = max(w-fixed, 1)
			}
			if c.right {
				b.WriteString(g.FitRight(vals[i], width))
			} else {
				b.WriteString(g.Fit(vals[i], width))
			}
		}
		return b.String()
	}
	titles := make([]string, len(procColumns))
	for i, c := range procColumns {
		titles[i] = c.title
	}
	lines = append(lines, s.TableHeader.Render(g.Fit(cells(titles), w)))
	for i := range h.Processes {
		p := &h.Processes[i]
		fds, limit, share := "?", "—", "—"
		if p.FDs > 0 {
			fds = strconv.Itoa(p.FDs)
		}
		if p.FDLimit > 0 {
			limit = strconv.Itoa(p.FDLimit)
		}
		if f := p.FDShare(); f > 0 {
			share = fmt.Sprintf("%.0f%%", f*100)
			if f >= fdWarn {
				share += "!"
			}
		}
		role := p.Role
		name := Sanitize(p.Name)
		if p.Role == model.RoleWorker {
			name = "└ " + name // under its master
		}
		row := cells([]string{strconv.Itoa(p.PID), role, fmt.Sprintf("%.1f", p.CPUPercent), render.Bytes(p.RSSBytes), fds, limit, share, name})
		if p.FDShare() >= fdWarn {
			st := s.Warn
			if p.FDShare() >= 0.95 {
				st = s.Error
			}
			row = st.Render(row)
		}
		lines = append(lines, row)
	}
	if h.ProcessesOmitted > 0 {
		lines = append(lines, s.Muted.Render(fmt.Sprintf("+%d more not shown (at most %d are read)", h.ProcessesOmitted, len(h.Processes))))
	}
	return lines
}
