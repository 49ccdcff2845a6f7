package acct

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// Local implements Service over a Store. It is the only place that holds
// the business rules: validation, the password policy, hashing, the
// deletion hold and the audit trail.
type Local struct {
	store Store
	opt   Options
	// noRehash leaves weak hashes as they are (for VerifyPassword, which
	// must change nothing but the failure count).
	noRehash bool
	// secretOK is set once the installation secret is known to be the
	// store's (secret.go); shared by the copies of l.
	secretOK *atomic.Bool
	// dummy is the hash a password check verifies when there is no real
	// one (login.go); shared by the copies of a Local.
	dummy *dummy
	// onVerify, when set (by tests), is called with the hash each
	// password check of a login verifies.
	onVerify func(hash string)
	// onMAC, when set (by tests), is called at each HMAC of a typed
	// passcode (otpMAC).
	onMAC func()
}

var _ Service = (*Local)(nil)

// NewLocal returns a Service that applies the rules over store. It owns
// the store: Close closes it.
func NewLocal(store Store, opt Options) (*Local, error) {
	opt = opt.withDefaults()
	if err := opt.validate(); err != nil {
		return nil, err
	}
	return &Local{store: store, opt: opt, secretOK: new(atomic.Bool), dummy: &dummy{}}, nil
}

// Close closes the store.
func (l *Local) Close() error { return l.store.Close() }

// purgeBatch is how many accounts one purge transaction erases, so that a
// large purge never holds the write lock for long.
const purgeBatch = 500

func (l *Local) now() time.Time { return l.opt.Now().UTC().Truncate(time.Millisecond) }

func (l *Local) actor(ctx context.Context) string {
	if a := ActorFrom(ctx); a != "" {
		return a
	}
	return l.opt.Actor
}

// event builds an audit event of the current actor.
func (l *Local) event(ctx context.Context, action string, userID int64, detail string) *Event {
	ev := &Event{At: l.now(), Actor: l.actor(ctx), Action: action, Outcome: OutcomeOK, Detail: detail}
	if userID != 0 {
		ev.UserID = &userID
	}
	return ev
}

// fail records a refused change in the audit trail, in its own
// transaction (the change's own was rolled back), and returns err. Input
// errors, unknown users and internal failures are not recorded: nothing
// was attempted on an account, and a REF that names nobody may be
// personal data that the trail must not keep.
func (l *Local) fail(ctx context.Context, action string, userID int64, err error) error {
	switch ErrorCode(err) {
	case CodeConflict, CodeRefused, CodeUnauthenticated:
	default:
		return err
	}
	ev := l.event(ctx, action, userID, err.Error())
	ev.Outcome = OutcomeFailure
	// Best effort: a failure to record a failure must not hide the failure.
	_ = l.store.Update(context.WithoutCancel(ctx), func(tx Tx) error { return tx.InsertEvent(ctx, ev) })
	return err
}

// wrap gives a store error context, leaving acct errors and
// cancellations as they are.
func wrap(err error, what string) error {
	var e *Error
	if err == nil || errors.As(err, &e) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return Internal(err, what)
}

// Register creates an account after validating every field and the
// password.
func (l *Local) Register(ctx context.Context, in NewUser) (*User, error) {
	if err := l.permit(ctx, "Register"); err != nil {
		return nil, err
	}
	rec, err := l.newRecord(in)
	if err != nil {
		return nil, err
	}
	var scram string // the password's SCRAM verifier (scram.go)
	invite, err := normalizeInvite(in.Invite)
	if err != nil {
		return nil, err
	}
	if in.NoPassword && in.Password != "" {
		return nil, FieldError("password", "give a password or ask for no password, not both")
	}
	// An account linked to a foreign identity logs in through it and
	// needs no password of its own.
	if !in.NoPassword && (rec.Foreign == "" || in.Password != "") {
		if in.Password == "" {
			return nil, FieldError("password", "required (or create the account without one, to be set by a reset)")
		}
		if err := CheckPassword(in.Password, l.opt.PasswordMinLength, rec.Username, rec.Email); err != nil {
			return nil, l.fail(ctx, ActionUserRegister, 0, err)
		}
		if rec.PasswordHash, scram, err = l.hashPassword(ctx, in.Password); err != nil {
			return nil, err
		}
		rec.HasPassword = true
	}
	verify, err := l.signupVerification(in, rec)
	if err != nil {
		return nil, err
	}
	if verify != "" {
		// The link or passcode is made after the account: a secret that
		// is not the store's is refused before, so nothing is half done.
		if err := l.secretReady(ctx); err != nil {
			return nil, err
		}
	}
	if err := l.insertAccount(ctx, rec, invite, verify, scram); err != nil {
		return nil, err
	}
	if err := l.sendSignup(ctx, rec, verify); err != nil {
		return nil, err
	}
	return &rec.User, nil
}

