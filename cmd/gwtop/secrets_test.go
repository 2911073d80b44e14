package main

import (
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gwtop/gwtop/internal/nginxtest"
	"github.com/gwtop/gwtop/model"
)

// leakPW is the password every secrets test gives gwtop; it must never be
// printed, whatever form the URL around it takes.
const leakPW = "Zq9-s3cr3tPW"

// closedAddr returns a loopback address nothing listens on: the scrapes and
// probes fail at once, and their errors are what the tests read.
func closedAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// mistypedForms are the URL forms of issue 11 item 3 around a password,
// and the well-formed one, for a target at addr. PW is spelt as ${PW} so
// that the config file and the flags (which expand it too) get the same
// text.
func mistypedForms(addr string) map[string]string {
	return map[string]string{
		"valid":         "http://user:${PW}@" + addr + "/s",
		"one slash":     "http:/user:${PW}@" + addr + "/s",
		"no slash":      "http:user:${PW}@" + addr + "/s",
		"no scheme":     "user:${PW}@" + addr,
		"no colon":      "http//user:${PW}@" + addr + "/s",
		"tcp":           "tcp://user:${PW}@" + addr,
		"schemeless //": "//gwtop:${PW}@" + addr + "/stats",
		"slash in pw":   "http://user:${PW}/x@" + addr + "/s",
	}
}

// secretPlaces are the configuration fields and flags that take a URL-ish
// value: the file's key path (as YAML) and the quick flag.
var secretPlaces = []struct {
	name string
	yaml func(v string) string
	flag []string // the flag; the value follows
}{
	{"probe", func(v string) string { return fmt.Sprintf("upstreams:\n  - name: x\n    probe: %q\n", v) }, []string{"--probe", "x="}},
	{"nginx", func(v string) string { return fmt.Sprintf("nginx:\n  status_url: %q\n", v) }, []string{"--nginx-status", ""}},
	{"haproxy", func(v string) string { return fmt.Sprintf("haproxy:\n  stats: %q\n", v) }, []string{"--haproxy-stats", ""}},
	{"apache", func(v string) string { return fmt.Sprintf("apache:\n  status_url: %q\n", v) }, []string{"--apache-status", ""}},
	{"traefik", func(v string) string { return fmt.Sprintf("traefik:\n  api: %q\n", v) }, []string{"--traefik-api", ""}},
	{"envoy", func(v string) string { return fmt.Sprintf("envoy:\n  admin: %q\n", v) }, []string{"--envoy-admin", ""}},
	{"caddy", func(v string) string { return fmt.Sprintf("caddy:\n  admin: %q\n", v) }, []string{"--caddy-admin", ""}},
}

// TestMistypedURLsNeverPrintThePassword gives every URL-ish field, in the
// file and as a flag, every mistyped form of a URL holding a password, runs
// the real gwtop snapshot (table and JSON) and requires the password in
// none of stdout and stderr.
func TestMistypedURLsNeverPrintThePassword(t *testing.T) {
	t.Setenv("PW", leakPW)
	addr := closedAddr(t)
	dir := t.TempDir()
	var runs, leaks int
	i := 0
	for form, v := range mistypedForms(addr) {
		literal := strings.ReplaceAll(v, "${PW}", leakPW)
		for _, p := range secretPlaces {
			i++
			path := filepath.Join(dir, fmt.Sprintf("%d-%s.yaml", i, p.name))
			if err := os.WriteFile(path, []byte("interval: 100ms\n"+p.yaml(v)), 0o600); err != nil {
				t.Fatal(err)
			}
			for _, args := range [][]string{
				{"snapshot", "--json", "--for", "300ms", "--config", path},
				{"snapshot", "--for", "300ms", "--config", path},
				{"snapshot", "--json", "--for", "300ms", "--interval", "100ms", p.flag[0], p.flag[1] + v},
				{"snapshot", "--for", "300ms", "--interval", "100ms", p.flag[0], p.flag[1] + v},
				{"snapshot", "--json", "--for", "300ms", "--interval", "100ms", p.flag[0], p.flag[1] + literal},
				{"snapshot", "--for", "300ms", "--interval", "100ms", p.flag[0], p.flag[1] + literal},
			} {
				code, out, stderr := runCmd(args...)
				runs++
				if n := strings.Count(out+stderr, leakPW); n > 0 {
					leaks++
					t.Errorf("%s in %s: %v (exit %d) prints the password %d times:\nstdout %s\nstderr %s", form, p.name, args[1:4], code, n, out, stderr)
				}
			}
		}
	}
	t.Logf("%d runs, %d printed the password", runs, leaks)
}

