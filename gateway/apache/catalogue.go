package apache

import (
	"strings"

	"github.com/gwtop/gwtop/model"
)

// This file is mod_proxy's message catalogue: every APLOGNO message of
// httpd's proxy modules (and the few of mod_ssl and the HTTP filters) that
// is about a backend, from httpd's own source (the comment of each row
// quotes its format string; catalogue_test.go has a row per id naming the
// file). Matching is on the AH id and, where one id carries several texts
// (AH00898, ap_proxyerror's "%s returned by %s"), a message prefix. The
// "(errno)text:" Apache puts before the id decides the cause where present:
// the same AH01102 "error reading status line" is a timeout with (70007),
// a reset with (104) and a close with (20014).

// Mode says whether a catalogued line is a failure's own report.
type Mode uint8

const (
	// Always: the line reports one failure.
	Always Mode = iota
	// UnlessReported: a follow-up Apache writes after another line of the
	// same request (same pid:tid) that usually reported the failure
	// already; counted only when none did.
	UnlessReported
	// Context: never counted (a state change, or a line whose errno does
	// not tell a cause), but the backend it names is remembered for the
	// thread's next lines.
	Context
)

// Phase says how a rule reads the errno.
type Phase uint8

const (
	PhaseNone    Phase = iota // the errno does not change the cause
	PhaseConnect              // connect(): 111 refused, 110/70007 timed out, …
	PhaseRead                 // reading the response: 70007 timeout, 104 reset, 20014/70014 closed
	PhaseWrite                // sending the request: only a timeout or a reset is telling
	PhaseSocket               // creating the socket: the gateway's own limits
)

// Rule is one catalogue entry.
type Rule struct {
	ID     string // AH id
	Source string // httpd source file (under modules/)
	Format string // the format string, as in the source
	// Prefix selects this rule among several with one id: the message
	// must start with it.
	Prefix string
	// Cause is the cause when the errno does not decide; CauseNone for a
	// catalogued line that is not a backend failure (a client's body, a
	// configuration refusal), listed so the decision is on record.
	Cause model.Cause
	Phase Phase
	Mode  Mode
	// Warn: Apache logs this failure at warn, and it is the only line
	// there is (AH01106's bad header), so warn counts for it.
	Warn bool
	// Remote: only a backend failure when log.c wrote "[remote …]" (a
	// connection Apache opened); with "[client …]" it is the client's.
	Remote bool
	// addr finds the backend (and the URI) in the message.
	addr func(m string) (addr, uri string)
	// hostOnly: the address the message names has no port; a better one
	// remembered from the thread's previous line wins.
	hostOnly bool
}

// The address extractors, one per shape of message.
var (
	// "… (host:port) …": the first parenthesised host:port.
	parenAddr = func(m string) (string, string) { return firstParenHostPort(m), "" }
	// "… to %pI (%s)": the resolved address after "to ".
	afterTo = func(m string) (string, string) { return wordAfter(m, " to "), "" }
	// "… remote server %s:%d"
	afterServer = func(m string) (string, string) { return wordAfter(m, "remote server "), "" }
	// "… to %s:%u failed" (uwsgi), "… to %s:" (fcgi)
	afterToColon = func(m string) (string, string) {
		return strings.TrimSuffix(wordAfter(m, " to "), ":"), ""
	}
	// "… backend: %s" — a hostname, no port.
	afterBackend = func(m string) (string, string) { return wordAfter(m, "backend: "), "" }
	// "%s: …" — a balancer name before the first colon-space.
	balancerName = func(m string) (string, string) {
		if b, _, ok := strings.Cut(m, ": "); ok && strings.HasPrefix(b, "balancer://") {
			return b, ""
		}
		return "", ""
	}
	// "%s: Forcing worker (%s) …": the worker's URL.
	workerInParens = func(m string) (string, string) {
		if _, rest, ok := strings.Cut(m, "worker ("); ok {
			if w, _, ok := strings.Cut(rest, ")"); ok {
				return WorkerAddr(w), ""
			}
		}
		return "", ""
	}
	// "DNS lookup failure for: %s returned by %s"
	dnsName = func(m string) (string, string) {
		rest := strings.TrimPrefix(m, "DNS lookup failure for: ")
		host, uri, _ := strings.Cut(rest, " returned by ")
		return host, uri
	}
	// "%s returned by %s": only the URI.
	returnedBy = func(m string) (string, string) {
		if i := strings.LastIndex(m, " returned by "); i >= 0 {
			uri := m[i+len(" returned by "):]
			if sp := strings.IndexByte(uri, ' '); sp >= 0 { // "… by %s (%s)": the method follows
				uri = uri[:sp]
			}
			return "", uri
		}
		return "", ""
	}
	// "… Unix domain socket %s (%s:%hu) …"
	unixSocket = func(m string) (string, string) {
		if p := wordAfter(m, "Unix domain socket "); p != "" {
			return "unix:" + p, ""
		}
		return "", ""
	}
	// "… via http CONNECT …": the target before " via ".
	connectTarget = func(m string) (string, string) { return wordAfter(m, "attempt to connect to "), "" }
	// "… for target %s"
	forTarget = func(m string) (string, string) { return wordAfter(m, "for target "), "" }
	noAddr    = func(string) (string, string) { return "", "" }
)

