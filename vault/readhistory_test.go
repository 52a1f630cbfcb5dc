package vault

import (
	"reflect"
	"slices"
	"testing"

	"github.com/tresor-dev/tresor/format"
)

// A history builds journal steps with their DAG clocks for exposureHistory.
type history struct {
	cb    *clockBuilder
	steps []historyStep
	cur   *format.Policy // in force at the next step (nil: not known)
}

func newHistory() *history { return &history{cb: newClockBuilder()} }

// add appends an entry after parents (none: after the previous step) and
// returns its clock.
func (h *history) add(parents []*chainClock, stands bool, actor, action, target string, d *format.Details, readers ...string) *chainClock {
	if parents == nil && len(h.steps) > 0 {
		parents = []*chainClock{h.steps[len(h.steps)-1].clock}
	}
	c := h.cb.next(parents)
	e := &format.SignedEntry{Entry: format.Entry{Actor: actor, Action: action, Target: target, Details: d}}
	s := historyStep{entry: e, stands: stands, clock: c, policy: h.cur}
	switch action {
	case format.ActionPolicy:
	case format.ActionReencrypt:
		s.readers = map[string][]string{}
		for name := range d.Files {
			s.readers[name] = readers
		}
	case format.ActionRemove:
	default:
		s.readers = map[string][]string{target: readers}
	}
	h.steps = append(h.steps, s)
	return c
}

// policy appends a policy entry whose policy has the members named.
func (h *history) policy(members ...string) {
	p := &format.Policy{Members: format.MemberMap{}}
	for _, m := range members {
		p.Members[m] = format.Member{Recipient: "age1" + m}
	}
	h.cur = p
	h.add(nil, true, "alice", format.ActionPolicy, "", nil)
}

func (h *history) set(name string, version int, readers ...string) *chainClock {
	return h.add(nil, true, "alice", format.ActionSet, name, &format.Details{Version: version}, readers...)
}

func (h *history) reencrypt(name string, readers ...string) *chainClock {
	return h.add(nil, true, "alice", format.ActionReencrypt, "", &format.Details{Files: map[string]string{name: "sha256:x"}}, readers...)
}

func (h *history) rotate(name string, version int, change string, readers ...string) *chainClock {
	return h.add(nil, true, "alice", format.ActionRotate, name, &format.Details{Version: version, Change: change}, readers...)
}

func checkExposures(t *testing.T, h *history, member string, want ...Exposure) {
	t.Helper()
	got := exposureHistory(member, h.steps)
	sortExposures(got)
	for i := range want {
		want[i].Member = member
	}
	if len(want) == 0 {
		want = []Exposure{}
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("exposures of %s:\n got  %+v\n want %+v", member, got, want)
	}
}

func TestHistoryVersions(t *testing.T) {
	h := newHistory()
	h.set("db", 1, "alice", "bob")
	h.set("db", 2, "alice", "bob")
	h.reencrypt("db", "alice") // bob removed: version 3, same value
	checkExposures(t, h, "bob", Exposure{Secret: "db", Versions: []int{1, 2}, Current: true})
	checkExposures(t, h, "alice", Exposure{Secret: "db", Versions: []int{1, 2, 3}, Current: true})
	checkExposures(t, h, "carol")
	// A new value after the loss: bob only knew older ones.
	h.set("db", 4, "alice")
	checkExposures(t, h, "bob", Exposure{Secret: "db", Versions: []int{1, 2}})
}

// A name given to a new member after its holder left does not carry the
// old holder's reads; a member whose key changed keeps theirs.
func TestHistoryReusedMemberName(t *testing.T) {
	h := newHistory()
	h.policy("alice", "bob")
	h.set("old", 1, "alice", "bob")
	h.policy("alice") // bob leaves
	h.reencrypt("old", "alice")
	h.policy("alice", "bob") // another bob joins
	h.set("new", 1, "alice", "bob")
	checkExposures(t, h, "bob", Exposure{Secret: "new", Versions: []int{1}, Current: true})
	checkExposures(t, h, "alice",
		Exposure{Secret: "new", Versions: []int{1}, Current: true},
		Exposure{Secret: "old", Versions: []int{1, 2}, Current: true})

	// No gap: a policy that changes bob's key keeps him the same member.
	k := newHistory()
	k.policy("alice", "bob")
	k.set("db", 1, "alice", "bob")
	k.policy("alice", "bob")
	k.set("other", 1, "alice", "bob")
	checkExposures(t, k, "bob",
		Exposure{Secret: "db", Versions: []int{1}, Current: true},
		Exposure{Secret: "other", Versions: []int{1}, Current: true})
}

