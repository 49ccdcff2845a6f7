package authapi

import (
	"net/http"
	"time"

	"github.com/acctl/acctl/internal/forwarded"
)

// Limiter limits requests per client address (an IPv6 address by its
// /64) or per any other key, as the auth API does, for the server's other
// public front ends (internal/pages). Its buckets live in this process's
// memory, apart from the auth API's.
type Limiter struct {
	l     *limiter
	trust *forwarded.Trust
}

// NewLimiter returns a limiter of rate r (Unlimited: none), the client of
// a request as trust names it (nil: the connection's peer). The zero
// Rate is DefaultAddressRate; now nil is time.Now.
func NewLimiter(r Rate, now func() time.Time, trust *forwarded.Trust) *Limiter {
	if r == (Rate{}) {
		r = DefaultAddressRate
	}
	if now == nil {
		now = time.Now
	}
	return &Limiter{l: newLimiter(r, now), trust: trust}
}

// Allow takes a token from the bucket of r's client. When it is empty it
// reports false and how long until a token is back. A nil limiter allows
// everything.
func (a *Limiter) Allow(r *http.Request) (bool, time.Duration) {
	if a == nil {
		return true, 0
	}
	return a.l.allow(limitKey(a.trust.Of(r).Addr))
}

// AllowKey is Allow for the bucket of key (an account, an address), a
// long key standing as its SHA-256.
func (a *Limiter) AllowKey(key string) (bool, time.Duration) {
	if a == nil {
		return true, 0
	}
	return a.l.allow(accountKey(key))
}
