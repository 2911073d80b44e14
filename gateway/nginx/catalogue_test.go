package nginx

import (
	"bufio"
	"os"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/gwtop/gwtop/collector/feed/feedtest"
	"github.com/gwtop/gwtop/model"
)

// The catalogue: one line per upstream-related ngx_log_error format string
// of nginx's source (github.com/nginx/nginx at release-1.31.4-4-g3f6f7824),
// at the level it is logged at, as ngx_log_error_core and
// ngx_http_log_error_handler lay it out. Messages logged at several call
// sites in the same words are one row.

// Kinds of row besides a cause.
const (
	// notFailure: known, deliberately not an upstream failure, not counted.
	notFailure = model.Cause("-")
	// unknownErr: not an upstream failure gwtop can name; counted on the
	// row as other_errors, shown as the latest unknown error.
	unknownErr = model.Cause("?")
)

type catRow struct {
	level, msg, action, upstream string
	want                         model.Cause // a cause, notFailure, unknownErr or a limit key
	limit                        string      // "rate_limited:api", ...: counted on the row
	addr                         string      // the upstream named, when a failure
}

// cl is a catalogue line: an upstream's request context unless upstream
// is "-" (a line without an upstream: field).
func cl(r catRow) string {
	if r.upstream == "-" {
		s := "2026/12/01 10:00:00 [" + r.level + "] 3118#3118: *42 " + r.msg
		if r.action != "" {
			s += " while " + r.action
		}
		return s + `, client: 10.1.1.5, server: api.example.com, request: "GET /api/items HTTP/1.1", host: "api.example.com"`
	}
	u := r.upstream
	if u == "" {
		u = upTCP
	}
	s := "2026/12/01 10:00:00 [" + r.level + "] 3118#3118: *42 " + r.msg
	if r.action != "" {
		s += " while " + r.action
	}
	return s + `, client: 10.1.1.5, server: api.example.com, request: "GET /api/items HTTP/1.1", upstream: "` + u + `", host: "api.example.com"`
}

const (
	upGRPC = "grpc://10.0.0.5:50051"
	upFCGI = "fastcgi://unix:/run/php/php-fpm.sock:"
	upMC   = "memcached://10.0.0.5:11211"
	upTLS  = "https://10.0.0.5:8443/api/items"
	actUpg = "proxying upgraded connection"
	a5     = "10.0.0.5:8080"
)

