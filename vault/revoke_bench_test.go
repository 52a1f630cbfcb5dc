package vault

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/tresor-dev/tresor/crypto"
	"github.com/tresor-dev/tresor/format"
)

// BenchmarkMemberRemove is tresor member rm of a member who could read
// every secret of a vault of TRESOR_BENCH_REVOKE secrets (default 2,000),
// each encrypted to 5 members (X25519, as the age CLI of
// scripts/bench-revoke): the policy entry, every file re-encrypted to the
// 4 readers left and marked exposed, one reencrypt entry, and the report.
// Each iteration starts from a copy of the vault, verified (an admin's
// clone), outside the timer.
func BenchmarkMemberRemove(b *testing.B) {
	n := benchSize("TRESOR_BENCH_REVOKE", 2000)
	src, alice := revokeBenchVault(b, n)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		dir := filepath.Join(b.TempDir(), DirName)
		if err := os.CopyFS(dir, os.DirFS(src)); err != nil {
			b.Fatal(err)
		}
		v, err := Open(dir, Options{Identity: alice})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := v.Verify(VerifyOptions{}); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if err := v.MemberRemove("m4"); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		rev := v.Revocation()
		if len(rev.Reencrypted) != n || len(rev.Rotate()) != n {
			b.Fatalf("re-encrypted %d, to rotate %d, want %d", len(rev.Reencrypted), len(rev.Rotate()), n)
		}
		v.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/float64(n)/1000, "ms/secret")
}

// revokeBenchVault builds a vault of n secrets readable by alice and
// m1..m4, the journal written directly (one signed set entry per secret).
func revokeBenchVault(b *testing.B, n int) (string, *crypto.Identity) {
	b.Helper()
	ids := map[string]*crypto.Identity{}
	for _, m := range []string{"alice", "m1", "m2", "m3", "m4"} {
		id, err := crypto.Generate(true)
		if err != nil {
			b.Fatal(err)
		}
		ids[m] = id
	}
	clock := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	now := func() time.Time { clock = clock.Add(time.Second); return clock }
	dir := filepath.Join(b.TempDir(), DirName)
	v, err := Init(dir, InitOptions{Member: "alice", Identity: ids["alice"], Now: now})
	if err != nil {
		b.Fatal(err)
	}
	defer v.Close()
	for _, m := range []string{"m1", "m2", "m3", "m4"} {
		if err := v.MemberAdd(m, ids[m].Recipient(), ids[m].Signer(), []string{"admins"}); err != nil {
			b.Fatal(err)
		}
	}
	st, err := v.verified()
	if err != nil {
		b.Fatal(err)
	}
	head, seq := st.heads[0], st.maxSeq
	for i := 0; i < n; i++ {
		name := fmt.Sprintf("app%02d/key%05d", i%20, i)
		h := format.SecretHeader{Name: name, Version: 1, Created: clock, Updated: clock}
		f, err := v.seal(&h, []byte(fmt.Sprintf("value-%05d", i)))
		if err != nil {
			b.Fatal(err)
		}
		if err := v.writeNew(secretPath(name), f); err != nil {
			b.Fatal(err)
		}
		seq++
		e := format.Entry{Seq: seq, Parents: format.Names{head}, Time: now(), Actor: "alice",
			Action: format.ActionSet, Target: name, File: crypto.FileHash(f),
			Details: &format.Details{Version: 1, Readers: h.Readers}}
		unsigned, err := e.MarshalUnsigned()
		if err != nil {
			b.Fatal(err)
		}
		sig, _ := ids["alice"].Sign(unsigned)
		eb := (&format.SignedEntry{Entry: e, Signed: unsigned, Signature: sig}).Marshal()
		head = crypto.HashHex(eb)
		if err := os.WriteFile(filepath.Join(dir, journalDir, format.EntryFileName(seq, head)), eb, 0o644); err != nil {
			b.Fatal(err)
		}
	}
	return dir, ids["alice"]
}
