package demo

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
)

// connPhase is what one client connection is doing, in stub_status terms.
type connPhase int32

const (
	phaseWaiting connPhase = iota // idle keep-alive, or accepted with no request yet
	phaseReading                  // reading a request
	phaseWriting                  // request read; processing and writing the response
)

// connStat is the per-connection record: its nginx connection serial (the
// "*N" of error-log lines) and its current phase.
type connStat struct {
	serial uint64
	phase  atomic.Int32
}

type connStatKey struct{}

// connStatFrom returns the record ConnContext attached to a request's context.
func connStatFrom(ctx context.Context) *connStat {
	cs, _ := ctx.Value(connStatKey{}).(*connStat)
	return cs
}

// stubStatus keeps the counters of ngx_http_stub_status_module, fed by the
// gateway server's ConnContext and ConnState hooks and its handler.
type stubStatus struct {
	serial atomic.Uint64 // ngx_connection_counter

	mu                         sync.Mutex
	conns                      map[net.Conn]*connStat
	accepts, handled, requests uint64
}

func newStubStatus() *stubStatus {
	return &stubStatus{conns: make(map[net.Conn]*connStat)}
}

// connContext is the server's ConnContext hook: it runs once per accepted
// connection, which is exactly where nginx counts accepts and handled and
// numbers the connection.
func (s *stubStatus) connContext(ctx context.Context, c net.Conn) context.Context {
	cs := &connStat{serial: s.serial.Add(1)}
	cs.phase.Store(int32(phaseWaiting))
	s.mu.Lock()
	s.conns[c] = cs
	s.accepts++
	s.handled++ // the demo never drops connections at a limit, so handled == accepts
	s.mu.Unlock()
	return context.WithValue(ctx, connStatKey{}, cs)
}

// connState is the server's ConnState hook.
func (s *stubStatus) connState(c net.Conn, st http.ConnState) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cs := s.conns[c]
	if cs == nil {
		return
	}
	switch st {
	case http.StateActive:
		cs.phase.Store(int32(phaseReading))
	case http.StateIdle:
		cs.phase.Store(int32(phaseWaiting))
	case http.StateHijacked, http.StateClosed:
		delete(s.conns, c)
	}
}

// requestStarted is called when a request's header has been read: nginx
// counts the request and moves the connection from reading to writing.
func (s *stubStatus) requestStarted(ctx context.Context) *connStat {
	s.mu.Lock()
	s.requests++
	s.mu.Unlock()
	cs := connStatFrom(ctx)
	if cs != nil {
		cs.phase.Store(int32(phaseWriting))
	}
	return cs
}

// render produces the page byte for byte as ngx_http_stub_status_module's
// ngx_sprintf formats do, trailing spaces included.
func (s *stubStatus) render() []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	var rd, wr, wa int
	for _, cs := range s.conns {
		switch connPhase(cs.phase.Load()) {
		case phaseReading:
			rd++
		case phaseWriting:
			wr++
		default:
			wa++
		}
	}
	return fmt.Appendf(nil,
		"Active connections: %d \nserver accepts handled requests\n %d %d %d \nReading: %d Writing: %d Waiting: %d \n",
		len(s.conns), s.accepts, s.handled, s.requests, rd, wr, wa)
}

// ServeHTTP answers like `location /nginx_status { stub_status; }`.
func (s *stubStatus) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body := s.render()
	h := w.Header()
	h.Set("Content-Type", "text/plain")
	h.Set("Content-Length", fmt.Sprint(len(body)))
	h.Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(body)
	}
}
