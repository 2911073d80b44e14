package ui

import (
	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/viewport"
	tea "charm.land/bubbletea/v2"

	"github.com/gwtop/gwtop/ui/render"
)

// KeyMap is every key gwtop answers to, with its help text. The help pane
// and the footer are generated from it, so they cannot drift from what the
// keys do.
type KeyMap struct {
	Up, Down         key.Binding
	Top, Bottom      key.Binding
	PageUp, PageDown key.Binding
	Enter, Back      key.Binding
	Filter, Sort     key.Binding
	Lines            key.Binding // the drill-down to an upstream's raw log lines
	Pause, Marker    key.Binding
	Theme, Quit      key.Binding
	// Group toggles a fleet's overview between a row per host and a row
	// per upstream name, its worst host shown.
	Group key.Binding
	// Panes open a pane from anywhere (events, host, help), in
	// paneRegistry's order.
	Panes []key.Binding
	// Replay are a replay's keys (ui/replay.go); empty when live.
	Replay []key.Binding
}

// DefaultKeyMap is the k9s-flavoured key map.
func DefaultKeyMap() KeyMap {
	k := KeyMap{
		Up:       key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "move up")),
		Down:     key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "move down")),
		Top:      key.NewBinding(key.WithKeys("g", "home"), key.WithHelp("g/home", "top")),
		Bottom:   key.NewBinding(key.WithKeys("G", "end"), key.WithHelp("G/end", "bottom")),
		PageUp:   key.NewBinding(key.WithKeys("pgup", "ctrl+b"), key.WithHelp("pgup", "page up")),
		PageDown: key.NewBinding(key.WithKeys("pgdown", "ctrl+f"), key.WithHelp("pgdn", "page down")),
		Enter:    key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "detail")),
		Back:     key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "back/clear")),
		Filter:   key.NewBinding(key.WithKeys("/"), key.WithHelp("/", "filter")),
		Sort:     key.NewBinding(key.WithKeys("s"), key.WithHelp("s", "sort")),
		Lines:    key.NewBinding(key.WithKeys("l"), key.WithHelp("l", "log lines")),
		Pause:    key.NewBinding(key.WithKeys("p"), key.WithHelp("p", "pause")),
		Marker:   key.NewBinding(key.WithKeys("m"), key.WithHelp("m", "marker")),
		Theme:    key.NewBinding(key.WithKeys("t"), key.WithHelp("t", "theme")),
		Quit:     key.NewBinding(key.WithKeys("q", "ctrl+c"), key.WithHelp("q/ctrl+c", "quit")),
		Group:    key.NewBinding(key.WithKeys("u"), key.WithHelp("u", "by upstream")),
	}
	for _, o := range paneRegistry {
		k.Panes = append(k.Panes, o.key)
	}
	return k
}

// Pane is the key that opens the registered pane name.
func (k KeyMap) Pane(name string) key.Binding {
	for i, o := range paneRegistry {
		if o.name == name && i < len(k.Panes) {
			return k.Panes[i]
		}
	}
	return key.NewBinding(key.WithDisabled())
}

// scrollHelp stands for every scrolling key in a footer that has no room
// to list them.
var scrollHelp = key.NewBinding(key.WithKeys("up", "down"), key.WithHelp("↑↓ pgup pgdn", "scroll"))

// FullHelp is the help pane, one column per group: moving, the keys of the
// overview and detail, the panes, and the keys that work everywhere.
func (k KeyMap) FullHelp() [][]key.Binding {
	cols := [][]key.Binding{
		{k.Up, k.Down, k.Top, k.Bottom, k.PageUp, k.PageDown},
		{k.Enter, k.Back, k.Filter, k.Sort, k.Lines},
		k.Panes,
		{k.Pause, k.Marker, k.Theme, k.Quit},
	}
	if len(k.Replay) > 0 {
		cols = append(cols, k.Replay)
	}
	return cols
}

// scrollingShortHelp is the footer of a pane that scrolls (detail, events,
// host): how to go back, scroll, and the keys that work everywhere.
func scrollingShortHelp(k KeyMap) []key.Binding {
	return []key.Binding{k.Back, scrollHelp, k.Pause, k.Marker, k.Pane("events"), k.Pane("help"), k.Quit}
}

// scrollingFullHelp is every key a scrolling pane answers to.
func scrollingFullHelp(k KeyMap) [][]key.Binding {
	return [][]key.Binding{{k.Up, k.Down, k.Top, k.Bottom, k.PageUp, k.PageDown}, {k.Back}}
}

// scroll moves a scrolling pane's viewport for a key or the mouse wheel
// (the detail and host panes share it). It returns the viewport's command.
func scroll(vp *viewport.Model, k KeyMap, msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case tea.KeyPressMsg:
		switch {
		case key.Matches(msg, k.Up):
			vp.ScrollUp(1)
		case key.Matches(msg, k.Down):
			vp.ScrollDown(1)
		case key.Matches(msg, k.PageUp):
			vp.PageUp()
		case key.Matches(msg, k.PageDown):
			vp.PageDown()
		case key.Matches(msg, k.Top):
			vp.GotoTop()
		case key.Matches(msg, k.Bottom):
			vp.GotoBottom()
		}
	case tea.MouseWheelMsg:
		var cmd tea.Cmd
		*vp, cmd = vp.Update(msg)
		return cmd
	}
	return nil
}

// foldHelp draws a help bubble's own separator and ellipsis in the glyph
// set, so the bubble measures what will be drawn.
func foldHelp(h *help.Model, g *render.Glyphs) {
	h.ShortSeparator = g.Fold(h.ShortSeparator)
	h.FullSeparator = g.Fold(h.FullSeparator)
	h.Ellipsis = g.Fold(h.Ellipsis)
}
