// Package diagnose turns evidence about one upstream into ranked probable
// causes, each with a hint and a next step written for an operator at 3 a.m.
// It is pure: no I/O, no clocks of its own.
package diagnose

import (
	"fmt"
	"net"
	"strings"

	"github.com/gwtop/gwtop/model"
)

// Target describes the upstream a hint is about, so the text can name it.
type Target struct {
	Name    string
	Address string // 10.0.0.12:8080, unix:/run/app.sock, a group name
	// Knobs are the words of the gateway in front of it (nginx's
	// proxy_read_timeout, HAProxy's timeout server); empty ones read as
	// the generic words.
	Knobs Knobs
}

// Knobs are a gateway kind's names for what an operator tunes, as its
// hints quote them. Each gateway's package fills its own; an empty field
// falls back to a generic phrase that fits any gateway.
type Knobs struct {
	// Kind and Title name the gateway ("nginx", "Apache httpd"); the
	// registry fills them, so a root can say "nginx points at :8000".
	Kind, Title string
	ReadTimeout string // nginx: proxy_read_timeout
	BufferSize  string // nginx: proxy_buffer_size
	TLSName     string // nginx: proxy_ssl_server_name (SNI to the upstream)
	Resolver    string // nginx: the `resolver` directive
	Passive     string // nginx: max_fails/fail_timeout
	Conns       string // nginx: worker_connections
	FDs         string // nginx: worker_rlimit_nofile
	Status      string // nginx: stub_status accepts − handled
	Pass        string // nginx: *_pass (where the upstream address is written)
}

func or(v, def string) string {
	if v != "" {
		return v
	}
	return def
}

func (k Knobs) readTimeout() string { return or(k.ReadTimeout, "the gateway's read timeout") }
func (k Knobs) bufferSize() string  { return or(k.BufferSize, "the gateway's header buffer size") }
func (k Knobs) tlsName() string     { return or(k.TLSName, "the SNI name the gateway sends") }
func (k Knobs) resolver() string    { return or(k.Resolver, "the gateway's resolver setting") }
func (k Knobs) passive() string     { return or(k.Passive, "the gateway's failure thresholds") }
func (k Knobs) conns() string       { return or(k.Conns, "the gateway's connection limit") }
func (k Knobs) fds() string         { return or(k.FDs, "its open-file limit") }
func (k Knobs) status() string      { return or(k.Status, "the gateway's status page") }
func (k Knobs) pass() string        { return or(k.Pass, "the gateway's configuration") }

func (t Target) hostPort() (host, port string) {
	if strings.HasPrefix(t.Address, "unix:") {
		return "", ""
	}
	h, p, err := net.SplitHostPort(t.Address)
	if err != nil {
		return t.Address, ""
	}
	return h, p
}

func (t Target) socket() string { return strings.TrimPrefix(t.Address, "unix:") }

func (t Target) isUnix() bool { return strings.HasPrefix(t.Address, "unix:") }

