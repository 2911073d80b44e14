package collector

import (
	"math"
	"slices"
	"strings"
	"time"

	"github.com/gwtop/gwtop/model"
)

// Bounds of the per-route breakdown.
const (
	// RoutesKept is how many routes an upstream keeps by name; the others
	// are folded into model.RouteOther.
	RoutesKept = 20
	// routeSegments is how many path segments name a route
	// ("/api/v1/users/:id/orders/…" keeps four).
	routeSegments = 4
	routeMaxLen   = 96
	// routeSlots are the minutes the 5-minute figures are kept in.
	routeSlots = 5
	// Latency histogram: routeBins log-spaced bins from 0.1 ms to ~100 s
	// (×1.25 apart: a percentile within 12 %).
	routeBins    = 64
	routeBinBase = 0.1
	routeBinStep = 1.25
)

// routeKey is a route and its virtual host.
type routeKey struct{ route, host string }

// routeStats is one route of one upstream.
type routeStats struct {
	requests, errors int64
	lat              [routeBins]uint32
	latN             uint32
	slotReq, slotErr [routeSlots]int64
	slotMin          [routeSlots]int64 // the minute (unix/60) each slot holds
	last             time.Time
	seq              int // the order the table first saw it in
}

// routeTable is an upstream's routes: at most RoutesKept named, the rest
// in other. Memory per upstream: ≤ (RoutesKept+1) × ~400 B.
type routeTable struct {
	m     map[routeKey]*routeStats
	other *routeStats
}

// observe counts one request of route (normaliseRoute's, nil when the
// line names no path) on host.
func (rt *routeTable) observe(route []byte, host string, status int, ms float64, t time.Time) {
	if route == nil {
		return
	}
	if len(host) > 64 {
		host = host[:64]
	}
	if rt.m == nil {
		rt.m = map[routeKey]*routeStats{}
	}
	rs := rt.m[routeKey{string(route), host}] // no allocation for the lookup
	if rs == nil {
		if len(rt.m) >= RoutesKept {
			if rt.other == nil {
				rt.other = &routeStats{}
			}
			rs = rt.other
		} else {
			rs = &routeStats{seq: len(rt.m)}
			rt.m[routeKey{string(route), strings.Clone(host)}] = rs
		}
	}
	rs.add(status, ms, t)
}

func (rs *routeStats) add(status int, ms float64, t time.Time) {
	rs.requests++
	e := int64(0)
	if status >= 500 && status <= 599 {
		e = 1
		rs.errors++
	}
	if ms >= 0 {
		rs.lat[latBin(ms)]++
		rs.latN++
	}
	minute := t.Unix() / 60
	i := int(minute % routeSlots)
	if i < 0 {
		i += routeSlots
	}
	if rs.slotMin[i] != minute {
		rs.slotMin[i], rs.slotReq[i], rs.slotErr[i] = minute, 0, 0
	}
	rs.slotReq[i]++
	rs.slotErr[i] += e
	if t.After(rs.last) {
		rs.last = t
	}
}

// latEdges[k] is the least latency (ms) latBin puts in bin k or above
// (k ≥ 1): the bins' lower edges, found once from latBinLog so that a
// lookup here gives exactly its bin without a logarithm per request.
var latEdges = func() (e [routeBins]float64) {
	for k := 1; k < routeBins; k++ {
		// latBinLog is monotonic in ms; bisect on the bits of positive
		// float64s, whose order is theirs.
		lo, hi := math.Float64bits(routeBinBase), math.Float64bits(routeBinBase*math.Pow(routeBinStep, float64(k))*2)
		for lo+1 < hi {
			mid := lo + (hi-lo)/2
			if latBinLog(math.Float64frombits(mid)) >= k {
				hi = mid
			} else {
				lo = mid
			}
		}
		e[k] = math.Float64frombits(hi)
	}
	return e
}()

// latBin is the histogram bin of a latency in ms: latBinLog's, found among
// the bins' edges from a first guess. Near an edge (within 1e-9 of it,
// where the monotonicity of a rounded logarithm is all the bisection
// relied on) it asks latBinLog itself.
func latBin(ms float64) int {
	if !(ms > routeBinBase) || ms > 1e300 { // NaN, +Inf and ms/0.1 overflowing too, as latBinLog
		return latBinLog(ms)
	}
	// log2(ms) to within 0.09 from the float's exponent and mantissa
	// (log2(m) ≈ m-1 on [1, 2)), a bin being 0.32 of it: the guess is at
	// most a bin off, and the edges correct it.
	u := math.Float64bits(ms)
	l2 := float64(int(u>>52)-1023) + math.Float64frombits(u&(1<<52-1)|1023<<52) - 1
	b := min(max(int((l2-latLog2Base)*latInvLog2Step), 0), routeBins-1)
	for b+1 < routeBins && ms >= latEdges[b+1] {
		b++
	}
	for b > 0 && ms < latEdges[b] {
		b--
	}
	if b > 0 && ms < latEdges[b]*(1+1e-9) || b+1 < routeBins && ms > latEdges[b+1]*(1-1e-9) {
		return latBinLog(ms)
	}
	return b
}

