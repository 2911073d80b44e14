package ui

import (
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/charmbracelet/x/exp/teatest/v2"
)

// TestFilterLanguage: the overview's / takes the filter language, live.
func TestFilterLanguage(t *testing.T) {
	for expr, want := range map[string]string{
		"p95>300ms":                "payments,images-resizer-with-a-very-long-name",
		"state:down":               "search,api",
		"state:down | cause:reset": "search,api,auth",
		"!state:up 5xx<2%":         "auth", // batch has no requests: no 5xx share
		"/^(web|static)$/":         "static,web",
		"group:backend rps>=100":   "static,web",
		"root:exceeds_timeout":     "payments",
		"pay":                      "payments",
	} {
		m := press(newTestModel(120, 40, "dark", fixtureSnapshot()), "/")
		m = typeText(m, expr)
		if got := strings.Join(rowNames(m), ","); got != want {
			t.Errorf("%q: rows %s, want %s", expr, got, want)
		}
		if err := ov(m).FilterError(); err != nil {
			t.Errorf("%q: %v", expr, err)
		}
	}
}

// TestFilterErrorKeepsLastValid: while the expression is invalid its error
// is in the filter line and the table keeps the last valid filter; Enter
// does not leave the input with an error; fixing it applies it.
func TestFilterErrorKeepsLastValid(t *testing.T) {
	m := press(newTestModel(80, 24, "dark", fixtureSnapshot()), "/")
	m = typeText(m, "state:down | cause:rese")
	// The last valid expression was "state:down | cause" (the text
	// "cause" matches no upstream): the rows are still state:down's.
	if got := strings.Join(rowNames(m), ","); got != "search,api" {
		t.Fatalf("rows %s, want the last valid filter's search,api", got)
	}
	const want = "cause:rese at 14: unknown cause: want refused, connect_timeout"
	if err := ov(m).FilterError(); err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("error %v, want %s", err, want)
	}
	if out := plain(m); !strings.Contains(out, "✖ cause:rese at 14: unknown cause") {
		t.Fatalf("the filter line should show the error:\n%s", out)
	}
	m = press(m, "enter")
	if !m.typing() {
		t.Fatal("enter with an error should keep the input open")
	}
	m = typeText(m, "t")
	if got := strings.Join(rowNames(m), ","); got != "search,api,auth" || ov(m).FilterError() != nil {
		t.Fatalf("state:down | cause:reset: rows %s err %v", got, ov(m).FilterError())
	}
	m = press(m, "enter")
	if m.typing() || !strings.Contains(plain(m), "overview /state:down | cause:reset") {
		t.Fatalf("enter keeps a valid filter:\n%s", plain(m))
	}
	m = press(m, "esc")
	if len(ov(m).rows) != 8 || ov(m).FilterError() != nil || ov(m).FilterValue() != "" {
		t.Fatal("esc clears")
	}
	m = typeText(press(m, "/"), "p95>1m")
	if len(ov(m).rows) != 0 || !strings.Contains(plain(m), `no upstream matches "p95>1m" — esc clears the filter`) {
		t.Fatalf("an empty result says so:\n%s", plain(m))
	}
}

// TestGoldenFilter: the overview at 80×24 while typing an invalid
// expression (over the last valid one) and with a comparison.
func TestGoldenFilter(t *testing.T) {
	for name, typed := range map[string]string{
		"error_80x24":   "state:down | cause:refuse",
		"compare_80x24": "p95>300ms | 5xx>50%",
	} {
		t.Run(name, func(t *testing.T) {
			m := press(newTestModel(80, 24, "dark", fixtureSnapshot()), "/")
			m = typeText(m, typed)
			golden.RequireEqual(t, []byte(plain(m)))
		})
	}
}

// TestFlowFilterLanguage runs the real program: an invalid expression
// shows its error and keeps the table, a comparison filters it.
func TestFlowFilterLanguage(t *testing.T) {
	src := &atomicSource{}
	src.p.Store(fixtureSnapshot())
	tm := teatest.NewTestModel(t, New(src, Options{Refresh: 20 * time.Millisecond}),
		teatest.WithInitialTermSize(80, 24),
		teatest.WithProgramOptions(tea.WithColorProfile(colorprofile.ASCII)))
	waitFor(t, tm, "payments")

	tm.Send(keyMsg("/"))
	tm.Type("p95>abc")
	waitFor(t, tm, "not a duration")
	tm.Send(keyMsg("backspace"))
	tm.Send(keyMsg("backspace"))
	tm.Send(keyMsg("backspace"))
	tm.Type("300ms")
	tm.Send(keyMsg("enter"))
	waitFor(t, tm, "/p95>300ms")
	tm.Send(keyMsg("q"))

	final := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(Model)
	if got := strings.Join(rowNames(final), ","); got != "payments,images-resizer-with-a-very-long-name" {
		t.Fatalf("rows %s", got)
	}
	if ov(final).FilterError() != nil || final.typing() {
		t.Fatalf("err %v typing %v", ov(final).FilterError(), final.typing())
	}
}

// FuzzOverviewFilter: whatever is typed into the overview's filter, the
// screen draws within its size, the table shows the rows of the last
// valid expression (all of them when none was), and an invalid one has
// its error on the filter line.
func FuzzOverviewFilter(f *testing.F) {
	for _, s := range []string{"pay", "p95>abc", "state:down | 5xx>2%", "/(/", "!", "\x1b[2J/a/", "cause:refused root:x", "||"} {
		f.Add(s)
	}
	base := newTestModel(80, 24, "dark", fixtureSnapshot())
	f.Fuzz(func(t *testing.T, typed string) {
		m := press(base, "/")
		m = typeText(m, typed)
		out := plain(m)
		lines := strings.Split(out, "\n")
		if len(lines) > 24 {
			t.Fatalf("%d lines", len(lines))
		}
		o := ov(m)
		if err := o.FilterError(); err != nil && !strings.Contains(out, "✖ ") {
			t.Fatalf("error %v not on the filter line:\n%s", err, out)
		}
		for _, r := range o.rows {
			if !o.flt.applied.Match(&o.snap.Upstreams[r]) {
				t.Fatalf("row %s does not match the applied filter %q", o.snap.Upstreams[r].Name, o.flt.applied)
			}
		}
	})
}
