// Package envoytest holds the reference's recorded Envoy fixtures and
// serves them, with counters that move between requests, from a loopback
// httptest admin server, so the admin reader can be tested end to end
// where Envoy itself cannot be installed.
package envoytest

import (
	"strings"
	"time"
)

// ClustersText is the reference's /clusters text fixture (§5.1), real
// lines from a Tencent Cloud TSF page, a Kuadrant doc, Gloo's docs and a
// kind write-up. The last line has no cluster prefix, as published.
const ClustersText = `in#8080#reporttimeb::default_priority::max_connections::1024
in#8080#reporttimeb::default_priority::max_pending_requests::1024
in#8080#reporttimeb::default_priority::max_requests::1024
in#8080#reporttimeb::default_priority::max_retries::3
in#8080#reporttimeb::high_priority::max_connections::1024
in#8080#reporttimeb::high_priority::max_pending_requests::1024
in#8080#reporttimeb::high_priority::max_requests::1024
in#8080#reporttimeb::high_priority::max_retries::3
in#8080#reporttimeb::added_via_api::true
in#8080#reporttimeb::9.77.7.132:8080::cx_active::0
in#8080#reporttimeb::9.77.7.132:8080::cx_connect_fail::0
in#8080#reporttimeb::9.77.7.132:8080::cx_total::4
in#8080#reporttimeb::9.77.7.132:8080::rq_active::0
in#8080#reporttimeb::9.77.7.132:8080::rq_error::0
in#8080#reporttimeb::9.77.7.132:8080::rq_success::4
in#8080#reporttimeb::9.77.7.132:8080::rq_timeout::0
in#8080#reporttimeb::9.77.7.132:8080::rq_total::4
in#8080#reporttimeb::9.77.7.132:8080::health_flags::healthy
in#8080#reporttimeb::9.77.7.132:8080::weight::1
in#8080#reporttimeb::9.77.7.132:8080::region::
in#8080#reporttimeb::9.77.7.132:8080::zone::
in#8080#reporttimeb::9.77.7.132:8080::sub_zone::
in#8080#reporttimeb::9.77.7.132:8080::canary::false
in#8080#reporttimeb::9.77.7.132:8080::success_rate::-1
outbound|443||httpbin.org::54.156.228.155:443::rq_error::1
httpbin_httpbin::10.XX.X.XX:8080::health_flags::/failed_active_hc/failed_outlier_check
172.19.0.5:6443::health_flags::/failed_active_hc/active_hc_timeout
`

// ClustersJSON is the reference's /clusters?format=json shape (§5.2) with
// concrete values: illustrative. It has a value as a string and as a
// number, a stat with its value omitted (0), a pipe address, an IPv6 host
// and every health-status form.
const ClustersJSON = `{"cluster_statuses":[
 {"name":"api","added_via_api":true,"observability_name":"api",
  "circuit_breakers":{"thresholds":[{"max_connections":1024,"max_pending_requests":1024,"max_requests":1024,"max_retries":3},{"priority":"HIGH","max_connections":1024}]},
  "success_rate_ejection_threshold":{"value":6},
  "host_statuses":[
   {"address":{"socket_address":{"address":"10.0.0.5","port_value":8080}},
    "stats":[{"name":"cx_active","type":"GAUGE","value":"3"},{"name":"cx_connect_fail"},{"name":"rq_error","type":"COUNTER","value":"12"},{"name":"rq_success","value":88},{"name":"rq_total","value":100}],
    "health_status":{"eds_health_status":"HEALTHY","failed_active_health_check":true,"failed_outlier_check":true},
    "success_rate":{"value":43.2},"weight":1,"hostname":"api-1.internal","locality":{"zone":"a"}},
   {"address":{"socket_address":{"address":"::1","port_value":"8081"}},
    "stats":[{"name":"rq_total","value":"7"}],
    "health_status":{"eds_health_status":"HEALTHY"},"weight":1,"priority":1},
   {"address":{"pipe":{"path":"/run/app.sock"}},
    "stats":[{"name":"rq_total","value":5},{"name":"rq_success","value":5}],
    "health_status":{"eds_health_status":"TIMEOUT"}},
   {"address":{"socket_address":{"address":"10.0.0.6","port_value":8080}},
    "health_status":{"eds_health_status":"DRAINING","pending_dynamic_removal":true}}]},
 {"name":"empty"}]}`

