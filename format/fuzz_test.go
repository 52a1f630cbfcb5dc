package format_test

import (
	"bytes"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tresor-dev/tresor/format"
)

// Every parser accepts only what its marshaller writes: if Parse(b)
// succeeds, Marshal of the result is b, byte for byte. And nothing panics.
// Seeds live here (f.Add) and in testdata/fuzz/<FuzzName>/.

func FuzzParseSecret(f *testing.F) {
	f.Add([]byte(fullSecretFile))
	f.Add([]byte(minimalSecretFile))
	f.Add([]byte(strings.Replace(fullSecretFile, "version: 3", "version:  3", 1)))
	f.Add([]byte(strings.Replace(fullSecretFile, "secret/v1", "secret/v2", 1)))
	f.Add([]byte(strings.Replace(minimalSecretFile, "[ops-lead]", "[b, a]", 1)))
	f.Add([]byte(strings.Replace(minimalSecretFile, "---\n", "", 1)))
	f.Add([]byte("tresor: secret/v1\nname: &a x\nenv: *a\n---\n"))
	f.Add([]byte("---\n---\n"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		sf, err := format.ParseSecret(b)
		if err != nil {
			if sf != nil {
				t.Fatalf("ParseSecret returned a file and an error %v", err)
			}
			return
		}
		if got := sf.Marshal(); !bytes.Equal(got, b) {
			t.Fatalf("Marshal(ParseSecret(b)) != b\n got %q\nwant %q", got, b)
		}
		// What was accepted is also what NewSecretFile would write.
		again, err := format.NewSecretFile(sf.Header)
		if err != nil {
			t.Fatalf("ParseSecret accepted a header NewSecretFile rejects: %v", err)
		}
		if !bytes.Equal(again.HeaderBytes, sf.HeaderBytes) {
			t.Fatalf("NewSecretFile(header) = %q, want %q", again.HeaderBytes, sf.HeaderBytes)
		}
	})
}

func FuzzParsePayload(f *testing.F) {
	h := strings.Repeat("0f", 32)
	f.Add(format.MarshalPayload(h, []byte("hunter2")))
	f.Add(format.MarshalPayload(h, []byte{}))
	f.Add(format.MarshalPayload(h, []byte("a\nb\n\x00\xff")))
	f.Add(format.MarshalPayload(strings.ToUpper(h), []byte("v")))
	f.Add(format.MarshalPayload(h[:63], []byte("v")))
	f.Add([]byte("tresor-payload/v1\nheader-sha256: "))
	f.Add([]byte("hunter2"))
	f.Add(format.Payload{HeaderSHA256: h, ReadKeyID: "0123456789abcdef", ReadKey: bytes.Repeat([]byte{0xa5}, 32), Value: []byte("v")}.Marshal())
	f.Add([]byte("tresor-payload/v1\nheader-sha256: " + h + "\nread-key: 0123456789abcdef 00\n\nv"))
	f.Add(format.Payload{HeaderSHA256: h, Value: []byte("new"), Previous: []byte("old!"), Pending: []byte("next")}.Marshal())
	f.Add(format.Payload{HeaderSHA256: h, ReadKeyID: "0123456789abcdef", ReadKey: bytes.Repeat([]byte{0xa5}, 32), Value: []byte("v"), Pending: []byte("p")}.Marshal())
	f.Add([]byte("tresor-payload/v1\nheader-sha256: " + h + "\nprevious: 9\n\nabc"))
	f.Add([]byte("tresor-payload/v1\nheader-sha256: " + h + "\npending: 01\n\nabc"))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := format.ParsePayload(b)
		if err != nil {
			return
		}
		if !format.IsHash(p.HeaderSHA256) {
			t.Fatalf("ParsePayload returned header hash %q", p.HeaderSHA256)
		}
		if p.ReadKeyID != "" && (len(p.ReadKeyID) != format.ReadKeyIDLen || len(p.ReadKey) != format.ReadKeySize) {
			t.Fatalf("ParsePayload returned read key %q (%d bytes)", p.ReadKeyID, len(p.ReadKey))
		}
		if len(p.Value)+len(p.Previous)+len(p.Pending) > format.MaxValueSize {
			t.Fatalf("ParsePayload returned %d bytes of values", len(p.Value)+len(p.Previous)+len(p.Pending))
		}
		if (p.Previous != nil && len(p.Previous) == 0) || (p.Pending != nil && len(p.Pending) == 0) {
			t.Fatalf("ParsePayload returned an empty previous or pending value")
		}
		if got := p.Marshal(); !bytes.Equal(got, b) {
			t.Fatalf("MarshalPayload(ParsePayload(b)) != b\n got %q\nwant %q", got, b)
		}
	})
}

