package probe

import (
	"context"
	"net"
	"net/http/httptrace"
	"time"

	"github.com/gwtop/gwtop/model"
)

// probeTCP runs one TCP connect check: OK once the handshake completes. It is
// what HAProxy's L4 check does, and the right probe for upstreams that do not
// speak HTTP, or whose HTTP answer we cannot judge.
//
// It reads nothing: whatever an upstream sends on accept (a banner, or
// data without end) stays in the kernel's socket buffer until the reset,
// so a talkative upstream costs no memory.
func (p *Prober) probeTCP(parent context.Context) model.ProbeResult {
	start := time.Now()
	res := p.result(start)
	tr := newTracker(start)

	ctx, cancel := context.WithTimeout(parent, p.timeout)
	defer cancel()
	// net.Dialer fires the DNS and connect hooks of an httptrace trace
	// found in its context, so DNS is its own phase and a dual-stack
	// dial's failed attempts are ignored exactly as for HTTP.
	ctx = httptrace.WithClientTrace(ctx, tr.trace())

	conn, err := p.dial(ctx, "tcp", p.addr)
	end := time.Now()
	st := tr.stage(false)
	res.Phases, _ = tr.phases(end)
	if err != nil {
		fail(&res, causeOf(err, st, parent), err)
		p.explain(&res, err, st)
		return res
	}
	closeNoTimeWait(conn)
	res.OK = true
	return res
}

// closeNoTimeWait closes with SO_LINGER 0 (a reset instead of FIN): the side
// that closes first keeps the port in TIME_WAIT for a minute, and a probe of
// hundreds of upstreams every second would otherwise pile thousands of them
// on the gateway host — the very port exhaustion gwtop diagnoses. The
// upstream sees a connection opened and reset, as with HAProxy's L4 checks.
func closeNoTimeWait(c net.Conn) {
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	c.Close()
}
