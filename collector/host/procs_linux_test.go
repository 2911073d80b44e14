package host

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/gwtop/gwtop/model"
)

var nameSeq atomic.Int32

// gatewayName is a command name no other process on the machine has: a
// symlink to /bin/sh under it makes the kernel name the process after the
// link, as nginx is named after its binary.
func gatewayName(t testing.TB) (name, sh string) {
	t.Helper()
	// The kernel keeps 15 bytes of a command name: "gwt" + pid + a
	// counter fits, and is unique across test binaries run at once.
	name = fmt.Sprintf("gwt%d_%d", os.Getpid()%10_000_000, nameSeq.Add(1))
	sh = filepath.Join(t.TempDir(), name)
	if err := os.Symlink("/bin/sh", sh); err != nil {
		t.Fatal(err)
	}
	return name, sh
}

// start runs script under sh (named as the gateway) and kills its process
// group at the end of the test.
func start(t testing.TB, sh, script string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(sh, "-c", script)
	cmd.SysProcAttr = procGroup()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = killGroup(cmd)
		_ = cmd.Wait()
	})
	return cmd
}

// waitProcs samples until want processes are seen (children take a moment
// to start), advancing the sampler's clock past the scan interval.
func waitProcs(t testing.TB, s *Sampler, clock *time.Time, want int) model.Host {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		*clock = clock.Add(procScanEvery)
		h := s.Sample(context.Background())
		if len(h.Processes)+h.ProcessesOmitted == want || time.Now().After(deadline) {
			return h
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// waitFiles waits until every path exists.
func waitFiles(t testing.TB, paths ...string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for _, p := range paths {
		for {
			if _, err := os.Stat(p); err == nil {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s never appeared", p)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
}

// block keeps a shell alive without starting any program: exec'ing one
// would change its command name, and forking one (sleep) would show a
// short-lived copy of the shell as one more worker. Reading a FIFO no one
// writes to blocks in the shell itself; it is opened read-write, which
// does not block, because a shell blocked in open() holds a reserved
// descriptor that the fd directory does not list yet.
func block(t testing.TB) string {
	t.Helper()
	fifo := filepath.Join(t.TempDir(), "never")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	return `exec 9<>` + fifo + `; read x <&9`
}

func TestWatchProcessesMasterWorkersFDs(t *testing.T) {
	name, sh := gatewayName(t)
	loop := block(t)
	// A master with two workers; one worker has a soft fd limit of 123 and
	// five more files open than its twin.
	// Each worker says when it is set up, so the sample does not catch one
	// between fork and exec, still the master's copy.
	dir := t.TempDir()
	worker1 := `: > ` + dir + `/1; ` + loop
	worker2 := `ulimit -n 123; exec 3</dev/null 4</dev/null 5</dev/null 6</dev/null 7</dev/null; : > ` + dir + `/2; ` + loop
	master := start(t, sh, fmt.Sprintf(`%s -c '%s' & %s -c '%s' & wait`, sh, worker1, sh, worker2))
	waitFiles(t, filepath.Join(dir, "1"), filepath.Join(dir, "2"))

	clock := time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC)
	s := NewSampler()
	s.now = func() time.Time { return clock }
	s.WatchProcesses(name)
	h := s.Sample(context.Background())
	if len(h.Processes) != 3 || h.ProcessesOmitted != 0 {
		t.Fatalf("want master and 2 workers, got %+v (omitted %d, error %q)", h.Processes, h.ProcessesOmitted, h.Error)
	}
	m := h.Processes[0]
	if m.PID != master.Process.Pid || m.Role != model.RoleMaster || m.Name != name || m.PPID != os.Getpid() {
		t.Fatalf("first should be the master %d: %+v", master.Process.Pid, m)
	}
	// The shell holds a few descriptors of its own (dash keeps one for
	// background jobs), so the limited worker is compared with its twin.
	var limited, plain *model.Process
	for i := range h.Processes[1:] {
		p := &h.Processes[1+i]
		if p.Role != model.RoleWorker || p.PPID != m.PID || p.RSSBytes == 0 {
			t.Errorf("worker: %+v", p)
		}
		if p.FDLimit == 123 {
			limited = p
		} else {
			plain = p
		}
	}
	if limited == nil || plain == nil {
		t.Fatalf("one worker should have the limit 123: %+v", h.Processes)
	}
	if plain.FDLimit != m.FDLimit || m.FDLimit <= 0 {
		t.Errorf("the other worker should inherit the master's limit %d: %+v", m.FDLimit, plain)
	}
	if plain.FDs < 3 || limited.FDs != plain.FDs+5 {
		t.Errorf("FDs: plain worker %d (want >= 3), worker with 5 files open %d (want %d)", plain.FDs, limited.FDs, plain.FDs+5)
	}
	wantFDs := limited.FDs
	// The same count through the directory listing (kernels before 6.2,
	// or a HOST_PROC that is not procfs).
	s.procs.countBySize = false
	for _, p := range s.Sample(context.Background()).Processes {
		if p.FDLimit == 123 && p.FDs != wantFDs {
			t.Errorf("getdents count: FDs = %d, want %d", p.FDs, wantFDs)
		}
	}
}

func TestWatchProcessesCPUAndExit(t *testing.T) {
	name, sh := gatewayName(t)
	loop := block(t)
	busy := start(t, sh, `while :; do :; done`)
	idle := start(t, sh, loop)

	clock := time.Now()
	s := NewSampler()
	s.now = func() time.Time { return clock }
	s.WatchProcesses(name)
	waitProcs(t, s, &clock, 2)
	// Wait until the busy loop has really run (the machine may be busy
	// with other work), moving the sampler's clock with real time.
	ticks := func() uint64 {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", busy.Process.Pid))
		if err != nil {
			t.Fatal(err)
		}
		st, err := parseStat(b)
		if err != nil {
			t.Fatal(err)
		}
		return st.ticks
	}
	from, began := ticks(), time.Now()
	for ticks() < from+5 && time.Since(began) < 10*time.Second {
		time.Sleep(20 * time.Millisecond)
	}
	clock = clock.Add(time.Since(began))
	h := s.Sample(context.Background())
	cpu := map[int]float64{}
	for _, p := range h.Processes {
		cpu[p.PID] = p.CPUPercent
	}
	if cpu[busy.Process.Pid] <= 0 || cpu[busy.Process.Pid] <= cpu[idle.Process.Pid] || cpu[idle.Process.Pid] > 5 {
		t.Errorf("CPU %% busy %.1f idle %.1f: want busy > idle, idle about 0", cpu[busy.Process.Pid], cpu[idle.Process.Pid])
	}
	// An exited process leaves at the next sample, not at the next scan.
	_ = killGroup(idle)
	_, _ = idle.Process.Wait()
	clock = clock.Add(time.Second)
	h = s.Sample(context.Background())
	if len(h.Processes) != 1 || h.Processes[0].PID != busy.Process.Pid {
		t.Errorf("after the idle one exited: %+v", h.Processes)
	}
}

func TestWatchProcessesScanIsThrottledAndCapped(t *testing.T) {
	name, sh := gatewayName(t)
	loop := block(t)
	start(t, sh, loop)
	clock := time.Now()
	s := NewSampler()
	s.now = func() time.Time { return clock }
	s.WatchProcesses(name)
	waitProcs(t, s, &clock, 1)

	// A process started now is found only by the next scan, 5 s later.
	start(t, sh, loop)
	start(t, sh, loop)
	time.Sleep(100 * time.Millisecond)
	clock = clock.Add(time.Second)
	if h := s.Sample(context.Background()); len(h.Processes) != 1 {
		t.Fatalf("scanned again within %v: %d processes", procScanEvery, len(h.Processes))
	}
	s.procs.max = 2
	h := waitProcs(t, s, &clock, 3)
	if len(h.Processes) != 2 || h.ProcessesOmitted != 1 {
		t.Fatalf("cap 2 of 3: %d shown, %d omitted", len(h.Processes), h.ProcessesOmitted)
	}
	s.WatchProcesses()
	if h := s.Sample(context.Background()); h.Processes != nil || h.ProcessesOmitted != 0 {
		t.Fatalf("no names should watch nothing: %+v", h.Processes)
	}
}

// TestUnreadableFDsAreUnknown: a process whose fd directory cannot be
// read (another user's, from an unprivileged gwtop) has unknown fds, and
// that is no error. The tests run as root, so a recorded procfs tree with
// no fd directory stands in for the permission error.
func TestUnreadableFDsAreUnknown(t *testing.T) {
	root := t.TempDir()
	writeFixture(t, filepath.Join(root, "812", "stat"),
		"812 (nginx) S 1 812 812 0 -1 4194624 1939 0 0 0 150 25 0 0 20 0 1 0 987654 116117504 3178 18446744073709551615 1 1 0 0\n")
	b, err := os.ReadFile("testdata/limits")
	if err != nil {
		t.Fatal(err)
	}
	writeFixture(t, filepath.Join(root, "812", "limits"), string(b))
	writeFixture(t, filepath.Join(root, "self", "stat"), "not a process")
	w := newProcWatch(root)
	if w.countBySize {
		t.Fatal("a plain directory is not procfs: fd counts must come from listing")
	}
	w.watch([]string{"nginx"})
	ps, omitted, err := w.sample(time.Now())
	if err != nil || omitted != 0 || len(ps) != 1 {
		t.Fatalf("got %+v %d %v", ps, omitted, err)
	}
	p := ps[0]
	if p.PID != 812 || p.FDs != 0 || p.FDLimit != 20000 || p.Role != model.RoleMaster || p.RSSBytes != 3178*uint64(os.Getpagesize()) {
		t.Fatalf("process %+v", p)
	}
	if p.FDShare() != 0 {
		t.Fatal("unknown fds must not read as a share of the limit")
	}
	// A readable fd directory with entries is counted.
	for _, fd := range []string{"0", "1", "2", "7"} {
		writeFixture(t, filepath.Join(root, "812", "fd", fd), "")
	}
	w.scanned = false
	if ps, _, _ := w.sample(time.Now()); len(ps) != 1 || ps[0].FDs != 4 {
		t.Fatalf("listed fds: %+v", ps)
	}
}

// TestProcessCPUPercent: utime+stime grew by 150 ticks (1.5 s of CPU) in
// 2 s of wall time: 75 % of one core. A first sample has no interval yet.
func TestProcessCPUPercent(t *testing.T) {
	root := t.TempDir()
	stat := func(utime, stime int) {
		writeFixture(t, filepath.Join(root, "900", "stat"), fmt.Sprintf(
			"900 (envoy) S 1 900 900 0 -1 4194624 1939 0 0 0 %d %d 0 0 20 0 1 0 5555 116117504 100 18446744073709551615\n", utime, stime))
	}
	stat(100, 50)
	w := newProcWatch(root)
	w.watch([]string{"envoy"})
	at := time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC)
	if ps, _, _ := w.sample(at); len(ps) != 1 || ps[0].CPUPercent != 0 {
		t.Fatalf("first sample: %+v", ps)
	}
	stat(200, 100)
	ps, _, _ := w.sample(at.Add(2 * time.Second))
	if len(ps) != 1 || ps[0].CPUPercent != 75 {
		t.Fatalf("second sample: %+v", ps)
	}
	// A pid reused by another process (another start time) is dropped.
	writeFixture(t, filepath.Join(root, "900", "stat"),
		"900 (envoy) S 1 900 900 0 -1 4194624 1939 0 0 0 1 1 0 0 20 0 1 0 7777 116117504 100 18446744073709551615\n")
	if ps, _, _ := w.sample(at.Add(3 * time.Second)); len(ps) != 0 {
		t.Fatalf("a reused pid must not be reported as the old process: %+v", ps)
	}
}

// BenchmarkSampleProcesses is one process sample with 20 watched processes,
// the scan excluded (it runs at most every 5 s).
func BenchmarkSampleProcesses(b *testing.B) {
	name, sh := gatewayName(b)
	loop := block(b)
	var script strings.Builder
	for range 19 {
		fmt.Fprintf(&script, "%s -c '%s' & ", sh, loop)
	}
	script.WriteString("wait")
	start(b, sh, script.String())
	w := newProcWatch(procRoot())
	w.watch([]string{name})
	deadline := time.Now().Add(5 * time.Second)
	for len(w.procs) != 20 && time.Now().Before(deadline) {
		_ = w.scan(time.Now())
		time.Sleep(10 * time.Millisecond)
	}
	if len(w.procs) != 20 {
		b.Fatalf("found %d processes, want 20", len(w.procs))
	}
	now := time.Now()
	b.ReportAllocs()
	for b.Loop() {
		now = now.Add(time.Millisecond) // never due for a scan
		w.scanAt = now
		if ps, _, _ := w.sample(now); len(ps) != 20 {
			b.Fatalf("sampled %d", len(ps))
		}
	}
}

// BenchmarkScanProcesses is the every-5-s search of /proc.
func BenchmarkScanProcesses(b *testing.B) {
	w := newProcWatch(procRoot())
	w.watch([]string{"nginx", "haproxy", "caddy", "traefik", "envoy", "apache2", "httpd"})
	b.ReportAllocs()
	for b.Loop() {
		if err := w.scan(time.Now()); err != nil {
			b.Fatal(err)
		}
	}
}

// TestProcScanReadsNewPidsBetweenFullScans: a scan between full ones reads
// only the pids it has not seen (a new worker is found 5 s later), not the
// ones it saw under other names; a full scan, a minute after the last,
// reads every one again, and finds a process that exec'd into a watched
// name under its old pid.
func TestProcScanReadsNewPidsBetweenFullScans(t *testing.T) {
	root := t.TempDir()
	stat := func(pid int, name string) {
		writeFixture(t, filepath.Join(root, strconv.Itoa(pid), "stat"),
			fmt.Sprintf("%d (%s) S 1 %d %d 0 -1 4194624 1939 0 0 0 150 25 0 0 20 0 1 0 %d 116117504 3178 18446744073709551615 1 1 0 0\n", pid, name, pid, pid, 1000+pid))
	}
	stat(100, "entrypoint.sh")
	stat(200, "nginx")
	w := newProcWatch(root)
	w.watch([]string{"nginx"})
	pids := func(now time.Time) []int {
		t.Helper()
		ps, _, err := w.sample(now)
		if err != nil {
			t.Fatal(err)
		}
		var out []int
		for _, p := range ps {
			out = append(out, p.PID)
		}
		slices.Sort(out)
		return out
	}
	now := time.Now()
	if got := pids(now); !slices.Equal(got, []int{200}) {
		t.Fatalf("first scan: %v", got)
	}
	stat(100, "nginx") // exec'd: the same pid, a watched name
	stat(300, "nginx") // a new worker
	now = now.Add(procScanEvery)
	if got := pids(now); !slices.Equal(got, []int{200, 300}) {
		t.Fatalf("a scan between full ones: %v, want the new pid 300 and not the known 100", got)
	}
	now = now.Add(procScanEvery)
	if got := pids(now); !slices.Equal(got, []int{200, 300}) {
		t.Fatalf("the next scan between full ones: %v", got)
	}
	now = now.Add(procFullScanEvery)
	if got := pids(now); !slices.Equal(got, []int{100, 200, 300}) {
		t.Fatalf("a full scan: %v, want 100 found under its new name", got)
	}
	// A process gone from /proc is dropped by the next scan of any kind.
	if err := os.RemoveAll(filepath.Join(root, "300")); err != nil {
		t.Fatal(err)
	}
	now = now.Add(procScanEvery)
	if got := pids(now); !slices.Equal(got, []int{100, 200}) {
		t.Fatalf("after 300 exited: %v", got)
	}
	// Watching other names starts again from a full scan.
	stat(400, "haproxy")
	w.watch([]string{"haproxy", "nginx"})
	if got := pids(now.Add(time.Second)); !slices.Equal(got, []int{100, 200, 400}) {
		t.Fatalf("after watching haproxy too: %v", got)
	}
}

// BenchmarkProcScan is one scan of this host's /proc for a watched name:
// "full" reads every process's stat, "between" (the scans between full
// ones) only the pids that are new.
func BenchmarkProcScan(b *testing.B) {
	for _, c := range []struct {
		name string
		full bool
	}{{"full", true}, {"between", false}} {
		b.Run(c.name, func(b *testing.B) {
			w := newProcWatch("/proc")
			w.watch([]string{"nginx"})
			now := time.Now()
			if err := w.scan(now); err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				now = now.Add(procScanEvery)
				if c.full {
					w.fullAt = now.Add(-procFullScanEvery)
				}
				if err := w.scan(now); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
