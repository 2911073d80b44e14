package traefik

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gwtop/gwtop/config"
	"github.com/gwtop/gwtop/config/discover"
	"github.com/gwtop/gwtop/config/discover/discovertest"
)

// TestDiscoverTraefik reads a small YAML and a small TOML static
// configuration.
func TestDiscoverTraefik(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	noDNS := &discover.Options{LookupHost: func(_ context.Context, h string) ([]string, error) {
		if h == "app.internal" {
			return []string{"10.1.2.3"}, nil
		}
		return nil, errors.New("no such host")
	}}
	traefikOf := func(cfg *config.Config) *Config { return config.SectionOf[*Config](cfg, "traefik") }

	traefik := filepath.Join(dir, "traefik.yml")
	discovertest.Write(t, traefik, "entryPoints:\n  web:\n    address: ':80'\n  traefik:\n    address: '127.0.0.1:8081'\napi:\n  insecure: true\naccessLog:\n  filePath: "+filepath.Join(dir, "t.log")+"\n  format: json\n")
	discovertest.Write(t, filepath.Join(dir, "t.log"), "")
	res, err := FromTraefikConfig(ctx, traefik, noDNS)
	if err != nil {
		t.Fatal(err)
	}
	if tr := traefikOf(res.Config); tr == nil || tr.API != "http://127.0.0.1:8081" || tr.AccessLog != filepath.Join(dir, "t.log") {
		t.Errorf("traefik: %+v", tr)
	}
	discovertest.CheckRoundTrip(t, res)
	toml := filepath.Join(dir, "traefik.toml")
	discovertest.Write(t, toml, "[api]\n  insecure = true\n[accessLog]\n")
	res, err = FromTraefikConfig(ctx, toml, noDNS)
	if err != nil {
		t.Fatal(err)
	}
	if tr := traefikOf(res.Config); tr == nil || tr.API != "http://127.0.0.1:8080" || !strings.Contains(strings.Join(res.Notes, "\n"), "goes to stdout") {
		t.Errorf("traefik toml: %+v %q", tr, res.Notes)
	}
}
