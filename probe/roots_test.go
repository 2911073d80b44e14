package probe

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gwtop/gwtop/internal/faults"
	"github.com/gwtop/gwtop/model"
)

// testCA is a certificate authority made for one test.
type testCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
}

var serial = big.NewInt(1000)

func nextSerial() *big.Int { serial.Add(serial, big.NewInt(1)); return new(big.Int).Set(serial) }

func newCA(t *testing.T, cn string) *testCA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          nextSerial(),
		Subject:               pkix.Name{CommonName: cn},
		NotBefore:             time.Now().Add(-72 * time.Hour),
		NotAfter:              time.Now().Add(72 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return &testCA{cert: c, key: key}
}

// file writes the CA's certificate as a PEM file for Target.CAFile.
func (ca *testCA) file(t *testing.T) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ca.cert.Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// leaf issues a server certificate for names (DNS names, or IPs when they
// parse as one) valid from notBefore to notAfter.
func (ca *testCA) leaf(t *testing.T, notBefore, notAfter time.Time, names ...string) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: nextSerial(),
		Subject:      pkix.Name{CommonName: names[0]},
		NotBefore:    notBefore,
		NotAfter:     notAfter,
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	for _, n := range names {
		if ip := net.ParseIP(n); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, n)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// tlsServe starts a real TLS server on 127.0.0.1 with cfg.
func tlsServe(t *testing.T, cfg *tls.Config) string {
	t.Helper()
	s := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "ok") }))
	s.Config.ErrorLog = quietLog()
	s.TLS = cfg
	s.StartTLS()
	t.Cleanup(s.Close)
	return s.URL
}

// checkFailedIn asserts a failed probe's phase, root and that the phases
// after the failing one did not happen.
func checkFailedIn(t *testing.T, r model.ProbeResult, cause model.Cause, phase string, root model.RootCode) {
	t.Helper()
	t.Logf("Cause=%q Phase=%q Root=%q RootDetail=%q Phases=%+v Error=%q", r.Cause, r.Phase, r.Root, r.RootDetail, r.Phases, r.Error)
	if r.OK || r.Cause != cause || r.Phase != phase || r.Root != root {
		t.Fatalf("got OK=%v Cause=%q Phase=%q Root=%q (error %q), want Cause=%q Phase=%q Root=%q",
			r.OK, r.Cause, r.Phase, r.Root, r.Error, cause, phase, root)
	}
	if (r.Root == "") != (r.RootDetail == "") {
		t.Errorf("Root %q with RootDetail %q", r.Root, r.RootDetail)
	}
	ph := r.Phases
	if ph.TTFB != 0 && (phase == PhaseDNS || phase == PhaseConnect || phase == PhaseTLS) {
		t.Errorf("TTFB %v for a probe that failed in %s", ph.TTFB, phase)
	}
	if ph.TLS != 0 && (phase == PhaseDNS || phase == PhaseConnect) {
		t.Errorf("TLS %v for a probe that failed in %s", ph.TLS, phase)
	}
	if ph.Connect != 0 && phase == PhaseDNS {
		t.Errorf("Connect %v for a probe that failed in dns", ph.Connect)
	}
	switch phase {
	case PhaseConnect:
		if ph.Connect <= 0 {
			t.Errorf("Connect %v for a probe that failed connecting, want the time up to the failure", ph.Connect)
		}
	case PhaseTLS:
		if ph.TLS <= 0 || ph.Connect <= 0 {
			t.Errorf("Connect %v TLS %v for a probe that failed in the handshake, want both > 0", ph.Connect, ph.TLS)
		}
	case PhaseDNS:
		if ph.DNS <= 0 {
			t.Errorf("DNS %v for a probe that failed resolving", ph.DNS)
		}
	}
	if ph.Total <= 0 {
		t.Errorf("Total %v", ph.Total)
	}
}

