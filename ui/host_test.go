package ui

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/gwtop/gwtop/model"
)

func TestHostPaneOpensClosesAndShowsTheLimits(t *testing.T) {
	m := press(newTestModel(120, 40, "dark", fixtureSnapshot()), "h")
	if topName(m) != "host" || len(m.stack) != 2 {
		t.Fatalf("h should open the host pane: %s, %d panes", topName(m), len(m.stack))
	}
	out := plain(m)
	for _, want := range []string{
		"CPU 4 cores", "cpu3 ██████░░░░  63%", "0.30 per core",
		"5.6G of 7.9G", "205M of 2.0G",
		"9120 of 28.2k ephemeral ports",
		"813 worker   23.5     48M     870    1024  85%! └ nginx", // at 85 % of its files: marked
		"815 worker    9.0     45M       ?    1024     — └ nginx", // fds unreadable: unknown, no share
		"near a limit: nginx 813 at 85% of open files",
		"overview › host", "4 processes",
	} {
		if !strings.Contains(out, want) {
			t.Fatalf("host pane is missing %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "812 master    0.1     12M      42    1024    4%!") {
		t.Fatal("a process far from its limit must not be marked")
	}
	if topName(press(m, "h")) != "overview" || topName(press(m, "esc")) != "overview" {
		t.Fatal("h again or esc should close the host pane")
	}
	// From the detail, h stacks the host over it and esc comes back.
	d := press(newTestModel(120, 40, "dark", fixtureSnapshot()), "j", "enter", "h")
	if topName(d) != "host" || topName(press(d, "esc")) != "detail" {
		t.Fatalf("h from the detail: %s", topName(d))
	}
}

func TestHostPaneFollowsSnapshotsAndScrolls(t *testing.T) {
	m := press(newTestModel(80, 12, "dark", fixtureSnapshot()), "h")
	next := fixtureSnapshot()
	next.Host.CPUs = make([]float64, 64)
	next.Host.CPUs[47] = 99
	next.Host.Load1 = 80
	next.Host.ProcessesOmitted = 7
	m = update(m, tea.WindowSizeMsg{Width: 120, Height: 60})
	m = update(m, SnapshotMsg{Snapshot: next})
	out := plain(m)
	for _, want := range []string{"CPU 64 cores", "cpu47 ██████████  99%", "load 80.0 on 64 cores", "+7 more not shown", "4 processes +7 not shown"} {
		if !strings.Contains(out, want) {
			t.Fatalf("after the new snapshot, missing %q:\n%s", want, out)
		}
	}
	m = update(m, tea.WindowSizeMsg{Width: 80, Height: 12})
	hp := m.top().(*hostPane)
	m = press(m, "j", "j", "j")
	if hp.vp.YOffset() != 3 {
		t.Fatalf("j should scroll the host pane, offset %d", hp.vp.YOffset())
	}
	m = press(m, "G")
	if !strings.Contains(plain(m), "+7 more not shown") {
		t.Fatalf("G should reach the end of the process list:\n%s", plain(m))
	}
}

func TestHostPaneWithoutProcessesOrData(t *testing.T) {
	m := press(newTestModel(80, 24, "dark", nil), "h")
	if !strings.Contains(plain(m), "waiting for the first snapshot") {
		t.Fatalf("before data:\n%s", plain(m))
	}
	snap := fixtureSnapshot()
	snap.Host = model.Host{CPUPercent: 95, MemPercent: 20, Error: "processes: permission denied"}
	m = update(m, SnapshotMsg{Snapshot: snap})
	out := plain(m)
	for _, want := range []string{"no gateway process found", "none configured", "no TCP table read", "near a limit: CPU 95%", "processes: permission denied"} {
		if !strings.Contains(out, want) {
			t.Fatalf("missing %q:\n%s", want, out)
		}
	}
}

// TestEveryRegisteredPane: each registry entry's key opens a pane titled
// after it, the key again closes it, and the help pane lists the key and
// every key the pane itself answers to.
func TestEveryRegisteredPane(t *testing.T) {
	base := newTestModel(120, 40, "dark", fixtureSnapshot())
	helpView := plain(press(base, "?"))
	for i, o := range paneRegistry {
		k := base.common.Keys.Panes[i]
		m := press(base, k.Keys()[0])
		if m.stack.top().name != o.name || m.top().Title() != o.name {
			t.Errorf("%s: key %q opened %q", o.name, k.Keys()[0], m.top().Title())
		}
		if !strings.Contains(helpView, k.Help().Key+" "+k.Help().Desc) {
			t.Errorf("help does not list %q", k.Help().Key+" "+k.Help().Desc)
		}
		for _, group := range m.top().FullHelp() {
			for _, b := range group {
				if !strings.Contains(helpView, b.Help().Desc) {
					t.Errorf("%s answers to %q, which help does not list", o.name, b.Help().Desc)
				}
			}
		}
		if len(press(m, k.Keys()[0]).stack) != 1 {
			t.Errorf("%s: the key again should close it", o.name)
		}
	}
}
