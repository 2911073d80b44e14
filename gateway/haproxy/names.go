package haproxy

import "sync"

// Names maps HAProxy's backend/server names to the servers' addresses, as
// the last stats scrape listed them. The Stats scraper fills it and the
// LogParser reads it, so a log line (which names its server) and the stats
// (which give its address) count toward the same upstream. It is safe for
// concurrent use; the zero value is ready.
type Names struct {
	mu sync.RWMutex
	m  map[string]string
}

// maxNames bounds the table; a gateway with more servers than this keys
// the rest of its log lines by name.
const maxNames = 100000

// set records the address of backend/server.
func (n *Names) set(backend, server, addr string) {
	k := backend + "/" + server
	n.mu.RLock()
	same := n.m[k] == addr
	n.mu.RUnlock()
	if same {
		return
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.m == nil {
		n.m = map[string]string{}
	}
	if _, ok := n.m[k]; ok || len(n.m) < maxNames {
		n.m[k] = addr
	}
}

// Preset records the address the configuration gives for backend/server.
// A stats page without "stats show-legends" hides server addresses; with a
// preset, such a server still counts toward the address gwtop probes.
func (n *Names) Preset(backend, server, addr string) { n.set(backend, server, addr) }

// Resolve returns the address of backend/server, or "backend/server" when
// no stats scrape has listed it.
func (n *Names) Resolve(backend, server string) string {
	k := backend + "/" + server
	n.mu.RLock()
	defer n.mu.RUnlock()
	if a, ok := n.m[k]; ok {
		return a
	}
	return k
}