// StatsText is the reference's /stats fixture (§5.3): real cluster stats
// of a TLS mismatch write-up and a histogram line from mobiledgex test data.
const StatsText = `cluster.my-broker.update_success: 98
cluster.my-broker.upstream_cx_active: 0
cluster.my-broker.upstream_cx_connect_fail: 788
cluster.my-broker.upstream_cx_connect_timeout: 0
cluster.my-broker.upstream_cx_destroy: 859
cluster.my-broker.upstream_cx_destroy_local: 859
cluster.my-broker.upstream_cx_destroy_local_with_active_rq: 71
cluster.backend4321.upstream_cx_length_ms: P0(nan,2) P25(nan,5.1) P50(nan,11) P75(nan,105) P90(nan,182) P95(nan,186) P99(nan,189.2) P99.5(nan,189.6) P99.9(nan,189.92) P100(nan,190)
`

// Access-log fixtures (§5.4).
const (
	// DefaultDocumented is the documented example of the default format.
	DefaultDocumented = `[2016-04-15T20:17:00.310Z] "POST /api/v1/locations HTTP/2" 204 - 154 0 226 100 "10.0.35.28" "nsq2http" "cc21d9b0-cf5c-432b-8c7e-98aeb7988cd2" "locations" "tcp://10.0.2.1:80"`
	// DefaultUF is the reference's illustrative default-format line: a
	// connect failure after retries.
	DefaultUF = `[2024-05-07T10:01:02.123Z] "GET /api/items HTTP/1.1" 503 UF,URX 0 91 25 - "10.1.1.5" "curl/8.5.0" "7c0e2d1a-9f1b-4a0e-8d7c-3b1f0a2e9c11" "api.example.com" "10.0.3.7:8080"`
	// JSON17432 is envoyproxy/envoy#17432 (camelCase keys, strings).
	JSON17432 = `{"responseCodeDetails":"upstream_reset_before_response_started{connection_failure}","requestPath":"/v1/KEY_25c5d7699e8d431a94ca282e1ec2156f","upstreamServiceTime":"-","requestMethod":"GET","startTime":"2021-07-21T09:42:36.514Z","bytesReceived":"0","bytesSent":"91","protocol":"HTTP/1.1","responseFlags":"UF,URX","responseCode":"503","soapaction":"-","duration":"55","fullPath":"GET /v1/KEY_25c5d7699e8d431a94ca282e1ec2156f HTTP/1.1"}`
	// JSON20311 is envoyproxy/envoy#20311 (snake_case, numbers, nested upstream).
	JSON20311 = `{"duration":475,"response_flags":"UF","bytes_received":0,"remote_addr":"172.19.0.9","method":"GET","path":"/service03","user_agent":"curl/7.68.0","upstream":{"duration":null,"service":"service03","host":"172.19.0.2:8000"},"protocol":"HTTP/1.1","id":"bdc55196-1c65-4054-bc5c-f7450a781b26","response_code_details":"upstream_reset_before_response_started{connection_failure}","bytes_sent":91,"response_code":503,"source":"envoy","listener":"service","start_time":"2022-03-11T09:58:37.960+0000"}`
)

// DefaultLine writes an illustrative default-format line at t with the
// given code, flags and upstream host.
func DefaultLine(t time.Time, code, flags, host string) string {
	return "[" + t.UTC().Format("2006-01-02T15:04:05.000Z") + `] "GET /api/items HTTP/1.1" ` + code + " " + flags +
		` 0 91 25 - "10.1.1.5" "curl/8.5.0" "7c0e2d1a-9f1b-4a0e-8d7c-3b1f0a2e9c11" "api.example.com" "` + host + `"`
}

// JSONLine rewrites the start time of a JSON fixture to t.
func JSONLine(fixture string, t time.Time) string {
	ts := t.UTC().Format("2006-01-02T15:04:05.000Z")
	for _, old := range []string{"2021-07-21T09:42:36.514Z", "2022-03-11T09:58:37.960+0000"} {
		fixture = strings.ReplaceAll(fixture, old, ts)
	}
	return fixture
}
