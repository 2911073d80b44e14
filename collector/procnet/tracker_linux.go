//go:build linux

package procnet

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/gwtop/gwtop/facts"
)

// clockTicks is USER_HZ, the unit of starttime in /proc/PID/stat. It is 100
// on every Linux architecture the kernel exports to user space
// (sysconf(_SC_CLK_TCK)); it is not read from the system.
const clockTicks = 100

// maxHolders caps the processes remembered as holding one socket (a
// prefork server's workers all hold the listener).
const maxHolders = 64

// The socket tables a listener comes from.
const (
	famTCP = iota
	famTCP6
	famUnix
	numFams
)

var tableNames = [numFams]string{"tcp", "tcp6", "unix"}

// entry is one known listener.
type entry struct {
	l          facts.Listener
	fam        int
	ownerStart uint64 // the owner's starttime in ticks: a reused pid has another
	seen       uint64 // the sample generation that last saw it
}

// nsSample is one reading of the TcpExt listen counters.
type nsSample struct {
	at              time.Time
	overflows, drop uint64
}

// Tracker follows the host's listening sockets and their owners. Sample
// re-reads the socket tables (cheap); the owner scan runs only when the
// set of listeners changed, or for a wanted address (see Want). A Tracker
// is safe for concurrent use.
type Tracker struct {
	mu  sync.Mutex
	opt Options
	br  *bufio.Reader

	gen      uint64
	byInode  map[uint64]*entry
	history  []facts.ListenerChange
	appeared []*entry             // in this sample, recorded after the gone ones
	wants    map[string]time.Time // address (canonAddr) → until when it is wanted
	wantAt   time.Time            // the last scan run for a want
	scans    int
	garbage  int
	at       time.Time
	err      string

	btime      int64 // boot time, seconds since the epoch; 0 until read
	ns         []nsSample
	overflows  uint64
	drops      uint64
	overflow1m uint64
	drops1m    uint64

	// noDiag is set once sock_diag failed: the socket tables are read.
	noDiag bool

	buf    []byte // small files, reused
	dirent []byte
	link   []byte
}

// New returns a Tracker that has seen nothing yet.
func New(opt Options) *Tracker {
	return &Tracker{
		opt:     opt.withDefaults(),
		br:      bufio.NewReaderSize(nil, 64<<10),
		byInode: make(map[uint64]*entry),
		wants:   make(map[string]time.Time),
		buf:     make([]byte, 4096),
		dirent:  make([]byte, 8192),
		link:    make([]byte, 256),
	}
}

// Want marks addr (as facts.Listener.Addr writes it) as failing at now:
// while it is wanted (Options.WantFor after the last call) and a listener
// on it has no known owner, or its owner has exited, Sample runs an owner
// scan at most every Options.WantEvery.
func (t *Tracker) Want(addr string, now time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.wants[canonAddr(addr)] = now.Add(t.opt.WantFor)
}

// Scans is how many owner scans have run: each reads every process's
// descriptors, so tests check that an unchanged table runs none.
func (t *Tracker) Scans() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.scans
}

// Garbage is how many rows of the socket tables did not parse (skipped).
func (t *Tracker) Garbage() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.garbage
}

