package user

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/acctl/acctl/internal/acct"
)

// The file formats of "user import" and "user export": JSON lines (one
// object a line, the JSON of "user get" plus password or password_hash)
// and CSV (a header line of the same names, then one account a line).
const (
	formatJSONL = "jsonl"
	formatCSV   = "csv"
)

var rowFormats = []string{formatJSONL, formatCSV}

// formatOf guesses a file's format from its name: .csv is CSV; .jsonl,
// .ndjson and .json are JSON lines; "" when the name does not say.
func formatOf(name string) string {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".csv":
		return formatCSV
	case ".jsonl", ".ndjson", ".json":
		return formatJSONL
	}
	return ""
}

// sniffFormat looks at the first character of r that is not white space
// or a byte order mark (which it consumes, as both readers would skip
// them): a '{' is JSON lines, anything else CSV. It reads no further, so
// a slow pipe is not waited for.
func sniffFormat(r *bufio.Reader) string {
	for {
		b, err := r.Peek(1)
		if err != nil {
			return formatCSV
		}
		switch b[0] {
		case ' ', '\t', '\r', '\n':
			_, _ = r.ReadByte()
			continue
		case '{':
			return formatJSONL
		case 0xEF:
			if bom, _ := r.Peek(3); string(bom) == "\ufeff" {
				_, _ = r.Discard(3)
				continue
			}
		}
		return formatCSV
	}
}

// csvColumns are the columns of "user export --format csv", in order;
// password_hash comes last, with --with-hashes. "user import" reads any
// subset of them in any order, and password too.
var csvColumns = []string{"id", "username", "email", "email_verified", "phone", "phone_verified",
	"first_name", "last_name", "language", "admin", "foreign", "has_password", "status", "hold_until",
	"held_from", "locked_until", "lock_reason", "failed_logins", "referral_code", "referred_by", "referred_by_code",
	"points", "created_at", "updated_at", "addresses"}

