package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/gwtop/gwtop/internal/faults"
	"github.com/gwtop/gwtop/model"
)

// upstreamWant is what a snapshot must say of one upstream row.
type upstreamWant struct {
	name  string      // "" for any
	state model.State // "" for any
	cause model.Cause // the top cause (Upstream.TopCause); "" for none
}

// checkUpstream finds the row of address behind gateway ("" for any) in s,
// logs it, and asserts its name and state (where w gives them) and its top
// cause, which must come with its evidence, a hint and a next step. It
// returns the row, and false when s has none (the test has failed then).
func checkUpstream(t *testing.T, label string, s *model.Snapshot, gateway, address string, w upstreamWant) (model.Upstream, bool) {
	t.Helper()
	u, ok := s.Upstream(gateway, address)
	if !ok {
		var have []string
		for _, x := range s.Upstreams {
			have = append(have, x.Name+"="+x.Address)
		}
		t.Errorf("%s: %s %s missing from the snapshot, which has %v", label, w.name, address, have)
		return u, false
	}
	top := u.TopCause()
	t.Logf("%s: %-18s %-22s %-8s top=%-17s %s | %d req, 5xx %.0f%%, p95 %.0fms | causes %s | sources %v", label, u.Name, u.Address, u.State, top, u.StateReason,
		u.Requests, u.Rate5xx*100, u.LatencyMS.P95, causeList(u), u.Sources)
	if w.name != "" && u.Name != w.name {
		t.Errorf("%s: %s: name %q, want %q", label, u.Address, u.Name, w.name)
	}
	if w.state != "" && u.State != w.state {
		t.Errorf("%s: %s (%s) state = %s (%s), want %s", label, u.Name, u.Address, u.State, u.StateReason, w.state)
	}
	if top != w.cause {
		var ev []string
		for _, c := range u.Causes {
			ev = append(ev, fmt.Sprintf("%s: %s", c.Code, c.Evidence))
		}
		t.Errorf("%s: %s (%s) top cause = %q, want %q (causes %s; evidence:\n%s)", label, u.Name, u.Address, top, w.cause, causeList(u), strings.Join(ev, "\n"))
	} else if c := u.Causes; top != "" && (c[0].Evidence == "" || c[0].Hint == "" || c[0].NextStep == "") {
		t.Errorf("%s: %s (%s) cause lacks evidence, hint or next step: %+v", label, u.Name, u.Address, c[0])
	}
	return u, true
}

// checkUpstreams asserts what wants says of each address (see
// checkUpstream).
func checkUpstreams(t *testing.T, label string, s *model.Snapshot, gateway string, wants map[string]upstreamWant) {
	t.Helper()
	for addr, w := range wants {
		checkUpstream(t, label, s, gateway, addr, w)
	}
}

func causeList(u model.Upstream) string {
	var parts []string
	for _, c := range u.Causes {
		parts = append(parts, fmt.Sprintf("%s×%d(%s)", c.Code, c.Count, c.Source))
	}
	return strings.Join(parts, " ")
}

// writeFile writes text to a file of that name in a new temporary
// directory and returns its path.
func writeFile(t *testing.T, name, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// keepLogs copies the logs named into $GWTOP_KEEP_LOGS when the test has
// failed, for a look after the run.
func keepLogs(t *testing.T, paths ...string) {
	t.Helper()
	keep := os.Getenv("GWTOP_KEEP_LOGS")
	if keep == "" || !t.Failed() {
		return
	}
	for _, p := range paths {
		if b, err := os.ReadFile(p); err == nil {
			_ = os.WriteFile(filepath.Join(keep, filepath.Base(p)), b, 0o644)
		}
	}
}

// snapshotsUnderTraffic runs gwtop snapshot once per entry of runs (label →
// arguments), all at once, while traffic sends requests through the
// gateway under test, and returns the snapshots by label once the runs and
// the traffic are over.
func snapshotsUnderTraffic(t *testing.T, traffic func(context.Context) *sync.WaitGroup, runs map[string][]string) map[string]*model.Snapshot {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	wg := traffic(ctx)
	defer func() { cancel(); wg.Wait() }()
	snaps := map[string]*model.Snapshot{}
	var mu sync.Mutex
	var all sync.WaitGroup
	for label, args := range runs {
		all.Go(func() {
			s := snapshotJSON(t, args...)
			mu.Lock()
			snaps[label] = s
			mu.Unlock()
		})
	}
	all.Wait()
	return snaps
}

// prefixTraffic is faults.Traffic for these prefixes.
func prefixTraffic(prefixes map[string]int) func(context.Context) *sync.WaitGroup {
	return func(ctx context.Context) *sync.WaitGroup { return faults.Traffic(ctx, prefixes) }
}
