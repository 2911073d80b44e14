package apache

import (
	"sort"
	"strings"
)

// Route is one ProxyPass: requests whose path starts with Prefix go to
// Upstream, the backend's address as gwtop keys it ("127.0.0.1:8001",
// "balancer://pool"; RouteFor converts a ProxyPass URL). Upstream "!" is an
// exclusion (`ProxyPass /static !`): matching paths are not proxied.
type Route struct {
	Prefix   string `yaml:"prefix"`
	Upstream string `yaml:"upstream"`
}

// Exclude is the Upstream of an exclusion route.
const Exclude = "!"

// RouteFor returns the Route of `ProxyPass prefix url`, the URL turned
// into an address by WorkerAddr ("!" stays "!").
func RouteFor(prefix, url string) Route {
	if url == Exclude {
		return Route{Prefix: prefix, Upstream: Exclude}
	}
	return Route{Prefix: prefix, Upstream: WorkerAddr(url)}
}

// Router finds the backend of a request path among ProxyPass routes: the
// longest matching prefix wins. (Apache itself takes the first ProxyPass in
// configuration order that matches, and its documentation asks for the
// most specific first; longest-match gives the same answer for every
// configuration written that way, and a sensible one for the rest.)
type Router struct {
	routes []Route // longest prefix first
	hosts  map[string]string
}

// NewRouter returns a router over routes; an empty Prefix is ignored.
func NewRouter(routes []Route) *Router {
	r := &Router{hosts: map[string]string{}}
	for _, rt := range routes {
		if rt.Prefix == "" {
			continue
		}
		r.routes = append(r.routes, rt)
		if rt.Upstream != Exclude {
			if h, _, ok := strings.Cut(rt.Upstream, ":"); ok && !strings.Contains(rt.Upstream, "//") {
				if _, dup := r.hosts[h]; dup && r.hosts[h] != rt.Upstream {
					r.hosts[h] = "" // one host, several ports: a bare host is ambiguous
				} else {
					r.hosts[h] = rt.Upstream
				}
			}
		}
	}
	sort.SliceStable(r.routes, func(i, j int) bool { return len(r.routes[i].Prefix) > len(r.routes[j].Prefix) })
	return r
}

// Match returns the upstream for a request path (a query string is
// ignored); ok is false when no route matches or the longest match is an
// exclusion. Prefixes match as ProxyPass matches them (mod_proxy.c's
// alias_match): "/api" matches "/api" and "/api/x" but not "/apix", "/api/"
// does not match "/api", "/" matches everything, and a run of slashes in
// the prefix matches any run of slashes in the path.
func (r *Router) Match(path string) (upstream string, ok bool) {
	if r == nil {
		return "", false
	}
	if q := strings.IndexAny(path, "?#"); q >= 0 {
		path = path[:q]
	}
	for _, rt := range r.routes {
		if aliasMatch(path, rt.Prefix) {
			if rt.Upstream == Exclude {
				return "", false
			}
			return rt.Upstream, true
		}
	}
	return "", false
}

// refine improves an error-log address with the routes: no address but a
// URI → the route's upstream; a bare hostname that one route names with
// a port → that host:port.
func (r *Router) refine(addr, uri string) string {
	if addr == "" && uri != "" {
		if up, ok := r.Match(uri); ok {
			return up
		}
		return ""
	}
	if addr != "" && !strings.Contains(addr, ":") {
		if full := r.hosts[addr]; full != "" {
			return full
		}
	}
	return addr
}

// matchBytes is Match for a path in a log line; it allocates nothing.
func (r *Router) matchBytes(path []byte) (string, bool) {
	if r == nil {
		return "", false
	}
	for _, rt := range r.routes {
		if aliasMatchBytes(path, rt.Prefix) {
			if rt.Upstream == Exclude {
				return "", false
			}
			return rt.Upstream, true
		}
	}
	return "", false
}

// aliasMatchBytes is aliasMatch over bytes.
func aliasMatchBytes(uri []byte, alias string) bool {
	a, u := 0, 0
	for a < len(alias) && u < len(uri) {
		if alias[a] == '/' {
			if uri[u] != '/' {
				return false
			}
			for a < len(alias) && alias[a] == '/' {
				a++
			}
			for u < len(uri) && uri[u] == '/' {
				u++
			}
			continue
		}
		if uri[u] != alias[a] {
			return false
		}
		a++
		u++
	}
	if u == len(uri) && a != len(alias) {
		return false
	}
	return alias == "" || alias[len(alias)-1] == '/' || u == len(uri) || uri[u] == '/'
}

// aliasMatch is mod_proxy.c's alias_match: does the ProxyPass prefix alias
// match the start of uri, whole path components only?
func aliasMatch(uri, alias string) bool {
	return aliasMatchBytes([]byte(uri), alias)
}
