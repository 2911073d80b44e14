package ui

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/vt"
)

// cellWant is what one screen cell must show: its text and its
// foreground's 256-colour index (-1: the default).
type cellWant struct {
	text string
	fg   int
}

// genLine is a random styled line and the cells it must draw at width w:
// plain and coloured runs of ASCII, box drawing and wide (two-cell)
// characters, cut at the width as the screen cuts it.
func genLine(r *rand.Rand, w int) (string, []cellWant) {
	var b strings.Builder
	var cells []cellWant
	pieces := []string{"a", "Z", " ", "9", "─", "│", "▲", "●", "表", "✓", "é", "…"}
	for n := r.IntN(8); n > 0; n-- {
		fg := -1
		if r.IntN(2) == 0 {
			fg = 16 + r.IntN(200)
			fmt.Fprintf(&b, "\x1b[38;5;%dm", fg)
		}
		for k := 1 + r.IntN(12); k > 0; k-- {
			p := pieces[r.IntN(len(pieces))]
			b.WriteString(p)
			cells = append(cells, cellWant{p, fg})
			if ansi.StringWidth(p) == 2 {
				cells = append(cells, cellWant{"", fg})
			}
		}
		if fg >= 0 {
			b.WriteString("\x1b[m")
		}
	}
	// The screen keeps what fits: a wide character cut by the edge is
	// not drawn (a space takes its place).
	if len(cells) > w {
		cells = cells[:w]
		if last := cells[w-1]; last.text != "" && ansi.StringWidth(last.text) == 2 {
			cells[w-1] = cellWant{" ", -1}
		}
	}
	return b.String(), cells
}

// checkScreen compares what a terminal emulator shows with the frame's
// cells.
func checkScreen(t *testing.T, step int, e *vt.Emulator, want [][]cellWant, w, h int) {
	t.Helper()
	for y := range h {
		var row []cellWant
		if y < len(want) {
			row = want[y]
		}
		for x := range w {
			exp := cellWant{" ", -1}
			if x < len(row) {
				exp = row[x]
			}
			c := e.CellAt(x, y)
			got := cellWant{" ", -1}
			if c != nil {
				got.text = c.Content
				if got.text == "" && c.Width != 0 {
					got.text = " "
				}
				if c.Style.Fg != nil {
					got.fg = -2 // coloured; compared below
				}
			}
			if got.text != exp.text && !(exp.text == "" && got.text == " " && c != nil && c.Width == 0) {
				t.Fatalf("step %d: cell (%d,%d) shows %q, the frame has %q\nscreen:\n%s", step, x, y, got.text, exp.text, e.String())
			}
			if exp.text == "" || exp.text == " " {
				continue // the second half of a wide character; a space's foreground shows nothing
			}
			if exp.fg < 0 && got.fg != -1 {
				t.Fatalf("step %d: cell (%d,%d) %q is coloured, the frame's is not: row %v", step, x, y, exp.text, row)
			}
			if exp.fg >= 0 {
				r1, g1, b1, _ := c.Style.Fg.RGBA()
				r2, g2, b2, _ := ansi.IndexedColor(byte(exp.fg)).RGBA()
				if r1 != r2 || g1 != g2 || b1 != b2 {
					t.Fatalf("step %d: cell (%d,%d) %q has colour %v, the frame's is %d", step, x, y, exp.text, c.Style.Fg, exp.fg)
				}
			}
		}
	}
}

// TestScreenDrawsEveryFrame: after each of 400 random steps (some lines
// changed, sometimes all, sometimes none, sometimes the terminal resized,
// sometimes a frame shorter than the screen), a real terminal emulator fed
// the screen's output shows exactly the frame: every cell's text and colour.
func TestScreenDrawsEveryFrame(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var out bytes.Buffer
	s := newScreen(&out, []string{"TERM=xterm-256color"}, colorprofile.ANSI256, 0)
	w, h := 40, 12
	e := vt.NewEmulator(w, h)
	s.resize(w, h)
	lines := make([]string, h)
	want := make([][]cellWant, h)
	for y := range h {
		lines[y], want[y] = genLine(r, w)
	}
	for step := range 400 {
		k := r.IntN(10)
		if testing.Verbose() {
			t.Logf("step %d kind %d size %dx%d", step, k, w, h)
		}
		switch {
		case k == 0: // resize
			w, h = 5+r.IntN(60), 1+r.IntN(20)
			e.Resize(w, h)
			s.resize(w, h)
			lines, want = make([]string, h), make([][]cellWant, h)
			for y := range h {
				lines[y], want[y] = genLine(r, w)
			}
		case k == 1: // every line
			for y := range h {
				lines[y], want[y] = genLine(r, w)
			}
		case k == 2: // nothing
		default:
			for n := 1 + r.IntN(3); n > 0; n-- {
				y := r.IntN(h)
				lines[y], want[y] = genLine(r, w)
			}
		}
		frame := lines
		shown := want
		if r.IntN(8) == 0 { // a short frame: the rest of the screen blank
			n := r.IntN(h)
			frame, shown = lines[:n], want[:n]
		}
		s.offer(strings.Join(frame, "\n"))
		out.Reset()
		if err := s.draw(); err != nil {
			t.Fatal(err)
		}
		if _, err := e.Write(out.Bytes()); err != nil {
			t.Fatal(err)
		}
		checkScreen(t, step, e, shown, w, h)
	}
}

