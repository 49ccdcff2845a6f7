package acct

import (
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"strings"
	"time"
)

// API keys are the credentials of `acctl serve`: a token
// "acctl_key_" + 43 base64url characters (256 bits from Options.Rand),
// stored only as its SHA-256, like a session token. A key has a unique
// name (the actor of the audit trail for what it does) and a Role.
// Keys are made and revoked only on the machine that holds the store
// (Local implements KeyManager; the remote client does not).
const (
	// APIKeyPrefix starts every API key token, so that a leaked key is
	// recognisable (by secret scanners, in logs).
	APIKeyPrefix = "acctl_key_"
	// APIKeyShownPrefix is how many first characters of a token APIKey.Prefix
	// keeps, to recognise a key in a list.
	APIKeyShownPrefix = 18 // the 10 of "acctl_key_" and 8 random ones
	// MaxAPIKeyName is the longest name of an API key.
	MaxAPIKeyName = 64
	// apiKeyTouchInterval is how often, at most, AuthenticateAPIKey
	// writes a key's last_used_at: a busy server must not write on every
	// request.
	apiKeyTouchInterval = time.Minute
)

// The audited actions of API keys.
const (
	ActionAPIKeyCreate = "apikey.create"
	ActionAPIKeyRevoke = "apikey.revoke"
)

var apiKeyLength = len(APIKeyPrefix) + tokenEncoding.EncodedLen(tokenBytes)

// APIKeyRecord is an API key as stored: the listed APIKey plus what only
// the core may see.
type APIKeyRecord struct {
	APIKey
	// ID is the store's own key of the API key.
	ID int64
	// TokenHash is the SHA-256 of the token; the token itself is never
	// stored.
	TokenHash []byte
}

// APIKeyKey finds one API key: by name, or by token hash.
type APIKeyKey struct {
	Name      string
	TokenHash []byte
}

var _ KeyManager = (*Local)(nil)

// errInvalidAPIKey is the one answer to a token that opens nothing: it
// never says whether the token was malformed, unknown or revoked.
func errInvalidAPIKey() error { return Errorf(CodeUnauthenticated, "invalid API key") }

// NormalizeAPIKeyName returns the name of an API key in normal form (trimmed,
// lower case), or a CodeInvalid error naming "name": 1 to MaxAPIKeyName
// characters of a-z, 0-9, '.', '_' and '-'.
func NormalizeAPIKeyName(name string) (string, error) {
	name = strings.TrimSpace(name)
	switch {
	case name == "":
		return "", FieldError("name", "an API key needs a name")
	case len(name) > MaxAPIKeyName:
		return "", FieldError("name", "longer than %d characters", MaxAPIKeyName)
	}
	// ASCII only, checked before folding: strings.ToLower would make
	// "k" of the Kelvin sign.
	for _, r := range name {
		if !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || r == '.' || r == '_' || r == '-') {
			return "", FieldError("name", "%q: use only a-z, 0-9, '.', '_' and '-'", name)
		}
	}
	return strings.ToLower(name), nil
}

// newAPIKeyToken returns a fresh API key token and its SHA-256.
func (l *Local) newAPIKeyToken() (string, []byte, error) {
	b := make([]byte, tokenBytes)
	if _, err := io.ReadFull(l.opt.Rand, b); err != nil {
		return "", nil, Internal(err, "make API key")
	}
	token := APIKeyPrefix + tokenEncoding.EncodeToString(b)
	sum := sha256.Sum256([]byte(token))
	return token, sum[:], nil
}

// hashAPIKey returns the SHA-256 of a token that has the shape of an API
// key.
func hashAPIKey(token string) ([]byte, error) {
	token = strings.TrimSpace(token)
	if len(token) != apiKeyLength || !strings.HasPrefix(token, APIKeyPrefix) {
		return nil, errInvalidAPIKey()
	}
	if _, err := tokenEncoding.DecodeString(token[len(APIKeyPrefix):]); err != nil {
		return nil, errInvalidAPIKey()
	}
	sum := sha256.Sum256([]byte(token))
	return sum[:], nil
}

// apiKeyNote is the detail of an API key's audit events: never its token.
func apiKeyNote(k *APIKey) string { return fmt.Sprintf("key %s, role %s", k.Name, k.Role) }

