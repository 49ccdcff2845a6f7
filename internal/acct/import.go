package acct

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Bulk import of accounts (Service.ImportUsers).
//
// A batch of rows is ONE write transaction. Every row is checked first
// (the rules of Register: normal forms, the password policy for a plain
// password, a readable password_hash), and a row that fails is rejected
// with its line and reason while the others are written: a bad row never
// leaves half an account.
//
// A row conflicts with an account that holds its username, any of its
// email addresses or phone numbers (primary or extra: the addresses
// table), or its foreign identity; rows of the same batch conflict with
// one another in file order, as rows of separate batches would. On a
// conflict:
//   - fail (the default) rejects the row (code conflict);
//   - skip leaves the account as it is and counts the row as skipped, so
//     an interrupted import run again with skip ends complete;
//   - update overwrites the fields the row gives (a JSON key present, a
//     CSV cell not empty) and leaves the others; an account on deletion
//     hold is not updated (refused). A row whose keys belong to two
//     accounts is rejected, whatever the mode (skip skips it).
//
// An imported account is what Register would make of the same fields:
// normalised values, a row in the addresses table for every address, a
// referral code (the row's own when it is free, else a fresh one), and
// its email taken off the waiting list. It may also carry what Register
// never sets: a status (never deleted), its times, verified addresses,
// a points balance (with its ledger row), failed logins and a lock. A
// referred_by_code names the referrer by its referral code (ids are each
// store's own): it must belong to an account of the store or of an
// earlier row. An import never sends a message: a pending account gets
// its activation link with "user activate --send".
//
// The audit trail gets one event per batch (user.import: how many were
// created, updated, skipped and rejected, and the ids), not one per row.
const (
	ActionUserImport = "user.import"
	// ActionUserExport records an export with password hashes.
	ActionUserExport = "user.export"
)

// OnConflict says what ImportUsers does with a row that conflicts with an
// account.
type OnConflict string

// The conflict modes of an import.
const (
	ConflictFail   OnConflict = "fail"   // reject the row
	ConflictSkip   OnConflict = "skip"   // leave the account, count the row as skipped
	ConflictUpdate OnConflict = "update" // overwrite the account's fields that the row gives
)

// Valid reports whether m is a known mode.
func (m OnConflict) Valid() bool {
	return m == ConflictFail || m == ConflictSkip || m == ConflictUpdate
}

// MaxImportBatch bounds the rows of one ImportBatch.
const MaxImportBatch = 10000

// ImportBatch is the input of Service.ImportUsers: rows written in one
// transaction.
type ImportBatch struct {
	Rows       []ImportRow `json:"rows"`
	OnConflict OnConflict  `json:"on_conflict,omitempty"` // "" means fail
	// DryRun checks every row (and the conflicts with the store as it is)
	// and writes nothing.
	DryRun bool `json:"dry_run,omitempty"`

	// prepared is the per-row work of PrepareImport, done ahead of
	// ImportUsers (never sent over the wire).
	prepared *preparedRows
}

// ImportPreparer is implemented by a Service that checks import rows in
// the caller's process (Local; not remote.Client, whose server checks
// them). PrepareImport does the per-row work of ImportUsers ahead of it:
// every row is checked and normalised by Register's rules (normal forms,
// the password policy, the hash's format) and the skeletons of its
// identifiers are worked out, so that ImportUsers, which runs one batch
// at a time in a write transaction, only plans and writes. The result
// is kept in b: ImportUsers of that batch (by the same Local, with the
// same rows) uses it, and any other call checks the rows itself, so the
// rules hold whether or not a batch was prepared.
//
// PrepareImport touches no store, calls nothing that sends, and may run
// on several goroutines at once, one batch each ("user import" prepares
// batches on every core while the last one is written). The rows must
// not change after it; a second factor (mfa) is still checked by
// ImportUsers, against the installation secret.
type ImportPreparer interface {
	PrepareImport(b *ImportBatch)
}

// preparedRows are the checked rows of a batch, and who checked which
// rows.
type preparedRows struct {
	by    *Local
	first *ImportRow // &Rows[0] when prepared, to tell the batch's rows
	n     int
	items []*importItem
}

// PrepareImport checks the rows of b ahead of ImportUsers; see
// ImportPreparer.
func (l *Local) PrepareImport(b *ImportBatch) {
	b.prepared = nil
	if len(b.Rows) == 0 || len(b.Rows) > MaxImportBatch {
		return // ImportUsers refuses it, or has nothing to do
	}
	items := make([]*importItem, len(b.Rows))
	for i := range b.Rows {
		items[i] = l.normalizeItem(&b.Rows[i], i+1)
	}
	b.prepared = &preparedRows{by: l, first: &b.Rows[0], n: len(b.Rows), items: items}
}

// preparedItems are in's rows as PrepareImport checked them, or nil when
// it did not (or another Local did, or the rows are others).
func (l *Local) preparedItems(in *ImportBatch) []*importItem {
	p := in.prepared
	if p == nil || p.by != l || p.n != len(in.Rows) || len(in.Rows) == 0 || p.first != &in.Rows[0] {
		return nil
	}
	return p.items
}

// ImportRow is one account to import: the fields of "user get"'s JSON
// (a nil field is not given), plus password or password_hash. Fields
// that only a store knows are taken as follows: id and referred_by are
// ignored (ids are the store's own; referred_by_code names a referrer),
// has_password true requires a password, a password_hash, or (in an
// update) an account that has one; has_password false without either
// removes an updated account's password.
type ImportRow struct {
	// Line is the row's line in its file, for the report; 0 means its
	// position in the batch, from 1.
	Line          int        `json:"line,omitempty"`
	ID            *int64     `json:"id,omitempty"`
	Username      *string    `json:"username,omitempty"`
	Email         *string    `json:"email,omitempty"`
	EmailVerified *bool      `json:"email_verified,omitempty"`
	Phone         *string    `json:"phone,omitempty"`
	PhoneVerified *bool      `json:"phone_verified,omitempty"`
	FirstName     *string    `json:"first_name,omitempty"`
	LastName      *string    `json:"last_name,omitempty"`
	Language      *string    `json:"language,omitempty"`
	Admin         *bool      `json:"admin,omitempty"`
	Status        *Status    `json:"status,omitempty"`
	HoldUntil     *time.Time `json:"hold_until,omitempty"`
	// HeldFrom is the status a held account returns to when restored:
	// active (the default), pending or locked.
	HeldFrom     *Status    `json:"held_from,omitempty"`
	Foreign      *string    `json:"foreign,omitempty"`
	HasPassword  *bool      `json:"has_password,omitempty"`
	FailedLogins *int       `json:"failed_logins,omitempty"`
	LockedUntil  *time.Time `json:"locked_until,omitempty"`
	LockReason   *string    `json:"lock_reason,omitempty"`
	CreatedAt    *time.Time `json:"created_at,omitempty"`
	UpdatedAt    *time.Time `json:"updated_at,omitempty"`
	ReferralCode *string    `json:"referral_code,omitempty"`
	ReferredBy   *int64     `json:"referred_by,omitempty"`
	// ReferredByCode is the referral code of the account that referred
	// this one.
	ReferredByCode *string `json:"referred_by_code,omitempty"`
	Points         *int64  `json:"points,omitempty"`
	// Addresses are the account's addresses as "user get" shows them: the
	// extra ones, and for a primary address (which the email or phone
	// field gives) its times. Without an entry a primary address was
	// added when the account was made, verified then if it is verified.
	// nil leaves an updated account's extra addresses as they are; an
	// empty list removes them.
	Addresses []Address `json:"addresses,omitzero"`
	// Password is a plain password, checked against the policy and hashed
	// with argon2id by the core.
	Password string `json:"password,omitempty"`
	// PasswordHash is a hash from another system, in a scheme that
	// IdentifyHash reads; it is replaced by argon2id at the next good login.
	// PostgreSQL's SCRAM-SHA-256$… text form is one: the account then
	// has that SCRAM verifier too.
	PasswordHash string `json:"password_hash,omitempty"`
	// MFA is a second factor from an export with hashes: its secret
	// sealed under this installation's secret. It replaces an updated
	// account's factor.
	MFA *ExportMFA `json:"mfa,omitempty"`
	// ScramVerifier is a SCRAM-SHA-256 verifier in PostgreSQL's text form
	// (as `user export --with-hashes` writes it): with PasswordHash, the
	// verifier of the same password; alone, it is the password hash too.
	ScramVerifier string `json:"scram_verifier,omitempty"`
}

