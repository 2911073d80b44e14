package traefik

import (
	"context"
	"testing"

	"github.com/gwtop/gwtop/config/discover/discovertest"
)

// FuzzDiscoverStatic: any Traefik static configuration, as TOML and as
// YAML.
func FuzzDiscoverStatic(f *testing.F) {
	for _, s := range []string{
		"[entryPoints.web]\n  address = \":80\"\n[api]\n  insecure = true\n[accessLog]\n  filePath = \"/var/log/traefik/access.log\"\n",
		"entryPoints:\n  traefik:\n    address: \":8080\"\napi:\n  insecure: true\naccessLog:\n  filePath: /var/log/traefik/access.log\n  format: json\n",
		"entryPoints:\n  traefik:\n    address: \"u:" + discovertest.FuzzPassword + "@127.0.0.1:70000\"\napi: {}\n",
		"[api\n", "= = =", "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data string) {
		if len(data) > 1<<14 {
			return
		}
		for _, path := range []string{"/etc/traefik/traefik.toml", "/etc/traefik/traefik.yml"} {
			res, err := FromTraefikConfig(context.Background(), path, discovertest.FuzzOptions(path, []byte(data)))
			discovertest.CheckDiscovered(t, data, res, err)
		}
	})
}