// insertAccount stores a new account (pending when verify is not "") with
// its primary addresses, its referral, its SCRAM verifier (when scram is
// not "") and the audit event, in one transaction.
func (l *Local) insertAccount(ctx context.Context, rec *UserRecord, invite, verify, scram string) error {
	now := l.now()
	rec.Status, rec.CreatedAt, rec.UpdatedAt = StatusActive, now, now
	if verify != "" {
		rec.Status = StatusPending
	}
	err := l.store.Update(ctx, func(tx Tx) error {
		// referrals.go: the account's own referral code, and its referrer.
		referral, err := l.prepareReferral(ctx, tx, rec, invite)
		if err != nil {
			return err
		}
		if err := tx.InsertUser(ctx, rec); err != nil {
			return err
		}
		if err := putVerifier(ctx, tx, rec, scram); err != nil {
			return err
		}
		// addresses.go: the primary addresses join the table of every address.
		if err := l.insertPrimaries(ctx, tx, rec); err != nil {
			return err
		}
		detail := "fields: " + strings.Join(setFields(rec.User), ", ")
		if err := tx.InsertEvent(ctx, l.event(ctx, ActionUserRegister, rec.ID, detail)); err != nil {
			return err
		}
		// referrals.go, prereg.go: off the waiting list; referral points.
		return l.completeReferral(ctx, tx, rec, referral)
	})
	if err != nil {
		return l.fail(ctx, ActionUserRegister, 0, wrap(err, "register user"))
	}
	return nil
}

// newRecord validates and normalises the fields of a new account.
func (l *Local) newRecord(in NewUser) (*UserRecord, error) {
	var rec UserRecord
	var err error
	if rec.Email, err = NormalizeEmail(in.Email); err != nil {
		return nil, err
	}
	if rec.Phone, err = NormalizePhone(in.Phone, l.opt.PhoneRegion); err != nil {
		return nil, err
	}
	if rec.Foreign, err = NormalizeForeign(in.Foreign); err != nil {
		return nil, err
	}
	if rec.Email == "" && rec.Phone == "" && rec.Foreign == "" {
		return nil, FieldError("email", "an email or a phone is required (or a foreign identity)")
	}
	if rec.Username, err = NormalizeUsername(in.Username); err != nil {
		return nil, err
	}
	rec.UsernameSkeleton = Skeleton(rec.Username) // identifiers.go
	if rec.FirstName, err = NormalizeName("first_name", in.FirstName); err != nil {
		return nil, err
	}
	if rec.LastName, err = NormalizeName("last_name", in.LastName); err != nil {
		return nil, err
	}
	if rec.Language, err = NormalizeLanguage(in.Language); err != nil {
		return nil, err
	}
	rec.Admin = in.Admin
	return &rec, nil
}

// setFields names the optional fields of u that have a value, for the
// audit trail (which never stores the values: they are personal data).
func setFields(u User) []string {
	var f []string
	for _, c := range []struct {
		name string
		set  bool
	}{
		{"username", u.Username != ""}, {"email", u.Email != ""}, {"phone", u.Phone != ""},
		{"first_name", u.FirstName != ""}, {"last_name", u.LastName != ""},
		{"language", u.Language != ""}, {"admin", u.Admin}, {"foreign", u.Foreign != ""},
	} {
		if c.set {
			f = append(f, c.name)
		}
	}
	return f
}

// get finds the account named by ref inside tx.
func (l *Local) get(ctx context.Context, tx Tx, ref string) (*UserRecord, error) {
	key, err := refKey(ref, l.opt.PhoneRegion)
	if err != nil {
		return nil, err
	}
	rec, err := tx.GetUser(ctx, key)
	if IsCode(err, CodeNotFound) {
		rec, err = l.byAddress(ctx, tx, key) // addresses.go: an extra address names its account too
	}
	if IsCode(err, CodeNotFound) {
		return nil, errNoUser(ref)
	}
	if err != nil {
		return nil, err
	}
	l.settle(rec, l.now())
	return rec, nil
}

