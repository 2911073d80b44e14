// Package host samples the gateway host's own load: CPU (in total and per
// core), memory, swap, load average, TCP sockets by state and the gateway's
// own processes (CPU, memory, file descriptors against their limit). A
// gateway that returns 502s because the box itself is out of CPU, memory,
// ports or file descriptors looks, from the upstream side, like a failing
// upstream; these figures tell the two apart.
//
// CPU, memory and load come from gopsutil. On Linux the TCP table is read
// straight from /proc/net/tcp{,6} (see tcpstates_linux.go), which is much
// cheaper than gopsutil's connection listing, and the processes straight
// from /proc/PID (procs_linux.go), a few syscalls per process per sample.
package host

import (
	"context"
	"fmt"
	"maps"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gwtop/gwtop/model"
	"github.com/shirou/gopsutil/v4/cpu"
	"github.com/shirou/gopsutil/v4/load"
	"github.com/shirou/gopsutil/v4/mem"
)

// Sampler takes Host samples. CPU usage is measured between consecutive
// calls, so keep one Sampler and call Sample periodically. A Sampler is safe
// for concurrent use, though concurrent calls shorten each other's CPU
// interval.
type Sampler struct {
	mu       sync.Mutex
	prevCPU  cpu.TimesStat
	havePrev bool
	prevCPUs []cpu.TimesStat // per core, same order as the kernel's

	procs *procWatch

	tcp tcpCounter
	// The TCP table is the costly read on a busy gateway (the kernel
	// formats every socket): it is refreshed at most every tcpEvery, and
	// never more often than 100 times its own cost, so it stays under 1 %
	// of a core however many sockets there are. Between reads the last
	// counts are reported.
	tcpAt     time.Time
	tcpCost   time.Duration
	tcpStates map[string]int
	now       func() time.Time
}

// tcpEvery is the shortest interval between two reads of the TCP table
// (reading it walks every bucket of the kernel's connection hash, however
// few sockets there are); TIME_WAIT is read from /proc/net/sockstat in
// between.
const tcpEvery = time.Minute

// NewSampler returns a Sampler. Its first Sample reports the CPU usage
// averaged since boot; later ones report the usage since the previous call.
func NewSampler() *Sampler {
	return &Sampler{tcp: newTCPCounter(), procs: newProcWatch(procRoot()), now: time.Now}
}

// WatchProcesses makes every later Sample report the processes whose
// command name (the kernel's comm: nginx, haproxy, caddy, traefik, envoy,
// apache2, httpd) is one of names, replacing any earlier list; no names
// stops it. Processes are searched for at most every 5 s, and the ones
// found are read on every Sample. Only Linux has the /proc this needs.
func (s *Sampler) WatchProcesses(names ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.procs.watch(names)
}

// procRoot is where procfs is mounted: HOST_PROC, as gopsutil honours it,
// for a gwtop running in a container that watches its host.
func procRoot() string {
	if p := os.Getenv("HOST_PROC"); p != "" {
		return p
	}
	return "/proc"
}

