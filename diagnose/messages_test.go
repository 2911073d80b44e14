package diagnose

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"flag"
	"fmt"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gwtop/gwtop/internal/faults"
	"github.com/gwtop/gwtop/internal/haproxytest"
	"github.com/gwtop/gwtop/internal/nginxtest"
	"github.com/gwtop/gwtop/model"
)

var update = flag.Bool("update", false, "rewrite testdata/nginx_roots.log from the live nginx")

// nginxFixture holds the lines a real nginx wrote for each root; see
// testdata/README.md.
const nginxFixture = "testdata/nginx_roots.log"

// nginxCases are the locations of the live test, each proxying to one
// failure, and the root its line must give. The path is in every line
// nginx writes for the request ("request: "GET /expired/ HTTP/1.1"").
var nginxCases = []struct {
	path  string
	cause model.Cause
	root  model.RootCode
	// line must match the line the root is read from (nginx writes
	// several lines for some failures).
	line string
	// match selects the lines of the case; empty means the request's
	// lines ("GET /path/ HTTP/1.1").
	match string
}{
	{"/expired/", model.CauseTLS, model.RootCertExpired, `upstream SSL certificate verify error: \(10:certificate has expired\)`, ""},
	{"/notyet/", model.CauseTLS, model.RootCertNotYetValid, `upstream SSL certificate verify error: \(9:certificate is not yet valid\)`, ""},
	{"/selfsigned/", model.CauseTLS, model.RootCertUnknownCA, `upstream SSL certificate verify error: \(18:self-signed certificate\)`, ""},
	{"/otherca/", model.CauseTLS, model.RootCertUnknownCA, `upstream SSL certificate verify error: \(21:unable to verify the first certificate\)`, ""},
	{"/otherchain/", model.CauseTLS, model.RootCertUnknownCA, `upstream SSL certificate verify error: \(19:self-signed certificate in certificate chain\)`, ""},
	{"/wrongname/", model.CauseTLS, model.RootCertNameMismatch, `upstream SSL certificate does not match "api.gwtop.test"`, ""},
	{"/plain/", model.CauseTLS, model.RootPlainHTTP, `SSL_do_handshake\(\) failed .*wrong version number`, ""},
	{"/tls11/", model.CauseTLS, model.RootProtocolMismatch, `SSL_do_handshake\(\) failed .*alert protocol version`, ""},
	{"/nx/", model.CauseDNS, model.RootNXDomain, `nx.gwtop.test could not be resolved \(3: Host not found\)`, ""},
	{"/servfail/", model.CauseDNS, model.RootServfail, `servfail.gwtop.test could not be resolved \(2: Server failure\)`, ""},
	{"/refused/", model.CauseDNS, model.RootServfail, `refused.gwtop.test could not be resolved \(5: Operation refused\)`, ""},
	{"/silent/", model.CauseDNS, model.RootDNSTimeout, `silent.gwtop.test could not be resolved \(110: Operation timed out\)`, ""},
	// nginx's resolver logs the socket error on a line of its own, with
	// no request; the request's line then says the lookup timed out.
	{"/noresolver/", model.CauseDNS, model.RootResolverUnreachable, `recv\(\) failed \(111: Connection refused\) while resolving, resolver: 127.0.0.1:`, "while resolving"},
	{"/noresolver/", model.CauseDNS, model.RootDNSTimeout, `noresolver.gwtop.test could not be resolved \(110: Operation timed out\)`, ""},
	{"/filtered/", model.CauseConnectTimeout, model.RootFiltered, `upstream timed out \(110: Connection timed out\) while connecting to upstream`, ""},
}

// TestMessageRootNginxFixture reads the lines a real nginx wrote (recorded
// by TestMessageRootNginxLive -update) and checks each one's root.
func TestMessageRootNginxFixture(t *testing.T) {
	lines := readLines(t, nginxFixture)
	for _, tc := range nginxCases {
		t.Run(tc.path+string(tc.root), func(t *testing.T) { checkNginxCase(t, lines, tc.path, tc.match, tc.cause, tc.root, tc.line) })
	}
}

func checkNginxCase(t *testing.T, lines []string, path, match string, cause model.Cause, root model.RootCode, pattern string) {
	t.Helper()
	re := regexp.MustCompile(pattern)
	if match == "" {
		match = `"GET ` + path + ` HTTP/1.1"`
	}
	found := false
	for _, l := range lines {
		if !strings.Contains(l, match) {
			continue
		}
		code, summary, ok := MessageRoot(cause, l)
		if re.MatchString(l) {
			found = true
			if !ok || code != root || summary == "" {
				t.Errorf("MessageRoot(%s, %q) = %q, %q, %v; want %q", cause, l, code, summary, ok, root)
			}
			t.Logf("%s → %s: %s", path, code, summary)
			continue
		}
		// The other lines of the request must not claim another root.
		if ok && code != root {
			t.Errorf("MessageRoot(%s, %q) = %q, want none or %q", cause, l, code, root)
		}
	}
	if !found {
		t.Errorf("no line for %s matches %s", path, pattern)
	}
}