// Sample re-reads the socket tables and the TcpExt counters at now,
// records the listeners that appeared or vanished, and runs the owner scan
// when a listener appeared or a wanted address needs one. An error says
// what could not be read; the rest of the sample is still kept.
func (t *Tracker) Sample(ctx context.Context, now time.Time) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.gen++
	t.at = now
	var errs []error
	var failed [numFams]bool
	appeared := false
	for fam := range numFams {
		n, err := t.readListeners(fam, now)
		if err != nil {
			if fam == famTCP6 && errors.Is(err, os.ErrNotExist) {
				continue // IPv6 disabled
			}
			failed[fam] = true
			errs = append(errs, err)
		}
		appeared = appeared || n > 0
	}
	// Vanished listeners, recorded before the ones that appeared in the
	// same sample (a restart reads as gone, then back). A table that could
	// not be read keeps its listeners: an unreadable file is not an empty
	// one.
	var gone []facts.ListenerChange
	for ino, e := range t.byInode {
		if e.seen == t.gen || failed[e.fam] {
			continue
		}
		delete(t.byInode, ino)
		gone = append(gone, facts.ListenerChange{Time: now, Listener: e.l, Gone: true,
			Exited: e.l.Owner != nil && t.exited(e.l.Owner.PID, e.ownerStart)})
	}
	slices.SortFunc(gone, func(a, b facts.ListenerChange) int { return cmp.Compare(a.Listener.Addr, b.Listener.Addr) })
	for _, c := range gone {
		t.addChange(c)
	}
	if err := t.scanIfNeeded(ctx, now, appeared); err != nil {
		errs = append(errs, err)
	}
	// The new listeners go in the history with the owners the scan found.
	slices.SortFunc(t.appeared, func(a, b *entry) int { return cmp.Compare(a.l.Addr, b.l.Addr) })
	for _, e := range t.appeared {
		t.addChange(facts.ListenerChange{Time: now, Listener: e.l})
	}
	clear(t.appeared)
	t.appeared = t.appeared[:0]
	if err := t.readNetstat(now); err != nil {
		errs = append(errs, err)
	}
	t.pruneHistory(now)
	err := errors.Join(errs...)
	t.err = ""
	if err != nil {
		t.err = strings.ReplaceAll(err.Error(), "\n", "; ")
	}
	return err
}

// readListeners reads one family's listeners: TCP over sock_diag on this
// host's own procfs (diag_linux.go), else — another procfs root, or
// sock_diag refused once — from the socket table.
func (t *Tracker) readListeners(fam int, now time.Time) (int, error) {
	if fam == famUnix || t.noDiag || t.opt.Root != "/proc" {
		return t.readTable(fam, now)
	}
	af := uint8(syscall.AF_INET)
	if fam == famTCP6 {
		af = syscall.AF_INET6
	}
	rows, err := diagListeners(af)
	if err != nil {
		t.noDiag = true
		return t.readTable(fam, now)
	}
	added := 0
	for _, r := range rows {
		if t.tcpListener(fam, r, now) {
			added++
		}
	}
	return added, nil
}

// readTable reads one socket table, updating known listeners and adding
// new ones; it returns how many appeared.
func (t *Tracker) readTable(fam int, now time.Time) (int, error) {
	f, err := os.Open(filepath.Join(t.opt.Root, "net", tableNames[fam]))
	if err != nil {
		return 0, err
	}
	defer func() {
		f.Close()
		t.br.Reset(nil) // do not keep the closed file reachable
	}()
	t.br.Reset(f)
	added := 0
	header := true
	for {
		line, err := t.br.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			// No real row is 64 KiB long: count it and drop the rest.
			t.garbage++
			for err == bufio.ErrBufferFull {
				_, err = t.br.ReadSlice('\n')
			}
			line = nil
		}
		if len(line) > 0 {
			if header {
				header = false
			} else if fam != famUnix && pastListeners(line) {
				// The listening sockets all came first: the rest of a
				// busy host's table (thousands of connections) is not
				// read at all.
				return added, nil
			} else if t.row(fam, line, now) {
				added++
			}
		}
		if err == io.EOF {
			return added, nil
		}
		if err != nil {
			return added, fmt.Errorf("reading %s: %w", f.Name(), err)
		}
	}
}

// row takes one table row; it reports whether a new listener appeared.
// A row that is not listening, or a listener already known, allocates
// nothing.
func (t *Tracker) row(fam int, line []byte, now time.Time) bool {
	if fam == famUnix {
		r, listen, ok := parseUnixRow(line)
		if !ok {
			t.garbage++
		}
		if !listen {
			return false
		}
		if e := t.byInode[r.inode]; e != nil {
			e.seen = t.gen
			return false
		}
		t.add(&entry{fam: fam, l: facts.Listener{Addr: "unix:" + string(r.path), Inode: r.inode, Since: now}})
		return true
	}
	r, listen, ok := parseTCPRow(line)
	if !ok {
		t.garbage++
	}
	if !listen {
		return false
	}
	return t.tcpListener(fam, r, now)
}