// errNoUser is the error of a REF that names nobody.
func errNoUser(ref string) error {
	return &Error{Code: CodeNotFound, Field: "user", Message: fmt.Sprintf("no user %q", strings.TrimSpace(ref))}
}

// settle applies what time has decided to rec: a lock whose time is up no
// longer holds, and a deletion hold whose time is up is marked as run out
// (HoldExpired). It changes only the copy in memory; a write stores it.
func (l *Local) settle(rec *UserRecord, now time.Time) {
	rec.HoldExpired = holdRanOut(rec, now)
	if rec.LockedUntil != nil && !now.Before(*rec.LockedUntil) {
		if rec.Status == StatusLocked {
			rec.Status = StatusActive
		}
		if rec.Status == StatusHeld && rec.HeldFrom == StatusLocked {
			rec.HeldFrom = StatusActive // the lock lapsed during the hold
		}
		rec.LockedUntil, rec.LockReason = nil, ""
	}
}

// holdRanOut reports whether rec is on a deletion hold whose time is up:
// from hold_until on, the account is only waiting for a purge; no login
// and no restore brings it back.
func holdRanOut(rec *UserRecord, now time.Time) bool {
	return rec.Status == StatusHeld && rec.HoldUntil != nil && !now.Before(*rec.HoldUntil)
}

// errHoldRanOut refuses to bring back an account whose hold ran out.
func errHoldRanOut(rec *UserRecord) error {
	return Errorf(CodeRefused, "the deletion hold of user %d ran out on %s: it can no longer be restored, only purged",
		rec.ID, rec.HoldUntil.Format(time.RFC3339))
}

// heldFrom is the status a held account returns to when its hold is
// lifted (Unregister remembered it); a hold older than that memory
// returns to active. For an account not on hold it is its status.
func heldFrom(rec *UserRecord) Status {
	switch {
	case rec.Status != StatusHeld:
		return rec.Status
	case rec.HeldFrom == "":
		return StatusActive
	}
	return rec.HeldFrom
}

// liftHold takes rec off deletion hold, back to the status it had before
// (a lock that lapsed meanwhile was already settled), and returns the
// audit detail that says which.
func liftHold(rec *UserRecord, now time.Time) string {
	rec.Status, rec.HeldFrom, rec.HoldUntil, rec.UpdatedAt = heldFrom(rec), "", nil, now
	detail := "back to " + string(rec.Status)
	if rec.Status == StatusLocked {
		if rec.LockedUntil != nil {
			detail += " until " + rec.LockedUntil.Format(time.RFC3339)
		}
		detail += reasonNote(rec.LockReason)
	}
	return detail
}

// User finds one account by REF.
func (l *Local) User(ctx context.Context, ref string) (*User, error) {
	if err := l.permit(ctx, "User"); err != nil {
		return nil, err
	}
	var rec *UserRecord
	err := l.store.View(ctx, func(tx Tx) (err error) {
		rec, err = l.get(ctx, tx, ref)
		return err
	})
	if err != nil {
		return nil, wrap(err, "get user")
	}
	return &rec.User, nil
}

// ListUsers returns one page of accounts in id order. Deleted tombstones
// appear only when asked for by status.
func (l *Local) ListUsers(ctx context.Context, q UserQuery) (*UserPage, error) {
	if err := l.permit(ctx, "ListUsers"); err != nil {
		return nil, err
	}
	limit, err := pageLimit(q.Limit)
	if err != nil {
		return nil, err
	}
	search, err := boundText("search", q.Search, MaxSearchLength)
	if err != nil {
		return nil, err
	}
	now := l.now()
	f := UserFilter{Search: search, SearchPrefix: q.Prefix && search != "", Limit: limit + 1, Now: now}
	switch {
	case q.Status == "":
		f.Statuses = []Status{StatusActive, StatusPending, StatusLocked, StatusHeld}
	case q.Status.Valid():
		f.Statuses = []Status{q.Status}
	default:
		return nil, FieldError("status", "%q is not one of active, pending, locked, held, deleted", q.Status)
	}
	switch q.MFA {
	case MFAAny, MFAWith, MFAWithout:
		f.MFA = q.MFA
	default:
		return nil, FieldError("mfa", "%q is not one of with, without", q.MFA)
	}
	if q.Cursor != "" {
		if f.AfterID, err = strconv.ParseInt(q.Cursor, 10, 64); err != nil || f.AfterID < 0 {
			return nil, FieldError("cursor", "%q is not a cursor from a previous page", q.Cursor)
		}
	}
	var recs []UserRecord
	err = l.store.View(ctx, func(tx Tx) (err error) {
		recs, err = tx.ListUsers(ctx, f)
		return err
	})
	if err != nil {
		return nil, wrap(err, "list users")
	}
	page := &UserPage{Users: make([]User, 0, len(recs))}
	for i := range recs {
		if i == limit {
			page.Next = strconv.FormatInt(recs[i-1].ID, 10)
			break
		}
		l.settle(&recs[i], now)
		page.Users = append(page.Users, recs[i].User)
	}
	return page, nil
}

