//go:build linux

package procnet

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gwtop/gwtop/facts"
)

// loaded is about when this test process started.
var loaded = time.Now()

func TestMain(m *testing.M) {
	if os.Getenv("PROCNET_HELPER") == "listen" {
		// The child of TestLiveChildExits: listen, say where, wait to be killed.
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			fmt.Println("error", err)
			os.Exit(1)
		}
		fmt.Println(ln.Addr())
		time.Sleep(2 * time.Minute)
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// ssListeners reads testdata/ss-ltnxe.txt (`ss -ltnxe`, recorded with the
// tables) into address → inode and address → Recv-Q.
func ssListeners(t *testing.T) (map[string]uint64, map[string]int) {
	f, err := os.Open("testdata/ss-ltnxe.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	inodes, recvq := map[string]uint64{}, map[string]int{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 6 || f[1] != "LISTEN" {
			continue
		}
		q, _ := strconv.Atoi(f[2])
		switch f[0] {
		case "u_str":
			ino, _ := strconv.ParseUint(f[5], 10, 64)
			inodes["unix:"+f[4]], recvq["unix:"+f[4]] = ino, q
		case "tcp":
			addr := f[4]
			if strings.HasPrefix(addr, "*:") { // ss writes a dual-stack [::] as *
				addr = "[::]" + addr[1:]
			}
			for _, x := range f {
				if v, ok := strings.CutPrefix(x, "ino:"); ok {
					ino, _ := strconv.ParseUint(v, 10, 64)
					inodes[addr], recvq[addr] = ino, q
				}
			}
		}
	}
	return inodes, recvq
}

func TestFixtureMatchesSS(t *testing.T) {
	tr := New(Options{Root: "testdata/proc"})
	now := time.Unix(1_800_000_000, 0)
	err := tr.Sample(context.Background(), now)
	// testdata/proc has no stat or pid directories: only the owner scan
	// finds nothing, the tables and netstat read.
	if err != nil {
		t.Fatalf("Sample: %v", err)
	}
	inodes, recvq := ssListeners(t)
	if len(inodes) != 9 {
		t.Fatalf("ss fixture: %d listeners, want 9", len(inodes))
	}
	s := tr.Snapshot()
	if len(s.Now) != len(inodes) {
		t.Errorf("%d listeners, want %d: %+v", len(s.Now), len(inodes), s.Now)
	}
	for _, l := range s.Now {
		ino, ok := inodes[l.Addr]
		if !ok || ino != l.Inode {
			t.Errorf("%s inode %d; ss says %d (%v)", l.Addr, l.Inode, ino, ok)
		}
		if recvq[l.Addr] != l.AcceptQueue {
			t.Errorf("%s accept queue %d; ss says %d", l.Addr, l.AcceptQueue, recvq[l.Addr])
		}
		if l.Backlog != 0 || l.Owner != nil || !l.Since.Equal(now) {
			t.Errorf("%s: %+v", l.Addr, l)
		}
	}
	if s.ListenOverflows != 1225 || s.ListenDrops != 1225 || s.ListenOverflows1m != 0 {
		t.Errorf("netstat: %+v", s)
	}
	if len(s.History) != 9 || s.History[0].Gone {
		t.Errorf("history: %+v", s.History)
	}
	if tr.Garbage() != 0 {
		t.Errorf("garbage %d in a real table", tr.Garbage())
	}
	if tr.Scans() != 1 {
		t.Errorf("scans %d, want 1 (the listeners appeared)", tr.Scans())
	}
}

// fakeRoot copies the fixture tables into a temp dir the test may change.
func fakeRoot(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "net"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"tcp", "tcp6", "unix", "netstat"} {
		b, err := os.ReadFile(filepath.Join("testdata/proc/net", n))
		if err != nil {
			t.Fatal(err)
		}
		writeFile(t, filepath.Join(root, "net", n), string(b))
	}
	return root
}

