package ui

import (
	"strings"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/gwtop/gwtop/model"
	"github.com/gwtop/gwtop/themes"
	"github.com/gwtop/gwtop/ui/render"
)

// Model is the root tea.Model. It owns the focus stack, the snapshots, the
// markers and the theme, and hands each pane its share of the window. Panes
// draw strings; only Model.View returns a tea.View.
type Model struct {
	src    Source
	opt    Options
	common *Common

	width, height int
	focus         focusStack

	latest *model.Snapshot // newest snapshot read from the source
	shown  *model.Snapshot // what is drawn: frozen while paused
	paused bool

	markers []Marker
	theme   string // current theme name, or themes.Auto
	dark    bool   // terminal background, from tea.BackgroundColorMsg

	overview   overviewPane
	detail     detailPane
	events     eventsPane
	help       helpPane
	footerHelp help.Model

	now func() time.Time // only for markers dropped before any snapshot
}

// New builds the root model. Nothing is read from src until the program
// runs Init's command.
func New(src Source, opt Options) Model {
	opt = opt.withDefaults()
	m := Model{
		src:        src,
		opt:        opt,
		theme:      opt.Theme,
		dark:       true, // until the terminal tells us otherwise
		focus:      focusStack{FocusOverview},
		footerHelp: help.New(),
		now:        time.Now,
	}
	m.common = &Common{Styles: themes.New(m.theme, m.dark), Keys: DefaultKeyMap()}
	m.overview = newOverview(m.common)
	m.detail = newDetail(m.common)
	m.events = newEvents(m.common)
	m.help = newHelp(m.common)
	m.applyStyles()
	return m
}

// Init asks for the background colour (for the auto theme) and reads the
// first snapshot right away instead of waiting a tick.
func (m Model) Init() tea.Cmd {
	return tea.Batch(tea.RequestBackgroundColor, m.readNow())
}

// readNow reads the source in a command, never in Update.
func (m Model) readNow() tea.Cmd {
	src := m.src
	return func() tea.Msg {
		return SnapshotMsg{Snapshot: latest(src), fromTick: true}
	}
}

// tick re-arms the redraw timer.
func (m Model) tick() tea.Cmd {
	src := m.src
	return tea.Tick(m.opt.Refresh, func(time.Time) tea.Msg {
		return SnapshotMsg{Snapshot: latest(src), fromTick: true}
	})
}

func latest(src Source) *model.Snapshot {
	if src == nil {
		return nil
	}
	return src.Latest()
}

// Update handles one message. It does no I/O: snapshots arrive as messages.
func (m Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = max(msg.Width, 0), max(msg.Height, 0)
		m.resize()
		return m, nil
	case SnapshotMsg:
		var cmd tea.Cmd
		if msg.fromTick {
			cmd = m.tick()
		}
		if msg.Snapshot != nil {
			m.latest = msg.Snapshot
			if !m.paused {
				m.show(msg.Snapshot)
			}
		}
		return m, cmd
	case tea.BackgroundColorMsg:
		m.dark = msg.IsDark()
		if m.theme == themes.Auto {
			m.setTheme(themes.Auto)
		}
		return m, nil
	case tea.KeyPressMsg:
		return m.handleKey(msg)
	case tea.MouseWheelMsg:
		return m, m.routeMouse(msg, msg.Mouse())
	case tea.MouseClickMsg:
		return m, m.routeMouse(msg, msg.Mouse())
	}
	// Anything else (the filter cursor's blink) belongs to the filter input.
	if m.focus.top() == FocusFilter {
		return m, m.overview.UpdateFilter(msg)
	}
	return m, nil
}

// show makes s the drawn snapshot.
func (m *Model) show(s *model.Snapshot) {
	m.shown = s
	m.overview.SetSnapshot(s)
	m.detail.SetSnapshot(s)
	m.events.SetData(s, m.markers)
}

func (m *Model) handleKey(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	k := m.common.Keys
	// While typing a filter every key is text, except the ones that leave.
	if m.focus.top() == FocusFilter {
		switch {
		case msg.String() == "ctrl+c":
			return *m, tea.Quit
		case msg.String() == "enter":
			m.overview.StopFilter(false)
			m.focus = m.focus.pop()
			return *m, nil
		case msg.String() == "esc":
			m.overview.StopFilter(true)
			m.focus = m.focus.pop()
			return *m, nil
		}
		return *m, m.overview.UpdateFilter(msg)
	}

	top := m.focus.top()
	switch {
	case key.Matches(msg, k.Quit):
		return *m, tea.Quit
	case key.Matches(msg, k.Help):
		if top == FocusHelp {
			m.focus = m.focus.pop()
		} else {
			m.focus = m.focus.push(FocusHelp)
		}
		return *m, nil
	case key.Matches(msg, k.Events):
		switch top {
		case FocusEvents:
			m.focus = m.focus.pop()
		case FocusHelp:
			m.focus = m.focus.pop()
			if m.focus.top() != FocusEvents {
				m.focus = m.focus.push(FocusEvents)
			}
		default:
			m.focus = m.focus.push(FocusEvents)
		}
		return *m, nil
	case key.Matches(msg, k.Theme):
		m.cycleTheme()
		return *m, nil
	case key.Matches(msg, k.Pause):
		m.paused = !m.paused
		if !m.paused && m.latest != nil {
			m.show(m.latest)
		}
		return *m, nil
	case key.Matches(msg, k.Marker):
		m.addMarker()
		return *m, nil
	case key.Matches(msg, k.Back):
		if top == FocusOverview {
			if m.overview.FilterValue() != "" {
				m.overview.StopFilter(true)
			}
		} else {
			m.focus = m.focus.pop()
		}
		return *m, nil
	}

	switch top {
	case FocusOverview:
		switch {
		case key.Matches(msg, k.Filter):
			m.focus = m.focus.push(FocusFilter)
			return *m, m.overview.StartFilter()
		case key.Matches(msg, k.Enter):
			if u := m.overview.Selected(); u != nil {
				m.detail.Show(upstreamKey(u))
				m.focus = m.focus.push(FocusDetail)
			}
			return *m, nil
		}
		return *m, m.overview.Update(msg)
	case FocusDetail:
		return *m, m.detail.Update(msg)
	case FocusEvents:
		return *m, m.events.Update(msg)
	}
	return *m, nil
}