// ImportResult is what ImportUsers did with a batch (or, in a dry run,
// would do).
type ImportResult struct {
	DryRun   bool              `json:"dry_run"`
	Read     int               `json:"read"`
	Created  int               `json:"created"`
	Updated  int               `json:"updated"`
	Skipped  int               `json:"skipped"`
	Rejected []ImportRejection `json:"rejected"`
}

// ImportRejection is a row that was not imported, and why.
type ImportRejection struct {
	Line   int    `json:"line"`
	Code   Code   `json:"code"`
	Field  string `json:"field,omitempty"`
	Reason string `json:"reason"`
}

// BulkTx is what a Store's Tx offers, besides Tx, for bulk import and
// export: look-ups and writes of many rows in few statements. Both stores
// implement it; Local refuses to import or export through a Tx without it.
type BulkTx interface {
	// FindKeys reports which accounts hold the given keys (in normal
	// form): usernames, foreign identities, referral codes and username
	// skeletons in the accounts; email addresses, phone numbers and email
	// skeletons in the addresses table, primary or extra. Keys that nobody
	// holds are left out.
	FindKeys(ctx context.Context, keys []UserKey) ([]KeyOwner, error)
	// GetUsers returns the accounts of ids, in id order, leaving out ids
	// that do not exist. Inside Update the rows stay current until the
	// transaction ends, as with GetUser.
	GetUsers(ctx context.Context, ids []int64) ([]UserRecord, error)
	// InsertUsers stores new accounts in order, each with its Points as
	// its starting balance (Local writes the ledger row), and sets their
	// IDs. A unique key taken is a CodeConflict, as with InsertUser.
	InsertUsers(ctx context.Context, recs []*UserRecord) error
	// InsertAddresses stores addresses in order (Seq is not set). An
	// address taken is a CodeConflict, as with InsertAddress.
	InsertAddresses(ctx context.Context, recs []*AddressRecord) error
	// ListAddressesOf returns the addresses of the accounts userIDs, by
	// account id, then as ListAddresses orders one account's.
	ListAddressesOf(ctx context.Context, userIDs []int64) ([]AddressRecord, error)
	// InsertPointsEntries appends rows to the points ledger (ID is not
	// set).
	InsertPointsEntries(ctx context.Context, es []*PointsEntry) error
	// DeletePreregistrations takes the email addresses off the waiting
	// list and returns the entries it removed, with the same guarantee
	// against a concurrent InsertPreregistration as DeletePreregistration.
	DeletePreregistrations(ctx context.Context, emails []string) ([]Preregistration, error)
}

// KeyOwner says which account holds a key.
type KeyOwner struct {
	Key    UserKey
	UserID int64
}

// bulk returns tx's BulkTx.
func bulk(tx Tx) (BulkTx, error) {
	bt, ok := tx.(BulkTx)
	if !ok {
		return nil, Errorf(CodeInternal, "this store cannot import or export in bulk")
	}
	return bt, nil
}

// importItem is one row on its way in: checked and normalised before any
// transaction, hashed (a plain password) once it is known to be written.
type importItem struct {
	line int
	row  *ImportRow
	err  error      // why the row is rejected before any look-up
	n    UserRecord // the normal forms of the fields the row gives
	keys []UserKey  // the unique keys the row claims
	// entries are the row's addresses in normal form, nil when not given.
	entries []Address
	plain   bool   // a plain password: hash is made when needed
	hash    string // password_hash as given, or the hash of Password
	scram   string // the SCRAM verifier as given, or made with the hash of Password
	code    string // referral_code, normalised
	invite  string // referred_by_code, normalised
	// skeletons of the normalised username and email addresses.
	skeletons []skeletonOf
}

// errUnhashed stops a write transaction whose plan needs hashes that were
// not made yet (the plan changed since the one made without the lock).
var errUnhashed = errors.New("acct: import: passwords to hash")

// importAttempts bounds the runs of a batch's transaction: again after a
// racing writer took a key (a conflict from the store), or when the plan
// needs more hashes.
const importAttempts = 4

// ImportUsers imports a batch of accounts in one transaction; see the
// rules above.
func (l *Local) ImportUsers(ctx context.Context, in ImportBatch) (*ImportResult, error) {
	if err := l.permit(ctx, "ImportUsers"); err != nil {
		return nil, err
	}
	mode := in.OnConflict
	if mode == "" {
		mode = ConflictFail
	}
	if !mode.Valid() {
		return nil, FieldError("on_conflict", "%q is not one of fail, skip, update", in.OnConflict)
	}
	if len(in.Rows) > MaxImportBatch {
		return nil, FieldError("rows", "%d rows in one batch, at most %d", len(in.Rows), MaxImportBatch)
	}
	for i := range in.Rows {
		if in.Rows[i].MFA != nil { // a sealed secret is checked against this installation's
			if len(l.opt.Secret) < MinSecretLength {
				return nil, &Error{Code: CodeInvalid, Field: SecretFileField,
					Message: "rows with a second factor (mfa) need the installation secret they were sealed under: set secret_file"}
			}
			if err := l.secretReady(ctx); err != nil {
				return nil, err
			}
			break
		}
	}
	items := l.preparedItems(&in)
	if items != nil {
		for _, it := range items {
			if it.err == nil && it.row.MFA != nil {
				it.err = l.checkImportMFA(it.row.MFA)
			}
		}
	} else {
		items = make([]*importItem, len(in.Rows))
		for i := range in.Rows {
			items[i] = l.checkRow(&in.Rows[i], i+1)
		}
	}
	plain := false
	for _, it := range items {
		plain = plain || (it.err == nil && it.plain)
	}
	if len(items) == 0 {
		return &ImportResult{DryRun: in.DryRun, Rejected: []ImportRejection{}}, nil
	}
	if in.DryRun {
		var p *importPlan
		err := l.store.View(ctx, func(tx Tx) (err error) {
			p, err = l.plan(ctx, tx, items, mode)
			return err
		})
		if err != nil {
			return nil, wrap(err, "import users")
		}
		return p.result(true), nil
	}
	if plain {
		// Plan without the write lock first, so that only the passwords of
		// rows to be written are hashed, and hashed outside the transaction.
		var p *importPlan
		err := l.store.View(ctx, func(tx Tx) (err error) {
			p, err = l.plan(ctx, tx, items, mode)
			return err
		})
		if err != nil {
			return nil, wrap(err, "import users")
		}
		if err := l.hashItems(ctx, p.unhashed()); err != nil {
			return nil, err
		}
	}
	for attempt := 1; ; attempt++ {
		var p *importPlan
		err := l.store.Update(ctx, func(tx Tx) (err error) {
			if p, err = l.plan(ctx, tx, items, mode); err != nil {
				return err
			}
			if len(p.unhashed()) > 0 {
				return errUnhashed
			}
			return l.writePlan(ctx, tx, p)
		})
		switch {
		case err == nil:
			return p.result(false), nil
		case attempt == importAttempts:
		case errors.Is(err, errUnhashed):
			if err := l.hashItems(ctx, p.unhashed()); err != nil {
				return nil, err
			}
			continue
		case IsCode(err, CodeConflict): // a racing writer took a key: plan again
			continue
		}
		if errors.Is(err, errUnhashed) {
			err = Errorf(CodeUnavailable, "import users: the store kept changing under the batch: try again")
		}
		return nil, wrap(err, "import users")
	}
}