var catalogue = []catRow{
	// src/http/ngx_http_upstream.c
	{level: "error", msg: `no port in upstream "backend"`, upstream: "-", want: unknownErr},
	{level: "error", msg: "no resolver defined to resolve backend.svc", upstream: "-", want: model.CauseDNS, addr: "backend.svc"},
	{level: "alert", msg: "no upstream configuration", upstream: "-", want: unknownErr},
	{level: "error", msg: "proxy_buffer_size 4096 is not enough for cache key, it should be increased to at least 4200", upstream: "-", want: unknownErr},
	{level: "error", msg: `cache "one" not found`, upstream: "-", want: unknownErr},
	{level: "crit", msg: `cache file "/var/cache/nginx/1/ab" contains invalid header`, action: actHeader, want: unknownErr},
	{level: "error", msg: "backend.svc could not be resolved (3: Host not found)", upstream: "-", want: model.CauseDNS, addr: "backend.svc"},
	{level: "error", msg: "backend.svc could not be resolved (110: Operation timed out)", upstream: "-", want: model.CauseDNS, addr: "backend.svc"},
	{level: "error", msg: "backend.svc could not be resolved (2: Server failure)", upstream: "-", want: model.CauseDNS, addr: "backend.svc"},
	{level: "info", msg: "kevent() reported that client prematurely closed connection, so upstream connection is closed too (54: Connection reset by peer)", action: actHeader, want: notFailure},
	{level: "info", msg: "kevent() reported that client prematurely closed connection (54: Connection reset by peer)", action: actBody, want: notFailure},
	{level: "info", msg: "epoll_wait() reported that client prematurely closed connection, so upstream connection is closed too", action: actHeader, want: notFailure},
	{level: "info", msg: "epoll_wait() reported that client prematurely closed connection", action: actBody, want: notFailure},
	{level: "info", msg: "client prematurely closed connection, so upstream connection is closed too", action: actHeader, want: notFailure},
	{level: "info", msg: "client prematurely closed connection", action: actBody, want: notFailure},
	{level: "error", msg: "no live upstreams", action: actConnect, upstream: "http://backend/api/items", want: model.CauseNoLiveUpstreams, addr: "backend"},
	{level: "error", msg: "SSL_set_alpn_protos() failed (SSL:)", action: actSSL, upstream: upTLS, want: unknownErr},
	{level: "error", msg: "upstream SSL certificate verify error: (20:unable to get local issuer certificate)", action: actSSL, upstream: upTLS, want: model.CauseTLS, addr: "10.0.0.5:8443"},
	{level: "error", msg: `upstream SSL certificate does not match "api.internal"`, action: actSSL, upstream: upTLS, want: model.CauseTLS, addr: "10.0.0.5:8443"},
	{level: "error", msg: `SSL_set_tlsext_host_name("api.internal") failed (SSL:)`, action: actSSL, upstream: upTLS, want: unknownErr},
	{level: "crit", msg: "setsockopt(TCP_NOPUSH) failed (22: Invalid argument)", action: actSend, want: unknownErr},
	{level: "error", msg: "upstream prematurely closed connection", action: actHeader, want: model.CausePrematureClose, addr: a5},
	{level: "error", msg: "upstream prematurely closed connection", action: actBody, want: model.CausePrematureClose, addr: a5},
	{level: "error", msg: "upstream prematurely sent response", action: actHeader, upstream: upTLS, want: model.CauseTLS, addr: "10.0.0.5:8443"},
	{level: "error", msg: "upstream sent too big header", action: actHeader, want: model.CauseBadResponse, addr: a5},
	{level: "info", msg: "upstream sent too big early hints", action: actHeader, want: notFailure},
	{level: "error", msg: "kevent() reported that connect() failed (61: Connection refused)", action: actConnect, want: model.CauseRefused, addr: a5},
	{level: "error", msg: "connect() failed (111: Connection refused)", action: actConnect, want: model.CauseRefused, addr: a5},
	{level: "error", msg: "connection upgrade in subrequest", action: actHeader, want: unknownErr},
	{level: "info", msg: "client timed out (110: Connection timed out)", action: actUpg, want: notFailure},
	{level: "info", msg: "upstream timed out (110: Connection timed out)", action: actUpg, want: notFailure},
	{level: "error", msg: "upstream timed out (110: Connection timed out)", action: actBody, want: model.CauseReadTimeout, addr: a5},
	{level: "error", msg: "upstream timed out (110: Connection timed out)", action: actHeader, want: model.CauseReadTimeout, addr: a5},
	{level: "error", msg: "upstream timed out (110: Connection timed out)", action: actConnect, want: model.CauseConnectTimeout, addr: a5},
	{level: "error", msg: "upstream timed out (110: Connection timed out)", action: actSend, want: model.CauseReadTimeout, addr: a5},
	{level: "error", msg: "upstream timed out (110: Connection timed out)", action: actSSL, upstream: upTLS, want: model.CauseTLS, addr: "10.0.0.5:8443"},
	{level: "error", msg: "upstream timed out (60: Operation timed out)", action: actHeader, want: model.CauseReadTimeout, addr: a5},
	{level: "warn", msg: `upstream sent more data than specified in "Content-Length" header`, action: actBody, want: notFailure},
	{level: "error", msg: `thread pool "default" not found`, action: actBody, want: unknownErr},
	{level: "alert", msg: "thread operation took too long", action: actBody, want: unknownErr},
	{level: "warn", msg: `upstream sent duplicate header line: "Location: /a", previous value: "Location: /b", ignored`, action: actHeader, want: notFailure},
	{level: "error", msg: `upstream sent duplicate header line: "Content-Length: 5", previous value: "Content-Length: 4"`, action: actHeader, want: model.CauseBadResponse, addr: a5},
	{level: "error", msg: `upstream sent "Content-Length" and "Transfer-Encoding" headers at the same time`, action: actHeader, want: model.CauseBadResponse, addr: a5},
	{level: "error", msg: `upstream sent invalid "Content-Length" header: "Content-Length: x"`, action: actHeader, want: model.CauseBadResponse, addr: a5},
	{level: "error", msg: `upstream sent unknown "Transfer-Encoding": "gzip"`, action: actHeader, want: model.CauseBadResponse, addr: a5},
	{level: "error", msg: `invalid local address "300.1.1.1"`, action: actConnect, want: unknownErr},

	// src/http/ngx_http_upstream_round_robin.c
	{level: "warn", msg: "upstream server temporarily disabled", action: actConnect, want: notFailure},

	// src/http/modules/ngx_http_upstream_zone_module.c (resolve, service=)
	{level: "error", msg: "service _http._tcp of backend.example.com could not be resolved (3: Host not found)", upstream: "-", want: model.CauseDNS, addr: "backend.example.com"},
	{level: "error", msg: "srv1.example.com could not be resolved (3: Host not found)", action: "resolving service _http._tcp of backend.example.com", upstream: "-", want: model.CauseDNS, addr: "srv1.example.com"},

	// src/event/ngx_event_connect.c
	{level: "alert", msg: "socket() failed (24: Too many open files)", action: actConnect, want: model.CauseGatewayLimits, addr: a5},
	{level: "alert", msg: "setsockopt(SO_RCVBUF, 65536) failed, ignored (22: Invalid argument)", action: actConnect, want: unknownErr},
	{level: "alert", msg: "ioctl(FIONBIO) failed (9: Bad file descriptor)", action: actConnect, want: unknownErr},
	{level: "crit", msg: "bind(10.0.0.1) failed (99: Cannot assign requested address)", action: actConnect, want: model.CauseGatewayLimits, addr: a5},
	{level: "crit", msg: "bind(10.0.0.1) failed (49: Can't assign requested address)", action: actConnect, want: model.CauseGatewayLimits, addr: a5},
	{level: "crit", msg: "bind(10.0.0.1) failed (13: Permission denied)", action: actConnect, want: model.CausePermission, addr: a5},
	{level: "error", msg: "connect() to 10.0.0.5:8080 failed (111: Connection refused)", action: actConnect, want: model.CauseRefused, addr: a5},
	{level: "error", msg: "connect() to 10.0.0.5:8080 failed (61: Connection refused)", action: actConnect, want: model.CauseRefused, addr: a5},
	{level: "error", msg: "connect() to 10.0.0.5:8080 failed (10061: No connection could be made because the target machine actively refused it)", action: actConnect, want: model.CauseRefused, addr: a5},
	{level: "error", msg: "connect() to unix:/run/php/php-fpm.sock failed (11: Resource temporarily unavailable)", action: actConnect, upstream: upFCGI, want: model.CauseOverloaded, addr: "unix:/run/php/php-fpm.sock"},
	{level: "crit", msg: "connect() to unix:/run/php/php-fpm.sock failed (35: Resource temporarily unavailable)", action: actConnect, upstream: upFCGI, want: model.CauseOverloaded, addr: "unix:/run/php/php-fpm.sock"},
	{level: "crit", msg: "connect() to unix:/run/php/php-fpm.sock failed (2: No such file or directory)", action: actConnect, upstream: upFCGI, want: model.CauseRefused, addr: "unix:/run/php/php-fpm.sock"},
	{level: "crit", msg: "connect() to unix:/run/php/php-fpm.sock failed (13: Permission denied)", action: actConnect, upstream: upFCGI, want: model.CausePermission, addr: "unix:/run/php/php-fpm.sock"},
	{level: "error", msg: "connect() to 10.0.0.5:8080 failed (104: Connection reset by peer)", action: actConnect, want: model.CauseReset, addr: a5},
	{level: "error", msg: "connect() to 10.0.0.5:8080 failed (113: No route to host)", action: actConnect, want: model.CauseConnectTimeout, addr: a5},
	{level: "error", msg: "connect() to 10.0.0.5:8080 failed (65: No route to host)", action: actConnect, want: model.CauseConnectTimeout, addr: a5},
	{level: "error", msg: "connect() to 10.0.0.5:8080 failed (10065: A socket operation was attempted to an unreachable host)", action: actConnect, want: model.CauseConnectTimeout, addr: a5},
	{level: "error", msg: "connect() to 10.0.0.5:8080 failed (101: Network is unreachable)", action: actConnect, want: model.CauseConnectTimeout, addr: a5},
	{level: "error", msg: "connect() to 10.0.0.5:8080 failed (51: Network is unreachable)", action: actConnect, want: model.CauseConnectTimeout, addr: a5},
	{level: "error", msg: "connect() to 10.0.0.5:8080 failed (10051: A socket operation was attempted to an unreachable network)", action: actConnect, want: model.CauseConnectTimeout, addr: a5},
	{level: "error", msg: "connect() to 10.0.0.5:8080 failed (112: Host is down)", action: actConnect, want: model.CauseConnectTimeout, addr: a5},
	{level: "crit", msg: "connect() to 10.0.0.5:8080 failed (110: Connection timed out)", action: actConnect, want: model.CauseConnectTimeout, addr: a5},
	{level: "crit", msg: "connect() to 10.0.0.5:8080 failed (60: Operation timed out)", action: actConnect, want: model.CauseConnectTimeout, addr: a5},
	{level: "crit", msg: "connect() to 10.0.0.5:8080 failed (10060: A connection attempt failed because the connected party did not properly respond after a period of time)", action: actConnect, want: model.CauseConnectTimeout, addr: a5},
	{level: "crit", msg: "connect() to 10.0.0.5:8080 failed (99: Cannot assign requested address)", action: actConnect, want: model.CauseGatewayLimits, addr: a5},
	{level: "crit", msg: "connect() to 10.0.0.5:8080 failed (49: Can't assign requested address)", action: actConnect, want: model.CauseGatewayLimits, addr: a5},
	{level: "crit", msg: "connect() to 10.0.0.5:8080 failed (10049: The requested address is not valid in its context)", action: actConnect, want: model.CauseGatewayLimits, addr: a5},
	{level: "crit", msg: "connect() to 10.0.0.5:8080 failed (24: Too many open files)", action: actConnect, want: model.CauseGatewayLimits, addr: a5},
	{level: "crit", msg: "connect() to 10.0.0.5:8080 failed (13: Permission denied)", action: actConnect, want: model.CausePermission, addr: a5},
	{level: "crit", msg: "connect() to 10.0.0.5:8080 failed (11: Resource temporarily unavailable)", action: actConnect, want: model.CauseGatewayLimits, addr: a5},
	{level: "alert", msg: "setsockopt(IP_TRANSPARENT) failed (1: Operation not permitted)", action: actConnect, want: unknownErr},
	{level: "alert", msg: "could not enable transparent proxying for IPv6 on this platform", action: actConnect, want: unknownErr},

	// src/os/unix/ngx_recv.c, ngx_readv_chain.c, ngx_send.c,
	// ngx_writev_chain.c, ngx_linux_sendfile_chain.c and
	// src/os/win32/ngx_wsarecv.c, ngx_wsasend.c via ngx_connection_error:
	// [error] on an upstream's connection (log_error NGX_ERROR_ERR).
	{level: "error", msg: "recv() failed (104: Connection reset by peer)", action: actHeader, want: model.CauseReset, addr: a5},
	{level: "error", msg: "recv() failed (54: Connection reset by peer)", action: actHeader, want: model.CauseReset, addr: a5},
	{level: "error", msg: "recv() failed (111: Connection refused)", action: actHeader, want: model.CauseRefused, addr: a5},
	{level: "error", msg: "recv() failed (110: Connection timed out)", action: actHeader, want: model.CauseReadTimeout, addr: a5},
	{level: "error", msg: "recv() failed (113: No route to host)", action: actHeader, want: model.CauseConnectTimeout, addr: a5},
	{level: "error", msg: "readv() failed (104: Connection reset by peer)", action: actBody, want: model.CauseReset, addr: a5},
	{level: "error", msg: "send() failed (32: Broken pipe)", action: actSend, want: model.CauseReset, addr: a5},
	{level: "error", msg: "writev() failed (32: Broken pipe)", action: actSend, want: model.CauseReset, addr: a5},
	{level: "error", msg: "sendfile() failed (32: Broken pipe)", action: actSend, want: model.CauseReset, addr: a5},
	{level: "error", msg: "kevent() reported about an closed connection (54: Connection reset by peer)", action: actHeader, want: model.CauseReset, addr: a5},
	{level: "error", msg: "WSARecv() failed (10054: An existing connection was forcibly closed by the remote host)", action: actHeader, want: model.CauseReset, addr: a5},
	{level: "error", msg: "WSASend() failed (10053: An established connection was aborted by the software in your host machine)", action: actSend, want: model.CauseReset, addr: a5},
	{level: "info", msg: "recv() failed (104: Connection reset by peer)", action: "reading client request line", upstream: "-", want: notFailure},
	{level: "info", msg: "writev() failed (32: Broken pipe)", action: "sending to client", want: notFailure},
	{level: "error", msg: "recv() failed (104: Connection reset by peer)", action: actUpg, want: notFailure},
	{level: "alert", msg: "send() returned zero", action: actSend, want: unknownErr},

	// src/event/ngx_event_pipe.c
	{level: "error", msg: "kevent() reported that upstream closed connection", action: actBody, want: model.CausePrematureClose, addr: a5},
	{level: "error", msg: "kevent() reported that upstream closed connection (54: Connection reset by peer)", action: actBody, want: model.CauseReset, addr: a5},
	{level: "alert", msg: "recycled buffer in pipe out chain", action: actBody, want: unknownErr},

	// src/event/ngx_event_openssl.c (ngx_ssl_connection_error: [error]
	// on an upstream's connection; the client's at [info] or [crit])
	{level: "error", msg: "SSL_do_handshake() failed (SSL: error:0A00010B:SSL routines::wrong version number)", action: actSSL, upstream: upTLS, want: model.CauseTLS, addr: "10.0.0.5:8443"},
	{level: "error", msg: "SSL_do_handshake() failed (SSL: error:0A000410:SSL routines::sslv3 alert handshake failure:SSL alert number 40)", action: actSSL, upstream: upTLS, want: model.CauseTLS, addr: "10.0.0.5:8443"},
	{level: "error", msg: "peer closed connection in SSL handshake (104: Connection reset by peer)", action: actSSL, upstream: upTLS, want: model.CauseTLS, addr: "10.0.0.5:8443"},
	{level: "error", msg: "peer closed connection in SSL handshake", action: actSSL, upstream: upTLS, want: model.CauseTLS, addr: "10.0.0.5:8443"},
	{level: "error", msg: "SSL_read() failed (SSL: error:0A000412:SSL routines::sslv3 alert bad certificate:SSL alert number 42)", action: actHeader, upstream: upTLS, want: model.CauseTLS, addr: "10.0.0.5:8443"},
	{level: "error", msg: "SSL_read() failed (SSL: error:0A00045C:SSL routines::tlsv13 alert certificate required:SSL alert number 116)", action: actHeader, upstream: upTLS, want: model.CauseTLS, addr: "10.0.0.5:8443"},
	{level: "error", msg: "SSL_read() failed (SSL: error:0A000126:SSL routines::unexpected eof while reading)", action: actBody, upstream: upTLS, want: model.CausePrematureClose, addr: "10.0.0.5:8443"},
	{level: "error", msg: "SSL_read() failed (104: Connection reset by peer)", action: actHeader, upstream: upTLS, want: model.CauseReset, addr: "10.0.0.5:8443"},
	{level: "error", msg: "SSL_write() failed (32: Broken pipe)", action: actSend, upstream: upTLS, want: model.CauseReset, addr: "10.0.0.5:8443"},
	{level: "crit", msg: "SSL_do_handshake() failed (SSL: error:0A00006C:SSL routines::bad key share)", action: "SSL handshaking", upstream: "-", want: notFailure},
	{level: "info", msg: "peer closed connection in SSL handshake (104: Connection reset by peer)", action: "SSL handshaking", upstream: "-", want: notFailure},

	// src/http/modules/ngx_http_proxy_module.c
	{level: "error", msg: `invalid URL prefix in "backend"`, upstream: "-", want: unknownErr},
	{level: "error", msg: `invalid port in upstream "backend:x"`, upstream: "-", want: unknownErr},
	{level: "error", msg: "zero length URI to proxy", upstream: "-", want: unknownErr},
	{level: "error", msg: "upstream sent no valid HTTP/1.0 header", action: actHeader, want: model.CauseBadResponse, addr: a5},
	{level: "error", msg: "upstream sent HTTP/1.0 response with early hints", action: actHeader, want: model.CauseBadResponse, addr: a5},
	{level: "error", msg: `upstream sent invalid header: "X-Bad\x01..."`, action: actHeader, want: model.CauseBadResponse, addr: a5},
	{level: "warn", msg: "upstream sent data after final chunk", action: actBody, want: notFailure},
	{level: "warn", msg: "upstream sent data after trailers", action: actBody, want: notFailure},
	{level: "error", msg: "upstream sent invalid chunked response", action: actBody, want: model.CauseBadResponse, addr: a5},
	{level: "error", msg: "upstream sent too big trailers", action: actBody, want: model.CauseBadResponse, addr: a5},
	{level: "error", msg: `upstream sent invalid trailer: "X\x01..."`, action: actBody, want: model.CauseBadResponse, addr: a5},

	// src/http/modules/ngx_http_fastcgi_module.c
	{level: "alert", msg: "fastcgi request record is too big: 70000", action: actSend, upstream: upFCGI, want: unknownErr},
	{level: "error", msg: "upstream sent unexpected FastCGI record: 3", action: actHeader, upstream: upFCGI, want: model.CauseBadResponse, addr: "unix:/run/php/php-fpm.sock"},
	{level: "error", msg: "upstream prematurely closed FastCGI stdout", action: actHeader, upstream: upFCGI, want: model.CausePrematureClose, addr: "unix:/run/php/php-fpm.sock"},
	{level: "error", msg: "upstream prematurely closed FastCGI request", action: actHeader, upstream: upFCGI, want: model.CausePrematureClose, addr: "unix:/run/php/php-fpm.sock"},
	{level: "error", msg: `FastCGI sent in stderr: "PHP message: PHP Warning:  Undefined variable $x"`, action: actHeader, upstream: upFCGI, want: notFailure},
	{level: "alert", msg: "invalid header after joining FastCGI records", action: actHeader, upstream: upFCGI, want: unknownErr},
	{level: "error", msg: `upstream sent invalid status "abc"`, action: actHeader, upstream: upFCGI, want: model.CauseBadResponse, addr: "unix:/run/php/php-fpm.sock"},
	{level: "error", msg: "upstream sent unsupported FastCGI protocol version: 72", action: actHeader, upstream: upFCGI, want: model.CauseBadResponse, addr: "unix:/run/php/php-fpm.sock"},
	{level: "error", msg: "upstream sent invalid FastCGI record type: 2", action: actHeader, upstream: upFCGI, want: model.CauseBadResponse, addr: "unix:/run/php/php-fpm.sock"},
	{level: "error", msg: "upstream sent unexpected FastCGI request id high byte: 1", action: actHeader, upstream: upFCGI, want: model.CauseBadResponse, addr: "unix:/run/php/php-fpm.sock"},
	{level: "error", msg: "upstream sent unexpected FastCGI request id low byte: 2", action: actHeader, upstream: upFCGI, want: model.CauseBadResponse, addr: "unix:/run/php/php-fpm.sock"},

	// src/http/modules/ngx_http_uwsgi_module.c, ngx_http_scgi_module.c
	{level: "alert", msg: "uwsgi request is too big: 70000", action: actSend, upstream: "uwsgi://10.0.0.5:3031", want: unknownErr},
	{level: "alert", msg: "scgi request length mismatch", action: actSend, upstream: "scgi://10.0.0.5:4000", want: unknownErr},
	{level: "error", msg: `upstream sent invalid status "x"`, action: actHeader, upstream: "uwsgi://10.0.0.5:3031", want: model.CauseBadResponse, addr: "10.0.0.5:3031"},
	{level: "error", msg: `upstream sent invalid header: "X\x01..."`, action: actHeader, upstream: "scgi://10.0.0.5:4000", want: model.CauseBadResponse, addr: "10.0.0.5:4000"},

	// src/http/modules/ngx_http_grpc_module.c
	{level: "error", msg: `too long http2 method: "FOO"`, upstream: "-", want: unknownErr},
	{level: "alert", msg: "no buffer space in grpc create request", upstream: "-", want: unknownErr},
	{level: "error", msg: "upstream sent unexpected http2 frame: 5", action: actHeader, upstream: upGRPC, want: model.CauseBadResponse, addr: "10.0.0.5:50051"},
	{level: "error", msg: "upstream sent frame for unknown stream 3", action: actHeader, upstream: upGRPC, want: model.CauseBadResponse, addr: "10.0.0.5:50051"},
	{level: "error", msg: "upstream rejected request with error 2", action: actHeader, upstream: upGRPC, want: model.CauseReset, addr: "10.0.0.5:50051"},
	{level: "error", msg: "upstream rejected request with error 7", action: actHeader, upstream: upGRPC, want: model.CauseOverloaded, addr: "10.0.0.5:50051"},
	{level: "error", msg: "upstream rejected request with error 11", action: actHeader, upstream: upGRPC, want: model.CauseOverloaded, addr: "10.0.0.5:50051"},
	{level: "error", msg: "upstream sent goaway with error 0", action: actHeader, upstream: upGRPC, want: model.CausePrematureClose, addr: "10.0.0.5:50051"},
	{level: "error", msg: "upstream sent unexpected push promise frame", action: actHeader, upstream: upGRPC, want: model.CauseBadResponse, addr: "10.0.0.5:50051"},
	{level: "error", msg: `upstream sent invalid header "x: y"`, action: actHeader, upstream: upGRPC, want: model.CauseBadResponse, addr: "10.0.0.5:50051"},
	{level: "error", msg: "upstream sent duplicate :status header", action: actHeader, upstream: upGRPC, want: model.CauseBadResponse, addr: "10.0.0.5:50051"},
	{level: "error", msg: `upstream sent invalid :status "20"`, action: actHeader, upstream: upGRPC, want: model.CauseBadResponse, addr: "10.0.0.5:50051"},
	{level: "error", msg: `upstream sent unexpected :status "101"`, action: actHeader, upstream: upGRPC, want: model.CauseBadResponse, addr: "10.0.0.5:50051"},
	{level: "error", msg: "upstream sent no :status header", action: actHeader, upstream: upGRPC, want: model.CauseBadResponse, addr: "10.0.0.5:50051"},
	{level: "error", msg: "upstream prematurely closed stream", action: actHeader, upstream: upGRPC, want: model.CausePrematureClose, addr: "10.0.0.5:50051"},
	{level: "error", msg: "upstream sent invalid header", action: actHeader, upstream: upGRPC, want: model.CauseBadResponse, addr: "10.0.0.5:50051"},
	{level: "error", msg: "upstream sent data frame for unknown stream 3", action: actBody, upstream: upGRPC, want: model.CauseBadResponse, addr: "10.0.0.5:50051"},
	{level: "error", msg: "upstream violated stream flow control, received 70000 data frame with window 65535", action: actBody, upstream: upGRPC, want: model.CauseBadResponse, addr: "10.0.0.5:50051"},
	{level: "error", msg: "upstream violated connection flow control, received 70000 data frame with window 65535", action: actBody, upstream: upGRPC, want: model.CauseBadResponse, addr: "10.0.0.5:50051"},
	{level: "error", msg: "upstream sent frame for closed stream 1", action: actBody, upstream: upGRPC, want: model.CauseBadResponse, addr: "10.0.0.5:50051"},
	{level: "error", msg: `upstream sent invalid trailer "x: y"`, action: actBody, upstream: upGRPC, want: model.CauseBadResponse, addr: "10.0.0.5:50051"},
	{level: "error", msg: "upstream sent trailer without end stream flag", action: actBody, upstream: upGRPC, want: model.CauseBadResponse, addr: "10.0.0.5:50051"},
	{level: "error", msg: "upstream sent too short http2 frame", action: actHeader, upstream: upGRPC, want: model.CauseBadResponse, addr: "10.0.0.5:50051"},
	{level: "error", msg: "upstream sent http2 frame with too long padding: 300 in frame 100", action: actHeader, upstream: upGRPC, want: model.CauseBadResponse, addr: "10.0.0.5:50051"},
	{level: "error", msg: "upstream sent response body larger than indicated content length", action: actBody, upstream: upGRPC, want: model.CauseBadResponse, addr: "10.0.0.5:50051"},
	{level: "error", msg: "upstream sent too large http2 frame: 20000", action: actHeader, upstream: upGRPC, want: model.CauseBadResponse, addr: "10.0.0.5:50051"},
	{level: "error", msg: "upstream sent headers frame with invalid length: 1", action: actHeader, upstream: upGRPC, want: model.CauseBadResponse, addr: "10.0.0.5:50051"},
	{level: "error", msg: "upstream sent truncated http2 header", action: actHeader, upstream: upGRPC, want: model.CauseBadResponse, addr: "10.0.0.5:50051"},
	{level: "error", msg: "upstream sent invalid http2 table index: 99", action: actHeader, upstream: upGRPC, want: model.CauseBadResponse, addr: "10.0.0.5:50051"},
	{level: "error", msg: "upstream sent invalid http2 dynamic table size update: 9999", action: actHeader, upstream: upGRPC, want: model.CauseBadResponse, addr: "10.0.0.5:50051"},
	{level: "error", msg: "upstream sent http2 table index with continuation flag", action: actHeader, upstream: upGRPC, want: model.CauseBadResponse, addr: "10.0.0.5:50051"},
	{level: "error", msg: "upstream sent zero http2 header name length", action: actHeader, upstream: upGRPC, want: model.CauseBadResponse, addr: "10.0.0.5:50051"},
	{level: "error", msg: "upstream sent too large http2 header name length: 5000", action: actHeader, upstream: upGRPC, want: model.CauseBadResponse, addr: "10.0.0.5:50051"},
	{level: "error", msg: "upstream sent invalid encoded header", action: actHeader, upstream: upGRPC, want: model.CauseBadResponse, addr: "10.0.0.5:50051"},
	{level: "error", msg: "upstream sent too large http2 header value length: 5000", action: actHeader, upstream: upGRPC, want: model.CauseBadResponse, addr: "10.0.0.5:50051"},
	{level: "error", msg: "upstream sent too large http2 header", action: actHeader, upstream: upGRPC, want: model.CauseBadResponse, addr: "10.0.0.5:50051"},
	{level: "error", msg: "upstream sent rst stream frame with invalid length: 2", action: actHeader, upstream: upGRPC, want: model.CauseBadResponse, addr: "10.0.0.5:50051"},
	{level: "error", msg: "upstream sent goaway frame with non-zero stream id: 1", action: actHeader, upstream: upGRPC, want: model.CauseBadResponse, addr: "10.0.0.5:50051"},
	{level: "error", msg: "upstream sent goaway frame with invalid length: 2", action: actHeader, upstream: upGRPC, want: model.CauseBadResponse, addr: "10.0.0.5:50051"},
	{level: "error", msg: "upstream sent window update frame with invalid length: 2", action: actHeader, upstream: upGRPC, want: model.CauseBadResponse, addr: "10.0.0.5:50051"},
	{level: "error", msg: "upstream sent zero window update", action: actHeader, upstream: upGRPC, want: model.CauseBadResponse, addr: "10.0.0.5:50051"},
	{level: "error", msg: "upstream sent too large window update", action: actHeader, upstream: upGRPC, want: model.CauseBadResponse, addr: "10.0.0.5:50051"},
	{level: "error", msg: "upstream sent settings frame with non-zero stream id: 1", action: actHeader, upstream: upGRPC, want: model.CauseBadResponse, addr: "10.0.0.5:50051"},
	{level: "error", msg: "upstream sent settings frame with ack flag and non-zero length: 6", action: actHeader, upstream: upGRPC, want: model.CauseBadResponse, addr: "10.0.0.5:50051"},
	{level: "error", msg: "upstream sent settings frame with invalid length: 5", action: actHeader, upstream: upGRPC, want: model.CauseBadResponse, addr: "10.0.0.5:50051"},
	{level: "error", msg: "upstream sent too many settings frames", action: actHeader, upstream: upGRPC, want: model.CauseBadResponse, addr: "10.0.0.5:50051"},
	{level: "error", msg: "upstream sent settings frame with too large initial window size: 4294967295", action: actHeader, upstream: upGRPC, want: model.CauseBadResponse, addr: "10.0.0.5:50051"},
	{level: "error", msg: "upstream sent ping frame with non-zero stream id: 1", action: actHeader, upstream: upGRPC, want: model.CauseBadResponse, addr: "10.0.0.5:50051"},
	{level: "error", msg: "upstream sent ping frame with invalid length: 4", action: actHeader, upstream: upGRPC, want: model.CauseBadResponse, addr: "10.0.0.5:50051"},
	{level: "error", msg: "upstream sent ping frame with ack flag", action: actHeader, upstream: upGRPC, want: model.CauseBadResponse, addr: "10.0.0.5:50051"},
	{level: "error", msg: "upstream sent too many ping frames", action: actHeader, upstream: upGRPC, want: model.CauseBadResponse, addr: "10.0.0.5:50051"},
	{level: "alert", msg: "no connection data found for keepalive http2 connection", action: actHeader, upstream: upGRPC, want: unknownErr},

	// src/http/modules/ngx_http_memcached_module.c
	{level: "error", msg: `the "$memcached_key" variable is not set`, upstream: "-", want: unknownErr},
	{level: "error", msg: `memcached sent invalid key in response "VALUE x 0 2" for key "k"`, action: actHeader, upstream: upMC, want: model.CauseBadResponse, addr: "10.0.0.5:11211"},
	{level: "error", msg: `memcached sent invalid flags in response "VALUE k x 2" for key "k"`, action: actHeader, upstream: upMC, want: model.CauseBadResponse, addr: "10.0.0.5:11211"},
	{level: "error", msg: `memcached sent invalid length in response "VALUE k 0 x" for key "k"`, action: actHeader, upstream: upMC, want: model.CauseBadResponse, addr: "10.0.0.5:11211"},
	{level: "info", msg: `key: "k" was not found by memcached`, action: actHeader, upstream: upMC, want: notFailure},
	{level: "error", msg: `memcached sent invalid response: "BOGUS"`, action: actHeader, upstream: upMC, want: model.CauseBadResponse, addr: "10.0.0.5:11211"},
	{level: "error", msg: "memcached sent invalid trailer", action: actBody, upstream: upMC, want: model.CauseBadResponse, addr: "10.0.0.5:11211"},

	// src/core/ngx_resolver.c (the resolver's own sockets and replies,
	// no request: the failure that matters is "could not be resolved")
	{level: "error", msg: "send() failed (111: Connection refused)", action: "resolving", upstream: "-", want: notFailure},
	{level: "crit", msg: "connect() to 10.0.0.53:53 failed (111: Connection refused)", action: "resolving", upstream: "-", want: notFailure},
	{level: "error", msg: `DNS error (3: Host not found), query id:1234, name:"backend.svc"`, upstream: "-", want: unknownErr},
	{level: "error", msg: "unexpected DNS response for backend.svc", upstream: "-", want: unknownErr},

	// src/stream/ngx_stream_proxy_module.c (the stream context has no
	// request: "client: C, server: S, upstream: U, bytes from/to ...")
	{level: "info", msg: "shutdown timeout", upstream: "-", want: notFailure},
	{level: "info", msg: "udp timed out, packets from/to client:1/0, bytes from/to client:10/0, bytes from/to upstream:0/10", upstream: "-", want: notFailure},
	{level: "info", msg: "disconnected on shutdown", upstream: "-", want: notFailure},

	// src/http/modules/ngx_http_limit_req_module.c,
	// ngx_http_limit_conn_module.c: the gateway's own policy
	{level: "error", msg: `limiting requests, excess: 12.500 by zone "api"`, upstream: "-", want: notFailure, limit: "rate_limited:api"},
	{level: "warn", msg: `limiting requests, excess: 12.500 by zone "api"`, upstream: "-", want: notFailure, limit: "rate_limited:api"},
	{level: "error", msg: `limiting requests, dry run, excess: 1.000 by zone "api"`, upstream: "-", want: notFailure, limit: "rate_limited_dry_run:api"},
	{level: "warn", msg: `delaying request, excess: 1.000, by zone "api"`, upstream: "-", want: notFailure, limit: "rate_delayed:api"},
	{level: "info", msg: `delaying request, dry run, excess: 1.000, by zone "api"`, upstream: "-", want: notFailure, limit: "rate_limited_dry_run:api"},
	{level: "error", msg: `limiting connections by zone "perip"`, upstream: "-", want: notFailure, limit: "rate_limited:perip"},
	{level: "error", msg: `limiting connections, dry run, by zone "perip"`, upstream: "-", want: notFailure, limit: "rate_limited_dry_run:perip"},
}

