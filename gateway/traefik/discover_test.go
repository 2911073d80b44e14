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

// TestTraefikNotRunning: with no traefik process, discovery reads the
// first of /etc/traefik/traefik.{yml,yaml,toml} there is, says that
// Traefik is not running and still follows its JSON access log;
// --traefik-config wins; a missing one is an error naming the flag.
func TestTraefikNotRunning(t *testing.T) {
	traefikOf := func(cfg *config.Config) *Config { return config.SectionOf[*Config](cfg, "traefik") }
	for _, std := range []string{"/etc/traefik/traefik.yml", "/etc/traefik/traefik.yaml"} {
		h := discovertest.NewHost(t)
		h.Write(std, "api:\n  insecure: true\naccessLog:\n  filePath: /var/log/traefik/access.log\n  format: json\n")
		h.Write("/etc/traefik/traefik.toml", "[api]\n  insecure = true\n") // later in the order: not read
		h.Write("/var/log/traefik/access.log", "")
		res, err := h.Discover(nil)
		if err != nil {
			t.Fatal(err)
		}
		discovertest.CheckNotRunning(t, res, "traefik", "Traefik", std)
		if tr := traefikOf(res.Config); tr == nil || tr.AccessLog != "/var/log/traefik/access.log" || tr.API != "http://127.0.0.1:8080" {
			t.Errorf("%s: traefik %+v\n%s", std, tr, res.YAML)
		}
		if std != "/etc/traefik/traefik.yml" {
			continue
		}
		h.Write("/srv/traefik/static.toml", "[api]\n  insecure = true\n[entryPoints.traefik]\n  address = \"127.0.0.1:9090\"\n")
		res, err = h.Discover(map[string]string{"traefik": "/srv/traefik/static.toml"})
		if err != nil {
			t.Fatal(err)
		}
		discovertest.CheckNotRunning(t, res, "traefik", "Traefik", "/srv/traefik/static.toml")
		if tr := traefikOf(res.Config); tr == nil || tr.API != "http://127.0.0.1:9090" || tr.AccessLog != "" {
			t.Errorf("traefik from --traefik-config: %+v\n%s", tr, res.YAML)
		}
		h.CheckMissingConfig("traefik", "traefik-config", "/srv/traefik/none.yml")
	}
}
