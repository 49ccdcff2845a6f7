package acct

import (
	"context"
	"fmt"
	"time"
)

// Extra addresses.
//
// An account may have several email addresses and phone numbers. Every one
// of them, the primary ones included, is a row of the store's address
// table, whose unique key (kind, value) makes an address belong to one
// account at most, whoever holds it and whether it is primary or extra:
// two processes racing for one address get one success and one conflict.
// The primary address of each kind is also kept in the account
// (User.Email, User.Phone), where look-ups, messages and codes find it;
// Local changes both in the same transaction.
//
// The rules:
//   - an address added to an account without one of its kind becomes the
//     primary; any other is an extra address;
//   - an address is unverified until its link or code is used (or an
//     operator vouches for it when adding it); for a primary address the
//     account's EmailVerified or PhoneVerified is authoritative;
//   - only a verified address can become the primary (as GitHub, Google
//     and OWASP ASVS 5 V6.4 have it: messages, resets and codes go to the
//     primary address, so it must be one the user controls);
//   - the primary address cannot be removed (make another one the primary
//     first, or change it with UpdateUser), so that an account keeps its
//     address for messages; an account keeps an email or a phone (or a
//     foreign identity) as before;
//   - a REF that is any address of an account, extra or primary, verified
//     or not, names that account (an operator's way to find it; codes and
//     links still go to the primary address, or to the very address an OTP
//     is asked for);
//   - removing an address voids the codes sent to it; a purge erases all
//     of an account's addresses, a deletion hold keeps them;
//   - the audit trail names the kind of address, never its value.

// AddressKind is the kind of an address.
type AddressKind string

// The kinds of address.
const (
	AddressEmail AddressKind = "email"
	AddressPhone AddressKind = "phone"
)

// MaxAddresses is how many addresses of one kind an account may have, the
// primary one included.
const MaxAddresses = 10

// The audited actions on addresses. The detail names the kind, never the
// address: it is personal data.
const (
	ActionAddressAdd     = "address.add"
	ActionAddressRemove  = "address.remove"
	ActionAddressPrimary = "address.primary"
)

// Address is an email address or a phone number of an account.
type Address struct {
	UserID int64       `json:"user_id"`
	Kind   AddressKind `json:"kind"`
	// Value is the address in normal form: a lower-case email address or
	// an E.164 phone number.
	Value string `json:"value"`
	// Primary is true for the account's User.Email or User.Phone.
	Primary  bool `json:"primary"`
	Verified bool `json:"verified"`
	// VerifiedAt is when the address was verified; nil when it is not,
	// or when the time is unknown (addresses verified before acctl kept
	// extra addresses).
	VerifiedAt *time.Time `json:"verified_at,omitempty"`
	CreatedAt  time.Time  `json:"created_at"`
}

// AddressRecord is an address as stored.
type AddressRecord struct {
	Address
	// Seq is the store's own key (never reused); addresses of a kind are
	// listed in its order after the primary.
	Seq int64
	// Skeleton is the Skeleton of an email address, under the store's
	// unique key (kind, skeleton): an address that looks like one in use
	// is a conflict naming the kind. Local sets it for an email address
	// it stores; "" (NULL) for a phone number (E.164 is its own normal
	// form) and for an address that looked like an older one before
	// skeletons were kept (migration 0009_skeletons).
	Skeleton string
}

// NewAddress is the input of Service.AddAddress.
type NewAddress struct {
	User  string      `json:"user"` // a REF
	Kind  AddressKind `json:"kind"`
	Value string      `json:"value"`
	// Verified records the address as verified without a link or code:
	// the operator vouches that the user controls it (it was checked
	// elsewhere, or it is imported). The audit trail says so.
	Verified bool `json:"verified,omitempty"`
	// Send mails an added email address the link that verifies it (see
	// SendActivation). Delivery is checked before the address is added.
	Send bool `json:"send,omitempty"`
}

// AddressRef names one address of an account.
type AddressRef struct {
	User  string      `json:"user"` // a REF
	Kind  AddressKind `json:"kind"`
	Value string      `json:"value"`
}

// Valid reports whether k is a known kind.
func (k AddressKind) Valid() bool { return k == AddressEmail || k == AddressPhone }

// validKind refuses an unknown kind; "" is accepted only with all.
func validKind(k AddressKind, all bool) error {
	if k.Valid() || (all && k == "") {
		return nil
	}
	return FieldError("kind", "%q is not one of email, phone", k)
}

