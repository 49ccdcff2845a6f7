package store_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/acctl/acctl/internal/cmd/cmdtest"
	"github.com/acctl/acctl/internal/cmdutil"
	"github.com/acctl/acctl/internal/pgtest"
)

// pgMigrations are the files of internal/postgres/migrations, in order.
func pgMigrations(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("..", "..", "postgres", "migrations", "*.sql"))
	if err != nil || len(files) < 2 {
		t.Fatalf("migrations: %v, %v", files, err)
	}
	sort.Strings(files)
	return files
}

// pgExec runs queries on the schema of url, behind acctl's back.
func pgExec(t *testing.T, url string, queries ...string) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	for _, q := range queries {
		if _, err := conn.Exec(ctx, q); err != nil {
			t.Fatalf("%.60s: %v", q, err)
		}
	}
}

// olderPostgres gives the empty schema of url all migrations but the
// last, as the acctl before this one left it, and names the last.
func olderPostgres(t *testing.T, url string) (last string) {
	t.Helper()
	files := pgMigrations(t)
	qs := []string{"CREATE TABLE schema_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL)"}
	for i, f := range files[:len(files)-1] {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		qs = append(qs, string(b), fmt.Sprintf("INSERT INTO schema_migrations VALUES (%d, now())", i+1))
	}
	pgExec(t, url, qs...)
	return filepath.Base(files[len(files)-1])
}

// TestMigratePostgres: on PostgreSQL, where auto_migrate is off by
// default, a command facing an older schema refuses (exit 2) naming
// `store migrate`; a dry run lists the pending migration and changes
// nothing, store check lists it too; store migrate applies it; then commands work. A newer schema
// is refused with auto_migrate on too.
func TestMigratePostgres(t *testing.T) {
	u := pgtest.URL(t)
	last := olderPostgres(t, u)
	e := cmdtest.New(t)

	res := e.Run("--store", u, "user", "list")
	if res.Code != 2 || !strings.Contains(res.Err, "run `acctl store migrate`") || !strings.Contains(res.Err, last) {
		t.Fatalf("older schema: exit %d, stderr %q", res.Code, res.Err)
	}

	for range 2 { // a dry run changes nothing: the second lists the same
		res = e.Run("--store", u, "store", "migrate", "--dry-run", "-o", "json")
		if res.Code != 0 {
			t.Fatalf("dry run: exit %d, stderr %q", res.Code, res.Err)
		}
		var rep struct {
			FromVersion int  `json:"from_version"`
			ToVersion   int  `json:"to_version"`
			DryRun      bool `json:"dry_run"`
			Migrations  []struct {
				Version int
				Name    string
				Status  string
			}
		}
		if err := json.Unmarshal([]byte(res.Out), &rep); err != nil {
			t.Fatalf("%v: %s", err, res.Out)
		}
		n := len(pgMigrations(t))
		if rep.FromVersion != n-1 || rep.ToVersion != n || !rep.DryRun || len(rep.Migrations) != 1 ||
			rep.Migrations[0].Name != last || rep.Migrations[0].Version != n || rep.Migrations[0].Status != "pending" {
			t.Errorf("dry run: %+v", rep)
		}
	}
	if res := e.Run("--store", u, "user", "list"); res.Code != 2 {
		t.Errorf("after the dry run: exit %d, want 2", res.Code)
	}
	// store check reports the older schema rather than refusing it.
	res = e.Run("--store", u, "store", "check")
	if res.Code != 1 || !strings.Contains(res.Out, "pending_migrations\t1\twarning\t"+last) {
		t.Errorf("check: exit %d, stdout %q, stderr %q", res.Code, res.Out, res.Err)
	}

	res = e.Run("--store", u, "store", "migrate")
	if res.Code != 0 || !strings.Contains(res.Out, last+"\tapplied") {
		t.Fatalf("migrate: exit %d, stdout %q, stderr %q", res.Code, res.Out, res.Err)
	}
	if res := e.Run("--store", u, "user", "list"); res.Code != 0 {
		t.Errorf("after migrate: exit %d, stderr %q", res.Code, res.Err)
	}
	if res := e.Run("--store", u, "store", "migrate"); res.Code != 0 || res.Out != "" {
		t.Errorf("migrate again: exit %d, stdout %q", res.Code, res.Out)
	}

	pgExec(t, u, "INSERT INTO schema_migrations VALUES (9999, now())")
	for _, setting := range []string{"auto", "true", "false"} {
		e.Defaults[cmdutil.KeyAutoMigrate] = setting
		for _, args := range [][]string{{"user", "list"}, {"store", "migrate"}, {"store", "check"}} {
			res := e.Run(append([]string{"--store", u}, args...)...)
			if res.Code != 2 || !strings.Contains(res.Err, "version 9999, newer than this acctl knows") ||
				!strings.Contains(res.Err, "upgrade acctl") {
				t.Errorf("newer schema, auto_migrate %s, %v: exit %d, stderr %q", setting, args, res.Code, res.Err)
			}
		}
	}
}

// TestMigratePostgresAutoOn: auto_migrate true makes every command migrate
// PostgreSQL, as it does SQLite by default.
func TestMigratePostgresAutoOn(t *testing.T) {
	u := pgtest.URL(t)
	olderPostgres(t, u)
	e := cmdtest.New(t)
	e.Defaults[cmdutil.KeyAutoMigrate] = "true"
	if res := e.Run("--store", u, "user", "list"); res.Code != 0 {
		t.Fatalf("auto_migrate true: exit %d, stderr %q", res.Code, res.Err)
	}
	if res := e.Run("--store", u, "store", "migrate", "--dry-run"); res.Code != 0 || res.Out != "" {
		t.Errorf("after: dry run exit %d, stdout %q", res.Code, res.Out)
	}
}
