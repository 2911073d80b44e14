package rule

import (
	"strings"
	"testing"

	"github.com/gwtop/gwtop/model"
)

func win(req, e5 int64, rps, p50, p95, p99 float64) model.Window {
	w := model.Window{Seconds: 60, Requests: req, Errors5xx: e5, ReqPerSec: rps,
		LatencyMS: model.Latency{P50: p50, P95: p95, P99: p99, Count: req}}
	if req > 0 {
		w.Rate5xx = float64(e5) / float64(req)
	}
	return w
}

// fixture: a healthy upstream, one answering 500, one refused (no
// latency, down), one slow, and one with no traffic at all.
func fixture() *model.Snapshot {
	return &model.Snapshot{Upstreams: []model.Upstream{
		{Name: "api", Address: "127.0.0.1:8001", Gateway: "nginx", State: model.StateUp,
			Window1m: win(600, 0, 10, 5, 20, 40), Window5m: win(3000, 3, 10, 5, 18, 30)},
		{Name: "billing", Address: "127.0.0.1:8002", Gateway: "nginx", State: model.StateDegraded,
			Window1m: win(100, 35, 1.7, 3, 9, 12), Window5m: win(500, 1, 1.7, 3, 8, 10),
			Causes: []model.CauseRank{{Code: model.CauseUpstream5xx, Roots: []model.Root{{Code: "app_exception", Summary: "gunicorn logged a traceback"}}}}},
		{Name: "auth", Address: "127.0.0.1:8003", Gateway: "nginx", State: model.StateDown,
			Window1m: win(50, 50, 0.8, 0, 0, 0), Causes: []model.CauseRank{{Code: model.CauseRefused}}},
		{Name: "search", Address: "10.0.0.9:9200", Gateway: "haproxy", State: model.StateUp,
			Window1m: win(300, 0, 5, 120, 900, 1400), Window5m: win(1500, 0, 5, 100, 400, 500)},
		{Name: "idle", Address: "10.0.0.10:80", Gateway: "nginx", State: model.StateUnknown},
	}}
}

func names(bs []Breach) string {
	var n []string
	for _, b := range bs {
		n = append(n, b.Name)
	}
	return strings.Join(n, ",")
}

func TestEval(t *testing.T) {
	s := fixture()
	before := BeforeOf(s)
	for _, tc := range []struct {
		rule, want string
	}{
		{"rate_5xx > 2%", "billing,auth"},
		{"rate_5xx >= 35%", "billing,auth"},
		{"rate_5xx > 35%", "auth"},
		{"rate_5xx == 0%", "api,search"}, // idle has no requests: no figure
		{"p95 > 800ms", "search"},
		{"p95 > 0.5s", "search"},
		{"p99 > 2x before", "search"}, // 1400 > 2×500; api 40 ≤ 60
		{"p95 > 1.05x before", "api,billing,search"},
		{"state == down", "auth"},
		{"STATE != up", "billing,auth,idle"},
		{"requests < 1/s", "auth,idle"},
		{"requests < 120/m", "billing,auth,idle"},
		{"requests < 0.5x before", ""}, // auth and idle had no before window
		{"state == down or p95 > 800ms", "auth,search"},
		{"rate_5xx > 2% and requests > 1/s", "billing"},
		{"(rate_5xx > 2% or p95 > 800ms) and state != down", "billing,search"},
		{"rate_5xx > 2% or p95 > 800ms and state == down", "billing,auth"}, // and binds tighter
		{"p50 <= 3ms", "billing,auth"},
	} {
		r, err := Parse(tc.rule)
		if err != nil {
			t.Errorf("%q: %v", tc.rule, err)
			continue
		}
		if got := names(r.Eval(s, before, nil)); got != tc.want {
			t.Errorf("%q: broken by %q, want %q", tc.rule, got, tc.want)
		}
	}
}

func TestBreachExplains(t *testing.T) {
	s := fixture()
	r := MustParse("rate_5xx > 2% or p99 > 2x before")
	bs := r.Eval(s, BeforeOf(s), nil)
	want := []string{
		"billing 127.0.0.1:8002 (nginx) degraded: rate_5xx 35.0% > 2%; cause upstream_5xx → app_exception: gunicorn logged a traceback",
		"auth 127.0.0.1:8003 (nginx) down: rate_5xx 100.0% > 2%; cause refused",
		"search 10.0.0.9:9200 (haproxy) up: p99 1400ms > 2x before (500ms); no cause found",
	}
	if len(bs) != len(want) {
		t.Fatalf("breaches %v, want %d", bs, len(want))
	}
	for i, b := range bs {
		if b.String() != want[i] {
			t.Errorf("breach %d:\n got %s\nwant %s", i, b, want[i])
		}
	}
	if bs[0].Cause != model.CauseUpstream5xx || bs[0].RootCode != "app_exception" || bs[0].Root != "gunicorn logged a traceback" {
		t.Errorf("billing breach %+v", bs[0])
	}
	// Both sides of an or that hold are named.
	bs = MustParse("state == down or rate_5xx > 50%").Eval(s, nil, nil)
	if len(bs) != 1 || strings.Join(bs[0].Why, "; ") != "state down == down; rate_5xx 100.0% > 50%" {
		t.Errorf("or explanation: %+v", bs)
	}
}

func TestBeforeNeedsBaseline(t *testing.T) {
	s := fixture()
	r := MustParse("p99 > 2x before")
	if !r.UsesBefore() || MustParse("p99 > 1s").UsesBefore() {
		t.Error("UsesBefore")
	}
	if got := names(r.Eval(s, nil, nil)); got != "" {
		t.Errorf("no baseline: broken by %q", got)
	}
	// A baseline with no traffic for the upstream says nothing either.
	b := Before{key("haproxy", "10.0.0.9:9200"): {}}
	if got := names(r.Eval(s, b, nil)); got != "" {
		t.Errorf("empty baseline: broken by %q", got)
	}
}

