package cmdutil

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/acctl/acctl/internal/acct"
)

// The exit codes of acctl. They are part of the scripting interface.
const (
	ExitOK          = 0
	ExitInternal    = 1
	ExitUsage       = 2 // usage error or invalid input
	ExitNotFound    = 3
	ExitConflict    = 4
	ExitUnauth      = 5 // authentication failed
	ExitRefused     = 6 // refused by policy
	ExitUnavailable = 7 // transient, safe to retry
	ExitInterrupted = 130
)

// ExitStatus is one exit code of acctl: its number, the code of JSON
// error objects, and its meaning.
type ExitStatus struct {
	Code    int
	JSON    string // "" for 0
	Meaning string
}

// ExitStatuses are acctl's exit codes, the one list from which the `acctl
// help exit-codes` topic and the man pages' EXIT STATUS are made;
// docs/exit-codes.md details them (a test keeps the two in step).
var ExitStatuses = []ExitStatus{
	{ExitOK, "", "ok (an empty list is ok)"},
	{ExitInternal, "internal", "internal error"},
	{ExitUsage, "invalid", "usage error or invalid input"},
	{ExitNotFound, "not_found", "not found"},
	{ExitConflict, "conflict", "conflict (already exists, already activated or verified, wrong state)"},
	{ExitUnauth, "unauthenticated", "authentication failed (wrong password; invalid, expired or ended session; wrong, expired, used or voided code)"},
	{ExitRefused, "refused", "refused by policy (locked, pending, on deletion hold, weak password, passcode asked again too soon, not confirmed)"},
	{ExitUnavailable, "unavailable", "unavailable, safe to retry (store busy, server unreachable, message not delivered)"},
	{ExitInterrupted, "interrupted", "interrupted (Ctrl-C, SIGINT, SIGTERM)"},
}

// ExitCodesHelp is the line that ends every command's long help: a
// pointer to the exit-codes topic rather than the table itself.
const ExitCodesHelp = `Exit codes: see "acctl help exit-codes".`

// ExitCodesTopic is the text of `acctl help exit-codes`.
func ExitCodesTopic() string {
	var b strings.Builder
	b.WriteString(`Every acctl command ends with one of these exit codes; they are part of
its scripting interface. With -o json an error is also a JSON object on
stderr, {"error":{"code":CODE,"message":…,"field":…,"reason":…}}, whose
code is the second column. docs/exit-codes.md details each code.

`)
	for _, e := range ExitStatuses {
		fmt.Fprintf(&b, "  %-4d %-16s", e.Code, e.JSON)
		col := 23
		for _, w := range strings.Fields(e.Meaning) {
			if col+1+len(w) > 79 {
				b.WriteString("\n" + strings.Repeat(" ", 23))
				col = 23
			}
			b.WriteString(" " + w)
			col += 1 + len(w)
		}
		b.WriteString("\n")
	}
	b.WriteString(`
A script branches on the exit code (or on the JSON code), never on the
message: 7 is safe to retry, 5 and 6 are answers, 2 is a mistake in the
command line or the input.`)
	return b.String()
}

// LongHelp returns text followed by the exit codes pointer.
func LongHelp(text string) string {
	return strings.TrimRight(text, "\n") + "\n\n" + ExitCodesHelp
}

// UsageError is a mistake in the command line: an unknown flag, a bad flag
// value, a wrong number of arguments, a missing choice. It exits with 2.
type UsageError struct {
	Err error
}

func (e *UsageError) Error() string { return e.Err.Error() }

// Unwrap returns the underlying error.
func (e *UsageError) Unwrap() error { return e.Err }

// UsageErrorf returns a UsageError with a formatted message.
func UsageErrorf(format string, args ...any) error {
	return &UsageError{Err: fmt.Errorf(format, args...)}
}

// HintError adds a hint, shown on a line of its own after the error.
type HintError struct {
	Err  error
	Hint string
}

func (e *HintError) Error() string { return e.Err.Error() }

// Unwrap returns the underlying error.
func (e *HintError) Unwrap() error { return e.Err }

// WithHint attaches a hint to err; nil stays nil.
func WithHint(err error, hint string) error {
	if err == nil {
		return nil
	}
	return &HintError{Err: err, Hint: hint}
}

// Hint returns the first hint in err's chain, or "".
func Hint(err error) string {
	var h *HintError
	if errors.As(err, &h) {
		return h.Hint
	}
	return ""
}

// ExitCode maps an error to the process exit code. It is the one place
// where that mapping lives.
func ExitCode(err error) int {
	if err == nil {
		return ExitOK
	}
	if errors.Is(err, context.Canceled) {
		return ExitInterrupted
	}
	var u *UsageError
	if errors.As(err, &u) {
		return ExitUsage
	}
	switch acct.ErrorCode(err) {
	case acct.CodeInvalid:
		return ExitUsage
	case acct.CodeNotFound:
		return ExitNotFound
	case acct.CodeConflict:
		return ExitConflict
	case acct.CodeUnauthenticated:
		return ExitUnauth
	case acct.CodeRefused:
		return ExitRefused
	case acct.CodeUnavailable:
		return ExitUnavailable
	}
	return ExitInternal
}

// ErrorCode returns the code shown in JSON error objects: acct's codes,
// "invalid" for usage errors, "interrupted" for an interrupt, "internal"
// for anything else.
func ErrorCode(err error) string {
	if errors.Is(err, context.Canceled) {
		return "interrupted"
	}
	var u *UsageError
	if errors.As(err, &u) {
		return string(acct.CodeInvalid)
	}
	return string(acct.ErrorCode(err))
}

// ErrorMessage returns the one-line message for err: no final period, no
// line breaks.
func ErrorMessage(err error) string {
	if errors.Is(err, context.Canceled) {
		return "interrupted"
	}
	msg := strings.Join(strings.Fields(err.Error()), " ")
	msg = strings.TrimRight(msg, ".")
	if msg == "" {
		msg = "unknown error"
	}
	return msg
}

// PrintError writes err to w as "acctl: <message>", then "hint: <hint>"
// when err carries a hint; with jsonToo it also writes the JSON error
// object {"error":{"code":…,"message":…,"field":…}}.
func PrintError(w io.Writer, err error, jsonToo bool) {
	if err == nil {
		return
	}
	msg := ErrorMessage(err)
	fmt.Fprintf(w, "acctl: %s\n", msg)
	if h := Hint(err); h != "" {
		fmt.Fprintf(w, "hint: %s\n", h)
	}
	if !jsonToo {
		return
	}
	type body struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Field   string `json:"field,omitempty"`
		Reason  string `json:"reason,omitempty"`
		UserID  int64  `json:"user_id,omitempty"`
	}
	b, _ := json.Marshal(struct {
		Error body `json:"error"`
	}{body{Code: ErrorCode(err), Message: msg, Field: acct.ErrorField(err), Reason: string(acct.ErrorReason(err)), UserID: acct.ErrorUserID(err)}})
	fmt.Fprintf(w, "%s\n", b)
}
