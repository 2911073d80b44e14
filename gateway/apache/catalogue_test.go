package apache

import (
	"testing"

	"github.com/gwtop/gwtop/model"
)

// pre is the default ErrorLogFormat prefix of a request-level line.
const pre = "[Tue Dec 01 09:32:15.123456 2026] "

// catalogueRows has one row per catalogued message: the line is built from
// the format string (quoted in the rule; the source file is named here) the
// way log.c prints it, with an errno where the call passes a status.
var catalogueRows = []struct {
	file  string // httpd source, under modules/
	id    string
	line  string
	cause model.Cause // what ParseErrorLine says (CauseNone: not counted)
	addr  string
}{
	// proxy/proxy_util.c
	{"proxy/proxy_util.c", "AH00957", pre + "[proxy:error] [pid 1234:tid 5678] (111)Connection refused: AH00957: http: attempt to connect to 127.0.0.1:8080 (127.0.0.1:8080) failed", model.CauseRefused, "127.0.0.1:8080"},
	{"proxy/proxy_util.c", "AH00957", pre + "[proxy:error] [pid 1234:tid 5678] (70007)The timeout specified has expired: AH00957: http: attempt to connect to 10.0.0.5:80 (api.internal:80) failed", model.CauseConnectTimeout, "api.internal:80"},
	{"proxy/proxy_util.c", "AH00957", pre + "[proxy:error] [pid 1234:tid 5678] (113)No route to host: AH00957: http: attempt to connect to 10.0.0.5:80 (10.0.0.5:80) failed", model.CauseConnectTimeout, "10.0.0.5:80"},
	{"proxy/proxy_util.c", "AH00957", pre + "[proxy:error] [pid 1234:tid 5678] (13)Permission denied: AH00957: http: attempt to connect to 127.0.0.1:8080 (127.0.0.1:8080) failed", model.CausePermission, "127.0.0.1:8080"},
	{"proxy/proxy_util.c", "AH00957", pre + "[proxy:error] [pid 1234:tid 5678] (99)Cannot assign requested address: AH00957: http: attempt to connect to 127.0.0.1:8080 (127.0.0.1:8080) failed", model.CauseGatewayLimits, "127.0.0.1:8080"},
	{"proxy/proxy_util.c", "AH00939", pre + "[proxy:error] [pid 1234:tid 5678] (111)Connection refused: [client 10.1.1.5:40000] AH00939: CONNECT: attempt to connect to 127.0.0.1:8080 (127.0.0.1) failed", model.CauseRefused, "127.0.0.1:8080"},
	{"proxy/proxy_util.c", "AH02454", pre + "[proxy:error] [pid 1234:tid 5678] (2)No such file or directory: AH02454: FCGI: attempt to connect to Unix domain socket /run/php/php-fpm.sock (localhost:8000) failed", model.CauseRefused, "unix:/run/php/php-fpm.sock"},
	{"proxy/proxy_util.c", "AH02454", pre + "[proxy:error] [pid 1234:tid 5678] (11)Resource temporarily unavailable: AH02454: FCGI: attempt to connect to Unix domain socket /run/php/php-fpm.sock (localhost:8000) failed", causeOverloaded, "unix:/run/php/php-fpm.sock"},
	{"proxy/proxy_util.c", "AH00958", pre + "[proxy:error] [pid 1234:tid 5678] (111)Connection refused: AH00958: HTTPS: attempt to connect to api.example:443 via http CONNECT through 10.0.0.9:3128 (proxy:3128) failed", model.CauseRefused, "api.example:443"},
	{"proxy/proxy_util.c", "AH00952", pre + "[proxy:error] [pid 1234:tid 5678] (24)Too many open files: AH00952: http: error creating fam 2 socket to 127.0.0.1:8080 for (127.0.0.1:8080)", model.CauseGatewayLimits, "127.0.0.1:8080"},
	{"proxy/proxy_util.c", "AH00935", pre + "[proxy:error] [pid 1234:tid 5678] (24)Too many open files: [client 10.1.1.5:40000] AH00935: CONNECT: error creating fam 2 socket for target api.example", model.CauseGatewayLimits, "api.example"},
	{"proxy/proxy_util.c", "AH02453", pre + "[proxy:error] [pid 1234:tid 5678] (23)Too many open files in system: AH02453: FCGI: error creating Unix domain socket /run/app.sock (localhost:8000)", model.CauseGatewayLimits, "unix:/run/app.sock"},
	{"proxy/proxy_util.c", "AH00959", pre + "[proxy:error] [pid 1234:tid 5678] AH00959: ap_proxy_connect_backend disabling worker for (127.0.0.1:8080) for 60s", model.CauseNone, "127.0.0.1:8080"},
	{"proxy/proxy_util.c", "AH00940", pre + "[proxy:error] [pid 1234:tid 5678] AH00940: HTTP: disabled connection for (127.0.0.1:8080)", model.CauseNoLiveUpstreams, "127.0.0.1:8080"},
	{"proxy/proxy_util.c", "AH00941", pre + "[proxy:error] [pid 1234:tid 5678] AH00941: HTTP: failed to acquire connection for (127.0.0.1:8080)", model.CauseGatewayLimits, "127.0.0.1:8080"},
	{"proxy/proxy_util.c", "AH00934", pre + "[proxy:error] [pid 1234:tid 5678] [client 10.1.1.5:40000] AH00934: all workers are busy.  Unable to serve balancer://pool/x", model.CauseNoLiveUpstreams, "balancer://pool"},
	{"proxy/proxy_util.c", "AH00960", pre + "[proxy:error] [pid 1234:tid 5678] AH00960: HTTP: an error occurred creating a new connection to 127.0.0.1:8080 (127.0.0.1)", model.CauseGatewayLimits, "127.0.0.1:8080"},
	{"proxy/proxy_util.c", "AH00961", pre + "[proxy:error] [pid 1234:tid 5678] AH00961: HTTPS: failed to enable ssl support for 127.0.0.1:8443 (127.0.0.1)", model.CauseTLS, "127.0.0.1:8443"},
	{"proxy/proxy_util.c", "AH01084", pre + "[proxy:error] [pid 1234:tid 5678] (20014)Internal error (specific information not available): [client 127.0.0.1:51826] AH01084: pass request body failed to 127.0.0.1:39485 (127.0.0.1)", model.CauseNone, "127.0.0.1:39485"},
	{"proxy/proxy_util.c", "AH01084", pre + "[proxy:error] [pid 1234:tid 5678] (104)Connection reset by peer: [client 127.0.0.1:51826] AH01084: pass request body failed to 127.0.0.1:39485 (127.0.0.1)", model.CauseReset, "127.0.0.1:39485"},
	{"proxy/proxy_util.c", "AH01095", pre + "[proxy:error] [pid 1234:tid 5678] (70007)The timeout specified has expired: [client 10.1.1.5:40000] AH01095: prefetch request body failed to 127.0.0.1:8080 (127.0.0.1) from 10.1.1.5 ()", model.CauseNone, ""},
	{"proxy/proxy_util.c", "AH01096", pre + "[proxy:error] [pid 1234:tid 5678] (70007)The timeout specified has expired: [client 10.1.1.5:40000] AH01096: processing prefetched request body failed to 127.0.0.1:8080 (127.0.0.1) from 10.1.1.5 ()", model.CauseNone, ""},
	{"proxy/proxy_util.c", "AH02608", pre + "[proxy:error] [pid 1234:tid 5678] (70014)End of file found: [client 10.1.1.5:40000] AH02608: read request body failed to 127.0.0.1:8080 (127.0.0.1) from 10.1.1.5 ()", model.CauseNone, ""},
	{"proxy/proxy_util.c", "AH00898", pre + "[proxy:error] [pid 20122:tid 20130] (EAI 2)Name or service not known: [client 127.0.0.1:39044] AH00898: DNS lookup failure for: ghost.invalid returned by /dns/x", model.CauseDNS, "ghost.invalid"},
	{"proxy/proxy_util.c", "AH00898", pre + "[proxy:error] [pid 1234:tid 5678] [client 127.0.0.1:39038] AH00898: Error during SSL Handshake with remote server returned by /tls/x", model.CauseTLS, ""},
	{"proxy/proxy_util.c", "AH00898", pre + "[proxy:error] [pid 1234:tid 5678] [client 10.1.1.5:40000] AH00898: Connect to remote machine blocked returned by /x", model.CauseNone, ""},
	{"proxy/proxy_util.c", "AH00898", pre + "[proxy:error] [pid 1234:tid 5678] [client 10.1.1.5:40000] AH00898: URI cannot be parsed: http://[x returned by /x", model.CauseNone, ""},
	// proxy/mod_proxy.c (through ap_proxyerror)
	{"proxy/mod_proxy.c", "AH00898", pre + "[proxy:error] [pid 1234:tid 5678] [client 10.1.1.5:40000] AH00898: Max-Forwards has reached zero - proxy loop? returned by /x", model.CauseNone, ""},
	// proxy/mod_proxy_http.c
	{"proxy/mod_proxy_http.c", "AH00898", pre + "[proxy:error] [pid 1234:tid 5678] [client 127.0.0.1:38988] AH00898: Error reading from remote server returned by /slow/x", model.CausePrematureClose, ""},
	{"proxy/mod_proxy_http.c", "AH00898", pre + "[proxy:error] [pid 1234:tid 5678] [client 127.0.0.1:38988] AH00898: Timeout on 100-Continue returned by /upload", model.CauseReadTimeout, ""},
	{"proxy/mod_proxy_http.c", "AH00898", pre + "[proxy:error] [pid 1234:tid 5678] [client 127.0.0.1:38988] AH00898: Corrupt status line returned by remote server: HTTP/2.0 200 OK returned by /api/x", model.CauseBadResponse, ""},
	{"proxy/mod_proxy_http.c", "AH00898", pre + "[proxy:error] [pid 1234:tid 5678] [client 127.0.0.1:38988] AH00898: Unexpected Upgrade: h2c (expecting websocket) returned by /ws", model.CauseBadResponse, ""},
	{"proxy/mod_proxy_http.c", "AH00898", pre + "[proxy:error] [pid 1234:tid 5678] [client 127.0.0.1:38988] AH00898: Malformed connection header returned by /x", model.CauseBadResponse, ""},
	{"proxy/mod_proxy_http.c", "AH00898", pre + "[proxy:error] [pid 1234:tid 5678] [client 127.0.0.1:38988] AH00898: Too many (11) interim responses from origin server returned by /x", model.CauseBadResponse, ""},
	{"proxy/mod_proxy_http.c", "AH01102", pre + "[proxy_http:error] [pid 20124:tid 20199] (70007)The timeout specified has expired: [client 127.0.0.1:38988] AH01102: error reading status line from remote server 127.0.0.1:19951", model.CauseReadTimeout, "127.0.0.1:19951"},
	{"proxy/mod_proxy_http.c", "AH01102", pre + "[proxy_http:error] [pid 20209:tid 20211] (20014)Internal error (specific information not available): [client 127.0.0.1:38996] AH01102: error reading status line from remote server 127.0.0.1:19952", model.CausePrematureClose, "127.0.0.1:19952"},
	{"proxy/mod_proxy_http.c", "AH01102", pre + "[proxy_http:error] [pid 20124:tid 20201] (104)Connection reset by peer: [client 127.0.0.1:38998] AH01102: error reading status line from remote server 127.0.0.1:19953", model.CauseReset, "127.0.0.1:19953"},
	{"proxy/mod_proxy_http.c", "AH01102", pre + "[proxy_http:error] [pid 20124:tid 20201] (70014)End of file found: [client 127.0.0.1:38998] AH01102: error reading status line from remote server backend.internal:8080", model.CausePrematureClose, "backend.internal:8080"},
	{"proxy/mod_proxy_http.c", "AH01110", pre + "[proxy_http:error] [pid 1234:tid 5678] (104)Connection reset by peer: [client 10.1.1.5:40000] AH01110: Network error reading response", model.CauseReset, ""},
	{"proxy/mod_proxy_http.c", "AH01110", pre + "[proxy_http:error] [pid 1234:tid 5678] (70007)The timeout specified has expired: [client 10.1.1.5:40000] AH01110: Network error reading response", model.CauseReadTimeout, ""},
	{"proxy/mod_proxy_http.c", "AH10293", pre + "[proxy_http:error] [pid 1234:tid 5678] [client 10.1.1.5:40000] AH10293: Unexpected empty data reading response", model.CausePrematureClose, ""},
	{"proxy/mod_proxy_http.c", "AH02475", pre + "[proxy_http:error] [pid 1234:tid 5678] (28)No space left on device: [client 10.1.1.5:40000] AH02475: Response chunk/line was too large to parse", model.CauseBadResponse, ""},
	{"proxy/mod_proxy_http.c", "AH02476", pre + "[proxy_http:error] [pid 1234:tid 5678] (70023)This function has not been implemented on this platform: [client 10.1.1.5:40000] AH02476: Response Transfer-Encoding was not recognised", model.CauseBadResponse, ""},
	{"proxy/mod_proxy_http.c", "AH10124", pre + "[proxy_http:warn] [pid 1234:tid 5678] (28)No space left on device: [client 10.1.1.5:40000] AH10124: header size is over the limit allowed by ResponseFieldSize (8192 bytes). Bad response header: 'X-Big: aaaa[...]aaaa'", model.CauseBadResponse, ""},
	{"proxy/mod_proxy_http.c", "AH10404", pre + "[proxy_http:warn] [pid 1234:tid 5678] (70007)The timeout specified has expired: [client 10.1.1.5:40000] AH10404: Error reading headers from backend", model.CauseReadTimeout, ""},
	{"proxy/mod_proxy_http.c", "AH01106", pre + "[proxy_http:warn] [pid 20124:tid 20203] [client 127.0.0.1:39022] AH01106: bad HTTP/1.1 header returned by /badhdr/x (GET)", model.CauseBadResponse, ""},
	{"proxy/mod_proxy_http.c", "AH01097", pre + "[proxy_http:error] [pid 1234:tid 5678] [client 127.0.0.1:51826] AH01097: pass request body failed to 127.0.0.1:39485 (127.0.0.1) from 127.0.0.1 ()", model.CausePrematureClose, "127.0.0.1:39485"},
	{"proxy/mod_proxy_http.c", "AH10154", pre + "[proxy_http:error] [pid 1234:tid 5678] [client 127.0.0.1:51826] AH10154: pass request body failed to 127.0.0.1:39485 (127.0.0.1) from 127.0.0.1 () with status 502", model.CausePrematureClose, "127.0.0.1:39485"},
	{"proxy/mod_proxy_http.c", "AH01114", pre + "[proxy_http:error] [pid 20123:tid 20140] [client 127.0.0.1:38974] AH01114: HTTP: failed to make connection to backend: 127.0.0.1", model.CauseRefused, "127.0.0.1"},
	// http/http_filters.c
	{"http/http_filters.c", "AH02428", pre + "[http:error] [pid 1234:tid 5678] [client 10.1.1.5:40000] AH02428: Empty response header name, aborting request", model.CauseBadResponse, ""},
	{"http/http_filters.c", "AH02429", pre + "[http:error] [pid 12937:tid 12953] [client 127.0.0.1:51800] AH02429: Response header name 'Bad\\x01Header' contains invalid characters, aborting request", model.CauseBadResponse, ""},
	{"http/http_filters.c", "AH02430", pre + "[http:error] [pid 1234:tid 5678] [client 10.1.1.5:40000] AH02430: Response header 'X' value of 'a\\x01' contains invalid characters, aborting request", model.CauseBadResponse, ""},
	// proxy/mod_proxy_balancer.c
	{"proxy/mod_proxy_balancer.c", "AH01167", pre + "[proxy_balancer:error] [pid 1234:tid 5678] [client 10.1.1.5:40000] AH01167: balancer://pool: All workers are in error state for route (node1)", model.CauseNoLiveUpstreams, "balancer://pool"},
	{"proxy/mod_proxy_balancer.c", "AH01170", pre + "[proxy_balancer:error] [pid 1234:tid 5678] [client 10.1.1.5:40000] AH01170: balancer://pool: All workers are in error state", model.CauseNoLiveUpstreams, "balancer://pool"},
	{"proxy/mod_proxy_balancer.c", "AH01171", pre + "[proxy_balancer:error] [pid 1234:tid 5678] [client 10.1.1.5:40000] AH01171: balancer://empty: No workers in balancer", model.CauseNoLiveUpstreams, "balancer://empty"},
	{"proxy/mod_proxy_balancer.c", "AH01174", pre + "[proxy_balancer:error] [pid 1234:tid 5678] [client 10.1.1.5:40000] AH01174: balancer://pool: Forcing worker (http://10.0.0.1:8001) into error state due to status code 503 matching 'failonstatus' balancer parameter", model.CauseUpstream5xx, "10.0.0.1:8001"},
	{"proxy/mod_proxy_balancer.c", "AH02460", pre + "[proxy_balancer:error] [pid 1234:tid 5678] [client 10.1.1.5:40000] AH02460: balancer://pool: Forcing worker (http://10.0.0.1:8001) into error state due to timeout and 'failontimeout' parameter being set", model.CauseReadTimeout, "10.0.0.1:8001"},
	// proxy/mod_proxy_fcgi.c
	{"proxy/mod_proxy_fcgi.c", "AH01067", pre + "[proxy_fcgi:error] [pid 1234:tid 5678] (104)Connection reset by peer: [client 10.1.1.5:40000] AH01067: Failed to read FastCGI header", model.CauseReset, ""},
	{"proxy/mod_proxy_fcgi.c", "AH01068", pre + "[proxy_fcgi:error] [pid 1234:tid 5678] [client 10.1.1.5:40000] AH01068: Got bogus version 72", model.CauseBadResponse, ""},
	{"proxy/mod_proxy_fcgi.c", "AH01069", pre + "[proxy_fcgi:error] [pid 1234:tid 5678] [client 10.1.1.5:40000] AH01069: Got bogus rid 2, expected 1", model.CauseBadResponse, ""},
	{"proxy/mod_proxy_fcgi.c", "AH01070", pre + "[proxy_fcgi:error] [pid 1234:tid 5678] [client 10.1.1.5:40000] AH01070: Error parsing script headers", model.CauseBadResponse, ""},
	{"proxy/mod_proxy_fcgi.c", "AH01072", pre + "[proxy_fcgi:error] [pid 1234:tid 5678] [client 10.1.1.5:40000] AH01072: Got bogus record 12", model.CauseBadResponse, ""},
	{"proxy/mod_proxy_fcgi.c", "AH02537", pre + "[proxy_fcgi:error] [pid 1234:tid 5678] (70014)End of file found: [client 10.1.1.5:40000] AH02537: Error occurred reading padding", model.CausePrematureClose, ""},
	{"proxy/mod_proxy_fcgi.c", "AH01073", pre + "[proxy_fcgi:error] [pid 1234:tid 5678] (32)Broken pipe: [client 10.1.1.5:40000] AH01073: Failed Writing Request to 127.0.0.1:9000:", model.CauseReset, "127.0.0.1:9000"},
	{"proxy/mod_proxy_fcgi.c", "AH01074", pre + "[proxy_fcgi:error] [pid 1234:tid 5678] (70007)The timeout specified has expired: [client 10.1.1.5:40000] AH01074: Failed writing Environment to 127.0.0.1:9000:", model.CauseReadTimeout, "127.0.0.1:9000"},
	{"proxy/mod_proxy_fcgi.c", "AH01075", pre + "[proxy_fcgi:error] [pid 1234:tid 5678] (70007)The timeout specified has expired: [client 10.1.1.5:40000] AH01075: Error dispatching request to 127.0.0.1:9000: (polling)", model.CauseReadTimeout, "127.0.0.1:9000"},
	{"proxy/mod_proxy_fcgi.c", "AH01071", pre + "[proxy_fcgi:error] [pid 1234:tid 5678] [client 10.1.1.5:40000] AH01071: Got error 'PHP message: PHP Warning:  Undefined variable $x'", model.CauseNone, ""},
	{"proxy/mod_proxy_fcgi.c", "AH01079", pre + "[proxy_fcgi:error] [pid 1234:tid 5678] [client 10.1.1.5:40000] AH01079: failed to make connection to backend: 127.0.0.1", model.CauseRefused, "127.0.0.1"},
	// proxy/mod_proxy_uwsgi.c
	{"proxy/mod_proxy_uwsgi.c", "AH10098", pre + "[proxy_uwsgi:error] [pid 1234:tid 5678] (32)Broken pipe: [client 10.1.1.5:40000] AH10098: sending data to 127.0.0.1:3031 failed", model.CauseReset, "127.0.0.1:3031"},
	{"proxy/mod_proxy_uwsgi.c", "AH10294", pre + "[proxy_uwsgi:error] [pid 1234:tid 5678] [client 10.1.1.5:40000] AH10294: Unexpected empty data reading uwscgi response", model.CausePrematureClose, ""},
	{"proxy/mod_proxy_uwsgi.c", "AH10101", pre + "[proxy_uwsgi:error] [pid 1234:tid 5678] [client 10.1.1.5:40000] AH10101: failed to make connection to backend: 127.0.0.1:3031", model.CauseRefused, "127.0.0.1:3031"},
	{"proxy/mod_proxy_uwsgi.c", "AH10259", pre + "[proxy_uwsgi:error] [pid 1234:tid 5678] [client 10.1.1.5:40000] AH10259: can't send headers to 127.0.0.1:3031: packet size too large (70000)", model.CauseNone, ""},
	// proxy/mod_proxy_ajp.c
	{"proxy/mod_proxy_ajp.c", "AH00868", pre + "[proxy_ajp:error] [pid 1234:tid 5678] (104)Connection reset by peer: [client 10.1.1.5:40000] AH00868: request failed to 127.0.0.1:8009 (localhost:8009)", model.CauseReset, "localhost:8009"},
	{"proxy/mod_proxy_ajp.c", "AH00876", pre + "[proxy_ajp:error] [pid 1234:tid 5678] (32)Broken pipe: [client 10.1.1.5:40000] AH00876: send failed to 127.0.0.1:8009 (localhost:8009)", model.CauseReset, "localhost:8009"},
	{"proxy/mod_proxy_ajp.c", "AH00878", pre + "[proxy_ajp:error] [pid 1234:tid 5678] (70007)The timeout specified has expired: [client 10.1.1.5:40000] AH00878: read response failed from 127.0.0.1:8009 (localhost:8009)", model.CauseReadTimeout, "localhost:8009"},
	{"proxy/mod_proxy_ajp.c", "AH00893", pre + "[proxy_ajp:error] [pid 1234:tid 5678] (70014)End of file found: [client 10.1.1.5:40000] AH00893: dialog to 127.0.0.1:8009 (localhost:8009) failed", model.CausePrematureClose, "localhost:8009"},
	{"proxy/mod_proxy_ajp.c", "AH00897", pre + "[proxy_ajp:error] [pid 1234:tid 5678] (70007)The timeout specified has expired: [client 10.1.1.5:40000] AH00897: cping/cpong failed to 127.0.0.1:8009 (localhost:8009)", model.CauseReadTimeout, "localhost:8009"},
	{"proxy/mod_proxy_ajp.c", "AH00896", pre + "[proxy_ajp:error] [pid 1234:tid 5678] [client 10.1.1.5:40000] AH00896: failed to make connection to backend: localhost", model.CauseRefused, "localhost"},
	// proxy/mod_proxy_wstunnel.c
	{"proxy/mod_proxy_wstunnel.c", "AH02452", pre + "[proxy_wstunnel:error] [pid 1234:tid 5678] [client 10.1.1.5:40000] AH02452: failed to make connection to backend: 127.0.0.1", model.CauseRefused, "127.0.0.1"},
	{"proxy/mod_proxy_wstunnel.c", "AH10225", pre + "[proxy_wstunnel:error] [pid 1234:tid 5678] [client 10.1.1.5:40000] AH10225: Tunnel timed out", model.CauseNone, ""},
	// ssl/ssl_engine_io.c (info level, on the backend connection)
	{"ssl/ssl_engine_io.c", "AH02003", pre + "[ssl:info] [pid 1234:tid 5678] [remote 127.0.0.1:8443] AH02003: SSL Proxy connect failed", model.CauseNone, "127.0.0.1:8443"},
	{"ssl/ssl_engine_io.c", "AH02004", pre + "[ssl:info] [pid 1234:tid 5678] [remote 127.0.0.1:8443] AH02004: SSL Proxy: Peer certificate is expired", model.CauseNone, "127.0.0.1:8443"},
	{"ssl/ssl_engine_io.c", "AH02411", pre + "[ssl:info] [pid 1234:tid 5678] [remote 127.0.0.1:8443] AH02411: SSL Proxy: Peer certificate does not match for hostname api.internal", model.CauseNone, "127.0.0.1:8443"},
	{"ssl/ssl_engine_io.c", "AH02005", pre + "[ssl:info] [pid 1234:tid 5678] [remote 127.0.0.1:8443] AH02005: SSL Proxy: Peer certificate CN mismatch: Certificate CN: other Requested hostname: api.internal", model.CauseNone, "127.0.0.1:8443"},
	{"ssl/ssl_engine_io.c", "AH02008", pre + "[ssl:info] [pid 1234:tid 5678] (70014)End of file found: [remote 127.0.0.1:8443] AH02008: SSL library error 1 in handshake (server 127.0.0.1:8443)", model.CauseNone, "127.0.0.1:8443"},
	// ssl/ssl_engine_kernel.c
	{"ssl/ssl_engine_kernel.c", "AH02039", pre + "[ssl:error] [pid 1234:tid 5678] [remote 127.0.0.1:8443] AH02039: Certificate Verification: Error (10): certificate has expired", model.CauseTLS, "127.0.0.1:8443"},
}