// Who could read a pending value: the readers and authors of every file
// written since the rotation started, through a move; nobody once it ends.
func TestPendingReaders(t *testing.T) {
	h := newHistory()
	h.set("db", 1, "alice", "bob")
	h.rotate("db", 2, RotationStarted, "alice", "bob")
	h.add(nil, true, "carol", format.ActionMove, "db2", &format.Details{Version: 3, From: "db"}, "alice", "dave")
	h.reencrypt("db2", "alice")
	if got, want := pendingReadersIn(h.steps, "db2"), []string{"alice", "bob", "carol", "dave"}; !reflect.DeepEqual(got, want) {
		t.Errorf("pending readers of db2 = %v, want %v", got, want)
	}
	if got := pendingReadersIn(h.steps, "db"); got != nil {
		t.Errorf("db moved away, yet pending readers %v", got)
	}
	// A revoked write still let its readers see; it ends nothing.
	h.add(nil, false, "eve", format.ActionRotate, "db2", &format.Details{Version: 5, Change: RotationAborted}, "eve")
	if got := pendingReadersIn(h.steps, "db2"); !slices.Contains(got, "eve") {
		t.Errorf("a revoked write's reader is missing: %v", got)
	}
	h.rotate("db2", 6, RotationFinished, "alice")
	if got := pendingReadersIn(h.steps, "db2"); got != nil {
		t.Errorf("after the rotation finished: %v", got)
	}
	// A rotation that never started has no pending readers.
	if got := pendingReadersIn(h.steps, "nothing"); got != nil {
		t.Errorf("pending readers of an unknown secret: %v", got)
	}
}

func TestHistoryMoveAndRemove(t *testing.T) {
	h := newHistory()
	h.set("a/before", 1, "alice", "bob")
	h.add(nil, true, "alice", format.ActionMove, "a/after", &format.Details{Version: 2, From: "a/before"}, "alice", "bob")
	h.add(nil, true, "alice", format.ActionMove, "a/last", &format.Details{Version: 3, From: "a/after"}, "alice")
	h.set("gone", 1, "alice", "bob")
	h.add(nil, true, "alice", format.ActionRemove, "gone", nil)
	// A new secret under the removed name that bob never read.
	h.set("gone", 1, "alice")
	checkExposures(t, h, "bob",
		Exposure{Secret: "a/last", Versions: []int{1, 2}, Current: true, EarlierNames: []string{"a/before", "a/after"}},
		Exposure{Secret: "gone", Versions: []int{1}, Deleted: true})
	// Meta and reencrypt entries keep the value; version numbers follow.
	h.add(nil, true, "alice", format.ActionMeta, "a/last", &format.Details{Version: 4}, "alice")
	h.reencrypt("a/last", "alice", "carol")
	checkExposures(t, h, "carol", Exposure{Secret: "a/last", Versions: []int{5}, Current: true, EarlierNames: []string{"a/before", "a/after"}})
}

// A two-phase rotation: a reader of a file written while it was under way
// knew the pending value, which becomes the current one.
func TestHistoryTwoPhaseRotation(t *testing.T) {
	h := newHistory()
	h.set("db", 1, "alice")
	h.rotate("db", 2, RotationStarted, "alice", "bob")
	h.reencrypt("db", "alice")
	h.rotate("db", 4, RotationFinished, "alice")
	checkExposures(t, h, "bob", Exposure{Secret: "db", Versions: []int{2}, Current: true})
	h.rotate("db", 5, "", "alice")
	checkExposures(t, h, "bob", Exposure{Secret: "db", Versions: []int{2}})

	// Aborted: the pending value is dropped, the current one bob read
	// stays current until the next value.
	h = newHistory()
	h.set("db", 1, "alice")
	h.rotate("db", 2, RotationStarted, "alice", "bob")
	h.rotate("db", 3, RotationAborted, "alice")
	checkExposures(t, h, "bob", Exposure{Secret: "db", Versions: []int{2}, Current: true})
	h.set("db", 4, "alice")
	checkExposures(t, h, "bob", Exposure{Secret: "db", Versions: []int{2}})

	// Finished after bob only read the old value: the new one is safe.
	h = newHistory()
	h.set("db", 1, "alice", "bob")
	h.reencrypt("db", "alice")
	h.rotate("db", 3, RotationStarted, "alice")
	h.rotate("db", 4, RotationFinished, "alice")
	checkExposures(t, h, "bob", Exposure{Secret: "db", Versions: []int{1}})
}

