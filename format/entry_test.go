package format_test

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/tresor-dev/tresor/format"
)

// Hashes with letters, so the YAML encoder writes them plain (see the
// "digit-only parents" round trip for the quoted case).
const (
	hashA = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	hashB = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
	hashC = "3f9a1c0b2d4e5f6172839405a6b7c8d9e0f1a2b3c4d5e6f708192a3b4c5d6e7f"
	// testSig has the shape of an ed25519 signature: 64 bytes, base64.
	testSig = "ed25519:0xkZfFZ8pHNvx0Tf4Jg3hRF4cmQ5bVxw1dH4Jq4XE8a3UYVqB9cAmFyoYy6w5Kc2PZIcxvq1ywTiRb2Vfq3lBQ=="
)

func initEntry() format.Entry {
	return format.Entry{Seq: 1, Time: t0, Actor: "ops-lead", Action: format.ActionInit, Details: &format.Details{Vault: testVaultID}}
}

func setEntry() format.Entry {
	return format.Entry{
		Seq:     42,
		Parents: format.Names{hashA, hashB},
		Time:    t0,
		Actor:   "ops-lead",
		Action:  format.ActionSet,
		Target:  "prod/db/password",
		File:    "sha256:" + hashC,
		Details: &format.Details{Version: 3, Readers: format.Names{"ci-prod", "ops-lead"}},
	}
}

const setEntryFile = `tresor: journal/v1
seq: 42
parents: ["aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"]
time: 2026-11-25T18:40:00Z
actor: ops-lead
action: secret.set
target: prod/db/password
file: sha256:3f9a1c0b2d4e5f6172839405a6b7c8d9e0f1a2b3c4d5e6f708192a3b4c5d6e7f
details:
  version: 3
  readers: [ci-prod, ops-lead]
signature: ` + testSig + "\n"

const initEntryFile = `tresor: journal/v1
seq: 1
parents: []
time: 2026-11-25T18:40:00Z
actor: ops-lead
action: vault.init
details:
  vault: 0123456789abcdef0123456789abcdef
signature: ` + testSig + "\n"

func signed(t testing.TB, e format.Entry) *format.SignedEntry {
	t.Helper()
	b, err := e.MarshalUnsigned()
	if err != nil {
		t.Fatalf("MarshalUnsigned: %v", err)
	}
	return &format.SignedEntry{Entry: e, Signed: b, Signature: testSig}
}

