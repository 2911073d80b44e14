package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gwtop/gwtop/internal/faults"
	"github.com/gwtop/gwtop/model"
)

func runCmd(args ...string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	code = run(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestBadConfigExitsOneWithLine(t *testing.T) {
	path := filepath.Join(t.TempDir(), "gwtop.yaml")
	if err := os.WriteFile(path, []byte("interval: 1s\nnginx:\n  acess_log: /var/log/nginx/access.log\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := runCmd("snapshot", "--config", path)
	if code != 1 || !strings.Contains(stderr, "gwtop.yaml:3") || !strings.Contains(stderr, `unknown field "acess_log"`) {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
	code, _, stderr = runCmd("snapshot", "--log-format", "'$remote_addr [$time_local]", "--access-log", path)
	if code != 1 || !strings.Contains(stderr, "log_format") {
		t.Errorf("bad log format: exit %d, stderr %q", code, stderr)
	}
	if code, _, stderr = runCmd("snapshot"); code != 1 || !strings.Contains(stderr, "nothing to watch") || !strings.Contains(stderr, "no gateway found") {
		t.Errorf("no config: exit %d, stderr %q", code, stderr)
	}
	if code, _, _ = runCmd("frobnicate"); code != 2 {
		t.Errorf("unknown command: exit %d", code)
	}
}

// TestGarbageLinesCountedAndSkipped feeds a backlog where good lines are
// mixed with garbage, binary and escape sequences.
func TestGarbageLinesCountedAndSkipped(t *testing.T) {
	dir := t.TempDir()
	access := filepath.Join(dir, "access.log")
	errlog := filepath.Join(dir, "error.log")
	good := `10.0.0.9 - - [22/Nov/2026:03:00:0%d +0000] "GET /x HTTP/1.1" 502 157 "-" "curl" rt=0.001 uct="-" uht="-" urt="0.000" ua="127.0.0.1:9" us="502"` + "\n"
	var b strings.Builder
	for i := range 5 {
		fmt.Fprintf(&b, good, i)
		b.WriteString("garbage line without any structure\n")
		b.WriteString("\x00\x01\x02\xff\xfe binary\n")
		b.WriteString("\x1b]52;c;ZXZpbA==\a\x1b[2J\n")
	}
	if err := os.WriteFile(access, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	errLines := "2026/11/22 03:00:01 [error] 7#7: *1 connect() failed (111: Connection refused) while connecting to upstream, client: 10.0.0.9, server: x, request: \"GET /x HTTP/1.1\", upstream: \"http://127.0.0.1:9/x\", host: \"x\"\n" +
		"2026/11/22 03:00:01 [notice] 7#7: signal process started\n" +
		"not an nginx line at all\n"
	if err := os.WriteFile(errlog, []byte(errLines), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, stderr := runCmd("snapshot", "--json", "--from-start", "--access-log", access, "--error-log", errlog,
		"--log-format", testLogFormat, "--probe", "x=tcp://127.0.0.1:1")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stderr, "probes and status pages are skipped") {
		t.Errorf("backlog with a probe configured says nothing: %q", stderr)
	}
	var s model.Snapshot
	if err := json.Unmarshal([]byte(out), &s); err != nil {
		t.Fatal(err)
	}
	for _, g := range s.Gateways {
		switch g.Source {
		case "access_log":
			if g.Counters["parsed"] != 5 || g.Counters["skipped"] != 15 || !g.OK {
				t.Errorf("access log row: %+v", g)
			}
		case "error_log":
			if g.Counters["parsed"] != 1 || g.Counters["lines"] != 3 {
				t.Errorf("error log row: %+v", g)
			}
		}
	}
	if len(s.Upstreams) != 2 || s.Upstreams[0].Requests != 5 || s.Upstreams[0].TopCause() != model.CauseRefused {
		t.Errorf("upstreams %+v", s.Upstreams)
	}
	// The configured upstream is listed but was not probed in a backlog.
	if x := s.Upstreams[len(s.Upstreams)-1]; x.Name != "x" || x.Probe != nil || x.State != model.StateUnknown {
		t.Errorf("probe upstream in a backlog: %+v", x)
	}
}

// TestStatusPageHTMLAndSecrets points the stub_status URL at a page that
// answers HTML behind basic auth whose password comes from the
// environment: the gateway row says what was seen, a probe of another
// upstream keeps working, and the password appears nowhere.
func TestStatusPageHTMLAndSecrets(t *testing.T) {
	const secret = "s3cr3t-Pa55"
	html := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, pw, _ := r.BasicAuth(); pw != secret {
			http.Error(w, "no", http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, "<html><body>Welcome to nginx!</body></html>")
	}))
	defer html.Close()
	ok := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "ok") }))
	defer ok.Close()
	t.Setenv("GWTOP_TEST_PW", secret)
	path := filepath.Join(t.TempDir(), "gwtop.yaml")
	cfg := fmt.Sprintf("interval: 200ms\nupstreams:\n  - name: web\n    probe: %s/\nnginx:\n  status_url: http://gwtop:${GWTOP_TEST_PW}@%s/nginx_status\n",
		ok.URL, strings.TrimPrefix(html.URL, "http://"))
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, stderr := runCmd("snapshot", "--json", "--config", path, "--for", "1500ms")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if strings.Contains(out, secret) || strings.Contains(stderr, secret) {
		t.Fatal("the password appears in the output")
	}
	var s model.Snapshot
	if err := json.Unmarshal([]byte(out), &s); err != nil {
		t.Fatal(err)
	}
	if len(s.Gateways) != 1 || s.Gateways[0].OK || !strings.Contains(s.Gateways[0].Error, "Active connections") {
		t.Errorf("status row: %+v", s.Gateways)
	}
	if len(s.Upstreams) != 1 || s.Upstreams[0].State != model.StateUp || s.Upstreams[0].Probe == nil || !s.Upstreams[0].Probe.OK {
		t.Errorf("probe stopped working: %+v", s.Upstreams)
	}
	// A wrong password is a 401, said as such.
	t.Setenv("GWTOP_TEST_PW", "wrong")
	_, out, _ = runCmd("snapshot", "--json", "--config", path, "--for", "700ms")
	if !strings.Contains(out, "401") || strings.Contains(out, "wrong") {
		t.Errorf("401 not reported, or password shown: %s", out)
	}
}

