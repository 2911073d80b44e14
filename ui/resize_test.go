package ui

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/gwtop/gwtop/model"
	"github.com/gwtop/gwtop/ui/render"
)

// assertFits fails unless every line fits w cells and there are at most h.
func assertFits(t *testing.T, out string, w, h int) {
	t.Helper()
	if out == "" {
		return
	}
	lines := strings.Split(out, "\n")
	if len(lines) > h {
		t.Fatalf("%dx%d: %d lines", w, h, len(lines))
	}
	for i, l := range lines {
		if render.Width(l) > w {
			t.Fatalf("%dx%d: line %d is %d cells: %q", w, h, i, render.Width(l), l)
		}
	}
}

// TestResizeNeverPanicsAndFits walks every pane through tiny, odd and huge
// sizes, including resizing an open pane.
func TestResizeNeverPanicsAndFits(t *testing.T) {
	sizes := [][2]int{{0, 0}, {1, 1}, {2, 1}, {1, 30}, {19, 5}, {20, 4}, {20, 5}, {21, 6}, {40, 8}, {80, 24}, {300, 100}, {300, 1}, {-5, -5}}
	for _, sc := range screens {
		m := sc.reach(newTestModel(80, 24, "dark", fixtureSnapshot()))
		for _, sz := range sizes {
			t.Run(fmt.Sprintf("%s_%dx%d", sc.name, sz[0], sz[1]), func(t *testing.T) {
				m = update(m, tea.WindowSizeMsg{Width: sz[0], Height: sz[1]})
				assertFits(t, plain(m), max(sz[0], 0), max(sz[1], 0))
				m = press(m, "j", "k", "pgdown", "G", "g")
				assertFits(t, plain(m), max(sz[0], 0), max(sz[1], 0))
			})
		}
	}
}

func TestTooSmallMessage(t *testing.T) {
	m := newTestModel(19, 5, "dark", fixtureSnapshot())
	if out := plain(m); !strings.Contains(out, "too small") {
		t.Fatalf("below 20x5 should say too small, got %q", out)
	}
	m = update(m, tea.WindowSizeMsg{Width: 20, Height: 5})
	if out := plain(m); strings.Contains(out, "too small") || !strings.Contains(out, "search") {
		t.Fatalf("20x5 should draw the overview, got %q", out)
	}
}

func TestOverviewAt300x100With1000Rows(t *testing.T) {
	m := newTestModel(300, 100, "dark", bigSnapshot(1000))
	out := plain(m)
	assertFits(t, out, 300, 100)
	if n := strings.Count(out, "\n") + 1; n != 100 {
		t.Fatalf("300x100 should use all 100 lines, got %d", n)
	}
}

// hostile carries terminal escapes in every string the UI draws.
func hostile() *model.Snapshot {
	s := fixtureSnapshot()
	const (
		clear = "\x1b[2J"
		osc52 = "\x1b]52;c;ZXZpbA==\a"
		link  = "\x1b]8;;http://evil\x1b\\click\x1b]8;;\x1b\\"
		title = "\x1b]0;pwned\a"
		c1    = "\u009b31m"
	)
	u := &s.Upstreams[1] // api
	u.Name = "api" + clear + "\r\tx"
	u.Address = "10.0.0.5:8000" + osc52
	u.Group = "g" + title
	u.StateReason = "down" + c1
	u.Evidence = append(u.Evidence, "evil "+osc52+link, "bad utf8 \xff\xfe", "\x1b[31mred\x1b[0m")
	u.Causes[0].Evidence = "ev" + clear
	u.Causes[0].Hint = "hint" + osc52
	u.Causes[0].NextStep = "next" + link
	u.Causes[0].Source = "src" + title
	u.Probe.Error = "err" + clear
	u.Probe.Target = "http://x/" + osc52
	s.Gateways[2].Error = "denied" + osc52
	s.Events[0].Name = "api" + clear
	s.Events[0].Address = "addr" + title
	s.Host.Processes[1].Name = "nginx" + clear
	s.Host.TCPStates = map[string]int{"TIME_WAIT" + osc52: 3}
	return s
}

// sgr matches the style sequences lipgloss itself writes; anything else
// starting with ESC must have come from the data.
var sgr = regexp.MustCompile(`\x1b\[[0-9;:]*m`)

func TestDataEscapesNeverReachTheTerminal(t *testing.T) {
	for _, sc := range screens {
		for _, theme := range []string{"dark", "no-color"} {
			m := sc.reach(newTestModel(200, 60, theme, hostile()))
			if sc.name == "events" {
				// Reaching events delivers clean snapshots; put the hostile one back.
				m = update(m, SnapshotMsg{Snapshot: hostile()})
			}
			if sc.name == "detail" && !strings.HasPrefix(det(m).upstream().Name, "api") {
				t.Fatalf("detail should show the hostile upstream, shows %q", det(m).upstream().Name)
			}
			rest := sgr.ReplaceAllString(m.View().Content, "")
			for _, bad := range []string{"\x1b", "\a", "\r", "\u009b", "\t"} {
				if i := strings.Index(rest, bad); i >= 0 {
					t.Fatalf("%s/%s: %q from the data reached the screen near %q", sc.name, theme, bad, rest[max(0, i-20):min(len(rest), i+20)])
				}
			}
			if !strings.Contains(rest, `\x1b`) {
				t.Fatalf("%s/%s: escapes should be shown literally as \\x1b", sc.name, theme)
			}
		}
	}
	// The detail shows every hostile field.
	m := press(newTestModel(200, 60, "dark", hostile()), "j", "enter")
	out := plain(m)
	for _, want := range []string{`ev\x1b[2J`, `hint\x1b]52;c;ZXZpbA==\x07`, `bad utf8 \xff\xfe`, `\x1b[31mred\x1b[0m`} {
		if !strings.Contains(out, want) {
			t.Fatalf("detail should show %q literally:\n%s", want, out)
		}
	}
}