// TestTLSRoots: real handshakes with certificates made for each failure.
func TestTLSRoots(t *testing.T) {
	ca := newCA(t, "gwtop test CA")
	other := newCA(t, "gwtop other CA")
	caFile := ca.file(t)
	now := time.Now()
	expiredAt := now.Add(-24 * time.Hour).Truncate(time.Minute)
	validFrom := now.Add(48 * time.Hour).Truncate(time.Minute)

	expired := tlsServe(t, &tls.Config{Certificates: []tls.Certificate{ca.leaf(t, now.Add(-72*time.Hour), expiredAt, "api.gwtop.test", "127.0.0.1")}})
	notYet := tlsServe(t, &tls.Config{Certificates: []tls.Certificate{ca.leaf(t, validFrom, now.Add(96*time.Hour), "api.gwtop.test", "127.0.0.1")}})
	wrongName := tlsServe(t, &tls.Config{Certificates: []tls.Certificate{ca.leaf(t, now.Add(-time.Hour), now.Add(time.Hour), "a.example", "b.example")}})
	unknown := tlsServe(t, &tls.Config{Certificates: []tls.Certificate{other.leaf(t, now.Add(-time.Hour), now.Add(time.Hour), "127.0.0.1")}})
	good := ca.leaf(t, now.Add(-time.Hour), now.Add(time.Hour), "127.0.0.1")
	oldOnly := tlsServe(t, &tls.Config{Certificates: []tls.Certificate{good}, MaxVersion: tls.VersionTLS11})
	// TLS 1.2 with one suite the client does not offer: no cipher in
	// common, the server sends handshake_failure.
	noCipher := tlsServe(t, &tls.Config{Certificates: []tls.Certificate{good}, MaxVersion: tls.VersionTLS12,
		CipherSuites: []uint16{tls.TLS_RSA_WITH_RC4_128_SHA}})
	plain := newServer(t, func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "plain") })
	notTLS := newRawServer(t, func(c net.Conn, _ <-chan struct{}) {
		c.Write([]byte("SSH-2.0-OpenSSH_9.2\r\n"))
		c.Close()
	})
	selfSigned := newTLSServer(t, func(w http.ResponseWriter, r *http.Request) {})

	cases := []struct {
		name   string
		target Target
		root   model.RootCode
		detail string
	}{
		{"expired", Target{URL: expired, CAFile: caFile}, model.RootCertExpired,
			"certificate for api.gwtop.test expired " + expiredAt.UTC().Format("2006-01-02 15:04") + " UTC (NotAfter)"},
		{"not yet valid", Target{URL: notYet, CAFile: caFile}, model.RootCertNotYetValid,
			"certificate for api.gwtop.test is not valid before " + validFrom.UTC().Format("2006-01-02 15:04") + " UTC (NotBefore)"},
		{"name mismatch", Target{URL: wrongName, CAFile: caFile, Headers: map[string]string{"Host": "api.gwtop.test"}}, model.RootCertNameMismatch,
			"certificate names a.example, b.example; probed as api.gwtop.test"},
		{"name mismatch by IP", Target{URL: wrongName, CAFile: caFile}, model.RootCertNameMismatch,
			"certificate names a.example, b.example; probed as 127.0.0.1"},
		{"unknown CA", Target{URL: unknown, CAFile: caFile}, model.RootCertUnknownCA,
			"issued by CN=gwtop other CA, not trusted"},
		{"self-signed", Target{URL: selfSigned.URL}, model.RootCertUnknownCA,
			"self-signed, issued by O=Acme Co, not trusted"},
		{"plain HTTP", Target{URL: "https://" + strings.TrimPrefix(plain.URL, "http://") + "/"}, model.RootPlainHTTP,
			"the upstream answered plain HTTP on a TLS port"},
		{"not TLS at all", Target{URL: "https://" + notTLS.addr() + "/"}, model.RootPlainHTTP,
			`the upstream does not speak TLS on this port (it answered "SSH-2")`},
		{"TLS 1.1 only", Target{URL: oldOnly, CAFile: caFile}, model.RootProtocolMismatch,
			"the upstream refused the handshake (TLS alert 70: protocol_version): no TLS version or cipher suite in common"},
		{"no cipher in common", Target{URL: noCipher, CAFile: caFile}, model.RootProtocolMismatch,
			"the upstream refused the handshake (TLS alert 40: handshake_failure): no TLS version or cipher suite in common"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := Run(context.Background(), tc.target)
			checkFailedIn(t, r, model.CauseTLS, PhaseTLS, tc.root)
			if r.RootDetail != tc.detail {
				t.Errorf("RootDetail\n got %q\nwant %q", r.RootDetail, tc.detail)
			}
		})
	}
	// The same certificate verifies when nothing is wrong with it.
	ok := Run(context.Background(), Target{URL: tlsServe(t, &tls.Config{Certificates: []tls.Certificate{good}}), CAFile: caFile})
	if !ok.OK || ok.Phase != "" || ok.Root != "" {
		t.Errorf("good certificate: OK=%v Phase=%q Root=%q Error=%q", ok.OK, ok.Phase, ok.Root, ok.Error)
	}
}

