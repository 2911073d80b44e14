package collector

import (
	"fmt"

	"github.com/gwtop/gwtop/collector/traefik"
	"github.com/gwtop/gwtop/config"
)

func init() { gatewayWirings = append(gatewayWirings, wireTraefik) }

// wireTraefik adds Traefik's API (server health, service membership) and
// its JSON access log.
func wireTraefik(cfg *config.Config, w *Wirer) error {
	t := cfg.Traefik
	if t == nil {
		return nil
	}
	if t.API != "" {
		api, err := traefik.NewAPI(t.API, t.Username, t.Password)
		if err != nil {
			return fmt.Errorf("traefik.api: %w", err)
		}
		w.Scraper("traefik api "+api.Target(), api)
	}
	if t.AccessLog != "" {
		w.Log("traefik", "access_log", t.AccessLog, traefik.NewLogParser())
	}
	return nil
}
