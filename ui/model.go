package ui

import (
	"slices"
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

// Model is the root tea.Model. It owns the pane stack, the snapshots, the
// markers and the theme, draws the header and footer, and hands the top
// pane the rest of the window. Panes draw strings; only Model.View returns
// a tea.View.
type Model struct {
	src    Source
	opt    Options
	common *Common

	width, height int
	stack         paneStack // overview at the bottom, the drawn pane on top

	latest *model.Snapshot // newest snapshot read from the source
	// watched is what a Watcher source was last told is in view
	// (shared by the model's copies: only Update writes it).
	watched *[]model.RowRef
	hist    gwHistory       // the gateway's last 15 minutes, from successive snapshots
	shown   *model.Snapshot // what is drawn: frozen while paused
	paused  bool
	replay  *replayState // the player's clock, in a replay

	markers []Marker
	// bell is the alerts' bell row's sent count (kind gwtop, source
	// alerts, target bell): when it grows, the terminal rings and the
	// footer flashes the alert's text until flashUntil (snapshot time).
	bellSent   float64
	bellSeen   bool
	flash      string
	flashUntil time.Time
	theme      string // current theme name, or themes.Auto
	dark       bool   // terminal background, from tea.BackgroundColorMsg

	footerHelp help.Model

	now func() time.Time // only for markers dropped before any snapshot

	// still says the last Update changed nothing drawn (a tick brought
	// the snapshot already shown), so View returns the last frame: an
	// idle screen is not rendered again four times a second.
	still bool
	frame *frameCache
	// help is the footer's short help as last drawn (shared by copies of
	// the model, emptied on a theme change).
	help *helpMemo
	// ring rings the terminal's bell where the screen (not Bubble Tea's
	// renderer) draws; nil is tea.Raw.
	ring func()
}

// frameCache is the last frame View rendered; shared by the copies of a
// Model that Bubble Tea's Update hands along.
type frameCache struct {
	ok  bool
	v   tea.View
	fit fitMemo // the lines of the last frame that fit the window
}

// New builds the root model. Nothing is read from src until the program
// runs Init's command.
func New(src Source, opt Options) Model {
	opt = opt.withDefaults()
	m := Model{
		src:        src,
		opt:        opt,
		watched:    new([]model.RowRef),
		theme:      opt.Theme,
		dark:       true, // until the terminal tells us otherwise
		footerHelp: help.New(),
		now:        time.Now,
		frame:      &frameCache{},
		help:       &helpMemo{},
	}
	glyphs := render.Unicode
	if opt.ASCII {
		glyphs = render.ASCII
	}
	m.common = &Common{Styles: themes.New(m.theme, m.dark), Glyphs: glyphs, Keys: DefaultKeyMap()}
	if ls, ok := src.(LineSource); ok {
		m.common.Lines = ls
	}
	if _, ok := src.(Replayer); ok {
		m.common.Keys.Replay = newReplayKeys().list()
	}
	m.stack = paneStack{{name: "overview", pane: newOverview(m.common)}}
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
		return readSource(src, true)
	}
}

// tick re-arms the redraw timer, or, for a source that says when it
// publishes, the wait for its next snapshot (waitPublished).
func (m Model) tick() tea.Cmd {
	src := m.src
	if n, ok := src.(Notifier); ok {
		shown, every := m.latest, m.opt.Refresh
		watch := m.watchCmd()
		return func() tea.Msg {
			if watch != nil {
				watch()
			}
			waitPublished(n, shown, every)
			return readSource(src, true)
		}
	}
	return tea.Tick(m.opt.Refresh, func(time.Time) tea.Msg {
		return readSource(src, true)
	})
}

// waitPublished returns once n has a snapshot other than shown, at least
// every after it was called (what Refresh limits the redraws to), or after
// notifyFallback. It runs in a command, never in Update.
func waitPublished(n Notifier, shown *model.Snapshot, every time.Duration) {
	start := time.Now()
	// The channel first: a snapshot published after it closes it, and
	// one published before is what Latest returns.
	ch := n.Published()
	if n.Latest() == shown {
		fallback := time.NewTimer(notifyFallback)
		select {
		case <-ch:
		case <-fallback.C:
		}
		fallback.Stop()
	}
	if d := every - time.Since(start); d > 0 {
		time.Sleep(d)
	}
}

