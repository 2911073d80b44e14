package apache

import (
	"testing"

	"github.com/gwtop/gwtop/collector/feed"
	"github.com/gwtop/gwtop/model"
)

// nopSink is a feed.Sink that keeps nothing, so the benchmark measures the
// parser alone.
type nopSink struct{ n int }

func (s *nopSink) ObserveRequest(r *feed.Request, line []byte)   { s.n += len(r.Attempts) }
func (s *nopSink) ObserveFailure(feed.Failure)                   {}
func (s *nopSink) ObserveCounters(string, string, feed.Counters) {}
func (s *nopSink) SetServerStatus(string, bool, string)          {}
func (s *nopSink) Label(string, string, string)                  {}
func (s *nopSink) SetGateway(model.Gateway)                      {}
func (s *nopSink) GatewayLimit(string, string, int64)            {}
func (s *nopSink) ObserveEvent(model.Event)                      {}

const benchCombined = `127.0.0.1 - - [01/Dec/2026:09:46:18 +0000] "GET /api/items?id=42 HTTP/1.1" 502 559 "https://example.com/page" "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"`
const benchCustom = `127.0.0.1 [01/Dec/2026:09:46:18 +0000] "GET /pool/x HTTP/1.1" 503 544 1234 1 "http://127.0.0.1:37161" -`

func benchAccess(b *testing.B, format, line string) {
	al, err := NewAccessLog(format, NewRouter([]Route{{"/api", "10.0.0.1:8080"}, {"/", "10.0.0.2:8080"}}))
	if err != nil {
		b.Fatal(err)
	}
	l := []byte(line)
	var sink nopSink
	b.ReportAllocs()
	b.SetBytes(int64(len(l)))
	for b.Loop() {
		if err := al.Line(l, &sink); err != nil {
			b.Fatal(err)
		}
	}
	if sink.n == 0 {
		b.Fatal("no attempts")
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "lines/s")
}

// BenchmarkAccessLine: combined with the router, and a format with
// %{BALANCER_WORKER_NAME}e (the worker cache).
func BenchmarkAccessLine(b *testing.B) {
	b.Run("combined+router", func(b *testing.B) { benchAccess(b, "combined", benchCombined) })
	b.Run("worker", func(b *testing.B) { benchAccess(b, customFormat, benchCustom) })
}

func BenchmarkErrorLine(b *testing.B) {
	l := []byte("[Tue Dec 01 08:51:34.031861 2026] [proxy_http:error] [pid 20124:tid 20199] (70007)The timeout specified has expired: [client 127.0.0.1:38988] AH01102: error reading status line from remote server 127.0.0.1:19951")
	el := &ErrorLog{}
	var sink nopSink
	b.ReportAllocs()
	for b.Loop() {
		_ = el.Line(l, &sink)
	}
}
