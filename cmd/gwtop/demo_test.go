package main

import (
	"context"
	"testing"
	"time"

	"github.com/gwtop/gwtop/collector"
	"github.com/gwtop/gwtop/demo"
	"github.com/gwtop/gwtop/model"
)

// TestDemoProducesCauses runs the demo gateway through the same
// configuration and engine as `gwtop demo`, and waits until the snapshot
// shows several upstreams with latencies and at least two different causes
// (the "within 10 seconds"; the deadline here is looser because CI
// machines are shared).
func TestDemoProducesCauses(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	gw, err := demo.Start(ctx, demo.Options{Rate: 60, Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer gw.Close()
	cfg, err := demoConfig(gw)
	if err != nil {
		t.Fatal(err)
	}
	eng, err := collector.New(cfg, collector.Options{Publish: 200 * time.Millisecond, NoHost: true})
	if err != nil {
		t.Fatal(err)
	}
	eng.Start(ctx)
	defer eng.Stop()

	deadline := time.Now().Add(30 * time.Second)
	var last *model.Snapshot
	for time.Now().Before(deadline) {
		time.Sleep(250 * time.Millisecond)
		last = eng.Latest()
		causes := map[model.Cause]bool{}
		withLatency := 0
		for _, u := range last.Upstreams {
			if u.LatencyMS.Count > 0 {
				withLatency++
			}
			if c := u.TopCause(); c != "" {
				causes[c] = true
			}
		}
		if withLatency >= 3 && len(causes) >= 2 {
			t.Logf("after %v: %d upstreams with latency, top causes %v", time.Since(deadline.Add(-30*time.Second)).Round(time.Second), withLatency, causes)
			return
		}
	}
	for _, u := range last.Upstreams {
		t.Logf("%s %s %s lat=%d causes=%v", u.Name, u.Address, u.State, u.LatencyMS.Count, u.Causes)
	}
	t.Fatal("the demo did not show three upstreams with latency and two causes within 30s")
}
