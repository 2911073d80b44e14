package ui

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/gwtop/gwtop/model"
)

// fleetSnapshot is two agents' upstreams of the same names.
func fleetSnapshot() *model.Snapshot {
	s := fixtureSnapshot()
	var ups []model.Upstream
	for _, inst := range []string{"host-a:9922", "host-b:9922"} {
		for _, u := range s.Upstreams {
			u.Instance = inst
			if inst == "host-b:9922" && u.State == model.StateDown {
				u.State, u.Rate5xx = model.StateUp, 0 // only host-a's copy is down
				u.Causes = nil
			}
			ups = append(ups, u)
		}
	}
	s.Upstreams = ups
	return s
}

func TestFleetOverviewInstanceColumnAndGrouping(t *testing.T) {
	snap := fleetSnapshot()
	m := newTestModel(160, 30, "dark", snap)
	view := ansi.Strip(m.View().Content)
	if !strings.Contains(view, "INSTANCE") || strings.Count(view, "host-b:9922") < 2 {
		t.Fatalf("no INSTANCE column with both hosts:\n%s", view)
	}
	ovp := ov(m)
	if len(ovp.rows) != len(snap.Upstreams) {
		t.Fatalf("%d rows, want %d", len(ovp.rows), len(snap.Upstreams))
	}
	m = press(m, "u")
	ovp = ov(m)
	names := map[string]string{}
	for _, r := range ovp.rows {
		u := &snap.Upstreams[r]
		if _, dup := names[u.Name]; dup {
			t.Fatalf("grouped: %s twice", u.Name)
		}
		names[u.Name] = u.Instance
	}
	if len(names)*2 != len(snap.Upstreams) {
		t.Fatalf("grouped rows %v", names)
	}
	for _, u := range snap.Upstreams {
		if u.State == model.StateDown && names[u.Name] != "host-a:9922" {
			t.Errorf("%s: the worst host is host-a (down), shown %s", u.Name, names[u.Name])
		}
	}
	if v := ansi.Strip(m.View().Content); !strings.Contains(v, "by upstream, worst host") {
		t.Errorf("title does not say grouped:\n%s", v)
	}
	m = press(m, "u")
	if len(ov(m).rows) != len(snap.Upstreams) {
		t.Error("u again does not ungroup")
	}
}

// Without instances, u does nothing and no INSTANCE column shows.
func TestOverviewNoInstances(t *testing.T) {
	snap := fixtureSnapshot()
	m := press(newTestModel(160, 30, "dark", snap), "u")
	if v := ansi.Strip(m.View().Content); strings.Contains(v, "INSTANCE") || strings.Contains(v, "worst host") {
		t.Errorf("single host shows fleet parts:\n%s", v)
	}
	if len(ov(m).rows) != len(snap.Upstreams) {
		t.Error("u grouped a single host")
	}
}

// enter on a fleet row opens that host's upstream, named with its host.
func TestFleetDetailNamesHost(t *testing.T) {
	snap := fleetSnapshot()
	m := newTestModel(160, 30, "dark", snap)
	first := snap.Upstreams[ov(m).rows[0]]
	m = press(m, "enter")
	if v := ansi.Strip(m.View().Content); !strings.Contains(v, first.Name+"@"+first.Instance) {
		t.Errorf("detail does not name %s@%s:\n%s", first.Name, first.Instance, v)
	}
}
