// Package storetest is the acct.Store/Tx contract every store must pass:
// the cases that hold the same for SQLite and PostgreSQL. It uses only the
// acct.Store and acct.Tx interfaces (no SQL, no unexported store
// internals), so what a store checks with raw SQL, query plans, pragmas,
// migrations or driver error codes stays in that store's own tests.
package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/acctl/acctl/internal/acct"
)

// Run runs every case of the contract as a subtest, each on a fresh, empty
// store from open (which closes it at the end of the test).
func Run(t *testing.T, open func(t *testing.T) acct.Store) {
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { c.fn(t, open(t)) })
	}
	for _, c := range openCases {
		t.Run(c.name, func(t *testing.T) { c.fn(t, open) })
	}
}

// openCases are the cases that open stores of their own, one per subtest.
var openCases = []struct {
	name string
	fn   func(t *testing.T, open func(*testing.T) acct.Store)
}{
	{"VoidCodes", testVoidCodes},
	{"EndSessions", testEndSessions},
}

// cases are the contract's cases, in the order they run.
var cases = []struct {
	name string
	fn   func(t *testing.T, s acct.Store)
}{
	{"APIKeyInsertGet", testAPIKeyInsertGet},
	{"APIKeyConflicts", testAPIKeyConflicts},
	{"ListAPIKeys", testListAPIKeys},
	{"RevokeAPIKey", testRevokeAPIKey},
	{"TouchAPIKey", testTouchAPIKey},
	{"AddressCRUD", testAddressCRUD},
	{"AddressConflicts", testAddressConflicts},
	{"BulkImportMethods", testBulkImportMethods},
	{"AddPoints", testAddPoints},
	{"PointsLedger", testPointsLedger},
	{"Preregistrations", testPreregistrations},
	{"ReferralCodeColumns", testReferralCodeColumns},
	{"CodeInsertGet", testCodeInsertGet},
	{"CodeInsertRefused", testCodeInsertRefused},
	{"ListCodes", testListCodes},
	{"UseCode", testUseCode},
	{"ListCodesOTP", testListCodesOTP},
	{"VoidCodesPurpose", testVoidCodesPurpose},
	{"FailCodeAttempt", testFailCodeAttempt},
	{"SessionInsertGet", testSessionInsertGet},
	{"SessionInsertRefused", testSessionInsertRefused},
	{"ListSessions", testListSessions},
	{"TouchSession", testTouchSession},
	{"DeleteSessions", testDeleteSessions},
	{"ListUsersLockLapse", testListUsersLockLapse},
	{"AddLoginFailure", testAddLoginFailure},
	{"ChargeAttempt", testChargeAttempt},
	{"DeleteAttempts", testDeleteAttempts},
	{"UserCRUD", testUserCRUD},
	{"UniqueConflicts", testUniqueConflicts},
	{"SkeletonConflicts", testSkeletonConflicts}, // skeletons.go
	{"ListUsers", testListUsers},
	{"ListEvents", testListEvents},
	{"Rollback", testRollback},
	{"ViewIsReadOnly", testViewIsReadOnly},
	{"CanceledContext", testCanceledContext},
	{"ListPasswordHashes", testListPasswordHashes},
	{"ScramVerifiers", testScramVerifiers}, // scram.go
	{"Challenges", testChallenges},
	{"ClaimSetting", testClaimSetting},
	{"Jobs", testJobs},
	{"MFA", testMFA},                 // mfa.go
	{"MFAStepRace", testMFAStepRace}, // mfa.go
}

// Update runs fn in one write transaction of s.
func Update(t *testing.T, s acct.Store, fn func(context.Context, acct.Tx) error) error {
	t.Helper()
	ctx := context.Background()
	return s.Update(ctx, func(tx acct.Tx) error { return fn(ctx, tx) })
}

// t0 is the time records are created at.
var t0 = time.Date(2025, 3, 4, 5, 6, 7, 891_000_000, time.UTC)

// NewRec returns an active account named username, with an email derived
// from it when username is not "".
func NewRec(username string) *acct.UserRecord {
	rec := &acct.UserRecord{User: acct.User{
		Username:  username,
		FirstName: "First " + username,
		Status:    acct.StatusActive,
		CreatedAt: t0,
		UpdatedAt: t0,
	}}
	if username != "" {
		rec.Email = username + "@example.com"
	}
	return rec
}

// Insert inserts the accounts recs in one transaction (setting their
// ids), failing t on an error.
func Insert(t *testing.T, s acct.Store, recs ...*acct.UserRecord) {
	t.Helper()
	err := s.Update(context.Background(), func(tx acct.Tx) error {
		for _, r := range recs {
			if err := tx.InsertUser(context.Background(), r); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("insert: %v", err)
	}
}

// Get reads the account named by key in a read transaction.
func Get(t *testing.T, s acct.Store, key acct.UserKey) (*acct.UserRecord, error) {
	t.Helper()
	var rec *acct.UserRecord
	err := s.View(context.Background(), func(tx acct.Tx) error {
		var err error
		rec, err = tx.GetUser(context.Background(), key)
		return err
	})
	return rec, err
}

// CheckConflict checks that err is a conflict on field, as the stores word it.
func CheckConflict(t *testing.T, what string, err error, field string) {
	t.Helper()
	var ae *acct.Error
	if !errors.As(err, &ae) {
		t.Fatalf("%s: %v (%T), want an *acct.Error", what, err, err)
	}
	want := field + " already in use"
	if ae.Code != acct.CodeConflict || ae.Field != field || ae.Message != want {
		t.Errorf("%s: code %q field %q message %q; want conflict %q %q", what, ae.Code, ae.Field, ae.Message, field, want)
	}
}

// ptr returns a pointer to a copy of v.
func ptr[T any](v T) *T { return &v }

// ListUsers lists the accounts q selects, failing t on an error.
func ListUsers(t *testing.T, s acct.Store, q acct.UserFilter) []acct.UserRecord {
	t.Helper()
	var users []acct.UserRecord
	err := s.View(context.Background(), func(tx acct.Tx) error {
		var err error
		users, err = tx.ListUsers(context.Background(), q)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return users
}

// IDs returns the ids of users, in order.
func IDs(users []acct.UserRecord) []int64 {
	var out []int64
	for _, u := range users {
		out = append(out, u.ID)
	}
	return out
}