// tcpListener takes one listening TCP socket; it reports whether it is new.
func (t *Tracker) tcpListener(fam int, r tcpRow, now time.Time) bool {
	if e := t.byInode[r.inode]; e != nil && e.fam == fam {
		e.seen = t.gen
		e.l.AcceptQueue = int(r.rxQueue)
		return false
	}
	// For a LISTEN socket the kernel prints the accept queue's fill as
	// rx_queue; tx_queue is write_seq - snd_una, 0, not the backlog (ss
	// gets that over netlink), so Backlog stays 0.
	t.add(&entry{fam: fam, l: facts.Listener{Addr: r.addrPort().String(), Inode: r.inode,
		AcceptQueue: int(r.rxQueue), Since: now}})
	return true
}

func (t *Tracker) add(e *entry) {
	e.seen = t.gen
	t.byInode[e.l.Inode] = e
	t.appeared = append(t.appeared, e)
}

// addChange appends to the history, dropping the oldest past MaxHistory.
func (t *Tracker) addChange(c facts.ListenerChange) {
	if len(t.history) >= t.opt.MaxHistory {
		n := copy(t.history, t.history[len(t.history)-t.opt.MaxHistory+1:])
		clear(t.history[n:])
		t.history = t.history[:n]
	}
	t.history = append(t.history, c)
}

func (t *Tracker) pruneHistory(now time.Time) {
	cut := now.Add(-t.opt.HistoryAge)
	k := 0
	for k < len(t.history) && t.history[k].Time.Before(cut) {
		k++
	}
	if k > 0 {
		n := copy(t.history, t.history[k:])
		clear(t.history[n:])
		t.history = t.history[:n]
	}
}

// scanIfNeeded runs the owner scan for the listeners with no owner when
// one appeared, or when a wanted address's listener has no live owner and
// the last want scan is WantEvery old.
func (t *Tracker) scanIfNeeded(ctx context.Context, now time.Time, appeared bool) error {
	for a, until := range t.wants {
		if now.After(until) {
			delete(t.wants, a)
		}
	}
	want := false
	if len(t.wants) > 0 && (t.wantAt.IsZero() || now.Sub(t.wantAt) >= t.opt.WantEvery || now.Before(t.wantAt)) {
		for _, e := range t.byInode {
			if !t.wanted(e.l.Addr) {
				continue
			}
			if e.l.Owner != nil && t.exited(e.l.Owner.PID, e.ownerStart) {
				e.l.Owner = nil // the socket outlived its owner: find who holds it now
			}
			if e.l.Owner == nil {
				want = true
			}
		}
	}
	if !appeared && !want {
		return nil
	}
	if want {
		t.wantAt = now
	}
	need := make(map[uint64][]int)
	for ino, e := range t.byInode {
		if e.l.Owner == nil {
			need[ino] = nil
		}
	}
	if len(need) == 0 {
		return nil
	}
	t.scans++
	err := t.scanOwners(ctx, need)
	procs := make(map[int]*facts.Process)
	starts := make(map[int]uint64)
	for ino, pids := range need {
		if len(pids) == 0 {
			continue
		}
		p, start := t.pickOwner(pids, procs, starts)
		if p != nil {
			e := t.byInode[ino]
			e.l.Owner, e.ownerStart = p, start
		}
	}
	return err
}

// wanted reports whether a listener's address is wanted: one lookup, the
// wants being kept in canonAddr's form (comparing each with SameAddr
// parsed both sides for every listener, a thousand wants at every sample).
func (t *Tracker) wanted(addr string) bool {
	_, ok := t.wants[canonAddr(addr)]
	return ok
}

// scanOwners reads /proc/PID/fd of every process and records, for each
// inode in need, the pids holding it (at most maxHolders). A process's
// descriptors are read only until every needed inode has been found in
// it. Kernel threads have no descriptors: their fd directory is empty and
// costs one getdents, no readlink.
func (t *Tracker) scanOwners(ctx context.Context, need map[uint64][]int) error {
	d, err := os.Open(t.opt.Root)
	if err != nil {
		return fmt.Errorf("owner scan: %w", err)
	}
	names, err := d.Readdirnames(-1)
	d.Close()
	if err != nil {
		return fmt.Errorf("owner scan: %w", err)
	}
	for _, n := range names {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		pid := atoiBytes([]byte(n))
		if pid <= 0 {
			continue
		}
		t.scanProcess(pid, filepath.Join(t.opt.Root, n, "fd"), need)
	}
	return nil
}

