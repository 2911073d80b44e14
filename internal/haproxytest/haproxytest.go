// Package haproxytest runs a real HAProxy on loopback for tests: its
// configuration and sockets in a temporary directory, ports chosen by the
// OS, its log received over UDP syslog and written to a file, stopped when
// the test ends.
package haproxytest

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gwtop/gwtop/internal/proctest"
)

// Binary returns the haproxy binary's path, or fails the test: under `make
// test` HAProxy is installed first, so a missing haproxy is a broken set-up,
// never a reason to skip.
func Binary(t testing.TB) string {
	t.Helper()
	return proctest.Binary(t, "haproxy", "haproxy", "/usr/sbin/haproxy", "/usr/local/sbin/haproxy")
}

// Config holds what goes into the test HAProxy's configuration.
type Config struct {
	// Frontend is extra text for the "frontend fe" section that listens on
	// HAProxy.Addr: use_backend rules, default_backend.
	Frontend string
	// Backends is the backend sections.
	Backends string
	// StatsAuth is "user:password" for the stats page; empty for none.
	StatsAuth string
	// Log sends HAProxy's log (option httplog) to a UDP syslog receiver
	// that writes each message as one line of HAProxy.LogFile.
	Log bool
}

// HAProxy is a running HAProxy.
type HAProxy struct {
	Dir       string
	Addr      string // the frontend: 127.0.0.1:PORT
	StatsURL  string // http://127.0.0.1:PORT/stats (without ";csv")
	Socket    string // the runtime API's unix socket path
	SocketTCP string // the runtime API on TCP: ipv4@127.0.0.1:PORT
	LogFile   string // lines received by the syslog receiver (Config.Log)
	Conf      string // the configuration file

	proc   *proctest.Proc
	syslog *receiver
}

// FreePort asks the OS for a free loopback TCP port.
func FreePort(t testing.TB) int {
	t.Helper()
	return proctest.FreePort(t)
}

// Start writes the configuration, checks it with `haproxy -c`, starts
// HAProxy in the foreground and waits until its frontend, stats page and
// sockets accept connections.
func Start(t testing.TB, c Config) *HAProxy {
	t.Helper()
	bin := Binary(t)
	dir := t.TempDir()
	h := &HAProxy{Dir: dir, Socket: filepath.Join(dir, "admin.sock"), Conf: filepath.Join(dir, "haproxy.cfg"),
		LogFile: filepath.Join(dir, "haproxy.log")}
	logAddr := ""
	if c.Log {
		r, err := listenSyslog(h.LogFile)
		if err != nil {
			t.Fatalf("syslog receiver: %v", err)
		}
		h.syslog = r
		t.Cleanup(r.close)
		logAddr = r.addr()
	}
	proctest.Retry(t, "haproxy", func() error {
		fe, st, sock := FreePort(t), FreePort(t), FreePort(t)
		h.Addr = fmt.Sprintf("127.0.0.1:%d", fe)
		h.StatsURL = fmt.Sprintf("http://127.0.0.1:%d/stats", st)
		h.SocketTCP = fmt.Sprintf("ipv4@127.0.0.1:%d", sock)
		conf := h.render(c, st, logAddr)
		if err := os.WriteFile(h.Conf, []byte(conf), 0o600); err != nil {
			t.Fatal(err)
		}
		proctest.Check(t, exec.Command(bin, "-c", "-f", h.Conf), conf)
		err := h.start(bin, st)
		if err != nil {
			_ = os.Remove(h.Socket)
		}
		return err
	}, h.Stop)
	return h
}

func (h *HAProxy) render(c Config, statsPort int, logAddr string) string {
	logLine := ""
	if logAddr != "" {
		logLine = "    log " + logAddr + " local0 info"
	}
	auth := ""
	if c.StatsAuth != "" {
		auth = "    stats auth " + c.StatsAuth
	}
	return fmt.Sprintf(`global
    stats socket %s mode 600 level admin
    stats socket %s level admin
    stats timeout 10s
%s

defaults
    mode http
    log global
    option httplog
    timeout connect 500ms
    timeout client 5s
    timeout server 1s
    timeout queue 1s

listen stats
    bind 127.0.0.1:%d
    stats enable
    stats uri /stats
%s

frontend fe
    bind %s
%s

%s
`, h.Socket, h.SocketTCP, logLine, statsPort, auth, h.Addr, c.Frontend, c.Backends)
}

// start starts HAProxy from the written configuration and waits until its
// frontend, stats page and both runtime sockets accept connections; if they
// do not, HAProxy is gone when start returns.
func (h *HAProxy) start(bin string, statsPort int) error {
	p, err := proctest.Start(exec.Command(bin, "-db", "-f", h.Conf))
	if err != nil {
		return err
	}
	ready := func() error {
		for _, a := range []struct{ netw, addr string }{
			{"tcp", h.Addr}, {"tcp", fmt.Sprintf("127.0.0.1:%d", statsPort)},
			{"tcp", strings.TrimPrefix(h.SocketTCP, "ipv4@")}, {"unix", h.Socket},
		} {
			if err := proctest.Dial(a.netw, a.addr); err != nil {
				return err
			}
		}
		return nil
	}
	if err := p.WaitReady(10*time.Second, ready); err != nil {
		return err
	}
	h.proc = p
	return nil
}

// Stderr returns what HAProxy wrote to its standard error so far (its
// warnings and alerts, with -db).
func (h *HAProxy) Stderr() string { return h.proc.Output() }

// Stop stops HAProxy and waits for it to exit.
func (h *HAProxy) Stop() { h.proc.Stop() }

// receiver is a minimal UDP syslog server: HAProxy can only log to syslog
// (or stdout), and an operator's syslog daemon writes each message as one
// line of a file, which is what gwtop then follows. The syslog header is
// kept as received, so the parser meets the prefix it will meet in real
// files.
type receiver struct {
	conn *net.UDPConn
	f    *os.File
	done chan struct{}
}

func listenSyslog(path string) (*receiver, error) {
	conn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		conn.Close()
		return nil, err
	}
	r := &receiver{conn: conn, f: f, done: make(chan struct{})}
	go r.run()
	return r, nil
}

func (r *receiver) addr() string { return r.conn.LocalAddr().String() }

func (r *receiver) run() {
	defer close(r.done)
	buf := make([]byte, 64<<10)
	for {
		n, err := r.conn.Read(buf)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			continue
		}
		msg := bytes.TrimRight(buf[:n], "\r\n\x00")
		// One message, one line: a line is written in one call so a
		// follower never sees half of it.
		_, _ = r.f.Write(append(bytes.ReplaceAll(msg, []byte("\n"), []byte(" ")), '\n'))
	}
}

func (r *receiver) close() {
	r.conn.Close()
	<-r.done
	r.f.Close()
}
