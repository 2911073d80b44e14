package ui

import (
	"strconv"
	"time"

	"github.com/gwtop/gwtop/model"
	"github.com/gwtop/gwtop/ui/render"
)

// Marker is a point the operator dropped with `m` ("deploy #1"), with the
// gateway-wide figures at that moment so the header can compare before and
// after. Markers live only in the UI model.
type Marker struct {
	N       int
	Label   string
	Time    time.Time
	Rate5xx float64
	P95     float64
	HasData bool // false when dropped before the first snapshot
}

// Name is how the marker is shown: "deploy #1".
func (m Marker) Name() string { return m.Label + " #" + strconv.Itoa(m.N) }

// newMarker records the figures of snap (which may be nil) as marker n.
func newMarker(n int, snap *model.Snapshot, now time.Time) Marker {
	mk := Marker{N: n, Label: "deploy", Time: now}
	if snap != nil {
		mk.Time = snap.Time
		mk.Rate5xx = snap.Rate5xx
		mk.P95 = snap.LatencyMS.P95
		mk.HasData = true
	}
	return mk
}

// beforeAfter is the header's comparison of marker mk with the current
// snapshot: "since deploy #1 (2m13s): 5xx 0.4%→3.1% p95 120ms→480ms".
func beforeAfter(mk Marker, cur *model.Snapshot, now time.Time) string {
	at := now
	if cur != nil {
		at = cur.Time
	}
	out := "since " + mk.Name() + " (" + render.Duration(max(at.Sub(mk.Time), 0)) + ")"
	if !mk.HasData || cur == nil {
		return out + ": no data before the marker"
	}
	return out + ": 5xx " + render.Pct(mk.Rate5xx) + "→" + render.Pct(cur.Rate5xx) +
		"  p95 " + render.MS(mk.P95) + "→" + render.MS(cur.LatencyMS.P95)
}