func latest(src Source) *model.Snapshot {
	if src == nil {
		return nil
	}
	return src.Latest()
}

// Update handles one message. It does no I/O: snapshots arrive as messages.
func (m Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	m.still = false
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = max(msg.Width, 0), max(msg.Height, 0)
		m.resize()
		return m, nil
	case SnapshotMsg:
		// The next read is armed once the snapshot is taken in: armed
		// before, it waited on the one before, found a newer one at
		// once, and woke the screen a second time for each snapshot.
		next := func(m Model) tea.Cmd {
			if msg.fromTick {
				return m.tick()
			}
			return nil
		}
		if msg.replay != nil {
			m.replay = msg.replay
		}
		if msg.Snapshot != nil && msg.Snapshot == m.latest && msg.replay == nil {
			// The source published nothing new: nothing to take in or draw.
			m.still = true
			return m, next(m)
		}
		var ring tea.Cmd
		if msg.Snapshot != nil {
			if msg.Snapshot != m.latest {
				m.hist = m.hist.addChanged(m.latest, msg.Snapshot)
			}
			m.latest = msg.Snapshot
			if !m.paused {
				m.show(msg.Snapshot)
			}
			ring = m.bell(msg.Snapshot)
		}
		return m, tea.Batch(next(m), ring)
	case tea.BackgroundColorMsg:
		m.dark = msg.IsDark()
		if m.theme == themes.Auto {
			m.setTheme(themes.Auto)
		}
		return m, nil
	case linesMsg:
		// To the drill-down that asked, wherever it is on the stack.
		for _, e := range m.stack {
			if r, ok := e.pane.(linesReceiver); ok {
				r.receiveLines(msg)
			}
		}
		return m, nil
	case tea.KeyPressMsg:
		next, cmd := m.handleKey(msg)
		return next, watchAfter(next, cmd)
	case tea.MouseWheelMsg:
		cmd := m.routeMouse(msg, msg.Mouse())
		return m, tea.Batch(cmd, m.watchCmd())
	case tea.MouseClickMsg:
		cmd := m.routeMouse(msg, msg.Mouse())
		return m, tea.Batch(cmd, m.watchCmd())
	}
	// Anything else (the filter cursor's blink) belongs to the top pane.
	return m, m.updateTop(msg)
}

// viewPane is a pane that draws upstreams of the snapshot (the overview's
// visible rows, a detail's upstream): a Watcher source is told of them.
type viewPane interface {
	InView(add func(*model.Upstream))
}

// inView is the upstreams the panes on the stack draw now.
func (m *Model) inView() []model.RowRef {
	var rows []model.RowRef
	for _, e := range m.stack {
		if v, ok := e.pane.(viewPane); ok {
			v.InView(func(u *model.Upstream) {
				rows = append(rows, model.RowRef{Gateway: u.Gateway, Address: u.Address})
			})
		}
	}
	return rows
}

// watchCmd tells a Watcher source which upstreams are in view, when that
// changed; nil for any other source, or when it did not. It is a command:
// Update only builds it.
func (m *Model) watchCmd() tea.Cmd {
	w, ok := m.src.(Watcher)
	if !ok || m.watched == nil {
		return nil
	}
	rows := m.inView()
	if slices.Equal(rows, *m.watched) {
		return nil
	}
	*m.watched = rows
	return func() tea.Msg {
		w.Watch(rows)
		return nil
	}
}

// watchAfter adds to a key's command the news of what is in view after it
// (a scroll, a drill-down), if that changed.
func watchAfter(next tea.Model, cmd tea.Cmd) tea.Cmd {
	m, ok := next.(Model)
	if !ok {
		return cmd
	}
	return tea.Batch(cmd, m.watchCmd())
}

// show makes s the drawn snapshot, in every pane on the stack so the ones
// below are current when Esc reveals them.
func (m *Model) show(s *model.Snapshot) {
	m.shown = s
	for _, e := range m.stack {
		if hp, ok := e.pane.(historyPane); ok {
			hp.SetHistory(m.hist)
		}
		e.pane.SetSnapshot(s)
	}
}

// top is the pane drawn and given the keys.
func (m *Model) top() Pane { return m.stack.top().pane }

// typing reports whether the top pane is reading text.
func (m *Model) typing() bool {
	in, ok := m.top().(inputPane)
	if !ok {
		return false
	}
	_, active := in.Input()
	return active
}

