package vault

import (
	"slices"
	"sort"

	"github.com/tresor-dev/tresor/format"
)

// Who could read what, from the journal. Every secret write records its
// readers (secret.set, rotate, meta, mv, resolve: Details.Readers); a
// reencrypt entry's files are encrypted to the readers the policy in force
// at that entry gives. Replaying the entries in order, following secret.mv
// and secret.rm, answers which versions of which secrets a member could
// decrypt, and whether the value a secret holds now is among them.

// An Exposure is one secret a member could read at some point.
type Exposure struct {
	Member string `json:"member"`
	// Secret is the secret's name now; for a deleted one, its last name.
	Secret string `json:"secret"`
	// Versions are the versions the member could read (or wrote).
	Versions []int `json:"versions"`
	// Current: the value the secret holds now is among them, so the
	// member may know it: rotate it. Otherwise only older values were
	// readable (the value has changed since).
	Current bool `json:"current"`
	Deleted bool `json:"deleted,omitempty"`
	// EarlierNames are the names it had before it was moved, oldest first.
	EarlierNames []string `json:"earlier_names,omitempty"`
}

// A historyStep is one journal entry as the history needs it.
type historyStep struct {
	entry *format.SignedEntry
	// readers of each file the entry wrote, by secret name.
	readers map[string][]string
	// stands is false for a write whose right was revoked (or never
	// held): it counts for what it let its actor and readers see, never
	// for what it would hide (a removal, a move, a new value).
	stands bool
	clock  *chainClock
	// policy is the policy in force at the entry (for a policy entry, the
	// one it sets); nil when not known.
	policy *format.Policy
}

// memberOf reports whether the step's policy has member (true when the
// policy is not known).
func (s historyStep) memberOf(member string) bool {
	if s.policy == nil {
		return true
	}
	_, ok := s.policy.Members[member]
	return ok
}

// exposuresOf returns what each lost reader could read: everything for a
// removed member, the secrets next no longer lets them read otherwise.
// Secrets whose current value is exposed come first.
func (v *Vault) exposuresOf(lost []LostReader, next *format.Policy) ([]Exposure, error) {
	steps, err := v.readHistory()
	if err != nil {
		return nil, err
	}
	out := []Exposure{}
	for _, l := range lost {
		for _, e := range exposureHistory(l.Member, steps) {
			if !l.Removed && !e.Deleted && slices.Contains(next.ReadersOf(e.Secret), l.Member) {
				continue // still a reader: nothing was taken
			}
			out = append(out, e)
		}
	}
	sortExposures(out)
	return out, nil
}

func sortExposures(out []Exposure) {
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Current != b.Current {
			return a.Current
		}
		if a.Member != b.Member {
			return a.Member < b.Member
		}
		if a.Deleted != b.Deleted {
			return !a.Deleted
		}
		return a.Secret < b.Secret
	})
}

// readHistory replays the journal as verification does (the policy in
// force at each entry, and which writes a concurrent policy change
// revoked), without checking signatures again: the caller has verified the
// journal. The caller holds the lock.
func (v *Vault) readHistory() ([]historyStep, error) {
	vr := &verification{v: v, opts: VerifyOptions{AcceptRollback: true}, rep: &VerifyReport{Findings: []Finding{}, expected: map[string]string{}}}
	if err := vr.load(); err != nil {
		return nil, err
	}
	vr.linkClocks()
	vr.settle(nil)
	steps := make([]historyStep, 0, len(vr.nodes))
	for _, n := range vr.nodes {
		if n.broken || n.policy == nil {
			continue
		}
		e := n.entry
		s := historyStep{entry: e, stands: n.authorized && vr.revoked[n] == nil, clock: n.clock, policy: n.policy.policy}
		switch e.Action {
		case format.ActionPolicy:
			if !s.stands {
				continue
			}
		case format.ActionSet, format.ActionRotate, format.ActionMeta, format.ActionMove, format.ActionResolve:
			if e.Details != nil {
				s.readers = map[string][]string{e.Target: e.Details.Readers}
			}
		case format.ActionReencrypt:
			if e.Details != nil {
				// n.policy is the policy in force at the entry (only a
				// policy entry carries its own).
				s.readers = make(map[string][]string, len(e.Details.Files))
				for name := range e.Details.Files {
					s.readers[name] = n.policy.policy.ReadersOf(name)
				}
			}
		case format.ActionRemove:
		default:
			continue
		}
		steps = append(steps, s)
	}
	return steps, nil
}

// A lineage is one secret through its names: created, moved, removed.
type lineage struct {
	names    []string
	version  int
	versions map[int]bool
	// holders are the entries whose file member could read (or wrote)
	// that may hold the secret's current value: an entry that writes a
	// new value drops those it descends from, and keeps concurrent ones
	// (either branch's version may be the one that stands).
	holders []holder
	// pending: a two-phase rotation is under way, so the files written
	// meanwhile hold the next value too.
	pending bool
	deleted bool
}

// A holder is a file member could read: pending when it also held the
// value a rotation was about to make current.
type holder struct {
	clock   *chainClock
	pending bool
}