func writeFile(t *testing.T, path, s string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

const tcpHeader = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"

func tcpListenRow(i int, port uint16, inode uint64) string {
	return fmt.Sprintf("%4d: 0100007F:%04X 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 %d 1 0000000000000000 100 0 0 10 0\n", i, port, inode)
}

func TestNoChangeNoScan(t *testing.T) {
	root := fakeRoot(t)
	tr := New(Options{Root: root})
	ctx := context.Background()
	now := time.Unix(1_800_000_000, 0)
	if err := tr.Sample(ctx, now); err != nil {
		t.Fatal(err)
	}
	if tr.Scans() != 1 {
		t.Fatalf("first sample: %d scans, want 1", tr.Scans())
	}
	for i := range 50 {
		if err := tr.Sample(ctx, now.Add(time.Duration(i+1)*time.Second)); err != nil {
			t.Fatal(err)
		}
	}
	if tr.Scans() != 1 {
		t.Errorf("50 unchanged samples ran %d extra scans", tr.Scans()-1)
	}
	// A listener vanishing needs no scan; one appearing does.
	writeFile(t, filepath.Join(root, "net", "tcp"), tcpHeader+tcpListenRow(0, 8001, 1473863))
	if err := tr.Sample(ctx, now.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if tr.Scans() != 1 {
		t.Errorf("a vanished listener ran a scan")
	}
	s := tr.Snapshot()
	gone := 0
	for _, c := range s.History {
		if c.Gone {
			gone++
			if c.Exited || !c.Time.Equal(now.Add(time.Minute)) {
				t.Errorf("gone with no owner: %+v", c)
			}
		}
	}
	if gone != 3 { // 2024, 8080, 9000 were in tcp
		t.Errorf("%d gone, want 3: %+v", gone, s.History)
	}
	writeFile(t, filepath.Join(root, "net", "tcp"), tcpHeader+tcpListenRow(0, 8001, 1473863)+tcpListenRow(1, 8005, 99))
	if err := tr.Sample(ctx, now.Add(2*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if tr.Scans() != 2 {
		t.Errorf("a new listener: %d scans, want 2", tr.Scans())
	}
}

func TestWantRescansAtMostEvery(t *testing.T) {
	root := fakeRoot(t)
	tr := New(Options{Root: root, WantEvery: 5 * time.Second, WantFor: 30 * time.Second})
	ctx := context.Background()
	now := time.Unix(1_800_000_000, 0)
	tr.Sample(ctx, now)
	tr.Want("[::ffff:127.0.0.1]:8001", now) // the same address as 127.0.0.1:8001, spelt as tcp6 would
	base := tr.Scans()
	for i := range 20 { // 20 samples a second apart: scans at 0 s, 5 s, 10 s, 15 s
		tr.Sample(ctx, now.Add(time.Duration(i)*time.Second))
	}
	if got := tr.Scans() - base; got != 4 {
		t.Errorf("%d want scans in 20 s, want 4", got)
	}
	// The want lapses after WantFor; an address with no listener never
	// scans.
	tr.Want("127.0.0.1:1", now.Add(40*time.Second))
	base = tr.Scans()
	for i := range 10 {
		tr.Sample(ctx, now.Add(time.Duration(40+i*10)*time.Second))
	}
	if got := tr.Scans() - base; got != 0 {
		t.Errorf("%d scans for a lapsed want and an address nothing listens on", got)
	}
}

func TestHistoryBounded(t *testing.T) {
	root := fakeRoot(t)
	writeFile(t, filepath.Join(root, "net", "tcp6"), "")
	writeFile(t, filepath.Join(root, "net", "unix"), "Num       RefCount Protocol Flags    Type St Inode Path\n")
	tr := New(Options{Root: root, MaxHistory: 10, HistoryAge: time.Hour})
	ctx := context.Background()
	now := time.Unix(1_800_000_000, 0)
	for i := range 30 {
		writeFile(t, filepath.Join(root, "net", "tcp"), tcpHeader+tcpListenRow(0, uint16(9000+i), uint64(100+i)))
		tr.Sample(ctx, now.Add(time.Duration(i)*time.Second))
	}
	s := tr.Snapshot()
	if len(s.History) != 10 {
		t.Fatalf("%d changes kept, want 10", len(s.History))
	}
	last := s.History[len(s.History)-1]
	if last.Listener.Addr != "127.0.0.1:9029" || last.Gone {
		t.Errorf("newest change %+v", last)
	}
	tr.Sample(ctx, now.Add(2*time.Hour))
	if s := tr.Snapshot(); len(s.History) != 0 {
		t.Errorf("changes older than an hour kept: %+v", s.History)
	}
	// A snapshot is a copy.
	s.History = append(s.History[:0], facts.ListenerChange{})
	if len(tr.Snapshot().History) != 0 {
		t.Error("a snapshot shares its history")
	}
}

func TestNetstatGrowth(t *testing.T) {
	root := fakeRoot(t)
	tr := New(Options{Root: root})
	ctx := context.Background()
	now := time.Unix(1_800_000_000, 0)
	ns := func(ov, dr int) {
		writeFile(t, filepath.Join(root, "net", "netstat"),
			fmt.Sprintf("TcpExt: SyncookiesSent ListenOverflows ListenDrops\nTcpExt: 0 %d %d\nIpExt: InNoRoutes\nIpExt: 0\n", ov, dr))
	}
	for i := range 13 { // every 10 s, +5 overflows and +7 drops each time
		ns(100+5*i, 200+7*i)
		tr.Sample(ctx, now.Add(time.Duration(i)*10*time.Second))
	}
	s := tr.Snapshot()
	// At 120 s the base is the sample at 60 s: 6 steps.
	if s.ListenOverflows != 160 || s.ListenDrops != 284 || s.ListenOverflows1m != 30 || s.ListenDrops1m != 42 {
		t.Errorf("counters %d %d, last minute %d %d", s.ListenOverflows, s.ListenDrops, s.ListenOverflows1m, s.ListenDrops1m)
	}
	writeFile(t, filepath.Join(root, "net", "netstat"), "garbage\n")
	if err := tr.Sample(ctx, now.Add(200*time.Second)); err == nil || tr.Snapshot().Err == "" {
		t.Error("a netstat without TcpExt gave no error")
	}
}

func TestGarbageRowsCountedAndSkipped(t *testing.T) {
	root := fakeRoot(t)
	long := strings.Repeat("x", 100<<10)
	writeFile(t, filepath.Join(root, "net", "tcp"), tcpHeader+"garbage\n"+long+"\n"+tcpListenRow(0, 8001, 5)+"\x00\xff\n")
	tr := New(Options{Root: root})
	if err := tr.Sample(context.Background(), time.Now()); err != nil {
		t.Fatal(err)
	}
	if tr.Garbage() != 3 {
		t.Errorf("garbage %d, want 3", tr.Garbage())
	}
	found := false
	for _, l := range tr.Snapshot().Now {
		found = found || (l.Addr == "127.0.0.1:8001" && l.Inode == 5)
	}
	if !found {
		t.Error("the good row after the garbage was lost")
	}
}

func TestUnreadableTableKeepsListeners(t *testing.T) {
	root := fakeRoot(t)
	tr := New(Options{Root: root})
	ctx := context.Background()
	tr.Sample(ctx, time.Unix(1, 0))
	n := len(tr.Snapshot().Now)
	os.Remove(filepath.Join(root, "net", "tcp"))
	if err := tr.Sample(ctx, time.Unix(2, 0)); err == nil {
		t.Fatal("a missing tcp table gave no error")
	}
	s := tr.Snapshot()
	if len(s.Now) != n || s.Err == "" {
		t.Errorf("after a failed read: %d listeners (was %d), Err %q", len(s.Now), n, s.Err)
	}
}

func find(ls []facts.Listener, addr string) *facts.Listener {
	for i := range ls {
		if ls[i].Addr == addr {
			return &ls[i]
		}
	}
	return nil
}

func TestLiveOwnListeners(t *testing.T) {
	ln4, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln4.Close()
	ln6, err := net.Listen("tcp6", "[::1]:0")
	if err != nil {
		t.Fatalf("IPv6 loopback: %v", err)
	}
	defer ln6.Close()
	sock := filepath.Join(t.TempDir(), "app.sock")
	lnu, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer lnu.Close()

	tr := New(Options{})
	ctx := context.Background()
	if err := tr.Sample(ctx, time.Now()); err != nil {
		t.Fatalf("Sample: %v", err)
	}
	owned := tr.Owned()
	for _, addr := range []string{ln4.Addr().String(), ln6.Addr().String(), "unix:" + sock} {
		l := find(owned, addr)
		if l == nil {
			t.Errorf("%s not among the owned listeners: %+v", addr, owned)
			continue
		}
		p := l.Owner
		if p.PID != os.Getpid() || p.PPID != os.Getppid() || p.Comm != "procnet.test" {
			t.Errorf("%s owner %+v, want pid %d comm procnet.test", addr, p, os.Getpid())
		}
		if d := p.Start.Sub(loaded); d < -5*time.Second || d > time.Second {
			t.Errorf("%s owner started %v, this process about %v", addr, p.Start, loaded)
		}
		if len(p.Cmdline) == 0 || filepath.Base(p.Cmdline[0]) != filepath.Base(os.Args[0]) {
			t.Errorf("cmdline %q", p.Cmdline)
		}
	}
	for _, c := range tr.Snapshot().History {
		if c.Listener.Addr == ln4.Addr().String() && (c.Gone || c.Listener.Owner == nil || c.Listener.Owner.PID != os.Getpid()) {
			t.Errorf("appeared change without its owner: %+v", c)
		}
	}
	scans := tr.Scans()
	before := map[string]bool{}
	for _, l := range tr.Snapshot().Now {
		before[l.Addr] = true
	}
	addr4 := ln4.Addr().String()
	ln4.Close()
	if err := tr.Sample(ctx, time.Now()); err != nil {
		t.Fatal(err)
	}
	// The table is the host's: a listener another process (a test
	// package running beside this one) opened in between is a reason to
	// scan; closing ours is not.
	var appeared []string
	for _, l := range tr.Snapshot().Now {
		if !before[l.Addr] {
			appeared = append(appeared, l.Addr)
		}
	}
	if tr.Scans() != scans && len(appeared) == 0 {
		t.Error("closing a listener ran a scan")
	}
	var gone *facts.ListenerChange
	for _, c := range tr.Snapshot().History {
		if c.Gone && c.Listener.Addr == addr4 {
			gone = &c
		}
	}
	if gone == nil || gone.Exited || gone.Listener.Owner == nil || gone.Listener.Owner.PID != os.Getpid() {
		t.Errorf("closed listener: %+v", gone)
	}
	if find(tr.Snapshot().Now, addr4) != nil {
		t.Error("the closed listener is still listed")
	}
}

func TestLiveChildExits(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "-test.run=^$")
	cmd.Env = append(os.Environ(), "PROCNET_HELPER=listen")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatalf("child: %v", err)
	}
	addr := strings.TrimSpace(line)

	tr := New(Options{})
	ctx := context.Background()
	if err := tr.Sample(ctx, time.Now()); err != nil {
		t.Fatal(err)
	}
	l := find(tr.Owned(), addr)
	if l == nil || l.Owner.PID != cmd.Process.Pid || l.Owner.PPID != os.Getpid() || l.Owner.Comm != "procnet.test" {
		t.Fatalf("child's listener %s: %+v", addr, l)
	}
	cmd.Process.Kill()
	cmd.Wait()
	killed := time.Now()
	if err := tr.Sample(ctx, killed); err != nil {
		t.Fatal(err)
	}
	var gone *facts.ListenerChange
	for _, c := range tr.Snapshot().History {
		if c.Gone && c.Listener.Addr == addr {
			gone = &c
		}
	}
	if gone == nil || !gone.Exited || !gone.Time.Equal(killed) || gone.Listener.Owner.PID != cmd.Process.Pid ||
		gone.Listener.Owner.Comm != "procnet.test" {
		t.Errorf("killed child's listener: %+v", gone)
	}
}

func TestKmsgReaderFile(t *testing.T) {
	boot := time.Unix(1_800_000_000, 0)
	r := OpenKmsgAt("testdata/kmsg-oom.txt", boot)
	defer r.Close()
	kills, err := r.Read()
	if err != nil {
		t.Fatal(err)
	}
	if len(kills) != 3 {
		t.Fatalf("%d kills, want 3: %+v", len(kills), kills)
	}
	k := kills[0]
	if k.PID != 4242 || k.Comm != "gunicorn" || k.Cgroup != "/system.slice/payments.service" ||
		!k.Time.Equal(boot.Add(1034567960*time.Microsecond)) {
		t.Errorf("first kill %+v", k)
	}
	if kills[2].PID != 901 || kills[2].Cgroup != "" {
		t.Errorf("third kill %+v", kills[2])
	}
	if again, err := r.Read(); len(again) != 0 || err != nil {
		t.Errorf("second read: %+v %v", again, err)
	}
	if len(r.Kills()) != 3 {
		t.Errorf("Kills: %+v", r.Kills())
	}
	// Real records from this machine's /dev/kmsg, with dictionary lines:
	// no kill.
	r2 := OpenKmsgAt("testdata/kmsg-real-acpi.txt", boot)
	defer r2.Close()
	if kills, err := r2.Read(); len(kills) != 0 || err != nil {
		t.Errorf("real records: %+v %v", kills, err)
	}
}

func TestKmsgReaderUnreadable(t *testing.T) {
	r := OpenKmsgAt(filepath.Join(t.TempDir(), "kmsg"), time.Now())
	if _, err := r.Read(); err == nil {
		t.Fatal("a missing device gave no error")
	}
	if kills, err := r.Read(); kills != nil || err != nil {
		t.Errorf("second read after a failure: %v %v", kills, err)
	}
}

func TestKmsgReaderDevice(t *testing.T) {
	boot, err := BootTime()
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Since(boot); d <= 0 || d > 10*365*24*time.Hour {
		t.Fatalf("boot time %v", boot)
	}
	r := NewKmsgReader(boot)
	defer r.Close()
	start := time.Now()
	if _, err := r.Read(); err != nil {
		t.Fatalf("/dev/kmsg (the tests run as root): %v", err)
	}
	// The whole buffer is read once and the second read finds the end at
	// once (EAGAIN), not blocking.
	if _, err := r.Read(); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("reading the kernel log took %v", d)
	}
}

// TestLiveListenersBeforeConnections: the tracker stops reading a TCP
// table at its first row past the listeners (the kernel prints the
// listening hash first). On this kernel, with hundreds of connections open
// and a listener made after them, every listener (v4 and v6) is found.
func TestLiveListenersBeforeConnections(t *testing.T) {
	var lns []net.Listener
	listen := func(network, addr string) net.Listener {
		ln, err := net.Listen(network, addr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { ln.Close() })
		lns = append(lns, ln)
		return ln
	}
	for range 3 {
		ln := listen("tcp", "127.0.0.1:0")
		go func() {
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				t.Cleanup(func() { c.Close() })
			}
		}()
		for range 100 {
			c, err := net.Dial("tcp", ln.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { c.Close() })
		}
	}
	listen("tcp", "127.0.0.1:0")
	listen("tcp6", "[::1]:0")
	tr := New(Options{})
	if err := tr.Sample(context.Background(), time.Now()); err != nil {
		t.Fatal(err)
	}
	now := tr.Snapshot().Now
	for _, ln := range lns {
		found := false
		for _, l := range now {
			if l.Addr == ln.Addr().String() {
				found = true
			}
		}
		if !found {
			t.Errorf("listener %s not found among %d", ln.Addr(), len(now))
		}
	}
}

