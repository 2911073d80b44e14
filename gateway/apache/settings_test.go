package apache

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/gwtop/gwtop/config/discover"
	"github.com/gwtop/gwtop/facts"
	"github.com/gwtop/gwtop/gateway/apache/apachetest"
	"github.com/gwtop/gwtop/gateway/internal/settingstest"
	"github.com/gwtop/gwtop/internal/proctest"
)

func settingsByKey(t *testing.T, ss []facts.Setting) map[string]facts.Setting {
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

// TestSettings reads the configuration of a running apache2 (checked by
// `apache2 -t`, started by apachetest): from the file, and from the
// process as discovery lists it.
func TestSettings(t *testing.T) {
	port := func() string { return "127.0.0.1:" + strconv.Itoa(proctest.FreePort(t)) }
	app, plain, m1, m2, vhApp, vh := port(), port(), port(), port(), port(), port()
	sock := filepath.Join(t.TempDir(), "app.sock")
	dirs := fmt.Sprintf(`Timeout 30
ProxyTimeout 5
ProxyPass /app http://%s/ timeout=2 connectiontimeout=500ms retry=0 keepalive=On
ProxyPass /plain http://%s/
ProxyPass /static !
ProxyPass /sock unix:%s|http://localhost/
<Proxy balancer://api>
    BalancerMember http://%s timeout=1
    BalancerMember http://%s
</Proxy>
ProxyPass /api balancer://api/
<VirtualHost %s>
    ServerName api.example.com
    ProxyTimeout 7
    ProxyPass /v http://%s/
</VirtualHost>
`, app, plain, sock, m1, m2, vh, vhApp)
	a := apachetest.Start(t, apachetest.Config{Directives: dirs})
	text, err := os.ReadFile(a.Conf)
	if err != nil {
		t.Fatal(err)
	}
	line := func(prefix string) int {
		for i, l := range strings.Split(string(text), "\n") {
			if strings.HasPrefix(strings.TrimSpace(l), prefix) {
				return i + 1
			}
		}
		t.Fatalf("no line %q in %s", prefix, a.Conf)
		return 0
	}
	check := func(t *testing.T, got []facts.Setting) {
		m := settingsByKey(t, got)
		want := func(up, route, name, value string, seconds float64, at string) {
			t.Helper()
			k := up + "|" + route + "|" + name
			s, ok := m[k]
			if !ok {
				t.Errorf("no setting %s", k)
				return
			}
			w := facts.Setting{Gateway: "apache", Upstream: up, Route: route, Name: name, Value: value, Seconds: seconds, Default: at == ""}
			if at != "" {
				w.File, w.Line = a.Conf, line(at)
			}
			if s != w {
				t.Errorf("%s:\n got %+v\nwant %+v", k, s, w)
			}
		}
		r := "ProxyPass /app"
		want(app, r, "Timeout", "30", 30, "Timeout 30")
		want(app, r, "ProxyTimeout", "5", 5, "ProxyTimeout 5")
		want(app, r, "ProxyPass timeout", "2", 2, "ProxyPass /app")
		want(app, r, "ProxyPass connectiontimeout", "500ms", 0.5, "ProxyPass /app")
		want(app, r, "ProxyPass retry", "0", 0, "ProxyPass /app")
		want(app, r, "ProxyPass keepalive", "On", 0, "ProxyPass /app")
		r = "ProxyPass /plain"
		want(plain, r, "ProxyPass timeout", "5", 5, "")           // ProxyTimeout's
		want(plain, r, "ProxyPass connectiontimeout", "5", 5, "") // the worker's timeout
		want(plain, r, "ProxyPass retry", "60", 60, "")
		want(plain, r, "ProxyPass keepalive", "Off", 0, "")
		want("unix:"+sock, "ProxyPass /sock", "ProxyPass timeout", "5", 5, "")
		r = "ProxyPass /api"
		want("balancer://api", r, "ProxyTimeout", "5", 5, "ProxyTimeout 5")
		want(m1, r, "BalancerMember timeout", "1", 1, "BalancerMember http://"+m1)
		want(m1, r, "BalancerMember connectiontimeout", "1", 1, "")
		want(m2, r, "BalancerMember timeout", "5", 5, "")
		r = "virtual host api.example.com, ProxyPass /v"
		want(vhApp, r, "Timeout", "30", 30, "Timeout 30") // the main server's
		want(vhApp, r, "ProxyTimeout", "7", 7, "ProxyTimeout 7")
		want(vhApp, r, "ProxyPass timeout", "7", 7, "")
		// 6 each for /app, /plain, /sock, the two members and /v; 2 for the balancer.
		if n := 6*6 + 2; len(got) != n {
			t.Errorf("%d settings, want %d", len(got), n)
		}
	}
	got, err := settings(context.Background(), discover.Proc{}, a.Conf)
	if err != nil {
		t.Fatal(err)
	}
	check(t, got)

	p := settingstest.Proc(t, a.Pid(), "apache2")
	got, err = settings(context.Background(), p, "")
	if err != nil {
		t.Fatal(err)
	}
	check(t, got)
}

func TestSettingsErrors(t *testing.T) {
	ctx := context.Background()
	settingstest.Missing(t, settings, "none.conf")
	// An unclosed section at line 2.
	got := settingstest.Broken(t, settings, "apache2.conf", "ProxyTimeout 9\n<VirtualHost *:80>\n    ProxyPass /x http://127.0.0.1:9/\n", "2")
	for _, s := range got {
		if s.Name == "ProxyTimeout" && (s.Value != "9" || s.Line != 1) {
			t.Errorf("the rest of the file: %+v", s)
		}
	}
	if _, err := settings(ctx, discover.Proc{}, ""); err == nil {
		t.Error("no file and no process: no error")
	}
}

// FuzzSettings reads any text as apache2.conf: no panic, and every
// setting is well formed.
func FuzzSettings(f *testing.F) {
	f.Add("Timeout 5\nProxyPass /a http://127.0.0.1:1/ timeout=3 retry=x\n<Proxy balancer://b>\nBalancerMember http://127.0.0.1:2 connectiontimeout=9ms\n</Proxy>\nProxyPass /b balancer://b/\n")
	f.Add("<VirtualHost *:80>\nServerName x\nProxyTimeout 1h\n<Location /l>\nProxyPass unix:/s|http://h/\n</Location>\n</VirtualHost>\n")
	f.Fuzz(func(t *testing.T, text string) {
		if len(text) > 1<<16 {
			return
		}
		dir := t.TempDir()
		path := filepath.Join(dir, "apache2.conf")
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		ss, _ := settings(context.Background(), discover.Proc{}, path)
		for _, s := range ss {
			if s.Gateway != "apache" || s.Name == "" || s.Value == "" || s.Upstream == "" || s.Route == "" || s.Seconds < 0 || s.Default != (s.File == "") || (s.File != "" && s.Line < 1) {
				t.Fatalf("bad setting %+v", s)
			}
		}
	})
}