// exposureHistory replays steps (in journal order) for one member.
//
// A name is a member's only while the policy has it: once a policy drops
// the name and a later one has it again, what the earlier holder of the
// name could read is forgotten (their removal reported it and marked it
// exposed), so a new member given a departed member's name is not charged
// with the old member's reads. A member whose key changes keeps the name
// throughout and keeps their reads.
func exposureHistory(member string, steps []historyStep) []Exposure {
	live := map[string]*lineage{}
	var all []*lineage
	get := func(name string) *lineage {
		l := live[name]
		if l == nil {
			l = &lineage{names: []string{name}, versions: map[int]bool{}}
			live[name] = l
			all = append(all, l)
		}
		return l
	}
	// saw records that member could read the file of l that step s wrote.
	saw := func(l *lineage, s historyStep, name string, version int) {
		if s.entry.Actor != member && !slices.Contains(s.readers[name], member) {
			return
		}
		l.versions[version] = true
		l.holders = append(l.holders, holder{clock: s.clock, pending: l.pending})
	}
	away := false
	for _, s := range steps {
		e := s.entry
		switch in := s.memberOf(member); {
		case !in:
			away = true
		case away:
			away = false
			for _, l := range all {
				clear(l.versions)
				l.holders = nil
			}
		}
		switch e.Action {
		case format.ActionSet, format.ActionRotate, format.ActionMeta, format.ActionResolve:
			l := get(e.Target)
			version := l.version + 1
			if e.Details != nil && e.Details.Version > 0 {
				version = e.Details.Version
			}
			l.version = max(l.version, version)
			if s.stands {
				l.newValue(e, s.clock)
			}
			saw(l, s, e.Target, version)
		case format.ActionMove:
			from := ""
			if e.Details != nil {
				from = e.Details.From
			}
			l := live[from]
			switch {
			case l == nil:
				l = get(e.Target)
			case s.stands:
				delete(live, from)
				if old := live[e.Target]; old != nil && old != l {
					old.deleted = true
				}
				live[e.Target] = l
				l.names = append(l.names, e.Target)
			}
			version := l.version + 1
			if e.Details != nil && e.Details.Version > 0 {
				version = e.Details.Version
			}
			l.version = max(l.version, version)
			saw(l, s, e.Target, version)
		case format.ActionRemove:
			if l := live[e.Target]; l != nil && s.stands {
				l.deleted = true
				delete(live, e.Target)
			}
		case format.ActionReencrypt:
			names := make([]string, 0, len(s.readers))
			for name := range s.readers {
				names = append(names, name)
			}
			sort.Strings(names)
			for _, name := range names {
				l := get(name)
				l.version++
				saw(l, s, name, l.version)
			}
		}
	}
	out := []Exposure{}
	for _, l := range all {
		if len(l.versions) == 0 {
			continue
		}
		x := Exposure{Member: member, Secret: l.names[len(l.names)-1], Deleted: l.deleted,
			Current: !l.deleted && len(l.holders) > 0}
		for ver := range l.versions {
			x.Versions = append(x.Versions, ver)
		}
		sort.Ints(x.Versions)
		for _, n := range l.names[:len(l.names)-1] {
			if !slices.Contains(x.EarlierNames, n) && n != x.Secret {
				x.EarlierNames = append(x.EarlierNames, n)
			}
		}
		out = append(out, x)
	}
	return out
}

// newValue applies what a standing entry does to the value l holds: a set
// or one-step rotation replaces it, a finished rotation makes the pending
// value current, an aborted one drops it; anything else keeps it.
func (l *lineage) newValue(e *format.SignedEntry, at *chainClock) {
	change := ""
	if e.Details != nil {
		change = e.Details.Change
	}
	replaced := func(keep func(h holder) bool) {
		out := l.holders[:0:0]
		for _, h := range l.holders {
			if keep(h) || !h.clock.precedes(at) {
				h.pending = false
				out = append(out, h)
			}
		}
		l.holders = out
	}
	switch {
	case e.Action == format.ActionSet, e.Action == format.ActionRotate && change == "":
		l.pending = false
		replaced(func(holder) bool { return false })
	case e.Action == format.ActionRotate && change == RotationStarted:
		l.pending = true
	case e.Action == format.ActionRotate && change == RotationFinished:
		// Who read a file holding the pending value knows the value now
		// current.
		l.pending = false
		replaced(func(h holder) bool { return h.pending })
	case e.Action == format.ActionRotate && change == RotationAborted:
		l.pending = false
		for i := range l.holders {
			l.holders[i].pending = false
		}
	}
}

// pendingValueReaders returns who could read the value a rotation of name
// holds pending: the readers and authors of every file of name written
// since the rotation started (each file carries the pending value beside
// the current one), following moves. A write whose right was revoked still
// counts for what its readers could see; only standing entries start, end
// or move a rotation. Nil when the journal has no rotation of name pending.
func (v *Vault) pendingValueReaders(name string) ([]string, error) {
	steps, err := v.readHistory()
	if err != nil {
		return nil, err
	}
	return pendingReadersIn(steps, name), nil
}

// pendingReadersIn is pendingValueReaders over steps in journal order.
func pendingReadersIn(steps []historyStep, name string) []string {
	pending := map[string]map[string]bool{} // by the secret's name at the time
	for _, s := range steps {
		e := s.entry
		if s.stands {
			change := ""
			if e.Details != nil {
				change = e.Details.Change
			}
			switch e.Action {
			case format.ActionRotate:
				if change == RotationStarted {
					pending[e.Target] = map[string]bool{}
				} else {
					delete(pending, e.Target) // finished, aborted, or one step
				}
			case format.ActionSet, format.ActionRemove:
				delete(pending, e.Target)
			case format.ActionMove:
				if e.Details != nil {
					if set, ok := pending[e.Details.From]; ok {
						delete(pending, e.Details.From)
						pending[e.Target] = set
					}
				}
			}
		}
		for n, readers := range s.readers {
			if set, ok := pending[n]; ok {
				set[e.Actor] = true
				for _, m := range readers {
					set[m] = true
				}
			}
		}
	}
	set, ok := pending[name]
	if !ok {
		return nil
	}
	out := make([]string, 0, len(set))
	for m := range set {
		out = append(out, m)
	}
	sort.Strings(out)
	return out
}
