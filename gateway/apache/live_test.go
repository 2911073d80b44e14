package apache

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gwtop/gwtop/collector/feed"
	"github.com/gwtop/gwtop/collector/feed/feedtest"
	"github.com/gwtop/gwtop/gateway/apache/apachetest"
	"github.com/gwtop/gwtop/internal/faults"
	"github.com/gwtop/gwtop/model"
)

// record rewrites testdata/live/ from a real apache2:
//
//	go test ./gateway/apache -run TestLiveFaults -record
var record = flag.Bool("record", false, "rewrite testdata/live from a real apache2")

const liveDir = "testdata/live"

// liveFault is one failing backend behind the real Apache, proxied at
// /<name>/, and what Apache really does with it.
type liveFault struct {
	name   string
	kind   faults.Kind // "" for a target that is not a faults server
	target string      // the ProxyPass URL when kind is ""
	scheme string      // "https" for a TLS backend
	// causes are the causes the error log's lines give, as a set; status
	// is what the client got (first request).
	causes []model.Cause
	status int
	// alt is another status Apache gives the same fault from one run to
	// the next (0: none).
	alt int
	// recordedOnly faults are in the recorded run only (see dns).
	recordedOnly bool
}

// liveFaults is the table: fault → what Apache 2.4.71 (Debian) logs.
var liveFaults = []liveFault{
	{name: "healthy", kind: faults.Healthy, status: 200},
	// AH00957 "(111)Connection refused: … attempt to connect to …
	// failed" then AH01114; the client gets 503, not 502.
	{name: "refused", kind: faults.Refused, causes: []model.Cause{model.CauseRefused}, status: 503},
	// AH01102 "(70007)The timeout specified has expired" then AH00898
	// "Error reading from remote server"; 502 (nginx would say 504).
	{name: "slow", kind: faults.Slow, causes: []model.Cause{model.CauseReadTimeout}, status: 502},
	// Exactly the same lines as slow: Apache cannot tell "answers too
	// late" from "never answers".
	{name: "blackhole", kind: faults.Blackhole, causes: []model.Cause{model.CauseReadTimeout}, status: 502},
	// AH01102 with (20014) "Internal error (specific information not
	// available)": APR_EGENERAL is all Apache says of a close with
	// nothing read.
	{name: "close", kind: faults.Close, causes: []model.Cause{model.CausePrematureClose}, status: 502},
	{name: "reset", kind: faults.Reset, causes: []model.Cause{model.CauseReset}, status: 502},
	// The backend's own 5xx: nothing in the error log, the status in the
	// access log.
	{name: "error500", kind: faults.Error500, status: 500},
	{name: "unavailable", kind: faults.Unavailable, status: 503},
	// Not mod_proxy but the HTTP filter: AH02429 "Response header name
	// 'Bad\x01Header' contains invalid characters", which names neither
	// backend nor URI (so the failure goes to the gateway row). The
	// client gets 500 — or, from run to run, 502 for some of the requests
	// (seen in the access log): the same invalid header, logged the same.
	{name: "badheader", kind: faults.BadHeader, causes: []model.Cause{model.CauseBadResponse}, status: 500, alt: 502},
	// AH01084 "(20014)… pass request body failed to ADDR", AH00898
	// "Error during SSL Handshake with remote server", AH01097; 500.
	{name: "tls", kind: faults.PlainOnTLS, scheme: "https", causes: []model.Cause{model.CauseTLS}, status: 500},
	// AH00898 "(EAI 2)Name or service not known: … DNS lookup failure for:
	// ghost.invalid"; 500. Recorded once; never provoked again: Apache
	// resolves backends with the system resolver, and this host's is not on
	// loopback, so the lookup would leave the machine.
	{name: "dns", target: "http://ghost.invalid:80/", causes: []model.Cause{model.CauseDNS}, status: 500, recordedOnly: true},
	// Two refused members: AH00957, AH00959 (disabling worker), AH01114
	// for each; 503. The second request tries them again (the balancer
	// forces recovery when all are in error), so AH01170 "All workers are
	// in error state" does not show up within a run this short.
	{name: "pool", target: "balancer://pool/", causes: []model.Cause{model.CauseRefused}, status: 503},
}

