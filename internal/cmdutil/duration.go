package cmdutil

import (
	"fmt"
	"strings"
	"time"

	"github.com/acctl/acctl/internal/api"
)

// ParseDuration parses a duration in Go syntax ("36h", "90m") extended with
// a "d" unit for days of 24 hours: "14d", "1d12h", "1.5d". It is
// api.ParseDuration: the admin API takes the same strings in its bodies.
func ParseDuration(s string) (time.Duration, error) { return api.ParseDuration(s) }

// FormatDuration writes d in the form ParseDuration reads, with whole days
// as "d": 336h → "14d", 36h → "1d12h".
func FormatDuration(d time.Duration) string {
	if d == 0 {
		return "0s"
	}
	sign := ""
	if d < 0 {
		sign, d = "-", -d
	}
	day := 24 * time.Hour
	days, rest := d/day, d%day
	switch {
	case days == 0:
		return sign + shortDuration(rest)
	case rest == 0:
		return fmt.Sprintf("%s%dd", sign, days)
	default:
		return fmt.Sprintf("%s%dd%s", sign, days, shortDuration(rest))
	}
}

// shortDuration is d.String() without the zero minutes and seconds of
// whole hours or minutes: "12h" rather than "12h0m0s".
func shortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// DurationValue is a pflag.Value for durations in ParseDuration's syntax,
// so that a bad value is a flag error (a usage error, exit 2).
type DurationValue struct {
	D *time.Duration
}

// NewDurationValue returns a DurationValue writing into p, set to def.
func NewDurationValue(p *time.Duration, def time.Duration) *DurationValue {
	*p = def
	return &DurationValue{D: p}
}

// String returns the value in ParseDuration's syntax, "" for zero (so that
// help output shows no default).
func (v *DurationValue) String() string {
	if v == nil || v.D == nil || *v.D == 0 {
		return ""
	}
	return FormatDuration(*v.D)
}

// Set parses s.
func (v *DurationValue) Set(s string) error {
	d, err := ParseDuration(s)
	if err != nil {
		return err
	}
	*v.D = d
	return nil
}

// Type names the value in help output.
func (v *DurationValue) Type() string { return "duration" }

// UntilTime resolves a flag that names a moment in the future (such as
// "user lock --until"): an RFC 3339 time is itself, a positive duration in
// ParseDuration's syntax is that long after now. flag names the flag in
// the usage error.
func UntilTime(flag, s string, now time.Time) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, strings.TrimSpace(s)); err == nil {
		return t, nil
	}
	if d, err := ParseDuration(s); err == nil && d > 0 {
		return now.Add(d), nil
	}
	return time.Time{}, UsageErrorf("%s: want an RFC 3339 time or a duration from now such as 2h or 7d, got %q", flag, s)
}
