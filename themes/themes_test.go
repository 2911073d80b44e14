package themes

import (
	"strings"
	"testing"

	"github.com/charmbracelet/colorprofile"
)

func TestNextCyclesEveryThemeAndWraps(t *testing.T) {
	seen := map[string]bool{}
	name := Dark
	for range Names() {
		seen[name] = true
		name = Next(name)
	}
	if name != Dark {
		t.Fatalf("cycle did not wrap back to dark, got %q", name)
	}
	if len(seen) != len(Names()) {
		t.Fatalf("cycle visited %d themes, want %d", len(seen), len(Names()))
	}
	if Next("bogus") != Names()[0] {
		t.Fatalf("unknown theme should restart the cycle")
	}
}

func TestAutoFollowsBackground(t *testing.T) {
	if got := New(Auto, true).Name; got != Dark {
		t.Fatalf("auto on dark background = %q, want dark", got)
	}
	if got := New(Auto, false).Name; got != Light {
		t.Fatalf("auto on light background = %q, want light", got)
	}
	if got := New("nonsense", false).Name; got != Light {
		t.Fatalf("unknown theme on light background = %q, want light", got)
	}
	if !New(Dark, false).Dark || New(Light, true).Dark {
		t.Fatalf("dark and light themes must be what they say whatever the background")
	}
}

// No-colour must not emit a single colour sequence, but must still mark
// selection and failures with reverse/bold.
func TestNoColorHasNoColours(t *testing.T) {
	s := New(NoColor, true)
	if !s.NoColor {
		t.Fatal("NoColor flag not set")
	}
	all := []string{
		s.Text.Render("x"), s.Title.Render("x"), s.Selected.Render("x"), s.StateDown.Render("x"),
		s.StateDegraded.Render("x"), s.StateUp.Render("x"), s.Paused.Render("x"), s.Error.Render("x"),
		s.Phases[0].Render("x"), s.HelpKey.Render("x"),
	}
	for _, out := range all {
		if strings.Contains(out, "38;") || strings.Contains(out, "48;") || strings.Contains(out, "[3") || strings.Contains(out, "[4") {
			t.Fatalf("no-colour style emitted a colour: %q", out)
		}
	}
	if !strings.Contains(s.Selected.Render("x"), "7") {
		t.Fatalf("selection must be reverse video in no-colour, got %q", s.Selected.Render("x"))
	}
}

// With only 16 colours the state colours must stay apart, and text must not
// vanish into the background.
func TestStatesStayDistinctIn16Colours(t *testing.T) {
	for _, name := range []string{Dark, Light, HighContrast, Colorblind} {
		for _, dark := range []bool{true, false} {
			p := New(name, dark).Palette
			ok := colorprofile.ANSI.Convert(p.OK)
			warn := colorprofile.ANSI.Convert(p.Warn)
			bad := colorprofile.ANSI.Convert(p.Error)
			if ok == warn || ok == bad || warn == bad {
				t.Errorf("%s (dark=%v): ok/warn/error collapse in 16 colours: %v %v %v", name, dark, ok, warn, bad)
			}
			if colorprofile.ANSI.Convert(p.FG) == colorprofile.ANSI.Convert(p.BG) {
				t.Errorf("%s (dark=%v): text colour equals background in 16 colours", name, dark)
			}
			if colorprofile.ANSI256.Convert(p.Primary) == colorprofile.ANSI256.Convert(p.BG) {
				t.Errorf("%s (dark=%v): selection would be unreadable", name, dark)
			}
		}
	}
}

// The colour-blind theme must not rely on green for "up": its ok colour is
// blue-dominant.
func TestColorblindAvoidsGreen(t *testing.T) {
	for _, dark := range []bool{true, false} {
		r, g, b, _ := New(Colorblind, dark).Palette.OK.RGBA()
		if b <= g || b <= r {
			t.Errorf("colorblind ok colour should be blue-dominant, got r=%d g=%d b=%d", r>>8, g>>8, b>>8)
		}
	}
}

func TestDarkAndLightDiffer(t *testing.T) {
	d := New(Dark, true).Text.Render("x")
	l := New(Light, false).Text.Render("x")
	if d == l {
		t.Fatalf("dark and light text styles render the same: %q", d)
	}
}
