package vault

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// A policy.yaml edited by hand (or by a push) that makes mallory a member,
// an admin and a reader of everything is never the policy: reads, writes
// and the policy a change starts from are the signed one; verify reports
// the edits without failing reads. Checked in the process that verified,
// and in a new one that takes the saved verified state (and reads the
// signed policy from the pinned journal entry).
func TestUnsignedPolicyEditsAreNeverThePolicy(t *testing.T) {
	alice, mallory := mustIdentity(t), mustIdentity(t)
	dir := filepath.Join(t.TempDir(), DirName)
	a, err := Init(dir, InitOptions{Member: "alice", Identity: alice})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Set("app/db", []byte("v1"), SetOptions{}); err != nil {
		t.Fatal(err)
	}
	a.Close()
	signed, err := os.ReadFile(filepath.Join(dir, policyFileName))
	if err != nil {
		t.Fatal(err)
	}
	edited := strings.Replace(string(signed), "groups:\n",
		"  mallory: {recipient: "+mallory.Recipient()+", signer: '"+mallory.Signer()+"'}\ngroups:\n", 1)
	edited = strings.Replace(edited, "admins: [alice]", "admins: [alice, mallory]", 1)
	if edited == string(signed) {
		t.Fatal("the edit did not apply")
	}
	if err := os.WriteFile(filepath.Join(dir, policyFileName), []byte(edited), 0o644); err != nil {
		t.Fatal(err)
	}

	want := "v1"
	for round := range 2 {
		var warnings []string
		v, err := Open(dir, Options{Identity: alice, Warn: func(m string) { warnings = append(warnings, m) }})
		if err != nil {
			t.Fatal(err)
		}
		value, _, err := v.Get("app/db")
		if err != nil || string(value) != want {
			t.Fatalf("round %d: get = %q, %v; want the value under the signed policy", round, value, err)
		}
		if _, ok := v.Policy.Members["mallory"]; ok {
			t.Fatalf("round %d: the unsigned policy.yaml is in use", round)
		}
		if len(warnings) != 1 || !strings.Contains(warnings[0], "unsigned edits") {
			t.Errorf("round %d: warnings = %q, want one about the unsigned edits", round, warnings)
		}
		if _, edits, err := v.SignedPolicy(); err != nil || !edits {
			t.Errorf("round %d: SignedPolicy says edits=%v, %v", round, edits, err)
		}
		want = "v" + string(rune('2'+round))
		s, err := v.Set("app/db", []byte(want), SetOptions{})
		if err != nil {
			t.Fatalf("round %d: set: %v", round, err)
		}
		if slices.Contains(s.Readers, "mallory") {
			t.Fatalf("round %d: a write encrypted to a reader only policy.yaml's unsigned edits name", round)
		}
		if err := v.MemberRemove("alice"); err == nil || !strings.Contains(err.Error(), "unsigned edits") {
			t.Fatalf("round %d: a policy change over unsigned edits: %v, want a refusal", round, err)
		}
		rep, err := v.Verify(VerifyOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if len(rep.Findings) != 1 || !rep.Findings[0].Unsigned || len(rep.hardFindings()) != 0 {
			t.Fatalf("round %d: findings = %v, want one about unsigned edits", round, rep.Findings)
		}
		v.Close()
		if b, _ := os.ReadFile(filepath.Join(dir, policyFileName)); string(b) != edited {
			t.Fatalf("round %d: policy.yaml was rewritten", round)
		}
	}

	// The admin signs the working copy: it becomes the policy.
	v, err := Open(dir, Options{Identity: alice})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	prop, err := v.ProposePolicy([]byte(edited), nil)
	if err != nil {
		t.Fatal(err)
	}
	if !prop.ReplacesEdits || !bytes.Contains(prop.Next, []byte("mallory")) || bytes.Contains(prop.Current, []byte("mallory")) {
		t.Fatalf("proposal: replaces=%v\ncurrent:\n%s\nnext:\n%s", prop.ReplacesEdits, prop.Current, prop.Next)
	}
	if err := v.ApplyPolicyProposal(prop, "sign edits"); err != nil {
		t.Fatal(err)
	}
	rep, err := v.Verify(VerifyOptions{})
	if err != nil || !rep.OK() {
		t.Fatalf("after signing: %v %v", rep.Findings, err)
	}
	if _, ok := v.Policy.Members["mallory"]; !ok {
		t.Fatal("the signed edits are not in force")
	}
}

// A proposal made before policy.yaml changed again signs nothing.
func TestPolicyProposalGoesStale(t *testing.T) {
	alice, bob := mustIdentity(t), mustIdentity(t)
	v, _ := initTestVault(t, alice, nil)
	next := strings.Replace(string(v.Policy.Marshal()), "admins: [admins]", "admins: [alice]", 1)
	prop, err := v.ProposePolicy([]byte(next), nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := v.MemberAdd("bob", bob.Recipient(), bob.Signer(), nil); err != nil {
		t.Fatal(err)
	}
	if err := v.ApplyPolicyProposal(prop, "stale"); err == nil || !strings.Contains(err.Error(), "changed since the change was shown") {
		t.Fatalf("a stale proposal: %v", err)
	}
	if _, ok := v.Policy.Members["bob"]; !ok {
		t.Fatal("bob is gone")
	}
}
