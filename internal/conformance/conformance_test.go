package conformance

import (
	"testing"

	"github.com/gwtop/gwtop/model"
)

// TestMatrix checks the matrix itself: every row has a cell per column and
// every cell is a cause code gwtop knows.
func TestMatrix(t *testing.T) {
	known := map[model.Cause]bool{Up: true, Untested: true}
	for _, c := range model.AllCauses() {
		known[c] = true
	}
	for _, r := range Rows {
		if len(r.Cells) != len(Columns) {
			t.Errorf("%s: %d cells for %d columns", r.Fault, len(r.Cells), len(Columns))
		}
		for i, c := range r.Cells {
			if !known[c] {
				t.Errorf("%s behind %s: %q is no cause code", r.Fault, Columns[min(i, len(Columns)-1)], c)
			}
		}
	}
}

// TestWant: a healthy cell is up with no cause, a failing one down.
func TestWant(t *testing.T) {
	if c, s := Want(t, "caddy", "badheader"); c != "" || s != model.StateUp {
		t.Errorf("caddy badheader = %q %s", c, s)
	}
	if c, s := Want(t, "haproxy stats", "close"); c != model.CauseBadResponse || s != model.StateDown {
		t.Errorf("haproxy stats close = %q %s", c, s)
	}
}
