// Package rawserver is a loopback TCP server for tests whose upstream,
// status page or socket misbehaves on purpose at the byte level: it runs
// a handler on every connection until the test ends, then closes them all
// and waits for the handlers.
package rawserver

import (
	"bufio"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"
)

// Start listens on a loopback port from the OS and calls handle on every
// connection in its own goroutine; done closes when the test ends (then
// every connection is closed and Start's goroutines are waited for). It
// returns the address.
func Start(t testing.TB, handle func(c net.Conn, done <-chan struct{})) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	var mu sync.Mutex
	var conns []net.Conn
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			wg.Go(func() { handle(c, done) })
		}
	})
	t.Cleanup(func() {
		close(done)
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	return ln.Addr().String()
}

// ReadRequest consumes one HTTP request from c (so that what the handler
// does next happens after the client sent everything) and returns the
// reader it used; false when none could be read.
func ReadRequest(c net.Conn) (*bufio.Reader, bool) {
	br := bufio.NewReader(c)
	req, err := http.ReadRequest(br)
	if err != nil {
		return br, false
	}
	req.Body.Close()
	return br, true
}

// WriteForever writes block to c again and again until done closes or a
// write fails (each write may wait 5 s for a slow reader).
func WriteForever(c net.Conn, block []byte, done <-chan struct{}) {
	for {
		select {
		case <-done:
			return
		default:
		}
		_ = c.SetWriteDeadline(time.Now().Add(5 * time.Second))
		if _, err := c.Write(block); err != nil {
			return
		}
	}
}
