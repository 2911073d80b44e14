package diagnose

import (
	"strings"
	"testing"
	"time"

	"github.com/gwtop/gwtop/model"
)

func TestEveryCauseHasHintAndNextStep(t *testing.T) {
	targets := []Target{
		{Name: "api", Address: "10.0.0.12:8080"},
		{Name: "php", Address: "unix:/run/php/php-fpm.sock"},
		{Name: "backend", Address: "backend"},
	}
	for _, c := range model.AllCauses() {
		for _, tg := range targets {
			h, n := Hint(c, tg)
			if h == "" || n == "" {
				t.Errorf("%s on %s: empty hint %q or next step %q", c, tg.Address, h, n)
			}
		}
	}
	if h, n := Hint(model.CauseRefused, targets[0]); !strings.Contains(h, "10.0.0.12:8080") || !strings.Contains(n, "grep :8080") {
		t.Errorf("refused hint does not name the address and port: %q / %q", h, n)
	}
	if h, _ := Hint(model.CauseRefused, targets[1]); !strings.Contains(h, "/run/php/php-fpm.sock") {
		t.Errorf("unix refused hint: %q", h)
	}
	if _, n := Hint(model.CauseConnectTimeout, targets[0]); !strings.Contains(n, "nc -vz -w 2 10.0.0.12 8080") {
		t.Errorf("connect timeout next step: %q", n)
	}
	if h, _ := Hint(model.Cause("nonsense"), targets[0]); h != "" {
		t.Errorf("unknown cause got a hint %q", h)
	}
}

func TestRank(t *testing.T) {
	now := time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC)
	tg := Target{Name: "api", Address: "127.0.0.1:9000"}
	cases := []struct {
		name string
		ev   []Evidence
		want []model.Cause
	}{
		{"empty", nil, nil},
		{"recent beats older bigger", []Evidence{
			{Code: model.CauseReadTimeout, Count5m: 30, Count1m: 0, Total: 30, LastSeen: now.Add(-3 * time.Minute)},
			{Code: model.CauseRefused, Count5m: 10, Count1m: 10, Total: 10, LastSeen: now},
		}, []model.Cause{model.CauseRefused, model.CauseReadTimeout}},
		{"inferred ranks below direct", []Evidence{
			{Code: model.CauseGatewayLimits, Count5m: 8, Count1m: 8, Total: 8, LastSeen: now, Inferred: true},
			{Code: model.CausePrematureClose, Count5m: 4, Count1m: 4, Total: 4, LastSeen: now.Add(-time.Second)},
		}, []model.Cause{model.CausePrematureClose, model.CauseGatewayLimits}},
		{"tie goes to most recent", []Evidence{
			{Code: model.CauseReset, Count5m: 2, Count1m: 2, Total: 2, LastSeen: now.Add(-time.Second)},
			{Code: model.CausePrematureClose, Count5m: 2, Count1m: 2, Total: 2, LastSeen: now},
		}, []model.Cause{model.CausePrematureClose, model.CauseReset}},
		{"old causes kept after live ones", []Evidence{
			{Code: model.CauseDNS, Total: 50, LastSeen: now.Add(-time.Hour)},
			{Code: model.CauseTLS, Count5m: 1, Total: 1, LastSeen: now},
			{Code: model.CauseRefused},
		}, []model.Cause{model.CauseTLS, model.CauseDNS}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := Rank(tg, c.ev)
			if len(got) != len(c.want) {
				t.Fatalf("got %d causes %+v, want %v", len(got), got, c.want)
			}
			for i := range got {
				if got[i].Code != c.want[i] {
					t.Errorf("rank %d = %s, want %s", i, got[i].Code, c.want[i])
				}
				if got[i].Hint == "" || got[i].NextStep == "" {
					t.Errorf("rank %d has no hint", i)
				}
			}
		})
	}
}

