package cmd

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/urfave/cli/v2"

	"github.com/tresor-dev/tresor/crypto"
	"github.com/tresor-dev/tresor/format"
	"github.com/tresor-dev/tresor/vault"
)

func demoCommand(t *terminal) *cli.Command {
	return &cli.Command{
		Name:  "demo",
		Usage: "walk through tresor in a throwaway vault",
		Description: `Creates a vault in a temporary directory with two throwaway identities (no
keyring, nothing outside the directory), and shows init, set, get, adding a
member, re-encrypting and reading as that member, then removing them: what
they could have kept, status, and a rotation. Removes everything after.

Examples:
   tresor demo
   tresor demo --keep`,
		Flags: []cli.Flag{&cli.BoolFlag{Name: "keep", Usage: "keep the temporary directory and print its path"}},
		Action: func(c *cli.Context) error {
			dir, err := os.MkdirTemp("", "tresor-demo-")
			if err != nil {
				return err
			}
			if c.Bool("keep") {
				defer fmt.Fprintf(t.stdout, "\nthe demo vault is in %s\n", dir)
			} else {
				defer os.RemoveAll(dir)
			}
			// The demo vault is outside git, so its per-clone state would
			// go under the user's XDG_STATE_HOME: keep it in the demo's
			// directory, which goes away with it.
			os.Setenv("XDG_STATE_HOME", filepath.Join(dir, "state"))
			return runDemo(t, dir)
		},
	}
}

func runDemo(t *terminal, dir string) error {
	w := t.stdout
	step := func(cmdline, explain string) {
		fmt.Fprintf(w, "\n%s %s\n", t.paint(bold, "$ tresor"), cmdline)
		if explain != "" {
			fmt.Fprintf(w, "  # %s\n", explain)
		}
	}
	alice, err := crypto.Generate(false)
	if err != nil {
		return err
	}
	bob, err := crypto.Generate(false)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "tresor demo: a throwaway vault in %s\n", dir)
	fmt.Fprintf(w, "alice and bob each have a new post-quantum identity (normally kept in the OS keyring)\n")

	step("init --name alice", "alice creates the vault; she is its only member and admin")
	vaultDir := filepath.Join(dir, vault.DirName)
	v, err := vault.Init(vaultDir, vault.InitOptions{Member: "alice", Identity: alice})
	if err != nil {
		return err
	}
	defer v.Close()
	fmt.Fprintf(w, "created vault %s\n  genesis: %s\n", vaultDir, v.File.Genesis)

	step("set prod/db/password --generate --env DATABASE_PASSWORD", "a random 32-character value, encrypted to the readers the policy names")
	g, _ := format.ParseGenerator("")
	env := "DATABASE_PASSWORD"
	// --generate keeps the generator in the header, for tresor rotate.
	h, err := v.Set("prod/db/password", crypto.RandomValue(g), vault.SetOptions{Env: &env, Rotation: vault.RotationOptions{Generator: &g}})
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "set %s (version %d, readers: %s)\n", h.Name, h.Version, joinNames(h.Readers))

	step("get prod/db/password", "alice reads it back")
	value, _, err := v.Get("prod/db/password")
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "%s\n", value)

	step("ls", "names and headers are public; values are not")
	list, err := v.List("")
	if err != nil {
		return err
	}
	for _, s := range list {
		fmt.Fprintf(w, "%s  env=%s  version=%d  readers=%s\n", s.Name, s.Env, s.Version, joinNames(s.Readers))
	}

	step("member add bob --card '"+short(bob.Card())+"' --group admins", "bob ran tresor whoami --card and sent alice the text")
	if err := v.MemberAdd("bob", bob.Recipient(), bob.Signer(), []string{"admins"}); err != nil {
		return err
	}
	fmt.Fprintln(w, "added member bob")

	bobVault, err := vault.Open(vaultDir, vault.Options{Identity: bob})
	if err != nil {
		return err
	}
	defer bobVault.Close()
	step("get prod/db/password   (as bob)", "the secret is still encrypted to alice only")
	if _, _, err := bobVault.Get("prod/db/password"); err != nil {
		fmt.Fprintf(w, "tresor: error: %v\n", err)
	} else {
		return fmt.Errorf("demo: bob read the secret before re-encryption")
	}

	step("reencrypt", "alice re-encrypts what the policy now says bob may read")
	res, err := v.Reencrypt("", false, nil)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "re-encrypted %s\n", joinNames(res.Changed))

	step("get prod/db/password   (as bob)", "now bob can read it")
	bv, _, err := bobVault.Get("prod/db/password")
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "%s\n", bv)

	step("policy check", "who reads and writes what")
	rep, err := v.CheckPolicy()
	if err != nil {
		return err
	}
	for _, r := range rep.Rules {
		fmt.Fprintf(w, "rule %d: %s  read: %s  write: %s  secrets: %s\n", r.Index, r.Path, joinNames(r.Readers), joinNames(r.Writers), joinNames(r.Secrets))
	}

	step("member rm bob", "bob leaves: alice re-encrypts without him, and learns what he could have kept")
	if err := v.MemberRemove("bob"); err != nil {
		return err
	}
	fmt.Fprintln(w, "removed member bob")
	report := *t
	report.stderr = w // the report goes where the rest of the demo goes
	if err := printRevocation(&report, v.Revocation(), false); err != nil {
		return err
	}

	step("status", "what needs doing; a CI job fails on it with --fail-on exposed")
	st, err := v.Status(vault.StatusOptions{})
	if err != nil {
		return err
	}
	var due []vault.SecretStatus
	for _, s := range st.Secrets {
		if !s.OK() {
			due = append(due, s)
		}
	}
	if err := printStatusTable(w, false, st.At, due); err != nil {
		return err
	}

	step("rotate --due", "a new value from the generator kept in the header; bob's copy is worthless now")
	rot, err := v.Rotate("prod/db/password", vault.RotateOptions{})
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "rotated %s (version %d)\n", rot.Name, rot.Version)

	step("get prod/db/password   (as bob)", "bob is no longer a member")
	if _, _, err := bobVault.Get("prod/db/password"); err != nil {
		fmt.Fprintf(w, "tresor: error: %v\n", err)
	} else {
		return fmt.Errorf("demo: bob read the secret after his removal")
	}

	fmt.Fprintf(w, "\nthe vault on disk:\n")
	filepath.WalkDir(vaultDir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		rel, _ := filepath.Rel(dir, p)
		fmt.Fprintf(w, "  %s\n", rel)
		return nil
	})
	fmt.Fprintf(w, "\nin a real repository: tresor init, then git add .tresor && git commit\n")
	return nil
}

func short(s string) string {
	if len(s) > 30 {
		return s[:26] + "…"
	}
	return s
}
