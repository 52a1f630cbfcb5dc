package format_test

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/tresor-dev/tresor/format"
)

var t0 = time.Date(2026, 11, 25, 18, 40, 0, 0, time.UTC)

// testArmor is the shape of an age armored file; format checks only the
// markers, so the body need not decrypt.
const testArmor = format.ArmorBegin +
	"YWdlLWVuY3J5cHRpb24ub3JnL3YxCi0+IFgyNTUxOSBhYmMKZGVmCi0tLSBnaGkK\n" +
	format.ArmorEnd

// fullHeader uses every field of a secret header.
func fullHeader() format.SecretHeader {
	return format.SecretHeader{
		Name:        "prod/db/password",
		Env:         "DATABASE_PASSWORD",
		Description: "primary postgres",
		Version:     3,
		Created:     t0,
		Updated:     t0.Add(time.Hour),
		Readers:     format.Names{"ci-prod", "ops-lead"},
		Rotation: &format.Rotation{
			Every:     "90d",
			Rotated:   t0,
			Expires:   time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC),
			Generator: &format.Generator{Kind: "password", Length: 32, Charset: "alnum"},
			Rotator:   "pg-app",
			Exposed:   "member dev-laptop removed 2026-12-01",
			Pending:   time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC),
		},
	}
}

// minimalHeader uses only the required fields.
func minimalHeader() format.SecretHeader {
	return format.SecretHeader{Name: "token", Version: 1, Created: t0, Updated: t0, Readers: format.Names{"ops-lead"}}
}

const fullSecretFile = `tresor: secret/v1
name: prod/db/password
env: DATABASE_PASSWORD
description: "primary postgres"
version: 3
created: 2026-11-25T18:40:00Z
updated: 2026-11-25T19:40:00Z
readers: [ci-prod, ops-lead]
rotation:
  every: 90d
  rotated: 2026-11-25T18:40:00Z
  expires: 2027-01-01T00:00:00Z
  generator: {kind: password, length: 32, charset: alnum}
  rotator: pg-app
  exposed: "member dev-laptop removed 2026-12-01"
  pending: 2026-11-26T00:00:00Z
---
` + testArmor

const minimalSecretFile = `tresor: secret/v1
name: token
version: 1
created: 2026-11-25T18:40:00Z
updated: 2026-11-25T18:40:00Z
readers: [ops-lead]
---
` + testArmor

func mustSecretFile(t testing.TB, h format.SecretHeader) []byte {
	t.Helper()
	sf, err := format.NewSecretFile(h)
	if err != nil {
		t.Fatalf("NewSecretFile: %v", err)
	}
	sf.Armored = []byte(testArmor)
	return sf.Marshal()
}