var (
	latLog2Base    = math.Log2(routeBinBase)
	latInvLog2Step = 1 / math.Log2(routeBinStep)
)

// latBinLog is the definition of a latency's bin: ⌊log1.25(ms / 0.1)⌋,
// clamped to the histogram.
func latBinLog(ms float64) int {
	if ms <= routeBinBase {
		return 0
	}
	b := int(math.Log(ms/routeBinBase) / math.Log(routeBinStep))
	return min(max(b, 0), routeBins-1)
}

// quantile is the q-th latency (ms) from the histogram: the upper edge of
// the bin it falls in; -1 with no latency.
func (rs *routeStats) quantile(q float64) float64 {
	if rs.latN == 0 {
		return -1
	}
	want := uint32(math.Ceil(q * float64(rs.latN)))
	var n uint32
	for i, c := range rs.lat {
		n += c
		if n >= want {
			return math.Round(routeBinBase*math.Pow(routeBinStep, float64(i+1))*100) / 100
		}
	}
	return -1
}

func (rs *routeStats) route(name, host string, now time.Time) model.Route {
	r := model.Route{Route: name, Host: host, Requests: rs.requests, Errors5xx: rs.errors,
		P50MS: rs.quantile(0.5), P95MS: rs.quantile(0.95), LastSeen: rs.last}
	if rs.requests > 0 {
		r.Rate5xx = float64(rs.errors) / float64(rs.requests)
	}
	cur := now.Unix() / 60
	for i := range routeSlots {
		if m := rs.slotMin[i]; m > cur-routeSlots && m <= cur {
			r.Requests5m += rs.slotReq[i]
			r.Errors5xx5m += rs.slotErr[i]
		}
	}
	return r
}

// routes are the table's routes, worst first: most 5xx in the last 5
// minutes, then most 5xx, then most requests; "other" last.
func (rt *routeTable) routes(now time.Time) []model.Route {
	if len(rt.m) == 0 {
		return nil
	}
	out := make([]model.Route, 0, len(rt.m)+1)
	for k, rs := range rt.m {
		out = append(out, rs.route(k.route, k.host, now))
	}
	slices.SortFunc(out, func(a, b model.Route) int {
		switch {
		case a.Errors5xx5m != b.Errors5xx5m:
			return int(b.Errors5xx5m - a.Errors5xx5m)
		case a.Errors5xx != b.Errors5xx:
			return int(b.Errors5xx - a.Errors5xx)
		case a.Requests != b.Requests:
			return int(b.Requests - a.Requests)
		case a.Route != b.Route:
			return strings.Compare(a.Route, b.Route)
		}
		return strings.Compare(a.Host, b.Host)
	})
	if rt.other != nil {
		out = append(out, rt.other.route(model.RouteOther, "", now))
	}
	return out
}

// merge adds o's routes into rt (a parallel backlog's later chunk): o's
// routes are taken in the order o first saw them, so the routes named are
// those a serial read names (the first RoutesKept of the file). A chunk
// that saw more than RoutesKept routes of one upstream folded the later
// ones into its other, where they stay, named in rt or not.
func (rt *routeTable) merge(o *routeTable) {
	keys := make([]routeKey, 0, len(o.m))
	for k := range o.m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b routeKey) int { return o.m[a].seq - o.m[b].seq })
	for _, k := range keys {
		rs := o.m[k]
		if rt.m == nil {
			rt.m = map[routeKey]*routeStats{}
		}
		dst := rt.m[k]
		if dst == nil {
			if len(rt.m) >= RoutesKept {
				if rt.other == nil {
					rt.other = &routeStats{}
				}
				dst = rt.other
			} else {
				dst = &routeStats{seq: len(rt.m)}
				rt.m[k] = dst
			}
		}
		dst.merge(rs)
	}
	if o.other != nil {
		if rt.other == nil {
			rt.other = &routeStats{}
		}
		rt.other.merge(o.other)
	}
}

func (rs *routeStats) merge(o *routeStats) {
	rs.requests += o.requests
	rs.errors += o.errors
	for i := range rs.lat {
		rs.lat[i] += o.lat[i]
	}
	rs.latN += o.latN
	for i := range routeSlots {
		switch {
		case o.slotMin[i] == rs.slotMin[i]:
			rs.slotReq[i] += o.slotReq[i]
			rs.slotErr[i] += o.slotErr[i]
		case o.slotMin[i] > rs.slotMin[i]:
			rs.slotMin[i], rs.slotReq[i], rs.slotErr[i] = o.slotMin[i], o.slotReq[i], o.slotErr[i]
		}
	}
	if o.last.After(rs.last) {
		rs.last = o.last
	}
}

