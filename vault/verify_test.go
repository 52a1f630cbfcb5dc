package vault

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/tresor-dev/tresor/crypto"
	"github.com/tresor-dev/tresor/format"
)

// A secret write whose recorded readers are not the ones the policy gives
// its name was not made by tresor: verify reports it, although the writer
// was allowed and the signature is valid.
func TestVerifyReportsReadersThePolicyDidNotGive(t *testing.T) {
	alice, _ := crypto.Generate(true)
	bob, _ := crypto.Generate(true)
	v, err := Init(filepath.Join(t.TempDir(), DirName), InitOptions{Member: "alice", Identity: alice})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	if err := v.MemberAdd("bob", bob.Recipient(), bob.Signer(), nil); err != nil {
		t.Fatal(err)
	}
	if _, err := v.Set("app/ok", []byte("value"), SetOptions{}); err != nil {
		t.Fatal(err)
	}
	if rep, err := v.Verify(VerifyOptions{}); err != nil || !rep.OK() {
		t.Fatalf("honest vault: %v %v", err, rep.Findings)
	}
	// alice (a writer) encrypts app/leak to bob too, whom no rule names.
	err = v.withLock(func() error {
		h := format.SecretHeader{Name: "app/leak", Version: 1, Created: v.timeNow(), Updated: v.timeNow(), Readers: format.Names{"alice", "bob"}}
		sf, err := format.NewSecretFile(h)
		if err != nil {
			return err
		}
		sf.Armored, err = v.sealer.Encrypt([]string{alice.Recipient(), bob.Recipient()}, format.MarshalPayload(crypto.HashHex(sf.HeaderBytes), []byte("value")))
		if err != nil {
			return err
		}
		file := sf.Marshal()
		_, err = v.commit("alice", change{
			Entry: format.Entry{Action: format.ActionSet, Target: "app/leak", File: crypto.FileHash(file),
				Details: &format.Details{Version: 1, Readers: format.Names{"alice", "bob"}}},
			Files: []fileChange{{Rel: secretPath("app/leak"), Data: file}},
		})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := v.Verify(VerifyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.OK() || !strings.Contains(rep.Findings[0].Message, "encrypts app/leak to [alice, bob], the policy in force gives [alice]") {
		t.Fatalf("findings = %v", rep.Findings)
	}
}

// Signatures of entries this clone verified before are not checked again;
// --full checks them. Shown with an entry whose signature is bad but which
// the verified state claims was verified (as only a tampered state
// directory could).
func TestVerifySkipsKnownSignaturesUnlessFull(t *testing.T) {
	alice, _ := crypto.Generate(true)
	v, err := Init(filepath.Join(t.TempDir(), DirName), InitOptions{Member: "alice", Identity: alice})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	if _, err := v.Set("app/x", []byte("value"), SetOptions{}); err != nil {
		t.Fatal(err)
	}
	st, err := v.readVerifiedState()
	if err != nil || st == nil {
		t.Fatal("no verified state", err)
	}
	// Re-record the same write with a signature by another key.
	mallory, _ := crypto.Generate(true)
	e := format.Entry{Seq: st.maxSeq + 1, Parents: format.Names(st.heads), Time: v.timeNow(), Actor: "alice",
		Action: format.ActionSet, Target: "app/x", File: st.secrets["app/x"],
		Details: &format.Details{Version: 1, Readers: format.Names{"alice"}}}
	unsigned, err := e.MarshalUnsigned()
	if err != nil {
		t.Fatal(err)
	}
	sig, _ := mallory.Sign(unsigned)
	b := (&format.SignedEntry{Entry: e, Signed: unsigned, Signature: sig}).Marshal()
	h := crypto.HashHex(b)
	if err := v.writeNew(journalDir+"/"+format.EntryFileName(e.Seq, h), b); err != nil {
		t.Fatal(err)
	}
	rep, err := v.Verify(VerifyOptions{})
	if err != nil || rep.OK() {
		t.Fatalf("an unknown bad signature must fail: %v %v", err, rep.Findings)
	}
	st.seen[gitBranch(v.Dir)] = []string{h}
	if err := v.writeVerifiedState(st); err != nil {
		t.Fatal(err)
	}
	if rep, err := v.Verify(VerifyOptions{}); err != nil || !rep.OK() {
		t.Fatalf("a known entry's signature is not checked again: %v %v", err, rep.Findings)
	}
	rep, err = v.Verify(VerifyOptions{Full: true})
	if err != nil || rep.OK() || !strings.Contains(rep.Findings[0].Message, "signature does not verify") {
		t.Fatalf("--full must re-check it: %v %v", err, rep.Findings)
	}
}