// updateTop hands msg to the top pane and pushes the pane it asks for.
func (m *Model) updateTop(msg tea.Msg) tea.Cmd {
	cur := m.top()
	next, cmd := cur.Update(msg)
	if next != nil && next != cur {
		m.push(stackEntry{pane: next})
	}
	return cmd
}

// push puts a pane on top, sized and showing the current data.
func (m *Model) push(e stackEntry) {
	if mp, ok := e.pane.(markerPane); ok {
		mp.SetMarkers(m.markers)
	}
	e.pane.SetSnapshot(m.shown)
	if l := m.layout(); !l.TooSmall {
		e.pane.SetSize(l.Body.W, l.Body.H)
	}
	m.stack = m.stack.push(e)
}

func (m *Model) handleKey(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	k := m.common.Keys
	// While a pane reads text every key is text, except Ctrl+C.
	if m.typing() {
		if msg.String() == "ctrl+c" {
			return *m, tea.Quit
		}
		return *m, m.updateTop(msg)
	}
	if handled, cmd := m.replayKey(msg); handled {
		return *m, cmd
	}
	switch {
	case key.Matches(msg, k.Quit):
		return *m, tea.Quit
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
	case key.Matches(msg, k.Back) && len(m.stack) > 1:
		m.stack = m.stack.pop()
		return *m, nil
	}
	for i, o := range paneRegistry {
		if i < len(k.Panes) && key.Matches(msg, k.Panes[i]) {
			m.togglePane(o)
			return *m, nil
		}
	}
	return *m, m.updateTop(msg)
}

// togglePane opens o, or closes it when it is already on top. An overlay
// on top (help) is closed first, and if o was under it that is all: the
// operator asked for o and now sees it.
func (m *Model) togglePane(o paneOpener) {
	if t := m.stack.top(); t.name != o.name && len(m.stack) > 1 && overlay(t.name) {
		m.stack = m.stack.pop()
		if m.stack.top().name == o.name {
			return
		}
	} else if t.name == o.name {
		m.stack = m.stack.pop()
		return
	}
	m.push(stackEntry{name: o.name, pane: o.open(m.common)})
}

func overlay(name string) bool {
	for _, o := range paneRegistry {
		if o.name == name {
			return o.overlay
		}
	}
	return false
}

// routeMouse sends a mouse message to the top pane, with Y made relative
// to the body's top line.
func (m *Model) routeMouse(msg tea.Msg, ms tea.Mouse) tea.Cmd {
	l := m.layout()
	if l.TooSmall {
		return nil
	}
	y := ms.Y - l.Body.Y
	switch msg := msg.(type) {
	case tea.MouseClickMsg:
		msg.Y = y
		return m.updateTop(msg)
	case tea.MouseWheelMsg:
		msg.Y = y
		return m.updateTop(msg)
	}
	return nil
}