// dnsServer answers every query on a loopback UDP port with rcode and no
// records, as a real server answers NXDOMAIN (3), SERVFAIL (2) or REFUSED
// (5); with rcode < 0 it reads queries and never answers. It returns the
// server's HOST:PORT for Target.Resolver.
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
			if rcode < 0 {
				continue
			}
			if resp := dnsAnswer(buf[:n], rcode); resp != nil {
				pc.WriteTo(resp, from)
			}
		}
	}()
	return pc.LocalAddr().String()
}

// dnsAnswer builds the answer to query (RFC 1035 4.1): its header with QR,
// RA and rcode set and only the question section kept.
func dnsAnswer(query []byte, rcode int) []byte {
	if len(query) < 12 || query[4] != 0 || query[5] != 1 {
		return nil // one question, as every stub resolver sends
	}
	i := 12
	for i < len(query) && query[i] != 0 {
		i += int(query[i]) + 1
	}
	i += 1 + 4 // the root label, QTYPE, QCLASS
	if i > len(query) {
		return nil
	}
	resp := append([]byte(nil), query[:i]...)
	resp[2] = 0x80 | query[2]&0x01 // QR, and RD as asked
	resp[3] = 0x80 | byte(rcode)   // RA, RCODE
	for j := 6; j < 12; j++ {
		resp[j] = 0 // no answer, authority or additional records
	}
	return resp
}

// TestDNSRoots resolves through loopback DNS servers that answer each
// failure; no real name is ever looked up.
func TestDNSRoots(t *testing.T) {
	const name = "upstream.gwtop.test"
	cases := []struct {
		name     string
		resolver string
		timeout  time.Duration
		root     model.RootCode
		detail   string
	}{
		{"nxdomain", dnsServer(t, 3), 2 * time.Second, model.RootNXDomain, name + " does not exist"},
		{"servfail", dnsServer(t, 2), 2 * time.Second, model.RootServfail, "answered SERVFAIL for " + name},
		{"refused rcode", dnsServer(t, 5), 2 * time.Second, model.RootServfail, "answered with an error (REFUSED or another rcode) for " + name},
		{"no answer", dnsServer(t, -1), 300 * time.Millisecond, model.RootDNSTimeout, "no answer from the resolver"},
		{"resolver port closed", faults.DeadUDP(t), 2 * time.Second, model.RootResolverUnreachable, "refused the query (connection refused: nothing listens on its port) while resolving " + name},
	}
	for _, tc := range cases {
		for _, scheme := range []string{"http://", "https://", "tcp://"} {
			t.Run(tc.name+"/"+scheme, func(t *testing.T) {
				r := Run(context.Background(), Target{URL: scheme + name + ":8080", Resolver: tc.resolver, Timeout: tc.timeout})
				checkFailedIn(t, r, model.CauseDNS, PhaseDNS, tc.root)
				if !strings.Contains(r.RootDetail, tc.detail) || !strings.Contains(r.RootDetail, "the resolver "+tc.resolver+" ") {
					t.Errorf("RootDetail %q does not contain %q and the resolver %s", r.RootDetail, tc.detail, tc.resolver)
				}
			})
		}
	}
}

