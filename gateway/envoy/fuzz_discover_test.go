package envoy

import (
	"context"
	"testing"

	"github.com/gwtop/gwtop/config/discover/discovertest"
)

// FuzzDiscoverYAML: any Envoy bootstrap (YAML or JSON).
func FuzzDiscoverYAML(f *testing.F) {
	for _, s := range []string{
		"admin:\n  address:\n    socket_address: {address: 127.0.0.1, port_value: 9901}\nstatic_resources:\n  clusters:\n  - name: app\n    load_assignment:\n      cluster_name: app\n      endpoints:\n      - lb_endpoints:\n        - endpoint:\n            address:\n              socket_address: {address: 127.0.0.1, port_value: 8080}\n",
		"static_resources:\n  clusters:\n  - name: a\n    load_assignment:\n      endpoints:\n      - lb_endpoints:\n        - endpoint: {address: {socket_address: {address: app.internal, port_value: 70000}}}\n",
		"admin:\n  address:\n    socket_address: {address: \"u:" + discovertest.FuzzPassword + "@h\", port_value: 0}\n",
		"{}", "- [", "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data string) {
		if len(data) > 1<<14 {
			return
		}
		res, err := FromEnvoyConfig(context.Background(), "/etc/envoy/envoy.yaml", discovertest.FuzzOptions("/etc/envoy/envoy.yaml", []byte(data)))
		discovertest.CheckDiscovered(t, data, res, err)
	})
}
