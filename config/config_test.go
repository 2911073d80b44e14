package config_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"

	"github.com/gwtop/gwtop/config"
	"github.com/gwtop/gwtop/gateway"
	_ "github.com/gwtop/gwtop/gateway/all"
	"github.com/gwtop/gwtop/gateway/caddy"
	"github.com/gwtop/gwtop/gateway/envoy"
	"github.com/gwtop/gwtop/gateway/haproxy"
	"github.com/gwtop/gwtop/gateway/nginx"
)

func nginxOf(c *config.Config) *nginx.Config { return config.SectionOf[*nginx.Config](c, "nginx") }

func env(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func TestParseFull(t *testing.T) {
	src := `interval: 2s
upstreams:
  - name: api
    address: 127.0.0.1:8000
    probe: http://127.0.0.1:8000/health
  - name: auth
    probe: https://user:${AUTH_PW}@auth.internal:8443/health
    insecure: true
nginx:
  status_url: http://127.0.0.1/nginx_status
  access_log: /var/log/nginx/access.log
  error_log: /var/log/nginx/error.log
`
	cfg, err := config.Parse("gwtop.yaml", []byte(src), env(map[string]string{"AUTH_PW": "s3cret"}))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Interval != 2*time.Second || cfg.ProbeTimeout != config.DefaultProbeTimeout {
		t.Errorf("interval %v timeout %v", cfg.Interval, cfg.ProbeTimeout)
	}
	if got := cfg.Upstreams[1]; got.Address != "auth.internal:8443" || got.Name != "auth" || !got.Insecure ||
		got.Probe != "https://user:s3cret@auth.internal:8443/health" || got.Expect != "200-399" {
		t.Errorf("upstream 1 = %+v", got)
	}
	if nginxOf(cfg).LogFormat != "combined" {
		t.Errorf("log format default = %q", nginxOf(cfg).LogFormat)
	}
}

func TestParseErrorsNameLineAndField(t *testing.T) {
	cases := []struct {
		name, src string
		want      []string
	}{
		{"unknown field", "interval: 1s\nnginx:\n  stauts_url: x\n", []string{"gwtop.yaml:3:", `unknown field "stauts_url"`}},
		{"bad duration", "interval: soon\n", []string{"gwtop.yaml:1:", "soon"}},
		{"bad probe scheme", "upstreams:\n  - name: a\n    probe: ftp://x:21/\n", []string{"gwtop.yaml:3:", "upstreams[0].probe", "scheme \"ftp\""}},
		{"tcp without port", "upstreams:\n  - name: a\n    address: 1.2.3.4:5\n    probe: tcp://db\n", []string{"gwtop.yaml:4:", "needs a port"}},
		{"missing address", "upstreams:\n  - name: a\n", []string{"gwtop.yaml:2:", "upstreams[0].address", "missing"}},
		{"duplicate address", "upstreams:\n  - address: 1.1.1.1:80\n  - address: 1.1.1.1:80\n", []string{"gwtop.yaml:3:", "already upstreams[0]"}},
		{"unset env", "nginx:\n  status_url: http://u:${NOPE}@h/s\n", []string{"gwtop.yaml:2:", "nginx.status_url", "NOPE is not set"}},
		{"bad expect", "upstreams:\n  - address: 1.1.1.1:80\n    expect: 2xx\n", []string{"gwtop.yaml:3:", "expect"}},
		{"format without log", "nginx:\n  log_format: combined\n", []string{"gwtop.yaml:2:", "nginx.access_log is not"}},
		{"syntax", "upstreams: [\n", []string{"gwtop.yaml"}},
		{"haproxy stats", "haproxy:\n  stats: ftp://x\n", []string{"gwtop.yaml:2:", "haproxy.stats", "unix:/path"}},
		{"haproxy empty", "haproxy:\n  username: a\n", []string{"gwtop.yaml:1:", "give stats"}},
		{"caddy admin", "caddy:\n  admin: nope\n", []string{"gwtop.yaml:2:", "HOST:PORT"}},
		{"envoy format", "envoy:\n  access_log: /x\n  log_format: xml\n", []string{"gwtop.yaml:3:", "default or json"}},
		{"traefik api", "traefik:\n  api: 127.0.0.1:8080\n", []string{"gwtop.yaml:2:", "traefik.api"}},
		{"missing ca_file", "upstreams:\n  - address: 1.1.1.1:443\n    probe: https://1.1.1.1/\n    ca_file: /nonexistent/ca.pem\n", []string{"gwtop.yaml:4:", "upstreams[0].ca_file", "no such file"}},
		{"bad resolver", "upstreams:\n  - address: 1.1.1.1:80\n    resolver: 127.0.0.53\n", []string{"gwtop.yaml:3:", "upstreams[0].resolver"}},
		{"interval too short", "interval: 1ms\n", []string{"gwtop.yaml:1:", "too short"}},
		{"app without log", "nginx:\n  error_log: /x\napps:\n  - address: 127.0.0.1:8000\n    kind: gunicorn\n", []string{"gwtop.yaml:4:", "apps[0].log", "missing"}},
		{"app kind", "nginx:\n  error_log: /x\napps:\n  - log: /var/log/app.log\n    kind: flask\n", []string{"gwtop.yaml:5:", "apps[0].kind", "gunicorn, uwsgi, php-fpm"}},
		{"app address", "nginx:\n  error_log: /x\napps:\n  - log: /l\n    kind: uwsgi\n    address: 8000\n", []string{"gwtop.yaml:6:", "apps[0].address", "unix:PATH"}},
		{"app field", "apps:\n  - lgo: /l\n", []string{"gwtop.yaml:2:", `unknown field "lgo"`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := config.Parse("gwtop.yaml", []byte(c.src), env(nil))
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

func TestSecretNotInErrors(t *testing.T) {
	_, err := config.Parse("g.yaml", []byte("nginx:\n  status_url: ftp://u:${PW}@h/s\n"), env(map[string]string{"PW": "hunter2"}))
	if err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Fatalf("error %v shows the secret or is missing", err)
	}
}

func TestQuickFlagsOverFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "g.yaml")
	if err := os.WriteFile(path, []byte("upstreams:\n  - name: api\n    address: 127.0.0.1:8000\nnginx:\n  error_log: /a\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var q config.Quick
	fs := pflag.NewFlagSet("t", pflag.ContinueOnError)
	q.Register(fs)
	err := fs.Parse([]string{"--config", path, "--probe", "api=http://127.0.0.1:8000/h", "--probe", "db=tcp://127.0.0.1:5432",
		"--error-log", "/b", "--access-log", "/c", "--interval", "500ms"})
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := q.Build(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Upstreams) != 2 || cfg.Upstreams[0].Probe != "http://127.0.0.1:8000/h" || cfg.Upstreams[1].Address != "127.0.0.1:5432" {
		t.Errorf("upstreams %+v", cfg.Upstreams)
	}
	if nginxOf(cfg).ErrorLog != "/b" || nginxOf(cfg).AccessLog != "/c" || nginxOf(cfg).LogFormat != "combined" || cfg.Interval != 500*time.Millisecond {
		t.Errorf("nginx %+v interval %v", nginxOf(cfg), cfg.Interval)
	}
}

func TestQuickFlagErrors(t *testing.T) {
	var q config.Quick
	fs := pflag.NewFlagSet("t", pflag.ContinueOnError)
	fs.SetOutput(new(strings.Builder))
	q.Register(fs)
	if err := fs.Parse([]string{"--probe", "nourl"}); err == nil {
		t.Error("--probe without = accepted")
	}
	q = config.Quick{}
	fs = pflag.NewFlagSet("t", pflag.ContinueOnError)
	q.Register(fs)
	_ = fs.Parse([]string{"--probe", "x=gopher://h:1/"})
	_, err := q.Build(env(nil))
	if err == nil || !strings.Contains(err.Error(), "--probe") || !strings.Contains(err.Error(), "gopher") {
		t.Errorf("err = %v", err)
	}
}

func TestAddressOf(t *testing.T) {
	for in, want := range map[string]string{
		"http://127.0.0.1:8000/health": "127.0.0.1:8000",
		"https://api.example.com/":     "api.example.com:443",
		"http://[::1]/":                "[::1]:80",
		"tcp://10.0.0.1:5432":          "10.0.0.1:5432",
		"::bad":                        "",
	} {
		if got := config.AddressOf(in); got != want {
			t.Errorf("config.AddressOf(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestGatewaySections(t *testing.T) {
	src := `haproxy:
  stats: unix:/run/haproxy/admin.sock
  password: ${HP}
caddy: {}
envoy:
  access_log: /var/log/envoy.log
traefik:
  api: http://127.0.0.1:8080
`
	cfg, err := config.Parse("g.yaml", []byte(src), env(map[string]string{"HP": "pw"}))
	if err != nil {
		t.Fatal(err)
	}
	if config.SectionOf[*haproxy.Config](cfg, "haproxy").Password != "pw" || config.SectionOf[*caddy.Config](cfg, "caddy").Admin != "localhost:2019" || config.SectionOf[*envoy.Config](cfg, "envoy").LogFormat != "default" || cfg.Empty() {
		t.Errorf("%+v", cfg.Gateways)
	}
	for _, ok := range []string{"http://127.0.0.1:8404/stats;csv", "/run/haproxy.sock", "ipv4@127.0.0.1:9999", "tcp://127.0.0.1:9999"} {
		if _, err := config.Parse("g.yaml", []byte("haproxy:\n  stats: "+ok+"\n"), env(nil)); err != nil {
			t.Errorf("%s: %v", ok, err)
		}
	}
	if _, err := config.Parse("g.yaml", []byte("haproxy:\n  stats: gopher://h\n"), env(nil)); err == nil || !strings.Contains(err.Error(), "g.yaml:2: haproxy.stats:") {
		t.Errorf("a bad stats target: %v", err)
	}
}

func TestEnvEverywhere(t *testing.T) {
	src := "interval: ${IV:-250ms}\nupstreams:\n  - name: a\n    probe: http://127.0.0.1:${PORT}/\n  - name: b\n    probe: http://h:1/${MISSING}\n"
	_, err := config.Parse("g.yaml", []byte(src), env(map[string]string{"PORT": "8080"}))
	if err == nil || !strings.Contains(err.Error(), "g.yaml:6: upstreams[1].probe: environment variable MISSING is not set") {
		t.Fatalf("err = %v", err)
	}
	cfg, err := config.Parse("g.yaml", []byte(strings.ReplaceAll(src, "${MISSING}", "x")), env(map[string]string{"PORT": "8080"}))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Interval != 250*time.Millisecond || cfg.Upstreams[0].Address != "127.0.0.1:8080" {
		t.Errorf("interval %v address %s", cfg.Interval, cfg.Upstreams[0].Address)
	}
}

func TestSeveralNginxLogs(t *testing.T) {
	src := `nginx:
  access_log: /var/log/nginx/api.log
  log_format: main
  access_logs:
    - path: /var/log/nginx/shop.log
      format: '{"s":"$status","ua":"$upstream_addr"}'
    - path: /var/log/nginx/static.log
  error_logs: [/var/log/nginx/shop.error.log]
`
	cfg, err := config.Parse("g.yaml", []byte(src), env(nil))
	if err != nil {
		t.Fatal(err)
	}
	all := nginxOf(cfg).AllAccessLogs()
	if len(all) != 3 || all[0].Format != "main" || all[2].Format != "combined" || len(nginxOf(cfg).AllErrorLogs()) != 1 {
		t.Errorf("access logs %+v, error logs %v", all, nginxOf(cfg).AllErrorLogs())
	}
	_, err = config.Parse("g.yaml", []byte("nginx:\n  access_log: /a\n  access_logs:\n    - path: /b\n    - path: /a\n    - format: main\n"), env(nil))
	for _, w := range []string{"g.yaml:5: nginx.access_logs[1]: /a is already nginx.access_log", "g.yaml:6: nginx.access_logs[2].path: missing"} {
		if err == nil || !strings.Contains(err.Error(), w) {
			t.Errorf("error %v lacks %q", err, w)
		}
	}
}

// TestReadmeExample parses the configuration example of the README, so the
// documentation cannot drift from what gwtop accepts.
func TestReadmeExample(t *testing.T) {
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	i := strings.Index(text, "## Configuration")
	if i < 0 {
		t.Fatal("README has no Configuration section")
	}
	start := strings.Index(text[i:], "```yaml\n")
	end := strings.Index(text[i+start+8:], "```")
	if start < 0 || end < 0 {
		t.Fatal("no yaml block in the Configuration section")
	}
	block := text[i+start+8 : i+start+8+end]
	cfg, err := config.Parse("README.md", []byte(block), env(map[string]string{"AUTH_PASSWORD": "x", "HAPROXY_STATS_PASSWORD": "y"}))
	if err != nil {
		t.Fatalf("the README's example does not parse:\n%v", err)
	}
	if len(cfg.Gateways) != len(gateway.Kinds()) || len(cfg.Upstreams) < 2 {
		t.Errorf("the example lost a section: %+v", cfg)
	}
}

// TestInstanceSections: a second gateway of a kind is a KIND@LABEL section,
// decoded as strictly as the first; upstreams name their instance.
func TestInstanceSections(t *testing.T) {
	src := `upstreams:
  - {name: api, address: 10.0.0.1:80, gateway: nginx@internal}
  - {name: web, address: 10.0.0.1:80}
nginx:
  error_log: /var/log/nginx/error.log
nginx@internal:
  error_log: /var/log/nginx-internal/error.log
`
	cfg, err := config.Parse("g.yaml", []byte(src), env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Gateways) != 2 || cfg.Gateways[1].Name != "nginx@internal" || cfg.Gateways[1].Kind != "nginx" {
		t.Fatalf("gateways %+v", cfg.Gateways)
	}
	if n, ok := cfg.Instance("nginx@internal").(*nginx.Config); !ok || n.ErrorLog != "/var/log/nginx-internal/error.log" {
		t.Errorf("nginx@internal = %+v", cfg.Instance("nginx@internal"))
	}
	if cfg.Upstreams[0].Gateway != "nginx@internal" || cfg.Upstreams[1].Gateway != "nginx" {
		t.Errorf("upstream gateways %q %q", cfg.Upstreams[0].Gateway, cfg.Upstreams[1].Gateway)
	}
	for _, c := range []struct{ src, want string }{
		{"nginx@internal:\n  eror_log: /x\n", `g.yaml:2: unknown field "eror_log"`},
		{"nginx@:\n  error_log: /x\n", `g.yaml:1: unknown field "nginx@"`},
		{"gopher@x:\n  error_log: /x\n", `g.yaml:1: unknown field "gopher@x"`},
		{"nginx@a:\n  status_url: ftp://h/\n", "g.yaml:2: nginx@a.status_url:"},
		{"upstreams: [{address: 10.0.0.1:80, gateway: nginx@b}]\nnginx@a:\n  error_log: /x\n", `"nginx@b" is not a gateway section of this configuration (have: nginx@a)`},
	} {
		_, err := config.Parse("g.yaml", []byte(c.src), env(nil))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: error %v, want %q", c.src, err, c.want)
		}
	}
}
