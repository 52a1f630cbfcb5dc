package mask

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"testing"
)

// reference masks input all at once, the obvious way: at each offset, the
// longest pattern that starts there is replaced and scanning goes on after
// it; otherwise the byte is kept.
func reference(input []byte, patterns [][]byte) []byte {
	var out []byte
	for i := 0; i < len(input); {
		best := 0
		for _, p := range patterns {
			if len(p) > best && bytes.HasPrefix(input[i:], p) {
				best = len(p)
			}
		}
		if best > 0 {
			out = append(out, Replacement...)
			i += best
		} else {
			out = append(out, input[i])
			i++
		}
	}
	return out
}

// forms is what Compile should mask for secrets, written out independently.
func forms(secrets [][]byte) [][]byte {
	var ps [][]byte
	for _, s := range secrets {
		if len(s) < MinLength {
			continue
		}
		ps = append(ps, s,
			[]byte(base64.StdEncoding.EncodeToString(s)),
			[]byte(base64.RawStdEncoding.EncodeToString(s)),
			[]byte(base64.URLEncoding.EncodeToString(s)),
			[]byte(base64.RawURLEncoding.EncodeToString(s)))
	}
	return ps
}

// rawMatcher masks exactly patterns, without base64 forms or MinLength, so
// tests can build overlaps that base64 would not.
func rawMatcher(patterns ...string) *Matcher {
	var ps [][]byte
	for _, p := range patterns {
		ps = append(ps, []byte(p))
	}
	return &Matcher{a: build(ps)}
}

func bs(ss ...string) [][]byte {
	var out [][]byte
	for _, s := range ss {
		out = append(out, []byte(s))
	}
	return out
}

// writeChunks writes input to a fresh Writer in chunks of the given sizes
// (cycling; 0 is an empty Write) and returns what reached dst.
func writeChunks(t testing.TB, m *Matcher, input []byte, sizes []int) []byte {
	t.Helper()
	var dst bytes.Buffer
	w := m.NewWriter(&dst)
	for i := 0; len(input) > 0; i++ {
		n := min(sizes[i%len(sizes)], len(input))
		if got, err := w.Write(input[:n]); err != nil || got != n {
			t.Fatalf("Write(%d bytes) = %d, %v", n, got, err)
		}
		input = input[n:]
	}
	if err := w.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	return dst.Bytes()
}

// checkAllSplits masks input in one Write, in two Writes at every split
// point, and one byte at a time, and wants the same result each time.
func checkAllSplits(t *testing.T, m *Matcher, input []byte, want []byte) {
	t.Helper()
	if got := writeChunks(t, m, input, []int{len(input) + 1}); !bytes.Equal(got, want) {
		t.Fatalf("one Write:\n got %q\nwant %q", got, want)
	}
	for i := 0; i <= len(input); i++ {
		var dst bytes.Buffer
		w := m.NewWriter(&dst)
		w.Write(input[:i])
		w.Write(input[i:])
		w.Close()
		if got := dst.Bytes(); !bytes.Equal(got, want) {
			t.Fatalf("split at %d:\n got %q\nwant %q", i, got, want)
		}
	}
	if got := writeChunks(t, m, input, []int{1}); !bytes.Equal(got, want) {
		t.Fatalf("one byte per Write:\n got %q\nwant %q", got, want)
	}
}