func pageLimit(n int) (int, error) {
	switch {
	case n == 0:
		return DefaultPageSize, nil
	case n < 0 || n > MaxPageSize:
		return 0, FieldError("limit", "must be between 1 and %d", MaxPageSize)
	}
	return n, nil
}

// UpdateUser changes the given fields of an account. A changed email or
// phone is no longer verified. An account keeps an email or a phone.
func (l *Local) UpdateUser(ctx context.Context, ref string, in UserUpdate) (*User, error) {
	if err := l.permit(ctx, "UpdateUser"); err != nil {
		return nil, err
	}
	if in.Empty() {
		return nil, FieldError("update", "nothing to change: name at least one field")
	}
	var n UserRecord // normalised new values
	var err error
	var changed []string
	norm := func(p *string, field string, f func(string) (string, error), dst *string) {
		if p == nil || err != nil {
			return
		}
		*dst, err = f(*p)
		changed = append(changed, field)
	}
	norm(in.Username, "username", NormalizeUsername, &n.Username)
	norm(in.Email, "email", NormalizeEmail, &n.Email)
	norm(in.Phone, "phone", func(s string) (string, error) { return NormalizePhone(s, l.opt.PhoneRegion) }, &n.Phone)
	norm(in.FirstName, "first_name", func(s string) (string, error) { return NormalizeName("first_name", s) }, &n.FirstName)
	norm(in.LastName, "last_name", func(s string) (string, error) { return NormalizeName("last_name", s) }, &n.LastName)
	norm(in.Language, "language", NormalizeLanguage, &n.Language)
	if err != nil {
		return nil, err
	}
	if in.Admin != nil {
		changed = append(changed, "admin")
	}

	var rec *UserRecord
	err = l.store.Update(ctx, func(tx Tx) (err error) {
		if rec, err = l.get(ctx, tx, ref); err != nil {
			return err
		}
		if err := writable(rec); err != nil {
			return err
		}
		oldEmail, oldPhone := rec.Email, rec.Phone // for replacePrimaries (addresses.go)
		if in.Username != nil && n.Username != rec.Username {
			rec.Username, rec.UsernameSkeleton = n.Username, Skeleton(n.Username) // identifiers.go
		}
		if in.Email != nil && n.Email != rec.Email {
			rec.Email, rec.EmailVerified = n.Email, false
			// Links sent to the old address must not outlive it.
			if _, err := tx.VoidCodes(ctx, CodeVoid{UserID: rec.ID, Kinds: []CodeKind{CodeKindForgot, CodeKindActivation}, At: l.now()}); err != nil {
				return err
			}
		}
		if in.Phone != nil && n.Phone != rec.Phone {
			rec.Phone, rec.PhoneVerified = n.Phone, false
			if _, err := tx.VoidCodes(ctx, CodeVoid{UserID: rec.ID, Kinds: []CodeKind{CodeKindOTP}, At: l.now()}); err != nil {
				return err
			}
		}
		if rec.Email == "" && rec.Phone == "" && rec.Foreign == "" {
			return FieldError("email", "an account needs an email or a phone: cannot clear both")
		}
		if in.FirstName != nil {
			rec.FirstName = n.FirstName
		}
		if in.LastName != nil {
			rec.LastName = n.LastName
		}
		if in.Language != nil {
			rec.Language = n.Language
		}
		if in.Admin != nil {
			rec.Admin = *in.Admin
		}
		if err := l.replacePrimaries(ctx, tx, rec, oldEmail, oldPhone); err != nil {
			return err
		}
		rec.UpdatedAt = l.now()
		if err := tx.UpdateUser(ctx, rec); err != nil {
			return err
		}
		return tx.InsertEvent(ctx, l.event(ctx, ActionUserUpdate, rec.ID, "fields: "+strings.Join(changed, ", ")))
	})
	if err != nil {
		return nil, l.fail(ctx, ActionUserUpdate, idOf(rec), wrap(err, "update user"))
	}
	return &rec.User, nil
}