func TestSecretGolden(t *testing.T) {
	for _, tt := range []struct {
		name   string
		header format.SecretHeader
		want   string
	}{
		{"full", fullHeader(), fullSecretFile},
		{"minimal", minimalHeader(), minimalSecretFile},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := mustSecretFile(t, tt.header); string(got) != tt.want {
				t.Errorf("Marshal =\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

func TestSecretRoundTrip(t *testing.T) {
	noReaders := minimalHeader()
	noReaders.Readers = format.Names{}
	emptyRotation := minimalHeader()
	emptyRotation.Rotation = &format.Rotation{}
	onlyExposed := minimalHeader()
	onlyExposed.Rotation = &format.Rotation{Exposed: "member x removed"}
	tricky := minimalHeader()
	tricky.Description = `'yes': null # "not a comment" ünïcödé`
	tricky.Env = "_X9"

	for _, tt := range []struct {
		name   string
		header format.SecretHeader
	}{
		{"full", fullHeader()},
		{"minimal", minimalHeader()},
		{"no readers", noReaders},
		{"empty rotation", emptyRotation},
		{"only exposed", onlyExposed},
		{"tricky description", tricky},
	} {
		t.Run(tt.name, func(t *testing.T) {
			sf, err := format.NewSecretFile(tt.header)
			if err != nil {
				t.Fatalf("NewSecretFile: %v", err)
			}
			if sf.Header.Tresor != format.SecretTag {
				t.Errorf("NewSecretFile set tag %q, want %q", sf.Header.Tresor, format.SecretTag)
			}
			if !bytes.HasSuffix(sf.HeaderBytes, []byte("\n")) {
				t.Errorf("header bytes do not end in a newline: %q", sf.HeaderBytes)
			}
			sf.Armored = []byte(testArmor)
			b := sf.Marshal()

			got, err := format.ParseSecret(b)
			if err != nil {
				t.Fatalf("ParseSecret(Marshal()): %v\n%s", err, b)
			}
			want := tt.header
			if want.Rotation != nil && reflect.DeepEqual(*want.Rotation, format.Rotation{}) {
				want.Rotation = nil // an empty rotation is not written
			}
			want.Tresor = format.SecretTag
			if !reflect.DeepEqual(got.Header, want) {
				t.Errorf("header after round trip:\n got %#v\nwant %#v", got.Header, want)
			}
			if !bytes.Equal(got.HeaderBytes, sf.HeaderBytes) {
				t.Errorf("HeaderBytes after round trip = %q, want %q", got.HeaderBytes, sf.HeaderBytes)
			}
			if !bytes.Equal(got.Armored, sf.Armored) {
				t.Errorf("Armored after round trip = %q, want %q", got.Armored, sf.Armored)
			}
			if again := got.Marshal(); !bytes.Equal(again, b) {
				t.Errorf("Marshal(ParseSecret(b)) != b:\n%s\nvs\n%s", again, b)
			}
		})
	}
}

func TestParseSecretRejects(t *testing.T) {
	// Each case edits the canonical full file.
	tests := []textEdit{
		{name: "empty", edit: func(string) string { return "" }},
		{name: "missing ---", edit: func(s string) string { return strings.Replace(s, "---\n", "", 1) }, wantInErr: "'---'"},
		{name: "--- not at line start", edit: func(s string) string { return strings.Replace(s, "\n---\n", " ---\n", 1) }},
		{name: "header only", edit: func(s string) string { return s[:strings.Index(s, "---\n")+4] }},
		{name: "wrong tag", edit: replace("tresor: secret/v1", "tresor: secret/v2"), wantErr: format.ErrUnknownVersion},
		{name: "policy tag", edit: replace("tresor: secret/v1", "tresor: policy/v1"), wantErr: format.ErrUnknownVersion},
		{name: "no tag", edit: replace("tresor: secret/v1\n", ""), wantErr: format.ErrNotCanonical},
		{name: "unknown field", edit: replace("version: 3\n", "version: 3\nowner: bob\n"), wantErr: format.ErrNotCanonical},
		{name: "unsorted readers", edit: replace("[ci-prod, ops-lead]", "[ops-lead, ci-prod]"), wantInErr: "sorted"},
		{name: "duplicate readers", edit: replace("[ci-prod, ops-lead]", "[ci-prod, ci-prod]"), wantInErr: "unique"},
		{name: "bad reader name", edit: replace("[ci-prod, ops-lead]", "[CI-prod, ops-lead]")},
		{name: "non-UTC created", edit: replace("created: 2026-11-25T18:40:00Z", "created: 2026-11-25T19:40:00+01:00")},
		{name: "fractional updated", edit: replace("updated: 2026-11-25T19:40:00Z", "updated: 2026-11-25T19:40:00.5Z")},
		{name: "date only", edit: replace("created: 2026-11-25T18:40:00Z", "created: 2026-11-25")},
		{name: "year before 2000", edit: replace("created: 2026-11-25T18:40:00Z", "created: 1999-11-25T18:40:00Z")},
		{name: "non-UTC rotated", edit: replace("rotated: 2026-11-25T18:40:00Z", "rotated: 2026-11-25T19:40:00+01:00")},
		{name: "bad env", edit: replace("env: DATABASE_PASSWORD", "env: 1DATABASE")},
		{name: "env with dash", edit: replace("env: DATABASE_PASSWORD", "env: DATABASE-PASSWORD")},
		{name: "bad name", edit: replace("name: prod/db/password", "name: \"../db/password\""), wantErr: format.ErrBadName},
		{name: "version 0", edit: replace("version: 3", "version: 0")},
		{name: "version not a number", edit: replace("version: 3", "version: three")},
		{name: "bad every", edit: replace("every: 90d", "every: 90days")},
		{name: "bad generator", edit: replace("length: 32", "length: 0")},
		{name: "generator kind", edit: replace("kind: password", "kind: passphrase")},
		{name: "body not armored", edit: replace(format.ArmorBegin, "age-encryption.org/v1\n")},
		{name: "body without end marker", edit: func(s string) string { return strings.TrimSuffix(s, format.ArmorEnd) }},
		{name: "body with trailing bytes", edit: func(s string) string { return s + "\n" }},
		{name: "CRLF line endings", edit: func(s string) string { return strings.ReplaceAll(s, "\n", "\r\n") }},

		// Non-canonical spellings of a valid header.
		{name: "extra space after colon", edit: replace("version: 3", "version:  3"), wantErr: format.ErrNotCanonical},
		{name: "trailing space", edit: replace("version: 3\n", "version: 3 \n"), wantErr: format.ErrNotCanonical},
		{name: "reordered keys", edit: replace("env: DATABASE_PASSWORD\ndescription: \"primary postgres\"\n", "description: \"primary postgres\"\nenv: DATABASE_PASSWORD\n"), wantErr: format.ErrNotCanonical},
		{name: "comment", edit: replace("version: 3\n", "version: 3 # bumped\n"), wantErr: format.ErrNotCanonical},
		{name: "comment line", edit: replace("version: 3\n", "# hi\nversion: 3\n"), wantErr: format.ErrNotCanonical},
		{name: "quoted scalar", edit: replace("name: prod/db/password", `name: "prod/db/password"`), wantErr: format.ErrNotCanonical},
		{name: "block readers", edit: replace("readers: [ci-prod, ops-lead]", "readers:\n  - ci-prod\n  - ops-lead"), wantErr: format.ErrNotCanonical},
		{name: "flow spacing", edit: replace("[ci-prod, ops-lead]", "[ci-prod,ops-lead]"), wantErr: format.ErrNotCanonical},
		{name: "four-space indent", edit: replace("  every: 90d", "    every: 90d"), wantErr: nil},
		{name: "hex version", edit: replace("version: 3", "version: 0x3"), wantErr: format.ErrNotCanonical},
		{name: "leading document marker", edit: func(s string) string { return "---\n" + s }, wantErr: format.ErrNotCanonical},
		{name: "explicit tag", edit: replace("name: prod/db/password", "name: !!str prod/db/password"), wantErr: format.ErrNotCanonical},
		{name: "zero time", edit: replace("rotated: 2026-11-25T18:40:00Z", "rotated: 0001-01-01T00:00:00Z")},
		{name: "empty every", edit: replace("every: 90d", `every: ""`), wantErr: format.ErrNotCanonical},
		{name: "blank line", edit: replace("version: 3\n", "version: 3\n\n"), wantErr: format.ErrNotCanonical},
	}
	checkRejects(t, fullSecretFile, tests, format.ParseSecret)
}

func TestParseSecretTooLarge(t *testing.T) {
	body := format.ArmorBegin + strings.Repeat("QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFB\n", (format.MaxSecretFileSize/65)+1) + format.ArmorEnd
	b := []byte(minimalSecretFile[:strings.Index(minimalSecretFile, "---\n")+4] + body)
	if len(b) <= format.MaxSecretFileSize {
		t.Fatalf("test file is only %d bytes", len(b))
	}
	if _, err := format.ParseSecret(b); err == nil {
		t.Error("ParseSecret accepted a file over MaxSecretFileSize")
	}
}

func TestParseSecretErrorsDoNotEchoValues(t *testing.T) {
	// A mistyped header must not print what it holds: "version: hunter2".
	in := strings.Replace(minimalSecretFile, "version: 1", "version: hunter2", 1)
	_, err := format.ParseSecret([]byte(in))
	if err == nil {
		t.Fatal("ParseSecret accepted a non-numeric version")
	}
	if strings.Contains(err.Error(), "hunter2") {
		t.Errorf("error %q echoes the value", err)
	}
}

func TestNewSecretFileRejects(t *testing.T) {
	tests := []struct {
		name string
		edit func(*format.SecretHeader)
	}{
		{"bad name", func(h *format.SecretHeader) { h.Name = "a//b" }},
		{"empty name", func(h *format.SecretHeader) { h.Name = "" }},
		{"bad env", func(h *format.SecretHeader) { h.Env = "A B" }},
		{"long env", func(h *format.SecretHeader) { h.Env = strings.Repeat("A", 129) }},
		{"description with newline", func(h *format.SecretHeader) { h.Description = "one\ntwo" }},
		{"description with tab", func(h *format.SecretHeader) { h.Description = "one\ttwo" }},
		{"description too long", func(h *format.SecretHeader) { h.Description = strings.Repeat("x", 201) }},
		{"description invalid UTF-8", func(h *format.SecretHeader) { h.Description = "\xff" }},
		{"version 0", func(h *format.SecretHeader) { h.Version = 0 }},
		{"negative version", func(h *format.SecretHeader) { h.Version = -1 }},
		{"zero created", func(h *format.SecretHeader) { h.Created = time.Time{} }},
		{"local time", func(h *format.SecretHeader) { h.Updated = t0.In(time.FixedZone("CET", 3600)) }},
		{"zero-offset zone that is not UTC", func(h *format.SecretHeader) { h.Updated = t0.In(time.FixedZone("", 0)) }},
		{"nanoseconds", func(h *format.SecretHeader) { h.Created = t0.Add(time.Nanosecond) }},
		{"year 10000", func(h *format.SecretHeader) { h.Created = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC) }},
		{"unsorted readers", func(h *format.SecretHeader) { h.Readers = format.Names{"b", "a"} }},
		{"duplicate readers", func(h *format.SecretHeader) { h.Readers = format.Names{"a", "a"} }},
		{"bad reader", func(h *format.SecretHeader) { h.Readers = format.Names{"A"} }},
		{"bad every", func(h *format.SecretHeader) { h.Rotation.Every = "0d" }},
		{"non-UTC expires", func(h *format.SecretHeader) { h.Rotation.Expires = t0.In(time.FixedZone("X", 60)) }},
		{"exposed with newline", func(h *format.SecretHeader) { h.Rotation.Exposed = "a\nb" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := fullHeader()
			tt.edit(&h)
			if sf, err := format.NewSecretFile(h); err == nil {
				t.Errorf("NewSecretFile accepted it:\n%s", sf.HeaderBytes)
			}
		})
	}
}

// TestNewSecretFileRejectsWhatParseSecretRejects: a header NewSecretFile
// accepts must come back from ParseSecret. validate() checks every rotation
// field except the generator, while ParseSecret runs the generator through
// ParseGenerator (Generator.UnmarshalYAML), so vault/ can write a secret
// file that it can never read again.
func TestNewSecretFileRejectsWhatParseSecretRejects(t *testing.T) {
	for _, g := range []format.Generator{{Length: 0, Charset: "alnum"}, {Length: 5000, Charset: "hex"}, {Length: 8, Charset: "bogus"}, {}} {
		h := fullHeader()
		h.Rotation.Generator = &g
		sf, err := format.NewSecretFile(h)
		if err != nil {
			continue // refused up front: fine
		}
		sf.Armored = []byte(testArmor)
		if _, err := format.ParseSecret(sf.Marshal()); err != nil {
			t.Errorf("NewSecretFile accepted generator %+v, but ParseSecret rejects the result: %v", g, err)
		}
	}
}

// TestParseSecretFutureVersion: a file written by a newer tresor should be
// reported as an unknown version (so the user knows to upgrade), even when
// that version added a field. decodeCanonical runs with KnownFields before
// the tag is checked, so the user is told the YAML is malformed instead.
func TestParseSecretFutureVersion(t *testing.T) {
	in := strings.Replace(minimalSecretFile, "tresor: secret/v1\n", "tresor: secret/v2\n", 1)
	in = strings.Replace(in, "version: 1\n", "version: 1\nkdf: argon2id\n", 1)
	_, err := format.ParseSecret([]byte(in))
	if !errors.Is(err, format.ErrUnknownVersion) {
		t.Errorf("ParseSecret(secret/v2 with a new field) = %v, want ErrUnknownVersion", err)
	}
}

func TestValidateDescription(t *testing.T) {
	for _, ok := range []string{"", "primary postgres", strings.Repeat("é", 100), "tabs\u00a0and ünïcödé", "'quoted' \"double\" # not a comment"} {
		if err := format.ValidateDescription(ok); err != nil {
			t.Errorf("ValidateDescription(%q) = %v", ok, err)
		}
	}
	for _, bad := range []string{"a\nb", "a\rb", "a\tb", "\x00", "\x7f", "\xff", strings.Repeat("é", 101)} {
		if err := format.ValidateDescription(bad); err == nil {
			t.Errorf("ValidateDescription(%q) = nil", bad)
		}
	}
}

func TestValidEnvName(t *testing.T) {
	for _, ok := range []string{"A", "_", "DATABASE_PASSWORD", "a1", "_1", strings.Repeat("A", 128)} {
		if !format.ValidEnvName(ok) {
			t.Errorf("ValidEnvName(%q) = false", ok)
		}
	}
	for _, bad := range []string{"", "1A", "A-B", "A B", "A=B", "Ä", strings.Repeat("A", 129)} {
		if format.ValidEnvName(bad) {
			t.Errorf("ValidEnvName(%q) = true", bad)
		}
	}
}
