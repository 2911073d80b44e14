package ui

import (
	"fmt"
	"testing"

	"github.com/charmbracelet/x/exp/golden"
)

// TestGoldenASCII keeps the overview and the detail as a terminal with a
// non-UTF-8 locale (LANG=C) shows them: ASCII glyphs, same layout.
func TestGoldenASCII(t *testing.T) {
	for _, sc := range screens {
		if sc.name != "overview" && sc.name != "detail" {
			continue
		}
		t.Run(sc.name+"_80x24", func(t *testing.T) {
			m := sc.reach(newTestModelOpts(80, 24, Options{Theme: "dark", ASCII: true}, fixtureSnapshot()))
			golden.RequireEqual(t, []byte(plain(m)))
		})
	}
}

// TestASCIIPanesHaveNoHighBytes: with ASCII glyphs no screen draws a byte
// of a multi-byte character, in any pane, with colour (escape sequences are
// ASCII) or without. The fixture's text is ASCII, so anything above 0x7f
// is a glyph the ASCII set does not fold.
func TestASCIIPanesHaveNoHighBytes(t *testing.T) {
	extra := []struct {
		name  string
		reach func(Model) Model
	}{
		{"paused with a marker", func(m Model) Model { return press(m, "m", "p") }},
		{"detail of every upstream", func(m Model) Model { return press(m, "G", "enter") }},
		{"filter typing", func(m Model) Model { return typeText(press(m, "/"), "pay") }},
		{"filter matching nothing", func(m Model) Model { return press(typeText(press(m, "/"), "zzz"), "enter") }},
		{"sorted by 5xx", func(m Model) Model { return press(m, "s", "s") }},
	}
	all := append([]struct {
		name  string
		reach func(Model) Model
	}{}, screens...)
	all = append(all, extra...)
	for _, sc := range all {
		for _, theme := range []string{"dark", "no-color"} {
			t.Run(fmt.Sprintf("%s/%s", sc.name, theme), func(t *testing.T) {
				m := sc.reach(newTestModelOpts(120, 40, Options{Theme: theme, ASCII: true}, fixtureSnapshot()))
				for name, out := range map[string]string{"plain": plain(m), "styled": m.View().Content} {
					if i := firstHighByte(out); i >= 0 {
						t.Errorf("%s: byte %#x at %d: %q", name, out[i], i, around(out, i))
					}
				}
			})
		}
	}
	// Every upstream's detail, not just the one the screens open.
	m := newTestModelOpts(120, 40, Options{Theme: "dark", ASCII: true}, fixtureSnapshot())
	for i := range fixtureSnapshot().Upstreams {
		d := press(m, "enter")
		if out := plain(d); firstHighByte(out) >= 0 {
			t.Errorf("detail of row %d: %q", i, around(out, firstHighByte(out)))
		}
		m = press(m, "j")
	}
	// Before the first snapshot, and too small to draw.
	for _, sz := range [][2]int{{120, 40}, {10, 3}} {
		m := newTestModelOpts(sz[0], sz[1], Options{Theme: "dark", ASCII: true}, nil)
		if out := plain(m); firstHighByte(out) >= 0 {
			t.Errorf("%dx%d without data: %q", sz[0], sz[1], around(out, firstHighByte(out)))
		}
	}
}

func firstHighByte(s string) int {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return i
		}
	}
	return -1
}

func around(s string, i int) string {
	return s[max(i-30, 0):min(i+30, len(s))]
}
