package acct

import (
	"context"
	"crypto/sha256"
	"encoding/base32"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// Session tokens and ids.
const (
	// TokenPrefix starts every session token, so that a leaked token is
	// recognisable (by secret scanners, in logs).
	TokenPrefix = "acctl_sess_"
	// SessionIDPrefix starts every public session id.
	SessionIDPrefix = "ses_"
	tokenBytes      = 32 // 256 bits
	sessionIDBytes  = 10 // 80 bits: unguessable enough for a public handle
)

var (
	tokenEncoding = base64.RawURLEncoding
	idEncoding    = base32.NewEncoding("0123456789abcdefghjkmnpqrstvwxyz").WithPadding(base32.NoPadding)
	tokenLength   = len(TokenPrefix) + tokenEncoding.EncodedLen(tokenBytes)
)

// A session purge deletes in batches, each its own transaction, so that
// other writers (logins, `acctl serve`, which wait at most the store's busy
// timeout of 5 s for the write lock) never wait long. Each commit costs
// about the same however many sessions the batch held: it rewrites nearly
// every page of the random-keyed token and id indexes. So a large purge
// wants batches as large as the lock may be held: each batch is sized from
// the rate of the one before to take about purgeBatchBudget, growing at
// most purgeBatchGrowth-fold at a time, between minSessionPurgeBatch and
// maxSessionPurgeBatch.
const (
	firstSessionPurgeBatch = 20_000
	minSessionPurgeBatch   = 1_000
	maxSessionPurgeBatch   = 1_000_000
	purgeBatchBudget       = 1500 * time.Millisecond
	purgeBatchGrowth       = 2
)

// purgeClock reads the wall clock that paces a purge (not the injected
// Options.Now: pacing measures real work). Tests replace it.
var purgeClock = time.Now

// nextPurgeBatch returns the size of the batch after one of batch sessions
// that deleted n and took took: the size that the same rate deletes in
// purgeBatchBudget, at most purgeBatchGrowth times batch, within
// [minSessionPurgeBatch, maxSessionPurgeBatch]. The rate counts the whole
// transaction, its fixed cost of a commit included, so the prediction errs
// small and the sizes settle on the budget from below.
func nextPurgeBatch(batch int, n int64, took time.Duration) int {
	next := purgeBatchGrowth * batch
	if took > 0 && n > 0 {
		if fit := float64(n) * float64(purgeBatchBudget) / float64(took); fit < float64(next) {
			next = int(fit)
		}
	}
	return min(max(next, minSessionPurgeBatch), maxSessionPurgeBatch)
}

// newToken returns a fresh session token and its SHA-256.
func (l *Local) newToken() (string, []byte, error) {
	b := make([]byte, tokenBytes)
	if _, err := io.ReadFull(l.opt.Rand, b); err != nil {
		return "", nil, Internal(err, "make session token")
	}
	token := TokenPrefix + tokenEncoding.EncodeToString(b)
	sum := sha256.Sum256([]byte(token))
	return token, sum[:], nil
}

// notAToken refuses a string that has not the shape of a session token.
func notAToken() error {
	return Errorf(CodeUnauthenticated, "invalid session token: not an acctl session token").WithReason(ReasonInvalid)
}

// hashToken returns the SHA-256 of a token that has the shape of one.
func hashToken(token string) ([]byte, error) {
	token = strings.TrimSpace(token)
	if len(token) != tokenLength || !strings.HasPrefix(token, TokenPrefix) {
		return nil, notAToken()
	}
	if _, err := tokenEncoding.DecodeString(token[len(TokenPrefix):]); err != nil {
		return nil, notAToken()
	}
	sum := sha256.Sum256([]byte(token))
	return sum[:], nil
}

// newSessionID returns a fresh public session id.
func (l *Local) newSessionID() (string, error) {
	b := make([]byte, sessionIDBytes)
	if _, err := io.ReadFull(l.opt.Rand, b); err != nil {
		return "", Internal(err, "make session id")
	}
	return SessionIDPrefix + idEncoding.EncodeToString(b), nil
}

// newSessionKeys returns what a login makes before its transaction (the
// randomness): the secret token of a new session, the token's hash, and
// the session's public id.
func (l *Local) newSessionKeys() (token string, hash []byte, id string, err error) {
	if token, hash, err = l.newToken(); err != nil {
		return "", nil, "", err
	}
	if id, err = l.newSessionID(); err != nil {
		return "", nil, "", err
	}
	return token, hash, id, nil
}

// newSession builds the record of a session opened now for u.
func (l *Local) newSession(u *UserRecord, id string, hash []byte, keep bool, label string, now time.Time) *SessionRecord {
	s := &SessionRecord{TokenHash: hash}
	s.ID, s.UserID, s.Username, s.Email = id, u.ID, u.Username, u.Email
	s.CreatedAt, s.LastSeenAt, s.Persistent, s.Label = now, now, keep, label
	if keep {
		s.ExpiresAt = now.Add(l.opt.SessionPersistent)
		s.AbsoluteExpiresAt = s.ExpiresAt
	} else {
		s.ExpiresAt = now.Add(l.opt.SessionIdle)
		s.AbsoluteExpiresAt = now.Add(l.opt.SessionAbsolute)
	}
	return s
}

// sessionStatus is the state of s at now.
func sessionStatus(s *Session, now time.Time) SessionStatus {
	switch {
	case s.EndedAt != nil:
		return SessionEnded
	case !now.Before(s.ExpiresAt):
		return SessionExpired
	}
	return SessionActive
}

// usable refuses a session that is not active at now, saying why, in
// its message and as its Reason (expired or ended): whoever names the
// session (by its token or its public id) knows it exists already.
func usable(s *Session, now time.Time) error {
	switch sessionStatus(s, now) {
	case SessionEnded:
		return Errorf(CodeUnauthenticated, "session %s ended at %s", s.ID, s.EndedAt.Format(time.RFC3339)).WithReason(ReasonEnded)
	case SessionExpired:
		why := "idle"
		if !s.ExpiresAt.Before(s.AbsoluteExpiresAt) {
			why = "its absolute lifetime ran out"
			if s.Persistent {
				why = "its keep-me-logged-in lifetime ran out"
			}
		}
		return Errorf(CodeUnauthenticated, "session %s expired at %s (%s): log in again", s.ID, s.ExpiresAt.Format(time.RFC3339), why).WithReason(ReasonExpired)
	}
	return nil
}

// errNoSession answers a well-formed token that names no session.
// Ended and expired sessions stay in the store until a purge: a token no
// row has is one that never was, or was purged.
var errNoSession = Errorf(CodeUnauthenticated, "invalid session token: no such session").WithReason(ReasonInvalid)

// findSession finds a session by public id or token inside tx.
func findSession(ctx context.Context, tx Tx, ref SessionRef) (*SessionRecord, error) {
	var key SessionKey
	switch {
	case ref.ID != "" && ref.Token != "":
		return nil, FieldError("session", "give a session id or a token, not both")
	case ref.Token != "":
		hash, err := hashToken(ref.Token)
		if err != nil {
			return nil, err
		}
		key.TokenHash = hash
	case ref.ID != "":
		key.ID = strings.TrimSpace(ref.ID)
	default:
		return nil, FieldError("session", "give a session id or a token")
	}
	s, err := tx.GetSession(ctx, key)
	if IsCode(err, CodeNotFound) {
		if key.ID != "" {
			return nil, &Error{Code: CodeNotFound, Field: "session", Message: fmt.Sprintf("no session %q", key.ID)}
		}
		return nil, errNoSession
	}
	return s, err
}

// ValidateSession finds the active session of token and its user.
func (l *Local) ValidateSession(ctx context.Context, token string) (*SessionInfo, error) {
	if err := l.permit(ctx, "ValidateSession"); err != nil {
		return nil, err
	}
	var info SessionInfo
	var err error
	if r, ok := l.store.(SessionUserReader); ok {
		// One statement, no transaction around it (see SessionUserReader).
		err = l.validateJoined(ctx, r.ReadSessionUser, token, l.now(), &info)
	} else {
		err = l.store.View(ctx, func(tx Tx) error {
			return l.validate(ctx, tx, token, l.now(), &info)
		})
	}
	if err != nil {
		return nil, wrap(err, "validate session")
	}
	return &info, nil
}

// validate finds the session of token in tx and its user, and fills info
// when the session is active at now and its account not deleted.
func (l *Local) validate(ctx context.Context, tx Tx, token string, now time.Time, info *SessionInfo) error {
	if g, ok := tx.(SessionUserTx); ok {
		return l.validateJoined(ctx, g.GetSessionUser, token, now, info)
	}
	s, err := findSession(ctx, tx, SessionRef{Token: token})
	if err != nil {
		return err
	}
	if err := usable(&s.Session, now); err != nil {
		return err
	}
	u, err := tx.GetUser(ctx, UserKey{Field: KeyID, ID: s.UserID})
	if err != nil {
		return err
	}
	return l.validated(s, u, now, info)
}

// validateJoined is validate with get, which reads the session of a token
// hash and its user in one query.
func (l *Local) validateJoined(ctx context.Context, get func(context.Context, []byte) (*SessionRecord, *UserRecord, error),
	token string, now time.Time, info *SessionInfo) error {
	hash, err := hashToken(token)
	if err != nil {
		return err
	}
	s, u, err := get(ctx, hash)
	if IsCode(err, CodeNotFound) {
		return errNoSession
	}
	if err != nil {
		return err
	}
	if err := usable(&s.Session, now); err != nil {
		return err
	}
	return l.validated(s, u, now, info)
}

// validated fills info with the usable session s and its user u, unless
// the account was deleted.
func (l *Local) validated(s *SessionRecord, u *UserRecord, now time.Time, info *SessionInfo) error {
	if u.Status == StatusDeleted {
		return Errorf(CodeUnauthenticated, "session %s ended: its account was deleted", s.ID).WithReason(ReasonEnded)
	}
	l.settle(u, now)
	info.Session, info.User = s.Session, u.User
	info.Session.Status = SessionActive
	return nil
}

// ListSessions returns sessions, newest first.
func (l *Local) ListSessions(ctx context.Context, q SessionQuery) ([]Session, error) {
	if err := l.permit(ctx, "ListSessions"); err != nil {
		return nil, err
	}
	limit, err := pageLimit(q.Limit)
	if err != nil {
		return nil, err
	}
	if q.Status == "" {
		q.Status = SessionActive
	}
	if !q.Status.Valid() {
		return nil, FieldError("status", "%q is not one of active, expired, ended, all", q.Status)
	}
	now := l.now()
	f := SessionFilter{Status: q.Status, Now: now, Limit: limit}
	var recs []SessionRecord
	err = l.store.View(ctx, func(tx Tx) (err error) {
		if q.User != "" {
			u, err := l.get(ctx, tx, q.User)
			if err != nil {
				return err
			}
			f.UserID = &u.ID
		}
		recs, err = tx.ListSessions(ctx, f)
		return err
	})
	if err != nil {
		return nil, wrap(err, "list sessions")
	}
	out := make([]Session, len(recs))
	for i := range recs {
		out[i] = recs[i].Session
		out[i].Token = ""
		out[i].Status = sessionStatus(&out[i], now)
	}
	return out, nil
}

// FreshenSession moves the idle deadline of an active session to now plus
// the idle lifetime (the persistent one for keep-me-logged-in), never past
// its absolute deadline.
func (l *Local) FreshenSession(ctx context.Context, ref SessionRef) (*Session, error) {
	if err := l.permit(ctx, "FreshenSession"); err != nil {
		return nil, err
	}
	var s *SessionRecord
	err := l.store.Update(ctx, func(tx Tx) (err error) {
		if s, err = findSession(ctx, tx, ref); err != nil {
			return err
		}
		if err := l.mayChangeSession(ctx, tx, s); err != nil {
			return err
		}
		now := l.now()
		if err := usable(&s.Session, now); err != nil {
			return err
		}
		window := l.opt.SessionIdle
		if s.Persistent {
			window = l.opt.SessionPersistent
		}
		expires := now.Add(window)
		if expires.After(s.AbsoluteExpiresAt) {
			expires = s.AbsoluteExpiresAt
		}
		changed, err := tx.TouchSession(ctx, s.Seq, now, expires)
		if err != nil {
			return err
		}
		if !changed {
			return Errorf(CodeUnauthenticated, "session %s ended", s.ID).WithReason(ReasonEnded)
		}
		s.LastSeenAt, s.ExpiresAt = now, expires
		return nil
	})
	if IsCode(err, CodeRefused) && s != nil {
		return nil, l.fail(ctx, ActionSessionFreshen, s.UserID, err)
	}
	if err != nil {
		return nil, wrap(err, "freshen session")
	}
	out := s.Session
	out.Status = SessionActive
	return &out, nil
}

// EndSessions ends the sessions named by id, or every session of a user
// (but one), or the session of a token (an unknown token is
// CodeUnauthenticated, as in ValidateSession).
func (l *Local) EndSessions(ctx context.Context, in EndSessions) (*EndResult, error) {
	if err := l.permit(ctx, "EndSessions"); err != nil {
		return nil, err
	}
	switch {
	case len(in.IDs) > 0 && in.User != "":
		return nil, FieldError("user", "give session ids or a user, not both")
	case in.Token != "" && (len(in.IDs) > 0 || in.User != ""):
		return nil, FieldError("token", "give a session token, or session ids or a user, not several")
	case len(in.IDs) == 0 && in.User == "" && in.Token == "":
		return nil, FieldError("session", "give session ids, a user or a session token")
	case in.Except != "" && in.User == "":
		return nil, FieldError("except", "only goes with a user")
	}
	res := &EndResult{Ended: []string{}}
	var userID int64
	err := l.store.Update(ctx, func(tx Tx) error {
		res.Ended = res.Ended[:0]
		if in.User != "" {
			u, err := l.get(ctx, tx, in.User)
			if err != nil {
				return err
			}
			userID = u.ID
			if err := l.mayChange(ctx, u, "end the sessions of"); err != nil {
				return err
			}
			if in.Except != "" {
				s, err := findSession(ctx, tx, SessionRef{ID: in.Except})
				if err != nil {
					return err
				}
				if s.UserID != u.ID {
					return FieldError("except", "session %s belongs to user %d, not to user %d", s.ID, s.UserID, u.ID)
				}
			}
			ended, err := l.endAll(ctx, tx, u.ID, in.Except)
			if err != nil {
				return err
			}
			res.Ended = append(res.Ended, ended...)
			return tx.InsertEvent(ctx, l.event(ctx, ActionSessionEnd, u.ID, "logged out everywhere"+exceptNote(in.Except)+endedNote(ended)))
		}
		refs := make([]SessionRef, 0, len(in.IDs)+1)
		for _, id := range in.IDs {
			refs = append(refs, SessionRef{ID: id})
		}
		if in.Token != "" {
			refs = append(refs, SessionRef{Token: in.Token})
		}
		byUser := map[int64][]string{}
		var order []int64
		for _, ref := range refs {
			s, err := findSession(ctx, tx, ref)
			if err != nil {
				return err
			}
			if _, ok := byUser[s.UserID]; !ok {
				// A session id names its user as well as a REF does.
				if err := l.mayChangeSession(ctx, tx, s); err != nil {
					userID = s.UserID
					return err
				}
				order = append(order, s.UserID)
			}
			byUser[s.UserID] = append(byUser[s.UserID], s.ID)
		}
		for _, uid := range order {
			ended, err := tx.EndSessions(ctx, SessionEnd{UserID: uid, IDs: byUser[uid], At: l.now()})
			if err != nil {
				return err
			}
			res.Ended = append(res.Ended, ended...)
			if len(ended) > 0 {
				if err := tx.InsertEvent(ctx, l.event(ctx, ActionSessionEnd, uid, "ended "+strings.Join(ended, ", "))); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, l.fail(ctx, ActionSessionEnd, userID, wrap(err, "end sessions"))
	}
	return res, nil
}

// endAll ends every active session of a user but except, for a password
// change, a lock or a deletion.
func (l *Local) endAll(ctx context.Context, tx Tx, userID int64, except string) ([]string, error) {
	return tx.EndSessions(ctx, SessionEnd{UserID: userID, Except: except, At: l.now()})
}

func exceptNote(except string) string {
	if except == "" {
		return ""
	}
	return " except " + except
}

// endedNote tells the audit trail how many sessions a change ended.
func endedNote(ended []string) string {
	switch len(ended) {
	case 0:
		return ""
	case 1:
		return "; ended 1 session"
	}
	return fmt.Sprintf("; ended %d sessions", len(ended))
}

// PurgeSessions deletes the sessions that expired or ended more than
// opt.OlderThan ago, in short transactions. Running it again deletes
// nothing more.
func (l *Local) PurgeSessions(ctx context.Context, opt SessionPurgeOptions) (*SessionPurgeResult, error) {
	if err := l.permit(ctx, "PurgeSessions"); err != nil {
		return nil, err
	}
	if opt.OlderThan < 0 {
		return nil, FieldError("older_than", "must not be negative")
	}
	cutoff := l.now().Add(-opt.OlderThan)
	res := &SessionPurgeResult{}
	for batch := firstSessionPurgeBatch; ; {
		var n int64
		start := purgeClock()
		err := l.store.Update(ctx, func(tx Tx) (err error) {
			n, err = tx.DeleteSessions(ctx, cutoff, batch)
			return err
		})
		if err != nil {
			// The batches before this one stay deleted: record them even
			// when the purge was interrupted (a cancelled ctx included).
			err = wrap(err, "purge sessions")
			if rerr := l.recordPurge(context.WithoutCancel(ctx), res.Deleted, cutoff, true); rerr != nil {
				err = errors.Join(err, rerr)
			}
			return res, err
		}
		res.Deleted += n
		if n < int64(batch) {
			break
		}
		batch = nextPurgeBatch(batch, n, purgeClock().Sub(start))
	}
	if err := l.purgeAttempts(ctx); err != nil {
		return res, err
	}
	if err := l.recordPurge(ctx, res.Deleted, cutoff, false); err != nil {
		return res, err
	}
	return res, nil
}

// attemptPurgeBatch is how many attempt buckets one transaction of
// purgeAttempts deletes.
const attemptPurgeBatch = 5000

// purgeAttempts deletes the attempt buckets of the login limit that are
// paid off (full again: as good as none), the expired waiting logins of
// the second factor and the expired login challenges, a batch a
// transaction.
func (l *Local) purgeAttempts(ctx context.Context) error {
	now := l.now()
	for {
		var n, m int64
		err := l.store.Update(ctx, func(tx Tx) (err error) {
			if n, err = tx.DeleteAttempts(ctx, now, attemptPurgeBatch); err != nil {
				return err
			}
			// The waiting logins of the second factor (mfa.go) past their
			// lifetime, used or not, are good for nothing either.
			m, err = tx.DeleteMFATokens(ctx, now, attemptPurgeBatch)
			return err
		})
		if err != nil {
			return wrap(err, "purge attempt buckets")
		}
		if n < attemptPurgeBatch && m < attemptPurgeBatch {
			break
		}
	}
	// The login challenges that expired (challenge.go), used or not.
	for {
		var n int64
		err := l.store.Update(ctx, func(tx Tx) (err error) {
			n, err = tx.DeleteChallenges(ctx, now, attemptPurgeBatch)
			return err
		})
		if err != nil {
			return wrap(err, "purge login challenges")
		}
		if n < attemptPurgeBatch {
			return nil
		}
	}
}

// recordPurge writes the audit event of a purge that deleted n sessions
// (none when n is 0); interrupted says the purge stopped on an error.
func (l *Local) recordPurge(ctx context.Context, n int64, cutoff time.Time, interrupted bool) error {
	if n == 0 {
		return nil
	}
	detail := fmt.Sprintf("deleted %d sessions that expired or ended by %s", n, cutoff.Format(time.RFC3339))
	if interrupted {
		detail += " (interrupted by an error: the rest are still there)"
	}
	err := l.store.Update(ctx, func(tx Tx) error {
		return tx.InsertEvent(ctx, l.event(ctx, ActionSessionPurge, 0, detail))
	})
	return wrap(err, "purge sessions: record the audit event")
}
