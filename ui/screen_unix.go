//go:build unix

package ui

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/term"
)

// runScreen runs m full-screen on the process's terminal with gwtop's
// screen drawing it. It reports false, doing nothing, when stdin or stdout
// is not a terminal: Bubble Tea's own renderer then has the case.
func runScreen(ctx context.Context, m Model, env []string) (bool, error) {
	in, out := os.Stdin, os.Stdout
	if !term.IsTerminal(in.Fd()) || !term.IsTerminal(out.Fd()) {
		return false, nil
	}
	w, h, err := term.GetSize(out.Fd())
	if err != nil {
		return false, nil
	}
	scr := newScreen(out, env, colorprofile.Detect(out, env), time.Second/fps)
	scr.title = m.windowTitle()
	m.ring = scr.bell

	state, err := term.MakeRaw(in.Fd())
	if err != nil {
		return true, fmt.Errorf("entering the terminal's raw mode: %w", err)
	}
	defer func() { _ = term.Restore(in.Fd(), state) }()

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// The renderer's ticker is Bubble Tea's: with no renderer it only
	// flushes the terminal queries Bubble Tea writes (the background
	// colour), so it ticks once a second.
	p := tea.NewProgram(screenModel{inner: m, scr: scr}, tea.WithContext(ctx), tea.WithoutRenderer(),
		tea.WithFPS(1), tea.WithWindowSize(w, h), tea.WithInput(in), tea.WithOutput(out))
	drawn := make(chan error, 1)
	go func() { drawn <- scr.run(ctx) }()
	go followSize(ctx, out, p)

	_, err = p.Run()
	cancel()
	derr := <-drawn
	if err != nil && errors.Is(err, tea.ErrProgramKilled) && ctx.Err() != nil {
		err = nil
	}
	if err == nil && derr != nil {
		err = fmt.Errorf("drawing the screen: %w", derr)
	}
	return true, err
}

// followSize sends the program the terminal's size each time it changes
// (SIGWINCH), as Bubble Tea does for its own renderer.
func followSize(ctx context.Context, out *os.File, p *tea.Program) {
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGWINCH)
	defer signal.Stop(sig)
	for {
		select {
		case <-ctx.Done():
			return
		case <-sig:
		}
		if w, h, err := term.GetSize(out.Fd()); err == nil {
			p.Send(tea.WindowSizeMsg{Width: w, Height: h})
		}
	}
}
