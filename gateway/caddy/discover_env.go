package caddy

import (
	"context"

	"github.com/gwtop/gwtop/config/discover"
)

// env is the discovery session seen as where to look; the same session is
// passed as r, what was found.
type env struct{ *discover.Session }

// find is the kind's discover.Finder.Find: it reads one running caddy.
func find(ctx context.Context, s *discover.Session, p discover.Proc) { (&env{s}).caddyProc(ctx, s, p) }

// findConfig is the kind's discover.Finder.FindConfig: it reads a
// Caddyfile or Caddy JSON configuration without a running caddy (the
// admin API is assumed at Caddy's default address unless the file says).
func findConfig(_ context.Context, s *discover.Session, path string) {
	(&env{s}).caddyConfig(s, path, "", defaultCaddyAdmin, "Caddy's default admin address")
}
