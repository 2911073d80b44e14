package nginx

// Formats and lines from docs/reference proxy-formats.md §2.4 and §3, shared
// by the table tests, the fuzz seed corpora and the benchmarks.

const apmDirective = `log_format apm '"$time_local" client=$remote_addr '
               'method=$request_method request="$request" '
               'request_length=$request_length '
               'status=$status bytes_sent=$bytes_sent '
               'body_bytes_sent=$body_bytes_sent '
               'referer=$http_referer '
               'user_agent="$http_user_agent" '
               'upstream_addr=$upstream_addr '
               'upstream_status=$upstream_status '
               'request_time=$request_time '
               'upstream_response_time=$upstream_response_time '
               'upstream_connect_time=$upstream_connect_time '
               'upstream_header_time=$upstream_header_time';`

// apmText is apmDirective's format as nginx concatenates it.
const apmText = `"$time_local" client=$remote_addr method=$request_method request="$request" request_length=$request_length status=$status bytes_sent=$bytes_sent body_bytes_sent=$body_bytes_sent referer=$http_referer user_agent="$http_user_agent" upstream_addr=$upstream_addr upstream_status=$upstream_status request_time=$request_time upstream_response_time=$upstream_response_time upstream_connect_time=$upstream_connect_time upstream_header_time=$upstream_header_time`

const jsonDirective = `log_format json_upstream escape=json '{'
  '"time":"$time_iso8601","remote_addr":"$remote_addr","request":"$request",'
  '"status":"$status","body_bytes_sent":$body_bytes_sent,"request_time":$request_time,'
  '"upstream_addr":"$upstream_addr","upstream_status":"$upstream_status",'
  '"upstream_connect_time":"$upstream_connect_time",'
  '"upstream_header_time":"$upstream_header_time",'
  '"upstream_response_time":"$upstream_response_time","host":"$host"}';`

const (
	combinedLine = `172.21.0.1 - - [07/May/2020:03:15:12 +0000] "GET / HTTP/1.1" 502 157 "-" "Mozilla/5.0 (X11; Fedora; Linux x86_64; rv:60.0) Gecko/20100101 Firefox/60.0"`

	apmLine1 = `"07/May/2024:10:01:02 +0000" client=10.1.1.5 method=GET request="GET /api/items HTTP/1.1" request_length=88 status=200 bytes_sent=512 body_bytes_sent=321 referer=- user_agent="curl/8.5.0" upstream_addr=10.0.0.1:8080, 10.0.0.2:8080 upstream_status=502, 200 request_time=0.015 upstream_response_time=0.001, 0.013 upstream_connect_time=-, 0.001 upstream_header_time=-, 0.012`
	apmLine2 = `"07/May/2024:10:01:03 +0000" client=10.1.1.5 method=GET request="GET /api/items HTTP/1.1" request_length=88 status=504 bytes_sent=346 body_bytes_sent=167 referer=- user_agent="curl/8.5.0" upstream_addr=10.0.0.1:8080 upstream_status=504 request_time=60.002 upstream_response_time=60.001 upstream_connect_time=0.001 upstream_header_time=-`
	apmLine3 = `"07/May/2024:10:01:04 +0000" client=10.1.1.5 method=GET request="GET /api/items HTTP/1.1" request_length=88 status=502 bytes_sent=314 body_bytes_sent=157 referer=- user_agent="curl/8.5.0" upstream_addr=backend upstream_status=502 request_time=0.000 upstream_response_time=0.000 upstream_connect_time=- upstream_header_time=-`

	jsonLine = `{"time":"2024-05-07T10:01:02+00:00","remote_addr":"10.1.1.5","request":"GET /api/items HTTP/1.1","status":"200","body_bytes_sent":321,"request_time":0.015,"upstream_addr":"10.0.0.1:8080, 10.0.0.2:8080","upstream_status":"502, 200","upstream_connect_time":"-, 0.001","upstream_header_time":"-, 0.012","upstream_response_time":"0.001, 0.013","host":"api.example.com"}`
)

// errorFixtures are §2.4's lines, in order.
var errorFixtures = []string{
	`2020/05/07 03:15:12 [error] 6#6: *1 connect() failed (111: Connection refused) while connecting to upstream, client: 172.21.0.1, server: , request: "GET / HTTP/1.1", upstream: "http://172.21.0.19:9000/", host: "0.0.0.0:9000"`,
	`2022/12/14 13:16:29 [error] 1829#1829: *451 no live upstreams while connecting to upstream, client: 203.0.113.9, server: goblin.technology, request: "GET /.well-known/nodeinfo HTTP/1.1", upstream: "http://localhost/.well-known/nodeinfo", host: "goblin.technology"`,
	`2020/02/20 16:45:08 [crit] 551#551: *1 connect() to unix:/var/run/php-fpm.sock failed (2: No such file or directory) while connecting to upstream, client: 172.17.0.1, server: , request: "GET / HTTP/1.1", upstream: "fastcgi://unix:/var/run/php-fpm.sock:", host: "localhost:5000"`,
	`2017/05/10 06:50:00 [error] 23#23: *423240 connect() to unix:/var/run/php-fpm.sock failed (11: Resource temporarily unavailable) while connecting to upstream, client: 172.18.0.1, server: *.*.org, request: "GET /-xxx-selecti HTTP/1.0", upstream: "fastcgi://unix:/var/run/php-fpm.sock:", host: "xxx.org"`,
	`2024/11/03 06:09:29 [error] 184#184: *94 upstream prematurely closed connection while reading response header from upstream, client: 192.168.58.11, server: opensearch-dashboard.hi.local, request: "GET / HTTP/1.1", upstream: "http://10.244.3.84:5601/", host: "opensearch-dashboard.hi.local"`,
	`2020/06/01 08:53:59 [error] 32197#32197: *6552 connect() to [2606:4700:3030::681c:31a]:8080 failed (101: Network is unreachable) while connecting to upstream, client: 96.75.63.10, server: localhost, request: "GET /wp/wp-content/uploads/2015/03/itunes_image.jpg HTTP/1.1", upstream: "http://[2606:4700:3030::681c:31a]:8080/wp/wp-content/uploads/2015/03/itunes_image.jpg", host: "www.yuppiejunk.com"`,
	`*10 SSL_do_handshake() failed (SSL: error:0A000410:SSL routines::sslv3 alert handshake failure:SSL alert number 40) while SSL handshaking to upstream, client: 172.19.0.1, server: example.host, request: "GET /.well-known/matrix/client HTTP/2.0", upstream: "https://<ip>/.well-known/matrix/client", host: "<domain>"`,
	`2018/06/08 12:51:17 [error] *426 www.XXX.es could not be resolved (3: Host not found), client: 85.25.210.41, server: localhost, request: "GET /robots.txt HTTP/1.1", host: "www.XXX.es"`,
	`[error] 1234#0: *567 upstream timed out (110: Connection timed out) while reading response header from upstream, client: 1.2.3.4, server: example.com, request: "POST /api/export HTTP/1.1", upstream: "http://127.0.0.1:8000/api/export"`,
}

const stubFixture = "Active connections: 291 \nserver accepts handled requests\n 16630948 16630948 31070465 \nReading: 6 Writing: 179 Waiting: 106 \n"
