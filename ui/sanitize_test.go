package ui

import (
	"strings"
	"testing"
)

func TestSanitize(t *testing.T) {
	cases := []struct {
		name, in, want string
	}{
		{"plain", "api-1 10.0.0.5:8000", "api-1 10.0.0.5:8000"},
		{"osc52 clipboard", "\x1b]52;c;ZXZpbA==\a", `\x1b]52;c;ZXZpbA==\x07`},
		{"clear screen", "\x1b[2J", `\x1b[2J`},
		{"colour", "\x1b[31mred\x1b[0m", `\x1b[31mred\x1b[0m`},
		{"carriage return", "ok\rFAKE", `ok\rFAKE`},
		{"newline", "a\nb", `a\nb`},
		{"tab", "a\tb\t\tc", "a b  c"},
		{"invalid utf8", "bad\xff\xfeend", `bad\xff\xfeend`},
		{"truncated utf8", "x\xe2\x82", `x\xe2\x82`},
		{"c1 csi", "a\u009b2Jb", `a\u009b2Jb`},
		{"bidi override", "user\u202eexe.txt", `user\u202eexe.txt`},
		{"del", "a\x7fb", `a\x7fb`},
		{"nul", "a\x00b", `a\x00b`},
		{"unicode kept", "日本 ✓ café", "日本 ✓ café"},
		{"empty", "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := Sanitize(c.in)
			if got != c.want {
				t.Fatalf("Sanitize(%q) = %q, want %q", c.in, got, c.want)
			}
			for _, r := range got {
				if r < 0x20 || r == 0x7f || (r >= 0x80 && r <= 0x9f) {
					t.Fatalf("control character %U left in %q", r, got)
				}
			}
			if strings.ContainsRune(got, '\x1b') {
				t.Fatalf("ESC left in %q", got)
			}
		})
	}
}

func BenchmarkSanitizePlain(b *testing.B) {
	s := "payments-api 10.0.0.17:8443 upstream timed out"
	for b.Loop() {
		_ = Sanitize(s)
	}
}
