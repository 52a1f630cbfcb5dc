package format_test

import (
	"errors"
	"testing"
	"time"

	"github.com/tresor-dev/tresor/format"
)

func TestParseDuration(t *testing.T) {
	const day = 24 * time.Hour
	tests := []struct {
		in   string
		want time.Duration
	}{
		{"45s", 45 * time.Second},
		{"30m", 30 * time.Minute},
		{"12h", 12 * time.Hour},
		{"90d", 90 * day},
		{"2w", 14 * day},
		{"1y", 365 * day},
		{"1s", time.Second},
		{"10d", 10 * day},
		{"999999s", 999999 * time.Second},
		{"876000h", 876000 * time.Hour},
		{"36500d", 36500 * day},
		{"100y", 100 * 365 * day},
	}
	for _, tt := range tests {
		got, err := format.ParseDuration(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
}

func TestParseDurationRejects(t *testing.T) {
	for _, in := range []string{
		"", "d", "90", "0d", "00d", "090d", "-1d", "+1d", " 1d", "1d ", "1 d",
		"1D", "1ms", "1.5d", "1e3s", "90days", "1x", "d90",
		"1000000s",     // 7 digits
		"1\x00d", "１d", // fullwidth digit
	} {
		got, err := format.ParseDuration(in)
		if err == nil {
			t.Errorf("ParseDuration(%q) = %v, want an error", in, got)
		} else if !errors.Is(err, format.ErrBadDuration) {
			t.Errorf("ParseDuration(%q) error %v is not ErrBadDuration", in, err)
		}
	}
}

// TestParseDurationNeverOverflows pins the promise in ParseDuration's doc
// comment: "at most 6 digits, so the result never overflows". It does not
// hold for days, weeks and years: time.Duration tops out at about 292 years.
func TestParseDurationNeverOverflows(t *testing.T) {
	for _, in := range []string{"106752d", "15251w", "293y", "300y", "1000y", "10000y", "999999d", "999999w", "999999y"} {
		got, err := format.ParseDuration(in)
		if err == nil && got <= 0 {
			t.Errorf("ParseDuration(%q) = %v, nil; want a positive duration or an error", in, got)
		}
		if err == nil && got > 0 && got/time.Hour < 106751*24 {
			t.Errorf("ParseDuration(%q) = %v, nil; the value wrapped around", in, got)
		}
	}
}