// Hint returns the one-line hint and the next step for a cause on a target.
func Hint(code model.Cause, t Target) (hint, next string) {
	host, port := t.hostPort()
	addr := t.Address
	if addr == "" {
		addr = t.Name
	}
	portGrep := "ss -ltnp"
	if port != "" {
		portGrep = fmt.Sprintf("ss -ltnp | grep :%s", port)
	}
	nc := "nc -vz HOST PORT"
	if host != "" && port != "" {
		nc = fmt.Sprintf("nc -vz -w 2 %s %s", host, port)
	}
	switch code {
	case model.CauseRefused:
		if t.isUnix() {
			return fmt.Sprintf("nothing listens on socket %s — is the service running?", t.socket()),
				fmt.Sprintf("`ls -l %s` and `systemctl status <svc>`; check the socket path matches %s", t.socket(), t.Knobs.pass())
		}
		return fmt.Sprintf("nothing listens on %s — is the service running, or still starting?", addr),
			fmt.Sprintf("on that host: `%s`, `systemctl status <svc>`; its log for a start-up failure", portGrep)
	case model.CauseConnectTimeout:
		return fmt.Sprintf("connecting to %s gets no answer — host down, firewall dropping, or wrong IP", addr),
			fmt.Sprintf("from the gateway host: `%s`; check firewall/security-group rules and the address in the gateway config", nc)
	case model.CauseReadTimeout:
		return fmt.Sprintf("%s accepts connections but answers too slowly — overloaded or stuck on a dependency", addr),
			fmt.Sprintf("check its CPU, worker queue and database latency; raise %s only for routes meant to be long", t.Knobs.readTimeout())
	case model.CausePrematureClose:
		return fmt.Sprintf("%s closed the connection without a response — a worker crashed, was OOM-killed or restarted", addr),
			"read the upstream's log at that second for a traceback; `dmesg -T | grep -i oom`; align the app server's worker timeout with the gateway's"
	case model.CauseReset:
		return fmt.Sprintf("%s reset the connection (RST) — process killed, or a keep-alive connection reused after it closed", addr),
			"make the upstream's keep-alive timeout longer than the gateway's; check restart times and any LB/firewall idle timeout in between"
	case model.CauseBadResponse:
		return fmt.Sprintf("%s answered something that is not valid HTTP, or headers too big for the gateway's buffers", addr),
			fmt.Sprintf("`curl -sv http://%s/` from the gateway host; check header sizes (cookies) against %s", addr, t.Knobs.bufferSize())
	case model.CauseTLS:
		return fmt.Sprintf("TLS handshake to %s failed — certificate, SNI, protocol mismatch, or plain HTTP on a TLS port", addr),
			fmt.Sprintf("`openssl s_client -connect %s -servername NAME`; check %s and the scheme", addr, t.Knobs.tlsName())
	case model.CauseDNS:
		name := t.Name
		if name == "" {
			name = host
		}
		return fmt.Sprintf("the gateway cannot resolve %s — resolver down, or the name does not exist", name),
			fmt.Sprintf("`dig %s @RESOLVER` from the gateway host; check %s and /etc/resolv.conf", name, t.Knobs.resolver())
	case model.CauseNoLiveUpstreams:
		return fmt.Sprintf("every server of %s is marked down or at max_conns, so the gateway does not even try", t.Name),
			fmt.Sprintf("look at the earlier causes on each server of the group; check %s and health-check settings", t.Knobs.passive())
	case model.CauseUpstream5xx:
		return fmt.Sprintf("%s itself answered 5xx — an application error, not the gateway", addr),
			"read the upstream application's log and traceback for those requests"
	case model.CauseGatewayLimits:
		return fmt.Sprintf("the gateway host is out of something: file descriptors, ports, %s, CPU or memory", t.Knobs.conns()),
			fmt.Sprintf("`ulimit -n`, `ss -s` (TIME_WAIT), %s; raise %s and %s, enable upstream keepalive", t.Knobs.status(), t.Knobs.fds(), t.Knobs.conns())
	case model.CauseOverloaded:
		return fmt.Sprintf("%s is up but takes no more: its listen backlog is full, every worker is busy, or it sheds load (503 + Retry-After)", addr),
			fmt.Sprintf("on that host: `ss -ltn` Recv-Q of its listener against the backlog, the app server's busy workers (pm.max_children, uWSGI listen queue); add workers or instances, a larger backlog, shed load earlier at %s", or(t.Knobs.Title, "the gateway"))
	case model.CausePermission:
		if t.isUnix() {
			return fmt.Sprintf("the gateway may not connect to socket %s — file mode or owner", t.socket()),
				fmt.Sprintf("`ls -l %s`; fix the socket owner/mode (e.g. PHP-FPM listen.owner/listen.mode)", t.socket())
		}
		return fmt.Sprintf("the gateway may not connect to %s — SELinux or a local policy denies it", addr),
			"`getenforce`; `setsebool -P httpd_can_network_connect 1`; the audit log"
	}
	return "", ""
}

// Member is one server of a group, as GroupHint reports it.
type Member struct {
	Name  string
	State model.State
	Cause model.Cause // its leading cause now; empty when it has none
}

// GroupHint completes the no_live_upstreams hint of a group with what its
// servers say: the gateway stopped trying them because each failed first,
// and their causes are the real answer.
func GroupHint(group string, members []Member, k Knobs) (hint, next string) {
	if len(members) == 0 {
		return "", ""
	}
	var parts []string
	causes := map[model.Cause]int{}
	for _, m := range members {
		p := m.Name + " " + string(m.State)
		if m.Cause != "" {
			p += " (" + string(m.Cause) + ")"
			causes[m.Cause]++
		}
		parts = append(parts, p)
	}
	hint = fmt.Sprintf("every server of %s is marked down or at max_conns — its servers: %s", group, strings.Join(parts, ", "))
	next = "fix the servers' own causes first (each server's next step); then check " + k.passive()
	if len(causes) == 1 {
		for c := range causes {
			next = fmt.Sprintf("the servers fail with %s: fix that first (each server's next step says how); then check %s", c, k.passive())
		}
	}
	return hint, next
}