// routeMouse sends a mouse message to the pane under focus, with Y made
// relative to the body's top line.
func (m *Model) routeMouse(msg tea.Msg, ms tea.Mouse) tea.Cmd {
	l := m.layout()
	if l.TooSmall {
		return nil
	}
	y := ms.Y - l.Body.Y
	switch m.focus.pane() {
	case FocusOverview:
		switch msg := msg.(type) {
		case tea.MouseClickMsg:
			msg.Y = y
			return m.overview.Update(msg)
		case tea.MouseWheelMsg:
			return m.overview.Update(msg)
		}
	case FocusDetail:
		return m.detail.Update(msg)
	case FocusEvents:
		return m.events.Update(msg)
	}
	return nil
}

func (m *Model) addMarker() {
	mk := newMarker(len(m.markers)+1, m.latest, m.now())
	// A fresh slice so earlier model copies keep their own list.
	m.markers = append(m.markers[:len(m.markers):len(m.markers)], mk)
	m.events.SetData(m.shown, m.markers)
	m.resize() // the header grows a line for the before/after comparison
}

// cycleTheme moves to the next theme. With NO_COLOR / --no-color the
// operator asked for no colour, so the theme stays put.
func (m *Model) cycleTheme() {
	if m.opt.NoColor {
		return
	}
	m.setTheme(themes.Next(m.common.Styles.Name))
}

func (m *Model) setTheme(name string) {
	m.theme = name
	m.common.Styles = themes.New(name, m.dark)
	m.applyStyles()
}

// applyStyles pushes the theme into the bubbles the panes embed and redraws
// the cached lines.
func (m *Model) applyStyles() {
	s := m.common.Styles
	m.overview.applyStyles()
	m.help.applyStyles()
	m.footerHelp.Styles = help.Styles{
		Ellipsis: s.HelpSep, ShortKey: s.HelpKey, ShortDesc: s.Footer, ShortSeparator: s.HelpSep,
		FullKey: s.HelpKey, FullDesc: s.HelpDesc, FullSeparator: s.HelpSep,
	}
	m.events.rebuild()
	m.detail.refresh()
}

func (m *Model) header() header {
	h := header{title: m.opt.Title, snap: m.shown, paused: m.paused, now: m.now()}
	if n := len(m.markers); n > 0 {
		h.marker = &m.markers[n-1]
	}
	return h
}

func (m *Model) layout() layout {
	return computeLayout(m.width, m.height, m.header().wantLines())
}

// resize hands every pane its share of the window.
func (m *Model) resize() {
	l := m.layout()
	if l.TooSmall {
		return
	}
	m.overview.SetSize(l.Body.W, l.Body.H)
	m.detail.SetSize(l.Body.W, l.Body.H)
	m.events.SetSize(l.Body.W, l.Body.H)
	m.help.SetSize(l.Body.W, l.Body.H)
}

// View draws the screen. The alt screen and mouse mode are declared here,
// as Bubble Tea v2 expects.
func (m Model) View() tea.View {
	v := tea.NewView(m.render())
	v.AltScreen = true
	v.MouseMode = tea.MouseModeCellMotion
	v.WindowTitle = "gwtop"
	if m.opt.Title != "" {
		v.WindowTitle = "gwtop " + Sanitize(m.opt.Title)
	}
	return v
}

// render is the screen as a string, exactly width×height at most.
func (m Model) render() string {
	if m.width <= 0 || m.height <= 0 {
		return ""
	}
	l := m.layout()
	if l.TooSmall {
		return tooSmall(m.width, m.height)
	}
	s := &m.common.Styles
	var body string
	switch m.focus.pane() {
	case FocusDetail:
		body = m.detail.View()
	case FocusEvents:
		body = m.events.View()
	case FocusHelp:
		body = m.help.View()
	default:
		body = m.overview.View()
	}
	screen := m.header().view(s, l.Header.W, l.Header.H) + "\n" + body + "\n" + m.footerView(l.Footer.W)
	return clip(screen, m.width, m.height)
}

// tooSmall is shown below MinWidth×MinHeight.
func tooSmall(w, h int) string {
	lines := []string{"too small", "need 20×5"}
	return clip(strings.Join(lines, "\n"), w, h)
}

// clip is the last guard that nothing draws outside the window, whatever a
// pane did: lines are cut to w cells and the screen to h lines.
func clip(s string, w, h int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > h {
		lines = lines[:h]
	}
	for i, l := range lines {
		if render.Width(l) > w {
			lines[i] = ansi.Truncate(l, w, "")
		}
	}
	return strings.Join(lines, "\n")
}
