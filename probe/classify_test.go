package probe

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http/httptrace"
	"net/textproto"
	"net/url"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/gwtop/gwtop/model"
)

// Some causes cannot be produced on loopback (EACCES needs a firewall rule
// or SELinux, EMFILE an exhausted process). These cases build the error
// chains the net package returns for them and check the mapping itself.
func TestClassify(t *testing.T) {
	dialErr := func(errno syscall.Errno) error {
		return &url.Error{Op: "Get", URL: "http://10.0.0.1/", Err: &net.OpError{
			Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", errno)}}
	}
	readErr := func(err error) error {
		return &url.Error{Op: "Get", URL: "http://10.0.0.1/", Err: &net.OpError{Op: "read", Net: "tcp", Err: err}}
	}
	cases := []struct {
		name  string
		err   error
		st    stage
		cause model.Cause
	}{
		{"refused", dialErr(syscall.ECONNREFUSED), stageConnect, model.CauseRefused},
		{"reset", readErr(os.NewSyscallError("read", syscall.ECONNRESET)), stageWait, model.CauseReset},
		{"broken pipe", readErr(os.NewSyscallError("write", syscall.EPIPE)), stageWait, model.CauseReset},
		{"permission denied", dialErr(syscall.EACCES), stageConnect, model.CausePermission},
		{"operation not permitted", dialErr(syscall.EPERM), stageConnect, model.CausePermission},
		{"no ephemeral port", dialErr(syscall.EADDRNOTAVAIL), stageConnect, model.CauseGatewayLimits},
		{"too many open files", dialErr(syscall.EMFILE), stageConnect, model.CauseGatewayLimits},
		{"file table full", dialErr(syscall.ENFILE), stageConnect, model.CauseGatewayLimits},
		{"network unreachable", dialErr(syscall.ENETUNREACH), stageConnect, model.CauseConnectTimeout},
		{"host unreachable", dialErr(syscall.EHOSTUNREACH), stageConnect, model.CauseConnectTimeout},
		{"kernel SYN timeout", dialErr(syscall.ETIMEDOUT), stageConnect, model.CauseConnectTimeout},
		{"kernel keep-alive timeout", readErr(os.NewSyscallError("read", syscall.ETIMEDOUT)), stageWait, model.CauseReadTimeout},
		{"dns not found", &net.OpError{Op: "dial", Err: &net.DNSError{Err: "no such host", Name: "x", IsNotFound: true}}, stageConnect, model.CauseDNS},
		{"dns timeout", &net.OpError{Op: "dial", Err: &net.DNSError{Err: "i/o timeout", Name: "x", IsTimeout: true}}, stageDNS, model.CauseDNS},
		{"deadline in dns", context.DeadlineExceeded, stageDNS, model.CauseDNS},
		{"deadline connecting", context.DeadlineExceeded, stageConnect, model.CauseConnectTimeout},
		{"deadline in handshake", context.DeadlineExceeded, stageTLS, model.CauseTLS},
		{"deadline waiting", context.DeadlineExceeded, stageWait, model.CauseReadTimeout},
		{"deadline in body", readErr(os.ErrDeadlineExceeded), stageBody, model.CauseReadTimeout},
		{"unknown CA", &tls.CertificateVerificationError{Err: x509.UnknownAuthorityError{}}, stageTLS, model.CauseTLS},
		{"expired", x509.CertificateInvalidError{Reason: x509.Expired}, stageTLS, model.CauseTLS},
		{"wrong name", x509.HostnameError{Host: "x", Certificate: &x509.Certificate{}}, stageTLS, model.CauseTLS},
		{"alert", &net.OpError{Op: "remote error", Err: tls.AlertError(40)}, stageTLS, model.CauseTLS},
		{"not TLS", tls.RecordHeaderError{Msg: "first record does not look like a TLS handshake"}, stageTLS, model.CauseTLS},
		{"untyped handshake failure", errors.New("tls: some local failure"), stageTLS, model.CauseTLS},
		{"EOF before headers", fmt.Errorf("wrapped: %w", io.EOF), stageWait, model.CausePrematureClose},
		{"EOF in body", io.ErrUnexpectedEOF, stageBody, model.CausePrematureClose},
		{"EOF in handshake", io.EOF, stageTLS, model.CauseTLS},
		{"bad header", textproto.ProtocolError("malformed MIME header line: \"x\""), stageBody, model.CauseBadResponse},
		{"bad status line", fmt.Errorf("malformed HTTP response %q", "xyz"), stageBody, model.CauseBadResponse},
		{"headers too big", errors.New("net/http: server response headers exceeded 1048576 bytes; aborted"), stageBody, model.CauseBadResponse},
		{"unknown before connect", errors.New("something odd"), stageConnect, model.CauseNone},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := causeOf(tc.err, tc.st, context.Background()); got != tc.cause {
				t.Errorf("causeOf(%v, stage %d) = %q, want %q", tc.err, tc.st, got, tc.cause)
			}
		})
	}

	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	if got := causeOf(context.Canceled, stageWait, cancelled); got != model.CauseNone {
		t.Errorf("caller cancellation classified as %q", got)
	}
	expired, cancel2 := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel2()
	if got := causeOf(context.DeadlineExceeded, stageWait, expired); got != model.CauseReadTimeout {
		t.Errorf("caller deadline classified as %q, want read_timeout", got)
	}
}

