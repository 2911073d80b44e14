// Package faults starts small upstream servers on loopback that fail on
// purpose, one way each, for tests that put a real gateway in front of them.
package faults

import (
	"bufio"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Kind names one way of failing.
type Kind string

// The faults. Each answers every connection the same way.
const (
	Healthy     Kind = "healthy"      // 200 OK quickly
	Refused     Kind = "refused"      // nothing listens on the port
	Slow        Kind = "slow"         // answers after Delay (longer than the gateway's read timeout)
	Close       Kind = "close"        // reads the request, closes without a byte
	Reset       Kind = "reset"        // reads the request, resets the connection (RST)
	Error500    Kind = "error500"     // answers 500 Internal Server Error
	BadHeader   Kind = "badheader"    // answers a status line and an invalid header
	PlainOnTLS  Kind = "plain_on_tls" // plain HTTP where the gateway expects TLS
	Blackhole   Kind = "blackhole"    // accepts and never answers
	Unavailable Kind = "unavailable"  // answers 503 Service Unavailable
)

// Server is one running fault server.
type Server struct {
	Kind Kind
	Addr string // 127.0.0.1:PORT
	ln   net.Listener
	wg   sync.WaitGroup
	stop chan struct{}
	// Delay is how long Slow waits before answering.
	Delay time.Duration
}

// Start starts a server of the given kind; it is stopped when the test ends.
func Start(t testing.TB, k Kind) *Server {
	t.Helper()
	s, err := Listen(k)
	if err != nil {
		t.Fatalf("start %s upstream: %v", k, err)
	}
	t.Cleanup(s.Close)
	return s
}

// Listen starts a server of the given kind; the caller must Close it.
func Listen(k Kind) (*Server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &Server{Kind: k, Addr: ln.Addr().String(), ln: ln, stop: make(chan struct{}), Delay: 3 * time.Second}
	if k == Refused {
		// Keep the port number, free the port: a connect now gets RST.
		ln.Close()
		s.ln = nil
		return s, nil
	}
	s.wg.Go(s.accept)
	return s, nil
}

// Close stops the server and waits for its goroutines.
func (s *Server) Close() {
	select {
	case <-s.stop:
		return
	default:
	}
	close(s.stop)
	if s.ln != nil {
		s.ln.Close()
	}
	s.wg.Wait()
}

func (s *Server) accept() {
	var conns sync.WaitGroup
	var mu sync.Mutex
	open := map[net.Conn]bool{}
	defer func() {
		mu.Lock()
		for c := range open {
			c.Close()
		}
		mu.Unlock()
		conns.Wait()
	}()
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		mu.Lock()
		open[c] = true
		mu.Unlock()
		conns.Go(func() {
			s.serve(c)
			mu.Lock()
			delete(open, c)
			mu.Unlock()
		})
	}
}

// readRequest reads one request's head (and ignores any body).
func readRequest(c net.Conn) (*http.Request, error) {
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	req, err := http.ReadRequest(bufio.NewReader(c))
	_ = c.SetReadDeadline(time.Time{})
	return req, err
}

func (s *Server) serve(c net.Conn) {
	defer c.Close()
	if s.Kind == PlainOnTLS {
		// Whatever arrives (a TLS ClientHello) is not HTTP: answer 400 the
		// way a plain HTTP server does, which a TLS client reads as a bad
		// record ("wrong version number").
		buf := make([]byte, 4096)
		_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
		if _, err := c.Read(buf); err != nil {
			return
		}
		respond(c, "400 Bad Request", "plain HTTP here\n")
		return
	}
	for {
		req, err := readRequest(c)
		if err != nil {
			return
		}
		switch s.Kind {
		case Healthy:
			respond(c, "200 OK", "ok\n")
		case Error500:
			respond(c, "500 Internal Server Error", "boom\n")
		case Unavailable:
			respond(c, "503 Service Unavailable", "busy\n")
		case Slow:
			select {
			case <-time.After(s.Delay):
			case <-s.stop:
				return
			}
			respond(c, "200 OK", "late\n")
		case Close:
			return
		case Reset:
			if tc, ok := c.(*net.TCPConn); ok {
				_ = tc.SetLinger(0)
			}
			return
		case BadHeader:
			io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nBad\x01Header: x\r\n\r\nok")
			return
		case Blackhole:
			<-s.stop
			return
		}
		if strings.EqualFold(req.Header.Get("Connection"), "close") || req.Close {
			return
		}
	}
}

func respond(c net.Conn, status, body string) {
	_, _ = io.WriteString(c, "HTTP/1.1 "+status+"\r\nContent-Type: text/plain\r\nContent-Length: "+strconv.Itoa(len(body))+"\r\n\r\n"+body)
}

// InsecureClient is an HTTP client for test traffic: no keep-alive, so
// every request is a fresh connection the way each test expects.
func InsecureClient(timeout time.Duration) *http.Client {
	return &http.Client{Timeout: timeout, Transport: &http.Transport{DisableKeepAlives: true,
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}} // test traffic to our own loopback servers
}

// DeadUDP returns a loopback UDP address where nothing listens: a DNS
// lookup through it fails at once (ICMP port unreachable) without any
// query leaving the machine.
func DeadUDP(t testing.TB) string {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	return pc.LocalAddr().String()
}

// ClosedTCP returns a loopback TCP address where nothing listens: a
// connect is refused at once.
func ClosedTCP(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}
