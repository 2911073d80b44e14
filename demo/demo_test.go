package demo

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

// errorLineRE is the regex of proxy-formats.md §2.1, verbatim.
var errorLineRE = regexp.MustCompile(`^(\d{4}/\d{2}/\d{2} \d{2}:\d{2}:\d{2}) \[(\w+)\] (\d+)#(\d+): (?:\*(\d+) )?(.*?)(?: while ([^,]+))?, client: ([^,]*), server: ([^,]*)(?:, request: "((?:[^"\\]|\\.)*)")?(?:, subrequest: "[^"]*")?(?:, upstream: "([^"]*)")?(?:, host: "([^"]*)")?(?:, referrer: "([^"]*)")?$`)

// accessLineRE is LogFormat with each variable replaced by what it may hold.
var accessLineRE = regexp.MustCompile(`^(\S+) - (\S+) \[([^\]]+)\] "((?:[^"\\]|\\x[0-9A-F]{2})*)" (\d{3}) (\d+) "((?:[^"\\]|\\x[0-9A-F]{2})*)" "((?:[^"\\]|\\x[0-9A-F]{2})*)" rt=(\d+\.\d{3}) uct="([^"]*)" uht="([^"]*)" urt="([^"]*)" ua="([^"]*)" us="([^"]*)"$`)

var stubStatusRE = regexp.MustCompile(`^Active connections: (\d+) \nserver accepts handled requests\n (\d+) (\d+) (\d+) \nReading: (\d+) Writing: (\d+) Waiting: (\d+) \n$`)

var phaseRE = regexp.MustCompile(`^(-|\d+\.\d{3})$`)

// knownMessages is the part of the §2.3 catalogue the demo can produce.
var knownMessages = map[string]string{ // message → level
	msgRefused:    "error",
	msgTimedOut:   "error",
	msgResetRecv:  "error",
	msgResetSend:  "error",
	msgPremature:  "error",
	msgNoLive:     "error",
	msgDisabled:   "warn",
	msgBrokenPipe: "error",
}

