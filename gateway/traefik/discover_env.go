package traefik

import (
	"context"

	"github.com/gwtop/gwtop/config/discover"
)

// env is the discovery session seen as where to look; the same session is
// passed as r, what was found.
type env struct{ *discover.Session }

// find is the kind's discover.Finder.Find: it reads one running traefik.
func find(ctx context.Context, s *discover.Session, p discover.Proc) {
	(&env{s}).traefikProc(ctx, s, p)
}

// findConfig is the kind's discover.Finder.FindConfig: it reads Traefik's
// static configuration (YAML or TOML) without a running traefik.
func findConfig(_ context.Context, s *discover.Session, path string) { (&env{s}).traefikFile(s, path) }
