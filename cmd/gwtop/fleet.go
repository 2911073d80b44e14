package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/charmbracelet/x/term"
	"github.com/spf13/pflag"

	"github.com/gwtop/gwtop/config"
	"github.com/gwtop/gwtop/fleet"
	"github.com/gwtop/gwtop/gateway"
	"github.com/gwtop/gwtop/redact"
	"github.com/gwtop/gwtop/ui"
)

// fleetFlags say which Prometheus to read the fleet from.
type fleetFlags struct {
	url     string
	job     string
	timeout time.Duration
	every   time.Duration
}

func (f *fleetFlags) register(fs *pflag.FlagSet, screen bool) {
	fs.StringVar(&f.url, "prometheus", "", "read the fleet of gwtop agents (gwtop serve) from this Prometheus URL instead of watching this host; credentials from $"+fleet.EnvToken+" or $"+fleet.EnvUser+"/$"+fleet.EnvPassword)
	fs.StringVar(&f.job, "prometheus-job", fleet.DefaultJob, "the scrape job of the gwtop agents")
	fs.DurationVar(&f.timeout, "prometheus-timeout", 5*time.Second, "the longest one refresh of the fleet (all its queries) may take")
	names := []string{"prometheus", "prometheus-job", "prometheus-timeout"}
	if screen {
		fs.DurationVar(&f.every, "prometheus-every", 2*time.Second, "how often the screen queries Prometheus")
		names = append(names, "prometheus-every")
	}
	group(fs, "fleet", names...)
}

// conflict refuses, with --prometheus, the flags that say what to watch
// on this host (and --listen, which serves this host's agent): the fleet
// is read, not collected.
func (f *fleetFlags) conflict(fs *pflag.FlagSet) error {
	if f.url == "" {
		return nil
	}
	var bad []string
	fs.Visit(func(fl *pflag.Flag) {
		if g := fl.Annotations[config.FlagGroup]; len(g) > 0 && (g[0] == "sources" || g[0] == "serve") {
			bad = append(bad, "--"+fl.Name)
		}
	})
	if len(bad) > 0 {
		return usageError(fmt.Sprintf("--prometheus reads the fleet from Prometheus: %s would watch this host; give one or the other", strings.Join(bad, ", ")))
	}
	return nil
}

func (f *fleetFlags) source() (*fleet.Source, error) {
	if f.timeout <= 0 {
		return nil, usageError(fmt.Sprintf("--prometheus-timeout %v: want a positive duration", f.timeout))
	}
	s, err := fleet.New(fleet.Options{URL: f.url, Job: f.job, Timeout: f.timeout, KnobsOf: gateway.KnobsOf})
	if err != nil {
		return nil, usageError(err.Error())
	}
	return s, nil
}

// fleetSnapshot is gwtop snapshot --prometheus: one refresh, printed.
func fleetSnapshot(ctx context.Context, f fleetFlags, asJSON bool, stdout io.Writer) error {
	src, err := f.source()
	if err != nil {
		return err
	}
	snap := src.Refresh(ctx)
	src.Close()
	if asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(snap)
	}
	printTable(stdout, snap)
	return nil
}

// runFleetTUI is gwtop --prometheus URL: the screen on the fleet.
func runFleetTUI(ctx context.Context, f fleetFlags, uf uiFlags, stdout io.Writer) error {
	if err := uf.check(); err != nil {
		return err
	}
	if f.every < 500*time.Millisecond {
		return usageError(fmt.Sprintf("--prometheus-every %v: want 500ms or more", f.every))
	}
	src, err := f.source()
	if err != nil {
		return err
	}
	dumb := strings.EqualFold(os.Getenv("TERM"), "dumb")
	if !dumb && !term.IsTerminal(os.Stdout.Fd()) {
		return fmt.Errorf("the screen needs a terminal and stdout is not one: for a table or JSON, use `gwtop snapshot --prometheus URL` (--json)")
	}
	closeLog, err := uf.setupLog()
	if err != nil {
		return err
	}
	defer closeLog()
	ctx, cancel := context.WithCancel(ctx)
	done := src.Run(ctx, f.every)
	defer func() { cancel(); <-done; src.Close() }()
	return ui.Run(ctx, src, ui.Options{Refresh: uf.refresh, Theme: uf.theme, NoColor: uf.noColor, ASCII: uf.ascii,
		Title: "fleet " + redact.String(f.url), Output: stdout})
}
