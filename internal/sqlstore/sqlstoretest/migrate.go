package sqlstoretest

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/acctl/acctl/internal/acct"
	"github.com/acctl/acctl/internal/sqlstore"
)

// wantSchemaError checks that err is a CodeInvalid error that says all of
// words.
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

// OpenRefusesOlderSchema: without auto-migrate, a store one migration
// behind is refused, naming `store migrate`, both versions and the
// pending migration, and is left as it is (MigrateNew opens it so); a new
// store still gets the whole schema in both modes, and an up-to-date one
// opens.
func OpenRefusesOlderSchema(t *testing.T, k Kit) {
	ctx := context.Background()
	ms := k.migrations(t)
	n := len(ms) - 1
	old, db := k.Older(t, n)
	_, err := k.Open(ctx, old, sqlstore.Options{Migrate: acct.MigrateRefuse})
	wantSchemaError(t, "older schema", err, "acctl store migrate",
		fmt.Sprintf("version %d, this acctl needs %d", n, len(ms)), ms[n].Name)
	if v := k.version(t, db); v != n {
		t.Errorf("version after the refusal = %d, want %d", v, n)
	}
	// MigrateNew (store check) opens it as it is.
	kept, err := k.Open(ctx, old, sqlstore.Options{Migrate: acct.MigrateNew})
	if err != nil {
		t.Fatalf("MigrateNew: %v", err)
	}
	kept.Close()
	if v := k.version(t, db); v != n {
		t.Errorf("version after MigrateNew = %d, want %d", v, n)
	}

	fresh, _ := k.Fresh(t)
	s, err := k.Open(ctx, fresh, sqlstore.Options{Migrate: acct.MigrateRefuse})
	if err != nil {
		t.Fatalf("new store: %v", err)
	}
	if v, err := s.SchemaVersion(ctx); err != nil || v != len(ms) {
		t.Errorf("new store: SchemaVersion = %d, %v; want %d", v, err, len(ms))
	}
	s.Close()
	fresh2, db2 := k.Fresh(t)
	s3, err := k.Open(ctx, fresh2, sqlstore.Options{Migrate: acct.MigrateNew})
	if err != nil {
		t.Fatalf("new store, MigrateNew: %v", err)
	}
	s3.Close()
	if v := k.version(t, db2); v != len(ms) {
		t.Errorf("new store, MigrateNew: version %d, want %d", v, len(ms))
	}
	// An up-to-date store opens.
	s2, err := k.Open(ctx, fresh, sqlstore.Options{Migrate: acct.MigrateRefuse})
	if err != nil {
		t.Fatalf("up-to-date store: %v", err)
	}
	s2.Close()
}

// MigrateOnDemand: a store opened as it is lists its pending migrations
// without changing, and Migrate applies them once; a store without a
// schema lists every migration, and stays without one.
func MigrateOnDemand(t *testing.T, k Kit) {
	ctx := context.Background()
	ms := k.migrations(t)
	from := len(ms) - 2
	old, db := k.Older(t, from)
	s := k.open(t, old, sqlstore.Options{Migrate: acct.MigrateNone})
	var want []string
	for _, m := range ms[from:] {
		want = append(want, m.Name)
	}
	pending, err := s.PendingMigrations(ctx)
	if err != nil || !reflect.DeepEqual(pending, want) {
		t.Fatalf("PendingMigrations = %v, %v; want %v", pending, err, want)
	}
	if v := k.version(t, db); v != from {
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
	k.check(t, db)

	empty, edb := k.Fresh(t)
	e := k.open(t, empty, sqlstore.Options{Migrate: acct.MigrateNone})
	if pending, err := e.PendingMigrations(ctx); err != nil || len(pending) != len(ms) {
		t.Errorf("empty store: PendingMigrations = %v, %v; want all %d", pending, err, len(ms))
	}
	var exists bool
	if err := edb.QueryRow(k.D.Rebind(k.D.TableExists), "schema_migrations").Scan(&exists); err != nil || exists {
		t.Errorf("empty store after listing: schema_migrations exists %v, %v; want none", exists, err)
	}
}

// OpenRefusesNewerSchemaInEveryMode: a store that a newer acctl migrated
// is refused in every mode, on the fast path too, with a message to
// upgrade naming both versions.
func OpenRefusesNewerSchemaInEveryMode(t *testing.T, k Kit) {
	ctx := context.Background()
	ms := k.migrations(t)
	where, db := k.Fresh(t)
	s := k.open(t, where, sqlstore.Options{})
	k.exec(t, db, Stmt{"INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)", []any{len(ms) + 1, k.D.Time(t0)}})
	for _, mode := range []acct.MigrateMode{acct.MigrateAuto, acct.MigrateRefuse, acct.MigrateNone, acct.MigrateNew} {
		_, err := k.Open(ctx, where, sqlstore.Options{Migrate: mode})
		wantSchemaError(t, fmt.Sprintf("mode %d", mode), err, "upgrade acctl",
			fmt.Sprintf("version %d, newer than this acctl knows (%d)", len(ms)+1, len(ms)))
	}
	_, err := s.PendingMigrations(ctx)
	wantSchemaError(t, "PendingMigrations", err, "upgrade acctl")
	_, err = s.Migrate(ctx)
	wantSchemaError(t, "Migrate", err, "upgrade acctl")
}