func FuzzParsePolicy(f *testing.F) {
	f.Add([]byte(designPolicyYAML))
	f.Add((&format.Policy{}).Marshal())
	f.Add([]byte(strings.Replace(designPolicyYAML, "sre: [dev-laptop, ops-lead]", "sre: [dev-laptop, zed]", 1)))
	f.Add([]byte(strings.Replace(designPolicyYAML, "prod/**", "'prod/['", 1)))
	f.Add([]byte(strings.Replace(designPolicyYAML, "policy/v1", "policy/v2", 1)))
	f.Add([]byte(strings.Replace(designPolicyYAML, "admins: [admins]\n", "admins: []\n", 1)))
	f.Add([]byte("tresor: policy/v1\nmembers:\n  a: &m {recipient: x}\n  b: *m\n"))
	f.Add([]byte("tresor: policy/v1\nmembers: {a: {recipient: x}}\ngroups: {}\nrules: [{path: '**', read: [a], write: [a]}]\nadmins: [a]\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := format.ParsePolicy(b)
		if err != nil {
			return
		}
		if got := p.Marshal(); !bytes.Equal(got, b) {
			t.Fatalf("Marshal(ParsePolicy(b)) != b\n got %q\nwant %q", got, b)
		}
		if err := p.Validate(); err != nil {
			t.Fatalf("ParsePolicy returned a policy that fails Validate: %v", err)
		}
		if got := p.Clone().Marshal(); !bytes.Equal(got, b) {
			t.Fatalf("Clone().Marshal() != b\n got %q\nwant %q", got, b)
		}
		// Everything a rule grants expands to members.
		for _, r := range p.Rules {
			for _, m := range p.Expand(append(append([]string{}, r.Read...), r.Write...)) {
				if _, ok := p.Members[m]; !ok {
					t.Fatalf("rule %q expands to %q, who is not a member", r.Path, m)
				}
			}
		}
	})
}

func FuzzParseVaultFile(f *testing.F) {
	f.Add([]byte(fullVaultYAML))
	f.Add((&format.VaultFile{ID: testVaultID, Genesis: testGenesis}).Marshal())
	f.Add([]byte(strings.Replace(fullVaultYAML, "64:hex", "+64:hex", 1)))
	f.Add([]byte(strings.Replace(fullVaultYAML, "[tpm, yubikey]", "[yubikey, tpm]", 1)))
	f.Add([]byte(strings.Replace(fullVaultYAML, "vault/v1", "vault/v2", 1)))
	f.Add([]byte(strings.Replace(fullVaultYAML, "id: ", "id:  ", 1)))
	f.Add([]byte("tresor: vault/v1\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		v, err := format.ParseVaultFile(b)
		if err != nil {
			return
		}
		if got := v.Marshal(); !bytes.Equal(got, b) {
			t.Fatalf("Marshal(ParseVaultFile(b)) != b\n got %q\nwant %q", got, b)
		}
		if !format.IsHash(v.Genesis) {
			t.Fatalf("accepted genesis %q", v.Genesis)
		}
	})
}

