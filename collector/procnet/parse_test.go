package procnet

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gwtop/gwtop/facts"
)

func TestParseTCPRowListen(t *testing.T) {
	// Rows from testdata/proc/net/tcp and tcp6, recorded on this machine.
	cases := []struct {
		line       string
		addr       string
		rx, tx     uint32
		inode      uint64
		listen, ok bool
	}{
		{"   1: 0200007F:2328 00000000:0000 0A 00000000:00000002 00:00000000 00000000     0        0 1473868 3 00000000531dcdb0 100 0 0 10 0\n",
			"127.0.0.2:9000", 2, 0, 1473868, true, true},
		{"   0: 00000000:07E8 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1592 1 000000007d66d4cf 100 0 0 10 0\n",
			"0.0.0.0:2024", 0, 0, 1592, true, true},
		{"   1: 00000000000000000000000001000000:1F41 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1473864 1 00000000c7f92019 100 0 0 10 0\n",
			"[::1]:8001", 0, 0, 1473864, true, true},
		{"   2: 0000000000000000FFFF00000100007F:1F42 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1473866 1 0000000038124610 100 0 0 10 0\n",
			"[::ffff:127.0.0.1]:8002", 0, 0, 1473866, true, true},
		{"   0: 00000000000000000000000000000000:20FB 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1473865 1 000000009f80f3b5 100 0 0 10 0\n",
			"[::]:8443", 0, 0, 1473865, true, true},
	}
	for _, c := range cases {
		r, listen, ok := parseTCPRow([]byte(c.line))
		if listen != c.listen || ok != c.ok {
			t.Fatalf("%q: listen %v ok %v", c.line, listen, ok)
		}
		if got := r.addrPort().String(); got != c.addr {
			t.Errorf("addr %q, want %q", got, c.addr)
		}
		if r.rxQueue != c.rx || r.txQueue != c.tx || r.inode != c.inode {
			t.Errorf("%s: rx %d tx %d inode %d", c.addr, r.rxQueue, r.txQueue, r.inode)
		}
	}
}

func TestParseTCPRowNotListen(t *testing.T) {
	for _, line := range []string{
		"   5: 0100007F:9682 0100007F:1F41 01 00000000:00000000 00:00000000 00000000     0        0 1472305 1 00000000a26115ad 20 0 0 10 -1\n",
		"   7: 020200C0:ABE6 507100CB:0050 06 00000000:00000000 03:000012E6 00000000     0        0 0 3 000000002a27ccde\n",
	} {
		if _, listen, ok := parseTCPRow([]byte(line)); listen || !ok {
			t.Errorf("%q: listen %v ok %v, want false true", line, listen, ok)
		}
	}
	for _, line := range []string{
		"  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n",
		"", "garbage", "   0: 0100007F 00000000:0000 0A", "   0: 0100007F:1F41 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 notanumber",
		"   0: 0100007F:1F41 00000000:0000 0A 00000000:00000000", "   0: 01007F:1F41 00000000:0000 0A 0:0 0 0 0 0 1",
		"   0: 0100007F:1F41F 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 1",
	} {
		if _, listen, ok := parseTCPRow([]byte(line)); listen || ok {
			t.Errorf("%q: listen %v ok %v, want false false", line, listen, ok)
		}
	}
}