// normalizeAddress checks an address of kind and returns it in normal
// form. An empty address is invalid.
func (l *Local) normalizeAddress(kind AddressKind, value string) (string, error) {
	if err := validKind(kind, false); err != nil {
		return "", err
	}
	var v string
	var err error
	if kind == AddressEmail {
		v, err = NormalizeEmail(value)
	} else {
		v, err = NormalizePhone(value, l.opt.PhoneRegion)
	}
	if err == nil && v == "" {
		err = FieldError(string(kind), "required")
	}
	return v, err
}

// primaryOf returns rec's primary address of kind and whether it is
// verified.
func primaryOf(rec *UserRecord, kind AddressKind) (string, bool) {
	if kind == AddressEmail {
		return rec.Email, rec.EmailVerified
	}
	return rec.Phone, rec.PhoneVerified
}

// setPrimary sets rec's primary address of kind.
func setPrimary(rec *UserRecord, kind AddressKind, value string, verified bool) {
	if kind == AddressEmail {
		rec.Email, rec.EmailVerified = value, verified
	} else {
		rec.Phone, rec.PhoneVerified = value, verified
	}
}

// keyKind is the kind of address a user key looks up, "" for none.
func keyKind(f KeyField) AddressKind {
	switch f {
	case KeyEmail:
		return AddressEmail
	case KeyPhone:
		return AddressPhone
	}
	return ""
}

// byAddress finds the account that holds an extra address named by key
// (Local.get tries it when no account has the address as its primary).
func (l *Local) byAddress(ctx context.Context, tx Tx, key UserKey) (*UserRecord, error) {
	kind := keyKind(key.Field)
	if kind == "" || key.Value == "" {
		return nil, Errorf(CodeNotFound, "no such user")
	}
	a, err := tx.GetAddress(ctx, kind, key.Value)
	if err != nil {
		return nil, err
	}
	return tx.GetUser(ctx, UserKey{Field: KeyID, ID: a.UserID})
}

// claimAddress stores a new address of rec, first telling an address that
// rec has already (the conflict says own) or that another account holds
// from a fresh one; the store's constraint still settles a race.
func (l *Local) claimAddress(ctx context.Context, tx Tx, rec *UserRecord, a *AddressRecord, own string) error {
	a.Skeleton = addressSkeleton(a.Kind, a.Value)
	held, err := tx.GetAddress(ctx, a.Kind, a.Value)
	switch {
	case err == nil && held.UserID == rec.ID:
		return &Error{Code: CodeConflict, Field: string(a.Kind), Message: own}
	case err == nil:
		return &Error{Code: CodeConflict, Field: string(a.Kind), Message: string(a.Kind) + " already in use"}
	case !IsCode(err, CodeNotFound):
		return err
	}
	return tx.InsertAddress(ctx, a)
}

// addressSkeleton is the Skeleton stored with an address of kind, under
// the store's unique key (kind, skeleton): an email address's; none for a
// phone number, whose E.164 form is its own normal form.
func addressSkeleton(kind AddressKind, value string) string {
	if kind != AddressEmail {
		return ""
	}
	return Skeleton(value)
}

// kindNoun names a kind of address in messages.
func kindNoun(k AddressKind) string {
	if k == AddressPhone {
		return "phone number"
	}
	return "email address"
}

// insertPrimaries stores the primary addresses of a new account (Register
// calls it after InsertUser, in the same transaction).
func (l *Local) insertPrimaries(ctx context.Context, tx Tx, rec *UserRecord) error {
	for _, kind := range []AddressKind{AddressEmail, AddressPhone} {
		value, verified := primaryOf(rec, kind)
		if value == "" {
			continue
		}
		a := &AddressRecord{Address: Address{UserID: rec.ID, Kind: kind, Value: value, Primary: true,
			Verified: verified, CreatedAt: rec.CreatedAt}}
		if verified {
			a.VerifiedAt = &rec.CreatedAt
		}
		if err := l.claimAddress(ctx, tx, rec, a, string(kind)+" already in use"); err != nil {
			return err
		}
	}
	return nil
}

