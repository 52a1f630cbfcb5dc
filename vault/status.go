package vault

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/tresor-dev/tresor/format"
)

// A StatusCondition is one thing tresor status reports about a secret.
// They are declared most urgent first: a secret's row is sorted under its
// most urgent condition.
type StatusCondition int

const (
	// StatusUnverified: the file does not match the verified journal (or
	// is missing), so nothing in its header can be trusted. Not a --fail-on
	// name: it always fails status with exit 3.
	StatusUnverified StatusCondition = iota
	// StatusExposed: the header says why the value may be known outside
	// its readers, or it names a reader the policy no longer gives read
	// access (who can still decrypt the file and may have kept the value).
	StatusExposed
	// StatusExpired: expires ≤ at.
	StatusExpired
	// StatusOverdue: (rotated, else created) + every ≤ at.
	StatusOverdue
	// StatusExpiring: at < expires ≤ at + within.
	StatusExpiring
	// StatusDue: not overdue, but (rotated, else created) + every ≤ at + within.
	StatusDue
	// StatusNever: a rotation period applies, and the value has never been
	// rotated (no rotated time: age counts from created).
	StatusNever
	// StatusPending: the file's readers differ from the policy's
	// (re-encryption pending).
	StatusPending
	// StatusHalfDone: a two-phase rotation began and did not finish
	// (header pending).
	StatusHalfDone

	statusConditions // their number
)

var statusConditionNames = [statusConditions]string{
	StatusUnverified: "unverified",
	StatusExposed:    "exposed",
	StatusExpired:    "expired",
	StatusOverdue:    "overdue",
	StatusExpiring:   "expiring",
	StatusDue:        "due",
	StatusNever:      "never",
	StatusPending:    "pending",
	StatusHalfDone:   "half-done",
}

// String is the condition's name as status prints it and --fail-on takes it.
func (c StatusCondition) String() string {
	if c < 0 || c >= statusConditions {
		return fmt.Sprintf("condition(%d)", int(c))
	}
	return statusConditionNames[c]
}

// MarshalText writes the condition's name (for --json).
func (c StatusCondition) MarshalText() ([]byte, error) { return []byte(c.String()), nil }

// FailOnConditions are the conditions tresor status --fail-on accepts, in
// order of urgency.
func FailOnConditions() []StatusCondition {
	return []StatusCondition{StatusExposed, StatusExpired, StatusOverdue, StatusExpiring, StatusDue, StatusNever, StatusPending, StatusHalfDone}
}

// ParseStatusConditions reads a --fail-on list: condition names separated
// by commas ("overdue,exposed"). Unknown or empty names are an error.
func ParseStatusConditions(list string) ([]StatusCondition, error) {
	var out []StatusCondition
	for _, name := range strings.Split(list, ",") {
		name = strings.TrimSpace(name)
		i := slices.IndexFunc(FailOnConditions(), func(c StatusCondition) bool { return c.String() == name })
		if i < 0 {
			if name == "" {
				return nil, errors.New("an empty condition name")
			}
			return nil, fmt.Errorf("unknown condition %q", truncateName(name))
		}
		if c := FailOnConditions()[i]; !slices.Contains(out, c) {
			out = append(out, c)
		}
	}
	return out, nil
}

// truncateName keeps a user's input short in an error message: at most
// 24 bytes, cut where a character begins (%q spells each invalid byte in
// four).
func truncateName(s string) string { return cutText(s, 27) }

// A SecretStatus is what status says about one secret.
type SecretStatus struct {
	Name string `json:"name"`
	// Conditions, most urgent first; none for a secret that is ok.
	Conditions []StatusCondition `json:"states"`
	// When is the date of the most urgent condition that has one (expiry,
	// due date, start of a half-done rotation); for an ok secret the next
	// due date or expiry. Zero when there is none.
	When    time.Time `json:"when,omitzero"`
	Version int       `json:"version,omitempty"`
	Created time.Time `json:"created,omitzero"`
	// Rotated is when the value last changed; zero if never.
	Rotated time.Time `json:"rotated,omitzero"`
	// Every is the rotation period, from the header or (EveryFrom) the
	// path glob of the settings.rotation default it comes from.
	Every     format.Duration `json:"every,omitempty"`
	EveryFrom string          `json:"every_default,omitempty"`
	// Due is when the next rotation falls due (rotated, else created, +
	// every); zero without a period.
	Due     time.Time `json:"due,omitzero"`
	Expires time.Time `json:"expires,omitzero"`
	// Exposed are the reasons the value may be known outside its readers.
	Exposed []string `json:"exposed,omitempty"`
	// ReadersToAdd and ReadersToRemove are what a re-encryption changes;
	// CanReencrypt who can do it (readers of the file who may write the
	// secret or are admins, and can sign).
	ReadersToAdd    []string `json:"readers_to_add,omitempty"`
	ReadersToRemove []string `json:"readers_to_remove,omitempty"`
	CanReencrypt    []string `json:"can_reencrypt,omitempty"`
	// PendingSince is when a rotation that is half done began.
	PendingSince time.Time `json:"pending_since,omitzero"`
	// Problem says why an unverified secret's file was not trusted.
	Problem string `json:"problem,omitempty"`
}

