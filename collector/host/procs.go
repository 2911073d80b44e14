package host

import (
	"bytes"
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/gwtop/gwtop/model"
)

// maxProcesses caps how many gateway processes a sample reports: an Apache
// prefork box can run hundreds of identical workers, and the operator needs
// the master and a screenful, not every one. The rest are counted.
const maxProcesses = 64

// procEntry is one process found by a scan: what stays true for its life.
type procEntry struct {
	pid, ppid int
	name      string
	role      string
	start     uint64 // starttime from stat: a reused pid has another one
	fdLimit   int
	statPath  string // built once per scan so a sample allocates no paths
	fdPath    string

	prevTicks uint64 // utime+stime at the previous sample
	prevAt    int64  // when, in ns (Sampler clock)
	havePrev  bool
}

// procStat is the part of /proc/PID/stat the sampler uses. name points
// into the read buffer: a sample, which already knows the name, copies
// nothing.
type procStat struct {
	name     []byte
	ppid     int
	ticks    uint64 // utime + stime, in clock ticks
	start    uint64
	rssPages uint64
}

// parseStat reads /proc/PID/stat. The command name is in parentheses and
// may itself hold spaces and ')', so fields are counted from the last ')'.
func parseStat(b []byte) (procStat, error) {
	var st procStat
	open := bytes.IndexByte(b, '(')
	close := bytes.LastIndexByte(b, ')')
	if open < 0 || close < open {
		return st, fmt.Errorf("stat: no command name in %q", truncate(b))
	}
	st.name = b[open+1 : close]
	// Fields after the name, 0-based: 0 state, 1 ppid, 11 utime, 12 stime,
	// 19 starttime, 21 rss (proc(5) numbers them 3, 4, 14, 15, 22, 24).
	rest := b[close+1:]
	field := 0
	var utime, stime uint64
	complete := false
	for i := 0; i < len(rest) && field <= 21; {
		for i < len(rest) && rest[i] == ' ' {
			i++
		}
		j := i
		for j < len(rest) && rest[j] != ' ' && rest[j] != '\n' {
			j++
		}
		if j == i {
			break
		}
		tok := rest[i:j]
		switch field {
		case 1:
			st.ppid = int(atou(tok))
		case 11:
			utime = atou(tok)
		case 12:
			stime = atou(tok)
		case 19:
			st.start = atou(tok)
		case 21:
			st.rssPages = atou(tok)
			complete = true
		}
		field++
		i = j
	}
	if !complete {
		return st, fmt.Errorf("stat: too few fields in %q", truncate(b))
	}
	st.ticks = utime + stime
	return st, nil
}

// parseLimitsOpenFiles finds the soft "Max open files" limit in the text of
// /proc/PID/limits; 0 for unlimited.
func parseLimitsOpenFiles(text string) (int, error) {
	const key = "Max open files"
	for line := range strings.Lines(text) {
		rest, ok := strings.CutPrefix(line, key)
		if !ok {
			continue
		}
		f := strings.Fields(rest)
		if len(f) < 2 {
			return 0, fmt.Errorf("limits: short line %q", strings.TrimSpace(line))
		}
		if f[0] == "unlimited" {
			return 0, nil
		}
		n, err := strconv.Atoi(f[0])
		if err != nil {
			return 0, fmt.Errorf("limits: soft limit %q: %w", f[0], err)
		}
		return n, nil
	}
	return 0, fmt.Errorf("limits: no %q line", key)
}

// assignRoles marks each found process master or worker and puts them in
// the order the host pane lists them: each master followed by its workers,
// masters by pid.
func assignRoles(found []procEntry) {
	byPID := make(map[int]*procEntry, len(found))
	for i := range found {
		byPID[found[i].pid] = &found[i]
	}
	for i := range found {
		p := &found[i]
		p.role = model.RoleMaster
		if parent, ok := byPID[p.ppid]; ok && parent.name == p.name {
			p.role = model.RoleWorker
		}
	}
	group := func(p *procEntry) int {
		if p.role == model.RoleWorker {
			return p.ppid
		}
		return p.pid
	}
	slices.SortFunc(found, func(a, b procEntry) int {
		if c := cmp.Compare(group(&a), group(&b)); c != 0 {
			return c
		}
		if a.role != b.role {
			if a.role == model.RoleMaster {
				return -1
			}
			return 1
		}
		return cmp.Compare(a.pid, b.pid)
	})
}

func atou(b []byte) uint64 {
	var n uint64
	for _, c := range b {
		if c < '0' || c > '9' {
			return n
		}
		n = n*10 + uint64(c-'0')
	}
	return n
}

func truncate(b []byte) string {
	if len(b) > 64 {
		b = b[:64]
	}
	return string(b)
}
