package traefik

import (
	"context"

	"github.com/gwtop/gwtop/config/discover"
)

// The discovery code reads files and records what it found through one
// discover.Session: env is the session seen as where to look, report the
// same session seen as what was found.
type (
	env     struct{ *discover.Session }
	report  = discover.Session
	Proc    = discover.Proc
	Gateway = discover.Gateway
	Options = discover.Options
	Result  = discover.Result
)

func newSession(opt *Options) *discover.Session {
	if opt == nil {
		return discover.NewSession(Options{})
	}
	return discover.NewSession(*opt)
}

// find is the kind's discover.Finder.Find: it reads one running traefik.
func find(ctx context.Context, s *discover.Session, p Proc) { (&env{s}).traefikProc(ctx, s, p) }
