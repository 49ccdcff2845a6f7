package cmdutil

import (
	"strings"
	"testing"
	"time"
)

func TestParseDuration(t *testing.T) {
	const day = 24 * time.Hour
	good := []struct {
		in   string
		want time.Duration
	}{
		{"14d", 14 * day},
		{"36h", 36 * time.Hour},
		{"1d12h", day + 12*time.Hour},
		{"1.5d", 36 * time.Hour},
		{"90m", 90 * time.Minute},
		{"1h30m", 90 * time.Minute},
		{"2d3h4m5s", 2*day + 3*time.Hour + 4*time.Minute + 5*time.Second},
		{"0", 0},
		{"0d", 0},
		{"-1d", -day},
		{" 7d ", 7 * day},
		{"500ms", 500 * time.Millisecond},
	}
	for _, tt := range good {
		got, err := ParseDuration(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
	for _, in := range []string{"", "d", "14", "14x", "abc", "1d 2h", "1..5d", "d1", "99999999999999999d", "1y"} {
		if got, err := ParseDuration(in); err == nil {
			t.Errorf("ParseDuration(%q) = %v, want an error", in, got)
		}
	}
}

func TestFormatDuration(t *testing.T) {
	tests := []struct {
		in   time.Duration
		want string
	}{
		{0, "0s"},
		{14 * 24 * time.Hour, "14d"},
		{36 * time.Hour, "1d12h"},
		{12 * time.Hour, "12h"},
		{90 * time.Minute, "1h30m"},
		{90 * time.Second, "1m30s"},
		{-48 * time.Hour, "-2d"},
	}
	for _, tt := range tests {
		if got := FormatDuration(tt.in); got != tt.want {
			t.Errorf("FormatDuration(%v) = %q, want %q", tt.in, got, tt.want)
		}
		if back, err := ParseDuration(FormatDuration(tt.in)); err != nil || back != tt.in {
			t.Errorf("round trip of %v: %v, %v", tt.in, back, err)
		}
	}
}

func TestDurationValue(t *testing.T) {
	var d time.Duration
	v := NewDurationValue(&d, 0)
	if v.String() != "" || v.Type() != "duration" {
		t.Errorf("zero value: String %q Type %q", v.String(), v.Type())
	}
	if err := v.Set("1d6h"); err != nil || d != 30*time.Hour {
		t.Errorf("Set(1d6h): %v, d = %v", err, d)
	}
	if v.String() != "1d6h" {
		t.Errorf("String = %q", v.String())
	}
	if err := v.Set("soon"); err == nil {
		t.Error("Set(soon) succeeded")
	}
}

func TestUntilTime(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Time
	}{
		{"2h", now.Add(2 * time.Hour)},
		{"7d", now.Add(7 * 24 * time.Hour)},
		{"1d12h", now.Add(36 * time.Hour)},
		{"2026-04-01T00:00:00Z", time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)},
		{"2026-04-01T02:00:00+02:00", time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)},
	}
	for _, tt := range tests {
		got, err := UntilTime("--until", tt.in, now)
		if err != nil || !got.Equal(tt.want) {
			t.Errorf("UntilTime(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
	for _, in := range []string{"", "0", "-1h", "2026-04-01", "tomorrow"} {
		_, err := UntilTime("--until", in, now)
		if ExitCode(err) != ExitUsage || !strings.HasPrefix(err.Error(), "--until: ") {
			t.Errorf("UntilTime(%q): %v", in, err)
		}
	}
}
