package haproxy

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/gwtop/gwtop/config/discover"
	"github.com/gwtop/gwtop/facts"
	"github.com/gwtop/gwtop/gateway/internal/settingstest"
	"github.com/gwtop/gwtop/internal/haproxytest"
)

// settingsCfg is a configuration `haproxy -c` accepts: a named defaults
// section, the unnamed one, a backend overriding timeout server, a backend
// inheriting the named defaults with "from", and a listen section with a
// unix socket server.
type settingsCfg struct {
	path, sock            string
	api1, api2, batch1    string
	dir                   string
	lines                 map[string]int
	text                  string
	listenFE, listenProxy string
}

func writeSettingsCfg(t *testing.T) *settingsCfg {
	t.Helper()
	dir := t.TempDir()
	port := func() string { return "127.0.0.1:" + strconv.Itoa(haproxytest.FreePort(t)) }
	c := &settingsCfg{dir: dir, path: filepath.Join(dir, "haproxy.cfg"), sock: filepath.Join(dir, "app.sock"),
		api1: port(), api2: port(), batch1: port(), listenFE: port(), listenProxy: port()}
	c.text = fmt.Sprintf(`global
    maxconn 100

defaults slow
    mode http
    timeout connect 500ms # slow connect
    timeout client 10s
    timeout server 1m # slow server

defaults
    mode http
    timeout connect 2s # d connect
    timeout client 10s
    timeout server 5s # d server
    retries 2 # d retries
    option redispatch # d redispatch

frontend fe
    bind %s
    default_backend api

backend api
    timeout server 1s # api server
    timeout http-request 3s # api http-request
    server a1 %s
    server a2 %s check

backend batch from slow
    timeout queue 30s # batch queue
    server b1 %s

listen legacy
    bind %s
    no option redispatch # legacy redispatch
    server l1 unix@%s
`, c.listenFE, c.api1, c.api2, c.batch1, c.listenProxy, c.sock)
	if err := os.WriteFile(c.path, []byte(c.text), 0o644); err != nil {
		t.Fatal(err)
	}
	c.lines = map[string]int{}
	for i, l := range strings.Split(c.text, "\n") {
		if j := strings.Index(l, "# "); j >= 0 {
			c.lines[l[j+2:]] = i + 1
		}
	}
	bin := haproxytest.Binary(t)
	if out, err := exec.Command(bin, "-c", "-f", c.path).CombinedOutput(); err != nil {
		t.Fatalf("haproxy -c rejects the test configuration: %v\n%s", err, out)
	}
	return c
}

func byKey(t *testing.T, ss []facts.Setting) map[string]facts.Setting {
	t.Helper()
	m := map[string]facts.Setting{}
	for _, s := range ss {
		k := s.Upstream + "|" + s.Route + "|" + s.Name
		if _, dup := m[k]; dup {
			t.Errorf("setting %s twice", k)
		}
		m[k] = s
	}
	return m
}

// want checks one setting; mark is the comment on its line, "" for
// HAProxy's default.
func (c *settingsCfg) want(t *testing.T, m map[string]facts.Setting, upstream, route, name, value string, seconds float64, mark string) {
	t.Helper()
	k := upstream + "|" + route + "|" + name
	s, ok := m[k]
	if !ok {
		t.Errorf("no setting %s", k)
		return
	}
	w := facts.Setting{Gateway: "haproxy", Upstream: upstream, Route: route, Name: name, Value: value, Seconds: seconds, Default: true}
	if mark != "" {
		line, ok := c.lines[mark]
		if !ok {
			t.Fatalf("no line marked %q", mark)
		}
		w.File, w.Line, w.Default = c.path, line, false
	}
	if s != w {
		t.Errorf("%s:\n got %+v\nwant %+v", k, s, w)
	}
}

func (c *settingsCfg) check(t *testing.T, got []facts.Setting) {
	t.Helper()
	m := byKey(t, got)
	for _, up := range []string{"api", c.api1, c.api2} {
		r := "backend api"
		c.want(t, m, up, r, "timeout server", "1s", 1, "api server")
		c.want(t, m, up, r, "timeout connect", "2s", 2, "d connect")
		c.want(t, m, up, r, "timeout queue", "2s", 2, "") // timeout connect's, unwritten
		c.want(t, m, up, r, "timeout http-keep-alive", "3s", 3, "")
		c.want(t, m, up, r, "retries", "2", 0, "d retries")
		c.want(t, m, up, r, "option redispatch", "on", 0, "d redispatch")
	}
	for _, up := range []string{"batch", c.batch1} {
		r := "backend batch"
		c.want(t, m, up, r, "timeout server", "1m", 60, "slow server")
		c.want(t, m, up, r, "timeout connect", "500ms", 0.5, "slow connect")
		c.want(t, m, up, r, "timeout queue", "30s", 30, "batch queue")
		c.want(t, m, up, r, "timeout http-keep-alive", "none", 0, "")
		c.want(t, m, up, r, "retries", "3", 0, "")
		c.want(t, m, up, r, "option redispatch", "off", 0, "")
	}
	sock := "unix:" + c.sock
	c.want(t, m, sock, "listen legacy", "timeout server", "5s", 5, "d server")
	c.want(t, m, sock, "listen legacy", "option redispatch", "off", 0, "legacy redispatch")
	if n := 6 * (3 + 2 + 2); len(got) != n {
		t.Errorf("%d settings, want %d", len(got), n)
	}
}

