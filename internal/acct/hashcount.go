package acct

import (
	"cmp"
	"context"
	"slices"
)

// UserHash is an account's stored password hash, as Tx.ListPasswordHashes
// gives it: "" when the account has no password.
type UserHash struct {
	ID   int64
	Hash string
	// ScramTag is the hash tag of the account's SCRAM verifier (nil for
	// none): it has a verifier when the tag is its hash's (HashTag).
	ScramTag []byte
}

// HashCount is how many accounts have their password hashed with one
// scheme and parameters (PasswordHashes).
type HashCount struct {
	// Scheme is one of the Scheme* constants, or HashNone for accounts
	// without a password, or HashUnreadable for hashes IdentifyHash
	// refuses.
	Scheme string `json:"scheme"`
	// Params are the parameters, as in HashInfo.
	Params string `json:"params"`
	// Current says that these are the scheme and parameters of new hashes:
	// the accounts a migration to argon2id has reached.
	Current bool `json:"current"`
	// Accounts is how many accounts (purged ones aside).
	Accounts int64 `json:"accounts"`
	// Scram is how many of them have a SCRAM-SHA-256 verifier, for a
	// challenge login (scram.go); Accounts - Scram have none.
	Scram int64 `json:"scram"`
}

// Pseudo-schemes of PasswordHashes.
const (
	HashNone       = "none"       // no password
	HashUnreadable = "unreadable" // a hash IdentifyHash refuses
)

// hashPage is how many hashes one read transaction of PasswordHashes
// reads, so that a large store never holds a long read.
const hashPage = 5000

// PasswordHashes counts the accounts per password hash scheme and
// parameters, so that an operator can follow a migration to argon2id.
// It reads the stored hashes in pages, one read transaction each.
func (l *Local) PasswordHashes(ctx context.Context) ([]HashCount, error) {
	if err := l.permit(ctx, "PasswordHashes"); err != nil {
		return nil, err
	}
	counts := map[HashInfo]int64{}
	scram := map[HashInfo]int64{}
	var after int64
	for {
		var page []UserHash
		err := l.store.View(ctx, func(tx Tx) (err error) {
			page, err = tx.ListPasswordHashes(ctx, after, hashPage)
			return err
		})
		if err != nil {
			return nil, wrap(err, "count password hashes")
		}
		for _, u := range page {
			g := hashGroup(u.Hash)
			counts[g]++
			if u.Hash != "" && (&ScramRecord{HashTag: u.ScramTag}).validFor(u.Hash) {
				scram[g]++
			}
		}
		if len(page) < hashPage {
			break
		}
		after = page[len(page)-1].ID
	}
	current := HashInfo{Scheme: SchemeArgon2id, Params: l.opt.Argon2.String()}
	out := make([]HashCount, 0, len(counts))
	for info, n := range counts {
		out = append(out, HashCount{Scheme: info.Scheme, Params: info.Params, Current: info == current, Accounts: n, Scram: scram[info]})
	}
	slices.SortFunc(out, func(a, b HashCount) int {
		return cmp.Or(cmp.Compare(schemeRank(a.Scheme), schemeRank(b.Scheme)), cmp.Compare(a.Params, b.Params))
	})
	return out, nil
}

// hashGroup is the row of PasswordHashes that a stored hash counts in.
func hashGroup(hash string) HashInfo {
	if hash == "" {
		return HashInfo{Scheme: HashNone}
	}
	info, err := IdentifyHash(hash)
	if err != nil {
		return HashInfo{Scheme: HashUnreadable}
	}
	return info
}

// schemeRank orders schemes as HashSchemes does, then none, then
// unreadable.
func schemeRank(s string) int {
	if i := slices.Index(HashSchemes, s); i >= 0 {
		return i
	}
	if s == HashNone {
		return len(HashSchemes)
	}
	return len(HashSchemes) + 1
}
