// Package demo runs a self-contained stand-in for an nginx gateway and its
// upstreams, so `gwtop demo` can show gwtop at work with one command and no
// nginx installed.
//
// Start launches, all in-process on 127.0.0.1: a set of upstream HTTP servers
// that misbehave on a deploy-like schedule (refusing connections, answering
// too slowly, crashing mid-request, throwing 500s), a reverse proxy in front
// of them that writes nginx's access log, error log and stub_status page byte
// for byte in nginx's formats, and a traffic generator. gwtop then watches
// the demo through exactly the collectors and configuration it uses for a
// real nginx: the demo is only ever seen through those files and URLs.
package demo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httputil"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// Gateway timeouts, as the demo's nginx.conf would set them
// (proxy_connect_timeout 1s; proxy_read_timeout 1s).
const (
	connectTimeout = time.Second
	readTimeout    = time.Second
)

// serverName is the server_name of the demo's server block ("server: demo").
const serverName = "demo"

// statusPath is where stub_status is served.
const statusPath = "/nginx_status"

// quietLogger swallows net/http's own diagnostics, which would otherwise land
// on stderr in the middle of gwtop's terminal UI.
var quietLogger = log.New(io.Discard, "", 0)

// Options configure Start.
type Options struct {
	Dir  string // where the logs go; "" creates a temporary directory that Close removes
	Rate int    // requests per second the traffic generator sends; 0 means 40
	Seed int64  // seeds the jitter and failure choices; 0 picks one from the clock
	// Speed makes the failure schedule run this many times faster than the
	// wall clock (0 means 1). Request latencies and the gateway's timeouts
	// stay real. Tests use it to reach the failures quickly.
	Speed float64
}

// Upstream is one upstream server as gwtop should be configured to watch it.
type Upstream struct {
	Name     string // the server's own name ("payments", "auth-1")
	Group    string // the nginx upstream group and route prefix ("/auth/...")
	Address  string // as nginx writes it in $upstream_addr: "127.0.0.1:PORT"
	ProbeURL string // "http://127.0.0.1:PORT/health", misbehaving like the rest
}

// Gateway is a running demo.
type Gateway struct {
	Dir       string // directory of the logs
	AccessLog string // path of access.log
	ErrorLog  string // path of error.log
	LogFormat string // the log_format of AccessLog (== LogFormat)
	StatusURL string // stub_status page
	ProxyURL  string // the gateway's front address, "http://127.0.0.1:PORT"
	Upstreams []Upstream

	removeDir bool
	cancel    context.CancelFunc
	once      sync.Once
	closeErr  error
	watchDone chan struct{}

	stats    *stubStatus
	access   *logWriter
	errw     *logWriter
	proxy    *httputil.ReverseProxy
	tr       *http.Transport
	pools    map[string]*peerPool
	ups      []*upstream
	srv      *http.Server
	inflight gate
	quit     chan struct{}

	serveDone, flushDone, schedDone, trafficDone chan struct{}
}

