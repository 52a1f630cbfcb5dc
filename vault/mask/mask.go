// Package mask hides secret values in a stream of output. It is what
// `tresor exec --mask` puts between the child's stdout and stderr and the
// terminal: every occurrence of a secret value, or of one of its base64
// encodings, is replaced by Replacement.
//
// The filter adds no latency to output that contains no secret: each Write
// passes on, at once, everything that cannot be the start of a secret, and
// holds back only a trailing fragment that could still grow into one, until
// the next Write or Close decides it. A secret split across any number of
// Writes, down to one byte each, is still masked.
package mask

import (
	"encoding/base64"
	"errors"
	"fmt"
	"io"
)

// MinLength is the shortest secret value that is masked. Shorter values
// would mask ordinary text ("yes", "1", "") and tell a reader of the output
// where they occur; New skips them and Skipped counts them, so the caller
// can warn.
const MinLength = 4

// Replacement is what each masked occurrence becomes, whatever its length,
// so the output does not tell how long a secret is.
const Replacement = "*****"

// ErrClosed is returned by Write after Close.
var ErrClosed = errors.New("mask: write after close")

// A Matcher is the compiled set of patterns for a list of secrets. It is
// immutable and safe for concurrent use, so the Writers for stdout and
// stderr can share one.
type Matcher struct {
	a       *automaton
	skipped int
	origins []origin // by pattern, what Find reports (find.go)
}

// Compile builds the patterns for secrets: each value of at least MinLength
// bytes, and its base64 encodings with the standard and URL alphabets,
// padded and unpadded. The secrets are copied; the caller may clear them.
func Compile(secrets [][]byte) *Matcher {
	var patterns [][]byte
	var origins []origin
	skipped := 0
	for i, s := range secrets {
		if len(s) < MinLength {
			skipped++
			continue
		}
		patterns = append(patterns, s)
		origins = append(origins, origin{i, FormValue})
		for _, enc := range encodings {
			patterns = append(patterns, []byte(enc.EncodeToString(s)))
			origins = append(origins, origin{i, FormBase64})
		}
	}
	// build copies the bytes into its trie and dedupes (the padded and
	// unpadded forms are equal when len(s) is a multiple of 3, and the
	// standard and URL forms when no '+' or '/' occurs).
	return &Matcher{a: build(patterns), skipped: skipped, origins: origins}
}

var encodings = []*base64.Encoding{
	base64.StdEncoding,
	base64.RawStdEncoding,
	base64.URLEncoding,
	base64.RawURLEncoding,
}

// Skipped is the number of secrets shorter than MinLength, which are not
// masked.
func (m *Matcher) Skipped() int { return m.skipped }

// New returns a Writer that writes to dst what is written to it, with every
// occurrence of a secret in secrets (see Compile) replaced by Replacement.
// To filter two streams with the same secrets, Compile once and call
// NewWriter twice.
func New(dst io.Writer, secrets [][]byte) *Writer {
	return Compile(secrets).NewWriter(dst)
}

// NewWriter returns a Writer that masks m's secrets in what it passes to dst.
func (m *Matcher) NewWriter(dst io.Writer) *Writer {
	return &Writer{dst: dst, m: m}
}

// A Writer masks secrets in the byte stream written to it.
//
// Where occurrences overlap, the leftmost one is replaced, and of those
// starting there the longest; scanning then goes on after it. That is the
// same result as masking the whole stream at once, however it is split into
// Writes.
//
// A Writer holds state between Writes: it must not be used by more than one
// goroutine at a time. Use one Writer per stream.
type Writer struct {
	dst io.Writer
	m   *Matcher

	// The stream is indexed by absolute offset. Offsets below flushed have
	// been decided (masked or not). Between Writes, held is the input from
	// flushed to n, which is all that is still undecided: a proper prefix
	// of some pattern.
	n       int64
	flushed int64
	held    []byte

	state state   // automaton state after the input up to n
	cands []match // pending matches, see settle

	out    []byte // output of the current Write
	err    error  // sticky: the first error from dst
	closed bool
}

// A match is an occurrence of a pattern at stream offsets [start, end).
type match struct{ start, end int64 }

// Skipped is the number of secrets shorter than MinLength, which are not
// masked.
func (w *Writer) Skipped() int { return w.m.skipped }

