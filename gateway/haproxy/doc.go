// Package haproxy reads what HAProxy says about its servers — the stats CSV
// (from the stats page or the runtime API socket) and the "option httplog"
// log — and reports it to gwtop's aggregator through the feed contract:
// per-server counters, states, health-check failures and the causes the
// termination flags of each log line state.
//
// Servers are keyed by their address (the stats' addr column), the way
// every other gateway keys upstreams. The stats page shows addr (and
// last_chk) only with "stats show-legends", and the log names servers only
// as backend/server; such servers are keyed "backend/server". A Names table
// filled by the Stats scraper lets the LogParser key its lines by the
// address when the stats give it.
package haproxy
