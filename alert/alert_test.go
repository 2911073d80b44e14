package alert

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
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gwtop/gwtop/config"
	"github.com/gwtop/gwtop/model"
)

var t0 = time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)

func parse(t *testing.T, yaml string) *config.Config {
	t.Helper()
	cfg, err := config.Parse("gwtop.yaml", []byte(yaml), func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// snap is a snapshot at t0+sec with one upstream per state given.
func snap(sec float64, states ...model.State) *model.Snapshot {
	s := &model.Snapshot{Time: t0.Add(time.Duration(sec * float64(time.Second)))}
	for i, st := range states {
		u := model.Upstream{Name: fmt.Sprintf("u%d", i), Address: fmt.Sprintf("10.0.0.%d:80", i+1), Gateway: "nginx", State: st, StateReason: "because"}
		if st == model.StateDown || st == model.StateDegraded {
			u.Causes = []model.CauseRank{{Code: model.CauseRefused, Count: 3, Hint: "start it",
				Roots: []model.Root{{Code: "not_running", Summary: "nothing listens on " + u.Address}}}}
		}
		s.Upstreams = append(s.Upstreams, u)
	}
	return s
}

// queued returns what each destination has queued (or, for the bell,
// what it rang), as "event from→to".
func queued(d *Dispatcher) [][]string {
	out := make([][]string, len(d.dests))
	for i, x := range d.dests {
		for _, p := range x.queue {
			out[i] = append(out[i], fmt.Sprintf("%s %s→%s", p.Event, p.From, p.To))
		}
	}
	return out
}

const twoDests = `upstreams:
  - probe: tcp://10.0.0.1:80
alerts:
  - webhook: https://hooks.example.com/services/T000/B000/XXXXXXXXXXXX
  - webhook: https://other.example.com/h
    on: [down, degraded]
alert_after: 30s
`

// TestDecide: a state is alerted once it lasted alert_after, once per
// change, per destination's states; a flap shorter than alert_after is
// not alerted; leaving the states is a recovery.
func TestDecide(t *testing.T) {
	d := New(parse(t, twoDests), Options{Host: "web1"})
	U, G, D := model.StateUp, model.StateDegraded, model.StateDown
	steps := []struct {
		sec float64
		st  model.State
	}{
		{0, U}, {31, U}, // up lasted: unknown→up alerts no one
		{40, D}, {50, U}, // a 10 s flap: nothing
		{60, G}, {89, G}, {90, G}, // degraded 30 s: the second destination
		{100, D}, {129, D}, {130, D}, {131, D}, {140, D}, // down: both, once
		{150, U}, {185, U}, {200, U}, // recovered: both, once
	}
	for _, s := range steps {
		d.decide(snap(s.sec, s.st))
	}
	got := queued(d)
	want := [][]string{
		{"down degraded→down", "recovered down→up"},
		{"degraded up→degraded", "down degraded→down", "recovered down→up"},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("alerts:\n got %v\nwant %v", got, want)
	}
	p := d.dests[0].queue[0]
	if p.Cause != model.CauseRefused || p.Root != "not_running" || p.Summary != "nothing listens on 10.0.0.1:80" || p.Hint != "start it" ||
		p.Upstream != "u0" || p.Address != "10.0.0.1:80" || p.Gateway != "nginx" || p.Host != "web1" ||
		!p.Since.Equal(t0.Add(100*time.Second)) || !p.Time.Equal(t0.Add(130*time.Second)) {
		t.Errorf("down payload: %+v", p)
	}
	wantText := "[gwtop@web1] u0 (10.0.0.1:80, nginx) is DOWN (was degraded, for 30s): refused — not_running: nothing listens on 10.0.0.1:80. because"
	if p.Text != wantText {
		t.Errorf("text:\n got %q\nwant %q", p.Text, wantText)
	}
	// The recovery names the cause the upstream had.
	if r := d.dests[0].queue[1]; r.Cause != model.CauseRefused || r.Root != "not_running" || !strings.Contains(r.Text, "recovered: up (was down, for 35s); it had refused") {
		t.Errorf("recovery: %+v", r)
	}
}

// TestUnknownIsNoRecovery: an upstream that goes from down to unknown (not
// seen any more) is not said to have recovered.
func TestUnknownIsNoRecovery(t *testing.T) {
	d := New(parse(t, twoDests), Options{})
	for _, s := range []struct {
		sec float64
		st  model.State
	}{{0, model.StateDown}, {30, model.StateDown}, {40, model.StateUnknown}, {80, model.StateUnknown}} {
		d.decide(snap(s.sec, s.st))
	}
	if got := fmt.Sprint(queued(d)); got != "[[down unknown→down] [down unknown→down]]" {
		t.Errorf("alerts: %s", got)
	}
}

// TestRateLimitAndQueue: 25 upstreams going down at once make 20 alerts
// (the limit) and 5 counted rate_limited; a queue of 4 keeps the newest 4
// and counts the others dropped.
func TestRateLimitAndQueue(t *testing.T) {
	cfg := parse(t, "upstreams:\n  - probe: tcp://10.0.0.1:80\nalerts:\n  - webhook: https://h.example.com/x\nalert_after: 0s\n")
	states := make([]model.State, 25)
	for i := range states {
		states[i] = model.StateDown
	}
	d := New(cfg, Options{})
	d.decide(snap(0, states...))
	row := d.Rows()[0]
	if n := len(d.dests[0].queue); n != 20 || row.Counters["rate_limited"] != 5 || row.Counters["queued"] != 20 {
		t.Errorf("queued %d, row %+v", n, row.Counters)
	}
	// Three seconds later one more token (one per 3 s at 20 a minute).
	up := make([]model.State, 25)
	for i := range up {
		up[i] = model.StateUp
	}
	d.decide(snap(3, up...))
	if n := len(d.dests[0].queue); n != 21 {
		t.Errorf("after 3s: %d queued, want 21", n)
	}

	d = New(cfg, Options{Queue: 4})
	d.decide(snap(0, states[:6]...))
	q := d.dests[0].queue
	if len(q) != 4 || q[0].Upstream != "u2" || q[3].Upstream != "u5" || d.Rows()[0].Counters["dropped"] != 2 {
		t.Errorf("queue of 4: %d, first %q, row %+v", len(q), q[0].Upstream, d.Rows()[0].Counters)
	}
}

// TestCommandGetsJSON runs a real command (a shell script writing its
// standard input to a file) through Run: it gets the alert's JSON.
func TestCommandGetsJSON(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "got.json")
	script := filepath.Join(dir, "page-oncall")
	if err := os.WriteFile(script, []byte("#!/bin/sh\ncat > \"$1.tmp\" && mv \"$1.tmp\" \"$1\"\n"), 0o700); err != nil {
		t.Fatal(err)
	}
	cfg := parse(t, fmt.Sprintf("upstreams:\n  - probe: tcp://10.0.0.1:80\nalerts:\n  - command: [%s, %s]\n  - bell: true\nalert_after: 1s\n", script, out))
	d := New(cfg, Options{Host: "web1"})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { d.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	// Observe keeps only the newest snapshot: feed later and later ones
	// until the alert is out.
	var p Payload
	deadline := time.Now().Add(10 * time.Second)
	for i := 0; ; i++ {
		d.Observe(snap(float64(i)/4, model.StateDown))
		b, err := os.ReadFile(out)
		if err == nil {
			if err := json.Unmarshal(b, &p); err != nil {
				t.Fatalf("stdin was not the JSON payload: %v: %s", err, b)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the command never wrote its input")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if p.Event != EventDown || p.Upstream != "u0" || p.To != model.StateDown || p.From != model.StateUnknown || p.Host != "web1" || p.Cause != model.CauseRefused {
		t.Errorf("payload: %+v", p)
	}
	for deadline := time.Now().Add(10 * time.Second); d.Rows()[0].Counters["sent"] != 1; {
		if time.Now().After(deadline) {
			t.Fatalf("command row: %+v", d.Rows()[0])
		}
		time.Sleep(10 * time.Millisecond)
	}
	rows := d.Rows()
	if rows[0].Target != script+" …" || strings.Contains(rows[0].Target, out) {
		t.Errorf("command row target %q", rows[0].Target)
	}
	// The bell rang once: the TUI rings and flashes on its count.
	if b := rows[1]; b.Target != "bell" || b.Counters["sent"] != 1 || !strings.Contains(b.Note, "u0 (10.0.0.1:80, nginx) is DOWN") {
		t.Errorf("bell row: %+v", b)
	}
}

// TestCommandFailure: a command that fails is retried, then given up; the
// row names its exit and its stderr's first line, redacted.
func TestCommandFailure(t *testing.T) {
	dir := t.TempDir()
	script := filepath.Join(dir, "fail")
	if err := os.WriteFile(script, []byte("#!/bin/sh\necho \"cannot page: token=$1\" >&2\nexit 3\n"), 0o700); err != nil {
		t.Fatal(err)
	}
	cfg := parse(t, fmt.Sprintf("upstreams:\n  - probe: tcp://10.0.0.1:80\nalerts:\n  - command: [%s, S3cretArgToken]\nalert_after: 0s\n", script))
	d := New(cfg, Options{Retries: 1, Backoff: 10 * time.Millisecond})
	row := failOnce(t, d)
	if row.OK || row.Counters["errors"] != 2 || row.Counters["retries"] != 1 || row.Error != "fail: exit status 3: cannot page: token=xxxxx" {
		t.Errorf("row: %+v", row)
	}
}

// TestWebhookErrorHidesURL: a webhook that cannot be reached is named
// scheme://host/… in the error, never with its token.
func TestWebhookErrorHidesURL(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	raw := "http://user:Passw0rdXY@" + addr + "/services/T0KENpathPart99?k=QueryTok3n"
	send := webhook(raw, Shown(raw), New(parse(t, "upstreams:\n  - probe: tcp://10.0.0.1:80\nalerts:\n  - webhook: "+raw+"\n"), Options{}).red)
	err = send(context.Background(), []byte("{}"))
	if err == nil {
		t.Fatal("no error from a closed port")
	}
	msg := err.Error()
	if !strings.HasPrefix(msg, "POST http://"+addr+"/…: ") || !strings.Contains(msg, "connection refused") {
		t.Errorf("error: %q", msg)
	}
	for _, sec := range []string{"Passw0rdXY", "T0KENpathPart99", "QueryTok3n", "services", "user"} {
		if strings.Contains(msg, sec) {
			t.Errorf("error quotes %q: %s", sec, msg)
		}
	}
}

func TestShown(t *testing.T) {
	for in, want := range map[string]string{
		"https://hooks.slack.com/services/T0/B0/XXXX": "https://hooks.slack.com/…",
		"https://u:pw@h.example.com:8443/x?token=abc": "https://h.example.com:8443/…",
		"http://127.0.0.1:9000":                       "http://127.0.0.1:9000",
		"http://127.0.0.1:9000/":                      "http://127.0.0.1:9000",
		"http://h/?token=abc":                         "http://h/…",
		"::not a url":                                 "webhook (unparsable URL)",
	} {
		if got := Shown(in); got != want {
			t.Errorf("Shown(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestConfig: the defaults, and errors that name file:line and the
// field, never the webhook's path or query.
func TestConfig(t *testing.T) {
	cfg := parse(t, "upstreams:\n  - probe: tcp://10.0.0.1:80\nalerts:\n  - bell: true\n")
	if cfg.AlertAfter != 30*time.Second || len(cfg.Alerts) != 1 || fmt.Sprint(cfg.Alerts[0].On) != "[down]" || cfg.Alerts[0].Timeout != 10*time.Second {
		t.Errorf("defaults: after %v, %+v", cfg.AlertAfter, cfg.Alerts)
	}
	cfg = parse(t, "upstreams:\n  - probe: tcp://10.0.0.1:80\nalerts:\n  - bell: true\n    on: [degraded]\n    timeout: 2s\nalert_after: 0s\n")
	if cfg.AlertAfter != 0 || fmt.Sprint(cfg.Alerts[0].On) != "[degraded]" || cfg.Alerts[0].Timeout != 2*time.Second {
		t.Errorf("set: after %v, %+v", cfg.AlertAfter, cfg.Alerts)
	}
	bad := `upstreams:
  - probe: tcp://10.0.0.1:80
alerts:
  - webhook: ftp://hooks.example.com/T0KENsecretPath
  - webhook: https://hooks.example.com:99999/T0KENsecretPath?token=Qs3cret
  - command: [/no/such/page-oncall]
  - bell: true
    on: [down, up]
  - bell: true
    command: [/bin/true]
  - {}
  - bell: true
    timeout: -1s
  - webhook: https://hooks.example.com/x
    colour: red
alert_after: -5s
`
	_, err := config.Parse("gwtop.yaml", []byte(bad), func(string) (string, bool) { return "", false })
	if err == nil {
		t.Fatal("no error")
	}
	// Unknown fields are found first, by yaml, on their own.
	if got := err.Error(); got != `gwtop.yaml:15: unknown field "colour" (check the spelling; see the README's config reference)` {
		t.Errorf("unknown field: %s", got)
	}
	_, err = config.Parse("gwtop.yaml", []byte(strings.Replace(bad, "    colour: red\n", "", 1)), func(string) (string, bool) { return "", false })
	want := []string{
		`gwtop.yaml:15: alert_after: -5s is negative: use 0s to alert at once, or a duration like 30s`,
		`gwtop.yaml:4: alerts[0].webhook: scheme "ftp": want https:// (or http://)`,
		`gwtop.yaml:5: alerts[1].webhook: https://hooks.example.com: the port is not a number from 1 to 65535`,
		`gwtop.yaml:6: alerts[2].command: "/no/such/page-oncall": no such file or directory`,
		`gwtop.yaml:8: alerts[3].on: "up": want down or degraded (recoveries are alerted by themselves)`,
		`gwtop.yaml:9: alerts[4]: give exactly one of webhook: URL, command: [PROGRAM, ARGS…] or bell: true (one alert per list item)`,
		`gwtop.yaml:11: alerts[5]: give exactly one of webhook: URL, command: [PROGRAM, ARGS…] or bell: true (one alert per list item)`,
		`gwtop.yaml:13: alerts[6].timeout: must be positive`,
	}
	if got := err.Error(); got != strings.Join(want, "\n") {
		t.Errorf("errors:\n%s\nwant:\n%s", got, strings.Join(want, "\n"))
	}
	if strings.Contains(err.Error(), "T0KEN") || strings.Contains(err.Error(), "Qs3cret") {
		t.Errorf("an error quotes the webhook's secret: %s", err)
	}
}

// TestReadmeAlerts parses the README's alerts example (with a program
// that exists on every host in place of page-oncall).
func TestReadmeAlerts(t *testing.T) {
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, sec, ok := strings.Cut(string(b), "\n### Alerts\n")
	if !ok {
		t.Fatal("README has no Alerts section")
	}
	_, block, _ := strings.Cut(sec, "```yaml\n")
	block, _, _ = strings.Cut(block, "```")
	block = "upstreams:\n  - probe: tcp://10.0.0.1:80\n" + strings.Replace(block, "/usr/local/bin/page-oncall", "/bin/sh", 1)
	cfg, err := config.Parse("README.md", []byte(block), func(k string) (string, bool) { return "T0/B0/XXXXXXXX", k == "SLACK_HOOK" })
	if err != nil {
		t.Fatalf("the README's alerts example does not parse:\n%v", err)
	}
	if len(cfg.Alerts) != 3 || fmt.Sprint(cfg.Alerts[0].On) != "[down degraded]" || cfg.Alerts[1].Timeout != 5*time.Second || !cfg.Alerts[2].Bell || cfg.AlertAfter != 30*time.Second {
		t.Errorf("parsed: %+v after %v", cfg.Alerts, cfg.AlertAfter)
	}
	d := New(cfg, Options{Host: "web1"})
	// The command's short arguments are not taken for secrets: "api" is
	// an upstream's name in the text.
	for _, sec := range []float64{0, 31} {
		s := snap(sec, model.StateDown)
		s.Upstreams[0].Name = "api"
		d.decide(s)
	}
	if p := d.dests[1].queue; len(p) != 1 || !strings.HasPrefix(p[0].Text, "[gwtop@web1] api (10.0.0.1:80, nginx) is DOWN") {
		t.Errorf("command's alert: %+v", p)
	}
	if rows := d.Rows(); rows[0].Target != "https://hooks.slack.com/…" || rows[1].Target != "/bin/sh …" || rows[2].Target != "bell" {
		t.Errorf("rows: %+v", rows)
	}
}

// TestCommandTimeout: a command that does not finish within its timeout
// is killed, and the row says so.
func TestCommandTimeout(t *testing.T) {
	cfg := parse(t, "upstreams:\n  - probe: tcp://10.0.0.1:80\nalerts:\n  - command: [/bin/sleep, \"60\"]\n    timeout: 200ms\nalert_after: 0s\n")
	d := New(cfg, Options{Retries: -1})
	row := failOnce(t, d)
	if row.OK || row.Counters["errors"] != 1 || row.Counters["retries"] != 0 || row.Error != "sleep: did not finish within the timeout (killed)" {
		t.Errorf("row: %+v", row)
	}
}

// failOnce runs d on one upstream going down until its first destination
// gave the alert up, and returns that destination's row.
func failOnce(t *testing.T, d *Dispatcher) model.Gateway {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { d.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	d.Observe(snap(0, model.StateDown))
	var row model.Gateway
	for deadline := time.Now().Add(10 * time.Second); row.Counters["failed"] != 1; row = d.Rows()[0] {
		if time.Now().After(deadline) {
			t.Fatalf("row: %+v", row)
		}
		time.Sleep(10 * time.Millisecond)
	}
	return row
}

// TestDrainAtExit: alerts still queued when gwtop is told to stop are
// delivered before Run returns (a deploy script that ends gwtop right
// after an upstream went down still pages); a receiver that hangs is given
// Options.Drain at most, and what it never took is counted dropped and
// logged.
func TestDrainAtExit(t *testing.T) {
	var mu sync.Mutex
	var got []string
	hang := make(chan struct{})
	defer close(hang)
	hanging := false
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var p Payload
		_ = json.NewDecoder(r.Body).Decode(&p)
		mu.Lock()
		got = append(got, p.Upstream+" "+p.Event)
		h := hanging
		mu.Unlock()
		if h {
			select {
			case <-hang:
			case <-r.Context().Done():
			}
		}
	}))
	defer srv.Close()
	cfg := parse(t, "upstreams:\n  - probe: tcp://10.0.0.1:80\nalerts:\n  - webhook: "+srv.URL+"/hook\nalert_after: 0s\n")

	var logs strings.Builder
	d := New(cfg, Options{Log: slog.New(slog.NewTextHandler(&logs, nil))})
	d.decide(snap(0, model.StateDown, model.StateDown, model.StateDown))
	if n := len(d.dests[0].queue); n != 3 {
		t.Fatalf("queued %d, want 3", n)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // gwtop is stopping before the destination's goroutine sent anything
	d.Run(ctx)
	received := func() []string { mu.Lock(); defer mu.Unlock(); return slices.Clone(got) }
	if got := received(); fmt.Sprint(got) != "[u0 down u1 down u2 down]" {
		t.Errorf("delivered at exit: %v", got)
	}
	if row := d.Rows()[0]; row.Counters["sent"] != 3 || row.Counters["dropped"] != 0 || row.Counters["queued"] != 0 {
		t.Errorf("row after drain: %+v", row.Counters)
	}

	// A receiver that hangs: the drain ends Run, and the alerts are
	// counted and logged as not delivered.
	mu.Lock()
	got, hanging = nil, true
	mu.Unlock()
	logs.Reset()
	d = New(cfg, Options{Drain: 300 * time.Millisecond, Log: slog.New(slog.NewTextHandler(&logs, nil))})
	d.decide(snap(0, model.StateDown, model.StateDown))
	d.Run(ctx)
	row := d.Rows()[0]
	if row.Counters["sent"] != 0 || row.Counters["dropped"] != 2 || row.Counters["queued"] != 0 {
		t.Errorf("row after a hung drain: %+v", row.Counters)
	}
	if got := received(); len(got) > 1 {
		t.Errorf("the hung receiver got %v, want the first alert at most (it never answers)", got)
	}
	if !strings.Contains(logs.String(), "alerts not delivered: gwtop stopped before they were") || !strings.Contains(logs.String(), "still queued") {
		t.Errorf("log does not say what was lost:\n%s", logs.String())
	}

	// Drain -1: nothing is delivered after the stop.
	mu.Lock()
	got, hanging = nil, false
	mu.Unlock()
	d = New(cfg, Options{Drain: -1, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	d.decide(snap(0, model.StateDown))
	d.Run(ctx)
	if got := received(); len(got) != 0 || d.Rows()[0].Counters["dropped"] != 1 {
		t.Errorf("drain off: delivered %v, row %+v", got, d.Rows()[0].Counters)
	}
}
