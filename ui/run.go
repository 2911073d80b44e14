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

// Run runs the UI until the operator quits (q, Ctrl+C), ctx is cancelled, or
// the process gets SIGTERM. In every case Bubble Tea restores the terminal
// (leaves the alt screen, disables the mouse, resets raw mode) before Run
// returns; a cancelled ctx or SIGTERM is a normal exit and returns nil.
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
	// 20 frames a second at most (Bubble Tea's default is 60): a key is
	// drawn within 50 ms, and an idle screen wakes the renderer a third as
	// often.
	p := tea.NewProgram(New(src, opt), tea.WithContext(ctx), tea.WithFPS(20))
	_, err := p.Run()
	if err != nil && errors.Is(err, tea.ErrProgramKilled) && ctx.Err() != nil {
		return nil
	}
	return err
}