func FuzzParseEntry(f *testing.F) {
	f.Add([]byte(setEntryFile))
	f.Add([]byte(initEntryFile))
	f.Add([]byte(strings.Replace(setEntryFile, "secret.set", "vault.init", 1)))
	f.Add([]byte(strings.Replace(setEntryFile, "secret.set", "secret.delete", 1)))
	f.Add([]byte(strings.Replace(setEntryFile, "file: sha256:", "file: ", 1)))
	f.Add([]byte(strings.TrimSuffix(setEntryFile, "\n")))
	f.Add([]byte(strings.Replace(setEntryFile, "\nsignature: ", "\nsignature:  ", 1)))
	reenc := setEntry()
	reenc.Action, reenc.File = format.ActionReencrypt, ""
	reenc.Details = &format.Details{Files: map[string]string{"prod/a": "sha256:" + hashA, "prod/b10": "sha256:" + hashB, "prod/b9": "sha256:" + hashC}}
	f.Add(signed(f, reenc).Marshal())
	f.Fuzz(func(t *testing.T, b []byte) {
		e, err := format.ParseEntry(b)
		if err != nil {
			return
		}
		if got := e.Marshal(); !bytes.Equal(got, b) {
			t.Fatalf("Marshal(ParseEntry(b)) != b\n got %q\nwant %q", got, b)
		}
		unsigned, err := e.Entry.MarshalUnsigned()
		if err != nil {
			t.Fatalf("ParseEntry accepted an entry MarshalUnsigned rejects: %v", err)
		}
		if !bytes.Equal(unsigned, e.Signed) {
			t.Fatalf("MarshalUnsigned() = %q, want the signed bytes %q", unsigned, e.Signed)
		}
	})
}

func FuzzValidateName(f *testing.F) {
	for _, s := range []string{
		"prod/db/password", "a", "a..b", "x.", "1/2/3/4/5/6/7/8", strings.Repeat("a", 200),
		"", "../x", "..", ".hidden", "a//b", "a/", "/a", strings.Repeat("a", 201),
		"1/2/3/4/5/6/7/8/9", "pässword", "a b", "a\x00", "a\\b", "Prod/DB",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		if format.ValidateName(name) != nil {
			return
		}
		if len(name) > format.MaxNameLength {
			t.Fatalf("accepted a %d-byte name", len(name))
		}
		segments := strings.Split(name, "/")
		if len(segments) > format.MaxNameDepth {
			t.Fatalf("accepted %q, %d segments deep", name, len(segments))
		}
		for _, s := range segments {
			// No ".", ".." or hidden segment: a name never leaves its
			// directory nor hides in it. ("a..b" is one ordinary segment.)
			if s == "" || s == "." || s == ".." || s[0] == '.' {
				t.Fatalf("accepted %q with segment %q", name, s)
			}
			for _, c := range []byte(s) {
				if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == '-') {
					t.Fatalf("accepted %q with byte %q", name, c)
				}
			}
		}
		if err := format.ValidatePrefix(name); err != nil {
			t.Fatalf("ValidatePrefix(%q) = %v for a valid name", name, err)
		}
		if err := format.ValidatePrefix(name + "/"); err != nil {
			t.Fatalf("ValidatePrefix(%q) = %v for a valid name", name+"/", err)
		}
		if !format.HasPrefix(name, name) || !format.HasPrefix(name, segments[0]+"/") {
			t.Fatalf("HasPrefix does not cover %q with its own segments", name)
		}
	})
}

func FuzzParseDuration(f *testing.F) {
	for _, s := range []string{"90d", "12h", "2w", "1y", "30m", "45s", "999999s", "0d", "090d", "-1d", "+1d", "1.5d", "", "d", "90", "1000000s"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := format.ParseDuration(s)
		if err != nil {
			if d != 0 {
				t.Fatalf("ParseDuration(%q) = %v with error %v", s, d, err)
			}
			return
		}
		if durationOverflows(s) {
			t.Fatalf("ParseDuration(%q) = %v: it overflows time.Duration and must be refused", s, d)
		}
		if d <= 0 {
			t.Fatalf("ParseDuration(%q) = %v, want > 0", s, d)
		}
		if d%time.Second != 0 {
			t.Fatalf("ParseDuration(%q) = %v, not whole seconds", s, d)
		}
	})
}

