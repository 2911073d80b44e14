package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/gwtop/gwtop/config"
	"github.com/gwtop/gwtop/config/discover"
	"github.com/gwtop/gwtop/config/discover/discovertest"
	"github.com/gwtop/gwtop/gateway"
	"github.com/gwtop/gwtop/gateway/haproxy"
	"github.com/gwtop/gwtop/gateway/nginx"
	"github.com/gwtop/gwtop/internal/faults"
	"github.com/gwtop/gwtop/internal/nginxtest"
	"github.com/gwtop/gwtop/model"
)

// Tests in this package never discover the host's own gateways (nor the
// ones other tests start): a test that wants discovery names its process
// with onlyPID.
func init() {
	discoverOptions = discover.Options{NoStandard: true, Processes: func(context.Context) ([]discover.Proc, error) { return nil, nil }}
}

// onlyPID makes discovery see the real process list, filtered to one
// process, so that other gateways on the machine do not disturb a test.
func onlyPID(t *testing.T, pid int) {
	t.Helper()
	prev := discoverOptions
	t.Cleanup(func() { discoverOptions = prev })
	discoverOptions = discover.Options{NoStandard: true, Processes: func(ctx context.Context) ([]discover.Proc, error) {
		all, err := discover.SystemProcesses(ctx)
		if err != nil {
			return nil, err
		}
		var out []discover.Proc
		for _, p := range all {
			if int(p.PID) == pid {
				out = append(out, p)
			}
		}
		if len(out) == 0 {
			return nil, fmt.Errorf("gopsutil did not list the test's gateway, pid %d", pid)
		}
		return out, nil
	}}
}

func gwtopRun(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(context.Background(), args, &out, &errb)
	return out.String(), errb.String(), code
}

