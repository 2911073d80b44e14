package haproxytest

import (
	"fmt"
	"net"
	"syscall"
	"testing"
	"time"
)

// FullBacklog returns a loopback address whose listener never accepts and
// whose accept queue is full, so the kernel drops every new SYN: a connect
// there times out as it would to a host behind a dropping firewall (HAProxy
// L4TOUT, "sC--"), without any traffic leaving 127.0.0.1.
func FullBacklog(t testing.TB) string {
	t.Helper()
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syscall.Close(fd) })
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Listen(fd, 0); err != nil {
		t.Fatal(err)
	}
	sa, err := syscall.Getsockname(fd)
	if err != nil {
		t.Fatal(err)
	}
	addr := fmt.Sprintf("127.0.0.1:%d", sa.(*syscall.SockaddrInet4).Port)
	// Fill the queue: connections complete until it is full, then time out.
	for i := 0; ; i++ {
		if i == 16 {
			t.Fatalf("the accept queue of %s never filled", addr)
		}
		c, err := net.DialTimeout("tcp", addr, 300*time.Millisecond)
		if err != nil {
			break
		}
		t.Cleanup(func() { c.Close() })
	}
	return addr
}