// checkRow runs one line through the error log's parser and fails the
// test when its verdict, counters or note are not the row's.
func checkRow(t *testing.T, line string, want model.Cause, limit, addr string) {
	t.Helper()
	rec := &feedtest.Recorder{}
	p := newErrorParser()
	err := p.Line([]byte(line), rec)
	fs := rec.Failures()
	counters := p.Counters()
	switch want {
	case notFailure, unknownErr:
		if err == nil || len(fs) != 0 {
			t.Errorf("%s\n  reported a failure %+v (err %v), want none", line, fs, err)
		}
		n := counters["other_errors"]
		if want == unknownErr && (n != 1 || !strings.HasPrefix(p.Note(), notePrefix)) {
			t.Errorf("%s\n  other_errors %v note %q, want it counted", line, n, p.Note())
		}
		if want == notFailure && (n != 0 || p.Note() != "") {
			t.Errorf("%s\n  counted as an unknown error (note %q), want known", line, p.Note())
		}
	default:
		if err != nil || len(fs) != 1 || fs[0].Cause != want || fs[0].Addr != addr {
			t.Errorf("%s\n  got %+v (err %v), want %s at %q", line, fs, err, want, addr)
		}
		if len(counters) != 0 {
			t.Errorf("%s\n  counters %v, want none", line, counters)
		}
	}
	if limit != "" {
		if counters[limit] != 1 || len(counters) != 1 {
			t.Errorf("%s\n  counters %v, want %s: 1", line, counters, limit)
		}
	} else if want != unknownErr && len(counters) != 0 {
		t.Errorf("%s\n  counters %v, want none", line, counters)
	}
}

