package model

import "time"

// RootCode is one of the stable root codes: the fact under a cause that an
// operator acts on (the process that exited, the port that is wrong, the
// certificate that expired). Their string values appear in JSON
// (causes[].roots[].code) and must never change.
type RootCode string

// The root codes, grouped by the causes they explain.
const (
	// refused
	RootNotRunning     RootCode = "not_running"
	RootExited         RootCode = "exited"
	RootRestarting     RootCode = "restarting"
	RootWrongPort      RootCode = "wrong_port"
	RootBoundElsewhere RootCode = "bound_elsewhere"
	// premature_close, reset
	RootWorkerTimeout RootCode = "worker_timeout"
	RootOOMKilled     RootCode = "oom_killed"
	RootWorkerCrash   RootCode = "worker_crash"
	RootKeepaliveRace RootCode = "keepalive_race"
	// read_timeout, connect_timeout
	RootExceedsTimeout RootCode = "exceeds_timeout"
	RootWorkersBusy    RootCode = "workers_busy"
	RootFiltered       RootCode = "filtered"
	RootUnreachable    RootCode = "unreachable"
	// tls
	RootCertExpired      RootCode = "cert_expired"
	RootCertNotYetValid  RootCode = "cert_not_yet_valid"
	RootCertUnknownCA    RootCode = "cert_unknown_ca"
	RootCertNameMismatch RootCode = "cert_name_mismatch"
	RootPlainHTTP        RootCode = "plain_http"
	RootProtocolMismatch RootCode = "protocol_mismatch"
	// dns
	RootNXDomain            RootCode = "nxdomain"
	RootServfail            RootCode = "servfail"
	RootResolverUnreachable RootCode = "resolver_unreachable"
	RootDNSTimeout          RootCode = "dns_timeout"
	// upstream_5xx
	RootAppException  RootCode = "app_exception"
	RootAppOverloaded RootCode = "app_overloaded"
)

// AllRoots lists every root code in a fixed order.
func AllRoots() []RootCode {
	return []RootCode{
		RootNotRunning, RootExited, RootRestarting, RootWrongPort, RootBoundElsewhere,
		RootWorkerTimeout, RootOOMKilled, RootWorkerCrash, RootKeepaliveRace,
		RootExceedsTimeout, RootWorkersBusy, RootFiltered, RootUnreachable,
		RootCertExpired, RootCertNotYetValid, RootCertUnknownCA, RootCertNameMismatch, RootPlainHTTP, RootProtocolMismatch,
		RootNXDomain, RootServfail, RootResolverUnreachable, RootDNSTimeout,
		RootAppException, RootAppOverloaded,
	}
}

// Root is the fact under a cause, with its evidence. A root is reported
// only with evidence: a log line, a process fact, a configuration line.
type Root struct {
	Code  RootCode `json:"code"`
	Count int64    `json:"count"` // occurrences behind it (events, lines), at least 1
	// Summary names the fact: "gunicorn (pid 4242) listens on
	// 127.0.0.1:8001; nginx points at :8000 (api.conf:14)".
	Summary string `json:"summary"`
	// Evidence is the line or fact that shows it, sanitised.
	Evidence string `json:"evidence"`
	// Source is where the evidence came from: listeners, app_log,
	// kernel, gateway_config, probe, error_log.
	Source string `json:"source"`
	// NextStep is the specific step (the unit to restart, the file:line
	// to fix); empty when the cause's own next step stands.
	NextStep string    `json:"next_step,omitempty"`
	LastSeen time.Time `json:"last_seen,omitzero"`
}
