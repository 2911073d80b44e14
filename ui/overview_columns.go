package ui

import (
	"cmp"
	"strings"

	"github.com/gwtop/gwtop/model"
	"github.com/gwtop/gwtop/ui/render"
)

// colID names an overview column; it indexes the columns table.
type colID int

const (
	colBadge colID = iota
	colName
	colInstance
	colAddr
	colGateway
	colReqs
	col5xx
	colP50
	colP95
	colP99
	colProbe
	colSpark
	colCause
	numCols
)

// columnDef is everything about one overview column, in one place (k9s'
// render columns): the title line, the rows, the sort and the plan of what
// fits all read it.
type columnDef struct {
	title string
	right bool // numbers are right-aligned

	// width is the column's width; a measured column starts there and grows
	// to its widest value, up to measureMax.
	width      int
	measure    func(u *model.Upstream) string
	measureMax int
	// only, when set, says whether the data needs the column at all (the
	// gateway column only when rows come from more than one gateway).
	only func(ups []model.Upstream) bool

	// On a narrow terminal, columns with a drop rank go first, lowest rank
	// first; then columns with a shrink rank give up cells down to
	// minWidth, lowest rank first. Columns with neither always stay: they
	// answer "what is broken and why".
	drop, shrink int
	minWidth     int
	// Spare cells go to columns with a grow rank, lowest first, up to
	// growMax; whatever is still left goes to the fill column.
	grow, growMax int
	fill          bool

	// cell is the text of the column for u at width cells, and its paint.
	cell func(p *rowPaints, u *model.Upstream, width int) (string, inline)

	// sortRank is the column's place in the `s` cycle (0: not sortable);
	// less orders two upstreams, worst or biggest first, and sortName is
	// what the footer calls the order.
	sortRank int
	sortName string
	less     func(a, b *model.Upstream) int
}

// Column sizes.
const (
	numWidth   = 6
	rateWidth  = 7  // "5XX/5m" and the sort mark
	probeWidth = 17 // "852ms", or "✖ connect_timeout"
	sparkMax   = 30 // 5 minutes of 10-second buckets
	gutter     = 1  // the selection cursor column left of the table
)

// columns is the overview's table, in display order.
var columns = [numCols]columnDef{
	colBadge: {
		width: 1,
		cell: func(p *rowPaints, u *model.Upstream, _ int) (string, inline) {
			return render.Symbol(u.State), p.state(u.State)
		},
		sortRank: 1, sortName: "severity",
		less: func(a, b *model.Upstream) int {
			if c := cmp.Compare(b.State.Severity(), a.State.Severity()); c != 0 {
				return c
			}
			return cmp.Compare(b.Rate5xx, a.Rate5xx)
		},
	},
	colName: {
		title: "UPSTREAM", width: 8, measureMax: 24, shrink: 1, minWidth: 6,
		measure: func(u *model.Upstream) string { return Sanitize(u.Name) },
		cell: func(_ *rowPaints, u *model.Upstream, _ int) (string, inline) {
			return Sanitize(u.Name), inline{}
		},
		sortRank: 2, sortName: "name",
		less: func(a, b *model.Upstream) int { return strings.Compare(a.Name, b.Name) },
	},
	colInstance: {
		// A fleet's rows (gwtop --prometheus): the agent each came from.
		title: "INSTANCE", width: 8, measureMax: 24, drop: 2,
		measure: func(u *model.Upstream) string { return Sanitize(u.Instance) },
		only:    hasInstances,
		cell: func(p *rowPaints, u *model.Upstream, _ int) (string, inline) {
			return Sanitize(u.Instance), p.muted
		},
	},
	colAddr: {
		title: "ADDRESS", width: 10, measureMax: 22, drop: 1,
		measure: func(u *model.Upstream) string { return Sanitize(u.Address) },
		cell: func(p *rowPaints, u *model.Upstream, _ int) (string, inline) {
			return Sanitize(u.Address), p.muted
		},
	},
	colGateway: {
		title: "GATEWAY", width: 7, measureMax: 16, drop: 2,
		measure: func(u *model.Upstream) string { return Sanitize(u.Gateway) },
		only:    severalGateways,
		cell: func(p *rowPaints, u *model.Upstream, _ int) (string, inline) {
			return Sanitize(u.Gateway), p.muted
		},
	},
	colReqs: {
		title: "REQ/S", width: numWidth, right: true, drop: 6,
		cell: func(_ *rowPaints, u *model.Upstream, _ int) (string, inline) {
			return render.PerSec(u.ReqPerSec), inline{}
		},
		sortRank: 5, sortName: "req/s",
		less: func(a, b *model.Upstream) int { return cmp.Compare(b.ReqPerSec, a.ReqPerSec) },
	},
	col5xx: {
		title: "5XX/5m", width: rateWidth, right: true,
		cell: func(p *rowPaints, u *model.Upstream, _ int) (string, inline) {
			return render.Rate5xx(u.Rate5xx, u.Requests), p.rate(u.Rate5xx)
		},
		sortRank: 3, sortName: "5xx rate",
		less: func(a, b *model.Upstream) int { return cmp.Compare(b.Rate5xx, a.Rate5xx) },
	},
	colP50: {
		title: "P50", width: numWidth, right: true, drop: 2,
		cell: func(_ *rowPaints, u *model.Upstream, _ int) (string, inline) {
			return render.Latency(u.LatencyMS, u.LatencyMS.P50), inline{}
		},
	},
	colP95: {
		title: "P95", width: numWidth, right: true, drop: 7,
		cell: func(_ *rowPaints, u *model.Upstream, _ int) (string, inline) {
			return render.Latency(u.LatencyMS, u.LatencyMS.P95), inline{}
		},
		sortRank: 4, sortName: "p95",
		less: func(a, b *model.Upstream) int { return cmp.Compare(b.LatencyMS.P95, a.LatencyMS.P95) },
	},
	colP99: {
		title: "P99", width: numWidth, right: true, drop: 3,
		cell: func(_ *rowPaints, u *model.Upstream, _ int) (string, inline) {
			return render.Latency(u.LatencyMS, u.LatencyMS.P99), inline{}
		},
	},
	colProbe: {
		title: "PROBE", width: probeWidth, drop: 4,
		cell: func(p *rowPaints, u *model.Upstream, _ int) (string, inline) {
			if u.Probe == nil {
				return render.None, p.muted
			}
			text := render.ProbeShort(u.Probe, Sanitize(u.Probe.Error))
			if !u.Probe.OK {
				return text, p.err
			}
			return text, inline{}
		},
	},
	colSpark: {
		title: "P95 TREND", width: 10, drop: 5, grow: 2, growMax: sparkMax,
		cell: func(p *rowPaints, u *model.Upstream, width int) (string, inline) {
			if len(u.SparkP95) == 0 {
				return "", inline{}
			}
			return render.Sparkline(u.SparkP95, width), p.spark
		},
	},
	colCause: {
		title: "PROBABLE CAUSE", width: 30, shrink: 2, minWidth: 0, grow: 1, growMax: 72, fill: true,
		cell: func(p *rowPaints, u *model.Upstream, _ int) (string, inline) {
			return causeHint(u), p.cause(u.State)
		},
	},
}