func TestCatalogue(t *testing.T) {
	for _, r := range catalogue {
		checkRow(t, cl(r), r.want, r.limit, r.addr)
	}
	// Every cause nginx's error log can show is in the catalogue;
	// upstream_5xx comes from the access log only (the upstream answered).
	seen := map[model.Cause]bool{}
	for _, r := range catalogue {
		seen[r.want] = true
	}
	for _, c := range model.AllCauses() {
		if !seen[c] && c != model.CauseUpstream5xx {
			t.Errorf("no catalogue line for cause %q", c)
		}
	}
}

// TestCatalogueLevels: every failure of the catalogue logged below
// [error] (as limit_req_log_level or a patched nginx might) is not one.
func TestCatalogueLevels(t *testing.T) {
	for _, r := range catalogue {
		if r.want == notFailure || r.want == unknownErr {
			continue
		}
		for _, lvl := range []string{"warn", "notice", "info"} {
			r := r
			r.level = lvl
			if _, ok := ParseErrorLine([]byte(cl(r))); ok {
				t.Errorf("[%s] %s: a failure, want none below [error]", lvl, r.msg)
			}
		}
	}
}

// recorded is what each line of testdata/error-nginx-1.22.1.log (the real
// nginx, see testdata/README.md) must give, by request path or message.
var recorded = []struct {
	match string
	want  model.Cause
	limit string
}{
	{`connect() failed (111: Connection refused)`, model.CauseRefused, ""},
	{`missing.sock failed (2: No such file or directory)`, model.CauseRefused, ""},
	{`full.sock failed (11: Resource temporarily unavailable)`, model.CauseOverloaded, ""},
	{`upstream timed out (110: Connection timed out) while reading response header`, model.CauseReadTimeout, ""},
	{`bind(192.0.2.1) failed (99: Cannot assign requested address)`, model.CauseGatewayLimits, ""},
	{`upstream timed out (110: Connection timed out) while SSL handshaking to upstream`, model.CauseTLS, ""},
	{`send() failed (111: Connection refused) while resolving`, notFailure, ""},
	{`backend.invalid could not be resolved (110: Operation timed out)`, model.CauseDNS, ""},
	{`memcached sent invalid response: "BOGUS"`, model.CauseBadResponse, ""},
	{`limiting requests, excess: 1.000 by zone "api"`, notFailure, "rate_limited:api"},
	{`upstream prematurely closed connection`, model.CausePrematureClose, ""},
	{`recv() failed (104: Connection reset by peer) while reading response header`, model.CauseReset, ""},
	{`upstream sent too big header`, model.CauseBadResponse, ""},
	{`upstream sent invalid header: "X-Bad\x01..."`, model.CauseBadResponse, ""},
	{`upstream sent no valid HTTP/1.0 header`, model.CauseBadResponse, ""},
	{`upstream sent invalid chunked response`, model.CauseBadResponse, ""},
	{`[warn] 20621#20621: *40 upstream sent data after final chunk`, notFailure, ""},
	{`[warn] 20621#20621: *42 upstream sent more data than specified`, notFailure, ""},
	{`delaying request, excess: `, notFailure, "rate_delayed:slow"},
	{`limiting connections by zone "perip"`, notFailure, "rate_limited:perip"},
	{`[notice]`, notFailure, ""},
}