// Write masks p and writes to dst everything that is decided: all of p except
// a trailing fragment that may be the beginning of a secret. It reports
// len(p) if dst accepted the output; after an error from dst, every Write
// fails with that error, since the stream is no longer whole.
func (w *Writer) Write(p []byte) (int, error) {
	if w.err != nil {
		return 0, w.err
	}
	if w.closed {
		return 0, ErrClosed
	}
	a := w.m.a
	nodes, rows, class := a.nodes, a.rows, &a.class
	n0 := w.n
	w.out = w.out[:0]
	s := w.state
	for i, b := range p {
		// a.next, inlined: this loop is the filter's whole cost on
		// output without secrets. A dense state is never one where a
		// match ends.
		if s >= 0 {
			s = rows[int(s)+int(class[b])]
		} else {
			s = a.next(s, b)
		}
		if (s >= 0 || !nodes[^s].match) && len(w.cands) == 0 {
			continue
		}
		w.n = n0 + int64(i) + 1
		w.state = s
		w.found(p, n0)
		s = w.state
	}
	w.n = n0 + int64(len(p))
	w.state = s

	// Everything before the longest suffix that may still grow into a match
	// is decided. (Pending matches start at or after it: see settle.)
	keep := w.n - int64(a.info[a.id(s)].hold)
	w.emit(p, n0, keep)
	w.retain(p, n0)
	if err := w.flush(); err != nil {
		return 0, err
	}
	return len(p), nil
}

// found records the matches ending at w.n, then settles.
//
// Pending matches (w.cands) are what masking the stream so far would
// replace after the last match written out: leftmost-longest first, then
// leftmost-longest after its end, and so on. They are ordered and do not overlap. A new
// match ending at w.n changes that list at the first place where masking
// would now choose it: at the first gap between pending matches (or at a
// pending match's start) where it begins. Everything after that is covered
// by the new match, which ends last, and is dropped. A new match starting
// strictly inside a pending one loses to it.
func (w *Writer) found(p []byte, n0 int64) {
	a := w.m.a
	k := 0
	for t := a.info[a.id(w.state)].out; t >= 0; t = a.info[a.info[t].fail].out {
		start := w.n - int64(a.info[t].depth)
		// Matches come longest first, so start grows, and so does k.
		for k < len(w.cands) && start >= w.cands[k].end {
			k++
		}
		if k < len(w.cands) && start > w.cands[k].start {
			continue // inside cands[k]
		}
		w.cands = append(w.cands[:k], match{start, w.n})
		break
	}
	w.settle(p, n0)
}

// settle writes out the pending matches that nothing can change any more.
// A match still to come, ending after w.n, starts no earlier than keep: the
// input from its start to w.n is a proper prefix of a pattern, and the
// longest such suffix is what the state's hold measures. So a pending match
// starting before keep is final (as is every pending match before it).
func (w *Writer) settle(p []byte, n0 int64) {
	a := w.m.a
	v := a.id(w.state)
	done := 0
	for _, c := range w.cands {
		if c.start >= w.n-int64(a.info[v].hold) {
			break
		}
		w.emit(p, n0, c.start)
		w.out = append(w.out, Replacement...)
		w.flushed = c.end
		done++
		// Forget the input up to the end of the replaced match: nothing
		// overlapping it may be masked. The state becomes the longest
		// suffix of the input after it that is a node, which is on the
		// failure chain. (Each step shortens the suffix, so over a stream
		// these walks cost no more than the input length.)
		for int64(a.info[v].depth) > w.n-c.end {
			v = a.info[v].fail
		}
	}
	if done > 0 {
		w.cands = w.cands[:copy(w.cands, w.cands[done:])]
		w.state = a.states[v]
	}
}

// emit appends the input from w.flushed to to as it is.
func (w *Writer) emit(p []byte, n0, to int64) {
	from := w.flushed
	if from >= to {
		return
	}
	if from < n0 {
		h := w.held[from-(n0-int64(len(w.held))):]
		h = h[:min(int64(len(h)), to-from)]
		w.out = append(w.out, h...)
		from += int64(len(h))
	}
	if from < to {
		w.out = append(w.out, p[from-n0:to-n0]...)
	}
	w.flushed = to
}

// retain keeps the undecided input, from w.flushed to w.n, in w.held.
func (w *Writer) retain(p []byte, n0 int64) {
	keep := w.n - w.flushed
	if keep <= int64(len(p)) {
		w.held = append(w.held[:0], p[int64(len(p))-keep:]...)
		return
	}
	// The held fragment and all of p: shift the fragment's tail down.
	h := w.held[int64(len(w.held))-(keep-int64(len(p))):]
	w.held = append(w.held[:copy(w.held, h)], p...)
}

func (w *Writer) flush() error {
	if len(w.out) == 0 {
		return nil
	}
	n, err := w.dst.Write(w.out)
	if err == nil && n < len(w.out) {
		err = io.ErrShortWrite
	}
	if err != nil {
		w.err = fmt.Errorf("failed to write masked output: %w", err)
		return w.err
	}
	return nil
}

// Close writes out what was held back, masking the pending matches: with no
// more input to come, they are final. It does not close dst.
func (w *Writer) Close() error {
	if w.closed || w.err != nil {
		return w.err
	}
	w.closed = true
	w.out = w.out[:0]
	n0 := w.n
	for _, c := range w.cands {
		w.emit(nil, n0, c.start)
		w.out = append(w.out, Replacement...)
		w.flushed = c.end
	}
	w.cands = w.cands[:0]
	w.emit(nil, n0, w.n)
	// What was held may be part of a secret.
	clear(w.held)
	w.held = w.held[:0]
	return w.flush()
}
