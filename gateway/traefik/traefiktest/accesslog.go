package traefiktest

import (
	"strings"
	"time"
)

// Access-log lines in Traefik's JSON access-log format. The reference has
// no recorded Traefik access-log line, so these are illustrative: built
// from the field names and order (alphabetical) Traefik writes, with the
// addresses of the API fixtures above. Each starts at FixtureTime.
const (
	// FixtureTime is the StartUTC/StartLocal/time of every line below.
	FixtureTime = "2024-05-07T10:01:02.123456789Z"

	// AccessOK: the upstream answered 200.
	AccessOK = `{"ClientAddr":"10.42.1.92:46302","ClientHost":"10.42.1.92","ClientPort":"46302","ClientUsername":"-","DownstreamContentSize":2,"DownstreamStatus":200,"Duration":2534021,"OriginContentSize":2,"OriginDuration":2411203,"OriginStatus":200,"Overhead":122818,"RequestAddr":"app.example.com","RequestContentSize":0,"RequestCount":7,"RequestHost":"app.example.com","RequestMethod":"GET","RequestPath":"/items","RequestPort":"-","RequestProtocol":"HTTP/1.1","RequestScheme":"http","RetryAttempts":0,"RouterName":"app@file","ServiceAddr":"172.17.0.1:3000","ServiceName":"app@file","ServiceURL":"http://172.17.0.1:3000","StartLocal":"2024-05-07T10:01:02.123456789Z","StartUTC":"2024-05-07T10:01:02.123456789Z","entryPointName":"web","level":"info","msg":"","time":"2024-05-07T10:01:02Z"}`

	// Access500: the upstream itself answered 500.
	Access500 = `{"ClientAddr":"10.42.1.92:46304","ClientHost":"10.42.1.92","ClientPort":"46304","ClientUsername":"-","DownstreamContentSize":21,"DownstreamStatus":500,"Duration":15234021,"OriginContentSize":21,"OriginDuration":15002001,"OriginStatus":500,"Overhead":232020,"RequestAddr":"app.example.com","RequestContentSize":0,"RequestCount":8,"RequestHost":"app.example.com","RequestMethod":"POST","RequestPath":"/orders","RequestPort":"-","RequestProtocol":"HTTP/1.1","RequestScheme":"http","RetryAttempts":0,"RouterName":"app@file","ServiceAddr":"172.17.0.1:3000","ServiceName":"app@file","ServiceURL":"http://172.17.0.1:3000","StartLocal":"2024-05-07T10:01:02.123456789Z","StartUTC":"2024-05-07T10:01:02.123456789Z","entryPointName":"web","level":"info","msg":"","time":"2024-05-07T10:01:02Z"}`

	// Access502: Traefik could not proxy (refused, reset, EOF: the log does
	// not say which) and answered 502 itself: OriginStatus 0.
	Access502 = `{"ClientAddr":"10.42.1.92:46306","ClientHost":"10.42.1.92","ClientPort":"46306","ClientUsername":"-","DownstreamContentSize":11,"DownstreamStatus":502,"Duration":1204332,"OriginContentSize":0,"OriginDuration":1100021,"OriginStatus":0,"Overhead":104311,"RequestAddr":"api.example.com","RequestContentSize":0,"RequestCount":9,"RequestHost":"api.example.com","RequestMethod":"GET","RequestPath":"/v1/users","RequestPort":"-","RequestProtocol":"HTTP/1.1","RequestScheme":"http","RetryAttempts":0,"RouterName":"api@docker","ServiceAddr":"127.0.0.1:9001","ServiceName":"api@docker","ServiceURL":"http://127.0.0.1:9001","StartLocal":"2024-05-07T10:01:02.123456789Z","StartUTC":"2024-05-07T10:01:02.123456789Z","entryPointName":"web","level":"info","msg":"","time":"2024-05-07T10:01:02Z"}`

	// Access504: Traefik's forwarding timeout fired: 504 Gateway Timeout.
	Access504 = `{"ClientAddr":"10.42.1.92:46308","ClientHost":"10.42.1.92","ClientPort":"46308","ClientUsername":"-","DownstreamContentSize":15,"DownstreamStatus":504,"Duration":30001234567,"OriginContentSize":0,"OriginDuration":30000123456,"OriginStatus":0,"Overhead":1111111,"RequestAddr":"web.example.com","RequestContentSize":0,"RequestCount":10,"RequestHost":"web.example.com","RequestMethod":"GET","RequestPath":"/report","RequestPort":"-","RequestProtocol":"HTTP/2.0","RequestScheme":"https","RetryAttempts":0,"RouterName":"web@file","ServiceAddr":"10.0.0.2","ServiceName":"web@file","ServiceURL":"https://10.0.0.2","StartLocal":"2024-05-07T10:01:02.123456789Z","StartUTC":"2024-05-07T10:01:02.123456789Z","entryPointName":"websecure","level":"info","msg":"","time":"2024-05-07T10:01:02Z"}`

	// Access503: no healthy server: the load balancer answered "no
	// available server" without choosing one, so no ServiceURL.
	Access503 = `{"ClientAddr":"10.42.1.92:46310","ClientHost":"10.42.1.92","ClientPort":"46310","ClientUsername":"-","DownstreamContentSize":19,"DownstreamStatus":503,"Duration":83021,"OriginContentSize":0,"OriginDuration":0,"OriginStatus":0,"Overhead":83021,"RequestAddr":"api.example.com","RequestContentSize":0,"RequestCount":11,"RequestHost":"api.example.com","RequestMethod":"GET","RequestPath":"/v1/users","RequestPort":"-","RequestProtocol":"HTTP/1.1","RequestScheme":"http","RetryAttempts":0,"RouterName":"api@docker","ServiceName":"api@docker","StartLocal":"2024-05-07T10:01:02.123456789Z","StartUTC":"2024-05-07T10:01:02.123456789Z","entryPointName":"web","level":"info","msg":"","time":"2024-05-07T10:01:02Z"}`

	// Access404: no router matched; Traefik answered alone.
	Access404 = `{"ClientAddr":"10.42.1.92:46312","ClientHost":"10.42.1.92","ClientPort":"46312","ClientUsername":"-","DownstreamContentSize":19,"DownstreamStatus":404,"Duration":33011,"OriginContentSize":0,"OriginDuration":0,"OriginStatus":0,"Overhead":33011,"RequestAddr":"nope.example.com","RequestContentSize":0,"RequestCount":12,"RequestHost":"nope.example.com","RequestMethod":"GET","RequestPath":"/","RequestPort":"-","RequestProtocol":"HTTP/1.1","RequestScheme":"http","RetryAttempts":0,"StartLocal":"2024-05-07T10:01:02.123456789Z","StartUTC":"2024-05-07T10:01:02.123456789Z","entryPointName":"web","level":"info","msg":"","time":"2024-05-07T10:01:02Z"}`

	// AccessURLObject: some 2.x versions encode ServiceURL as a url.URL.
	AccessURLObject = `{"DownstreamStatus":200,"Duration":1000000,"OriginDuration":900000,"OriginStatus":200,"RouterName":"bar@myprovider","ServiceAddr":"127.0.0.1","ServiceName":"bar@myprovider","ServiceURL":{"Scheme":"http","Opaque":"","User":null,"Host":"127.0.0.1","Path":"","RawPath":"","ForceQuery":false,"RawQuery":"","Fragment":""},"StartUTC":"2024-05-07T10:01:02.123456789Z"}`

	// TraefikLog is a line of Traefik's own JSON log, not an access-log entry.
	TraefikLog = `{"level":"error","msg":"Health check failed, removing from server list","serverURL":"http://127.0.0.1:9001","time":"2024-05-07T10:01:02Z"}`
)

// At returns line with FixtureTime replaced by t (in UTC), so a test can
// write fixture lines that fall in gwtop's live windows.
func At(line string, t time.Time) string {
	ts := t.UTC().Format(time.RFC3339Nano)
	line = strings.ReplaceAll(line, FixtureTime, ts)
	return strings.ReplaceAll(line, "2024-05-07T10:01:02Z", t.UTC().Format(time.RFC3339))
}