// replacePrimaries keeps the address table in step when UpdateUser
// changes rec's email or phone from oldEmail or oldPhone: the old primary
// address goes, the new one is stored (unverified, as UpdateUser has it)
// and taken off the waiting list.
// Clearing a primary address while the account has extra ones of its kind
// is refused: one of them should become the primary instead.
func (l *Local) replacePrimaries(ctx context.Context, tx Tx, rec *UserRecord, oldEmail, oldPhone string) error {
	for _, c := range []struct {
		kind AddressKind
		old  string
	}{{AddressEmail, oldEmail}, {AddressPhone, oldPhone}} {
		value, verified := primaryOf(rec, c.kind)
		if value == c.old {
			continue
		}
		if value == "" {
			all, err := tx.ListAddresses(ctx, rec.ID, c.kind)
			if err != nil {
				return err
			}
			if len(all) > 1 {
				return &Error{Code: CodeRefused, Field: string(c.kind), Message: fmt.Sprintf(
					"%s: user %d has other %ss: make one of them the primary instead of clearing it", c.kind, rec.ID, kindNoun(c.kind))}
			}
		}
		if c.old != "" {
			if err := tx.DeleteAddress(ctx, rec.ID, c.kind, c.old); err != nil && !IsCode(err, CodeNotFound) {
				return err
			}
		}
		if value == "" {
			continue
		}
		a := &AddressRecord{Address: Address{UserID: rec.ID, Kind: c.kind, Value: value, Primary: true,
			Verified: verified, CreatedAt: l.now()}}
		own := fmt.Sprintf("user %d already has this %s as an extra address: make it the primary instead", rec.ID, kindNoun(c.kind))
		if err := l.claimAddress(ctx, tx, rec, a, own); err != nil {
			return err
		}
		// prereg.go: the new primary email leaves the waiting list.
		if err := l.takeOffWaitingList(ctx, tx, rec.ID, c.kind, value, "email updated"); err != nil {
			return err
		}
	}
	return nil
}

// eraseAddresses deletes every address of an account being erased, so
// that they are free for others, and its second factor (secret, recovery
// codes, waiting logins): an erased account keeps nothing of either.
func (l *Local) eraseAddresses(ctx context.Context, tx Tx, userID int64) error {
	if _, err := tx.DeleteMFA(ctx, userID); err != nil {
		return err
	}
	return tx.DeleteAddresses(ctx, userID)
}

// verifyAddress records, inside the caller's transaction, that the user
// cur controls the address value of kind (a link or a code sent to it was
// used). For the primary address it sets cur's EmailVerified or
// PhoneVerified, which the caller then stores with tx.UpdateUser. An
// address that cur does not have is CodeNotFound.
func (l *Local) verifyAddress(ctx context.Context, tx Tx, cur *UserRecord, kind AddressKind, value string, at time.Time) error {
	if err := tx.SetAddressVerified(ctx, cur.ID, kind, value, at); err != nil {
		return err
	}
	if p, _ := primaryOf(cur, kind); p == value {
		setPrimary(cur, kind, value, true)
	}
	return nil
}

// addresses lists rec's addresses of kind ("" for all) as the public
// Address, with the primary ones marked and verified by what rec says.
func addresses(ctx context.Context, tx Tx, rec *UserRecord, kind AddressKind) ([]Address, error) {
	recs, err := tx.ListAddresses(ctx, rec.ID, kind)
	if err != nil {
		return nil, err
	}
	return shapeAddresses(rec, recs), nil
}

// shapeAddresses returns the addresses recs of the account rec as
// addresses does: the primary of each kind marked, and verified as the
// account says.
func shapeAddresses(rec *UserRecord, recs []AddressRecord) []Address {
	out := make([]Address, 0, len(recs))
	for _, r := range recs {
		a := r.Address
		p, verified := primaryOf(rec, a.Kind)
		a.Primary = a.Value == p
		if a.Primary && verified != a.Verified {
			a.Verified = verified
			if !verified {
				a.VerifiedAt = nil
			}
		}
		out = append(out, a)
	}
	return out
}

// ListAddresses returns an account's addresses of kind ("" for both):
// emails before phones, the primary first within a kind, then in the
// order they were added.
func (l *Local) ListAddresses(ctx context.Context, ref string, kind AddressKind) ([]Address, error) {
	if err := l.permit(ctx, "ListAddresses"); err != nil {
		return nil, err
	}
	if err := validKind(kind, true); err != nil {
		return nil, err
	}
	var out []Address
	err := l.store.View(ctx, func(tx Tx) error {
		rec, err := l.get(ctx, tx, ref)
		if err != nil {
			return err
		}
		out, err = addresses(ctx, tx, rec, kind)
		return err
	})
	if err != nil {
		return nil, wrap(err, "list addresses")
	}
	return out, nil
}

