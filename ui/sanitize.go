package ui

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// Sanitize makes text that came from logs, status pages or upstreams safe to
// draw: nothing in it can move the cursor, clear the screen, set the
// clipboard (OSC 52) or change colours. Control characters are shown as Go
// escapes (ESC becomes the four characters `\x1b`), so a hostile or broken
// line stays visible as evidence instead of acting on the terminal. Tabs
// become one space to keep columns aligned; invalid UTF-8 bytes become
// `\xNN`; C1 controls and bidirectional overrides become `\uNNNN`.
func Sanitize(s string) string {
	if isPlainASCII(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b.WriteString(`\x`)
			writeHex(&b, uint64(s[i]), 2)
			i++
			continue
		}
		i += size
		switch {
		case r == '\t':
			b.WriteByte(' ')
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r < 0x20 || r == 0x7f:
			b.WriteString(`\x`)
			writeHex(&b, uint64(r), 2)
		case r >= 0x80 && r <= 0x9f, isBidiControl(r):
			b.WriteString(`\u`)
			writeHex(&b, uint64(r), 4)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// isPlainASCII is the fast path: most names and addresses need no work.
func isPlainASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e {
			return false
		}
	}
	return true
}

// isBidiControl reports the Unicode directional overrides and isolates that
// can make a line display in a different order than it reads ("Trojan
// Source").
func isBidiControl(r rune) bool {
	return (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069) || r == 0x200e || r == 0x200f || r == 0x061c
}

func writeHex(b *strings.Builder, v uint64, digits int) {
	h := strconv.FormatUint(v, 16)
	for range digits - len(h) {
		b.WriteByte('0')
	}
	b.WriteString(h)
}
