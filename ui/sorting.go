package ui

import (
	"cmp"
	"slices"
	"strings"

	"github.com/gwtop/gwtop/model"
)

// SortMode is the order of the overview's rows; `s` cycles through them.
type SortMode int

// The sort modes, in cycling order. Severity is the default because the
// operator opens gwtop to find what is broken.
const (
	SortSeverity SortMode = iota
	SortName
	Sort5xx
	SortP95
	SortReqs
	numSortModes
)

func (s SortMode) String() string {
	switch s {
	case SortName:
		return "name"
	case Sort5xx:
		return "5xx rate"
	case SortP95:
		return "p95"
	case SortReqs:
		return "req/s"
	default:
		return "severity"
	}
}

// next is the mode `s` switches to.
func (s SortMode) next() SortMode { return (s + 1) % numSortModes }

// sortRows orders idx (indices into ups) by mode, worst or biggest first for
// the numeric modes. Ties fall back to name then address so the order is
// stable from one snapshot to the next and rows do not jump.
func sortRows(ups []model.Upstream, idx []int, mode SortMode) {
	byName := func(a, b *model.Upstream) int {
		if c := strings.Compare(a.Name, b.Name); c != 0 {
			return c
		}
		return strings.Compare(a.Address, b.Address)
	}
	slices.SortFunc(idx, func(i, j int) int {
		a, b := &ups[i], &ups[j]
		var c int
		switch mode {
		case SortSeverity:
			c = cmp.Compare(b.State.Severity(), a.State.Severity())
			if c == 0 {
				c = cmp.Compare(b.Rate5xx, a.Rate5xx)
			}
		case Sort5xx:
			c = cmp.Compare(b.Rate5xx, a.Rate5xx)
		case SortP95:
			c = cmp.Compare(b.LatencyMS.P95, a.LatencyMS.P95)
		case SortReqs:
			c = cmp.Compare(b.ReqPerSec, a.ReqPerSec)
		}
		if c != 0 {
			return c
		}
		return byName(a, b)
	})
}
