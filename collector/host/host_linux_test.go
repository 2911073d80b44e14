package host

import (
	"bufio"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestTCPErrorKeepsOtherFigures(t *testing.T) {
	s := NewSampler()
	s.tcp.root = filepath.Join(t.TempDir(), "no-proc")
	h := s.Sample(context.Background())
	if !strings.HasPrefix(h.Error, "tcp: ") || !strings.Contains(h.Error, "no such file") {
		t.Errorf("Error = %q, want the tcp error", h.Error)
	}
	if h.MemPercent <= 0 {
		t.Errorf("MemPercent = %v: other figures must still be filled in", h.MemPercent)
	}
	if h.TCPStates != nil {
		t.Errorf("TCPStates = %v, want none", h.TCPStates)
	}
}

func TestTCPStatesFromFixture(t *testing.T) {
	// The Linux path reads <root>/net/tcp and tcp6; tcp6 may be absent.
	root := t.TempDir()
	writeFixture(t, filepath.Join(root, "net", "tcp"), procNetSample[:strings.Index(procNetSample, "  sl  local_address                         remote")])
	writeFixture(t, filepath.Join(root, "sys", "net", "ipv4", "ip_local_port_range"), "32768\t60999\n")
	s := NewSampler()
	s.tcp.root = root
	h := s.Sample(context.Background())
	if h.Error != "" {
		t.Errorf("Error = %q", h.Error)
	}
	if h.EphemeralPorts != 28232 {
		t.Errorf("EphemeralPorts = %d", h.EphemeralPorts)
	}
	if h.TCPStates["ESTABLISHED"] != 2 || h.TCPStates["TIME_WAIT"] != 2 || h.TCPStates["LISTEN"] != 1 {
		t.Errorf("TCPStates = %v", h.TCPStates)
	}
}

func writeFixture(t *testing.T, path, s string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

// A trimmed /proc/net/tcp followed by /proc/net/tcp6 rows, with a
// lowercase state, an unknown state and a malformed row.
const procNetSample = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 12345 1 0000000000000000 100 0 0 10 0
   1: 0100007F:1F90 0100007F:C350 01 00000000:00000000 00:00000000 00000000     0        0 12346 1 0000000000000000 20 4 30 10 -1
   2: 0100007F:C350 0100007F:1F90 01 00000000:00000000 00:00000000 00000000     0        0 12347 1 0000000000000000 20 4 30 10 -1
   3: 0100007F:C352 0100007F:1F90 06 00000000:00000000 03:00000F9F 00000000     0        0 0 3 0000000000000000
   4: 0100007F:C354 0100007F:1F90 06 00000000:00000000 03:00000F9F 00000000     0        0 0 3 0000000000000000
   5: 0100007F:1F90 0100007F:C356 08 00000000:00000000 00:00000000 00000000     0        0 12348 1 0000000000000000 20 4 30 10 -1
   6: 0A00000A:C358 0B00000A:0050 02 00000001:00000000 01:00000064 00000002     0        0 12349 1 0000000000000000 400 0 0 1 7
   7: 0100007F:1F90 0100007F:C35A 0b 00000000:00000000 00:00000000 00000000     0        0 12350 1
   8: 0100007F:1F90 0100007F:C35C 3F 00000000:00000000 00:00000000 00000000     0        0 12351 1
   9: garbage
  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000000000000000000000000000:0050 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 2222 1 0000000000000000 100 0 0 10 0
   1: 0000000000000000FFFF00000100007F:0050 0000000000000000FFFF00000100007F:D431 01 00000000:00000000 00:00000000 00000000    33        0 2223 1 0000000000000000 20 4 30 10 -1
   2: 0000000000000000FFFF00000100007F:0050 0000000000000000FFFF00000100007F:D433 09 00000000:00000000 00:00000000 00000000    33        0 2224 1 0000000000000000 20 4 30 10 -1`

func TestCountProcNetTCP(t *testing.T) {
	// Split as the two files are: each starts with its own header line.
	i := strings.Index(procNetSample, "  sl  local_address                         remote")
	var counts stateCounts
	for _, part := range []string{procNetSample[:i], procNetSample[i:]} {
		// A buffer shorter than the rows (but holding their first four
		// fields) exercises rows that do not fit in it.
		br := bufio.NewReaderSize(strings.NewReader(part), 100)
		if err := countProcNetTCP(br, &counts); err != nil {
			t.Fatal(err)
		}
	}
	got := counts.names()
	want := map[string]int{
		"LISTEN":      2,
		"ESTABLISHED": 3,
		"TIME_WAIT":   2,
		"CLOSE_WAIT":  1,
		"SYN_SENT":    1,
		"CLOSING":     1,
		"LAST_ACK":    1,
		"UNKNOWN":     1,
	}
	if len(got) != len(want) {
		t.Errorf("got %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %d, want %d (all: %v)", k, got[k], v, got)
		}
	}
}

func TestCountProcNetTCPNormalBuffer(t *testing.T) {
	// The same table through a buffer that holds whole rows, as in use.
	var counts stateCounts
	br := bufio.NewReaderSize(strings.NewReader(procNetSample), 64<<10)
	if err := countProcNetTCP(br, &counts); err != nil {
		t.Fatal(err)
	}
	// The tcp6 header in the middle is not a row (its st field is "st").
	if n := counts.names()["ESTABLISHED"]; n != 3 {
		t.Errorf("ESTABLISHED = %d, want 3", n)
	}
	total := 0
	for _, n := range counts {
		total += n
	}
	if total != 12 {
		t.Errorf("counted %d rows, want 12", total)
	}
}

// BenchmarkCountProcNetTCP measures our parser alone on a 100k-row table,
// without the kernel's cost of producing /proc/net/tcp.
func BenchmarkCountProcNetTCP(b *testing.B) {
	rows := strings.Split(procNetSample, "\n")[1:9]
	var sb strings.Builder
	sb.WriteString(strings.Split(procNetSample, "\n")[0] + "\n")
	for i := range 100000 {
		sb.WriteString(rows[i%len(rows)] + "\n")
	}
	table := sb.String()
	r := strings.NewReader(table)
	br := bufio.NewReaderSize(nil, 64<<10)
	b.SetBytes(int64(len(table)))
	b.ReportAllocs()
	for b.Loop() {
		r.Reset(table)
		br.Reset(r)
		var counts stateCounts
		if err := countProcNetTCP(br, &counts); err != nil {
			b.Fatal(err)
		}
		if counts[0x01] != 25000 {
			b.Fatalf("ESTABLISHED = %d", counts[0x01])
		}
	}
}

// TestTCPReadIsThrottled: the TCP table is read again only after tcpEvery,
// or 100 times its cost when that is longer; between reads the last counts
// are reported.
func TestTCPReadIsThrottled(t *testing.T) {
	root := t.TempDir()
	tcp := filepath.Join(root, "net", "tcp")
	writeFixture(t, tcp, procNetSample[:strings.Index(procNetSample, "  sl  local_address                         remote")])
	writeFixture(t, filepath.Join(root, "sys", "net", "ipv4", "ip_local_port_range"), "32768\t60999\n")
	clock := time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC)
	s := NewSampler()
	s.tcp.root = root
	s.now = func() time.Time { return clock }
	if h := s.Sample(context.Background()); h.TCPStates["ESTABLISHED"] != 2 {
		t.Fatalf("first sample %v", h.TCPStates)
	}
	// The table changes; a sample a second later still reports the last read.
	writeFixture(t, tcp, "  sl  local_address rem_address   st\n   0: 0100007F:1F90 00000000:0000 0A 0\n")
	clock = clock.Add(time.Second)
	if h := s.Sample(context.Background()); h.TCPStates["ESTABLISHED"] != 2 {
		t.Errorf("read again after 1s: %v", h.TCPStates)
	}
	clock = clock.Add(tcpEvery)
	if h := s.Sample(context.Background()); h.TCPStates["ESTABLISHED"] != 0 || h.TCPStates["LISTEN"] != 1 {
		t.Errorf("not read again after tcpEvery: %v", h.TCPStates)
	}
	// Between reads, TIME_WAIT follows /proc/net/sockstat; the rest
	// stays the last read's.
	writeFixture(t, filepath.Join(root, "net", "sockstat"), "sockets: used 9\nTCP: inuse 1 orphan 0 tw 42 alloc 1 mem 37\nUDP: inuse 0 mem 0\n")
	clock = clock.Add(time.Second)
	if h := s.Sample(context.Background()); h.TCPStates["TIME_WAIT"] != 42 || h.TCPStates["LISTEN"] != 1 || s.tcpStates["TIME_WAIT"] != 0 {
		t.Errorf("TIME_WAIT between reads: %v (cached %v)", h.TCPStates, s.tcpStates)
	}
	// A read that cost 1s is not repeated for 100s.
	s.tcpCost = time.Second
	clock = clock.Add(70 * time.Second)
	writeFixture(t, tcp, procNetSample[:strings.Index(procNetSample, "  sl  local_address                         remote")])
	if h := s.Sample(context.Background()); h.TCPStates["ESTABLISHED"] != 0 {
		t.Errorf("an expensive read was repeated after 70s: %v", h.TCPStates)
	}
	clock = clock.Add(31 * time.Second)
	if h := s.Sample(context.Background()); h.TCPStates["ESTABLISHED"] != 2 {
		t.Errorf("not read again after 101s: %v", h.TCPStates)
	}
}

func TestParseSockstatTW(t *testing.T) {
	for in, want := range map[string]int{
		"sockets: used 9\nTCP: inuse 1 orphan 0 tw 600 alloc 1 mem 37\n": 600,
		"TCP: inuse 1 tw 0\n": 0,
	} {
		if n, ok := parseSockstatTW(in); !ok || n != want {
			t.Errorf("parseSockstatTW(%q) = %d, %v", in, n, ok)
		}
	}
	for _, in := range []string{"", "TCP: inuse 1\n", "TCP: tw -3\n", "UDP: tw 5\n"} {
		if _, ok := parseSockstatTW(in); ok {
			t.Errorf("parseSockstatTW(%q) ok", in)
		}
	}
}