// TestConnectPhases: a refused probe failed connecting, and says so with the
// time up to the refusal; a silent SYN is "filtered".
func TestConnectPhases(t *testing.T) {
	for _, u := range []string{"http://" + closedPort(t) + "/", "https://" + closedPort(t) + "/", "tcp://" + closedPort(t)} {
		r := Run(context.Background(), Target{URL: u})
		checkFailedIn(t, r, model.CauseRefused, PhaseConnect, "")
	}
	// blockingDial is the SYN nobody answers (see servers_test.go). A
	// real unanswered address was tried and is not reliable here:
	// 10.255.255.1:80 is answered by this sandbox's network.
	for _, u := range []string{"http://192.0.2.1:80/", "tcp://192.0.2.1:80"} {
		p, err := newProber(Target{URL: u, Timeout: 200 * time.Millisecond}, blockingDial)
		if err != nil {
			t.Fatal(err)
		}
		r := p.Probe(context.Background())
		p.Close()
		checkFailedIn(t, r, model.CauseConnectTimeout, PhaseConnect, model.RootFiltered)
		if want := "no answer at all in 0.2s: a firewall dropping packets, or the host is down"; r.RootDetail != want {
			t.Errorf("RootDetail %q, want %q", r.RootDetail, want)
		}
	}
}

// TestLaterPhases: the phase of a failure after the connect.
func TestLaterPhases(t *testing.T) {
	silent := newRawServer(t, func(c net.Conn, done <-chan struct{}) {
		readRequest(c)
		<-done
	})
	truncated := newRawServer(t, func(c net.Conn, _ <-chan struct{}) {
		readRequest(c)
		c.Write([]byte("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly part of it"))
		c.Close()
	})
	unavailable := newServer(t, func(w http.ResponseWriter, r *http.Request) { http.Error(w, "down", http.StatusServiceUnavailable) })

	r := Run(context.Background(), Target{URL: "http://" + silent.addr() + "/", Timeout: 300 * time.Millisecond})
	checkFailedIn(t, r, model.CauseReadTimeout, PhaseTTFB, "")
	if r.Phases.TTFB != 0 || r.Phases.Connect <= 0 {
		t.Errorf("a probe that got no answer: phases %+v, want Connect > 0 and TTFB 0", r.Phases)
	}
	r = Run(context.Background(), Target{URL: "http://" + truncated.addr() + "/"})
	checkFailedIn(t, r, model.CausePrematureClose, PhaseBody, "")
	if r.Phases.TTFB <= 0 {
		t.Errorf("the answer started: TTFB %v, want > 0", r.Phases.TTFB)
	}
	r = Run(context.Background(), Target{URL: unavailable.URL})
	if r.OK || r.Cause != model.CauseUpstream5xx || r.Phase != "" || r.Root != "" {
		t.Errorf("503: Cause=%q Phase=%q Root=%q, want upstream_5xx with no phase and no root", r.Cause, r.Phase, r.Root)
	}
}

