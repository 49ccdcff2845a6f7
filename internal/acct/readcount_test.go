package acct

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"
)

// countStore is an in-memory Store of a few accounts with one email
// address each and one session, whose Tx is a BulkTx that counts the
// reads it is asked for; its methods are those of the hot reads only.
type countStore struct {
	Store
	users   []UserRecord
	session SessionRecord
	views   int
	reads   []string
}

type countTx struct {
	Tx
	BulkTx
	s *countStore
}

func (s *countStore) View(ctx context.Context, fn func(Tx) error) error {
	s.views++
	return fn(countTx{s: s})
}

func (s *countStore) ReadSessionUser(ctx context.Context, hash []byte) (*SessionRecord, *UserRecord, error) {
	s.reads = append(s.reads, "ReadSessionUser")
	if !slices.Equal(hash, s.session.TokenHash) {
		return nil, nil, Errorf(CodeNotFound, "no such session")
	}
	ses, u := s.session, s.users[0]
	return &ses, &u, nil
}

func (tx countTx) GetUser(ctx context.Context, key UserKey) (*UserRecord, error) {
	tx.s.reads = append(tx.s.reads, "GetUser")
	return nil, Errorf(CodeNotFound, "no such user")
}

func (tx countTx) ListAddresses(ctx context.Context, id int64, kind AddressKind) ([]AddressRecord, error) {
	tx.s.reads = append(tx.s.reads, "ListAddresses")
	return nil, nil
}

func (tx countTx) FindKeys(ctx context.Context, keys []UserKey) ([]KeyOwner, error) {
	tx.s.reads = append(tx.s.reads, "FindKeys")
	var out []KeyOwner
	for _, k := range keys {
		for _, u := range tx.s.users {
			if k.Field == KeyEmail && k.Value == u.Email {
				out = append(out, KeyOwner{Key: k, UserID: u.ID})
			}
		}
	}
	return out, nil
}

func (tx countTx) GetUsers(ctx context.Context, ids []int64) ([]UserRecord, error) {
	tx.s.reads = append(tx.s.reads, "GetUsers")
	var out []UserRecord
	for _, u := range tx.s.users {
		if slices.Contains(ids, u.ID) {
			out = append(out, u)
		}
	}
	return out, nil
}

func (tx countTx) ListAddressesOf(ctx context.Context, ids []int64) ([]AddressRecord, error) {
	tx.s.reads = append(tx.s.reads, "ListAddressesOf")
	var out []AddressRecord
	for _, u := range tx.s.users {
		if slices.Contains(ids, u.ID) {
			out = append(out, AddressRecord{Address: Address{UserID: u.ID, Kind: AddressEmail, Value: u.Email}})
		}
	}
	return out, nil
}

func newCountStore(n int) *countStore {
	s := &countStore{}
	for i := 1; i <= n; i++ {
		s.users = append(s.users, UserRecord{User: User{ID: int64(i), Email: fmt.Sprintf("u%d@example.com", i), Status: StatusActive}})
	}
	return s
}

// TestLookupUsersReadsInBulk: a batch of REFs costs one FindKeys, one
// GetUsers and one ListAddressesOf in one transaction, whatever its size,
// not reads per REF; each REF gets its account and addresses, in order.
func TestLookupUsersReadsInBulk(t *testing.T) {
	s := newCountStore(300)
	l, err := NewLocal(s, Options{Now: func() time.Time { return time.Unix(1e9, 0) }})
	if err != nil {
		t.Fatal(err)
	}
	var refs []string
	for i := 300; i >= 1; i -= 2 {
		refs = append(refs, fmt.Sprintf("U%d@Example.com", i))
	}
	refs = append(refs, "nobody@example.com", "7")
	got, err := l.LookupUsers(context.Background(), refs)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"FindKeys", "GetUsers", "ListAddressesOf"}; s.views != 1 || !slices.Equal(s.reads, want) {
		t.Fatalf("%d transactions, reads %v; want 1 and %v", s.views, s.reads, want)
	}
	for i, g := range got[:150] {
		id := int64(300 - 2*i)
		if g.User == nil || g.User.ID != id || len(g.Addresses) != 1 || g.Addresses[0].Value != g.User.Email {
			t.Fatalf("ref %q: %+v", refs[i], g)
		}
	}
	if g := got[150]; g.Error == nil || g.Error.Code != CodeNotFound || g.Error.Message != `no user "nobody@example.com"` {
		t.Fatalf("nobody: %+v", g)
	}
	if g := got[151]; g.User == nil || g.User.ID != 7 {
		t.Fatalf("id 7: %+v", g)
	}
}

// TestValidateSessionWithoutTransaction: a store that reads a session
// and its user in one statement (SessionUserReader) is asked for that
// read alone, outside any transaction.
func TestValidateSessionWithoutTransaction(t *testing.T) {
	now := time.Unix(1e9, 0).UTC()
	s := newCountStore(1)
	l, err := NewLocal(s, Options{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	token, hash, err := l.newToken()
	if err != nil {
		t.Fatal(err)
	}
	s.session = SessionRecord{TokenHash: hash, Session: Session{ID: "s1", UserID: 1, CreatedAt: now, LastSeenAt: now,
		ExpiresAt: now.Add(time.Hour), AbsoluteExpiresAt: now.Add(24 * time.Hour)}}
	info, err := l.ValidateSession(context.Background(), token)
	if err != nil || info.User.ID != 1 || info.Session.ID != "s1" || info.Session.Status != SessionActive {
		t.Fatalf("%+v, %v", info, err)
	}
	if s.views != 0 || !slices.Equal(s.reads, []string{"ReadSessionUser"}) {
		t.Fatalf("%d transactions, reads %v; want none and one ReadSessionUser", s.views, s.reads)
	}
}
