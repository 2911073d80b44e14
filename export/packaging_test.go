package export

import (
	"encoding/json"
	"os"
	"regexp"
	"testing"
)

// The Grafana dashboard in packaging/ queries only metrics the collector
// emits (a histogram's _bucket series by its name).
func TestDashboardNamesExportedMetrics(t *testing.T) {
	b, err := os.ReadFile("../packaging/grafana-dashboard.json")
	if err != nil {
		t.Fatal(err)
	}
	var d struct {
		Panels []struct {
			Targets []struct{ Expr string } `json:"targets"`
		} `json:"panels"`
	}
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatal(err)
	}
	have := map[string]bool{"up": true}
	for _, mf := range gather(t, fixture()) {
		have[mf.GetName()] = true
		have[mf.GetName()+"_bucket"] = true
	}
	n := 0
	for _, p := range d.Panels {
		for _, tg := range p.Targets {
			for _, name := range regexp.MustCompile(`\b(gwtop_[a-z0-9_]+|up)\{`).FindAllStringSubmatch(tg.Expr, -1) {
				n++
				if !have[name[1]] {
					t.Errorf("dashboard queries %s, which gwtop does not export", name[1])
				}
			}
		}
	}
	if n < 8 {
		t.Errorf("only %d metric references in the dashboard", n)
	}
}
