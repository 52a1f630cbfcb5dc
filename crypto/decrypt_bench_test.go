package crypto

import "testing"

func benchmarkDecrypt(b *testing.B, classic bool) {
	id, err := Generate(classic)
	if err != nil {
		b.Fatal(err)
	}
	armored, err := Sealer{}.Encrypt([]string{id.Recipient()}, []byte("value-0001-abcdefghijklmnopqrstuvwxyz"))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := Decrypt(armored, id, 1<<20); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecryptClassic(b *testing.B) { benchmarkDecrypt(b, true) }
func BenchmarkDecryptPQ(b *testing.B)      { benchmarkDecrypt(b, false) }
