package envoy

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/gwtop/gwtop/config"
	"github.com/gwtop/gwtop/config/discover"
	"github.com/gwtop/gwtop/config/discover/discovertest"
)

// TestDiscoverEnvoy reads a small static Envoy configuration.
func TestDiscoverEnvoy(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	noDNS := &discover.Options{LookupHost: func(_ context.Context, h string) ([]string, error) {
		if h == "app.internal" {
			return []string{"10.1.2.3"}, nil
		}
		return nil, errors.New("no such host")
	}}

	envoy := filepath.Join(dir, "envoy.yaml")
	discovertest.Write(t, envoy, `admin:
  address:
    socket_address: { address: 0.0.0.0, port_value: 9901 }
static_resources:
  listeners:
  - name: l
    filter_chains:
    - filters:
      - name: envoy.filters.network.http_connection_manager
        typed_config:
          access_log:
          - name: envoy.access_loggers.file
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog
              path: `+filepath.Join(dir, "envoy.log")+`
              log_format:
                json_format: { status: "%RESPONSE_CODE%" }
  clusters:
  - name: app
    health_checks:
    - http_health_check: { path: /healthz }
    load_assignment:
      cluster_name: app
      endpoints:
      - lb_endpoints:
        - endpoint: { address: { socket_address: { address: app.internal, port_value: 8080 } } }
        - endpoint: { address: { socket_address: { address: 10.1.2.4, port_value: 8080 } } }
`)
	discovertest.Write(t, filepath.Join(dir, "envoy.log"), "")
	res, err := FromEnvoyConfig(ctx, envoy, noDNS)
	if err != nil {
		t.Fatal(err)
	}
	if en := config.SectionOf[*Config](res.Config, "envoy"); en == nil || en.Admin != "http://127.0.0.1:9901" || en.AccessLog != filepath.Join(dir, "envoy.log") || en.LogFormat != "json" {
		t.Errorf("envoy: %+v", en)
	}
	want := []string{"app app 10.1.2.3:8080 http://10.1.2.3:8080/healthz", "app app 10.1.2.4:8080 http://10.1.2.4:8080/healthz"}
	if got := discovertest.UpstreamSet(res.Config); !reflect.DeepEqual(got, want) {
		t.Errorf("envoy upstreams: %q", got)
	}
	discovertest.CheckRoundTrip(t, res)
}

const stoppedEnvoy = `admin:
  address:
    socket_address: { address: 127.0.0.1, port_value: 9901 }
static_resources:
  listeners:
  - name: l
    filter_chains:
    - filters:
      - name: envoy.filters.network.http_connection_manager
        typed_config:
          access_log:
          - name: envoy.access_loggers.file
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog
              path: %s
  clusters:
  - name: app
    load_assignment:
      cluster_name: app
      endpoints:
      - lb_endpoints:
        - endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: 9001 } } }
`

// TestEnvoyNotRunning: with no envoy process, discovery reads
// /etc/envoy/envoy.yaml, says that Envoy is not running and still follows
// its access log; --envoy-config wins; a missing one is an error naming
// the flag.
func TestEnvoyNotRunning(t *testing.T) {
	envoyOf := func(cfg *config.Config) *Config { return config.SectionOf[*Config](cfg, "envoy") }
	h := discovertest.NewHost(t)
	h.Write("/etc/envoy/envoy.yaml", fmt.Sprintf(stoppedEnvoy, "/var/log/envoy/access.log"))
	h.Write("/var/log/envoy/access.log", "")
	res, err := h.Discover(nil)
	if err != nil {
		t.Fatal(err)
	}
	discovertest.CheckNotRunning(t, res, "envoy", "Envoy", "/etc/envoy/envoy.yaml")
	if en := envoyOf(res.Config); en == nil || en.AccessLog != "/var/log/envoy/access.log" || en.Admin != "http://127.0.0.1:9901" || en.LogFormat != "default" {
		t.Errorf("envoy: %+v\n%s", en, res.YAML)
	}
	if got := discovertest.UpstreamSet(res.Config); len(got) != 1 || !strings.Contains(got[0], "127.0.0.1:9001") {
		t.Errorf("upstreams %q", got)
	}

	h.Write("/srv/envoy/front.yaml", fmt.Sprintf(stoppedEnvoy, "/srv/envoy/front.log"))
	h.Write("/srv/envoy/front.log", "")
	res, err = h.Discover(map[string]string{"envoy": "/srv/envoy/front.yaml"})
	if err != nil {
		t.Fatal(err)
	}
	discovertest.CheckNotRunning(t, res, "envoy", "Envoy", "/srv/envoy/front.yaml")
	if en := envoyOf(res.Config); en == nil || en.AccessLog != "/srv/envoy/front.log" {
		t.Errorf("envoy from --envoy-config: %+v", en)
	}
	h.CheckMissingConfig("envoy", "envoy-config", "/srv/envoy/none.yaml")
}
