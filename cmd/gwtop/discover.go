package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/gwtop/gwtop/collector"
	"github.com/gwtop/gwtop/config"
	"github.com/gwtop/gwtop/config/discover"
	"github.com/gwtop/gwtop/ui"
)

// discoverOptions is where discovery looks; tests replace the process list.
var discoverOptions discover.Options

// runDiscover prints the configuration gwtop would use, as commented YAML.
func runDiscover(ctx context.Context, noExec bool, configs map[string]string, stdout io.Writer) error {
	opt := discoverOptions
	opt.Configs = configs
	if noExec {
		opt.NoExec = true
	}
	res, err := discover.Discover(ctx, opt)
	if err != nil {
		return err
	}
	if _, err = stdout.Write(res.YAML); err != nil {
		return err
	}
	_, err = io.WriteString(stdout, appServerNotes(ctx, res.Config))
	return err
}

// appServerNotes says, as YAML comments, which app servers listen behind
// the discovered upstreams and which of their logs gwtop will read for the
// roots of their failures: nothing to configure, but worth seeing.
func appServerNotes(ctx context.Context, cfg *config.Config) string {
	var addrs []string
	for _, u := range cfg.Upstreams {
		addrs = append(addrs, u.Address)
	}
	apps, err := collector.AppServers(ctx, addrs)
	if err != nil || len(apps) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString("\n# App servers behind these upstreams; gwtop reads their own logs for the roots of\n# failures (an app that logs elsewhere goes under apps:):\n")
	for _, a := range apps {
		// Every line is sanitised alone: paths and reasons come from
		// other processes' command lines.
		line := fmt.Sprintf("%s: %s pid %d listening on %s", a.Address, a.App, a.Proc.PID, a.Listen)
		if a.Proc.Unit != "" {
			line += " (" + a.Proc.Unit + ")"
		}
		b.WriteString("#   " + ui.Sanitize(line) + "\n")
		for _, l := range a.Logs {
			if l.Path != "" {
				b.WriteString("#     " + ui.Sanitize(fmt.Sprintf("log %s (%s)", l.Path, l.Why)) + "\n")
			} else {
				b.WriteString("#     " + ui.Sanitize("no log to read: "+l.Why) + "\n")
			}
		}
	}
	return b.String()
}

// wantDiscovery reports whether a command should discover what to watch:
// only when neither --config nor a quick flag names anything.
func wantDiscovery(q *config.Quick, cfg *config.Config, off bool) bool {
	return !off && q.ConfigFile == "" && cfg.Empty()
}

// discovered runs discovery and loads its configuration the way a saved
// file would be loaded, with the quick flags that do not name a target
// (--interval, --from-start) laid over it.
// resolveConfig is the configuration every watching command uses: --config
// and the quick flags, or else what discovery finds on this host.
func resolveConfig(ctx context.Context, src *sources, stderr io.Writer) (*config.Config, error) {
	q := &src.q
	configs := src.configs()
	if len(configs) > 0 && (q.ConfigFile != "" || src.noDiscover) {
		return nil, usageError("a --…-conf flag points discovery at a gateway's configuration: give it alone, not with --config or --no-discover")
	}
	cfg, err := q.Build(os.LookupEnv)
	if err != nil {
		return nil, err
	}
	if cfg.Prometheus != nil {
		return nil, usageError(q.ConfigFile + " has a prometheus: section: it reads a fleet of gwtop agents from Prometheus — open it with `gwtop --config " + q.ConfigFile + "` or `gwtop snapshot --config " + q.ConfigFile + "`; this command watches this host")
	}
	if len(configs) > 0 && !cfg.Empty() {
		return nil, usageError("a --…-conf flag points discovery at a gateway's configuration: give it alone, not with --config, a source flag or --no-discover")
	}
	if len(configs) > 0 || wantDiscovery(q, cfg, src.noDiscover) {
		if cfg, err = discovered(ctx, q, configs, stderr); err != nil {
			return nil, err
		}
	}
	if cfg.Empty() {
		return nil, usageError("nothing to watch: give --config FILE or quick flags (" + strings.Join(config.TargetFlags(), ", ") + "); try `gwtop demo`")
	}
	return cfg, nil
}

func discovered(ctx context.Context, q *config.Quick, configs map[string]string, stderr io.Writer) (*config.Config, error) {
	opt := discoverOptions
	opt.Configs = configs
	res, err := discover.Discover(ctx, opt)
	var nf *discover.NotFoundError
	if errors.As(err, &nf) {
		// Neither a target nor a gateway: say what was looked for and how
		// to point gwtop at one. Exit 1 (not a usage mistake: the host
		// simply runs no gateway gwtop can see), and no empty TUI.
		return nil, fmt.Errorf("nothing to watch: %w", nf)
	}
	if err != nil {
		return nil, err
	}
	// --secret-file values fill the discovered YAML's ${VAR}s too.
	lookup, err := q.Lookup(os.LookupEnv)
	if err != nil {
		return nil, err
	}
	cfg, err := res.Load(lookup)
	if err != nil {
		return nil, err
	}
	if q.Interval != 0 {
		cfg.Interval = q.Interval
	}
	cfg.FromStart = q.FromStart
	var what []string
	for _, g := range res.Found {
		if g.Used {
			what = append(what, g.String())
		}
	}
	fmt.Fprintf(stderr, "gwtop: watching %s: %d upstreams, %d notes (`gwtop discover` shows where each came from)\n",
		strings.Join(what, ", "), len(cfg.Upstreams), len(res.Notes))
	return cfg, nil
}