func TestParseUnixRow(t *testing.T) {
	r, listen, ok := parseUnixRow([]byte("0000000085b9de44: 00000002 00000000 00010000 0001 01 1472309 /tmp/pnrec/app.sock\n"))
	if !listen || !ok || r.inode != 1472309 || string(r.path) != "/tmp/pnrec/app.sock" {
		t.Errorf("listening row: %+v %v %v", r, listen, ok)
	}
	r, listen, ok = parseUnixRow([]byte("000000006938f44f: 00000002 00000000 00010000 0001 01 1472310 @gwtop-abstract\n"))
	if !listen || !ok || string(r.path) != "@gwtop-abstract" {
		t.Errorf("abstract row: %+v %v %v", r, listen, ok)
	}
	// A connected socket (St 03, no ACCEPTCON), and one with a path with a space.
	if _, listen, ok := parseUnixRow([]byte("00000000c28bccae: 00000003 00000000 00000000 0001 03 1472312\n")); listen || !ok {
		t.Errorf("connected row: listen %v ok %v", listen, ok)
	}
	r, listen, _ = parseUnixRow([]byte("0000000085b9de44: 00000002 00000000 00010000 0001 01 9 /run/my app.sock\n"))
	if !listen || string(r.path) != "/run/my app.sock" {
		t.Errorf("path with a space: %q", r.path)
	}
	for _, line := range []string{"Num       RefCount Protocol Flags    Type St Inode Path\n", "x: y", ""} {
		if _, listen, ok := parseUnixRow([]byte(line)); listen || ok {
			t.Errorf("%q: listen %v ok %v", line, listen, ok)
		}
	}
}

func TestParseNetstatFixture(t *testing.T) {
	b, err := os.ReadFile("testdata/proc/net/netstat")
	if err != nil {
		t.Fatal(err)
	}
	ov, dr, ok := parseNetstat(b)
	if !ok || ov != 1225 || dr != 1225 {
		t.Errorf("got %d %d %v, want 1225 1225 true", ov, dr, ok)
	}
	if _, _, ok := parseNetstat([]byte("TcpExt: A ListenOverflows\nTcpExt: 1\n")); ok {
		t.Error("a values line shorter than its names parsed")
	}
	if _, _, ok := parseNetstat([]byte("IpExt: A\nIpExt: 1\n")); ok {
		t.Error("no TcpExt parsed")
	}
}

func TestParseStatFixture(t *testing.T) {
	b, err := os.ReadFile("testdata/stat-python3")
	if err != nil {
		t.Fatal(err)
	}
	st, ok := parseStat(b)
	if !ok || st.comm != "python3" || st.ppid != 1 || st.start != 796804 {
		t.Errorf("got %+v %v", st, ok)
	}
	st, ok = parseStat([]byte("12 (a) b) (c) S 7 12 12 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 4242 0 0"))
	if !ok || st.comm != "a) b) (c" || st.ppid != 7 || st.start != 4242 {
		t.Errorf("comm with parentheses: %+v %v", st, ok)
	}
	if _, ok := parseStat([]byte("12 (a) S 7")); ok {
		t.Error("a short stat parsed")
	}
}

func TestParseCgroup(t *testing.T) {
	b, err := os.ReadFile("testdata/cgroup-v1-sandbox")
	if err != nil {
		t.Fatal(err)
	}
	if u, c := parseCgroup(b); u != "" || c != "" {
		t.Errorf("this machine's cgroup: unit %q container %q, want none", u, c)
	}
	// Paths as systemd (systemd.unit(5), user@.service), Docker and runc
	// (cgroupfs and systemd drivers), Podman and the kubelet name them.
	cases := []struct{ in, unit, container string }{
		{"0::/system.slice/payments.service\n", "payments.service", ""},
		{"0::/system.slice/payments.service/worker\n", "payments.service", ""},
		{"0::/user.slice/user-0.slice/user@0.service/app.slice/api.service\n", "api.service", ""},
		{"0::/user.slice/user-1000.slice/session-2.scope\n", "session-2.scope", ""},
		{"12:memory:/system.slice/x.service\n1:name=systemd:/system.slice/nginx.service\n0::/\n", "nginx.service", ""},
		{"0::/system.slice/docker-3f2a9c1e0b7d4a5f6e8d9c0b1a2f3e4d5c6b7a8f9e0d1c2b3a4f5e6d7c8b9a0f.scope\n", "",
			"docker-3f2a9c1e0b7d4a5f6e8d9c0b1a2f3e4d5c6b7a8f9e0d1c2b3a4f5e6d7c8b9a0f"},
		{"4:memory:/docker/3f2a9c1e0b7d4a5f\n1:name=systemd:/docker/3f2a9c1e0b7d4a5f\n", "", "docker-3f2a9c1e0b7d4a5f"},
		{"0::/machine.slice/libpod-0123456789abcdef.scope/container\n", "", "libpod-0123456789abcdef"},
		{"0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod1d2c.slice/cri-containerd-0123456789abcdef.scope\n", "",
			"cri-containerd-0123456789abcdef"},
		{"0::/kubepods/burstable/pod1d2c3b4a-0000-1111-2222-333344445555/0123456789abcdef\n", "", "0123456789abcdef"},
		{"0::/\n", "", ""},
		{"garbage\n::\n0:", "", ""},
	}
	for _, c := range cases {
		u, ctr := parseCgroup([]byte(c.in))
		if u != c.unit || ctr != c.container {
			t.Errorf("%q: unit %q container %q, want %q %q", c.in, u, ctr, c.unit, c.container)
		}
	}
}