// Catalogue lists the rules, by source file. Rows with CauseNone are
// decisions not to count a backend-related message, kept so the reason is
// written down.
var Catalogue = []Rule{
	// modules/proxy/proxy_util.c — connecting
	{ID: "AH00957", Source: "proxy/proxy_util.c", Format: `"%s: attempt to connect to %pI (%s:%hu) failed"`,
		Cause: model.CauseRefused, Phase: PhaseConnect, addr: parenAddr},
	{ID: "AH00939", Source: "proxy/proxy_util.c", Format: `"%s: attempt to connect to %pI (%s) failed"`,
		Cause: model.CauseRefused, Phase: PhaseConnect, addr: connectTarget},
	{ID: "AH02454", Source: "proxy/proxy_util.c", Format: `"%s: attempt to connect to Unix domain socket %s (%s:%hu) failed"`,
		Cause: model.CauseRefused, Phase: PhaseConnect, addr: unixSocket},
	{ID: "AH00958", Source: "proxy/proxy_util.c", Format: `"%s: attempt to connect to %s:%hu via http CONNECT through %pI (%s:%hu) failed"`,
		Cause: model.CauseRefused, Phase: PhaseConnect, addr: connectTarget},
	{ID: "AH00952", Source: "proxy/proxy_util.c", Format: `"%s: error creating fam %d socket to %pI for (%s:%hu)"`,
		Cause: model.CauseGatewayLimits, Phase: PhaseSocket, addr: parenAddr},
	{ID: "AH00935", Source: "proxy/proxy_util.c", Format: `"%s: error creating fam %d socket for target %s"`,
		Cause: model.CauseGatewayLimits, Phase: PhaseSocket, addr: forTarget},
	{ID: "AH02453", Source: "proxy/proxy_util.c", Format: `"%s: error creating Unix domain socket %s (%s:%hu)"`,
		Cause: model.CauseGatewayLimits, Phase: PhaseSocket, addr: unixSocket},
	// The worker is put in error state after the AH00957 just before:
	// a state change, not another failure.
	{ID: "AH00959", Source: "proxy/proxy_util.c", Format: `"ap_proxy_connect_backend disabling worker for (%s:%d) for %" APR_TIME_T_FMT "s"`,
		Cause: model.CauseRefused, Mode: Context, addr: parenAddr},
	// Every request to a worker in error state (within its retry
	// period) gets a 503 and only this line: nothing live to send it to.
	{ID: "AH00940", Source: "proxy/proxy_util.c", Format: `"%s: disabled connection for (%s:%d)"`,
		Cause: model.CauseNoLiveUpstreams, addr: parenAddr},
	// The worker's connection pool (max=) had no free connection in time.
	{ID: "AH00941", Source: "proxy/proxy_util.c", Format: `"%s: failed to acquire connection for (%s:%d)"`,
		Cause: model.CauseGatewayLimits, addr: parenAddr},
	{ID: "AH00934", Source: "proxy/proxy_util.c", Format: `"all workers are busy.  Unable to serve %s"`,
		Cause: model.CauseNoLiveUpstreams, addr: func(m string) (string, string) {
			return WorkerAddr(wordAfter(m, "Unable to serve ")), ""
		}},
	{ID: "AH00960", Source: "proxy/proxy_util.c", Format: `"%s: an error occurred creating a new connection to %pI (%s)%s"`,
		Cause: model.CauseGatewayLimits, addr: afterTo},
	{ID: "AH00961", Source: "proxy/proxy_util.c", Format: `"%s: failed to enable ssl support for %pI (%s)"`,
		Cause: model.CauseTLS, addr: func(m string) (string, string) { return wordAfter(m, "support for "), "" }},
	// Sending the request body: (20014) alone does not say why; the line
	// after it does (AH00898 "Error during SSL Handshake", AH01097).
	{ID: "AH01084", Source: "proxy/proxy_util.c", Format: `"pass request body failed to %pI (%s)"`,
		Cause: model.CauseNone, Phase: PhaseWrite, addr: afterTo},
	// Reading the client's request body: the client's failure.
	{ID: "AH01095", Source: "proxy/proxy_util.c", Format: `"prefetch request body failed to %pI (%s) from %s (%s)"`, Cause: model.CauseNone, Mode: Context, addr: noAddr},
	{ID: "AH01096", Source: "proxy/proxy_util.c", Format: `"processing prefetched request body failed to %pI (%s) from %s (%s)"`, Cause: model.CauseNone, Mode: Context, addr: noAddr},
	{ID: "AH02608", Source: "proxy/proxy_util.c", Format: `"read request body failed to %pI (%s) from %s (%s)"`, Cause: model.CauseNone, Mode: Context, addr: noAddr},

	// ap_proxyerror (proxy_util.c AH00898 "%s returned by %s"): the text
	// comes from the caller.
	{ID: "AH00898", Prefix: "DNS lookup failure for: ", Source: "proxy/proxy_util.c", Format: `"DNS lookup failure for: " hostname`,
		Cause: model.CauseDNS, addr: dnsName},
	{ID: "AH00898", Prefix: "Error during SSL Handshake with remote server", Source: "proxy/proxy_util.c", Format: `"Error during SSL Handshake with remote server"`,
		Cause: model.CauseTLS, addr: returnedBy},
	// After AH01102, which said why (timeout, reset, close).
	{ID: "AH00898", Prefix: "Error reading from remote server", Source: "proxy/mod_proxy_http.c", Format: `"Error reading from remote server"`,
		Cause: model.CausePrematureClose, Mode: UnlessReported, addr: returnedBy},
	{ID: "AH00898", Prefix: "Timeout on 100-Continue", Source: "proxy/mod_proxy_http.c", Format: `"Timeout on 100-Continue"`,
		Cause: model.CauseReadTimeout, Mode: UnlessReported, addr: returnedBy},
	{ID: "AH00898", Prefix: "Corrupt status line returned by remote server", Source: "proxy/mod_proxy_http.c", Format: `"Corrupt status line returned by remote server: ", buffer`,
		Cause: model.CauseBadResponse, addr: returnedBy},
	{ID: "AH00898", Prefix: "Unexpected Upgrade: ", Source: "proxy/mod_proxy_http.c", Format: `"Unexpected Upgrade: ", upgrade, " (expecting ", …`,
		Cause: model.CauseBadResponse, addr: returnedBy},
	{ID: "AH00898", Prefix: "Malformed connection header", Source: "proxy/mod_proxy_http.c", Format: `"Malformed connection header"`,
		Cause: model.CauseBadResponse, addr: returnedBy},
	{ID: "AH00898", Prefix: "Too many (", Source: "proxy/mod_proxy_http.c", Format: `"Too many (%d) interim responses from origin server"`,
		Cause: model.CauseBadResponse, addr: returnedBy},
	// ProxyBlock and a bad request URI: policy and the client, not a backend.
	{ID: "AH00898", Prefix: "Connect to remote machine blocked", Source: "proxy/proxy_util.c", Format: `"Connect to remote machine blocked"`, Cause: model.CauseNone, Mode: Context, addr: noAddr},
	{ID: "AH00898", Prefix: "URI ", Source: "proxy/proxy_util.c", Format: `"URI cannot be parsed: ", *url / "URI has no hostname: ", *url`, Cause: model.CauseNone, Mode: Context, addr: noAddr},
	{ID: "AH00898", Prefix: "Max-Forwards ", Source: "proxy/mod_proxy.c", Format: `"Max-Forwards has reached zero - proxy loop?"`, Cause: model.CauseNone, Mode: Context, addr: noAddr},

	// modules/proxy/mod_proxy_http.c
	{ID: "AH01102", Source: "proxy/mod_proxy_http.c", Format: `"error reading status line from remote server %s:%d"`,
		Cause: model.CausePrematureClose, Phase: PhaseRead, addr: afterServer},
	{ID: "AH01110", Source: "proxy/mod_proxy_http.c", Format: `"Network error reading response"`,
		Cause: model.CausePrematureClose, Phase: PhaseRead, addr: noAddr},
	{ID: "AH10293", Source: "proxy/mod_proxy_http.c", Format: `"Unexpected empty data reading response"`,
		Cause: model.CausePrematureClose, addr: noAddr},
	{ID: "AH02475", Source: "proxy/mod_proxy_http.c", Format: `"Response chunk/line was too large to parse"`,
		Cause: model.CauseBadResponse, addr: noAddr},
	{ID: "AH02476", Source: "proxy/mod_proxy_http.c", Format: `"Response Transfer-Encoding was not recognised"`,
		Cause: model.CauseBadResponse, addr: noAddr},
	// The header-reading failures are logged at warn; AH01106 follows
	// AH10124/AH10404 and is the one that means "the client got 502".
	{ID: "AH10124", Source: "proxy/mod_proxy_http.c", Format: `"header size is over the limit allowed by ResponseFieldSize (%d bytes). Bad response header: '%.*s[...]%s'"`,
		Cause: model.CauseBadResponse, Warn: true, addr: noAddr},
	{ID: "AH10404", Source: "proxy/mod_proxy_http.c", Format: `"Error reading headers from backend"`,
		Cause: model.CauseBadResponse, Phase: PhaseRead, Warn: true, addr: noAddr},
	{ID: "AH01106", Source: "proxy/mod_proxy_http.c", Format: `"bad HTTP/%d.%d header returned by %s (%s)"`,
		Cause: model.CauseBadResponse, Warn: true, Mode: UnlessReported, addr: returnedBy},
	{ID: "AH01097", Source: "proxy/mod_proxy_http.c", Format: `"pass request body failed to %pI<>%pI (%s) from %s (%s)"`,
		Cause: model.CausePrematureClose, Phase: PhaseWrite, Mode: UnlessReported, addr: afterTo},
	{ID: "AH10154", Source: "proxy/mod_proxy_http.c", Format: `"pass request body failed to %pI (%s) from %s (%s) with status %i"`,
		Cause: model.CausePrematureClose, Phase: PhaseWrite, Mode: UnlessReported, addr: afterTo},
	// After the AH00957/AH00952/AH00898 line that said why.
	{ID: "AH01114", Source: "proxy/mod_proxy_http.c", Format: `"HTTP: failed to make connection to backend: %s"`,
		Cause: model.CauseRefused, Mode: UnlessReported, addr: afterBackend, hostOnly: true},

	// modules/http/http_filters.c: the backend's response header
	// (proxied responses are checked as Apache's own are).
	{ID: "AH02428", Source: "http/http_filters.c", Format: `"Empty response header name, aborting request"`,
		Cause: model.CauseBadResponse, addr: noAddr},
	{ID: "AH02429", Source: "http/http_filters.c", Format: `"Response header name '%s' contains invalid characters, aborting request"`,
		Cause: model.CauseBadResponse, addr: noAddr},
	{ID: "AH02430", Source: "http/http_filters.c", Format: `"Response header '%s' value of '%s' contains invalid characters, aborting request"`,
		Cause: model.CauseBadResponse, addr: noAddr},

	// modules/proxy/mod_proxy_balancer.c
	{ID: "AH01167", Source: "proxy/mod_proxy_balancer.c", Format: `"%s: All workers are in error state for route (%s)"`,
		Cause: model.CauseNoLiveUpstreams, addr: balancerName},
	{ID: "AH01170", Source: "proxy/mod_proxy_balancer.c", Format: `"%s: All workers are in error state"`,
		Cause: model.CauseNoLiveUpstreams, addr: balancerName},
	{ID: "AH01171", Source: "proxy/mod_proxy_balancer.c", Format: `"%s: No workers in balancer"`,
		Cause: model.CauseNoLiveUpstreams, addr: balancerName},
	{ID: "AH01174", Source: "proxy/mod_proxy_balancer.c", Format: `"%s: Forcing worker (%s) into error state due to status code %d matching 'failonstatus' balancer parameter"`,
		Cause: model.CauseUpstream5xx, addr: workerInParens},
	// After the AH01102 (70007) of the same request.
	{ID: "AH02460", Source: "proxy/mod_proxy_balancer.c", Format: `"%s: Forcing worker (%s) into error state due to timeout and 'failontimeout' parameter being set"`,
		Cause: model.CauseReadTimeout, Mode: UnlessReported, addr: workerInParens},

	// modules/proxy/mod_proxy_fcgi.c
	{ID: "AH01067", Source: "proxy/mod_proxy_fcgi.c", Format: `"Failed to read FastCGI header"`,
		Cause: model.CausePrematureClose, Phase: PhaseRead, addr: noAddr},
	{ID: "AH01068", Source: "proxy/mod_proxy_fcgi.c", Format: `"Got bogus version %d"`, Cause: model.CauseBadResponse, addr: noAddr},
	{ID: "AH01069", Source: "proxy/mod_proxy_fcgi.c", Format: `"Got bogus rid %d, expected %d"`, Cause: model.CauseBadResponse, addr: noAddr},
	{ID: "AH01070", Source: "proxy/mod_proxy_fcgi.c", Format: `"Error parsing script headers"`, Cause: model.CauseBadResponse, addr: noAddr},
	{ID: "AH01072", Source: "proxy/mod_proxy_fcgi.c", Format: `"Got bogus record %d"`, Cause: model.CauseBadResponse, addr: noAddr},
	{ID: "AH02537", Source: "proxy/mod_proxy_fcgi.c", Format: `"Error occurred reading padding"`,
		Cause: model.CausePrematureClose, Phase: PhaseRead, addr: noAddr},
	{ID: "AH01073", Source: "proxy/mod_proxy_fcgi.c", Format: `"Failed Writing Request to %s:"`,
		Cause: model.CauseReset, Phase: PhaseWrite, addr: afterToColon},
	{ID: "AH01074", Source: "proxy/mod_proxy_fcgi.c", Format: `"Failed writing Environment to %s:"`,
		Cause: model.CauseReset, Phase: PhaseWrite, addr: afterToColon},
	{ID: "AH01075", Source: "proxy/mod_proxy_fcgi.c", Format: `"Error dispatching request to %s: %s%s%s"`,
		Cause: model.CausePrematureClose, Phase: PhaseRead, addr: afterToColon},
	// The application's stderr (PHP notices and errors), not a failure
	// of the backend connection.
	{ID: "AH01071", Source: "proxy/mod_proxy_fcgi.c", Format: `"Got error '%.*s'"`, Cause: model.CauseNone, Mode: Context, addr: noAddr},
	{ID: "AH01079", Source: "proxy/mod_proxy_fcgi.c", Format: `"failed to make connection to backend: %s"`,
		Cause: model.CauseRefused, Mode: UnlessReported, addr: afterBackend, hostOnly: true},

	// modules/proxy/mod_proxy_uwsgi.c
	{ID: "AH10098", Source: "proxy/mod_proxy_uwsgi.c", Format: `"sending data to %s:%u failed"`,
		Cause: model.CauseReset, Phase: PhaseWrite, addr: afterTo},
	{ID: "AH10294", Source: "proxy/mod_proxy_uwsgi.c", Format: `"Unexpected empty data reading uwscgi response"`,
		Cause: model.CausePrematureClose, addr: noAddr},
	{ID: "AH10101", Source: "proxy/mod_proxy_uwsgi.c", Format: `"failed to make connection to backend: %s:%u"`,
		Cause: model.CauseRefused, Mode: UnlessReported, addr: afterBackend},
	// The request is too big for uwsgi's 16-bit packet: the client's.
	{ID: "AH10259", Source: "proxy/mod_proxy_uwsgi.c", Format: `"can't send headers to %s:%u: packet size too large (%" APR_SIZE_T_FMT ")"`, Cause: model.CauseNone, Mode: Context, addr: noAddr},

	// modules/proxy/mod_proxy_ajp.c
	{ID: "AH00868", Source: "proxy/mod_proxy_ajp.c", Format: `"request failed to %pI (%s:%hu)"`,
		Cause: model.CauseReset, Phase: PhaseWrite, addr: parenAddr},
	{ID: "AH00876", Source: "proxy/mod_proxy_ajp.c", Format: `"send failed to %pI (%s:%hu)"`,
		Cause: model.CauseReset, Phase: PhaseWrite, addr: parenAddr},
	{ID: "AH00878", Source: "proxy/mod_proxy_ajp.c", Format: `"read response failed from %pI (%s:%hu)"`,
		Cause: model.CausePrematureClose, Phase: PhaseRead, addr: parenAddr},
	{ID: "AH00893", Source: "proxy/mod_proxy_ajp.c", Format: `"dialog to %pI (%s:%hu) failed"`,
		Cause: model.CausePrematureClose, Phase: PhaseRead, Mode: UnlessReported, addr: parenAddr},
	{ID: "AH00897", Source: "proxy/mod_proxy_ajp.c", Format: `"cping/cpong failed to %pI (%s:%hu)"`,
		Cause: model.CauseReadTimeout, Phase: PhaseRead, addr: parenAddr},
	{ID: "AH00896", Source: "proxy/mod_proxy_ajp.c", Format: `"failed to make connection to backend: %s"`,
		Cause: model.CauseRefused, Mode: UnlessReported, addr: afterBackend, hostOnly: true},

	// modules/proxy/mod_proxy_wstunnel.c
	{ID: "AH02452", Source: "proxy/mod_proxy_wstunnel.c", Format: `"failed to make connection to backend: %s"`,
		Cause: model.CauseRefused, Mode: UnlessReported, addr: afterBackend, hostOnly: true},
	// An idle tunnel reaching ProxyTimeout: not a failure.
	{ID: "AH10225", Source: "proxy/mod_proxy_wstunnel.c", Format: `"Tunnel timed out"`, Cause: model.CauseNone, Mode: Context, addr: noAddr},

	// modules/ssl: the handshake with a backend is logged at info on the
	// backend connection ("[remote host:port]"); at the default warn
	// level only AH00898's "Error during SSL Handshake" appears.
	{ID: "AH02003", Source: "ssl/ssl_engine_io.c", Format: `"SSL Proxy connect failed"`, Cause: model.CauseTLS, Remote: true, Mode: Context, addr: noAddr},
	{ID: "AH02004", Source: "ssl/ssl_engine_io.c", Format: `"SSL Proxy: Peer certificate is expired"`, Cause: model.CauseTLS, Remote: true, Mode: Context, addr: noAddr},
	{ID: "AH02411", Source: "ssl/ssl_engine_io.c", Format: `"SSL Proxy: Peer certificate does not match for hostname %s"`, Cause: model.CauseTLS, Remote: true, Mode: Context, addr: noAddr},
	{ID: "AH02005", Source: "ssl/ssl_engine_io.c", Format: `"SSL Proxy: Peer certificate CN mismatch: Certificate CN: %s Requested hostname: %s"`, Cause: model.CauseTLS, Remote: true, Mode: Context, addr: noAddr},
	{ID: "AH02008", Source: "ssl/ssl_engine_io.c", Format: `"SSL library error %d in handshake (server %s)"`, Cause: model.CauseTLS, Remote: true, Mode: Context, addr: noAddr},
	// Certificate verification is logged at error for both sides: a
	// backend's certificate on a "[remote …]" connection.
	{ID: "AH02039", Source: "ssl/ssl_engine_kernel.c", Format: `"Certificate Verification: Error (%d): %s"`, Cause: model.CauseTLS, Remote: true, addr: noAddr},
}