// TestScreenWritesOnlyWhatChanged: the same frame again writes nothing; a
// frame with one line changed writes that line, a small part of the whole.
func TestScreenWritesOnlyWhatChanged(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	var out bytes.Buffer
	s := newScreen(&out, []string{"TERM=xterm-256color"}, colorprofile.ANSI256, 0)
	w, h := 200, 50
	s.resize(w, h)
	lines := make([]string, h)
	for y := range h {
		lines[y], _ = genLine(r, w)
		lines[y] = strings.Repeat("x", 150) + lines[y]
	}
	s.offer(strings.Join(lines, "\n"))
	if err := s.draw(); err != nil {
		t.Fatal(err)
	}
	full := out.Len()
	if full < w*h/2 {
		t.Fatalf("the first frame wrote %d bytes, less than its text", full)
	}

	out.Reset()
	s.offer(strings.Join(lines, "\n"))
	if err := s.draw(); err != nil {
		t.Fatal(err)
	}
	if out.Len() != 0 {
		t.Errorf("the same frame again wrote %q", out.String())
	}

	lines[7] = "12:00:01" + lines[7][8:]
	s.offer(strings.Join(lines, "\n"))
	out.Reset()
	if err := s.draw(); err != nil {
		t.Fatal(err)
	}
	if out.Len() == 0 || out.Len() > full/20 {
		t.Errorf("one changed line wrote %d bytes of a %d-byte screen: %q", out.Len(), full, out.String())
	}
	if !strings.Contains(out.String(), "12:00:01") {
		t.Errorf("the changed line's text is not in %q", out.String())
	}
}

// TestScreenModes: the first frame enters the alternate screen, hides the
// cursor and turns the mouse and bracketed paste on, with the window's
// title; closing turns each off again, leaving the alternate screen, and
// a bell rings with the frame after it.
func TestScreenModes(t *testing.T) {
	var out bytes.Buffer
	s := newScreen(&out, []string{"TERM=xterm-256color"}, colorprofile.ANSI256, 0)
	s.title = "gwtop test"
	s.resize(20, 3)
	s.offer("hello")
	if err := s.draw(); err != nil {
		t.Fatal(err)
	}
	first := out.String()
	for _, seq := range []string{ansi.SetModeAltScreenSaveCursor, ansi.HideCursor, ansi.SetModeMouseButtonEvent,
		ansi.SetModeMouseExtSgr, ansi.SetModeBracketedPaste, ansi.SetWindowTitle("gwtop test"), "hello"} {
		if !strings.Contains(first, seq) {
			t.Errorf("the first frame lacks %q: %q", seq, first)
		}
	}
	if strings.Index(first, ansi.SetModeAltScreenSaveCursor) > strings.Index(first, "hello") {
		t.Errorf("the text is drawn before the alternate screen is entered: %q", first)
	}

	out.Reset()
	s.bell()
	if err := s.draw(); err != nil {
		t.Fatal(err)
	}
	if out.String() != "\a" {
		t.Errorf("a bell wrote %q", out.String())
	}

	out.Reset()
	s.close()
	last := out.String()
	for _, seq := range []string{ansi.ResetModeMouseButtonEvent, ansi.ResetModeMouseExtSgr, ansi.ResetModeBracketedPaste,
		ansi.ResetModeAltScreenSaveCursor, ansi.ShowCursor, ansi.SetWindowTitle("")} {
		if !strings.Contains(last, seq) {
			t.Errorf("closing lacks %q: %q", seq, last)
		}
	}
	out.Reset()
	s.close()
	if out.Len() != 0 {
		t.Errorf("a second close wrote %q", out.String())
	}
}

