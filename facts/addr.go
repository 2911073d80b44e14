package facts

import (
	"net"
	"net/netip"
	"strconv"
	"strings"
)

// Addr is an upstream's or a listener's address, parsed: a unix socket
// path, an IP and port, or a host name and port. gwtop never resolves a
// name; "localhost" is taken as both loopbacks, as a gateway's resolver
// gives them.
type Addr struct {
	Unix string         // the socket path of "unix:PATH"
	IP   netip.AddrPort // for an IP address (v4-mapped IPv6 unmapped)
	Name string         // a host name, lower case
	Port uint16
}

// ParseAddr parses HOST:PORT, [IPv6]:PORT or unix:PATH.
func ParseAddr(a string) (Addr, bool) {
	if p, ok := strings.CutPrefix(a, "unix:"); ok {
		return Addr{Unix: p}, p != ""
	}
	if ap, err := netip.ParseAddrPort(a); err == nil {
		return Addr{IP: netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port()), Port: ap.Port()}, true
	}
	host, port, err := net.SplitHostPort(a)
	if err != nil {
		return Addr{}, false
	}
	n, err := strconv.ParseUint(port, 10, 16)
	if err != nil {
		return Addr{}, false
	}
	e := Addr{Port: uint16(n)}
	if ip, err := netip.ParseAddr(host); err == nil {
		e.IP = netip.AddrPortFrom(ip.Unmap(), e.Port)
		return e, true
	}
	if host == "" {
		return Addr{}, false
	}
	e.Name = strings.ToLower(host)
	return e, true
}

// IPs are the addresses a connection to a may go to: its IP, both
// loopbacks for localhost, none for another name.
func (a Addr) IPs() []netip.Addr {
	if a.Name == "localhost" {
		return []netip.Addr{netip.MustParseAddr("127.0.0.1"), netip.IPv6Loopback()}
	}
	if a.IP.IsValid() {
		return []netip.Addr{a.IP.Addr()}
	}
	return nil
}

// Serves reports whether a connection to addr reaches a socket listening
// at listen: the same socket path, or the same port on the same address
// (127.0.0.1 and ::ffff:127.0.0.1 are one) or on a wildcard — 0.0.0.0
// takes every IPv4 address, [::] every address, as a dual-stack socket
// does (a v6-only one is not told apart).
func Serves(listen, addr string) bool {
	l, ok1 := ParseAddr(listen)
	e, ok2 := ParseAddr(addr)
	if !ok1 || !ok2 {
		return false
	}
	if l.Unix != "" || e.Unix != "" {
		return l.Unix != "" && l.Unix == e.Unix
	}
	if l.Port != e.Port || !l.IP.IsValid() {
		return false
	}
	la := l.IP.Addr()
	for _, a := range e.IPs() {
		switch {
		case la == a:
			return true
		case la.IsUnspecified() && la.Is4() && a.Is4():
			return true
		case la.IsUnspecified() && la.Is6():
			return true
		}
	}
	return false
}