func (m *Model) addMarker() {
	mk := newMarker(len(m.markers)+1, m.latest, m.now())
	// A fresh slice so earlier model copies keep their own list.
	m.markers = append(m.markers[:len(m.markers):len(m.markers)], mk)
	for _, e := range m.stack {
		if mp, ok := e.pane.(markerPane); ok {
			mp.SetMarkers(m.markers)
		}
	}
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

// applyStyles pushes the theme into the footer's help bubble and into every
// pane that caches styled output.
func (m *Model) applyStyles() {
	s := m.common.Styles
	m.footerHelp.Styles = help.Styles{
		Ellipsis: s.HelpSep, ShortKey: s.HelpKey, ShortDesc: s.Footer, ShortSeparator: s.HelpSep,
		FullKey: s.HelpKey, FullDesc: s.HelpDesc, FullSeparator: s.HelpSep,
	}
	foldHelp(&m.footerHelp, m.common.Glyphs)
	if m.help != nil {
		*m.help = helpMemo{}
	}
	for _, e := range m.stack {
		if tp, ok := e.pane.(themedPane); ok {
			tp.ApplyStyles()
		}
	}
}

func (m *Model) header() header {
	h := header{title: m.opt.Title, snap: m.shown, paused: m.paused, replay: m.replay, now: m.now(), g: m.common.Glyphs}
	if n := len(m.markers); n > 0 {
		h.marker = &m.markers[n-1]
	}
	return h
}

func (m *Model) layout() layout {
	return computeLayout(m.width, m.height, m.header().wantLines())
}

// resize hands every pane on the stack the body's size.
func (m *Model) resize() {
	l := m.layout()
	if l.TooSmall {
		return
	}
	for _, e := range m.stack {
		e.pane.SetSize(l.Body.W, l.Body.H)
	}
}

// View draws the screen. The alt screen and mouse mode are declared here,
// as Bubble Tea v2 expects.
func (m Model) View() tea.View {
	if m.still && m.frame != nil && m.frame.ok {
		return m.frame.v
	}
	v := m.view()
	if m.frame != nil {
		m.frame.v, m.frame.ok = v, true
	}
	return v
}

func (m Model) view() tea.View {
	v := tea.NewView(m.render())
	v.AltScreen = true
	v.MouseMode = tea.MouseModeCellMotion
	v.WindowTitle = m.windowTitle()
	return v
}

// windowTitle is the terminal window's title: gwtop and what it watches.
func (m Model) windowTitle() string {
	if m.opt.Title != "" {
		return "gwtop " + Sanitize(m.opt.Title)
	}
	return "gwtop"
}

// bell reads the alerts' bell row: a new alert rings the terminal (a
// command, so outside Update) and flashes its text in the footer for two
// seconds of snapshot time.
func (m *Model) bell(s *model.Snapshot) tea.Cmd {
	for _, g := range s.Gateways {
		if g.Kind != "gwtop" || g.Source != "alerts" || g.Target != "bell" {
			continue
		}
		sent := g.Counters["sent"]
		grew := m.bellSeen && sent > m.bellSent
		m.bellSent, m.bellSeen = sent, true
		if !grew {
			return nil
		}
		m.flash, m.flashUntil = g.Note, s.Time.Add(2*time.Second)
		if m.flash == "" {
			m.flash = "alert"
		}
		if m.ring != nil {
			ring := m.ring
			return func() tea.Msg { ring(); return nil }
		}
		return tea.Raw("\a")
	}
	return nil
}

// render is the screen as a string, exactly width×height at most.
func (m Model) render() string {
	if m.width <= 0 || m.height <= 0 {
		return ""
	}
	l := m.layout()
	if l.TooSmall {
		return clip(m.common.Glyphs.Fold(tooSmall()), m.width, m.height)
	}
	s := &m.common.Styles
	body := m.top().View()
	footer := m.footerView(l.Footer.W)
	if m.flash != "" && m.latest != nil && m.latest.Time.Before(m.flashUntil) {
		footer = s.Error.Render(m.common.Glyphs.Fit("ALERT "+Sanitize(m.flash), l.Footer.W))
	}
	screen := m.header().view(s, l.Header.W, l.Header.H) + "\n" + body + "\n" + footer
	// Most text was folded to the glyph set where it was fitted; this
	// catches the lines nothing fits (sparklines, the probe bar, wrapped
	// evidence).
	var memo *fitMemo
	if m.frame != nil {
		memo = &m.frame.fit
	}
	return memo.clip(m.common.Glyphs.Fold(screen), m.width, m.height)
}

// tooSmall is shown below MinWidth×MinHeight.
func tooSmall() string {
	return "too small\nneed 20×5"
}

// clip is the last guard that nothing draws outside the window, whatever a
// pane did: lines are cut to w cells and the screen to h lines.
func clip(s string, w, h int) string {
	return (*fitMemo)(nil).clip(s, w, h)
}

// fitMemo remembers the lines of the last frame that fit in its width, so
// that clip measures only the lines that changed: measuring every line's
// cells (grapheme by grapheme, through the styles' escapes) is most of an
// idle frame's cost, and the next second's frame differs in the clock.
type fitMemo struct {
	w    int
	fits map[string]struct{}
}

// clip is clip, measuring only the lines the last frame did not have; a
// nil memo measures all of them.
func (f *fitMemo) clip(s string, w, h int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > h {
		lines = lines[:h]
	}
	var last map[string]struct{}
	if f != nil {
		if f.w == w {
			last = f.fits
		}
		f.w, f.fits = w, make(map[string]struct{}, len(lines))
	}
	for i, l := range lines {
		if _, ok := last[l]; !ok && render.Width(l) > w {
			lines[i] = ansi.Truncate(l, w, "")
		} else if f != nil {
			f.fits[l] = struct{}{}
		}
	}
	return strings.Join(lines, "\n")
}
