package ui

import (
	"testing"

	"github.com/gwtop/gwtop/themes"
)

// inline must draw exactly what lipgloss would for the cell styles.
func TestInlineMatchesLipgloss(t *testing.T) {
	for _, name := range themes.Names() {
		s := themes.New(name, true)
		for _, st := range []struct {
			name string
			p    inline
			want string
		}{
			{"down", newInline(s.StateDown), s.StateDown.Render("✖ api 12ms")},
			{"muted", newInline(s.Muted), s.Muted.Render("10.0.0.5:8000")},
			{"spark", newInline(s.Spark), s.Spark.Render("▁▂▃")},
			{"plain", inline{}, "x"},
		} {
			text := map[string]string{"down": "✖ api 12ms", "muted": "10.0.0.5:8000", "spark": "▁▂▃", "plain": "x"}[st.name]
			if got := st.p.Render(text); got != st.want {
				t.Errorf("%s/%s: inline %q, lipgloss %q", name, st.name, got, st.want)
			}
		}
	}
}
