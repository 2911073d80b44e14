package demo

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptrace"
	"sync"
	"time"
)

// nginx's defaults for a server in an upstream block: one failure takes the
// server out of rotation for 10 s. They only apply to groups of more than one
// server; nginx never marks the only server of a group as failed.
const (
	maxFails    = 1
	failTimeout = 10 * time.Second
)

// peer is one server of an upstream group.
type peer struct {
	addr    string
	fails   int
	checked time.Time // time of the last failure
}

// peerPool is one nginx upstream block: its name (the route) and servers,
// picked round-robin with max_fails/fail_timeout like
// ngx_http_upstream_round_robin.
type peerPool struct {
	name  string
	mu    sync.Mutex
	peers []*peer
	next  int
}

// pick chooses the next peer not yet tried for this request and not marked
// failed; nil means "no live upstreams".
func (p *peerPool) pick(tried map[*peer]bool, now time.Time) *peer {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := len(p.peers)
	for i := range n {
		pe := p.peers[(p.next+i)%n]
		if tried[pe] {
			continue
		}
		if n > 1 && pe.fails >= maxFails && now.Sub(pe.checked) <= failTimeout {
			continue
		}
		p.next = (p.next + i + 1) % n
		return pe
	}
	return nil
}

// fail records a failure and reports whether it just took pe out of rotation
// (nginx then warns "upstream server temporarily disabled").
func (p *peerPool) fail(pe *peer, now time.Time) bool {
	if len(p.peers) == 1 {
		return false
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	pe.fails++
	pe.checked = now
	return pe.fails == maxFails
}

func (p *peerPool) succeed(pe *peer) {
	p.mu.Lock()
	pe.fails = 0
	p.mu.Unlock()
}

type exchangeKey struct{}

// proxyError is returned to ReverseProxy when every attempt failed; its
// ErrorHandler answers with the status of the last one.
type proxyError struct {
	failure
	err error
}

func (e *proxyError) Error() string { return e.message + ": " + e.err.Error() }
func (e *proxyError) Unwrap() error { return e.err }

var errNoLiveUpstreams = errors.New("no live upstreams")

// upstreamTransport is the gateway's RoundTripper. It plays the part of
// ngx_http_upstream: it picks a peer of the group, times the attempt's phases
// for $upstream_*, logs each failure to the error log the way nginx does, and
// moves on to the next peer (proxy_next_upstream error timeout) while the
// group has untried servers.
type upstreamTransport struct {
	base   *http.Transport
	pools  map[string]*peerPool
	errlog *errorLog
}

func (t *upstreamTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	ex, _ := req.Context().Value(exchangeKey{}).(*exchange)
	pool := t.pools[req.URL.Host]
	if ex == nil || pool == nil {
		return nil, errors.New("demo: request without a route")
	}
	uri := req.URL.RequestURI()
	tried := make(map[*peer]bool, len(pool.peers))
	var last error
	for len(tried) < len(pool.peers) {
		pe := pool.pick(tried, time.Now())
		if pe == nil {
			// The element is the group name and nothing was connected.
			a := ex.begin(pool.name)
			ex.ended(a, http.StatusBadGateway)
			t.logLine(ex, req, "error", msgNoLive, actionConnecting, "http://"+pool.name+uri)
			return nil, &proxyError{failure{msgNoLive, actionConnecting, http.StatusBadGateway}, errNoLiveUpstreams}
		}
		tried[pe] = true
		resp, a, err := t.try(req, pe, ex)
		if err == nil {
			pool.succeed(pe)
			return resp, nil
		}
		if req.Context().Err() != nil {
			// The client gave up first. nginx logs that only at info level
			// and writes 499 in the access log.
			ex.mu.Lock()
			ex.clientClosed = true
			ex.mu.Unlock()
			ex.ended(a, 0)
			return nil, err
		}
		snap := ex.snapshot(a)
		f := classify(err, snap.wrote)
		ex.ended(a, f.status)
		t.logLine(ex, req, "error", f.message, f.action, "http://"+pe.addr+uri)
		if pool.fail(pe, time.Now()) {
			t.logLine(ex, req, "warn", msgDisabled, f.action, "http://"+pe.addr+uri)
		}
		last = &proxyError{f, err}
		if req.Body != nil && req.Body != http.NoBody {
			break // a consumed body cannot be sent again
		}
	}
	return nil, last
}

// try makes one attempt at pe, timing its phases with httptrace.
func (t *upstreamTransport) try(req *http.Request, pe *peer, ex *exchange) (*http.Response, *attempt, error) {
	a := ex.begin(pe.addr)
	trace := &httptrace.ClientTrace{
		ConnectDone: func(_, _ string, err error) {
			if err == nil {
				ex.connected(a)
			}
		},
		WroteRequest: func(info httptrace.WroteRequestInfo) {
			if info.Err == nil {
				ex.wroteRequest(a)
			}
		},
	}
	out := req.Clone(httptrace.WithClientTrace(req.Context(), trace))
	out.URL.Host = pe.addr
	resp, err := t.base.RoundTrip(out)
	if err != nil {
		return nil, a, err
	}
	ex.gotHeader(a, resp.StatusCode)
	resp.Body = &timedBody{ReadCloser: resp.Body, done: func() { ex.ended(a, 0) }}
	return resp, a, nil
}

// logLine writes an error-log line about req's current upstream attempt.
func (t *upstreamTransport) logLine(ex *exchange, req *http.Request, level, msg, action, upstream string) {
	in := ex.in
	if in == nil {
		in = req
	}
	t.errlog.log(time.Now(), upstreamLine{
		level: level, conn: ex.conn, message: msg, action: action, req: in, upstream: upstream,
	})
}

// timedBody marks the end of an attempt ($upstream_response_time) when the
// body has been read to the end or closed, whichever comes first.
type timedBody struct {
	io.ReadCloser
	once sync.Once
	done func()
}

func (b *timedBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err != nil {
		b.once.Do(b.done)
	}
	return n, err
}

func (b *timedBody) Close() error {
	err := b.ReadCloser.Close()
	b.once.Do(b.done)
	return err
}
