package ui

import (
	"github.com/gwtop/gwtop/filter"
)

// overviewFilter is the overview's / filter: the expression being typed,
// and the last valid one, which is what the table shows. An invalid
// expression never empties the table: its error is shown in the filter
// line and the last valid filter stays applied.
type overviewFilter struct {
	applied *filter.Filter // nil: every upstream
	err     error          // the typed expression's error, nil when it parsed
}

// set parses the typed expression; it reports whether the applied filter
// changed.
func (f *overviewFilter) set(expr string) bool {
	flt, err := filter.Parse(expr)
	if err != nil {
		f.err = err
		return false
	}
	f.err = nil
	if flt.Empty() {
		flt = nil
	}
	if f.applied.String() == flt.String() {
		f.applied = flt
		return false
	}
	f.applied = flt
	return true
}

func (f *overviewFilter) clear() {
	f.applied, f.err = nil, nil
}

// filterSyntax is the help pane's summary of the filter language, in the
// legend's place for "/", each line within 80 cells.
var filterSyntax = []string{
	"/ filter  live: text (name, address, group, gateway, cause) !text /regex/",
	"  state:down cause:refused root:not_running group:api gateway:nginx-2 addr:10.*",
	"  5xx>2%  p95>500ms  p50 p99  rps<1  req>=100;  space is and, | is or",
}
