package main

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/gwtop/gwtop/config"
	"github.com/gwtop/gwtop/gateway"
)

// newRoot builds gwtop's command line: the TUI at the root, one subcommand
// per job. Help goes to stdout, errors to stderr; flags are grouped in the
// help by what they are for (config.FlagGroup annotations).
func newRoot(stdout, stderr io.Writer) *cobra.Command {
	var src sources
	var uf uiFlags
	var ff fleetFlags
	root := &cobra.Command{
		Use:   "gwtop",
		Short: "top for an API gateway's upstreams: state, latency, 5xx and the probable cause of every 502/503/504",
		Long: `gwtop watches every upstream behind the gateway on this host (nginx, HAProxy, Caddy,
Traefik, Envoy, Apache httpd): up or down, latency percentiles, 5xx rate — and the probable
cause of each 502/503/504, with the evidence and what to check next.

With neither --config nor a source flag, gwtop discovers the running gateways and their
configuration (gwtop discover shows what it found).`,
		Example: `  gwtop                                  # discover the local gateway, open the screen
  gwtop -c gwtop.yaml                    # watch what a configuration file names
  gwtop --access-log /var/log/nginx/access.log --error-log /var/log/nginx/error.log
  gwtop demo                             # the embedded demo gateway with failing upstreams`,
		Version:       versionString(),
		Args:          unknownCommand,
		SilenceUsage:  true,
		SilenceErrors: true,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := ff.conflict(cmd.Flags()); err != nil {
				return err
			}
			if on, err := ff.fromConfig(cmd.Flags(), &src); err != nil {
				return err
			} else if on {
				return runFleetTUI(cmd.Context(), ff, uf, stdout)
			}
			return runTUI(cmd.Context(), &src, uf, stdout, stderr)
		},
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetVersionTemplate("{{.Version}}\n")
	root.SetFlagErrorFunc(flagError)
	root.SetUsageFunc(usage)
	root.SuggestionsMinimumDistance = 2
	src.register(root.Flags())
	uf.register(root.Flags())
	ff.register(root.Flags(), true)
	root.AddCommand(snapshotCmd(stdout, stderr), watchCmd(stdout, stderr), serveCmd(stdout, stderr), discoverCmd(stdout), markCmd(stdout, stderr), recordCmd(stdout, stderr), replayCmd(stdout, stderr), demoCmd(stdout), versionCmd(stdout), manCmd(stdout))
	root.InitDefaultCompletionCmd()
	root.Flags().SortFlags = false // help lists flags as registered: config first, kinds in rank order
	for _, c := range root.Commands() {
		c.SilenceUsage, c.SilenceErrors = true, true
		c.SetFlagErrorFunc(flagError)
		c.Flags().SortFlags = false
	}
	return root
}

// sources are the flags that say what to watch: --config and the quick
// flags, each kind's flag naming its configuration file (read even when
// the gateway is not running), and --no-discover.
type sources struct {
	q          config.Quick
	conf       map[string]*string // kind → --nginx-conf FILE …
	noDiscover bool
}

func (s *sources) register(fs *pflag.FlagSet) {
	s.q.Register(fs)
	s.conf = map[string]*string{}
	for _, k := range gateway.Kinds() {
		if k.ConfFlag == "" {
			continue
		}
		v := new(string)
		s.conf[k.Name] = v
		fs.StringVar(v, k.ConfFlag, "", fmt.Sprintf("discover from %s's configuration FILE (also when it is not running)", k.Title))
		group(fs, "sources", k.ConfFlag)
	}
	fs.BoolVar(&s.noDiscover, "no-discover", false, "do not discover the running gateways when neither --config nor a source flag is given")
	group(fs, "behaviour", "no-discover")
}

// configs are the configuration files the kinds' flags name.
func (s *sources) configs() map[string]string {
	out := map[string]string{}
	for kind, v := range s.conf {
		if v != nil && *v != "" {
			out[kind] = *v
		}
	}
	return out
}