func readLines(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	if s == "" {
		return nil
	}
	if !strings.HasSuffix(s, "\n") {
		t.Fatalf("%s does not end with a whole line", path)
	}
	return strings.Split(strings.TrimSuffix(s, "\n"), "\n")
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", d, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// waitGoroutines waits, with some patience, for the goroutine count to come
// back to what it was before the demo started.
func waitGoroutines(t *testing.T, before int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		n := runtime.NumGoroutine()
		if n <= before {
			return
		}
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			buf = buf[:runtime.Stack(buf, true)]
			t.Fatalf("goroutines: %d before Start, %d after Close\n%s", before, n, buf)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func fileContains(path string, subs ...string) bool {
	b, err := os.ReadFile(path)
	if err != nil {
		return false
	}
	for _, s := range subs {
		if !strings.Contains(string(b), s) {
			return false
		}
	}
	return true
}

// paymentsRecovered reports whether payments refused connections and later
// answered 200 on the same address: the restart reopened the same port.
func paymentsRecovered(g *Gateway, addr string) bool {
	f, err := os.Open(g.AccessLog)
	if err != nil {
		return false
	}
	defer f.Close()
	refused := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if !strings.Contains(line, "GET /payments/") {
			continue
		}
		if strings.Contains(line, `uct="-" uht="-"`) && strings.Contains(line, `us="502"`) {
			refused = true
		} else if refused && strings.HasSuffix(line, `ua="`+addr+`" us="200"`) {
			return true
		}
	}
	return false
}

func TestDemoEndToEnd(t *testing.T) {
	before := runtime.NumGoroutine()
	dir := t.TempDir()
	// Speed 4 puts search's slow spell at 0.5 s and payments' restart at
	// 0.75–5.75 s of real time.
	g, err := Start(context.Background(), Options{Dir: dir, Rate: 80, Seed: 7, Speed: 4})
	if err != nil {
		t.Fatal(err)
	}
	closed := false
	defer func() {
		if !closed {
			_ = g.Close()
		}
	}()

	if g.Dir != dir || g.AccessLog != filepath.Join(dir, "access.log") || g.ErrorLog != filepath.Join(dir, "error.log") {
		t.Fatalf("paths: %+v", g)
	}
	if g.LogFormat != LogFormat {
		t.Fatalf("LogFormat field %q", g.LogFormat)
	}
	addrs := map[string]string{} // address → group
	var paymentsAddr string
	for _, u := range g.Upstreams {
		if !strings.HasPrefix(u.Address, "127.0.0.1:") || u.ProbeURL != "http://"+u.Address+"/health" {
			t.Fatalf("upstream %+v", u)
		}
		addrs[u.Address] = u.Group
		if u.Name == "payments" {
			paymentsAddr = u.Address
		}
	}
	if len(addrs) != len(specs) || paymentsAddr == "" {
		t.Fatalf("upstreams: %+v", g.Upstreams)
	}

	waitFor(t, 15*time.Second, "refused and read-timeout lines in the error log", func() bool {
		return fileContains(g.ErrorLog,
			msgRefused+" while "+actionConnecting,
			msgTimedOut+" while "+actionReading)
	})
	waitFor(t, 15*time.Second, "inventory 500s in the access log", func() bool {
		return fileContains(g.AccessLog, `" 500 `, `us="500"`)
	})
	waitFor(t, 15*time.Second, "payments answering again on the same port", func() bool {
		return paymentsRecovered(g, paymentsAddr)
	})

	// stub_status: exact format, trailing spaces included.
	client := &http.Client{Transport: &http.Transport{}, Timeout: 5 * time.Second}
	resp, err := client.Get(g.StatusURL)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	client.CloseIdleConnections()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/plain" || resp.Header.Get("Server") != "nginx" {
		t.Fatalf("stub_status: %d %v", resp.StatusCode, resp.Header)
	}
	m := stubStatusRE.FindStringSubmatch(string(body))
	if m == nil {
		t.Fatalf("stub_status not in nginx format: %q", body)
	}
	n := make([]int, len(m))
	for i := 1; i < len(m); i++ {
		n[i], _ = strconv.Atoi(m[i])
	}
	active, accepts, handled, requests, reading, writing, waiting := n[1], n[2], n[3], n[4], n[5], n[6], n[7]
	if accepts < handled || requests < 1 || active < 1 || active != reading+writing+waiting || writing < 1 {
		t.Fatalf("stub_status values: %q", body)
	}

	// A route that does not exist gets nginx's 404 page and no upstream.
	resp, err = client.Get(g.ProxyURL + "/nope")
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	client.CloseIdleConnections()
	if resp.StatusCode != 404 || string(body) != errorPage(404) {
		t.Fatalf("404: %d %q", resp.StatusCode, body)
	}

	if err := g.Close(); err != nil {
		t.Fatal(err)
	}
	closed = true
	if _, err := os.Stat(dir); err != nil {
		t.Fatalf("Close removed a directory it did not create: %v", err)
	}
	waitGoroutines(t, before)

	front, _ := url.Parse(g.ProxyURL)
	errLines := readLines(t, g.ErrorLog)
	accLines := readLines(t, g.AccessLog)
	t.Logf("%d access lines, %d error lines", len(accLines), len(errLines))

	// Error log: nginx's grammar, and only messages of the catalogue.
	errorsByLevel := map[string]int{}
	for _, line := range errLines {
		m := errorLineRE.FindStringSubmatch(line)
		if m == nil {
			t.Fatalf("error line not in nginx grammar: %q", line)
		}
		level, pid, tid, conn, msg, action := m[2], m[3], m[4], m[5], m[6], m[7]
		client, server, request, upstream, host := m[8], m[9], m[10], m[11], m[12]
		if _, err := time.ParseInLocation(errorLogLayout, m[1], time.Local); err != nil {
			t.Fatalf("time in %q: %v", line, err)
		}
		if want, ok := knownMessages[msg]; !ok || want != level {
			t.Fatalf("message %q at level %q not in the catalogue: %q", msg, level, line)
		}
		if pid != strconv.Itoa(os.Getpid()) || tid != "0" || conn == "" {
			t.Fatalf("pid/tid/conn in %q", line)
		}
		switch action {
		case actionConnecting, actionSending, actionReading:
		default:
			t.Fatalf("action %q in %q", action, line)
		}
		if client != "127.0.0.1" || server != "demo" || host != front.Host || !strings.HasPrefix(request, "GET /") || !strings.HasSuffix(request, " HTTP/1.1") {
			t.Fatalf("context fields in %q", line)
		}
		u, err := url.Parse(upstream)
		if err != nil || u.Scheme != "http" {
			t.Fatalf("upstream in %q", line)
		}
		uri := strings.TrimSuffix(strings.TrimPrefix(request, "GET "), " HTTP/1.1")
		if u.RequestURI() != uri {
			t.Fatalf("upstream URI %q differs from the request %q", u.RequestURI(), uri)
		}
		if msg == msgNoLive {
			if u.Host != "auth" {
				t.Fatalf("no live upstreams names the group: %q", line)
			}
		} else if _, ok := addrs[u.Host]; !ok {
			t.Fatalf("upstream %q is not a demo upstream: %q", u.Host, line)
		}
		if strings.Contains(uri, "/inventory") {
			t.Fatalf("inventory's 500s must not reach the error log: %q", line)
		}
		errorsByLevel[level]++
	}

	// Access log: every field present and valid, per nginx semantics.
	var failedAttempts, inventory500 int
	for _, line := range accLines {
		m := accessLineRE.FindStringSubmatch(line)
		if m == nil {
			t.Fatalf("access line not in LogFormat: %q", line)
		}
		if m[1] != "127.0.0.1" || m[2] != "-" || m[7] != "-" || m[8] == "-" {
			t.Fatalf("addr/user/referer/agent in %q", line)
		}
		if _, err := time.Parse(timeLocalLayout, m[3]); err != nil {
			t.Fatalf("time_local in %q: %v", line, err)
		}
		if !strings.HasPrefix(m[4], "GET /") || !strings.HasSuffix(m[4], " HTTP/1.1") {
			t.Fatalf("request in %q", line)
		}
		status, _ := strconv.Atoi(m[5])
		bytes, _ := strconv.Atoi(m[6])
		switch status {
		case 200, 404, 499, 500, 502, 504:
		default:
			t.Fatalf("status %d in %q", status, line)
		}
		if status == 502 && bytes != len(errorPage(502)) || status == 504 && bytes != len(errorPage(504)) || status == 499 && bytes != 0 {
			t.Fatalf("body_bytes_sent %d for %d in %q", bytes, status, line)
		}
		uct, uht, urt := strings.Split(m[10], ", "), strings.Split(m[11], ", "), strings.Split(m[12], ", ")
		ua, us := strings.Split(m[13], ", "), strings.Split(m[14], ", ")
		k := len(ua)
		if len(uct) != k || len(uht) != k || len(urt) != k || len(us) != k {
			t.Fatalf("upstream variables with different element counts: %q", line)
		}
		if m[13] == "-" {
			if status != 404 || m[10] != "-" || m[11] != "-" || m[12] != "-" || m[14] != "-" {
				t.Fatalf("no-upstream line %q", line)
			}
			continue
		}
		for i := range k {
			for _, v := range []string{uct[i], uht[i], urt[i]} {
				if !phaseRE.MatchString(v) {
					t.Fatalf("time %q in %q", v, line)
				}
			}
			if urt[i] == "-" {
				t.Fatalf("an ended attempt has a response time: %q", line)
			}
			c, h, r := parseMsec(uct[i]), parseMsec(uht[i]), parseMsec(urt[i])
			if c >= 0 && h >= 0 && c > h || h >= 0 && h > r || c >= 0 && c > r {
				t.Fatalf("phases out of order in %q", line)
			}
			if _, ok := addrs[ua[i]]; !ok && ua[i] != "auth" {
				t.Fatalf("upstream address %q in %q", ua[i], line)
			}
			switch us[i] {
			case "502", "504":
				failedAttempts++
				if uht[i] != "-" {
					t.Fatalf("a failed attempt has no header time: %q", line)
				}
			case "-":
				if status != 499 {
					t.Fatalf("missing upstream status in %q", line)
				}
			case "200", "500":
			default:
				t.Fatalf("upstream status %q in %q", us[i], line)
			}
		}
		last := us[k-1]
		if status != 499 && last != m[5] {
			t.Fatalf("the last attempt's status %s is not the client's %d: %q", last, status, line)
		}
		if last == "504" && !strings.Contains(line, `GET /search`) && !strings.Contains(line, `GET /payments/`) {
			t.Fatalf("only search and payments are slow: %q", line)
		}
		if status == 500 {
			if !strings.Contains(m[4], "/inventory/") || uht[k-1] == "-" {
				t.Fatalf("500 from something other than inventory: %q", line)
			}
			inventory500++
		}
	}
	if inventory500 == 0 {
		t.Fatal("no inventory 500s in the access log")
	}
	// nginx logs exactly one [error] line per failed attempt.
	if errorsByLevel["error"] != failedAttempts {
		t.Fatalf("%d [error] lines for %d failed attempts in the access log", errorsByLevel["error"], failedAttempts)
	}
}

