// Package discovertest writes realistic gateway configuration trees for the
// discovery tests: an nginx.conf with include globs, several server blocks,
// named and inline upstreams, custom log formats, a stub_status page and
// error logs with levels, laid out like /etc/nginx under a temporary prefix.
package discovertest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gwtop/gwtop/internal/haproxytest"
	"github.com/gwtop/gwtop/internal/proctest"
)

// Ports are the addresses the nginx tree sends to and listens on, all
// 127.0.0.1 ports.
type Ports struct {
	Listen, Status, Static int // nginx's own servers
	Healthy, Backup, Down  int // upstream app (Down is marked down)
	Error500               int // upstream payments
	Refused                int // upstream legacy
	Inline                 int // proxy_pass http://127.0.0.1:Inline/ in location /inline/
	FastCGI                int // fastcgi_pass 127.0.0.1:FastCGI in location /php/
}

// NginxTree is an nginx configuration tree.
type NginxTree struct {
	Prefix string // nginx's -p
	Conf   string // the main file, -c
	Ports  Ports
	// What discovery should find.
	AccessLog, ErrorLog, StatusURL string
	// Files, for tests that break one.
	Upstreams, API, Status string
}

// UpstreamLogFormat is the access log format of the API server.
const UpstreamLogFormat = `$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" rt=$request_time uct="$upstream_connect_time" uht="$upstream_header_time" urt="$upstream_response_time" ua="$upstream_addr" us="$upstream_status"`

// WriteNginxTree writes the tree into a new temporary directory. The main
// file is not called nginx.conf and does not live in /etc/nginx, so a
// discovery that guesses the default path fails.
func WriteNginxTree(t testing.TB, p Ports) *NginxTree {
	t.Helper()
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o755); err != nil { // workers may run as another user
		t.Fatal(err)
	}
	tr := &NginxTree{Prefix: dir, Conf: filepath.Join(dir, "etc", "gateway.conf"), Ports: p,
		AccessLog: filepath.Join(dir, "logs", "api.access.log"),
		ErrorLog:  filepath.Join(dir, "logs", "api.error.log"),
		StatusURL: fmt.Sprintf("http://127.0.0.1:%d/basic_status", p.Status),
		Upstreams: filepath.Join(dir, "etc", "conf.d", "upstreams.conf"),
		API:       filepath.Join(dir, "etc", "sites-enabled", "api.conf"),
		Status:    filepath.Join(dir, "etc", "sites-enabled", "status.conf"),
	}
	user := ""
	if os.Geteuid() == 0 {
		user = "user root;" // "nobody" could not enter the test's directories
	}
	// Paths relative to the prefix on purpose: discovery must resolve them.
	files := map[string]string{
		"etc/gateway.conf": user + `
worker_processes 1;
pid run/nginx.pid;
error_log logs/error.log info;
events { worker_connections 64; }

http {
    # The upstream-aware format, split over lines like people write it.
    log_format upstreamlog '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent '
                           '"$http_referer" "$http_user_agent" rt=$request_time uct="$upstream_connect_time" '
                           'uht="$upstream_header_time" urt="$upstream_response_time" ua="$upstream_addr" us="$upstream_status"';
    log_format json_up escape=json '{"time":"$time_iso8601","status":"$status","request":"$request",'
                                   '"upstream_addr":"$upstream_addr","upstream_status":"$upstream_status",'
                                   '"upstream_response_time":"$upstream_response_time","request_time":$request_time}';
    access_log logs/access.log;

    client_body_temp_path tmp/body;
    proxy_temp_path tmp/proxy;
    fastcgi_temp_path tmp/fastcgi;
    uwsgi_temp_path tmp/uwsgi;
    scgi_temp_path tmp/scgi;
    proxy_connect_timeout 1s;
    proxy_read_timeout 1s;
    proxy_send_timeout 1s;

    include conf.d/*.conf;
    include sites-enabled/*.conf;
    include extra.d/*.conf; # matches nothing, which nginx allows
}
`,
		"etc/conf.d/upstreams.conf": fmt.Sprintf(`# Upstream groups.
upstream app {
    server 127.0.0.1:%d weight=3;
    server 127.0.0.1:%d backup;
    server 127.0.0.1:%d down;
}

upstream payments {
    server 127.0.0.1:%d;
}

upstream legacy { server 127.0.0.1:%d; }

upstream sock {
    server "unix:%s/run/app.sock";
}
`, p.Healthy, p.Backup, p.Down, p.Error500, p.Refused, dir),
		"etc/sites-enabled/api.conf": fmt.Sprintf(`server {
    listen 127.0.0.1:%d;
    server_name api.test;
    access_log logs/api.access.log upstreamlog;
    access_log logs/api.json.log json_up buffer=4k flush=1s;
    error_log logs/api.error.log warn;

    location /app/      { proxy_pass http://app; }
    location /payments/ { proxy_pass http://payments; }
    location /legacy/   { proxy_pass http://legacy; }
    location /inline/   { proxy_pass http://127.0.0.1:%d/; }
    location /php/      { fastcgi_pass 127.0.0.1:%d; }
    location /dyn/ {
        resolver 127.0.0.1:53 valid=10s;
        set $backend "backend.invalid";
        proxy_pass http://$backend;
    }
}
`, p.Listen, p.Inline, p.FastCGI),
		"etc/sites-enabled/status.conf": fmt.Sprintf(`server {
    listen 127.0.0.1:%d;
    server_name localhost;
    access_log off;
    location = /basic_status {
        stub_status;
        allow 127.0.0.1;
        deny all;
    }
}
`, p.Status),
		"etc/sites-enabled/static.conf": fmt.Sprintf(`server {
    listen 127.0.0.1:%d;
    server_name static.test;
    access_log logs/static.log combined;
    location / { return 200 'static\n'; }
}
`, p.Static),
	}
	for name, text := range files {
		write(t, filepath.Join(dir, name), strings.TrimLeft(text, "\n"))
	}
	for _, d := range []string{"logs", "run", "tmp", "etc/extra.d"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return tr
}

func write(t testing.TB, path, text string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

// Write writes (or replaces) one file, for tests that break the tree.
func Write(t testing.TB, path, text string) { write(t, path, text) }

// StartHAProxy checks a configuration with `haproxy -c`, runs `haproxy -f
// conf -db` (from wherever conf is: not the default path) and waits until
// addr accepts connections. It returns the pid; HAProxy is stopped when the
// test ends.
func StartHAProxy(t testing.TB, conf, addr string) int {
	t.Helper()
	bin := haproxytest.Binary(t)
	if out, err := exec.Command(bin, "-c", "-f", conf).CombinedOutput(); err != nil {
		t.Fatalf("haproxy -c rejects the test configuration: %v\n%s", err, out)
	}
	p, err := proctest.Start(exec.Command(bin, "-f", conf, "-db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Stop)
	if err := p.WaitTCP(addr, 10*time.Second); err != nil {
		t.Fatalf("haproxy did not listen on %s: %v", addr, err)
	}
	return p.Pid()
}
