package procnet

import (
	"bytes"
	"time"

	"github.com/gwtop/gwtop/facts"
)

// maxKills is how many OOM kills a KmsgReader keeps.
const maxKills = 64

// maxLine caps the text kept of one kernel message.
const maxLine = 512

// The kinds of kernel line ParseKmsg recognises.
const (
	kmsgNone    = iota
	kmsgKilled  // "<reason>: Killed process PID (COMM) total-vm:…"
	kmsgSummary // "oom-kill:constraint=…,task_memcg=…,task=COMM,pid=PID,uid=UID"
)

// ParseKmsg reads one kernel log line for an OOM kill. It takes /dev/kmsg
// records ("PRIORITY,SEQ,TIMESTAMP_US,FLAGS;MESSAGE"; the dictionary lines
// that follow one, starting with a space, are skipped) and dmesg-style
// lines ("[ 1234.567890] MESSAGE", with or without a "<PRIORITY>" before
// it, or a syslog line with the message somewhere in it). The time is boot
// plus the record's timestamp; zero when the line has none.
//
// It knows the two lines mm/oom_kill.c prints for a kill:
//
//	Out of memory: Killed process 4242 (gunicorn) total-vm:…kB, anon-rss:…kB, file-rss:…kB, shmem-rss:…kB, UID:33 pgtables:…kB oom_score_adj:0
//	Memory cgroup out of memory: Killed process 4242 (gunicorn) total-vm:…
//	oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=/,mems_allowed=0,oom_memcg=/system.slice/x.service,task_memcg=/system.slice/x.service,task=gunicorn,pid=4242,uid=33
//
// The second kind (dump_oom_summary) comes just before the first and is
// the one with the memory cgroup (Cgroup); both return true. KmsgReader
// merges the pair into one kill.
func ParseKmsg(line []byte, boot time.Time) (facts.OOMKill, bool) {
	k, kind := parseKmsg(line, boot)
	return k, kind != kmsgNone
}

func parseKmsg(line []byte, boot time.Time) (facts.OOMKill, int) {
	var k facts.OOMKill
	line = bytes.TrimRight(line, "\r\n")
	if len(line) == 0 || line[0] == ' ' {
		return k, kmsgNone
	}
	msg, ts, hasTS := kmsgMessage(line)
	if hasTS && !boot.IsZero() {
		k.Time = boot.Add(ts)
	}
	kind := kmsgNone
	if i := bytes.Index(msg, []byte("oom-kill:constraint=")); i >= 0 {
		msg = msg[i:]
		p := bytes.LastIndex(msg, []byte(",pid="))
		if p < 0 {
			return k, kmsgNone
		}
		pidText := msg[p+5:]
		if c := bytes.IndexByte(pidText, ','); c >= 0 {
			pidText = pidText[:c]
		}
		k.PID = atoiBytes(bytes.TrimSpace(pidText))
		t := bytes.LastIndex(msg[:p], []byte(",task="))
		if t < 0 || k.PID <= 0 || p == t+6 {
			return facts.OOMKill{}, kmsgNone
		}
		k.Comm = string(msg[t+6 : p])
		if m := bytes.LastIndex(msg[:t], []byte(",task_memcg=")); m >= 0 {
			k.Cgroup = string(msg[m+12 : t])
		}
		kind = kmsgSummary
	} else if i := bytes.Index(msg, []byte(": Killed process ")); i >= 0 && killReason(msg[:i]) {
		rest := msg[i+len(": Killed process "):]
		sp := bytes.IndexByte(rest, ' ')
		if sp < 0 {
			return k, kmsgNone
		}
		k.PID = atoiBytes(rest[:sp])
		rest = rest[sp+1:]
		if k.PID <= 0 || len(rest) < 2 || rest[0] != '(' {
			return facts.OOMKill{}, kmsgNone
		}
		// The comm may hold spaces and ')': it ends at ") total-vm:" on
		// every kernel since 3.x, else at the last ')'.
		end := bytes.Index(rest, []byte(") total-vm:"))
		if end < 0 {
			end = bytes.LastIndexByte(rest, ')')
		}
		if end < 2 { // no comm
			return facts.OOMKill{}, kmsgNone
		}
		k.Comm = string(rest[1:end])
		// Keep the line from its reason on (a syslog line has its own
		// prefix before it).
		start := bytes.Index(msg[:i], []byte("Memory cgroup out of memory"))
		if start < 0 {
			start = bytes.Index(msg[:i], []byte("Out of memory"))
		}
		msg = msg[max(start, 0):]
		kind = kmsgKilled
	} else {
		return k, kmsgNone
	}
	k.Line = string(msg[:min(len(msg), maxLine)])
	return k, kind
}

