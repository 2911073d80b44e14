package apache

import (
	"strings"

	"github.com/gwtop/gwtop/gateway/internal/lex"
)

// monthIndex returns 1..12 for "Jan".."Dec", 0 otherwise.
func monthIndex(s string) int {
	const months = "JanFebMarAprMayJunJulAugSepOctNovDec"
	if len(s) != 3 {
		return 0
	}
	for i := 0; i < 12; i++ {
		if months[i*3:i*3+3] == s {
			return i + 1
		}
	}
	return 0
}

// WorkerAddr turns a worker's name as Apache writes it — a URL like
// "http://127.0.0.1:8001" or "https://api.internal/", a
// "unix:/run/app.sock|http://localhost/" socket, a "balancer://pool" —
// into the address gwtop keys the backend by: "127.0.0.1:8001",
// "api.internal:443", "unix:/run/app.sock", "balancer://pool" (a
// balancer keeps its name). The default port of the scheme is added;
// anything that is not a URL comes back as it is.
func WorkerAddr(name string) string {
	if strings.HasPrefix(name, "unix:") {
		if p, _, ok := strings.Cut(name, "|"); ok {
			return p
		}
		return name
	}
	scheme, rest, ok := strings.Cut(name, "://")
	if !ok {
		return name
	}
	if strings.EqualFold(scheme, "balancer") {
		return "balancer://" + strings.TrimSuffix(cutAny(rest, "/?#"), "/")
	}
	host := cutAny(rest, "/?#")
	if at := strings.LastIndexByte(host, '@'); at >= 0 {
		host = host[at+1:]
	}
	if host == "" {
		return name
	}
	if hasPort(host) {
		return host
	}
	switch strings.ToLower(scheme) {
	case "http", "ws", "h2c":
		return host + ":80"
	case "https", "wss", "h2":
		return host + ":443"
	case "ajp":
		return host + ":8009"
	case "fcgi":
		return host + ":8000"
	case "uwsgi":
		return host + ":3031"
	case "scgi":
		return host + ":4000"
	}
	return host
}

// cutAny returns s up to the first byte of any of chars.
func cutAny(s, chars string) string {
	if i := strings.IndexAny(s, chars); i >= 0 {
		return s[:i]
	}
	return s
}

// hasPort reports whether host ends in :port ("[::1]:8080" does, "[::1]"
// does not).
func hasPort(host string) bool {
	c := strings.LastIndexByte(host, ':')
	if c < 0 || c == len(host)-1 {
		return false
	}
	if strings.HasPrefix(host, "[") && c < strings.LastIndexByte(host, ']') {
		return false
	}
	_, ok := lex.Digits(host[c+1:])
	return ok
}
