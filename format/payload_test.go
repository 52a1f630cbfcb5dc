package format_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	"github.com/tresor-dev/tresor/format"
)

func headerHash(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

var testHeaderHash = headerHash([]byte(minimalSecretFile))

func TestPayloadGolden(t *testing.T) {
	h := strings.Repeat("0f", 32)
	got := format.MarshalPayload(h, []byte("hunter2"))
	want := "tresor-payload/v1\nheader-sha256: " + h + "\n\nhunter2"
	if string(got) != want {
		t.Errorf("MarshalPayload = %q, want %q", got, want)
	}
}

func TestPayloadRoundTrip(t *testing.T) {
	binary := make([]byte, 256)
	for i := range binary {
		binary[i] = byte(i)
	}
	for _, tt := range []struct {
		name  string
		value []byte
	}{
		{"empty", []byte{}},
		{"simple", []byte("hunter2")},
		{"newlines", []byte("line one\nline two\n\n\nline five\n")},
		{"leading newlines", []byte("\n\nvalue")},
		{"looks like an envelope", format.MarshalPayload(testHeaderHash, []byte("inner"))},
		{"pem", []byte("-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIA==\n-----END PRIVATE KEY-----\n")},
		{"CRLF", []byte("a\r\nb\r\n")},
		{"binary", binary},
		{"NULs", []byte{0, 0, 0}},
		{"invalid UTF-8", []byte{0xff, 0xfe, '\n', 0xc3}},
		{"max size", bytes.Repeat([]byte{'x'}, format.MaxValueSize)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			b := format.MarshalPayload(testHeaderHash, tt.value)
			p, err := format.ParsePayload(b)
			h, v := p.HeaderSHA256, p.Value
			if err != nil {
				t.Fatalf("ParsePayload: %v", err)
			}
			if h != testHeaderHash {
				t.Errorf("header hash = %q, want %q", h, testHeaderHash)
			}
			if !bytes.Equal(v, tt.value) {
				t.Errorf("value = %q, want %q", v, tt.value)
			}
			if again := format.MarshalPayload(h, v); !bytes.Equal(again, b) {
				t.Errorf("MarshalPayload(ParsePayload(b)) != b")
			}
		})
	}
}

func TestParsePayloadRejects(t *testing.T) {
	good := string(format.MarshalPayload(testHeaderHash, []byte("v")))
	for _, tt := range []struct {
		name string
		in   string
	}{
		{"empty", ""},
		{"plain value", "hunter2"},
		{"wrong tag", strings.Replace(good, "tresor-payload/v1", "tresor-payload/v2", 1)},
		{"wrong key", strings.Replace(good, "header-sha256", "header-sha512", 1)},
		{"CRLF", strings.ReplaceAll(good, "\n", "\r\n")},
		{"uppercase hash", strings.Replace(good, testHeaderHash, strings.ToUpper(testHeaderHash), 1)},
		{"short hash", strings.Replace(good, testHeaderHash, testHeaderHash[:63], 1)},
		{"long hash", strings.Replace(good, testHeaderHash, testHeaderHash+"0", 1)},
		{"non-hex hash", strings.Replace(good, testHeaderHash, "g"+testHeaderHash[1:], 1)},
		{"hash with space", strings.Replace(good, testHeaderHash, " "+testHeaderHash[1:], 1)},
		{"one newline", strings.Replace(good, testHeaderHash+"\n\n", testHeaderHash+"\n", 1)},
		{"no blank line", strings.Replace(good, testHeaderHash+"\n\n", testHeaderHash+"\nv", 1)},
		{"truncated", good[:len("tresor-payload/v1\nheader-sha256: ")+64+1]},
		{"tag only", "tresor-payload/v1\nheader-sha256: "},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if p, err := format.ParsePayload([]byte(tt.in)); err == nil {
				t.Errorf("ParsePayload(%q) = %+v, nil; want an error", tt.in, p)
			}
		})
	}
}

func TestParsePayloadTooLarge(t *testing.T) {
	b := format.MarshalPayload(testHeaderHash, bytes.Repeat([]byte{'x'}, format.MaxValueSize+1))
	_, err := format.ParsePayload(b)
	if !errors.Is(err, format.ErrValueTooLarge) {
		t.Errorf("ParsePayload of a 1 MiB + 1 value = %v, want ErrValueTooLarge", err)
	}
}

func TestParsePayloadErrorsDoNotEchoValues(t *testing.T) {
	// The plaintext is secret: not even a malformed envelope may be quoted.
	for _, in := range []string{"hunter2", "tresor-payload/v1\nheader-sha256: hunter2hunter2\n\nhunter2"} {
		_, err := format.ParsePayload([]byte(in))
		if err == nil {
			t.Fatalf("ParsePayload(%q) accepted", in)
		}
		if strings.Contains(err.Error(), "hunter2") {
			t.Errorf("error %q echoes the plaintext", err)
		}
	}
}

func TestPayloadReadKey(t *testing.T) {
	key := bytes.Repeat([]byte{0x5a}, format.ReadKeySize)
	p := format.Payload{HeaderSHA256: testHeaderHash, ReadKeyID: "00112233aabbccdd", ReadKey: key, Value: []byte("\nv\n")}
	b := p.Marshal()
	want := "tresor-payload/v1\nheader-sha256: " + testHeaderHash + "\nread-key: 00112233aabbccdd " + strings.Repeat("5a", 32) + "\n\n\nv\n"
	if string(b) != want {
		t.Fatalf("Marshal = %q, want %q", b, want)
	}
	got, err := format.ParsePayload(b)
	if err != nil || got.ReadKeyID != p.ReadKeyID || !bytes.Equal(got.ReadKey, key) || string(got.Value) != "\nv\n" {
		t.Fatalf("ParsePayload = %+v, %v", got, err)
	}
	for name, bad := range map[string]string{
		"short id":       strings.Replace(want, "00112233aabbccdd", "00112233aabbccd", 1),
		"uppercase key":  strings.Replace(want, strings.Repeat("5a", 32), strings.Repeat("5A", 32), 1),
		"short key":      strings.Replace(want, strings.Repeat("5a", 32), strings.Repeat("5a", 31), 1),
		"no blank line":  strings.Replace(want, "\n\n\nv", "\nv", 1),
		"two read keys":  strings.Replace(want, "\n\n\nv", "\nread-key: 00112233aabbccdd "+strings.Repeat("5a", 32)+"\n\n\nv", 1),
		"key line first": "tresor-payload/v1\nread-key: 00112233aabbccdd " + strings.Repeat("5a", 32) + "\nheader-sha256: " + testHeaderHash + "\n\nv",
	} {
		if p, err := format.ParsePayload([]byte(bad)); err == nil {
			t.Errorf("%s: accepted as %+v", name, p)
		}
	}
}
