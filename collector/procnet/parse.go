// Package procnet reads the host's listening sockets from /proc, finds the
// processes that own them, keeps a short history of listeners that appeared
// or vanished, and reads the kernel's OOM kills from /dev/kmsg. It fills the
// facts.Listeners and facts.OOMKill values diagnose.Roots reads. Everything
// here only reads: no process is signalled or changed.
//
// The socket table is read on every Tracker.Sample and costs little even
// with tens of thousands of sockets: rows that are not listening are
// skipped without allocating. The costly part, mapping a socket's inode to
// the process that holds it by reading every /proc/PID/fd, runs only when
// the set of listeners changes or the caller asks for an address it
// watches fail.
package procnet

import (
	"bytes"
	"net/netip"
)

// tcpRow is what a LISTEN row of /proc/net/tcp or tcp6 says.
type tcpRow struct {
	addr    [16]byte // as the kernel has it, in network order
	v6      bool     // from tcp6: all 16 bytes count
	port    uint16
	txQueue uint32
	rxQueue uint32
	inode   uint64
}

// listenState is TCP_LISTEN (include/net/tcp_states.h) as the "st" column
// prints it.
const listenState = 0x0A

// synRecvState is TCP_SYN_RECV: on kernels before 4.4 a listener's pending
// connections were printed right after it, among the listeners.
const synRecvState = 0x03

// pastListeners reports whether a /proc/net/tcp{,6} row is past the
// listening sockets. The kernel prints the listening hash first and the
// established one after (net/ipv4/tcp_ipv4.c tcp_get_idx: the
// TCP_SEQ_STATE_LISTENING phase, then TCP_SEQ_STATE_ESTABLISHED), so the
// first row in another state than LISTEN (or an old kernel's SYN_RECV
// request) ends the listeners. A row that does not parse is not that row.
func pastListeners(line []byte) bool {
	_, i := field(line, 0)
	_, i = field(line, i) // local
	_, i = field(line, i) // remote
	st, _ := field(line, i)
	state, ok := hexUint(st, 8)
	return ok && state != listenState && state != synRecvState
}

// field returns the next whitespace-separated field of line from i, and
// the index after it.
func field(line []byte, i int) ([]byte, int) {
	n := len(line)
	for i < n && (line[i] == ' ' || line[i] == '\t') {
		i++
	}
	start := i
	for i < n && line[i] != ' ' && line[i] != '\t' && line[i] != '\n' && line[i] != '\r' {
		i++
	}
	return line[start:i], i
}

// hexUint parses b as an unsigned hex number of at most bits bits.
func hexUint(b []byte, bits int) (uint64, bool) {
	if len(b) == 0 || len(b) > bits/4 {
		return 0, false
	}
	var v uint64
	for _, c := range b {
		switch {
		case '0' <= c && c <= '9':
			v = v<<4 | uint64(c-'0')
		case 'A' <= c && c <= 'F':
			v = v<<4 | uint64(c-'A'+10)
		case 'a' <= c && c <= 'f':
			v = v<<4 | uint64(c-'a'+10)
		default:
			return 0, false
		}
	}
	return v, true
}

// decUint parses b as an unsigned decimal number.
func decUint(b []byte) (uint64, bool) {
	if len(b) == 0 || len(b) > 20 {
		return 0, false
	}
	var v uint64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		d := uint64(c - '0')
		if v > (^uint64(0)-d)/10 {
			return 0, false
		}
		v = v*10 + d
	}
	return v, true
}

// parseTCPRow reads one row of /proc/net/tcp or tcp6
//
//	"   0: 0100007F:1F41 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1473863 1 ..."
//
// (net/ipv4/tcp_ipv4.c get_tcp4_sock, net/ipv6/tcp_ipv6.c get_tcp6_sock).
// listen is false for a row in any other state, which is the common case
// and returns before anything else is decoded; ok is false for a row that
// does not parse (the header, garbage).
func parseTCPRow(line []byte) (row tcpRow, listen, ok bool) {
	sl, i := field(line, 0)
	if len(sl) < 2 || sl[len(sl)-1] != ':' {
		return row, false, false
	}
	local, i := field(line, i)
	_, i = field(line, i) // remote address
	st, i := field(line, i)
	state, good := hexUint(st, 8)
	if !good {
		return row, false, false
	}
	if state != listenState {
		return row, false, true
	}
	colon := bytes.IndexByte(local, ':')
	if colon < 0 {
		return row, false, false
	}
	hexAddr, hexPort := local[:colon], local[colon+1:]
	switch len(hexAddr) {
	case 8:
	case 32:
		row.v6 = true
	default:
		return row, false, false
	}
	// The kernel prints each 32-bit word of the address with %08X of the
	// word as the host holds it: on a little-endian host the bytes of each
	// word come out reversed.
	for w := 0; w < len(hexAddr)/8; w++ {
		v, good := hexUint(hexAddr[w*8:w*8+8], 32)
		if !good {
			return row, false, false
		}
		row.addr[w*4+0] = byte(v)
		row.addr[w*4+1] = byte(v >> 8)
		row.addr[w*4+2] = byte(v >> 16)
		row.addr[w*4+3] = byte(v >> 24)
	}
	p, good := hexUint(hexPort, 16)
	if !good {
		return row, false, false
	}
	row.port = uint16(p)
	queues, i := field(line, i)
	colon = bytes.IndexByte(queues, ':')
	if colon < 0 {
		return row, false, false
	}
	tx, good1 := hexUint(queues[:colon], 32)
	rx, good2 := hexUint(queues[colon+1:], 32)
	if !good1 || !good2 {
		return row, false, false
	}
	row.txQueue, row.rxQueue = uint32(tx), uint32(rx)
	// tr:tm->when, retrnsmt, uid, timeout, then the inode.
	var f []byte
	for k := 0; k < 5; k++ {
		f, i = field(line, i)
	}
	inode, good := decUint(f)
	if !good {
		return row, false, false
	}
	row.inode = inode
	return row, true, true
}

