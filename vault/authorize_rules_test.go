package vault

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/tresor-dev/tresor/crypto"
	"github.com/tresor-dev/tresor/format"
)

// The members of the vault the authorization tables run against.
type ruleTeam struct {
	dir                                     string
	alice, bob, carol, dave, erin, outsider *crypto.Identity
	head                                    string // the last entry of the set-up
}

// newRuleTeam makes a vault where
//
//   - alice is an admin, so she reads and writes everything;
//   - bob reads app/** but does not write it, and is no admin;
//   - carol writes app/** but has no signing key (her card had none);
//   - dave reads and writes app/** and is no admin;
//   - erin is an admin named directly in admins, in no group and no rule:
//     she may change the policy and re-encrypt, but write nothing;
//   - outsider is no member at all.
func newRuleTeam(t *testing.T) *ruleTeam {
	t.Helper()
	tm := &ruleTeam{alice: mustIdentity(t), bob: mustIdentity(t), carol: mustIdentity(t), dave: mustIdentity(t),
		erin: mustIdentity(t), outsider: mustIdentity(t)}
	tm.dir = filepath.Join(t.TempDir(), DirName)
	v, err := Init(tm.dir, InitOptions{Member: "alice", Identity: tm.alice})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	for _, m := range []struct {
		name   string
		id     *crypto.Identity
		signer string
	}{{"bob", tm.bob, tm.bob.Signer()}, {"carol", tm.carol, ""}, {"dave", tm.dave, tm.dave.Signer()}, {"erin", tm.erin, tm.erin.Signer()}} {
		if err := v.MemberAdd(m.name, m.id.Recipient(), m.signer, nil); err != nil {
			t.Fatal(err)
		}
	}
	next := policyWith(v.Policy, func(p *format.Policy) {
		p.Rules = append([]format.Rule{{Path: "app/**", Read: format.Names{"admins", "bob", "dave"}, Write: format.Names{"admins", "carol", "dave"}}}, p.Rules...)
		p.Admins = format.Names{"admins", "erin"}
	})
	if err := v.ApplyPolicy(next.Marshal()); err != nil {
		t.Fatal(err)
	}
	if rep, err := v.Verify(VerifyOptions{}); err != nil || !rep.OK() {
		t.Fatalf("set-up: %v %v", err, rep.Findings)
	}
	heads := newJournalForge(t, tm.dir).heads()
	if len(heads) != 1 {
		t.Fatalf("set-up has heads %v", heads)
	}
	tm.head = heads[0]
	return tm
}

