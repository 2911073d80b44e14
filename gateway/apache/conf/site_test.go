package conf

import (
	"os"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
)

func loadMulti(t *testing.T) (*Site, []Note) {
	t.Helper()
	env := map[string]string{"APACHE_LOG_DIR": "/var/log/gw", "APACHE_RUN_DIR": "/run/gw", "APACHE_RUN_USER": "www-data", "APACHE_RUN_GROUP": "www-data"}
	tr, notes, err := Load(OSFS{Root: "testdata/multi"}, Options{ServerRoot: "/etc/gw", Main: "httpd.conf", Env: env})
	if err != nil {
		t.Fatal(err)
	}
	if len(notes) != 0 {
		t.Errorf("load notes: %v", notes)
	}
	s, sn := Summarize(tr)
	return s, append(notes, sn...)
}

const (
	mainConf = "/etc/gw/httpd.conf"
	apiConf  = "/etc/gw/sites/10-api.conf"
	admConf  = "/etc/gw/sites/20-admin.conf"
	legConf  = "/etc/gw/sites/30-legacy.conf"
)

func TestSummarizeMulti(t *testing.T) {
	s, notes := loadMulti(t)

	var msgs []string
	for _, n := range notes {
		msgs = append(msgs, n.String())
	}
	wantNotes := []string{
		apiConf + `:7: CustomLog is piped to "/usr/bin/rotatelogs /var/log/gw/api.%Y.log 86400"; gwtop cannot follow it`,
		apiConf + `:14: ProxyPassMatch ^/img/(.*\.png)$ is a regular-expression route: gwtop maps its backend but not which paths reach it`,
		admConf + `:3: ErrorLog goes to syslog:local1; gwtop cannot follow it`,
		admConf + `:4: CustomLog format "undefinedfmt" is not a defined LogFormat nickname; httpd writes it literally on every line`,
	}
	if !reflect.DeepEqual(msgs, wantNotes) {
		t.Errorf("notes:\n%s\nwant:\n%s", strings.Join(msgs, "\n"), strings.Join(wantNotes, "\n"))
	}

	if s.ServerRoot != "/etc/gw" {
		t.Errorf("ServerRoot %q", s.ServerRoot)
	}
	wantListen := []Listen{{Port: "80", Pos: Pos{mainConf, 13}}, {Host: "127.0.0.1", Port: "8080", Pos: Pos{mainConf, 14}}}
	if !reflect.DeepEqual(s.Listen, wantListen) { // Listen 443 is in <IfModule ssl_module>, not loaded
		t.Errorf("listen %+v", s.Listen)
	}
	if s.ExtendedStatus == nil || s.ExtendedStatus.Value != "On" || s.ExtendedStatus.Line != 24 {
		t.Errorf("ExtendedStatus %+v", s.ExtendedStatus)
	}

	m := s.Main
	if *m.ErrorLog != (ErrorLog{Path: "/var/log/gw/error.log", Pos: Pos{mainConf, 10}}) {
		t.Errorf("main ErrorLog %+v", m.ErrorLog)
	}
	wantLevel := &LogLevel{Level: "warn", Modules: map[string]string{"proxy": "error", "proxy_balancer": "debug"}, Lines: []Pos{{mainConf, 11}}}
	if !reflect.DeepEqual(m.LogLevel, wantLevel) {
		t.Errorf("main LogLevel %+v", m.LogLevel)
	}
	wantFormats := map[string]string{
		"CLF":      `%h %l %u %t "%r" %>s %b`,
		"combined": `%h %l %u %t "%r" %>s %b "%{Referer}i" "%{User-Agent}i"`,
		"upstream": `%v:%p %h "%r" %>s %O %D "%{BALANCER_WORKER_NAME}e"`,
		// Single quotes: \' and \\ are escapes, \d is kept as written.
		"odd": `%h "%r" %>s 'q' \ \d`,
	}
	for name, f := range wantFormats {
		if got := m.LogFormats[name]; got == nil || got.Format != f {
			t.Errorf("LogFormat %s = %+v, want %q", name, got, f)
		}
	}
	if m.LogFormats["upstream"].Pos != (Pos{mainConf, 20}) {
		t.Errorf("upstream format at %+v", m.LogFormats["upstream"].Pos)
	}
	if len(m.AccessLogs) != 1 || *m.AccessLogs[0] != (AccessLog{Path: "/var/log/gw/access.log", Nickname: "combined", Format: wantFormats["combined"], Directive: "CustomLog", Pos: Pos{mainConf, 23}}) {
		t.Errorf("main access logs %+v", m.AccessLogs[0])
	}
	if m.Timeout.Value != 60*time.Second || m.Timeout.Pos != (Pos{mainConf, 8}) || m.ProxyTimeout.Value != 30*time.Second || m.ProxyTimeout.Line != 9 {
		t.Errorf("main timeouts %+v %+v", m.Timeout, m.ProxyTimeout)
	}
	if len(m.Status) != 1 || m.Status[0].Handler != "server-status" || m.Status[0].Path != "/server-status" || m.Status[0].Access != AccessLocal ||
		m.Status[0].Pos != (Pos{"/etc/gw/conf.d/status.conf", 3}) || m.Status[0].Guards[0].Pos != (Pos{"/etc/gw/conf.d/status.conf", 4}) {
		t.Errorf("main status %+v", m.Status)
	}

	if len(s.VirtualHosts) != 3 {
		t.Fatalf("%d vhosts", len(s.VirtualHosts))
	}
	api, adm, leg := s.VirtualHosts[0], s.VirtualHosts[1], s.VirtualHosts[2]

	// api.example.com
	if !reflect.DeepEqual(api.Addrs, []string{"*:80"}) || api.Pos != (Pos{apiConf, 1}) || api.ServerName.Value != "api.example.com" || api.ServerName.Line != 2 ||
		!reflect.DeepEqual(api.Aliases, []Setting{{"api", Pos{apiConf, 3}}, {"api.internal", Pos{apiConf, 3}}}) {
		t.Errorf("api vhost %+v", api)
	}
	if api.ErrorLog.Path != "/var/log/gw/api_error.log" || api.ErrorLog.Line != 4 {
		t.Errorf("api ErrorLog %+v", api.ErrorLog)
	}
	wantAPILevel := &LogLevel{Level: "info", Modules: map[string]string{"proxy": "error", "proxy_balancer": "debug", "proxy_http": "trace2"}, Lines: []Pos{{mainConf, 11}, {apiConf, 5}}}
	if !reflect.DeepEqual(api.LogLevel, wantAPILevel) {
		t.Errorf("api LogLevel %+v", api.LogLevel)
	}
	wantAPILogs := []AccessLog{
		{Path: "/var/log/gw/api_access.log", Nickname: "upstream", Format: wantFormats["upstream"], Cond: "env=!dontlog", Directive: "CustomLog", Pos: Pos{apiConf, 6}},
		{Path: "/usr/bin/rotatelogs /var/log/gw/api.%Y.log 86400", Piped: true, Format: "%h %>s %D", Directive: "CustomLog", Pos: Pos{apiConf, 7}},
	}
	if len(api.AccessLogs) != 2 || *api.AccessLogs[0] != wantAPILogs[0] || *api.AccessLogs[1] != wantAPILogs[1] {
		t.Errorf("api access logs %+v %+v", api.AccessLogs[0], api.AccessLogs[1])
	}
	if api.ProxyTimeout.Value != 20*time.Second || api.ProxyTimeout.Pos != (Pos{apiConf, 8}) || api.Timeout != m.Timeout {
		t.Errorf("api timeouts %+v %+v", api.ProxyTimeout, api.Timeout)
	}
	type rt struct {
		Path     string
		Regex    bool
		Exclude  bool
		Backend  Backend
		Location string
		Timeout  time.Duration
		Line     int
	}
	var got []rt
	for _, r := range api.Routes {
		x := rt{r.Path, r.Regex, r.Exclude, r.Backend, r.Location, 0, r.Line}
		if r.Timeout != nil {
			x.Timeout = r.Timeout.Value
		}
		got = append(got, x)
	}
	want := []rt{
		{"/health", false, true, Backend{}, "", 0, 9},
		{"/api/", false, false, Backend{Scheme: "balancer", Balancer: "apicluster", Path: "/"}, "", 15 * time.Second, 10},
		{"/ws/", false, false, Backend{Scheme: "ws", Addr: "127.0.0.1:9001", Path: "/ws/"}, "", 0, 12},
		{"/sock/", false, false, Backend{Scheme: "http", Socket: "/run/app.sock", Path: "/"}, "", 0, 13},
		{`^/img/(.*\.png)$`, true, false, Backend{Scheme: "http", Addr: "10.0.0.9:8081", Path: "/static/$1"}, "", 0, 14},
		{"/app", false, false, Backend{Scheme: "http", Addr: "10.0.0.5:3000", Path: "/app"}, "/app", 5 * time.Second, 22},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("api routes\n%+v\nwant\n%+v", got, want)
	}
	if p := api.Routes[1].Params; !reflect.DeepEqual(p, map[string]string{"timeout": "15", "nofailover": "On"}) {
		t.Errorf("route params %v", p)
	}
	b := api.Balancer("APIcluster")
	if b == nil || b.Pos != (Pos{apiConf, 15}) || !reflect.DeepEqual(b.Set, map[string]string{"lbmethod": "byrequests", "stickysession": "ROUTEID"}) || len(b.Members) != 3 {
		t.Fatalf("balancer %+v", b)
	}
	m0, m1, m2 := b.Members[0], b.Members[1], b.Members[2]
	if m0.Backend.Addr != "10.0.0.1:8080" || m0.Route != "a" || m0.LoadFactor != "2" || m0.Timeout.Value != 10*time.Second || m0.ConnectTimeout.Value != 2*time.Second ||
		m0.Params["retry"] != "0" || m0.Pos != (Pos{apiConf, 16}) || m0.ConnectTimeout.Pos != (Pos{apiConf, 16}) {
		t.Errorf("member 0 %+v", m0)
	}
	if m1.Backend.Addr != "10.0.0.2:8080" || m1.Route != "b" || m1.HotStandby || m1.Timeout != nil || m1.Line != 17 {
		t.Errorf("member 1 %+v", m1)
	}
	if m2.Backend.Addr != "10.0.0.3:8080" || m2.Status != "+H" || !m2.HotStandby || m2.Line != 18 {
		t.Errorf("member 2 %+v", m2)
	}
	if len(api.Status) != 1 || !reflect.DeepEqual(*api.Status[0], StatusPage{Handler: "balancer-manager", Path: "/balancer-manager", Access: AccessLocal, Guards: api.Status[0].Guards, Pos: Pos{apiConf, 25}}) ||
		!reflect.DeepEqual(api.Status[0].Guards, []Guard{{"Require", []string{"ip", "127.0.0.1", "::1"}, Pos{apiConf, 26}}}) {
		t.Errorf("api status %+v", api.Status)
	}

	// admin.local
	if adm.ServerName.Value != "admin.local" || !adm.ErrorLog.Syslog || adm.ErrorLog.Readable() || adm.ErrorLog.Line != 3 {
		t.Errorf("admin %+v %+v", adm.ServerName, adm.ErrorLog)
	}
	if a := adm.AccessLogs; len(a) != 1 || a[0].Format != "undefinedfmt" || a[0].Nickname != "" || a[0].Line != 4 {
		t.Errorf("admin access log %+v", a[0])
	}
	if st := adm.Status; len(st) != 1 || st[0].Path != "/status" || st[0].Access != AccessDenied || st[0].Line != 6 {
		t.Errorf("admin status %+v", st)
	}
	if r := adm.Routes; len(r) != 2 || r[0].Backend.Addr != "127.0.0.1:9000" || r[0].ConnectTimeout.Value != 3*time.Second || r[0].Timeout != nil ||
		r[1].Backend.Addr != "backend.local:8009" || r[1].Line != 10 {
		t.Errorf("admin routes %+v %+v", r[0], r[1])
	}
	if adm.ProxyTimeout != m.ProxyTimeout || adm.LogLevel.Level != "warn" {
		t.Errorf("admin inherits %+v %+v", adm.ProxyTimeout, adm.LogLevel)
	}

	// legacy.example.com: BalancerMember outside <Proxy>, TransferLog.
	lb := leg.Balancer("legacy")
	if lb == nil || len(lb.Members) != 2 || lb.Pos != (Pos{legConf, 3}) || lb.Members[0].Backend.Addr != "192.168.1.10:80" || lb.Members[0].Timeout.Value != 45*time.Second ||
		lb.Members[1].Backend != (Backend{Scheme: "https", Addr: "192.168.1.11:443"}) || lb.Members[1].Line != 4 {
		t.Errorf("legacy balancer %+v", lb)
	}
	if r := leg.Routes; len(r) != 1 || r[0].Backend.Balancer != "legacy" || r[0].Path != "/" {
		t.Errorf("legacy routes %+v", r)
	}
	if a := leg.AccessLogs; len(a) != 1 || a[0].Directive != "TransferLog" || a[0].Path != "/var/log/gw/legacy.log" || a[0].Format != `%h %l %u %t "%r" %>s %b` {
		t.Errorf("legacy TransferLog %+v", a)
	}
	if leg.ErrorLog != m.ErrorLog || leg.Status != nil {
		t.Errorf("legacy inherits the main ErrorLog: %+v", leg.ErrorLog)
	}

	// Every timeout, in order, for hints.
	var tos []string
	for _, to := range s.Timeouts {
		tos = append(tos, to.Name+"="+to.Raw+"@"+to.Scope+"@"+strings.TrimPrefix(to.File, "/etc/gw/")+":"+itoa(to.Line))
	}
	wantTO := []string{
		"Timeout=60@@httpd.conf:8",
		"ProxyTimeout=30@@httpd.conf:9",
		"ProxyTimeout=20@api.example.com@sites/10-api.conf:8",
		"ProxyPass timeout=15@api.example.com@sites/10-api.conf:10",
		"BalancerMember timeout=10@api.example.com@sites/10-api.conf:16",
		"BalancerMember connectiontimeout=2@api.example.com@sites/10-api.conf:16",
		"ProxyPass timeout=5@api.example.com@sites/10-api.conf:22",
		"ProxyPass connectiontimeout=3@admin.local@sites/20-admin.conf:9",
		"BalancerMember timeout=45@legacy.example.com@sites/30-legacy.conf:3",
	}
	if !reflect.DeepEqual(tos, wantTO) {
		t.Errorf("timeouts\n%s\nwant\n%s", strings.Join(tos, "\n"), strings.Join(wantTO, "\n"))
	}

	// URLs for the status pages.
	if u, h := s.URL(nil, "/server-status?auto"); u != "http://127.0.0.1:80/server-status?auto" || h != "" {
		t.Errorf("main status URL %q %q", u, h)
	}
	if u, h := s.URL(api, "/balancer-manager"); u != "http://127.0.0.1:80/balancer-manager" || h != "api.example.com" {
		t.Errorf("api URL %q %q", u, h)
	}
	if u, h := s.URL(adm, "/status"); u != "http://127.0.0.1:8080/status" || h != "admin.local" {
		t.Errorf("admin URL %q %q", u, h)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

func TestParseBackend(t *testing.T) {
	for _, c := range []struct {
		in   string
		want Backend
		ok   bool
	}{
		{"http://h", Backend{Scheme: "http", Addr: "h:80"}, true},
		{"HTTPS://h/x", Backend{Scheme: "https", Addr: "h:443", Path: "/x"}, true},
		{"wss://h", Backend{Scheme: "wss", Addr: "h:443"}, true},
		{"h2c://h:81", Backend{Scheme: "h2c", Addr: "h:81"}, true},
		{"h2://h", Backend{Scheme: "h2", Addr: "h:443"}, true},
		{"ajp://h", Backend{Scheme: "ajp", Addr: "h:8009"}, true},
		{"fcgi://h", Backend{Scheme: "fcgi", Addr: "h:8000"}, true},
		{"uwsgi://h", Backend{Scheme: "uwsgi", Addr: "h:3031"}, true},
		{"http://[::1]:9000/p", Backend{Scheme: "http", Addr: "[::1]:9000", Path: "/p"}, true},
		{"http://[::1]/", Backend{Scheme: "http", Addr: "[::1]:80", Path: "/"}, true},
		{"http://u:pw@h:1/", Backend{Scheme: "http", Addr: "h:1", Path: "/"}, true},
		{"unix:/run/php.sock|fcgi://localhost/", Backend{Scheme: "fcgi", Socket: "/run/php.sock", Path: "/"}, true},
		{"balancer://Name/x", Backend{Scheme: "balancer", Balancer: "name", Path: "/x"}, true},
		{"balancer://", Backend{Scheme: "balancer"}, false},
		{"gopher://h", Backend{Scheme: "gopher"}, false},
		{"/local", Backend{}, false},
		{"unix:/x", Backend{Socket: "/x"}, false},
	} {
		got, ok := ParseBackend(c.in)
		if ok != c.ok || (ok && got != c.want) {
			t.Errorf("ParseBackend(%q) = %+v %v, want %+v %v", c.in, got, ok, c.want, c.ok)
		}
	}
}

func TestClassify(t *testing.T) {
	g := func(d string, a ...string) Guard { return Guard{Directive: d, Args: a} }
	for _, c := range []struct {
		gs   []Guard
		want Access
	}{
		{nil, AccessOpen},
		{[]Guard{g("Require", "all", "granted")}, AccessOpen},
		{[]Guard{g("Require", "all", "denied")}, AccessDenied},
		{[]Guard{g("Require", "local")}, AccessLocal},
		{[]Guard{g("Require", "ip", "127.0.0.1")}, AccessLocal},
		{[]Guard{g("Require", "ip", "10.0.0.0/8")}, AccessLimited},
		{[]Guard{g("Require", "valid-user")}, AccessLimited},
		{[]Guard{g("Order", "deny,allow"), g("Deny", "from", "all"), g("Allow", "from", "127.0.0.1")}, AccessLocal},
		{[]Guard{g("Order", "deny,allow"), g("Deny", "from", "all")}, AccessDenied},
		{[]Guard{g("<RequireAny>"), g("Require", "local")}, AccessLimited},
	} {
		if got := classify(c.gs); got != c.want {
			t.Errorf("classify(%v) = %s, want %s", c.gs, got, c.want)
		}
	}
}

func TestParseTimeout(t *testing.T) {
	for in, want := range map[string]time.Duration{"30": 30 * time.Second, "500ms": 500 * time.Millisecond, "2mi": 2 * time.Minute, "1h": time.Hour, "5s": 5 * time.Second, "x": 0, "-1": 0} {
		if got := parseTimeout(in); got != want {
			t.Errorf("parseTimeout(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestParseDashS(t *testing.T) {
	b, err := os.ReadFile("testdata/dashS-debian.txt")
	if err != nil {
		t.Fatal(err)
	}
	d := ParseDashS(string(b))
	want := &DashS{
		ServerRoot: "/etc/apache2", DocumentRoot: "/var/www/html", ErrorLog: "/var/log/apache2/error.log",
		PidFile: "/var/run/apache2/apache2.pid", User: "www-data", UserID: 33, Group: "www-data", GroupID: 33,
		Mutexes: map[string]string{"watchdog-callback": "using_defaults", "default": `dir="/var/run/apache2/" mechanism=default`},
		Defines: map[string]string{"DUMP_VHOSTS": "", "DUMP_RUN_CFG": ""},
		VHosts:  []DashSVHost{{Addr: "*:80", Name: "127.0.0.1", File: "/etc/apache2/sites-enabled/000-default.conf", Line: 1}},
		Messages: []string{"AH00558: apache2: Could not reliably determine the server's fully qualified domain name, using 127.0.0.1. " +
			"Set the 'ServerName' directive globally to suppress this message"},
	}
	if !reflect.DeepEqual(d, want) {
		t.Errorf("debian:\n%+v\nwant\n%+v", d, want)
	}

	b, err = os.ReadFile("testdata/dashS-multi.txt")
	if err != nil {
		t.Fatal(err)
	}
	d = ParseDashS(string(b))
	wantV := []DashSVHost{
		{Addr: "127.0.0.1:8080", Name: "admin.local", File: "/tmp/gwfix/gw/sites/20-admin.conf", Line: 1},
		{Addr: "*:80", Name: "api.example.com", Default: true, File: "/tmp/gwfix/gw/sites/10-api.conf", Line: 1},
		{Addr: "*:80", Port: "80", Name: "api.example.com", Aliases: []string{"api", "api.internal"}, File: "/tmp/gwfix/gw/sites/10-api.conf", Line: 1},
		{Addr: "*:80", Port: "80", Name: "legacy.example.com", File: "/tmp/gwfix/gw/sites/30-legacy.conf", Line: 1},
	}
	if !reflect.DeepEqual(d.VHosts, wantV) {
		t.Errorf("multi vhosts\n%+v\nwant\n%+v", d.VHosts, wantV)
	}
	if d.ServerRoot != "/tmp/gwfix/gw" || d.ErrorLog != "/tmp/gwfix/log/error.log" || d.PidFile != "/tmp/gwfix/run/httpd.pid" ||
		d.Defines["LOGDIR"] != "/tmp/gwfix/log" || d.Mutexes["proxy-balancer-shm"] != "using_defaults" || len(d.Mutexes) != 4 || len(d.Messages) != 1 {
		t.Errorf("multi run config %+v", d)
	}
}
