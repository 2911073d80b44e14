package all_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gwtop/gwtop/collector/feed"
	"github.com/gwtop/gwtop/config"
	"github.com/gwtop/gwtop/config/discover"
	"github.com/gwtop/gwtop/config/discover/discovertest"
	"github.com/gwtop/gwtop/gateway"
	_ "github.com/gwtop/gwtop/gateway/all"
	"github.com/gwtop/gwtop/gateway/nginx"
)

// TestNothingFound: an empty process list is a NotFoundError that says what
// was looked for and how to point gwtop at a gateway.
func TestNothingFound(t *testing.T) {
	// An empty tree: no process runs and no standard configuration file
	// is there.
	_, err := discover.Discover(context.Background(), discover.Options{Root: t.TempDir(), Processes: func(context.Context) ([]discover.Proc, error) { return nil, nil }})
	var nf *discover.NotFoundError
	if !errors.As(err, &nf) {
		t.Fatalf("err = %v, want a NotFoundError", err)
	}
	for _, s := range []string{"looked for running nginx, haproxy, caddy", "nor a configuration file in the standard places", "--config FILE", "--haproxy-stats",
		"read a stopped gateway's configuration with --nginx-conf, --haproxy-cfg, --caddyfile, --traefik-config, --envoy-config, --apache-conf FILE"} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("message lacks %q: %v", s, err)
		}
	}
	// Every registered kind, in rank order.
	at := -1
	for _, k := range gateway.Kinds() {
		i := strings.Index(err.Error(), k.Name)
		if i <= at {
			t.Errorf("message names %s at %d, after %d: %v", k.Name, i, at, err)
		}
		at = i
	}
}

// TestGatewayProcs: of a process list, discovery reads one process per
// running gateway: an nginx master, not its workers or `nginx -t`; the
// HAProxy master, not its worker of the same kind; nothing else. What it
// read is what it found, under an empty root so that no configuration is
// read from this host.
func TestGatewayProcs(t *testing.T) {
	procs := []discover.Proc{
		{PID: 10, Name: "nginx", Cmdline: []string{"nginx: master process /usr/sbin/nginx"}},
		{PID: 11, PPID: 10, Name: "nginx", Cmdline: []string{"nginx: worker process"}},
		{PID: 12, Name: "nginx", Cmdline: []string{"/usr/sbin/nginx", "-t"}},
		{PID: 20, Name: "haproxy", Cmdline: []string{"/usr/sbin/haproxy", "-Ws", "-f", "/etc/haproxy/haproxy.cfg"}},
		{PID: 21, PPID: 20, Name: "haproxy", Cmdline: []string{"/usr/sbin/haproxy", "-Ws", "-f", "/etc/haproxy/haproxy.cfg"}},
		{PID: 30, Name: "bash", Cmdline: []string{"bash"}},
	}
	res, err := discover.Discover(context.Background(), discover.Options{
		Processes: func(context.Context) ([]discover.Proc, error) { return procs, nil },
		Root:      t.TempDir(), NoExec: true,
	})
	var found []discover.Gateway
	var nf *discover.NotFoundError
	switch {
	case errors.As(err, &nf):
		found = nf.Found
	case err != nil:
		t.Fatal(err)
	default:
		found = res.Found
	}
	got := map[string][]discover.Gateway{}
	for _, g := range found {
		got[g.Kind] = append(got[g.Kind], g)
	}
	if len(got["nginx"]) != 1 || got["nginx"][0].PID != 10 || len(got["haproxy"]) != 1 || got["haproxy"][0].PID != 20 || len(got) != 2 {
		t.Errorf("gateway processes: %+v", found)
	}
}

