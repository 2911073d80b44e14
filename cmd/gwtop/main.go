// Command gwtop watches the upstreams behind an API gateway and names the
// probable cause of every 502, 503 and 504.
package main

import (
	"context"
	"errors"
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

// version, commit and date are set at build time with -ldflags "-X
// main.version=…" (make build, goreleaser).
var (
	version = "dev"
	commit  = ""
	date    = ""
)

// longRunning is called by the commands that follow logs for as long as
// they run (the TUI, serve, record, watch) and sets the runtime for them:
//   - one P: their work is a few per cent of one core spread over many
//     short wake-ups, and with a second P each wake-up also wakes a
//     thread that finds nothing to do; one P cuts their CPU by a tenth to
//     a fifth (issue 16's measurements). A backlog (snapshot) keeps every
//     core.
//   - GOGC 40: their heap is mostly long-lived (windows, sketches, the
//     raw lines) and they allocate little (a snapshot a second), so the
//     default's headroom, a second heap as large as the live one, was a
//     quarter of a 1,000-upstream gwtop's RSS. 40 % of it (50 % until
//     issue 16's last measurements, 1,000 upstreams at 2,000 lines/s:
//     62.5 and 61.8 MiB at 50, 58.4 and 59.1 at 40, the same 1.37-1.43 %
//     of a core; 20 upstreams at 5,000 lines/s: 0.70-0.83 % at 50,
//     0.77-0.87 % at 40) costs a GC cycle of a few milliseconds every few
//     seconds.
//
// GOMAXPROCS and GOGC in the environment still decide. main sets it, so
// that tests calling run in-process keep their runtime.
var longRunning = func() {}

// longRunningGC is the GOGC longRunning sets.
const longRunningGC = 40

func main() {
	longRunning = func() {
		if os.Getenv("GOMAXPROCS") == "" {
			runtime.GOMAXPROCS(1)
		}
		if os.Getenv("GOGC") == "" {
			debug.SetGCPercent(longRunningGC)
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run is main without the process: it returns the exit code — 0 done, 1 a
// failure at run time (or a watch's broken gate), 2 a mistake on the
// command line, 3 a snapshot whose --fail-when rule held.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	root := newRoot(stdout, stderr)
	root.SetArgs(args)
	cmd, err := root.ExecuteContextC(ctx)
	if err == nil {
		return 0
	}
	// Whatever an error quotes of the command line, a URL or a log, a
	// password in it is not printed, nor anything a terminal would act on
	// (every command: the TUI's and discover's errors as snapshot's).
	fmt.Fprintln(stderr, "gwtop:", sanitizedError{err}.Error())
	var ue usageError
	if errors.As(err, &ue) {
		fmt.Fprintf(stderr, "Run '%s --help' for usage.\n", cmd.CommandPath())
		return 2
	}
	// A failed gate says its own code: snapshot --fail-when exits 3, to
	// tell a broken rule from a failure to collect.
	var ec interface{ ExitCode() int }
	if errors.As(err, &ec) {
		return ec.ExitCode()
	}
	return 1
}

// usageError is a mistake on the command line: exit 2.
type usageError string

func (u usageError) Error() string { return string(u) }

// versionString is the version with what the build knows of itself: the
// stamped version, commit and date (make build, goreleaser), else the module
// version when installed with `go install` and the commit of a checkout
// built with VCS stamping; and the Go toolchain.
func versionString() string {
	v, rev := version, commit
	goVersion := runtime.Version()
	if info, ok := debug.ReadBuildInfo(); ok {
		goVersion = info.GoVersion
		if v == "dev" && info.Main.Version != "" && info.Main.Version != "(devel)" {
			v = info.Main.Version
		}
		for _, s := range info.Settings {
			if s.Key == "vcs.revision" && rev == "" {
				rev = s.Value
			}
		}
	}
	if len(rev) >= 12 {
		v += " (" + rev[:12] + ")"
	}
	if date != "" {
		v += " built " + date
	}
	return fmt.Sprintf("gwtop %s %s %s/%s", v, goVersion, runtime.GOOS, runtime.GOARCH)
}
