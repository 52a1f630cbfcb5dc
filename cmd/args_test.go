package cmd

import (
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/tresor-dev/tresor/crypto"
	"github.com/tresor-dev/tresor/vault"
)

func TestInterspersed(t *testing.T) {
	app := newApp(newTerminal())
	tests := []struct{ in, want []string }{
		{[]string{"tresor", "set", "a/b", "--env", "X"}, []string{"tresor", "set", "--env", "X", "--", "a/b"}},
		{[]string{"tresor", "set", "a/b", "--generate"}, []string{"tresor", "set", "--generate=", "--", "a/b"}},
		{[]string{"tresor", "set", "a/b", "--generate=hex"}, []string{"tresor", "set", "--generate=hex", "--", "a/b"}},
		{[]string{"tresor", "--vault", "d", "get", "x", "-i", "k"}, []string{"tresor", "--vault", "d", "get", "--identity", "k", "--", "x"}},
		{[]string{"tresor", "member", "add", "bob", "-g", "a", "--group", "b"}, []string{"tresor", "member", "add", "--group", "a", "--group", "b", "--", "bob"}},
		{[]string{"tresor", "exec", "--mask", "--", "sh", "-c", "x --env"}, []string{"tresor", "exec", "--mask", "--", "sh", "-c", "x --env"}},
		{[]string{"tresor", "policy", "apply", "-"}, []string{"tresor", "policy", "apply", "--", "-"}},
		{[]string{"tresor", "get", "x", "--generate-bash-completion"}, []string{"tresor", "get", "x", "--generate-bash-completion"}},
	}
	for _, tt := range tests {
		if got := interspersed(app, tt.in); !slices.Equal(got, tt.want) {
			t.Errorf("interspersed(%q)\n got %q\nwant %q", tt.in, got, tt.want)
		}
	}
}

func TestExitCode(t *testing.T) {
	tests := []struct {
		err  error
		want int
	}{
		{errors.New("plain"), exitError},
		{usagef("", "bad flag"), exitUsage},
		{fmt.Errorf("x: %w", vault.ErrVerify), exitVerify},
		{crypto.ErrTampered, exitVerify},
		{fmt.Errorf("x: %w", vault.ErrNoAccess), exitNoIdentity},
		{&crypto.NoIdentityError{Tried: []string{"a"}}, exitNoIdentity},
		{crypto.ErrPassphraseNeeded, exitNoIdentity},
		{fmt.Errorf("x: %w", vault.ErrDenied), exitError},
	}
	for _, tt := range tests {
		if got := exitCode(tt.err); got != tt.want {
			t.Errorf("exitCode(%v) = %d, want %d", tt.err, got, tt.want)
		}
	}
}