// TestTwoNginxInstances: two nginx masters on one host are two instances,
// "nginx" and "nginx@2", each with its own section and upstreams, even
// where both proxy to the same address; the YAML says so and loads back.
func TestTwoNginxInstances(t *testing.T) {
	a := discovertest.WriteNginxTree(t, discovertest.Ports{Listen: 19001, Status: 19002, Static: 19003, Healthy: 19004, Backup: 19005,
		Down: 19006, Error500: 19007, Refused: 19008, Inline: 19009, FastCGI: 19010})
	b := discovertest.WriteNginxTree(t, discovertest.Ports{Listen: 19101, Status: 19102, Static: 19103, Healthy: 19004, Backup: 19105,
		Down: 19106, Error500: 19107, Refused: 19108, Inline: 19109, FastCGI: 19110})
	procs := []discover.Proc{
		{PID: 100, Name: "nginx", Cmdline: []string{"nginx: master process /usr/sbin/nginx -p " + a.Prefix + " -c " + a.Conf}},
		{PID: 200, Name: "nginx", Cmdline: []string{"nginx: master process /usr/sbin/nginx -p " + b.Prefix + " -c " + b.Conf}},
	}
	res, err := discover.Discover(context.Background(), discover.Options{
		Processes: func(context.Context) ([]discover.Proc, error) { return procs, nil }, NoExec: true,
		NoStandard: true, // the trees are in t.TempDir(): not this host's files
	})
	if err != nil {
		t.Fatal(err)
	}
	if testing.Verbose() {
		t.Logf("%s", res.YAML)
	}
	cfg, err := res.Load(nil)
	if err != nil {
		t.Fatalf("the YAML does not load: %v\n%s", err, res.YAML)
	}
	one, two := config.SectionOf[*nginx.Config](cfg, "nginx"), cfg.Instance("nginx@2")
	if one == nil || two == nil || len(cfg.Gateways) != 2 {
		t.Fatalf("sections %+v\n%s", cfg.Gateways, res.YAML)
	}
	if one.StatusURL != a.StatusURL || two.(*nginx.Config).StatusURL != b.StatusURL {
		t.Errorf("status URLs %q, %q; want %q, %q", one.StatusURL, two.(*nginx.Config).StatusURL, a.StatusURL, b.StatusURL)
	}
	shared := "127.0.0.1:19004" // both trees' upstream app
	rows := map[string]bool{}
	for _, u := range cfg.Upstreams {
		if u.Address == shared {
			rows[u.Gateway] = true
		}
		if u.Gateway != "nginx" && u.Gateway != "nginx@2" {
			t.Errorf("upstream %s has gateway %q", u.Name, u.Gateway)
		}
	}
	if !rows["nginx"] || !rows["nginx@2"] {
		t.Errorf("%s behind both: rows %v", shared, rows)
	}
	for _, s := range []string{"\nnginx:\n", "\nnginx@2:\n", "gateway: nginx@2", "nginx pid 200 is another nginx: its section is nginx@2"} {
		if !strings.Contains(string(res.YAML), s) {
			t.Errorf("the YAML lacks %q:\n%s", s, res.YAML)
		}
	}
}

// TestKindsReadConfigFiles: every kind can be read from a file alone: it
// has standard paths, a reader and a flag, and the flags are the ones the
// command line defines (from Kind.ConfFlag).
func TestKindsReadConfigFiles(t *testing.T) {
	want := map[string]string{"nginx": "nginx-conf", "haproxy": "haproxy-cfg", "caddy": "caddyfile", "traefik": "traefik-config", "envoy": "envoy-config", "apache": "apache-conf"}
	seen := map[string]bool{}
	for _, k := range gateway.Kinds() {
		if k.FindConfig == nil || len(k.Standard) == 0 || k.ConfFlag != want[k.Name] {
			t.Errorf("%s: FindConfig %v, Standard %q, ConfFlag %q (want %q)", k.Name, k.FindConfig != nil, k.Standard, k.ConfFlag, want[k.Name])
		}
		if seen[k.ConfFlag] {
			t.Errorf("%s: flag %q twice", k.Name, k.ConfFlag)
		}
		seen[k.ConfFlag] = true
		for _, p := range k.Standard {
			if !filepath.IsAbs(p) {
				t.Errorf("%s: standard path %q is not absolute", k.Name, p)
			}
		}
	}
	if len(seen) != len(want) {
		t.Errorf("kinds with a configuration flag: %v", seen)
	}
}