func (t *Tracker) scanProcess(pid int, dir string, need map[uint64][]int) {
	fd, err := syscall.Open(dir, syscall.O_RDONLY|syscall.O_DIRECTORY|syscall.O_CLOEXEC, 0)
	if err != nil {
		return // exited, or another user's process
	}
	defer syscall.Close(fd)
	found := 0
	path := make([]byte, 0, len(dir)+12)
	path = append(append(path, dir...), '/')
	for {
		n, err := syscall.ReadDirent(fd, t.dirent)
		if err == syscall.EINTR {
			continue
		}
		if err != nil || n <= 0 {
			return
		}
		buf := t.dirent[:n]
		for len(buf) > 0 {
			// struct linux_dirent64: ino u64, off s64, reclen u16, type u8, name.
			if len(buf) < 19 {
				return
			}
			reclen := int(buf[16]) | int(buf[17])<<8
			if reclen < 19 || reclen > len(buf) {
				return
			}
			name := buf[19:reclen]
			if z := bytes.IndexByte(name, 0); z >= 0 {
				name = name[:z]
			}
			buf = buf[reclen:]
			if len(name) == 0 || name[0] == '.' {
				continue
			}
			ino, ok := t.socketInode(append(path, name...))
			if !ok {
				continue
			}
			pids, wanted := need[ino]
			if !wanted {
				continue
			}
			if len(pids) < maxHolders && (len(pids) == 0 || pids[len(pids)-1] != pid) {
				need[ino] = append(pids, pid)
				found++
			}
			if found == len(need) {
				return // everything wanted is in this process
			}
		}
	}
}

// socketInode reads the link at path and parses "socket:[INODE]".
func (t *Tracker) socketInode(path []byte) (uint64, bool) {
	n, err := syscall.Readlink(string(path), t.link)
	if err != nil || n <= 0 {
		return 0, false
	}
	l := t.link[:n]
	rest, ok := bytes.CutPrefix(l, []byte("socket:["))
	if !ok || len(rest) < 2 || rest[len(rest)-1] != ']' {
		return 0, false
	}
	return decUint(rest[:len(rest)-1])
}

// pickOwner chooses among the processes holding one socket: pid 1 (systemd
// holding a socket-activated listener for its service) only when nothing
// else holds it, else the smallest pid, which for a prefork server (one
// comm, a master and its workers) is the master; PPID names its parent.
func (t *Tracker) pickOwner(pids []int, procs map[int]*facts.Process, starts map[int]uint64) (*facts.Process, uint64) {
	slices.Sort(pids)
	if len(pids) > 1 && pids[0] == 1 {
		pids = pids[1:]
	}
	for _, pid := range pids {
		if p, ok := procs[pid]; ok {
			return p, starts[pid]
		}
		p, start, ok := t.readProcess(pid)
		if !ok {
			continue // exited since the scan
		}
		procs[pid], starts[pid] = p, start
		return p, start
	}
	return nil, 0
}

// readProcess fills a facts.Process from /proc/PID/{stat,cmdline,cgroup}.
func (t *Tracker) readProcess(pid int) (*facts.Process, uint64, bool) {
	dir := filepath.Join(t.opt.Root, strconv.Itoa(pid))
	b, err := t.read(filepath.Join(dir, "stat"))
	if err != nil {
		return nil, 0, false
	}
	st, ok := parseStat(b)
	if !ok {
		return nil, 0, false
	}
	p := &facts.Process{PID: pid, PPID: st.ppid, Comm: st.comm}
	if bt := t.bootTime(); bt > 0 {
		p.Start = time.Unix(bt, 0).Add(time.Duration(st.start) * (time.Second / clockTicks))
	}
	if b, err := t.read(filepath.Join(dir, "cmdline")); err == nil {
		p.Cmdline = splitCmdline(b)
	}
	if b, err := t.read(filepath.Join(dir, "cgroup")); err == nil {
		p.Unit, p.Container = parseCgroup(b)
	}
	return p, st.start, true
}