// checkRow validates and normalises one row; a failure is kept in the
// item's err.
func (l *Local) checkRow(row *ImportRow, pos int) *importItem {
	it := l.normalizeItem(row, pos)
	if it.err == nil && row.MFA != nil {
		it.err = l.checkImportMFA(row.MFA)
	}
	return it
}

// normalizeItem is checkRow but for the second factor: what depends on
// the row alone (PrepareImport runs it ahead of the transaction).
func (l *Local) normalizeItem(row *ImportRow, pos int) *importItem {
	r := *row // normalizeRow rewrites its times: not the caller's
	it := &importItem{line: row.Line, row: &r}
	if it.line <= 0 {
		it.line = pos
	}
	if it.err = l.normalizeRow(it); it.err == nil {
		it.skeletons = itemSkeletons(it)
	}
	return it
}

// itemSkeletons are the skeletons (identifiers.go) of the username and
// email addresses a row gives, worked out once, with the row's check, for
// the plan's look-ups and look-alike checks.
func itemSkeletons(it *importItem) []skeletonOf {
	var out []skeletonOf
	add := func(v string) {
		if v != "" {
			out = append(out, skeletonOf{v, Skeleton(v)})
		}
	}
	add(it.n.Username)
	if it.n.Email != it.n.Username {
		add(it.n.Email)
	}
	for _, a := range it.entries {
		if a.Kind == AddressEmail && a.Value != it.n.Email {
			add(a.Value)
		}
	}
	return out
}

// skeletonOf is an identifier and its Skeleton.
type skeletonOf struct{ value, skeleton string }

func (l *Local) normalizeRow(it *importItem) error {
	row, n := it.row, &it.n
	var err error
	str := func(p *string, dst *string, f func(string) (string, error)) {
		if p != nil && err == nil {
			*dst, err = f(*p)
		}
	}
	str(row.Username, &n.Username, NormalizeUsername)
	str(row.Email, &n.Email, NormalizeEmail)
	str(row.Phone, &n.Phone, func(s string) (string, error) { return NormalizePhone(s, l.opt.PhoneRegion) })
	str(row.Foreign, &n.Foreign, NormalizeForeign)
	str(row.FirstName, &n.FirstName, func(s string) (string, error) { return NormalizeName("first_name", s) })
	str(row.LastName, &n.LastName, func(s string) (string, error) { return NormalizeName("last_name", s) })
	str(row.Language, &n.Language, NormalizeLanguage)
	str(row.LockReason, &n.LockReason, func(s string) (string, error) { return normalizeNote("lock_reason", s) })
	str(row.ReferralCode, &it.code, func(s string) (string, error) { return importCode("referral_code", s) })
	str(row.ReferredByCode, &it.invite, func(s string) (string, error) { return importCode("referred_by_code", s) })
	if err != nil {
		return err
	}
	if s := row.Status; s != nil {
		switch {
		case *s == StatusDeleted:
			return FieldError("status", "a deleted account cannot be imported")
		case !s.Valid():
			return FieldError("status", "%q is not one of active, pending, locked, held", *s)
		}
	}
	if h := row.HeldFrom; h != nil && *h != StatusActive && *h != StatusPending && *h != StatusLocked {
		return FieldError("held_from", "%q is not one of active, pending, locked", *h)
	}
	if p := row.Points; p != nil && (*p < 0 || *p > MaxPointsDelta) {
		return FieldError("points", "must be between 0 and %d", MaxPointsDelta)
	}
	if f := row.FailedLogins; f != nil && *f < 0 {
		return FieldError("failed_logins", "must not be negative")
	}
	for _, t := range []**time.Time{&row.HoldUntil, &row.LockedUntil, &row.CreatedAt, &row.UpdatedAt} {
		if *t != nil {
			v := (*t).UTC().Truncate(time.Millisecond)
			*t = &v
		}
	}
	switch {
	case row.Password != "" && row.PasswordHash != "":
		return FieldError("password", "give password or password_hash, not both")
	case row.Password != "" && row.ScramVerifier != "":
		return FieldError("scram_verifier", "give password or scram_verifier, not both: the verifier of a plain password is made here")
	case row.Password != "":
		if err := CheckPassword(row.Password, l.opt.PasswordMinLength, n.Username, n.Email); err != nil {
			return err
		}
		it.plain = true
	case row.PasswordHash != "":
		// Check refuses what no login could verify: a firebase-scrypt
		// hash without the project's parameters, or of another length
		// than its signer key.
		if _, err := l.hasher().Check(row.PasswordHash); err != nil {
			return err
		}
		it.hash = row.PasswordHash
		if strings.HasPrefix(it.hash, ScramMechanism+"$") {
			it.scram = it.hash // PostgreSQL's verifier: the hash, and the verifier
		}
	}
	if row.ScramVerifier != "" {
		if _, err := ParseScramVerifier(row.ScramVerifier); err != nil {
			return FieldError("scram_verifier", "%v", err)
		}
		it.scram = row.ScramVerifier
		if it.hash == "" { // a verifier alone is the password hash too
			it.hash = row.ScramVerifier
		}
	}
	if err := l.normalizeEntries(it); err != nil {
		return err
	}
	for _, k := range []struct {
		f KeyField
		v string
	}{{KeyUsername, n.Username}, {KeyForeign, n.Foreign}, {KeyEmail, n.Email}, {KeyPhone, n.Phone}} {
		if k.v != "" {
			it.keys = append(it.keys, UserKey{Field: k.f, Value: k.v})
		}
	}
	for _, a := range it.entries {
		if !a.Primary {
			it.keys = append(it.keys, UserKey{Field: addressKey(a.Kind), Value: a.Value})
		}
	}
	return nil
}