// TestDiscoverNginx starts a real nginx from a configuration tree at a
// non-default path, discovers it through the real process list, checks that
// discovery found exactly its upstreams, logs and status page, then runs
// gwtop snapshot on the discovered YAML and with no configuration at all.
func TestDiscoverNginx(t *testing.T) {
	healthy := faults.Start(t, faults.Healthy)
	backup := faults.Start(t, faults.Healthy)
	e500 := faults.Start(t, faults.Error500)
	refused := faults.Start(t, faults.Refused)
	inline := faults.Start(t, faults.Healthy)
	fcgi := faults.Start(t, faults.Refused)
	down := faults.Start(t, faults.Refused)
	port := func(s *faults.Server) int {
		var p int
		fmt.Sscanf(s.Addr[strings.LastIndex(s.Addr, ":")+1:], "%d", &p)
		return p
	}
	ports := discovertest.Ports{Listen: nginxtest.FreePort(t), Status: nginxtest.FreePort(t), Static: nginxtest.FreePort(t),
		Healthy: port(healthy), Backup: port(backup), Down: port(down), Error500: port(e500), Refused: port(refused),
		Inline: port(inline), FastCGI: port(fcgi)}
	tree := discovertest.WriteNginxTree(t, ports)
	listen := fmt.Sprintf("127.0.0.1:%d", ports.Listen)
	ngx := nginxtest.StartFile(t, tree.Conf, tree.Prefix, listen)
	onlyPID(t, ngx.Pid())

	yml, errOut, code := gwtopRun(t, "discover")
	if code != 0 {
		t.Fatalf("gwtop discover: exit %d: %s", code, errOut)
	}
	t.Logf("discovered:\n%s", yml)
	cfg, err := config.Parse("discovered.yaml", []byte(yml), func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatalf("the discovered YAML does not load: %v", err)
	}

	// Exactly the configuration's upstreams, with the right probes.
	want := map[string]string{
		healthy.Addr: "tcp://" + healthy.Addr,
		backup.Addr:  "tcp://" + backup.Addr,
		down.Addr:    "", // marked down: listed, not probed
		e500.Addr:    "tcp://" + e500.Addr,
		refused.Addr: "tcp://" + refused.Addr,
		inline.Addr:  "tcp://" + inline.Addr,
		fcgi.Addr:    "tcp://" + fcgi.Addr,
		"unix:" + filepath.Join(tree.Prefix, "run", "app.sock"): "",
	}
	got := map[string]string{}
	for _, u := range cfg.Upstreams {
		got[u.Address] = u.Probe
	}
	if fmt.Sprint(sorted(got)) != fmt.Sprint(sorted(want)) {
		t.Errorf("upstreams:\n got %v\nwant %v", sorted(got), sorted(want))
	}
	groups := map[string]string{healthy.Addr: "app", backup.Addr: "app", e500.Addr: "payments", refused.Addr: "legacy", inline.Addr: ""}
	for _, u := range cfg.Upstreams {
		if g, ok := groups[u.Address]; ok && u.Group != g {
			t.Errorf("%s: group %q, want %q", u.Address, u.Group, g)
		}
	}
	n := config.SectionOf[*nginx.Config](cfg, "nginx")
	if n == nil {
		t.Fatal("no nginx section")
	}
	if n.AccessLog != tree.AccessLog || n.ErrorLog != tree.ErrorLog || n.StatusURL != tree.StatusURL {
		t.Errorf("nginx = %+v\nwant access_log %s, error_log %s, status_url %s", n, tree.AccessLog, tree.ErrorLog, tree.StatusURL)
	}
	if n.LogFormat != discovertest.UpstreamLogFormat {
		t.Errorf("log_format = %q\nwant %q", n.LogFormat, discovertest.UpstreamLogFormat)
	}
	// The other logs of this nginx are watched too.
	var extra []string
	for _, a := range n.AccessLogs {
		extra = append(extra, filepath.Base(a.Path))
	}
	if fmt.Sprint(extra) != "[api.json.log access.log static.log]" || len(n.ErrorLogs) != 1 || filepath.Base(n.ErrorLogs[0]) != "error.log" {
		t.Errorf("access_logs %v, error_logs %v", extra, n.ErrorLogs)
	}
	// Every item says where it came from.
	for _, s := range []string{
		"# from " + tree.Upstreams + ":3 (upstream app; weight=3)",
		"# from " + tree.API + ":11 (proxy_pass http://" + inline.Addr + "/ in location /inline/)",
		"# stub_status at " + tree.Status + ":6, listen at " + tree.Status + ":2",
		"- path: " + filepath.Join(tree.Prefix, "logs", "api.json.log"),
		"# from " + tree.API + ":5 (server api.test, format json_up",
		"proxy_pass http://$backend (" + tree.API + ":16) names its upstream with variables",
		fmt.Sprintf("found nginx pid %d, %s (read)", ngx.Pid(), tree.Conf),
		"read with `",
	} {
		if !strings.Contains(yml, s) {
			t.Errorf("the YAML lacks %q", s)
		}
	}
	if t.Failed() {
		return
	}

	// Traffic through nginx to the upstreams that fail and the one that does not.
	prefixes := map[string]int{}
	for _, loc := range []string{"app", "payments", "legacy", "inline"} {
		prefixes[fmt.Sprintf("http://%s/%s/x/", listen, loc)] = 1
	}
	saved := writeFile(t, "gwtop.yaml", yml)
	snaps := snapshotsUnderTraffic(t, prefixTraffic(prefixes), map[string][]string{
		"--config discovered.yaml": {"--config", saved, "--for", "5s"},
		"no configuration":         {"--for", "5s"},
	})
	if t.Failed() {
		return
	}
	for label, s := range snaps {
		check := func(addr string, state model.State, cause model.Cause) {
			checkUpstream(t, label, s, "nginx", addr, upstreamWant{state: state, cause: cause})
		}
		check(healthy.Addr, model.StateUp, "")
		check(inline.Addr, model.StateUp, "")
		check(e500.Addr, "", model.CauseUpstream5xx)
		check(refused.Addr, "", model.CauseRefused)
		if stub, ok := s.Gateway("nginx", "stub_status", ""); !ok || !stub.OK {
			t.Errorf("%s: no working stub_status row: %+v", label, s.Gateways)
		}
	}

	// A file broken after nginx started: `nginx -T` fails, discovery reads
	// the files itself, names the broken file and line, and keeps the rest.
	broken := filepath.Join(tree.Prefix, "etc", "conf.d", "zz-broken.conf")
	discovertest.Write(t, broken, "upstream broken {\n    server 127.0.0.1:1\n}\n")
	yml2, errOut, code := gwtopRun(t, "discover")
	if code != 0 {
		t.Fatalf("gwtop discover with a broken include: exit %d: %s", code, errOut)
	}
	for _, s := range []string{"-T` failed", broken + ":3: unexpected \"}\"", "access_log: " + tree.AccessLog, "address: " + refused.Addr} {
		if !strings.Contains(yml2, s) {
			t.Errorf("discovery with a broken include lacks %q:\n%s", s, yml2)
		}
	}
}

