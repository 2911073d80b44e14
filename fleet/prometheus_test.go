package fleet

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"golang.org/x/crypto/bcrypt"

	"github.com/gwtop/gwtop/export"
	"github.com/gwtop/gwtop/internal/promtest"
	"github.com/gwtop/gwtop/model"
)

// startAgents serves n generated agents of m upstreams each through
// export's collector and returns their addresses.
func startAgents(t testing.TB, n, m int) []string {
	t.Helper()
	var targets []string
	for range n {
		reg := prometheus.NewRegistry()
		s := agentSnapshot(m)
		reg.MustRegister(export.New(func() *model.Snapshot { return s }, "test"))
		srv := httptest.NewServer(promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
		t.Cleanup(srv.Close)
		targets = append(targets, strings.TrimPrefix(srv.URL, "http://"))
	}
	return targets
}

// A refresh is Queries queries whatever the number of upstreams; the
// Prometheus API's basic auth comes from the environment, and a refused
// password is a failed row that does not quote it.
func TestRefreshQueriesAndAuth(t *testing.T) {
	hash, err := bcrypt.GenerateFromPassword([]byte("fleet-Pa55"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	p := promtest.Start(t, promtest.Options{Targets: startAgents(t, 3, 10), User: "gwtop", Password: "fleet-Pa55", PasswordHash: string(hash)})
	up, _ := url.Parse(p.URL)
	var requests atomic.Int64
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		httputil.NewSingleHostReverseProxy(up).ServeHTTP(w, r)
	}))
	defer proxy.Close()

	t.Setenv(EnvUser, "gwtop")
	t.Setenv(EnvPassword, "fleet-Pa55")
	src, err := New(Options{URL: proxy.URL})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	var s *model.Snapshot
	for deadline := time.Now().Add(30 * time.Second); ; {
		s = src.Refresh(context.Background())
		if len(s.Upstreams) == 30 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d upstreams, row %+v", len(s.Upstreams), s.Gateways[0])
		}
		time.Sleep(300 * time.Millisecond)
	}
	requests.Store(0)
	s = src.Refresh(context.Background())
	if n := requests.Load(); n != Queries {
		t.Errorf("one refresh made %d requests, want %d", n, Queries)
	}
	if !s.Gateways[0].OK || len(Instances(s)) != 3 {
		t.Errorf("row %+v, instances %v", s.Gateways[0], Instances(s))
	}
	down := 0
	for _, u := range s.Upstreams {
		if u.State == model.StateDown {
			down++
			if len(u.Causes) == 0 || u.Causes[0].Code != model.CauseRefused || u.Causes[0].Roots[0].Code != model.RootNotRunning {
				t.Errorf("%s@%s causes %+v", u.Name, u.Instance, u.Causes)
			}
		}
	}
	if down != 3 { // one in ten of each agent's
		t.Errorf("%d down, want 3", down)
	}

	t.Setenv(EnvPassword, "wrong-Secret-9")
	bad, err := New(Options{URL: p.URL})
	if err != nil {
		t.Fatal(err)
	}
	defer bad.Close()
	s = bad.Refresh(context.Background())
	if row := s.Gateways[0]; row.OK || !strings.Contains(row.Error, "401") || strings.Contains(row.Error, "wrong-Secret-9") || len(s.Upstreams) != 0 {
		t.Errorf("refused password: %+v", row)
	}
}
