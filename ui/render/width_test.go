package render

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/charmbracelet/x/ansi"
)

// TestFastWidthIsStringWidth: every rune the one-pass width counts, alone,
// styled, linked, beside ASCII, beside itself and beside every other such
// rune's block neighbours, measures as ansi.StringWidth measures it; and
// the strings it declines (wide, combining, emoji with a selector,
// controls, malformed sequences) still get ansi.StringWidth's answer.
func TestFastWidthIsStringWidth(t *testing.T) {
	var runes []rune
	for _, b := range narrowBlocks {
		for r := b[0]; r <= b[1]; r++ {
			if isNarrow(r) {
				runes = append(runes, r)
			}
		}
	}
	if len(runes) < 1000 {
		t.Fatalf("only %d narrow runes", len(runes))
	}
	check := func(s string) {
		t.Helper()
		n, ok := fastWidth(s)
		if !ok {
			t.Fatalf("%q: not counted in one pass", s)
		}
		if want := ansi.StringWidth(s); n != want {
			t.Fatalf("%q: %d cells, ansi.StringWidth says %d", s, n, want)
		}
	}
	for i, r := range runes {
		next := runes[(i+1)%len(runes)]
		for _, s := range []string{
			string(r),
			"a" + string(r) + "b",
			string(r) + string(r),
			string(r) + string(next),
			"\x1b[1;38;5;196m" + string(r) + "\x1b[0m ok",
			"\x1b]8;;http://x/\x07" + string(r) + "\x1b]8;;\x07",
			"\x1b]8;;http://x/\x1b\\" + string(r) + "\x1b]8;;\x1b\\",
		} {
			check(s)
		}
	}
	check("")
	check("api-01  10.0.0.1:8080  ▁▂▃▅▇█  ✓ up  1.2k req/s  p95 12.3ms  ░░░░▒▒▓▓ │ 5xx 0.1% …")
	for _, s := range []string{
		"日本語",          // wide
		"e\u0301",      // a combining accent
		"☀\ufe0f",      // an emoji selector
		"👍🏽",           // a modifier
		"a\tb",         // a control
		"\x1b[31",      // an unfinished CSI
		"\x1b]8;;x",    // an unfinished OSC
		"\x1bPq\x1b\\", // a DCS
		"x\u200by",     // a zero-width space
		"\xff\xfe",     // not UTF-8
		"\u00ad",       // a soft hyphen
		"\u0915\u093f", // a Devanagari letter and its vowel sign
		strings.Repeat("▇", 3) + "中",
	} {
		if _, ok := fastWidth(s); ok {
			t.Errorf("%q counted in one pass", s)
		}
		if got, want := Width(s), ansi.StringWidth(s); got != want {
			t.Errorf("Width(%q) = %d, ansi.StringWidth %d", s, got, want)
		}
	}
}

// FuzzWidth: whatever the string, Width is ansi.StringWidth.
func FuzzWidth(f *testing.F) {
	for _, s := range []string{"", "abc", "\x1b[1mx\x1b[0m", "▁▂▃ ✓", "日本", "e\u0301", "\x1b]8;;u\x07l\x1b]8;;\x07", "\x1b[", "\x1b]"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) {
			return
		}
		if got, want := Width(s), ansi.StringWidth(s); got != want {
			t.Fatalf("Width(%q) = %d, ansi.StringWidth %d", s, got, want)
		}
	})
}
