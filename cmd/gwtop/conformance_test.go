package main

import (
	"fmt"
	"testing"

	"github.com/gwtop/gwtop/model"
)

// The conformance matrix: what gwtop must name, end to end, for each fault
// behind each gateway — a row per fault, a column per gateway (and way of
// reading it). The gateways' own tests (nginx_test.go, haproxy_test.go,
// caddy_test.go, apache_test.go) take their expectations from here, so the
// differences between gateways are visible in one place:
//
//   - HAProxy's health check cannot tell a silent close from a garbage
//     reply (L7RSP for both): bad_response on the stats page, while its
//     log's SH-- says premature_close.
//   - Caddy's Go client accepts the invalid header byte: the upstream is up.
//   - Apache's AH02429 (invalid response header) names neither backend nor
//     URI, so the evidence lands on the gateway row and the backend's row
//     sees only its 500s (the backend's own answer, by inference).
//
// up means the upstream is healthy: state up, no cause. untested marks a
// fault a gateway's test does not set up.
const (
	up       = model.Cause("up")
	untested = model.Cause("-")
)

var conformanceColumns = []string{"nginx", "haproxy stats", "haproxy log", "caddy", "apache"}

var conformance = []struct {
	fault string
	cells []model.Cause // parallel to conformanceColumns
}{
	//                      nginx                      haproxy stats             haproxy log                caddy                      apache
	{"healthy", []model.Cause{up, up, up, up, up}},
	{"refused", []model.Cause{model.CauseRefused, model.CauseRefused, model.CauseRefused, model.CauseRefused, model.CauseRefused}},
	{"slow", []model.Cause{model.CauseReadTimeout, model.CauseReadTimeout, model.CauseReadTimeout, model.CauseReadTimeout, model.CauseReadTimeout}},
	{"close", []model.Cause{model.CausePrematureClose, model.CauseBadResponse, model.CausePrematureClose, model.CausePrematureClose, model.CausePrematureClose}},
	{"reset", []model.Cause{model.CauseReset, model.CauseReset, untested, model.CauseReset, model.CauseReset}},
	{"error500", []model.Cause{model.CauseUpstream5xx, model.CauseUpstream5xx, model.CauseUpstream5xx, model.CauseUpstream5xx, model.CauseUpstream5xx}},
	{"unavailable", []model.Cause{untested, untested, untested, model.CauseUpstream5xx, model.CauseUpstream5xx}},
	{"badheader", []model.Cause{model.CauseBadResponse, model.CauseBadResponse, model.CauseBadResponse, up, model.CauseUpstream5xx}},
	{"tls", []model.Cause{model.CauseTLS, model.CauseTLS, untested, model.CauseTLS, model.CauseTLS}},
	// Apache resolves backends with the system resolver, which is not on
	// loopback here: its DNS failure is read from a recorded line only
	// (gateway/apache), never provoked.
	{"dns", []model.Cause{model.CauseDNS, untested, untested, untested, untested}},
}

// want returns the matrix's cell for a gateway column and a fault, and the
// state that goes with it: up for a healthy upstream, down for a failing one.
func want(t testing.TB, column, fault string) (model.Cause, model.State) {
	t.Helper()
	col := -1
	for i, c := range conformanceColumns {
		if c == column {
			col = i
		}
	}
	for _, r := range conformance {
		if r.fault != fault || col < 0 {
			continue
		}
		switch c := r.cells[col]; c {
		case up:
			return "", model.StateUp
		case untested:
			t.Fatalf("conformance matrix: %s is not tested behind %s, but the test sets it up", fault, column)
		default:
			return c, model.StateDown
		}
	}
	t.Fatalf("conformance matrix has no cell for %q behind %q", fault, column)
	return "", ""
}

// TestConformanceMatrix checks the matrix itself: every row has a cell per
// column and every cell is a cause code gwtop knows.
func TestConformanceMatrix(t *testing.T) {
	known := map[model.Cause]bool{up: true, untested: true}
	for _, c := range model.AllCauses() {
		known[c] = true
	}
	for _, r := range conformance {
		if len(r.cells) != len(conformanceColumns) {
			t.Errorf("%s: %d cells for %d columns", r.fault, len(r.cells), len(conformanceColumns))
		}
		for i, c := range r.cells {
			if !known[c] {
				t.Errorf("%s behind %s: %q is no cause code", r.fault, conformanceColumns[min(i, len(conformanceColumns)-1)], c)
			}
		}
	}
	if testing.Verbose() {
		for _, r := range conformance {
			t.Log(fmt.Sprintf("%-12s", r.fault), r.cells)
		}
	}
}
