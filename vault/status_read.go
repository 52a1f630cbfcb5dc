package vault

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io/fs"
	"maps"
	"runtime"
	"slices"
	"time"

	"github.com/tresor-dev/tresor/format"
)

// StatusOptions say what tresor status looks at.
type StatusOptions struct {
	// Prefix limits status to the secrets under it ("" for all).
	Prefix string
	// At is when to evaluate; zero means now.
	At time.Time
	// Within is how far ahead a secret counts as expiring or due; zero
	// means the signed setting expiring-within (default 14 days).
	Within time.Duration
}

// Status reports, for every secret under opts.Prefix, what needs doing:
// exposed, expired, overdue, expiring or due, never rotated, readers to
// fix, a rotation left half done. It reads the verified journal and the
// secret files' headers only: no identity, nothing decrypted. Each file is
// checked against the journal as reads check it; one that does not match
// is reported as unverified (StatusReport.Unverified), not trusted.
func (v *Vault) Status(opts StatusOptions) (*StatusReport, error) {
	if err := format.ValidatePrefix(opts.Prefix); err != nil {
		return nil, problemf(nil, "", "prefix: %v", err)
	}
	if opts.Within < 0 {
		return nil, problemf(nil, "", "the look-ahead cannot be negative")
	}
	// The names are the verified journal's: a file a push dropped into
	// secrets/ is no secret (verify reports it).
	st, err := v.verifiedForRead()
	if err != nil {
		return nil, err
	}
	p := v.Policy // as verified: freshVerifiedState and verification pin it
	var names []string
	for _, n := range slices.Concat(slices.Collect(maps.Keys(st.secrets)), st.conflicts) {
		if format.HasPrefix(n, opts.Prefix) {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	names = slices.Compact(names)

	clock := statusClock{at: opts.At, within: opts.Within}
	if clock.at.IsZero() {
		clock.at = v.timeNow()
	}
	if clock.within == 0 {
		clock.within = p.ExpiringWithin()
	}
	canSign := memberSigns(p)

	rep := &StatusReport{At: clock.at, Secrets: make([]SecretStatus, 0, len(names))}
	for _, h := range v.readStatusHeaders(names, st) {
		switch {
		case h.err != nil:
			rep.Secrets = append(rep.Secrets, SecretStatus{Name: h.name, Conditions: []StatusCondition{StatusUnverified}, Problem: h.err.Error()})
		default:
			rep.Secrets = append(rep.Secrets, evaluateSecret(h.header, p, clock, canSign))
		}
	}
	sortStatuses(rep.Secrets)
	return rep, nil
}

// A statusHeader is one secret file's checked header, or why it could not
// be trusted.
type statusHeader struct {
	name   string
	header *format.SecretHeader
	err    error
}

// readStatusHeaders reads the named secret files in parallel (status must
// cost about what reading their bytes does) and checks each against the
// verified journal before its header is believed.
func (v *Vault) readStatusHeaders(names []string, st *verifiedState) []statusHeader {
	out := make([]statusHeader, len(names))
	v.readEach(len(names), min(runtime.GOMAXPROCS(0), len(names)), func(files *secretReader, buf *[]byte, i int) {
		out[i] = v.readStatusHeader(files, names[i], buf, st)
	})
	return out
}

func (v *Vault) readStatusHeader(files *secretReader, name string, buf *[]byte, st *verifiedState) statusHeader {
	if st.conflictOf(name) != nil {
		// Concurrent versions from merged branches (or a change that does
		// not stand): which header holds is not decided until a writer
		// resolves it, and whoever pushes chooses the one in the work
		// tree, so none is believed. Reads refuse it alike.
		return statusHeader{name: name, err: st.checkFileHash(name, "")}
	}
	b, err := files.read(secretPath(name), buf)
	if errors.Is(err, fs.ErrNotExist) {
		return statusHeader{name: name, err: problemf(ErrVerify, "", "%s is missing, but the journal records it and no entry removed it", secretPath(name))}
	}
	if err != nil {
		return statusHeader{name: name, err: err}
	}
	sum := sha256.Sum256(b)
	if err := st.checkFileHash(name, "sha256:"+hex.EncodeToString(sum[:])); err != nil {
		return statusHeader{name: name, err: err}
	}
	sf, err := parseSecretFileOf(name, b)
	if err != nil {
		return statusHeader{name: name, err: err}
	}
	return statusHeader{name: name, header: &sf.Header}
}
