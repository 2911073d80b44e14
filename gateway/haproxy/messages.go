package haproxy

import (
	"strconv"
	"strings"

	"github.com/gwtop/gwtop/model"
)

// Severity is a syslog severity (RFC 5424: 0 emerg … 7 debug), the level
// HAProxy gave a message; SeverityUnknown when the line does not say
// (HAProxy's bare stderr lines, a syslog file without the <PRI>).
type Severity int

// The severities HAProxy logs at (send_log's LOG_* levels), and the one
// for a line that states none.
const (
	SeverityEmerg   Severity = 0
	SeverityAlert   Severity = 1
	SeverityErr     Severity = 3
	SeverityWarning Severity = 4
	SeverityNotice  Severity = 5
	SeverityInfo    Severity = 6
	SeverityUnknown Severity = -1
)

// Message is what one of HAProxy's own messages says: a state change,
// a health check's result, a connect failure of the gateway itself.
type Message struct {
	// Backend and Server name the proxy and the server the message is
	// about; Server is empty for a message about a whole proxy. Both are
	// quoted from the line as HAProxy wrote them.
	Backend, Server string
	// Cause is the failure the message states; empty when it states none
	// (a server coming up, an operator's maintenance or drain).
	Cause model.Cause
	// Inferred marks a cause read from an indirect signal (HAProxy's
	// observe/on-error summary, an external check's exit code).
	Inferred bool
	// Gateway is true when the failure is the gateway's own (its source
	// ports, file descriptors, memory): it belongs to no upstream.
	Gateway bool
	// Backlog is true for HAProxy's "check backlog size on the server": a
	// unix-socket upstream whose accept queue is full. The request lines
	// of Backend that follow (SC--) are that upstream turning work away.
	Backlog bool
	// Note is gwtop's reading of the message when the cause code alone
	// would mislead (a health check answered 404: its URL is wrong, the
	// application is not failing); it is added to the evidence.
	Note string
}

// maxMessageLen bounds how much of a message the classifier reads: every
// message of the catalogue fits in the first few hundred bytes.
const maxMessageLen = 4096

// ClassifyMessage reads one of HAProxy's own messages, without its syslog
// or stderr prefix. ok is false for a message outside the catalogue (taken
// from src/server.c, src/check.c, src/backend.c, src/proto_tcp.c,
// src/proto_uxst.c and src/sock.c).
func ClassifyMessage(msg string) (m Message, ok bool) {
	if len(msg) > maxMessageLen {
		msg = msg[:maxMessageLen]
	}
	msg = strings.TrimRight(msg, " \r\n")
	switch {
	case strings.HasPrefix(msg, "Server "), strings.HasPrefix(msg, "Backup Server "):
		return serverMessage(strings.TrimPrefix(strings.TrimPrefix(msg, "Backup "), "Server "))
	case strings.HasPrefix(msg, "Health check for "), strings.HasPrefix(msg, "Agent check for "):
		return checkMessage(msg)
	case strings.HasSuffix(msg, " has no server available!"):
		return noServerMessage(strings.TrimSuffix(msg, " has no server available!"))
	case strings.HasPrefix(msg, "Cannot bind to source address before connect() for backend "),
		strings.HasPrefix(msg, "Cannot bind to tproxy source address before connect() for backend "):
		// proto_tcp.c: the source address or port range of "source" is
		// exhausted or not local — the gateway's own resources.
		_, rest, _ := strings.Cut(msg, " for backend ")
		be, _, _ := strings.Cut(rest, ".")
		return proxyMessage(be, Message{Cause: model.CauseGatewayLimits, Gateway: true})
	case strings.HasPrefix(msg, "Connect() failed for backend "):
		rest := strings.TrimPrefix(msg, "Connect() failed for backend ")
		be, why, found := strings.Cut(rest, ": ")
		if !found {
			return Message{}, false
		}
		switch {
		case strings.HasPrefix(why, "can't connect to destination unix socket, check backlog size on the server"):
			// proto_uxst.c: EAGAIN on connect() to a unix socket — the
			// upstream's listen backlog is full: alive, taking no more.
			return proxyMessage(be, Message{Cause: model.CauseOverloaded, Backlog: true})
		case strings.HasPrefix(why, "no free ports"), strings.HasPrefix(why, "local address already in use"):
			// proto_tcp.c/proto_uxst.c: EADDRNOTAVAIL/EADDRINUSE — out of
			// local ports.
			return proxyMessage(be, Message{Cause: model.CauseGatewayLimits, Gateway: true})
		}
		return Message{}, false
	case strings.HasPrefix(msg, "Proxy ") && (strings.Contains(msg, " reached the configured maximum connection limit") ||
		strings.Contains(msg, " reached system FD limit") || strings.Contains(msg, " reached process FD limit") ||
		strings.Contains(msg, " reached system memory limit")):
		// sock.c: accept() failed on the global maxconn, ENFILE, EMFILE,
		// ENOMEM — HAProxy stops accepting clients.
		px, _, _ := strings.Cut(strings.TrimPrefix(msg, "Proxy "), " reached ")
		return proxyMessage(px, Message{Cause: model.CauseGatewayLimits, Gateway: true})
	}
	return Message{}, false
}

// proxyMessage completes a message about a whole proxy named px.
func proxyMessage(px string, m Message) (Message, bool) {
	px = strings.Trim(px, "'")
	if px == "" || strings.ContainsAny(px, " /'") {
		return Message{}, false
	}
	m.Backend = px
	return m, true
}

