package caddy

import (
	"context"
	"testing"

	"github.com/gwtop/gwtop/config/discover/discovertest"
)

// FuzzDiscoverCaddyfile: any Caddyfile, read as a stopped Caddy's.
func FuzzDiscoverCaddyfile(f *testing.F) {
	for _, s := range []string{
		"{\n\tadmin 127.0.0.1:2020\n}\napi.example.com {\n\treverse_proxy /v1/* 127.0.0.1:9001 127.0.0.1:9002\n\treverse_proxy {\n\t\tto http://localhost:9003\n\t}\n\tlog {\n\t\toutput file /var/log/caddy/a.log\n\t}\n}\n",
		"{\n\tadmin off\n}\n:80 {\n\treverse_proxy unix//run/app.sock\n}\n",
		":80 {\n\treverse_proxy http://u:" + discovertest.FuzzPassword + "@127.0.0.1:70000\n}\n",
		"{\n\tadmin http://u:" + discovertest.FuzzPassword + "@127.0.0.1:0\n}\n",
		"}}}{{{", "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data string) {
		if len(data) > 1<<14 {
			return
		}
		res, err := FromCaddyConfig(context.Background(), "/etc/caddy/Caddyfile", discovertest.FuzzOptions("/etc/caddy/Caddyfile", []byte(data)))
		discovertest.CheckDiscovered(t, data, res, err)
	})
}

// FuzzDiscoverCaddyJSON: any Caddy JSON configuration.
func FuzzDiscoverCaddyJSON(f *testing.F) {
	for _, s := range []string{
		`{"admin":{"listen":"127.0.0.1:2019"},"apps":{"http":{"servers":{"a":{"routes":[{"handle":[{"handler":"reverse_proxy","upstreams":[{"dial":"10.0.0.5:80"},{"dial":"u:` + discovertest.FuzzPassword + `@h:1"}]}]}]}}}}}`,
		`{"admin":{"disabled":true}}`, `{"logging":{"logs":{"x":{"writer":{"output":"file","filename":"/l"}}}}}`, `{"`, `[]`, `null`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data string) {
		if len(data) > 1<<14 {
			return
		}
		res, err := FromCaddyConfig(context.Background(), "/etc/caddy/caddy.json", discovertest.FuzzOptions("/etc/caddy/caddy.json", []byte(data)))
		discovertest.CheckDiscovered(t, data, res, err)
	})
}
