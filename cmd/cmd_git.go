package cmd

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"unicode/utf8"

	"github.com/urfave/cli/v2"

	"github.com/tresor-dev/tresor/crypto"
	"github.com/tresor-dev/tresor/format"
	"github.com/tresor-dev/tresor/vault"
)

// plaintextDiffEnv makes git diff show secret values instead of their
// fingerprints: only when a user asks for it, never by default.
const plaintextDiffEnv = "TRESOR_DIFF_PLAINTEXT"

func gitCommand(t *terminal) *cli.Command {
	return &cli.Command{
		Name:  "git",
		Usage: "make git understand the vault: diff and merge drivers for secret files",
		Description: `.tresor/.gitattributes names tresor's diff and merge drivers for secret files;
git config is not cloned, so each clone configures them once with
tresor git setup (tresor init does it for the clone it runs in).

With the drivers, git diff and git log -p show a secret file's header and,
if you are a reader, a short fingerprint of its value keyed to your identity
(TRESOR_DIFF_PLAINTEXT=1 shows the value itself); a merge of two branches
that changed one secret keeps one version whole, never conflict markers, and
says which tresor resolve to run.

Examples:
   tresor git setup
   TRESOR_DIFF_PLAINTEXT=1 git diff .tresor/secrets`,
		Subcommands: []*cli.Command{
			{
				Name:  "setup",
				Usage: "configure this clone's git for the vault's diff and merge drivers",
				Description: `Sets diff.tresor and merge.tresor in this clone's git config (git config is
not cloned). tresor init does it for the clone it runs in.

Examples:
   git clone git@example.com:team/app.git && cd app && tresor git setup`,
				ArgsUsage: " ",
				Flags:     withGlobal(),
				Action: func(c *cli.Context) error {
					if c.NArg() > 0 {
						return usagef("tresor git setup takes no arguments", "unexpected argument %q", c.Args().First())
					}
					dir, err := vaultDir(c)
					if err != nil {
						return err
					}
					changed, err := vault.GitSetup(dir)
					if err != nil {
						return err
					}
					if len(changed) == 0 {
						fmt.Fprintln(t.stdout, "git is set up for the vault already")
						return nil
					}
					fmt.Fprintf(t.stdout, "configured git for the vault: %s\n", strings.Join(changed, ", "))
					return nil
				},
			},
			{
				Name:      "textconv",
				Usage:     "git's diff driver: print a secret file's header and a fingerprint of its value",
				ArgsUsage: "FILE",
				Hidden:    true,
				Flags:     withGlobal(),
				Action: func(c *cli.Context) error {
					file, err := oneArg(c, "FILE")
					if err != nil {
						return err
					}
					return gitTextconv(c, t, file)
				},
			},
			{
				Name:      "merge",
				Usage:     "git's merge driver for secret files",
				ArgsUsage: "BASE OURS THEIRS [PATH]",
				Hidden:    true,
				Flags:     withGlobal(),
				Action: func(c *cli.Context) error {
					if c.NArg() < 3 {
						return usagef("git runs it as configured by tresor git setup", "tresor git merge takes BASE OURS THEIRS [PATH]")
					}
					return gitMerge(c, t, c.Args().Slice())
				},
			},
		},
	}
}

// noteGitSetup says, in a clone whose git lacks the drivers, how to set
// them up. It costs a git process, so only commands about merges call it:
// resolve, and verify when it finds concurrent writes (a CI clone that
// only verifies never merges, and gets no note).
func noteGitSetup(t *terminal, dir string) {
	if vault.GitSetupMissing(dir) {
		t.note("note: this clone's git has no tresor merge driver (a merge would write conflict markers into secret files); run %s", vault.GitSetupCommand)
	}
}

// driverIdentity finds the identity for a driver git runs, or nil: a
// driver works without one (non-readers see headers).
func driverIdentity(c *cli.Context, t *terminal) *crypto.Identity {
	var plugins []string
	if dir, err := vaultDir(c); err == nil {
		if v, err := vault.Open(dir, vault.Options{}); err == nil {
			plugins, _ = v.Plugins()
			v.Close()
		}
	}
	found, err := findIdentity(c, t, plugins)
	if err != nil {
		return nil
	}
	return found.Identity
}

func readDriverFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, format.MaxSecretFileSize+1))
	if err != nil {
		return nil, err
	}
	if len(b) > format.MaxSecretFileSize {
		return nil, fmt.Errorf("%s is larger than a secret file may be", path)
	}
	return b, nil
}

// gitTextconv prints what git diff compares for a secret file: the header
// as it is, and one line for the value. The ciphertext is left out (it
// changes on every write and says nothing). A file that is no valid secret
// file is printed as it is, so git still shows what changed.
func gitTextconv(c *cli.Context, t *terminal, file string) error {
	b, err := readDriverFile(file)
	if err != nil {
		return err
	}
	if len(b) == 0 {
		return nil // git's side of an added or removed file
	}
	if _, err := format.ParseSecret(b); err != nil {
		fmt.Fprintf(t.stdout, "(tresor: not a valid secret file: %s)\n", oneLine(err.Error()))
		return writeAll(t.stdout, b)
	}
	id := driverIdentity(c, t)
	sf, value, err := vault.DecryptForDisplay(b, id)
	w := t.stdout
	if err := writeAll(w, sf.HeaderBytes); err != nil {
		return err
	}
	switch {
	case id == nil:
		fmt.Fprintln(w, "value: (not decrypted: no identity found)")
	case errors.Is(err, vault.ErrNotReader):
		fmt.Fprintln(w, "value: (not a reader)")
	case err != nil:
		fmt.Fprintf(w, "value: (does not decrypt: %s)\n", oneLine(err.Error()))
	case os.Getenv(plaintextDiffEnv) == "1":
		if utf8.Valid(value) && !strings.ContainsAny(string(value), "\n\r") {
			fmt.Fprintf(w, "value: %s\n", value)
		} else {
			fmt.Fprintf(w, "value: %q\n", value)
		}
	default:
		if fp, ok := id.Fingerprint(value); ok {
			fmt.Fprintf(w, "value: fingerprint %s (keyed to your identity; %s=1 shows the value)\n", fp, plaintextDiffEnv)
		} else {
			fmt.Fprintf(w, "value: (readable; no fingerprint with a %s identity; %s=1 shows the value)\n", id.Kind(), plaintextDiffEnv)
		}
	}
	return nil
}

// gitMerge is git's merge driver for secret files: it writes the merged
// file over OURS and exits 0, or leaves OURS as it is and exits 1 for a
// conflict. It never writes conflict markers.
func gitMerge(c *cli.Context, t *terminal, args []string) error {
	var files [3][]byte
	for i := range files {
		b, err := readDriverFile(args[i])
		if err != nil {
			return err
		}
		files[i] = b
	}
	path := strings.Join(args[3:], " ")
	m := vault.MergeSecretFiles(files[0], files[1], files[2], driverIdentity(c, t))
	name := m.Name
	if name == "" {
		name = "NAME"
	}
	if path == "" {
		path = vault.DirName + "/secrets/" + name + ".secret"
	}
	if m.Clean {
		if string(m.Result) != string(files[1]) {
			if err := os.WriteFile(args[1], m.Result, 0o644); err != nil {
				return err
			}
		}
		if m.NeedsResolve {
			t.note("merged secret %s: %s; this branch's version stays in the file", name, m.Why)
			t.note("after the merge, record which version stands: tresor resolve %s", name)
		}
		return nil
	}
	t.note("conflict in secret %s: %s; kept this branch's version whole (no conflict markers)", name, m.Why)
	if m.NeedsResolve {
		t.note("next: keep it, or take the other branch's with git checkout --theirs -- %s; then run tresor resolve %s and git add %s", path, name, path)
	} else {
		t.note("next: check out the version that should stand (git checkout --ours or --theirs -- %s), git add it, then run tresor verify", path)
	}
	return childExit(1)
}