// TestSeveralAccessLogs reads two access logs written in different formats
// (one per server block, as hosts often have) and two error logs.
func TestSeveralAccessLogs(t *testing.T) {
	api := writeFile(t, "api.log", fmt.Sprintf(`10.0.0.9 - - [22/Nov/2026:03:00:01 +0000] "GET /x HTTP/1.1" 502 157 "-" "curl" rt=0.001 uct="-" uht="-" urt="0.000" ua="127.0.0.1:9001" us="502"`+"\n"))
	shop := writeFile(t, "shop.log", `{"time":"2026-11-22T03:00:02+00:00","status":"500","ua":"127.0.0.1:9002","us":"500","uht":"0.010","urt":"0.012"}`+"\n")
	apiErr := writeFile(t, "api.error.log", "2026/11/22 03:00:01 [error] 7#7: *1 connect() failed (111: Connection refused) while connecting to upstream, client: 10.0.0.9, server: api, request: \"GET /x HTTP/1.1\", upstream: \"http://127.0.0.1:9001/x\", host: \"api\"\n")
	shopErr := writeFile(t, "shop.error.log", "2026/11/22 03:00:02 [error] 7#7: *2 upstream prematurely closed connection while reading response header from upstream, client: 10.0.0.9, server: shop, request: \"GET /y HTTP/1.1\", upstream: \"http://127.0.0.1:9003/y\", host: \"shop\"\n")
	cfg := writeFile(t, "gwtop.yaml", fmt.Sprintf(`nginx:
  access_log: %s
  log_format: '%s'
  error_log: %s
  access_logs:
    - path: %s
      format: 'escape=json {"time":"$time_iso8601","status":"$status","ua":"$upstream_addr","us":"$upstream_status","uht":"$upstream_header_time","urt":"$upstream_response_time"}'
  error_logs: [%s]
`, api, testLogFormat, apiErr, shop, shopErr))
	code, out, stderr := runCmd("snapshot", "--json", "--from-start", "--config", cfg)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var s model.Snapshot
	if err := json.Unmarshal([]byte(out), &s); err != nil {
		t.Fatal(err)
	}
	got := map[string]model.Cause{}
	for _, u := range s.Upstreams {
		if c := u.TopCause(); c != "" {
			got[u.Address] = c
		}
	}
	want := map[string]model.Cause{"127.0.0.1:9001": model.CauseRefused, "127.0.0.1:9002": model.CauseUpstream5xx, "127.0.0.1:9003": model.CausePrematureClose}
	for a, c := range want {
		if got[a] != c {
			t.Errorf("%s: top cause %q, want %q (all: %v)", a, got[a], c, got)
		}
	}
	if len(s.Gateways) != 4 {
		t.Errorf("want 4 log rows, got %+v", s.Gateways)
	}
	for _, g := range s.Gateways {
		if !g.OK || g.Counters["parsed"] != 1 {
			t.Errorf("log row %s %s: ok=%v %v %s", g.Source, g.Target, g.OK, g.Counters, g.Error)
		}
	}
}

func TestVersion(t *testing.T) {
	code, out, _ := runCmd("version")
	if code != 0 || !strings.HasPrefix(out, "gwtop ") || !strings.Contains(out, "go1.") {
		t.Errorf("exit %d: %q", code, out)
	}
}

// TestTUINeedsATerminal: under go test stdout is not a terminal, so the
// TUI refuses at once, pointing to snapshot, instead of failing in Bubble
// Tea's words.
func TestTUINeedsATerminal(t *testing.T) {
	t.Setenv("TERM", "xterm-256color") // TERM=dumb would ask for the line mode, which needs none
	code, _, stderr := runCmd("--probe", "x=tcp://127.0.0.1:1")
	if code != 1 || !strings.Contains(stderr, "needs a terminal") || !strings.Contains(stderr, "gwtop snapshot") {
		t.Errorf("exit %d: %s", code, stderr)
	}
}

// TestDumbTerminalLineMode: with TERM=dumb the watching command needs no
// terminal: it prints a plain table every refresh (no escape sequences)
// until it is stopped.
func TestDumbTerminalLineMode(t *testing.T) {
	t.Setenv("TERM", "dumb")
	h := faults.Start(t, faults.Healthy)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var out, errb bytes.Buffer
	code := run(ctx, []string{"--probe", "h=http://" + h.Addr + "/", "--interval", "200ms"}, &out, &errb)
	if code != 0 || strings.Contains(errb.String(), "needs a terminal") {
		t.Errorf("exit %d: %s", code, errb.String())
	}
	text := out.String()
	if !strings.Contains(text, "STATE    UPSTREAM") || !strings.Contains(text, "up       h ") || strings.ContainsRune(text, 0x1b) {
		t.Errorf("line mode printed:\n%s", text)
	}
}