// importCode normalises a referral code of an import row.
func importCode(field, s string) (string, error) {
	if strings.TrimSpace(s) == "" {
		return "", nil
	}
	c, err := NormalizeReferralCode(s)
	if err != nil {
		return "", FieldError(field, "%q is not a referral code (%d letters and digits)", strings.TrimSpace(s), ReferralCodeLength)
	}
	return c, nil
}

// normalizeEntries checks the row's addresses: known kinds, normal forms,
// no address twice, a primary entry only for the row's own email or
// phone, and no extra address equal to it.
func (l *Local) normalizeEntries(it *importItem) error {
	if it.row.Addresses == nil {
		return nil
	}
	it.entries = make([]Address, 0, len(it.row.Addresses))
	seen := map[UserKey]bool{}
	for _, a := range it.row.Addresses {
		v, err := l.normalizeAddress(a.Kind, a.Value)
		if err != nil {
			e := err.(*Error)
			return &Error{Code: CodeInvalid, Field: "addresses", Message: "addresses: " + e.Message, Err: err}
		}
		k := UserKey{Field: addressKey(a.Kind), Value: v}
		if seen[k] {
			return FieldError("addresses", "%s %s is there twice", a.Kind, v)
		}
		seen[k] = true
		given, primary := it.row.Email, it.n.Email
		if a.Kind == AddressPhone {
			given, primary = it.row.Phone, it.n.Phone
		}
		switch {
		case a.Primary && (given == nil || primary != v):
			return FieldError("addresses", "the primary %s %s is not the row's %s", a.Kind, v, a.Kind)
		case !a.Primary && given != nil && primary == v:
			return FieldError("addresses", "%s %s is the row's primary %s, not an extra one", a.Kind, v, a.Kind)
		}
		e := Address{Kind: a.Kind, Value: v, Primary: a.Primary, Verified: a.Verified}
		if !a.CreatedAt.IsZero() {
			e.CreatedAt = a.CreatedAt.UTC().Truncate(time.Millisecond)
		}
		if a.Verified && a.VerifiedAt != nil {
			t := a.VerifiedAt.UTC().Truncate(time.Millisecond)
			e.VerifiedAt = &t
		}
		it.entries = append(it.entries, e)
	}
	return nil
}

// addressKey is the user key that looks up an address of kind.
func addressKey(kind AddressKind) KeyField {
	if kind == AddressPhone {
		return KeyPhone
	}
	return KeyEmail
}

// importPlan is what a batch does, worked out inside a transaction: for
// each row created, updated, skipped or rejected, and the accounts as
// they will be written.
type importPlan struct {
	mode  OnConflict
	now   time.Time
	items []*importItem
	out   []rowOutcome
	accs  []*importAcc // the accounts created or updated, in order
	// claims maps the keys of the batch's accounts to them; nil marks a
	// key an update let go.
	claims map[UserKey]*importAcc
	// skeletons maps the skeleton keys (KeyUsernameSkeleton,
	// KeyEmailSkeleton) of the batch's accounts to them, as claims does.
	skeletons map[UserKey]*importAcc
	owners    map[UserKey]int64     // who holds a key in the store
	byID      map[int64]*importAcc  // the store's accounts the batch updates
	codes     map[string]*importAcc // the referral codes of the new accounts
	tx        Tx
	bt        BulkTx
	// skel holds the skeletons worked out so far, by value: those of the
	// rows' identifiers come with the rows (itemSkeletons).
	skel map[string]string
}

// skeleton is Skeleton(v), worked out once a plan: a value is looked at
// several times (look-ups, look-alike checks, claims, the write), and
// Skeleton is the costliest step of a row after its check.
func (p *importPlan) skeleton(v string) string {
	if v == "" {
		return ""
	}
	if s, ok := p.skel[v]; ok {
		return s
	}
	s := Skeleton(v)
	p.skel[v] = s
	return s
}

// rowAction is the fate of a row.
type rowAction int

const (
	rowRejected rowAction = iota
	rowCreated
	rowUpdated
	rowSkipped
)

type rowOutcome struct {
	action rowAction
	err    error
}

// importAcc is an account that the batch creates or updates.
type importAcc struct {
	isNew bool
	line  int // the row that made or first updated it
	// applied is set once a row changed it: a stored account loaded for
	// a row that was then rejected is not written.
	applied bool
	st      accState
	// old and oldAddrs are an updated account as stored.
	old      *UserRecord
	oldAddrs []AddressRecord
	// skeletons are the skeleton keys acc claimed last (claim).
	skeletons []UserKey
	// referrer of a new account: one of the batch's, or a stored id.
	referrer   *importAcc
	referrerID int64
}

// accState is what the rows say of an account so far; a row is applied
// to a copy, kept only when the row is accepted.
type accState struct {
	rec UserRecord
	// entries are the addresses that the last row giving them gave.
	entries      []Address
	entriesGiven bool
	points       *int64
	// security is set when a change must end the sessions and void the
	// codes of an updated account: its password, status or addresses.
	security bool
	// mfa is the second factor the last row giving one gave.
	mfa *ExportMFA
	// scram is the SCRAM verifier of the password the rows set (scramSet),
	// "" for none: written beside the hash.
	scram    string
	scramSet bool
}

func (l *Local) plan(ctx context.Context, tx Tx, items []*importItem, mode OnConflict) (*importPlan, error) {
	bt, err := bulk(tx)
	if err != nil {
		return nil, err
	}
	p := &importPlan{mode: mode, now: l.now(), items: items, out: make([]rowOutcome, len(items)),
		claims: map[UserKey]*importAcc{}, skeletons: map[UserKey]*importAcc{},
		owners: map[UserKey]int64{}, byID: map[int64]*importAcc{},
		codes: map[string]*importAcc{}, tx: tx, bt: bt, skel: map[string]string{}}
	for _, it := range items {
		for _, s := range it.skeletons {
			p.skel[s.value] = s.skeleton
		}
	}
	var keys []UserKey
	for _, it := range items {
		if it.err != nil {
			continue
		}
		keys = append(keys, it.keys...)
		keys = append(keys, p.rowSkeletons(it.keys)...)
		for _, c := range []string{it.code, it.invite} {
			if c != "" {
				keys = append(keys, UserKey{Field: KeyReferralCode, Value: c})
			}
		}
	}
	if err := p.lookUp(ctx, keys); err != nil {
		return nil, err
	}
	for i, it := range items {
		if it.err != nil {
			p.out[i] = rowOutcome{action: rowRejected, err: it.err}
			continue
		}
		p.out[i] = p.row(ctx, l, it)
		if p.out[i].err != nil && !isRowError(p.out[i].err) {
			return nil, p.out[i].err // a store failure
		}
	}
	if err := p.drawCodes(ctx, l); err != nil {
		return nil, err
	}
	return p, nil
}

// isRowError reports whether err rejects a row (rather than failing the
// batch).
func isRowError(err error) bool {
	switch ErrorCode(err) {
	case CodeInvalid, CodeConflict, CodeRefused, CodeNotFound:
		return true
	}
	return false
}