// TestScreenRunDrawsTheNewest: frames offered faster than the screen's
// pace are not all drawn, but the newest always is; the run ends on
// cancel, closing the screen; with nothing offered it writes nothing.
func TestScreenRunDrawsTheNewest(t *testing.T) {
	w := &syncBuffer{}
	s := newScreen(w, []string{"TERM=xterm-256color"}, colorprofile.ANSI256, 50*time.Millisecond)
	s.resize(30, 2)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.run(ctx) }()
	for i := range 200 {
		s.offer(fmt.Sprintf("frame %03d", i))
	}
	e := vt.NewEmulator(30, 2)
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(e.String(), "frame 199") {
		if time.Now().After(deadline) {
			t.Fatalf("the newest frame was not drawn: %q", e.String())
		}
		time.Sleep(20 * time.Millisecond)
		_, _ = e.Write(w.take())
	}
	if n := w.writes(); n > 100 {
		t.Errorf("200 offers wrote %d frames", n)
	}
	time.Sleep(200 * time.Millisecond)
	if b := w.take(); len(b) != 0 {
		t.Errorf("with nothing offered the screen wrote %q", b)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if b := string(w.take()); !strings.Contains(b, ansi.ResetModeAltScreenSaveCursor) {
		t.Errorf("the run ended without leaving the alternate screen: %q", b)
	}
}

// syncBuffer collects a screen's writes across goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
	n  int
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.n++
	return b.b.Write(p)
}

// take is what was written since the last take.
func (b *syncBuffer) take() []byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	p := bytes.Clone(b.b.Bytes())
	b.b.Reset()
	return p
}

func (b *syncBuffer) writes() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.n
}

// panicky is a model whose Update panics on the key p.
type panicky struct{}

func (panicky) Init() tea.Cmd { return nil }
func (p panicky) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if k, ok := msg.(tea.KeyPressMsg); ok && k.String() == "p" {
		panic("boom")
	}
	return p, nil
}
func (panicky) View() tea.View { return tea.NewView("drawn") }

// TestScreenClosesOnPanic: a panic in the model leaves the alternate screen
// (and turns the mouse off, shows the cursor) before it reaches Bubble Tea,
// which prints it: on the main screen, where the operator can read it.
// Nothing is drawn after.
func TestScreenClosesOnPanic(t *testing.T) {
	var out bytes.Buffer
	s := newScreen(&out, []string{"TERM=xterm-256color"}, colorprofile.ANSI256, 0)
	s.resize(20, 2)
	m := screenModel{inner: panicky{}, scr: s}
	m.View()
	if err := s.draw(); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	func() {
		defer func() {
			if r := recover(); r != "boom" {
				t.Errorf("the panic reached Bubble Tea as %v", r)
			}
		}()
		m.Update(tea.KeyPressMsg{Code: 'p', Text: "p"})
	}()
	if got := out.String(); !strings.Contains(got, ansi.ResetModeAltScreenSaveCursor) || !strings.Contains(got, ansi.ShowCursor) ||
		!strings.Contains(got, ansi.ResetModeMouseButtonEvent) {
		t.Errorf("the panic left the screen with %q", got)
	}
	out.Reset()
	s.offer("after")
	if err := s.draw(); err != nil || out.Len() != 0 {
		t.Errorf("drawn after the panic: %q %v", out.String(), err)
	}
}

// TestScreenTinySizes: a terminal of no cells, one cell, one row or one
// column draws what fits (a wide character that does not fit is left out)
// and never panics.
func TestScreenTinySizes(t *testing.T) {
	frame := "表x\x1b[31m●\x1b[m\nsecond line\nthird"
	for _, sz := range [][2]int{{0, 0}, {1, 1}, {1, 5}, {5, 1}, {2, 2}, {0, 3}, {3, 0}} {
		w, h := sz[0], sz[1]
		var out bytes.Buffer
		s := newScreen(&out, []string{"TERM=xterm-256color"}, colorprofile.ANSI256, 0)
		s.resize(w, h)
		s.offer(frame)
		if err := s.draw(); err != nil {
			t.Fatalf("%dx%d: %v", w, h, err)
		}
		if w == 0 || h == 0 {
			continue
		}
		e := vt.NewEmulator(w, h)
		_, _ = e.Write(out.Bytes())
		want := []string{"表x●", "second line", "third"}
		for y := range h {
			row := ""
			for x := 0; x < w; x++ {
				if c := e.CellAt(x, y); c != nil {
					row += c.Content
				}
			}
			exp := ""
			if y < len(want) {
				exp = want[y]
			}
			// What fits in w cells of the line.
			fit, cells := "", 0
			for _, r := range exp {
				cw := ansi.StringWidth(string(r))
				if cells+cw > w {
					break
				}
				fit += string(r)
				cells += cw
			}
			if strings.TrimRight(row, " ") != fit {
				t.Errorf("%dx%d row %d shows %q, want %q", w, h, y, row, fit)
			}
		}
	}
}
