package logformat

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
