package vault

import (
	"errors"
	"io"
	"time"

	"github.com/tresor-dev/tresor/crypto"
	"github.com/tresor-dev/tresor/format"
)

// Journal Change texts of a two-phase rotation (a one-step rotation has
// none). Each phase is its own secret.rotate entry, so another clone sees a
// rotation in progress.
const (
	RotationStarted  = "rotation started"
	RotationFinished = "rotation finished"
	RotationAborted  = "rotation aborted"
)

// RotateOptions say how one secret is rotated.
type RotateOptions struct {
	// Value is the new value for a secret that has no generator (read
	// from stdin by the caller); nil otherwise.
	Value []byte
	// Resume runs the rotator again with the pending value; Abort drops
	// the pending value.
	Resume, Abort bool
	// Output receives the rotator's stdout and stderr (never the
	// caller's stdout); nil discards them.
	Output io.Writer
}

// A RotateResult says what Rotate did.
type RotateResult struct {
	Name    string `json:"name"`
	Version int    `json:"version"`
	Rotator string `json:"rotator,omitempty"`
	// Done is "rotated", "resumed" or "aborted".
	Done string `json:"done"`
	// Exposed is set when the value made current is already exposed: a
	// resumed rotation whose pending value a member who lost access could
	// read.
	Exposed string `json:"exposed,omitempty"`
}

// A RotationPlan is how a secret would be rotated: where its new value
// comes from and which rotator applies it.
type RotationPlan struct {
	Name    string `json:"name"`
	Version int    `json:"version"`
	// Generator is the spec the new value is made from; "" means it comes
	// from stdin.
	Generator string `json:"generator,omitempty"`
	Rotator   string `json:"rotator,omitempty"`
	// Pending is set when a rotation is half done (since that time).
	Pending time.Time `json:"pending,omitzero"`
	// Due says why --due picked it (overdue, exposed); Human why it needs
	// a person instead of tresor rotate --due.
	Due   string `json:"due,omitempty"`
	Human string `json:"needs_human,omitempty"`
}

// PlanRotation returns how secret name would be rotated, from its verified
// header and the signed policy: whether a new value must come from stdin.
// It writes nothing and decrypts nothing.
func (v *Vault) PlanRotation(name string) (*RotationPlan, error) {
	sf, err := v.verifiedHeaderOf(name)
	if err != nil {
		return nil, err
	}
	return v.planOf(sf.Header)
}

// planOf is the rotation plan of a verified header under the signed policy.
func (v *Vault) planOf(h format.SecretHeader) (*RotationPlan, error) {
	g, err := v.generatorOf(h)
	if err != nil {
		return nil, err
	}
	plan := &RotationPlan{Name: h.Name, Version: h.Version, Rotator: v.rotatorOf(h)}
	if g != nil {
		plan.Generator = g.String()
	}
	if r := h.Rotation; r != nil {
		plan.Pending = r.Pending
	}
	return plan, nil
}

// generatorOf returns the generator rotate uses for h: the header's, else
// the first matching signed rotation default's generate; nil for none (the
// value then comes from stdin; settings.generate is not used).
func (v *Vault) generatorOf(h format.SecretHeader) (*format.Generator, error) {
	if r := h.Rotation; r != nil && r.Generator != nil {
		g := *r.Generator
		if err := g.Check(); err != nil {
			return nil, problemf(nil, "a writer sets another generator (tresor meta "+h.Name+" --generator SPEC)", "%s: its generator cannot be met: %v", h.Name, err)
		}
		return &g, nil
	}
	if d, _ := v.Policy.RotationDefaultFor(h.Name); d != nil && d.Generate != "" {
		g, err := format.ParseGenerator(d.Generate)
		if err != nil {
			return nil, problemf(nil, "an admin fixes settings.rotation in the policy", "%s: the rotation default for %s has a generator that cannot be met: %v", h.Name, d.Path, err)
		}
		return &g, nil
	}
	return nil, nil
}

// rotatorOf returns the name of the rotator for h: the header's, else the
// first matching signed rotation default's; "" for none.
func (v *Vault) rotatorOf(h format.SecretHeader) string {
	if r := h.Rotation; r != nil && r.Rotator != "" {
		return r.Rotator
	}
	if d, _ := v.Policy.RotationDefaultFor(h.Name); d != nil {
		return d.Rotator
	}
	return ""
}

