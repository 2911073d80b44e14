package ui

import (
	"context"
	"errors"
	"os"
	"os/signal"
	"runtime"
	"syscall"

	tea "charm.land/bubbletea/v2"
)

// fps is the most frames a second the screen draws: a key is drawn within
// 100 ms, the threshold of a response felt as immediate. gwtop's screen
// (screen.go) draws on demand at that pace at most; where it does not run
// (stdin or stdout not a terminal, not Unix), Bubble Tea's
// renderer (v2.1) wakes up at this pace for the program's whole life,
// whether or not anything changed, and its pace cannot change while it
// runs: each of those wakeups costs an idle gwtop ~0.02 % of a core (the
// Go scheduler's and sysmon's wakeups around an empty flush, measured on
// a bare program: 0.38 % at 20, 0.18 % at 10, 0.10 % at 5), so 10 halves
// the renderer's share of 20 (Bubble Tea's default, 60, would triple it).
const fps = 10

// Run runs the UI until the operator quits (q, Ctrl+C), ctx is cancelled, or
// the process gets SIGTERM. In every case the terminal is restored (the
// alt screen left, the mouse disabled, raw mode reset) before Run returns; a cancelled ctx or SIGTERM is a normal exit and returns nil.
//
// The environment (Options.Getenv) decides how: a terminal without cursor
// addressing (TERM=dumb) gets the line mode instead of the full-screen
// program, a locale that is not UTF-8 gets ASCII glyphs, and NO_COLOR no
// colours. See detectTerminal.
func Run(ctx context.Context, src Source, opt Options) error {
	getenv := opt.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	term := detectTerminal(getenv, runtime.GOOS)
	if getenv("NO_COLOR") != "" {
		opt.NoColor = true
	}
	if term.ascii {
		opt.ASCII = true
	}
	// SIGTERM cancels the program's context; Bubble Tea then shuts down and
	// restores the terminal instead of the process dying in raw mode.
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGTERM)
	defer stop()

	if opt.LineMode || term.lines {
		return runLines(ctx, src, opt.withDefaults(), term.columns)
	}
	m := New(src, opt)
	if ok, err := runScreen(ctx, m, os.Environ()); ok {
		return err
	}
	p := tea.NewProgram(m, tea.WithContext(ctx), tea.WithFPS(fps))
	_, err := p.Run()
	if err != nil && errors.Is(err, tea.ErrProgramKilled) && ctx.Err() != nil {
		return nil
	}
	return err
}