// Sample returns the host's current figures. It does not block to measure
// CPU: the percentage covers the time since the previous Sample (since boot
// for the first). A figure that cannot be read is left zero and its error is
// added to Host.Error ("; "-separated); the others are still filled in.
func (s *Sampler) Sample(ctx context.Context) model.Host {
	s.mu.Lock()
	defer s.mu.Unlock()

	var h model.Host
	var errs []string
	// try keeps one failing source (or a panic deep inside a platform
	// probe) from costing us the other figures.
	try := func(what string, f func() error) {
		defer func() {
			if p := recover(); p != nil {
				errs = append(errs, fmt.Sprintf("%s: panic: %v", what, p))
			}
		}()
		if err := f(); err != nil {
			errs = append(errs, fmt.Sprintf("%s: %v", what, err))
		}
	}

	try("cpu", func() error {
		// One read of /proc/stat gives every core; the total is their sum,
		// so the two never disagree.
		ts, err := cpu.TimesWithContext(ctx, true)
		if err != nil {
			return err
		}
		if len(ts) == 0 {
			return fmt.Errorf("no cpu times")
		}
		total := sumTimes(ts)
		if s.havePrev {
			h.CPUPercent = busyPercent(s.prevCPU, total)
		} else {
			h.CPUPercent = busyPercent(cpu.TimesStat{}, total)
		}
		// A core brought on- or offline changes the list: start its
		// deltas again rather than compare different cores.
		if len(s.prevCPUs) != len(ts) {
			s.prevCPUs = make([]cpu.TimesStat, len(ts))
		}
		h.CPUs = make([]float64, len(ts))
		for i := range ts {
			h.CPUs[i] = busyPercent(s.prevCPUs[i], ts[i])
			s.prevCPUs[i] = ts[i]
		}
		s.prevCPU, s.havePrev = total, true
		return nil
	})
	try("mem", func() error {
		vm, err := mem.VirtualMemoryWithContext(ctx)
		if err != nil {
			return err
		}
		h.MemPercent = percent(vm.Used, vm.Total)
		h.MemUsedBytes, h.MemTotalBytes = vm.Used, vm.Total
		return nil
	})
	try("swap", func() error {
		sw, err := mem.SwapMemoryWithContext(ctx)
		if err != nil {
			return err
		}
		h.SwapPercent = percent(sw.Used, sw.Total) // 0 on a host without swap
		h.SwapUsedBytes, h.SwapTotalBytes = sw.Used, sw.Total
		return nil
	})
	try("load", func() error {
		la, err := load.AvgWithContext(ctx)
		if err != nil {
			return err
		}
		h.Load1, h.Load5, h.Load15 = la.Load1, la.Load5, la.Load15
		return nil
	})
	try("tcp", func() error {
		now := s.now()
		if s.tcpStates != nil && now.Sub(s.tcpAt) < max(tcpEvery, 100*s.tcpCost) {
			h.TCPStates = s.tcpStates
			// TIME_WAIT, the count that runs a gateway out of ports,
			// stays current between reads: /proc/net/sockstat says it in
			// one line, whatever the number of sockets.
			if tw, ok := s.tcp.timeWait(); ok && tw != s.tcpStates["TIME_WAIT"] {
				m := maps.Clone(s.tcpStates)
				m["TIME_WAIT"] = tw
				h.TCPStates = m
			}
			return nil
		}
		states, err := s.tcp.count(ctx)
		s.tcpAt, s.tcpCost = now, s.now().Sub(now)
		if len(states) > 0 {
			s.tcpStates = states // what was read before an error is still true
		}
		h.TCPStates = s.tcpStates
		return err
	})

	try("ports", func() error {
		n, err := s.tcp.ephemeralPorts()
		h.EphemeralPorts = n
		return err
	})

	try("processes", func() error {
		var err error
		h.Processes, h.ProcessesOmitted, err = s.procs.sample(s.now())
		return err
	})

	h.Error = strings.Join(errs, "; ")
	return h
}

// parsePortRange reads ip_local_port_range ("32768\t60999\n") as a count.
func parsePortRange(s string) (int, error) {
	f := strings.Fields(s)
	if len(f) != 2 {
		return 0, fmt.Errorf("ip_local_port_range: want two numbers, got %q", s)
	}
	lo, err1 := strconv.Atoi(f[0])
	hi, err2 := strconv.Atoi(f[1])
	if err1 != nil || err2 != nil || hi < lo || lo < 0 || hi > 65535 {
		return 0, fmt.Errorf("ip_local_port_range: want two numbers low to high, got %q", s)
	}
	return hi - lo + 1, nil
}

// busyPercent is the share of CPU time spent busy between two readings of
// the aggregate counters, 0..100. With a zero prev it is the average since
// boot.
func busyPercent(prev, cur cpu.TimesStat) float64 {
	pTotal, pBusy := split(prev)
	cTotal, cBusy := split(cur)
	dTotal, dBusy := cTotal-pTotal, cBusy-pBusy
	// Counters that did not move or went backwards (no time passed, a
	// counter reset after a VM migration or CPU hotplug) give no figure.
	if dTotal <= 0 || dBusy < 0 {
		return 0
	}
	return min(100, max(0, dBusy/dTotal*100))
}

// sumTimes adds the per-core counters into the machine's.
func sumTimes(ts []cpu.TimesStat) cpu.TimesStat {
	var t cpu.TimesStat
	for i := range ts {
		c := &ts[i]
		t.User += c.User
		t.System += c.System
		t.Idle += c.Idle
		t.Nice += c.Nice
		t.Iowait += c.Iowait
		t.Irq += c.Irq
		t.Softirq += c.Softirq
		t.Steal += c.Steal
		t.Guest += c.Guest
		t.GuestNice += c.GuestNice
	}
	return t
}

// split returns total and busy time. Guest time is already counted in user
// and nice on Linux, so it is taken out of the total to avoid counting it
// twice (other systems report it as 0). Idle and iowait are not busy.
func split(t cpu.TimesStat) (total, busy float64) {
	total = t.User + t.System + t.Idle + t.Nice + t.Iowait + t.Irq + t.Softirq + t.Steal
	busy = total - t.Idle - t.Iowait
	return total, busy
}

func percent(used, total uint64) float64 {
	if total == 0 {
		return 0
	}
	return min(100, float64(used)/float64(total)*100)
}
