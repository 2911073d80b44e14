package diagnose

import (
	"fmt"

	"github.com/gwtop/gwtop/model"
)

// Signals are the inputs of the state rules for one upstream.
type Signals struct {
	// Probes, newest last; empty when the upstream is not probed.
	Probes []model.ProbeResult
	// Requests and 5xx answers attributed to the upstream in the last minute.
	Requests1m, Errors5xx1m int64
	// Failures the gateway reported (error log lines, failed checks) in the
	// last minute, whatever their cause.
	Failures1m int64
	// HardFailures1m are the failures among Failures1m that no retry
	// of the same request would get past: refused, DNS, TLS.
	HardFailures1m int64
	// Anything at all seen of the upstream in the last five minutes.
	Seen5m bool
	// StatusDown is set when the gateway's own status page says the server
	// is down or in maintenance; StatusWhy says how it put it.
	StatusDown bool
	StatusWhy  string
	// TopCause names the leading cause, for the reason text.
	TopCause model.Cause
}

// Thresholds of the state rules.
const (
	DownRate5xx   = 0.90 // at least this share of 5xx in the last minute → down
	MinRequests   = 5    // ... over at least this many requests
	MinFailures   = 3    // this many gateway-reported failures and no success → down
	RecentProbes  = 10   // failing probes among the last N → degraded
	DownFailProbe = 2    // this many consecutive failing probes → down
)

// State applies gwtop's documented state rules, in this order:
//
//  1. the gateway's status page says the server is DOWN/MAINT → down;
//  2. the last DownFailProbe probes failed (or the only probe so far) → down,
//     unless real traffic says otherwise: with at least 5 requests in the
//     last minute and fewer than half of them 5xx, the probe's bad luck
//     against an upstream that fails some requests is not "down";
//  3. ≥ 90 % of at least 5 requests in the last minute were 5xx → down;
//     so are ≥ 3 gateway-reported failures with no successful request and
//     no passing probe (an upstream nginx cannot even resolve), and so is
//     any number of failures, even one, when every one of them was
//     refused, unresolvable or a failed TLS handshake and nothing
//     succeeded: at 3 a.m. a dead service sees little traffic, and one
//     refused connection with no success is as down as a hundred;
//  4. any 5xx, gateway-reported failure, or failing probe among the last 10
//     in the last minute → degraded;
//  5. a passing probe, or traffic in the last five minutes → up ("idle"
//     when the last minute had no request);
//  6. nothing known → unknown.
func State(s Signals) (model.State, string) {
	cause := ""
	if s.TopCause != "" {
		cause = " (" + string(s.TopCause) + ")"
	}
	if s.StatusDown {
		return model.StateDown, "status page: " + s.StatusWhy
	}
	n := len(s.Probes)
	if n > 0 {
		last := s.Probes[n-1]
		fails := 0
		for i := n - 1; i >= 0 && !s.Probes[i].OK && fails < DownFailProbe; i-- {
			fails++
		}
		if !last.OK && (fails >= DownFailProbe || n == 1) && !trafficMostlyOK(s) {
			return model.StateDown, fmt.Sprintf("probe failing: %s", probeWhy(last))
		}
	}
	if s.Requests1m >= MinRequests {
		rate := float64(s.Errors5xx1m) / float64(s.Requests1m)
		if rate >= DownRate5xx {
			return model.StateDown, fmt.Sprintf("%.0f%% of %d requests in the last minute were 5xx%s", rate*100, s.Requests1m, cause)
		}
	}
	if s.Failures1m >= MinFailures && s.Errors5xx1m == s.Requests1m && !recentProbeOK(s.Probes) {
		return model.StateDown, fmt.Sprintf("%d failures reported by the gateway in the last minute and no success seen%s", s.Failures1m, cause)
	}
	if s.Failures1m > 0 && s.HardFailures1m == s.Failures1m && s.Errors5xx1m == s.Requests1m && !recentProbeOK(s.Probes) {
		return model.StateDown, fmt.Sprintf("every attempt in the last minute failed (%d)%s and none succeeded", s.Failures1m, cause)
	}
	recentFails := 0
	for i := max(0, n-RecentProbes); i < n; i++ {
		if !s.Probes[i].OK {
			recentFails++
		}
	}
	switch {
	case s.Errors5xx1m > 0:
		return model.StateDegraded, fmt.Sprintf("%d of %d requests in the last minute were 5xx%s", s.Errors5xx1m, s.Requests1m, cause)
	case s.Failures1m > 0:
		return model.StateDegraded, fmt.Sprintf("%d failures reported by the gateway in the last minute%s", s.Failures1m, cause)
	case recentFails > 0:
		return model.StateDegraded, fmt.Sprintf("%d of the last %d probes failed", recentFails, min(n, RecentProbes))
	}
	if n > 0 && s.Probes[n-1].OK {
		return model.StateUp, "probe passing"
	}
	if s.Seen5m && s.Requests1m == 0 {
		// Seen (a status page lists it, or it served earlier) but no
		// request to tell whether it answers: not "serving traffic".
		return model.StateUp, "idle: seen, no requests in the last minute"
	}
	if s.Seen5m {
		return model.StateUp, "serving traffic without errors"
	}
	return model.StateUnknown, "no traffic, probe or status seen yet"
}

// trafficMostlyOK reports enough requests in the last minute, most of them
// answered without a 5xx.
func trafficMostlyOK(s Signals) bool {
	return s.Requests1m >= MinRequests && s.Errors5xx1m*2 < s.Requests1m
}

// recentProbeOK reports a passing probe among the last RecentProbes.
func recentProbeOK(p []model.ProbeResult) bool {
	for i := max(0, len(p)-RecentProbes); i < len(p); i++ {
		if p[i].OK {
			return true
		}
	}
	return false
}

func probeWhy(p model.ProbeResult) string {
	if p.Cause != "" {
		return string(p.Cause)
	}
	if p.Error != "" {
		return p.Error
	}
	return fmt.Sprintf("status %d", p.Status)
}
