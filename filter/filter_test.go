package filter

import (
	"strings"
	"testing"

	"github.com/gwtop/gwtop/model"
)

// ups are concrete upstreams every table test filters.
func ups() []model.Upstream {
	return []model.Upstream{
		{
			Name: "api-1", Address: "10.0.0.5:8000", Group: "api", Gateway: "nginx", Instance: "eu-1", State: model.StateDown,
			Requests: 3000, Errors5xx: 2950, Rate5xx: 2950.0 / 3000, ReqPerSec: 10,
			LatencyMS: model.Latency{P50: 1.1, P95: 2.4, P99: 3.9, Count: 3000},
			Causes: []model.CauseRank{{Code: model.CauseRefused, Count: 2950,
				Roots: []model.Root{{Code: model.RootNotRunning, Count: 1}}}},
		},
		{
			Name: "payments", Address: "10.0.0.9:9000", Group: "pay", Gateway: "nginx-2", Instance: "eu-2", State: model.StateDegraded,
			Requests: 600, Errors5xx: 12, Rate5xx: 0.02, ReqPerSec: 2,
			LatencyMS: model.Latency{P50: 180, P95: 750, P99: 1900, Count: 600},
			Causes:    []model.CauseRank{{Code: model.CauseReadTimeout, Count: 12}, {Code: model.CauseUpstream5xx, Count: 3}},
		},
		{
			Name: "search", Address: "search.internal:80", Group: "api", Gateway: "haproxy", State: model.StateUp,
			Requests: 150, Errors5xx: 0, Rate5xx: 0, ReqPerSec: 0.5,
			LatencyMS: model.Latency{P50: 20, P95: 500, P99: 510, Count: 150},
		},
		{
			// Probed only: no traffic, no latency.
			Name: "Billing", Address: "[::1]:7000", State: model.StateUnknown,
		},
	}
}

func names(f *Filter) string {
	var out []string
	for _, u := range f.Apply(ups()) {
		out = append(out, u.Name)
	}
	return strings.Join(out, ",")
}

