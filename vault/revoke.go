package vault

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/tresor-dev/tresor/crypto"
	"github.com/tresor-dev/tresor/format"
)

// Revocation: a policy change that takes read access from someone (a member
// removed, a group or rule changed) is recorded in one locked operation: the
// policy entry, then one reencrypt entry for every secret whose readers now
// differ that this member can re-encrypt (sealed under fresh read keys, each
// file that lost a reader marked exposed), then a report from the journal of
// everything the lost readers could read. See docs/decisions.md,
// "Revocation".

// A LostReader is a member a policy change took read access from.
type LostReader struct {
	Member string `json:"member"`
	// Removed: no longer a member at all (else: lost read access to some
	// secrets by a group or rule change).
	Removed bool `json:"removed"`
}

// A PendingReencrypt is a secret the lost readers can still decrypt,
// because this member could not re-encrypt it.
type PendingReencrypt struct {
	Name    string   `json:"name"`
	Readers []string `json:"readers"` // what the file is encrypted to now
	Want    []string `json:"want"`    // what the policy gives
	Reason  string   `json:"reason"`
	// CanDo are the members who can re-encrypt it: readers of the file
	// who are a writer of it or an admin and whose identity can sign.
	CanDo []string `json:"can_reencrypt"`
}

// A Revocation is what a policy change that took read access did, and
// what to do next.
type Revocation struct {
	Lost        []LostReader       `json:"lost"`
	Reencrypted []string           `json:"reencrypted"`
	Pending     []PendingReencrypt `json:"pending"`
	// Exposures are the secrets the lost readers could read, from the
	// journal: the ones whose current value is among them first.
	Exposures []Exposure `json:"exposures"`
}

// Rotate lists the secrets whose current value a lost reader could read,
// once each.
func (r *Revocation) Rotate() []string {
	seen := map[string]bool{}
	var out []string
	for _, e := range r.Exposures {
		if e.Current && !e.Deleted && !seen[e.Secret] {
			seen[e.Secret] = true
			out = append(out, e.Secret)
		}
	}
	sort.Strings(out)
	return out
}

// Revocation returns what the last policy change of this handle did to
// readers who lost access, or nil when it took none.
func (v *Vault) Revocation() *Revocation { return v.revocation }

// OnRevocationProgress sets what a policy change that takes read access
// (member rm, policy apply) tells of its re-encryption: done of total
// secrets, called after each one; nil tells nothing.
func (v *Vault) OnRevocationProgress(fn func(done, total int)) { v.revocationProgress = fn }

// commitPolicy records next (marshalled as b) as the policy, under the
// lock changePolicy holds. When next takes read access from anyone, the
// re-encryption is prepared first (a failure then writes nothing), then
// the policy entry and one reencrypt entry are committed, and the report
// is built from the journal.
func (v *Vault) commitPolicy(st *verifiedState, actor, summary string, next *format.Policy, b []byte) error {
	prev, prevHash, prevSealer := v.Policy, v.policyHash, v.sealer
	restore := func() { v.Policy, v.policyHash, v.sealer = prev, prevHash, prevSealer }
	lost := readersTakenBy(prev, next, st)
	var names []string
	var files [][]byte
	var reasons []string
	if len(lost) > 0 {
		for n := range st.secrets {
			if st.conflictOf(n) == nil {
				names = append(names, n)
			}
		}
		sort.Strings(names)
		v.usePolicy(next, b)
		var changed []string
		for _, n := range names {
			if !slices.Equal(prev.ReadersOf(n), next.ReadersOf(n)) {
				changed = append(changed, n)
			}
		}
		if _, member := next.Members[actor]; member {
			// New read keys for the new reader sets: nothing sealed from
			// now on shares a key with a file a lost reader opened.
			var err error
			if err = v.renewReadKeys(changed); err == nil {
				files, reasons, err = v.reencryptAll(names, st, actor, false, v.revocationProgress)
			}
			if err != nil {
				restore()
				return err
			}
		} else {
			// An admin who removed themselves signs nothing more: what
			// the change took from readers waits for another admin.
			files, reasons = make([][]byte, len(names)), make([]string, len(names))
			for i, n := range names {
				if slices.Contains(changed, n) {
					reasons[i] = "you are no longer a member"
				}
			}
		}
		restore()
	}
	if _, err := v.commit(actor, change{
		Entry: format.Entry{Action: format.ActionPolicy, File: crypto.FileHash(b), Details: &format.Details{Change: summary, Policy: string(b)}},
		Files: []fileChange{{Rel: policyFileName, Data: b}},
	}); err != nil {
		return err
	}
	v.usePolicy(next, b)
	v.warnUnboundRotators(next)
	if len(lost) == 0 {
		return nil
	}
	rev := &Revocation{Lost: lost, Reencrypted: []string{}, Pending: []PendingReencrypt{}}
	// A secret with concurrent versions from merged branches is
	// re-encrypted once a writer has chosen the one that stands.
	for _, n := range st.conflicts {
		p := PendingReencrypt{Name: n, Readers: []string{}, Want: v.Policy.ReadersOf(n), CanDo: []string{},
			Reason: "it has concurrent versions: tresor resolve " + n + " first"}
		if p.Want == nil {
			p.Want = []string{}
		}
		rev.Pending = append(rev.Pending, p)
	}
	var changes []fileChange
	hashes := map[string]string{}
	for i, n := range names {
		switch {
		case reasons[i] != "":
			rev.Pending = append(rev.Pending, v.pendingReencrypt(n, st, reasons[i]))
		case files[i] != nil:
			rev.Reencrypted = append(rev.Reencrypted, n)
			changes = append(changes, fileChange{Rel: secretPath(n), Data: files[i]})
			hashes[n] = crypto.FileHash(files[i])
		}
	}
	if len(changes) > 0 {
		if _, err := v.commit(actor, change{
			Entry: format.Entry{Action: format.ActionReencrypt, Details: &format.Details{Files: hashes}},
			Files: changes,
		}); err != nil {
			return fmt.Errorf("the policy change is recorded, the re-encryption is not (%w): run tresor reencrypt", err)
		}
	}
	exposures, err := v.exposuresOf(lost, next)
	if err != nil {
		return fmt.Errorf("the policy change and re-encryption are recorded, but what %s could read could not be worked out: %w", lostNames(lost), err)
	}
	rev.Exposures = exposures
	v.revocation = rev
	return nil
}