// A member knows what they wrote, reader or not (a write-only drop).
func TestHistoryWriterKnowsItsValue(t *testing.T) {
	h := newHistory()
	h.add(nil, true, "bob", format.ActionSet, "drop", &format.Details{Version: 1}, "alice")
	checkExposures(t, h, "bob", Exposure{Secret: "drop", Versions: []int{1}, Current: true})
}

// Concurrent branches: a new value on one branch does not clear what bob
// read on the other, since either version may be the one that stands; a
// new value that descends from both does.
func TestHistoryDAGMerge(t *testing.T) {
	h := newHistory()
	base := h.set("db", 1, "alice")
	h.add([]*chainClock{base}, true, "alice", format.ActionSet, "db", &format.Details{Version: 2}, "alice")
	a := h.steps[len(h.steps)-1].clock
	b := h.add([]*chainClock{base}, true, "carol", format.ActionMeta, "db", &format.Details{Version: 2}, "alice", "bob")
	merge := h.add([]*chainClock{a, b}, true, "alice", format.ActionResolve, "db", &format.Details{Version: 2}, "alice")
	checkExposures(t, h, "bob", Exposure{Secret: "db", Versions: []int{2}, Current: true})
	h.add([]*chainClock{merge}, true, "alice", format.ActionSet, "db", &format.Details{Version: 3}, "alice")
	checkExposures(t, h, "bob", Exposure{Secret: "db", Versions: []int{2}})

	// The branch order in the journal does not matter: the new value
	// comes after bob's read in seq order, concurrent with it.
	h = newHistory()
	base = h.set("db", 1, "alice")
	b = h.add([]*chainClock{base}, true, "carol", format.ActionMeta, "db", &format.Details{Version: 2}, "alice", "bob")
	a = h.add([]*chainClock{base}, true, "alice", format.ActionSet, "db", &format.Details{Version: 2}, "alice")
	h.add([]*chainClock{a, b}, true, "alice", format.ActionResolve, "db", &format.Details{Version: 2}, "alice")
	checkExposures(t, h, "bob", Exposure{Secret: "db", Versions: []int{2}, Current: true})
}

// Attacker view: bob, removed on main, writes on a fork made before. His
// writes do not stand (revocation wins), and they must not hide what he
// could read: a revoked removal, move or new value changes nothing in the
// report, while what he wrote counts as known to him.
func TestHistoryRevokedWritesDoNotHideExposure(t *testing.T) {
	h := newHistory()
	h.set("db", 1, "alice", "bob")
	h.set("other", 1, "alice", "bob")
	h.set("third", 1, "alice", "bob")
	fork := h.steps[len(h.steps)-1].clock
	h.reencrypt("db", "alice") // main: bob removed
	h.add([]*chainClock{fork}, false, "bob", format.ActionRemove, "db", nil)
	h.add(nil, false, "bob", format.ActionMove, "elsewhere", &format.Details{Version: 2, From: "other"}, "alice", "bob")
	h.add(nil, false, "bob", format.ActionSet, "third", &format.Details{Version: 2}, "alice", "bob")
	checkExposures(t, h, "bob",
		Exposure{Secret: "db", Versions: []int{1}, Current: true},
		Exposure{Secret: "other", Versions: []int{1, 2}, Current: true},
		Exposure{Secret: "third", Versions: []int{1, 2}, Current: true})
	// The same entries standing (had he kept the right) would have
	// removed, moved and replaced.
	for i := range h.steps {
		h.steps[i].stands = true
	}
	got := exposureHistory("bob", h.steps)
	sortExposures(got)
	if len(got) != 3 || !got[2].Deleted || got[2].Secret != "db" || got[0].Secret != "elsewhere" {
		t.Errorf("standing writes: %+v", got)
	}
}

func TestJoinReasons(t *testing.T) {
	long := make([]string, 12)
	for i := range long {
		long[i] = "member-with-a-long-name-" + string(rune('a'+i)) + " removed 2026-12-01"
	}
	for _, parts := range [][]string{{"bob removed 2026-12-01"}, {"a removed 2026-12-01", "b lost read access 2026-12-01"}, long, {string(make([]byte, 300))}} {
		s := joinReasons(parts, maxExposedLen)
		if len(s) > maxExposedLen || format.ValidateDescription(s) != nil && parts[0][0] != 0 {
			t.Errorf("joinReasons(%d parts) = %q (%d bytes)", len(parts), s, len(s))
		}
	}
	if s := joinReasons(long, maxExposedLen); s[len(s)-len(" more"):] != " more" {
		t.Errorf("joinReasons does not say how many were left out: %q", s)
	}
}
