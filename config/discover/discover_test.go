package discover

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"

	"github.com/gwtop/gwtop/config"
	"github.com/gwtop/gwtop/config/discover/discovertest"
)

var testPorts = discovertest.Ports{Listen: 18001, Status: 18002, Static: 18003, Healthy: 18004, Backup: 18005, Down: 18006,
	Error500: 18007, Refused: 18008, Inline: 18009, FastCGI: 18010}

// nginxT checks a tree with the real nginx, so that the trees the tests
// read are configurations nginx accepts.
func nginxT(t *testing.T, tr *discovertest.NginxTree) {
	t.Helper()
	bin, err := exec.LookPath("nginx")
	if err != nil {
		bin = "/usr/sbin/nginx"
	}
	if out, err := exec.Command(bin, "-t", "-q", "-p", tr.Prefix, "-c", tr.Conf).CombinedOutput(); err != nil {
		t.Fatalf("nginx -t rejects the test tree: %v\n%s", err, out)
	}
}

func upstreamSet(cfg *config.Config) []string {
	var out []string
	for _, u := range cfg.Upstreams {
		out = append(out, fmt.Sprintf("%s %s %s %s", u.Name, u.Group, u.Address, u.Probe))
	}
	return out
}

// TestNginxTree reads the tree through `nginx -T` and through the files
// and expects the same configuration both ways, and a YAML that loads back
// into it.
func TestNginxTree(t *testing.T) {
	tr := discovertest.WriteNginxTree(t, testPorts)
	nginxT(t, tr)
	var prev *Result
	for _, noExec := range []bool{false, true} {
		res, err := FromNginxConfig(context.Background(), tr.Conf, tr.Prefix, &Options{NoExec: noExec})
		if err != nil {
			t.Fatal(err)
		}
		sock := "unix:" + filepath.Join(tr.Prefix, "run", "app.sock")
		want := []string{
			"app-1 app 127.0.0.1:18004 tcp://127.0.0.1:18004",
			"app-2 app 127.0.0.1:18005 tcp://127.0.0.1:18005",
			"app-3 app 127.0.0.1:18006 ",
			"payments payments 127.0.0.1:18007 tcp://127.0.0.1:18007",
			"legacy legacy 127.0.0.1:18008 tcp://127.0.0.1:18008",
			"sock sock " + sock + " ",
			"api.test/inline/  127.0.0.1:18009 tcp://127.0.0.1:18009",
			"api.test/php/  127.0.0.1:18010 tcp://127.0.0.1:18010",
		}
		if got := upstreamSet(res.Config); !reflect.DeepEqual(got, want) {
			t.Errorf("noExec=%v upstreams:\n got %q\nwant %q", noExec, got, want)
		}
		logs := filepath.Join(tr.Prefix, "logs")
		wantN := config.Nginx{StatusURL: tr.StatusURL, AccessLog: tr.AccessLog, LogFormat: discovertest.UpstreamLogFormat, ErrorLog: tr.ErrorLog,
			// Every other readable access log is watched too: the JSON one
			// (upstream variables) first, then by proxied locations.
			AccessLogs: []config.AccessLog{
				{Path: filepath.Join(logs, "api.json.log"), Format: `escape=json '{"time":"$time_iso8601","status":"$status","request":"$request","upstream_addr":"$upstream_addr","upstream_status":"$upstream_status","upstream_response_time":"$upstream_response_time","request_time":$request_time}'`},
				{Path: filepath.Join(logs, "access.log"), Format: "combined"},
				{Path: filepath.Join(logs, "static.log"), Format: "combined"},
			},
			ErrorLogs: []string{filepath.Join(logs, "error.log")},
		}
		if !reflect.DeepEqual(*res.Config.Nginx, wantN) {
			t.Errorf("noExec=%v nginx:\n got %+v\nwant %+v", noExec, *res.Config.Nginx, wantN)
		}
		if len(res.Notes) != 1 || !strings.Contains(res.Notes[0], "$backend") {
			t.Errorf("notes: %q", res.Notes)
		}
		checkRoundTrip(t, res)
		if prev != nil && !reflect.DeepEqual(prev.Config, res.Config) {
			t.Errorf("nginx -T and the files disagree:\n%+v\n%+v", prev.Config, res.Config)
		}
		prev = res
	}
}

