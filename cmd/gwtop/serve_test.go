package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/gwtop/gwtop/export"
	"github.com/gwtop/gwtop/internal/faults"
	"github.com/gwtop/gwtop/internal/nginxtest"
	"github.com/gwtop/gwtop/internal/proctest"
	"github.com/gwtop/gwtop/model"
)

// agent is one `gwtop serve` run in-process.
type agent struct {
	URL    string
	cancel context.CancelFunc
	done   chan int
	stderr *proctest.SyncBuffer
	once   sync.Once
	code   int
}

var listeningRE = regexp.MustCompile(`listening on (https?://\S+) `)

// startAgent runs gwtop serve with args (and --listen 127.0.0.1:0 unless
// args name one) and waits for the address it prints.
func startAgent(t *testing.T, args ...string) *agent {
	t.Helper()
	if !strings.Contains(strings.Join(args, " "), "--listen") {
		args = append(args, "--listen", "127.0.0.1:0")
	}
	ctx, cancel := context.WithCancel(context.Background())
	a := &agent{cancel: cancel, done: make(chan int, 1), stderr: &proctest.SyncBuffer{}}
	out := &proctest.SyncBuffer{}
	go func() { a.done <- run(ctx, append([]string{"serve"}, args...), out, a.stderr) }()
	t.Cleanup(func() { a.Stop() })
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		if m := listeningRE.FindStringSubmatch(out.String()); m != nil {
			a.URL = m[1]
			return a
		}
		select {
		case code := <-a.done:
			a.done <- code
			t.Fatalf("gwtop serve %v exited %d: %s", args, code, a.stderr.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
	t.Fatalf("gwtop serve printed no address: %q %q", out.String(), a.stderr.String())
	return nil
}

// Stop cancels the agent (as SIGINT does) and returns its exit code.
func (a *agent) Stop() int {
	a.once.Do(func() {
		a.cancel()
		select {
		case a.code = <-a.done:
		case <-time.After(20 * time.Second):
			a.code = -1
		}
	})
	return a.code
}

// get fetches path with the given Accept header and returns the response
// and its body.
func get(t *testing.T, c *http.Client, url, accept string, hdr ...string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	if c == nil {
		c = &http.Client{Timeout: 5 * time.Second}
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	c.CloseIdleConnections()
	return resp, b
}

// smallRig is a real nginx in front of a healthy, a refused and a
// 500-answering upstream, and the configuration gwtop watches it with.
type smallRig struct {
	nginx                    *nginxtest.Nginx
	healthy, refused, err500 *faults.Server
	config                   string
}

func startSmallRig(t *testing.T) *smallRig {
	t.Helper()
	r := &smallRig{healthy: faults.Start(t, faults.Healthy), err500: faults.Start(t, faults.Error500)}
	r.refused = faults.Start(t, faults.Refused) // last: it frees its port
	var up, loc, names strings.Builder
	for name, s := range map[string]*faults.Server{"api": r.healthy, "billing": r.refused, "search": r.err500} {
		fmt.Fprintf(&up, "    upstream %s { server %s; }\n", name, s.Addr)
		fmt.Fprintf(&loc, "        location /%s/ { proxy_pass http://%s; }\n", name, name)
		fmt.Fprintf(&names, "  - name: %s\n    address: %q\n    group: %s-pool\n", name, s.Addr, name)
	}
	r.nginx = nginxtest.Start(t, nginxtest.Config{LogFormat: testLogFormat, HTTP: up.String(), Server: loc.String()})
	r.config = writeFile(t, "gwtop.yaml", fmt.Sprintf("interval: 500ms\nupstreams:\n%snginx:\n  access_log: %s\n  log_format: '%s'\n  error_log: %s\n  status_url: %s\n",
		names.String(), r.nginx.AccessLog, testLogFormat, r.nginx.ErrorLog, r.nginx.StatusURL))
	return r
}

// traffic sends requests to every location until ctx ends.
func (r *smallRig) traffic(ctx context.Context) *sync.WaitGroup {
	p := map[string]int{}
	for _, name := range []string{"api", "billing", "search"} {
		p[fmt.Sprintf("http://%s/%s/x", r.nginx.Addr, name)] = 1
	}
	return faults.Traffic(ctx, p)
}

// waitMetrics polls url until body matches every pattern, and returns the
// last body.
func waitMetrics(t *testing.T, url string, patterns ...string) string {
	t.Helper()
	var body []byte
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		_, body = get(t, nil, url, "")
		ok := true
		for _, p := range patterns {
			if !regexp.MustCompile(p).Match(body) {
				ok = false
				break
			}
		}
		if ok {
			return string(body)
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("%s never matched %q; last:\n%s", url, patterns, grep(string(body), "gwtop_upstream_state"))
	return ""
}

func grep(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

func promtoolCheck(t *testing.T, body string) {
	t.Helper()
	cmd := exec.Command("promtool", "check", "metrics")
	cmd.Stdin = strings.NewReader(body)
	if out, err := cmd.CombinedOutput(); err != nil || len(bytes.TrimSpace(out)) > 0 {
		t.Errorf("promtool check metrics: %v\n%s", err, out)
	}
}

// TestServeNginx runs gwtop serve on a real nginx under traffic and reads
// its three endpoints: the metrics name each upstream's state and cause,
// pass promtool, come as OpenMetrics when asked; the snapshot is the
// snapshot command's document; the agent stops cleanly.
func TestServeNginx(t *testing.T) {
	r := startSmallRig(t)
	ctx, stop := context.WithCancel(context.Background())
	wg := r.traffic(ctx)
	defer func() { stop(); wg.Wait() }()
	a := startAgent(t, "--config", r.config)

	body := waitMetrics(t, a.URL+"/metrics",
		`gwtop_upstream_state\{address="`+regexp.QuoteMeta(r.refused.Addr)+`",gateway="nginx",group="billing-pool",state="down",upstream="billing"\} 1`,
		`gwtop_upstream_failures_total\{address="`+regexp.QuoteMeta(r.refused.Addr)+`",cause="refused",gateway="nginx",group="billing-pool",upstream="billing"\} [1-9]`,
		`gwtop_upstream_state\{address="`+regexp.QuoteMeta(r.healthy.Addr)+`",gateway="nginx",group="api-pool",state="up",upstream="api"\} 1`,
		`gwtop_upstream_failures_total\{address="`+regexp.QuoteMeta(r.err500.Addr)+`",cause="upstream_5xx",gateway="nginx",group="search-pool",upstream="search"\} [1-9]`,
		`gwtop_upstream_request_duration_seconds_count\{address="`+regexp.QuoteMeta(r.healthy.Addr)+`",gateway="nginx",group="api-pool",upstream="api"\} [1-9]`,
		`gwtop_source_up\{gateway="nginx",kind="nginx",source="access_log",target="[^"]+"\} 1`,
		`gwtop_source_lines_total\{gateway="nginx",kind="nginx",result="parsed",source="access_log",target="[^"]+"\} [1-9]`,
		`gwtop_upstream_route_requests_total\{address="`+regexp.QuoteMeta(r.healthy.Addr)+`",gateway="nginx",group="api-pool",route="/api/[^"]+",upstream="api",vhost=""\} [1-9]`,
	)
	promtoolCheck(t, body)
	// The traffic's paths are all distinct; the agent exports the top few.
	if n := len(regexp.MustCompile(`(?m)^gwtop_upstream_route_requests_total\{[^}]*upstream="api"`).FindAllString(body, -1)); n < 1 || n > export.RoutesExported {
		t.Errorf("%d route series for api, want 1 to %d", n, export.RoutesExported)
	}

	resp, om := get(t, nil, a.URL+"/metrics", "application/openmetrics-text;version=1.0.0")
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/openmetrics-text") || !bytes.HasSuffix(om, []byte("# EOF\n")) {
		t.Errorf("OpenMetrics asked, got %q", ct)
	}

	resp, js := get(t, nil, a.URL+"/api/v1/snapshot", "")
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("snapshot: %d %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	checkSchema(t, js)
	var s model.Snapshot
	if err := json.Unmarshal(js, &s); err != nil {
		t.Fatal(err)
	}
	checkUpstream(t, "serve", &s, "nginx", r.refused.Addr, upstreamWant{name: "billing", state: model.StateDown, cause: model.CauseRefused})

	if resp, b := get(t, nil, a.URL+"/healthz", ""); resp.StatusCode != 200 || string(b) != "ok\n" {
		t.Errorf("healthz: %d %q", resp.StatusCode, b)
	}
	if code := a.Stop(); code != 0 {
		t.Errorf("serve exited %d: %s", code, a.stderr.String())
	}
	if _, err := net.DialTimeout("tcp", strings.TrimPrefix(a.URL, "http://"), time.Second); err == nil {
		t.Error("still listening after stop")
	}
}

// TestServeAuth: a bearer token from the environment, then basic auth and
// TLS from an exporter-toolkit web configuration.
func TestServeAuth(t *testing.T) {
	up := faults.Start(t, faults.Healthy)
	probe := "--probe=api=http://" + up.Addr + "/"

	t.Setenv(tokenEnv, "t0ken-Very-Secret")
	a := startAgent(t, probe)
	if resp, _ := get(t, nil, a.URL+"/metrics", ""); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("no token: %d", resp.StatusCode)
	}
	if resp, _ := get(t, nil, a.URL+"/metrics", "", "Authorization", "Bearer wrong"); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("wrong token: %d", resp.StatusCode)
	}
	if resp, b := get(t, nil, a.URL+"/metrics", "", "Authorization", "Bearer t0ken-Very-Secret"); resp.StatusCode != 200 || !bytes.Contains(b, []byte("gwtop_build_info")) {
		t.Errorf("right token: %d", resp.StatusCode)
	}
	a.Stop()
	t.Setenv(tokenEnv, "")

	dir := t.TempDir()
	cert, key, pool := selfSigned(t)
	certFile, keyFile := writeFile(t, "cert.pem", cert), writeFile(t, "key.pem", key)
	hash, err := bcrypt.GenerateFromPassword([]byte("pa55word"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	web := writeFile(t, "web.yml", fmt.Sprintf("tls_server_config:\n  cert_file: %s\n  key_file: %s\nbasic_auth_users:\n  prom: %s\n", certFile, keyFile, hash))
	_ = dir
	a = startAgent(t, probe, "--web-config-file", web)
	if !strings.HasPrefix(a.URL, "https://") {
		t.Fatalf("URL %s", a.URL)
	}
	c := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	if resp, _ := get(t, c, a.URL+"/metrics", ""); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("no password over TLS: %d", resp.StatusCode)
	}
	req, _ := http.NewRequest("GET", a.URL+"/healthz", nil)
	req.SetBasicAuth("prom", "pa55word")
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode == 200 && string(b) == "ok\n" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("healthz with the password: %d %q", resp.StatusCode, b)
		}
		time.Sleep(100 * time.Millisecond) // 503 until the first snapshot
	}
	c.CloseIdleConnections()
	if code := a.Stop(); code != 0 {
		t.Errorf("exit %d: %s", code, a.stderr.String())
	}
}

func selfSigned(t *testing.T) (certPEM, keyPEM string, pool *x509.CertPool) {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "gwtop test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := x509.MarshalECPrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := x509.ParseCertificate(der)
	pool = x509.NewCertPool()
	pool.AddCert(c)
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})), string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb})), pool
}