// normaliseRoute appends to b the route a path names: the query and
// fragment dropped, at most routeSegments segments ("/…" after), each
// segment that is an ID — digits (with - _ . : , between: 2026-12-01), a
// UUID, a hex hash, a token of 16 letters and digits or more, a name of 12
// characters or more that is a third digits —
// folded into ":id", percent-escapes and control bytes kept out.
func normaliseRoute(b []byte, path string) []byte {
	// The query or fragment ends the last segment: segment stops at it.
	if len(path) >= len("http://") && path[0] == 'h' {
		if i := strings.IndexAny(path, "?#"); i >= 0 {
			path = path[:i]
		}
		if strings.HasPrefix(path, "http://") || strings.HasPrefix(path, "https://") {
			// An absolute URI (a forward proxy's request line): its path.
			rest := path[strings.Index(path, "//")+2:]
			if i := strings.IndexByte(rest, '/'); i >= 0 {
				path = rest[i:]
			} else {
				path = "/"
			}
		}
	}
	if path == "" || path[0] != '/' {
		return append(b, "(not a path)"...)
	}
	segs := 0
	for len(path) > 0 {
		path = path[1:] // the '/'
		n, id, clean, query := segment(path, true)
		seg := path[:n]
		path = path[n:]
		if query {
			path = ""
		}
		if seg == "" && path == "" {
			break // a trailing slash
		}
		if segs == routeSegments {
			b = append(b, "/…"...)
			return b
		}
		segs++
		b = append(b, '/')
		switch {
		case id:
			b = append(b, ":id"...)
		case clean:
			b = append(b, seg...)
		default:
			for i := 0; i < len(seg); i++ {
				c := seg[i]
				if c < 0x20 || c >= 0x7f || c == '%' {
					c = '_'
				}
				b = append(b, c)
			}
		}
		if len(b) > routeMaxLen {
			b = append(b[:routeMaxLen], "…"...)
			return b
		}
	}
	if len(b) == 0 {
		b = append(b, '/')
	}
	return b
}

// isID reports whether a path segment is an identifier rather than a name,
// in one pass over its bytes: digits (with - _ . : , between), a UUID, a
// hex hash of 8 or more, a token of 16 letters and digits or more, a name
// of 12 or more that is a third digits, or a name whose last '-' or '_' is
// followed by 2 digits or more or by 6 hex digits or more, one a digit
// (ch_082842, order-42, usr_3f9a1c). All but the UUID hold a digit.
// s is a segment: it holds no '/'.
func isID(s string) bool {
	n, id, _, _ := segment(s, false)
	return id && n == len(s)
}

// segment is isID's pass over the segment path starts with, up to its
// first '/' (or, with query, its first '?' or '#': query then says the
// path ended there): its length n, whether it is an ID, and whether it is
// clean, holding no byte a route leaves out (controls, non-ASCII, '%').
func segment(path string, query bool) (n int, id, clean, ended bool) {
	n = len(path)
	digits, hex, alnum, seps, dashes, bad := 0, 0, 0, 0, 0, 0
	last := -1                  // the last '-' or '_'
	tailDigits, tailHex := 0, 0 // of the bytes after it
	for i := 0; i < len(path); i++ {
		c := path[i]
		switch {
		case c-'0' <= 9:
			digits++
			hex++
			alnum++
			tailDigits++
			tailHex++
		case c|0x20-'a' <= 'f'-'a':
			hex++
			alnum++
			tailHex++
		case c|0x20-'g' <= 'z'-'g':
			alnum++
		case c == '-' || c == '_':
			seps++
			alnum++
			last, tailDigits, tailHex = i, 0, 0
			if c == '-' {
				dashes++
			}
		case c == '.' || c == ':' || c == ',':
			seps++
		case c == '/':
			n = i
			goto end
		case query && (c == '?' || c == '#'):
			n, ended = i, true
			goto end
		case c < 0x20 || c >= 0x7f || c == '%':
			bad++
		}
	}
end:
	if n == 0 {
		return 0, false, true, ended
	}
	clean = bad == 0
	if digits == 0 {
		return n, n == 36 && dashes == 4 && hex == 32, clean, ended // a UUID of letters only
	}
	if last > 0 && last < n-1 {
		// A prefixed ID: ch_082842, order-42, usr_3f9a1c.
		tail := n - 1 - last
		if tailDigits == tail && tail >= 2 || tail >= 6 && tailHex == tail && tailDigits > 0 {
			return n, true, clean, ended
		}
	}
	switch {
	case digits+seps == n, // 42, 20261201, 2026-12-01, 7_3
		n == 36 && dashes == 4 && hex == 32, // a UUID
		hex == n && n >= 8,                  // a hash, an object id
		alnum == n && n >= 16,               // a token
		n >= 12 && digits*3 >= n:            // order-2026-1201-77
		return n, true, clean, ended
	}
	return n, false, clean, ended
}