// checkRoundTrip parses the YAML back and compares what matters.
func checkRoundTrip(t *testing.T, res *Result) {
	t.Helper()
	back, err := config.Parse("discovered", res.YAML, func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatalf("YAML does not load: %v\n%s", err, res.YAML)
	}
	if got, want := upstreamSet(back), upstreamSet(res.Config); !reflect.DeepEqual(got, want) {
		t.Errorf("upstreams after the round trip:\n got %q\nwant %q", got, want)
	}
	if n := res.Config.Nginx; n != nil {
		if !reflect.DeepEqual(back.Nginx.AllAccessLogs(), n.AllAccessLogs()) || !reflect.DeepEqual(back.Nginx.AllErrorLogs(), n.AllErrorLogs()) {
			t.Errorf("nginx logs after the round trip:\n got %+v %v\nwant %+v %v", back.Nginx.AllAccessLogs(), back.Nginx.AllErrorLogs(), n.AllAccessLogs(), n.AllErrorLogs())
		}
	}
	for i := range back.Upstreams {
		if back.Upstreams[i].Expect != orDefault(res.Config.Upstreams[i].Expect, "200-399") || back.Upstreams[i].Insecure != res.Config.Upstreams[i].Insecure {
			t.Errorf("upstream %d after the round trip: %+v", i, back.Upstreams[i])
		}
	}
	eq := func(name string, a, b any) {
		if !reflect.DeepEqual(a, b) {
			t.Errorf("%s after the round trip:\n got %+v\nwant %+v", name, a, b)
		}
	}
	eq("nginx", back.Nginx, res.Config.Nginx)
	eq("haproxy", back.HAProxy, res.Config.HAProxy)
	eq("caddy", back.Caddy, res.Config.Caddy)
	eq("traefik", back.Traefik, res.Config.Traefik)
	eq("envoy", back.Envoy, res.Config.Envoy)
	eq("interval", back.Interval, res.Config.Interval)
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

// TestNginxUnreadable: a missing include, a syntax error in an included
// file, an unreadable include and a log gwtop may not read become notes
// naming the file and line, and discovery still returns the rest.
func TestNginxUnreadable(t *testing.T) {
	tr := discovertest.WriteNginxTree(t, testPorts)
	nginxT(t, tr)
	etc := filepath.Join(tr.Prefix, "etc")
	// Broken after nginx -t, as an edit on a running host would be.
	discovertest.Write(t, filepath.Join(etc, "conf.d", "zz-broken.conf"), "upstream broken {\n    server 127.0.0.1:1\n}\n")
	discovertest.Write(t, filepath.Join(etc, "conf.d", "secret.conf"), "upstream secret { server 127.0.0.1:2; }\n")
	main, _ := os.ReadFile(tr.Conf)
	edited := strings.Replace(string(main), "    include conf.d/*.conf;", "    include conf.d/*.conf;\n    include /nonexistent/dir/missing.conf;", 1)
	discovertest.Write(t, tr.Conf, edited)
	missingLine := 1 + strings.Count(edited[:strings.Index(edited, "include /nonexistent")], "\n")
	// Tests run as root, who can read everything: permission is simulated.
	secret := filepath.Join(etc, "conf.d", "secret.conf")
	denied := func(p string) error {
		if p == tr.AccessLog || p == secret {
			return &fs.PathError{Op: "open", Path: p, Err: syscall.EACCES}
		}
		return nil
	}
	opt := &Options{NoExec: true, CanRead: func(p string) error {
		if err := denied(p); err != nil {
			return err
		}
		f, err := os.Open(p)
		if err == nil {
			f.Close()
		}
		return err
	}, ReadFile: func(p string) ([]byte, error) {
		if err := denied(p); err != nil {
			return nil, err
		}
		return os.ReadFile(p)
	}}
	res, err := FromNginxConfig(context.Background(), tr.Conf, tr.Prefix, opt)
	if err != nil {
		t.Fatal(err)
	}
	notes := strings.Join(res.Notes, "\n")
	for _, s := range []string{
		filepath.Join(etc, "conf.d", "zz-broken.conf") + `:3: unexpected "}" (gwtop cannot parse it)`,
		fmt.Sprintf("%s:%d: include /nonexistent/dir/missing.conf: open /nonexistent/dir/missing.conf: no such file or directory", tr.Conf, missingLine),
		secret + ": permission denied — run as root",
		"access_log " + tr.AccessLog + " (" + tr.API + ":4, server api.test, format upstreamlog",
		"permission denied — run as root",
	} {
		if !strings.Contains(notes, s) {
			t.Errorf("notes lack %q:\n%s", s, notes)
		}
	}
	// The rest is still there: the other upstream-aware log is chosen instead.
	if n := res.Config.Nginx; n == nil || n.AccessLog != filepath.Join(tr.Prefix, "logs", "api.json.log") || !strings.HasPrefix(n.LogFormat, "escape=json '{") || n.StatusURL != tr.StatusURL {
		t.Errorf("nginx: %+v", res.Config.Nginx)
	}
	if len(res.Config.Upstreams) != 8 {
		t.Errorf("upstreams: %q", upstreamSet(res.Config))
	}
	if !strings.Contains(string(res.YAML), "# access_log "+tr.AccessLog) {
		t.Errorf("the YAML does not say why the access log was not used:\n%s", res.YAML)
	}
	checkRoundTrip(t, res)

	// A main file that is not nginx's at all: nothing to watch, and the
	// error names the file and line.
	bad := filepath.Join(t.TempDir(), "nginx.conf")
	discovertest.Write(t, bad, "http {\n  server {\n")
	_, err = FromNginxConfig(context.Background(), bad, "", &Options{NoExec: true})
	var nf *NotFoundError
	if !errors.As(err, &nf) || !strings.Contains(err.Error(), bad+":3: unexpected end of file") {
		t.Errorf("broken main file: %v", err)
	}
}

// TestNginxCmdline reads nginx's rewritten process titles.
func TestNginxCmdline(t *testing.T) {
	for _, c := range []struct {
		in   []string
		want nginxCmd
	}{
		{[]string{"nginx: master process /usr/sbin/nginx -p /srv/gw -c etc/gw.conf -g daemon off; master_process on;"},
			nginxCmd{bin: "/usr/sbin/nginx", prefix: "/srv/gw", conf: "etc/gw.conf", globals: "daemon off; master_process on;"}},
		{[]string{"nginx: master process /usr/sbin/nginx -g daemon on; master_process on;"},
			nginxCmd{bin: "/usr/sbin/nginx", globals: "daemon on; master_process on;"}},
		{[]string{"/usr/local/nginx/sbin/nginx", "-c/etc/x.conf", "-e", "/tmp/e.log", "-g", "daemon off;"},
			nginxCmd{bin: "/usr/local/nginx/sbin/nginx", conf: "/etc/x.conf", errLog: "/tmp/e.log", globals: "daemon off;"}},
	} {
		if got := parseNginxCmdline(c.in); got != c.want {
			t.Errorf("%q:\n got %+v\nwant %+v", c.in, got, c.want)
		}
	}
	procs := []Proc{
		{PID: 10, Name: "nginx", Cmdline: []string{"nginx: master process /usr/sbin/nginx"}},
		{PID: 11, PPID: 10, Name: "nginx", Cmdline: []string{"nginx: worker process"}},
		{PID: 12, Name: "nginx", Cmdline: []string{"/usr/sbin/nginx", "-t"}},
		{PID: 20, Name: "haproxy", Cmdline: []string{"/usr/sbin/haproxy", "-Ws", "-f", "/etc/haproxy/haproxy.cfg"}},
		{PID: 21, PPID: 20, Name: "haproxy", Cmdline: []string{"/usr/sbin/haproxy", "-Ws", "-f", "/etc/haproxy/haproxy.cfg"}},
		{PID: 30, Name: "bash", Cmdline: []string{"bash"}},
	}
	got := gatewayProcs(procs)
	if len(got["nginx"]) != 1 || got["nginx"][0].PID != 10 || len(got["haproxy"]) != 1 || got["haproxy"][0].PID != 20 || len(got) != 2 {
		t.Errorf("gateway processes: %+v", got)
	}
}

// TestNothingFound: an empty process list is a NotFoundError that says what
// was looked for and how to point gwtop at a gateway.
func TestNothingFound(t *testing.T) {
	_, err := Discover(context.Background(), Options{Processes: func(context.Context) ([]Proc, error) { return nil, nil }})
	var nf *NotFoundError
	if !errors.As(err, &nf) {
		t.Fatalf("err = %v, want a NotFoundError", err)
	}
	for _, s := range []string{"nginx, haproxy, caddy, traefik and envoy", "--config FILE", "--haproxy-stats"} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("message lacks %q: %v", s, err)
		}
	}
}