// rulesByID indexes Catalogue.
var rulesByID = func() map[string][]*Rule {
	m := map[string][]*Rule{}
	for i := range Catalogue {
		r := &Catalogue[i]
		m[r.ID] = append(m[r.ID], r)
	}
	return m
}()

// lookup returns the rule for an id and message, or nil.
func lookup(id, msg string) *Rule {
	for _, r := range rulesByID[id] {
		if strings.HasPrefix(msg, r.Prefix) {
			return r
		}
	}
	return nil
}

// classify sets r.Rule, r.Addr, r.URI and r.Cause.
func classify(r *ErrorRecord) {
	rule := lookup(r.ID, r.Message)
	if rule == nil {
		return
	}
	r.Rule = rule
	r.Addr, r.URI = rule.addr(r.Message)
	if rule.Remote {
		if !r.Remote {
			r.Rule = nil // the client's certificate or handshake
			return
		}
		r.Addr = r.Peer
	}
	rank := levelRank(r.Level)
	if r.Level == "" {
		rank = rankError // a line quoted without its level
	}
	if rank > rankError && !(rule.Warn && rank == rankWarn) {
		return // below error: not a failure
	}
	if rule.Mode == Context {
		return
	}
	r.Cause = errnoCause(rule, r)
}

// errnoCause applies the errno to a rule's cause.
func errnoCause(rule *Rule, r *ErrorRecord) model.Cause {
	if r.ErrKind == "EAI" {
		return model.CauseDNS // getaddrinfo failed, whatever the message
	}
	n := r.Errno
	if r.ErrKind == "OS" || n == 0 {
		if rule.Phase == PhaseWrite && rule.Cause == model.CauseNone {
			return model.CauseNone
		}
		return rule.Cause
	}
	switch n {
	case 24, 23, // EMFILE, ENFILE: Apache's descriptors
		99: // EADDRNOTAVAIL: Apache's ephemeral ports
		return model.CauseGatewayLimits
	case 13:
		return model.CausePermission // socket mode/owner, SELinux's httpd_can_network_connect
	}
	switch rule.Phase {
	case PhaseConnect:
		switch n {
		case 111, 2: // ECONNREFUSED; ENOENT: no socket file
			return model.CauseRefused
		case 11: // EAGAIN on a unix socket: the backend's accept backlog is full
			return causeOverloaded
		case 110, 70007, // ETIMEDOUT, APR_TIMEUP (ProxyPass connectiontimeout=)
			113, 101, 112: // EHOSTUNREACH, ENETUNREACH, EHOSTDOWN
			return model.CauseConnectTimeout
		case 104, 32:
			return model.CauseReset
		}
	case PhaseRead, PhaseWrite:
		switch n {
		case 70007, 110: // APR_TIMEUP: ProxyTimeout / timeout= ran out
			return model.CauseReadTimeout
		case 104, 32: // ECONNRESET, EPIPE
			return model.CauseReset
		case 70014, 20014, 103: // APR_EOF, APR_EGENERAL (closed with nothing read), ECONNABORTED
			if rule.Phase == PhaseRead {
				return model.CausePrematureClose
			}
		}
		if rule.Phase == PhaseWrite && rule.Cause == model.CauseNone {
			return model.CauseNone // the next line says why
		}
	}
	return rule.Cause
}

// causeOverloaded is the cause of a full accept backlog: "overloaded" once
// the model knows that code, refused (what nginx's rules say for the same
// EAGAIN) until then.
var causeOverloaded = func() model.Cause {
	if c := model.Cause("overloaded"); c.Index() >= 0 {
		return c
	}
	return model.CauseRefused
}()

// wordAfter returns the word (up to a space or the end) after the first
// sep in m, "" if sep is absent.
func wordAfter(m, sep string) string {
	_, rest, ok := strings.Cut(m, sep)
	if !ok {
		return ""
	}
	if sp := strings.IndexByte(rest, ' '); sp >= 0 {
		rest = rest[:sp]
	}
	return rest
}

// firstParenHostPort returns the first "(x)" in m whose x looks like
// host:port (a colon, no space).
func firstParenHostPort(m string) string {
	for {
		o := strings.IndexByte(m, '(')
		if o < 0 {
			return ""
		}
		m = m[o+1:]
		c := strings.IndexByte(m, ')')
		if c < 0 {
			return ""
		}
		if in := m[:c]; strings.IndexByte(in, ':') > 0 && strings.IndexByte(in, ' ') < 0 {
			return in
		}
	}
}
