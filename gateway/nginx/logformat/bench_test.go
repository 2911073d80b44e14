package logformat

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// benchLines is how many distinct lines a benchmark cycles through: about
// 1 MB of them, as a backlog reader's buffer holds (splitBuf), so the
// lines are in the cache as the reader's just read are, and the parser's
// own cost is what is measured, not the memory's.
const benchLines = 4096

// upstreamFormat is internal/genlog's format: combined with the request's
// and the upstreams' times, addresses and statuses.
const upstreamFormat = `$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" rt=$request_time uct="$upstream_connect_time" uht="$upstream_header_time" urt="$upstream_response_time" ua="$upstream_addr" us="$upstream_status"`

// genLines builds a reproducible log of n lines whose upstream fields have
// one to three attempts, sometimes across two groups, as a busy gateway
// with retries writes.
func genLines(n int, kind string) [][]byte {
	rng := rand.New(rand.NewPCG(1, 2))
	lines := make([][]byte, n)
	for i := range lines {
		attempts := 1 + rng.IntN(3)*rng.IntN(2)
		var addr, status, rt, ct, ht []string
		for a := 0; a < attempts; a++ {
			addr = append(addr, fmt.Sprintf("10.0.%d.%d:8080", rng.IntN(4), rng.IntN(250)))
			if a < attempts-1 {
				status, rt, ct, ht = append(status, "502"), append(rt, "0.001"), append(ct, "-"), append(ht, "-")
			} else {
				status = append(status, []string{"200", "200", "200", "504", "500"}[rng.IntN(5)])
				rt = append(rt, fmt.Sprintf("%d.%03d", rng.IntN(2), rng.IntN(1000)))
				ct, ht = append(ct, "0.001"), append(ht, "0.010")
			}
		}
		join := func(v []string) string {
			if len(v) == 3 && rng.IntN(4) == 0 {
				return v[0] + ", " + v[1] + " : " + v[2]
			}
			return strings.Join(v, ", ")
		}
		ts := fmt.Sprintf("%02d/May/2024:10:%02d:%02d +0000", 1+rng.IntN(28), rng.IntN(60), rng.IntN(60))
		uri := fmt.Sprintf("/api/items/%d?page=%d", rng.IntN(100000), rng.IntN(10))
		var s string
		switch kind {
		case "apm":
			s = fmt.Sprintf(`"%s" client=10.1.%d.%d method=GET request="GET %s HTTP/1.1" request_length=88 status=%s bytes_sent=512 body_bytes_sent=321 referer=- user_agent="curl/8.5.0" upstream_addr=%s upstream_status=%s request_time=%s upstream_response_time=%s upstream_connect_time=%s upstream_header_time=%s`,
				ts, rng.IntN(256), rng.IntN(256), uri, status[len(status)-1], join(addr), join(status), rt[len(rt)-1], join(rt), join(ct), join(ht))
		case "upstream": // internal/genlog's, the backlog benchmark's log
			s = fmt.Sprintf(`10.1.%d.%d - - [%s] "GET %s HTTP/1.1" %s 512 "-" "Mozilla/5.0 (X11; Linux x86_64)" rt=%s uct="%s" uht="%s" urt="%s" ua="%s" us="%s"`,
				rng.IntN(256), rng.IntN(256), ts, uri, status[len(status)-1], rt[len(rt)-1], join(ct), join(ht), join(rt), join(addr), join(status))
		case "combined":
			s = fmt.Sprintf(`10.1.%d.%d - - [%s] "GET %s HTTP/1.1" %s 321 "-" "Mozilla/5.0 (X11; Linux x86_64; rv:126.0) Gecko/20100101 Firefox/126.0"`,
				rng.IntN(256), rng.IntN(256), ts, uri, status[len(status)-1])
		case "json":
			s = fmt.Sprintf(`{"time":"2024-05-07T10:%02d:%02d+00:00","remote_addr":"10.1.%d.%d","request":"GET %s HTTP/1.1","status":"%s","body_bytes_sent":321,"request_time":%s,"upstream_addr":"%s","upstream_status":"%s","upstream_connect_time":"%s","upstream_header_time":"%s","upstream_response_time":"%s","host":"api.example.com"}`,
				rng.IntN(60), rng.IntN(60), rng.IntN(256), rng.IntN(256), uri, status[len(status)-1], rt[len(rt)-1], join(addr), join(status), join(ct), join(ht), join(rt))
		}
		lines[i] = []byte(s)
	}
	return lines
}

func BenchmarkAccessParse(b *testing.B) {
	for _, bc := range []struct{ kind, format string }{
		{"apm", apmDirective}, {"combined", "combined"}, {"json", jsonDirective}, {"upstream", upstreamFormat},
	} {
		b.Run(bc.kind, func(b *testing.B) {
			f := mustCompile(b, bc.format)
			lines := genLines(benchLines, bc.kind)
			var rec Record
			for _, l := range lines { // every generated line must parse
				if err := f.Parse(l, &rec); err != nil {
					b.Fatalf("%v: %s", err, l)
				}
			}
			for _, mode := range []struct {
				name  string
				parse func([]byte, *Record) error
			}{{"copy", f.Parse}, {"view", f.ParseView}} {
				b.Run(mode.name, func(b *testing.B) {
					b.ReportAllocs()
					b.ResetTimer()
					for i := 0; i < b.N; i++ {
						if err := mode.parse(lines[i%len(lines)], &rec); err != nil {
							b.Fatal(err)
						}
					}
					b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "lines/s")
				})
			}
		})
	}
}