func TestAddrHelpers(t *testing.T) {
	if !SameAddr("127.0.0.1:8002", "[::ffff:127.0.0.1]:8002") || SameAddr("127.0.0.1:8002", "127.0.0.1:8003") ||
		SameAddr("127.0.0.1:8001", "[::1]:8001") || !SameAddr("unix:/a", "unix:/a") || SameAddr("unix:/a", "unix:/b") {
		t.Error("SameAddr")
	}
	if NormalAddr("[::ffff:127.0.0.1]:8002") != "127.0.0.1:8002" || NormalAddr("[::1]:80") != "[::1]:80" || NormalAddr("unix:/x") != "unix:/x" {
		t.Error("NormalAddr")
	}
}

func TestParseKmsgRecords(t *testing.T) {
	boot := time.Date(2026, 3, 3, 8, 0, 0, 0, time.UTC)
	k, ok := ParseKmsg([]byte("3,5122,1034567960,-;Memory cgroup out of memory: Killed process 4242 (gunicorn) total-vm:512000kB, anon-rss:262144kB, file-rss:1024kB, shmem-rss:0kB, UID:33 pgtables:1024kB oom_score_adj:0\n"), boot)
	if !ok || k.PID != 4242 || k.Comm != "gunicorn" || k.Cgroup != "" ||
		!k.Time.Equal(boot.Add(1034567960*time.Microsecond)) || !strings.HasPrefix(k.Line, "Memory cgroup out of memory: Killed process 4242") {
		t.Errorf("killed: %+v %v", k, ok)
	}
	k, ok = ParseKmsg([]byte("6,5121,1034567950,-;oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=/,mems_allowed=0,oom_memcg=/system.slice/payments.service,task_memcg=/system.slice/payments.service,task=gunicorn,pid=4242,uid=33"), boot)
	if !ok || k.PID != 4242 || k.Comm != "gunicorn" || k.Cgroup != "/system.slice/payments.service" {
		t.Errorf("summary: %+v %v", k, ok)
	}
	// Older kernels printed pid=%5d.
	k, ok = ParseKmsg([]byte("6,1,2,-;oom-kill:constraint=CONSTRAINT_NONE,nodemask=(null),cpuset=/,mems_allowed=0,global_oom,task_memcg=/,task=app,pid=  777,uid= 1000"), boot)
	if !ok || k.PID != 777 || k.Comm != "app" || k.Cgroup != "/" {
		t.Errorf("padded pid: %+v %v", k, ok)
	}
	for _, line := range []string{
		" SUBSYSTEM=acpi",
		"6,5123,1034570000,-;oom_reaper: reaped process 4242 (gunicorn), now anon-rss:0kB, file-rss:0kB, shmem-rss:0kB",
		"4,5120,1034567890,-;gunicorn invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=0",
		"6,1,2,-;my app: Killed process 5 (x) total-vm:1kB", // not a reason the kernel uses
		"6,1,2,-;Out of memory: Killed process x (y)",
		"6,1,2,-;Out of memory: Killed process 5 ()",
		"6,1,2,-;oom-kill:constraint=CONSTRAINT_NONE,pid=5",
		"", ";", "[", "<3>",
	} {
		if k, ok := ParseKmsg([]byte(line), boot); ok {
			t.Errorf("%q parsed: %+v", line, k)
		}
	}
}

