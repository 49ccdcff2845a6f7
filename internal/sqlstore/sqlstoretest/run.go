package sqlstoretest

import (
	"context"
	"database/sql"
	"testing"

	"github.com/acctl/acctl/internal/acct"
	"github.com/acctl/acctl/internal/acct/accttest"
	"github.com/acctl/acctl/internal/acct/storetest"
	"github.com/acctl/acctl/internal/sqlstore"
)

// Run runs the tests of this package, each as a subtest; timesStored
// checks how the dialect stores the times of an account (see
// TimesRoundTrip).
func Run(t *testing.T, k Kit, timesStored func(t *testing.T, db *sql.DB)) {
	for _, c := range []struct {
		name string
		fn   func(*testing.T, Kit)
	}{
		{"OpenRefusesOlderSchema", OpenRefusesOlderSchema},
		{"MigrateOnDemand", MigrateOnDemand},
		{"OpenRefusesNewerSchemaInEveryMode", OpenRefusesNewerSchemaInEveryMode},
		{"MigrateSkeletons", MigrateSkeletons},
		{"MigrateFrom0003", MigrateFrom0003},
		{"Migrate0005Backfill", Migrate0005Backfill},
		{"MigrateFrom0005", MigrateFrom0005},
		{"ForeignConflict", ForeignConflict},
		{"AddressRace", AddressRace},
		{"PointsCheck", PointsCheck},
		{"EmptyKeysAreNull", EmptyKeysAreNull},
		{"TimesRoundTrip", func(t *testing.T, k Kit) { TimesRoundTrip(t, k, timesStored) }},
	} {
		t.Run(c.name, func(t *testing.T) { c.fn(t, k) })
	}
}

// openStore opens the store at where with the missing migrations applied,
// failing the test if it cannot; the caller closes it, or lets it be.
func (k Kit) openStore(t *testing.T, where string) acct.Store {
	t.Helper()
	s, err := k.Open(context.Background(), where, sqlstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// local is a Local over the store at where.
func (k Kit) local(t *testing.T, where string, opt acct.Options) *acct.Local {
	t.Helper()
	l, err := acct.NewLocal(k.openStore(t, where), opt)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// Conformance runs the acct conformance suite (accttest) on Locals over
// the dialect's stores: each case on a new store; the cases of API keys
// likewise; the cases of several services on one store (several
// processes, several servers); and the store contract's races on one
// store, after which after, if not nil, checks the database.
func Conformance(t *testing.T, k Kit, after func(t *testing.T, where string)) {
	t.Run("Service", func(t *testing.T) {
		accttest.Run(t, func(t *testing.T, opt acct.Options) acct.Service { return k.local(t, k.New(t), opt) })
	})
	t.Run("Keys", func(t *testing.T) {
		accttest.RunKeys(t, func(t *testing.T, opt acct.Options) acct.KeyManager { return k.local(t, k.New(t), opt) })
	})
	t.Run("SharedServices", func(t *testing.T) {
		accttest.RunShared(t, func(t *testing.T) func(acct.Options) acct.Service {
			where := k.New(t)
			return func(opt acct.Options) acct.Service { return k.local(t, where, opt) }
		})
	})
	opener := func(t *testing.T) func() (acct.Store, error) {
		where := k.New(t)
		if after != nil {
			t.Cleanup(func() { after(t, where) })
		}
		return func() (acct.Store, error) { return k.Open(context.Background(), where, sqlstore.Options{}) }
	}
	t.Run("SharedQueue", func(t *testing.T) { accttest.RunSharedQueue(t, opener) })
	t.Run("Races", func(t *testing.T) { storetest.RunRaces(t, opener) })
}
