package conformance

import (
	"slices"
	"testing"

	"github.com/gwtop/gwtop/model"
)

// Package conformance is the fault × gateway matrix of gwtop's end-to-end
// tests: what gwtop must name for each fault behind each gateway — a row per
// fault, a column per gateway (and way of reading it). The gateways' tests
// (cmd/gwtop's nginx, HAProxy and Caddy tests, gateway/apache's end-to-end
// test) take their expectations from here, so the differences between
// gateways are visible in one place:
//
//   - HAProxy's health check cannot tell a silent close from a garbage
//     reply (L7RSP for both): bad_response on the stats page, while its
//     log's SH-- says premature_close.
//   - Caddy's Go client accepts the invalid header byte: the upstream is up.
//   - Apache's AH02429 (invalid response header) names neither backend nor
//     URI, so the evidence lands on the gateway row and the backend's row
//     sees only its 500s (the backend's own answer, by inference).
//
// Up means the upstream is healthy: state up, no cause. Untested marks a
// fault a gateway's test does not set up.
const (
	Up       = model.Cause("up")
	Untested = model.Cause("-")
)

// Columns are the matrix's gateways, in order.
var Columns = []string{"nginx", "haproxy stats", "haproxy log", "caddy", "apache"}

// Rows are the faults, each with a cell per column.
var Rows = []struct {
	Fault string
	Cells []model.Cause // parallel to Columns
}{
	// cells: nginx, haproxy stats, haproxy log, caddy, apache
	{"healthy", []model.Cause{Up, Up, Up, Up, Up}},
	{"refused", []model.Cause{model.CauseRefused, model.CauseRefused, model.CauseRefused, model.CauseRefused, model.CauseRefused}},
	{"slow", []model.Cause{model.CauseReadTimeout, model.CauseReadTimeout, model.CauseReadTimeout, model.CauseReadTimeout, model.CauseReadTimeout}},
	{"close", []model.Cause{model.CausePrematureClose, model.CauseBadResponse, model.CausePrematureClose, model.CausePrematureClose, model.CausePrematureClose}},
	{"reset", []model.Cause{model.CauseReset, model.CauseReset, Untested, model.CauseReset, model.CauseReset}},
	{"error500", []model.Cause{model.CauseUpstream5xx, model.CauseUpstream5xx, model.CauseUpstream5xx, model.CauseUpstream5xx, model.CauseUpstream5xx}},
	{"unavailable", []model.Cause{Untested, Untested, Untested, model.CauseUpstream5xx, model.CauseUpstream5xx}},
	{"badheader", []model.Cause{model.CauseBadResponse, model.CauseBadResponse, model.CauseBadResponse, Up, model.CauseUpstream5xx}},
	{"tls", []model.Cause{model.CauseTLS, model.CauseTLS, Untested, model.CauseTLS, model.CauseTLS}},
	// Apache resolves backends with the system resolver, which is not on
	// loopback here: its DNS failure is read from a recorded line only
	// (gateway/apache), never provoked.
	{"dns", []model.Cause{model.CauseDNS, Untested, Untested, Untested, Untested}},
}

// Want returns the matrix's cell for a gateway column and a fault, and the
// state that goes with it: up for a healthy upstream, down for a failing one.
// A fault the matrix does not test behind that gateway fails the test.
func Want(t testing.TB, column, fault string) (model.Cause, model.State) {
	t.Helper()
	col := slices.Index(Columns, column)
	for _, r := range Rows {
		if r.Fault != fault || col < 0 {
			continue
		}
		switch c := r.Cells[col]; c {
		case Up:
			return "", model.StateUp
		case Untested:
			t.Fatalf("conformance matrix: %s is not tested behind %s, but the test sets it up", fault, column)
		default:
			return c, model.StateDown
		}
	}
	t.Fatalf("conformance matrix has no cell for %q behind %q", fault, column)
	return "", ""
}