func TestStatusCause(t *testing.T) {
	for status, want := range map[int]model.Cause{
		500: model.CauseUpstream5xx, 502: model.CauseUpstream5xx, 503: model.CauseUpstream5xx,
		404: model.CauseBadResponse, 401: model.CauseBadResponse, 301: model.CauseBadResponse, 101: model.CauseBadResponse,
	} {
		if got := statusCause(status); got != want {
			t.Errorf("statusCause(%d) = %q, want %q", status, got, want)
		}
	}
}

// A resolver that never answers: the lookup itself must be named, not the
// connect. The resolver is pointed at a UDP socket on loopback that reads
// queries and never replies — real sockets, only the nameserver address is
// chosen by the test.
func TestDNSTimeout(t *testing.T) {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	go func() {
		buf := make([]byte, 1500)
		for {
			if _, _, err := pc.ReadFrom(buf); err != nil {
				return
			}
		}
	}()
	d := &net.Dialer{Resolver: &net.Resolver{
		PreferGo: true,
		Dial: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var nd net.Dialer
			return nd.DialContext(ctx, "udp", pc.LocalAddr().String())
		},
	}}
	for _, u := range []string{"http://upstream.gwtop.test:8080/", "tcp://upstream.gwtop.test:8080"} {
		t.Run(u, func(t *testing.T) {
			p, err := newProber(Target{URL: u, Timeout: 300 * time.Millisecond}, d.DialContext)
			if err != nil {
				t.Fatal(err)
			}
			defer p.Close()
			r := p.Probe(context.Background())
			check(t, r, false, 0, model.CauseDNS)
			// The lookup took the whole probe and no connect began.
			if r.Phases.DNS <= 0 || r.Phases.DNS > r.Phases.Total || r.Phases.Connect != 0 {
				t.Errorf("phases %+v, want DNS > 0 (up to Total) and Connect 0", r.Phases)
			}
		})
	}
}

// TestStageAfterFailedLookup: a lookup that reported its failure (as one
// cut by the deadline does, racing the probe's own timeout) is still the
// DNS stage, so the timeout is named dns, not connect_timeout.
func TestStageAfterFailedLookup(t *testing.T) {
	tr := newTracker(time.Now())
	ct := tr.trace()
	ct.DNSStart(httptrace.DNSStartInfo{Host: "upstream.gwtop.invalid"})
	ct.DNSDone(httptrace.DNSDoneInfo{Err: context.DeadlineExceeded})
	if st := tr.stage(false); st != stageDNS {
		t.Errorf("stage after a failed lookup = %v, want stageDNS", st)
	}
	if c := timeoutCause(tr.stage(false)); c != model.CauseDNS {
		t.Errorf("cause %s", c)
	}
	ct.DNSStart(httptrace.DNSStartInfo{Host: "ok.example"})
	ct.DNSDone(httptrace.DNSDoneInfo{})
	if st := tr.stage(false); st != stageConnect {
		t.Errorf("stage after a good lookup = %v, want stageConnect", st)
	}
}
