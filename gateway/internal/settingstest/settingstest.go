// Package settingstest holds the checks every gateway kind's Settings
// tests share: a setting names only upstreams discovery lists, a missing
// file is named, a broken file is named with the line of the fault and
// the rest of it still read.
package settingstest

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gwtop/gwtop/config"
	"github.com/gwtop/gwtop/config/discover"
	"github.com/gwtop/gwtop/facts"
)

// Func is a kind's Settings.
type Func func(ctx context.Context, p discover.Proc, conf string) ([]facts.Setting, error)

// Listed checks that every setting is for an upstream row (address or
// group) of the configuration discovery built from the same file.
func Listed(t *testing.T, cfg *config.Config, got []facts.Setting) {
	t.Helper()
	rows := map[string]bool{}
	for _, u := range cfg.Upstreams {
		rows[u.Address], rows[u.Group] = true, true
	}
	for _, s := range got {
		if !rows[s.Upstream] {
			t.Errorf("setting for %s, which discovery does not list (%v)", s.Upstream, rows)
		}
	}
}

// Missing checks that a file that does not exist is an error naming it.
func Missing(t *testing.T, settings Func, name string) {
	t.Helper()
	missing := filepath.Join(t.TempDir(), name)
	if _, err := settings(context.Background(), discover.Proc{}, missing); err == nil || !strings.Contains(err.Error(), missing) || !strings.Contains(err.Error(), "no such file") {
		t.Errorf("missing file: %v", err)
	}
}

// Broken writes text as name and checks that Settings fails naming the
// file and line; it returns what was read of the rest, for the caller to
// check.
func Broken(t *testing.T, settings Func, name, text string, line string) []facts.Setting {
	t.Helper()
	bad := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(bad, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := settings(context.Background(), discover.Proc{}, bad)
	if err == nil || !strings.Contains(err.Error(), bad+":"+line) {
		t.Errorf("broken file: %v, want %s:%s", err, bad, line)
	}
	return got
}

// Proc is the process pid as discovery lists it (its command line, cwd and
// environment from /proc); the test fails when it is not listed.
func Proc(t *testing.T, pid int, what string) discover.Proc {
	t.Helper()
	ps, err := discover.SystemProcesses(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range ps {
		if int(q.PID) == pid {
			return q
		}
	}
	t.Fatalf("%s pid %d not among the processes discovery lists", what, pid)
	return discover.Proc{}
}

// FuzzOptions are discovery options that read text as the file path and
// nothing else, and resolve no name: a fuzz target's whole world.
func FuzzOptions(path, text string) discover.Options {
	return discover.Options{
		ReadFile: func(p string) ([]byte, error) {
			if p == path {
				return []byte(text), nil
			}
			return nil, os.ErrNotExist
		},
		LookupHost: func(context.Context, string) ([]string, error) { return nil, errNoDNS },
		NoExec:     true,
	}
}

var errNoDNS = errors.New("no DNS in the fuzz test")