// Rotate gives secret name a new value: from its generator, else
// opts.Value. The old value becomes the previous one (tresor get
// --previous), rotated is set, exposed cleared, and the file is sealed
// under a fresh read key. With a rotator the change takes two journal
// entries: the new value is first recorded as pending, the rotator applies
// it, and only when it exits 0 does it become current. A rotator that
// fails, is missing or times out leaves the pending value recorded and
// returns an error; Resume runs it again, Abort drops the pending value.
//
// The vault lock is held throughout, rotator included: no other write can
// slip between the phases, and a killed tresor releases it. Reads do not
// wait: the verified state is saved after the first phase.
func (v *Vault) Rotate(name string, opts RotateOptions) (*RotateResult, error) {
	if err := format.ValidateName(name); err != nil {
		return nil, problemf(nil, "", "%v", err)
	}
	if opts.Resume && opts.Abort {
		return nil, problemf(nil, "", "--resume and --abort exclude each other")
	}
	out := opts.Output
	if out == nil {
		out = io.Discard
	}
	var res *RotateResult
	err := v.writeSettled(name, func(st *verifiedState, actor string, old *format.SecretFile) error {
		vals, err := v.openPayload(old)
		if errors.Is(err, ErrNoAccess) {
			return wrapProblem(ErrNoAccess, err, "a reader rotates it; tresor set "+name+" replaces the value without keeping the previous one",
				"rotate keeps the current value as the previous one, so it must decrypt %s", name)
		}
		if err != nil {
			return err
		}
		r := old.Header.Rotation
		pending := r != nil && !r.Pending.IsZero()
		if !pending && vals.Pending != nil {
			return problemf(ErrVerify, "restore it with git, or run tresor verify", "secret %s: the envelope holds a pending value its header does not announce", name)
		}
		if pending && vals.Pending == nil && !opts.Abort {
			// A write that does not know rotations (an older tresor's set)
			// replaced the value and kept the header's pending time.
			return problemf(nil, "clear it: tresor rotate "+name+" --abort", "%s says a rotation is half done, but its pending value is gone (the value was set since)", name)
		}
		rname := v.rotatorOf(old.Header)
		r2 := &rotation{v: v, actor: actor, old: old, vals: vals, out: out}
		switch {
		case opts.Abort:
			if !pending {
				return problemf(nil, "", "no rotation of %s is in progress", name)
			}
			res, err = r2.abort()
			return err
		case opts.Resume:
			if !pending {
				return problemf(nil, "tresor rotate "+name+" starts one", "no rotation of %s is in progress", name)
			}
			if rname == "" {
				return problemf(nil, "drop it: tresor rotate "+name+" --abort", "%s names no rotator any more, so its pending rotation cannot be resumed", name)
			}
			prep, err := v.prepareRotator(name, rname)
			if err != nil {
				return err
			}
			// Whoever resumes seals the new value under a fresh key of
			// their own, as the member who started did.
			if err := v.renewReadKeys([]string{name}); err != nil {
				return err
			}
			res, err = r2.finish(prep, vals.Pending, "resumed")
			return err
		}
		if pending {
			return problemf(nil, "finish it with tresor rotate "+name+" --resume, or drop it with tresor rotate "+name+" --abort",
				"a rotation of %s is half done (started %s)", name, r.Pending.Format(time.RFC3339))
		}
		g, err := v.generatorOf(old.Header)
		if err != nil {
			return err
		}
		var value []byte
		switch {
		case g != nil && opts.Value != nil:
			return problemf(nil, "", "%s has a generator (%s): its new value is generated, not read", name, g.String())
		case g != nil:
			value = crypto.RandomValue(*g)
		case opts.Value == nil:
			return problemf(nil, "pipe the new value on stdin: tresor rotate "+name+" < file", "%s has no generator", name)
		default:
			value = opts.Value
		}
		if err := checkNewValue(name, value); err != nil {
			return err
		}
		var prep *preparedRotator
		if rname != "" {
			// Refused rotators (unknown, a repository file not pinned or
			// changed) stop here, before anything is written.
			if prep, err = v.prepareRotator(name, rname); err != nil {
				return err
			}
		}
		// The new value is sealed under a fresh read key: the one the old
		// value was sealed under may be why it is being rotated.
		if err := v.renewReadKeys([]string{name}); err != nil {
			return err
		}
		if prep == nil {
			res, err = r2.oneStep(value)
			return err
		}
		if err := r2.start(value); err != nil {
			return err
		}
		// Readers need not wait for the rotator: they find the state
		// that includes the first phase.
		v.saveState()
		res, err = r2.finish(prep, value, "rotated")
		return err
	})
	return res, err
}

// checkNewValue refuses a value rotate cannot store.
func checkNewValue(name string, value []byte) error {
	if len(value) == 0 {
		return problemf(nil, "pipe the new value on stdin", "the new value of %s is empty", name)
	}
	if len(value) > format.MaxValueSize {
		return problemf(nil, "store large files elsewhere and keep their key in tresor", "the new value of %s is larger than 1 MiB", name)
	}
	return nil
}

// A rotation is one secret's rotation in progress, under the lock: the
// file as it is (old) and its decrypted envelope (vals), both updated after
// each phase.
type rotation struct {
	v     *Vault
	actor string
	old   *format.SecretFile
	vals  format.Payload
	out   io.Writer
}

