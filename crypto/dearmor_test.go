package crypto

import (
	"bytes"
	"io"
	"strings"
	"testing"

	"filippo.io/age/armor"
)

// armorOf armors data with age's own writer.
func armorOf(t testing.TB, data []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := armor.NewWriter(&buf)
	if _, err := w.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestDearmorMatchesAge(t *testing.T) {
	for _, n := range []int{1, 2, 3, 47, 48, 49, 95, 96, 97, 1000, 4096} {
		data := bytes.Repeat([]byte{0xa5, 0x3c, 0x00, 0xff}, n)[:n]
		got, ok := dearmor(armorOf(t, data))
		if !ok || !bytes.Equal(got, data) {
			t.Errorf("%d bytes: ok=%v, round trip differs", n, ok)
		}
	}
	good := string(armorOf(t, bytes.Repeat([]byte("x"), 100)))
	for name, bad := range map[string]string{
		"no header":           strings.TrimPrefix(good, armor.Header+"\n"),
		"no footer":           strings.TrimSuffix(good, armor.Footer+"\n"),
		"crlf":                strings.ReplaceAll(good, "\n", "\r\n"),
		"cr in last line":     strings.Replace(good, "\n"+armor.Footer, "\r\n"+armor.Footer, 1),
		"leading blank line":  "\n" + good,
		"trailing blank line": good + "\n",
		"short first line":    strings.Replace(good, armor.Header+"\n", armor.Header+"\nAAAA\n", 1),
		"empty body":          armor.Header + "\n" + armor.Footer + "\n",
		"empty line":          strings.Replace(good, armor.Header+"\n", armor.Header+"\n\n", 1),
		"padding mid-file":    armor.Header + "\n" + strings.Repeat("A", 60) + "AA==\n" + "AAAA\n" + armor.Footer + "\n",
		"long line":           armor.Header + "\n" + strings.Repeat("A", 68) + "\n" + armor.Footer + "\n",
	} {
		if _, ok := dearmor([]byte(bad)); ok {
			t.Errorf("%s: accepted", name)
		}
	}
}

// FuzzDearmor: whatever dearmor accepts, age's armor reader accepts too and
// decodes to the same bytes; it never panics.
func FuzzDearmor(f *testing.F) {
	for _, n := range []int{1, 48, 49, 200} {
		f.Add(armorOf(f, bytes.Repeat([]byte{7}, n)))
	}
	f.Add([]byte(armor.Header + "\nAAAA\r\n" + armor.Footer + "\n"))
	f.Add([]byte(armor.Header + "\n" + strings.Repeat("A", 60) + "AA==\nAAAA\n" + armor.Footer + "\n"))
	f.Fuzz(func(t *testing.T, in []byte) {
		got, ok := dearmor(in)
		if !ok {
			return
		}
		want, err := io.ReadAll(armor.NewReader(bytes.NewReader(in)))
		if err != nil {
			t.Fatalf("dearmor accepted what age refuses (%v)", err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("dearmor decoded %x, age %x", got, want)
		}
	})
}
