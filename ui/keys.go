package ui

import "charm.land/bubbles/v2/key"

// KeyMap is every key gwtop answers to, with its help text. The help pane
// and the footer are generated from it, so they cannot drift from what the
// keys do.
type KeyMap struct {
	Up, Down         key.Binding
	Top, Bottom      key.Binding
	PageUp, PageDown key.Binding
	Enter, Back      key.Binding
	Filter, Sort     key.Binding
	Pause, Marker    key.Binding
	Events, Theme    key.Binding
	Help, Quit       key.Binding
}

// DefaultKeyMap is the k9s-flavoured key map.
func DefaultKeyMap() KeyMap {
	return KeyMap{
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
		Pause:    key.NewBinding(key.WithKeys("p"), key.WithHelp("p", "pause")),
		Marker:   key.NewBinding(key.WithKeys("m"), key.WithHelp("m", "marker")),
		Events:   key.NewBinding(key.WithKeys("e"), key.WithHelp("e", "events")),
		Theme:    key.NewBinding(key.WithKeys("t"), key.WithHelp("t", "theme")),
		Help:     key.NewBinding(key.WithKeys("?"), key.WithHelp("?", "help")),
		Quit:     key.NewBinding(key.WithKeys("q", "ctrl+c"), key.WithHelp("q/ctrl+c", "quit")),
	}
}

// ShortHelp is the footer's one-line reminder on the overview.
func (k KeyMap) ShortHelp() []key.Binding {
	return []key.Binding{k.Filter, k.Enter, k.Sort, k.Pause, k.Marker, k.Events, k.Help, k.Quit}
}

// ShortHelpFor is the footer's reminder for the pane in focus: only keys
// that do something there.
func (k KeyMap) ShortHelpFor(f Focus) []key.Binding {
	scroll := key.NewBinding(key.WithKeys("up", "down"), key.WithHelp("↑↓ pgup pgdn", "scroll"))
	switch f {
	case FocusDetail, FocusEvents:
		return []key.Binding{k.Back, scroll, k.Pause, k.Marker, k.Events, k.Help, k.Quit}
	case FocusHelp:
		return []key.Binding{k.Back, k.Theme, k.Quit}
	}
	return k.ShortHelp()
}

// FullHelp is the help pane, one column per group.
func (k KeyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		{k.Up, k.Down, k.Top, k.Bottom, k.PageUp, k.PageDown},
		{k.Enter, k.Back, k.Filter, k.Sort, k.Events},
		{k.Pause, k.Marker, k.Theme, k.Help, k.Quit},
	}
}
