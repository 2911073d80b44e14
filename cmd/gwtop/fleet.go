package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/charmbracelet/x/term"
	"github.com/spf13/pflag"

	"github.com/gwtop/gwtop/config"
	"github.com/gwtop/gwtop/fleet"
	"github.com/gwtop/gwtop/gateway"
	"github.com/gwtop/gwtop/record"
	"github.com/gwtop/gwtop/redact"
	"github.com/gwtop/gwtop/ui"
)

// fleetFlags say which Prometheus to read the fleet from.
type fleetFlags struct {
	url     string
	job     string
	timeout time.Duration
	every   time.Duration
	// credentials from a --config file's prometheus: section
	user, password, token string
}

// fromConfig makes the command read a fleet when --config names a file
// with a prometheus: section: its URL, job, timeout and credentials (the
// flags given on the command line win). It reports whether the command
// reads a fleet. A file that cannot be read or parsed is left to the
// command's own handling of --config, which says why (and checks the
// flags given with it first).
func (f *fleetFlags) fromConfig(fs *pflag.FlagSet, src *sources) (bool, error) {
	if f.url != "" {
		return true, nil
	}
	path := src.q.ConfigFile
	if path == "" {
		return false, nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return false, nil
	}
	cfg, err := config.Parse(path, data, os.LookupEnv)
	if err != nil {
		return false, nil
	}
	p := cfg.Prometheus
	if p == nil {
		return false, nil
	}
	var bad []string
	fs.Visit(func(fl *pflag.Flag) {
		if g := fl.Annotations[config.FlagGroup]; fl.Name != "config" && len(g) > 0 && (g[0] == "sources" || g[0] == "serve") {
			bad = append(bad, "--"+fl.Name)
		}
	})
	if len(bad) > 0 {
		return false, usageError(fmt.Sprintf("%s reads a fleet from Prometheus (its prometheus: section): %s would watch this host; give one or the other", path, strings.Join(bad, ", ")))
	}
	f.url = p.URL
	if !fs.Changed("prometheus-job") && p.Job != "" {
		f.job = p.Job
	}
	if !fs.Changed("prometheus-timeout") && p.Timeout > 0 {
		f.timeout = p.Timeout
	}
	f.user, f.password, f.token = p.Username, p.Password, p.BearerToken
	if p.BearerTokenFile != "" {
		b, err := readSecretFile(p.BearerTokenFile)
		if err != nil {
			return false, fmt.Errorf("%s: prometheus.bearer_token_file: %v", path, err)
		}
		f.token = b
	}
	return true, nil
}

// readSecretFile reads a token from a file: at most 64 KiB, trimmed; the
// error names the file and never quotes it.
func readSecretFile(path string) (string, error) {
	fh, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer fh.Close()
	b, err := io.ReadAll(io.LimitReader(fh, 64<<10+1))
	if err != nil {
		return "", err
	}
	if len(b) > 64<<10 {
		return "", fmt.Errorf("%s is larger than 64 KiB: not a token", path)
	}
	tok := strings.TrimSpace(string(b))
	if tok == "" {
		return "", fmt.Errorf("%s is empty", path)
	}
	return tok, nil
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
	s, err := fleet.New(fleet.Options{URL: f.url, Job: f.job, Timeout: f.timeout, KnobsOf: gateway.KnobsOf,
		BearerToken: f.token, Username: f.user, Password: f.password})
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
	if uf.record != "" {
		// The fleet as the screen saw it, replayed like a host's.
		rec, err := startRecording(uf.record, record.Options{MaxSize: defaultMaxSize}, src.Latest)
		if err != nil {
			return err
		}
		defer func() {
			if _, _, err := rec.stop(src.Latest()); err != nil {
				slog.Error("recording", "file", uf.record, "err", err)
			}
		}()
	}
	return ui.Run(ctx, src, ui.Options{Refresh: uf.refresh, Theme: uf.theme, NoColor: uf.noColor, ASCII: uf.ascii,
		Title: "fleet " + redact.String(f.url), Output: stdout})
}
