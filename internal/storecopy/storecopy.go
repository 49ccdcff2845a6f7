// Package storecopy copies every row of every table from one store to
// another ("acctl store copy"): SQLite to PostgreSQL and back, or SQLite to
// SQLite. It works on acct.Copier, below the business rules: tables,
// columns and rows of plain Go values, whatever tables the stores'
// migrations made.
//
// The copy reads the source in one read transaction, so it copies one
// consistent moment of a store that others may be writing, and writes the
// target in one write transaction, so the target holds either all of the
// copy or none of it (with --force, its old rows too). Rows travel in
// batches in key order, a table after the tables it refers to; the reading
// of the next batch overlaps the writing of the last, and no more than
// three batches are in memory at once, whatever the size of the store.
// Keys are copied as they are, and each table's counter of keys is moved
// on to the source's, so the next row the target makes gets a fresh key.
// Afterwards the rows of every table are counted on both sides.
package storecopy

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/acctl/acctl/internal/acct"
)

// DefaultBatch is the number of rows a batch holds unless Options.Batch
// says otherwise.
const DefaultBatch = 1000

// Options tune Copy.
type Options struct {
	// Batch is the number of rows read and written at a time (default
	// DefaultBatch).
	Batch int
	// Force lets the copy replace the rows of a target that has some: they
	// are deleted in the copy's transaction, so a failed copy keeps them.
	Force bool
	// Confirm, if set, is called with the target's counts before the rows
	// of a target that has some are replaced (only with Force); an error
	// stops the copy before anything is written.
	Confirm func(ctx context.Context, target []TableCount) error
	// Progress, if set, is told how the copy goes.
	Progress Progress
}

// Progress follows a copy. Its methods are called from the goroutine that
// called Copy.
type Progress interface {
	// Start is called once the rows to copy are counted.
	Start(total int64)
	// Table is called when the copy of a table begins.
	Table(name string, rows int64)
	// Add is called when n more rows are written.
	Add(n int)
	// Finish is called when the writing is over, whatever its outcome.
	Finish()
}

// TableCount is the number of rows of a table in the source (as copied)
// and in the target (after the copy, or before it in a refusal).
type TableCount struct {
	Table  string `json:"table"`
	Source int64  `json:"source"`
	Target int64  `json:"target"`
}

// Match reports whether the counts are equal.
func (c TableCount) Match() bool { return c.Source == c.Target }

// Result is what Copy did.
type Result struct {
	From          string        `json:"from"` // the kinds of the stores
	To            string        `json:"to"`
	SchemaVersion int           `json:"schema_version"`
	Tables        []TableCount  `json:"tables"`   // in the order of the copy
	Rows          int64         `json:"rows"`     // rows copied
	Replaced      bool          `json:"replaced"` // the target's earlier rows were deleted
	Took          time.Duration `json:"-"`
}

// Match reports whether every table has as many rows in the target as in
// the source.
func (r *Result) Match() bool {
	for _, c := range r.Tables {
		if !c.Match() {
			return false
		}
	}
	return true
}

