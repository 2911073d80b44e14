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

	refused := func() (int64, float64) {
		s := eng.Latest()
		var req int64
		for _, u := range s.Upstreams {
			if u.Name == "refused" {
				req = u.Total.Requests
			}
		}
		var rot float64
		for _, gw := range s.Gateways {
			if gw.Source == "access_log" {
				rot = gw.Counters["rotations"]
			}
		}
		return req, rot
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
	var u model.Upstream
	for _, x := range eng.Latest().Upstreams {
		if x.Name == "refused" {
			u = x
		}
	}
	if u.State != model.StateDown || len(u.Causes) == 0 || u.Causes[0].Code != model.CauseRefused {
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