func TestMask(t *testing.T) {
	hunter := "hunter2!"
	tests := []struct {
		name    string
		secrets [][]byte
		input   string
		want    string
	}{
		{"no secrets", nil, "hello\n", "hello\n"},
		{"empty input", bs(hunter), "", ""},
		{"no occurrence", bs(hunter), "hello hunter2 world\n", "hello hunter2 world\n"},
		{"whole input", bs(hunter), hunter, "*****"},
		{"in a line", bs(hunter), "pw=" + hunter + "\n", "pw=*****\n"},
		{"twice", bs(hunter), hunter + hunter + " " + hunter, "********** *****"},
		{"at the end, then a partial", bs(hunter), "x" + hunter + "hunter", "x*****hunter"},
		{"partial at the end is flushed by Close", bs(hunter), "hunter2", "hunter2"},
		{"prefix repeated before it", bs("aaab"), "aaaaaab", "aaa*****"},
		{"base64 std", bs("a secret?>"), "v=" + base64.StdEncoding.EncodeToString([]byte("a secret?>")), "v=*****"},
		{"base64 raw std", bs("a secret?>"), "v=" + base64.RawStdEncoding.EncodeToString([]byte("a secret?>")) + ";", "v=*****;"},
		{"base64 url", bs("a secret?>"), "v=" + base64.URLEncoding.EncodeToString([]byte("a secret?>")), "v=*****"},
		{"base64 raw url", bs("a secret?>"), "v=" + base64.RawURLEncoding.EncodeToString([]byte("a secret?>")) + ";", "v=*****;"},
		// The unpadded form is a prefix of the padded one: the longest wins,
		// so no "=" is left behind to hint at the length.
		{"base64 padding is masked too", bs("hunter2!x"), base64.StdEncoding.EncodeToString([]byte("hunter2!x")) + "\n", "*****\n"},
		{"one a prefix of another, longer", bs("passw0rd", "passw0rd123"), "x passw0rd123 y", "x ***** y"},
		{"one a prefix of another, shorter", bs("passw0rd", "passw0rd123"), "x passw0rd12 y", "x *****12 y"},
		{"one inside another", bs("abcdefgh", "cdef"), "abcdefgh cdef abcdefg", "***** ***** ab*****g"},
		// Leftmost wins over longest: "xxabcd" starts first.
		{"overlap, leftmost wins", bs("xxabcd", "abcdefgh"), "xxabcdefgh", "*****efgh"},
		{"overlap, longer starts first", bs("abcdefgh", "efghijkl"), "abcdefghijkl", "*****ijkl"},
		{"adjacent", bs("abcd", "efgh"), "abcdefghabcd", "***************"},
		{"adjacent same", bs("abcd"), "abcdabcdabc", "**********abc"},
		{"secret with a newline", bs("-----BEGIN\nKEY-----"), "a\n-----BEGIN\nKEY-----\nb", "a\n*****\nb"},
		{"short secret skipped", bs("abc", "abcd"), "abc abcd", "abc *****"},
		{"empty secret skipped", bs("", "abcd"), "abcd", "*****"},
		{"binary", [][]byte{{0, 0xff, 0, 0xfe}}, "\x00\x00\xff\x00\xfe\xff\xff\x00\xfe", "\x00*****\xff\xff\x00\xfe"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := Compile(tt.secrets)
			if want := reference([]byte(tt.input), forms(tt.secrets)); string(want) != tt.want {
				t.Fatalf("the reference disagrees with the table: %q", want)
			}
			checkAllSplits(t, m, []byte(tt.input), []byte(tt.want))
		})
	}
}

// Raw patterns, to reach overlaps that real secrets and base64 rarely make.
func TestMaskOverlaps(t *testing.T) {
	tests := []struct {
		name     string
		patterns []string
		input    string
		want     string
	}{
		{"longest among those starting first", []string{"ab", "abcd", "abc"}, "abcde", "*****e"},
		{"fallback to shorter after a long prefix fails", []string{"ab", "abcdefgh"}, "abcdefgX", "*****cdefgX"},
		{"chain of matches inside a failed long one", []string{"ab", "cd", "ef", "abcdefgh"}, "abcdefgX", "***************gX"},
		{"chain, then the long one completes", []string{"ab", "cd", "ef", "abcdefgh"}, "abcdefgh", "*****"},
		{"later match starts in a gap", []string{"abc", "fg", "dfgh"}, "abcdfgh", "**********"},
		{"match inside a pending one is dropped", []string{"abcd", "bcdefg", "efg"}, "abcdefg", "**********"},
		{"shorter match behind a longer overlapping one", []string{"abc", "cde", "de"}, "abcde", "**********"},
		{"pending match replaced in its gap", []string{"abc", "efg", "dxyz", "abcdefghij"}, "abcdxyz", "**********"},
		{"failure to a shorter prefix", []string{"aab"}, "aaab", "a*****"},
		{"nested repeats", []string{"aa", "aaa", "aaaa"}, "aaaaaaaaa", "**********a"},
		{"suffix-of-match restart", []string{"abcd", "cdef"}, "abcdef", "*****ef"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := rawMatcher(tt.patterns...)
			if want := reference([]byte(tt.input), bs(tt.patterns...)); string(want) != tt.want {
				t.Fatalf("the reference disagrees with the table: %q", want)
			}
			checkAllSplits(t, m, []byte(tt.input), []byte(tt.want))
		})
	}
}

