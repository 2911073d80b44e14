package caddy

import (
	"bytes"
	"errors"
	"testing"

	"github.com/gwtop/gwtop/collector/feed"
	"github.com/gwtop/gwtop/collector/feed/feedtest"
)

// FuzzUpstreams feeds arbitrary admin API answers to the scraper's
// reporting: it must never panic, and must report upstreams only from an
// answer it accepted.
func FuzzUpstreams(f *testing.F) {
	for _, s := range []string{
		`[{"address":"127.0.0.1:37397","num_requests":0,"fails":0},{"address":"127.0.0.1:34675","num_requests":0,"fails":1}]`,
		`[{"address": "10.0.1.1:80", "num_requests": 4, "fails": 2}]`,
		`[]`, `null`, `<html></html>`, `{"error":"x"}`, `[{"address":"","fails":-3}]`, `[{"fails":1e30}]`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		a, err := NewAdmin("127.0.0.1:1")
		if err != nil {
			t.Fatal(err)
		}
		for range 2 { // twice: the second reading compares with the first
			rec := new(feedtest.Recorder)
			counters, err := a.report(body, rec)
			if err != nil && (counters != nil || len(rec.Statuses()) > 0 || len(rec.Failures()) > 0 || len(rec.LabeledAddrs()) > 0) {
				t.Fatalf("rejected answer still reported: %v %+v %v", err, counters, rec.Statuses())
			}
			if err == nil && (counters == nil || len(rec.Statuses()) > int(counters["upstreams"]) || int(counters["unhealthy"]) > len(rec.LabeledAddrs())) {
				t.Fatalf("accepted answer: %+v, status %v, listed %v", counters, rec.Statuses(), rec.LabeledAddrs())
			}
			for _, addr := range rec.LabeledAddrs() {
				if addr == "" {
					t.Fatal("listed an empty address")
				}
			}
			for _, fl := range rec.Failures() {
				if fl.Addr == "" || fl.Cause != "" {
					t.Fatalf("failure %+v", fl)
				}
			}
		}
	})
}

// FuzzLogLine feeds arbitrary lines, seeded with Caddy's real log, to one
// parser (so the fuzzer also builds sequences of related entries): it must
// never panic, and whatever it reports must be well-formed.
func FuzzLogLine(f *testing.F) {
	for _, l := range fixtureLines(f) {
		f.Add(l)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p := NewLogParser()
		rec := new(feedtest.Recorder)
		for _, line := range bytes.Split(data, []byte("\n")) {
			err := p.Line(line, rec)
			if err != nil && !errors.Is(err, feed.ErrIgnored) && err.Error() == "" {
				t.Fatal("empty error")
			}
		}
		for _, q := range rec.Requests() {
			if q.Status < 100 || q.Status > 999 || (q.Duration < 0 && q.Duration != -1) {
				t.Fatalf("request %+v", q)
			}
			if q.Cause != "" && q.Cause.Index() < 0 {
				t.Fatalf("unknown cause %q", q.Cause)
			}
			for _, at := range q.Attempts {
				if at.Addr == "" {
					t.Fatalf("attempt without address: %+v", q)
				}
			}
		}
		for _, fl := range rec.Failures() {
			if fl.Cause != "" && fl.Cause.Index() < 0 || fl.Line == "" || fl.Source != "error_log" {
				t.Fatalf("failure %+v", fl)
			}
		}
		if p.nPending < 0 || p.nPending > maxPending {
			t.Fatalf("pending %d", p.nPending)
		}
		n := 0
		for _, recs := range p.pending {
			n += len(recs)
		}
		if n != p.nPending {
			t.Fatalf("pending count %d, table holds %d", p.nPending, n)
		}
	})
}