// Has reports whether the secret has condition c.
func (s *SecretStatus) Has(c StatusCondition) bool { return slices.Contains(s.Conditions, c) }

// OK reports whether status has nothing to say about the secret.
func (s *SecretStatus) OK() bool { return len(s.Conditions) == 0 }

// A statusClock is when and how far ahead status looks.
type statusClock struct {
	at     time.Time
	within time.Duration
}

// evaluateSecret judges one verified header at c.at under the policy p.
// canSign reports whether a member's key can sign journal entries. It
// reads nothing but its arguments.
func evaluateSecret(h *format.SecretHeader, p *format.Policy, c statusClock, canSign func(member string) bool) SecretStatus {
	s := SecretStatus{Name: h.Name, Version: h.Version, Created: h.Created}
	r := h.Rotation
	if r == nil {
		r = &format.Rotation{}
	}
	s.Rotated, s.Expires, s.PendingSince = r.Rotated, r.Expires, r.Pending
	s.Every, s.EveryFrom = rotationPeriodOf(h, p)

	// Exposed: what the header says, and readers the policy took away.
	want := p.ReadersOf(h.Name)
	if r.Exposed != "" {
		s.Exposed = append(s.Exposed, r.Exposed)
	}
	for _, m := range h.Readers {
		if !slices.Contains(want, m) {
			s.ReadersToRemove = append(s.ReadersToRemove, m)
		}
	}
	if len(s.ReadersToRemove) > 0 {
		s.Exposed = append(s.Exposed, strings.Join(s.ReadersToRemove, ", ")+" can still decrypt it but may no longer read it")
	}
	if len(s.Exposed) > 0 {
		s.Conditions = append(s.Conditions, StatusExposed)
	}

	if !s.Expires.IsZero() {
		switch {
		case !s.Expires.After(c.at):
			s.Conditions = append(s.Conditions, StatusExpired)
		case !s.Expires.After(c.at.Add(c.within)):
			s.Conditions = append(s.Conditions, StatusExpiring)
		}
	}
	if every, err := format.ParseDuration(string(s.Every)); err == nil && s.Every != "" {
		base := s.Rotated
		if base.IsZero() {
			base = h.Created
		}
		s.Due = base.Add(every)
		switch {
		case !s.Due.After(c.at):
			s.Conditions = append(s.Conditions, StatusOverdue)
		case !s.Due.After(c.at.Add(c.within)):
			s.Conditions = append(s.Conditions, StatusDue)
		}
		if s.Rotated.IsZero() {
			s.Conditions = append(s.Conditions, StatusNever)
		}
	}

	for _, m := range want {
		if !slices.Contains(h.Readers, m) {
			s.ReadersToAdd = append(s.ReadersToAdd, m)
		}
	}
	if len(s.ReadersToAdd) > 0 || len(s.ReadersToRemove) > 0 {
		s.Conditions = append(s.Conditions, StatusPending)
		s.CanReencrypt = canReencrypt(p, h.Name, h.Readers, canSign)
	}
	if !s.PendingSince.IsZero() {
		s.Conditions = append(s.Conditions, StatusHalfDone)
	}
	slices.Sort(s.Conditions)
	s.When = s.whenOf()
	return s
}

// rotationPeriodOf is the secret's rotation period and, when it comes from a
// settings.rotation default, that default's path glob.
func rotationPeriodOf(h *format.SecretHeader, p *format.Policy) (format.Duration, string) {
	if h.Rotation != nil && h.Rotation.Every != "" {
		return h.Rotation.Every, ""
	}
	if d, _ := p.RotationDefaultFor(h.Name); d != nil && d.Every != "" {
		return d.Every, d.Path
	}
	return "", ""
}

// whenOf is the date of the most urgent condition that has one; for a
// secret that is ok (or whose conditions have none), the earlier of the
// next due date and the expiry.
func (s *SecretStatus) whenOf() time.Time {
	for _, c := range s.Conditions {
		switch c {
		case StatusExpired, StatusExpiring:
			return s.Expires
		case StatusOverdue, StatusDue, StatusNever:
			return s.Due
		case StatusHalfDone:
			return s.PendingSince
		case StatusExposed, StatusPending, StatusUnverified:
			return time.Time{} // no date: these sort by name
		}
	}
	switch {
	case s.Due.IsZero():
		return s.Expires
	case s.Expires.IsZero() || s.Due.Before(s.Expires):
		return s.Due
	}
	return s.Expires
}

