package nginx

import (
	"fmt"
	"sort"
	"strings"
)

// Route is one location that proxies: requests whose path the location
// matches go to Upstream, as gwtop keys it (the proxy_pass address
// "127.0.0.1:8001", or an upstream block's name). Discovery writes them
// when an access log's format names no upstream ($upstream_addr): the
// default combined format, which says nothing of where nginx sent a
// request, is then attributed by the location that matched, as nginx
// would choose it.
type Route struct {
	// Location is as written after `location`: "/api/" (a prefix),
	// "^~ /static/" (a prefix that stops the regex search) or "= /login"
	// (an exact match). Regular-expression locations are not routes.
	Location string `yaml:"location"`
	Upstream string `yaml:"upstream"`
}

// router picks the route of a request path as nginx picks a location among
// the prefix and exact ones: an exact match wins, else the longest prefix.
// (nginx would try regular expressions after a prefix without ^~; those
// are not routes, so a path a regex location takes is attributed by its
// prefix — the note on the log's row says routes are by prefix.)
type router struct {
	exact    map[string]string
	prefixes []Route // longest first; Location is the bare prefix
}

func newRouter(routes []Route) *router {
	r := &router{exact: map[string]string{}}
	for _, rt := range routes {
		kind, path := splitLocation(rt.Location)
		switch kind {
		case "=":
			r.exact[path] = rt.Upstream
		case "", "^~":
			r.prefixes = append(r.prefixes, Route{Location: path, Upstream: rt.Upstream})
		}
	}
	sort.SliceStable(r.prefixes, func(i, j int) bool { return len(r.prefixes[i].Location) > len(r.prefixes[j].Location) })
	return r
}

// splitLocation returns a location's modifier ("", "=", "^~", "~", "~*",
// "@") and its path or expression.
func splitLocation(loc string) (kind, path string) {
	loc = strings.TrimSpace(loc)
	if strings.HasPrefix(loc, "@") {
		return "@", loc[1:]
	}
	for _, m := range []string{"^~", "~*", "=", "~"} {
		if rest, ok := strings.CutPrefix(loc, m); ok {
			if m == "=" && !strings.HasPrefix(strings.TrimSpace(rest), "/") {
				break
			}
			return m, strings.TrimSpace(rest)
		}
	}
	return "", loc
}

// match returns the upstream of a request path (the query ignored).
func (r *router) match(path string) (string, bool) {
	if r == nil {
		return "", false
	}
	if i := strings.IndexAny(path, "?#"); i >= 0 {
		path = path[:i]
	}
	if u, ok := r.exact[path]; ok {
		return u, true
	}
	for _, rt := range r.prefixes {
		if strings.HasPrefix(path, rt.Location) {
			return rt.Upstream, true
		}
	}
	return "", false
}

// Note says on the access log's row how its requests are attributed when
// its format names no upstream.
func (a *accessParser) Note() string {
	if a.router == nil {
		return ""
	}
	return fmt.Sprintf("this log_format names no upstream: requests attributed by the location their path matches, to its proxy_pass (%d routes; the status and time are the client's)", a.routes)
}
