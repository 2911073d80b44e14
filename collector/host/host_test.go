package host

import (
	"context"
	"net"
	"testing"

	"github.com/gwtop/gwtop/model"
	"github.com/shirou/gopsutil/v4/cpu"
)

func checkSane(t *testing.T, h model.Host) {
	t.Helper()
	if h.Error != "" {
		t.Errorf("Error = %q", h.Error)
	}
	if h.CPUPercent < 0 || h.CPUPercent > 100 {
		t.Errorf("CPUPercent = %v", h.CPUPercent)
	}
	if h.MemPercent <= 0 || h.MemPercent > 100 {
		t.Errorf("MemPercent = %v", h.MemPercent)
	}
	if h.SwapPercent < 0 || h.SwapPercent > 100 {
		t.Errorf("SwapPercent = %v", h.SwapPercent)
	}
	if h.Load1 < 0 || h.Load5 < 0 || h.Load15 < 0 {
		t.Errorf("load = %v %v %v", h.Load1, h.Load5, h.Load15)
	}
}

func TestSampleTwice(t *testing.T) {
	s := NewSampler()
	ctx := context.Background()
	first := s.Sample(ctx)
	checkSane(t, first)
	// Burn a little CPU so the second interval is not empty; the value is
	// not asserted beyond its range.
	x := 0
	for i := range 1_000_000 {
		x += i % 7
	}
	_ = x
	second := s.Sample(ctx)
	checkSane(t, second)
	if len(second.TCPStates) == 0 {
		t.Errorf("no TCP states at all")
	}
}

func TestTCPStatesLoopback(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			close(accepted)
			return
		}
		accepted <- c
	}()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	sc, ok := <-accepted
	if !ok {
		t.Fatal("accept failed")
	}
	defer sc.Close()

	h := NewSampler().Sample(context.Background())
	if h.Error != "" {
		t.Errorf("Error = %q", h.Error)
	}
	// Both ends of the loopback connection are local sockets.
	if n := h.TCPStates["ESTABLISHED"]; n < 2 {
		t.Errorf("ESTABLISHED = %d, want >= 2 (states %v)", n, h.TCPStates)
	}
	if n := h.TCPStates["LISTEN"]; n < 1 {
		t.Errorf("LISTEN = %d, want >= 1 (states %v)", n, h.TCPStates)
	}
}

func TestBusyPercent(t *testing.T) {
	prev := cpu.TimesStat{User: 100, System: 50, Idle: 800, Iowait: 50}
	cases := []struct {
		name string
		cur  cpu.TimesStat
		want float64
	}{
		{"half busy", cpu.TimesStat{User: 150, System: 100, Idle: 850, Iowait: 100}, 50},
		{"idle", cpu.TimesStat{User: 100, System: 50, Idle: 900, Iowait: 50}, 0},
		{"iowait is not busy", cpu.TimesStat{User: 100, System: 50, Idle: 800, Iowait: 150}, 0},
		{"steal and irq are busy", cpu.TimesStat{User: 100, System: 50, Idle: 800, Iowait: 50, Steal: 50, Irq: 50}, 100},
		// Guest time is inside User already: 100 s of user of which 100 s
		// guest over 200 s is 50 %, not 66 %.
		{"guest not counted twice", cpu.TimesStat{User: 200, System: 50, Idle: 900, Iowait: 50, Guest: 100}, 50},
		{"no time passed", prev, 0},
		{"counters went back", cpu.TimesStat{User: 10, Idle: 10}, 0},
	}
	for _, c := range cases {
		if got := busyPercent(prev, c.cur); got != c.want {
			t.Errorf("%s: got %v, want %v", c.name, got, c.want)
		}
	}
	// First sample: the average since boot.
	if got := busyPercent(cpu.TimesStat{}, prev); got != 15 {
		t.Errorf("since boot: got %v, want 15", got)
	}
}

func BenchmarkSample(b *testing.B) {
	s := NewSampler()
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if h := s.Sample(ctx); h.Error != "" {
			b.Fatal(h.Error)
		}
	}
}

func TestParsePortRange(t *testing.T) {
	if n, err := parsePortRange("32768\t60999\n"); err != nil || n != 28232 {
		t.Errorf("got %d %v", n, err)
	}
	for _, bad := range []string{"", "1", "a b", "60999 32768", "1 2 3"} {
		if _, err := parsePortRange(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