// noServerMessage reads backend.c's set_backend_down: "backend be has no
// server available!" (syslog) or "backend 'be' has no server available!"
// (stderr); "proxy" for a listen section.
func noServerMessage(s string) (Message, bool) {
	kind, name, ok := strings.Cut(s, " ")
	if !ok || (kind != "backend" && kind != "proxy") {
		return Message{}, false
	}
	return proxyMessage(name, Message{Cause: model.CauseNoLiveUpstreams})
}

// splitServer cuts "be/srv rest" into its names and the rest.
func splitServer(s string) (backend, server, rest string, ok bool) {
	name, rest, _ := strings.Cut(s, " ")
	backend, server, ok = strings.Cut(name, "/")
	if !ok || backend == "" || server == "" || strings.Contains(server, "/") {
		return "", "", "", false
	}
	return backend, server, rest, true
}

// serverMessage reads server.c's state changes after "[Backup ]Server ".
func serverMessage(s string) (Message, bool) {
	backend, server, rest, ok := splitServer(s)
	if !ok {
		return Message{}, false
	}
	m := Message{Backend: backend, Server: server}
	switch {
	case strings.HasPrefix(rest, "is DOWN, reason: "):
		// _srv_update_status_op with the check's reason.
		m.Cause, m.Inferred, m.Note = checkReason(strings.TrimPrefix(rest, "is DOWN, reason: "))
		return m, true
	case strings.HasPrefix(rest, "is DOWN/"), strings.HasPrefix(rest, "is DOWN (leaving"):
		// Leaving maintenance or drain while checks still fail: the
		// failure was reported when it happened.
		return m, true
	case strings.HasPrefix(rest, "is DOWN"):
		// Without a reason: the health check's own line gave it
		// ("option log-health-checks"), the server tracks another ("via
		// be/srv": that server's line gives it), or an operator set it
		// ("changed from CLI", "from Web interface", "from Lua script",
		// "from server-state after a reload").
		return m, true
	case strings.HasPrefix(rest, "is going DOWN for maintenance"), strings.HasPrefix(rest, "was DOWN and now enters maintenance"):
		// _srv_update_status_adm: maintenance, with srv_adm_st_chg_cause
		// in parentheses. The resolver's causes are DNS failures; an
		// operator's ("'disable' on stats page", none at all) and an SRV
		// record that no longer lists the server are deliberate.
		if c := admCause(rest); c != "" {
			m.Cause = c
		}
		return m, true
	case strings.HasPrefix(rest, "is UP"), strings.HasPrefix(rest, "is stopping"),
		strings.HasPrefix(rest, "enters drain state"), strings.HasPrefix(rest, "remains in "),
		strings.HasPrefix(rest, "is leaving forced maintenance"), strings.HasPrefix(rest, "administratively READY"),
		strings.HasPrefix(rest, "renamed from "), strings.HasPrefix(rest, "('"):
		// Recovery, NOLB (disable-on-404), drain, leaving maintenance,
		// "('host') is UP/READY (resolves again)": not failures.
		return m, true
	}
	return Message{}, false
}

// admCause reads the cause in parentheses of a maintenance message.
func admCause(rest string) model.Cause {
	i := strings.IndexByte(rest, '(')
	if i < 0 {
		return ""
	}
	c, _, _ := strings.Cut(rest[i+1:], ")")
	switch strings.TrimSpace(c) {
	case "DNS NX status", "DNS timeout status", "DNS refused status", "unspecified DNS error", "No IP for server":
		return model.CauseDNS
	}
	return ""
}

// checkMessage reads check.c's "Health check for [backup ]server be/srv
// failed|succeeded|conditionally succeeded, reason: …" ("option
// log-health-checks") and the same for "Agent check".
func checkMessage(msg string) (Message, bool) {
	agent := strings.HasPrefix(msg, "Agent ")
	s := strings.TrimPrefix(strings.TrimPrefix(msg, "Health check for "), "Agent check for ")
	s = strings.TrimPrefix(s, "backup ")
	s, ok := strings.CutPrefix(s, "server ")
	if !ok {
		return Message{}, false
	}
	backend, server, rest, ok := splitServer(s)
	if !ok {
		return Message{}, false
	}
	m := Message{Backend: backend, Server: server}
	switch {
	case strings.HasPrefix(rest, "failed, reason: "):
		if agent {
			// An agent that cannot be reached does not take the server
			// down (check.c): only its "down"/"fail" report does, and
			// that is logged as the server going DOWN.
			return m, true
		}
		m.Cause, m.Inferred, m.Note = checkReason(strings.TrimPrefix(rest, "failed, reason: "))
		return m, true
	case strings.HasPrefix(rest, "succeeded"), strings.HasPrefix(rest, "conditionally succeeded"):
		return m, true
	}
	return Message{}, false
}

// checkReason reads check_append_info: "<desc>[, code: N][, info:
// "…"][, check duration: Nms]…".
func checkReason(s string) (cause model.Cause, inferred bool, note string) {
	reason, rest, _ := strings.Cut(s, ",")
	if i := strings.Index(reason, ". "); i >= 0 {
		reason = reason[:i] // "Health analyze. 0 active …" never, but be safe
	}
	code := 0
	if v, ok := strings.CutPrefix(strings.TrimSpace(rest), "code: "); ok {
		c, _, _ := strings.Cut(v, ",")
		c, _, _ = strings.Cut(c, ".")
		code, _ = strconv.Atoi(strings.TrimSpace(c))
	}
	info := ""
	if _, v, ok := strings.Cut(rest, `info: "`); ok {
		info, _, _ = strings.Cut(v, `"`)
	}
	st, known := reasonStatus[strings.TrimSpace(reason)]
	if !known {
		return "", false, ""
	}
	return CheckCause(st, code, reason, info), checkInferred(st, info), CheckNote(st, code)
}
