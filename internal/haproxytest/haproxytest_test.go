package haproxytest

import (
	"net"
	"os"
	"strings"
	"testing"
	"time"
)

func TestFullBacklogTimesOut(t *testing.T) {
	addr := FullBacklog(t)
	c, err := net.DialTimeout("tcp", addr, 300*time.Millisecond)
	if err == nil {
		c.Close()
		t.Fatal("connected to a full backlog")
	}
	if ne, ok := err.(net.Error); !ok || !ne.Timeout() {
		t.Fatalf("want a timeout, got %v", err)
	}
}

func TestStartAndLog(t *testing.T) {
	h := Start(t, Config{Frontend: "    http-request return status 200 content-type text/plain string ok\n", Log: true, StatsAuth: "u:p"})
	c, err := net.Dial("tcp", h.Addr)
	if err != nil {
		t.Fatal(err)
	}
	c.Write([]byte("GET /x HTTP/1.0\r\n\r\n"))
	b := make([]byte, 512)
	n, _ := c.Read(b)
	c.Close()
	if !strings.Contains(string(b[:n]), "200") {
		t.Fatalf("answer %q", b[:n])
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		log, _ := os.ReadFile(h.LogFile)
		if strings.Contains(string(log), `"GET /x HTTP/1.0"`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no log line received; log file: %q", log)
		}
		time.Sleep(50 * time.Millisecond)
	}
	h.Stop()
	if _, err := net.DialTimeout("tcp", h.Addr, 200*time.Millisecond); err == nil {
		t.Error("haproxy still listening after Stop")
	}
}