// Output that holds no secret reaches dst in the same Write: a prompt with
// no newline must show at once. Only a fragment that could begin a secret
// waits.
func TestPassesThroughAtOnce(t *testing.T) {
	var dst bytes.Buffer
	w := New(&dst, bs("hunter2!", "s3cr3t-t0ken"))
	steps := []struct{ write, dst string }{
		{"Password: ", "Password: "},
		{"ok\n", "Password: ok\n"},
		{"\x1b[1mbold\x1b[0m", "Password: ok\n\x1b[1mbold\x1b[0m"},
		{"token=s3cr", "Password: ok\n\x1b[1mbold\x1b[0mtoken="}, // "s3cr" may be a secret
		{"3t-", "Password: ok\n\x1b[1mbold\x1b[0mtoken="},
		{"t0ken ", "Password: ok\n\x1b[1mbold\x1b[0mtoken=***** "},
		{"hunt", "Password: ok\n\x1b[1mbold\x1b[0mtoken=***** "},
		{"ing\n", "Password: ok\n\x1b[1mbold\x1b[0mtoken=***** hunting\n"},
	}
	for _, s := range steps {
		if _, err := w.Write([]byte(s.write)); err != nil {
			t.Fatal(err)
		}
		if dst.String() != s.dst {
			t.Fatalf("after Write(%q): dst = %q, want %q", s.write, dst.String(), s.dst)
		}
	}
	w.Write([]byte("hunter2"))
	w.Close()
	if want := "Password: ok\n\x1b[1mbold\x1b[0mtoken=***** hunting\nhunter2"; dst.String() != want {
		t.Fatalf("after Close: dst = %q, want %q", dst.String(), want)
	}
}

// After every Write, the held-back input is no longer than the longest
// suffix of the input so far that is a proper prefix of a pattern.
func checkHeldMinimal(t *testing.T, w *Writer, soFar []byte, patterns [][]byte) {
	t.Helper()
	longest := 0
	for _, p := range patterns {
		for l := min(len(p)-1, len(soFar)); l > longest; l-- {
			if bytes.HasSuffix(soFar, p[:l]) {
				longest = l
				break
			}
		}
	}
	if held := int(w.n - w.flushed); held > longest {
		t.Fatalf("held back %d bytes (%q), but the longest suffix that may begin a pattern is %d", held, w.held, longest)
	}
}

// randomInput is text over a small alphabet, with whole and partial
// patterns mixed in so that matches, near misses and overlaps are common.
func randomInput(r *rand.Rand, patterns [][]byte, alphabet string, n int) []byte {
	var in []byte
	for len(in) < n {
		switch x := r.IntN(10); {
		case x < 3 && len(patterns) > 0:
			in = append(in, patterns[r.IntN(len(patterns))]...)
		case x < 5 && len(patterns) > 0:
			p := patterns[r.IntN(len(patterns))]
			in = append(in, p[:r.IntN(len(p))]...)
		default:
			in = append(in, alphabet[r.IntN(len(alphabet))])
		}
	}
	return in
}

func randomChunks(r *rand.Rand) []int {
	sizes := make([]int, 1+r.IntN(8))
	for i := range sizes {
		switch r.IntN(4) {
		case 0:
			sizes[i] = r.IntN(2) // empty and one-byte Writes
		case 1:
			sizes[i] = 1 + r.IntN(64)
		default:
			sizes[i] = 1 + r.IntN(8)
		}
	}
	return append(sizes, 1) // so that not every Write is empty
}

