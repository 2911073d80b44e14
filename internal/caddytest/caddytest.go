// Package caddytest runs a real Caddy on loopback for tests: a JSON
// configuration, its log, storage and home directories in a temporary
// directory, the admin API and the HTTP server on ports chosen by the OS,
// stopped when the test ends.
package caddytest

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/gwtop/gwtop/internal/proctest"
)

// Binary returns the caddy binary's path, or fails the test: under `make
// test` Caddy is installed first, so a missing caddy is a broken set-up,
// never a reason to skip.
func Binary(t testing.TB) string {
	t.Helper()
	return proctest.Binary(t, "caddy", "caddy", "/usr/bin/caddy", "/usr/local/bin/caddy")
}

// FreePort asks the OS for a free loopback port.
func FreePort(t testing.TB) int {
	t.Helper()
	return proctest.FreePort(t)
}

// Route is one path prefix proxied to upstreams.
type Route struct {
	// Name makes the route /NAME/*.
	Name string
	// Upstreams are dial addresses (127.0.0.1:PORT).
	Upstreams []string
	// TLS proxies over HTTPS without verifying the upstream's certificate.
	TLS bool
	// FailDuration turns on passive health checks: a failure is
	// remembered this long, and with Caddy's default max_fails of 1 the
	// upstream takes no traffic meanwhile.
	FailDuration time.Duration
}

// Config holds what goes into the test Caddy's configuration.
type Config struct {
	Routes []Route
	// DialTimeout and ResponseHeaderTimeout of every route's transport;
	// 1s when zero.
	DialTimeout, ResponseHeaderTimeout time.Duration
	// ProxyDebug writes the reverse proxy's debug entries ("upstream
	// roundtrip", with the upstream's address) into the log: Caddy 2.6's
	// access and error entries do not name the upstream.
	ProxyDebug bool
}

// Caddy is a running Caddy.
type Caddy struct {
	Dir       string
	Addr      string // the HTTP server, 127.0.0.1:PORT
	AdminAddr string // the admin API, 127.0.0.1:PORT
	Log       string // the JSON log: access, error and reverse proxy entries
	conf      string
	proc      *proctest.Proc
}