func TestRecordedErrorLog(t *testing.T) {
	f, err := os.Open("testdata/error-nginx-1.22.1.log")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	n, failures := 0, 0
	for sc.Scan() {
		l := sc.Text()
		n++
		i := 0
		for i < len(recorded) && !strings.Contains(l, recorded[i].match) {
			i++
		}
		if i == len(recorded) {
			t.Errorf("no expectation for recorded line %s", l)
			continue
		}
		if recorded[i].want != notFailure {
			failures++
		}
		rec, _ := ParseErrorLine([]byte(l))
		var addr string
		if recorded[i].want != notFailure {
			addr = rec.UpstreamAddr
			if addr == "" || !strings.Contains(l, addr) {
				t.Errorf("%s: upstream %q", l, addr)
			}
		}
		checkRow(t, l, recorded[i].want, recorded[i].limit, addr)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if n < 30 || failures < 20 {
		t.Errorf("%d lines, %d failures: is the recording cut short?", n, failures)
	}
}

func TestErrorParserCounters(t *testing.T) {
	p := newErrorParser()
	rec := &feedtest.Recorder{}
	lines := []catRow{
		{level: "error", msg: `limiting requests, excess: 1.000 by zone "api"`, upstream: "-"},
		{level: "error", msg: `limiting requests, excess: 2.000 by zone "api"`, upstream: "-"},
		{level: "error", msg: `limiting connections by zone "perip"`, upstream: "-"},
		{level: "crit", msg: "no upstream configuration", upstream: "-"},
		{level: "error", msg: "something new \x1b[31m\u202e happened " + strings.Repeat("é", 300), action: actHeader},
		{level: "warn", msg: "something nginx only warns about"},
	}
	for _, l := range lines {
		if err := p.Line([]byte(cl(l)), rec); err == nil {
			t.Errorf("%s: reported", l.msg)
		}
	}
	if fs := rec.Failures(); len(fs) != 0 {
		t.Errorf("failures %+v, want none", fs)
	}
	got := p.Counters()
	want := map[string]float64{"rate_limited:api": 2, "rate_limited:perip": 1, "other_errors": 2}
	if len(got) != len(want) {
		t.Errorf("counters %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("counters[%s] = %v, want %v", k, got[k], v)
		}
	}
	note := p.Note()
	if !strings.HasPrefix(note, "latest unknown error: [error] something new ?[31m? happened éé") || len(note) > 200 ||
		!utf8.ValidString(note) || !strings.HasSuffix(note, "…") {
		t.Errorf("note %q (%d bytes)", note, len(note))
	}
	// Zones beyond maxZones share one key.
	for i := range maxZones + 10 {
		p.Line([]byte(cl(catRow{level: "error", msg: `limiting requests, excess: 1.000 by zone "z` + string(rune('a'+i%26)) + strings.Repeat("x", i) + `"`, upstream: "-"})), rec)
	}
	if got := p.Counters(); len(got) > maxZones+2 || got["rate_limited:(other)"] == 0 {
		t.Errorf("%d keys, (other) %v", len(got), got["rate_limited:(other)"])
	}
	// The zero value counts nothing and says so.
	var z errorParser
	if err := z.Line([]byte(cl(lines[0])), rec); err == nil || z.Counters() != nil || z.Note() != "" {
		t.Errorf("zero errorParser: err %v counters %v note %q", err, z.Counters(), z.Note())
	}
}

// FuzzClassify holds the catalogue's invariants on any line: no panic; a
// line below [error] never yields a failure; the upstream named is a
// substring of the line; a failure has a model cause; the row's note stays
// short and valid.
func FuzzClassify(f *testing.F) {
	for _, r := range catalogue {
		f.Add(cl(r))
	}
	for _, l := range errorFixtures {
		f.Add(l)
	}
	f.Fuzz(func(t *testing.T, l string) {
		rec, v := parseErrorLine([]byte(l))
		if v.cause != model.CauseNone {
			if !errorLevel(rec.Level) {
				t.Fatalf("[%s] line is a %s failure", rec.Level, v.cause)
			}
			if v.cause.Index() < 0 || !v.known || v.limit != "" {
				t.Fatalf("verdict %+v", v)
			}
			if !strings.Contains(l, rec.UpstreamAddr) {
				t.Fatalf("upstream %q not in the line", rec.UpstreamAddr)
			}
		}
		p := newErrorParser()
		sink := &feedtest.Recorder{}
		err := p.Line([]byte(l), sink)
		fs := sink.Failures()
		if (err == nil) != (len(fs) == 1) || len(fs) > 1 {
			t.Fatalf("err %v with %d failures", err, len(fs))
		}
		if len(fs) == 1 && !strings.Contains(l, fs[0].Addr) {
			t.Fatalf("addr %q not in the line", fs[0].Addr)
		}
		if n := p.Note(); len(n) > maxNote || !utf8.ValidString(n) {
			t.Fatalf("note %q", n)
		}
		for k := range p.Counters() {
			if len(k) > len("rate_limited_dry_run:")+maxZoneName+len("…") {
				t.Fatalf("key %q", k)
			}
		}
	})
}
