package ui

import (
	"bytes"
	"context"
	"io"
	"strings"
	"sync"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	uv "github.com/charmbracelet/ultraviolet"
	"github.com/charmbracelet/x/ansi"
)

// screen draws the model's frames on a full-screen terminal, on demand: a
// frame is drawn when View offers one that differs from the last, at most
// one every gap, and only its lines that changed are parsed and diffed.
//
// Bubble Tea v2.1's own renderer wakes up at a fixed frame rate for the
// program's whole life, and each frame it draws clears, parses and diffs
// every cell of the screen: at 200×50, ~4 ms of an idle process's cold
// caches for the clock's tick (0.4 % of a core, of the 0.6 % an idle gwtop
// took), and 0.9 % of a core at 5,000 lines/s (CPU profiles, make bench's
// harness). Bubble Tea still runs the event loop and reads the keyboard
// and the mouse; the cells are still ultraviolet's, so colour downsampling,
// wide characters and the minimal cursor moves stay the library's.
type screen struct {
	w   io.Writer
	gap time.Duration

	mu     sync.Mutex
	frame  string // the newest frame offered
	width  int
	height int
	bells  int  // bells to ring with the next frame
	fresh  bool // something above not drawn yet
	wake   chan struct{}

	title string // the window's, set before run

	// drawMu orders drawing and closing: a panic on the event loop closes
	// the screen while the drawing goroutine may be drawing.
	drawMu sync.Mutex
	opened bool
	closed bool

	// Owned by the drawing goroutine (draw, open, close).
	r    *uv.TerminalRenderer
	cell uv.ScreenBuffer
	out  bytes.Buffer
	prev []string // the lines on screen
	pw   int
	ph   int
}

// newScreen draws on w, whose colours are profile.
func newScreen(w io.Writer, env []string, profile colorprofile.Profile, gap time.Duration) *screen {
	s := &screen{w: w, gap: gap, wake: make(chan struct{}, 1)}
	s.r = uv.NewTerminalRenderer(&s.out, env)
	s.r.SetColorProfile(profile)
	s.r.SetFullscreen(true)
	s.r.SetRelativeCursor(false)
	s.r.SetTabStops(-1)
	s.cell = uv.NewScreenBuffer(0, 0)
	return s
}

// offer hands the screen a frame; it is drawn unless it is the one drawn
// last. Called from View, on Bubble Tea's event loop: it neither blocks nor
// writes.
func (s *screen) offer(frame string) {
	s.mu.Lock()
	if frame == s.frame {
		s.mu.Unlock()
		return
	}
	s.frame, s.fresh = frame, true
	s.mu.Unlock()
	s.poke()
}

// resize tells the screen the terminal's size.
func (s *screen) resize(w, h int) {
	s.mu.Lock()
	s.width, s.height, s.fresh = max(w, 0), max(h, 0), true
	s.mu.Unlock()
	s.poke()
}

// bell rings the terminal's bell with the next frame.
func (s *screen) bell() {
	s.mu.Lock()
	s.bells++
	s.fresh = true
	s.mu.Unlock()
	s.poke()
}

func (s *screen) poke() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// run draws until ctx ends, then leaves the terminal as it found it (the
// main screen, the cursor shown, the mouse off). Nothing wakes it but an
// offer, a resize or a bell.
func (s *screen) run(ctx context.Context) error {
	defer s.close()
	var last time.Time
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-s.wake:
		}
		if wait := s.gap - time.Since(last); wait > 0 {
			t := time.NewTimer(wait)
			select {
			case <-ctx.Done():
				t.Stop()
				return nil
			case <-t.C:
			}
		}
		last = time.Now()
		if err := s.draw(); err != nil {
			return err
		}
	}
}

// draw puts the newest frame on the terminal: the lines that differ from
// those on screen.
func (s *screen) draw() error {
	s.drawMu.Lock()
	defer s.drawMu.Unlock()
	if s.closed {
		return nil
	}
	s.mu.Lock()
	frame, w, h, bells, fresh := s.frame, s.width, s.height, s.bells, s.fresh
	s.bells, s.fresh = 0, false
	s.mu.Unlock()
	if !fresh {
		return nil
	}
	s.out.Reset()
	if !s.opened {
		s.open()
	}
	all := false // every line drawn: the screen was resized or is new
	if w != s.pw || h != s.ph {
		s.cell.Resize(w, h)
		s.r.Resize(w, h)
		s.r.Erase()
		s.prev, s.pw, s.ph, all = make([]string, h), w, h, true
	}
	area := uv.Rect(0, 0, w, 1)
	rest, more := frame, frame != ""
	for y := range h {
		l := "" // below the frame's last line, blank
		if more {
			l, rest, more = strings.Cut(rest, "\n")
		}
		if !all && s.prev[y] == l {
			continue
		}
		area.Min.Y, area.Max.Y = y, y+1
		uv.NewStyledString(l).Draw(&s.cell, area)
		s.prev[y] = l
	}
	s.r.Render(s.cell.RenderBuffer)
	if err := s.r.Flush(); err != nil {
		return err
	}
	for range bells {
		s.out.WriteByte('\a')
	}
	if s.out.Len() == 0 {
		return nil
	}
	_, err := s.w.Write(s.out.Bytes())
	return err
}

// open enters the alternate screen with the modes gwtop's View declares
// (the mouse's cell motion, bracketed paste, a hidden cursor, the title).
func (s *screen) open() {
	s.opened = true
	s.out.WriteString(ansi.SetModeAltScreenSaveCursor)
	s.out.WriteString(ansi.HideCursor)
	s.out.WriteString(ansi.SetModeBracketedPaste)
	s.out.WriteString(ansi.SetModeMouseButtonEvent + ansi.SetModeMouseExtSgr)
	if s.title != "" {
		s.out.WriteString(ansi.SetWindowTitle(s.title))
	}
	s.r.Erase()
}

// close undoes open, if it ran; nothing is drawn after it.
func (s *screen) close() {
	s.drawMu.Lock()
	defer s.drawMu.Unlock()
	if s.closed || !s.opened {
		s.closed = true
		return
	}
	s.closed = true
	s.out.Reset()
	s.out.WriteString(ansi.ResetModeMouseButtonEvent + ansi.ResetModeMouseAnyEvent + ansi.ResetModeMouseExtSgr)
	s.out.WriteString(ansi.ResetModeBracketedPaste)
	if s.title != "" {
		s.out.WriteString(ansi.SetWindowTitle(""))
	}
	s.out.WriteString(ansi.ResetModeAltScreenSaveCursor)
	s.out.WriteString(ansi.ShowCursor)
	_, _ = s.w.Write(s.out.Bytes())
}

// screenModel runs a model whose frames a screen draws: it tells the screen
// the terminal's size and hands it every View.
type screenModel struct {
	inner tea.Model
	scr   *screen
}

func (m screenModel) Init() tea.Cmd { return m.inner.Init() }

// closeOnPanic leaves the alternate screen before a panic reaches Bubble
// Tea, which prints it and restores the terminal: printed on the alternate
// screen, it would vanish with it.
func (m screenModel) closeOnPanic() {
	if r := recover(); r != nil {
		m.scr.close()
		panic(r)
	}
}

func (m screenModel) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	defer m.closeOnPanic()
	if ws, ok := msg.(tea.WindowSizeMsg); ok {
		m.scr.resize(ws.Width, ws.Height)
	}
	next, cmd := m.inner.Update(msg)
	m.inner = next
	return m, cmd
}

func (m screenModel) View() tea.View {
	defer m.closeOnPanic()
	v := m.inner.View()
	m.scr.offer(v.Content)
	return v
}