// Against the reference, over random patterns, inputs and chunkings.
func TestMatchesReference(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	denseRows := 0
	for iter := range 4000 {
		alphabet, count, long := "abc"[:1+r.IntN(3)], 1+r.IntN(6), 7
		if iter%4 == 0 {
			// Many short patterns over a wider alphabet give nodes with
			// enough children for a dense row below the root.
			alphabet, count, long = "abcdefghijkl", 20+r.IntN(40), 4
		}
		var patterns [][]byte
		for range count {
			p := make([]byte, 1+r.IntN(long))
			for i := range p {
				p[i] = alphabet[r.IntN(len(alphabet))]
			}
			patterns = append(patterns, p)
		}
		m := &Matcher{a: build(patterns)}
		denseRows += len(m.a.rows)/256 - 1
		input := randomInput(r, patterns, alphabet+"x", r.IntN(80))
		want := reference(input, patterns)

		sizes := randomChunks(r)
		var dst bytes.Buffer
		w := m.NewWriter(&dst)
		rest := input
		for i := 0; len(rest) > 0; i++ {
			n := min(sizes[i%len(sizes)], len(rest))
			w.Write(rest[:n])
			rest = rest[n:]
			soFar := input[:len(input)-len(rest)]
			checkHeldMinimal(t, w, soFar, patterns)
			if !bytes.HasPrefix(want, dst.Bytes()) {
				t.Fatalf("iteration %d: patterns %q, input %q, chunks %v: after %d bytes dst = %q, not a prefix of %q",
					iter, patterns, input, sizes, len(soFar), dst.Bytes(), want)
			}
		}
		w.Close()
		if !bytes.Equal(dst.Bytes(), want) {
			t.Fatalf("iteration %d: patterns %q, input %q, chunks %v:\n got %q\nwant %q",
				iter, patterns, input, sizes, dst.Bytes(), want)
		}
	}
	if denseRows == 0 {
		t.Fatal("no automaton had a dense row below the root")
	}
}

// The same with real secrets, their base64 forms and binary data.
func TestMatchesReferenceSecrets(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for iter := range 500 {
		var secrets [][]byte
		for range r.IntN(5) {
			s := make([]byte, r.IntN(12))
			for i := range s {
				s[i] = byte(r.IntN(256))
			}
			if r.IntN(2) == 0 && len(secrets) > 0 { // share a prefix
				s = append(bytes.Clone(secrets[0][:r.IntN(len(secrets[0])+1)]), s...)
			}
			secrets = append(secrets, s)
		}
		patterns := forms(secrets)
		input := randomInput(r, patterns, "aAb+/=\x00\xff", r.IntN(200))
		want := reference(input, patterns)
		sizes := randomChunks(r)
		if got := writeChunks(t, Compile(secrets), input, sizes); !bytes.Equal(got, want) {
			t.Fatalf("iteration %d: secrets %q, input %q, chunks %v:\n got %q\nwant %q",
				iter, secrets, input, sizes, got, want)
		}
	}
}

// Secrets that use every byte value leave no byte class for "in no
// pattern"; those that use all but one leave it a single byte.
func TestAllByteValues(t *testing.T) {
	all := make([]byte, 256)
	for i := range all {
		all[i] = byte(i)
	}
	r := rand.New(rand.NewPCG(11, 12))
	for _, secrets := range [][][]byte{
		{all[:128], all[128:], []byte("\xff\x00\x01\x02"), []byte("\x7f\x80\x81\x82")},
		{all[:100], all[100:255], []byte("\xfe\x00\x01\x02")},
	} {
		patterns := forms(secrets)
		for range 200 {
			input := randomInput(r, patterns, string(all), r.IntN(600))
			want := reference(input, patterns)
			sizes := randomChunks(r)
			if got := writeChunks(t, Compile(secrets), input, sizes); !bytes.Equal(got, want) {
				t.Fatalf("input %q, chunks %v:\n got %q\nwant %q", input, sizes, got, want)
			}
		}
	}
}

func TestSkipped(t *testing.T) {
	w := New(io.Discard, bs("", "a", "abc", "abcd", "abcd", "longer secret"))
	if got := w.Skipped(); got != 3 {
		t.Fatalf("Skipped() = %d, want 3", got)
	}
}

