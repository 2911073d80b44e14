package apachetest

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gwtop/gwtop/internal/faults"
)

// TestStartProxiesAndLogs starts a real apache2 in front of a healthy
// upstream and checks that it proxies, logs in the requested format, serves
// /server-status?auto and the balancer manager, and is gone after Stop.
func TestStartProxiesAndLogs(t *testing.T) {
	up := faults.Start(t, faults.Healthy)
	a := Start(t, Config{
		LogFormat: `%h %t "%r" %>s %D %{BALANCER_WORKER_NAME}e`,
		Directives: `ProxyPass /server-status !
ProxyPass /balancer-manager !
<Proxy balancer://pool>
    BalancerMember http://` + up.Addr + `
</Proxy>
ProxyPass /api balancer://pool
`,
	})
	client := &http.Client{Timeout: 5 * time.Second}
	get := func(url string) string {
		t.Helper()
		req, err := http.NewRequest(http.MethodGet, url, nil)
		if err != nil {
			t.Fatal(err)
		}
		// The balancer manager ignores its query (xml=1 included) without
		// a Referer naming this server: mod_proxy_balancer's CSRF guard.
		req.Header.Set("Referer", a.URL+"/balancer-manager")
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %s\n%s", url, resp.Status, b)
		}
		return string(b)
	}
	if body := get(a.URL + "/api/x"); body != "ok\n" {
		t.Fatalf("proxied body %q", body)
	}
	if s := get(a.StatusURL); !strings.Contains(s, "Scoreboard: ") || !strings.Contains(s, "BusyWorkers: ") {
		t.Fatalf("status page:\n%s", s)
	}
	if x := get(a.BalancerURL); !strings.Contains(x, "<httpd:name>balancer://pool</httpd:name>") {
		t.Fatalf("balancer manager:\n%s", x)
	}
	// mod_log_config writes the line when the request ends, before the
	// next request on another connection is served; poll briefly anyway.
	var lines []string
	for deadline := time.Now().Add(3 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		lines = a.ReadAccessLog(t)
		if len(lines) > 0 && strings.Contains(strings.Join(lines, "\n"), "/api/x") {
			break
		}
	}
	found := false
	for _, l := range lines {
		if strings.Contains(l, `"GET /api/x HTTP/1.1" 200 `) && strings.HasSuffix(l, " http://"+up.Addr) {
			found = true
		}
	}
	if !found {
		t.Fatalf("no access log line for /api/x naming the worker:\n%s", strings.Join(lines, "\n"))
	}
	pid := a.Pid()
	a.Stop()
	if pid == 0 {
		t.Fatal("no pid")
	}
	if err := probe(a.Addr); err == nil {
		t.Fatalf("%s still accepts connections after Stop", a.Addr)
	}
}

func probe(addr string) error {
	c := &http.Client{Timeout: 300 * time.Millisecond}
	resp, err := c.Get("http://" + addr + "/server-status?auto")
	if err != nil {
		return err
	}
	resp.Body.Close()
	return nil
}