// Copy copies every row of every table of src into dst. Both stores must
// be at the same schema version with the same tables and columns, and
// they must not be the same store. A target that has rows is refused
// (CodeConflict, with the counts) unless opts.Force.
//
// It returns the counts of both sides after the copy; when they differ,
// it returns the Result and an error too.
func Copy(ctx context.Context, src, dst acct.Copier, opts Options) (*Result, error) {
	began := time.Now()
	batch := opts.Batch
	if batch <= 0 {
		batch = DefaultBatch
	}
	progress := opts.Progress
	if progress == nil {
		progress = nopProgress{}
	}

	si, err := src.CopyInfo(ctx)
	if err != nil {
		return nil, fmt.Errorf("source: %w", err)
	}
	di, err := dst.CopyInfo(ctx)
	if err != nil {
		return nil, fmt.Errorf("target: %w", err)
	}
	if si.Identity == di.Identity {
		return nil, acct.Errorf(acct.CodeInvalid, "the source and the target are the same store")
	}
	if si.SchemaVersion != di.SchemaVersion {
		return nil, acct.Errorf(acct.CodeConflict,
			"the schema versions differ: the source is at %d, the target at %d", si.SchemaVersion, di.SchemaVersion)
	}
	if err := Compare(si, di); err != nil {
		return nil, err
	}
	tables := Order(si.Tables)
	res := &Result{From: si.Kind, To: di.Kind, SchemaVersion: si.SchemaVersion}

	before, err := Count(ctx, dst, tables)
	if err != nil {
		return nil, fmt.Errorf("target: %w", err)
	}
	replace := false
	if len(nonEmpty(before)) > 0 {
		if !opts.Force {
			return nil, notEmpty(tables, before)
		}
		if opts.Confirm != nil {
			counts := make([]TableCount, len(tables))
			for i, t := range tables {
				counts[i] = TableCount{Table: t.Name, Target: before[i]}
			}
			if err := opts.Confirm(ctx, counts); err != nil {
				return nil, err
			}
		}
		replace = true
	}

	srcCounts := make([]int64, len(tables))
	err = src.ReadRows(ctx, func(r acct.RowSource) error {
		var total int64
		for i, t := range tables {
			n, err := r.Count(ctx, t.Name)
			if err != nil {
				return fmt.Errorf("source: %w", err)
			}
			srcCounts[i] = n
			total += n
		}
		progress.Start(total)
		defer progress.Finish()
		return dst.WriteRows(ctx, func(w acct.RowSink) error {
			now := make([]int64, len(tables))
			for i, t := range tables {
				n, err := w.Count(ctx, t.Name)
				if err != nil {
					return fmt.Errorf("target: %w", err)
				}
				now[i] = n
			}
			if len(nonEmpty(now)) > 0 {
				if !replace { // rows came in since the first look
					return notEmpty(tables, now)
				}
				names := make([]string, len(tables))
				for i, t := range tables {
					names[len(tables)-1-i] = t.Name // referring tables first
				}
				if err := w.Clear(ctx, names); err != nil {
					return fmt.Errorf("target: %w", err)
				}
				res.Replaced = true
			}
			for i, t := range tables {
				progress.Table(t.Name, srcCounts[i])
				n, err := copyTable(ctx, r, w, t, batch, progress)
				if err != nil {
					return err
				}
				res.Rows += n
				if di.Table(t.Name).Serial == "" {
					continue
				}
				var last int64
				if t.Serial != "" {
					if last, err = r.SerialValue(ctx, t.Name); err != nil {
						return fmt.Errorf("source: %w", err)
					}
				}
				if err := w.SetSerial(ctx, t.Name, last); err != nil {
					return fmt.Errorf("target: %w", err)
				}
			}
			return nil
		})
	})
	if err != nil {
		return nil, err
	}

	after, err := Count(ctx, dst, tables)
	if err != nil {
		return nil, fmt.Errorf("target: counting after the copy: %w", err)
	}
	for i, t := range tables {
		res.Tables = append(res.Tables, TableCount{Table: t.Name, Source: srcCounts[i], Target: after[i]})
	}
	res.Took = time.Since(began)
	if !res.Match() {
		var diffs []string
		for _, c := range res.Tables {
			if !c.Match() {
				diffs = append(diffs, fmt.Sprintf("%s (source %d, target %d)", c.Table, c.Source, c.Target))
			}
		}
		return res, acct.Errorf(acct.CodeInternal, "the counts differ after the copy: %s", strings.Join(diffs, ", "))
	}
	return res, nil
}

// copyTable copies the rows of t: a goroutine reads the batches while this
// one writes them, with one batch waiting between the two.
func copyTable(ctx context.Context, r acct.RowSource, w acct.RowSink, t acct.CopyTable, batch int, progress Progress) (int64, error) {
	columns := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		columns[i] = c.Name
	}
	rctx, cancel := context.WithCancel(ctx)
	defer cancel()
	batches := make(chan [][]any, 1)
	readErr := make(chan error, 1)
	go func() {
		defer close(batches)
		readErr <- r.Rows(rctx, t.Name, columns, batch, func(rows [][]any) error {
			select {
			case batches <- rows:
				return nil
			case <-rctx.Done():
				return rctx.Err()
			}
		})
	}()
	var n int64
	var writeErr error
	for rows := range batches {
		if writeErr != nil {
			continue // let the reader finish
		}
		if writeErr = w.Insert(ctx, t.Name, columns, rows); writeErr != nil {
			cancel()
			continue
		}
		n += int64(len(rows))
		progress.Add(len(rows))
	}
	if err := <-readErr; writeErr == nil && err != nil {
		return n, fmt.Errorf("source: %w", err)
	}
	if writeErr != nil {
		return n, fmt.Errorf("target: %w", writeErr)
	}
	return n, nil
}

