package caddy

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

// TestDiscoverCaddy reads a small Caddyfile and a small JSON configuration.
func TestDiscoverCaddy(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	noDNS := &discover.Options{LookupHost: func(_ context.Context, h string) ([]string, error) {
		if h == "app.internal" {
			return []string{"10.1.2.3"}, nil
		}
		return nil, errors.New("no such host")
	}}
	caddyOf := func(cfg *config.Config) *Config { return config.SectionOf[*Config](cfg, "caddy") }

	caddyfile := filepath.Join(dir, "Caddyfile")
	discovertest.Write(t, caddyfile, `{
	admin 127.0.0.1:2020
}

api.example.com {
	reverse_proxy /v1/* 127.0.0.1:9001 127.0.0.1:9002
	reverse_proxy {
		to http://localhost:9003
	}
	log {
		output file `+filepath.Join(dir, "caddy.log")+`
	}
}
`)
	discovertest.Write(t, filepath.Join(dir, "caddy.log"), "")
	res, err := FromCaddyConfig(ctx, caddyfile, noDNS)
	if err != nil {
		t.Fatal(err)
	}
	if c := caddyOf(res.Config); c == nil || c.Admin != "127.0.0.1:2020" || c.Log != filepath.Join(dir, "caddy.log") {
		t.Errorf("caddy: %+v", c)
	}
	if got := discovertest.UpstreamSet(res.Config); len(got) != 3 || got[2] != "localhost:9003  localhost:9003 tcp://localhost:9003" {
		t.Errorf("caddy upstreams: %q", got)
	}
	discovertest.CheckRoundTrip(t, res)

	caddyJSON := filepath.Join(dir, "caddy.json")
	discovertest.Write(t, caddyJSON, `{"apps":{"http":{"servers":{"a":{"routes":[{"handle":[{"handler":"reverse_proxy","upstreams":[{"dial":"10.0.0.5:80"}]}]}]}}}}}`)
	res, err = FromCaddyConfig(ctx, caddyJSON, noDNS)
	if err != nil {
		t.Fatal(err)
	}
	if c := caddyOf(res.Config); c == nil || c.Admin != "localhost:2019" || len(res.Config.Upstreams) != 1 || res.Config.Upstreams[0].Address != "10.0.0.5:80" {
		t.Errorf("caddy json: %+v %q", c, discovertest.UpstreamSet(res.Config))
	}
}

const stoppedCaddyfile = `example.test {
	reverse_proxy 127.0.0.1:9001
	log {
		output file /var/log/caddy/access.log
	}
}
`

// TestCaddyNotRunning: with no caddy process, discovery reads the
// packages' /etc/caddy/Caddyfile, says that Caddy is not running, and
// still follows its log; --caddyfile wins over it; a missing --caddyfile
// is an error naming the flag.
func TestCaddyNotRunning(t *testing.T) {
	caddyOf := func(cfg *config.Config) *Config { return config.SectionOf[*Config](cfg, "caddy") }
	h := discovertest.NewHost(t)
	h.Write("/etc/caddy/Caddyfile", stoppedCaddyfile)
	h.Write("/var/log/caddy/access.log", "")
	res, err := h.Discover(nil)
	if err != nil {
		t.Fatal(err)
	}
	discovertest.CheckNotRunning(t, res, "caddy", "Caddy", "/etc/caddy/Caddyfile")
	if c := caddyOf(res.Config); c == nil || c.Log != "/var/log/caddy/access.log" || c.Admin != "localhost:2019" {
		t.Errorf("caddy: %+v\n%s", c, res.YAML)
	}
	if got := discovertest.UpstreamSet(res.Config); len(got) != 1 || !strings.Contains(got[0], "127.0.0.1:9001") {
		t.Errorf("upstreams %q", got)
	}

	h.Write("/srv/site/Caddyfile", "{\n\tadmin 127.0.0.1:2020\n}\nsite.test {\n\treverse_proxy 127.0.0.1:9002\n\tlog {\n\t\toutput file /srv/site/caddy.log\n\t}\n}\n")
	h.Write("/srv/site/caddy.log", "")
	res, err = h.Discover(map[string]string{"caddy": "/srv/site/Caddyfile"})
	if err != nil {
		t.Fatal(err)
	}
	discovertest.CheckNotRunning(t, res, "caddy", "Caddy", "/srv/site/Caddyfile")
	if c := caddyOf(res.Config); c == nil || c.Log != "/srv/site/caddy.log" || c.Admin != "127.0.0.1:2020" {
		t.Errorf("caddy from --caddyfile: %+v\n%s", c, res.YAML)
	}

	h.CheckMissingConfig("caddy", "caddyfile", "/srv/none/Caddyfile")
}