// Start writes the configuration, checks it with `caddy validate`, starts
// Caddy and waits until both the server and the admin API accept
// connections.
func Start(t testing.TB, c Config) *Caddy {
	t.Helper()
	bin := Binary(t)
	dir := t.TempDir()
	k := &Caddy{Dir: dir, Log: filepath.Join(dir, "caddy.log"), conf: filepath.Join(dir, "caddy.json")}
	for _, sub := range []string{"home", "data", "config", "storage"} {
		if err := os.Mkdir(filepath.Join(dir, sub), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	proctest.Retry(t, "caddy", func() error {
		k.Addr = fmt.Sprintf("127.0.0.1:%d", FreePort(t))
		k.AdminAddr = fmt.Sprintf("127.0.0.1:%d", FreePort(t))
		conf, err := json.MarshalIndent(k.render(c, FreePort(t)), "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		if err = os.WriteFile(k.conf, conf, 0o600); err != nil {
			t.Fatal(err)
		}
		validate := exec.Command(bin, "validate", "--config", k.conf)
		validate.Env = k.env()
		validate.Dir = dir
		proctest.Check(t, validate, string(conf))
		return k.start(bin)
	}, k.Stop)
	return k
}

// env keeps Caddy's home, data and configuration directories inside the
// test's directory, so it writes nothing (certificates, autosave.json)
// anywhere else.
func (k *Caddy) env() []string {
	return []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + filepath.Join(k.Dir, "home"),
		"XDG_DATA_HOME=" + filepath.Join(k.Dir, "data"),
		"XDG_CONFIG_HOME=" + filepath.Join(k.Dir, "config"),
	}
}

type obj = map[string]any

// render builds Caddy's JSON configuration. Every listener is on loopback
// and named explicitly, so Caddy binds neither :80, :443 nor :2019.
func (k *Caddy) render(c Config, httpsPort int) obj {
	dialTO, headerTO := c.DialTimeout, c.ResponseHeaderTimeout
	if dialTO == 0 {
		dialTO = time.Second
	}
	if headerTO == 0 {
		headerTO = time.Second
	}
	var routes []obj
	for _, r := range c.Routes {
		var ups []obj
		for _, u := range r.Upstreams {
			ups = append(ups, obj{"dial": u})
		}
		transport := obj{"protocol": "http", "dial_timeout": dialTO.String(), "response_header_timeout": headerTO.String()}
		if r.TLS {
			transport["tls"] = obj{"insecure_skip_verify": true}
		}
		proxy := obj{"handler": "reverse_proxy", "upstreams": ups, "transport": transport}
		if r.FailDuration > 0 {
			proxy["health_checks"] = obj{"passive": obj{"fail_duration": r.FailDuration.String()}}
		}
		routes = append(routes, obj{
			"match":  []obj{{"path": []string{"/" + r.Name + "/*"}}},
			"handle": []obj{proxy},
		})
	}
	writer := obj{"output": "file", "filename": k.Log}
	logs := obj{
		// The server's access entries, in the same file as the rest.
		"access": obj{"writer": writer, "encoder": obj{"format": "json"}, "level": "INFO",
			"include": []string{"http.log.access.gwtest"}},
		// Everything else, including the server's error entries
		// (http.log.error.gwtest) and the reverse proxy's own.
		"default": obj{"writer": writer, "encoder": obj{"format": "json"}, "level": "INFO",
			"exclude": []string{"http.log.access.gwtest"}},
	}
	if c.ProxyDebug {
		logs["proxy"] = obj{"writer": writer, "encoder": obj{"format": "json"}, "level": "DEBUG",
			"include": []string{"http.handlers.reverse_proxy"}}
		logs["default"].(obj)["exclude"] = []string{"http.log.access.gwtest", "http.handlers.reverse_proxy"}
	}
	return obj{
		"admin":   obj{"listen": k.AdminAddr, "config": obj{"persist": false}},
		"storage": obj{"module": "file_system", "root": filepath.Join(k.Dir, "storage")},
		"logging": obj{"logs": logs},
		"apps": obj{"http": obj{
			"http_port":  portOf(k.Addr),
			"https_port": httpsPort,
			"servers": obj{"gwtest": obj{
				"listen":          []string{k.Addr},
				"routes":          routes,
				"automatic_https": obj{"disable": true},
				"logs":            obj{"default_logger_name": "gwtest"},
			}},
		}},
	}
}

func portOf(addr string) int {
	_, p, _ := net.SplitHostPort(addr)
	var n int
	fmt.Sscan(p, &n)
	return n
}

// start starts Caddy from the written configuration and waits until both
// the server and the admin API accept connections; if they do not, Caddy is
// gone when start returns.
func (k *Caddy) start(bin string) error {
	cmd := exec.Command(bin, "run", "--config", k.conf)
	cmd.Env = k.env()
	cmd.Dir = k.Dir
	p, err := proctest.Start(cmd)
	if err != nil {
		return err
	}
	client := &http.Client{Timeout: time.Second}
	ready := func() error {
		if err := proctest.Dial("tcp", k.Addr); err != nil {
			return err
		}
		// The admin API is up once it answers the upstream list.
		resp, err := client.Get("http://" + k.AdminAddr + "/reverse_proxy/upstreams")
		if err != nil {
			return err
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("admin API on %s: %s", k.AdminAddr, resp.Status)
		}
		return nil
	}
	if err := p.WaitReady(15*time.Second, ready); err != nil {
		return err
	}
	k.proc = p
	return nil
}

// Output is what Caddy wrote to stdout and stderr (its start-up lines).
func (k *Caddy) Output() string { return k.proc.Output() }

// Stop stops Caddy: SIGTERM to its process group, SIGKILL after 5s.
func (k *Caddy) Stop() { k.proc.Stop() }
