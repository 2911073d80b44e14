package apache_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gwtop/gwtop/collector"
	"github.com/gwtop/gwtop/config"
	"github.com/gwtop/gwtop/config/discover"
	_ "github.com/gwtop/gwtop/gateway/all"
	"github.com/gwtop/gwtop/gateway/apache/apachetest"
	"github.com/gwtop/gwtop/internal/conformance"
	"github.com/gwtop/gwtop/internal/faults"
	"github.com/gwtop/gwtop/model"
)

// TestEndToEnd puts a real Apache httpd (mod_proxy) in front of upstreams
// that fail on purpose, one ProxyPass prefix each, and runs gwtop's whole
// path on it: discovery of the running apache2 (its logs and LogFormat,
// mod_status, the balancer-manager and the ProxyPass routes, read from its
// configuration), the discovered YAML parsed back as a saved file would be,
// and the engine on both, under traffic. Each fault's row must say what the
// conformance matrix's apache column says. Apache's access log names no
// backend, so every request is attributed by the ProxyPass prefix it
// matched, and the log's row says so.
func TestEndToEnd(t *testing.T) {
	type apacheFault struct {
		name   string
		kind   faults.Kind
		scheme string
		server *faults.Server
	}
	fs := []*apacheFault{
		{name: "healthy", kind: faults.Healthy}, {name: "refused", kind: faults.Refused}, {name: "slow", kind: faults.Slow},
		{name: "close", kind: faults.Close}, {name: "reset", kind: faults.Reset}, {name: "error500", kind: faults.Error500},
		{name: "unavailable", kind: faults.Unavailable}, {name: "badheader", kind: faults.BadHeader},
		{name: "tls", kind: faults.PlainOnTLS, scheme: "https"},
	}
	var dirs strings.Builder
	dirs.WriteString("ProxyPass /server-status !\nProxyPass /balancer-manager !\nProxyTimeout 1\n" +
		"SSLProxyEngine on\nSSLProxyVerify none\nSSLProxyCheckPeerName off\nSSLProxyCheckPeerExpire off\n")
	for _, f := range fs {
		f.server = faults.Start(t, f.kind)
		if f.kind == faults.Slow {
			f.server.Delay = 2 * time.Second // longer than ProxyTimeout 1
		}
		scheme := f.scheme
		if scheme == "" {
			scheme = "http"
		}
		fmt.Fprintf(&dirs, "ProxyPass /%s/ %s://%s/\n", f.name, scheme, f.server.Addr)
	}
	// A balancer whose two members refuse: each member's row says so, and
	// the requests attributed to the balancer are the group's row.
	pool := []string{faults.ClosedTCP(t), faults.ClosedTCP(t)}
	fmt.Fprintf(&dirs, "<Proxy balancer://pool>\n    BalancerMember http://%s\n    BalancerMember http://%s\n</Proxy>\nProxyPass /pool/ balancer://pool/\n", pool[0], pool[1])
	a := apachetest.Start(t, apachetest.Config{Directives: dirs.String()})

	// Discovery sees the real process list, filtered to this test's apache2
	// so that other gateways on the machine do not disturb it.
	res, err := discover.Discover(context.Background(), discover.Options{Processes: func(ctx context.Context) ([]discover.Proc, error) {
		all, err := discover.SystemProcesses(ctx)
		var out []discover.Proc
		for _, p := range all {
			if int(p.PID) == a.Pid() {
				out = append(out, p)
			}
		}
		return out, err
	}})
	if err != nil {
		t.Fatal(err)
	}
	yml := string(res.YAML)
	for _, s := range []string{"\napache:\n", "status_url: " + a.URL + "/server-status", "error_log: " + a.ErrorLog,
		"access_log: " + a.AccessLog, "prefix: /refused/", "upstream: " + fs[1].server.Addr, "- prefix: /server-status",
		fmt.Sprintf("found apache pid %d", a.Pid())} {
		if !strings.Contains(yml, s) {
			t.Errorf("the discovered YAML lacks %q:\n%s", s, yml)
		}
	}
	discovered, err := res.Load(nil)
	if err != nil {
		t.Fatal(err)
	}
	saved, err := config.Parse("gwtop.yaml", res.YAML, func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatalf("the discovered YAML does not load as a file: %v\n%s", err, yml)
	}

	ctx, cancel := context.WithCancel(context.Background())
	prefixes := map[string]int{}
	for _, f := range fs {
		prefixes[fmt.Sprintf("%s/%s/item/", a.URL, f.name)] = 2
	}
	prefixes[a.URL+"/pool/item/"] = 2
	traffic := faults.Traffic(ctx, prefixes)
	snaps := map[string]*model.Snapshot{}
	var mu sync.Mutex
	var runs sync.WaitGroup
	for label, cfg := range map[string]*config.Config{"discovered": discovered, "saved YAML": saved} {
		eng, err := collector.New(cfg, collector.Options{})
		if err != nil {
			t.Fatal(err)
		}
		runs.Go(func() {
			eng.Start(ctx)
			time.Sleep(7 * time.Second)
			s := eng.Stop()
			mu.Lock()
			snaps[label] = s
			mu.Unlock()
		})
	}
	runs.Wait()
	cancel()
	traffic.Wait()

	for label, s := range snaps {
		for _, f := range fs {
			cause, state := conformance.Want(t, "apache", f.name)
			u, ok := s.Upstream("apache", f.server.Addr)
			if !ok {
				t.Errorf("%s: %s (%s) missing", label, f.name, f.server.Addr)
				continue
			}
			var causes []string
			for _, c := range u.Causes {
				causes = append(causes, fmt.Sprintf("%s×%d(%s)", c.Code, c.Count, c.Source))
			}
			t.Logf("%s: %-12s %-8s top=%-16s %s | %d req, 5xx %.0f%% | %s", label, f.name, u.State, u.TopCause(), u.StateReason, u.Requests, u.Rate5xx*100, strings.Join(causes, " "))
			if u.State != state || u.TopCause() != cause {
				t.Errorf("%s: %s is %s with top cause %q (%s), want %s with %q", label, f.name, u.State, u.TopCause(), u.StateReason, state, cause)
			}
			if c := u.TopCause(); c != "" && (u.Causes[0].Evidence == "" || u.Causes[0].Hint == "" || u.Causes[0].NextStep == "") {
				t.Errorf("%s: %s: cause %s without evidence, hint or next step: %+v", label, f.name, c, u.Causes[0])
			}
			if cause != "" && cause != model.CauseUpstream5xx && strings.Contains(strings.Join(causes, " "), "upstream_5xx") {
				t.Errorf("%s: %s lists upstream_5xx beside %s, which explains its 5xx: %v", label, f.name, cause, causes)
			}
			if f.name != "refused" && u.Requests == 0 {
				t.Errorf("%s: %s has no requests: the ProxyPass prefix did not attribute them", label, f.name)
			}
		}
		for _, m := range pool {
			u, ok := s.Upstream("apache", m)
			if !ok || u.Group != "balancer://pool" || u.State != model.StateDown || u.TopCause() != model.CauseRefused {
				t.Errorf("%s: balancer member %s: %+v (want down, refused, group balancer://pool)", label, m, u)
			}
		}
		// The balancer-manager shows both members in Err only between
		// Apache's forced recoveries (a balancer whose workers are all in
		// error tries them again), so no_live_upstreams is there in most
		// runs, not all; when it is, its hint names the members' cause.
		if g, ok := s.Upstream("apache", "balancer://pool"); !ok || g.Requests == 0 || g.State != model.StateDown || g.TopCause() == model.CauseUpstream5xx ||
			(g.TopCause() == model.CauseNoLiveUpstreams && !strings.Contains(g.Causes[0].Hint, "refused")) {
			t.Errorf("%s: the balancer's row %+v: want its attributed requests, down, no upstream_5xx of its own, and a no_live_upstreams hint naming its members' cause", label, g)
		} else {
			t.Logf("%s: balancer://pool %s top=%q %s | %d req", label, g.State, g.TopCause(), g.StateReason, g.Requests)
		}
		al, ok := s.Gateway("apache", "access_log", a.AccessLog)
		if !ok || !al.OK || !strings.Contains(al.Note, "ProxyPass prefix") {
			t.Errorf("%s: access log row %+v: want it OK and saying requests are attributed by ProxyPass prefix", label, al)
		}
		if st, ok := s.Gateway("apache", "server_status", ""); !ok || !st.OK || st.Counters["Total Accesses"] == 0 {
			t.Errorf("%s: mod_status row %+v", label, st)
		}
		if bm, ok := s.Gateway("apache", "balancer_manager", ""); !ok || !bm.OK {
			t.Errorf("%s: balancer-manager row %+v", label, bm)
		}
	}
}