// Every action is judged against the right it needs: a write of a secret
// (set, rotate, rm, resolve, mv: both names) needs its writer; reencrypt
// needs a writer of every file it re-encrypts, or an admin; policy.set
// needs an admin. An actor who is no member, or a member with no signing
// key, writes nothing. Each refused entry is validly signed by the key of
// the member it names (or the outsider's own key), so the rule under test
// is the only thing that can refuse it; each allowed row is the same entry
// by someone who holds the right, and must raise no signature finding.
func TestVerifyAuthorizesEveryAction(t *testing.T) {
	tm := newRuleTeam(t)
	appReaders := []string{"alice", "bob", "dave"}
	policyNow := func() *format.Policy {
		v, err := Open(tm.dir, Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer v.Close()
		return v.Policy.Clone()
	}()
	move := func(actor, from, to string, readers ...string) format.Entry {
		e := secretWrite(actor, format.ActionMove, to, readers...)
		e.Details.From = from
		return e
	}
	reencrypt := func(actor string, names ...string) format.Entry {
		files := map[string]string{}
		for _, n := range names {
			files[n] = crypto.FileHash([]byte("re-encrypted " + n))
		}
		return format.Entry{Actor: actor, Action: format.ActionReencrypt, Target: "", Details: &format.Details{Files: files}}
	}
	tests := []struct {
		name   string
		signer *crypto.Identity
		entry  format.Entry
		want   []string // substrings of the findings; none: allowed
	}{
		// secret writes by bob, a reader but no writer of app/**
		{"set by a non-writer", tm.bob, secretWrite("bob", format.ActionSet, "app/x", appReaders...),
			[]string{"member bob wrote app/x but is not a writer of it"}},
		{"rotate by a non-writer", tm.bob, secretWrite("bob", format.ActionRotate, "app/x", appReaders...),
			[]string{"member bob wrote app/x but is not a writer of it"}},
		{"rm by a non-writer", tm.bob, secretWrite("bob", format.ActionRemove, "app/x"),
			[]string{"member bob wrote app/x but is not a writer of it"}},
		{"resolve by a non-writer", tm.bob, secretWrite("bob", format.ActionResolve, "app/x", appReaders...),
			[]string{"member bob wrote app/x but is not a writer of it"}},
		{"mv by a non-writer", tm.bob, move("bob", "app/x", "app/y", appReaders...),
			[]string{"member bob moved app/x to app/y but is not a writer of both"}},
		// dave writes app/** but not top/**: a move needs both names
		{"mv from a name the actor does not write", tm.dave, move("dave", "top/x", "app/y", appReaders...),
			[]string{"member dave moved top/x to app/y but is not a writer of both"}},
		{"mv to a name the actor does not write", tm.dave, move("dave", "app/x", "top/y", "alice"),
			[]string{"member dave moved app/x to top/y but is not a writer of both"}},
		{"mv that does not say what it moved", tm.dave, secretWrite("dave", format.ActionMove, "app/y", appReaders...),
			[]string{"the move does not say what it moved from"}},
		// reencrypt: a writer of every file, or an admin
		{"reencrypt by a non-admin non-writer", tm.bob, reencrypt("bob", "app/x"),
			[]string{"member bob re-encrypted app/x but is neither its writer nor an admin"}},
		{"reencrypt by a writer of some of the files", tm.dave, reencrypt("dave", "app/x", "top/z"),
			[]string{"member dave re-encrypted top/z but is neither its writer nor an admin"}},
		// who the actor is
		{"write by someone who is no member", tm.outsider, secretWrite("mallory", format.ActionSet, "app/x", appReaders...),
			[]string{"actor mallory is not a member under the policy in force"}},
		{"write by a writer with no signing key", tm.carol, secretWrite("carol", format.ActionSet, "app/x", appReaders...),
			[]string{"actor carol has no signing key, so cannot write"}},
		{"write in the name of a member, signed by another key", tm.outsider, secretWrite("dave", format.ActionSet, "app/x", appReaders...),
			[]string{"signature does not verify with dave's key (forged or edited)"}},
		// the policy
		{"policy.set by a writer who is no admin", tm.dave, policySet("dave", policyWith(policyNow, func(p *format.Policy) { p.Admins = format.Names{"admins", "dave", "erin"} })),
			[]string{"member dave changed the policy but is not an admin"}},
		{"policy.set by a reader who is no admin", tm.bob, policySet("bob", policyNow),
			[]string{"member bob changed the policy but is not an admin"}},
		{"policy.set by someone who is no member", tm.outsider, policySet("mallory", policyNow),
			[]string{"actor mallory is not a member under the policy in force", "member mallory changed the policy but is not an admin"}},

		// the same entries by members who hold the right
		{"set by a writer", tm.dave, secretWrite("dave", format.ActionSet, "app/x", appReaders...), nil},
		{"rotate by a writer", tm.dave, secretWrite("dave", format.ActionRotate, "app/x", appReaders...), nil},
		{"rm by a writer", tm.dave, secretWrite("dave", format.ActionRemove, "app/x"), nil},
		{"resolve by a writer", tm.dave, secretWrite("dave", format.ActionResolve, "app/x", appReaders...), nil},
		{"mv by a writer of both names", tm.dave, move("dave", "app/x", "app/y", appReaders...), nil},
		{"reencrypt by a writer of every file", tm.dave, reencrypt("dave", "app/x", "app/y"), nil},
		{"reencrypt by an admin who writes none of the files", tm.erin, reencrypt("erin", "app/x", "top/z"), nil},
		{"policy.set by an admin", tm.alice, policySet("alice", policyNow), nil},
		{"policy.set by an admin in no group", tm.erin, policySet("erin", policyNow), nil},
	}
	forge := newJournalForge(t, tm.dir)
	for _, tt := range tests {
		hash, file := forge.write(tt.signer, tt.entry, tm.head)
		got := signatureFindings(t, tm.dir, file)
		forge.remove(hash)
		switch {
		case tt.want == nil && len(got) > 0:
			t.Errorf("%s: allowed, but verify reports %q", tt.name, got)
		case tt.want != nil && !containsEach(got, tt.want...):
			t.Errorf("%s: findings %q, want each of %q", tt.name, got, tt.want)
		}
	}
}

// An entry after a merge of branches whose policies differ must be allowed
// by each: dropping a member's right on one branch is not undone by a
// merge with a branch that still has it, whichever of the two policies
// is the later. A policy change after such a merge needs an admin of each.
func TestVerifyJudgesAMergeUnderEachPolicy(t *testing.T) {
	tm := newRuleTeam(t)
	v, err := Open(tm.dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	base := v.Policy.Clone()
	v.Close()
	appReaders := []string{"alice", "bob", "dave"}
	noDaveWrite := policyWith(base, func(p *format.Policy) { p.Rules[0].Write = format.Names{"admins", "carol"} })
	noErinAdmin := policyWith(base, func(p *format.Policy) { p.Admins = format.Names{"admins"} })
	newDave, newErin := mustIdentity(t), mustIdentity(t)
	newDaveKey := policyWith(base, func(p *format.Policy) {
		p.Members["dave"] = format.Member{Recipient: newDave.Recipient(), Signer: newDave.Signer()}
	})
	newErinKey := policyWith(base, func(p *format.Policy) {
		p.Members["erin"] = format.Member{Recipient: newErin.Recipient(), Signer: newErin.Signer()}
	})
	// A branch that replaced a member's signing key (the old one leaked)
	// is judged, after a merge, only for the rights it gives: the key is
	// taken from the later policy alone, so the old key still signs
	// whenever the replacing branch has the lower seq.
	// unrelated(n) changes nothing anyone's rights depend on.
	unrelated := func(n int) *format.Policy {
		return policyWith(base, func(p *format.Policy) {
			p.Rules = append([]format.Rule{{Path: fmt.Sprintf("other%d/**", n), Read: format.Names{"admins"}, Write: format.Names{"admins"}}}, p.Rules...)
		})
	}
	tests := []struct {
		name string
		// taking is the policy that takes the right; it is the later of
		// the two merged (higher seq) or the earlier one.
		taking      *format.Policy
		takingLater bool
		signer      *crypto.Identity
		entry       format.Entry
		want        string
		bug         string // why the row is skipped: a known bug
	}{
		{"write after a merge, the branch that took the right is the earlier", noDaveWrite, false, tm.dave,
			secretWrite("dave", format.ActionSet, "app/x", appReaders...),
			"member dave wrote app/x but is not a writer of it (under the concurrent policy of journal/", ""},
		{"write after a merge, the branch that took the right is the later", noDaveWrite, true, tm.dave,
			secretWrite("dave", format.ActionSet, "app/x", appReaders...),
			"member dave wrote app/x but is not a writer of it", ""},
		{"policy change after a merge, the branch that took the admin right is the earlier", noErinAdmin, false, tm.erin,
			policySet("erin", base),
			"member erin is not an admin under the concurrent policy of journal/", ""},
		{"policy change after a merge, the branch that took the admin right is the later", noErinAdmin, true, tm.erin,
			policySet("erin", base),
			"member erin changed the policy but is not an admin", ""},
		{"write after a merge, signed with the key the later branch replaced", newDaveKey, true, tm.dave,
			secretWrite("dave", format.ActionSet, "app/x", appReaders...),
			"signature does not verify with dave's key", ""},
		{"write after a merge, signed with the key the earlier branch replaced", newDaveKey, false, tm.dave,
			secretWrite("dave", format.ActionSet, "app/x", appReaders...),
			"dave", ""},
		{"policy change after a merge, signed with the admin key the later branch replaced", newErinKey, true, tm.erin,
			policySet("erin", base),
			"signature does not verify with erin's key", ""},
		{"policy change after a merge, signed with the admin key the earlier branch replaced", newErinKey, false, tm.erin,
			policySet("erin", base),
			"erin", ""},
		{"a merge where both branches keep the right", unrelated(9), false, tm.dave,
			secretWrite("dave", format.ActionSet, "app/x", appReaders...), "", ""},
	}
	forge := newJournalForge(t, tm.dir)
	for _, tt := range tests {
		// One branch: a single policy change. The other: two, so that
		// its tip has the higher seq. Which one takes the right varies.
		short, _ := forge.write(tm.alice, policySet("alice", unrelated(0)), tm.head)
		long1, _ := forge.write(tm.alice, policySet("alice", unrelated(1)), tm.head)
		long2, _ := forge.write(tm.alice, policySet("alice", unrelated(2)), long1)
		if tt.takingLater {
			forge.remove(long2)
			long2, _ = forge.write(tm.alice, policySet("alice", tt.taking), long1)
		} else {
			forge.remove(short)
			short, _ = forge.write(tm.alice, policySet("alice", tt.taking), tm.head)
		}
		merged, file := forge.write(tt.signer, tt.entry, short, long2)
		got := signatureFindings(t, tm.dir, file)
		for _, h := range []string{merged, long2, long1, short} {
			forge.remove(h)
		}
		t.Run(tt.name, func(t *testing.T) {
			if tt.bug != "" {
				t.Skip(tt.bug)
			}
			switch {
			case tt.want == "" && len(got) > 0:
				t.Errorf("allowed, but verify reports %q", got)
			case tt.want != "" && !containsEach(got, tt.want):
				t.Errorf("findings %q, want %q", got, tt.want)
			}
		})
	}
}

// Revocation wins over concurrency: an entry concurrent with a policy
// change that took away the right it used does not stand, however the right
// was taken. The entry is signed by a member who held the right where the
// fork began; a later merge does not bring it back.
func TestVerifyRevocationWins(t *testing.T) {
	tm := newRuleTeam(t)
	v, err := Open(tm.dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	base := v.Policy.Clone()
	v.Close()
	// dave writes app/** through a group in these tests, so that the group
	// can be changed; erin joins the admins group.
	base = policyWith(base, func(p *format.Policy) {
		p.Groups["app"] = format.Names{"dave"}
		p.Groups["admins"] = format.Names{"alice", "erin"}
		p.Rules[0].Write = format.Names{"admins", "app", "carol"}
		p.Admins = format.Names{"admins"}
	})
	appReaders := []string{"alice", "bob", "dave", "erin"}
	newDave := mustIdentity(t)
	tests := []struct {
		name   string
		change *format.Policy // made by alice on one branch
		signer *crypto.Identity
		entry  format.Entry // made on the other branch, from before change
		want   string       // in the finding against entry; "" if it stands
	}{
		{"a writer removed from the group the rule names", policyWith(base, func(p *format.Policy) { p.Groups["app"] = format.Names{} }),
			tm.dave, secretWrite("dave", format.ActionSet, "app/x", appReaders...),
			"member dave's change of app/x does not stand: the concurrent policy change journal/"},
		{"a rule that no longer gives write on the path", policyWith(base, func(p *format.Policy) { p.Rules[0].Write = format.Names{"admins", "carol"} }),
			tm.dave, secretWrite("dave", format.ActionSet, "app/x", appReaders...),
			"member dave's change of app/x does not stand"},
		{"a writer removed from the vault", policyWith(base, func(p *format.Policy) {
			delete(p.Members, "dave")
			p.Groups["app"] = format.Names{}
			p.Rules[0].Read = format.Names{"admins", "bob"}
		}),
			tm.dave, secretWrite("dave", format.ActionRemove, "app/x"),
			"member dave's change of app/x does not stand"},
		{"a writer's signing key replaced", policyWith(base, func(p *format.Policy) {
			p.Members["dave"] = format.Member{Recipient: newDave.Recipient(), Signer: newDave.Signer()}
		}),
			tm.dave, secretWrite("dave", format.ActionSet, "app/x", appReaders...),
			"member dave's change of app/x does not stand"},
		{"a re-encryption by an admin whose admin right was removed", policyWith(base, func(p *format.Policy) { p.Groups["admins"] = format.Names{"alice"} }),
			tm.erin, format.Entry{Actor: "erin", Action: format.ActionReencrypt, Details: &format.Details{Files: map[string]string{"top/z": crypto.FileHash([]byte("z"))}}},
			"member erin's change of top/z does not stand"},
		{"a policy change by an admin whose admin right was removed", policyWith(base, func(p *format.Policy) { p.Groups["admins"] = format.Names{"alice"} }),
			tm.erin, policySet("erin", policyWith(base, func(p *format.Policy) { p.Groups["app"] = format.Names{"bob", "dave"} })),
			"the policy change by erin does not come into force: the concurrent policy change journal/"},

		// a concurrent change that leaves the right alone takes nothing
		{"a concurrent change that keeps the writer", policyWith(base, func(p *format.Policy) { p.Groups["app"] = format.Names{"bob", "dave"} }),
			tm.dave, secretWrite("dave", format.ActionSet, "app/x", appReaders...), ""},
		{"a concurrent change that keeps the admin", policyWith(base, func(p *format.Policy) { p.Groups["app"] = format.Names{"bob", "dave"} }),
			tm.erin, policySet("erin", policyWith(base, func(p *format.Policy) { p.Groups["app"] = format.Names{"carol", "dave"} })), ""},
	}
	forge := newJournalForge(t, tm.dir)
	start, _ := forge.write(tm.alice, policySet("alice", base), tm.head)
	for _, tt := range tests {
		change, _ := forge.write(tm.alice, policySet("alice", tt.change), start)
		entry, file := forge.write(tt.signer, tt.entry, start)
		// alice merges the two branches with a write of her own.
		merge, _ := forge.write(tm.alice, secretWrite("alice", format.ActionSet, "top/merge", tt.change.ReadersOf("top/merge")...), change, entry)
		got := signatureFindings(t, tm.dir, file)
		for _, h := range []string{merge, entry, change} {
			forge.remove(h)
		}
		switch {
		case tt.want == "" && len(got) > 0:
			t.Errorf("%s: stands, but verify reports %q", tt.name, got)
		case tt.want != "" && !containsEach(got, tt.want):
			t.Errorf("%s: findings %q, want %q", tt.name, got, tt.want)
		}
	}

	// The same entry before the change (an ancestor of it) is not
	// concurrent with it, and stands.
	entry, file := forge.write(tm.dave, secretWrite("dave", format.ActionSet, "app/x", appReaders...), start)
	change, _ := forge.write(tm.alice, policySet("alice", policyWith(base, func(p *format.Policy) { p.Groups["app"] = format.Names{} })), entry)
	if got := signatureFindings(t, tm.dir, file); len(got) > 0 {
		t.Errorf("a write before the change that took the right: verify reports %q", got)
	}
	forge.remove(change)
	forge.remove(entry)
}

// Two admins who remove each other's admin right concurrently: each change
// takes the right the other used, so neither comes into force, and the
// policy before them stands. Under it both are still admins and writers:
// each may write after the merge, and either records the outcome.
func TestVerifyAdminsRemovingEachOther(t *testing.T) {
	tm := newRuleTeam(t)
	v, err := Open(tm.dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	base := policyWith(v.Policy, func(p *format.Policy) {
		p.Groups["admins"] = format.Names{"alice", "erin"}
		p.Admins = format.Names{"admins"}
	})
	v.Close()
	forge := newJournalForge(t, tm.dir)
	start, _ := forge.write(tm.alice, policySet("alice", base), tm.head)
	withoutErin, aliceFile := forge.write(tm.alice, policySet("alice", policyWith(base, func(p *format.Policy) { p.Groups["admins"] = format.Names{"alice"} })), start)
	withoutAlice, erinFile := forge.write(tm.erin, policySet("erin", policyWith(base, func(p *format.Policy) { p.Groups["admins"] = format.Names{"erin"} })), start)
	// After the merge, each writes top/**, which only admins write.
	topReaders := []string{"alice", "erin"}
	afterAlice, aliceWrite := forge.write(tm.alice, secretWrite("alice", format.ActionSet, "top/a", topReaders...), withoutErin, withoutAlice)
	afterErin, erinWrite := forge.write(tm.erin, secretWrite("erin", format.ActionSet, "top/b", topReaders...), afterAlice)

	rep := verifyFresh(t, tm.dir)
	if got := messagesAgainst(rep, aliceFile); !containsEach(got, "the policy change by alice does not come into force: the concurrent policy change journal/"+erinFile+" by erin took away alice's admin right") {
		t.Errorf("alice's change: %q", got)
	}
	if got := messagesAgainst(rep, erinFile); !containsEach(got, "the policy change by erin does not come into force: the concurrent policy change journal/"+aliceFile+" by alice took away erin's admin right") {
		t.Errorf("erin's change: %q", got)
	}
	for _, f := range []string{aliceWrite, erinWrite} {
		if got := messagesAgainst(rep, f); len(got) > 0 {
			t.Errorf("journal/%s, a write under the policy that stands: %q", f, got)
		}
	}

	// Either admin of the policy that stands records the outcome, and then
	// no policy change is left out.
	_, outcome := forge.write(tm.erin, policySet("erin", base), afterErin)
	rep = verifyFresh(t, tm.dir)
	if got := messagesAgainst(rep, outcome); len(got) > 0 {
		t.Errorf("the outcome by erin: %q", got)
	}
	for _, f := range rep.Findings {
		if f.Check == CheckSignature {
			t.Errorf("after the outcome: %s", f)
		}
	}
}
