package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/gwtop/gwtop/internal/faults"
	"github.com/gwtop/gwtop/internal/nginxtest"
	"github.com/gwtop/gwtop/model"
)

// collectorPrefixes wrap a gateway's line as the log collectors do: docker
// compose's service column, kubectl logs --timestamps, containerd's CRI
// format, Docker's json-file, syslog as rsyslog writes it and as nginx's
// own `error_log syslog:` sends it (src/core/ngx_syslog.c: "<PRI>Mmm dd
// hh:mm:ss host tag: "), RFC 5424.
var collectorPrefixes = map[string]func(line string) string{
	"none":           func(l string) string { return l },
	"docker compose": func(l string) string { return "nginx.1    | " + l },
	"kubectl":        func(l string) string { return "2025-12-08T07:47:45.565219601Z " + l },
	"cri":            func(l string) string { return "2025-12-08T07:47:45.565219601Z stderr F " + l },
	"docker json": func(l string) string {
		b, _ := json.Marshal(map[string]string{"log": l + "\n", "stream": "stderr", "time": "2025-12-08T07:47:45.5Z"})
		return string(b)
	},
	"syslog":          func(l string) string { return "Dec  1 10:00:00 lb nginx: " + l },
	"nginx syslog":    func(l string) string { return "<187>Dec  1 10:00:00 lb nginx: " + l },
	"syslog RFC 5424": func(l string) string { return "<187>1 2025-12-01T10:00:00.000Z lb nginx 12 - - " + l },
}

// TestLogsBehindCollectorPrefixes: a real nginx's access and error log
// lines, wrapped by each collector, are read as the bare lines are (the
// prefix detected once per file and said on the log's row), and the error
// log read from standard input gives the same.
func TestLogsBehindCollectorPrefixes(t *testing.T) {
	refused := faults.Start(t, faults.Refused)
	healthy := faults.Start(t, faults.Healthy)
	ngx := nginxtest.Start(t, nginxtest.Config{LogFormat: testLogFormat,
		Server: fmt.Sprintf("        location /refused/ { proxy_pass http://%s; }\n        location /ok/ { proxy_pass http://%s; }\n", refused.Addr, healthy.Addr)})
	for range 7 {
		for _, p := range []string{"/refused/x", "/ok/x"} {
			if resp, err := http.Get("http://" + ngx.Addr + p); err == nil {
				resp.Body.Close()
			}
		}
	}
	time.Sleep(300 * time.Millisecond) // nginx writes its logs unbuffered, but after the answer
	readLines := func(path string) []string {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		return strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	}
	access, errs := readLines(ngx.AccessLog), readLines(ngx.ErrorLog)
	var refusals int
	for _, l := range errs {
		if strings.Contains(l, "Connection refused") {
			refusals++
		}
	}
	if refusals < 7 {
		t.Fatalf("nginx logged %d refusals:\n%s", refusals, strings.Join(errs, "\n"))
	}
	wrapped := func(lines []string, wrap func(string) string) string {
		var b strings.Builder
		for _, l := range lines {
			b.WriteString(wrap(l) + "\n")
		}
		return b.String()
	}
	check := func(label string, s *model.Snapshot, prefixNote string) {
		t.Helper()
		u, ok := s.Upstream("nginx", refused.Addr)
		if !ok || u.TopCause() != model.CauseRefused || u.Causes[0].Total != int64(refusals) || u.Requests != 7 {
			t.Errorf("%s: refused upstream %v: %s, %d requests", label, ok, causeList(u), u.Requests)
		}
		if h, ok := s.Upstream("nginx", healthy.Addr); !ok || h.Requests != 7 || h.Errors5xx != 0 {
			t.Errorf("%s: healthy upstream %v: %d requests, %d 5xx", label, ok, h.Requests, h.Errors5xx)
		}
		for _, g := range s.Gateways {
			if g.Counters["skipped"] != 0 || (g.Source == "access_log" && g.Counters["parsed"] != float64(len(access))) {
				t.Errorf("%s: %s row counters %v", label, g.Source, g.Counters)
			}
			if prefixNote != "" && !strings.Contains(g.Note, "behind a "+prefixNote+" prefix") {
				t.Errorf("%s: %s row note %q does not name the %s prefix", label, g.Source, g.Note, prefixNote)
			}
		}
	}
	notes := map[string]string{"docker compose": "docker compose", "kubectl": "kubectl --timestamps", "cri": "cri",
		"docker json": "docker json-file", "syslog": "syslog", "nginx syslog": "syslog", "syslog RFC 5424": "syslog (RFC 5424)"}
	for name, wrap := range collectorPrefixes {
		a := writeFile(t, "access.log", wrapped(access, wrap))
		e := writeFile(t, "error.log", wrapped(errs, wrap))
		s := snapshotJSON(t, "--from-start", "--access-log", a, "--log-format", testLogFormat, "--error-log", e)
		check(name, s, notes[name])
	}

	// kubectl logs -f deploy/ingress-nginx | gwtop snapshot --error-log -
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	prev := os.Stdin
	os.Stdin = r
	t.Cleanup(func() { os.Stdin = prev; r.Close() })
	go func() {
		fmt.Fprint(w, wrapped(errs, collectorPrefixes["kubectl"]))
		w.Close()
	}()
	a := writeFile(t, "access.log", wrapped(access, collectorPrefixes["none"]))
	var out, errb bytes.Buffer
	if code := run(context.Background(), []string{"snapshot", "--json", "--from-start", "--access-log", a, "--log-format", testLogFormat, "--error-log", "-"}, &out, &errb); code != 0 {
		t.Fatalf("snapshot --error-log -: exit %d: %s", code, errb.String())
	}
	var s model.Snapshot
	if err := json.Unmarshal(out.Bytes(), &s); err != nil {
		t.Fatal(err)
	}
	check("stdin", &s, "")
	var fromStdin bool
	for _, g := range s.Gateways {
		fromStdin = fromStdin || (g.Source == "error_log" && g.Target == "(standard input)" && strings.Contains(g.Note, "kubectl --timestamps"))
	}
	if !fromStdin {
		t.Errorf("no error_log row reading standard input behind the kubectl prefix: %+v", s.Gateways)
	}
	// Two logs cannot both be standard input.
	if code, _, stderr := runCmd("snapshot", "--from-start", "--access-log", "-", "--log-format", testLogFormat, "--error-log", "-"); code == 0 || !strings.Contains(stderr, "one at most can be -") {
		t.Errorf("two stdin logs: exit %d: %s", code, stderr)
	}
}
