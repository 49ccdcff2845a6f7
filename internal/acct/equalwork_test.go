package acct

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

// workStore is an in-memory Store for the equal-work tests of the public
// passcode and waiting-list answers: it counts the transactions, the
// statements of each (by Tx method), and the write transactions that
// commit. Its Tx has only the methods those answers use.
type workStore struct {
	Store
	users     map[int64]*UserRecord
	addresses []AddressRecord
	codes     []*CodeRecord
	prereg    map[string]int64
	events    []Event
	views     int
	updates   int
	commits   int      // write transactions whose function returned nil
	reads     []string // the Tx methods called in read transactions
	writes    []string // the Tx methods called in write transactions
}

type workTx struct {
	Tx
	s     *workStore
	write bool
}

func (s *workStore) View(ctx context.Context, fn func(Tx) error) error {
	s.views++
	return fn(workTx{s: s})
}

func (s *workStore) Update(ctx context.Context, fn func(Tx) error) error {
	s.updates++
	err := fn(workTx{s: s, write: true}) // no rollback: the tests look at committed work only
	if err == nil {
		s.commits++
	}
	return err
}

// reset forgets the counts (after the set-up).
func (s *workStore) reset() {
	s.views, s.updates, s.commits, s.reads, s.writes, s.events = 0, 0, 0, nil, nil, nil
}

func (tx workTx) note(m string) {
	if tx.write {
		tx.s.writes = append(tx.s.writes, m)
	} else {
		tx.s.reads = append(tx.s.reads, m)
	}
}

func (tx workTx) ClaimSetting(ctx context.Context, name string, value []byte, at time.Time) ([]byte, error) {
	return value, nil
}

func (tx workTx) GetUser(ctx context.Context, key UserKey) (*UserRecord, error) {
	tx.note("GetUser")
	for _, u := range tx.s.users {
		if (key.Field == KeyID && u.ID == key.ID) || (key.Field == KeyPhone && u.Phone == key.Value) ||
			(key.Field == KeyEmail && u.Email == key.Value) || (key.Field == KeyUsername && u.Username == key.Value) {
			c := *u
			return &c, nil
		}
	}
	return nil, Errorf(CodeNotFound, "no such user")
}

func (tx workTx) UpdateUser(ctx context.Context, rec *UserRecord) error {
	tx.note("UpdateUser")
	c := *rec
	tx.s.users[rec.ID] = &c
	return nil
}

func (tx workTx) AddLoginFailure(ctx context.Context, id int64) (int, error) {
	tx.note("AddLoginFailure")
	u := tx.s.users[id]
	if u == nil {
		return 0, Errorf(CodeNotFound, "no such user")
	}
	u.FailedLogins++
	return u.FailedLogins, nil
}

func (tx workTx) GetAddress(ctx context.Context, kind AddressKind, value string) (*AddressRecord, error) {
	tx.note("GetAddress")
	for _, a := range tx.s.addresses {
		if a.Kind == kind && a.Value == value {
			return &a, nil
		}
	}
	return nil, Errorf(CodeNotFound, "no such address")
}

func (tx workTx) ListCodes(ctx context.Context, f CodeFilter) ([]CodeRecord, error) {
	tx.note("ListCodes")
	var out []CodeRecord
	for i := len(tx.s.codes) - 1; i >= 0; i-- { // newest first
		c := tx.s.codes[i]
		if (f.UserID == 0 || c.UserID == f.UserID) && (f.Purpose == "" || c.Purpose == f.Purpose) &&
			(f.Destination == "" || c.Destination == f.Destination) && (len(f.Kinds) == 0 || slices.Contains(f.Kinds, c.Kind)) {
			out = append(out, *c)
		}
	}
	if f.Limit > 0 && len(out) > f.Limit {
		out = out[:f.Limit]
	}
	return out, nil
}

func (tx workTx) FailCodeAttempt(ctx context.Context, seq int64, max int, now time.Time) (int, error) {
	tx.note("FailCodeAttempt")
	for _, c := range tx.s.codes {
		if c.Seq == seq && codeError(c, now) == nil {
			c.Attempts++
			if c.Attempts >= max {
				c.VoidedAt = &now
			}
			return c.Attempts, nil
		}
	}
	return 0, nil
}

func (tx workTx) InsertEvent(ctx context.Context, ev *Event) error {
	tx.note("InsertEvent")
	tx.s.events = append(tx.s.events, *ev)
	return nil
}

func (tx workTx) InsertPreregistration(ctx context.Context, p *Preregistration) error {
	tx.note("InsertPreregistration")
	if tx.s.prereg[p.Email] != 0 {
		return &Error{Code: CodeConflict, Field: "email", Message: "on the list"}
	}
	p.ID = int64(len(tx.s.prereg) + 1)
	tx.s.prereg[p.Email] = p.ID
	return nil
}

