package collector

import (
	"fmt"
	"net"
	"strings"

	"github.com/gwtop/gwtop/collector/haproxy"
	"github.com/gwtop/gwtop/config"
)

func init() { gatewayWirings = append(gatewayWirings, wireHAProxy) }

// wireHAProxy adds HAProxy's stats scraper and log follower. When both are
// configured they share one Names table, so the log's backend/server names
// count toward the addresses the stats list.
func wireHAProxy(cfg *config.Config, w *Wirer) error {
	h := cfg.HAProxy
	if h == nil {
		return nil
	}
	names := &haproxy.Names{}
	// Servers the configuration names (backend "group", server "name", as
	// gwtop discover writes them, or "backend/server" as a name) keep their
	// address even when the stats page hides it.
	for _, u := range cfg.Upstreams {
		if _, _, err := net.SplitHostPort(u.Address); err != nil {
			continue
		}
		switch be, srv, ok := strings.Cut(u.Name, "/"); {
		case u.Group != "" && !ok:
			names.Preset(u.Group, u.Name, u.Address)
		case ok:
			names.Preset(be, srv, u.Address)
		}
	}
	if h.Stats != "" {
		stats, err := haproxy.NewStats(h.Stats, h.Username, h.Password)
		if err != nil {
			return fmt.Errorf("haproxy.stats: %w", err)
		}
		stats.Names = names
		w.Scraper("haproxy "+stats.Source()+" "+stats.Target(), stats)
	}
	if h.Log != "" {
		p := haproxy.NewLogParser()
		if h.Stats != "" && !w.Backlog() {
			p.Resolve = names.Resolve
		}
		w.Log("haproxy", "log", h.Log, p)
	}
	return nil
}