func TestManySecrets(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	secrets := randomSecrets(r, 2000)
	input := []byte(strings.Repeat("nothing to see here\n", 10))
	var want []byte
	for i, s := range secrets[:50] {
		line := fmt.Sprintf("%d: %s %s\n", i, s, base64.StdEncoding.EncodeToString(s))
		input = append(input, line...)
		want = fmt.Appendf(want, "%d: ***** *****\n", i)
	}
	want = append([]byte(strings.Repeat("nothing to see here\n", 10)), want...)
	for _, sizes := range [][]int{{1 << 20}, {1}, {7, 13, 1}} {
		if got := writeChunks(t, Compile(secrets), input, sizes); !bytes.Equal(got, want) {
			t.Fatalf("chunks %v:\n got %q\nwant %q", sizes, got, want)
		}
	}
}

func TestWriteAfterClose(t *testing.T) {
	var dst bytes.Buffer
	w := New(&dst, bs("hunter2!"))
	w.Write([]byte("hunter"))
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if _, err := w.Write([]byte("2!")); !errors.Is(err, ErrClosed) {
		t.Fatalf("Write after Close: %v, want ErrClosed", err)
	}
	if dst.String() != "hunter" {
		t.Fatalf("dst = %q", dst.String())
	}
}

type failingWriter struct{ n int }

func (f *failingWriter) Write(p []byte) (int, error) {
	if f.n == 0 {
		return 0, io.ErrClosedPipe
	}
	f.n--
	return len(p), nil
}

func TestDstErrorIsSticky(t *testing.T) {
	w := New(&failingWriter{n: 1}, bs("hunter2!"))
	if _, err := w.Write([]byte("one\n")); err != nil {
		t.Fatal(err)
	}
	if n, err := w.Write([]byte("two\n")); n != 0 || !errors.Is(err, io.ErrClosedPipe) {
		t.Fatalf("Write = %d, %v; want 0, ErrClosedPipe", n, err)
	}
	if _, err := w.Write([]byte("three\n")); !errors.Is(err, io.ErrClosedPipe) {
		t.Fatalf("Write after failure: %v", err)
	}
	if err := w.Close(); !errors.Is(err, io.ErrClosedPipe) {
		t.Fatalf("Close after failure: %v", err)
	}
}

// A Write whose output is all held back writes nothing to dst, not even an
// empty slice.
func TestNoEmptyWrites(t *testing.T) {
	w := New(&failingWriter{n: 0}, bs("hunter2!"))
	if _, err := w.Write([]byte("hunt")); err != nil {
		t.Fatalf("Write of a held-back fragment reached dst: %v", err)
	}
}

func FuzzMask(f *testing.F) {
	f.Add([]byte("\x08hunter2!\x04abcd"), []byte("pw=\xfe\x00 and \xfd\x01\x05 \xfe\x01\xfe\x01"), []byte{1})
	f.Add([]byte("\x04ab\x00d\x08ab\x00dab\x00d"), []byte("\xfe\x01\xfe\x00\xfd\x01\x07\xfe\x02"), []byte{3, 0, 1})
	f.Add([]byte("\x05aaaab\x04aaab"), []byte("aaaaaaab\xfe\x00aa\xfe\x06"), []byte{2, 5})
	f.Add([]byte("\x0aab\xff\x00cdefgh"), []byte("\xfe\x02\xfe\x04\xfd\x03\x09\xfe\x01"), []byte{})
	f.Add([]byte{}, []byte("no secrets at all"), []byte{4})
	f.Fuzz(func(t *testing.T, secretBytes, script, chunks []byte) {
		// secretBytes is length-prefixed values.
		var secrets [][]byte
		for len(secretBytes) > 0 {
			n := min(int(secretBytes[0]%32), len(secretBytes)-1)
			secrets = append(secrets, secretBytes[1:1+n])
			secretBytes = secretBytes[1+n:]
		}
		patterns := forms(secrets)
		// script is the input, where 0xfe k inserts pattern k and
		// 0xfd k l the first l bytes of pattern k.
		var input []byte
		for i := 0; i < len(script); i++ {
			switch {
			case script[i] == 0xfe && i+1 < len(script) && len(patterns) > 0:
				input = append(input, patterns[int(script[i+1])%len(patterns)]...)
				i++
			case script[i] == 0xfd && i+2 < len(script) && len(patterns) > 0:
				p := patterns[int(script[i+1])%len(patterns)]
				input = append(input, p[:int(script[i+2])%len(p)]...)
				i += 2
			default:
				input = append(input, script[i])
			}
		}
		sizes := []int{len(input) + 1}
		if len(chunks) > 0 {
			sizes = sizes[:0]
			for _, c := range chunks {
				sizes = append(sizes, int(c%16))
			}
			sizes = append(sizes, 1) // so that not every Write is empty
		}
		want := reference(input, patterns)
		if got := writeChunks(t, Compile(secrets), input, sizes); !bytes.Equal(got, want) {
			t.Fatalf("secrets %q, input %q, chunks %v:\n got %q\nwant %q", secrets, input, sizes, got, want)
		}
	})
}

