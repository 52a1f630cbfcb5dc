package format_test

import (
	"testing"
	"time"

	"github.com/tresor-dev/tresor/format"
)

func TestParseDate(t *testing.T) {
	tests := []struct {
		in   string
		want time.Time
	}{
		{"2027-01-01", time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)},
		{"2000-02-29", time.Date(2000, 2, 29, 0, 0, 0, 0, time.UTC)},
		{"9999-12-31", time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)},
		{"2027-01-01T12:30:05Z", time.Date(2027, 1, 1, 12, 30, 5, 0, time.UTC)},
		{"2027-01-01T12:00:00+02:00", time.Date(2027, 1, 1, 10, 0, 0, 0, time.UTC)},
		{"2027-01-01T00:30:00-01:00", time.Date(2027, 1, 1, 1, 30, 0, 0, time.UTC)},
		{"1999-12-31T23:00:00-02:00", time.Date(2000, 1, 1, 1, 0, 0, 0, time.UTC)},
	}
	for _, tt := range tests {
		got, err := format.ParseDate(tt.in)
		if err != nil || !got.Equal(tt.want) || got.Location() != time.UTC {
			t.Errorf("ParseDate(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
}

func TestParseDateRejects(t *testing.T) {
	for _, in := range []string{
		"", "2027", "2027-1-1", "2027-01-1", "27-01-01", "2027/01/01", "2027-13-01", "2027-02-30", "2026-02-29",
		"2027-01-01 ", " 2027-01-01", "2027-01-01T00:00:00", "2027-01-01t00:00:00Z", "2027-01-01T00:00:00z",
		"2027-01-01T00:00:00.5Z", "2027-01-01T00:00:00.000Z", "2027-01-01T24:00:00Z", "2027-01-01T00:00:00+24:00",
		"1999-12-31", "1999-12-31T23:00:00+02:00", "10000-01-01", "9999-12-31T23:00:00-02:00", "next tuesday", "90d",
		"0000-00-00",
	} {
		if got, err := format.ParseDate(in); err == nil {
			t.Errorf("ParseDate(%q) = %v, want an error", in, got)
		}
	}
}

func TestFormatDate(t *testing.T) {
	for _, tt := range []struct {
		in   time.Time
		want string
	}{
		{time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC), "2027-01-01"},
		{time.Date(2027, 1, 1, 0, 0, 1, 0, time.UTC), "2027-01-01T00:00:01Z"},
		{time.Date(2027, 1, 1, 2, 0, 0, 0, time.FixedZone("", 2*3600)), "2027-01-01"},
	} {
		if got := format.FormatDate(tt.in); got != tt.want {
			t.Errorf("FormatDate(%v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// FuzzParseDate: a date that parses is UTC in whole seconds, in the years a
// header holds, and FormatDate writes it so that it parses back the same.
func FuzzParseDate(f *testing.F) {
	for _, s := range []string{"2027-01-01", "2027-01-01T12:00:00+02:00", "2027-01-01T00:00:00.5Z", "1999-12-31T23:00:00-02:00", "9999-12-31T23:59:59Z", "2027-02-30", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := format.ParseDate(s)
		if err != nil {
			return
		}
		if d.Location() != time.UTC || d.Nanosecond() != 0 || d.Year() < 2000 || d.Year() > 9999 {
			t.Fatalf("ParseDate(%q) = %v: not a header time", s, d)
		}
		again, err := format.ParseDate(format.FormatDate(d))
		if err != nil || !again.Equal(d) {
			t.Fatalf("ParseDate(FormatDate(%v)) = %v, %v", d, again, err)
		}
	})
}
