package export

import (
	"bytes"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"

	"github.com/gwtop/gwtop/model"
)

// FuzzExport: whatever the names, addresses, targets and routes a
// snapshot holds (a log and a status page choose them), a scrape
// succeeds — no duplicate series, no invalid UTF-8 — and no password
// of a URL shows.
func FuzzExport(f *testing.F) {
	f.Add("api", "127.0.0.1:8000", "http://u:Secr3tPassw0rd@h/stats", "/a/:id", "Secr3tPassw0rd")
	f.Add("a\xff\x1b[31m", "a\nb", "/var/log/x", "", "")
	f.Add(strings.Repeat("é", 150), "x", "x", strings.Repeat("/", 300), "")
	f.Fuzz(func(t *testing.T, name, addr, target, route, secret string) {
		s := fixture()
		s.Upstreams[0].Name, s.Upstreams[0].Address = name, addr
		s.Upstreams[1].Name, s.Upstreams[1].Address = name, addr // may collide after sanitising
		s.Upstreams[0].Routes = append(s.Upstreams[0].Routes, model.Route{Route: route}, model.Route{Route: route + "\xff"})
		s.Gateways[1].Target = target
		reg := prometheus.NewPedanticRegistry()
		reg.MustRegister(New(func() *model.Snapshot { return s }, name))
		mfs, err := reg.Gather()
		if err != nil {
			t.Fatalf("gather: %v", err)
		}
		var b bytes.Buffer
		enc := expfmt.NewEncoder(&b, expfmt.NewFormat(expfmt.TypeTextPlain))
		for _, mf := range mfs {
			if err := enc.Encode(mf); err != nil {
				t.Fatalf("encode: %v", err)
			}
		}
		// A password written into a URL's userinfo never shows.
		if len(secret) >= 8 && strings.Contains(target, "://u:"+secret+"@") && !strings.ContainsAny(secret, "@/:?#% \t\n\"\\") &&
			strings.Contains(b.String(), secret) {
			t.Errorf("the password %q of %q shows in the exposition", secret, target)
		}
	})
}
