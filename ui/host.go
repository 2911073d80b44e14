package ui

import (
	"fmt"
	"strconv"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/gwtop/gwtop/model"
)

// hostPane is the gateway host in depth: the facts behind a gateway_limits
// cause. Per-core CPU, memory and swap, load against the core count, TCP
// states with TIME_WAIT against the ephemeral ports, and the gateway's own
// processes with their open files against the limit. A fixed title line,
// then a body that scrolls, as in the detail pane.
type hostPane struct {
	scrollBody
}

func newHost(c *Common) Pane {
	p := &hostPane{scrollBody: newScrollBody(c)}
	p.fill = p.refresh
	return p
}

func (p *hostPane) refresh() {
	if p.width <= 0 {
		return
	}
	if p.snap == nil {
		p.vp.SetContent(p.c.Styles.Muted.Render(p.c.Glyphs.Fit("waiting for the first snapshot…", p.width)))
		return
	}
	p.vp.SetContent(hostBody(p.c, &p.snap.Host, p.width))
}

// Update scrolls the body.
func (p *hostPane) Update(msg tea.Msg) (Pane, tea.Cmd) { return p, scroll(&p.vp, p.c.Keys, msg) }

// View draws the title line and the scrolling body.
func (p *hostPane) View() string {
	if p.width <= 0 || p.height <= 0 {
		return ""
	}
	title := p.heading()
	if p.height == 1 {
		return title
	}
	return title + "\n" + p.vp.View()
}

// heading names the host's verdict first: what would make the gateway
// itself return 502/503.
func (p *hostPane) heading() string {
	s := &p.c.Styles
	if p.snap == nil {
		return s.Title.Render(p.c.Glyphs.Fit("HOST", p.width))
	}
	h := &p.snap.Host
	out := s.Title.Render("HOST") + "  " + s.Muted.Render(p.snap.Time.Format("15:04:05")) + "  "
	if warn := hostWarnings(h); len(warn) > 0 {
		out += s.Warn.Render("near a limit: " + strings.Join(warn, " · "))
	} else {
		out += s.OK.Render("no host limit near")
	}
	if h.Error != "" {
		out += "  " + s.Warn.Render(Sanitize(h.Error))
	}
	return p.c.Glyphs.Fit(out, p.width)
}

// hostWarnings names what is close enough to a limit to make the gateway
// itself fail: CPU or memory from 90 %, more runnable tasks than cores,
// TIME_WAIT on half the ephemeral ports, a process at fdWarn of its files.
func hostWarnings(h *model.Host) []string {
	var out []string
	if h.CPUPercent >= 90 {
		out = append(out, fmt.Sprintf("CPU %.0f%%", h.CPUPercent))
	}
	if h.MemPercent >= 90 {
		out = append(out, fmt.Sprintf("memory %.0f%%", h.MemPercent))
	}
	if n := len(h.CPUs); n > 0 && h.Load1 >= float64(n) {
		out = append(out, fmt.Sprintf("load %.1f on %d cores", h.Load1, n))
	}
	if tw := h.TCPStates["TIME_WAIT"]; h.EphemeralPorts > 0 && tw*2 >= h.EphemeralPorts {
		out = append(out, fmt.Sprintf("TIME_WAIT %.0f%% of ports", 100*float64(tw)/float64(h.EphemeralPorts)))
	}
	for i := range h.Processes {
		if pr := &h.Processes[i]; pr.FDShare() >= fdWarn {
			out = append(out, fmt.Sprintf("%s %d at %.0f%% of open files", Sanitize(pr.Name), pr.PID, pr.FDShare()*100))
		}
	}
	return out
}

// Title is the breadcrumb.
func (p *hostPane) Title() string { return "host" }

// Status counts the gateway processes shown, and those left out.
func (p *hostPane) Status() string {
	if p.snap == nil || len(p.snap.Host.Processes) == 0 {
		return ""
	}
	h := &p.snap.Host
	out := strconv.Itoa(len(h.Processes)) + " processes"
	if h.ProcessesOmitted > 0 {
		out += " +" + strconv.Itoa(h.ProcessesOmitted) + " not shown"
	}
	return out
}

// ShortHelp is the footer's reminder in a scrolling pane.
func (p *hostPane) ShortHelp() []key.Binding { return scrollingShortHelp(p.c.Keys) }

// FullHelp is every key the host pane answers to.
func (p *hostPane) FullHelp() [][]key.Binding { return scrollingFullHelp(p.c.Keys) }