// CreateAPIKey makes an API key and returns it with its token, shown this
// once: only the token's SHA-256 is stored.
func (l *Local) CreateAPIKey(ctx context.Context, in NewAPIKey) (*CreatedAPIKey, error) {
	name, err := NormalizeAPIKeyName(in.Name)
	if err != nil {
		return nil, err
	}
	role := Role(strings.ToLower(strings.TrimSpace(string(in.Role))))
	if !role.Valid() {
		return nil, FieldError("role", "%q is not one of %s, %s, %s", in.Role, RoleAdmin, RoleSupport, RoleAuditor)
	}
	token, hash, err := l.newAPIKeyToken()
	if err != nil {
		return nil, err
	}
	rec := &APIKeyRecord{TokenHash: hash}
	rec.Name, rec.Role, rec.Prefix = name, role, token[:APIKeyShownPrefix]
	rec.CreatedAt, rec.CreatedBy = l.now(), l.actor(ctx)
	err = l.store.Update(ctx, func(tx Tx) error {
		if err := tx.InsertAPIKey(ctx, rec); err != nil {
			if IsCode(err, CodeConflict) && ErrorField(err) == "name" {
				return &Error{Code: CodeConflict, Field: "name", Err: err,
					Message: fmt.Sprintf("an API key named %q exists already (names of revoked keys stay taken)", name)}
			}
			return err
		}
		return tx.InsertEvent(ctx, l.event(ctx, ActionAPIKeyCreate, 0, apiKeyNote(&rec.APIKey)))
	})
	if err != nil {
		return nil, l.fail(ctx, ActionAPIKeyCreate, 0, wrap(err, "create API key"))
	}
	return &CreatedAPIKey{APIKey: rec.APIKey, Token: token}, nil
}

// ListAPIKeys returns every API key in name order, revoked ones with
// their revoked_at; never a token.
func (l *Local) ListAPIKeys(ctx context.Context) ([]APIKey, error) {
	var recs []APIKeyRecord
	err := l.store.View(ctx, func(tx Tx) (err error) {
		recs, err = tx.ListAPIKeys(ctx)
		return err
	})
	if err != nil {
		return nil, wrap(err, "list API keys")
	}
	out := make([]APIKey, len(recs))
	for i := range recs {
		out[i] = recs[i].APIKey
	}
	return out, nil
}

// RevokeAPIKey revokes the API key name: from then on its token opens
// nothing. The key stays listed, and its name taken.
func (l *Local) RevokeAPIKey(ctx context.Context, name string) (*APIKey, error) {
	name, err := NormalizeAPIKeyName(name)
	if err != nil {
		return nil, err
	}
	var rec *APIKeyRecord
	err = l.store.Update(ctx, func(tx Tx) (err error) {
		rec, err = tx.GetAPIKey(ctx, APIKeyKey{Name: name})
		if IsCode(err, CodeNotFound) {
			return &Error{Code: CodeNotFound, Field: "name", Message: fmt.Sprintf("no API key named %q", name)}
		}
		if err != nil {
			return err
		}
		if rec.RevokedAt != nil {
			return Errorf(CodeConflict, "API key %q was revoked already, at %s", name, rec.RevokedAt.Format(time.RFC3339))
		}
		now := l.now()
		ok, err := tx.RevokeAPIKey(ctx, rec.ID, now)
		if err != nil {
			return err
		}
		if !ok {
			return Errorf(CodeConflict, "API key %q was revoked already", name)
		}
		rec.RevokedAt = &now
		return tx.InsertEvent(ctx, l.event(ctx, ActionAPIKeyRevoke, 0, apiKeyNote(&rec.APIKey)))
	})
	if err != nil {
		return nil, l.fail(ctx, ActionAPIKeyRevoke, 0, wrap(err, "revoke API key"))
	}
	return &rec.APIKey, nil
}

// AuthenticateAPIKey finds the active API key of token. A token that is
// malformed, unknown or revoked is CodeUnauthenticated "invalid API key",
// whichever it is. The key's last use is written at most once a minute,
// by one guarded statement; otherwise the check is a read transaction
// only, so that a busy server does not write on every request.
func (l *Local) AuthenticateAPIKey(ctx context.Context, token string) (*APIKey, error) {
	hash, err := hashAPIKey(token)
	if err != nil {
		return nil, err
	}
	var rec *APIKeyRecord
	err = l.store.View(ctx, func(tx Tx) (err error) {
		rec, err = tx.GetAPIKey(ctx, APIKeyKey{TokenHash: hash})
		return err
	})
	switch {
	case IsCode(err, CodeNotFound):
		return nil, errInvalidAPIKey()
	case err != nil:
		return nil, wrap(err, "authenticate API key")
	case rec.RevokedAt != nil:
		return nil, errInvalidAPIKey()
	}
	now := l.now()
	before := now.Add(-apiKeyTouchInterval)
	if rec.LastUsedAt == nil || rec.LastUsedAt.Before(before) {
		var touched bool
		err := l.store.Update(ctx, func(tx Tx) (err error) {
			touched, err = tx.TouchAPIKey(ctx, rec.ID, now, before)
			return err
		})
		if err != nil {
			return nil, wrap(err, "record API key use")
		}
		// Not touched: another request recorded a use just now, or the
		// key was revoked after it was read (this use came first).
		if touched {
			rec.LastUsedAt = &now
		}
	}
	return &rec.APIKey, nil
}
