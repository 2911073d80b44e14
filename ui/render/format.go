package render

import (
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/gwtop/gwtop/model"
)

// None is shown where a figure has no samples, so "no data" never reads as 0.
const None = "—"

// MS formats a latency in milliseconds compactly: 0.4ms, 12ms, 1.3s, 2m.
func MS(v float64) string {
	switch {
	case math.IsNaN(v) || math.IsInf(v, 0) || v < 0:
		return None
	case v < 10:
		return strconv.FormatFloat(v, 'f', 1, 64) + "ms"
	case v < 1000:
		return strconv.FormatFloat(v, 'f', 0, 64) + "ms"
	case v < 60_000:
		return strconv.FormatFloat(v/1000, 'f', 1, 64) + "s"
	default:
		return strconv.FormatFloat(v/60_000, 'f', 0, 64) + "m"
	}
}

// Latency formats a quantile, or None when the window had no samples.
func Latency(l model.Latency, v float64) string {
	if l.Count == 0 && v == 0 {
		return None
	}
	return MS(v)
}

// Pct formats a 0..1 ratio as a percentage with one decimal below 100.
func Pct(ratio float64) string {
	if math.IsNaN(ratio) || ratio < 0 {
		return None
	}
	p := ratio * 100
	if p >= 99.95 {
		return "100%"
	}
	return strconv.FormatFloat(p, 'f', 1, 64) + "%"
}

// Rate5xx formats an error ratio, or None when there were no requests.
func Rate5xx(ratio float64, requests int64) string {
	if requests == 0 && ratio == 0 {
		return None
	}
	return Pct(ratio)
}

// PerSec formats a request rate: 0.2, 12.3, 845, 1.2k, 34k.
func PerSec(v float64) string {
	switch {
	case math.IsNaN(v) || v < 0:
		return None
	case v < 100:
		return strconv.FormatFloat(v, 'f', 1, 64)
	case v < 1000:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case v < 100_000:
		return strconv.FormatFloat(v/1000, 'f', 1, 64) + "k"
	default:
		return strconv.FormatFloat(v/1000, 'f', 0, 64) + "k"
	}
}

// Count formats a counter with k/M suffixes above 10 000.
func Count(n int64) string {
	switch {
	case n < 10_000:
		return strconv.FormatInt(n, 10)
	case n < 1_000_000:
		return strconv.FormatFloat(float64(n)/1000, 'f', 1, 64) + "k"
	default:
		return strconv.FormatFloat(float64(n)/1e6, 'f', 1, 64) + "M"
	}
}

// Duration formats an elapsed time the way an operator says it: 45s, 2m13s,
// 1h05m, 3d4h.
func Duration(d time.Duration) string {
	if d < 0 {
		d = -d
	}
	d = d.Round(time.Second)
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
	case d < 24*time.Hour:
		return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
	default:
		return fmt.Sprintf("%dd%dh", int(d.Hours())/24, int(d.Hours())%24)
	}
}

// ProbeShort is the overview's one-glance form of the last probe: how long
// it took in all ("12ms"), or why it failed ("✖ refused"). The phases are
// the detail pane's. The cause code is preferred to the raw error because
// it is short and stable; the error text is the caller's to sanitise and
// pass as errText when there is no cause.
func ProbeShort(p *model.ProbeResult, errText string) string {
	if p == nil {
		return None
	}
	if !p.OK {
		why := string(p.Cause)
		if why == "" {
			why = errText
		}
		if why == "" && p.Status != 0 {
			why = strconv.Itoa(p.Status)
		}
		if why == "" {
			why = "failed"
		}
		return "✖ " + why
	}
	return MS(p.Phases.Total)
}

// Bytes formats a size in binary units, as free and top do: 512B, 3.1M,
// 7.8G.
func Bytes(n uint64) string {
	const unit = 1024
	if n < unit {
		return strconv.FormatUint(n, 10) + "B"
	}
	v, suffix := float64(n), ""
	for _, s := range []string{"K", "M", "G", "T", "P"} {
		v /= unit
		suffix = s
		if v < unit {
			break
		}
	}
	if v < 10 {
		return strconv.FormatFloat(v, 'f', 1, 64) + suffix
	}
	return strconv.FormatFloat(v, 'f', 0, 64) + suffix
}