func sorted(m map[string]string) []string {
	var out []string
	for k, v := range m {
		out = append(out, k+"→"+v)
	}
	sort.Strings(out)
	return out
}

// TestDiscoverNothing: with no gateway running, gwtop discover, the TUI and
// snapshot say what was looked for and how to point gwtop at a gateway;
// all three exit 1; --no-discover keeps the usage error (exit 2) of
// "nothing to watch".
func TestDiscoverNothing(t *testing.T) {
	prev := discoverOptions
	t.Cleanup(func() { discoverOptions = prev })
	discoverOptions = discover.Options{NoStandard: true, Processes: func(context.Context) ([]discover.Proc, error) { return nil, nil }}
	for _, args := range [][]string{{"discover"}, {}, {"snapshot", "--for", "1s"}} {
		out, errOut, code := gwtopRun(t, args...)
		if want := 1; code != want {
			t.Errorf("gwtop %v: exit %d, want %d (stderr %s)", args, code, want, errOut)
		}
		if out != "" {
			t.Errorf("gwtop %v printed %q on stdout", args, out)
		}
		want := []string{"no gateway found", "--config FILE", "--access-log"}
		for _, k := range gateway.Kinds() {
			want = append(want, k.Name)
		}
		for _, s := range want {
			if !strings.Contains(errOut, s) {
				t.Errorf("gwtop %v: stderr lacks %q:\n%s", args, s, errOut)
			}
		}
	}
	_, errOut, code := gwtopRun(t, "--no-discover")
	if code != 2 || !strings.Contains(errOut, "nothing to watch") {
		t.Errorf("gwtop --no-discover: exit %d, %s", code, errOut)
	}
	// A quick flag means no discovery: the process list is not even read.
	discoverOptions = discover.Options{NoStandard: true, Processes: func(context.Context) ([]discover.Proc, error) {
		t.Error("discovery ran although --probe was given")
		return nil, nil
	}}
	h := faults.Start(t, faults.Healthy)
	s := snapshotJSON(t, "--probe", "h=http://"+h.Addr+"/", "--for", "1s")
	if len(s.Upstreams) != 1 {
		t.Errorf("snapshot with --probe: %d upstreams", len(s.Upstreams))
	}
}

