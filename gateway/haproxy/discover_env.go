package haproxy

import (
	"context"

	"github.com/gwtop/gwtop/config/discover"
)

// env is the discovery session seen as where to look; the same session is
// passed as r, what was found.
type env struct{ *discover.Session }

// find is the kind's discover.Finder.Find: it reads one running haproxy.
func find(ctx context.Context, s *discover.Session, p discover.Proc) {
	(&env{s}).haproxyProc(ctx, s, p)
}

// findConfig is the kind's discover.Finder.FindConfig: it reads an HAProxy
// configuration file (or a directory of *.cfg files, as -f takes one)
// without a running haproxy.
func findConfig(ctx context.Context, s *discover.Session, path string) {
	(&env{s}).haproxyFiles(ctx, s, []string{path})
}
