package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/gwtop/gwtop/config"
	"github.com/gwtop/gwtop/config/discover"
)

// discoverOptions is where discovery looks; tests replace the process list.
var discoverOptions discover.Options

// runDiscover prints the configuration gwtop would use, as commented YAML.
func runDiscover(ctx context.Context, noExec bool, stdout io.Writer) error {
	opt := discoverOptions
	if noExec {
		opt.NoExec = true
	}
	res, err := discover.Discover(ctx, opt)
	if err != nil {
		return err
	}
	_, err = stdout.Write(res.YAML)
	return err
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
func resolveConfig(ctx context.Context, q *config.Quick, noDiscover bool, stderr io.Writer) (*config.Config, error) {
	cfg, err := q.Build(os.LookupEnv)
	if err != nil {
		return nil, err
	}
	if wantDiscovery(q, cfg, noDiscover) {
		if cfg, err = discovered(ctx, q, stderr); err != nil {
			return nil, err
		}
	}
	if cfg.Empty() {
		return nil, usageError("nothing to watch: give --config FILE or quick flags (" + strings.Join(config.TargetFlags(), ", ") + "); try `gwtop demo`")
	}
	return cfg, nil
}

func discovered(ctx context.Context, q *config.Quick, stderr io.Writer) (*config.Config, error) {
	res, err := discover.Discover(ctx, discoverOptions)
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
	cfg, err := res.Load(os.LookupEnv)
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
			what = append(what, fmt.Sprintf("%s pid %d", g.Kind, g.PID))
		}
	}
	fmt.Fprintf(stderr, "gwtop: watching %s: %d upstreams, %d notes (`gwtop discover` shows where each came from)\n",
		strings.Join(what, ", "), len(cfg.Upstreams), len(res.Notes))
	return cfg, nil
}
