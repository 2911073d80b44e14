package render

import (
	"math"
	"strings"

	"github.com/gwtop/gwtop/model"
)

// Gauge splits width cells into a filled and an empty run for frac (0..1),
// so the caller can style each run. frac is clamped.
func Gauge(frac float64, width int) (full, empty string) {
	if width <= 0 {
		return "", ""
	}
	if math.IsNaN(frac) || frac < 0 {
		frac = 0
	}
	if frac > 1 {
		frac = 1
	}
	n := int(math.Round(frac * float64(width)))
	return strings.Repeat("█", n), strings.Repeat("░", width-n)
}

// Phase segments of a probe, in drawing order.
const (
	PhaseDNS = iota
	PhaseConnect
	PhaseTLS
	PhaseWait
	PhaseTransfer
	NumPhases
)

// PhaseNames label the stacked bar's legend. "first byte" is the wait for
// it once the request is sent: the segment between TLS and transfer.
var PhaseNames = [NumPhases]string{"DNS", "connect", "TLS", "first byte", "transfer"}

// PhaseGlyphs give each segment its own texture, so the bar reads in
// no-colour mode too.
var PhaseGlyphs = [NumPhases]string{"░", "▒", "▓", "█", "▚"}

// PhaseParts turns probe timings into the durations of the stacked bar.
// TTFB is time to first byte from the start of the request, so the waiting
// segment is what remains after dns, connect and tls, and transfer is
// total − ttfb. A probe that never got a first byte (TTFB 0: refused, timed
// out, reset) spent the rest of its time waiting for one — for a read
// timeout that wait is the whole story — and has no transfer. Negative
// remainders (clock jitter) become 0.
func PhaseParts(p model.Phases) [NumPhases]float64 {
	if p.TTFB <= 0 {
		return [NumPhases]float64{p.DNS, p.Connect, p.TLS, max(0, p.Total-p.DNS-p.Connect-p.TLS), 0}
	}
	wait := p.TTFB - p.DNS - p.Connect - p.TLS
	if wait < 0 {
		wait = 0
	}
	transfer := p.Total - p.TTFB
	if transfer < 0 {
		transfer = 0
	}
	return [NumPhases]float64{p.DNS, p.Connect, p.TLS, wait, transfer}
}

// Stack divides width cells between parts in proportion to their size. Any
// non-zero part gets at least one cell when there is room, and the cells add
// up to width exactly (or to 0 when every part is 0).
func Stack(parts []float64, width int) []int {
	cells := make([]int, len(parts))
	if width <= 0 {
		return cells
	}
	total := 0.0
	nonZero := 0
	for _, v := range parts {
		if v > 0 {
			total += v
			nonZero++
		}
	}
	if total == 0 {
		return cells
	}
	used := 0
	for i, v := range parts {
		if v <= 0 {
			continue
		}
		cells[i] = int(v / total * float64(width))
		if cells[i] == 0 && nonZero <= width {
			cells[i] = 1
		}
		used += cells[i]
	}
	// Give rounding leftovers to (or take the excess from) the largest part.
	big := 0
	for i := range parts {
		if parts[i] > parts[big] {
			big = i
		}
	}
	cells[big] += width - used
	if cells[big] < 0 {
		cells[big] = 0
	}
	return cells
}