// Count counts the rows of each table of c, in one snapshot.
func Count(ctx context.Context, c acct.Copier, tables []acct.CopyTable) ([]int64, error) {
	counts := make([]int64, len(tables))
	err := c.ReadRows(ctx, func(r acct.RowSource) error {
		for i, t := range tables {
			n, err := r.Count(ctx, t.Name)
			if err != nil {
				return err
			}
			counts[i] = n
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return counts, nil
}

// nonEmpty returns the indexes of the counts above 0.
func nonEmpty(counts []int64) []int {
	var idx []int
	for i, n := range counts {
		if n > 0 {
			idx = append(idx, i)
		}
	}
	return idx
}

// ErrNotEmpty is the error (CodeConflict) of a copy into a store that has
// rows, without Force; the error Copy returns wraps it and names the
// tables that have rows.
var ErrNotEmpty = acct.Errorf(acct.CodeConflict, "the target store is not empty")

func notEmpty(tables []acct.CopyTable, counts []int64) error {
	var have []string
	for _, i := range nonEmpty(counts) {
		have = append(have, fmt.Sprintf("%s: %d", tables[i].Name, counts[i]))
	}
	return fmt.Errorf("%w (%s)", ErrNotEmpty, strings.Join(have, ", "))
}

// Compare checks that two stores have the same tables with the same
// columns, of types that a copy can carry from src to dst. The error
// (CodeConflict) names every difference.
func Compare(src, dst *acct.CopyInfo) error {
	var diffs []string
	for _, st := range src.Tables {
		dt := dst.Table(st.Name)
		if dt == nil {
			diffs = append(diffs, "table "+st.Name+" is missing in the target")
			continue
		}
		for _, sc := range st.Columns {
			dc := dt.Column(sc.Name)
			switch {
			case dc == nil:
				diffs = append(diffs, fmt.Sprintf("column %s.%s is missing in the target", st.Name, sc.Name))
			case !sc.Type.Compatible(dc.Type):
				diffs = append(diffs, fmt.Sprintf("column %s.%s is %s (%s) in the source but %s (%s) in the target",
					st.Name, sc.Name, sc.Type, sc.Native, dc.Type, dc.Native))
			}
		}
		for _, dc := range dt.Columns {
			if st.Column(dc.Name) == nil {
				diffs = append(diffs, fmt.Sprintf("column %s.%s is missing in the source", st.Name, dc.Name))
			}
		}
	}
	for _, dt := range dst.Tables {
		if src.Table(dt.Name) == nil {
			diffs = append(diffs, "table "+dt.Name+" is missing in the source")
		}
	}
	if len(diffs) > 0 {
		return acct.Errorf(acct.CodeConflict, "the stores' schemas differ: %s", strings.Join(diffs, "; "))
	}
	return nil
}

// Order returns the tables in an order in which their rows can be
// inserted: each after the tables it refers to, ties in name order. Of
// tables that refer to each other in a cycle, the first by name goes
// first (a store that checks foreign keys at once then needs them
// DEFERRABLE).
func Order(tables []acct.CopyTable) []acct.CopyTable {
	rest := slices.Clone(tables)
	slices.SortFunc(rest, func(a, b acct.CopyTable) int { return cmp.Compare(a.Name, b.Name) })
	known := map[string]bool{}
	for _, t := range rest {
		known[t.Name] = true
	}
	done := map[string]bool{}
	var out []acct.CopyTable
	for len(rest) > 0 {
		i := slices.IndexFunc(rest, func(t acct.CopyTable) bool {
			for _, ref := range t.References {
				if known[ref] && !done[ref] && ref != t.Name {
					return false
				}
			}
			return true
		})
		if i < 0 { // a cycle: take the first by name
			i = 0
		}
		out = append(out, rest[i])
		done[rest[i].Name] = true
		rest = slices.Delete(rest, i, i+1)
	}
	return out
}

type nopProgress struct{}

func (nopProgress) Start(int64)         {}
func (nopProgress) Table(string, int64) {}
func (nopProgress) Add(int)             {}
func (nopProgress) Finish()             {}