// csvTime writes a time of the CSV: RFC 3339 in UTC with its milliseconds.
func csvTime(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

func csvTimePtr(t *time.Time) string {
	if t == nil {
		return ""
	}
	return csvTime(*t)
}

// exportCSVRow is one account in the order of csvColumns (and its hash
// when hashes).
func exportCSVRow(r *acct.ExportRow, hashes bool, out []string) ([]string, error) {
	b := strconv.FormatBool
	referredBy := ""
	if r.ReferredBy != nil {
		referredBy = strconv.FormatInt(*r.ReferredBy, 10)
	}
	addrs := ""
	if len(r.Addresses) > 0 {
		j, err := json.Marshal(r.Addresses)
		if err != nil {
			return nil, err
		}
		addrs = string(j)
	}
	out = append(out[:0], strconv.FormatInt(r.ID, 10), r.Username, r.Email, b(r.EmailVerified), r.Phone,
		b(r.PhoneVerified), r.FirstName, r.LastName, r.Language, b(r.Admin), r.Foreign, b(r.HasPassword),
		string(r.Status), csvTimePtr(r.HoldUntil), string(r.HeldFrom), csvTimePtr(r.LockedUntil), r.LockReason,
		strconv.Itoa(r.FailedLogins), r.ReferralCode, referredBy, r.ReferredByCode,
		strconv.FormatInt(r.Points, 10), csvTime(r.CreatedAt), csvTime(r.UpdatedAt), addrs)
	if hashes {
		out = append(out, r.PasswordHash, r.ScramVerifier)
	}
	return out, nil
}

// cellSetter stores a non-empty CSV cell in a row.
type cellSetter func(r *acct.ImportRow, cell string) error

func setString(f func(*acct.ImportRow) **string) cellSetter {
	return func(r *acct.ImportRow, cell string) error {
		*f(r) = &cell
		return nil
	}
}

func setBool(f func(*acct.ImportRow) **bool) cellSetter {
	return func(r *acct.ImportRow, cell string) error {
		v, err := strconv.ParseBool(strings.TrimSpace(cell))
		if err != nil {
			return fmt.Errorf("%q is not true or false", cell)
		}
		*f(r) = &v
		return nil
	}
}

func setInt64(f func(*acct.ImportRow) **int64) cellSetter {
	return func(r *acct.ImportRow, cell string) error {
		v, err := strconv.ParseInt(strings.TrimSpace(cell), 10, 64)
		if err != nil {
			return fmt.Errorf("%q is not a whole number", cell)
		}
		*f(r) = &v
		return nil
	}
}

func setTime(f func(*acct.ImportRow) **time.Time) cellSetter {
	return func(r *acct.ImportRow, cell string) error {
		cell = strings.TrimSpace(cell)
		t, err := time.Parse(time.RFC3339Nano, cell)
		if err != nil {
			if t, err = time.Parse(time.DateOnly, cell); err != nil {
				return fmt.Errorf("%q is not a time (RFC 3339, like 2024-05-06T07:08:09Z, or a date)", cell)
			}
		}
		*f(r) = &t
		return nil
	}
}

// csvSetters read the columns of an import CSV: those of csvColumns, and
// password and password_hash.
var csvSetters = map[string]cellSetter{
	"id":               setInt64(func(r *acct.ImportRow) **int64 { return &r.ID }),
	"username":         setString(func(r *acct.ImportRow) **string { return &r.Username }),
	"email":            setString(func(r *acct.ImportRow) **string { return &r.Email }),
	"email_verified":   setBool(func(r *acct.ImportRow) **bool { return &r.EmailVerified }),
	"phone":            setString(func(r *acct.ImportRow) **string { return &r.Phone }),
	"phone_verified":   setBool(func(r *acct.ImportRow) **bool { return &r.PhoneVerified }),
	"first_name":       setString(func(r *acct.ImportRow) **string { return &r.FirstName }),
	"last_name":        setString(func(r *acct.ImportRow) **string { return &r.LastName }),
	"language":         setString(func(r *acct.ImportRow) **string { return &r.Language }),
	"admin":            setBool(func(r *acct.ImportRow) **bool { return &r.Admin }),
	"foreign":          setString(func(r *acct.ImportRow) **string { return &r.Foreign }),
	"has_password":     setBool(func(r *acct.ImportRow) **bool { return &r.HasPassword }),
	"hold_until":       setTime(func(r *acct.ImportRow) **time.Time { return &r.HoldUntil }),
	"locked_until":     setTime(func(r *acct.ImportRow) **time.Time { return &r.LockedUntil }),
	"lock_reason":      setString(func(r *acct.ImportRow) **string { return &r.LockReason }),
	"referral_code":    setString(func(r *acct.ImportRow) **string { return &r.ReferralCode }),
	"referred_by":      setInt64(func(r *acct.ImportRow) **int64 { return &r.ReferredBy }),
	"referred_by_code": setString(func(r *acct.ImportRow) **string { return &r.ReferredByCode }),
	"points":           setInt64(func(r *acct.ImportRow) **int64 { return &r.Points }),
	"created_at":       setTime(func(r *acct.ImportRow) **time.Time { return &r.CreatedAt }),
	"updated_at":       setTime(func(r *acct.ImportRow) **time.Time { return &r.UpdatedAt }),
	"status": func(r *acct.ImportRow, cell string) error {
		s := acct.Status(strings.TrimSpace(cell))
		r.Status = &s
		return nil
	},
	"held_from": func(r *acct.ImportRow, cell string) error {
		s := acct.Status(strings.TrimSpace(cell))
		r.HeldFrom = &s
		return nil
	},
	"failed_logins": func(r *acct.ImportRow, cell string) error {
		v, err := strconv.Atoi(strings.TrimSpace(cell))
		if err != nil {
			return fmt.Errorf("%q is not a whole number", cell)
		}
		r.FailedLogins = &v
		return nil
	},
	"addresses": func(r *acct.ImportRow, cell string) error {
		if err := json.Unmarshal([]byte(cell), &r.Addresses); err != nil {
			return fmt.Errorf("not a JSON array of addresses: %v", strings.TrimPrefix(err.Error(), "json: "))
		}
		return nil
	},
	"password":       func(r *acct.ImportRow, cell string) error { r.Password = cell; return nil },
	"password_hash":  func(r *acct.ImportRow, cell string) error { r.PasswordHash = cell; return nil },
	"scram_verifier": func(r *acct.ImportRow, cell string) error { r.ScramVerifier = cell; return nil },
}

// rowError is a row that cannot be read: it is rejected, and the import
// goes on.
type rowError struct {
	line  int
	field string
	msg   string
}

func (e *rowError) Error() string { return e.msg }

// rowReader reads the rows of an import file one at a time.
type rowReader interface {
	// Next returns the next row, with its line set; a *rowError for a row
	// that cannot be read (the next call goes on after it); io.EOF at the
	// end; any other error stops the import.
	Next() (acct.ImportRow, error)
}

// jsonlReader reads JSON lines: blank lines are skipped, every other line
// is one row whose keys must all be known.
type jsonlReader struct {
	r    *bufio.Reader
	line int
}

func (j *jsonlReader) Next() (acct.ImportRow, error) {
	for {
		b, err := j.r.ReadSlice('\n')
		for errors.Is(err, bufio.ErrBufferFull) { // a line longer than the buffer
			more := append([]byte(nil), b...)
			b, err = j.r.ReadSlice('\n')
			b = append(more, b...)
		}
		if err != nil && err != io.EOF {
			return acct.ImportRow{}, err
		}
		if len(b) == 0 && err == io.EOF {
			return acct.ImportRow{}, io.EOF
		}
		j.line++
		if j.line == 1 {
			b = bytes.TrimPrefix(b, []byte("\ufeff"))
		}
		b = bytes.TrimSpace(b)
		if len(b) == 0 {
			if err == io.EOF {
				return acct.ImportRow{}, io.EOF
			}
			continue
		}
		var row acct.ImportRow
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.DisallowUnknownFields()
		if derr := dec.Decode(&row); derr != nil {
			return row, jsonRowError(j.line, derr)
		}
		if dec.More() {
			return row, &rowError{line: j.line, msg: "more than one JSON value on the line"}
		}
		row.Line = j.line
		return row, nil
	}
}

// jsonRowError explains a line that is not an import row.
func jsonRowError(line int, err error) *rowError {
	msg := strings.TrimPrefix(err.Error(), "json: ")
	field := ""
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &te):
		field = te.Field
		msg = fmt.Sprintf("%s: want a JSON %s, not %s", te.Field, te.Type, te.Value)
	case strings.HasPrefix(msg, "unknown field "):
		field = strings.Trim(strings.TrimPrefix(msg, "unknown field "), `"`)
		msg = fmt.Sprintf("unknown field %q (the fields are those of %q, and password or password_hash)", field, "user get -o json")
	default:
		msg = "not a JSON object: " + msg
	}
	return &rowError{line: line, field: field, msg: msg}
}

