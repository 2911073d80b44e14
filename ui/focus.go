package ui

// Focus says which pane receives key presses. The root keeps a stack of
// them, k9s-style: Enter pushes the detail, Esc pops back.
type Focus int

// The panes, plus the filter input that sits on top of the overview.
const (
	FocusOverview Focus = iota
	FocusFilter
	FocusDetail
	FocusEvents
	FocusHelp
)

func (f Focus) String() string {
	switch f {
	case FocusOverview:
		return "overview"
	case FocusFilter:
		return "filter"
	case FocusDetail:
		return "detail"
	case FocusEvents:
		return "events"
	case FocusHelp:
		return "help"
	}
	return "?"
}

// focusStack is never empty: the overview is always at the bottom.
type focusStack []Focus

func (s focusStack) top() Focus {
	if len(s) == 0 {
		return FocusOverview
	}
	return s[len(s)-1]
}

// push returns a new stack so that model copies never share a backing array.
func (s focusStack) push(f Focus) focusStack {
	out := make(focusStack, len(s), len(s)+1)
	copy(out, s)
	return append(out, f)
}

func (s focusStack) pop() focusStack {
	if len(s) <= 1 {
		return focusStack{FocusOverview}
	}
	return s[: len(s)-1 : len(s)-1]
}

// pane returns the pane to draw: the filter input draws over the overview.
func (s focusStack) pane() Focus {
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] != FocusFilter {
			return s[i]
		}
	}
	return FocusOverview
}