func TestServeBadInput(t *testing.T) {
	up := faults.Start(t, faults.Healthy)
	probe := "--probe=api=http://" + up.Addr + "/"
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"serve", probe, "--listen", "nonsense"}, 1, "--listen nonsense"},
		{[]string{"serve", probe, "--listen", ""}, 2, "--listen: want an address"},
		{[]string{"serve", probe, "--web-config-file", "/nonexistent/web.yml"}, 2, "--web-config-file /nonexistent/web.yml"},
		{[]string{"serve", probe, "--bearer-token-file", "/nonexistent/token"}, 1, "--bearer-token-file"},
	} {
		_, stderr, code := gwtopRun(t, c.args...)
		if code != c.code || !strings.Contains(stderr, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want %d and %q", c.args, code, stderr, c.code, c.want)
		}
	}
}

// TestScreenListen: the screen (here its line mode, TERM=dumb, which needs
// no terminal) serves the same endpoints with --listen, the address in its
// log file, nothing of it on the screen.
func TestScreenListen(t *testing.T) {
	t.Setenv("TERM", "dumb")
	h := faults.Start(t, faults.Healthy)
	logFile := filepath.Join(t.TempDir(), "gwtop.log")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out, errb := &proctest.SyncBuffer{}, &proctest.SyncBuffer{}
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"--probe", "h=http://" + h.Addr + "/", "--interval", "200ms", "--listen", "127.0.0.1:0", "--log-file", logFile}, out, errb)
	}()
	urlRE := regexp.MustCompile(`msg=serving url=(http://\S+)`)
	var url string
	for deadline := time.Now().Add(15 * time.Second); url == ""; {
		b, _ := os.ReadFile(logFile)
		if m := urlRE.FindSubmatch(b); m != nil {
			url = string(m[1])
		} else if time.Now().After(deadline) {
			t.Fatalf("no serving line in the log: %q; stderr %q", b, errb.String())
		} else {
			time.Sleep(50 * time.Millisecond)
		}
	}
	body := waitMetrics(t, url+"/metrics", `gwtop_probe_success\{address="`+regexp.QuoteMeta(h.Addr)+`",gateway="",group="",upstream="h"\} 1`)
	promtoolCheck(t, body)
	cancel()
	if code := <-done; code != 0 {
		t.Errorf("exit %d: %s", code, errb.String())
	}
	if strings.Contains(out.String(), "listening") || strings.Contains(errb.String(), "listening") {
		t.Errorf("the address was printed on the screen: %q %q", out.String(), errb.String())
	}
}

// An address beyond loopback is served only when named, and then with a
// warning when nothing guards it.
func TestServeBeyondLoopbackWarns(t *testing.T) {
	up := faults.Start(t, faults.Healthy)
	a := startAgent(t, "--probe=api=http://"+up.Addr+"/", "--listen", "0.0.0.0:0")
	if !strings.Contains(a.stderr.String(), "beyond loopback with no authentication") {
		t.Errorf("no warning: %q", a.stderr.String())
	}
	a.Stop()
	b := startAgent(t, "--probe=api=http://"+up.Addr+"/")
	if strings.Contains(b.stderr.String(), "warning") {
		t.Errorf("loopback warned: %q", b.stderr.String())
	}
	serve, _, err := newRoot(io.Discard, io.Discard).Find([]string{"serve"})
	if err != nil {
		t.Fatal(err)
	}
	if d := serve.Flags().Lookup("listen").DefValue; d != "127.0.0.1:9922" {
		t.Errorf("serve listens on %q by default", d)
	}
	if d := newRoot(io.Discard, io.Discard).Flags().Lookup("listen").DefValue; d != "" {
		t.Errorf("the screen serves %q by default", d)
	}
}