// randomSecrets makes n tokens that look like API keys and passwords:
// 16 to 48 bytes of letters, digits and a little punctuation.
func randomSecrets(r *rand.Rand, n int) [][]byte {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.!"
	secrets := make([][]byte, n)
	for i := range secrets {
		s := make([]byte, 16+r.IntN(33))
		for j := range s {
			s[j] = alphabet[r.IntN(len(alphabet))]
		}
		secrets[i] = s
	}
	return secrets
}

// ordinaryText is n bytes of log-like lines.
func ordinaryText(r *rand.Rand, n int) []byte {
	words := strings.Fields(`the build step ran in 12ms with 3 warnings; GET /api/v1/users
		returned 200 OK, cache hit ratio 0.93, deploying service payments to
		region eu-west-1: pulling image sha256:4f2a9c done, migrating database
		schema version 42, error: connection reset by peer (retrying in 5s) INFO
		DEBUG WARN user=alice id=9f8e7d6c request_id=Zm9vYmFy latency=183us`)
	var b []byte
	for len(b) < n {
		for k := 4 + r.IntN(12); k > 0; k-- {
			b = append(b, words[r.IntN(len(words))]...)
			b = append(b, ' ')
		}
		b[len(b)-1] = '\n'
	}
	return b[:n]
}

func benchmarkWriter(b *testing.B, input []byte, chunk int) {
	r := rand.New(rand.NewPCG(7, 8))
	m := Compile(randomSecrets(r, 2000))
	b.SetBytes(int64(len(input)))
	for b.Loop() {
		w := m.NewWriter(io.Discard)
		for p := input; len(p) > 0; {
			n := min(chunk, len(p))
			w.Write(p[:n])
			p = p[n:]
		}
		w.Close()
	}
}

// 2000 secrets (10,000 patterns) over 1 MiB of text that holds none.
func BenchmarkWriter(b *testing.B) {
	input := ordinaryText(rand.New(rand.NewPCG(9, 10)), 1<<20)
	b.Run("32KiB writes", func(b *testing.B) { benchmarkWriter(b, input, 32<<10) })
	b.Run("line writes", func(b *testing.B) { benchmarkWriter(b, input, 80) })
}

// The same, with a secret or its base64 in every 4 KiB.
func BenchmarkWriterWithSecrets(b *testing.B) {
	r := rand.New(rand.NewPCG(7, 8))
	secrets := randomSecrets(r, 2000) // the same as benchmarkWriter's
	input := ordinaryText(rand.New(rand.NewPCG(9, 10)), 1<<20)
	for i := 0; i+200 < len(input); i += 4096 {
		s := secrets[(i/4096)%len(secrets)]
		copy(input[i:], base64.StdEncoding.EncodeToString(s))
		copy(input[i+100:], s)
	}
	benchmarkWriter(b, input, 32<<10)
}

func BenchmarkCompile(b *testing.B) {
	secrets := randomSecrets(rand.New(rand.NewPCG(7, 8)), 2000)
	for b.Loop() {
		Compile(secrets)
	}
}
