package render

import (
	"math"
	"strings"
)

// chartLevels are the eighths of a cell a bar's top can fill, empty first.
var chartLevels = []rune(" ▁▂▃▄▅▆▇█")

// Chart draws series as a column chart height rows tall, one column per
// value, scaled so that hi fills the top row (values above hi are clipped
// to it). NaN is "no data" and draws nothing; zero draws nothing either,
// while any value above zero shows at least the lowest eighth. It returns
// height lines, top first, each exactly len(series) cells. In the ASCII
// glyph set the eighths fold to "_ . : - = + * #".
func Chart(series []float64, height int, hi float64) []string {
	if height <= 0 {
		return nil
	}
	eighths := make([]int, len(series))
	full := height * 8
	for i, v := range series {
		if math.IsNaN(v) || v <= 0 || hi <= 0 {
			continue
		}
		n := int(math.Round(v / hi * float64(full)))
		eighths[i] = min(max(n, 1), full)
	}
	rows := make([]string, height)
	var b strings.Builder
	for r := range height {
		b.Reset()
		b.Grow(len(series) * 3)
		floor := (height - 1 - r) * 8 // eighths below this row
		for _, n := range eighths {
			b.WriteRune(chartLevels[min(max(n-floor, 0), 8)])
		}
		rows[r] = b.String()
	}
	return rows
}

// ChartMax is the top of a chart's scale for series: its largest value,
// but at least floor, so a quiet series (0.1% of 5xx) does not fill the
// chart as if it were an outage. NaNs are skipped.
func ChartMax(series []float64, floor float64) float64 {
	hi := floor
	for _, v := range series {
		if !math.IsNaN(v) && v > hi {
			hi = v
		}
	}
	return hi
}