// lookUp asks the store who holds keys, in one call.
func (p *importPlan) lookUp(ctx context.Context, keys []UserKey) error {
	if len(keys) == 0 {
		return nil
	}
	owners, err := p.bt.FindKeys(ctx, keys)
	if err != nil {
		return err
	}
	for _, o := range owners {
		p.owners[o.Key] = o.UserID
	}
	return nil
}

// target is an account a row's key belongs to: one of the batch's, or a
// stored one not yet loaded.
type target struct {
	acc *importAcc
	id  int64
	key UserKey
}

func (p *importPlan) targets(keys []UserKey) []target {
	var ts []target
	for _, k := range keys {
		t := target{key: k}
		if a, ok := p.claims[k]; ok {
			if a == nil {
				continue // let go by an update of this batch
			}
			t.acc = a
		} else if id, ok := p.owners[k]; ok {
			if a := p.byID[id]; a != nil {
				continue // a loaded account no longer holds it (its keys are claimed)
			}
			t.id = id
		} else {
			continue
		}
		if !slices.ContainsFunc(ts, func(u target) bool { return u.acc == t.acc && u.id == t.id }) {
			ts = append(ts, t)
		}
	}
	return ts
}

// who names the holder of a key in a message.
func (t target) who() string {
	switch {
	case t.acc == nil:
		return fmt.Sprintf("user %d", t.id)
	case !t.acc.isNew:
		return fmt.Sprintf("user %d", t.acc.old.ID)
	}
	return fmt.Sprintf("the account of line %d", t.acc.line)
}

func keyName(k UserKey) string {
	if k.Field == KeyForeign {
		return "foreign identity"
	}
	return string(k.Field)
}

// conflictError says which keys of a row are whose.
func conflictError(ts []target) error {
	var parts []string
	for i, t := range ts {
		if i == 0 {
			parts = append(parts, fmt.Sprintf("%s already in use by %s", keyName(t.key), t.who()))
		} else {
			parts = append(parts, fmt.Sprintf("%s by %s", keyName(t.key), t.who()))
		}
	}
	return &Error{Code: CodeConflict, Field: string(ts[0].key.Field), Message: strings.Join(parts, ", ")}
}

// row decides the fate of one checked row and applies it.
func (p *importPlan) row(ctx context.Context, l *Local, it *importItem) rowOutcome {
	ts := p.targets(it.keys)
	switch {
	case len(ts) == 0:
		acc := &importAcc{isNew: true, line: it.line}
		acc.st.rec.Status = StatusActive
		acc.st.rec.CreatedAt, acc.st.rec.UpdatedAt = p.now, p.now
		st, err := p.apply(acc, it)
		if err != nil {
			return rowOutcome{err: err}
		}
		if err := p.lookAlike(acc, st); err != nil {
			return rowOutcome{err: err}
		}
		acc.st = st
		if err := p.refer(acc, it); err != nil {
			return rowOutcome{err: err}
		}
		acc.applied = true
		p.claim(acc, nil)
		p.accs = append(p.accs, acc)
		return rowOutcome{action: rowCreated}
	case p.mode == ConflictSkip:
		return rowOutcome{action: rowSkipped}
	case len(ts) > 1, p.mode == ConflictFail:
		return rowOutcome{err: conflictError(ts)}
	}
	acc := ts[0].acc
	if acc == nil {
		var err error
		if acc, err = p.load(ctx, ts[0].id, it.line); err != nil {
			return rowOutcome{err: err}
		}
	}
	if !acc.isNew {
		if err := writable(&acc.st.rec); err != nil {
			return rowOutcome{err: err}
		}
	}
	before := p.keysOf(acc)
	st, err := p.apply(acc, it)
	if err != nil {
		return rowOutcome{err: err}
	}
	if err := p.lookAlike(acc, st); err != nil {
		return rowOutcome{err: err}
	}
	acc.st, acc.applied = st, true
	p.claim(acc, before)
	return rowOutcome{action: rowUpdated}
}

// load reads a stored account that the batch updates, and its addresses.
func (p *importPlan) load(ctx context.Context, id int64, line int) (*importAcc, error) {
	rec, err := p.tx.GetUser(ctx, UserKey{Field: KeyID, ID: id})
	if err != nil {
		return nil, err
	}
	addrs, err := p.tx.ListAddresses(ctx, id, "")
	if err != nil {
		return nil, err
	}
	old := *rec
	acc := &importAcc{line: line, old: &old, oldAddrs: addrs, st: accState{rec: *rec}}
	p.byID[id] = acc
	p.accs = append(p.accs, acc)
	p.claim(acc, nil)
	return acc, nil
}

// claim records acc's keys as the batch's, letting go of those in before
// that it no longer has; and its skeleton keys likewise.
func (p *importPlan) claim(acc *importAcc, before []UserKey) {
	now := p.keysOf(acc)
	for _, k := range before {
		if !slices.Contains(now, k) {
			p.claims[k] = nil
		}
	}
	for _, k := range now {
		p.claims[k] = acc
	}
	for _, k := range acc.skeletons {
		if p.skeletons[k] == acc {
			p.skeletons[k] = nil // let go, unless it still has it
		}
	}
	acc.skeletons = p.skeletonsOf(acc, acc.st)
	for _, k := range acc.skeletons {
		p.skeletons[k] = acc
	}
}

// rowSkeletons are the skeleton keys of a row's usernames and email
// addresses, for FindKeys.
func (p *importPlan) rowSkeletons(keys []UserKey) []UserKey {
	var out []UserKey
	for _, k := range keys {
		switch k.Field {
		case KeyUsername:
			out = append(out, UserKey{Field: KeyUsernameSkeleton, Value: p.skeleton(k.Value)})
		case KeyEmail:
			out = append(out, UserKey{Field: KeyEmailSkeleton, Value: p.skeleton(k.Value)})
		}
	}
	return out
}

// skeletonsOf lists the skeleton keys that acc will hold in state st, as
// writePlan stores them: a value kept from the store keeps its stored
// skeleton (none for one that looked like an older one before skeletons
// were kept: identifiers.go).
func (p *importPlan) skeletonsOf(acc *importAcc, st accState) []UserKey {
	var ks []UserKey
	sk := p.skeleton(st.rec.Username)
	if acc.old != nil && st.rec.Username == acc.old.Username {
		sk = acc.old.UsernameSkeleton
	}
	if sk != "" {
		ks = append(ks, UserKey{Field: KeyUsernameSkeleton, Value: sk})
	}
	next := *acc
	next.st = st
	for _, a := range p.finalAddresses(&next) {
		if a.Kind == AddressEmail && a.Skeleton != "" {
			ks = append(ks, UserKey{Field: KeyEmailSkeleton, Value: a.Skeleton})
		}
	}
	return ks
}