// TestDiscoverHAProxySnapshot discovers a real HAProxy through the real
// process list and runs gwtop snapshot on the discovered YAML.
func TestDiscoverHAProxySnapshot(t *testing.T) {
	dir := t.TempDir()
	healthy := faults.Start(t, faults.Healthy)
	refused := faults.Start(t, faults.Refused)
	fe := nginxtest.FreePort(t)
	sock := filepath.Join(dir, "admin.sock")
	conf := filepath.Join(dir, "etc", "lb.cfg")
	discovertest.Write(t, conf, fmt.Sprintf(`global
    stats socket %s mode 600 level admin

defaults
    mode http
    timeout connect 1s
    timeout client 5s
    timeout server 5s

frontend fe
    bind 127.0.0.1:%d
    default_backend api

backend api
    option httpchk GET /health
    server ok %s check inter 500ms
    server dead %s check inter 500ms
`, sock, fe, healthy.Addr, refused.Addr))
	pid := discovertest.StartHAProxy(t, conf, fmt.Sprintf("127.0.0.1:%d", fe))
	onlyPID(t, pid)
	yml, errOut, code := gwtopRun(t, "discover")
	if code != 0 {
		t.Fatalf("gwtop discover: exit %d: %s", code, errOut)
	}
	saved := writeFile(t, "gwtop.yaml", yml)
	cfg, err := config.Load(saved)
	if err != nil {
		t.Fatalf("config.Load: %v\n%s", err, yml)
	}
	if h := config.SectionOf[*haproxy.Config](cfg, "haproxy"); h == nil || h.Stats != "unix:"+sock || len(cfg.Upstreams) != 2 || cfg.Upstreams[0].Probe != "http://"+healthy.Addr+"/health" {
		t.Fatalf("discovered:\n%s", yml)
	}
	s := snapshotJSON(t, "--config", saved, "--for", "3s")
	var stats bool
	for _, g := range s.Gateways {
		t.Logf("gateway %s %s %s ok=%v %s", g.Kind, g.Source, g.Target, g.OK, g.Error)
		if g.Kind == "haproxy" && g.OK {
			stats = true
		}
	}
	if !stats {
		t.Errorf("no working haproxy row in the snapshot: %+v", s.Gateways)
	}
	for _, u := range s.Upstreams {
		t.Logf("%s %s %s %s", u.Name, u.Address, u.State, u.StateReason)
	}
	if u, _ := s.Upstream("haproxy", healthy.Addr); u.State != model.StateUp {
		t.Errorf("%s: %s (%s), want up", healthy.Addr, u.State, u.StateReason)
	}
	if u, _ := s.Upstream("haproxy", refused.Addr); u.State == model.StateUp || u.State == "" {
		t.Errorf("%s: %q (%s), want not up", refused.Addr, u.State, u.StateReason)
	}
}

// TestDiscoverStoppedGateway: with nginx not running — an incident in
// itself — --nginx-conf points discovery at its configuration, which says
// where its logs are; gwtop says it is not running and watches the logs.
func TestDiscoverStoppedGateway(t *testing.T) {
	dir := t.TempDir()
	access, errLog, conf := filepath.Join(dir, "access.log"), filepath.Join(dir, "error.log"), filepath.Join(dir, "nginx.conf")
	text := fmt.Sprintf(`events {}
error_log %s warn;
http {
    access_log %s combined;
    upstream app { server 127.0.0.1:18204; }
    server { listen 127.0.0.1:18201; location / { proxy_pass http://app; } }
}
`, errLog, access)
	// The logs of an nginx that ran before it crashed.
	for p, b := range map[string]string{conf: text, access: "", errLog: ""} {
		if err := os.WriteFile(p, []byte(b), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	tree := struct{ Conf, AccessLog, ErrorLog string }{conf, access, errLog}
	yml, errOut, code := gwtopRun(t, "discover", "--no-exec", "--nginx-conf", tree.Conf)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, s := range []string{"NOT running", "access_log: " + tree.AccessLog, "error_log: " + tree.ErrorLog} {
		if !strings.Contains(yml, s) {
			t.Errorf("the YAML lacks %q:\n%s", s, yml)
		}
	}
	s := snapshotJSON(t, "--nginx-conf", tree.Conf, "--for", "1s")
	if _, ok := s.Gateway("nginx", "error_log", tree.ErrorLog); !ok {
		t.Errorf("the stopped nginx's error log is not watched: %+v", s.Gateways)
	}
	if _, errOut, code := gwtopRun(t, "snapshot", "--nginx-conf", filepath.Join(t.TempDir(), "nope.conf")); code != 1 || !strings.Contains(errOut, "--nginx-conf") {
		t.Errorf("a missing --nginx-conf: exit %d, %s", code, errOut)
	}
	if _, errOut, code := gwtopRun(t, "snapshot", "--nginx-conf", tree.Conf, "--config", tree.Conf); code != 2 {
		t.Errorf("--nginx-conf with --config: exit %d, %s", code, errOut)
	}
}
