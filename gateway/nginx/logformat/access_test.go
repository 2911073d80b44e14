package logformat

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

func mustCompile(t testing.TB, format string) *Format {
	t.Helper()
	f, err := Compile(format)
	if err != nil {
		t.Fatalf("Compile(%q): %v", format, err)
	}
	return f
}

// exported returns rec without its scratch state, with empty Attempts as
// nil, so tests can compare records with reflect.DeepEqual.
func exported(rec Record) Record {
	rec.up, rec.buf, rec.last = [numUp]string{}, nil, timeCache{}
	if len(rec.Attempts) == 0 {
		rec.Attempts = nil
	}
	return rec
}

func utc(y int, mo time.Month, d, h, mi, s int) time.Time {
	return time.Date(y, mo, d, h, mi, s, 0, time.UTC)
}

func TestParseFixtures(t *testing.T) {
	apm := []Attempt{{Addr: "10.0.0.1:8080", Status: 502, ConnectTime: -1, HeaderTime: -1, ResponseTime: 0.001}, {Addr: "10.0.0.2:8080", Status: 200, ConnectTime: 0.001, HeaderTime: 0.012, ResponseTime: 0.013}}
	tests := []struct {
		name, format, line string
		want               Record
	}{
		{"combined", "combined", combinedLine, Record{
			Time: utc(2020, time.May, 7, 3, 15, 12), Status: 502, RequestTime: -1,
			Method: "GET", URI: "/", Request: "GET / HTTP/1.1", RemoteAddr: "172.21.0.1",
		}},
		{"apm retry then success", apmDirective, apmLine1, Record{
			Time: utc(2024, time.May, 7, 10, 1, 2), Status: 200, RequestTime: 0.015,
			Method: "GET", URI: "/api/items", Request: "GET /api/items HTTP/1.1", RemoteAddr: "10.1.1.5",
			Attempts: apm,
		}},
		{"apm read timeout", apmDirective, apmLine2, Record{
			Time: utc(2024, time.May, 7, 10, 1, 3), Status: 504, RequestTime: 60.002,
			Method: "GET", URI: "/api/items", Request: "GET /api/items HTTP/1.1", RemoteAddr: "10.1.1.5",
			Attempts: []Attempt{{Addr: "10.0.0.1:8080", Status: 504, ConnectTime: 0.001, HeaderTime: -1, ResponseTime: 60.001}},
		}},
		{"apm no live upstreams", apmDirective, apmLine3, Record{
			Time: utc(2024, time.May, 7, 10, 1, 4), Status: 502, RequestTime: 0,
			Method: "GET", URI: "/api/items", Request: "GET /api/items HTTP/1.1", RemoteAddr: "10.1.1.5",
			Attempts: []Attempt{{Addr: "backend", Status: 502, ConnectTime: -1, HeaderTime: -1, ResponseTime: 0}},
		}},
		{"apm as bare text", apmText, apmLine1, Record{
			Time: utc(2024, time.May, 7, 10, 1, 2), Status: 200, RequestTime: 0.015,
			Method: "GET", URI: "/api/items", Request: "GET /api/items HTTP/1.1", RemoteAddr: "10.1.1.5",
			Attempts: apm,
		}},
		{"json_upstream", jsonDirective, jsonLine, Record{
			Time: utc(2024, time.May, 7, 10, 1, 2), Status: 200, RequestTime: 0.015,
			Method: "GET", URI: "/api/items", Request: "GET /api/items HTTP/1.1", RemoteAddr: "10.1.1.5",
			Host: "api.example.com", Attempts: apm,
		}},
		{"main", "main", `10.0.0.9 - alice [07/May/2020:03:15:12 -0700] "POST /login?x=1 HTTP/2.0" 499 0 "https://example.com/" "curl/8.5.0" "203.0.113.7, 10.0.0.1"`, Record{
			Time: utc(2020, time.May, 7, 10, 15, 12), Status: 499, RequestTime: -1,
			Method: "POST", URI: "/login?x=1", Request: "POST /login?x=1 HTTP/2.0", RemoteAddr: "10.0.0.9",
		}},
		{"status 009 and 000", `$status $upstream_status`, `009 -`, Record{Status: 9, RequestTime: -1}},
		{"status 000", `$status`, `000`, Record{Status: 0, RequestTime: -1}},
		{"custom ${var}, quoted lists, groups", `${remote_addr} [${time_iso8601}] ${host} ${status} rt=${request_time} ua="$upstream_addr" us="$upstream_status" urt="$upstream_response_time" uct="$upstream_connect_time" uht="$upstream_header_time"`,
			`10.0.0.1 [2024-05-07T12:01:02+02:00] api.example.com 502 rt=1.500 ua="192.168.1.1:80, 192.168.1.2:80, unix:/tmp/sock : 192.168.10.1:80" us="502, 504, - : 502" urt="0.001, 1.000, - : 0.499" uct="-, 0.001, - : -" uht="-, -, - : -"`,
			Record{Time: utc(2024, time.May, 7, 10, 1, 2), Status: 502, RequestTime: 1.5, Host: "api.example.com", RemoteAddr: "10.0.0.1",
				Attempts: []Attempt{
					{Addr: "192.168.1.1:80", Status: 502, ConnectTime: -1, HeaderTime: -1, ResponseTime: 0.001},
					{Addr: "192.168.1.2:80", Status: 504, ConnectTime: 0.001, HeaderTime: -1, ResponseTime: 1},
					{Addr: "unix:/tmp/sock", Status: 0, ConnectTime: -1, HeaderTime: -1, ResponseTime: -1},
					{Addr: "192.168.10.1:80", Status: 502, ConnectTime: -1, HeaderTime: -1, ResponseTime: 0.499, Group: 1},
				}}},
		{"unquoted lists separated by a single space", `$upstream_addr $upstream_status $status`,
			`10.0.0.1:80, 10.0.0.2:80 : backend 502, 502 : 502 502`,
			Record{Status: 502, RequestTime: -1, Attempts: []Attempt{
				{Addr: "10.0.0.1:80", Status: 502, ConnectTime: -1, HeaderTime: -1, ResponseTime: -1},
				{Addr: "10.0.0.2:80", Status: 502, ConnectTime: -1, HeaderTime: -1, ResponseTime: -1},
				{Addr: "backend", Status: 502, ConnectTime: -1, HeaderTime: -1, ResponseTime: -1, Group: 1},
			}}},
		{"no upstream: dashes", `$status "$upstream_addr" "$upstream_status" $request_time`, `404 "-" "-" 0.000`,
			Record{Status: 404, RequestTime: 0}},
		{"no upstream: escape=json empty", `escape=json '{"s":"$status","ua":"$upstream_addr","us":"$upstream_status"}'`, `{"s":"503","ua":"","us":""}`,
			Record{Status: 503, RequestTime: -1}},
		{"escape=json quotes inside a value", `escape=json '{"r":"$request","ua":"$http_user_agent","s":$status}'`,
			`{"r":"GET /a\"b\\ HTTP/1.1","ua":"x \"quoted\" \u001f","s":200}`,
			Record{Status: 200, RequestTime: -1, Method: "GET", URI: `/a"b\`, Request: `GET /a"b\ HTTP/1.1`}},
		{"default escaping keeps quotes as \\x22", `"$request" $status "$http_user_agent"`, `"GET /a\x22b HTTP/1.1" 200 "a\x22b"`,
			Record{Status: 200, RequestTime: -1, Method: "GET", URI: `/a\x22b`, Request: `GET /a\x22b HTTP/1.1`}},
		{"msec, method and uri variables win over $request", `$msec $request_method $request_uri "$request" $uri $http_host $host $status`,
			`1715076062.123 POST /x?y=1 "GET /other HTTP/1.1" /x h1 h2 201`,
			Record{Time: time.Unix(1715076062, 123e6).UTC(), Status: 201, RequestTime: -1, Method: "POST", URI: "/x?y=1", Request: "GET /other HTTP/1.1", Host: "h2"}},
		{"unquoted $request", `$remote_addr $request $status`, `1.2.3.4 GET /x HTTP/1.1 200`,
			Record{Status: 200, RequestTime: -1, RemoteAddr: "1.2.3.4", Method: "GET", URI: "/x", Request: "GET /x HTTP/1.1"}},
		{"unquoted $request -", `$remote_addr $request $status`, `1.2.3.4 - 400`,
			Record{Status: 400, RequestTime: -1, RemoteAddr: "1.2.3.4"}},
		{"CRLF", `$status`, "200\r\n", Record{Status: 200, RequestTime: -1}},
		{"upstream status only", `$status $upstream_status`, `502 502, 504`,
			Record{Status: 502, RequestTime: -1, Attempts: []Attempt{
				{Status: 502, ConnectTime: -1, HeaderTime: -1, ResponseTime: -1},
				{Status: 504, ConnectTime: -1, HeaderTime: -1, ResponseTime: -1},
			}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := mustCompile(t, tc.format)
			var rec Record
			if err := f.Parse([]byte(tc.line), &rec); err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if got := exported(rec); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Parse:\n got %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

// TestParseReuse checks that a reused Record carries nothing over from the
// line before.
func TestParseReuse(t *testing.T) {
	f := mustCompile(t, apmDirective)
	var rec Record
	for _, line := range []string{apmLine1, apmLine3} {
		if err := f.Parse([]byte(line), &rec); err != nil {
			t.Fatal(err)
		}
	}
	var fresh Record
	if err := f.Parse([]byte(apmLine3), &fresh); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(exported(rec), exported(fresh)) {
		t.Errorf("reused record %+v differs from fresh %+v", exported(rec), exported(fresh))
	}
	// A mismatch must not leave the previous line's values behind.
	if err := f.Parse([]byte("garbage"), &rec); err == nil {
		t.Fatal("garbage parsed")
	}
	if rec.Status != 0 || len(rec.Attempts) != 0 || rec.URI != "" {
		t.Errorf("after error, rec = %+v", exported(rec))
	}
}

// TestParseLineCopied checks that rec's strings do not alias the caller's
// buffer, which a log tailer reuses.
func TestParseLineCopied(t *testing.T) {
	f := mustCompile(t, "combined")
	buf := []byte(combinedLine)
	var rec Record
	if err := f.Parse(buf, &rec); err != nil {
		t.Fatal(err)
	}
	for i := range buf {
		buf[i] = 'X'
	}
	if rec.RemoteAddr != "172.21.0.1" || rec.URI != "/" {
		t.Errorf("record changed with the buffer: %+v", exported(rec))
	}
}

func TestParseMismatch(t *testing.T) {
	formats := map[string]*Format{
		"combined": mustCompile(t, "combined"),
		"apm":      mustCompile(t, apmDirective),
		"json":     mustCompile(t, jsonDirective),
	}
	long := strings.Repeat("a", 1<<20)
	lines := []string{
		"", "\n", "\x00\x01\x02\xff\xfe", long, `"` + long,
		combinedLine[:40], combinedLine[:len(combinedLine)-1], apmLine1[:200], apmLine1[:len(apmLine1)-3] + "x.y",
		jsonLine[:100], strings.Replace(jsonLine, `"200"`, `"2x0"`, 1), strings.Replace(jsonLine, `"502, 200"`, `"502, abc"`, 1),
		strings.Replace(combinedLine, "May", "Foo", 1), strings.Replace(combinedLine, " 502 ", " 5020 ", 1),
		strings.Replace(apmLine1, "request_time=0.015", "request_time=fast", 1),
		combinedLine + " trailing",
	}
	for name, f := range formats {
		for _, line := range lines {
			var rec Record
			err := f.Parse([]byte(line), &rec)
			if err == nil {
				t.Errorf("%s: Parse(%.60q) succeeded: %+v", name, line, exported(rec))
				continue
			}
			if !errors.Is(err, ErrMismatch) {
				t.Errorf("%s: Parse(%.60q) error %v does not wrap ErrMismatch", name, line, err)
			}
		}
	}
}

func TestParseEmptyAndDashFields(t *testing.T) {
	f := mustCompile(t, `$remote_addr "$host" "$request" $status $request_time`)
	var rec Record
	if err := f.Parse([]byte(`- "-" "-" 400 -`), &rec); err != nil {
		t.Fatal(err)
	}
	want := Record{Status: 400, RequestTime: -1}
	if got := exported(rec); !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v want %+v", got, want)
	}
}

// TestIngressNginxFormat: ingress-nginx's default "upstreaminfo" format,
// the most common upstream-aware log in the wild, writes its multi-valued
// upstream fields unquoted with only spaces between them.
func TestIngressNginxFormat(t *testing.T) {
	f, err := Compile(`$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" $request_length $request_time [$proxy_upstream_name] [$proxy_alternative_upstream_name] $upstream_addr $upstream_response_length $upstream_response_time $upstream_status $req_id`)
	if err != nil {
		t.Fatal(err)
	}
	var r Record
	line := `10.0.0.1 - - [07/May/2024:10:01:02 +0000] "GET /api HTTP/1.1" 200 150 "-" "curl/8" 80 0.005 [default-api-80] [] 10.244.1.5:8080, 10.244.1.6:8080 0, 150 0.001, 0.004 502, 200 abc123`
	if err := f.Parse([]byte(line), &r); err != nil {
		t.Fatal(err)
	}
	if r.Status != 200 || r.RequestTime != 0.005 || len(r.Attempts) != 2 ||
		r.Attempts[0].Addr != "10.244.1.5:8080" || r.Attempts[0].Status != 502 || r.Attempts[0].ResponseTime != 0.001 ||
		r.Attempts[1].Addr != "10.244.1.6:8080" || r.Attempts[1].Status != 200 || r.Attempts[1].ResponseTime != 0.004 {
		t.Errorf("record %+v", r)
	}
	line = `10.0.0.1 - - [07/May/2024:10:01:03 +0000] "POST /export HTTP/1.1" 504 150 "-" "curl/8" 80 60.001 [default-api-80] [] 10.244.1.5:8080 0 60.000 504 def456`
	if err := f.Parse([]byte(line), &r); err != nil {
		t.Fatal(err)
	}
	if r.Status != 504 || len(r.Attempts) != 1 || r.Attempts[0].Status != 504 || r.Attempts[0].ResponseTime != 60 {
		t.Errorf("record %+v", r)
	}
}
