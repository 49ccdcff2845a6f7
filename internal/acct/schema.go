package acct

import (
	"context"
	"fmt"
	"strings"
)

// MigrateMode is what a store's Open does with a schema older than the
// program's. A schema newer than the program knows is refused in every
// mode: the program would not know what its tables mean.
type MigrateMode int

const (
	// MigrateAuto applies the migrations that the store lacks (the zero
	// value: what a SQLite file gets by default).
	MigrateAuto MigrateMode = iota
	// MigrateRefuse refuses a store whose schema is older than the
	// program's with SchemaTooOld, so that an operator's newer program
	// does not upgrade a store under older servers unasked. A store with
	// no schema at all (new) is still given one: nothing can depend on it.
	MigrateRefuse
	// MigrateNone opens the store as it is, with no schema or an older
	// one, for the command that migrates it ("store migrate"). Other
	// methods may fail on an older schema.
	MigrateNone
	// MigrateNew gives a store with no schema one, as MigrateRefuse does,
	// and opens one with an older schema as it is, for the command that
	// reports on it ("store check").
	MigrateNew
)

// Migrator is implemented by a Store whose schema can be inspected and
// brought to the program's version on demand ("acctl store migrate").
type Migrator interface {
	// SchemaVersion is the highest migration applied to the store, 0 for
	// none.
	SchemaVersion(ctx context.Context) (int, error)
	// KnownVersion is the highest migration this program has.
	KnownVersion() int
	// PendingMigrations names the migrations that the store lacks, in
	// the order they would be applied ("0012_attempt_buckets.sql").
	PendingMigrations(ctx context.Context) ([]string, error)
	// Migrate applies the migrations that the store lacks and names
	// them; none when the store is up to date.
	Migrate(ctx context.Context) ([]string, error)
}

// SchemaTooOld is the error of a store opened with MigrateRefuse whose
// schema is at version have, older than want; pending names the missing
// migrations.
func SchemaTooOld(have, want int, pending []string) *Error {
	msg := fmt.Sprintf("the store's schema is at version %d, this acctl needs %d: run `acctl store migrate`", have, want)
	if len(pending) > 0 {
		msg += " (pending: " + strings.Join(pending, ", ") + ")"
	}
	return &Error{Code: CodeInvalid, Field: "store", Message: msg}
}

// SchemaTooNew is the error of a store whose schema is at version have,
// newer than the known version this program has: an older program must
// not write to tables it does not know.
func SchemaTooNew(have, known int) *Error {
	return &Error{Code: CodeInvalid, Field: "store", Message: fmt.Sprintf(
		"the store's schema is at version %d, newer than this acctl knows (%d): upgrade acctl", have, known)}
}

// PendingMigrations names the migrations that l's store lacks (see
// Migrator), for a server's readiness check; none when the store cannot
// tell (it has no numbered schema).
func (l *Local) PendingMigrations(ctx context.Context) ([]string, error) {
	m, ok := l.store.(Migrator)
	if !ok {
		return nil, nil
	}
	return m.PendingMigrations(ctx)
}