// csvReader reads CSV: a header of column names, then one row a record;
// an empty cell gives no value.
type csvReader struct {
	r       *csv.Reader
	columns []string
	set     []cellSetter
}

// newCSVReader reads the header; an unknown or repeated column is a usage
// error.
func newCSVReader(in io.Reader) (*csvReader, error) {
	r := csv.NewReader(in)
	r.ReuseRecord = true
	header, err := r.Read()
	if err == io.EOF {
		return nil, fmt.Errorf("the CSV file is empty: its first line must name the columns")
	}
	if err != nil {
		return nil, fmt.Errorf("the CSV header: %w", err)
	}
	c := &csvReader{r: r}
	seen := map[string]bool{}
	for i, h := range header {
		name := strings.ToLower(strings.TrimSpace(h))
		if i == 0 {
			name = strings.TrimPrefix(name, "\ufeff")
		}
		set, ok := csvSetters[name]
		if !ok {
			return nil, fmt.Errorf("the CSV header: unknown column %q (the columns are %s, password and password_hash)",
				h, strings.Join(csvColumns, ", "))
		}
		if seen[name] {
			return nil, fmt.Errorf("the CSV header: column %q twice", name)
		}
		seen[name] = true
		c.columns = append(c.columns, name)
		c.set = append(c.set, set)
	}
	r.FieldsPerRecord = len(header)
	return c, nil
}

func (c *csvReader) Next() (acct.ImportRow, error) {
	rec, err := c.r.Read()
	if err == io.EOF {
		return acct.ImportRow{}, io.EOF
	}
	line, _ := c.r.FieldPos(0)
	var row acct.ImportRow
	row.Line = line
	if err != nil {
		var pe *csv.ParseError
		if errors.As(err, &pe) && errors.Is(pe.Err, csv.ErrFieldCount) {
			return row, &rowError{line: pe.StartLine, msg: fmt.Sprintf("%d fields, the header has %d", len(rec), len(c.columns))}
		}
		return row, err // a quote out of place: the file cannot be read further
	}
	for i, cell := range rec {
		if cell == "" {
			continue
		}
		if err := c.set[i](&row, cell); err != nil {
			return row, &rowError{line: line, field: c.columns[i], msg: c.columns[i] + ": " + err.Error()}
		}
	}
	return row, nil
}
