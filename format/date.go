package format

import (
	"errors"
	"time"
)

// ErrBadDate explains the forms a date on the command line may take.
var ErrBadDate = errors.New(`dates are YYYY-MM-DD (midnight UTC) or an RFC 3339 time in whole seconds (e.g. "2027-01-01" or "2027-01-01T12:00:00+02:00"), between the years 2000 and 9999`)

// ParseDate parses a date as people give one for an expiry: YYYY-MM-DD is
// midnight UTC of that day; an RFC 3339 time may carry any offset and is
// converted to UTC. Fractions of a second are refused rather than dropped
// (a header stores whole seconds), and so are years a header cannot hold.
func ParseDate(s string) (time.Time, error) {
	if len(s) > 40 {
		return time.Time{}, ErrBadDate
	}
	var t time.Time
	var err error
	if len(s) == len(time.DateOnly) {
		t, err = time.Parse(time.DateOnly, s)
		if err == nil && t.Format(time.DateOnly) != s {
			err = ErrBadDate
		}
	} else {
		t, err = time.Parse(time.RFC3339, s)
		// time.Parse accepts some spellings RFC 3339 does not (a lower-case
		// t or z, hours past 23 in an offset): accept only what formats back.
		// A fraction of a second does not format back either.
		if err == nil && t.Format(time.RFC3339) != s {
			err = ErrBadDate
		}
		if _, offset := t.Zone(); err == nil && (offset <= -24*3600 || offset >= 24*3600) {
			err = ErrBadDate // RFC 3339 offsets have hours 00 to 23
		}
	}
	if err != nil {
		return time.Time{}, ErrBadDate
	}
	t = t.UTC()
	if !isUTCSecond(t) {
		return time.Time{}, ErrBadDate
	}
	return t, nil
}

// FormatDate writes t as ParseDate reads it back: the day alone when t is
// midnight UTC, else RFC 3339 in UTC.
func FormatDate(t time.Time) string {
	t = t.UTC()
	if t.Hour() == 0 && t.Minute() == 0 && t.Second() == 0 && t.Nanosecond() == 0 {
		return t.Format(time.DateOnly)
	}
	return t.Format(time.RFC3339)
}
