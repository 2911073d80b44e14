package procnet

import (
	"bytes"
	"strings"
)

// parseCgroup reads /proc/PID/cgroup and returns the systemd unit and the
// container its cgroup path names. Each line is ID:CONTROLLERS:PATH; the
// cgroup v2 line is "0::PATH", and on a v1 host systemd's own hierarchy is
// "N:name=systemd:PATH". The v2 path is used when it is not "/", then the
// name=systemd one, then any other v1 path (a container shows in every
// hierarchy).
func parseCgroup(b []byte) (unit, container string) {
	var v2, sd, other string
	for len(b) > 0 {
		line := b
		if nl := bytes.IndexByte(b, '\n'); nl >= 0 {
			line, b = b[:nl], b[nl+1:]
		} else {
			b = nil
		}
		first := bytes.IndexByte(line, ':')
		if first < 0 {
			continue
		}
		second := bytes.IndexByte(line[first+1:], ':')
		if second < 0 {
			continue
		}
		ctrl := line[first+1 : first+1+second]
		path := string(line[first+2+second:])
		if path == "" || path == "/" {
			continue
		}
		switch {
		case len(ctrl) == 0 && string(line[:first]) == "0":
			v2 = path
		case string(ctrl) == "name=systemd":
			sd = path
		case other == "":
			other = path
		}
	}
	path := v2
	if path == "" {
		path = sd
	}
	if path != "" {
		unit, container = cgroupPath(path)
	}
	if container == "" && other != "" {
		_, container = cgroupPath(other)
	}
	return unit, container
}

// containerScopes are the prefixes of the systemd scopes container
// runtimes create with the systemd cgroup driver: docker-ID.scope (Docker,
// runc), libpod-ID.scope (Podman), cri-containerd-ID.scope and
// crio-ID.scope (Kubernetes runtimes).
var containerScopes = []string{"docker-", "libpod-", "cri-containerd-", "crio-", "containerd-"}

// cgroupPath reads one cgroup path:
//
//	/system.slice/payments.service                          unit payments.service
//	/user.slice/user-1000.slice/user@1000.service/app.slice/app.service
//	                                                        unit app.service
//	/system.slice/docker-3f2a….scope                        container docker-3f2a…
//	/docker/3f2a…                                           container docker-3f2a… (cgroupfs driver)
//	/kubepods/burstable/pod<uid>/<id>                       container <id>, pod <uid>
//	/kubepods.slice/…/kubepods-besteffort-pod<uid>.slice/cri-containerd-<id>.scope
//
// The unit is the deepest .service element (a service may make
// sub-cgroups of its own below it), or the deepest .scope that is not a
// container's.
func cgroupPath(path string) (unit, container string) {
	var scope string
	elems := strings.Split(strings.Trim(path, "/"), "/")
	for k, e := range elems {
		switch {
		case strings.HasSuffix(e, ".service"):
			unit = e
		case strings.HasSuffix(e, ".scope"):
			name := strings.TrimSuffix(e, ".scope")
			isContainer := false
			for _, p := range containerScopes {
				if strings.HasPrefix(name, p) && len(name) > len(p) {
					container = name
					isContainer = true
					break
				}
			}
			if !isContainer {
				scope = e
			}
		case e == "docker" && k+1 < len(elems) && isHexID(elems[k+1]):
			container = "docker-" + elems[k+1]
		case strings.HasPrefix(e, "libpod-") && isHexID(strings.TrimPrefix(e, "libpod-")):
			container = e
		case strings.HasPrefix(e, "pod") && k > 0 && strings.HasPrefix(elems[0], "kubepods") &&
			k+1 < len(elems) && container == "":
			// cgroupfs driver: the element after pod<uid> is the container.
			if isHexID(elems[k+1]) {
				container = elems[k+1]
			}
		}
	}
	if unit == "" {
		unit = scope
	}
	return unit, container
}

// isHexID reports whether s looks like a container id: at least 12 hex
// digits.
func isHexID(s string) bool {
	if len(s) < 12 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// statFields is the part of /proc/PID/stat an owner needs.
type statFields struct {
	comm  string
	ppid  int
	start uint64 // field 22, starttime, in clock ticks since boot
}

// parseStat reads /proc/PID/stat. The command name is in parentheses and
// may itself hold spaces and ')', so fields are counted from the last ')'.
func parseStat(b []byte) (statFields, bool) {
	var st statFields
	open := bytes.IndexByte(b, '(')
	end := bytes.LastIndexByte(b, ')')
	if open < 0 || end < open {
		return st, false
	}
	st.comm = string(b[open+1 : end])
	// After the name, 0-based: 0 state, 1 ppid, …, 19 starttime (proc(5)
	// numbers them 3, 4 and 22).
	i := end + 1
	for k := 0; k <= 19; k++ {
		var f []byte
		f, i = field(b, i)
		if len(f) == 0 {
			return st, false
		}
		switch k {
		case 1:
			st.ppid = atoiBytes(f)
		case 19:
			v, ok := decUint(f)
			if !ok {
				return st, false
			}
			st.start = v
		}
	}
	return st, true
}

// parseBtime finds "btime SECONDS" in /proc/stat.
func parseBtime(b []byte) (int64, bool) {
	for len(b) > 0 {
		line := b
		if nl := bytes.IndexByte(b, '\n'); nl >= 0 {
			line, b = b[:nl], b[nl+1:]
		} else {
			b = nil
		}
		if rest, ok := bytes.CutPrefix(line, []byte("btime ")); ok {
			v, ok := decUint(bytes.TrimSpace(rest))
			return int64(v), ok && v < 1<<62
		}
	}
	return 0, false
}

// splitCmdline splits /proc/PID/cmdline at its NULs; a process that
// rewrote its title into one string gives one element.
func splitCmdline(b []byte) []string {
	b = bytes.TrimRight(b, "\x00")
	if len(b) == 0 {
		return nil
	}
	parts := bytes.Split(b, []byte{0})
	out := make([]string, len(parts))
	for k, p := range parts {
		out[k] = string(p)
	}
	return out
}
