package ui

import (
	"fmt"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/golden"

	"github.com/gwtop/gwtop/model"
)

// beforeDeploy is the fixture gateway 2m13s earlier, healthier, so the
// marker's before/after line has something to compare.
func beforeDeploy() *model.Snapshot {
	s := *fixtureSnapshot()
	s.Time = fixedNow.Add(-(2*time.Minute + 13*time.Second))
	s.Rate5xx = 0.004
	s.LatencyMS.P95 = 120
	return &s
}

// screens are the panes the goldens cover, each reached the way an operator
// would: from the overview, with keys.
var screens = []struct {
	name  string
	reach func(Model) Model
}{
	{"overview", func(m Model) Model { return m }},
	{"detail", func(m Model) Model { return press(m, "j", "enter") }},
	{"help", func(m Model) Model { return press(m, "?") }},
	{"events", func(m Model) Model {
		// A marker dropped on the earlier snapshot, then the current one.
		m = update(m, SnapshotMsg{Snapshot: beforeDeploy()})
		m = press(m, "m")
		m = update(m, SnapshotMsg{Snapshot: fixtureSnapshot()})
		return press(m, "e")
	}},
	{"host", func(m Model) Model { return press(m, "h") }},
}

// TestGolden renders every pane at three sizes. The output is plain text
// (no colour profile), so the files read as the operator's screen:
// regenerate with `go test ./ui/ -update` and read them. One theme is
// enough here, since without colour the themes differ only in the footer's
// theme name; TestGoldenStyled covers each theme's colours.
func TestGolden(t *testing.T) {
	sizes := [][2]int{{80, 24}, {120, 40}, {200, 50}}
	for _, sc := range screens {
		for _, sz := range sizes {
			name := fmt.Sprintf("%s_%dx%d", sc.name, sz[0], sz[1])
			t.Run(name, func(t *testing.T) {
				m := sc.reach(newTestModel(sz[0], sz[1], "dark", fixtureSnapshot()))
				golden.RequireEqual(t, []byte(plain(m)))
			})
		}
	}
}

// TestGoldenStyled keeps one styled screen per theme, with colours
// downsampled to 256, so a change to a palette shows up in review.
func TestGoldenStyled(t *testing.T) {
	for _, theme := range []string{"dark", "light", "high-contrast", "colorblind", "no-color"} {
		t.Run(theme, func(t *testing.T) {
			m := newTestModel(100, 14, theme, fixtureSnapshot())
			golden.RequireEqual(t, []byte(styled(m)))
		})
	}
}
