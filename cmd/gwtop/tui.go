package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/charmbracelet/x/term"
	"github.com/spf13/pflag"

	"github.com/gwtop/gwtop/collector"
	"github.com/gwtop/gwtop/config"
	"github.com/gwtop/gwtop/demo"
	"github.com/gwtop/gwtop/gateway"
	"github.com/gwtop/gwtop/record"
	"github.com/gwtop/gwtop/themes"
	"github.com/gwtop/gwtop/ui"
)

// uiFlags are the flags of every command that opens the TUI.
type uiFlags struct {
	refresh time.Duration
	theme   string
	noColor bool
	ascii   bool
	logFile string
	web     webFlags // --listen: serve /metrics and the snapshot while the screen runs
	record  string   // --record FILE: keep what the screen saw (gwtop replay FILE)
	// screenFlags is the flag set the screen's flags were registered in,
	// to tell a --refresh given from its default.
	screenFlags *pflag.FlagSet
}

func (f *uiFlags) register(fs *pflag.FlagSet) {
	f.registerScreen(fs)
	f.web.register(fs, "")
	fs.StringVar(&f.record, "record", "", "record every snapshot the screen gets to FILE while it runs (gwtop replay FILE); rotated at 256MiB, 3 kept")
	group(fs, "behaviour", "record")
}

// registerScreen registers the flags of the screen alone (gwtop replay's).
func (f *uiFlags) registerScreen(fs *pflag.FlagSet) {
	fs.DurationVar(&f.refresh, "refresh", ui.DefaultRefresh, "screen redraw interval, 50ms or more; live, the figures change once a second unless it is given")
	f.screenFlags = fs
	fs.VarP(newEnum(&f.theme, "auto", append([]string{"auto"}, themes.Names()...)), "theme", "t", "colour theme: "+strings.Join(append([]string{"auto"}, themes.Names()...), ", "))
	fs.BoolVar(&f.noColor, "no-color", false, "no colours (NO_COLOR is honoured too)")
	fs.BoolVar(&f.ascii, "ascii", false, "ASCII glyphs only (also chosen by a non-UTF-8 locale: LANG=C)")
	group(fs, "screen", "refresh", "theme", "no-color", "ascii")
	fs.StringVar(&f.logFile, "log-file", "", "write gwtop's own log (slog) to this file; never to the terminal")
	group(fs, "behaviour", "log-file")
}

// publish is the live screen's engine pace: tuiRefresh, or --refresh
// when it is given.
func (f *uiFlags) publish() time.Duration {
	if f.screenFlags != nil && f.screenFlags.Changed("refresh") {
		return f.refresh
	}
	return tuiRefresh
}

// check validates the values pflag cannot.
func (f *uiFlags) check() error {
	if f.refresh < 50*time.Millisecond {
		return usageError(fmt.Sprintf("--refresh %v: want 50ms or more", f.refresh))
	}
	return nil
}

// setupLog sends gwtop's own log to a file, or nowhere: the terminal
// belongs to the UI.
func (f *uiFlags) setupLog() (func(), error) {
	if f.logFile == "" {
		slog.SetDefault(slog.New(slog.NewTextHandler(io.Discard, nil)))
		return func() {}, nil
	}
	file, err := os.OpenFile(f.logFile, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("--log-file: %w", err)
	}
	slog.SetDefault(slog.New(slog.NewTextHandler(file, nil)))
	return func() { file.Close() }, nil
}

func runTUI(ctx context.Context, src *sources, uf uiFlags, stdout, stderr io.Writer) error {
	if err := uf.check(); err != nil {
		return err
	}
	cfg, err := resolveConfig(ctx, src, stderr)
	if err != nil {
		return err
	}
	return watch(ctx, cfg, uf, title(cfg), stdout)
}

// tuiRefresh is how often the TUI's engine publishes while figures
// change, unless --refresh is given: once a second, on the second the
// header shows, as top and htop refresh; twice cost 10-13 % more CPU at
// 5,000 lines/s and at 1,000 upstreams, for figures no one reads at that
// pace.
const tuiRefresh = time.Second

