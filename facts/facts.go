// Package facts holds the plain data gwtop gathers about what lies under an
// upstream's failures: the host's listening sockets and the processes that
// own them, the app servers' own log events, the kernel's OOM kills and the
// gateway's configured timeouts. Collectors fill these (collector/procnet,
// collector/applog, each gateway's Settings); diagnose.Roots reads them to
// name the root of a cause. The package imports nothing of gwtop's but
// model, so every layer may import it.
package facts

import (
	"strconv"
	"time"
)

// Process is what /proc says of one process.
type Process struct {
	PID     int
	PPID    int
	Comm    string   // the kernel's name (comm): gunicorn, uwsgi, php-fpm8.2
	Cmdline []string // argv; one string when the process rewrote its title
	Start   time.Time
	// Unit is the systemd unit whose cgroup holds it ("payments.service"),
	// "" when none; Container is the container id or name the cgroup path
	// shows ("docker-3f2a…", a kubepods pod), "" on the host.
	Unit      string
	Container string
}

// Listener is one listening socket.
type Listener struct {
	// Addr is HOST:PORT as net.JoinHostPort writes it ("127.0.0.1:8001",
	// "[::1]:8001", "0.0.0.0:80", "[::]:80"), or "unix:/run/app.sock".
	Addr  string
	Inode uint64
	// AcceptQueue is the number of connections waiting to be accepted
	// (rx_queue of a LISTEN socket). Backlog is the queue's size when it
	// is known, else 0: /proc/net/tcp does not print it (ss gets it over
	// netlink). Both 0 for unix sockets.
	AcceptQueue int
	Backlog     int
	// Owner is the process holding the socket; nil when it is not known
	// (not scanned yet, another user's process).
	Owner *Process
	Since time.Time // when gwtop first saw it
}

// ListenerChange is a listener that appeared or vanished.
type ListenerChange struct {
	Time     time.Time
	Listener Listener // for Gone, the listener as last seen, with its owner
	Gone     bool
	// Exited is set for Gone when the owner process no longer exists.
	Exited bool
}

// Listeners is a sample of the host's listening sockets with a short
// history of changes (oldest first).
type Listeners struct {
	Time    time.Time
	Now     []Listener
	History []ListenerChange
	// ListenOverflows and ListenDrops are the kernel's counters
	// (/proc/net/netstat TcpExt) and how much they grew over the last
	// minute.
	ListenOverflows, ListenDrops     uint64
	ListenOverflows1m, ListenDrops1m uint64
	Err                              string // why the sample is partial, "" when complete
}

// AppEventKind is what an app server's log line says happened.
type AppEventKind string

// The kinds of app-server events.
const (
	AppWorkerTimeout AppEventKind = "worker_timeout" // gunicorn WORKER TIMEOUT, uWSGI HARAKIRI, php-fpm execution timed out
	AppWorkerKilled  AppEventKind = "worker_killed"  // gunicorn "was sent SIGKILL! Perhaps out of memory?"
	AppWorkerExit    AppEventKind = "worker_exit"    // a worker exited / died / exited on signal
	AppWorkerBoot    AppEventKind = "worker_boot"    // a worker started (gunicorn "Booting worker")
	AppException     AppEventKind = "exception"      // a traceback's final "Type: message" line
	AppOverloaded    AppEventKind = "overloaded"     // listen queue full, pm.max_children reached
	AppStarting      AppEventKind = "starting"       // the master started (start-up, not a crash)
	AppStopping      AppEventKind = "stopping"       // the master shuts down
)

// AppEvent is one event in an app server's log.
type AppEvent struct {
	Time time.Time
	App  string // gunicorn, uwsgi, php-fpm
	Kind AppEventKind
	// PID is the worker's pid when the line names one; 0 otherwise.
	PID int
	// Exception is "ZeroDivisionError: division by zero" for AppException.
	Exception string
	// Timeout is the app server's own timeout in seconds when the line or
	// its configuration says it (gunicorn --timeout, harakiri); 0 unknown.
	Timeout float64
	// Detail is extra text: an exit code, a signal, a route.
	Detail string
	Line   string // the line as written (trimmed, at most a few hundred bytes)
	File   string // the log it came from
}

// OOMKill is one kernel OOM kill.
type OOMKill struct {
	Time time.Time
	PID  int
	Comm string
	// Cgroup is the task's memory cgroup when the kernel printed it
	// ("/system.slice/payments.service").
	Cgroup string
	Line   string
}

// Setting is one gateway configuration value that bears on an upstream,
// with where it is written.
type Setting struct {
	Gateway string // the kind: nginx, haproxy, apache
	// Upstream is the address (HOST:PORT, unix:PATH) or group the setting
	// applies to, as the gateway's upstream rows name it.
	Upstream string
	Route    string // "location /api/", "backend api", "ProxyPass /app" ("" for all)
	Name     string // proxy_read_timeout, timeout server, ProxyTimeout
	Value    string // as written: "1s", "30000", "60"
	// Seconds is Value as a duration in seconds when it is one; 0 otherwise.
	Seconds float64
	File    string
	Line    int
	// Default is set when the gateway's default applies (nothing written).
	Default bool
}

// Pos is "file:line", or "default" when nothing was written.
func (s Setting) Pos() string {
	if s.Default || s.File == "" {
		return "default"
	}
	return s.File + ":" + strconv.Itoa(s.Line)
}
