package ui

// colID names an overview column.
type colID int

const (
	colBadge colID = iota
	colName
	colAddr
	colReqs
	col5xx
	colP50
	colP95
	colP99
	colProbe
	colSpark
	colCause
)

// column is one planned column: its title and width in cells.
type column struct {
	id    colID
	title string
	width int
	right bool // numbers are right-aligned
}

// Column sizes. The cause column is elastic: it gets what is left, up to
// causeMax, and the sparkline grows after it.
const (
	numWidth   = 6
	probeWidth = 17 // "c12.3 t45.6 f78.9" or "✖ connect_timeout"
	sparkMin   = 10
	sparkMax   = 30 // 5 minutes of 10-second buckets
	causeMin   = 30
	causeMax   = 72
	nameMin    = 6
	gutter     = 1 // the selection cursor column left of the table
)

// dropOrder is which columns go first when the terminal is narrow: the
// badge, name, 5xx rate and cause stay longest because they answer "what is
// broken and why".
var dropOrder = []colID{colAddr, colP50, colP99, colProbe, colSpark, colReqs, colP95}

// planColumns fits the overview's columns into width. nameW and addrW are the
// widths the longest name and address need (already clamped by the caller).
func planColumns(width, nameW, addrW int) []column {
	cols := []column{
		{id: colBadge, title: "", width: 1},
		{id: colName, title: "UPSTREAM", width: nameW},
		{id: colAddr, title: "ADDRESS", width: addrW},
		{id: colReqs, title: "REQ/S", width: numWidth, right: true},
		{id: col5xx, title: "5XX%", width: numWidth, right: true},
		{id: colP50, title: "P50", width: numWidth, right: true},
		{id: colP95, title: "P95", width: numWidth, right: true},
		{id: colP99, title: "P99", width: numWidth, right: true},
		{id: colProbe, title: "PROBE ms", width: probeWidth},
		{id: colSpark, title: "P95 TREND", width: sparkMin},
		{id: colCause, title: "PROBABLE CAUSE", width: causeMin},
	}
	used := func() int {
		n := len(cols) - 1 // one space between columns
		for _, c := range cols {
			n += c.width
		}
		return n
	}
	for _, id := range dropOrder {
		if used() <= width {
			break
		}
		cols = removeCol(cols, id)
	}
	if over := used() - width; over > 0 {
		i := indexCol(cols, colName)
		cols[i].width = max(nameMin, cols[i].width-over)
	}
	if over := used() - width; over > 0 {
		i := indexCol(cols, colCause)
		cols[i].width = max(0, cols[i].width-over)
	}
	spare := width - used()
	if spare > 0 {
		i := indexCol(cols, colCause)
		grow := min(spare, causeMax-cols[i].width)
		cols[i].width += grow
		spare -= grow
	}
	if i := indexCol(cols, colSpark); i >= 0 && spare > 0 {
		grow := min(spare, sparkMax-cols[i].width)
		cols[i].width += grow
		spare -= grow
	}
	if spare > 0 {
		cols[indexCol(cols, colCause)].width += spare
	}
	return cols
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