// sortStatuses orders secrets most urgent first: by most urgent
// condition (ok last), then by its date (earliest first, none last), then
// by name.
func sortStatuses(list []SecretStatus) {
	rank := func(s *SecretStatus) int {
		if s.OK() {
			return int(statusConditions)
		}
		return int(s.Conditions[0])
	}
	slices.SortStableFunc(list, func(a, b SecretStatus) int {
		if ra, rb := rank(&a), rank(&b); ra != rb {
			return ra - rb
		}
		switch {
		case a.When.Equal(b.When):
		case a.When.IsZero():
			return 1
		case b.When.IsZero():
			return -1
		default:
			return a.When.Compare(b.When)
		}
		return strings.Compare(a.Name, b.Name)
	})
}

// A StatusReport is tresor status's answer.
type StatusReport struct {
	At time.Time
	// Secrets are all the secrets under the prefix, most urgent first (ok
	// ones last).
	Secrets []SecretStatus
}

// Count returns how many secrets have condition c.
func (r *StatusReport) Count(c StatusCondition) int {
	n := 0
	for i := range r.Secrets {
		if r.Secrets[i].Has(c) {
			n++
		}
	}
	return n
}

// CountOK returns how many secrets have no condition.
func (r *StatusReport) CountOK() int {
	n := 0
	for i := range r.Secrets {
		if r.Secrets[i].OK() {
			n++
		}
	}
	return n
}

// Unverified returns an error wrapping ErrVerify when some secret files
// did not match the verified journal, else nil.
func (r *StatusReport) Unverified() error {
	n := r.Count(StatusUnverified)
	if n == 0 {
		return nil
	}
	return problemf(ErrVerify, "run tresor verify for the full report",
		"%d secret %s not match the verified journal; status cannot vouch for %s",
		n, plural(n, "file does", "files do"), plural(n, "its header", "their headers"))
}

// FailOn returns an error wrapping ErrStatus when some secret has one of
// the conditions in failOn, naming the conditions that hold; else nil.
func (r *StatusReport) FailOn(failOn []StatusCondition) error {
	var held []string
	n := 0
	for i := range r.Secrets {
		if slices.ContainsFunc(r.Secrets[i].Conditions, func(c StatusCondition) bool { return slices.Contains(failOn, c) }) {
			n++
		}
	}
	if n == 0 {
		return nil
	}
	for _, c := range FailOnConditions() {
		if slices.Contains(failOn, c) && r.Count(c) > 0 {
			held = append(held, statusPhrase(c))
		}
	}
	return problemf(ErrStatus, "tresor status lists them; tresor rotate --due rotates those with a generator or rotator, tresor reencrypt fixes readers",
		"%d %s %s", n, plural(n, "secret is", "secrets are"), joinOr(held))
}

// Summary is status's closing line: how many secrets (at the date
// evaluated, unless now), how many in each state that holds, how many are
// ok: "3 secrets: 1 exposed, 1 never rotated, 1 ok".
func (r *StatusReport) Summary(now bool) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d %s", len(r.Secrets), plural(len(r.Secrets), "secret", "secrets"))
	if !now {
		fmt.Fprintf(&b, " at %s", r.At.Format(time.RFC3339))
	}
	b.WriteString(":")
	for _, c := range append([]StatusCondition{StatusUnverified}, FailOnConditions()...) {
		if n := r.Count(c); n > 0 {
			fmt.Fprintf(&b, " %d %s,", n, summaryWord(c))
		}
	}
	fmt.Fprintf(&b, " %d ok", r.CountOK())
	return b.String()
}

// summaryWord is how a condition reads after a count in Summary.
func summaryWord(c StatusCondition) string {
	switch c {
	case StatusNever:
		return "never rotated"
	case StatusPending:
		return "pending re-encryption"
	case StatusHalfDone:
		return "half-done rotation"
	}
	return c.String()
}

// statusPhrase is how a condition reads after "2 secrets are".
func statusPhrase(c StatusCondition) string {
	switch c {
	case StatusDue:
		return "due for rotation"
	case StatusNever:
		return "never rotated"
	case StatusPending:
		return "pending re-encryption"
	case StatusHalfDone:
		return "half-way through a rotation"
	}
	return c.String()
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// joinOr joins "a", "b", "c" as "a, b or c".
func joinOr(list []string) string {
	if len(list) <= 1 {
		return strings.Join(list, "")
	}
	return strings.Join(list[:len(list)-1], ", ") + " or " + list[len(list)-1]
}
