package crypto

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode"

	"filippo.io/age"
	"filippo.io/age/plugin"
)

// Age plugins are programs (age-plugin-NAME on PATH) that wrap and unwrap
// file keys for recipients and identities that live elsewhere: a hardware
// token, a cloud KMS. tresor runs only those on the vault's allow-list
// (recipient.go, identity.go); this file is how they talk to the user and
// how their failures are reported.

// PluginUI is how an age plugin talks to the user while it wraps or
// unwraps a file key. A nil *PluginUI (the default) shows nothing and
// refuses every request: the plugin is told the request failed, and it
// fails or goes on without an answer. tresor never hands age a nil UI,
// which age dereferences (writing to any plugin recipient used to panic).
type PluginUI struct {
	// Messages receives the plugin's messages ("touch your token"), a note
	// when it keeps tresor waiting, and a note for each request refused;
	// nil drops them. cmd passes stderr.
	Messages io.Writer
	// Ask answers a plugin's request for a value (secret: a PIN, not
	// echoed) or a choice. cmd sets it only when stdin is a terminal, so
	// that no prompt ever waits on a pipe; nil refuses every request.
	Ask func(prompt string, secret bool) (string, error)
}

// errNoPrompt is what a plugin's request gets when there is no Ask.
var errNoPrompt = errors.New("tresor cannot prompt here (stdin is not a terminal)")

// clientUI returns the age ClientUI for u; u may be nil.
func (u *PluginUI) clientUI() *plugin.ClientUI {
	var out io.Writer
	var ask func(string, bool) (string, error)
	if u != nil {
		out, ask = u.Messages, u.Ask
	}
	note := func(name, format string, args ...any) {
		if out != nil {
			fmt.Fprintf(out, "tresor: age-plugin-%s: %s\n", printable(name), fmt.Sprintf(format, args...))
		}
	}
	refused := func(name, what string) error {
		note(name, "asks for %s, but %v", what, errNoPrompt)
		return errNoPrompt
	}
	return &plugin.ClientUI{
		DisplayMessage: func(name, message string) error {
			note(name, "%s", printable(message))
			return nil
		},
		RequestValue: func(name, prompt string, secret bool) (string, error) {
			if ask == nil {
				return "", refused(name, "a value ("+printable(prompt)+")")
			}
			return ask("age-plugin-"+printable(name)+": "+printable(prompt)+": ", secret)
		},
		Confirm: func(name, prompt, yes, no string) (bool, error) {
			if ask == nil {
				return false, refused(name, "a confirmation ("+printable(prompt)+")")
			}
			yes, no = printable(yes), printable(no)
			if no == "" {
				_, err := ask(fmt.Sprintf("age-plugin-%s: %s (press enter for %q): ", printable(name), printable(prompt), yes), false)
				return err == nil, err
			}
			answer, err := ask(fmt.Sprintf("age-plugin-%s: %s [%s/%s]: ", printable(name), printable(prompt), yes, no), false)
			if err != nil {
				return false, err
			}
			switch answer = strings.TrimSpace(answer); {
			case strings.EqualFold(answer, yes):
				return true, nil
			case strings.EqualFold(answer, no):
				return false, nil
			}
			return false, fmt.Errorf("answer %q or %q", yes, no)
		},
		WaitTimer: func(name string) {
			note(name, "waiting for the plugin (it may need you, e.g. to touch a token)")
		},
	}
}

// printable replaces control characters in what a plugin says, so that it
// cannot rewrite the user's terminal.
func printable(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return '?'
		}
		return r
	}, s)
}

// A PluginError is an age plugin that failed to unwrap a file key (it is
// not installed, it refused, its token is absent): not a tampered file,
// which is what age's error would otherwise be taken for.
type PluginError struct {
	Name string
	Err  error
}

func (e *PluginError) Error() string {
	return fmt.Sprintf("age plugin %s failed: %s", printable(e.Name), printable(e.Err.Error()))
}

func (e *PluginError) Unwrap() error { return e.Err }

// pluginIdentity is a plugin identity whose failures are PluginErrors.
type pluginIdentity struct {
	name string
	id   *plugin.Identity
}

func (p pluginIdentity) Unwrap(stanzas []*age.Stanza) ([]byte, error) {
	fileKey, err := p.id.Unwrap(stanzas)
	if err != nil && !errors.Is(err, age.ErrIncorrectIdentity) {
		return nil, &PluginError{Name: p.name, Err: err}
	}
	return fileKey, err
}

// headerError says why age did not open a file's header: the identity has
// no stanza in it (ErrNotRecipient), a plugin failed (its *PluginError), or
// the header does not authenticate (ErrTampered).
func headerError(err error) error {
	var noMatch *age.NoIdentityMatchError
	var pe *PluginError
	switch {
	case errors.As(err, &noMatch):
		return ErrNotRecipient
	case errors.As(err, &pe):
		return pe
	}
	return ErrTampered
}
