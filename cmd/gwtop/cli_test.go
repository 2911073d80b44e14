package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"
)

// TestHelpOnStdout: help, for the root and for a command, goes to stdout
// (so `gwtop --help | less` works), grouped by what the flags are for, with
// examples; `gwtop help snapshot` is snapshot's help.
func TestHelpOnStdout(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"-h"}, {"help"}} {
		code, out, errOut := runCmd(args...)
		if code != 0 || errOut != "" {
			t.Errorf("%v: exit %d, stderr %q", args, code, errOut)
		}
		for _, s := range []string{"Usage:\n  gwtop [flags]", "Examples:", "Commands:", "snapshot", "Sources (what to watch", "Screen:", "Behaviour:",
			"-c, --config", "--apache-status", "-t, --theme", "-v, --version"} {
			if !strings.Contains(out, s) {
				t.Errorf("%v: help lacks %q", args, s)
			}
		}
		if strings.Index(out, "--config") > strings.Index(out, "--nginx-status") {
			t.Errorf("%v: --config is not first among the sources", args)
		}
	}
	for _, args := range [][]string{{"snapshot", "--help"}, {"help", "snapshot"}} {
		code, out, _ := runCmd(args...)
		if code != 0 || !strings.Contains(out, "Usage:\n  gwtop snapshot [flags]") || !strings.Contains(out, "-j, --json") || !strings.Contains(out, "gwtop snapshot -c gwtop.yaml") {
			t.Errorf("%v: exit %d\n%s", args, code, out)
		}
	}
	if _, out, _ := runCmd("discover", "--help"); !strings.Contains(out, "--no-exec   only read files: do not run nginx -T") {
		t.Errorf("discover help: the --no-exec line reads wrong:\n%s", out)
	}
}

// TestUsageMistakes: every mistake on the command line exits 2 with what
// was wrong and, where it is a misspelling, the nearest names.
func TestUsageMistakes(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"snapsot"}, `unknown command "snapsot"; did you mean snapshot?`},
		{[]string{"--confg", "x.yaml"}, "unknown flag: --confg; did you mean --config?"},
		{[]string{"snapshot", "--jsn"}, "unknown flag: --jsn; did you mean --json?"},
		{[]string{"--theme", "purple"}, "want auto, dark, light"},
		{[]string{"demo", "--refresh", "0"}, "--refresh 0s: want 50ms or more"},
		{[]string{"demo", "--rate", "0"}, "--rate 0: want 1 to 1000"},
		{[]string{"snapshot", "--for", "-1s"}, "--for -1s: want a positive duration"},
		{[]string{"snapshot", "--interval", "soon"}, `invalid argument "soon"`},
		{[]string{"discover", "extra"}, `gwtop discover takes no arguments, got "extra"`},
		{[]string{"--probe", "http://u:s3cret@h"}, "want NAME=URL"},
	} {
		code, out, errOut := runCmd(c.args...)
		if code != 2 || !strings.Contains(errOut, c.want) || !strings.Contains(errOut, "--help' for usage") || out != "" {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit 2 with %q", c.args, code, out, errOut, c.want)
		}
		if strings.Contains(errOut, "s3cret") {
			t.Errorf("%v: the password is in the error: %s", c.args, errOut)
		}
	}
	// A bad value in a file is a runtime failure of that file, not a usage mistake.
	path := filepath.Join(t.TempDir(), "g.yaml")
	if err := os.WriteFile(path, []byte("interval: 10ms\nnginx:\n  error_log: /x\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, _, errOut := runCmd("snapshot", "-c", path); code != 1 || !strings.Contains(errOut, "g.yaml:1: interval") {
		t.Errorf("bad file: exit %d, %s", code, errOut)
	}
	if code, _, errOut := runCmd("snapshot", "--interval", "10ms", "--probe", "x=tcp://127.0.0.1:1"); code != 1 || !strings.Contains(errOut, "--interval") {
		t.Errorf("--interval 10ms: exit %d, %s", code, errOut)
	}
}

// TestVersionFlag: --version and -v print what `gwtop version` prints.
func TestVersionFlag(t *testing.T) {
	_, want, _ := runCmd("version")
	for _, f := range []string{"--version", "-v"} {
		if code, out, _ := runCmd(f); code != 0 || out != want || !strings.HasPrefix(out, "gwtop ") {
			t.Errorf("%s: exit %d %q, want %q", f, code, out, want)
		}
	}
}

// TestCompletion: completion scripts for the shells operators use.
func TestCompletion(t *testing.T) {
	for shell, want := range map[string]string{"bash": "__start_gwtop", "zsh": "#compdef gwtop", "fish": "complete -c gwtop"} {
		if code, out, errOut := runCmd("completion", shell); code != 0 || !strings.Contains(out, want) {
			t.Errorf("completion %s: exit %d, %d bytes, stderr %q", shell, code, len(out), errOut)
		}
	}
}

// TestManPagesInSync: docs/man is what `gwtop man --dir` writes for this
// command line (regenerate: go run ./cmd/gwtop man --dir docs/man). The .TH
// line carries the generation date and is not compared.
func TestManPagesInSync(t *testing.T) {
	dir := t.TempDir()
	if code, _, errOut := runCmd("man", "--dir", dir); code != 0 {
		t.Fatalf("man --dir: exit %d %s", code, errOut)
	}
	fresh, _ := filepath.Glob(filepath.Join(dir, "*.1"))
	kept, _ := filepath.Glob("../../docs/man/*.1")
	if len(fresh) == 0 || len(fresh) != len(kept) {
		t.Fatalf("%d pages generated, %d in docs/man: regenerate with go run ./cmd/gwtop man --dir docs/man", len(fresh), len(kept))
	}
	strip := func(b []byte) string {
		var out []string
		for _, l := range strings.Split(string(b), "\n") {
			if !strings.HasPrefix(l, ".TH ") {
				out = append(out, l)
			}
		}
		return strings.Join(out, "\n")
	}
	for _, f := range fresh {
		a, _ := os.ReadFile(f)
		b, err := os.ReadFile(filepath.Join("../../docs/man", filepath.Base(f)))
		if err != nil || strip(a) != strip(b) {
			t.Errorf("docs/man/%s is out of date: regenerate with go run ./cmd/gwtop man --dir docs/man", filepath.Base(f))
		}
	}
	var out bytes.Buffer
	root := newRoot(&out, &out)
	page, err := manPage(root)
	if err != nil || !strings.Contains(string(page), "gwtop - top for an API gateway") {
		t.Errorf("man page: %v\n%.300s", err, page)
	}
}

// TestRefreshPacesTheEngine: the live screen's engine publishes once a
// second, or at the pace --refresh gives.
func TestRefreshPacesTheEngine(t *testing.T) {
	for _, c := range []struct {
		args []string
		want time.Duration
	}{
		{nil, time.Second},
		{[]string{"--refresh", "200ms"}, 200 * time.Millisecond},
		{[]string{"--refresh", "3s"}, 3 * time.Second},
	} {
		var f uiFlags
		fs := pflag.NewFlagSet("gwtop", pflag.ContinueOnError)
		f.register(fs)
		if err := fs.Parse(c.args); err != nil {
			t.Fatal(err)
		}
		if got := f.publish(); got != c.want {
			t.Errorf("%v: the engine publishes every %v, want %v", c.args, got, c.want)
		}
	}
}