func idOf(rec *UserRecord) int64 {
	if rec == nil {
		return 0
	}
	return rec.ID
}

// writable refuses changes to tombstones and to accounts on hold.
func writable(rec *UserRecord) error {
	switch rec.Status {
	case StatusDeleted:
		return Errorf(CodeConflict, "user %d was deleted", rec.ID)
	case StatusHeld:
		if rec.HoldExpired {
			return errHoldRanOut(rec)
		}
		return Errorf(CodeRefused, "user %d is on deletion hold until %s: restore it first", rec.ID, rec.HoldUntil.Format(time.RFC3339))
	}
	return nil
}

// Unregister puts an account on deletion hold for opt.Hold, or erases it
// at once with opt.Purge.
func (l *Local) Unregister(ctx context.Context, ref string, opt UnregisterOptions) (*User, error) {
	if err := l.permit(ctx, "Unregister"); err != nil {
		return nil, err
	}
	if !opt.Purge && opt.Hold <= 0 {
		return nil, FieldError("hold", "must be a positive duration, got %s (to erase the account now, purge it)", opt.Hold)
	}
	if opt.Password != "" {
		if err := l.ownPassword(ctx, ref, opt.Password, ActionUserUnregister); err != nil { // selfservice.go
			return nil, err
		}
	}
	var rec *UserRecord
	action := ActionUserUnregister
	if opt.Purge {
		action = ActionUserPurge
	}
	err := l.store.Update(ctx, func(tx Tx) (err error) {
		if rec, err = l.get(ctx, tx, ref); err != nil {
			return err
		}
		switch {
		case rec.Status == StatusDeleted:
			return Errorf(CodeConflict, "user %d was already deleted", rec.ID)
		case rec.Status == StatusHeld && !opt.Purge:
			return Errorf(CodeConflict, "user %d is already on deletion hold until %s", rec.ID, rec.HoldUntil.Format(time.RFC3339))
		}
		now := l.now()
		detail := "erased at once"
		if opt.Purge {
			erase(rec, now)
		} else {
			until := now.Add(opt.Hold)
			// Restore returns to the status as l.get settled it: a
			// lapsed lock is not remembered.
			rec.HeldFrom = rec.Status
			rec.Status, rec.HoldUntil, rec.UpdatedAt = StatusHeld, &until, now
			detail = "hold until " + until.Format(time.RFC3339)
		}
		if err := tx.UpdateUser(ctx, rec); err != nil {
			return err
		}
		if opt.Purge {
			if err := l.eraseAddresses(ctx, tx, rec.ID); err != nil {
				return err
			}
			if err := tx.DeleteScramVerifier(ctx, rec.ID); err != nil {
				return err
			}
		}
		ended, err := l.endAll(ctx, tx, rec.ID, "")
		if err != nil {
			return err
		}
		voided, err := tx.VoidCodes(ctx, CodeVoid{UserID: rec.ID, At: now})
		if err != nil {
			return err
		}
		return tx.InsertEvent(ctx, l.event(ctx, action, rec.ID, detail+endedNote(ended)+voidedNote(voided)))
	})
	if err != nil {
		return nil, l.fail(ctx, action, idOf(rec), wrap(err, "unregister user"))
	}
	return &rec.User, nil
}

// erase turns rec into a tombstone: personal data and password hash gone,
// email, phone and username free for reuse, the id kept for the audit trail.
func erase(rec *UserRecord, now time.Time) {
	points := rec.Points
	rec.User = User{ID: rec.ID, Status: StatusDeleted, CreatedAt: rec.CreatedAt, UpdatedAt: now}
	// The balance stays, as the store keeps it: it changes only with a
	// row in the points ledger, which keeps the tombstone's history.
	rec.Points = points
	rec.PasswordHash = ""
	rec.DeletedAt = &now
	rec.HeldFrom = ""
	rec.UsernameSkeleton = ""
}