func TestMatch(t *testing.T) {
	for _, tc := range []struct{ expr, want string }{
		{"", "api-1,payments,search,Billing"},
		{"   ", "api-1,payments,search,Billing"},
		// plain text: name, address, group, gateway, cause codes, any case
		{"pay", "payments"},
		{"PAY", "payments"},
		{"bill", "Billing"},
		{"10.0.0", "api-1,payments"},
		{"localhost:8000", ""},
		{"[::1]:7000", "Billing"},
		{"haproxy", "search"},
		{"timeout", "payments"},
		{"refused", "api-1"},
		// negation
		{"!api", "payments,Billing"},
		{"!nginx", "search,Billing"},
		// regex, case-insensitive, may hold spaces and |
		{"/^api-[0-9]+$/", "api-1"},
		{"/^(search|billing)$/", "search,Billing"},
		{"!/^(search|billing)$/", "api-1,payments"},
		{`/\.internal:80$/`, "search"},
		{"/read_timeout/", "payments"},
		// keys
		{"state:down", "api-1"},
		{"STATE:Degraded", "payments"},
		{"!state:up", "api-1,payments,Billing"},
		{"cause:refused", "api-1"},
		{"cause:upstream_5xx", "payments"},
		{"root:not_running", "api-1"},
		{"group:api", "api-1,search"},
		{"group:pa*", "payments"},
		{"group:a", ""},
		{"gateway:nginx", "api-1"},
		{"gateway:nginx-2", "payments"},
		{"gateway:nginx*", "api-1,payments"},
		{"name:billing", "Billing"},
		{"addr:10.0.0.*", "api-1,payments"},
		{"address:*:80", "search"},
		{"instance:eu-*", "api-1,payments"},
		{"!instance:eu-1", "payments,search,Billing"},
		// comparisons, on the overview's 5-minute figures
		{"5xx>2%", "api-1"},
		{"5xx>=2%", "api-1,payments"},
		{"5xx>=2", "api-1,payments"},
		{"5xx=0%", "search"},
		{"5xx<1%", "search"}, // Billing has no requests: no data, no match
		{"rate_5xx>50%", "api-1"},
		{"p95>500ms", "payments"},
		{"p95>=500ms", "payments,search"},
		{"p95>0.5s", "payments"},
		{"p95>500", "payments"},
		{"p95<1ms", ""},
		{"p95<3ms", "api-1"},
		{"p99>1.5s", "payments"},
		{"p99 > 1.5s", "payments"},
		{"p99 >1.5s", "payments"},
		{"p99> 1.5s", "payments"},
		{"p50<=20ms", "api-1,search"},
		{"p50!=20ms", "api-1,payments"},
		{"p50==20ms", "search"},
		{"p95>400000us", "payments,search"},
		{"p99>1m", ""},
		{"p99<1h", "api-1,payments,search"},
		{"p99>1s500ms", "payments"},
		{"rps<1", "search,Billing"},
		{"rps>=2/s", "api-1,payments"},
		{"req>=600", "api-1,payments"},
		{"requests<1", "Billing"},
		{"!5xx>2%", "payments,search,Billing"},
		// and, or
		{"group:api state:up", "search"},
		{"group:api p95>2ms", "api-1,search"},
		{"state:down | state:degraded", "api-1,payments"},
		{"state:down|state:degraded", "api-1,payments"},
		{"state:down | group:api p95>400ms | bill", "api-1,search,Billing"},
	} {
		f, err := Parse(tc.expr)
		if err != nil {
			t.Errorf("Parse(%q): %v", tc.expr, err)
			continue
		}
		if got := names(f); got != tc.want {
			t.Errorf("%q matched %q, want %q", tc.expr, got, tc.want)
		}
		if f.String() != tc.expr {
			t.Errorf("String() = %q, want %q", f.String(), tc.expr)
		}
	}
}

func TestNilMatchesAll(t *testing.T) {
	var f *Filter
	u := ups()[0]
	if !f.Match(&u) || !f.Empty() || f.String() != "" {
		t.Fatal("a nil filter matches everything")
	}
}

func TestErrors(t *testing.T) {
	for _, tc := range []struct {
		expr string
		pos  int
		want string
	}{
		{"p95>abc", 1, "p95>abc at 1: not a duration (want 500ms, 1.5s)"},
		{"state:down p95>abc", 12, "p95>abc at 12: not a duration"},
		{"p95 > abc", 1, "p95>abc at 1: not a duration"},
		{"5xx>lots", 1, "5xx>lots at 1: not a percentage (want 2%, 0.5%)"},
		{"5xx>200%", 1, "5xx>200% at 1: 200% is more than 100%"},
		{"5xx>-1%", 1, "not a percentage"},
		{"p95>NaN", 1, "not a duration"},
		{"p95>inf", 1, "not a duration"},
		{"p95>0x10", 1, "not a duration"},
		{"p95>-1s", 1, "not a duration"},
		{"p95>1d", 1, "not a duration"},
		{"rps<fast", 1, "rps<fast at 1: not a rate"},
		{"req>many", 1, "not a number of requests"},
		{"p95", 1, "p95 at 1: want an operator after p95"},
		{"p95>", 1, "p95> at 1: want a value after > (a duration: 500ms, 1.5s)"},
		{"api p95>=", 5, "want a value after >="},
		{"state:sleeping", 1, "state:sleeping at 1: unknown state: want up, degraded, down, unknown"},
		{"state:", 1, "empty value after state:"},
		{"cause:timeout", 1, "cause:timeout at 1: unknown cause: want refused, connect_timeout"},
		{"root:gremlins", 1, "unknown root: want not_running"},
		{"instance:", 1, "instance: at 1: empty value after instance:"},
		{"/api", 1, "/api at 1: regex not closed"},
		{"x /a(/", 3, "/a(/ at 3: bad regex: missing closing ): `a(`"},
		{"//", 1, "// at 1: empty regex"},
		{"/" + strings.Repeat("a", MaxRegexLen+1) + "/", 1, "regex longer than 256 bytes"},
		{"!", 1, "! at 1: ! needs a term after it"},
		{"!!api", 1, "one ! is enough"},
		{"| api", 1, "| at 1: nothing before |"},
		{"api |", 5, "| at 5: nothing after |"},
		{"api || web", 6, "| at 6: nothing before |"},
		{strings.Repeat("a ", MaxTerms+1), 2*MaxTerms + 1, "more than 64 terms"},
		{strings.Repeat("a", MaxLen+1), MaxLen + 1, "longer than 4096 bytes"},
	} {
		_, err := Parse(tc.expr)
		if err == nil {
			t.Errorf("Parse(%.40q) should fail", tc.expr)
			continue
		}
		fe, ok := err.(*Error)
		if !ok {
			t.Errorf("Parse(%.40q): %T, want *Error", tc.expr, err)
			continue
		}
		if fe.Pos != tc.pos || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Parse(%.40q) = %q (pos %d), want %q at %d", tc.expr, err, fe.Pos, tc.want, tc.pos)
		}
	}
}

