// Package vault is tresor's domain: it opens and creates vaults, keeps the
// lock, reads and writes secrets, evaluates the policy, appends to and
// verifies the journal. It is the only package that touches vault files, and
// it does so through os.Root so that no path can leave the vault.
package vault

import (
	"errors"
	"fmt"
)

// Error classes, which cmd maps to exit codes. Every error the vault returns
// that is not a plain failure wraps one of these.
var (
	// ErrVerify: tampered, forged, rolled back or unauthorized data (exit 3).
	ErrVerify = errors.New("verification failed")
	// ErrNoAccess: no identity, or the identity cannot decrypt (exit 4).
	ErrNoAccess = errors.New("no identity can decrypt")
	// ErrNotFound: the secret, member or vault does not exist (exit 1).
	ErrNotFound = errors.New("not found")
	// ErrDenied: the policy does not allow this member to make the change (exit 1).
	ErrDenied = errors.New("not allowed by the policy")
	// ErrStatus: a status check failed: a secret is expired and the signed
	// settings block expired secrets, or tresor status --fail-on matched
	// (exit 5).
	ErrStatus = errors.New("status check failed")

	// errNotRegular: a FIFO, device, socket or directory where tresor
	// expects a file. It is never opened in a way that could block.
	errNotRegular = errors.New("not a regular file")
)

// A Problem is an error with a class and a hint for the user.
type Problem struct {
	class error
	msg   string
	hint  string
	cause error
}

func (p *Problem) Error() string {
	if p.cause != nil && p.msg == "" {
		return p.cause.Error()
	}
	if p.cause != nil {
		return p.msg + ": " + p.cause.Error()
	}
	return p.msg
}

// Unwrap exposes both the class and the cause to errors.Is and errors.As.
func (p *Problem) Unwrap() []error {
	var errs []error
	if p.class != nil {
		errs = append(errs, p.class)
	}
	if p.cause != nil {
		errs = append(errs, p.cause)
	}
	return errs
}

// Hint says what the user can do about it, or "".
func (p *Problem) Hint() string { return p.hint }

func problemf(class error, hint, format string, args ...any) *Problem {
	return &Problem{class: class, msg: fmt.Sprintf(format, args...), hint: hint}
}

func wrapProblem(class error, cause error, hint, format string, args ...any) *Problem {
	return &Problem{class: class, msg: fmt.Sprintf(format, args...), hint: hint, cause: cause}
}

// HintOf returns the hint of the first Problem in err's chain, or "".
func HintOf(err error) string {
	var p *Problem
	for errors.As(err, &p) {
		if p.hint != "" {
			return p.hint
		}
		if p.cause == nil {
			return ""
		}
		err = p.cause
	}
	return ""
}