// parseMsec is the inverse of appendPhase, in milliseconds; -1 for "-".
func parseMsec(s string) int {
	if s == "-" {
		return -1
	}
	sec, ms, _ := strings.Cut(s, ".")
	a, _ := strconv.Atoi(sec)
	b, _ := strconv.Atoi(ms)
	return a*1000 + b
}

func TestCloseRemovesTempDirAndIsIdempotent(t *testing.T) {
	before := runtime.NumGoroutine()
	g, err := Start(context.Background(), Options{Rate: 50})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(g.Dir); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "access log lines", func() bool {
		fi, err := os.Stat(g.AccessLog)
		return err == nil && fi.Size() > 0
	})
	if err := g.Close(); err != nil {
		t.Fatal(err)
	}
	if err := g.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if _, err := os.Stat(g.Dir); !os.IsNotExist(err) {
		t.Fatalf("temp dir %s still there after Close: %v", g.Dir, err)
	}
	waitGoroutines(t, before)
}

func TestContextCancelStopsEverything(t *testing.T) {
	before := runtime.NumGoroutine()
	ctx, cancel := context.WithCancel(context.Background())
	g, err := Start(ctx, Options{Rate: 50})
	if err != nil {
		t.Fatal(err)
	}
	cancel()
	waitFor(t, 5*time.Second, "the temp dir to go", func() bool {
		_, err := os.Stat(g.Dir)
		return os.IsNotExist(err)
	})
	if err := g.Close(); err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Transport: &http.Transport{}, Timeout: time.Second}
	if resp, err := client.Get(g.StatusURL); err == nil {
		_ = resp.Body.Close()
		t.Fatal("gateway still answering after its context ended")
	}
	waitGoroutines(t, before)
}