// next is the header of the next version, with its rotation fields ready
// to change.
func (r *rotation) next() format.SecretHeader {
	h := newHeader(r.old.Header.Name, r.old, r.v.timeNow())
	rot := format.Rotation{}
	if h.Rotation != nil {
		rot = *h.Rotation
	}
	h.Rotation = &rot
	return h
}

// write seals vals under h and commits it as a secret.rotate entry with
// change (empty for a one-step rotation).
func (r *rotation) write(h format.SecretHeader, vals format.Payload, change string) error {
	file, err := r.v.sealPayload(&h, vals)
	if err != nil {
		return err
	}
	if _, err := r.v.commit(r.actor, secretChange(format.ActionRotate, file, h, change)); err != nil {
		return err
	}
	sf, err := format.ParseSecret(file)
	if err != nil {
		return err
	}
	r.old, r.vals = sf, vals
	return nil
}

// oneStep makes value current at once.
func (r *rotation) oneStep(value []byte) (*RotateResult, error) {
	h := r.next()
	note := freshValue(h.Name, h.Rotation, r.v.timeNow())
	if err := r.write(h, format.Payload{Value: value, Previous: fitting(r.vals.Value, value)}, ""); err != nil {
		return nil, err
	}
	r.v.warnNote(note)
	return &RotateResult{Name: h.Name, Version: r.old.Header.Version, Done: "rotated"}, nil
}

// start is phase 1: value is recorded as pending beside the current value.
func (r *rotation) start(value []byte) error {
	h := r.next()
	h.Rotation.Pending = r.v.timeNow()
	r.keepExposure(&h)
	if len(r.vals.Value)+len(value) > format.MaxValueSize {
		return problemf(nil, "rotate it without a rotator, or keep large values elsewhere",
			"%s: a rotation with a rotator keeps the current and the new value side by side, and together they are larger than 1 MiB", h.Name)
	}
	return r.write(h, format.Payload{Value: r.vals.Value, Previous: fitting(r.vals.Previous, r.vals.Value, value), Pending: value}, RotationStarted)
}

// fitting returns previous, or nil when it does not fit in one envelope
// beside the others: a rotation drops a previous value that no longer fits
// (docs/decisions.md, "Rotation formats").
func fitting(previous []byte, others ...[]byte) []byte {
	n := len(previous)
	for _, o := range others {
		n += len(o)
	}
	if n > format.MaxValueSize {
		return nil
	}
	return previous
}

// keepExposure is for the writes that keep the current value (phase 1,
// abort): they seal it to the readers the policy gives now, and a reader
// they drop may have kept it, so the header says so, as every
// re-encryption that removes a reader does.
func (r *rotation) keepExposure(h *format.SecretHeader) {
	markLostReaders(h, r.old.Header.Readers, r.v.Policy.ReadersOf(h.Name), r.v.Policy, r.v.timeNow())
}

// finish runs the rotator with the pending value and, when it succeeds,
// is phase 2: the pending value becomes current, the current one previous.
func (r *rotation) finish(prep *preparedRotator, pendingValue []byte, done string) (*RotateResult, error) {
	name := r.old.Header.Name
	if err := prep.run(name, pendingValue, r.vals.Value, r.out); err != nil {
		return nil, wrapProblem(nil, err, "fix the cause, then tresor rotate "+name+" --resume (or tresor rotate "+name+" --abort to drop the new value)",
			"%s was not rotated: the current value stays in force, the new one is pending", name)
	}
	h := r.next()
	note := freshValue(name, h.Rotation, r.v.timeNow())
	if done == "resumed" {
		// Since the rotation started, files holding the pending value may
		// have been readable by members who cannot read the new file (a
		// member removed meanwhile): they know the value that becomes
		// current, so it is exposed from the start. (Without resuming, the
		// lock is held from start to finish and the readers cannot change.)
		knew, err := r.v.pendingValueReaders(name)
		if err != nil {
			return nil, err
		}
		markLostReaders(&h, knew, r.v.Policy.ReadersOf(name), r.v.Policy, r.v.timeNow())
	}
	if err := r.write(h, format.Payload{Value: pendingValue, Previous: r.vals.Value}, RotationFinished); err != nil {
		return nil, err
	}
	r.v.warnNote(note)
	res := &RotateResult{Name: name, Version: r.old.Header.Version, Rotator: prep.name, Done: done}
	if h.Rotation != nil {
		res.Exposed = h.Rotation.Exposed
	}
	return res, nil
}

// abort drops the pending value; the current one stays.
func (r *rotation) abort() (*RotateResult, error) {
	h := r.next()
	h.Rotation.Pending = time.Time{}
	r.keepExposure(&h)
	if err := r.write(h, format.Payload{Value: r.vals.Value, Previous: r.vals.Previous}, RotationAborted); err != nil {
		return nil, err
	}
	return &RotateResult{Name: h.Name, Version: r.old.Header.Version, Done: "aborted"}, nil
}
