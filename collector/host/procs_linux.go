//go:build linux

package host

import (
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"github.com/gwtop/gwtop/model"
)

// procScanEvery is how often the process list is searched for watched
// names. Listing /proc opens one stat file per process on the box; between
// scans only the processes already found are read.
const procScanEvery = 5 * time.Second

// procFullScanEvery is how often a scan reads every process's stat file
// again. The scans between read only the processes that are new since the
// last one: a process's command name changes only when it execs, so one
// that exec'd into a watched name under the same pid (a container's
// entrypoint script that ends in `exec nginx`) is found within a minute,
// while the workers it forks, new pids, are found within procScanEvery.
// On a host of 500 processes a full scan is ~500 opens and reads, about
// 5 ms: every 5 s that was 0.1 % of a core for an idle gwtop.
const procFullScanEvery = time.Minute

// clockTicks is USER_HZ, the unit of utime and stime in /proc/PID/stat. It
// is 100 on every Linux architecture the kernel exports to user space.
const clockTicks = 100

// procWatch follows the gateway's processes by name.
type procWatch struct {
	root     string
	names    map[string]bool
	max      int
	pageSize uint64
	// countBySize: on procfs since Linux 6.2, stat of /proc/PID/fd reports
	// the number of open descriptors as its size, which costs one syscall
	// instead of reading a directory of possibly 100k entries.
	countBySize bool

	scanned bool
	scanAt  time.Time
	fullAt  time.Time
	// others is the pids the last scan found under other names: the
	// scans between full ones do not read them again.
	others  map[int]bool
	procs   []procEntry
	omitted int
	buf     []byte // stat and limits text, reused
	dirent  []byte // getdents buffer, reused
}

func newProcWatch(root string) *procWatch {
	return &procWatch{
		root: root, max: maxProcesses, pageSize: uint64(os.Getpagesize()),
		countBySize: fdCountBySize(root),
		buf:         make([]byte, 4096), dirent: make([]byte, 8192),
	}
}

// fdCountBySize checks that root is procfs and that its fd directories
// report their entry count as size (a kernel before 6.2 says 0).
func fdCountBySize(root string) bool {
	const procSuperMagic = 0x9fa0
	var fs syscall.Statfs_t
	if err := syscall.Statfs(root, &fs); err != nil || fs.Type != procSuperMagic {
		return false
	}
	var st syscall.Stat_t
	if err := syscall.Stat(filepath.Join(root, "self", "fd"), &st); err != nil {
		return false
	}
	return st.Size > 0 // this process has at least stdin..stderr open
}

// watch replaces the watched names; the next sample scans at once.
func (w *procWatch) watch(names []string) {
	w.names = make(map[string]bool, len(names))
	for _, n := range names {
		if n != "" {
			w.names[n] = true
		}
	}
	w.scanned = false
	w.procs, w.omitted, w.others = nil, 0, nil
}

// scan lists /proc for processes whose command name is watched, keeping
// the CPU counters of the ones it already knew.
func (w *procWatch) scan(now time.Time) error {
	full := w.others == nil || now.Sub(w.fullAt) >= procFullScanEvery || now.Before(w.fullAt)
	w.scanAt, w.scanned = now, true
	if full {
		w.fullAt = now
	}
	d, err := os.Open(w.root)
	if err != nil {
		return err
	}
	names, err := d.Readdirnames(-1)
	d.Close()
	if err != nil {
		return err
	}
	known := make(map[int]*procEntry, len(w.procs))
	for i := range w.procs {
		known[w.procs[i].pid] = &w.procs[i]
	}
	var found []procEntry
	others := make(map[int]bool, len(names))
	for _, n := range names {
		pid, err := strconv.Atoi(n)
		if err != nil || pid <= 0 {
			continue
		}
		if !full && w.others[pid] && known[pid] == nil {
			others[pid] = true
			continue
		}
		statPath := filepath.Join(w.root, n, "stat")
		b, err := w.read(statPath)
		if err != nil {
			continue // exited since the listing
		}
		st, err := parseStat(b)
		if err != nil {
			continue
		}
		if !w.names[string(st.name)] {
			others[pid] = true
			continue
		}
		e := procEntry{pid: pid, ppid: st.ppid, name: string(st.name), start: st.start,
			statPath: statPath, fdPath: filepath.Join(w.root, n, "fd")}
		if old, ok := known[pid]; ok && old.start == st.start {
			e.prevTicks, e.prevAt, e.havePrev = old.prevTicks, old.prevAt, old.havePrev
		}
		found = append(found, e)
	}
	assignRoles(found)
	w.omitted = max(0, len(found)-w.max)
	found = found[:min(len(found), w.max)]
	// Limits change only through prlimit or a restart: read once per scan.
	for i := range found {
		if b, err := w.read(filepath.Join(w.root, strconv.Itoa(found[i].pid), "limits")); err == nil {
			found[i].fdLimit, _ = parseLimitsOpenFiles(string(b))
		}
	}
	w.procs, w.others = found, others
	return nil
}

