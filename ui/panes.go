package ui

import "charm.land/bubbles/v2/key"

// paneOpener is a pane a key opens from anywhere: pressing the key pushes a
// new pane, pressing it again while that pane is on top closes it.
type paneOpener struct {
	name string
	key  key.Binding
	open func(*Common) Pane
	// overlay panes (help) are closed by any other pane key first, so `e`
	// from help shows the events instead of stacking them on the help.
	overlay bool
}

// paneRegistry is every key-opened pane. Adding a pane is its own file
// (a type that implements Pane, and its constructor) and one line here:
// the key map, and so the help pane, pick the key up from this list, and
// the root opens, toggles, sizes and feeds the pane without naming it.
var paneRegistry = []paneOpener{
	{name: "events", key: paneKey("e", "events"), open: newEvents},
	{name: "host", key: paneKey("h", "host"), open: newHost},
	{name: "deploys", key: paneKey("d", "deploys"), open: newDeploy},
	{name: "help", key: paneKey("?", "help"), open: newHelp, overlay: true},
}

func paneKey(k, desc string) key.Binding {
	return key.NewBinding(key.WithKeys(k), key.WithHelp(k, desc))
}
