package collector

import (
	"context"
	"os"
	"testing"

	"github.com/gwtop/gwtop/config"
)

// startEngine parses yaml (with $VARs from the environment), starts an
// engine on it with opt and stops it when the test ends.
func startEngine(t testing.TB, yaml string, opt Options) *Engine {
	t.Helper()
	cfg, err := config.Parse("t", []byte(yaml), os.LookupEnv)
	if err != nil {
		t.Fatal(err)
	}
	eng, err := New(cfg, opt)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	eng.Start(ctx)
	t.Cleanup(func() {
		cancel()
		eng.Stop()
	})
	return eng
}