// killReason reports whether the text before ": Killed process" is one of
// the reasons oom_kill_process is called with: "Out of memory", "Out of
// memory (oom_kill_allocating_task)", "Memory cgroup out of memory".
func killReason(b []byte) bool {
	b = bytes.TrimSuffix(b, []byte(" (oom_kill_allocating_task)"))
	return bytes.HasSuffix(b, []byte("Out of memory")) || bytes.HasSuffix(b, []byte("out of memory"))
}

// kmsgMessage splits a /dev/kmsg record or a dmesg line into its message
// and its time since boot.
func kmsgMessage(line []byte) (msg []byte, ts time.Duration, ok bool) {
	// /dev/kmsg: "6,1234,5678901234,-;message" (Documentation/ABI/testing/dev-kmsg).
	if semi := bytes.IndexByte(line, ';'); semi > 0 && semi < 80 {
		f := bytes.Split(line[:semi], []byte(","))
		if len(f) >= 4 {
			_, ok1 := decUint(f[0])
			_, ok2 := decUint(f[1])
			us, ok3 := decUint(f[2])
			if ok1 && ok2 && ok3 && us < 1<<62/1000 {
				return line[semi+1:], time.Duration(us) * time.Microsecond, true
			}
		}
	}
	// dmesg: "<3>[ 1234.567890] message", "[ 1234.567890] message".
	msg = line
	if len(msg) > 2 && msg[0] == '<' {
		if gt := bytes.IndexByte(msg, '>'); gt > 1 && gt < 6 {
			msg = msg[gt+1:]
		}
	}
	if len(msg) > 0 && msg[0] == '[' {
		if rb := bytes.IndexByte(msg, ']'); rb > 0 && rb < 32 {
			num := bytes.TrimSpace(msg[1:rb])
			if dot := bytes.IndexByte(num, '.'); dot > 0 {
				sec, ok1 := decUint(num[:dot])
				frac := num[dot+1:]
				us, ok2 := decUint(frac)
				if ok1 && ok2 && len(frac) == 6 && sec < 1<<33 {
					return bytes.TrimLeft(msg[rb+1:], " "),
						time.Duration(sec)*time.Second + time.Duration(us)*time.Microsecond, true
				}
			}
		}
	}
	return msg, 0, false
}

// killRing keeps the last maxKills kills and merges each Killed line with
// the oom-kill summary printed just before it.
type killRing struct {
	kills   []facts.OOMKill
	pending facts.OOMKill // the last summary, waiting for its Killed line
}

// take adds one parsed line; it returns the kill when the line completes
// one.
func (r *killRing) take(k facts.OOMKill, kind int) (facts.OOMKill, bool) {
	switch kind {
	case kmsgSummary:
		r.pending = k
		return facts.OOMKill{}, false
	case kmsgKilled:
		if r.pending.PID == k.PID {
			k.Cgroup = r.pending.Cgroup
			if k.Time.IsZero() {
				k.Time = r.pending.Time
			}
		}
		r.pending = facts.OOMKill{}
		if len(r.kills) >= maxKills {
			r.kills = r.kills[:copy(r.kills, r.kills[len(r.kills)-maxKills+1:])]
		}
		r.kills = append(r.kills, k)
		return k, true
	}
	return facts.OOMKill{}, false
}
