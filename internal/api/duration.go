package api

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Duration is a time.Duration in a request body. It reads integer
// nanoseconds (what every client has sent since /v1 began, and what
// remote.Client still sends, so that older servers understand it) or a
// string in the CLI's syntax (ParseDuration: "30d", "36h", "90m",
// "1d12h"), which JavaScript can hold exactly where it cannot hold the
// nanoseconds of more than 104 days. It writes integer nanoseconds.
type Duration time.Duration

// MarshalJSON writes d as integer nanoseconds.
func (d Duration) MarshalJSON() ([]byte, error) {
	return strconv.AppendInt(nil, int64(d), 10), nil
}

// UnmarshalJSON reads integer nanoseconds or a duration string.
func (d *Duration) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		v, err := ParseDuration(s)
		if err != nil {
			return fmt.Errorf("%w: want a duration such as \"30d\", \"36h\" or \"90m\", or integer nanoseconds", err)
		}
		*d = Duration(v)
		return nil
	}
	if string(b) == "null" {
		return nil // as encoding/json leaves a number untouched for null
	}
	n, err := strconv.ParseInt(string(b), 10, 64)
	if err != nil {
		return fmt.Errorf("invalid duration %s: want integer nanoseconds or a string such as \"30d\"", b)
	}
	*d = Duration(n)
	return nil
}

// ParseDuration parses a duration in Go syntax ("36h", "90m") extended with
// a "d" unit for days of 24 hours: "14d", "1d12h", "1.5d": the syntax of
// the CLI's flags and configuration, and of a Duration given as a string.
func ParseDuration(s string) (time.Duration, error) {
	in := strings.TrimSpace(s)
	if in == "" {
		return 0, fmt.Errorf("invalid duration %q", s)
	}
	sign := ""
	if in[0] == '-' || in[0] == '+' {
		sign, in = in[:1], in[1:]
	}
	if in == "0" {
		return 0, nil
	}
	var days float64
	var rest strings.Builder
	for in != "" {
		i := 0
		for i < len(in) && (in[i] == '.' || ('0' <= in[i] && in[i] <= '9')) {
			i++
		}
		j := i
		for j < len(in) && in[j] != '.' && (in[j] < '0' || in[j] > '9') {
			j++
		}
		num, unit := in[:i], in[i:j]
		if num == "" || unit == "" {
			return 0, fmt.Errorf("invalid duration %q", s)
		}
		if unit == "d" {
			n, err := strconv.ParseFloat(num, 64)
			if err != nil {
				return 0, fmt.Errorf("invalid duration %q", s)
			}
			days += n
		} else {
			rest.WriteString(num + unit)
		}
		in = in[j:]
	}
	var d time.Duration
	if rest.Len() > 0 {
		var err error
		if d, err = time.ParseDuration(rest.String()); err != nil {
			return 0, fmt.Errorf("invalid duration %q", s)
		}
	}
	const maxDays = float64(1<<63-1) / float64(24*time.Hour)
	if days > maxDays {
		return 0, fmt.Errorf("invalid duration %q: too long", s)
	}
	d += time.Duration(days * float64(24*time.Hour))
	if d < 0 {
		return 0, fmt.Errorf("invalid duration %q: too long", s)
	}
	if sign == "-" {
		d = -d
	}
	return d, nil
}