// Start launches the demo gateway, its upstreams and its traffic. Everything
// stops when ctx ends or Close is called.
func Start(ctx context.Context, opt Options) (g *Gateway, err error) {
	if opt.Rate <= 0 {
		opt.Rate = 40
	}
	if opt.Seed == 0 {
		opt.Seed = time.Now().UnixNano()
	}
	g = &Gateway{
		LogFormat: LogFormat,
		pools:     make(map[string]*peerPool),
		stats:     newStubStatus(),
		quit:      make(chan struct{}),
		watchDone: make(chan struct{}),
	}
	// Until everything is up, a failure tears down what was started.
	started := false
	defer func() {
		if !started {
			g.teardownPartial()
			g = nil
		}
	}()

	if opt.Dir == "" {
		if g.Dir, err = os.MkdirTemp("", "gwtop-demo-"); err != nil {
			return nil, fmt.Errorf("demo: %w", err)
		}
		g.removeDir = true
	} else {
		if err = os.MkdirAll(opt.Dir, 0o755); err != nil {
			return nil, fmt.Errorf("demo: %w", err)
		}
		g.Dir = opt.Dir
	}
	g.AccessLog = filepath.Join(g.Dir, "access.log")
	g.ErrorLog = filepath.Join(g.Dir, "error.log")
	if g.access, err = openLog(g.AccessLog); err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	if g.errw, err = openLog(g.ErrorLog); err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}

	now := time.Now()
	sched := newSchedule(now, opt.Speed)
	for i, sp := range specs {
		u, err := newUpstream(sp, sched, newLockedRand(opt.Seed+int64(i)+1), g.quit)
		if err != nil {
			return nil, err
		}
		g.ups = append(g.ups, u)
		pool := g.pools[sp.group]
		if pool == nil {
			pool = &peerPool{name: sp.group}
			g.pools[sp.group] = pool
		}
		pool.peers = append(pool.peers, &peer{addr: u.addr})
		g.Upstreams = append(g.Upstreams, Upstream{
			Name: sp.name, Group: sp.group, Address: u.addr, ProbeURL: "http://" + u.addr + "/health",
		})
	}

	// Like nginx's default proxying: a fresh HTTP/1.1 connection per attempt
	// (no upstream keepalive), its own connect and read timeouts, a 4k header
	// buffer (proxy_buffer_size), nothing taken from the environment.
	g.tr = &http.Transport{
		DialContext:            (&net.Dialer{Timeout: connectTimeout}).DialContext,
		ResponseHeaderTimeout:  readTimeout,
		DisableKeepAlives:      true,
		DisableCompression:     true,
		MaxResponseHeaderBytes: 4 << 10,
	}
	g.proxy = &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			// proxy_pass http://<group>; — the URI goes unchanged and Host
			// is $proxy_host, the group name. The transport picks the peer.
			ex, _ := pr.In.Context().Value(exchangeKey{}).(*exchange)
			pr.Out.URL.Scheme = "http"
			pr.Out.URL.Host = ex.pool.name
			pr.Out.Host = ex.pool.name
		},
		Transport:      &upstreamTransport{base: g.tr, pools: g.pools, errlog: &errorLog{w: g.errw, pid: os.Getpid()}},
		ErrorHandler:   g.proxyError,
		ModifyResponse: hideServer,
		ErrorLog:       quietLogger,
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	front := ln.Addr().String()
	g.ProxyURL = "http://" + front
	g.StatusURL = g.ProxyURL + statusPath
	g.srv = &http.Server{
		Handler:           http.HandlerFunc(g.serveHTTP),
		ConnContext:       g.stats.connContext,
		ConnState:         g.stats.connState,
		ErrorLog:          quietLogger,
		ReadHeaderTimeout: 60 * time.Second, // client_header_timeout
		IdleTimeout:       75 * time.Second, // keepalive_timeout
	}
	g.serveDone = make(chan struct{})
	go func() {
		defer close(g.serveDone)
		_ = g.srv.Serve(ln)
	}()

	ictx, cancel := context.WithCancel(ctx)
	g.cancel = cancel
	g.flushDone = make(chan struct{})
	go g.flushLoop()
	g.schedDone = make(chan struct{})
	go g.scheduleLoop(ictx, sched)
	g.trafficDone = make(chan struct{})
	tr := newTraffic(g.ProxyURL, opt.Rate, newLockedRand(opt.Seed))
	go func() {
		defer close(g.trafficDone)
		tr.run(ictx)
	}()
	go func() {
		defer close(g.watchDone)
		<-ictx.Done()
		g.once.Do(g.shutdown)
	}()
	started = true
	return g, nil
}

// Close stops the traffic, the schedule and every server, flushes and closes
// the logs, and removes the directory if Start created it. It waits for all
// of the demo's goroutines and may be called more than once.
func (g *Gateway) Close() error {
	g.cancel()
	g.once.Do(g.shutdown)
	<-g.watchDone
	return g.closeErr
}

// shutdown runs once, from Close or when Start's context ends. Traffic stops
// first (its abandoned requests are logged as 499, as nginx would), then the
// gateway, so no request is left to meet an upstream that has already gone.
func (g *Gateway) shutdown() {
	g.cancel()
	<-g.trafficDone
	<-g.schedDone
	_ = g.srv.Close()
	<-g.serveDone
	close(g.quit)
	g.inflight.closeAndWait()
	for _, u := range g.ups {
		u.stop()
	}
	g.tr.CloseIdleConnections()
	<-g.flushDone
	g.closeErr = errors.Join(g.access.close(), g.errw.close())
	if g.removeDir {
		g.closeErr = errors.Join(g.closeErr, os.RemoveAll(g.Dir))
	}
}

// teardownPartial undoes a Start that failed halfway.
func (g *Gateway) teardownPartial() {
	close(g.quit)
	for _, u := range g.ups {
		u.stop()
	}
	if g.access != nil {
		_ = g.access.close()
	}
	if g.errw != nil {
		_ = g.errw.close()
	}
	if g.removeDir {
		_ = os.RemoveAll(g.Dir)
	}
}

// flushLoop hands buffered log lines to the files every 100 ms, well within
// the 200 ms a tailer may wait, until the gateway stops serving.
func (g *Gateway) flushLoop() {
	defer close(g.flushDone)
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			g.access.flush()
			g.errw.flush()
		case <-g.quit:
			return
		}
	}
}

