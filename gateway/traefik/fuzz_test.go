package traefik

import (
	"errors"
	"strings"
	"testing"

	"github.com/gwtop/gwtop/collector/feed"
	"github.com/gwtop/gwtop/collector/feed/feedtest"
	"github.com/gwtop/gwtop/gateway/traefik/traefiktest"
)

// The fuzz targets check that nothing panics and that what comes out is
// well formed; the table tests pin the values.

func FuzzServices(f *testing.F) {
	for _, s := range []string{traefiktest.ServicesJSON, "[" + traefiktest.AppService + "]", traefiktest.Page2("DOWN"), traefiktest.OverviewJSON, "<html>", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		svcs, err := ParseServices([]byte(body))
		if _, oerr := ParseOverview([]byte(body)); oerr == nil && err == nil && strings.TrimSpace(body) != "null" {
			t.Fatalf("%q read both as a service list and an overview", body)
		}
		if err != nil {
			return
		}
		a, _ := NewAPI("http://127.0.0.1:8080", "", "")
		sink := new(feedtest.Recorder)
		n := a.report(svcs, sink)
		n2 := a.report(svcs, sink)
		if n != n2 {
			t.Fatalf("two reports of the same list differ: %+v %+v", n, n2)
		}
		if n.down > n.servers || len(sink.Failures()) > n.services {
			t.Fatalf("tally %+v, %d failures", n, len(sink.Failures()))
		}
		for addr := range sink.Labels() {
			if addr == "" || !strings.Contains(addr, ":") {
				t.Fatalf("label on address %q", addr)
			}
		}
	})
}

func FuzzTraefikLog(f *testing.F) {
	for _, s := range []string{traefiktest.AccessOK, traefiktest.Access500, traefiktest.Access502, traefiktest.Access504,
		traefiktest.Access503, traefiktest.Access404, traefiktest.AccessURLObject, traefiktest.TraefikLog, "garbage", "{}"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		p := NewLogParser()
		sink := new(feedtest.Recorder)
		err := p.Line([]byte(line), sink)
		if err != nil {
			if len(sink.Requests()) != 0 {
				t.Fatalf("error %v but reported %+v", err, sink.Requests())
			}
			if errors.Is(err, feed.ErrIgnored) && !strings.HasPrefix(strings.TrimSpace(line), "{") {
				t.Fatalf("non-JSON line ignored rather than refused: %q", line)
			}
			return
		}
		if len(sink.Requests()) != 1 {
			t.Fatalf("%d requests for one line", len(sink.Requests()))
		}
		r := sink.Requests()[0]
		if r.Status < 0 || r.Status > 999 || len(r.Attempts) > 1 {
			t.Fatalf("request %+v", r)
		}
		for _, a := range r.Attempts {
			if a.Addr == "" || a.Status < 0 || a.Status > 999 {
				t.Fatalf("attempt %+v", a)
			}
		}
		if r.Cause != "" && r.Cause.Index() < 0 {
			t.Fatalf("cause %q", r.Cause)
		}
	})
}
