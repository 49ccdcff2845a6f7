package acct

import (
	"context"
	"crypto/rand"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

// loginStore is an in-memory Store of a few accounts that counts the
// transactions of each kind, for the equal-work test. Its Tx has only the
// methods a login uses.
type loginStore struct {
	Store
	users   map[int64]*UserRecord
	buckets map[string]time.Time
	scram   map[int64]*ScramRecord
	// challenges are the stored login challenges, by id.
	challenges map[string]*ChallengeRecord
	views      int
	updates    int
	writes     []string // the Tx methods called in write transactions
}

type loginTx struct {
	Tx
	s     *loginStore
	write bool
}

func (s *loginStore) View(ctx context.Context, fn func(Tx) error) error {
	s.views++
	return fn(loginTx{s: s})
}

func (s *loginStore) Update(ctx context.Context, fn func(Tx) error) error {
	s.updates++
	return fn(loginTx{s: s, write: true}) // no rollback: the test does not need one
}

func (tx loginTx) note(m string) {
	if tx.write {
		tx.s.writes = append(tx.s.writes, m)
	}
}

func (tx loginTx) GetUser(ctx context.Context, key UserKey) (*UserRecord, error) {
	tx.note("GetUser")
	for _, u := range tx.s.users {
		if (key.Field == KeyID && u.ID == key.ID) || (key.Field == KeyUsername && u.Username == key.Value) {
			c := *u
			return &c, nil
		}
	}
	return nil, Errorf(CodeNotFound, "no such user")
}

func (tx loginTx) UpdateUser(ctx context.Context, rec *UserRecord) error {
	tx.note("UpdateUser")
	c := *rec
	tx.s.users[rec.ID] = &c
	return nil
}

func (tx loginTx) AddLoginFailure(ctx context.Context, id int64) (int, error) {
	tx.note("AddLoginFailure")
	tx.s.users[id].FailedLogins++
	return tx.s.users[id].FailedLogins, nil
}

func (tx loginTx) AttemptsUntil(ctx context.Context, key string) (time.Time, error) {
	tx.note("AttemptsUntil")
	return tx.s.buckets[key], nil
}

func (tx loginTx) ChargeAttempt(ctx context.Context, key string, cost, window time.Duration, now time.Time) (time.Time, bool, error) {
	tx.note("ChargeAttempt")
	u := tx.s.buckets[key]
	if u.Before(now) {
		u = now
	}
	if u.Add(cost).After(now.Add(window)) {
		return tx.s.buckets[key], false, nil
	}
	tx.s.buckets[key] = u.Add(cost)
	return u.Add(cost), true, nil
}

func (tx loginTx) GetScramVerifier(ctx context.Context, id int64) (*ScramRecord, error) {
	tx.note("GetScramVerifier")
	if v := tx.s.scram[id]; v != nil {
		c := *v
		return &c, nil
	}
	return nil, Errorf(CodeNotFound, "no verifier")
}

func (tx loginTx) PutScramVerifier(ctx context.Context, rec *ScramRecord) error {
	tx.note("PutScramVerifier")
	if tx.s.scram == nil {
		tx.s.scram = map[int64]*ScramRecord{}
	}
	c := *rec
	tx.s.scram[rec.UserID] = &c
	return nil
}

func (tx loginTx) InsertEvent(ctx context.Context, ev *Event) error {
	tx.note("InsertEvent")
	return nil
}

func (tx loginTx) GetMFAFactor(ctx context.Context, userID int64) (*MFAFactorRecord, error) {
	tx.note("GetMFAFactor")
	return nil, Errorf(CodeNotFound, "no second factor")
}

func (tx loginTx) InsertSession(ctx context.Context, rec *SessionRecord) error {
	tx.note("InsertSession")
	return nil
}

// TestLoginEqualWork: every outcome of a login for a name (unknown,
// wrong password, right password, no password, locked, pending, on hold,
// held and locked, purged) does one read transaction, one password
// verification and one write transaction; where there is no real hash
// to check, or the account may not log in, the check is of a dummy hash
// at the current argon2id parameters; every failure is charged to the
// name's attempt bucket. An account that may not log in (locked, pending,
// held and locked) has its own hash checked, so that a right password
// may be told why (acct.Reason).
func TestLoginEqualWork(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	params := Argon2Params{Memory: 64, Time: 1, Threads: 1}
	good := "correct horse battery staple"
	hash, err := HashPassword(good, params, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	later := now.Add(time.Hour)
	users := map[string]*UserRecord{
		"active":  {User: User{Username: "active", Status: StatusActive}},
		"nopw":    {User: User{Username: "nopw", Status: StatusActive}},
		"locked":  {User: User{Username: "locked", Status: StatusLocked}},
		"until":   {User: User{Username: "until", Status: StatusLocked, LockedUntil: &later}},
		"pending": {User: User{Username: "pending", Status: StatusPending}},
		"held":    {User: User{Username: "held", Status: StatusHeld}, HeldFrom: StatusActive},
		"heldlck": {User: User{Username: "heldlck", Status: StatusHeld}, HeldFrom: StatusLocked},
		"purged":  {User: User{Status: StatusDeleted}, DeletedAt: &now},
	}
	for _, c := range []struct {
		ref, password string
		real          bool // the real hash is checked
		code          Code // "" for success
	}{
		{"nobody", good, false, CodeNotFound},
		{"active", "wrong password for it", true, CodeUnauthenticated},
		{"active", good, true, ""},
		{"nopw", good, false, CodeUnauthenticated},
		// An account that may not log in has its own hash checked: a
		// right password learns why (a Reason), a wrong one nothing.
		{"locked", good, true, CodeRefused},
		{"locked", "wrong password for it", true, CodeRefused},
		{"until", good, true, CodeRefused},
		{"pending", good, true, CodeRefused},
		{"pending", "wrong password for it", true, CodeRefused},
		{"held", "wrong password for it", true, CodeUnauthenticated},
		{"held", good, true, ""},
		{"heldlck", good, true, CodeRefused},
		{"purged", good, false, CodeNotFound},
	} {
		t.Run(c.ref+"/"+string(c.code)+"/"+strings.ReplaceAll(c.password, " ", "_"), func(t *testing.T) {
			s := &loginStore{users: map[int64]*UserRecord{}, buckets: map[string]time.Time{}}
			var id int64
			for name, u := range users {
				rec := *u
				id++
				rec.ID = id
				if name != "nopw" {
					rec.PasswordHash, rec.HasPassword = hash, true
				}
				s.users[rec.ID] = &rec
			}
			ref := c.ref
			if c.ref == "purged" {
				for _, u := range s.users {
					if u.Status == StatusDeleted {
						ref = fmt.Sprint(u.ID)
					}
				}
			}
			l, err := NewLocal(s, Options{Now: func() time.Time { return now }, Argon2: params, ScramIterations: MinScramIterations, RequireVerified: true})
			if err != nil {
				t.Fatal(err)
			}
			var checked []string
			l.onVerify = func(h string) { checked = append(checked, h) }
			_, err = l.Login(context.Background(), Login{Ref: ref, Password: c.password})
			if got := ErrorCode(err); got != c.code {
				t.Fatalf("error %v: code %q, want %q", err, got, c.code)
			}
			if told := ErrorReason(err) != ""; told != (c.code == CodeRefused && c.password == good) {
				t.Fatalf("error %v: reason %q; a reason only after a right password", err, ErrorReason(err))
			}
			if s.views != 1 || s.updates != 1 || len(checked) != 1 {
				t.Fatalf("%d reads, %d writes, %d checks; want 1 of each", s.views, s.updates, len(checked))
			}
			if c.real != (checked[0] == hash) {
				t.Fatalf("checked the real hash: %v, want %v", checked[0] == hash, c.real)
			}
			info, err := IdentifyHash(checked[0])
			if err != nil || info.Scheme != SchemeArgon2id || info.Params != params.String() {
				t.Fatalf("checked a hash of %+v, %v; want argon2id %s", info, err, params)
			}
			// The dummy is a hash of the current cost and key length, as a
			// real one is (not one the next good login would replace).
			if ok, rehash, err := l.hasher().Verify(good, checked[0]); (ok && !c.real) || rehash || err != nil {
				t.Fatalf("the checked hash: ok %v, rehash %v, %v", ok, rehash, err)
			}
			charged := false
			for _, m := range s.writes {
				charged = charged || m == "ChargeAttempt"
			}
			if charged != (c.code != "") {
				t.Fatalf("writes %v: charged %v, want %v", s.writes, charged, c.code != "")
			}
		})
	}
}

// TestLoginLimitedEarly: a name whose bucket is empty is refused after the
// read, before any check or write, whether or not it is an account's.
func TestLoginLimitedEarly(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, ref := range []string{"active", "nobody"} {
		s := &loginStore{users: map[int64]*UserRecord{1: {User: User{ID: 1, Username: "active", Status: StatusActive}}},
			buckets: map[string]time.Time{"user:1": now.Add(time.Hour), "username:nobody": now.Add(time.Hour)}}
		l, err := NewLocal(s, Options{Now: func() time.Time { return now }, Argon2: Argon2Params{Memory: 64, Time: 1, Threads: 1}, ScramIterations: MinScramIterations,
			LoginLimit: Rate{Events: 4, Per: time.Hour}})
		if err != nil {
			t.Fatal(err)
		}
		checks := 0
		l.onVerify = func(string) { checks++ }
		_, err = l.Login(context.Background(), Login{Ref: ref, Password: "whatever it is"})
		if !IsCode(err, CodeRefused) || RetryAfter(err) != 15*time.Minute {
			t.Fatalf("%s: %v (retry after %s), want refused for 15m", ref, err, RetryAfter(err))
		}
		if s.views != 1 || s.updates != 0 || checks != 0 {
			t.Fatalf("%s: %d reads, %d writes, %d checks; want 1, 0, 0", ref, s.views, s.updates, checks)
		}
	}
}

func TestNameBucket(t *testing.T) {
	for _, c := range []struct {
		key  UserKey
		want string
	}{
		{UserKey{Field: KeyID, ID: 42}, "user:42"},
		{UserKey{Field: KeyEmail, Value: "vic@example.com"}, "email:vic@example.com"},
		{UserKey{Field: KeyEmail, Value: "Vic@Example.COM"}, "email:vic@example.com"}, // as NormalizeEmail has it
		{UserKey{Field: KeyUsername, Value: "vic"}, "username:vic"},
		{UserKey{Field: KeyPhone, Value: "+447400123451"}, "phone:+447400123451"},
	} {
		if got := nameBucket(c.key); got != c.want {
			t.Errorf("nameBucket(%+v) = %q, want %q", c.key, got, c.want)
		}
	}
	long := nameBucket(UserKey{Field: KeyUsername, Value: string(make([]byte, 1<<20))})
	if len(long) > maxBucketKey {
		t.Errorf("a long name's key has %d bytes", len(long))
	}
}

// TestLoginLimitOff: without a limit nothing is refused, even a bucket
// whose until is ahead of this clock (written by a server whose clock is
// ahead), and failures are still charged, at no cost.
func TestLoginLimitOff(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	s := &loginStore{users: map[int64]*UserRecord{}, buckets: map[string]time.Time{"username:nobody": now.Add(time.Second)}}
	l, err := NewLocal(s, Options{Now: func() time.Time { return now }, Argon2: Argon2Params{Memory: 64, Time: 1, Threads: 1}, ScramIterations: MinScramIterations,
		LoginLimit: Unlimited})
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if _, err := l.Login(context.Background(), Login{Ref: "nobody", Password: "whatever it is"}); !IsCode(err, CodeNotFound) {
			t.Fatalf("%v, want not found", err)
		}
	}
	if s.updates != 3 || !s.buckets["username:nobody"].Equal(now.Add(time.Second)) {
		t.Fatalf("%d writes, bucket %v", s.updates, s.buckets)
	}
}

func (tx loginTx) ClaimSetting(ctx context.Context, name string, value []byte, at time.Time) ([]byte, error) {
	tx.note("ClaimSetting")
	return value, nil
}

func (tx loginTx) InsertChallenge(ctx context.Context, rec *ChallengeRecord) error {
	tx.note("InsertChallenge")
	if tx.s.challenges == nil {
		tx.s.challenges = map[string]*ChallengeRecord{}
	}
	c := *rec
	tx.s.challenges[rec.ID] = &c
	return nil
}

func (tx loginTx) ConsumeChallenge(ctx context.Context, id string, now time.Time) (*ChallengeRecord, error) {
	tx.note("ConsumeChallenge")
	c := tx.s.challenges[id]
	if c == nil || c.UsedAt != nil || !now.Before(c.ExpiresAt) {
		return nil, Errorf(CodeNotFound, "no challenge")
	}
	c.UsedAt = &now
	out := *c
	return &out, nil
}

// TestChallengeEqualWork: a challenge login does the same work whatever
// the name turns out to be (unknown, without a verifier, locked, a wrong
// proof, a right one): the begin one read and one write; the finish one
// write (the consume), one read and one write, no password hashing; and
// every failure is charged to the name's attempt bucket. The begin's
// answers have one shape.
func TestChallengeEqualWork(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	params := Argon2Params{Memory: 64, Time: 1, Threads: 1}
	good := "correct horse battery staple"
	hash, err := HashPassword(good, params, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	verifier, err := newScramVerifier(good, MinScramIterations, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, password string
		ok             bool
	}{
		{"nobody", good, false}, {"bare", good, false}, {"locked", good, false},
		{"active", "wrong password for it", false}, {"active", good, true},
	} {
		t.Run(c.name+"/"+c.password, func(t *testing.T) {
			s := &loginStore{users: map[int64]*UserRecord{
				1: {User: User{ID: 1, Username: "active", Status: StatusActive}, PasswordHash: hash},
				2: {User: User{ID: 2, Username: "bare", Status: StatusActive}, PasswordHash: hash},
				3: {User: User{ID: 3, Username: "locked", Status: StatusLocked}, PasswordHash: hash},
			}, buckets: map[string]time.Time{}, scram: map[int64]*ScramRecord{
				1: {UserID: 1, Verifier: verifier, HashTag: HashTag(hash)},
				3: {UserID: 3, Verifier: verifier, HashTag: HashTag(hash)},
			}}
			l, err := NewLocal(s, Options{Now: func() time.Time { return now }, Argon2: params, ScramIterations: MinScramIterations,
				Secret: make([]byte, MinSecretLength)})
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			if err := l.CheckSecret(ctx); err != nil {
				t.Fatal(err)
			}
			checks := 0
			l.onVerify = func(string) { checks++ }
			s.views, s.updates, s.writes = 0, 0, nil
			client := newTestScramClient(t, c.name, c.password)
			ch, err := l.ChallengeBegin(ctx, ChallengeStart{ClientFirst: client.first})
			if err != nil {
				t.Fatal(err)
			}
			if s.views != 1 || s.updates != 1 {
				t.Fatalf("begin: %d reads, %d writes; want 1 and 1", s.views, s.updates)
			}
			if !strings.HasSuffix(ch.ServerFirst, ",i=4096") || len(strings.Split(ch.ServerFirst, ",")[1]) != len("s=")+24 {
				t.Fatalf("server first %q", ch.ServerFirst)
			}
			s.views, s.updates, s.writes = 0, 0, nil
			_, err = l.ChallengeFinish(ctx, ChallengeAnswer{ID: ch.ID, ClientFinal: client.final(t, ch.ServerFirst)})
			if (err == nil) != c.ok {
				t.Fatalf("finish: %v, want ok %v", err, c.ok)
			}
			if s.views != 1 || s.updates != 2 || checks != 0 {
				t.Fatalf("finish: %d reads, %d writes, %d password checks; want 1, 2, 0", s.views, s.updates, checks)
			}
			charged := slices.Contains(s.writes, "ChargeAttempt")
			if charged == c.ok {
				t.Fatalf("writes %v: charged %v", s.writes, charged)
			}
		})
	}
}
