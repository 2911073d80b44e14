// Command gwtop watches the upstreams behind an API gateway and names the
// probable cause of every 502, 503 and 504.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"syscall"

	// Every gateway kind gwtop can watch registers itself.
	_ "github.com/gwtop/gwtop/gateway/all"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

const usage = `gwtop — top for an API gateway's upstreams

Usage:
  gwtop [flags]                      open the TUI (watch what --config and the quick flags name;
                                     with neither, discover the running gateways; --no-discover: don't)
  gwtop discover [--no-exec]         print the configuration discovery finds, as commented YAML
  gwtop demo [flags]                 run an embedded demo gateway with failing upstreams, TUI on it
  gwtop snapshot [flags]             collect for a while, print a table (or --json), exit
  gwtop version

Quick flags (work with or without --config):
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run is main without the process: it returns the exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cmd := ""
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		cmd, args = args[0], args[1:]
	}
	var err error
	switch cmd {
	case "":
		err = runTUI(ctx, args, stderr)
	case "demo":
		err = runDemo(ctx, args, stderr)
	case "snapshot":
		err = runSnapshot(ctx, args, stdout, stderr)
	case "discover":
		err = runDiscover(ctx, args, stdout, stderr)
	case "version":
		fmt.Fprintln(stdout, versionString())
	case "help":
		fmt.Fprint(stdout, usage)
	default:
		err = usageError(fmt.Sprintf("unknown command %q (want demo, discover, snapshot, version)", cmd))
	}
	if err == nil {
		return 0
	}
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	fmt.Fprintln(stderr, "gwtop:", err)
	var ue usageError
	if errors.As(err, &ue) {
		return 2
	}
	return 1
}

type usageError string

func (u usageError) Error() string { return string(u) }

// versionString is the version with what the build knows of itself: the
// module version when installed with `go install`, the commit when built
// from a checkout with VCS stamping, and the Go toolchain.
func versionString() string {
	v := version
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "gwtop " + v
	}
	if v == "dev" && info.Main.Version != "" && info.Main.Version != "(devel)" {
		v = info.Main.Version
	}
	for _, s := range info.Settings {
		if s.Key == "vcs.revision" && len(s.Value) >= 12 {
			v += " (" + s.Value[:12] + ")"
		}
	}
	return fmt.Sprintf("gwtop %s %s %s/%s", v, info.GoVersion, runtime.GOOS, runtime.GOARCH)
}
