package main

import (
	"bytes"
	"crypto"
	"encoding/pem"
	"os"
	"regexp"
	"strings"

	"filippo.io/age"
	"filippo.io/age/armor"
	"github.com/rogpeppe/go-internal/testscript"
	"golang.org/x/crypto/ssh"
)

// Custom testscript commands for the identity and interoperability
// scenarios (testdata/script/id_*.txtar, interop_*.txtar).

// envfrom [-quote] VAR FILE [REGEXP]: set VAR to the contents of FILE
// without its trailing newlines, or to the first capture group of REGEXP's
// first match in FILE. FILE may be stdout or stderr. With -quote the value
// is escaped for use in stdout/stderr/grep patterns (base64 has '+').
// testscript has no $(...); this keeps key text and recipients out of argv:
// they go into the environment.
func cmdEnvFrom(ts *testscript.TestScript, neg bool, args []string) {
	quote := len(args) > 0 && args[0] == "-quote"
	if quote {
		args = args[1:]
	}
	if neg || len(args) < 2 || len(args) > 3 {
		ts.Fatalf("usage: envfrom [-quote] VAR FILE [REGEXP]")
	}
	text := ts.ReadFile(args[1])
	value := strings.TrimRight(text, "\r\n")
	if len(args) == 3 {
		re, err := regexp.Compile(args[2])
		ts.Check(err)
		m := re.FindStringSubmatch(text)
		switch {
		case m == nil:
			ts.Fatalf("%s has no match for %q", args[1], args[2])
		case len(m) < 2:
			ts.Fatalf("%q has no capture group", args[2])
		}
		value = m[1]
	}
	if quote {
		value = regexp.QuoteMeta(value)
	}
	ts.Setenv(args[0], value)
}

// passprotect age|ssh IN OUT: write OUT, the identity file IN protected
// with the passphrase in $PASSPHRASE (never in argv): "age" encrypts IN as
// an armored age file to a scrypt recipient (what `age -p -a` writes), with
// a low work factor to keep tests fast; "ssh" re-encodes the OpenSSH
// private key IN as a passphrase-protected OpenSSH key (what `ssh-keygen -p`
// writes).
func cmdPassProtect(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 3 {
		ts.Fatalf("usage: passprotect age|ssh IN OUT")
	}
	pass := ts.Getenv("PASSPHRASE")
	if pass == "" {
		ts.Fatalf("passprotect: PASSPHRASE is not set")
	}
	in := []byte(ts.ReadFile(args[1]))
	var out bytes.Buffer
	switch args[0] {
	case "age":
		r, err := age.NewScryptRecipient(pass)
		ts.Check(err)
		r.SetWorkFactor(10)
		aw := armor.NewWriter(&out)
		w, err := age.Encrypt(aw, r)
		ts.Check(err)
		_, err = w.Write(in)
		ts.Check(err)
		ts.Check(w.Close())
		ts.Check(aw.Close())
	case "ssh":
		raw, err := ssh.ParseRawPrivateKey(in)
		ts.Check(err)
		block, err := ssh.MarshalPrivateKeyWithPassphrase(raw.(crypto.PrivateKey), "protected", []byte(pass))
		ts.Check(err)
		ts.Check(pem.Encode(&out, block))
	default:
		ts.Fatalf("passprotect: unknown format %q (age or ssh)", args[0])
	}
	ts.Check(os.WriteFile(ts.MkAbs(args[2]), out.Bytes(), 0o600))
}
