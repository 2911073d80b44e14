package alert_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gwtop/gwtop/alert"
	"github.com/gwtop/gwtop/collector"
	"github.com/gwtop/gwtop/config"
	_ "github.com/gwtop/gwtop/gateway/all"
	"github.com/gwtop/gwtop/internal/faults"
	"github.com/gwtop/gwtop/internal/leaktest"
	"github.com/gwtop/gwtop/internal/proctest"
	"github.com/gwtop/gwtop/model"
)

func TestMain(m *testing.M) { leaktest.Main(m) }

// Secrets the tests put in the configuration; none may be in a payload,
// on a row or in the log.
const (
	probePW   = "Pr0beSecretPW"
	pathToken = "T0KENinThePath42"
	queryTok  = "QueryT0ken456xyz"
)

// receiver is a webhook endpoint on loopback that records every payload.
// answer decides the reply to the n-th request (from 1); nil: 200.
type receiver struct {
	srv    *httptest.Server
	mu     sync.Mutex
	bodies []string
	got    []alert.Payload
	n      int
	answer func(n int, w http.ResponseWriter, r *http.Request)
}

func newReceiver(t *testing.T, answer func(n int, w http.ResponseWriter, r *http.Request)) *receiver {
	rc := &receiver{answer: answer}
	rc.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		rc.mu.Lock()
		rc.n++
		n := rc.n
		rc.bodies = append(rc.bodies, r.URL.String()+" "+string(b))
		rc.mu.Unlock()
		if rc.answer != nil {
			rc.answer(n, w, r)
			if w.Header().Get("X-Failed") != "" {
				return
			}
		}
		var p alert.Payload
		if err := json.Unmarshal(b, &p); err != nil {
			t.Errorf("payload is not JSON: %v: %s", err, b)
		}
		rc.mu.Lock()
		rc.got = append(rc.got, p)
		rc.mu.Unlock()
	}))
	t.Cleanup(rc.srv.Close)
	return rc
}

// delivered returns the payloads answered 200, in order.
func (rc *receiver) delivered() []alert.Payload {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]alert.Payload(nil), rc.got...)
}

func (rc *receiver) requests() []string {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]string(nil), rc.bodies...)
}

// url is the webhook URL, with a token in its path and its query.
func (rc *receiver) url() string {
	return rc.srv.URL + "/hooks/" + pathToken + "?token=" + queryTok
}

// flipper is an upstream address that refuses connections (a
// faults.Refused server) until up() listens on its port again. Make it
// after the test's other listeners: a listener made later could be given
// its freed port.
type flipper struct {
	addr string
	ln   net.Listener
}

func newFlipper(t *testing.T) *flipper {
	f := &flipper{addr: faults.Start(t, faults.Refused).Addr}
	t.Cleanup(f.down)
	return f
}

func (f *flipper) up(t *testing.T) {
	t.Helper()
	ln, err := net.Listen("tcp", f.addr)
	if err != nil {
		t.Fatalf("listen again on %s: %v", f.addr, err)
	}
	f.ln = ln // a TCP probe needs the handshake only: the backlog accepts it
}

func (f *flipper) down() {
	if f.ln != nil {
		f.ln.Close()
		f.ln = nil
	}
}

func startEngine(t *testing.T, yaml string, opt alert.Options) *collector.Engine {
	t.Helper()
	cfg, err := config.Parse("t.yaml", []byte(yaml), os.LookupEnv)
	if err != nil {
		t.Fatal(err)
	}
	eng, err := collector.New(cfg, collector.Options{Publish: 50 * time.Millisecond, NoHost: true, Alert: opt})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	eng.Start(ctx)
	t.Cleanup(func() {
		cancel()
		eng.Stop()
	})
	return eng
}

