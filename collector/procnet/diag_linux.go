package procnet

import (
	"encoding/binary"
	"errors"
	"fmt"
	"syscall"
	"time"
)

// The host's listening TCP sockets over netlink (sock_diag), as ss asks
// for them: a dump of the LISTEN state only makes the kernel walk the
// listening hash alone (net/ipv4/inet_diag.c: with no other state asked,
// the established hash is skipped), while reading /proc/net/tcp walks
// every bucket of the established hash — its size, not the sockets', so
// even a quiet host pays for it on every sample. /proc/net/tcp stays the
// fallback (another procfs root, a kernel or sandbox without sock_diag).

// From include/uapi/linux/sock_diag.h and inet_diag.h.
const (
	netlinkSockDiag   = 4  // NETLINK_SOCK_DIAG (NETLINK_INET_DIAG)
	sockDiagByFamily  = 20 // SOCK_DIAG_BY_FAMILY
	tcpListenStateBit = 1 << listenState
	diagReqLen        = 56 // struct inet_diag_req_v2
	diagMsgMinLen     = 72 // struct inet_diag_msg
	diagTimeout       = 2 * time.Second
)

// diagListeners returns the listening TCP sockets of one family
// (AF_INET or AF_INET6) as tcpRows.
func diagListeners(family uint8) ([]tcpRow, error) {
	fd, err := syscall.Socket(syscall.AF_NETLINK, syscall.SOCK_DGRAM|syscall.SOCK_CLOEXEC, netlinkSockDiag)
	if err != nil {
		return nil, fmt.Errorf("sock_diag: %w", err)
	}
	defer syscall.Close(fd)
	tv := syscall.NsecToTimeval(diagTimeout.Nanoseconds())
	if err := syscall.SetsockoptTimeval(fd, syscall.SOL_SOCKET, syscall.SO_RCVTIMEO, &tv); err != nil {
		return nil, fmt.Errorf("sock_diag: %w", err)
	}
	// nlmsghdr + inet_diag_req_v2{family, IPPROTO_TCP, ext 0, pad, states, id}
	req := make([]byte, syscall.NLMSG_HDRLEN+diagReqLen)
	ne := binary.NativeEndian
	ne.PutUint32(req[0:], uint32(len(req)))
	ne.PutUint16(req[4:], sockDiagByFamily)
	ne.PutUint16(req[6:], syscall.NLM_F_REQUEST|syscall.NLM_F_DUMP)
	ne.PutUint32(req[8:], 1) // seq
	body := req[syscall.NLMSG_HDRLEN:]
	body[0], body[1] = family, syscall.IPPROTO_TCP
	ne.PutUint32(body[4:], tcpListenStateBit)
	if err := syscall.Sendto(fd, req, 0, &syscall.SockaddrNetlink{Family: syscall.AF_NETLINK}); err != nil {
		return nil, fmt.Errorf("sock_diag: %w", err)
	}
	var rows []tcpRow
	buf := make([]byte, 32<<10)
	for {
		n, _, err := syscall.Recvfrom(fd, buf, 0)
		if err != nil {
			if errors.Is(err, syscall.EINTR) {
				continue
			}
			return nil, fmt.Errorf("sock_diag: %w", err)
		}
		msgs, err := syscall.ParseNetlinkMessage(buf[:n])
		if err != nil {
			return nil, fmt.Errorf("sock_diag: %w", err)
		}
		for _, m := range msgs {
			switch m.Header.Type {
			case syscall.NLMSG_DONE:
				return rows, nil
			case syscall.NLMSG_ERROR:
				if len(m.Data) >= 4 {
					if code := int32(ne.Uint32(m.Data)); code != 0 {
						return nil, fmt.Errorf("sock_diag: %w", syscall.Errno(-code))
					}
				}
				return nil, errors.New("sock_diag: an error message")
			case sockDiagByFamily:
				if r, ok := diagRow(m.Data, family); ok {
					rows = append(rows, r)
				}
			}
		}
		if len(rows) > 1<<20 {
			return nil, errors.New("sock_diag: more than a million listeners")
		}
	}
}

// diagRow reads one struct inet_diag_msg: family, state, timer, retrans,
// id {sport, dport (big endian), src[16], dst[16], if, cookie[2]},
// expires, rqueue, wqueue, uid, inode.
func diagRow(d []byte, family uint8) (tcpRow, bool) {
	var r tcpRow
	if len(d) < diagMsgMinLen || d[0] != family || d[1] != listenState {
		return r, false
	}
	ne := binary.NativeEndian
	r.port = binary.BigEndian.Uint16(d[4:6])
	copy(r.addr[:], d[8:24])
	r.v6 = family == syscall.AF_INET6
	r.rxQueue = ne.Uint32(d[56:60])
	r.txQueue = ne.Uint32(d[60:64])
	r.inode = uint64(ne.Uint32(d[68:72]))
	return r, r.inode != 0
}
