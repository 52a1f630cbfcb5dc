package format_test

import (
	"bytes"
	"reflect"
	"strings"
	"testing"

	"github.com/tresor-dev/tresor/format"
)

const (
	testVaultID = "0123456789abcdef0123456789abcdef"
	testGenesis = "3f9a1c0b2d4e5f6172839405a6b7c8d9e0f1a2b3c4d5e6f708192a3b4c5d6e7f"
)

const fullVaultYAML = `tresor: vault/v1
id: 0123456789abcdef0123456789abcdef
genesis: 3f9a1c0b2d4e5f6172839405a6b7c8d9e0f1a2b3c4d5e6f708192a3b4c5d6e7f
plugins: [tpm, yubikey]
generate: 64:hex
`

func TestVaultFileGolden(t *testing.T) {
	v := &format.VaultFile{ID: testVaultID, Genesis: testGenesis, Plugins: format.Names{"tpm", "yubikey"}, Generate: "64:hex"}
	if got := v.Marshal(); string(got) != fullVaultYAML {
		t.Errorf("Marshal =\n%s\nwant\n%s", got, fullVaultYAML)
	}
	if v.Tresor != "" {
		t.Errorf("Marshal set v.Tresor = %q; it must not change its receiver", v.Tresor)
	}
	minimal := &format.VaultFile{ID: testVaultID, Genesis: testGenesis}
	want := "tresor: vault/v1\nid: " + testVaultID + "\ngenesis: " + testGenesis + "\n"
	if got := minimal.Marshal(); string(got) != want {
		t.Errorf("Marshal =\n%s\nwant\n%s", got, want)
	}
}

func TestVaultFileRoundTrip(t *testing.T) {
	for _, v := range []format.VaultFile{
		{ID: testVaultID, Genesis: testGenesis},
		{ID: testVaultID, Genesis: testGenesis, Plugins: format.Names{"yubikey"}},
		{ID: testVaultID, Genesis: testGenesis, Plugins: format.Names{"a.b_c-d", "se", "tpm"}, Generate: "hex"},
		{ID: testVaultID, Genesis: testGenesis, Generate: "4096:ascii"},
		{ID: "00000000000000000000000000000000", Genesis: strings.Repeat("0", 64), Generate: "8"},
	} {
		b := v.Marshal()
		got, err := format.ParseVaultFile(b)
		if err != nil {
			t.Errorf("ParseVaultFile(Marshal(%+v)): %v\n%s", v, err, b)
			continue
		}
		want := v
		want.Tresor = format.VaultTag
		if !reflect.DeepEqual(*got, want) {
			t.Errorf("round trip = %#v, want %#v", *got, want)
		}
		if !bytes.Equal(got.Marshal(), b) {
			t.Errorf("Marshal(ParseVaultFile(b)) != b")
		}
	}
}

func TestParseVaultFileRejects(t *testing.T) {
	tests := []textEdit{
		{"empty", func(string) string { return "" }, nil, ""},
		{"wrong tag", replace("tresor: vault/v1", "tresor: vault/v2"), format.ErrUnknownVersion, ""},
		{"no tag", replace("tresor: vault/v1\n", ""), format.ErrNotCanonical, ""},
		{"short id", replace("id: 0123456789abcdef0123456789abcdef", "id: 0123456789abcdef0123456789abcde"), nil, ""},
		{"long id", replace("id: 0123456789abcdef0123456789abcdef", "id: 0123456789abcdef0123456789abcdef0"), nil, ""},
		{"uppercase id", replace("id: 0123456789abcdef0123456789abcdef", "id: 0123456789ABCDEF0123456789abcdef"), nil, ""},
		{"no id", replace("id: 0123456789abcdef0123456789abcdef\n", ""), format.ErrNotCanonical, ""},
		{"short genesis", replace(testGenesis, testGenesis[:63]), nil, ""},
		{"non-hex genesis", replace(testGenesis, "z"+testGenesis[1:]), nil, ""},
		{"prefixed genesis", replace("genesis: "+testGenesis, "genesis: sha256:"+testGenesis), nil, ""},
		{"bad plugin", replace("[tpm, yubikey]", "[TPM, yubikey]"), nil, ""},
		{"plugin with slash", replace("[tpm, yubikey]", "[../tpm, yubikey]"), nil, ""},
		{"unsorted plugins", replace("[tpm, yubikey]", "[yubikey, tpm]"), nil, ""},
		{"duplicate plugins", replace("[tpm, yubikey]", "[tpm, tpm]"), nil, ""},
		{"bad generate", replace("generate: 64:hex", "generate: 64:nope"), nil, ""},
		{"zero generate", replace("generate: 64:hex", "generate: 0"), nil, ""},
		{"unknown field", replace("generate: 64:hex\n", "generate: 64:hex\nname: x\n"), nil, ""},
		{"comment", replace("generate: 64:hex\n", "generate: 64:hex # default\n"), format.ErrNotCanonical, ""},
		{"quoted id", replace("id: 0123456789abcdef0123456789abcdef", `id: "0123456789abcdef0123456789abcdef"`), format.ErrNotCanonical, ""},
		{"block plugins", replace("plugins: [tpm, yubikey]", "plugins:\n  - tpm\n  - yubikey"), format.ErrNotCanonical, ""},
		{"reordered", func(s string) string {
			return strings.Replace(s, "plugins: [tpm, yubikey]\ngenerate: 64:hex\n", "generate: 64:hex\nplugins: [tpm, yubikey]\n", 1)
		}, format.ErrNotCanonical, ""},
		{"second document", func(s string) string { return s + "---\ntresor: vault/v1\n" }, nil, ""},
		{"missing final newline", func(s string) string { return strings.TrimSuffix(s, "\n") }, format.ErrNotCanonical, ""},
	}
	checkRejects(t, fullVaultYAML, tests, format.ParseVaultFile)
}

func TestIsHash(t *testing.T) {
	if !format.IsHash(testGenesis) {
		t.Errorf("IsHash(%q) = false", testGenesis)
	}
	for _, bad := range []string{"", testGenesis[:63], testGenesis + "0", strings.ToUpper(testGenesis), testGenesis + "\n", "sha256:" + testGenesis} {
		if format.IsHash(bad) {
			t.Errorf("IsHash(%q) = true", bad)
		}
	}
}
