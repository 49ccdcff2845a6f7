package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"
)

// keptStmts returns the statements that conn keeps.
func keptStmts(t *testing.T, conn *sql.Conn) map[string]*keptStmt {
	t.Helper()
	var kept map[string]*keptStmt
	if err := conn.Raw(func(dc any) error {
		sc, ok := dc.(*stmtConn)
		if !ok {
			return fmt.Errorf("connection is %T, want *stmtConn", dc)
		}
		kept = sc.stmts
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return kept
}

func TestStmtConnKeepsStatements(t *testing.T) {
	ctx := context.Background()
	db, err := openDB(dsn(filepath.Join(t.TempDir(), "s.db"), true))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "CREATE TABLE t (n INTEGER)"); err != nil {
		t.Fatal(err)
	}
	const insert = "INSERT INTO t (n) VALUES (?)"
	for i := range 5 {
		if _, err := conn.ExecContext(ctx, insert, i); err != nil {
			t.Fatal(err)
		}
	}
	kept := keptStmts(t, conn)
	k := kept[insert]
	if k == nil || k.busy {
		t.Fatalf("insert: kept %+v, want a free kept statement", k)
	}

	// Rows of a kept statement hold it; the same query meanwhile runs
	// unkept, and both read right.
	const sel = "SELECT n FROM t WHERE n >= ? ORDER BY n"
	outer, err := conn.QueryContext(ctx, sel, 0)
	if err != nil {
		t.Fatal(err)
	}
	if !kept[sel].busy {
		t.Error("select: kept statement not busy while its rows are open")
	}
	var got []int
	for outer.Next() {
		var n int
		if err := outer.Scan(&n); err != nil {
			t.Fatal(err)
		}
		var count int
		if err := conn.QueryRowContext(ctx, sel+" LIMIT 1", n).Scan(&count); err != nil {
			t.Fatal(err)
		}
		inner, err := conn.QueryContext(ctx, sel, n)
		if err != nil {
			t.Fatal(err)
		}
		rows := 0
		for inner.Next() {
			rows++
		}
		inner.Close()
		if rows != 5-n {
			t.Errorf("inner query from %d read %d rows, want %d", n, rows, 5-n)
		}
		got = append(got, n)
	}
	if err := outer.Close(); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(got) != "[0 1 2 3 4]" {
		t.Errorf("outer rows %v", got)
	}
	if kept[sel].busy {
		t.Error("select: kept statement still busy after its rows closed")
	}
	// Used again from its start, with new arguments.
	var first int
	if err := conn.QueryRowContext(ctx, sel, 3).Scan(&first); err != nil || first != 3 {
		t.Errorf("reused select: %d, %v; want 3", first, err)
	}

	// A bad query is an error, and nothing is kept for it.
	if _, err := conn.ExecContext(ctx, "INSERT INTO missing VALUES (1)"); err == nil {
		t.Error("insert into a missing table: no error")
	}
	if _, ok := kept["INSERT INTO missing VALUES (1)"]; ok {
		t.Error("a statement that did not prepare was kept")
	}

	// A full cache still runs every query.
	for i := range maxStmtsPerConn + 10 {
		var n int
		if err := conn.QueryRowContext(ctx, fmt.Sprintf("SELECT %d", i)).Scan(&n); err != nil || n != i {
			t.Fatalf("query %d: %d, %v", i, n, err)
		}
	}
	if len(kept) != maxStmtsPerConn {
		t.Errorf("kept %d statements, want at most %d", len(kept), maxStmtsPerConn)
	}

}