// durationOverflows reports whether s is a count and unit whose product
// does not fit a time.Duration: the bug pinned by
// testdata/fuzz/FuzzParseDuration/bug-overflow-* ("1000y" comes back
// negative, "10000y" as about 56 years).
func durationOverflows(s string) bool {
	units := map[byte]float64{'s': 1, 'm': 60, 'h': 3600, 'd': 86400, 'w': 7 * 86400, 'y': 365 * 86400}
	n, err := strconv.Atoi(s[:len(s)-1])
	return err == nil && float64(n)*units[s[len(s)-1]]*float64(time.Second) > math.MaxInt64
}

func FuzzParseGenerator(f *testing.F) {
	for _, s := range []string{"", "64", "hex", "64:hex", "4096:ascii", "1:digits", "0", "4097", ":", "64:", ":hex", "hex:64", "064:hex", "-1:hex", "64:nope"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, spec string) {
		g, err := format.ParseGenerator(spec)
		if err != nil {
			return
		}
		if g.Length < 1 || g.Length > format.MaxGenerateLength {
			t.Fatalf("ParseGenerator(%q) length %d", spec, g.Length)
		}
		if err := g.Check(); err != nil {
			t.Fatalf("ParseGenerator(%q) = %+v, which fails its own check: %v", spec, g, err)
		}
		back, err := format.ParseGenerator(g.String())
		if err != nil || !back.Equal(g) {
			t.Fatalf("ParseGenerator(%q) = %+v, %v; want %+v", g.String(), back, err, g)
		}
		// A full LENGTH:CHARSET spec is accepted only as String writes it.
		if strings.Count(spec, ":") == 1 && isDigitStart(spec) && g.String() != spec {
			t.Fatalf("ParseGenerator(%q) accepted a non-canonical spelling of %q", spec, g.String())
		}
	})
}

func FuzzParseEntryFileName(f *testing.F) {
	for _, s := range []string{"00000042-3f9a1c0b2d4e5f61.entry", "00000000-0000000000000000.entry", "99999999-ffffffffffffffff.entry",
		"0000042-3f9a1c0b2d4e5f61.entry", "00000042-3F9A1C0B2D4E5F61.entry", "00000042-3f9a1c0b2d4e5f61", ".entry", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		seq, prefix, ok := format.ParseEntryFileName(name)
		if !ok {
			if seq != 0 || prefix != "" {
				t.Fatalf("ParseEntryFileName(%q) = %d, %q, false", name, seq, prefix)
			}
			return
		}
		if seq < 0 || seq > 99999999 || len(prefix) != 16 {
			t.Fatalf("ParseEntryFileName(%q) = %d, %q", name, seq, prefix)
		}
		if got := format.EntryFileName(seq, prefix+strings.Repeat("0", 48)); got != name {
			t.Fatalf("EntryFileName(ParseEntryFileName(%q)) = %q", name, got)
		}
	})
}

// The fuzzers above start from bytes; these start from structs, for the
// other half of the contract: what a marshaller writes, its parser reads
// back to the same value.

