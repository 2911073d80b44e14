package ui

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzSanitize: whatever a log line holds, what Sanitize returns is valid
// UTF-8 with no C0 control (tab and newline included), no DEL, no C1
// control and no bidirectional override or isolate; it is idempotent, keeps
// plain ASCII as it is, and grows a byte at most sixfold (`\u202e`).
func FuzzSanitize(f *testing.F) {
	for _, s := range []string{
		"",
		"GET /api/v1 HTTP/1.1",
		"\x1b]0;owned\x07",
		"\x1b]52;c;aGVsbG8=\x07",
		"\x1b[2J\x1b[H",
		"\u009b31m C1 CSI",
		"user\u202etxt.exe",
		"\u2066isolate\u2069 \u200e\u200f\u061c",
		"tab\there\r\nnext",
		"\xff\xfe invalid \xc3",
		"\x7f",
		"héllo wörld — ✓",
		strings.Repeat("\x1b", 100),
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out := Sanitize(in)
		if !utf8.ValidString(out) {
			t.Fatalf("Sanitize(%q) = %q: not valid UTF-8", in, out)
		}
		for _, r := range out {
			if r < 0x20 || r == 0x7f || (r >= 0x80 && r <= 0x9f) || isBidiControl(r) {
				t.Fatalf("Sanitize(%q) = %q keeps %U", in, out, r)
			}
		}
		if isPlainASCII(in) && out != in {
			t.Fatalf("plain ASCII %q changed to %q", in, out)
		}
		if again := Sanitize(out); again != out {
			t.Fatalf("not idempotent: %q → %q → %q", in, out, again)
		}
		if len(out) > 6*len(in) {
			t.Fatalf("%q grew to %d bytes", in, len(out))
		}
	})
}
