package collector

import (
	"fmt"

	"github.com/gwtop/gwtop/collector/envoy"
	"github.com/gwtop/gwtop/config"
)

func init() { gatewayWirings = append(gatewayWirings, wireEnvoy) }

// wireEnvoy adds Envoy's admin interface (/clusters, /stats) and its access
// log, in the default text format or JSON.
func wireEnvoy(cfg *config.Config, w *Wirer) error {
	e := cfg.Envoy
	if e == nil {
		return nil
	}
	if e.Admin != "" {
		a, err := envoy.NewAdmin(e.Admin)
		if err != nil {
			return fmt.Errorf("envoy.admin: %w", err)
		}
		w.Scraper("envoy admin "+a.Target(), a)
	}
	if e.AccessLog != "" {
		p, err := envoy.NewLogParser(e.LogFormat)
		if err != nil {
			return fmt.Errorf("envoy.log_format: %w", err)
		}
		w.Log("envoy", "access_log", e.AccessLog, p)
	}
	return nil
}
