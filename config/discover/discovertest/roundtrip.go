package discovertest

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/gwtop/gwtop/config"
	"github.com/gwtop/gwtop/config/discover"
)

// UpstreamSet lists the upstreams as "name group address probe", for
// comparing with what a test expects.
func UpstreamSet(cfg *config.Config) []string {
	var out []string
	for _, u := range cfg.Upstreams {
		out = append(out, fmt.Sprintf("%s %s %s %s", u.Name, u.Group, u.Address, u.Probe))
	}
	return out
}

// CheckRoundTrip parses the discovered YAML back and compares what
// matters: the upstreams (with the default expect filled in), every
// registered kind's section and the interval. Kind-specific checks (an
// nginx section's logs) are the kind's tests' own.
func CheckRoundTrip(t testing.TB, res *discover.Result) *config.Config {
	t.Helper()
	back, err := config.Parse("discovered", res.YAML, func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatalf("YAML does not load: %v\n%s", err, res.YAML)
	}
	if got, want := UpstreamSet(back), UpstreamSet(res.Config); !reflect.DeepEqual(got, want) {
		t.Errorf("upstreams after the round trip:\n got %q\nwant %q", got, want)
	}
	for i := range back.Upstreams {
		if i >= len(res.Config.Upstreams) {
			break // reported above
		}
		if back.Upstreams[i].Expect != orDefault(res.Config.Upstreams[i].Expect, "200-399") || back.Upstreams[i].Insecure != res.Config.Upstreams[i].Insecure {
			t.Errorf("upstream %d after the round trip: %+v", i, back.Upstreams[i])
		}
	}
	eq := func(name string, a, b any) {
		t.Helper()
		if !reflect.DeepEqual(a, b) {
			t.Errorf("%s after the round trip:\n got %+v\nwant %+v", name, a, b)
		}
	}
	// Every kind registered in the test binary, present or not: a section
	// that appears or disappears in the YAML is a difference too.
	for _, kind := range config.KindNames() {
		eq(kind, back.Section(kind), res.Config.Section(kind))
	}
	eq("sections", kindsOf(back), kindsOf(res.Config))
	eq("interval", back.Interval, res.Config.Interval)
	return back
}

func kindsOf(cfg *config.Config) []string {
	var out []string
	for _, g := range cfg.Gateways {
		out = append(out, g.Kind)
	}
	return out
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}
