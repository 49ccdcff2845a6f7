package authapi

import (
	"fmt"
	"math"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Rate is how many attempts a client address or an account may make: a
// token bucket that holds Events tokens and gains Events tokens every Per,
// so a burst of Events, then one every Per/Events. Events < 0 means no
// limit; the zero Rate means the default of its kind.
type Rate struct {
	Events int
	Per    time.Duration
}

// The default rates: per client address across the endpoints that check a
// password, send a message or use a code, and per account (the address
// given to sign-up and lost_password, whether or not it is an account's,
// and the session's account of change_password). A login's per-account
// limit is acct's (acct.Options.LoginLimit, kept in the store), set from
// the same configuration key.
var (
	DefaultAddressRate = Rate{Events: 30, Per: time.Minute}
	DefaultAccountRate = Rate{Events: 10, Per: 15 * time.Minute}
)

// Unlimited is the Rate that never refuses.
var Unlimited = Rate{Events: -1}

// ParseRate reads a rate written "EVENTS/DURATION" ("30/1m", "10/15m";
// "5/m" means 5/1m), or "off" for no limit. The duration is a Go duration
// or a whole number of days ("1d").
func ParseRate(s string) (Rate, error) {
	s = strings.TrimSpace(s)
	if strings.EqualFold(s, "off") {
		return Unlimited, nil
	}
	n, per, ok := strings.Cut(s, "/")
	events, err := strconv.Atoi(strings.TrimSpace(n))
	if !ok || err != nil || events <= 0 {
		return Rate{}, fmt.Errorf("want EVENTS/DURATION such as 30/1m, or off, got %q", s)
	}
	per = strings.TrimSpace(per)
	if per != "" && (per[0] < '0' || per[0] > '9') {
		per = "1" + per
	}
	var d time.Duration
	if days, ok := strings.CutSuffix(per, "d"); ok {
		var nd int
		if nd, err = strconv.Atoi(days); err == nil {
			d = time.Duration(nd) * 24 * time.Hour
		}
	} else {
		d, err = time.ParseDuration(per)
	}
	if err != nil || d <= 0 {
		return Rate{}, fmt.Errorf("want EVENTS/DURATION such as 30/1m, or off, got %q", s)
	}
	return Rate{Events: events, Per: d}, nil
}

// String writes r as ParseRate reads it.
func (r Rate) String() string {
	if r.Events < 0 {
		return "off"
	}
	return fmt.Sprintf("%d/%s", r.Events, r.Per)
}

// maxBuckets bounds the memory of a limiter: beyond it, full buckets are
// forgotten first, then any.
const maxBuckets = 100_000

// limiter is a set of token buckets, one per key, in memory.
type limiter struct {
	rate Rate
	now  func() time.Time

	mu      sync.Mutex
	buckets map[string]*bucket
}

type bucket struct {
	tokens float64
	at     time.Time // when tokens was computed
}

func newLimiter(r Rate, now func() time.Time) *limiter {
	return &limiter{rate: r, now: now, buckets: map[string]*bucket{}}
}

// allow takes a token from key's bucket. When the bucket is empty it
// answers false and how long until a token is back.
func (l *limiter) allow(key string) (bool, time.Duration) {
	if l == nil || l.rate.Events < 0 {
		return true, 0
	}
	now := l.now()
	perToken := l.rate.Per / time.Duration(l.rate.Events)
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.buckets[key]
	if b == nil {
		if len(l.buckets) >= maxBuckets {
			l.sweep(now)
		}
		b = &bucket{tokens: float64(l.rate.Events), at: now}
		l.buckets[key] = b
	}
	l.refill(b, now)
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	wait := time.Duration(math.Ceil((1 - b.tokens) * float64(perToken)))
	return false, wait
}

func (l *limiter) refill(b *bucket, now time.Time) {
	if elapsed := now.Sub(b.at); elapsed > 0 {
		b.tokens = math.Min(float64(l.rate.Events), b.tokens+float64(l.rate.Events)*elapsed.Seconds()/l.rate.Per.Seconds())
		b.at = now
	}
}

// sweep forgets the buckets that are full again (they are as good as
// new), then, if that is not enough, a tenth of the others.
func (l *limiter) sweep(now time.Time) {
	for k, b := range l.buckets {
		l.refill(b, now)
		if b.tokens >= float64(l.rate.Events) {
			delete(l.buckets, k)
		}
	}
	for k := range l.buckets {
		if len(l.buckets) < maxBuckets*9/10 {
			break
		}
		delete(l.buckets, k)
	}
}

// limitKey is the key of a client address in the address limiter.
func limitKey(addr string) string {
	ip := net.ParseIP(addr)
	if ip == nil || ip.To4() != nil {
		return addr
	}
	return ip.Mask(net.CIDRMask(64, 128)).String() + "/64"
}