func TestSettingsFile(t *testing.T) {
	c := writeSettingsCfg(t)
	got, err := settings(context.Background(), discover.Proc{}, c.path)
	if err != nil {
		t.Fatal(err)
	}
	c.check(t, got)
	// The directory, as -f takes one, reads its *.cfg files.
	got, err = settings(context.Background(), discover.Proc{}, c.dir)
	if err != nil {
		t.Fatal(err)
	}
	c.check(t, got)
}

// TestSettingsProcess reads the files a process's -f names, relative to
// its working directory.
func TestSettingsProcess(t *testing.T) {
	c := writeSettingsCfg(t)
	p := discover.Proc{PID: 4242, Name: "haproxy", Cmdline: []string{"/usr/sbin/haproxy", "-Ws", "-f", "haproxy.cfg", "-p", "/run/haproxy.pid"}, Cwd: c.dir}
	got, err := settings(context.Background(), p, "")
	if err != nil {
		t.Fatal(err)
	}
	c.check(t, got)
}

// TestSettingsSameAddressesAsDiscovery checks that every address Settings
// names is an upstream row (or group) discovery lists.
func TestSettingsSameAddressesAsDiscovery(t *testing.T) {
	c := writeSettingsCfg(t)
	res, err := FromHAProxyConfig(context.Background(), []string{c.path}, nil)
	if err != nil {
		t.Fatal(err)
	}
	got, err := settings(context.Background(), discover.Proc{}, c.path)
	if err != nil {
		t.Fatal(err)
	}
	settingstest.Listed(t, res.Config, got)
}

func TestSettingsErrors(t *testing.T) {
	ctx := context.Background()
	settingstest.Missing(t, settings, "none.cfg")
	// An unterminated quote at line 3.
	got := settingstest.Broken(t, settings, "bad.cfg", "defaults\n    timeout server 5s\n    errorfile 503 \"/unterminated\nbackend b\n    server s 127.0.0.1:9\n", "3")
	m := byKey(t, got)
	if s := m["127.0.0.1:9|backend b|timeout server"]; s.Value != "5s" || s.Line != 2 {
		t.Errorf("the rest of the file: %+v", s)
	}
	if _, err := settings(ctx, discover.Proc{}, ""); err == nil {
		t.Error("no file and no process: no error")
	}
}

func TestParseTime(t *testing.T) {
	for s, sec := range map[string]float64{
		"5000": 5, "5s": 5, "300ms": 0.3, "1m": 60, "2h": 7200, "1d": 86400, "1500us": 0.0015, "0": 0, "10sx": 10,
	} {
		if got, ok := parseTime(s); !ok || got != sec {
			t.Errorf("parseTime(%q) = %v, %v; want %v", s, got, ok, sec)
		}
	}
	for _, s := range []string{"", "s", "-1s", "1.5s", "1x", "1u", "25d", "99999999999999999999999"} {
		if got, ok := parseTime(s); ok {
			t.Errorf("parseTime(%q) = %v, want an error", s, got)
		}
	}
}

// FuzzParseTime holds that an accepted value is in HAProxy's range and
// that the number alone, read as milliseconds, agrees with it when the
// unit is ms.
func FuzzParseTime(f *testing.F) {
	for _, s := range []string{"5s", "300ms", "5000", "1500us", "24d"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		sec, ok := parseTime(s)
		if !ok {
			return
		}
		if sec < 0 || sec*1000 >= 1<<31 {
			t.Fatalf("parseTime(%q) = %v", s, sec)
		}
		if n, ok2 := strings.CutSuffix(s, "ms"); ok2 {
			if back, ok := parseTime(n); ok && back != sec {
				t.Fatalf("%q is %v s, %q is %v s", s, sec, n, back)
			}
		}
	})
}

// FuzzSettings reads any text as haproxy.cfg: no panic, and every setting
// is well formed.
func FuzzSettings(f *testing.F) {
	f.Add("defaults\n timeout server 5s\nbackend b from x\n timeout connect 1s\n server s 127.0.0.1:1\n")
	f.Add("defaults d\n retries 9\nlisten l from d\n no option redispatch\n server s unix@/x\n server t ${A}:1\n")
	f.Fuzz(func(t *testing.T, text string) {
		if len(text) > 1<<16 {
			return
		}
		ss, _ := readSettings(context.Background(), discover.Proc{}, "/fuzz/haproxy.cfg", settingstest.FuzzOptions("/fuzz/haproxy.cfg", text))
		for _, s := range ss {
			if s.Gateway != "haproxy" || s.Name == "" || s.Value == "" || s.Upstream == "" || s.Seconds < 0 || s.Default != (s.File == "") || (s.File != "" && s.Line < 1) ||
				!strings.HasPrefix(s.Route, "backend ") && !strings.HasPrefix(s.Route, "listen ") {
				t.Fatalf("bad setting %+v", s)
			}
		}
	})
}
