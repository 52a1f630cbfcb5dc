package format

import (
	"errors"
	"strconv"
	"time"
)

// A Duration is a whole number of one unit, as people write rotation periods:
// "90d", "12h", "2w", "1y" (365 days), "30m", "45s".
type Duration string

var durationUnits = map[byte]time.Duration{
	's': time.Second,
	'm': time.Minute,
	'h': time.Hour,
	'd': 24 * time.Hour,
	'w': 7 * 24 * time.Hour,
	'y': 365 * 24 * time.Hour,
}

// ErrBadDuration is returned for anything that is not N followed by one of
// s, m, h, d, w, y.
var ErrBadDuration = errors.New(`durations are a whole number and one unit: s, m, h, d, w or y (e.g. "90d")`)

// MaxDuration is the longest duration accepted: 100 years, far beyond any
// rotation period and far from overflowing time.Duration.
const MaxDuration = 100 * 365 * 24 * time.Hour

// ParseDuration converts s to a time.Duration, at most MaxDuration.
func ParseDuration(s string) (time.Duration, error) {
	if len(s) < 2 || len(s) > 7 {
		return 0, ErrBadDuration
	}
	unit, ok := durationUnits[s[len(s)-1]]
	if !ok {
		return 0, ErrBadDuration
	}
	digits := s[:len(s)-1]
	if digits[0] == '0' {
		return 0, ErrBadDuration
	}
	for i := 0; i < len(digits); i++ {
		if digits[i] < '0' || digits[i] > '9' {
			return 0, ErrBadDuration
		}
	}
	n, err := strconv.Atoi(digits)
	if err != nil || time.Duration(n) > MaxDuration/unit {
		return 0, ErrBadDuration
	}
	return time.Duration(n) * unit, nil
}
