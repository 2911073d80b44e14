package ui

import (
	"strings"
	"testing"
	"time"

	"github.com/gwtop/gwtop/model"
)

func TestCauseHint(t *testing.T) {
	live := model.Upstream{StateReason: "probe failing: refused", Causes: []model.CauseRank{
		{Code: model.CauseRefused, Count: 42, Total: 50, Hint: "nothing listens on 10.0.0.5:80"},
		{Code: model.CauseReset, Count: 1, Total: 1},
	}}
	if got := causeHint(&live); got != "refused ×42 · nothing listens on 10.0.0.5:80 (+1)" {
		t.Errorf("live cause: %q", got)
	}
	old := model.Upstream{StateReason: "probe passing", Causes: []model.CauseRank{
		{Code: model.CauseRefused, Count: 0, Total: 7, Hint: "nothing listens", LastSeen: time.Date(2026, 11, 22, 2, 14, 0, 0, time.Local)},
	}}
	got := causeHint(&old)
	if !strings.HasPrefix(got, "probe passing · earlier: refused ×7 (last 02:14)") || strings.Contains(got, "×0") {
		t.Errorf("old cause: %q", got)
	}
	none := model.Upstream{StateReason: "no traffic, probe or status seen yet"}
	if got := causeHint(&none); got != none.StateReason {
		t.Errorf("no cause: %q", got)
	}
}

// TestHeaderTimeWait: from half the ephemeral port range on, the header
// says how many ports TIME_WAIT holds; below that it takes no room.
func TestHeaderTimeWait(t *testing.T) {
	snap := *fixtureSnapshot()
	snap.Host.EphemeralPorts = 28232
	snap.Host.TCPStates = map[string]int{"TIME_WAIT": 100}
	if out := plain(newTestModel(200, 30, "dark", &snap)); strings.Contains(out, "TIME_WAIT") {
		t.Errorf("TIME_WAIT shown at 100 of 28232:\n%s", out)
	}
	snap.Host.TCPStates = map[string]int{"TIME_WAIT": 25000}
	if out := plain(newTestModel(200, 30, "dark", &snap)); !strings.Contains(out, "TIME_WAIT 25.0k/28.2k ports") {
		t.Errorf("TIME_WAIT not shown at 25000 of 28232:\n%s", out)
	}
}
