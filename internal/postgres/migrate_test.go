package postgres

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/acctl/acctl/internal/acct"
	"github.com/acctl/acctl/internal/pgtest"
	"github.com/acctl/acctl/internal/sqlstore"
)

// olderSchema gives the empty schema of url the first n migrations, as
// an older acctl left it.
func olderSchema(t *testing.T, url string, n int) []sqlstore.Migration {
	t.Helper()
	ctx := context.Background()
	ms, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	queries := []string{"CREATE TABLE schema_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL)"}
	for _, m := range ms[:n] {
		queries = append(queries, m.SQL, fmt.Sprintf("INSERT INTO schema_migrations VALUES (%d, now())", m.Version))
	}
	for _, q := range queries {
		if _, err := conn.Exec(ctx, q); err != nil {
			t.Fatalf("%.60s: %v", q, err)
		}
	}
	return ms
}

// schemaVersion reads the version of url's schema behind the store's back.
func schemaVersion(t *testing.T, url string) int {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var v int
	if err := conn.QueryRow(ctx, "SELECT COALESCE(max(version), 0) FROM schema_migrations").Scan(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

func wantSchemaError(t *testing.T, what string, err error, words ...string) {
	t.Helper()
	if acct.ErrorCode(err) != acct.CodeInvalid {
		t.Fatalf("%s: error %v (code %s), want invalid", what, err, acct.ErrorCode(err))
	}
	for _, w := range words {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("%s: error %q does not say %q", what, err, w)
		}
	}
}

// TestOpenRefusesOlderSchema: without auto-migrate, a database one
// migration behind is refused, naming `store migrate`, both versions and
// the pending migration, and is left as it is (MigrateNew opens it so);
// an empty one still gets the whole schema in both modes.
func TestOpenRefusesOlderSchema(t *testing.T) {
	ctx := context.Background()
	all, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	n := len(all) - 1
	u2 := pgtest.URL(t)
	ms := olderSchema(t, u2, n)
	_, err = OpenWith(ctx, u2, Options{Migrate: acct.MigrateRefuse})
	wantSchemaError(t, "older schema", err, "acctl store migrate",
		fmt.Sprintf("version %d, this acctl needs %d", n, len(ms)), ms[n].Name)
	if v := schemaVersion(t, u2); v != n {
		t.Errorf("version after the refusal = %d, want %d", v, n)
	}
	// MigrateNew (store check) opens it as it is.
	kept, err := OpenWith(ctx, u2, Options{Migrate: acct.MigrateNew})
	if err != nil {
		t.Fatalf("MigrateNew: %v", err)
	}
	kept.Close()
	if v := schemaVersion(t, u2); v != n {
		t.Errorf("version after MigrateNew = %d, want %d", v, n)
	}
	fresh2 := pgtest.URL(t)
	s3, err := OpenWith(ctx, fresh2, Options{Migrate: acct.MigrateNew})
	if err != nil {
		t.Fatalf("empty database, MigrateNew: %v", err)
	}
	s3.Close()
	if v := schemaVersion(t, fresh2); v != len(ms) {
		t.Errorf("empty database, MigrateNew: version %d, want %d", v, len(ms))
	}

	fresh := pgtest.URL(t)
	s, err := OpenWith(ctx, fresh, Options{Migrate: acct.MigrateRefuse})
	if err != nil {
		t.Fatalf("empty database: %v", err)
	}
	defer s.Close()
	if v, err := s.SchemaVersion(ctx); err != nil || v != len(ms) {
		t.Errorf("empty database: SchemaVersion = %d, %v; want %d", v, err, len(ms))
	}
}

// TestMigrateOnDemand: a database opened as it is lists its pending
// migrations without changing, and Migrate applies them once.
func TestMigrateOnDemand(t *testing.T) {
	ctx := context.Background()
	u := pgtest.URL(t)
	ms, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	from := len(ms) - 2
	olderSchema(t, u, from)
	s, err := OpenWith(ctx, u, Options{Migrate: acct.MigrateNone})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var want []string
	for _, m := range ms[from:] {
		want = append(want, m.Name)
	}
	pending, err := s.PendingMigrations(ctx)
	if err != nil || !reflect.DeepEqual(pending, want) {
		t.Fatalf("PendingMigrations = %v, %v; want %v", pending, err, want)
	}
	if v := schemaVersion(t, u); v != from {
		t.Fatalf("version after listing = %d, want %d", v, from)
	}
	if s.KnownVersion() != len(ms) {
		t.Errorf("KnownVersion = %d, want %d", s.KnownVersion(), len(ms))
	}
	applied, err := s.Migrate(ctx)
	if err != nil || !reflect.DeepEqual(applied, want) {
		t.Fatalf("Migrate = %v, %v; want %v", applied, err, want)
	}
	if v, err := s.SchemaVersion(ctx); err != nil || v != len(ms) {
		t.Errorf("SchemaVersion = %d, %v; want %d", v, err, len(ms))
	}
	if pending, err := s.PendingMigrations(ctx); err != nil || len(pending) != 0 {
		t.Errorf("PendingMigrations after Migrate = %v, %v", pending, err)
	}
	if applied, err := s.Migrate(ctx); err != nil || len(applied) != 0 {
		t.Errorf("Migrate again = %v, %v; want nothing", applied, err)
	}

	// An empty database lists every migration, and stays empty.
	empty := pgtest.URL(t)
	e, err := OpenWith(ctx, empty, Options{Migrate: acct.MigrateNone})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	if pending, err := e.PendingMigrations(ctx); err != nil || len(pending) != len(ms) {
		t.Errorf("empty database: PendingMigrations = %v, %v; want all %d", pending, err, len(ms))
	}
	if v, err := e.SchemaVersion(ctx); err != nil || v != 0 {
		t.Errorf("empty database after listing: SchemaVersion = %d, %v; want 0", v, err)
	}
}

// TestOpenRefusesNewerSchemaInEveryMode: a database that a newer acctl
// migrated is refused whatever the mode, with a message to upgrade naming
// both versions.
func TestOpenRefusesNewerSchemaInEveryMode(t *testing.T) {
	ctx := context.Background()
	u := pgtest.URL(t)
	s := openURL(t, u)
	ms, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.pool.Exec(ctx, "INSERT INTO schema_migrations VALUES ($1, now())", len(ms)+1); err != nil {
		t.Fatal(err)
	}
	for _, mode := range []acct.MigrateMode{acct.MigrateAuto, acct.MigrateRefuse, acct.MigrateNone, acct.MigrateNew} {
		_, err := OpenWith(ctx, u, Options{Migrate: mode})
		wantSchemaError(t, fmt.Sprintf("mode %d", mode), err, "upgrade acctl",
			fmt.Sprintf("version %d, newer than this acctl knows (%d)", len(ms)+1, len(ms)))
	}
	_, err = s.PendingMigrations(ctx)
	wantSchemaError(t, "PendingMigrations", err, "upgrade acctl")
	_, err = s.Migrate(ctx)
	wantSchemaError(t, "Migrate", err, "upgrade acctl")
}