// AddAddress gives an account another email address or phone number. It
// is unverified unless in.Verified; an account without an address of its
// kind gets it as its primary.
func (l *Local) AddAddress(ctx context.Context, in NewAddress) (*Address, error) {
	if err := l.permit(ctx, "AddAddress"); err != nil {
		return nil, err
	}
	value, err := l.normalizeAddress(in.Kind, in.Value)
	if err != nil {
		return nil, err
	}
	if in.Send {
		switch {
		case in.Kind != AddressEmail:
			return nil, FieldError("send", "only an email address is verified by a link: a phone by a passcode (otp send --purpose verify-phone)")
		case in.Verified:
			return nil, FieldError("send", "an address recorded as verified needs no link")
		}
		if err := l.activationReady(); err != nil {
			return nil, err // before the address is added: nothing half done
		}
		if err := l.secretReady(ctx); err != nil {
			return nil, err // likewise
		}
	}
	var rec *UserRecord
	var a *AddressRecord
	err = l.store.Update(ctx, func(tx Tx) (err error) {
		if rec, err = l.get(ctx, tx, in.User); err != nil {
			return err
		}
		if err := writable(rec); err != nil {
			return err
		}
		have, err := tx.ListAddresses(ctx, rec.ID, in.Kind)
		if err != nil {
			return err
		}
		if len(have) >= MaxAddresses {
			return &Error{Code: CodeRefused, Field: string(in.Kind), Message: fmt.Sprintf(
				"user %d has %d %ss, the most an account may have: remove one first", rec.ID, len(have), kindNoun(in.Kind))}
		}
		now := l.now()
		primary, _ := primaryOf(rec, in.Kind)
		a = &AddressRecord{Address: Address{UserID: rec.ID, Kind: in.Kind, Value: value, Primary: primary == "",
			Verified: in.Verified, CreatedAt: now}}
		if in.Verified {
			a.VerifiedAt = &now
		}
		own := fmt.Sprintf("user %d already has this %s", rec.ID, kindNoun(in.Kind))
		if err := l.claimAddress(ctx, tx, rec, a, own); err != nil {
			return err
		}
		// prereg.go: an extra email leaves the waiting list too.
		if err := l.takeOffWaitingList(ctx, tx, rec.ID, in.Kind, value, "address added"); err != nil {
			return err
		}
		detail := string(in.Kind) + ", unverified"
		if in.Verified {
			detail = string(in.Kind) + ", verified by the operator"
		}
		if a.Primary {
			setPrimary(rec, in.Kind, value, in.Verified)
			rec.UpdatedAt = now
			if err := tx.UpdateUser(ctx, rec); err != nil {
				return err
			}
			detail += ", primary (the account had no " + kindNoun(in.Kind) + ")"
		}
		return tx.InsertEvent(ctx, l.event(ctx, ActionAddressAdd, rec.ID, detail))
	})
	if err != nil {
		return nil, l.fail(ctx, ActionAddressAdd, idOf(rec), wrap(err, "add address"))
	}
	if in.Send {
		if _, err := l.SendActivation(ctx, value); err != nil {
			e := &Error{Code: ErrorCode(err), Field: ErrorField(err), Err: err}
			e.Message = fmt.Sprintf("the address was added, but its link was not sent (%v): send it with `acctl user activate --send %s`", err, value)
			return nil, e
		}
	}
	return &a.Address, nil
}

// ownAddress finds the address of kind and value among rec's; an address
// that rec does not have is CodeNotFound.
func ownAddress(ctx context.Context, tx Tx, rec *UserRecord, kind AddressKind, value string) (*AddressRecord, error) {
	a, err := tx.GetAddress(ctx, kind, value)
	if err == nil && a.UserID != rec.ID {
		err = Errorf(CodeNotFound, "not this user's")
	}
	if IsCode(err, CodeNotFound) {
		return nil, &Error{Code: CodeNotFound, Field: string(kind),
			Message: fmt.Sprintf("user %d has no %s %q", rec.ID, kindNoun(kind), value)}
	}
	return a, err
}