// FuzzParse: any input parses or fails with a positioned error, never
// panics, and a parsed filter evaluates on every fixture upstream quickly.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"pay", "!api", "/^api-[0-9]+$/", "state:down | 5xx>2% p95>500ms", "p99 > 1.5s", "cause:refused root:not_running",
		"group:a*b*c", "gateway:nginx-2", "rps<1 req>=100", "/a|b c/", "!/x/", "p95>abc", "/(a{1000}){1000}/",
		"addr:*:*:*:*:*:*:*:*", "||", "! |", "5xx>=", "5xx", "/\\/", "instance:x",
	} {
		f.Add(s)
	}
	us := ups()
	f.Fuzz(func(t *testing.T, s string) {
		flt, err := Parse(s)
		if err != nil {
			fe, ok := err.(*Error)
			if !ok {
				t.Fatalf("%T, want *Error", err)
			}
			if fe.Pos < 1 || fe.Pos > len(s)+1 || fe.Msg == "" {
				t.Fatalf("error %q: position %d outside 1..%d", err, fe.Pos, len(s)+1)
			}
			return
		}
		for i := range us {
			flt.Match(&us[i])
		}
	})
}

// BenchmarkWorst is the costliest expression the limits allow on a long
// name: 64 wildcard globs and regexes (RE2 is linear; the glob has one
// backtrack point), so no input takes pathological time.
func BenchmarkWorst(b *testing.B) {
	var terms []string
	for i := 0; i < MaxTerms/2; i++ {
		terms = append(terms, "name:"+strings.Repeat("*a", 15)+"b", "/"+strings.Repeat("(a|aa)*", 10)+"b/")
	}
	expr := strings.Join(terms, " | ")
	u := model.Upstream{Name: strings.Repeat("a", 256), Address: strings.Repeat("a", 256)}
	b.ResetTimer()
	for b.Loop() {
		f, err := Parse(expr)
		if err != nil {
			b.Fatal(err)
		}
		if f.Match(&u) {
			b.Fatal("should not match")
		}
	}
}

// BenchmarkMatch is a typical overview filter on 1000 upstreams.
func BenchmarkMatch(b *testing.B) {
	f, err := Parse("group:api | state:down 5xx>2% p95>500ms | !pay")
	if err != nil {
		b.Fatal(err)
	}
	var us []model.Upstream
	for i := 0; i < 250; i++ {
		us = append(us, ups()...)
	}
	b.ResetTimer()
	for b.Loop() {
		for i := range us {
			f.Match(&us[i])
		}
	}
}
