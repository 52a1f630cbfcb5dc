// Command age-plugin-tresortest is an age plugin for crypto's tests
// (plugin_test.go builds it and puts it on PATH). Its recipients and
// identities carry an age X25519 key as their data (the "age1…" and
// "AGE-SECRET-KEY-1…" strings), and its stanzas are typed "tresortest", so
// only this plugin opens what it wraps.
//
// Environment variables make it talk to the user while unwrapping:
//   - TRESORTEST_PIN: display a message (with a terminal escape in it), ask
//     for a secret value, and fail unless the answer equals the variable;
//   - TRESORTEST_CONFIRM: ask for a yes/no confirmation, and fail on no.
//
// TRESORTEST_LOG names a file it appends one line to each time it runs, so
// a test can tell that a plugin off the allow-list never ran.
package main

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"filippo.io/age"
	"filippo.io/age/plugin"
)

const stanzaType = "tresortest"

type recipient struct{ r *age.X25519Recipient }

func (r recipient) Wrap(fileKey []byte) ([]*age.Stanza, error) {
	stanzas, err := r.r.Wrap(fileKey)
	for _, s := range stanzas {
		s.Type = stanzaType
	}
	return stanzas, err
}

type identity struct {
	id *age.X25519Identity
	p  *plugin.Plugin
}

func (i identity) Unwrap(stanzas []*age.Stanza) ([]byte, error) {
	var ours []*age.Stanza
	for _, s := range stanzas {
		if s.Type == stanzaType {
			x := *s
			x.Type = "X25519"
			ours = append(ours, &x)
		}
	}
	if len(ours) == 0 {
		return nil, age.ErrIncorrectIdentity
	}
	if pin := os.Getenv("TRESORTEST_PIN"); pin != "" {
		if err := i.p.DisplayMessage("touch the test token\x1b[2J"); err != nil {
			return nil, err
		}
		got, err := i.p.RequestValue("test PIN", true)
		if err != nil {
			return nil, err
		}
		if got != pin {
			return nil, errors.New("wrong PIN")
		}
	}
	if os.Getenv("TRESORTEST_CONFIRM") != "" {
		yes, err := i.p.Confirm("use the test token?", "yes", "no")
		if err != nil {
			return nil, err
		}
		if !yes {
			return nil, errors.New("not confirmed")
		}
	}
	return i.id.Unwrap(ours)
}

func main() {
	if log := os.Getenv("TRESORTEST_LOG"); log != "" {
		f, err := os.OpenFile(log, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
		if err != nil {
			os.Exit(1)
		}
		fmt.Fprintln(f, strings.Join(os.Args[1:], " "))
		f.Close()
	}
	p, err := plugin.New("tresortest")
	if err != nil {
		os.Exit(1)
	}
	p.HandleRecipient(func(data []byte) (age.Recipient, error) {
		r, err := age.ParseX25519Recipient(string(data))
		if err != nil {
			return nil, err
		}
		return recipient{r}, nil
	})
	p.HandleIdentity(func(data []byte) (age.Identity, error) {
		id, err := age.ParseX25519Identity(string(data))
		if err != nil {
			return nil, err
		}
		return identity{id: id, p: p}, nil
	})
	os.Exit(p.Main())
}
