package ui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/gwtop/gwtop/model"
	"github.com/gwtop/gwtop/ui/render"
)

// detailPane is one upstream in depth: why it fails (ranked causes with hint
// and next step), latency over 1 and 5 minutes, probe phases, status codes,
// probe history and the latest evidence lines. A fixed title line names the
// upstream; everything below scrolls in a viewport, because on an 80×24
// terminal it cannot all fit and the causes come first.
type detailPane struct {
	scrollBody
	key string // upstreamKey of the upstream shown
}

// newDetail is the drill-down into the upstream with the given key.
func newDetail(c *Common, key string) *detailPane {
	d := &detailPane{scrollBody: newScrollBody(c), key: key}
	d.fill = d.refresh
	return d
}

// InView is the upstream shown.
func (d *detailPane) InView(add func(*model.Upstream)) {
	if u := d.upstream(); u != nil {
		add(u)
	}
}

// upstream finds the shown upstream in the current snapshot.
func (d *detailPane) upstream() *model.Upstream {
	if d.snap == nil {
		return nil
	}
	for i := range d.snap.Upstreams {
		if upstreamKey(&d.snap.Upstreams[i]) == d.key {
			return &d.snap.Upstreams[i]
		}
	}
	return nil
}

func (d *detailPane) refresh() {
	if d.width <= 0 {
		return
	}
	u := d.upstream()
	if u == nil {
		d.vp.SetContent(d.c.Styles.Muted.Render("this upstream is not in the latest snapshot any more — esc goes back"))
		return
	}
	d.vp.SetContent(detailBody(d.c, u, d.width))
}

// Update scrolls the body; l opens the upstream's raw log lines, 1–9
// those of its cause with that rank.
func (d *detailPane) Update(msg tea.Msg) (Pane, tea.Cmd) {
	if kp, ok := msg.(tea.KeyPressMsg); ok {
		if u := d.upstream(); u != nil {
			if key.Matches(kp, d.c.Keys.Lines) {
				return newDrill(d.c, u, "")
			}
			if s := kp.String(); len(s) == 1 && s[0] >= '1' && s[0] <= '9' {
				if i := int(s[0] - '1'); i < len(u.Causes) {
					return newDrill(d.c, u, u.Causes[i].Code)
				}
			}
		}
	}
	return d, scroll(&d.vp, d.c.Keys, msg)
}

// Title is the upstream's name, or "?" once it has gone.
func (d *detailPane) Title() string {
	if u := d.upstream(); u != nil {
		if u.Instance != "" { // a fleet's row: which host
			return Sanitize(u.Name + "@" + u.Instance)
		}
		return Sanitize(u.Name)
	}
	return "?"
}

// Status is how far the body is scrolled.
func (d *detailPane) Status() string {
	return fmt.Sprintf("%3.0f%%", d.vp.ScrollPercent()*100)
}

// ShortHelp is the footer's reminder in a scrolling pane, with the way to
// the log lines.
func (d *detailPane) ShortHelp() []key.Binding {
	k := d.c.Keys
	return []key.Binding{k.Back, scrollHelp, k.Lines, causeLinesHelp, k.Pause, k.Marker, k.Pane("events"), k.Pane("help"), k.Quit}
}

// causeLinesHelp stands for 1–9 in the detail: the lines of a cause.
var causeLinesHelp = key.NewBinding(key.WithKeys("1"), key.WithHelp("1-9", "a cause's lines"))

// FullHelp is every key the detail answers to.
func (d *detailPane) FullHelp() [][]key.Binding {
	k := d.c.Keys
	return [][]key.Binding{{k.Up, k.Down, k.Top, k.Bottom, k.PageUp, k.PageDown}, {k.Back, k.Lines, causeLinesHelp}}
}

// View draws the title line and the scrolling body.
func (d *detailPane) View() string {
	if d.width <= 0 || d.height <= 0 {
		return ""
	}
	title := d.heading()
	if d.height == 1 {
		return title
	}
	return title + "\n" + d.vp.View()
}

func (d *detailPane) heading() string {
	s := d.c.Styles
	u := d.upstream()
	if u == nil {
		return s.Title.Render(d.c.Glyphs.Fit("upstream gone", d.width))
	}
	var b strings.Builder
	b.WriteString(stateStyle(&s, u.State).Render(render.Symbol(u.State) + " " + string(u.State)))
	b.WriteString("  ")
	b.WriteString(s.Title.Render(Sanitize(u.Name)))
	b.WriteString("  ")
	b.WriteString(s.Muted.Render(Sanitize(u.Address)))
	if u.Group != "" {
		b.WriteString(s.Muted.Render("  group " + Sanitize(u.Group)))
	}
	if u.Gateway != "" {
		b.WriteString(s.Muted.Render("  via " + Sanitize(u.Gateway)))
	}
	if u.StateReason != "" {
		b.WriteString("  — " + Sanitize(u.StateReason))
	}
	return d.c.Glyphs.Fit(b.String(), d.width)
}
