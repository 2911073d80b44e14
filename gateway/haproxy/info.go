package haproxy

import (
	"bufio"
	"context"
	"io"
	"strconv"
	"strings"
)

// procInfo is what "show info" says of the process answering the runtime
// API: its pid and uptime. A reload (or restart) starts a new process, so
// the pid changes or the uptime falls — even on a quiet HAProxy whose
// counters stay at zero, where the fall of its sessions (reloadWatch) is
// not seen. (src/stats.c: "Pid", "Uptime_sec" among the info fields.)
type procInfo struct {
	pid    int
	uptime int64 // seconds
	ok     bool
}

// maxInfo bounds the answer read: "show info" is a few KiB.
const maxInfo = 64 << 10

// readInfo asks the runtime API for "show info"; the zero procInfo when it
// cannot (the stats page, an old HAProxy, an error): the reload watch then
// relies on the counters alone.
func (t *target) readInfo(ctx context.Context) procInfo {
	if t.network == "" {
		return procInfo{}
	}
	c, stop, err := t.command(ctx, "show info")
	if err != nil {
		return procInfo{}
	}
	defer stop()
	return parseInfo(io.LimitReader(c, maxInfo))
}

// parseInfo reads "Name: value" lines; ok when Pid and Uptime_sec were
// both there.
func parseInfo(r io.Reader) procInfo {
	var pi procInfo
	var havePid, haveUp bool
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		k, v, found := strings.Cut(sc.Text(), ":")
		if !found {
			continue
		}
		v = strings.TrimSpace(v)
		switch strings.TrimSpace(k) {
		case "Pid":
			if n, err := strconv.Atoi(v); err == nil && n > 0 {
				pi.pid, havePid = n, true
			}
		case "Uptime_sec":
			if n, err := strconv.ParseInt(v, 10, 64); err == nil && n >= 0 {
				pi.uptime, haveUp = n, true
			}
		}
	}
	pi.ok = havePid && haveUp
	return pi
}
