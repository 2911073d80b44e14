package render

import (
	"math"
	"reflect"
	"testing"
)

func TestChart(t *testing.T) {
	nan := math.NaN()
	// hi=16 over 2 rows: 16 eighths, so 4 is half a cell, 8 a full bottom
	// cell, 12 a full bottom and half a top, 16 both full; 20 is clipped.
	got := Chart([]float64{0, nan, 0.01, 4, 8, 12, 16, 20}, 2, 16)
	want := []string{
		"     ▄██",
		"  ▁▄████",
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Chart = %q, want %q", got, want)
	}
	if got := Chart([]float64{1, 2}, 0, 2); got != nil {
		t.Fatalf("zero height = %q", got)
	}
	if got := Chart([]float64{5}, 1, 0); got[0] != " " {
		t.Fatalf("hi 0 should draw nothing, got %q", got)
	}
	if got := ASCII.Fold(Chart([]float64{4, 8}, 1, 8)[0]); got != "-#" {
		t.Fatalf("ASCII chart = %q", got)
	}
}

func TestChartMax(t *testing.T) {
	if got := ChartMax([]float64{math.NaN(), 0.002, 0.004}, 0.01); got != 0.01 {
		t.Fatalf("floor: %v", got)
	}
	if got := ChartMax([]float64{3, math.NaN(), 7, 2}, 1); got != 7 {
		t.Fatalf("max: %v", got)
	}
}