// scheduleLoop closes and reopens the listeners of upstreams whose schedule
// says they are down ("restarting").
func (g *Gateway) scheduleLoop(ctx context.Context, sched *schedule) {
	defer close(g.schedDone)
	t := time.NewTicker(25 * time.Millisecond)
	defer t.Stop()
	for {
		now := time.Now()
		for _, u := range g.ups {
			_ = u.setListening(sched.modeOf(u.name, now) != modeDown)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// serveHTTP is the gateway's request handling: stub_status, the proxied
// routes, or nginx's 404.
func (g *Gateway) serveHTTP(w http.ResponseWriter, r *http.Request) {
	if !g.inflight.enter() {
		return
	}
	defer g.inflight.leave()
	start := time.Now()
	cs := g.stats.requestStarted(r.Context())
	w.Header().Set("Server", "nginx")
	if r.URL.Path == statusPath {
		// access_log off for the status location, as is usual, so gwtop's
		// polling does not count as traffic.
		g.stats.ServeHTTP(w, r)
		return
	}

	rec := &recorder{ResponseWriter: w}
	ex := &exchange{in: r}
	if cs != nil {
		ex.conn = cs.serial
	}
	defer func() {
		// Deferred so it also runs when ReverseProxy aborts a broken body
		// copy with panic(http.ErrAbortHandler).
		g.logAccess(r, rec, ex, start)
	}()

	pool := g.pools[routeOf(r.URL.Path)]
	if pool == nil {
		ex = nil
		writeErrorPage(rec, http.StatusNotFound)
		return
	}
	ex.pool = pool
	g.proxy.ServeHTTP(rec, r.WithContext(context.WithValue(r.Context(), exchangeKey{}, ex)))
}

// routeOf is the first path segment: "/users/42" → "users", "/search" → "search".
func routeOf(path string) string {
	p := strings.TrimPrefix(path, "/")
	if i := strings.IndexByte(p, '/'); i >= 0 {
		p = p[:i]
	}
	return p
}

func (g *Gateway) logAccess(r *http.Request, rec *recorder, ex *exchange, start time.Time) {
	e := accessEntry{
		remoteAddr: clientAddr(r),
		request:    requestLine(r),
		status:     rec.status,
		bodyBytes:  rec.bytes,
		referer:    r.Referer(),
		userAgent:  r.UserAgent(),
		start:      start,
		end:        time.Now(),
	}
	if ex != nil {
		e.ex = ex
		ex.mu.Lock()
		if ex.clientClosed {
			e.status = 499 // client closed request, nginx's own code
		}
		ex.mu.Unlock()
	}
	if e.status == 0 {
		e.status = http.StatusOK
	}
	g.access.writeLine(appendAccessLine(make([]byte, 0, 320), &e))
}

// proxyError is ReverseProxy's ErrorHandler. The transport has already
// classified and logged each failed attempt; what is left is nginx's answer:
// its default error page with the status of the last attempt (504 when one of
// its timers fired, 502 otherwise), or nothing for a client that left.
func (g *Gateway) proxyError(w http.ResponseWriter, r *http.Request, err error) {
	if ex, _ := r.Context().Value(exchangeKey{}).(*exchange); ex != nil && r.Context().Err() != nil {
		ex.mu.Lock()
		ex.clientClosed = true
		ex.mu.Unlock()
		return
	}
	status := http.StatusBadGateway
	var pe *proxyError
	if errors.As(err, &pe) {
		status = pe.status
	}
	writeErrorPage(w, status)
}

// hideServer drops the upstream's Server header, as proxy_hide_header does by
// default, leaving nginx's own.
func hideServer(resp *http.Response) error {
	resp.Header.Del("Server")
	return nil
}

var statusTitles = map[int]string{
	http.StatusNotFound:           "404 Not Found",
	http.StatusBadGateway:         "502 Bad Gateway",
	http.StatusServiceUnavailable: "503 Service Temporarily Unavailable",
	http.StatusGatewayTimeout:     "504 Gateway Time-out",
}

// errorPage is ngx_http_special_response.c's page with server_tokens off
// (hence "nginx" without a version: 150 bytes for 502, 160 for 504).
func errorPage(status int) string {
	title := statusTitles[status]
	if title == "" {
		title = fmt.Sprintf("%d %s", status, http.StatusText(status))
	}
	return "<html>\r\n<head><title>" + title + "</title></head>\r\n<body>\r\n<center><h1>" + title +
		"</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
}

func writeErrorPage(w http.ResponseWriter, status int) {
	body := errorPage(status)
	h := w.Header()
	h.Set("Server", "nginx")
	h.Set("Content-Type", "text/html")
	h.Set("Content-Length", fmt.Sprint(len(body)))
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body)
}

// gate counts the gateway's running handlers so shutdown can wait for them
// (http.Server.Close does not) before the logs are closed.
type gate struct {
	mu     sync.Mutex
	wg     sync.WaitGroup
	closed bool
}

func (g *gate) enter() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		return false
	}
	g.wg.Add(1)
	return true
}

func (g *gate) leave() { g.wg.Done() }

func (g *gate) closeAndWait() {
	g.mu.Lock()
	g.closed = true
	g.mu.Unlock()
	g.wg.Wait()
}