func freePort(t *testing.T) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// TestDiscoverHAProxy starts a real HAProxy with a stats socket and finds
// it through the real process list.
func TestDiscoverHAProxy(t *testing.T) {
	dir := t.TempDir()
	fe, stats, a, b, c := freePort(t), freePort(t), freePort(t), freePort(t), freePort(t)
	sock := filepath.Join(dir, "admin.sock")
	conf := filepath.Join(dir, "lb", "edge.cfg")
	discovertest.Write(t, conf, fmt.Sprintf(`global
    stats socket %s mode 600 level admin
    log /dev/log local0

defaults
    mode http
    option httplog
    timeout connect 1s
    timeout client 5s
    timeout server 5s

frontend fe
    bind 127.0.0.1:%d
    default_backend api

backend api
    option httpchk GET /health
    http-check expect status 200
    server api1 127.0.0.1:%d check
    server api2 127.0.0.1:%d check backup

backend tcpish
    server "db1" 127.0.0.1:%d # a tcp probe: no health path
    server gone 127.0.0.1:1 disabled

listen stats
    bind 127.0.0.1:%d
    stats enable
    stats uri /stats
    stats auth admin:s3cret
`, sock, fe, a, b, c, stats))
	pid := discovertest.StartHAProxy(t, conf, fmt.Sprintf("127.0.0.1:%d", fe))
	res, err := Discover(context.Background(), Options{Processes: func(ctx context.Context) ([]Proc, error) {
		all, err := SystemProcesses(ctx)
		var out []Proc
		for _, p := range all {
			if int(p.PID) == pid {
				out = append(out, p)
			}
		}
		return out, err
	}})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("discovered:\n%s", res.YAML)
	if len(res.Found) != 1 || res.Found[0].Kind != "haproxy" || res.Found[0].Config != conf {
		t.Errorf("found %+v", res.Found)
	}
	if h := res.Config.HAProxy; h == nil || h.Stats != "unix:"+sock || h.Password != "" {
		t.Errorf("haproxy: %+v", res.Config.HAProxy)
	}
	want := []string{
		fmt.Sprintf("api1 api 127.0.0.1:%d http://127.0.0.1:%d/health", a, a),
		fmt.Sprintf("api2 api 127.0.0.1:%d http://127.0.0.1:%d/health", b, b),
		fmt.Sprintf("db1 tcpish 127.0.0.1:%d tcp://127.0.0.1:%d", c, c),
		"gone tcpish 127.0.0.1:1 ",
	}
	if got := upstreamSet(res.Config); !reflect.DeepEqual(got, want) {
		t.Errorf("upstreams:\n got %q\nwant %q", got, want)
	}
	if res.Config.Upstreams[0].Expect != "200" {
		t.Errorf("expect = %q, want 200 from http-check expect", res.Config.Upstreams[0].Expect)
	}
	y := string(res.YAML)
	for _, s := range []string{
		"stats socket at " + conf + ":2, level admin",
		fmt.Sprintf("also a stats page at http://127.0.0.1:%d/stats", stats),
		fmt.Sprintf("from %s:19 (backend api, server api1; check; HTTP probe from the health check GET /health at %s:17)", conf, conf),
	} {
		if !strings.Contains(y, s) {
			t.Errorf("YAML lacks %q", s)
		}
	}
	if strings.Contains(y, "s3cret") {
		t.Error("the YAML shows the stats password")
	}
	saved := filepath.Join(dir, "gwtop.yaml")
	if err := os.WriteFile(saved, res.YAML, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := config.Load(saved); err != nil {
		t.Errorf("config.Load of the discovered YAML: %v", err)
	}
	checkRoundTrip(t, res)

	// Without the socket, the stats page with its password, which the YAML
	// names as an environment variable and Load fills in.
	res2, err := FromHAProxyConfig(context.Background(), []string{conf}, &Options{CanWrite: func(string) error {
		return &fs.PathError{Op: "access", Path: sock, Err: syscall.EACCES}
	}})
	if err != nil {
		t.Fatal(err)
	}
	if h := res2.Config.HAProxy; h == nil || h.Stats != fmt.Sprintf("http://127.0.0.1:%d/stats", stats) || h.Username != "admin" || h.Password != "${GWTOP_HAPROXY_PASSWORD}" {
		t.Errorf("haproxy without the socket: %+v", res2.Config.HAProxy)
	}
	if !strings.Contains(strings.Join(res2.Notes, "\n"), "stats socket "+sock+" ("+conf+":2): permission denied") {
		t.Errorf("notes: %q", res2.Notes)
	}
	loaded, err := res2.Load(func(string) (string, bool) { return "", false })
	if err != nil || loaded.HAProxy.Password != "s3cret" || strings.Contains(string(res2.YAML), "s3cret") {
		t.Errorf("Load: %v %+v", err, loaded)
	}
}

// TestOtherGateways reads small Caddy, Traefik and Envoy configurations.
func TestOtherGateways(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	noDNS := &Options{LookupHost: func(_ context.Context, h string) ([]string, error) {
		if h == "app.internal" {
			return []string{"10.1.2.3"}, nil
		}
		return nil, errors.New("no such host")
	}}

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
	if c := res.Config.Caddy; c == nil || c.Admin != "127.0.0.1:2020" || c.Log != filepath.Join(dir, "caddy.log") {
		t.Errorf("caddy: %+v", res.Config.Caddy)
	}
	if got := upstreamSet(res.Config); len(got) != 3 || got[2] != "localhost:9003  localhost:9003 tcp://localhost:9003" {
		t.Errorf("caddy upstreams: %q", got)
	}
	checkRoundTrip(t, res)

	caddyJSON := filepath.Join(dir, "caddy.json")
	discovertest.Write(t, caddyJSON, `{"apps":{"http":{"servers":{"a":{"routes":[{"handle":[{"handler":"reverse_proxy","upstreams":[{"dial":"10.0.0.5:80"}]}]}]}}}}}`)
	res, err = FromCaddyConfig(ctx, caddyJSON, noDNS)
	if err != nil {
		t.Fatal(err)
	}
	if c := res.Config.Caddy; c == nil || c.Admin != "localhost:2019" || len(res.Config.Upstreams) != 1 || res.Config.Upstreams[0].Address != "10.0.0.5:80" {
		t.Errorf("caddy json: %+v %q", res.Config.Caddy, upstreamSet(res.Config))
	}

	traefik := filepath.Join(dir, "traefik.yml")
	discovertest.Write(t, traefik, "entryPoints:\n  web:\n    address: ':80'\n  traefik:\n    address: '127.0.0.1:8081'\napi:\n  insecure: true\naccessLog:\n  filePath: "+filepath.Join(dir, "t.log")+"\n  format: json\n")
	discovertest.Write(t, filepath.Join(dir, "t.log"), "")
	res, err = FromTraefikConfig(ctx, traefik, noDNS)
	if err != nil {
		t.Fatal(err)
	}
	if tr := res.Config.Traefik; tr == nil || tr.API != "http://127.0.0.1:8081" || tr.AccessLog != filepath.Join(dir, "t.log") {
		t.Errorf("traefik: %+v", res.Config.Traefik)
	}
	checkRoundTrip(t, res)
	toml := filepath.Join(dir, "traefik.toml")
	discovertest.Write(t, toml, "[api]\n  insecure = true\n[accessLog]\n")
	res, err = FromTraefikConfig(ctx, toml, noDNS)
	if err != nil {
		t.Fatal(err)
	}
	if tr := res.Config.Traefik; tr == nil || tr.API != "http://127.0.0.1:8080" || !strings.Contains(strings.Join(res.Notes, "\n"), "goes to stdout") {
		t.Errorf("traefik toml: %+v %q", res.Config.Traefik, res.Notes)
	}

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
	res, err = FromEnvoyConfig(ctx, envoy, noDNS)
	if err != nil {
		t.Fatal(err)
	}
	if en := res.Config.Envoy; en == nil || en.Admin != "http://127.0.0.1:9901" || en.AccessLog != filepath.Join(dir, "envoy.log") || en.LogFormat != "json" {
		t.Errorf("envoy: %+v", res.Config.Envoy)
	}
	want := []string{"app app 10.1.2.3:8080 http://10.1.2.3:8080/healthz", "app app 10.1.2.4:8080 http://10.1.2.4:8080/healthz"}
	if got := upstreamSet(res.Config); !reflect.DeepEqual(got, want) {
		t.Errorf("envoy upstreams: %q", got)
	}
	checkRoundTrip(t, res)
}

// TestNginxDiscoveryCreatesNothing: a configuration naming a log file and a
// temp directory that do not exist yet (edited, not reloaded) must not make
// discovery run `nginx -T`, which would create them.
func TestNginxDiscoveryCreatesNothing(t *testing.T) {
	dir := t.TempDir()
	newLog := filepath.Join(dir, "logs", "new-access.log")
	tmpDir := filepath.Join(dir, "proxy_tmp")
	conf := filepath.Join(dir, "nginx.conf")
	body := fmt.Sprintf(`error_log %s/error.log;
events {}
http {
    proxy_temp_path %s;
    upstream api { server 127.0.0.1:9; }
    server { listen 127.0.0.1:1; access_log %s; location / { proxy_pass http://api; } }
}
`, dir, tmpDir, newLog)
	if err := os.WriteFile(conf, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "logs"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "error.log"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	res, err := FromNginxConfig(context.Background(), conf, dir, &Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{newLog, tmpDir} {
		if _, err := os.Stat(p); err == nil {
			t.Errorf("discovery created %s", p)
		}
	}
	notes := strings.Join(res.Notes, "\n")
	if !strings.Contains(notes, "did not run") || !strings.Contains(notes, newLog) {
		t.Errorf("notes do not say why nginx -T was not run:\n%s", notes)
	}
	if len(res.Config.Upstreams) != 1 || res.Config.Upstreams[0].Address != "127.0.0.1:9" {
		t.Errorf("upstreams from the files: %+v", res.Config.Upstreams)
	}
}