func TestEntryGolden(t *testing.T) {
	for _, tt := range []struct {
		name  string
		entry format.Entry
		want  string
	}{
		{"init", initEntry(), initEntryFile},
		{"set", setEntry(), setEntryFile},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := signed(t, tt.entry).Marshal(); string(got) != tt.want {
				t.Errorf("Marshal =\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

func TestEntryRoundTrip(t *testing.T) {
	rm := setEntry()
	rm.Action, rm.File, rm.Details = format.ActionRemove, "", nil
	mv := setEntry()
	mv.Action, mv.Details = format.ActionMove, &format.Details{Version: 4, From: "staging/db/password", Readers: format.Names{"ops-lead"}}
	policy := setEntry()
	policy.Action, policy.Target, policy.Details = format.ActionPolicy, "", &format.Details{Change: `removed member dev-laptop; rule "prod/**" now: read [ci-prod, sre]`}
	reenc := setEntry()
	reenc.Action, reenc.Target, reenc.File = format.ActionReencrypt, "prod/", ""
	reenc.Details = &format.Details{Files: map[string]string{
		"prod/db/password": "sha256:" + hashA,
		"prod/api/token":   "sha256:" + hashB,
		"prod/TLS/key.pem": "sha256:" + hashC,
		"prod/db10":        "sha256:" + hashA,
		"prod/db9":         "sha256:" + hashA,
	}}
	resolve := setEntry()
	resolve.Action, resolve.Parents = format.ActionResolve, format.Names{hashC, hashA, hashB}
	rotate := setEntry()
	rotate.Action = format.ActionRotate
	emptyDetails := setEntry()
	emptyDetails.Details = &format.Details{}
	digitParents := setEntry()
	digitParents.Parents = format.Names{strings.Repeat("1", 64), strings.Repeat("1", 63) + "e"}
	onlyParent := setEntry()
	onlyParent.Parents = format.Names{hashC}

	for _, tt := range []struct {
		name  string
		entry format.Entry
	}{
		{"init", initEntry()},
		{"set", setEntry()},
		{"rm", rm},
		{"mv", mv},
		{"policy", policy},
		{"reencrypt", reenc},
		{"resolve", resolve},
		{"rotate", rotate},
		{"empty details", emptyDetails},
		{"one parent", onlyParent},
		{"digit-only parents", digitParents},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := signed(t, tt.entry)
			b := s.Marshal()
			got, err := format.ParseEntry(b)
			if err != nil {
				t.Fatalf("ParseEntry(Marshal()): %v\n%s", err, b)
			}
			want := tt.entry
			if want.Details != nil && reflect.DeepEqual(*want.Details, format.Details{}) {
				want.Details = nil // empty details are not written
			}
			if want.Parents == nil {
				want.Parents = format.Names{}
			}
			if !reflect.DeepEqual(got.Entry, want) {
				t.Errorf("entry after round trip:\n got %#v\nwant %#v", got.Entry, want)
			}
			if !bytes.Equal(got.Signed, s.Signed) {
				t.Errorf("Signed = %q, want %q", got.Signed, s.Signed)
			}
			if got.Signature != testSig {
				t.Errorf("Signature = %q, want %q", got.Signature, testSig)
			}
			if !bytes.Equal(got.Marshal(), b) {
				t.Errorf("Marshal(ParseEntry(b)) != b")
			}
			// The signed part is every byte before the signature line.
			if !bytes.Equal(b[:len(got.Signed)], got.Signed) || !bytes.HasPrefix(b[len(got.Signed):], []byte("signature: ")) {
				t.Errorf("Signed is not the prefix of the file before the signature line")
			}
		})
	}
}

func TestMarshalUnsignedDoesNotChangeEntry(t *testing.T) {
	e := setEntry()
	before := e
	if _, err := e.MarshalUnsigned(); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(e, before) {
		t.Errorf("MarshalUnsigned changed the entry")
	}
}

func TestMarshalUnsignedRejects(t *testing.T) {
	tests := []struct {
		name string
		edit func(*format.Entry)
	}{
		{"seq 0", func(e *format.Entry) { e.Seq = 0 }},
		{"unknown action", func(e *format.Entry) { e.Action = "secret.delete" }},
		{"empty action", func(e *format.Entry) { e.Action = "" }},
		{"non-init without parents", func(e *format.Entry) { e.Parents = nil }},
		{"init with parents", func(e *format.Entry) { e.Action = format.ActionInit }},
		{"unsorted parents", func(e *format.Entry) { e.Parents = format.Names{hashB, hashA} }},
		{"duplicate parents", func(e *format.Entry) { e.Parents = format.Names{hashA, hashA} }},
		{"parent not a hash", func(e *format.Entry) { e.Parents = format.Names{"abc"} }},
		{"zero time", func(e *format.Entry) { e.Time = time.Time{} }},
		{"non-UTC time", func(e *format.Entry) { e.Time = t0.In(time.FixedZone("CET", 3600)) }},
		{"sub-second time", func(e *format.Entry) { e.Time = t0.Add(time.Millisecond) }},
		{"bad actor", func(e *format.Entry) { e.Actor = "Ops Lead" }},
		{"no actor", func(e *format.Entry) { e.Actor = "" }},
		{"bad target", func(e *format.Entry) { e.Target = "../etc/passwd" }},
		{"file without prefix", func(e *format.Entry) { e.File = hashC }},
		{"file with other algorithm", func(e *format.Entry) { e.File = "sha512:" + hashC }},
		{"short file hash", func(e *format.Entry) { e.File = "sha256:" + hashC[:63] }},
		{"uppercase file hash", func(e *format.Entry) { e.File = "sha256:" + strings.ToUpper(hashC) }},
		{"bad files name", func(e *format.Entry) { e.Details.Files = map[string]string{".x": "sha256:" + hashA} }},
		{"bad files hash", func(e *format.Entry) { e.Details.Files = map[string]string{"x": hashA} }},
		{"bad from", func(e *format.Entry) { e.Details.From = "a//b" }},
		{"multi-line change", func(e *format.Entry) { e.Details.Change = "one\ntwo" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := setEntry()
			tt.edit(&e)
			if b, err := e.MarshalUnsigned(); err == nil {
				t.Errorf("MarshalUnsigned accepted it:\n%s", b)
			}
		})
	}
}

func TestParseEntryRejects(t *testing.T) {
	sigLine := "signature: " + testSig + "\n"
	tests := []textEdit{
		{name: "empty", edit: func(string) string { return "" }},
		{name: "missing signature", edit: replace(sigLine, ""), wantInErr: "no signature line"},
		{name: "signature not last", edit: func(s string) string {
			return strings.Replace(s, "details:\n", sigLine+"details:\n", 1)[:len(s)]
		}, wantInErr: "no signature line"},
		{name: "signature then another line", edit: func(s string) string { return s + "actor: mallory\n" }, wantInErr: "no signature line"},
		{name: "two signatures", edit: func(s string) string { return s + sigLine }},
		{name: "no final newline", edit: func(s string) string { return strings.TrimSuffix(s, "\n") }, wantInErr: "newline"},
		{name: "CRLF", edit: func(s string) string { return strings.ReplaceAll(s, "\n", "\r\n") }},
		{name: "signature with space", edit: replace(testSig, "ed25519: "+testSig[len("ed25519:"):])},
		{name: "signature with tab", edit: replace(testSig, testSig+"\t")},
		{name: "signature other algorithm", edit: replace(testSig, "rsa:"+testSig[len("ed25519:"):])},
		{name: "signature key misspelled", edit: replace("signature: ", "signatur: ")},
		{name: "wrong tag", edit: replace("tresor: journal/v1", "tresor: journal/v2"), wantErr: format.ErrUnknownVersion},
		{name: "init with parents", edit: replace("action: secret.set", "action: vault.init"), wantInErr: "no parents"},
		{name: "non-init without parents", edit: replace("parents: [\""+hashA+"\", \""+hashB+"\"]", "parents: []"), wantInErr: "no parents"},
		{name: "unknown action", edit: replace("action: secret.set", "action: secret.delete"), wantInErr: "unknown action"},
		{name: "bad file hash", edit: replace("file: sha256:"+hashC, "file: sha256:"+hashC[:60]), wantInErr: "sha256:<hex>"},
		{name: "file hash without prefix", edit: replace("file: sha256:"+hashC, "file: "+hashC), wantInErr: "sha256:<hex>"},
		{name: "unsorted parents", edit: replace(hashA+"\", \""+hashB, hashB+"\", \""+hashA), wantInErr: "sorted"},
		{name: "parent not a hash", edit: replace(hashA, "sha256:"+hashA)},
		{name: "seq 0", edit: replace("seq: 42", "seq: 0")},
		{name: "negative seq", edit: replace("seq: 42", "seq: -42")},
		{name: "non-UTC time", edit: replace("2026-11-25T18:40:00Z", "2026-11-25T19:40:00+01:00")},
		{name: "bad actor", edit: replace("actor: ops-lead", "actor: Ops")},
		{name: "bad target", edit: replace("target: prod/db/password", "target: prod//db")},
		{name: "unknown field", edit: replace("actor: ops-lead\n", "actor: ops-lead\nreason: x\n"), wantErr: format.ErrNotCanonical},
		{name: "unknown details field", edit: replace("  version: 3\n", "  version: 3\n  value: hunter2\n"), wantErr: format.ErrNotCanonical},
		{name: "comment", edit: replace("seq: 42\n", "seq: 42 # the answer\n"), wantErr: format.ErrNotCanonical},
		{name: "reordered", edit: replace("actor: ops-lead\naction: secret.set\n", "action: secret.set\nactor: ops-lead\n"), wantErr: format.ErrNotCanonical},
		{name: "extra space", edit: replace("seq: 42", "seq:  42"), wantErr: format.ErrNotCanonical},
		{name: "block parents", edit: replace("parents: [\""+hashA+"\", \""+hashB+"\"]", "parents:\n  - "+hashA+"\n  - "+hashB), wantErr: format.ErrNotCanonical},
	}
	checkRejects(t, setEntryFile, tests, format.ParseEntry)
}

func TestParseEntryTooLarge(t *testing.T) {
	pad := strings.Repeat("x", format.MaxEntrySize)
	in := strings.Replace(setEntryFile, "target: prod/db/password", "target: "+pad, 1)
	if _, err := format.ParseEntry([]byte(in)); err == nil || !strings.Contains(err.Error(), "larger") {
		t.Errorf("ParseEntry of a %d-byte entry = %v, want a size error", len(in), err)
	}
}

// TestParseEntryChecksSignatureShape: ParseEntry promises to check "the
// shape of the signature" and says it "is not ed25519:<base64>" when it is
// wrong, but only the prefix and the absence of blanks are checked.
func TestParseEntryChecksSignatureShape(t *testing.T) {
	for _, sig := range []string{"ed25519:", "ed25519:!!not*base64", "ed25519:\x00"} {
		in := strings.Replace(setEntryFile, testSig, sig, 1)
		if _, err := format.ParseEntry([]byte(in)); err == nil {
			t.Errorf("ParseEntry accepted signature %q", sig)
		}
	}
}

func TestEntryFileName(t *testing.T) {
	for _, tt := range []struct {
		seq  int
		hash string
		want string
	}{
		{42, hashC, "00000042-3f9a1c0b2d4e5f61.entry"},
		{1, hashA, "00000001-aaaaaaaaaaaaaaaa.entry"},
		{99999999, hashB, "99999999-bbbbbbbbbbbbbbbb.entry"},
	} {
		got := format.EntryFileName(tt.seq, tt.hash)
		if got != tt.want {
			t.Errorf("EntryFileName(%d, %q) = %q, want %q", tt.seq, tt.hash, got, tt.want)
		}
		seq, prefix, ok := format.ParseEntryFileName(got)
		if !ok || seq != tt.seq || prefix != tt.hash[:16] {
			t.Errorf("ParseEntryFileName(%q) = %d, %q, %v; want %d, %q, true", got, seq, prefix, ok, tt.seq, tt.hash[:16])
		}
	}
}

func TestParseEntryFileNameRejects(t *testing.T) {
	for _, name := range []string{
		"",
		".entry",
		"00000042-3f9a1c0b2d4e5f61",
		"00000042-3f9a1c0b2d4e5f61.entry.tmp",
		"00000042-3f9a1c0b2d4e5f61.ENTRY",
		"0000042-3f9a1c0b2d4e5f61.entry",   // 7 digits
		"000000042-3f9a1c0b2d4e5f61.entry", // 9 digits
		"00000042-3f9a1c0b2d4e5f6.entry",   // 15 hex
		"00000042-3f9a1c0b2d4e5f610.entry", // 17 hex
		"00000042-3F9A1C0B2D4E5F61.entry",  // uppercase
		"00000042_3f9a1c0b2d4e5f61.entry",  // wrong separator
		"0000004x-3f9a1c0b2d4e5f61.entry",  // non-digit seq
		"-0000042-3f9a1c0b2d4e5f61.entry",  // sign
		"00000042-3f9a1c0b2d4e5f6g.entry",  // non-hex
		"dir/00000042-3f9a1c0b2d4e5f61.entry",
		"00000042-3f9a1c0b2d4e5f61..entry",
	} {
		if seq, prefix, ok := format.ParseEntryFileName(name); ok {
			t.Errorf("ParseEntryFileName(%q) = %d, %q, true; want false", name, seq, prefix)
		}
	}
}

// TestEntryFileNameCoversEverySeq: ParseEntry accepts any seq >= 1, but
// EntryFileName pads to 8 digits and ParseEntryFileName reads exactly 8, so
// an entry with seq >= 100000000 gets a file name that its own parser
// refuses. Conversely ParseEntryFileName accepts seq 0, which no entry has.
func TestEntryFileNameCoversEverySeq(t *testing.T) {
	e := setEntry()
	e.Seq = 100000000
	b := signed(t, e).Marshal()
	if _, err := format.ParseEntry(b); err == nil {
		name := format.EntryFileName(e.Seq, hashC)
		if _, _, ok := format.ParseEntryFileName(name); !ok {
			t.Errorf("ParseEntry accepts seq %d but ParseEntryFileName rejects its file name %q", e.Seq, name)
		}
	}
	if _, _, ok := format.ParseEntryFileName("00000000-" + hashC[:16] + ".entry"); ok {
		t.Errorf("ParseEntryFileName accepts seq 0, which ParseEntry refuses")
	}
}

// TestEntryMarshalIsDeterministicWithLongDigitRuns: the files map of a
// reencrypt entry is ordered by yaml.v3, whose key order overflows on digit
// runs of 19+ digits (see TestPolicyMarshalIsDeterministicWithLongDigitRuns).
// Here it is worse than for the policy: the signed bytes are on disk, so an
// entry written in an order the next decode does not reproduce can never be
// parsed again.
func TestEntryMarshalIsDeterministicWithLongDigitRuns(t *testing.T) {
	e := setEntry()
	e.Action, e.File = format.ActionReencrypt, ""
	e.Details = &format.Details{Files: map[string]string{
		"k/1":                   "sha256:" + hashA,
		"k/9":                   "sha256:" + hashB,
		"k/9223372036854775808": "sha256:" + hashC,
	}}
	for range 100 {
		b := signed(t, e).Marshal()
		if _, err := format.ParseEntry(b); err != nil {
			t.Fatalf("ParseEntry(Marshal()) = %v\n%s", err, b)
		}
	}
}

func TestKnownActionsParse(t *testing.T) {
	for _, action := range []string{format.ActionSet, format.ActionRotate, format.ActionRemove, format.ActionMove,
		format.ActionResolve, format.ActionPolicy, format.ActionReencrypt} {
		e := setEntry()
		e.Action = action
		if _, err := format.ParseEntry(signed(t, e).Marshal()); err != nil {
			t.Errorf("action %s: %v", action, err)
		}
	}
}

// A parent spelled with escapes ("\x61…") unquotes to the same hash but is
// not what MarshalUnsigned writes: it must be refused, or two files would
// carry one entry.
func TestParseEntryRejectsEscapedParent(t *testing.T) {
	s := string(signed(t, setEntry()).Marshal())
	escaped := strings.Replace(s, `["`+hashA, `["\x61`+hashA[1:], 1)
	if escaped == s {
		t.Fatal("edit changed nothing")
	}
	if _, err := format.ParseEntry([]byte(escaped)); err == nil {
		t.Fatal("ParseEntry accepted an escaped parent hash")
	}
}