// TestRootOf checks the mapping on the error chains net returns for what
// loopback cannot produce: an ICMP unreachable, a kernel SYN timeout.
func TestRootOf(t *testing.T) {
	dial := func(errno syscall.Errno) error {
		return &net.OpError{Op: "dial", Net: "tcp", Addr: &net.TCPAddr{IP: net.IPv4(10, 0, 0, 9), Port: 8080},
			Err: os.NewSyscallError("connect", errno)}
	}
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	cert := &x509.Certificate{DNSNames: []string{"pay.example"}, NotBefore: now.Add(-48 * time.Hour), NotAfter: time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)}
	cases := []struct {
		name   string
		err    error
		cause  model.Cause
		root   model.RootCode
		detail string
	}{
		{"host unreachable", dial(syscall.EHOSTUNREACH), model.CauseConnectTimeout, model.RootUnreachable,
			"no route to host (no route to host): ICMP or ARP says the host is not there (to 10.0.0.9:8080)"},
		{"network unreachable", dial(syscall.ENETUNREACH), model.CauseConnectTimeout, model.RootUnreachable,
			"network is unreachable (network is unreachable): no route from this host (to 10.0.0.9:8080)"},
		{"kernel SYN timeout", dial(syscall.ETIMEDOUT), model.CauseConnectTimeout, model.RootFiltered,
			"no answer at all: the kernel gave up its SYN retries (a firewall dropping packets, or the host is down) (to 10.0.0.9:8080)"},
		{"refused is no connect root", dial(syscall.ECONNREFUSED), model.CauseRefused, "", ""},
		{"expired, wrapped as crypto/tls does", &tls.CertificateVerificationError{UnverifiedCertificates: []*x509.Certificate{cert},
			Err: x509.CertificateInvalidError{Cert: cert, Reason: x509.Expired}}, model.CauseTLS, model.RootCertExpired,
			"certificate for pay.example expired 2026-11-30 12:00 UTC (NotAfter)"},
		{"QUIC-style alert", fmt.Errorf("handshake: %w", tls.AlertError(70)), model.CauseTLS, model.RootProtocolMismatch,
			"the upstream refused the handshake (TLS alert 70: protocol_version): no TLS version or cipher suite in common"},
		{"bad certificate alert is not a mismatch", tls.AlertError(42), model.CauseTLS, "", ""},
		{"client refuses the server's version", errors.New("tls: server selected unsupported protocol version 301"), model.CauseTLS,
			model.RootProtocolMismatch, "no TLS version or cipher suite in common: tls: server selected unsupported protocol version 301"},
		{"dns deadline without DNSError", context.DeadlineExceeded, model.CauseDNS, model.RootDNSTimeout,
			"no answer from the resolver before the probe's deadline"},
		{"resolver unreachable", &net.DNSError{Err: "read udp 127.0.0.1:1->10.0.0.53:53: read: no route to host", Name: "a.example", Server: "10.0.0.53:53"},
			model.CauseDNS, model.RootResolverUnreachable, "the resolver 10.0.0.53:53 is unreachable (read udp 127.0.0.1:1->10.0.0.53:53: read: no route to host) while resolving a.example"},
		{"names are cleaned", &net.DNSError{Err: "no such host", Name: "a\x1b[31m.example", IsNotFound: true}, model.CauseDNS, model.RootNXDomain,
			"a?[31m.example does not exist: the resolver answered no such host (NXDOMAIN, or no address record)"},
		{"unknown cause", errors.New("odd"), model.CauseBadResponse, "", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			root, detail := rootOf(tc.err, tc.cause, 2*time.Second, "", now)
			if root != tc.root || detail != tc.detail {
				t.Errorf("rootOf = %q, %q\n want %q, %q", root, detail, tc.root, tc.detail)
			}
		})
	}
}

// FuzzRootOf feeds arbitrary DNS and TLS error texts: a root always comes
// with a bounded detail, and only the causes' own roots appear.
func FuzzRootOf(f *testing.F) {
	f.Add("server misbehaving", "api.example", true, false, "tls: server selected unsupported protocol version 301")
	f.Add("read udp: connection refused", "x", false, false, "no cipher suite supported by both client and server")
	f.Add("i/o timeout", "\xff\xfe", false, true, "")
	f.Fuzz(func(t *testing.T, dnsText, name string, temporary, timeout bool, tlsText string) {
		allowed := map[model.Cause][]model.RootCode{
			model.CauseDNS: {model.RootNXDomain, model.RootServfail, model.RootResolverUnreachable, model.RootDNSTimeout},
			model.CauseTLS: {model.RootProtocolMismatch},
		}
		for cause, err := range map[model.Cause]error{
			model.CauseDNS: &net.DNSError{Err: dnsText, Name: name, IsTemporary: temporary, IsTimeout: timeout},
			model.CauseTLS: errors.New(tlsText),
		} {
			root, detail := rootOf(err, cause, time.Second, "", time.Now())
			if root == "" {
				if detail != "" {
					t.Fatalf("detail %q without a root", detail)
				}
				continue
			}
			found := false
			for _, r := range allowed[cause] {
				found = found || r == root
			}
			if !found || detail == "" || len(detail) > 400 || strings.ContainsAny(detail, "\x00\x1b\n\r") {
				t.Fatalf("cause %s: root %q detail %q", cause, root, detail)
			}
		}
	})
}