func TestFilter(t *testing.T) {
	s := fixture()
	r := MustParse("state != up")
	for glob, want := range map[string]string{
		"":            "billing,auth,idle",
		"b*":          "billing",
		"127.0.0.1:*": "billing,auth",
		"10.0.0.1?:*": "idle",
		"nothing":     "",
	} {
		m, err := Filter(glob)
		if err != nil {
			t.Fatalf("%q: %v", glob, err)
		}
		if got := names(r.Eval(s, nil, m)); got != want {
			t.Errorf("--upstream %q: %q, want %q", glob, got, want)
		}
	}
	if _, err := Filter("api["); err == nil {
		t.Error("bad glob accepted")
	}
}

func TestParseErrors(t *testing.T) {
	for rule, want := range map[string]string{
		"p96 > 800ms":                    `unknown column "p96" at 1: want rate_5xx, p50, p95, p99, requests, state`,
		"rate_5xx > 2% or p69 > 1s":      `unknown column "p69" at 18: want rate_5xx, p50, p95, p99, requests, state`,
		"":                               `empty rule at 1: want a comparison such as rate_5xx > 2%`,
		"p95 800ms":                      `p95: "800ms" where an operator belongs at 5: want >, >=, <, <=, ==, !=`,
		"p95 >":                          `p95: missing value at 6: want a duration such as 800ms or 1.5s, or 2x before`,
		"p95 > 800":                      `p95: bad value "800" at 7: want a duration such as 800ms or 1.5s, or 2x before`,
		"rate_5xx > 2":                   `rate_5xx: bad value "2" at 12: want a percentage such as 2%, or 2x before`,
		"rate_5xx > 200%":                `rate_5xx: bad value "200%" at 12: want a percentage such as 2%, or 2x before`,
		"requests < 1":                   `requests: bad value "1" at 12: want a rate such as 1/s or 30/m, or 0.5x before`,
		"p99 > 2x":                       `p99: "2x" needs "before" at 9: want 2x before`,
		"p99 > 2x after":                 `p99: "2x" needs "before" at 10: want 2x before`,
		"state > down":                   `operator ">" on state at 7: want == or !=`,
		"state == sad":                   `state: unknown state "sad" at 10: want up, degraded, down, unknown`,
		"state = down":                   `unknown operator "=" at 7: want >, >=, <, <=, ==, !=`,
		"(state == down":                 `unclosed "(" at 1: want ")"`,
		"state == down)":                 `unexpected ")" at 14: want and, or`,
		"state == down xor p95 > 1s":     `unexpected "xor" at 15: want and, or`,
		"state == down and":              `missing comparison at 18: want a column: rate_5xx, p50, p95, p99, requests, state`,
		"p95 > 1s; rm -rf":               `unexpected character ';' at 9: want a column, an operator, a value, and, or, parentheses`,
		"p95 > NaNms":                    `p95: bad value "NaNms" at 7: want a duration such as 800ms or 1.5s, or 2x before`,
		"p95 > infx before":              `p95: bad factor "infx" at 7: want a duration such as 800ms or 1.5s, or 2x before`,
		strings.Repeat("(", 40) + "x":    `parentheses nested deeper than 32 at 33`,
		"p95 > 1e3ms":                    `p95: bad value "1e3ms" at 7: want a duration such as 800ms or 1.5s, or 2x before`,
		"requests < 0x10/s":              `requests: bad value "0x10/s" at 12: want a rate such as 1/s or 30/m, or 0.5x before`,
		"rate_5xx > 2% and state == up)": `unexpected ")" at 30: want and, or`,
	} {
		_, err := Parse(rule)
		if err == nil {
			t.Errorf("%q: accepted", rule)
			continue
		}
		if err.Error() != want {
			t.Errorf("%q:\n got %s\nwant %s", rule, err, want)
		}
	}
}

func TestParseKeepsSource(t *testing.T) {
	src := "  rate_5xx>2%   OR p95>=1.5s "
	r, err := Parse(src)
	if err != nil {
		t.Fatal(err)
	}
	if r.String() != src {
		t.Errorf("String() = %q", r.String())
	}
	s := fixture()
	if got := names(r.Eval(s, nil, nil)); got != "billing,auth" {
		t.Errorf("%q: %q", src, got)
	}
}

// FuzzParse: any input either parses, or fails with an *Error whose
// position lies within the rule (or just past it); a parsed rule evaluates
// on the fixture without panicking and every breach names its comparison.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"rate_5xx > 2%", "p95 > 800ms", "p99 > 2x before", "state == down", "requests < 1/s",
		"(rate_5xx > 2% or p95 > 1s) and state != up", "((((p50 < 1ms))))", "p95 >", "state = down", "p96 > 1s", "requests < 30/m"} {
		f.Add(s)
	}
	s := fixture()
	before := BeforeOf(s)
	f.Fuzz(func(t *testing.T, src string) {
		r, err := Parse(src)
		if err != nil {
			e, ok := err.(*Error)
			if !ok {
				t.Fatalf("%q: error %T %v", src, err, err)
			}
			if e.Pos < 1 || e.Pos > len(src)+1 {
				t.Fatalf("%q: position %d outside 1..%d", src, e.Pos, len(src)+1)
			}
			return
		}
		for _, b := range r.Eval(s, before, nil) {
			if len(b.Why) == 0 {
				t.Fatalf("%q: breach %s with no reason", src, b.Name)
			}
		}
	})
}
