package host

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gwtop/gwtop/model"
)

// gatewayName is a command name no other process on the machine has: a
// symlink to /bin/sh under it makes the kernel name the process after the
// link, as nginx is named after its binary.
func gatewayName(t testing.TB) (name, sh string) {
	t.Helper()
	name = fmt.Sprintf("gwt%d", os.Getpid()%1_000_000)
	if len(t.Name())%2 == 1 { // two tests in one process must not share a name
		name += "x"
	}
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

// loop keeps a shell alive without exec'ing into another program, which
// would change its command name.
const loop = `while :; do sleep 1; done`

func TestWatchProcessesMasterWorkersFDs(t *testing.T) {
	name, sh := gatewayName(t)
	// A master with two workers; one worker has a soft fd limit of 123 and
	// five more files open than its twin.
	worker2 := `ulimit -n 123; exec 3</dev/null 4</dev/null 5</dev/null 6</dev/null 7</dev/null; ` + loop
	master := start(t, sh, fmt.Sprintf(`%s -c '%s' & %s -c '%s' & wait`, sh, loop, sh, worker2))

	clock := time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC)
	s := NewSampler()
	s.now = func() time.Time { return clock }
	s.WatchProcesses(name)
	h := waitProcs(t, s, &clock, 3)
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
	busy := start(t, sh, `while :; do :; done`)
	idle := start(t, sh, loop)

	clock := time.Now()
	s := NewSampler()
	s.now = func() time.Time { return clock }
	s.WatchProcesses(name)
	waitProcs(t, s, &clock, 2)
	// Real time must pass for the busy loop to burn CPU; the sampler's
	// clock moves by the same amount.
	time.Sleep(300 * time.Millisecond)
	clock = clock.Add(300 * time.Millisecond)
	h := s.Sample(context.Background())
	cpu := map[int]float64{}
	for _, p := range h.Processes {
		cpu[p.PID] = p.CPUPercent
	}
	if cpu[busy.Process.Pid] < 30 || cpu[idle.Process.Pid] > 10 {
		t.Errorf("CPU %% busy %.0f (want >= 30) idle %.0f (want <= 10)", cpu[busy.Process.Pid], cpu[idle.Process.Pid])
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

// BenchmarkSampleProcesses is one process sample with 20 watched processes,
// the scan excluded (it runs at most every 5 s).
func BenchmarkSampleProcesses(b *testing.B) {
	name, sh := gatewayName(b)
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