func TestPastListeners(t *testing.T) {
	for line, want := range map[string]bool{
		"   0: 0100007F:1F41 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1473863 1": false,
		"   1: 0100007F:1F41 0100007F:C350 03 00000000:00000000 00:00000000 00000000     0        0 0 1":       false,
		"   2: 0100007F:1F41 0100007F:C350 01 00000000:00000000 00:00000000 00000000     0        0 1473999 1": true,
		"   3: 0100007F:1F41 0100007F:C350 06 00000000:00000000 00:00000000 00000000     0        0 0 3":       true,
		"garbage": false,
	} {
		if got := pastListeners([]byte(line)); got != want {
			t.Errorf("pastListeners(%q) = %v", line, got)
		}
	}
}

// TestDiagMatchesTable: sock_diag lists the same listening sockets as
// /proc/net/tcp{,6} (address, port, inode), ours among them, and the
// tracker uses it on this host's own procfs.
func TestDiagMatchesTable(t *testing.T) {
	ln4 := listenTCP(t, "tcp", "127.0.0.1:0")
	ln6 := listenTCP(t, "tcp6", "[::1]:0")
	for _, c := range []struct {
		af    uint8
		table string
		ln    net.Listener
	}{{syscall.AF_INET, "tcp", ln4}, {syscall.AF_INET6, "tcp6", ln6}} {
		rows, err := diagListeners(c.af)
		if err != nil {
			t.Fatalf("sock_diag: %v", err)
		}
		diag := map[string]bool{}
		for _, r := range rows {
			diag[fmt.Sprintf("%s %d", r.addrPort(), r.inode)] = true
		}
		file := map[string]bool{}
		data, err := os.ReadFile("/proc/net/" + c.table)
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(string(data), "\n") {
			if r, listen, ok := parseTCPRow([]byte(line)); ok && listen {
				file[fmt.Sprintf("%s %d", r.addrPort(), r.inode)] = true
			}
		}
		if fmt.Sprint(diag) != fmt.Sprint(file) {
			t.Errorf("%s: sock_diag %v, table %v", c.table, diag, file)
		}
		found := false
		for k := range diag {
			found = found || strings.HasPrefix(k, c.ln.Addr().String()+" ")
		}
		if !found {
			t.Errorf("%s: our listener %s not in %v", c.table, c.ln.Addr(), diag)
		}
	}
	tr := New(Options{Root: "/proc"})
	if err := tr.Sample(context.Background(), time.Now()); err != nil {
		t.Fatal(err)
	}
	if tr.noDiag {
		t.Error("the tracker fell back to the tables on this host")
	}
}

func listenTCP(t *testing.T, network, addr string) net.Listener {
	t.Helper()
	ln, err := net.Listen(network, addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	return ln
}
