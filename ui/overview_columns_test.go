package ui

import "testing"

func TestPlanColumnsFitsAndKeepsEssentials(t *testing.T) {
	for w := MinWidth; w <= 300; w++ {
		cols := planColumns(w, 16, 18)
		total := len(cols) - 1
		for _, c := range cols {
			total += c.width
		}
		if total > w {
			t.Fatalf("width %d: columns take %d cells", w, total)
		}
		for _, id := range []colID{colBadge, colName, col5xx, colCause} {
			if indexCol(cols, id) < 0 {
				t.Fatalf("width %d: essential column %d dropped", w, id)
			}
		}
	}
	if got := len(planColumns(200, 16, 18)); got != 11 {
		t.Fatalf("200 columns should show every column, got %d", got)
	}
	narrow := planColumns(60, 16, 18)
	if indexCol(narrow, colAddr) >= 0 {
		t.Fatalf("address should drop first on a narrow terminal: %+v", narrow)
	}
}
