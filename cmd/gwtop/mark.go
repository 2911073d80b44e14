package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/spf13/cobra"

	"github.com/gwtop/gwtop/marker"
)

// markSource is the source of a marker sent with gwtop mark.
const markSource = "gwtop mark"

func markCmd(stdout, stderr io.Writer) *cobra.Command {
	return &cobra.Command{
		Use:   "mark TEXT",
		Short: "put a marker (\"deploy v2.3 canary\") on the timeline of every gwtop running for this user",
		Long: `Send a marker to every gwtop running on this host for this user (the screen, snapshot, and
any other command that collects): each listens on a unix socket named by its pid in
$XDG_RUNTIME_DIR/gwtop (or /tmp/gwtop-$UID when XDG_RUNTIME_DIR is unset), readable by its
owner only. The marker appears in their events (kind marker, source "gwtop mark") and its
before/after compares each upstream around it. Words are joined with a space; control
characters become spaces and the text is cut at 200 bytes. A socket nobody listens on any
more is removed. Exit 1 when no gwtop received it.`,
		Example: `  gwtop mark "deploy v2.3 canary"
  ./deploy.sh && gwtop mark "deploy $(git rev-parse --short HEAD) done"`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usageError("gwtop mark needs the marker's text")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			return runMark(cmd.Context(), strings.Join(args, " "), stdout, stderr)
		},
	}
}

func runMark(ctx context.Context, text string, stdout, stderr io.Writer) error {
	clean := marker.Sanitize(text)
	if clean == "" {
		return usageError("the marker's text is empty")
	}
	res, err := marker.Send(ctx, clean)
	if err != nil {
		return fmt.Errorf("send the marker: %w", err)
	}
	if res.Stale > 0 {
		fmt.Fprintf(stderr, "gwtop: removed %d stale socket(s) in %s\n", res.Stale, res.Dir)
	}
	for _, e := range res.Failed {
		fmt.Fprintf(stderr, "gwtop: %v\n", e)
	}
	if res.Received == 0 {
		if len(res.Failed) > 0 {
			return fmt.Errorf("no running gwtop received the marker (%d did not answer)", len(res.Failed))
		}
		return fmt.Errorf("no gwtop is running for this user (no socket in %s): the marker was not sent", res.Dir)
	}
	fmt.Fprintf(stdout, "marker %q received by %d running gwtop\n", clean, res.Received)
	return nil
}

// serveMarks puts the markers that gwtop mark sends on mark (an engine's
// Mark) while the command runs; every command that collects starts it
// beside its engine, and calls the function it returns before stopping the
// engine. When the socket cannot be made, markers are off and the log says
// why.
func serveMarks(mark func(text, source string)) (stop func()) {
	s, err := marker.Listen(func(text string) { mark(text, markSource) })
	if err != nil {
		slog.Warn("gwtop mark will not reach this gwtop", "err", err)
		return func() {}
	}
	return func() { s.Close() }
}