// watch runs the engine and the TUI on it until the user quits.
func watch(ctx context.Context, cfg *config.Config, uf uiFlags, title string, stdout io.Writer) error {
	// TERM=dumb asks for the line mode (a table printed every refresh),
	// which needs no terminal; the full screen does.
	dumb := strings.EqualFold(os.Getenv("TERM"), "dumb")
	if !dumb && !term.IsTerminal(os.Stdout.Fd()) {
		return fmt.Errorf("the screen needs a terminal and stdout is not one: for a table or JSON, use `gwtop snapshot` (--json), or TERM=dumb for a table every refresh")
	}
	closeLog, err := uf.setupLog()
	if err != nil {
		return err
	}
	defer closeLog()
	// KeepLines: the drill-down's lines; Export: the latency bins --listen's
	// histograms are made of. Publish: the figures' pace (uiFlags.publish).
	longRunning()
	eng, err := collector.New(cfg, collector.Options{KeepLines: true, Export: uf.web.listen != "", Publish: uf.publish()})
	if err != nil {
		return err
	}
	if uf.web.listen != "" {
		srv, err := startServer(uf.web, eng.Latest, io.Discard)
		if err != nil {
			return err
		}
		defer srv.Close()
		slog.Info("serving", "url", srv.URL())
	}
	if uf.record != "" {
		rec, err := startRecording(uf.record, record.Options{MaxSize: defaultMaxSize}, eng.Latest)
		if err != nil {
			return err
		}
		// Stopped after the engine, with its final snapshot.
		defer func() {
			if _, _, err := rec.stop(eng.Latest()); err != nil {
				slog.Error("recording", "file", uf.record, "err", err)
			}
		}()
	}
	eng.Start(ctx)
	defer eng.Stop()
	defer serveMarks(eng.Mark)() // closed before the engine stops
	slog.Info("gwtop started", "source", cfg.Source, "upstreams", len(cfg.Upstreams))
	return ui.Run(ctx, eng, ui.Options{Refresh: uf.refresh, Theme: uf.theme, NoColor: uf.noColor, ASCII: uf.ascii, Title: title, Output: stdout})
}

// title names what is watched, for the header.
func title(cfg *config.Config) string {
	var parts []string
	for _, g := range cfg.Gateways {
		t := g.Kind
		if k, ok := gateway.Lookup(g.Kind); ok {
			t = k.Title
		}
		// A section may say which instance it watches (nginx's status
		// page host).
		if l, ok := g.Section.(interface{ Label() string }); ok && l.Label() != "" {
			t += " " + l.Label()
		}
		parts = append(parts, t)
	}
	if len(parts) == 0 {
		return fmt.Sprintf("%d probed upstreams", len(cfg.Upstreams))
	}
	return strings.Join(parts, " + ")
}

func hostOf(u string) string {
	if a := config.AddressOf(u); a != "" {
		return a
	}
	return u
}

// runDemo starts the embedded demo gateway and watches it through the same
// configuration path as a real nginx: its logs, its stub_status page and
// probes of its upstreams.
func runDemo(ctx context.Context, uf uiFlags, rate int, stdout io.Writer) error {
	if err := uf.check(); err != nil {
		return err
	}
	if rate < 1 || rate > 1000 {
		return usageError(fmt.Sprintf("--rate %d: want 1 to 1000 requests per second", rate))
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	gw, err := demo.Start(ctx, demo.Options{Rate: rate})
	if err != nil {
		return fmt.Errorf("start the demo gateway: %w", err)
	}
	defer gw.Close()
	cfg, err := demoConfig(gw)
	if err != nil {
		return err
	}
	return watch(ctx, cfg, uf, "demo nginx "+hostOf(gw.ProxyURL), stdout)
}

// demoConfig is the YAML an operator would write for the demo gateway, so
// the demo exercises the real configuration path.
func demoConfig(gw *demo.Gateway) (*config.Config, error) {
	var b strings.Builder
	b.WriteString("interval: 1s\nupstreams:\n")
	for _, u := range gw.Upstreams {
		fmt.Fprintf(&b, "  - name: %s\n    address: %q\n    probe: %s\n    timeout: 1s\n", u.Name, u.Address, u.ProbeURL)
		if u.Group != "" && u.Group != u.Name {
			fmt.Fprintf(&b, "    group: %s\n", u.Group)
		}
	}
	fmt.Fprintf(&b, "nginx:\n  status_url: %s\n  access_log: %s\n  log_format: '%s'\n  error_log: %s\n",
		gw.StatusURL, gw.AccessLog, strings.ReplaceAll(gw.LogFormat, "'", "''"), gw.ErrorLog)
	return config.Parse("demo", []byte(b.String()), os.LookupEnv)
}