// otpWorld is a store with an account of each kind that a visitor's
// passcode may name, and the Local over it.
func otpWorld(t *testing.T) (*Local, *workStore, time.Time) {
	t.Helper()
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	later := now.Add(time.Hour)
	s := &workStore{users: map[int64]*UserRecord{}, prereg: map[string]int64{}}
	for i, u := range []User{
		{Username: "pending", Phone: "+14155550101", Status: StatusPending},   // a signup passcode outstanding
		{Username: "nocode", Phone: "+14155550102", Status: StatusPending},    // none sent
		{Username: "expired", Phone: "+14155550103", Status: StatusPending},   // its passcode expired
		{Username: "active", Phone: "+14155550104", Status: StatusActive},     // a recovery passcode outstanding
		{Username: "lockedfor", Phone: "+14155550105", Status: StatusPending}, // locked for a while
		{Username: "extra", Phone: "+14155550106", Status: StatusActive},      // the extra phone +14155550107
	} {
		u.ID = int64(i + 1)
		rec := &UserRecord{User: u}
		if u.Username == "lockedfor" {
			rec.LockedUntil = &later
		}
		s.users[u.ID] = rec
	}
	s.addresses = append(s.addresses, AddressRecord{Address: Address{UserID: 6, Kind: AddressPhone, Value: "+14155550107", Verified: true}})
	l, err := NewLocal(s, Options{Now: func() time.Time { return now }, Argon2: Argon2Params{Memory: 64, Time: 1, Threads: 1},
		ScramIterations: MinScramIterations, Secret: make([]byte, MinSecretLength)})
	if err != nil {
		t.Fatal(err)
	}
	if err := l.CheckSecret(context.Background()); err != nil {
		t.Fatal(err)
	}
	code := func(seq, user int64, purpose, to string, expires time.Time) {
		c := &CodeRecord{Seq: seq, ID: fmt.Sprintf("cod_%d", seq), UserID: user, Kind: CodeKindOTP, Purpose: purpose,
			Channel: ChannelSMS, Destination: to, CreatedAt: now.Add(-time.Minute), ExpiresAt: expires}
		if c.MAC, err = l.otpMAC(c, "123456"); err != nil {
			t.Fatal(err)
		}
		s.codes = append(s.codes, c)
	}
	code(1, 1, PurposeSignup, "+14155550101", later)
	code(2, 3, PurposeSignup, "+14155550103", now.Add(-time.Second))
	code(3, 4, PurposeRecovery, "+14155550104", later)
	code(4, 5, PurposeSignup, "+14155550105", later)
	code(5, 6, PurposeRecovery, "+14155550107", later)
	s.reset()
	return l, s, now
}

// otpWork is what one passcode check did.
type otpWork struct {
	views, updates, commits, macs int
	reads, writes                 []string
}

func (w otpWork) String() string {
	return fmt.Sprintf("%d reads %v, %d writes %v (%d committed), %d HMACs", w.views, w.reads, w.updates, w.writes, w.commits, w.macs)
}

// TestOTPCheckEqualWork: a visitor's passcode for sign-up
// (/auth/signin/verify → VerifyOTP) does the same work whatever the
// number turns out to be (unknown, an account's with a wrong, expired or
// no passcode, one already active, one locked): one read transaction, one
// HMAC, one write transaction that commits the same statements (the
// code's and the account's counts, of no row where there is none to
// count, and one audit event). Before, an unknown number did one read and
// nothing else, a known one a write more: the time told them apart.
func TestOTPCheckEqualWork(t *testing.T) {
	want := []string{"GetUser", "FailCodeAttempt", "AddLoginFailure", "InsertEvent"}
	for _, c := range []struct {
		name, phone string
		code        Code
		counted     bool // the code's and the account's counts went up
	}{
		{"unknown", "+14155550199", CodeNotFound, false},
		{"wrong code", "+14155550101", CodeUnauthenticated, true},
		{"no passcode", "+14155550102", CodeUnauthenticated, false},
		{"expired", "+14155550103", CodeUnauthenticated, false},
		{"active", "+14155550104", CodeConflict, false},
		{"locked", "+14155550105", CodeRefused, false},
		{"extra phone", "+14155550107", CodeConflict, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			l, s, _ := otpWorld(t)
			macs := 0
			l.onMAC = func() { macs++ }
			_, err := l.VerifyOTP(context.Background(), OTPCheck{Ref: c.phone, Purpose: PurposeSignup, Code: "654321"})
			if got := ErrorCode(err); got != c.code {
				t.Fatalf("%v: code %q, want %q", err, got, c.code)
			}
			w := otpWork{s.views, s.updates, s.commits, macs, s.reads, s.writes}
			if w.views != 1 || w.updates != 1 || w.commits != 1 || w.macs != 1 {
				t.Fatalf("%s; want one read, one committed write, one HMAC", w)
			}
			if !slices.Contains(w.reads, "ListCodes") {
				t.Errorf("%s: the passcode was not looked for", w)
			}
			if !slices.Equal(w.writes, want) {
				t.Errorf("%s; want the writes %v", w, want)
			}
			counted := s.codes[0].Attempts == 1 && s.users[1].FailedLogins == 1
			if counted != c.counted {
				t.Errorf("counted %v, want %v", counted, c.counted)
			}
			if len(s.events) != 1 || s.events[0].Outcome != OutcomeFailure || s.events[0].Action != ActionOTPVerify {
				t.Fatalf("events %+v, want one otp.verify failure", s.events)
			}
			if ev := s.events[0]; (ev.UserID == nil) != (c.name == "unknown") || strings.Contains(ev.Detail, c.phone) {
				t.Errorf("event %+v: names the account %v, want %v; never the number", ev, ev.UserID != nil, c.name != "unknown")
			}
		})
	}
}

