package diagnose

import (
	"testing"

	"github.com/gwtop/gwtop/model"
)

// A HintCache answers as Hint does, for any target it is asked about
// (a row renamed, its gateway's words read again), and nil caches nothing.
func TestHintCache(t *testing.T) {
	var c HintCache
	targets := []Target{
		{Name: "api", Address: "127.0.0.1:8000", Knobs: Knobs{Kind: "nginx", ReadTimeout: "proxy_read_timeout"}},
		{Name: "api", Address: "127.0.0.1:8001", Knobs: Knobs{Kind: "nginx", ReadTimeout: "proxy_read_timeout"}},
		{Name: "api", Address: "127.0.0.1:8001", Knobs: Knobs{Kind: "haproxy", ReadTimeout: "timeout server"}},
		{Name: "sock", Address: "unix:/run/app.sock"},
	}
	for round := range 2 {
		for _, tg := range targets {
			for _, code := range model.AllCauses() {
				h, n := c.Hint(code, tg)
				wh, wn := Hint(code, tg)
				if h != wh || n != wn {
					t.Fatalf("round %d, %s for %+v: cached %q / %q, Hint says %q / %q", round, code, tg, h, n, wh, wn)
				}
				var none *HintCache
				if h, n := none.Hint(code, tg); h != wh || n != wn {
					t.Fatalf("nil cache: %q / %q", h, n)
				}
			}
		}
	}
}