// column is one planned column: which one, and its width in cells.
type column struct {
	id    colID
	width int
}

// hidden is the measured width of a column the data does not need.
const hidden = -1

// hasInstances reports whether the rows come from a fleet's agents.
func hasInstances(ups []model.Upstream) bool {
	for i := range ups {
		if ups[i].Instance != "" {
			return true
		}
	}
	return false
}

// severalGateways reports whether the rows come from more than one gateway
// instance: then the same address can be two rows, told apart by GATEWAY.
func severalGateways(ups []model.Upstream) bool {
	first := ""
	for i := range ups {
		switch g := ups[i].Gateway; {
		case g == "":
		case first == "":
			first = g
		case g != first:
			return true
		}
	}
	return false
}

// measuredWidths are the widths measured columns need for the data,
// indexed by column; 0 means the column's own width.
type measuredWidths [numCols]int

// measureColumns sizes the measured columns to the widest value in ups,
// within their limits, so short names do not waste a third of the screen.
func measureColumns(ups []model.Upstream) measuredWidths {
	var mw measuredWidths
	for id := range columns {
		d := &columns[id]
		if d.only != nil && !d.only(ups) {
			mw[id] = hidden
			continue
		}
		if d.measure == nil {
			continue
		}
		w := d.width
		for i := range ups {
			w = max(w, render.Width(d.measure(&ups[i])))
		}
		mw[id] = min(w, d.measureMax)
	}
	return mw
}

// planColumns chooses the columns that fit in width and their widths: drop
// by rank, then shrink by rank, then hand out spare cells by grow rank.
func planColumns(width int, mw measuredWidths) []column {
	cols := make([]column, 0, numCols)
	for id := range columns {
		w := columns[id].width
		switch {
		case mw[id] == hidden:
			continue
		case mw[id] > 0:
			w = mw[id]
		}
		cols = append(cols, column{id: colID(id), width: w})
	}
	used := func() int {
		n := len(cols) - 1 // one space between columns
		for _, c := range cols {
			n += c.width
		}
		return n
	}
	for _, id := range byRank(func(d *columnDef) int { return d.drop }) {
		if used() <= width {
			break
		}
		cols = removeCol(cols, id)
	}
	for _, id := range byRank(func(d *columnDef) int { return d.shrink }) {
		if over := used() - width; over > 0 {
			if i := indexCol(cols, id); i >= 0 {
				cols[i].width = max(columns[id].minWidth, cols[i].width-over)
			}
		}
	}
	spare := width - used()
	for _, id := range byRank(func(d *columnDef) int { return d.grow }) {
		if i := indexCol(cols, id); i >= 0 && spare > 0 {
			grow := max(0, min(spare, columns[id].growMax-cols[i].width))
			cols[i].width += grow
			spare -= grow
		}
	}
	for i := range cols {
		if spare > 0 && columns[cols[i].id].fill {
			cols[i].width += spare
			spare = 0
		}
	}
	return cols
}

// byRank lists the columns with a non-zero rank, lowest rank first.
func byRank(rank func(*columnDef) int) []colID {
	var ids []colID
	for r := 1; r <= int(numCols); r++ {
		for id := range columns {
			if rank(&columns[id]) == r {
				ids = append(ids, colID(id))
			}
		}
	}
	return ids
}

func indexCol(cols []column, id colID) int {
	for i, c := range cols {
		if c.id == id {
			return i
		}
	}
	return -1
}

func removeCol(cols []column, id colID) []column {
	i := indexCol(cols, id)
	if i < 0 {
		return cols
	}
	return append(cols[:i:i], cols[i+1:]...)
}