func probeConfig(addr, hook string, extra string) string {
	return fmt.Sprintf(`interval: 100ms
upstreams:
  - name: api
    probe: tcp://gwtop:%s@%s
    timeout: 300ms
alerts:
  - webhook: %s
%salert_after: 300ms
`, probePW, addr, hook, extra)
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if cond() {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s", what)
}

func upstreamState(eng *collector.Engine, addr string) model.State {
	s := eng.Latest()
	if s == nil {
		return ""
	}
	u, ok := s.Upstream("", addr)
	if !ok {
		return ""
	}
	return u.State
}

func noSecret(t *testing.T, where, s string) {
	t.Helper()
	for _, sec := range []string{probePW, pathToken, queryTok} {
		if strings.Contains(s, sec) {
			t.Errorf("%s holds the secret %q: %s", where, sec, s)
		}
	}
}

func alertsRow(t *testing.T, eng *collector.Engine) model.Gateway {
	t.Helper()
	g, ok := eng.Latest().Gateway("gwtop", "alerts", "")
	if !ok {
		t.Fatalf("no gwtop alerts row in %+v", eng.Latest().Gateways)
	}
	return g
}

// flipDownUpDown drives the upstream down, back (degraded: its failed
// probes are still in the last minute) and down again, each state
// lasting past alert_after, and returns the states the engine showed.
func flipDownUpDown(t *testing.T, eng *collector.Engine, f *flipper, rc *receiver, want func(n int) bool) {
	t.Helper()
	waitFor(t, "down", func() bool { return upstreamState(eng, f.addr) == model.StateDown })
	waitFor(t, "the down alert", func() bool { return want(1) })
	f.up(t)
	waitFor(t, "degraded after the listener came back", func() bool { return upstreamState(eng, f.addr) == model.StateDegraded })
	waitFor(t, "the recovery alert", func() bool { return want(2) })
	f.down()
	waitFor(t, "down again", func() bool { return upstreamState(eng, f.addr) == model.StateDown })
	waitFor(t, "the second down alert", func() bool { return want(3) })
}

// TestWebhookOneAlertPerStateChange drives a real engine probing a real
// upstream that refuses, comes back and refuses again: the receiver gets
// exactly three alerts (down, recovered, down), each naming the upstream,
// its address, host, old and new state and cause, with no secret in any.
func TestWebhookOneAlertPerStateChange(t *testing.T) {
	rc := newReceiver(t, nil)
	f := newFlipper(t) // after the receiver, which cannot then take its freed port
	eng := startEngine(t, probeConfig(f.addr, rc.url(), ""), alert.Options{Host: "web1", Backoff: 50 * time.Millisecond})
	flipDownUpDown(t, eng, f, rc, func(n int) bool { return len(rc.delivered()) >= n })

	// More snapshots in the same state add nothing.
	before := eng.Latest().Time
	waitFor(t, "ten more snapshots", func() bool { return eng.Latest().Time.Sub(before) >= 10*50*time.Millisecond })
	got := rc.delivered()
	if len(got) != 3 {
		t.Fatalf("want exactly 3 alerts, got %d: %+v", len(got), got)
	}
	want := []struct {
		event    string
		from, to model.State
	}{{"down", "unknown", "down"}, {"recovered", "down", "degraded"}, {"down", "degraded", "down"}}
	for i, w := range want {
		p := got[i]
		if p.Event != w.event || p.From != w.from || p.To != w.to {
			t.Errorf("alert %d: %s %s→%s, want %s %s→%s", i, p.Event, p.From, p.To, w.event, w.from, w.to)
		}
		if p.Upstream != "api" || p.Address != f.addr || p.Host != "web1" || p.Source != "gwtop" {
			t.Errorf("alert %d names %q %q on %q (%q)", i, p.Upstream, p.Address, p.Host, p.Source)
		}
		if p.Cause != model.CauseRefused {
			t.Errorf("alert %d: cause %q, want refused", i, p.Cause)
		}
		if d := p.Time.Sub(p.Since); d < 300*time.Millisecond {
			t.Errorf("alert %d sent %v after its state began, before alert_after (300ms)", i, d)
		}
		if !strings.Contains(p.Text, "api ("+f.addr) || !strings.Contains(p.Text, "gwtop@web1") {
			t.Errorf("alert %d text: %q", i, p.Text)
		}
	}
	if !strings.Contains(got[0].Text, "is DOWN (was unknown") || !strings.Contains(got[1].Text, "recovered: degraded (was down") {
		t.Errorf("texts: %q / %q", got[0].Text, got[1].Text)
	}
	for _, r := range rc.requests() {
		body := r[strings.IndexByte(r, ' ')+1:]
		noSecret(t, "a payload", body)
	}
	row := alertsRow(t, eng)
	if !row.OK || row.Counters["sent"] != 3 || row.Counters["errors"] != 0 || row.Target != rc.srv.URL+"/…" {
		t.Errorf("alerts row: %+v", row)
	}
	b, _ := json.Marshal(eng.Latest())
	noSecret(t, "the snapshot", string(b))
}

// TestWebhookFailingReceiver: a receiver that answers 500 twice gets the
// alert on the third attempt, the row counts the failed attempts and names
// the error (without the URL's token), and later changes still arrive.
func TestWebhookFailingReceiver(t *testing.T) {
	rc := newReceiver(t, func(n int, w http.ResponseWriter, _ *http.Request) {
		if n <= 2 {
			w.Header().Set("X-Failed", "1")
			http.Error(w, "boom", http.StatusInternalServerError)
		}
	})
	f := newFlipper(t)
	var logBuf proctest.SyncBuffer
	log := slog.New(slog.NewTextHandler(&logBuf, nil))
	eng := startEngine(t, probeConfig(f.addr, rc.url(), ""), alert.Options{Backoff: 50 * time.Millisecond, Log: log})
	waitFor(t, "a failed attempt on the row", func() bool {
		g, ok := eng.Latest().Gateway("gwtop", "alerts", "")
		return ok && g.Counters["errors"] >= 1
	})
	flipDownUpDown(t, eng, f, rc, func(n int) bool { return len(rc.delivered()) >= n })
	got := rc.delivered()
	if len(got) != 3 || got[0].To != model.StateDown || got[1].Event != alert.EventRecovered || got[2].To != model.StateDown {
		t.Fatalf("delivered: %+v", got)
	}
	if n := len(rc.requests()); n != 5 {
		t.Errorf("%d requests, want 5 (two failed attempts, three alerts)", n)
	}
	var row model.Gateway
	waitFor(t, "the row to count 3 sent", func() bool { row = alertsRow(t, eng); return row.Counters["sent"] == 3 })
	if row.Counters["errors"] != 2 || row.Counters["retries"] != 2 || row.Counters["failed"] != 0 || !row.OK {
		t.Errorf("row after recovery: %+v", row)
	}
	for _, r := range rc.requests() {
		noSecret(t, "a payload", r[strings.IndexByte(r, ' ')+1:])
	}
	logged := logBuf.String()
	if !strings.Contains(logged, "alert delivery failed, retrying") || !strings.Contains(logged, "500 Internal Server Error") || strings.Count(logged, "alert sent") != 3 {
		t.Errorf("log:\n%s", logged)
	}
	noSecret(t, "the log", logged)
}

// TestWebhookTimeoutRetried: a receiver that never answers the first POST
// is given up on at the attempt's timeout, and the retry delivers it.
func TestWebhookTimeoutRetried(t *testing.T) {
	rc := newReceiver(t, func(n int, w http.ResponseWriter, r *http.Request) {
		if n == 1 {
			<-r.Context().Done() // the client gave up
			w.Header().Set("X-Failed", "1")
		}
	})
	f := newFlipper(t)
	eng := startEngine(t, probeConfig(f.addr, rc.url(), "    timeout: 300ms\n"), alert.Options{Backoff: 50 * time.Millisecond})
	var row model.Gateway
	waitFor(t, "the alert delivered on the second attempt", func() bool { row = alertsRow(t, eng); return row.Counters["sent"] == 1 })
	got := rc.delivered()
	if len(got) != 1 || got[0].To != model.StateDown || len(rc.requests()) != 2 || row.Counters["errors"] != 1 || row.Counters["retries"] != 1 {
		t.Errorf("delivered %+v after %d requests; row %+v", got, len(rc.requests()), row)
	}
}

// TestWebhookHangingReceiverDoesNotStall: while the receiver holds the
// first POST unanswered, the engine keeps publishing snapshots (the test
// lets the receiver go only after ten more), and every state change is
// delivered after.
func TestWebhookHangingReceiverDoesNotStall(t *testing.T) {
	hung := make(chan struct{})
	release := make(chan struct{})
	rc := newReceiver(t, func(n int, w http.ResponseWriter, r *http.Request) {
		if n == 1 {
			close(hung)
			select {
			case <-release:
			case <-r.Context().Done():
			}
		}
	})
	f := newFlipper(t)
	eng := startEngine(t, probeConfig(f.addr, rc.url(), "    timeout: 1m\n"), alert.Options{Backoff: 50 * time.Millisecond})
	select {
	case <-hung:
	case <-time.After(20 * time.Second):
		t.Fatal("no alert reached the receiver")
	}
	start := eng.Latest().Time
	published := 0
	last := start
	waitFor(t, "ten snapshots while the receiver hangs", func() bool {
		if s := eng.Latest(); s.Time.After(last) {
			last = s.Time
			published++
		}
		return published >= 10
	})
	if row := alertsRow(t, eng); row.Counters["queued"] != 0 || row.Counters["sent"] != 0 {
		t.Errorf("while hung: %+v", row)
	}
	close(release)
	flipDownUpDown(t, eng, f, rc, func(n int) bool { return len(rc.delivered()) >= n })
	if got := rc.delivered(); len(got) != 3 {
		t.Errorf("delivered %d alerts, want 3: %+v", len(got), got)
	}
}