// stoppedHost writes, for every kind, its first standard configuration
// file naming one log (which exists), as a host whose gateways are all
// down leaves them.
func stoppedHost(t *testing.T) (*discovertest.Host, map[string]string) {
	h := discovertest.NewHost(t)
	h.Write("/etc/nginx/nginx.conf", "error_log /var/log/nginx/error.log;\nevents {}\nhttp { access_log /var/log/nginx/access.log; server { listen 127.0.0.1:8080; location / { proxy_pass http://127.0.0.1:9001; } } }\n")
	h.Write("/etc/haproxy/haproxy.cfg", "global\n    log /dev/log local0\ndefaults\n    mode http\n    option httplog\nbackend api\n    server a 127.0.0.1:9002\n")
	h.Write("/etc/rsyslog.d/49-haproxy.conf", ":programname, startswith, \"haproxy\" {\n  /var/log/haproxy.log\n  stop\n}\n")
	h.Write("/etc/caddy/Caddyfile", "site.test {\n\treverse_proxy 127.0.0.1:9003\n\tlog {\n\t\toutput file /var/log/caddy/access.log\n\t}\n}\n")
	h.Write("/etc/traefik/traefik.yml", "accessLog:\n  filePath: /var/log/traefik/access.log\n  format: json\n")
	h.Write("/etc/envoy/envoy.yaml", `static_resources:
  listeners:
  - name: l
    filter_chains:
    - filters:
      - name: envoy.filters.network.http_connection_manager
        typed_config:
          access_log:
          - name: envoy.access_loggers.file
            typed_config: { path: /var/log/envoy/access.log }
`)
	h.Write("/etc/apache2/apache2.conf", "ErrorLog ${APACHE_LOG_DIR}/error.log\nLogFormat \"%h %l %u %t \\\"%r\\\" %>s %O \\\"%{Referer}i\\\" \\\"%{User-Agent}i\\\"\" combined\nCustomLog ${APACHE_LOG_DIR}/access.log combined\nProxyPass /api/ http://127.0.0.1:9004/\n")
	h.Write("/etc/apache2/envvars", "export APACHE_LOG_DIR=/var/log/apache2$SUFFIX\n")
	logs := map[string]string{
		"nginx": "/var/log/nginx/access.log", "haproxy": "/var/log/haproxy.log", "caddy": "/var/log/caddy/access.log",
		"traefik": "/var/log/traefik/access.log", "envoy": "/var/log/envoy/access.log", "apache": "/var/log/apache2/access.log",
	}
	for _, p := range logs {
		h.Write(p, "")
	}
	h.Write("/var/log/nginx/error.log", "")
	h.Write("/var/log/apache2/error.log", "")
	return h, logs
}

// TestEveryKindNotRunning: on a host where every gateway is down,
// discovery reads each kind's standard configuration file, marks each
// gateway not running, and watches every log: the watched configuration
// follows each one.
func TestEveryKindNotRunning(t *testing.T) {
	h, logs := stoppedHost(t)
	res, err := h.Discover(nil)
	if err != nil {
		t.Fatal(err)
	}
	if testing.Verbose() {
		t.Logf("%s", res.YAML)
	}
	for _, k := range gateway.Kinds() {
		discovertest.CheckNotRunning(t, res, k.Name, k.Title, k.Standard[0])
	}
	cfg, err := res.Load(nil)
	if err != nil {
		t.Fatal(err)
	}
	watched := map[string]bool{}
	for _, g := range cfg.Gateways {
		w := &logWirer{cfg: cfg}
		if err := g.Section.(gateway.Section).Wire(w); err != nil {
			t.Fatalf("%s: %v", g.Name, err)
		}
		for _, p := range w.logs {
			watched[g.Kind+" "+p] = true
		}
	}
	for kind, p := range logs {
		if !watched[kind+" "+p] {
			t.Errorf("%s's log %s is not watched; watched: %v", kind, p, watched)
		}
	}
	// Three kinds' upstreams, read from the files.
	for _, a := range []string{"127.0.0.1:9001", "127.0.0.1:9002", "127.0.0.1:9003", "127.0.0.1:9004"} {
		found := false
		for _, u := range cfg.Upstreams {
			found = found || u.Address == a
		}
		if !found {
			t.Errorf("upstream %s missing: %+v", a, cfg.Upstreams)
		}
	}
}

// logWirer records the logs a section adds.
type logWirer struct {
	cfg  *config.Config
	logs []string
}

func (w *logWirer) Scraper(feed.Scraper)                         {}
func (w *logWirer) Log(_ string, path string, _ feed.LineParser) { w.logs = append(w.logs, path) }
func (w *logWirer) Backlog() bool                                { return false }
func (w *logWirer) Config() *config.Config                       { return w.cfg }