// lookAlike refuses state st of acc when its username or one of its
// email addresses looks like another account's (the same skeleton): one
// of the batch's, or a stored one that the batch does not change. The
// store's unique keys would refuse it when the batch is written, failing
// the whole batch; so the row alone is rejected.
func (p *importPlan) lookAlike(acc *importAcc, st accState) error {
	for _, k := range p.skeletonsOf(acc, st) {
		var t target
		if a, ok := p.skeletons[k]; ok {
			if a == nil || a == acc {
				continue // let go by the batch, or acc's own
			}
			t.acc = a
		} else if id, ok := p.owners[k]; ok {
			if p.byID[id] != nil || (acc.old != nil && acc.old.ID == id) {
				continue // loaded: its skeletons are in p.skeletons
			}
			t.id = id
		} else {
			continue
		}
		field := "username"
		if k.Field == KeyEmailSkeleton {
			field = "email"
		}
		return &Error{Code: CodeConflict, Field: field, Message: fmt.Sprintf(
			"%s looks the same as one in use by %s (it differs only in characters that look alike)", field, t.who())}
	}
	return nil
}

// keysOf lists the unique keys acc holds in its current state.
func (p *importPlan) keysOf(acc *importAcc) []UserKey {
	r := &acc.st.rec
	var ks []UserKey
	for _, k := range []UserKey{{Field: KeyUsername, Value: r.Username}, {Field: KeyForeign, Value: r.Foreign},
		{Field: KeyEmail, Value: r.Email}, {Field: KeyPhone, Value: r.Phone}} {
		if k.Value != "" {
			ks = append(ks, k)
		}
	}
	for _, a := range p.finalAddresses(acc) {
		if !a.Primary {
			ks = append(ks, UserKey{Field: addressKey(a.Kind), Value: a.Value})
		}
	}
	return ks
}

// apply returns acc's state with the row's fields written over it,
// checked as a whole.
func (p *importPlan) apply(acc *importAcc, it *importItem) (accState, error) {
	st := acc.st
	r, row, n := &st.rec, it.row, &it.n
	if row.MFA != nil {
		st.mfa = row.MFA
	}
	if row.Username != nil {
		r.Username = n.Username
	}
	if row.Email != nil && n.Email != r.Email {
		r.Email, r.EmailVerified, st.security = n.Email, false, true
	}
	if row.EmailVerified != nil {
		r.EmailVerified = *row.EmailVerified
	}
	if row.Phone != nil && n.Phone != r.Phone {
		r.Phone, r.PhoneVerified, st.security = n.Phone, false, true
	}
	if row.PhoneVerified != nil {
		r.PhoneVerified = *row.PhoneVerified
	}
	if row.FirstName != nil {
		r.FirstName = n.FirstName
	}
	if row.LastName != nil {
		r.LastName = n.LastName
	}
	if row.Language != nil {
		r.Language = n.Language
	}
	if row.Admin != nil {
		r.Admin = *row.Admin
	}
	if row.Foreign != nil {
		r.Foreign = n.Foreign
	}
	if row.Status != nil {
		if *row.Status != r.Status {
			st.security = true
		}
		r.Status = *row.Status
		if r.Status != StatusHeld {
			r.HoldUntil, r.HeldFrom = nil, ""
		}
		if r.Status != StatusLocked && row.LockedUntil == nil {
			r.LockedUntil, r.LockReason = nil, ""
		}
	}
	if row.HoldUntil != nil {
		r.HoldUntil = row.HoldUntil
	}
	if row.HeldFrom != nil {
		r.HeldFrom = *row.HeldFrom
	}
	if row.LockedUntil != nil {
		r.LockedUntil = row.LockedUntil
	}
	if row.LockReason != nil {
		r.LockReason = n.LockReason
	}
	if row.FailedLogins != nil {
		r.FailedLogins = *row.FailedLogins
	}
	if row.CreatedAt != nil {
		r.CreatedAt = *row.CreatedAt
	}
	r.UpdatedAt = p.now
	if row.UpdatedAt != nil {
		r.UpdatedAt = *row.UpdatedAt
	}
	switch {
	case it.plain || it.hash != "":
		r.PasswordHash, r.HasPassword, st.security = it.hash, true, true
		st.scram, st.scramSet = it.scram, true
	case row.HasPassword != nil && !*row.HasPassword:
		if r.HasPassword {
			st.security = true
		}
		r.PasswordHash, r.HasPassword = "", false
	case row.HasPassword != nil && *row.HasPassword && !r.HasPassword:
		return st, FieldError("has_password", "true, but the row has no password or password_hash (export with --with-hashes, or leave has_password out to import the account without a password)")
	}
	if row.Points != nil {
		st.points = row.Points
	}
	if it.entries != nil {
		st.entries, st.entriesGiven, st.security = it.entries, true, true
	}
	switch {
	case r.Email == "" && r.Phone == "" && r.Foreign == "":
		return st, FieldError("email", "an email or a phone is required (or a foreign identity)")
	case r.Status == StatusHeld && r.HoldUntil == nil:
		return st, FieldError("hold_until", "required with status held")
	case r.Status != StatusHeld && row.HeldFrom != nil:
		return st, FieldError("held_from", "only with status held: the status a restore returns the account to")
	}
	next := *acc
	next.st = st
	counts := map[AddressKind]int{}
	for _, a := range p.finalAddresses(&next) {
		if counts[a.Kind]++; counts[a.Kind] > MaxAddresses {
			return st, &Error{Code: CodeRefused, Field: string(a.Kind),
				Message: fmt.Sprintf("%s: more than %d %ss", a.Kind, MaxAddresses, kindNoun(a.Kind))}
		}
	}
	return st, nil
}

// refer gives a new account its referral code (the row's, when no
// account has it) and finds its referrer.
func (p *importPlan) refer(acc *importAcc, it *importItem) error {
	if it.invite != "" {
		if it.invite == it.code {
			return FieldError("referred_by_code", "%s is the account's own referral code", it.invite)
		}
		if a := p.codes[it.invite]; a != nil {
			acc.referrer = a
		} else if id, ok := p.owners[UserKey{Field: KeyReferralCode, Value: it.invite}]; ok {
			acc.referrerID = id
		} else {
			return &Error{Code: CodeNotFound, Field: "referred_by_code",
				Message: fmt.Sprintf("referred_by_code: no account has the referral code %s (the referrer must exist already or come earlier)", it.invite)}
		}
	}
	if c := it.code; c != "" && p.codes[c] == nil {
		if _, taken := p.owners[UserKey{Field: KeyReferralCode, Value: c}]; !taken {
			acc.st.rec.ReferralCode = c
			p.codes[c] = acc
		}
	}
	return nil
}

// drawCodes gives a fresh referral code to every new account without
// one, as Register does: drawn from Options.Rand until free.
func (p *importPlan) drawCodes(ctx context.Context, l *Local) error {
	for try := 0; ; try++ {
		var need []*importAcc
		for _, a := range p.accs {
			if a.isNew && a.st.rec.ReferralCode == "" {
				need = append(need, a)
			}
		}
		if len(need) == 0 {
			return nil
		}
		if try == referralCodeTries {
			return Errorf(CodeInternal, "no free referral code after %d draws", referralCodeTries)
		}
		drawn := make([]UserKey, len(need))
		for i := range need {
			c, err := l.newReferralCode()
			if err != nil {
				return err
			}
			drawn[i] = UserKey{Field: KeyReferralCode, Value: c}
		}
		owners, err := p.bt.FindKeys(ctx, drawn)
		if err != nil {
			return err
		}
		taken := map[string]bool{}
		for _, o := range owners {
			taken[o.Key.Value] = true
		}
		for i, a := range need {
			if c := drawn[i].Value; !taken[c] && p.codes[c] == nil {
				a.st.rec.ReferralCode = c
				p.codes[c] = a
			}
		}
	}
}