// addrPort is the row's local address as a netip.AddrPort, kept as the
// kernel has it (a v4-mapped IPv6 address stays IPv6).
func (r tcpRow) addrPort() netip.AddrPort {
	var a netip.Addr
	if r.v6 {
		a = netip.AddrFrom16(r.addr)
	} else {
		a = netip.AddrFrom4([4]byte(r.addr[:4]))
	}
	return netip.AddrPortFrom(a, r.port)
}

// unixRow is a listening row of /proc/net/unix.
type unixRow struct {
	inode uint64
	path  []byte // points into the line
}

// unixAcceptCon is __SO_ACCEPTCON, the flag a listening unix socket shows
// in the Flags column; unixUnconnected is SS_UNCONNECTED (St 01).
const (
	unixAcceptCon   = 0x00010000
	unixUnconnected = 0x01
)

// parseUnixRow reads one row of /proc/net/unix
//
//	"0000000085b9de44: 00000002 00000000 00010000 0001 01 1472309 /tmp/app.sock"
//
// (net/unix/af_unix.c unix_seq_show). listen is set for a listening socket
// with a path (abstract names start with '@'); ok is false for the header
// and garbage.
func parseUnixRow(line []byte) (row unixRow, listen, ok bool) {
	num, i := field(line, 0)
	if len(num) < 2 || num[len(num)-1] != ':' {
		return row, false, false
	}
	_, i = field(line, i) // RefCount
	_, i = field(line, i) // Protocol
	fl, i := field(line, i)
	flags, good := hexUint(fl, 32)
	if !good {
		return row, false, false
	}
	_, i = field(line, i) // Type
	st, i := field(line, i)
	state, good := hexUint(st, 8)
	if !good {
		return row, false, false
	}
	in, i := field(line, i)
	inode, good := decUint(in)
	if !good {
		return row, false, false
	}
	if flags&unixAcceptCon == 0 || state != unixUnconnected {
		return row, false, true
	}
	// The path is the rest of the line after one space; it may hold
	// spaces itself.
	for i < len(line) && line[i] == ' ' {
		i++
	}
	path := line[i:]
	if nl := bytes.IndexAny(path, "\r\n"); nl >= 0 {
		path = path[:nl]
	}
	if len(path) == 0 {
		return row, false, true
	}
	return unixRow{inode: inode, path: path}, true, true
}

// parseNetstat finds TcpExt ListenOverflows and ListenDrops in the text of
// /proc/net/netstat, where each group is a line of names followed by a line
// of values with the same prefix.
func parseNetstat(b []byte) (overflows, drops uint64, ok bool) {
	var names [][]byte
	for len(b) > 0 {
		line := b
		if nl := bytes.IndexByte(b, '\n'); nl >= 0 {
			line, b = b[:nl], b[nl+1:]
		} else {
			b = nil
		}
		rest, found := bytes.CutPrefix(line, []byte("TcpExt:"))
		if !found {
			names = nil
			continue
		}
		fields := bytes.Fields(rest)
		if names == nil {
			names = fields
			continue
		}
		if len(fields) != len(names) {
			return 0, 0, false
		}
		seen := 0
		for k, n := range names {
			var dst *uint64
			switch string(n) {
			case "ListenOverflows":
				dst = &overflows
			case "ListenDrops":
				dst = &drops
			default:
				continue
			}
			v, good := decUint(fields[k])
			if !good {
				return 0, 0, false
			}
			*dst = v
			seen++
		}
		return overflows, drops, seen == 2
	}
	return 0, 0, false
}

// SameAddr reports whether two listener addresses name the same socket
// address: "127.0.0.1:8001" and "[::ffff:127.0.0.1]:8001" are the same (the
// kernel shows a v4-mapped bind in tcp6 as the latter), as are two
// spellings of one IPv6 address. Unix addresses ("unix:/run/app.sock")
// compare as strings. A wildcard does not match a specific address: use
// Covers for that.
func SameAddr(a, b string) bool {
	if a == b {
		return true
	}
	pa, err1 := netip.ParseAddrPort(a)
	pb, err2 := netip.ParseAddrPort(b)
	if err1 != nil || err2 != nil {
		return false
	}
	return pa.Port() == pb.Port() && pa.Addr().Unmap() == pb.Addr().Unmap()
}

// canonAddr is the form of an address two SameAddr addresses share: an
// IP and port written as netip writes them, a v4-mapped IPv6 address as
// IPv4; anything else as it is.
func canonAddr(addr string) string {
	ap, err := netip.ParseAddrPort(addr)
	if err != nil {
		return addr
	}
	return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port()).String()
}

// NormalAddr writes addr with a v4-mapped IPv6 address as plain IPv4
// ("[::ffff:127.0.0.1]:8002" → "127.0.0.1:8002"); any other address is
// returned as it is.
func NormalAddr(addr string) string {
	ap, err := netip.ParseAddrPort(addr)
	if err != nil || !ap.Addr().Is4In6() {
		return addr
	}
	return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port()).String()
}

// atoiBytes parses a small decimal int; -1 when it is not one.
func atoiBytes(b []byte) int {
	v, ok := decUint(b)
	if !ok || v > 1<<31 {
		return -1
	}
	return int(v)
}
