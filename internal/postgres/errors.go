package postgres

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"strings"
	"syscall"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/acctl/acctl/internal/acct"
	"github.com/acctl/acctl/internal/sqlstore"
)

// SQLSTATE codes that mapError and the retry loop interpret.
const (
	codeUniqueViolation      = "23505"
	codeSerializationFailure = "40001"
	codeDeadlockDetected     = "40P01"
	codeTooManyConnections   = "53300"
	codeLockNotAvailable     = "55P03"
	codeAdminShutdown        = "57P01"
	codeCrashShutdown        = "57P02"
	codeCannotConnectNow     = "57P03"
)

// constraintFields names the field of each unique constraint, for the Field
// of a conflict: the column's name, as SQLite's store reports it, except
// foreign_id, which the core calls "foreign".
var constraintFields = map[string]string{
	"users_username_key":      "username",
	"users_email_key":         "email",
	"users_phone_key":         "phone",
	"users_foreign_id_key":    "foreign",
	"users_pkey":              "id",
	"sessions_public_id_key":  "public_id",
	"sessions_token_hash_key": "token_hash",
	"sessions_pkey":           "seq",
	"codes_public_id_key":     "public_id",
	"codes_mac_key":           "mac",
	"codes_pkey":              "seq",
	"audit_events_pkey":       "id",
	// 0006: referrals, points and the waiting list.
	"users_referral_code_key":    "referral_code",
	"points_ledger_pkey":         "id",
	"preregistrations_email_key": "email",
	"preregistrations_pkey":      "id",
	// 0007: API keys.
	"api_keys_name_key":       "name",
	"api_keys_token_hash_key": "token_hash",
	"api_keys_pkey":           "id",
	// 0009: the skeletons of usernames (acct.Skeleton).
	"users_username_skeleton_key": "username",
}

// lookAlikeConstraints are the unique keys on skeletons: their conflict
// says that the value looks like one in use.
var lookAlikeConstraints = map[string]bool{"users_username_skeleton_key": true}

// dialect is what the queries shared with the SQLite store
// (internal/sqlstore) need to know of PostgreSQL: $N placeholders, times
// as timestamptz, GREATEST for the larger of two values, SKIP LOCKED on the
// rows a statement picks to change, and mapError.
var dialect = &sqlstore.Dialect{
	Name:       "postgres",
	Numbered:   true,
	Greatest:   "GREATEST",
	SkipLocked: " FOR UPDATE SKIP LOCKED",
	ForUpdate:  " FOR UPDATE",
	Lower:      "lower",
	TableExists: `SELECT current_schema() IS NOT NULL
		AND to_regclass(quote_ident(current_schema()) || '.' || quote_ident(?)) IS NOT NULL`,
	Binary:            ` COLLATE "C"`,
	ConcurrentWriters: true,
	True:              "true",
	False:             "false",
	TimeType:          "timestamptz",
	UniqueKey:         uniqueKey,
	MapError:          mapError,
}

// mapError turns a driver error into the error the acct layer expects. It
// is the only place that interprets PostgreSQL's error codes:
//
//   - a unique violation (23505) becomes CodeConflict naming the field
//     ("email already in use");
//   - a serialization failure or a deadlock (the transaction may be run
//     again, which Update and View do first), too many connections, a
//     server shutting down or starting up, and a lost or refused
//     connection become CodeUnavailable, safe to retry;
//   - context cancellation passes through unchanged;
//   - anything else is wrapped with op for context.
//
// The driver's error stays in the chain, so that the retry loop can see
// its SQLSTATE.
func mapError(op string, err error) error {
	if err == nil {
		return nil
	}
	var ae *acct.Error
	if errors.As(err, &ae) {
		return err
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case codeUniqueViolation:
			field, ok := constraintFields[pe.ConstraintName]
			if !ok {
				field = constraintColumn(pe.TableName, pe.ConstraintName)
			}
			msg := field + " already in use"
			switch {
			case field == "":
				msg = "value already in use"
			case lookAlikeConstraints[pe.ConstraintName]:
				msg = acct.LookAlikeMessage(field)
			}
			return &acct.Error{Code: acct.CodeConflict, Field: field, Message: msg, Err: err}
		}
	}
	if isTransient(err) {
		return &acct.Error{Code: acct.CodeUnavailable, Message: "store is unavailable, try again: " + reason(err), Err: err}
	}
	return fmt.Errorf("postgres: %s: %w", op, err)
}

// uniqueKey names the unique key that err violates as sqlstore's
// Dialect.UniqueKey does, "table(column,column)", for the constraints that
// the shared code asks about (addressKeys); "" for any other error.
func uniqueKey(err error) string {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || pe.Code != codeUniqueViolation {
		return ""
	}
	return addressKeys[pe.ConstraintName]
}

// constraintColumn guesses the column of a unique constraint that
// constraintFields does not know from PostgreSQL's default naming,
// TABLE_COLUMN_key; "" when the name does not follow it.
func constraintColumn(table, constraint string) string {
	col, ok := strings.CutSuffix(constraint, "_key")
	if !ok || table == "" {
		return ""
	}
	col, ok = strings.CutPrefix(col, table+"_")
	if !ok {
		return ""
	}
	return col
}

// isRetryable reports whether err says that the transaction lost a race
// and may simply be run again: a serialization failure or a deadlock.
func isRetryable(err error) bool {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		return false
	}
	return pe.Code == codeSerializationFailure || pe.Code == codeDeadlockDetected
}

// isTransient reports whether err is a failure that may pass by itself:
// isRetryable's races, the server refusing or dropping connections, or a
// network failure.
func isTransient(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case codeSerializationFailure, codeDeadlockDetected, codeTooManyConnections,
			codeLockNotAvailable, codeAdminShutdown, codeCrashShutdown, codeCannotConnectNow:
			return true
		}
		// Class 08, connection exception, is transient; any other error the
		// server sent (bad password, no such database, a bug) is not.
		return strings.HasPrefix(pe.Code, "08")
	}
	var ce *pgconn.ConnectError
	if errors.As(err, &ce) {
		return true // no answer from the server at all (a PgError was caught above)
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return true
	}
	return errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, syscall.EPIPE) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		pgconn.SafeToRetry(err) || pgconn.Timeout(err)
}

// reason is a short account of a transient error for its message.
func reason(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Message + " (SQLSTATE " + pe.Code + ")"
	}
	var ce *pgconn.ConnectError
	if errors.As(err, &ce) {
		// One cause a line, often twice the same (with TLS, then without).
		var causes []string
		for line := range strings.Lines(errors.Unwrap(ce).Error()) {
			if line = strings.TrimSpace(line); line != "" && !slices.Contains(causes, line) {
				causes = append(causes, line)
			}
		}
		return fmt.Sprintf("cannot connect as %s to database %s: %s",
			ce.Config.User, ce.Config.Database, strings.Join(causes, "; "))
	}
	return err.Error()
}
