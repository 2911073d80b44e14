package ui

import (
	"fmt"
	"testing"

	"github.com/gwtop/gwtop/model"
	"github.com/gwtop/gwtop/themes"
)

func measured(name, addr int) measuredWidths {
	var mw measuredWidths
	mw[colName], mw[colAddr] = name, addr
	return mw
}

func TestPlanColumnsFitsAndKeepsEssentials(t *testing.T) {
	for w := MinWidth; w <= 300; w++ {
		cols := planColumns(w, measured(16, 18))
		total := len(cols) - 1
		for _, c := range cols {
			total += c.width
		}
		if total > w {
			t.Fatalf("width %d: columns take %d cells", w, total)
		}
		if w >= 60 && total != w {
			t.Fatalf("width %d: columns take %d cells, the cause column should fill the rest", w, total)
		}
		for _, id := range []colID{colBadge, colName, col5xx, colCause} {
			if indexCol(cols, id) < 0 {
				t.Fatalf("width %d: essential column %d dropped", w, id)
			}
		}
	}
	if got := len(planColumns(200, measured(16, 18))); got != int(numCols) {
		t.Fatalf("200 columns should show every column, got %d", got)
	}
	narrow := planColumns(60, measured(16, 18))
	if indexCol(narrow, colAddr) >= 0 {
		t.Fatalf("address should drop first on a narrow terminal: %+v", narrow)
	}
	// At 200 cells the cause grows to its maximum first, then the trend.
	wide := planColumns(200, measured(16, 18))
	if c := wide[indexCol(wide, colCause)]; c.width < columns[colCause].growMax {
		t.Fatalf("cause should reach %d before the trend grows: %+v", columns[colCause].growMax, wide)
	}
}

func TestMeasureColumns(t *testing.T) {
	ups := []model.Upstream{{Name: "a", Address: "1.2.3.4:80"}, {Name: "a-rather-long-upstream-name-indeed", Address: "x"}}
	mw := measureColumns(ups)
	if mw[colName] != columns[colName].measureMax || mw[colAddr] != 10 || mw[colCause] != 0 {
		t.Fatalf("measured %v", mw)
	}
	if mw := measureColumns(nil); mw[colName] != 8 {
		t.Fatalf("no data: name width %d, want its own 8", mw[colName])
	}
}

// TestColumnCells has one case per column: the text a fixture upstream
// shows in it, and for sortable columns which of two upstreams comes first.
// A column added to the table without a case here fails the test.
func TestColumnCells(t *testing.T) {
	s := themes.New("dark", true)
	p := newRowPaints(&s)
	snap := fixtureSnapshot()
	api, web := &snap.Upstreams[1], &snap.Upstreams[0]
	api.Gateway, web.Gateway = "nginx@2", "nginx"
	api.Instance = "host-a:9922"
	cases := map[colID]struct {
		text  string
		first *model.Upstream // of api and web, under this column's sort
	}{
		colBadge:    {"✖", api},
		colName:     {"api", api},
		colInstance: {"host-a:9922", nil},
		colAddr:     {"10.0.0.5:8000", nil},
		colGateway:  {"nginx@2", nil},
		colReqs:     {"10.0", web},
		col5xx:      {"98.3%", api},
		colP50:      {"1.1ms", nil},
		colP95:      {"2.4ms", web},
		colP99:      {"3.9ms", nil},
		colProbe:    {"✖ refused", nil},
		colSpark:    {"█▄▆█▄▆█▄▆█", nil},
		colCause:    {"refused ×2950 · nothing listens at that address: the service is stopped, crashed or still starting (+1)", nil},
	}
	for id := range columns {
		d := &columns[id]
		want, ok := cases[colID(id)]
		if !ok {
			t.Errorf("column %d (%q) has no test case", id, d.title)
			continue
		}
		if got, _ := d.cell(&p, api, 10); got != want.text {
			t.Errorf("%q: cell %q, want %q", d.title, got, want.text)
		}
		if (d.less != nil) != (d.sortRank > 0) || (d.sortRank > 0) != (d.sortName != "") {
			t.Errorf("%q: a sortable column needs a rank, a name and an order", d.title)
		}
		if d.less == nil {
			if want.first != nil {
				t.Errorf("%q: expected to sort", d.title)
			}
			continue
		}
		second := web
		if want.first == web {
			second = api
		}
		if d.less(want.first, second) >= 0 {
			t.Errorf("%q: %s should sort before %s", d.title, want.first.Name, second.Name)
		}
	}
	// A probe that answered shows its total time; the phases are the
	// detail pane's.
	if got, _ := columns[colProbe].cell(&p, web, probeWidth); got != "3.3ms" {
		t.Errorf("PROBE of a probe that answered: %q, want its total 3.3ms", got)
	}
	// Cells that depend on missing data.
	bare := &model.Upstream{State: model.StateUnknown, StateReason: "no traffic"}
	for id, want := range map[colID]string{colProbe: "—", colSpark: "", colCause: "no traffic", col5xx: "—", colP95: "—"} {
		if got, _ := columns[id].cell(&p, bare, 10); got != want {
			t.Errorf("%q without data: %q, want %q", columns[id].title, got, want)
		}
	}
}

func TestSortCycle(t *testing.T) {
	var names []string
	id := sortCycle[0]
	for range sortCycle {
		names = append(names, sortName(id))
		id = nextSort(id)
	}
	if got := fmt.Sprint(names); got != "[severity name 5xx rate p95 req/s]" {
		t.Fatalf("cycle %s", got)
	}
	if id != colBadge {
		t.Fatal("the cycle should come back to severity")
	}
}

// TestGatewayColumnOnlyWithSeveralGateways: GATEWAY is planned only when the
// rows come from more than one gateway instance.
func TestGatewayColumnOnlyWithSeveralGateways(t *testing.T) {
	ups := []model.Upstream{{Name: "a", Address: "10.0.0.1:80", Gateway: "nginx"}, {Name: "a", Address: "10.0.0.1:80", Gateway: "nginx"}}
	if cols := planColumns(200, measureColumns(ups)); indexCol(cols, colGateway) >= 0 {
		t.Error("one gateway: GATEWAY shown")
	}
	ups[1].Gateway = "haproxy"
	cols := planColumns(200, measureColumns(ups))
	if i := indexCol(cols, colGateway); i < 0 || cols[i].width < len("haproxy") {
		t.Errorf("two gateways: GATEWAY %+v", cols)
	}
	if cols := planColumns(40, measureColumns(ups)); indexCol(cols, colGateway) >= 0 {
		t.Error("40 columns: GATEWAY kept before the cause")
	}
}
