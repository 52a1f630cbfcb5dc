package vault

import (
	"fmt"
	"strings"
	"time"

	"github.com/tresor-dev/tresor/format"
)

// Expiry at use: get, env and exec (and exec --mount) hand values to people
// and programs. An expired secret (its header's expires has come) is named
// in a warning on stderr, or refused with ErrStatus when the signed
// settings say expired: block. The header is the one the verified journal
// records, so only a writer (by a signed entry) can set or move the date.

// expiredAt reports whether the secret of header h has expired at now:
// expires is set and expires <= now.
func expiredAt(h format.SecretHeader, now time.Time) bool {
	r := h.Rotation
	return r != nil && !r.Expires.IsZero() && !now.Before(r.Expires)
}

// freshValue records in rot that a new value is current from now (set,
// rotate): rotated now, no longer exposed, no rotation pending, and no
// expiry that has already passed (it was the old value's: the new one
// would be born expired, and refused where the policy blocks expired
// secrets). It returns a note saying so, for the caller to print once the
// write is recorded, or "".
func freshValue(name string, rot *format.Rotation, now time.Time) (note string) {
	rot.Rotated, rot.Exposed, rot.Pending = now, "", time.Time{}
	if expiredAt(format.SecretHeader{Rotation: rot}, now) {
		note = fmt.Sprintf("%s had expired on %s; the new value has no expiry (give it one: tresor meta %s --expires DATE)",
			name, format.FormatDate(rot.Expires), name)
		rot.Expires = time.Time{}
	}
	return note
}

// warnNote warns with note unless it is empty.
func (v *Vault) warnNote(note string) {
	if note != "" {
		v.warn(note)
	}
}

// checkExpiryAtUse returns a warning for each expired secret among headers,
// or, when the verified policy blocks expired secrets, an ErrStatus error
// naming them. The caller holds a verified state (the policy is signed).
func (v *Vault) checkExpiryAtUse(headers []format.SecretHeader) (warnings []string, err error) {
	now := v.timeNow()
	var expired []format.SecretHeader
	for _, h := range headers {
		if expiredAt(h, now) {
			expired = append(expired, h)
		}
	}
	if len(expired) == 0 {
		return nil, nil
	}
	if !v.Policy.ExpiredBlocks() {
		if v.expiryWarned == nil {
			v.expiryWarned = map[string]bool{}
		}
		for _, h := range expired {
			if !v.expiryWarned[h.Name] {
				v.expiryWarned[h.Name] = true
				warnings = append(warnings, fmt.Sprintf("%s expired on %s: rotate it", h.Name, format.FormatDate(h.Rotation.Expires)))
			}
		}
		return warnings, nil
	}
	first := expired[0].Name
	hint := fmt.Sprintf("rotate it (tresor rotate %s), or give it a new date: tresor meta %s --expires DATE", first, first)
	if len(expired) == 1 {
		return nil, problemf(ErrStatus, hint, "%s expired on %s, and the policy refuses expired secrets (settings: {expired: block})",
			first, format.FormatDate(expired[0].Rotation.Expires))
	}
	names := make([]string, len(expired))
	for i, h := range expired {
		names[i] = h.Name + " (" + format.FormatDate(h.Rotation.Expires) + ")"
	}
	hint = "rotate them (tresor rotate NAME...), or give them new dates: tresor meta NAME --expires DATE"
	return nil, problemf(ErrStatus, hint, "%d secrets expired, and the policy refuses expired secrets (settings: {expired: block}): %s",
		len(expired), strings.Join(names, ", "))
}

// warnIfExpired is checkExpiryAtUse for one secret read by Get: warnings go
// to Options.Warn.
func (v *Vault) warnIfExpired(h format.SecretHeader) error {
	warnings, err := v.checkExpiryAtUse([]format.SecretHeader{h})
	for _, w := range warnings {
		v.warn(w)
	}
	return err
}
