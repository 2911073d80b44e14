// Package model holds the vocabulary every layer of gwtop shares: cause codes,
// upstream states, probe results and the immutable Snapshot the UI and JSON read.
// It imports nothing of gwtop's own, so any package may import it.
package model

// Cause is one of the stable cause codes of the design (../shared/DESIGN.md). The empty Cause means
// "no failure" (or a failure gwtop does not attribute to an upstream).
type Cause string

// The cause codes. Their string values appear in JSON and must never change.
const (
	CauseNone            Cause = ""
	CauseRefused         Cause = "refused"
	CauseConnectTimeout  Cause = "connect_timeout"
	CauseReadTimeout     Cause = "read_timeout"
	CausePrematureClose  Cause = "premature_close"
	CauseReset           Cause = "reset"
	CauseBadResponse     Cause = "bad_response"
	CauseTLS             Cause = "tls"
	CauseDNS             Cause = "dns"
	CauseNoLiveUpstreams Cause = "no_live_upstreams"
	CauseUpstream5xx     Cause = "upstream_5xx"
	CauseGatewayLimits   Cause = "gateway_limits"
	CausePermission      Cause = "permission"
	// CauseOverloaded: the upstream is alive but takes no more — its
	// listen backlog is full, HAProxy timed the request out in the queue
	// for a server slot, maxconn is reached, or it answered 503 with
	// Retry-After.
	CauseOverloaded Cause = "overloaded"
)

// AllCauses lists every cause code in a fixed order (the order of ../shared/DESIGN.md).
func AllCauses() []Cause {
	return []Cause{
		CauseRefused, CauseConnectTimeout, CauseReadTimeout, CausePrematureClose,
		CauseReset, CauseBadResponse, CauseTLS, CauseDNS, CauseNoLiveUpstreams,
		CauseUpstream5xx, CauseGatewayLimits, CausePermission, CauseOverloaded,
	}
}

// Index returns the position of c in AllCauses, or -1 for an unknown code.
// Aggregators use it to keep per-cause counters in fixed-size arrays.
func (c Cause) Index() int {
	for i, k := range AllCauses() {
		if k == c {
			return i
		}
	}
	return -1
}

// NumCauses is len(AllCauses()).
const NumCauses = 13

// State is the health of one upstream as gwtop judges it.
type State string

// Upstream states, worst last in severity order: down, degraded, unknown, up.
const (
	StateUnknown  State = "unknown"
	StateUp       State = "up"
	StateDegraded State = "degraded"
	StateDown     State = "down"
)

// Severity orders states for sorting: higher is worse.
func (s State) Severity() int {
	switch s {
	case StateDown:
		return 3
	case StateDegraded:
		return 2
	case StateUnknown:
		return 1
	default:
		return 0
	}
}
