package authapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/acctl/acctl/internal/acct"
	"github.com/acctl/acctl/internal/api"
)

// fields are the values of a request body, by name.
type fields map[string]string

// get returns a field's value, trimmed unless raw.
func (f fields) get(name string) string { return strings.TrimSpace(f[name]) }

// raw returns a field's value as sent (passwords keep their spaces).
func (f fields) raw(name string) string { return f[name] }

// bool reads a check box: true, 1, on or yes.
func (f fields) bool(name string) bool {
	switch strings.ToLower(strings.TrimSpace(f[name])) {
	case "true", "1", "on", "yes":
		return true
	}
	return false
}

// errTooLarge and errMediaType are the body errors that have their own
// status.
var (
	errTooLarge  = errors.New("request body too large")
	errMediaType = errors.New("unsupported media type")
)

// readBody reads the fields of a request body: a form
// (application/x-www-form-urlencoded or multipart/form-data) or a JSON
// object whose values are strings, booleans, numbers or null. An empty
// body has no fields. The body may not pass api.MaxBodyBytes. The query
// string is never read: secrets stay out of URLs and logs.
func readBody(w http.ResponseWriter, r *http.Request) (fields, error) {
	if r.ContentLength > api.MaxBodyBytes {
		return nil, errTooLarge
	}
	r.Body = http.MaxBytesReader(w, r.Body, api.MaxBodyBytes)
	ct := r.Header.Get("Content-Type")
	media := ""
	if ct != "" {
		var err error
		if media, _, err = mime.ParseMediaType(ct); err != nil {
			return nil, errMediaType
		}
	}
	out := fields{}
	switch {
	case media == "application/json" || strings.HasSuffix(media, "+json"):
		return out, readJSON(r.Body, out)
	case media == "application/x-www-form-urlencoded":
		if err := r.ParseForm(); err != nil {
			return nil, bodyError(err)
		}
		return out, formFields(out, r.PostForm)
	case media == "multipart/form-data":
		if err := r.ParseMultipartForm(api.MaxBodyBytes); err != nil {
			return nil, bodyError(err)
		}
		return out, formFields(out, r.MultipartForm.Value)
	case media == "":
		n, err := io.Copy(io.Discard, io.LimitReader(r.Body, 1))
		if err != nil {
			return nil, bodyError(err)
		}
		if n > 0 {
			return nil, errMediaType
		}
	default:
		return nil, errMediaType
	}
	return out, nil
}

// formFields takes the first value of each field of a form; a name or a
// value that is not valid UTF-8 is refused, as in a JSON body.
func formFields(out fields, v map[string][]string) error {
	for k, vs := range v {
		if len(vs) == 0 {
			continue
		}
		if !utf8.ValidString(k) || !utf8.ValidString(vs[0]) {
			k = strings.ToValidUTF8(k, "\uFFFD")
			return &acct.Error{Code: acct.CodeInvalid, Field: k, Message: k + ": not valid UTF-8 (request body)"}
		}
		out[k] = vs[0]
	}
	return nil
}

func readJSON(r io.Reader, out fields) error {
	// The whole body (bounded by the caller), so that its strings are
	// checked as sent: the decoder would read bytes that are not UTF-8 as
	// U+FFFD, and the account would be stored and mailed with it.
	body, err := io.ReadAll(r)
	if err != nil {
		return bodyError(err)
	}
	if err := api.CheckUTF8(body); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		if errors.Is(err, io.EOF) {
			return nil // an empty body
		}
		return bodyError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		if err != nil {
			return bodyError(err)
		}
		return acct.Errorf(acct.CodeInvalid, "invalid JSON body: one object expected")
	}
	for k, v := range m {
		switch v := v.(type) {
		case nil:
			out[k] = ""
		case string:
			out[k] = v
		case bool:
			out[k] = strconv.FormatBool(v)
		case json.Number:
			out[k] = v.String()
		default:
			return &acct.Error{Code: acct.CodeInvalid, Field: k, Message: fmt.Sprintf("%s: want a string, a number or a boolean", k)}
		}
	}
	return nil
}

// bodyError turns a read error into errTooLarge or an invalid-input error.
func bodyError(err error) error {
	var big *http.MaxBytesError
	if errors.As(err, &big) {
		return errTooLarge
	}
	return &acct.Error{Code: acct.CodeInvalid, Message: "invalid request body: " + err.Error(), Err: err}
}