func snapshotCmd(stdout, stderr io.Writer) *cobra.Command {
	var src sources
	var sf snapshotFlags
	c := &cobra.Command{
		Use:   "snapshot",
		Short: "collect for a while, print a table or one JSON document, exit",
		Long: `Collect for a while (--for, 5s by default), then print one table or, with --json, one JSON
document (docs/snapshot.schema.json) and exit. With --from-start and no --for, read the logs'
backlog to its end instead: the windows end at the last log line, and probes and status pages
are skipped. --filter EXPR keeps only the upstreams it matches, in the language of the TUI's /
filter: text, !text, /regex/, state:down, cause:refused, root:not_running, group:api,
gateway:nginx-2, comparisons (5xx>2%, p95>500ms, p50, p99, rps<1, req>=100); spaces join terms
with and, | with or. A bad expression exits 2 naming the term and its position.`,
		Example: `  gwtop snapshot -c gwtop.yaml --for 8s --json
  gwtop snapshot --access-log /var/log/nginx/access.log --error-log /var/log/nginx/error.log
  gwtop snapshot -c gwtop.yaml --from-start        # analyse the logs' backlog, then exit
  gwtop snapshot -c gwtop.yaml --since 03:00 --until 03:30   # only that half hour of it
  gwtop snapshot -c gwtop.yaml --filter 'state:down | cause:refused'`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := sf.fleet.conflict(cmd.Flags()); err != nil {
				return err
			}
			if _, err := sf.fleet.fromConfig(cmd.Flags(), &src); err != nil {
				return err
			}
			return runSnapshot(cmd.Context(), &src, sf, stdout, stderr)
		},
	}
	src.register(c.Flags())
	c.Flags().DurationVar(&sf.dur, "for", 0, "collect this long, then print (default 5s; with --from-start and no --for: read the logs to their end)")
	c.Flags().BoolVarP(&sf.asJSON, "json", "j", false, "print the snapshot as JSON (docs/snapshot.schema.json)")
	sf.fleet.register(c.Flags(), false)
	c.Flags().StringVar(&sf.failWhen, "fail-when", "", "fail when this RULE (gwtop watch's language) holds for an upstream, naming them on stderr")
	c.Flags().StringVar(&sf.filter, "filter", "", "print only the upstreams this EXPR matches, the TUI's / language: 'state:down | 5xx>2% p95>500ms' (--fail-when then judges only them)")
	c.Flags().StringVar(&sf.since, "since", "", "analyse only the backlog's lines from this time on: "+rangeTimeHelp+" (implies --from-start; rotated and gzipped copies are read when the range reaches into them)")
	c.Flags().StringVar(&sf.until, "until", "", "analyse only the backlog's lines before this time (as --since)")
	c.Flags().StringVar(&sf.replay, "replay", "", "print the snapshot a recording FILE holds (gwtop record) instead of collecting: the same diagnosis the live run had")
	c.Flags().StringVar(&sf.at, "at", "", "with --replay: the moment, 03:12:00, 03:12, RFC 3339, +2m (from the start) or -30s (before the end); default its end")
	group(c.Flags(), "behaviour", "for", "json", "fail-when", "filter", "since", "until", "replay", "at")
	return c
}

func discoverCmd(stdout io.Writer) *cobra.Command {
	var noExec bool
	var src sources
	c := &cobra.Command{
		Use:   "discover",
		Short: "print the configuration gwtop would watch, as commented YAML",
		Long: `Find the running gateways and print the configuration gwtop would watch, with a comment on
every item saying where it came from and notes on what could not be used and why. Save it,
edit it, and use it with --config. Discovery only reads: /proc and files; the only program it
runs is nginx -T (and -V), and only when that creates nothing.`,
		Example: `  gwtop discover > gwtop.yaml && gwtop -c gwtop.yaml
  gwtop discover --no-exec                          # read files only`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runDiscover(cmd.Context(), noExec, src.configs(), stdout)
		},
	}
	src.conf = map[string]*string{}
	for _, k := range gateway.Kinds() {
		if k.ConfFlag != "" {
			v := new(string)
			src.conf[k.Name] = v
			c.Flags().StringVar(v, k.ConfFlag, "", fmt.Sprintf("read %s's configuration FILE (also when it is not running)", k.Title))
			group(c.Flags(), "sources", k.ConfFlag)
		}
	}
	c.Flags().BoolVar(&noExec, "no-exec", false, "only read files: do not run nginx -T or nginx -V")
	group(c.Flags(), "behaviour", "no-exec")
	return c
}

func demoCmd(stdout io.Writer) *cobra.Command {
	var uf uiFlags
	var rate int
	c := &cobra.Command{
		Use:   "demo",
		Short: "run an embedded demo gateway with failing upstreams, and the screen on it",
		Long: `Start an embedded demo gateway that writes real nginx-format logs and a stub_status page, in
front of upstreams that fail on purpose (refused, slow, crashing, 5xx), and watch it through
the same configuration path as a real nginx.`,
		Example: "  gwtop demo\n  gwtop demo --rate 200 --theme light",
		Args:    noArgs,
		RunE:    func(cmd *cobra.Command, _ []string) error { return runDemo(cmd.Context(), uf, rate, stdout) },
	}
	uf.register(c.Flags())
	c.Flags().IntVar(&rate, "rate", 40, "requests per second the demo's traffic generator sends (1 to 1000)")
	group(c.Flags(), "behaviour", "rate")
	return c
}

func versionCmd(stdout io.Writer) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "print gwtop's version, commit, build date, Go toolchain and platform",
		Args:  noArgs,
		Run:   func(*cobra.Command, []string) { fmt.Fprintln(stdout, versionString()) },
	}
}

