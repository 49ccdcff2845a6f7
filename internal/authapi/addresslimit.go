package authapi

import (
	"net/http"
	"time"

	"github.com/acctl/acctl/internal/forwarded"
)

// AddressLimiter limits requests per client address (an IPv6 address by
// its /64), as the auth API does, for the server's other public front
// ends (internal/pages). Its buckets live in this process's memory, apart
// from the auth API's.
type AddressLimiter struct {
	l     *limiter
	trust *forwarded.Trust
}

// NewAddressLimiter returns a limiter of rate r per client address, the
// client as trust names it (nil: the connection's peer). The zero Rate
// is DefaultAddressRate; now nil is time.Now.
func NewAddressLimiter(r Rate, now func() time.Time, trust *forwarded.Trust) *AddressLimiter {
	if r == (Rate{}) {
		r = DefaultAddressRate
	}
	if now == nil {
		now = time.Now
	}
	return &AddressLimiter{l: newLimiter(r, now), trust: trust}
}

// Allow takes a token from the bucket of r's client. When it is empty it
// reports false and how long until a token is back. A nil limiter allows
// everything.
func (a *AddressLimiter) Allow(r *http.Request) (bool, time.Duration) {
	if a == nil {
		return true, 0
	}
	return a.l.allow(limitKey(a.trust.Of(r).Addr))
}