// hostileText is what a log or a configuration may hold to act on a
// terminal: C1 controls (8-bit CSI, OSC, NEL), a 7-bit OSC 52 (set the
// clipboard) and CSI (clear the screen), and bidi overrides.
const hostileText = "ev\u009b2J\u009d0;t\u0007\u0085il\x1b]52;c;ZXZpbA==\x07\x1b[2J\u202egnp.exe\u2066\u200f"

// rawControls counts the runes in s that a terminal acts on: C0 but tab
// and newline, DEL, C1, and the bidi controls.
func rawControls(s string) int {
	n := 0
	for _, r := range s {
		switch {
		case r == '\t' || r == '\n':
		case r < 0x20 || r == 0x7f, r >= 0x80 && r <= 0x9f,
			r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069, r == 0x200e || r == 0x200f, r == 0x061c:
			n++
		}
	}
	return n
}

// TestSnapshotTableSanitised puts control sequences in an upstream's name
// (from the file), in a log's upstream address and in an error-log
// message, and requires the table to hold none of them raw, each shown
// escaped instead.
func TestSnapshotTableSanitised(t *testing.T) {
	access := writeFile(t, "access.log", `10.0.0.9 - - [22/Nov/2026:03:00:01 +0000] "GET /x HTTP/1.1" 502 157 "-" "curl" rt=0.001 uct="-" uht="-" urt="0.000" ua="`+hostileText+`:80" us="502"`+"\n"+
		`10.0.0.9 - - [22/Nov/2026:03:00:02 +0000] "GET /x HTTP/1.1" 502 157 "-" "curl" rt=0.001 uct="-" uht="-" urt="0.000" ua="127.0.0.1:9" us="502"`+"\n")
	errlog := writeFile(t, "error.log", "2026/11/22 03:00:02 [error] 7#7: *1 connect() failed (111: Connection refused "+hostileText+") while connecting to upstream, client: 10.0.0.9, server: x, request: \"GET /x HTTP/1.1\", upstream: \"http://127.0.0.1:9/x\", host: \"x\"\n")
	// A log in a directory so named: the row's target.
	dir := filepath.Join(t.TempDir(), hostileText)
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "error.log")
	if err := os.WriteFile(missing, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := writeFile(t, "gwtop.yaml", fmt.Sprintf("upstreams:\n  - name: %q\n    address: 127.0.0.1:9\nnginx:\n  access_log: %s\n  log_format: '%s'\n  error_log: %s\n  error_logs: [%q]\n",
		hostileText, access, testLogFormat, errlog, missing))
	code, out, stderr := runCmd("snapshot", "--from-start", "--config", cfg)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	t.Logf("table:\n%s", out)
	if n := rawControls(out + stderr); n != 0 {
		t.Errorf("%d raw control characters reach the terminal:\n%q", n, out)
	}
	// What was there stays visible, escaped.
	for _, want := range []string{`ev\u009b2J`, `\x1b]52;c;`, `\u202egnp.exe`} {
		if strings.Count(out, want) < 3 {
			t.Errorf("the table shows %q fewer than 3 times (the name, the log's address, the row's target):\n%s", want, out)
		}
	}
}

// TestSnapshotErrorSanitised: an error of gwtop snapshot that quotes the
// configuration is printed with its controls escaped, and keeps its exit
// code.
func TestSnapshotErrorSanitised(t *testing.T) {
	missing := filepath.Join(t.TempDir(), hostileText+".log")
	cfg := writeFile(t, "gwtop.yaml", fmt.Sprintf("nginx:\n  error_log: %q\n", missing))
	// Reading a backlog, a missing log is the command's error…
	code, out, stderr := runCmd("snapshot", "--from-start", "--config", cfg)
	if code != 1 || out != "" || !strings.Contains(stderr, "no such file") {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, out, stderr)
	}
	if n := rawControls(stderr); n != 0 || !strings.Contains(stderr, `\u202egnp.exe`) {
		t.Errorf("%d raw control characters in %q", n, stderr)
	}
	// …watching, it is its row's error.
	code, out, stderr = runCmd("snapshot", "--for", "200ms", "--config", cfg)
	if code != 0 || !strings.Contains(out, "ERROR: waiting for") {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, out, stderr)
	}
	if n := rawControls(out + stderr); n != 0 || strings.Count(out, `\u202egnp.exe`) != 2 {
		t.Errorf("%d raw control characters in %q", n, out)
	}
	code, _, stderr = runCmd("snapshot", "--for", "-1s", "--probe", "x=tcp://127.0.0.1:1")
	if code != 2 || !strings.Contains(stderr, "--for -1s") {
		t.Errorf("a usage mistake: exit %d, %q", code, stderr)
	}
}