func TestParseKmsgDmesg(t *testing.T) {
	boot := time.Date(2026, 3, 3, 8, 0, 0, 0, time.UTC)
	f, err := os.Open("testdata/dmesg-oom.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	type want struct {
		pid      int
		comm, cg string
		at       time.Duration // -1: no time
	}
	wants := []want{
		{4242, "gunicorn", "/system.slice/payments.service", 1034567950 * time.Microsecond},
		{4242, "gunicorn", "", 1034567960 * time.Microsecond},
		{777, "my worker)", "", 2100000010 * time.Microsecond},
		{901, "php-fpm8.2", "", -1},
	}
	sc := bufio.NewScanner(f)
	n := 0
	for sc.Scan() {
		k, ok := ParseKmsg(sc.Bytes(), boot)
		if !ok {
			t.Fatalf("line %d did not parse: %s", n+1, sc.Text())
		}
		w := wants[n]
		wt := boot.Add(w.at)
		if w.at < 0 {
			wt = time.Time{}
		}
		if k.PID != w.pid || k.Comm != w.comm || k.Cgroup != w.cg || !k.Time.Equal(wt) {
			t.Errorf("line %d: %+v, want %+v", n+1, k, w)
		}
		n++
	}
	if n != len(wants) {
		t.Errorf("%d lines, want %d", n, len(wants))
	}
	k, _ := ParseKmsg([]byte("Mar  3 08:25:43 gw kernel: Out of memory: Killed process 901 (php-fpm8.2) total-vm:1kB"), boot)
	if !strings.HasPrefix(k.Line, "Out of memory: Killed") {
		t.Errorf("syslog prefix kept in Line: %q", k.Line)
	}
}

func TestKillRingMergesAndBounds(t *testing.T) {
	var r killRing
	boot := time.Unix(1000, 0)
	b, err := os.ReadFile(filepath.Join("testdata", "kmsg-oom.txt"))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for line := range bytes.Lines(b) {
		k, kind := parseKmsg(line, boot)
		if kill, ok := r.take(k, kind); ok {
			got = append(got, kill.Comm+"|"+kill.Cgroup)
		}
	}
	want := []string{"gunicorn|/system.slice/payments.service", "my worker)|/user.slice/user-1000.slice/session-2.scope", "php-fpm8.2|"}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("kills %q, want %q", got, want)
	}
	for i := range 200 {
		r.take(kmsgKillAt(i+1), kmsgKilled)
	}
	if len(r.kills) != maxKills || r.kills[0].PID != 200-maxKills+1 || r.kills[maxKills-1].PID != 200 {
		t.Errorf("ring: %d kills, first %d last %d", len(r.kills), r.kills[0].PID, r.kills[len(r.kills)-1].PID)
	}
}

func kmsgKillAt(pid int) (k facts.OOMKill) { k.PID = pid; return k }

// canonAddr gives two addresses the same form exactly when SameAddr
// calls them the same.
func TestCanonAddrAgreesWithSameAddr(t *testing.T) {
	addrs := []string{"127.0.0.1:80", "[::ffff:127.0.0.1]:80", "127.0.0.1:81", "[::1]:80", "[0:0::1]:80",
		"[fe80::1%eth0]:80", "ghost.invalid:80", "ghost.invalid:80", "10.0.0.1:080", "10.0.0.1:80", "", "unix:/run/x.sock"}
	for _, a := range addrs {
		for _, b := range addrs {
			if got, want := canonAddr(a) == canonAddr(b), SameAddr(a, b); got != want {
				t.Errorf("%q, %q: same form %v, SameAddr %v", a, b, got, want)
			}
		}
	}
}
