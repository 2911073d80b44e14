package ui

import (
	"slices"
	"strings"

	"github.com/gwtop/gwtop/model"
)

// sortCycle is the order `s` steps through: the sortable columns by their
// sort rank. Severity comes first because the operator opens gwtop to find
// what is broken.
var sortCycle = byRank(func(d *columnDef) int { return d.sortRank })

// nextSort is the column `s` switches to after cur.
func nextSort(cur colID) colID {
	i := slices.Index(sortCycle, cur)
	return sortCycle[(i+1)%len(sortCycle)]
}

// sortName is what the footer calls the order.
func sortName(id colID) string { return columns[id].sortName }

// sortRows orders idx (indices into ups) by the column's sort. Ties fall
// back to name then address so the order is stable from one snapshot to
// the next and rows do not jump.
func sortRows(ups []model.Upstream, idx []int, by colID) {
	less := columns[by].less
	slices.SortFunc(idx, func(i, j int) int {
		a, b := &ups[i], &ups[j]
		if c := less(a, b); c != 0 {
			return c
		}
		if c := strings.Compare(a.Name, b.Name); c != 0 {
			return c
		}
		return strings.Compare(a.Address, b.Address)
	})
}
