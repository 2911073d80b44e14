package collector

import (
	"fmt"

	"github.com/gwtop/gwtop/collector/caddy"
	"github.com/gwtop/gwtop/config"
)

func init() { gatewayWirings = append(gatewayWirings, wireCaddy) }

// wireCaddy adds Caddy's admin API (the upstream list) and its JSON log
// (access, error and reverse proxy entries in one file).
func wireCaddy(cfg *config.Config, w *Wirer) error {
	c := cfg.Caddy
	if c == nil {
		return nil
	}
	if c.Admin != "" {
		admin, err := caddy.NewAdmin(c.Admin)
		if err != nil {
			return fmt.Errorf("caddy.admin: %w", err)
		}
		w.Scraper("caddy admin "+admin.Target(), admin)
	}
	if c.Log != "" {
		w.Log("caddy", "log", c.Log, caddy.NewLogParser())
	}
	return nil
}
