package probe

import (
	"context"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httptrace"
	"testing"

	"github.com/gwtop/gwtop/internal/rawserver"
)

// Test servers: real sockets on 127.0.0.1 with OS-chosen ports, one
// misbehaviour each.

// rawServer accepts TCP connections and hands each to handle. done closes
// when the test ends, so a handler that must hang can wait on it.
type rawServer struct{ address string }

func newRawServer(t testing.TB, handle func(c net.Conn, done <-chan struct{})) *rawServer {
	t.Helper()
	return &rawServer{address: rawserver.Start(t, handle)}
}

func (s *rawServer) addr() string { return s.address }

// readRequest consumes one HTTP request from c, so that what the handler
// does next happens after the probe has sent everything.
func readRequest(c net.Conn) { rawserver.ReadRequest(c) }

// closedPort returns a loopback address where nothing listens: a port the
// OS handed out and that was closed again.
func closedPort(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// quietLog discards the "http: TLS handshake error" lines test TLS servers
// log when a probe rejects their certificate on purpose.
func quietLog() *log.Logger { return log.New(io.Discard, "", 0) }

func newServer(t testing.TB, h http.HandlerFunc) *httptest.Server {
	t.Helper()
	s := httptest.NewUnstartedServer(h)
	s.Config.ErrorLog = quietLog()
	s.Start()
	t.Cleanup(s.Close)
	return s
}

func newTLSServer(t testing.TB, h http.HandlerFunc) *httptest.Server {
	t.Helper()
	s := httptest.NewUnstartedServer(h)
	s.Config.ErrorLog = quietLog()
	s.StartTLS()
	t.Cleanup(s.Close)
	return s
}

// blockingDial stands in for a SYN that is never answered: it reports the
// connect attempt as net.Dialer would and returns only when its context
// ends. It is the one non-real case of these tests — loopback answers every
// SYN, and a full accept backlog does not reliably stall a connect.
func blockingDial(ctx context.Context, network, addr string) (net.Conn, error) {
	if tr := httptrace.ContextClientTrace(ctx); tr != nil && tr.ConnectStart != nil {
		tr.ConnectStart(network, addr)
	}
	<-ctx.Done()
	return nil, ctx.Err()
}
