package all_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/gwtop/gwtop/config/discover"
	_ "github.com/gwtop/gwtop/gateway/all"
)

// TestNothingFound: an empty process list is a NotFoundError that says what
// was looked for and how to point gwtop at a gateway.
func TestNothingFound(t *testing.T) {
	_, err := discover.Discover(context.Background(), discover.Options{Processes: func(context.Context) ([]discover.Proc, error) { return nil, nil }})
	var nf *discover.NotFoundError
	if !errors.As(err, &nf) {
		t.Fatalf("err = %v, want a NotFoundError", err)
	}
	for _, s := range []string{"nginx, haproxy, caddy, traefik, envoy and apache", "--config FILE", "--haproxy-stats"} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("message lacks %q: %v", s, err)
		}
	}
}

// TestGatewayProcs: of a process list, discovery reads one process per
// running gateway: an nginx master, not its workers or `nginx -t`; the
// HAProxy master, not its worker of the same kind; nothing else. What it
// read is what it found, under an empty root so that no configuration is
// read from this host.
func TestGatewayProcs(t *testing.T) {
	procs := []discover.Proc{
		{PID: 10, Name: "nginx", Cmdline: []string{"nginx: master process /usr/sbin/nginx"}},
		{PID: 11, PPID: 10, Name: "nginx", Cmdline: []string{"nginx: worker process"}},
		{PID: 12, Name: "nginx", Cmdline: []string{"/usr/sbin/nginx", "-t"}},
		{PID: 20, Name: "haproxy", Cmdline: []string{"/usr/sbin/haproxy", "-Ws", "-f", "/etc/haproxy/haproxy.cfg"}},
		{PID: 21, PPID: 20, Name: "haproxy", Cmdline: []string{"/usr/sbin/haproxy", "-Ws", "-f", "/etc/haproxy/haproxy.cfg"}},
		{PID: 30, Name: "bash", Cmdline: []string{"bash"}},
	}
	res, err := discover.Discover(context.Background(), discover.Options{
		Processes: func(context.Context) ([]discover.Proc, error) { return procs, nil },
		Root:      t.TempDir(), NoExec: true,
	})
	var found []discover.Gateway
	var nf *discover.NotFoundError
	switch {
	case errors.As(err, &nf):
		found = nf.Found
	case err != nil:
		t.Fatal(err)
	default:
		found = res.Found
	}
	got := map[string][]discover.Gateway{}
	for _, g := range found {
		got[g.Kind] = append(got[g.Kind], g)
	}
	if len(got["nginx"]) != 1 || got["nginx"][0].PID != 10 || len(got["haproxy"]) != 1 || got["haproxy"][0].PID != 20 || len(got) != 2 {
		t.Errorf("gateway processes: %+v", found)
	}
}