const customFormat = `%h %t "%r" %>s %b %D %{ms}T "%{BALANCER_WORKER_NAME}e" %{BALANCER_ROUTE}e`

// liveRun is what one run of the real Apache in front of liveFaults left.
type liveRun struct {
	backends map[string][]string // fault name → backend addresses (host:port)
	status   map[string]int      // fault name → the client's status
	errorLog []string
	access   []string // combined
	custom   []string // customFormat
	auto     []byte   // /server-status?auto while every worker was busy
	xml      []byte   // /balancer-manager?xml=1
}

func runLive(t *testing.T) *liveRun {
	t.Helper()
	run := &liveRun{backends: map[string][]string{}, status: map[string]int{}}
	var dirs strings.Builder
	dirs.WriteString("ProxyPass /server-status !\nProxyPass /balancer-manager !\nProxyTimeout 1\n" +
		"SSLProxyEngine on\nSSLProxyVerify none\nSSLProxyCheckPeerName off\nSSLProxyCheckPeerExpire off\n")
	pool := []string{faults.ClosedTCP(t), faults.ClosedTCP(t)}
	run.backends["pool"] = pool
	fmt.Fprintf(&dirs, "<Proxy balancer://pool>\n    BalancerMember http://%s\n    BalancerMember http://%s\n</Proxy>\n", pool[0], pool[1])
	for _, f := range liveFaults {
		if f.recordedOnly && run.backends[f.name] == nil {
			continue // not provoked in a live run
		}
		target := f.target
		if f.kind != "" {
			s := faults.Start(t, f.kind)
			if f.kind == faults.Slow {
				s.Delay = 2 * time.Second // longer than ProxyTimeout 1
			}
			run.backends[f.name] = []string{s.Addr}
			scheme := f.scheme
			if scheme == "" {
				scheme = "http"
			}
			target = scheme + "://" + s.Addr + "/"
		}
		fmt.Fprintf(&dirs, "ProxyPass /%s/ %s\n", f.name, target)
	}
	// Relative to ServerRoot, the harness's directory.
	fmt.Fprintf(&dirs, "CustomLog custom.log \"%s\"\n", strings.ReplaceAll(customFormat, `"`, `\"`))
	a := apachetest.Start(t, apachetest.Config{Directives: dirs.String()})
	client := faults.InsecureClient(10 * time.Second) // no keep-alive: no client retries
	get := func(path string) (int, []byte) {
		req, err := http.NewRequest(http.MethodGet, a.URL+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasPrefix(path, "/balancer-manager") {
			req.Header.Set("Referer", a.URL+"/balancer-manager") // the manager's CSRF guard
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, b
	}
	for _, f := range liveFaults {
		if f.recordedOnly && run.backends[f.name] == nil {
			continue // not provoked in a live run
		}
		for i := 0; i < 2; i++ {
			code, _ := get("/" + f.name + "/x")
			if i == 0 {
				run.status[f.name] = code
			}
		}
	}
	_, run.xml = get("/balancer-manager?xml=1")
	// Fill every worker thread (ThreadsPerChild 16, ServerLimit 1) with a
	// request to the blackhole; the status request is the sixteenth.
	var wg sync.WaitGroup
	for i := 0; i < 15; i++ {
		wg.Go(func() { get("/blackhole/busy") })
	}
	time.Sleep(400 * time.Millisecond)
	_, run.auto = get("/server-status?auto")
	wg.Wait()
	// mod_log_config writes when a request ends; all have.
	run.errorLog = a.ReadErrorLog(t)
	run.access = a.ReadAccessLog(t)
	run.custom = readFileLines(t, filepath.Join(a.Dir, "custom.log"))
	return run
}

func readFileLines(t *testing.T, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return lines
}

// saveRun writes a run to testdata/live.
func saveRun(t *testing.T, run *liveRun) {
	t.Helper()
	if err := os.MkdirAll(liveDir, 0o755); err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	names := make([]string, 0, len(run.backends))
	for n := range run.backends {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(&b, "%s %d %s\n", n, run.status[n], strings.Join(run.backends[n], " "))
	}
	files := map[string]string{
		"backends.txt":    b.String(),
		"error.log":       strings.Join(run.errorLog, "\n") + "\n",
		"access.log":      strings.Join(run.access, "\n") + "\n",
		"custom.log":      strings.Join(run.custom, "\n") + "\n",
		"status_auto.txt": string(run.auto),
		"balancer.xml":    string(run.xml),
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(liveDir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// loadRun reads testdata/live.
func loadRun(t *testing.T) *liveRun {
	t.Helper()
	run := &liveRun{backends: map[string][]string{}, status: map[string]int{}}
	for _, l := range readFileLines(t, filepath.Join(liveDir, "backends.txt")) {
		w := strings.Fields(l)
		if len(w) < 3 {
			t.Fatalf("backends.txt: %q", l)
		}
		var code int
		fmt.Sscanf(w[1], "%d", &code)
		run.status[w[0]], run.backends[w[0]] = code, w[2:]
	}
	run.errorLog = readFileLines(t, filepath.Join(liveDir, "error.log"))
	run.access = readFileLines(t, filepath.Join(liveDir, "access.log"))
	run.custom = readFileLines(t, filepath.Join(liveDir, "custom.log"))
	var err error
	if run.auto, err = os.ReadFile(filepath.Join(liveDir, "status_auto.txt")); err != nil {
		t.Fatal(err)
	}
	if run.xml, err = os.ReadFile(filepath.Join(liveDir, "balancer.xml")); err != nil {
		t.Fatal(err)
	}
	return run
}

// routes are the run's ProxyPass lines as Routes.
func (run *liveRun) routes() []Route {
	var rs []Route
	for _, f := range liveFaults {
		if f.recordedOnly && run.backends[f.name] == nil {
			continue // not provoked in a live run
		}
		up := "balancer://pool"
		if f.name != "pool" {
			up = run.backends[f.name][0]
		}
		rs = append(rs, Route{Prefix: "/" + f.name + "/", Upstream: up})
	}
	return append(rs, Route{Prefix: "/server-status", Upstream: Exclude}, Route{Prefix: "/balancer-manager", Upstream: Exclude})
}

// checkRun checks, fault by fault, what the parsers make of a run.
func checkRun(t *testing.T, run *liveRun) {
	t.Helper()
	router := NewRouter(run.routes())
	// Which fault an address belongs to.
	faultOf := map[string]string{"": "(gateway)"}
	for name, addrs := range run.backends {
		for _, a := range addrs {
			faultOf[a] = name
		}
	}
	faultOf["balancer://pool"] = "pool"

	var rec feedtest.Recorder
	el := &ErrorLog{Router: router}
	for _, l := range run.errorLog {
		if err := el.Line([]byte(l), &rec); err != nil && !errors.Is(err, feed.ErrIgnored) {
			t.Errorf("error log line %q: %v", l, err)
		}
	}
	got := map[string]map[model.Cause]int{}
	for _, f := range rec.Failures() {
		name, ok := faultOf[f.Addr]
		if !ok {
			t.Errorf("failure at unknown address %q: %s", f.Addr, f.Line)
			continue
		}
		if got[name] == nil {
			got[name] = map[model.Cause]int{}
		}
		got[name][f.Cause]++
	}
	for _, f := range liveFaults {
		if f.recordedOnly && run.backends[f.name] == nil {
			continue // not provoked in a live run
		}
		key := f.name
		if f.name == "badheader" {
			key = "(gateway)" // AH02429 names no backend
		}
		var causes []model.Cause
		for c := range got[key] {
			causes = append(causes, c)
		}
		sort.Slice(causes, func(i, j int) bool { return causes[i] < causes[j] })
		if fmt.Sprint(causes) != fmt.Sprint(f.causes) {
			t.Errorf("%s: error-log causes %v (counts %v), want %v", f.name, causes, got[key], f.causes)
		}
		if st := run.status[f.name]; st != f.status && st != f.alt {
			t.Errorf("%s: the client got %d, the table says %d", f.name, st, f.status)
		}
	}
	// Each failing request is reported once, not once per line: the
	// slow backend had two requests plus the fifteen that filled the
	// workers, all timing out.
	if n := got["slow"][model.CauseReadTimeout]; n != 2 {
		t.Errorf("slow: %d read_timeout failures, want 2 (one per request)", n)
	}
	if n := got["refused"][model.CauseRefused]; n != 2 {
		t.Errorf("refused: %d failures, want 2", n)
	}

	checkAccess(t, run.access, "combined", router, run)
	checkAccess(t, run.custom, customFormat, nil, run)

	st, err := ParseStatusAuto(run.auto)
	if err != nil {
		t.Fatalf("status page: %v\n%s", err, run.auto)
	}
	if !st.Saturated() || st.LimitEvidence() == "" {
		t.Errorf("status page taken with every worker busy is not saturated: %+v", st)
	}
	if st.Counters["Total Accesses"] < float64(2*len(liveFaults)) {
		t.Errorf("Total Accesses %v", st.Counters["Total Accesses"])
	}

	ws, err := ParseBalancerXML(run.xml)
	if err != nil {
		t.Fatalf("balancer XML: %v\n%s", err, run.xml)
	}
	if len(ws) != 2 {
		t.Fatalf("balancer workers %+v", ws)
	}
	for _, w := range ws {
		down, why := w.Down()
		if w.Balancer != "balancer://pool" || faultOf[w.Addr] != "pool" || !down || !strings.Contains(why, "in error state") {
			t.Errorf("worker %+v: down %v (%s), want pool member in error state", w, down, why)
		}
	}
}

// checkAccess parses an access log and checks each fault's requests:
// status and backend (from the router, or from BALANCER_WORKER_NAME).
func checkAccess(t *testing.T, lines []string, format string, router *Router, run *liveRun) {
	t.Helper()
	al, err := NewAccessLog(format, router)
	if err != nil {
		t.Fatal(err)
	}
	var rec feedtest.Recorder
	for _, l := range lines {
		if err := al.Line([]byte(l), &rec); err != nil {
			t.Errorf("%s: line %q: %v", format, l, err)
		}
	}
	reqs, raw := rec.Requests(), rec.Lines()
	seen := map[string]int{}
	for i, r := range reqs {
		path := raw[i][strings.Index(raw[i], `"GET `)+5:]
		name := strings.Trim(strings.SplitN(path, "/", 3)[1], " ")
		f := faultByName(name)
		if f == nil {
			continue // status pages
		}
		seen[name]++
		if strings.Contains(raw[i], "/busy ") {
			continue // the requests that filled the workers
		}
		if (r.Status != f.status && r.Status != f.alt) || r.Time.IsZero() {
			t.Errorf("%s %s: status %d time %v, want %d", format, name, r.Status, r.Time, f.status)
		}
		var want []string
		switch {
		case router != nil && name == "pool":
			want = []string{"balancer://pool"}
		case router != nil:
			want = run.backends[name]
		case name == "pool":
			want = run.backends["pool"] // BALANCER_WORKER_NAME names the member
		}
		if len(want) == 0 {
			if len(r.Attempts) != 0 {
				t.Errorf("%s %s: attempts %+v, want none (no worker name logged)", format, name, r.Attempts)
			}
			continue
		}
		if len(r.Attempts) != 1 || !contains(want, r.Attempts[0].Addr) {
			t.Errorf("%s %s: attempts %+v, want one at %v", format, name, r.Attempts, want)
		}
		if format == customFormat && r.Duration < 0 {
			t.Errorf("%s %s: no duration", format, name)
		}
	}
	for _, f := range liveFaults {
		if f.recordedOnly && run.backends[f.name] == nil {
			continue // not provoked in a live run
		}
		if seen[f.name] < 2 {
			t.Errorf("%s: %d access-log lines for %s, want 2", format, seen[f.name], f.name)
		}
	}
}

func faultByName(n string) *liveFault {
	for i := range liveFaults {
		if liveFaults[i].name == n {
			return &liveFaults[i]
		}
	}
	return nil
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// TestLiveFaults puts a real apache2 in front of the failing backends and
// checks, cause by cause, what the parsers say; with -record it also
// rewrites testdata/live from the run.
func TestLiveFaults(t *testing.T) {
	run := runLive(t)
	if *record {
		saveRun(t, run)
	}
	checkRun(t, run)
}

// TestRecordedFaults runs the same checks on the recorded run.
func TestRecordedFaults(t *testing.T) {
	checkRun(t, loadRun(t))
}
