package demo

import (
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

// slowDelay is how long a "slow" upstream takes to answer: well past the
// gateway's read timeout, so the gateway gives up first and answers 504.
const slowDelay = 2500 * time.Millisecond

// Shares of requests that misbehave in the probabilistic modes.
const (
	crashShare   = 0.22 // crashy: close the connection without answering
	resetShare   = 0.08 // crashy: reset the connection (RST) without answering
	errorShare   = 0.25 // erroring: HTTP 500
	warmupShare  = 0.40 // warm-up: answer slower than the read timeout
	warmupMinLag = 1200 * time.Millisecond
	warmupMaxLag = 2000 * time.Millisecond
)

// spec describes one demo upstream server.
type spec struct {
	name, group string
	lo, hi      time.Duration // latency range when healthy
}

// specs are the demo's upstream servers. Each is its own HTTP server on its
// own port; the group is the route (/<group>/...) and nginx upstream block.
var specs = []spec{
	{"users", "users", 5 * time.Millisecond, 20 * time.Millisecond},
	{"catalog", "catalog", 20 * time.Millisecond, 60 * time.Millisecond},
	{"search", "search", 10 * time.Millisecond, 40 * time.Millisecond},
	{"payments", "payments", 30 * time.Millisecond, 80 * time.Millisecond},
	{"orders", "orders", 10 * time.Millisecond, 40 * time.Millisecond},
	{"inventory", "inventory", 10 * time.Millisecond, 30 * time.Millisecond},
	{"auth-1", "auth", 5 * time.Millisecond, 15 * time.Millisecond},
	{"auth-2", "auth", 5 * time.Millisecond, 15 * time.Millisecond},
}

// lockedRand is a seeded source shared by concurrent handlers.
type lockedRand struct {
	mu sync.Mutex
	r  *rand.Rand
}

func newLockedRand(seed int64) *lockedRand {
	return &lockedRand{r: rand.New(rand.NewPCG(uint64(seed), uint64(seed)^0x9e3779b97f4a7c15))}
}

func (l *lockedRand) float64() float64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.r.Float64()
}

func (l *lockedRand) intN(n int) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.r.IntN(n)
}

// between is a uniformly jittered duration in [lo, hi].
func (l *lockedRand) between(lo, hi time.Duration) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	return lo + time.Duration(l.r.Int64N(int64(hi-lo)+1))
}

// upstream is one demo backend. Its listener can be closed and reopened on the
// same address, which is what a restarting service looks like to nginx.
type upstream struct {
	spec
	addr  string // "127.0.0.1:PORT", fixed for the life of the demo
	sched *schedule
	rnd   *lockedRand
	quit  <-chan struct{} // closed when the demo shuts down: slow handlers stop waiting

	mu   sync.Mutex
	srv  *http.Server  // nil while "down"
	done chan struct{} // closed when srv.Serve has returned
}

func newUpstream(sp spec, sched *schedule, rnd *lockedRand, quit <-chan struct{}) (*upstream, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("demo: upstream %s: %w", sp.name, err)
	}
	u := &upstream{spec: sp, addr: ln.Addr().String(), sched: sched, rnd: rnd, quit: quit}
	u.mu.Lock()
	u.serveLocked(ln)
	u.mu.Unlock()
	return u, nil
}

func (u *upstream) serveLocked(ln net.Listener) {
	srv := &http.Server{Handler: u, ErrorLog: quietLogger, ReadHeaderTimeout: 10 * time.Second}
	done := make(chan struct{})
	u.srv, u.done = srv, done
	go func() {
		defer close(done)
		_ = srv.Serve(ln)
	}()
}

// setListening opens or closes the listener. Closing also drops the open
// connections, as the exit of the old process would. Reopening binds the same
// address again; Go sets SO_REUSEADDR, so TIME_WAIT leftovers do not block it,
// and a failure (port briefly taken) is simply retried on the next tick.
func (u *upstream) setListening(want bool) error {
	u.mu.Lock()
	defer u.mu.Unlock()
	switch {
	case want && u.srv == nil:
		ln, err := net.Listen("tcp", u.addr)
		if err != nil {
			return err
		}
		u.serveLocked(ln)
	case !want && u.srv != nil:
		_ = u.srv.Close()
		<-u.done
		u.srv, u.done = nil, nil
	}
	return nil
}

// ServeHTTP answers /health and every application path, misbehaving as the
// schedule says at this moment.
func (u *upstream) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch u.sched.modeOf(u.name, time.Now()) {
	case modeSlow:
		if !u.wait(r, slowDelay) {
			return
		}
	case modeWarmup:
		if u.rnd.float64() < warmupShare && !u.wait(r, u.rnd.between(warmupMinLag, warmupMaxLag)) {
			return
		}
	case modeCrashy:
		// The worker dies after reading the request: the gateway is left
		// waiting for a response header that never comes.
		switch p := u.rnd.float64(); {
		case p < resetShare:
			u.crash(w, true)
			return
		case p < resetShare+crashShare:
			u.crash(w, false)
			return
		}
	case modeErroring:
		if u.rnd.float64() < errorShare {
			// A proper application error: nginx passes it through and logs
			// nothing in the error log.
			if !u.wait(r, u.rnd.between(u.lo, u.hi)) {
				return
			}
			u.reply(w, http.StatusInternalServerError, `{"error":"internal server error","service":"`+u.name+`"}`)
			return
		}
	}
	if !u.wait(r, u.rnd.between(u.lo, u.hi)) {
		return
	}
	if r.URL.Path == "/health" {
		u.reply(w, http.StatusOK, `{"status":"ok","service":"`+u.name+`"}`)
		return
	}
	id := strings.TrimPrefix(r.URL.Path, "/"+u.group)
	u.reply(w, http.StatusOK, fmt.Sprintf(`{"service":%q,"path":%q,"items":%d}`, u.name, id, u.rnd.intN(50)))
}

func (u *upstream) reply(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", fmt.Sprint(len(body)+1))
	w.WriteHeader(status)
	_, _ = w.Write([]byte(body + "\n"))
}

// wait sleeps d unless the request is abandoned (the gateway timed out and
// closed the connection) or the demo shuts down; it reports whether to answer.
func (u *upstream) wait(r *http.Request, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.Context().Done():
		return false
	case <-u.quit:
		return false
	}
}

// crash closes the connection without a byte of response. With reset, linger
// 0 makes the kernel send RST instead of FIN, so the gateway's read fails with
// ECONNRESET instead of seeing end of file.
func (u *upstream) crash(w http.ResponseWriter, reset bool) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic(http.ErrAbortHandler)
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		return
	}
	if tc, ok := conn.(*net.TCPConn); ok && reset {
		_ = tc.SetLinger(0)
	}
	_ = conn.Close()
}

// stop closes the server for good.
func (u *upstream) stop() {
	_ = u.setListening(false)
}
