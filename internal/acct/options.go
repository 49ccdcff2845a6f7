package acct

import (
	"crypto/rand"
	"io"
	"time"
)

// Options configure Local. The zero value of each field means its default.
type Options struct {
	// Now returns the current time; default time.Now. Tests inject a fixed clock.
	Now func() time.Time
	// Rand is the source of randomness for salts, tokens and codes; default
	// crypto/rand. Tests may inject a seeded source.
	Rand io.Reader
	// Actor names who acts when the context carries no actor (see WithActor).
	Actor string
	// Argon2 sets the cost of new password hashes; default DefaultArgon2.
	Argon2 Argon2Params
	// PasswordMinLength is the shortest password accepted, in Unicode code
	// points; default 15 (NIST SP 800-63B-4 for single-factor passwords).
	PasswordMinLength int
	// PhoneRegion is the ISO 3166 region (e.g. "GB") for phone numbers
	// written without a country code; "" requires the +country form.
	PhoneRegion string
}

// Password policy bounds.
const (
	DefaultPasswordMinLength = 15
	PasswordMaxLength        = 128
)

func (o Options) withDefaults() Options {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Rand == nil {
		o.Rand = rand.Reader
	}
	if o.Actor == "" {
		o.Actor = "unknown"
	}
	if o.Argon2 == (Argon2Params{}) {
		o.Argon2 = DefaultArgon2
	}
	if o.PasswordMinLength <= 0 {
		o.PasswordMinLength = DefaultPasswordMinLength
	}
	return o
}