// TestStatusPasswordOffTheCommandLine starts a real nginx whose stub_status
// page wants basic auth, and has gwtop read it with the password given in
// each way that keeps it out of ps: ${VAR} from the environment in the
// flag, --secret-file in the flag, --secret-file for the config file. The
// command line never holds the password, the page is read (the password
// reached nginx), and the password is printed nowhere.
func TestStatusPasswordOffTheCommandLine(t *testing.T) {
	authDir := t.TempDir()
	if err := os.Chmod(authDir, 0o755); err != nil { // nginx workers may run as another user
		t.Fatal(err)
	}
	htpasswd := filepath.Join(authDir, "htpasswd")
	if err := os.WriteFile(htpasswd, []byte("gwtop:{PLAIN}"+leakPW+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ngx := nginxtest.Start(t, nginxtest.Config{LogFormat: testLogFormat,
		Server: fmt.Sprintf("location = /secure_status { stub_status; auth_basic gwtop; auth_basic_user_file %s; }", htpasswd)})
	status := "http://gwtop:${NGX_PW}@" + ngx.Addr + "/secure_status"
	pwFile := writeFile(t, "pw", leakPW+"\n")
	wrongFile := writeFile(t, "wrong", "not-the-Passw0rd\n")
	conf := writeFile(t, "gwtop.yaml", fmt.Sprintf("interval: 200ms\nnginx:\n  status_url: %s\n", status))
	t.Setenv("NGX_PW", leakPW)
	for _, c := range []struct {
		name string
		args []string
		ok   bool
	}{
		{"env in a flag", []string{"--nginx-status", status}, true},
		{"secret file in a flag", []string{"--secret-file", "NGX_PW=" + pwFile, "--nginx-status", status}, true},
		{"secret file for the config file", []string{"--secret-file", "NGX_PW=" + pwFile, "--config", conf}, true},
		{"secret file wins over env", []string{"--secret-file", "NGX_PW=" + wrongFile, "--nginx-status", status}, false},
	} {
		args := append([]string{"snapshot", "--json", "--for", "1s", "--interval", "200ms"}, c.args...)
		if strings.Contains(strings.Join(args, " "), leakPW) {
			t.Fatalf("%s: the test's command line holds the password", c.name)
		}
		code, out, stderr := runCmd(args...)
		if code != 0 {
			t.Errorf("%s: exit %d: %s", c.name, code, stderr)
			continue
		}
		if strings.Contains(out+stderr, leakPW) {
			t.Errorf("%s: the password is printed:\n%s\n%s", c.name, out, stderr)
		}
		var s model.Snapshot
		if err := json.Unmarshal([]byte(out), &s); err != nil {
			t.Fatal(err)
		}
		if len(s.Gateways) != 1 || s.Gateways[0].OK != c.ok || (!c.ok && !strings.Contains(s.Gateways[0].Error, "401")) {
			t.Errorf("%s: status row %+v, want ok=%v", c.name, s.Gateways, c.ok)
		}
		if c.ok && s.Gateways[0].Counters["accepts"] == 0 {
			t.Errorf("%s: the page was not read: %+v", c.name, s.Gateways[0])
		}
	}
	// An unset variable is an error naming the flag, exit 1.
	code, _, stderr := runCmd("snapshot", "--nginx-status", "http://gwtop:${GWTOP_UNSET_PW}@"+ngx.Addr+"/secure_status")
	if code != 1 || !strings.Contains(stderr, "--nginx-status: environment variable GWTOP_UNSET_PW is not set") {
		t.Errorf("unset variable: exit %d, %s", code, stderr)
	}
}
