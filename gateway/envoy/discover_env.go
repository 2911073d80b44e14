package envoy

import (
	"context"

	"github.com/gwtop/gwtop/config/discover"
)

// env is the discovery session seen as where to look; the same session is
// passed as r, what was found.
type env struct{ *discover.Session }

// find is the kind's discover.Finder.Find: it reads one running envoy.
func find(ctx context.Context, s *discover.Session, p discover.Proc) { (&env{s}).envoyProc(ctx, s, p) }

// findConfig is the kind's discover.Finder.FindConfig: it reads an Envoy
// bootstrap file (YAML or JSON) without a running envoy.
func findConfig(ctx context.Context, s *discover.Session, path string) {
	(&env{s}).envoyFile(ctx, s, path)
}
