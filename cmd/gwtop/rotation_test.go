package main

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/gwtop/gwtop/collector"
	"github.com/gwtop/gwtop/config"
	"github.com/gwtop/gwtop/model"
)

// TestNginxLogRotation renames a real nginx's logs while gwtop follows them
// and makes nginx reopen its files, as logrotate does: gwtop must drain the
// old file, follow the new one and keep counting.
func TestNginxLogRotation(t *testing.T) {
	g := startGateway(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cfg, err := config.Load(g.writeConfig(t, false, false))
	if err != nil {
		t.Fatal(err)
	}
	eng, err := collector.New(cfg, collector.Options{Publish: 100 * time.Millisecond, NoHost: true})
	if err != nil {
		t.Fatal(err)
	}
	eng.Start(ctx)
	defer eng.Stop()
	wg := g.traffic(ctx)
	defer func() { cancel(); wg.Wait() }()

	var refusedAddr string
	for _, f := range g.faults {
		if f.name == "refused" {
			refusedAddr = f.address()
		}
	}
	refused := func() (int64, float64) {
		s := eng.Latest()
		u, _ := s.Upstream("nginx", refusedAddr)
		gw, _ := s.Gateway("nginx", "access_log", "")
		return u.Total.Requests, gw.Counters["rotations"]
	}
	waitFor(t, "requests before rotation", func() bool { n, _ := refused(); return n >= 10 })
	if err := os.Rename(g.nginx.AccessLog, g.nginx.AccessLog+".1"); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(g.nginx.ErrorLog, g.nginx.ErrorLog+".1"); err != nil {
		t.Fatal(err)
	}
	if err := g.nginx.ReopenLogs(); err != nil {
		t.Fatal(err)
	}
	before, _ := refused()
	waitFor(t, "requests after rotation", func() bool {
		n, rot := refused()
		return rot >= 1 && n >= before+20
	})
	if _, err := os.Stat(g.nginx.AccessLog); err != nil {
		t.Fatalf("nginx did not reopen its access log: %v", err)
	}
	if u, _ := eng.Latest().Upstream("nginx", refusedAddr); u.State != model.StateDown || u.TopCause() != model.CauseRefused {
		t.Errorf("after rotation: %s %+v", u.State, u.Causes)
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if cond() {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s", what)
}