// group annotates flags with their section in the help.
func group(fs *pflag.FlagSet, name string, flags ...string) {
	for _, f := range flags {
		_ = fs.SetAnnotation(f, config.FlagGroup, []string{name})
	}
}

// flagGroups are the help's flag sections, in order.
var flagGroups = []struct{ key, title string }{
	{"sources", "Sources (what to watch; with none of them, gwtop discovers the running gateways)"},
	{"screen", "Screen"},
	{"behaviour", "Behaviour"},
	{"serve", "Serving (Prometheus /metrics, JSON)"},
	{"fleet", "Fleet (many agents, read back from Prometheus)"},
	{"", "Other"},
}

// usage writes a command's usage: its line, examples, subcommands, and its
// flags grouped by what they are for.
func usage(c *cobra.Command) error {
	w := c.OutOrStdout()
	fmt.Fprintf(w, "Usage:\n  %s", c.UseLine())
	if c.HasAvailableSubCommands() {
		fmt.Fprintf(w, "\n  %s [command]", c.CommandPath())
	}
	fmt.Fprintln(w)
	if c.Example != "" {
		fmt.Fprintf(w, "\nExamples:\n%s\n", c.Example)
	}
	if c.HasAvailableSubCommands() {
		fmt.Fprintln(w, "\nCommands:")
		for _, s := range c.Commands() {
			if s.IsAvailableCommand() || s.Name() == "help" {
				fmt.Fprintf(w, "  %-12s %s\n", s.Name(), s.Short)
			}
		}
	}
	all := c.Flags()
	for _, g := range flagGroups {
		fs := pflag.NewFlagSet(g.key, pflag.ContinueOnError)
		fs.SortFlags = false
		all.VisitAll(func(f *pflag.Flag) {
			if f.Hidden {
				return
			}
			key := ""
			if v := f.Annotations[config.FlagGroup]; len(v) > 0 {
				key = v[0]
			}
			if key == g.key || (g.key == "" && !slices.ContainsFunc(flagGroups, func(x struct{ key, title string }) bool { return x.key == key })) {
				fs.AddFlag(f)
			}
		})
		if fs.HasFlags() {
			fmt.Fprintf(w, "\n%s:\n%s", g.title, fs.FlagUsagesWrapped(100))
		}
	}
	if c.HasAvailableSubCommands() {
		fmt.Fprintf(w, "\nRun '%s help COMMAND' for more about a command.\n", c.CommandPath())
	}
	return nil
}

// unknownCommand rejects arguments to the root, which are misspelt
// commands, with the nearest commands as suggestions.
func unknownCommand(c *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	msg := fmt.Sprintf("unknown command %q", args[0])
	if s := c.SuggestionsFor(args[0]); len(s) > 0 {
		msg += "; did you mean " + strings.Join(s, " or ") + "?"
	}
	return usageError(msg)
}

func noArgs(c *cobra.Command, args []string) error {
	if len(args) > 0 {
		return usageError(fmt.Sprintf("%s takes no arguments, got %q", c.CommandPath(), args[0]))
	}
	return nil
}

// flagError makes a flag mistake a usage error (exit 2), with the nearest
// flag names when the flag is unknown.
func flagError(c *cobra.Command, err error) error {
	msg := err.Error()
	name := ""
	switch {
	case strings.HasPrefix(msg, "unknown flag: --"):
		name = strings.TrimPrefix(msg, "unknown flag: --")
	case strings.HasPrefix(msg, "unknown shorthand flag: "):
		if i := strings.Index(msg, " in -"); i >= 0 {
			name = strings.TrimLeft(msg[i+len(" in -"):], "-")
		}
	}
	if name != "" {
		name, _, _ = strings.Cut(name, "=")
		var near []string
		c.Flags().VisitAll(func(f *pflag.Flag) {
			if !f.Hidden && (levenshtein(name, f.Name) <= max(2, len(name)/4) || strings.HasPrefix(f.Name, name)) {
				near = append(near, "--"+f.Name)
			}
		})
		if len(near) > 0 {
			msg += "; did you mean " + strings.Join(near, " or ") + "?"
		}
	}
	return usageError(msg)
}

// levenshtein is the edit distance between two short strings.
func levenshtein(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}

// enum is a flag whose value is one of a list; anything else is refused
// with the list.
type enum struct {
	v       *string
	allowed []string
}

func newEnum(v *string, def string, allowed []string) *enum {
	*v = def
	return &enum{v: v, allowed: allowed}
}

func (e *enum) String() string { return *e.v }
func (e *enum) Type() string   { return "string" }
func (e *enum) Set(s string) error {
	if !slices.Contains(e.allowed, s) {
		return fmt.Errorf("want %s", strings.Join(e.allowed, ", "))
	}
	*e.v = s
	return nil
}