// finalAddresses are acc's address rows as they will be stored: its
// primary addresses, with the times an entry gives (or kept, or new),
// then its extra addresses: the row's when it gave them, else the ones
// stored (the current primaries aside).
func (p *importPlan) finalAddresses(acc *importAcc) []AddressRecord {
	now := p.now
	r := &acc.st.rec
	var out []AddressRecord
	for _, kind := range []AddressKind{AddressEmail, AddressPhone} {
		p, verified := primaryOf(r, kind)
		if p != "" {
			a := AddressRecord{Address: Address{UserID: r.ID, Kind: kind, Value: p, Primary: true, Verified: verified}}
			e := findEntry(acc.st.entries, kind, p)
			old := findOld(acc.oldAddrs, kind, p)
			switch {
			case e != nil:
				a.CreatedAt, a.VerifiedAt = e.CreatedAt, e.VerifiedAt
				if a.CreatedAt.IsZero() {
					a.CreatedAt = r.CreatedAt
				}
			case old != nil:
				a.CreatedAt, a.VerifiedAt = old.CreatedAt, old.VerifiedAt
				if verified && !old.Verified {
					a.VerifiedAt = &now
				}
			case acc.isNew:
				a.CreatedAt = r.CreatedAt
				if verified {
					a.VerifiedAt = &a.CreatedAt
				}
			default:
				a.CreatedAt = now
				if verified {
					a.VerifiedAt = &now
				}
			}
			if !verified {
				a.VerifiedAt = nil
			}
			out = append(out, a)
		}
		if acc.st.entriesGiven {
			for _, e := range acc.st.entries {
				if e.Kind != kind || e.Primary || e.Value == p {
					continue
				}
				a := AddressRecord{Address: e}
				a.UserID = r.ID
				if a.CreatedAt.IsZero() {
					if old := findOld(acc.oldAddrs, kind, e.Value); old != nil {
						a.CreatedAt = old.CreatedAt
					} else if acc.isNew {
						a.CreatedAt = r.CreatedAt
					} else {
						a.CreatedAt = now
					}
				}
				out = append(out, a)
			}
			continue
		}
		for _, o := range acc.oldAddrs {
			if o.Kind == kind && o.Value != p && o.Value != oldPrimary(acc, kind) {
				a := o
				a.Primary = false
				out = append(out, a)
			}
		}
	}
	// The skeletons (identifiers.go): a stored address keeps its own (NULL
	// for one that looked like an older one before skeletons were kept).
	for i := range out {
		if old := findOld(acc.oldAddrs, out[i].Kind, out[i].Value); old != nil {
			out[i].Skeleton = old.Skeleton
		} else if out[i].Kind == AddressEmail { // as addressSkeleton
			out[i].Skeleton = p.skeleton(out[i].Value)
		}
	}
	return out
}

// oldPrimary is an updated account's primary address of kind as stored
// ("" for a new account): it goes when the primary changes, as in
// UpdateUser.
func oldPrimary(acc *importAcc, kind AddressKind) string {
	if acc.old == nil {
		return ""
	}
	v, _ := primaryOf(acc.old, kind)
	return v
}

func findEntry(es []Address, kind AddressKind, value string) *Address {
	for i := range es {
		if es[i].Kind == kind && es[i].Value == value {
			return &es[i]
		}
	}
	return nil
}

func findOld(as []AddressRecord, kind AddressKind, value string) *AddressRecord {
	for i := range as {
		if as[i].Kind == kind && as[i].Value == value {
			return &as[i]
		}
	}
	return nil
}

// unhashed lists the rows to be written whose plain password is not
// hashed yet.
func (p *importPlan) unhashed() []*importItem {
	var out []*importItem
	for i, it := range p.items {
		if a := p.out[i].action; (a == rowCreated || a == rowUpdated) && it.plain && it.hash == "" {
			out = append(out, it)
		}
	}
	return out
}

// result counts the plan's outcomes.
func (p *importPlan) result(dry bool) *ImportResult {
	res := &ImportResult{DryRun: dry, Read: len(p.items), Rejected: []ImportRejection{}}
	for i, o := range p.out {
		switch o.action {
		case rowCreated:
			res.Created++
		case rowUpdated:
			res.Updated++
		case rowSkipped:
			res.Skipped++
		default:
			res.Rejected = append(res.Rejected, ImportRejection{Line: p.items[i].line,
				Code: ErrorCode(o.err), Field: ErrorField(o.err), Reason: o.err.Error()})
		}
	}
	return res
}

// writePlan stores what the plan says, in the caller's transaction.
func (l *Local) writePlan(ctx context.Context, tx Tx, p *importPlan) error {
	var news []*UserRecord
	var created, updated []int64
	for _, a := range p.accs {
		if !a.isNew {
			continue
		}
		r := &a.st.rec
		r.Points = 0
		if a.st.points != nil {
			r.Points = *a.st.points
		}
		r.UsernameSkeleton = p.skeleton(r.Username) // identifiers.go
		r.ReferredBy = nil
		if a.referrerID != 0 {
			id := a.referrerID
			r.ReferredBy = &id
		}
		news = append(news, r)
	}
	if len(news) > 0 {
		if err := p.bt.InsertUsers(ctx, news); err != nil {
			return err
		}
	}
	var addrs []*AddressRecord
	var entries []*PointsEntry
	var emails []string
	for _, a := range p.accs {
		if !a.isNew {
			continue
		}
		r := &a.st.rec
		created = append(created, r.ID)
		if a.st.scram != "" {
			if err := putVerifier(ctx, tx, r, a.st.scram); err != nil {
				return err
			}
		}
		if a.referrer != nil { // one of the batch's: its id is known now
			id := a.referrer.st.rec.ID
			r.ReferredBy = &id
			if err := tx.UpdateUser(ctx, r); err != nil {
				return err
			}
		}
		final := p.finalAddresses(a)
		for _, ad := range final {
			ad.UserID = r.ID
			addrs = append(addrs, &ad)
		}
		emails = append(emails, gainedEmails(final, nil)...)
		if a.st.mfa != nil {
			if err := importMFA(ctx, tx, r.ID, a.st.mfa, p.now); err != nil {
				return err
			}
		}
		if r.Points > 0 {
			entries = append(entries, &PointsEntry{UserID: r.ID, Delta: r.Points, Balance: r.Points,
				Reason: "imported balance", Actor: l.actor(ctx), At: p.now})
		}
	}
	if len(addrs) > 0 {
		if err := p.bt.InsertAddresses(ctx, addrs); err != nil {
			return err
		}
	}
	if len(entries) > 0 {
		if err := p.bt.InsertPointsEntries(ctx, entries); err != nil {
			return err
		}
	}
	for _, a := range p.accs {
		if a.isNew || !a.applied {
			continue
		}
		gained, err := l.writeUpdate(ctx, tx, p, a)
		if err != nil {
			return err
		}
		if a.st.mfa != nil {
			if err := importMFA(ctx, tx, a.st.rec.ID, a.st.mfa, p.now); err != nil {
				return err
			}
		}
		emails = append(emails, gained...)
		updated = append(updated, a.st.rec.ID)
	}
	// Every email address an account gained leaves the waiting list, as
	// with takeOffWaitingList (prereg.go), in one statement for the batch.
	var off []Preregistration
	if len(emails) > 0 {
		var err error
		if off, err = p.bt.DeletePreregistrations(ctx, emails); err != nil {
			return err
		}
	}
	// One event per batch, even one that only skipped or rejected rows:
	// the trail must show every batch that reached the store.
	res := p.result(false)
	detail := fmt.Sprintf("imported %d users: created %d%s, updated %d%s, skipped %d, rejected %d",
		len(created)+len(updated), len(created), idNote(created), len(updated), idNote(updated), res.Skipped, len(res.Rejected))
	if len(off) > 0 {
		detail += fmt.Sprintf("; %d taken off the waiting list", len(off))
	}
	return tx.InsertEvent(ctx, l.event(ctx, ActionUserImport, 0, detail))
}

