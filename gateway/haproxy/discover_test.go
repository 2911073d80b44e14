package haproxy

import (
	"context"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"

	"github.com/gwtop/gwtop/config"
	"github.com/gwtop/gwtop/config/discover"
	"github.com/gwtop/gwtop/config/discover/discovertest"
)

func freePort(t *testing.T) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

func haproxyOf(cfg *config.Config) *Config { return config.SectionOf[*Config](cfg, "haproxy") }

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
	res, err := discover.Discover(context.Background(), discover.Options{Processes: func(ctx context.Context) ([]discover.Proc, error) {
		all, err := discover.SystemProcesses(ctx)
		var out []discover.Proc
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
	if h := haproxyOf(res.Config); h == nil || h.Stats != "unix:"+sock || h.Password != "" {
		t.Errorf("haproxy: %+v", h)
	}
	want := []string{
		fmt.Sprintf("api1 api 127.0.0.1:%d http://127.0.0.1:%d/health", a, a),
		fmt.Sprintf("api2 api 127.0.0.1:%d http://127.0.0.1:%d/health", b, b),
		fmt.Sprintf("db1 tcpish 127.0.0.1:%d tcp://127.0.0.1:%d", c, c),
		"gone tcpish 127.0.0.1:1 ",
	}
	if got := discovertest.UpstreamSet(res.Config); !reflect.DeepEqual(got, want) {
		t.Errorf("upstreams:\n got %q\nwant %q", got, want)
	}
	if len(res.Config.Upstreams) == 0 || res.Config.Upstreams[0].Expect != "200" {
		t.Errorf("upstreams %+v: want expect 200 from http-check expect on the first", res.Config.Upstreams)
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
	discovertest.CheckRoundTrip(t, res)

	// Without the socket, the stats page with its password, which the YAML
	// names as an environment variable and Load fills in.
	res2, err := FromHAProxyConfig(context.Background(), []string{conf}, &discover.Options{CanWrite: func(string) error {
		return &fs.PathError{Op: "access", Path: sock, Err: syscall.EACCES}
	}})
	if err != nil {
		t.Fatal(err)
	}
	if h := haproxyOf(res2.Config); h == nil || h.Stats != fmt.Sprintf("http://127.0.0.1:%d/stats", stats) || h.Username != "admin" || h.Password != "${GWTOP_HAPROXY_PASSWORD}" {
		t.Errorf("haproxy without the socket: %+v", h)
	}
	if !strings.Contains(strings.Join(res2.Notes, "\n"), "stats socket "+sock+" ("+conf+":2): permission denied") {
		t.Errorf("notes: %q", res2.Notes)
	}
	loaded, err := res2.Load(func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if h := haproxyOf(loaded); h == nil || h.Password != "s3cret" || strings.Contains(string(res2.YAML), "s3cret") {
		t.Errorf("Load: %+v", h)
	}
}

// stoppedHAProxy is an HAProxy configuration with a syslog log (which
// Debian's rsyslog rule writes to a file), a stats socket and one backend.
const stoppedHAProxy = `global
    log /dev/log local0
    stats socket /run/haproxy/admin.sock mode 660 level admin

defaults
    mode http
    log global
    option httplog

frontend fe
    bind 127.0.0.1:8080
    default_backend api

backend api
    server api1 127.0.0.1:9001
`

// stoppedHost is a host where HAProxy is installed (Debian's rsyslog rule
// and its log file) and not running.
func stoppedHost(t *testing.T) *discovertest.Host {
	h := discovertest.NewHost(t)
	h.Write("/etc/rsyslog.d/49-haproxy.conf", `$AddUnixListenSocket /var/lib/haproxy/dev/log
:programname, startswith, "haproxy" {
  /var/log/haproxy.log
  stop
}
`)
	h.Write("/var/log/haproxy.log", "")
	return h
}

// TestHAProxyNotRunning: with no haproxy process, discovery reads the
// standard configuration file, says that HAProxy is not running and still
// follows the log its syslog rule writes. The stats socket a stopped
// HAProxy has removed is a note. The Docker image's path is the second
// standard one.
func TestHAProxyNotRunning(t *testing.T) {
	for _, std := range []string{"/etc/haproxy/haproxy.cfg", "/usr/local/etc/haproxy/haproxy.cfg"} {
		h := stoppedHost(t)
		h.Write(std, stoppedHAProxy)
		res, err := h.Discover(nil)
		if err != nil {
			t.Fatal(err)
		}
		discovertest.CheckNotRunning(t, res, "haproxy", "HAProxy", std)
		if hp := haproxyOf(res.Config); hp == nil || hp.Log != "/var/log/haproxy.log" || hp.Stats != "" {
			t.Errorf("%s: haproxy %+v\n%s", std, hp, res.YAML)
		}
		if got := discovertest.UpstreamSet(res.Config); len(got) != 1 || got[0] != "api1 api 127.0.0.1:9001 tcp://127.0.0.1:9001" {
			t.Errorf("%s: upstreams %q", std, got)
		}
		if !strings.Contains(strings.Join(res.Notes, "\n"), "stats socket /run/haproxy/admin.sock") {
			t.Errorf("%s: notes %q", std, res.Notes)
		}
	}
}

// TestHAProxyConfFlag: --haproxy-cfg wins over the standard file, and one
// that does not exist is an error naming the flag.
func TestHAProxyConfFlag(t *testing.T) {
	h := stoppedHost(t)
	h.Write("/etc/haproxy/haproxy.cfg", stoppedHAProxy)
	h.Write("/srv/lb/lb.cfg", stoppedHAProxy+`
listen stats
    bind 127.0.0.1:8404
    stats enable
    stats uri /stats
`)
	res, err := h.Discover(map[string]string{"haproxy": "/srv/lb/lb.cfg"})
	if err != nil {
		t.Fatal(err)
	}
	discovertest.CheckNotRunning(t, res, "haproxy", "HAProxy", "/srv/lb/lb.cfg")
	if hp := haproxyOf(res.Config); hp == nil || hp.Stats != "http://127.0.0.1:8404/stats" || hp.Log != "/var/log/haproxy.log" {
		t.Errorf("haproxy %+v\n%s", hp, res.YAML)
	}
	if strings.Contains(string(res.YAML), "/etc/haproxy/haproxy.cfg") {
		t.Errorf("the standard file was read too:\n%s", res.YAML)
	}
	h.CheckMissingConfig("haproxy", "haproxy-cfg", "/srv/lb/missing.cfg")
}
