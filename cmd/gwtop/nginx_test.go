package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/gwtop/gwtop/internal/conformance"
	"github.com/gwtop/gwtop/internal/faults"
	"github.com/gwtop/gwtop/internal/nginxtest"
	"github.com/gwtop/gwtop/model"
)

// testLogFormat quotes every multi-valued upstream variable, as the
// reference advises.
const testLogFormat = `$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" rt=$request_time uct="$upstream_connect_time" uht="$upstream_header_time" urt="$upstream_response_time" ua="$upstream_addr" us="$upstream_status"`

// fault is one failing upstream behind the test nginx and what gwtop must
// say of it.
type fault struct {
	name   string
	kind   faults.Kind
	tls    bool // nginx proxies with https://
	cause  model.Cause
	state  model.State
	server *faults.Server
}

func (f *fault) address() string {
	if f.name == "dns" {
		return "ghost.invalid"
	}
	return f.server.Addr
}

func (f *fault) probeURL() string {
	switch {
	case f.name == "dns":
		return "http://ghost.invalid:80/"
	case f.tls:
		return "https://" + f.server.Addr + "/"
	}
	return "http://" + f.server.Addr + "/"
}

type nginxRig struct {
	nginx  *nginxtest.Nginx
	faults []*fault
	// deadDNS is a loopback UDP port with no DNS server: nginx's resolver
	// and gwtop's probe of the dns fault both ask it, so no lookup of the
	// unresolvable name leaves the machine.
	deadDNS string
}

// startGateway starts one fault upstream per kind and a real nginx in front
// of them, one location each.
func startGateway(t *testing.T) *nginxRig {
	t.Helper()
	g := &nginxRig{faults: []*fault{
		{name: "healthy", kind: faults.Healthy},
		{name: "slow", kind: faults.Slow},
		{name: "close", kind: faults.Close},
		{name: "reset", kind: faults.Reset},
		{name: "error500", kind: faults.Error500},
		{name: "badheader", kind: faults.BadHeader},
		{name: "tls", kind: faults.PlainOnTLS, tls: true},
		{name: "dns", kind: faults.Healthy},
		// Last: a refused fault frees its port, which the OS may give to
		// a server started after it (two rows of one address).
		{name: "refused", kind: faults.Refused},
	}}
	for _, f := range g.faults {
		f.cause, f.state = conformance.Want(t, "nginx", f.name)
	}
	var httpBlock, server strings.Builder
	g.deadDNS = faults.DeadUDP(t)
	for _, f := range g.faults {
		f.server = faults.Start(t, f.kind)
		if f.name == "dns" {
			// A variable proxy_pass makes nginx resolve at request time,
			// through a resolver that does not answer.
			fmt.Fprintf(&server, "        location /dns/ { resolver %s valid=1s; resolver_timeout 1s; set $ghost ghost.invalid; proxy_pass http://$ghost:80; }\n", g.deadDNS)
			continue
		}
		fmt.Fprintf(&httpBlock, "    upstream %s { server %s; }\n", f.name, f.server.Addr)
		scheme := "http"
		if f.tls {
			scheme = "https"
		}
		fmt.Fprintf(&server, "        location /%s/ { proxy_pass %s://%s; }\n", f.name, scheme, f.name)
	}
	g.nginx = nginxtest.Start(t, nginxtest.Config{LogFormat: testLogFormat, HTTP: httpBlock.String(), Server: server.String()})
	return g
}

// traffic sends requests through nginx to every location until ctx ends:
// two workers per location, each one request at a time.
func (g *nginxRig) traffic(ctx context.Context) *sync.WaitGroup {
	prefixes := map[string]int{}
	for _, f := range g.faults {
		prefixes[fmt.Sprintf("http://%s/%s/item/", g.nginx.Addr, f.name)] = 2
	}
	return faults.Traffic(ctx, prefixes)
}

func (g *nginxRig) writeConfig(t *testing.T, probes, status bool) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("interval: 500ms\nupstreams:\n")
	for _, f := range g.faults {
		fmt.Fprintf(&b, "  - name: %s\n    address: %q\n", f.name, f.address())
		if probes {
			fmt.Fprintf(&b, "    probe: %s\n    timeout: 800ms\n    resolver: %s\n", f.probeURL(), g.deadDNS)
		}
	}
	fmt.Fprintf(&b, "nginx:\n  access_log: %s\n  log_format: '%s'\n  error_log: %s\n", g.nginx.AccessLog, testLogFormat, g.nginx.ErrorLog)
	if status {
		fmt.Fprintf(&b, "  status_url: %s\n", g.nginx.StatusURL)
	}
	return writeFile(t, "gwtop.yaml", b.String())
}

func snapshotJSON(t *testing.T, args ...string) *model.Snapshot {
	t.Helper()
	var out, errb bytes.Buffer
	if code := run(context.Background(), append([]string{"snapshot", "--json"}, args...), &out, &errb); code != 0 {
		t.Fatalf("gwtop snapshot %v: exit %d: %s", args, code, errb.String())
	}
	checkSchema(t, out.Bytes())
	var s model.Snapshot
	if err := json.Unmarshal(out.Bytes(), &s); err != nil {
		t.Fatalf("snapshot JSON: %v\n%s", err, out.String())
	}
	return &s
}

// checkCauses asserts every fault's name, state and top cause.
func (g *nginxRig) checkCauses(t *testing.T, label string, s *model.Snapshot) {
	t.Helper()
	for _, f := range g.faults {
		checkUpstream(t, label, s, "nginx", f.address(), upstreamWant{name: f.name, state: f.state, cause: f.cause})
	}
}

// TestNginxCauses runs gwtop snapshot against a real nginx in front of
// failing upstreams, once with probes and the status page, once with the
// logs alone, and once over the logs' backlog.
func TestNginxCauses(t *testing.T) {
	g := startGateway(t)
	full := g.writeConfig(t, true, true)
	logsOnly := g.writeConfig(t, false, false)
	snaps := snapshotsUnderTraffic(t, g.traffic, map[string][]string{
		"probes+logs": {"--config", full, "--for", "7s"},
		"logs only":   {"--config", logsOnly, "--for", "7s"},
	})
	if t.Failed() {
		return
	}
	withProbes, fromLogs := snaps["probes+logs"], snaps["logs only"]
	g.checkCauses(t, "probes+logs", withProbes)
	g.checkCauses(t, "logs only", fromLogs)

	// The probed run saw the status page and probes; the logs-only run did not.
	if stub, ok := withProbes.Gateway("nginx", "stub_status", ""); !ok || !stub.OK || stub.Counters["requests"] < 1 {
		t.Errorf("stub_status gateway row: %+v", stub)
	}
	for _, u := range fromLogs.Upstreams {
		if u.Probe != nil {
			t.Errorf("logs-only run probed %s", u.Name)
		}
	}
	for _, u := range withProbes.Upstreams {
		if u.Probe == nil {
			t.Errorf("probed run has no probe result for %s", u.Name)
		}
	}

	// The whole backlog, read from the start to the end of the logs.
	backlog := snapshotJSON(t, "--config", logsOnly, "--from-start")
	g.checkCauses(t, "backlog", backlog)
	keepLogs(t, g.nginx.AccessLog, g.nginx.ErrorLog)
}