// writeUpdate stores an account the batch updated: its record, its
// addresses when they changed, its balance, and for a change of password,
// status or addresses the end of its sessions and codes. It returns the
// email addresses the account gained, for the waiting list.
func (l *Local) writeUpdate(ctx context.Context, tx Tx, p *importPlan, a *importAcc) ([]string, error) {
	r := &a.st.rec
	r.Points = a.old.Points // UpdateUser never writes points
	if r.Username != a.old.Username {
		r.UsernameSkeleton = p.skeleton(r.Username) // identifiers.go
	}
	if err := tx.UpdateUser(ctx, r); err != nil {
		return nil, err
	}
	if a.st.scramSet {
		if err := putVerifier(ctx, tx, r, a.st.scram); err != nil {
			return nil, err
		}
	}
	final := p.finalAddresses(a)
	var gained []string
	if !sameAddresses(final, a.oldAddrs) {
		if err := tx.DeleteAddresses(ctx, r.ID); err != nil {
			return nil, err
		}
		rows := make([]*AddressRecord, len(final))
		for i := range final {
			rows[i] = &final[i]
		}
		if err := p.bt.InsertAddresses(ctx, rows); err != nil {
			return nil, err
		}
		gained = gainedEmails(final, a.oldAddrs)
	}
	if pts := a.st.points; pts != nil && *pts != a.old.Points {
		delta := *pts - a.old.Points
		balance, ok, err := tx.AddPoints(ctx, r.ID, delta)
		if err != nil {
			return nil, err
		}
		if !ok { // only a concurrent change could do it: the row is read under lock
			return nil, Errorf(CodeConflict, "the points of user %d changed meanwhile", r.ID)
		}
		r.Points = balance
		e := &PointsEntry{UserID: r.ID, Delta: delta, Balance: balance,
			Reason: "import: balance set to " + strconv.FormatInt(balance, 10), Actor: l.actor(ctx), At: p.now}
		if err := tx.InsertPointsEntry(ctx, e); err != nil {
			return nil, err
		}
	}
	if a.st.security {
		if _, err := l.endAll(ctx, tx, r.ID, ""); err != nil {
			return nil, err
		}
		if _, err := tx.VoidCodes(ctx, CodeVoid{UserID: r.ID, At: p.now}); err != nil {
			return nil, err
		}
	}
	return gained, nil
}

// gainedEmails lists the email addresses of final that old lacks.
func gainedEmails(final, old []AddressRecord) []string {
	var out []string
	for _, f := range final {
		if f.Kind == AddressEmail && findOld(old, f.Kind, f.Value) == nil {
			out = append(out, f.Value)
		}
	}
	return out
}

// sameAddresses reports whether the rows to store are those stored.
func sameAddresses(final, old []AddressRecord) bool {
	if len(final) != len(old) {
		return false
	}
	for _, f := range final {
		o := findOld(old, f.Kind, f.Value)
		if o == nil || o.Primary != f.Primary || o.Verified != f.Verified ||
			!o.CreatedAt.Equal(f.CreatedAt) || !equalTimePtr(o.VerifiedAt, f.VerifiedAt) {
			return false
		}
	}
	return true
}

func equalTimePtr(a, b *time.Time) bool {
	return (a == nil) == (b == nil) && (a == nil || a.Equal(*b))
}

// idNote writes ids as ranges for the audit trail: " (ids 1-998, 1002)",
// cut short after a few hundred characters.
func idNote(ids []int64) string {
	if len(ids) == 0 {
		return ""
	}
	ids = slices.Clone(ids)
	slices.Sort(ids)
	var b strings.Builder
	for i := 0; i < len(ids); {
		j := i
		for j+1 < len(ids) && ids[j+1] == ids[j]+1 {
			j++
		}
		if b.Len() > 0 {
			b.WriteString(", ")
		}
		if b.Len() > 200 {
			b.WriteString("…")
			break
		}
		b.WriteString(strconv.FormatInt(ids[i], 10))
		if j > i {
			b.WriteString("-" + strconv.FormatInt(ids[j], 10))
		}
		i = j + 1
	}
	if len(ids) == 1 {
		return " (id " + b.String() + ")"
	}
	return " (ids " + b.String() + ")"
}

// hashItems hashes the plain passwords of items with argon2id, as many at
// once as the hashing pool runs (one worker per slot), each run in the
// pool. An import waits for its slots rather than failing when logins
// fill the pool (WaitForHashing): it is bounded by its own workers. The
// salts are read from Options.Rand first, in order, since a test's
// seeded source need not be safe for concurrent use.
func (l *Local) hashItems(ctx context.Context, items []*importItem) error {
	if len(items) == 0 {
		return nil
	}
	salts := make([][]byte, len(items))
	for i := range salts {
		salts[i] = make([]byte, argonSaltLen+scramSaltLen)
		if _, err := io.ReadFull(l.opt.Rand, salts[i]); err != nil {
			return Internal(err, "read salt")
		}
	}
	hashes := make([]string, len(items))
	scrams := make([]string, len(items))
	jobs := make(chan int)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var failure error
	pool, wctx := l.opt.HashPool, WaitForHashing(ctx)
	for range min(pool.Size(), len(items)) {
		wg.Go(func() {
			for i := range jobs {
				var h, sv string
				var err error
				if perr := pool.Do(wctx, func() {
					pw := items[i].row.Password
					if h, err = HashPassword(pw, l.opt.Argon2, bytes.NewReader(salts[i][:argonSaltLen])); err == nil {
						sv, err = newScramVerifier(pw, l.opt.ScramIterations, bytes.NewReader(salts[i][argonSaltLen:]))
					}
				}); perr != nil {
					continue // ctx ended: reported below
				}
				if err != nil {
					mu.Lock()
					failure = cmp.Or(failure, error(Internal(err, "hash password")))
					mu.Unlock()
					continue
				}
				hashes[i], scrams[i] = h, sv
			}
		})
	}
	for i := range items {
		if ctx.Err() != nil {
			break
		}
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return err
	}
	if failure != nil {
		return failure
	}
	for i, it := range items {
		it.hash, it.scram = hashes[i], scrams[i]
	}
	return nil
}