// usePolicy makes p (whose bytes are b) the policy this handle works with.
func (v *Vault) usePolicy(p *format.Policy, b []byte) {
	v.Policy, v.policyHash = p, crypto.FileHash(b)
	v.sealer = crypto.Sealer{Plugins: p.Plugins()}
}

// readersTakenBy are the members prev lets read a secret of the vault and
// next does not, and the members next removes.
func readersTakenBy(prev, next *format.Policy, st *verifiedState) []LostReader {
	lost := map[string]bool{}
	for name := range st.secrets {
		after := next.ReadersOf(name)
		for _, m := range prev.ReadersOf(name) {
			if !slices.Contains(after, m) {
				lost[m] = true
			}
		}
	}
	for m := range prev.Members {
		if _, ok := next.Members[m]; !ok {
			lost[m] = true
		}
	}
	out := []LostReader{}
	for m := range lost {
		_, stays := next.Members[m]
		out = append(out, LostReader{Member: m, Removed: !stays})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Member < out[j].Member })
	return out
}

func lostNames(lost []LostReader) string {
	var names []string
	for _, l := range lost {
		names = append(names, l.Member)
	}
	return strings.Join(names, ", ")
}

// pendingReencrypt describes a secret this member could not re-encrypt.
func (v *Vault) pendingReencrypt(name string, st *verifiedState, reason string) PendingReencrypt {
	p := PendingReencrypt{Name: name, Want: v.Policy.ReadersOf(name), Reason: reason, CanDo: []string{}}
	if p.Want == nil {
		p.Want = []string{}
	}
	sf, err := v.readCheckedSecret(name, st)
	if err != nil {
		p.Readers = []string{}
		return p
	}
	p.Readers = sf.Header.Readers
	p.CanDo = canReencrypt(v.Policy, name, sf.Header.Readers, memberSigns(v.Policy))
	return p
}

// canReencrypt are the members who can re-encrypt a secret encrypted to
// readers: they can decrypt it, may write it (a writer or an admin) and can
// sign the entry (signs, see memberSigns).
func canReencrypt(p *format.Policy, name string, readers []string, signs func(member string) bool) []string {
	out := []string{}
	writers := p.WritersOf(name)
	for _, r := range readers {
		if _, ok := p.Members[r]; !ok || !p.IsAdmin(r) && !slices.Contains(writers, r) {
			continue
		}
		if signs(r) {
			out = append(out, r)
		}
	}
	return out
}

// memberSigns reports, for each member of p, whether their identity can
// sign journal entries (an age or ssh-ed25519 key).
func memberSigns(p *format.Policy) func(member string) bool {
	signs := make(map[string]bool, len(p.Members))
	for name, m := range p.Members {
		_, ok, err := crypto.SignerOf(m.Recipient, m.Signer)
		signs[name] = ok && err == nil
	}
	return func(member string) bool { return signs[member] }
}

// markLostReaders sets Exposed on a header whose file is re-encrypted from
// the readers before to the readers after: each reader dropped may have
// kept the value, and the signed header keeps saying so until a new value
// is written. An existing reason comes first.
func markLostReaders(h *format.SecretHeader, before, after []string, p *format.Policy, now time.Time) {
	date := now.UTC().Format("2006-01-02")
	var parts []string
	if h.Rotation != nil && h.Rotation.Exposed != "" {
		parts = append(parts, h.Rotation.Exposed)
	}
	added := false
	for _, m := range before {
		if slices.Contains(after, m) {
			continue
		}
		reason := m + " lost read access " + date
		if _, ok := p.Members[m]; !ok {
			reason = m + " removed " + date
		}
		if len(parts) > 0 && slices.Contains(strings.Split(parts[0], "; "), reason) {
			continue
		}
		parts = append(parts, reason)
		added = true
	}
	if !added {
		return
	}
	rot := format.Rotation{}
	if h.Rotation != nil {
		rot = *h.Rotation // newHeader shares the old header's
	}
	rot.Exposed = joinReasons(parts, maxExposedLen)
	h.Rotation = &rot
}

// maxExposedLen is the longest exposed reason a header holds
// (format.ValidateDescription).
const maxExposedLen = 200

// joinReasons joins reasons with "; ", dropping the last ones for
// "; and N more" where they do not fit in max bytes.
func joinReasons(parts []string, max int) string {
	for k := len(parts); k >= 1; k-- {
		s := strings.Join(parts[:k], "; ")
		if k < len(parts) {
			s += fmt.Sprintf("; and %d more", len(parts)-k)
		}
		if len(s) <= max {
			return s
		}
	}
	return cutText(parts[0], max)
}