// TestResetByPhoneEqualWork: a reset by a recovery passcode
// (/auth/recovery/sms/reset) does the same work for an unknown number as
// for an account's with a wrong passcode, and a password that holds the
// account's username is not refused for it before the passcode is
// proven: the refusal would tell whose number it is.
func TestResetByPhoneEqualWork(t *testing.T) {
	want := []string{"GetUser", "FailCodeAttempt", "AddLoginFailure", "InsertEvent"}
	for _, c := range []struct {
		name, phone string
		code        Code
	}{
		{"unknown", "+14155550199", CodeNotFound},
		{"wrong code", "+14155550104", CodeUnauthenticated},
		{"extra phone", "+14155550107", CodeUnauthenticated},
		{"no passcode", "+14155550102", CodeUnauthenticated},
	} {
		t.Run(c.name, func(t *testing.T) {
			l, s, _ := otpWorld(t)
			macs := 0
			l.onMAC = func() { macs++ }
			// "active" and "extra" are the usernames of the accounts.
			_, err := l.ResetPassword(context.Background(), PasswordReset{Phone: c.phone, Code: "654321", Password: "an active and extra passphrase"})
			if got := ErrorCode(err); got != c.code {
				t.Fatalf("%v: code %q, want %q", err, got, c.code)
			}
			w := otpWork{s.views, s.updates, s.commits, macs, s.reads, s.writes}
			if w.views != 1 || w.updates != 1 || w.commits != 1 || w.macs != 1 || !slices.Equal(w.writes, want) {
				t.Fatalf("%s; want one read, one committed write %v, one HMAC", w, want)
			}
		})
	}
}

// TestPreregisterEqualWork: a visitor's /auth/preregister does the same
// work for a new address, one on the waiting list already and an
// account's (primary or extra): one write transaction that commits, with
// the same look-ups and one audit event that names neither the address
// nor an account. Only the insert is left out for an account's address
// (the list must not hold it). Before, only a new address committed
// anything.
func TestPreregisterEqualWork(t *testing.T) {
	full := []string{"GetUser", "GetAddress", "InsertPreregistration", "GetUser", "GetAddress", "InsertEvent"}
	account := []string{"GetUser", "GetAddress", "GetUser", "GetAddress", "InsertEvent"}
	for _, c := range []struct {
		name, email string
		code        Code
		writes      []string
	}{
		{"new", "new@example.com", "", full},
		{"listed", "listed@example.com", CodeConflict, full},
		{"account", "alice@example.com", CodeConflict, account},
		{"extra address", "alice.extra@example.com", CodeConflict, account},
	} {
		t.Run(c.name, func(t *testing.T) {
			l, s, _ := otpWorld(t)
			s.users[7] = &UserRecord{User: User{ID: 7, Username: "alice", Email: "alice@example.com", Status: StatusActive}}
			s.addresses = append(s.addresses, AddressRecord{Address: Address{UserID: 7, Kind: AddressEmail, Value: "alice.extra@example.com"}})
			s.prereg["listed@example.com"] = 99
			_, err := l.Preregister(context.Background(), c.email)
			if got := ErrorCode(err); got != c.code {
				t.Fatalf("%v: code %q, want %q", err, got, c.code)
			}
			if s.views != 0 || s.updates != 1 || s.commits != 1 || !slices.Equal(s.writes, c.writes) {
				t.Fatalf("%d reads, %d writes %v (%d committed); want one committed write %v", s.views, s.updates, s.writes, s.commits, c.writes)
			}
			if len(s.events) != 1 || s.events[0].UserID != nil || strings.Contains(s.events[0].Detail, "@") ||
				(s.events[0].Outcome == OutcomeOK) != (c.code == "") {
				t.Fatalf("events %+v, want one prereg.add naming nobody", s.events)
			}
		})
	}
}
