package config_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/gwtop/gwtop/config"
)

// Every address and URL field of the file refuses a port outside 1–65535
// with the file, the line and the field, instead of a row that is "down:
// invalid port" at run time.
func TestPortsOutOfRange(t *testing.T) {
	cases := []struct{ name, src, want string }{
		{"upstream address", "upstreams:\n  - name: a\n    address: 127.0.0.1:99999999\n", `g.yaml:3: upstreams[0].address: "127.0.0.1:99999999": port "99999999" is not a number from 1 to 65535`},
		{"upstream address 70000", "upstreams:\n  - address: '[::1]:70000'\n", `g.yaml:2: upstreams[0].address: "[::1]:70000": port "70000"`},
		{"upstream address 0", "upstreams:\n  - address: 10.0.0.1:0\n", `g.yaml:2: upstreams[0].address: "10.0.0.1:0": port "0"`},
		{"probe http", "upstreams:\n  - name: a\n    probe: http://127.0.0.1:70000/health\n", `g.yaml:3: upstreams[0].probe: "http://127.0.0.1:70000/health": port "70000"`},
		{"probe tcp 0", "upstreams:\n  - name: a\n    probe: tcp://127.0.0.1:0\n", `g.yaml:3: upstreams[0].probe: "tcp://127.0.0.1:0": port "0"`},
		{"probe https", "upstreams:\n  - probe: https://h.internal:65536/\n", `g.yaml:2: upstreams[0].probe: "https://h.internal:65536/": port "65536"`},
		{"resolver", "upstreams:\n  - address: 127.0.0.1:80\n    resolver: 127.0.0.1:70000\n", `g.yaml:3: upstreams[0].resolver: "127.0.0.1:70000": port "70000"`},
		{"app address", "nginx:\n  error_log: /x\napps:\n  - address: 127.0.0.1:70000\n    log: /l\n    kind: gunicorn\n", `g.yaml:4: apps[0].address: "127.0.0.1:70000": port "70000"`},
		{"nginx status_url", "nginx:\n  status_url: http://127.0.0.1:70000/status\n", `g.yaml:2: nginx.status_url: "http://127.0.0.1:70000/status": port "70000"`},
		{"haproxy stats url", "haproxy:\n  stats: http://127.0.0.1:65536/stats;csv\n", `g.yaml:2: haproxy.stats: "http://127.0.0.1:65536/stats;csv": port "65536"`},
		{"caddy admin hostport", "caddy:\n  admin: 127.0.0.1:99999999\n", `g.yaml:2: caddy.admin: "127.0.0.1:99999999": port "99999999"`},
		{"caddy admin url", "caddy:\n  admin: http://localhost:0\n", `g.yaml:2: caddy.admin: "http://localhost:0": port "0"`},
		{"envoy admin", "envoy:\n  admin: http://127.0.0.1:0\n", `g.yaml:2: envoy.admin: "http://127.0.0.1:0": port "0"`},
		{"traefik api", "traefik:\n  api: http://127.0.0.1:99999/\n", `g.yaml:2: traefik.api: "http://127.0.0.1:99999/": port "99999"`},
		{"apache status", "apache:\n  status_url: http://127.0.0.1:70000/server-status\n", `g.yaml:2: apache.status_url: "http://127.0.0.1:70000/server-status": port "70000"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := config.Parse("g.yaml", []byte(c.src), env(nil))
			if err == nil {
				t.Fatal("accepted")
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("error\n %s\nwant it to contain\n %s", err, c.want)
			}
			var es config.Errors
			if !errors.As(err, &es) || len(es) != 1 {
				t.Errorf("want exactly one config.Error, got %#v", err)
			}
		})
	}
}

// The edges of the range pass, and a port taken from a bad probe URL is
// reported once, on the probe.
func TestPortsInRange(t *testing.T) {
	src := `upstreams:
  - address: 127.0.0.1:1
  - address: 127.0.0.1:65535
    resolver: 127.0.0.53:53
  - probe: http://127.0.0.1:8080/h
  - probe: https://127.0.0.1/h
  - address: unix:/run/app.sock
  - address: backend
nginx:
  status_url: http://127.0.0.1:80/status
caddy:
  admin: localhost:2019
`
	cfg, err := config.Parse("g.yaml", []byte(src), env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if got := cfg.Upstreams[3].Address; got != "127.0.0.1:443" {
		t.Errorf("address from the https probe = %q", got)
	}
	_, err = config.Parse("g.yaml", []byte("upstreams:\n  - probe: http://127.0.0.1:70000/\n"), env(nil))
	var es config.Errors
	if !errors.As(err, &es) || len(es) != 1 || es[0].Field != "upstreams[0].probe" {
		t.Errorf("a bad probe port: want one error on the probe, got %v", err)
	}
}

// A port error never quotes a password of the URL.
func TestPortErrorRedacts(t *testing.T) {
	_, err := config.Parse("g.yaml", []byte("nginx:\n  status_url: http://gwtop:${PW}@127.0.0.1:70000/s\n"), env(map[string]string{"PW": "hunter2"}))
	if err == nil || strings.Contains(err.Error(), "hunter2") || !strings.Contains(err.Error(), `port "70000"`) {
		t.Fatalf("error %v: want the port named and no password", err)
	}
}

// Quick flags are checked the same way, named as the flag.
func TestPortFlags(t *testing.T) {
	q := &config.Quick{Probes: []string{"a=http://127.0.0.1:70000/"}}
	_, err := q.Build(env(nil))
	if err == nil || err.Error() != `--probe: "http://127.0.0.1:70000/": port "70000" is not a number from 1 to 65535` {
		t.Errorf("--probe with port 70000: %v", err)
	}
}

// An empty file, blank lines, comments only, a lone "---", null or {}:
// one error at line 1 (or the document's line) that says so, not yaml's
// bare "EOF".
func TestNoSettings(t *testing.T) {
	for name, src := range map[string]string{
		"empty":    "",
		"blank":    "\n\n   \n",
		"comments": "# gwtop\n# nothing yet\n",
		"dashes":   "---\n",
		"null":     "null\n",
		"braces":   "{}\n",
	} {
		t.Run(name, func(t *testing.T) {
			_, err := config.Parse("f.yaml", []byte(src), env(nil))
			if err == nil {
				t.Fatal("accepted")
			}
			if !strings.HasPrefix(err.Error(), "f.yaml:1: the file has no settings") {
				t.Errorf("error %q", err)
			}
		})
	}
	if _, err := config.Parse("f.yaml", []byte("\n\n# c\n---\n{}\n"), env(nil)); err == nil || !strings.HasPrefix(err.Error(), "f.yaml:5: the file has no settings") {
		t.Errorf("{} on line 5: %v", err)
	}
}

// Two upstreams of one gateway, outside any group, with the same name: the
// second is an error naming the first, with its line. The same name in two
// gateways, or among a group's members (an Envoy cluster's endpoints, two
// HAProxy backends' web1), is fine.
func TestDuplicateNames(t *testing.T) {
	src := `upstreams:
  - name: app
    address: 127.0.0.1:8080
  - name: app
    address: 127.0.0.1:8081
`
	_, err := config.Parse("f.yaml", []byte(src), env(nil))
	want := `f.yaml:4: upstreams[1].name: "app" is already the name of upstreams[0] (line 2)`
	if err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Fatalf("error %v\nwant %s…", err, want)
	}
	// A name written equal to an address that names another upstream by
	// default.
	_, err = config.Parse("f.yaml", []byte("upstreams:\n  - address: 127.0.0.1:8080\n  - name: 127.0.0.1:8080\n    address: 127.0.0.1:9\n"), env(nil))
	if err == nil || !strings.Contains(err.Error(), "f.yaml:3: upstreams[1].name:") {
		t.Errorf("name equal to a defaulted name: %v", err)
	}
	ok := `haproxy:
  stats: unix:/run/haproxy/admin.sock
haproxy@edge:
  stats: unix:/run/haproxy/edge.sock
upstreams:
  - name: web1
    group: api
    address: 10.0.0.1:80
  - name: web1
    group: static
    address: 10.0.0.2:80
  - name: web1
    group: api
    address: 10.0.0.3:80
  - name: web1
    group: api
    gateway: haproxy@edge
    address: 10.0.0.1:80
  - name: app
    address: 10.0.0.9:80
  - name: app
    gateway: haproxy@edge
    address: 10.0.0.9:80
`
	if _, err := config.Parse("f.yaml", []byte(ok), env(nil)); err != nil {
		t.Errorf("same name in other groups and gateways: %v", err)
	}
}