// RemoveAddress removes an address that is not the account's primary,
// and voids the outstanding codes sent to it.
func (l *Local) RemoveAddress(ctx context.Context, in AddressRef) (*Address, error) {
	if err := l.permit(ctx, "RemoveAddress"); err != nil {
		return nil, err
	}
	value, err := l.normalizeAddress(in.Kind, in.Value)
	if err != nil {
		return nil, err
	}
	var rec *UserRecord
	var a *AddressRecord
	err = l.store.Update(ctx, func(tx Tx) (err error) {
		if rec, err = l.get(ctx, tx, in.User); err != nil {
			return err
		}
		if err := writable(rec); err != nil {
			return err
		}
		if a, err = ownAddress(ctx, tx, rec, in.Kind, value); err != nil {
			return err
		}
		if p, _ := primaryOf(rec, in.Kind); p == value {
			return &Error{Code: CodeRefused, Field: string(in.Kind), Message: fmt.Sprintf(
				"%s: cannot remove the primary %s of user %d: make another one the primary first", in.Kind, kindNoun(in.Kind), rec.ID)}
		}
		if err := tx.DeleteAddress(ctx, rec.ID, in.Kind, value); err != nil {
			return err
		}
		now := l.now()
		sent, err := tx.ListCodes(ctx, CodeFilter{UserID: rec.ID, Destination: value, Outstanding: true, Now: now})
		if err != nil {
			return err
		}
		var voided []string
		if len(sent) > 0 {
			ids := make([]string, len(sent))
			for i, c := range sent {
				ids[i] = c.ID
			}
			if voided, err = tx.VoidCodes(ctx, CodeVoid{UserID: rec.ID, IDs: ids, At: now}); err != nil {
				return err
			}
		}
		detail := string(in.Kind)
		if a.Verified {
			detail += ", verified"
		}
		return tx.InsertEvent(ctx, l.event(ctx, ActionAddressRemove, rec.ID, detail+voidedNote(voided)))
	})
	if err != nil {
		return nil, l.fail(ctx, ActionAddressRemove, idOf(rec), wrap(err, "remove address"))
	}
	a.Primary = false
	return &a.Address, nil
}

// SetPrimaryAddress makes a verified address of an account its primary
// address of that kind (User.Email or User.Phone); the former primary
// stays as an extra address.
func (l *Local) SetPrimaryAddress(ctx context.Context, in AddressRef) (*User, error) {
	if err := l.permit(ctx, "SetPrimaryAddress"); err != nil {
		return nil, err
	}
	value, err := l.normalizeAddress(in.Kind, in.Value)
	if err != nil {
		return nil, err
	}
	var rec *UserRecord
	err = l.store.Update(ctx, func(tx Tx) (err error) {
		if rec, err = l.get(ctx, tx, in.User); err != nil {
			return err
		}
		if err := writable(rec); err != nil {
			return err
		}
		a, err := ownAddress(ctx, tx, rec, in.Kind, value)
		if err != nil {
			return err
		}
		old, oldVerified := primaryOf(rec, in.Kind)
		if old == value {
			return &Error{Code: CodeConflict, Field: string(in.Kind), Message: fmt.Sprintf(
				"this is already the primary %s of user %d", kindNoun(in.Kind), rec.ID)}
		}
		if !a.Verified {
			return &Error{Code: CodeRefused, Field: string(in.Kind), Message: fmt.Sprintf(
				"%s: only a verified address can become the primary: verify it first", in.Kind)}
		}
		// The former primary keeps the verification the account gave it.
		if old != "" && oldVerified {
			if err := tx.SetAddressVerified(ctx, rec.ID, in.Kind, old, time.Time{}); err != nil && !IsCode(err, CodeNotFound) {
				return err
			}
		}
		if err := tx.SetPrimaryAddress(ctx, rec.ID, in.Kind, value); err != nil {
			return err
		}
		setPrimary(rec, in.Kind, value, true)
		rec.UpdatedAt = l.now()
		if err := tx.UpdateUser(ctx, rec); err != nil {
			return err
		}
		detail := string(in.Kind) + ": the former primary stays as an extra address"
		if old == "" {
			detail = string(in.Kind)
		}
		return tx.InsertEvent(ctx, l.event(ctx, ActionAddressPrimary, rec.ID, detail))
	})
	if err != nil {
		return nil, l.fail(ctx, ActionAddressPrimary, idOf(rec), wrap(err, "set primary address"))
	}
	return &rec.User, nil
}
