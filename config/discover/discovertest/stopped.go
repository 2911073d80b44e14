package discovertest

import (
	"context"
	"errors"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gwtop/gwtop/config/discover"
)

// Host is a host's file tree under t.TempDir(): files are written where a
// gateway names them and discovery reads them through Options.Root, so a
// test sees neither this machine's configuration files nor its processes.
type Host struct {
	t    testing.TB
	Root string
}

// NewHost starts an empty tree.
func NewHost(t testing.TB) *Host { return &Host{t: t, Root: t.TempDir()} }

// Write writes a file at path, as the gateway names it (absolute), under
// the root.
func (h *Host) Write(path, text string) {
	h.t.Helper()
	write(h.t, filepath.Join(h.Root, path), text)
}

// Options are discovery's options on the tree: only procs run (none when
// nil), no program is run, host names do not resolve; configs is
// Options.Configs.
func (h *Host) Options(configs map[string]string, procs ...discover.Proc) discover.Options {
	return discover.Options{
		Root:      h.Root,
		NoExec:    true,
		Configs:   configs,
		Processes: func(context.Context) ([]discover.Proc, error) { return procs, nil },
		LookupHost: func(_ context.Context, host string) ([]string, error) {
			return nil, errors.New("no such host")
		},
	}
}

// Discover runs discovery on the tree (see Options).
func (h *Host) Discover(configs map[string]string, procs ...discover.Proc) (*discover.Result, error) {
	return discover.Discover(context.Background(), h.Options(configs, procs...))
}

// CheckNotRunning checks that discovery read kind's configuration file
// path with no process of the kind running, and says so where an operator
// looks: the Found entry (not running, no pid), the notes and the YAML
// (its header and the section's comment); and that the YAML loads back.
// title is how the kind is written ("HAProxy").
func CheckNotRunning(t testing.TB, res *discover.Result, kind, title, path string) {
	t.Helper()
	var found []discover.Gateway
	for _, g := range res.Found {
		if g.Kind == kind {
			found = append(found, g)
		}
	}
	if len(found) != 1 || found[0].Config != path || !found[0].NotRunning || !found[0].Used || found[0].PID != 0 {
		t.Errorf("%s found: %+v; want one, not running, read from %s", kind, found, path)
	}
	note := kind + ": " + discover.NotRunningNote(title, path)
	if !contains(res.Notes, note) {
		t.Errorf("notes lack %q:\n%s", note, strings.Join(res.Notes, "\n"))
	}
	for _, s := range []string{
		"# " + kind + " is NOT running: read its configuration " + path,
		"# " + discover.NotRunningNote(title, path) + "\n",
	} {
		if !strings.Contains(string(res.YAML), s) {
			t.Errorf("the YAML lacks %q:\n%s", s, res.YAML)
		}
	}
	CheckRoundTrip(t, res)
}

func contains(list []string, s string) bool {
	for _, l := range list {
		if l == s {
			return true
		}
	}
	return false
}

// CheckMissingConfig checks that a configuration file named by a kind's
// flag that does not exist stops discovery with a ConfigFileError naming
// the flag and the file.
func (h *Host) CheckMissingConfig(kind, flag, path string) {
	h.t.Helper()
	_, err := h.Discover(map[string]string{kind: path})
	var ce *discover.ConfigFileError
	if !errors.As(err, &ce) || !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), "--"+flag+" "+path) || !strings.Contains(err.Error(), "does not exist") {
		h.t.Errorf("a missing --%s file: %v", flag, err)
	}
}