// sample reads each known process's counters. A process that exited (or
// whose pid now belongs to another program) is dropped until the next scan
// finds what replaced it.
func (w *procWatch) sample(now time.Time) ([]model.Process, int, error) {
	if len(w.names) == 0 {
		return nil, 0, nil
	}
	var scanErr error
	if !w.scanned || now.Sub(w.scanAt) >= procScanEvery || now.Before(w.scanAt) {
		scanErr = w.scan(now)
	}
	out := make([]model.Process, 0, len(w.procs))
	keep := w.procs[:0]
	at := now.UnixNano()
	for _, e := range w.procs {
		b, err := w.read(e.statPath)
		if err != nil {
			continue
		}
		st, err := parseStat(b)
		if err != nil || st.start != e.start {
			continue
		}
		p := model.Process{PID: e.pid, PPID: st.ppid, Name: e.name, Role: e.role,
			RSSBytes: st.rssPages * w.pageSize, FDLimit: e.fdLimit, FDs: w.countFDs(e.fdPath)}
		if e.havePrev && at > e.prevAt && st.ticks >= e.prevTicks {
			secs := float64(at-e.prevAt) / 1e9
			p.CPUPercent = float64(st.ticks-e.prevTicks) / clockTicks / secs * 100
		}
		e.prevTicks, e.prevAt, e.havePrev = st.ticks, at, true
		keep = append(keep, e)
		out = append(out, p)
	}
	w.procs = keep
	return out, w.omitted, scanErr
}

// read fills w.buf with a whole small file, growing it when needed.
func (w *procWatch) read(path string) ([]byte, error) {
	fd, err := syscall.Open(path, syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	defer syscall.Close(fd)
	n := 0
	for {
		if n == len(w.buf) {
			w.buf = append(w.buf, make([]byte, len(w.buf))...)
		}
		m, err := syscall.Read(fd, w.buf[n:])
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return nil, err
		}
		if m == 0 {
			return w.buf[:n], nil
		}
		n += m
	}
}

// countFDs is the number of open descriptors, or 0 when the directory
// cannot be read (another user's process without CAP_SYS_PTRACE). The
// size also counts a descriptor reserved by an open() still in progress,
// which the listing does not show yet; both count against the limit.
func (w *procWatch) countFDs(dir string) int {
	if w.countBySize {
		var st syscall.Stat_t
		if err := syscall.Stat(dir, &st); err != nil {
			return 0
		}
		return int(st.Size)
	}
	fd, err := syscall.Open(dir, syscall.O_RDONLY|syscall.O_DIRECTORY|syscall.O_CLOEXEC, 0)
	if err != nil {
		return 0
	}
	defer syscall.Close(fd)
	count := 0
	for {
		n, err := syscall.ReadDirent(fd, w.dirent)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return 0
		}
		if n <= 0 {
			return count
		}
		count += countDirents(w.dirent[:n])
	}
}

// countDirents counts the linux_dirent64 records in b, without "." and
// "..": ino u64, off u64, reclen u16, type u8, then the name.
func countDirents(b []byte) int {
	count := 0
	for len(b) >= 19 {
		reclen := int(b[16]) | int(b[17])<<8
		if reclen < 19 || reclen > len(b) {
			break
		}
		name := b[19:reclen]
		dot := len(name) >= 3 && name[0] == '.' && (name[1] == 0 || name[1] == '.' && name[2] == 0)
		if !dot {
			count++
		}
		b = b[reclen:]
	}
	return count
}
