package probe

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gwtop/gwtop/model"
)

// TestRetryAfterIsOverloaded: a 503 with Retry-After is an upstream that
// sheds load on purpose (overloaded); a bare 503 is its own error.
func TestRetryAfterIsOverloaded(t *testing.T) {
	for _, c := range []struct {
		retry string
		want  model.Cause
	}{{"30", model.CauseOverloaded}, {"Wed, 21 Oct 2026 07:28:00 GMT", model.CauseOverloaded}, {"", model.CauseUpstream5xx}} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if c.retry != "" {
				w.Header().Set("Retry-After", c.retry)
			}
			w.WriteHeader(http.StatusServiceUnavailable)
		}))
		p, err := NewProber(Target{URL: srv.URL, Timeout: 2 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		r := p.Probe(context.Background())
		p.Close()
		srv.Close()
		if r.OK || r.Cause != c.want || r.Status != 503 || (c.retry != "" && !strings.Contains(r.Error, "Retry-After")) {
			t.Errorf("Retry-After %q: ok %v cause %s status %d error %q", c.retry, r.OK, r.Cause, r.Status, r.Error)
		}
	}
}
