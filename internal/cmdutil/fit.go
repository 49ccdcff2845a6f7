package cmdutil

import (
	"slices"

	"github.com/mattn/go-runewidth"
)

// The table layout's numbers: the space between two columns, and the
// narrowest a shrunk column gets.
const (
	columnGap      = 2
	minShrunkWidth = 8
)

// ellipsis ends a shortened cell.
const ellipsis = "…"

// fitTable returns t's columns and cells (as the table shows them: one
// line, "-" for empty) fitted to width columns of terminal: the widest of
// t.Shrink columns is shortened with an ellipsis first; when that is not
// enough, the t.Drop columns are left out in turn. Ids and times, which
// are in neither list, are never cut: a table that cannot fit wraps whole.
// width 0 (unknown) leaves t as it is.
func fitTable(t Table, width int) ([]string, [][]string) {
	columns := t.Columns
	rows := make([][]string, len(t.Rows))
	for i, r := range t.Rows {
		rows[i] = make([]string, len(r))
		for j, c := range r {
			rows[i][j] = orDash(oneLine(c))
		}
	}
	if width <= 0 || len(t.Shrink)+len(t.Drop) == 0 {
		return columns, rows
	}
	drop := slices.Clone(t.Drop)
	for {
		widths := columnWidths(columns, rows)
		excess := total(widths) - width
		if excess <= 0 {
			return columns, rows
		}
		spare := 0
		for i, c := range columns {
			if slices.Contains(t.Shrink, c) {
				spare += max(0, widths[i]-minWidth(c))
			}
		}
		if spare >= excess || len(drop) == 0 {
			shrink(columns, rows, widths, t.Shrink, excess)
			return columns, rows
		}
		columns, rows = dropColumn(columns, rows, drop[0])
		drop = drop[1:]
	}
}

// minWidth is the narrowest a shrunk column gets: its header, or
// minShrunkWidth.
func minWidth(column string) int { return max(minShrunkWidth, runewidth.StringWidth(column)) }

// columnWidths are the display widths of the columns: their widest cell
// or header.
func columnWidths(columns []string, rows [][]string) []int {
	w := make([]int, len(columns))
	for i, c := range columns {
		w[i] = runewidth.StringWidth(c)
	}
	for _, r := range rows {
		for i, c := range r {
			if i < len(w) {
				w[i] = max(w[i], runewidth.StringWidth(c))
			}
		}
	}
	return w
}

// total is the width of a table of columns this wide.
func total(widths []int) int {
	n := 0
	for _, w := range widths {
		n += w
	}
	return n + columnGap*max(0, len(widths)-1)
}

// shrink takes excess columns off the shrinkable columns, the widest first,
// none below its minWidth, and cuts their cells to fit.
func shrink(columns []string, rows [][]string, widths []int, shrinkable []string, excess int) {
	for excess > 0 {
		widest := -1
		for i, c := range columns {
			if slices.Contains(shrinkable, c) && widths[i] > minWidth(c) && (widest < 0 || widths[i] > widths[widest]) {
				widest = i
			}
		}
		if widest < 0 {
			break
		}
		widths[widest]--
		excess--
	}
	for i, c := range columns {
		if !slices.Contains(shrinkable, c) {
			continue
		}
		for _, r := range rows {
			if runewidth.StringWidth(r[i]) > widths[i] {
				r[i] = runewidth.Truncate(r[i], widths[i], ellipsis)
			}
		}
	}
}

// dropColumn leaves the column named name out.
func dropColumn(columns []string, rows [][]string, name string) ([]string, [][]string) {
	i := slices.Index(columns, name)
	if i < 0 {
		return columns, rows
	}
	columns = slices.Delete(slices.Clone(columns), i, i+1)
	for j, r := range rows {
		rows[j] = slices.Delete(r, i, i+1)
	}
	return columns, rows
}