func TestCatalogue(t *testing.T) {
	rowFor := map[string]bool{}
	for _, row := range catalogueRows {
		r, err := ParseErrorLine([]byte(row.line))
		if err != nil {
			t.Errorf("%s (%s): %v", row.id, row.file, err)
			continue
		}
		if r.ID != row.id || r.Rule == nil {
			t.Errorf("%s (%s): id %q rule %v", row.id, row.file, r.ID, r.Rule)
			continue
		}
		if r.Rule.Source != row.file {
			t.Errorf("%s: rule says %s, the row %s", row.id, r.Rule.Source, row.file)
		}
		if r.Cause != row.cause || r.Addr != row.addr {
			t.Errorf("%s (%s): cause %q addr %q, want %q %q\n%s", row.id, row.file, r.Cause, r.Addr, row.cause, row.addr, row.line)
		}
		rowFor[row.id+"|"+r.Rule.Prefix] = true
	}
	for _, rule := range Catalogue {
		if !rowFor[rule.ID+"|"+rule.Prefix] {
			t.Errorf("catalogue rule %s %q (%s) has no test row", rule.ID, rule.Prefix, rule.Source)
		}
		if rule.addr == nil || rule.Format == "" || rule.Source == "" {
			t.Errorf("catalogue rule %s is incomplete", rule.ID)
		}
	}
}