// TestRunningAndStopped: the incident this is for. HAProxy in front runs,
// the nginx behind it has crashed. HAProxy is read from its process (not
// from the standard file beside it), nginx from its standard file, marked
// not running; no other kind is reported.
func TestRunningAndStopped(t *testing.T) {
	h := discovertest.NewHost(t)
	h.Write("/etc/nginx/nginx.conf", "error_log /var/log/nginx/error.log;\nevents {}\nhttp { access_log /var/log/nginx/access.log; }\n")
	h.Write("/var/log/nginx/access.log", "")
	h.Write("/var/log/nginx/error.log", "")
	h.Write("/etc/haproxy/haproxy.cfg", "global\n    stats socket /run/haproxy/standard.sock\n")
	h.Write("/srv/lb/lb.cfg", "listen stats\n    bind 127.0.0.1:8404\n    stats enable\n    stats uri /stats\n")
	res, err := h.Discover(nil, discover.Proc{PID: 7, Name: "haproxy", Cmdline: []string{"/usr/sbin/haproxy", "-Ws", "-f", "/srv/lb/lb.cfg"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Found) != 2 {
		t.Fatalf("found %+v", res.Found)
	}
	discovertest.CheckNotRunning(t, res, "nginx", "nginx", "/etc/nginx/nginx.conf")
	if g := res.Found[1]; g.Kind != "haproxy" || g.PID != 7 || g.NotRunning || g.Config != "/srv/lb/lb.cfg" {
		t.Errorf("haproxy found %+v", g)
	}
	if hp := res.Config.Section("haproxy"); hp == nil || !strings.Contains(string(res.YAML), "stats: http://127.0.0.1:8404/stats") {
		t.Errorf("haproxy not from its process:\n%s", res.YAML)
	}
	if strings.Contains(string(res.YAML), "HAProxy is not running") || strings.Contains(string(res.YAML), "standard.sock") {
		t.Errorf("the running HAProxy was read from its standard file:\n%s", res.YAML)
	}
}

// TestConfigsErrors: Options.Configs naming a kind that does not exist, or
// no file, fails before anything is read; two running nginx and a
// --nginx-conf file read the file as the first one's and say the second is
// not read.
func TestConfigsErrors(t *testing.T) {
	h, _ := stoppedHost(t)
	if _, err := h.Discover(map[string]string{"varnish": "/etc/varnish/default.vcl"}); err == nil || !strings.Contains(err.Error(), `no gateway kind "varnish"`) {
		t.Errorf("unknown kind: %v", err)
	}
	var ce *discover.ConfigFileError
	if _, err := h.Discover(map[string]string{"envoy": ""}); !errors.As(err, &ce) || !strings.Contains(err.Error(), "--envoy-config: give the configuration file") {
		t.Errorf("empty path: %v", err)
	}
	two := []discover.Proc{
		{PID: 10, Name: "nginx", Cmdline: []string{"nginx: master process /usr/sbin/nginx -c /etc/nginx/a.conf"}},
		{PID: 20, Name: "nginx", Cmdline: []string{"nginx: master process /usr/sbin/nginx -c /etc/nginx/b.conf"}},
	}
	res, err := h.Discover(map[string]string{"nginx": "/etc/nginx/nginx.conf"}, two...)
	if err != nil {
		t.Fatal(err)
	}
	var nginxes []discover.Gateway
	for _, g := range res.Found {
		if g.Kind == "nginx" {
			nginxes = append(nginxes, g)
		}
	}
	if len(nginxes) != 2 || nginxes[0].PID != 10 || !nginxes[0].Used || nginxes[0].NotRunning || nginxes[1].PID != 20 || nginxes[1].Used || nginxes[1].Config != "/etc/nginx/b.conf" {
		t.Errorf("nginx found %+v", nginxes)
	}
	if !strings.Contains(strings.Join(res.Notes, "\n"), "nginx pid 20 is not read: --nginx-conf names one configuration, read as pid 10's") {
		t.Errorf("notes %q", res.Notes)
	}
	if cfg, err := res.Load(nil); err != nil || cfg.Instance("nginx@2") != nil {
		t.Errorf("load: %v, sections %+v", err, cfg.Gateways)
	}
}
