package collector

import (
	"github.com/gwtop/gwtop/collector/feed"
	"github.com/gwtop/gwtop/collector/tail"
	"github.com/gwtop/gwtop/config"
)

// wiring adds one gateway kind's sources to an engine from the
// configuration: its status-page scrapers (w.Scraper) and its logs (w.Log).
// It returns an error for configuration it cannot use.
type wiring func(cfg *config.Config, w *Wirer) error

// gatewayWirings is filled by the init functions of the gateway_*.go files,
// one per gateway kind, and only read after that.
var gatewayWirings []wiring

// Wirer is what a gateway's wiring may add to an engine.
type Wirer struct {
	e       *Engine
	tailOpt tail.Options
	backlog bool
}

// Backlog reports whether the engine only reads logs to their end (no
// scrapers should be added then).
func (w *Wirer) Backlog() bool { return w.backlog }

// Scraper adds a status page or admin API read every interval.
func (w *Wirer) Scraper(name string, s feed.Scraper) {
	if !w.backlog {
		w.e.addScraper(name, s)
	}
}

// Log adds a followed log file read by p; kind and source name its row in
// the snapshot's gateways (e.g. "haproxy", "log").
func (w *Wirer) Log(kind, source, path string, p feed.LineParser) {
	w.e.addLog(kind, source, path, w.tailOpt, p)
}
