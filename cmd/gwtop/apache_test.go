package main

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gwtop/gwtop/gateway/apache/apachetest"
	"github.com/gwtop/gwtop/internal/faults"
)

// TestApacheCauses puts a real Apache httpd (mod_proxy) in front of
// upstreams that fail on purpose, one ProxyPass prefix each, and checks
// what gwtop reports with no configuration at all (discovery reads the
// running apache2's configuration: logs, LogFormat, mod_status, the
// balancer-manager and the ProxyPass routes) and with the discovered YAML
// saved and loaded: the conformance matrix's apache column, both ways.
// Apache's access log names no backend, so every request is attributed by
// the ProxyPass prefix it matched, and the log's row says so.
func TestApacheCauses(t *testing.T) {
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
	a := apachetest.Start(t, apachetest.Config{Directives: dirs.String()})
	onlyPID(t, a.Pid())

	yml, stderr, code := gwtopRun(t, "discover")
	if code != 0 {
		t.Fatalf("gwtop discover: exit %d\n%s", code, stderr)
	}
	for _, s := range []string{"apache:", "status_url: " + a.URL + "/server-status", "error_log: " + a.ErrorLog,
		"access_log: " + a.AccessLog, "prefix: /refused/", "upstream: " + fs[1].server.Addr, "- prefix: /server-status"} {
		if !strings.Contains(yml, s) {
			t.Errorf("the discovered YAML lacks %q:\n%s", s, yml)
		}
	}
	saved := writeFile(t, "gwtop.yaml", yml)

	prefixes := map[string]int{}
	for _, f := range fs {
		prefixes[fmt.Sprintf("%s/%s/item/", a.URL, f.name)] = 2
	}
	snaps := snapshotsUnderTraffic(t, prefixTraffic(prefixes), map[string][]string{
		"--config discovered.yaml": {"--config", saved, "--for", "7s"},
		"no configuration":         {"--for", "7s"},
	})
	if t.Failed() {
		return
	}
	for label, s := range snaps {
		for _, f := range fs {
			cause, state := want(t, "apache", f.name)
			u, ok := checkUpstream(t, label+": "+f.name, s, "apache", f.server.Addr, upstreamWant{state: state, cause: cause})
			if ok && f.name != "healthy" && f.name != "refused" && u.Requests == 0 {
				t.Errorf("%s: %s has no requests: the ProxyPass prefix did not attribute them", label, f.name)
			}
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