// exited reports whether pid no longer runs the process that started at
// start: it is gone, or the pid was reused.
func (t *Tracker) exited(pid int, start uint64) bool {
	b, err := t.read(filepath.Join(t.opt.Root, strconv.Itoa(pid), "stat"))
	if err != nil {
		return true
	}
	st, ok := parseStat(b)
	if !ok {
		return true
	}
	// A zombie still has its stat until its parent reaps it; it no longer
	// holds anything, so it counts as exited.
	if z := bytes.LastIndexByte(b, ')'); z >= 0 && len(b) > z+2 && b[z+2] == 'Z' {
		return true
	}
	return st.start != start
}

func (t *Tracker) bootTime() int64 {
	if t.btime == 0 {
		if b, err := t.read(filepath.Join(t.opt.Root, "stat")); err == nil {
			t.btime, _ = parseBtime(b)
		}
	}
	return t.btime
}

// readNetstat reads the TcpExt listen counters and their growth over the
// last minute.
func (t *Tracker) readNetstat(now time.Time) error {
	b, err := t.read(filepath.Join(t.opt.Root, "net", "netstat"))
	if err != nil {
		return err
	}
	ov, dr, ok := parseNetstat(b)
	if !ok {
		return fmt.Errorf("%s: no TcpExt ListenOverflows/ListenDrops", filepath.Join(t.opt.Root, "net", "netstat"))
	}
	t.overflows, t.drops = ov, dr
	// Keep the samples of the last minute and one before it, the base the
	// growth is measured from.
	if len(t.ns) > 0 && now.Before(t.ns[len(t.ns)-1].at) {
		t.ns = t.ns[:0] // the clock went back
	}
	t.ns = append(t.ns, nsSample{at: now, overflows: ov, drop: dr})
	cut := now.Add(-time.Minute)
	k := 0
	for k+1 < len(t.ns) && !t.ns[k+1].at.After(cut) {
		k++
	}
	if len(t.ns)-k > 1024 {
		k = len(t.ns) - 1024
	}
	t.ns = t.ns[:copy(t.ns, t.ns[k:])]
	base := t.ns[0]
	t.overflow1m, t.drops1m = 0, 0
	if ov >= base.overflows {
		t.overflow1m = ov - base.overflows
	}
	if dr >= base.drop {
		t.drops1m = dr - base.drop
	}
	return nil
}

// read fills t.buf with a whole small file, growing it when needed (up to
// 1 MiB).
func (t *Tracker) read(path string) ([]byte, error) {
	fd, err := syscall.Open(path, syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	defer syscall.Close(fd)
	n := 0
	for {
		if n == len(t.buf) {
			if len(t.buf) >= 1<<20 {
				return t.buf[:n], nil
			}
			t.buf = append(t.buf, make([]byte, len(t.buf))...)
		}
		m, err := syscall.Read(fd, t.buf[n:])
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return nil, err
		}
		if m == 0 {
			return t.buf[:n], nil
		}
		n += m
	}
}

// Snapshot returns the listeners of the last Sample, sorted by address,
// with the history (oldest first) and the listen counters. It is a copy:
// the caller may keep it; the Process values it points to are never
// changed.
func (t *Tracker) Snapshot() facts.Listeners {
	t.mu.Lock()
	defer t.mu.Unlock()
	s := facts.Listeners{
		Time:              t.at,
		Now:               t.listeners(false),
		History:           slices.Clone(t.history),
		ListenOverflows:   t.overflows,
		ListenDrops:       t.drops,
		ListenOverflows1m: t.overflow1m,
		ListenDrops1m:     t.drops1m,
		Err:               t.err,
	}
	return s
}

// Owned returns the listeners whose owner the last scan found, sorted by
// address: the app servers that listen on the host, for telling a port
// no gateway points at.
func (t *Tracker) Owned() []facts.Listener {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.listeners(true)
}

func (t *Tracker) listeners(ownedOnly bool) []facts.Listener {
	out := make([]facts.Listener, 0, len(t.byInode))
	for _, e := range t.byInode {
		if ownedOnly && e.l.Owner == nil {
			continue
		}
		out = append(out, e.l)
	}
	slices.SortFunc(out, func(a, b facts.Listener) int {
		return cmp.Or(cmp.Compare(a.Addr, b.Addr), cmp.Compare(a.Inode, b.Inode))
	})
	return out
}