func FuzzSecretRoundTrip(f *testing.F) {
	h := fullHeader()
	f.Add(h.Name, h.Env, h.Description, h.Rotation.Exposed, string(h.Rotation.Every), "ci-prod,ops-lead", 3, int64(0), 32, "alnum")
	f.Add("token", "", "", "", "", "", 1, int64(86400), 0, "")
	f.Add("a/b", "X", "'yes' # no", "\u2028", "1y", "a", 1<<30, int64(-1), 4096, "ascii")
	f.Fuzz(func(t *testing.T, name, env, description, exposed, every, readers string, version int, updatedOffset int64, genLength int, genCharset string) {
		h := format.SecretHeader{
			Name: name, Env: env, Description: description, Version: version,
			Created: t0, Updated: t0.Add(time.Duration(updatedOffset%(1<<40)) * time.Second),
		}
		if readers != "" {
			h.Readers = strings.Split(readers, ",")
		}
		if exposed != "" || every != "" || genCharset != "" {
			h.Rotation = &format.Rotation{Every: format.Duration(every), Exposed: exposed}
			if genCharset != "" {
				if _, ok := format.Charsets[genCharset]; !ok || genLength < 1 || genLength > format.MaxGenerateLength {
					// NewSecretFile would accept it and ParseSecret reject
					// it: the known bug of TestNewSecretFileRejectsWhatParseSecretRejects.
					return
				}
				h.Rotation.Generator = &format.Generator{Kind: "password", Length: genLength, Charset: genCharset}
			}
		}
		sf, err := format.NewSecretFile(h)
		if err != nil {
			return
		}
		sf.Armored = []byte(testArmor)
		b := sf.Marshal()
		got, err := format.ParseSecret(b)
		if err != nil {
			t.Fatalf("ParseSecret(Marshal(NewSecretFile(h))) = %v\n%s", err, b)
		}
		if got.Header.Name != h.Name || got.Header.Env != h.Env || got.Header.Description != h.Description ||
			got.Header.Version != h.Version || !got.Header.Updated.Equal(h.Updated) ||
			strings.Join(got.Header.Readers, ",") != strings.Join(h.Readers, ",") {
			t.Fatalf("round trip changed the header:\n got %#v\nwant %#v", got.Header, h)
		}
		if r := h.Rotation; r != nil {
			g := got.Header.Rotation
			if g == nil || g.Every != r.Every || g.Exposed != r.Exposed || (g.Generator == nil) != (r.Generator == nil) ||
				g.Generator != nil && !g.Generator.Equal(*r.Generator) || g.Rotator != r.Rotator || !g.Pending.Equal(r.Pending) {
				t.Fatalf("round trip changed the rotation:\n got %#v\nwant %#v", g, r)
			}
		}
		if !bytes.Equal(got.Marshal(), b) {
			t.Fatalf("Marshal(ParseSecret(b)) != b")
		}
	})
}

func FuzzPolicyRoundTrip(f *testing.F) {
	f.Add("ops-lead", "age1pq1xyz", "ed25519:AAAA", "ci", "ssh-ed25519 AAAA deploy@ci", "prod/**", "sre")
	f.Add("a", "x", "", "b", "'", "{a,b}/*", "g")
	f.Add("1", "null", "#", "9", "- x", "**", "10")
	f.Fuzz(func(t *testing.T, m1, r1, s1, m2, r2, path, group string) {
		p := &format.Policy{
			Members: map[string]format.Member{m1: {Recipient: r1, Signer: s1}, m2: {Recipient: r2}},
			Groups:  map[string]format.Names{group: {m1}},
			Rules:   []format.Rule{{Path: path, Read: format.Names{group}, Write: format.Names{m1}}, {Path: "**", Read: format.Names{group}, Write: format.Names{group}}},
			Admins:  format.Names{group},
		}
		if p.Validate() != nil {
			return
		}
		b := p.Marshal()
		got, err := format.ParsePolicy(b)
		if err != nil {
			t.Fatalf("ParsePolicy(Marshal(p)) = %v\n%s", err, b)
		}
		if got.Members[m1] != p.Members[m1] || got.Members[m2] != p.Members[m2] || got.Rules[0].Path != path {
			t.Fatalf("round trip changed the policy:\n got %#v\nwant %#v", got, p)
		}
		if !bytes.Equal(got.Marshal(), b) {
			t.Fatalf("Marshal(ParsePolicy(b)) != b")
		}
	})
}

func isDigitStart(s string) bool { return s != "" && s[0] >= '0' && s[0] <= '9' }
