package render

import "strings"

var sparkLevels = []rune("▁▂▃▄▅▆▇█")

// Sparkline draws the last width values of series as block characters scaled
// to the series' own maximum (zero is the baseline). It returns exactly width
// cells: a short series is left-padded with spaces so "now" is always at the
// right edge.
func Sparkline(series []float64, width int) string {
	if width <= 0 {
		return ""
	}
	if len(series) > width {
		series = series[len(series)-width:]
	}
	hi := 0.0
	for _, v := range series {
		if v > hi {
			hi = v
		}
	}
	var b strings.Builder
	b.Grow(width * 3)
	for range width - len(series) {
		b.WriteByte(' ')
	}
	top := len(sparkLevels) - 1
	for _, v := range series {
		i := 0
		if hi > 0 && v > 0 {
			i = int(v / hi * float64(top))
			if i > top {
				i = top
			}
			if i == 0 {
				i = 1 // any non-zero value shows above the baseline
			}
		}
		b.WriteRune(sparkLevels[i])
	}
	return b.String()
}
