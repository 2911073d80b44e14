package all_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/gwtop/gwtop/config"
	"github.com/gwtop/gwtop/config/discover"
	"github.com/gwtop/gwtop/config/discover/discovertest"
	"github.com/gwtop/gwtop/gateway"
	_ "github.com/gwtop/gwtop/gateway/all"
	"github.com/gwtop/gwtop/gateway/nginx"
)

// TestNothingFound: an empty process list is a NotFoundError that says what
// was looked for and how to point gwtop at a gateway.
func TestNothingFound(t *testing.T) {
	_, err := discover.Discover(context.Background(), discover.Options{Processes: func(context.Context) ([]discover.Proc, error) { return nil, nil }})
	var nf *discover.NotFoundError
	if !errors.As(err, &nf) {
		t.Fatalf("err = %v, want a NotFoundError", err)
	}
	for _, s := range []string{"looked for running nginx, haproxy, caddy", "--config FILE", "--haproxy-stats"} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("message lacks %q: %v", s, err)
		}
	}
	// Every registered kind, in rank order.
	at := -1
	for _, k := range gateway.Kinds() {
		i := strings.Index(err.Error(), k.Name)
		if i <= at {
			t.Errorf("message names %s at %d, after %d: %v", k.Name, i, at, err)
		}
		at = i
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

// TestTwoNginxInstances: two nginx masters on one host are two instances,
// "nginx" and "nginx@2", each with its own section and upstreams, even
// where both proxy to the same address; the YAML says so and loads back.
func TestTwoNginxInstances(t *testing.T) {
	a := discovertest.WriteNginxTree(t, discovertest.Ports{Listen: 19001, Status: 19002, Static: 19003, Healthy: 19004, Backup: 19005,
		Down: 19006, Error500: 19007, Refused: 19008, Inline: 19009, FastCGI: 19010})
	b := discovertest.WriteNginxTree(t, discovertest.Ports{Listen: 19101, Status: 19102, Static: 19103, Healthy: 19004, Backup: 19105,
		Down: 19106, Error500: 19107, Refused: 19108, Inline: 19109, FastCGI: 19110})
	procs := []discover.Proc{
		{PID: 100, Name: "nginx", Cmdline: []string{"nginx: master process /usr/sbin/nginx -p " + a.Prefix + " -c " + a.Conf}},
		{PID: 200, Name: "nginx", Cmdline: []string{"nginx: master process /usr/sbin/nginx -p " + b.Prefix + " -c " + b.Conf}},
	}
	res, err := discover.Discover(context.Background(), discover.Options{
		Processes: func(context.Context) ([]discover.Proc, error) { return procs, nil }, NoExec: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	if testing.Verbose() {
		t.Logf("%s", res.YAML)
	}
	cfg, err := res.Load(nil)
	if err != nil {
		t.Fatalf("the YAML does not load: %v\n%s", err, res.YAML)
	}
	one, two := config.SectionOf[*nginx.Config](cfg, "nginx"), cfg.Instance("nginx@2")
	if one == nil || two == nil || len(cfg.Gateways) != 2 {
		t.Fatalf("sections %+v\n%s", cfg.Gateways, res.YAML)
	}
	if one.StatusURL != a.StatusURL || two.(*nginx.Config).StatusURL != b.StatusURL {
		t.Errorf("status URLs %q, %q; want %q, %q", one.StatusURL, two.(*nginx.Config).StatusURL, a.StatusURL, b.StatusURL)
	}
	shared := "127.0.0.1:19004" // both trees' upstream app
	rows := map[string]bool{}
	for _, u := range cfg.Upstreams {
		if u.Address == shared {
			rows[u.Gateway] = true
		}
		if u.Gateway != "nginx" && u.Gateway != "nginx@2" {
			t.Errorf("upstream %s has gateway %q", u.Name, u.Gateway)
		}
	}
	if !rows["nginx"] || !rows["nginx@2"] {
		t.Errorf("%s behind both: rows %v", shared, rows)
	}
	for _, s := range []string{"\nnginx:\n", "\nnginx@2:\n", "gateway: nginx@2", "nginx pid 200 is another nginx: its section is nginx@2"} {
		if !strings.Contains(string(res.YAML), s) {
			t.Errorf("the YAML lacks %q:\n%s", s, res.YAML)
		}
	}
}
