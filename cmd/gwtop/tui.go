package main

import (
	"context"
	"errors"
	"io"
)

func runTUI(ctx context.Context, args []string, stderr io.Writer) error {
	return errors.New("the TUI is not built yet: use gwtop snapshot")
}

func runDemo(ctx context.Context, args []string, stderr io.Writer) error {
	return errors.New("the demo is not built yet")
}