// Restore lifts a deletion hold: the account returns to the status it
// had when it was put on hold.
func (l *Local) Restore(ctx context.Context, ref string) (*User, error) {
	if err := l.permit(ctx, "Restore"); err != nil {
		return nil, err
	}
	var rec *UserRecord
	err := l.store.Update(ctx, func(tx Tx) (err error) {
		if rec, err = l.get(ctx, tx, ref); err != nil {
			return err
		}
		switch rec.Status {
		case StatusHeld:
			if rec.HoldExpired {
				return errHoldRanOut(rec)
			}
		case StatusDeleted:
			return Errorf(CodeConflict, "user %d was purged and cannot be restored", rec.ID)
		default:
			return Errorf(CodeConflict, "user %d is not on deletion hold (status %s)", rec.ID, rec.Status)
		}
		detail := liftHold(rec, l.now())
		if err := tx.UpdateUser(ctx, rec); err != nil {
			return err
		}
		return tx.InsertEvent(ctx, l.event(ctx, ActionUserRestore, rec.ID, detail))
	})
	if err != nil {
		return nil, l.fail(ctx, ActionUserRestore, idOf(rec), wrap(err, "restore user"))
	}
	return &rec.User, nil
}

// PurgeHeld erases every account whose deletion hold has run out, in
// batches of short transactions. Running it again finds nothing more.
func (l *Local) PurgeHeld(ctx context.Context, opt PurgeOptions) (*PurgeResult, error) {
	if err := l.permit(ctx, "PurgeHeld"); err != nil {
		return nil, err
	}
	now := l.now()
	res := &PurgeResult{DryRun: opt.DryRun, Purged: []int64{}}
	f := UserFilter{Statuses: []Status{StatusHeld}, HoldBefore: &now, Limit: purgeBatch}
	for {
		var batch []int64 // set only by the run that commits: fn may run again
		run := l.store.Update
		if opt.DryRun {
			run = l.store.View
		}
		err := run(ctx, func(tx Tx) error {
			recs, err := tx.ListUsers(ctx, f)
			if err != nil {
				return err
			}
			batch = batch[:0]
			for i := range recs {
				rec := &recs[i]
				batch = append(batch, rec.ID)
				if opt.DryRun {
					continue
				}
				erase(rec, now)
				if err := tx.UpdateUser(ctx, rec); err != nil {
					return err
				}
				if err := l.eraseAddresses(ctx, tx, rec.ID); err != nil {
					return err
				}
				if err := tx.DeleteScramVerifier(ctx, rec.ID); err != nil {
					return err
				}
				if _, err := l.endAll(ctx, tx, rec.ID, ""); err != nil {
					return err
				}
				if _, err := tx.VoidCodes(ctx, CodeVoid{UserID: rec.ID, At: now}); err != nil {
					return err
				}
				if err := tx.InsertEvent(ctx, l.event(ctx, ActionUserPurge, rec.ID, "deletion hold ran out")); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return res, wrap(err, "purge users")
		}
		res.Purged = append(res.Purged, batch...)
		if len(batch) < purgeBatch {
			return res, nil
		}
		f.AfterID = batch[len(batch)-1]
	}
}

// ListEvents returns audit events, newest first.
func (l *Local) ListEvents(ctx context.Context, q EventQuery) ([]Event, error) {
	if err := l.permit(ctx, "ListEvents"); err != nil {
		return nil, err
	}
	limit, err := pageLimit(q.Limit)
	if err != nil {
		return nil, err
	}
	action, err := boundText("action", q.Action, MaxActionLength)
	if err != nil {
		return nil, err
	}
	f := EventFilter{Action: action, Since: q.Since, Limit: limit}
	f.ActionPrefix = strings.HasSuffix(f.Action, ".")
	var evs []Event
	err = l.store.View(ctx, func(tx Tx) error {
		if q.User != "" {
			rec, err := l.get(ctx, tx, q.User)
			if err != nil {
				return err
			}
			f.UserID = &rec.ID
		}
		var err error
		evs, err = tx.ListEvents(ctx, f)
		return err
	})
	if err != nil {
		return nil, wrap(err, "list audit events")
	}
	if evs == nil {
		evs = []Event{}
	}
	return evs, nil
}
