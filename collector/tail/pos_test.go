package tail

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestPos: every delivered line's position spans exactly its bytes in the
// file (line ending included): short lines, CRLF, a line longer than the
// read buffer, a line cut to MaxLine, an unterminated last line, and a
// backfill that joins mid-line.
func TestPos(t *testing.T) {
	long := strings.Repeat("x", readBufSize*2+17)
	cut := strings.Repeat("y", 300)
	text := "first\r\nsecond\n\n" + long + "\n" + cut + "\nlast-no-newline"
	path := filepath.Join(t.TempDir(), "access.log")
	writeFile(t, path, text)
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	id, _ := idOf(fi)

	for _, tc := range []struct {
		name     string
		opt      Options
		wantFrom int // index into the lines below where delivery starts
	}{
		{"from start", Options{FromStart: true, MaxLine: 200}, 0},
		{"backfill mid-line", Options{Backfill: int64(len(cut) + 10 + len("last-no-newline")), MaxLine: 200}, 4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.opt.StopAtEOF = true
			tl := New(path, tc.opt)
			type got struct {
				line string
				pos  Pos
				ok   bool
			}
			var gots []got
			done := make(chan error, 1)
			go func() {
				done <- tl.Run(context.Background(), func(b []byte) {
					p, ok := tl.Pos()
					gots = append(gots, got{string(b), p, ok})
				})
			}()
			select {
			case <-done:
			case <-time.After(wait):
				t.Fatal("Run did not return")
			}
			if _, ok := tl.Pos(); ok {
				t.Error("Pos outside fn should not be ok")
			}
			lines := []string{"first\r\n", "second\n", "\n", long + "\n", cut + "\n", "last-no-newline"}
			off := 0
			var want []Pos
			for _, l := range lines {
				want = append(want, Pos{Path: path, Dev: id.dev, Ino: id.ino, Offset: int64(off), Len: int64(len(l))})
				off += len(l)
			}
			want = want[tc.wantFrom:]
			if len(gots) != len(want) {
				t.Fatalf("%d lines, want %d: %+v", len(gots), len(want), gots)
			}
			for i, g := range gots {
				if !g.ok || g.pos != want[i] {
					t.Errorf("line %d %.20q: pos %+v ok %v, want %+v", i, g.line, g.pos, g.ok, want[i])
				}
				if span := text[g.pos.Offset : g.pos.Offset+g.pos.Len]; !strings.HasPrefix(span, g.line) {
					t.Errorf("line %d: file bytes %.20q do not start with the line %.20q", i, span, g.line)
				}
			}
		})
	}
}