// TestMessageRootNginxLive runs a real nginx in front of each failure and
// checks the root of the lines it writes now; with -update it also rewrites
// the fixture.
func TestMessageRootNginxLive(t *testing.T) {
	dir := t.TempDir()
	ca := newCA(t, "gwtop test CA")
	other := newCA(t, "gwtop other CA")
	caFile := writePEM(t, dir, "ca.pem", ca.cert)
	now := time.Now()
	day := 24 * time.Hour
	expiredCert, _ := ca.leaf(t, now.Add(-3*day), now.Add(-day), "api.gwtop.test")
	notYetCert, _ := ca.leaf(t, now.Add(2*day), now.Add(4*day), "api.gwtop.test")
	goodCert, _ := ca.leaf(t, now.Add(-day), now.Add(day), "api.gwtop.test")
	otherCert, _ := other.leaf(t, now.Add(-day), now.Add(day), "api.gwtop.test")
	wrongCert, _ := ca.leaf(t, now.Add(-day), now.Add(day), "a.example", "b.example")
	selfSigned := newCA(t, "api.gwtop.test")
	otherChain := otherCert
	otherChain.Certificate = append(otherChain.Certificate, other.cert.Raw)

	up := map[string]string{
		"expired":    tlsUpstream(t, &tls.Config{Certificates: []tls.Certificate{expiredCert}}),
		"notyet":     tlsUpstream(t, &tls.Config{Certificates: []tls.Certificate{notYetCert}}),
		"selfsigned": tlsUpstream(t, &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{selfSigned.cert.Raw}, PrivateKey: selfSigned.key}}}),
		"otherca":    tlsUpstream(t, &tls.Config{Certificates: []tls.Certificate{otherCert}}),
		"otherchain": tlsUpstream(t, &tls.Config{Certificates: []tls.Certificate{otherChain}}),
		"wrongname":  tlsUpstream(t, &tls.Config{Certificates: []tls.Certificate{wrongCert}}),
		"tls11":      tlsUpstream(t, &tls.Config{Certificates: []tls.Certificate{goodCert}, MaxVersion: tls.VersionTLS11}),
		"good":       tlsUpstream(t, &tls.Config{Certificates: []tls.Certificate{goodCert}}),
	}
	plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "plain") }))
	t.Cleanup(plain.Close)
	up["plain"] = strings.TrimPrefix(plain.URL, "http://")

	var locs strings.Builder
	for name, addr := range up {
		fmt.Fprintf(&locs, `        location /%s/ {
            proxy_pass https://%s;
            proxy_ssl_verify on;
            proxy_ssl_trusted_certificate %s;
            proxy_ssl_name api.gwtop.test;
            proxy_ssl_server_name on;
        }
`, name, addr, caFile)
	}
	for name, resolver := range map[string]string{
		"nx": dnsServer(t, 3), "servfail": dnsServer(t, 2), "refused": dnsServer(t, 5),
		"silent": dnsServer(t, -1), "noresolver": faults.DeadUDP(t),
	} {
		fmt.Fprintf(&locs, `        location /%s/ {
            resolver %s ipv6=off valid=1s;
            resolver_timeout 1s;
            set $up %s.gwtop.test;
            proxy_pass http://$up:8080;
        }
`, name, resolver, name)
	}
	fmt.Fprintf(&locs, "        location /filtered/ { proxy_pass http://%s; }\n", haproxytest.FullBacklog(t))

	ngx := nginxtest.Start(t, nginxtest.Config{LogFormat: "$remote_addr [$time_local] \"$request\" $status", Server: locs.String()})
	client := &http.Client{Timeout: 10 * time.Second}
	var wg sync.WaitGroup
	status := make(map[string]int)
	var mu sync.Mutex
	paths := []string{"/good/"}
	for _, tc := range nginxCases {
		if !slices.Contains(paths, tc.path) {
			paths = append(paths, tc.path)
		}
	}
	for _, p := range paths {
		wg.Go(func() {
			resp, err := client.Get("http://" + ngx.Addr + p)
			if err != nil {
				t.Errorf("GET %s: %v", p, err)
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			mu.Lock()
			status[p] = resp.StatusCode
			mu.Unlock()
		})
	}
	wg.Wait()
	if status["/good/"] != 200 {
		t.Fatalf("the good upstream answered %d through nginx: the set-up is wrong", status["/good/"])
	}

	var keep []string
	for _, l := range readLines(t, ngx.ErrorLog) {
		if (strings.Contains(l, "request: \"GET /") || strings.Contains(l, "while resolving")) && (strings.Contains(l, "[error]") || strings.Contains(l, "[warn]")) {
			keep = append(keep, l)
		}
	}
	for _, tc := range nginxCases {
		t.Run(tc.path+string(tc.root), func(t *testing.T) {
			if s := status[tc.path]; s != 502 && s != 504 {
				t.Errorf("nginx answered %d, want 502 or 504", s)
			}
			checkNginxCase(t, keep, tc.path, tc.match, tc.cause, tc.root, tc.line)
		})
	}
	if *update && !t.Failed() {
		out, _ := exec.Command(nginxtest.Binary(t), "-v").CombinedOutput()
		t.Logf("recorded with %s", strings.TrimSpace(string(out)))
		if err := os.WriteFile(nginxFixture, []byte(strings.Join(keep, "\n")+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}

	// OpenSSL's own words for the expired certificate are the ones nginx
	// quotes (X509_verify_cert_error_string).
	expiredPEM := writePEM(t, dir, "expired.pem", mustParse(t, expiredCert.Certificate[0]))
	out, _ := exec.Command("openssl", "verify", "-CAfile", caFile, expiredPEM).CombinedOutput()
	if !strings.Contains(string(out), "error 10 at 0 depth lookup: certificate has expired") {
		t.Errorf("openssl verify said %q", out)
	}
}

// TestMessageRoot covers the vocabulary the live test cannot produce on one
// host (no route, Apache's and HAProxy's lines, older OpenSSL texts), with
// lines in the formats those programs' sources print.
func TestMessageRoot(t *testing.T) {
	cases := []struct {
		cause model.Cause
		line  string
		root  model.RootCode
		want  string // the summary contains it
	}{
		// nginx, ngx_http_upstream.c / ngx_event_connect.c
		{model.CauseConnectTimeout, `2026/12/01 10:00:00 [error] 7#7: *3 connect() failed (113: No route to host) while connecting to upstream, client: 127.0.0.1, server: gw, request: "GET / HTTP/1.1", upstream: "http://10.0.0.9:80/", host: "gw"`,
			model.RootUnreachable, "113: No route to host"},
		{model.CauseConnectTimeout, `2026/12/01 10:00:00 [error] 7#7: *4 connect() failed (101: Network is unreachable) while connecting to upstream, client: 127.0.0.1`,
			model.RootUnreachable, "101: Network is unreachable"},
		{model.CauseDNS, `2026/12/01 10:00:00 [error] 7#7: send() failed (113: No route to host) while resolving, resolver: 10.0.0.53:53`,
			model.RootResolverUnreachable, "resolver 10.0.0.53:53 cannot be reached (113: No route to host)"},
		{model.CauseDNS, `2026/12/01 10:00:00 [error] 7#7: *5 up.example could not be resolved (1: Format error), client: 127.0.0.1`,
			model.RootServfail, "1: Format error"},
		{model.CauseTLS, `2026/12/01 10:00:00 [error] 7#7: *6 upstream SSL certificate verify error: (21:unable to verify the first certificate) while SSL handshaking to upstream`,
			model.RootCertUnknownCA, "certificate verify error 21"},
		{model.CauseTLS, `2026/12/01 10:00:00 [error] 7#7: *6 upstream SSL certificate verify error: (62:hostname mismatch) while SSL handshaking to upstream`,
			model.RootCertNameMismatch, "hostname mismatch"},
		{model.CauseTLS, `2026/12/01 10:00:00 [error] 7#7: *7 SSL_do_handshake() failed (SSL: error:0A000102:SSL routines::unsupported protocol) while SSL handshaking to upstream`,
			model.RootProtocolMismatch, "unsupported protocol"},
		{model.CauseTLS, `2026/12/01 10:00:00 [error] 7#7: *8 SSL_do_handshake() failed (SSL: error:0A0000BF:SSL routines::no protocols available) while SSL handshaking to upstream`,
			model.RootProtocolMismatch, "no protocols available"},
		{model.CauseTLS, `2020/01/01 10:00:00 [error] 7#7: *9 SSL_do_handshake() failed (SSL: error:1408F10B:SSL routines:ssl3_get_record:wrong version number) while SSL handshaking to upstream`,
			model.RootPlainHTTP, "plain HTTP"},
		// Apache: mod_ssl ssl_engine_kernel.c / ssl_engine_io.c, proxy_util.c
		{model.CauseTLS, `[Tue Dec 01 09:46:22.125507 2026] [ssl:error] [pid 26958:tid 26960] [remote 127.0.0.1:8443] AH02039: Certificate Verification: Error (10): certificate has expired`,
			model.RootCertExpired, "apache: certificate verification error 10"},
		{model.CauseTLS, `[Tue Dec 01 09:46:22.125507 2026] [ssl:info] [pid 26958:tid 26960] [remote 127.0.0.1:8443] AH02004: SSL Proxy: Peer certificate is expired`,
			model.RootCertExpired, "AH02004"},
		{model.CauseTLS, `[Tue Dec 01 09:46:22.125507 2026] [ssl:info] [pid 26958:tid 26960] [remote 127.0.0.1:8443] AH02411: SSL Proxy: Peer certificate does not match for hostname api.example`,
			model.RootCertNameMismatch, "does not name api.example"},
		{model.CauseDNS, `[Tue Dec 01 09:46:22.125507 2026] [proxy:error] [pid 26958:tid 26960] (EAI 2)Name or service not known: [client 127.0.0.1:46632] AH00898: DNS lookup failure for: nx.example returned by /app`,
			model.RootNXDomain, "nx.example does not exist"},
		{model.CauseConnectTimeout, `[Tue Dec 01 09:46:22.125507 2026] [proxy:error] [pid 26958:tid 26960] (113)No route to host: AH00957: http: attempt to connect to 10.0.0.9:80 (10.0.0.9:80) failed`,
			model.RootUnreachable, "113 No route to host"},
		// HAProxy: check.c
		{model.CauseConnectTimeout, `Health check for server be/s1 failed, reason: Layer4 timeout, check duration: 2001ms, status: 0/2 DOWN.`,
			model.RootFiltered, "Layer4 timeout"},
		{model.CauseConnectTimeout, `Health check for server be/s1 failed, reason: Layer4 connection problem, info: "No route to host", check duration: 3ms, status: 0/2 DOWN.`,
			model.RootUnreachable, "No route to host"},
	}
	for _, tc := range cases {
		code, summary, ok := MessageRoot(tc.cause, tc.line)
		if !ok || code != tc.root || !strings.Contains(summary, tc.want) {
			t.Errorf("MessageRoot(%s, %q) = %q, %q, %v; want %q with %q", tc.cause, tc.line, code, summary, ok, tc.root, tc.want)
		}
	}

	// Lines that state the class but no root, and roots of another cause.
	for _, tc := range []struct {
		cause model.Cause
		line  string
	}{
		{model.CauseTLS, `2026/12/01 10:00:00 [error] 7#7: *1 SSL_do_handshake() failed (SSL: error:0A000086:SSL routines::certificate verify failed) while SSL handshaking to upstream`},
		{model.CauseTLS, `Health check for server be/s1 failed, reason: Layer6 invalid response, info: "SSL handshake failure", check duration: 1ms, status: 0/2 DOWN.`},
		{model.CauseDNS, `[Tue Dec 01 09:46:22.125507 2026] [proxy:error] [pid 1:tid 2] (EAI 3)Temporary failure in name resolution: [client 127.0.0.1:1] AH00898: DNS lookup failure for: up.example returned by /app`},
		{model.CauseRefused, `2026/12/01 10:00:00 [error] 7#7: *1 connect() failed (111: Connection refused) while connecting to upstream, client: 127.0.0.1`},
		{model.CauseDNS, `2026/12/01 10:00:00 [error] 7#7: *1 upstream SSL certificate verify error: (10:certificate has expired) while SSL handshaking to upstream`},
		{model.CauseTLS, `2026/12/01 10:00:00 [error] 7#7: *1 upstream SSL certificate verify error: (99999:made up) while SSL handshaking to upstream`},
		{model.CauseTLS, ""},
	} {
		if code, summary, ok := MessageRoot(tc.cause, tc.line); ok {
			t.Errorf("MessageRoot(%s, %q) = %q, %q; want no root", tc.cause, tc.line, code, summary)
		}
	}
}

// FuzzMessageRoot: any line, any cause: a root comes with a short,
// printable summary and belongs to the cause.
func FuzzMessageRoot(f *testing.F) {
	for _, l := range []string{
		`upstream SSL certificate verify error: (10:certificate has expired)`,
		`x could not be resolved (3: Host not found)`,
		`upstream SSL certificate does not match "` + strings.Repeat("\x1bz", 300) + `"`,
		`DNS lookup failure for: nx.example (EAI 2)Name or service not known`,
		`Certificate Verification: Error (`,
		` could not be resolved (`,
	} {
		f.Add(l, "tls")
		f.Add(l, "")
	}
	f.Add("send() failed (111: Connection refused) while resolving, resolver: ", "dns")
	f.Fuzz(func(t *testing.T, line, cause string) {
		code, summary, ok := MessageRoot(model.Cause(cause), line)
		if !ok {
			if code != "" || summary != "" {
				t.Fatalf("not ok but %q, %q", code, summary)
			}
			return
		}
		known := false
		for _, r := range model.AllRoots() {
			known = known || r == code
		}
		if !known || summary == "" || len(summary) > 400 || strings.ContainsAny(summary, "\x00\x1b\n\r") || !rootOfCause(model.Cause(cause), code) {
			t.Fatalf("MessageRoot(%q, %q) = %q, %q", cause, line, code, summary)
		}
	})
}

func BenchmarkMessageRoot(b *testing.B) {
	line := `2026/12/01 10:00:00 [error] 7#7: *3 upstream SSL certificate verify error: (10:certificate has expired) while SSL handshaking to upstream, client: 127.0.0.1, server: gw, request: "GET /expired/ HTTP/1.1", upstream: "https://127.0.0.1:8443/expired/", host: "gw"`
	miss := `2026/12/01 10:00:00 [error] 7#7: *3 upstream prematurely closed connection while reading response header from upstream, client: 127.0.0.1, server: gw, request: "GET / HTTP/1.1"`
	b.ReportAllocs()
	for b.Loop() {
		MessageRoot(model.CauseTLS, line)
		MessageRoot(model.CausePrematureClose, miss)
	}
}

func readLines(t *testing.T, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		out = append(out, sc.Text())
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// testCA is a certificate authority made for one test.
type testCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
}

var (
	serialMu sync.Mutex
	serial   = big.NewInt(5000)
)

func nextSerial() *big.Int {
	serialMu.Lock()
	defer serialMu.Unlock()
	serial.Add(serial, big.NewInt(1))
	return new(big.Int).Set(serial)
}

func newCA(t *testing.T, cn string) *testCA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: nextSerial(), Subject: pkix.Name{CommonName: cn}, DNSNames: []string{cn},
		NotBefore: time.Now().Add(-72 * time.Hour), NotAfter: time.Now().Add(72 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return &testCA{cert: mustParse(t, der), key: key}
}

// leaf issues a server certificate for DNS names, valid from notBefore to
// notAfter.
func (ca *testCA) leaf(t *testing.T, notBefore, notAfter time.Time, names ...string) (tls.Certificate, *x509.Certificate) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: nextSerial(), Subject: pkix.Name{CommonName: names[0]}, DNSNames: names,
		NotBefore: notBefore, NotAfter: notAfter,
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, mustParse(t, der)
}

func mustParse(t *testing.T, der []byte) *x509.Certificate {
	t.Helper()
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func writePEM(t *testing.T, dir, name string, c *x509.Certificate) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw}), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// tlsUpstream is a real TLS server on 127.0.0.1; it returns HOST:PORT.
func tlsUpstream(t *testing.T, cfg *tls.Config) string {
	t.Helper()
	s := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "ok") }))
	s.Config.ErrorLog = log.New(io.Discard, "", 0)
	s.TLS = cfg
	s.StartTLS()
	t.Cleanup(s.Close)
	return strings.TrimPrefix(s.URL, "https://")
}

// dnsServer answers every query on a loopback UDP port with rcode and no
// records (NXDOMAIN 3, SERVFAIL 2, REFUSED 5); with rcode < 0 it reads
// queries and never answers. It returns HOST:PORT.
func dnsServer(t *testing.T, rcode int) string {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close() })
	go func() {
		buf := make([]byte, 1500)
		for {
			n, from, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			if rcode < 0 || n < 12 || buf[4] != 0 || buf[5] != 1 {
				continue
			}
			// RFC 1035 4.1: the query's header with QR, RA and the
			// rcode, and its one question.
			i := 12
			for i < n && buf[i] != 0 {
				i += int(buf[i]) + 1
			}
			i += 1 + 4
			if i > n {
				continue
			}
			resp := append([]byte(nil), buf[:i]...)
			resp[2] = 0x80 | buf[2]&0x01
			resp[3] = 0x80 | byte(rcode)
			for j := 6; j < 12; j++ {
				resp[j] = 0
			}
			pc.WriteTo(resp, from)
		}
	}()
	return pc.LocalAddr().String()
}