func TestState(t *testing.T) {
	ok := model.ProbeResult{OK: true}
	refused := model.ProbeResult{Cause: model.CauseRefused}
	cases := []struct {
		name string
		s    Signals
		want model.State
		why  string
	}{
		{"nothing", Signals{}, model.StateUnknown, "no traffic"},
		{"status page down", Signals{StatusDown: true, StatusWhy: "DOWN", Probes: []model.ProbeResult{ok}}, model.StateDown, "status page: DOWN"},
		{"only probe failed", Signals{Probes: []model.ProbeResult{refused}}, model.StateDown, "refused"},
		{"two failed probes", Signals{Probes: []model.ProbeResult{ok, refused, refused}}, model.StateDown, "probe failing: refused"},
		{"probes fail, traffic mostly fine", Signals{Probes: []model.ProbeResult{ok, refused, refused}, Requests1m: 100, Errors5xx1m: 20}, model.StateDegraded, "20 of 100"},
		{"probes fail, traffic mostly failing", Signals{Probes: []model.ProbeResult{refused, refused}, Requests1m: 100, Errors5xx1m: 60}, model.StateDown, "probe failing"},
		{"one blip", Signals{Probes: []model.ProbeResult{ok, ok, refused}}, model.StateDegraded, "1 of the last 3 probes"},
		{"old blip", Signals{Probes: []model.ProbeResult{refused, ok, ok}}, model.StateDegraded, "probes failed"},
		{"all 5xx", Signals{Requests1m: 10, Errors5xx1m: 10, TopCause: model.CauseUpstream5xx}, model.StateDown, "100% of 10 requests"},
		{"90 percent", Signals{Requests1m: 10, Errors5xx1m: 9}, model.StateDown, "90%"},
		{"too few to call down", Signals{Requests1m: 3, Errors5xx1m: 3, Seen5m: true}, model.StateDegraded, "3 of 3"},
		{"some 5xx", Signals{Requests1m: 100, Errors5xx1m: 3, Probes: []model.ProbeResult{ok}}, model.StateDegraded, "3 of 100"},
		{"error log only", Signals{Failures1m: 4, Seen5m: true, TopCause: model.CauseDNS}, model.StateDown, "no success seen (dns)"},
		{"few failures", Signals{Failures1m: 2, Seen5m: true, TopCause: model.CauseReset}, model.StateDegraded, "(reset)"},
		{"one refused at 3 a.m.", Signals{Failures1m: 1, HardFailures1m: 1, Requests1m: 1, Errors5xx1m: 1, Seen5m: true, TopCause: model.CauseRefused}, model.StateDown, "every attempt in the last minute failed (1) (refused)"},
		{"two dns failures", Signals{Failures1m: 2, HardFailures1m: 2, Seen5m: true, TopCause: model.CauseDNS}, model.StateDown, "every attempt"},
		{"one refused, one timeout", Signals{Failures1m: 2, HardFailures1m: 1, Requests1m: 2, Errors5xx1m: 2, Seen5m: true}, model.StateDegraded, "2 of 2"},
		{"one refused among successes", Signals{Failures1m: 1, HardFailures1m: 1, Requests1m: 3, Errors5xx1m: 1, Seen5m: true}, model.StateDegraded, "1 of 3"},
		{"one refused, probe passed", Signals{Failures1m: 1, HardFailures1m: 1, Probes: []model.ProbeResult{ok}}, model.StateDegraded, "1 failures"},
		{"failures but successes", Signals{Failures1m: 9, Requests1m: 100, Errors5xx1m: 0, Seen5m: true}, model.StateDegraded, "9 failures"},
		{"failures but probe ok", Signals{Failures1m: 9, Probes: []model.ProbeResult{ok}}, model.StateDegraded, "9 failures"},
		{"probe ok", Signals{Probes: []model.ProbeResult{ok}}, model.StateUp, "probe passing"},
		{"traffic ok", Signals{Requests1m: 50, Seen5m: true}, model.StateUp, "traffic"},
		{"traffic ok exact", Signals{Requests1m: 1, Seen5m: true}, model.StateUp, "serving traffic without errors"},
		{"idle but seen", Signals{Seen5m: true}, model.StateUp, "idle: seen, no requests in the last minute"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, why := State(c.s)
			if got != c.want || !strings.Contains(why, c.why) {
				t.Errorf("State = %s %q, want %s containing %q", got, why, c.want, c.why)
			}
		})
	}
}

func TestGroupHint(t *testing.T) {
	if h, n := GroupHint("api", nil, Knobs{}); h != "" || n != "" {
		t.Errorf("no members: %q %q", h, n)
	}
	h, n := GroupHint("api", []Member{{Name: "a", State: model.StateDown, Cause: model.CauseRefused}, {Name: "b", State: model.StateDown, Cause: model.CauseReadTimeout}}, Knobs{})
	if !strings.Contains(h, "a down (refused), b down (read_timeout)") || !strings.Contains(n, "servers' own causes") {
		t.Errorf("mixed: %q %q", h, n)
	}
	_, n = GroupHint("api", []Member{{Name: "a", State: model.StateDown, Cause: model.CauseTLS}, {Name: "b", State: model.StateUnknown}}, Knobs{Passive: "max_fails/fail_timeout"})
	if !strings.Contains(n, "fail with tls") || !strings.Contains(n, "max_fails/fail_timeout") {
		t.Errorf("one cause: %q", n)
	}
}

// TestInferredAnswersExplainedAway: 5xx guessed to be the upstream's own
// answers are not listed when stated failures account for them (Apache's
// 503 for a refused backend, whose error log says refused), and stay when
// nothing else explains them (an application's own 500s).
func TestInferredAnswersExplainedAway(t *testing.T) {
	guess := Evidence{Code: model.CauseUpstream5xx, Count5m: 100, Total: 100, Source: "access_log", Inferred: true}
	refused := Evidence{Code: model.CauseRefused, Count5m: 101, Total: 101, Source: "error_log"}
	if got := Rank(Target{Address: "a:1"}, []Evidence{guess, refused}); len(got) != 1 || got[0].Code != model.CauseRefused {
		t.Errorf("explained: %+v", got)
	}
	lagging := refused
	lagging.Count5m, lagging.Total = 85, 85 // the error log a few lines behind
	if got := Rank(Target{Address: "a:1"}, []Evidence{guess, lagging}); len(got) != 1 {
		t.Errorf("explained, error log lagging: %+v", got)
	}
	few := refused
	few.Count5m, few.Total = 10, 10
	if got := Rank(Target{Address: "a:1"}, []Evidence{guess, few}); len(got) != 2 || got[0].Code != model.CauseUpstream5xx {
		t.Errorf("partly explained: %+v", got)
	}
	if got := Rank(Target{Address: "a:1"}, []Evidence{guess}); len(got) != 1 || got[0].Code != model.CauseUpstream5xx {
		t.Errorf("alone: %+v", got)
	}
	stated := guess
	stated.Inferred = false
	if got := Rank(Target{Address: "a:1"}, []Evidence{stated, refused}); len(got) != 2 {
		t.Errorf("a stated upstream_5xx is never dropped: %+v", got)
	}
}
