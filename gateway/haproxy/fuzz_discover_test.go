package haproxy

import (
	"context"
	"testing"

	"github.com/gwtop/gwtop/config/discover/discovertest"
)

// FuzzDiscoverConfig: any haproxy.cfg, read as discovery reads a stopped
// HAProxy's configuration.
func FuzzDiscoverConfig(f *testing.F) {
	for _, s := range []string{
		"global\n    stats socket /run/haproxy/admin.sock mode 600 level admin\n    log /dev/log local0\ndefaults\n    mode http\n    timeout server 5s\nfrontend fe\n    bind :80\n    default_backend api\nbackend api\n    option httpchk GET /health\n    server api1 127.0.0.1:8001 check\n    server api2 127.0.0.1:8002 check backup\n",
		"listen stats\n    bind 127.0.0.1:8404\n    stats enable\n    stats uri /stats\n    stats auth admin:" + discovertest.FuzzPassword + "\n",
		"backend b\n    server s1 127.0.0.1:0\n    server s1 127.0.0.1:70000\n",
		"backend a\n    server web1 10.0.0.1:80\nbackend b\n    server web1 10.0.0.2:80\n",
		"backend b\n    server-template w 3 app.internal:8080\n    default-server inter 2s\n    server u /run/app.sock\n",
		"global\n    stats socket ipv4@127.0.0.1:9999 level admin\n",
		"frontend \"unterminated\n",
		"",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data string) {
		if len(data) > 1<<14 {
			return
		}
		res, err := FromHAProxyConfig(context.Background(), []string{"/etc/haproxy/haproxy.cfg"}, discovertest.FuzzOptions("/etc/haproxy/haproxy.cfg", []byte(data)))
		discovertest.CheckDiscovered(t, data, res, err)
	})
}
