package cmd

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/urfave/cli/v2"

	"github.com/tresor-dev/tresor/format"
	"github.com/tresor-dev/tresor/vault"
)

func editCommand(t *terminal) *cli.Command {
	return &cli.Command{
		Name:      "edit",
		Usage:     "edit a secret in $VISUAL or $EDITOR",
		ArgsUsage: "NAME",
		Description: `Decrypts NAME into a private temporary file (0600, in /dev/shm where the OS
has memory-backed storage), opens it in $VISUAL or $EDITOR, and stores the
result as a new version if it changed. vim and neovim run without swap,
backup, undo or viminfo files. The file is removed on every exit path,
including Ctrl-C and SIGTERM; if tresor is killed outright (SIGKILL), the
next tresor command removes it. A new NAME starts from an empty file.

If the old value had no final newline, the one your editor adds is dropped.

Examples:
   EDITOR=nano tresor edit prod/config.json`,
		Flags: withGlobal(),
		Action: func(c *cli.Context) error {
			name, err := oneArg(c, "NAME")
			if err != nil {
				return err
			}
			// Checked before the editor runs; a bad name is exit 1, as in
			// set, get, rm and mv, not a usage error.
			if err := format.ValidateName(name); err != nil {
				return err
			}
			v, _, err := openForWrite(c, t)
			if err != nil {
				return err
			}
			defer v.Close()
			old, header, err := v.Get(name)
			if err != nil && !errors.Is(err, vault.ErrNotFound) {
				return err
			}
			// What the write would refuse about the secret's variable is
			// refused before anyone types a value.
			claim := vault.EnvClaim{Secret: name}
			if header != nil {
				claim.Env = header.Env
			}
			if err := v.CheckEnvClaims([]vault.EnvClaim{claim}); err != nil {
				return err
			}
			edited, err := editInTempFile(t, name, old)
			if err != nil {
				return err
			}
			if len(old) > 0 && !bytes.HasSuffix(old, []byte("\n")) {
				edited = bytes.TrimSuffix(edited, []byte("\n"))
			}
			if bytes.Equal(edited, old) {
				fmt.Fprintf(t.stderr, "tresor: %s unchanged, nothing written\n", name)
				return nil
			}
			if len(edited) == 0 {
				return fmt.Errorf("the edited value is empty, nothing written (use tresor rm to remove %s)", name)
			}
			h, err := v.Set(name, edited, vault.SetOptions{})
			if err != nil {
				return err
			}
			fmt.Fprintf(t.stderr, "tresor: set %s (version %d, readers: %s)\n", h.Name, h.Version, joinNames(h.Readers))
			return nil
		},
	}
}

// editInTempFile writes value to a private file, runs the editor on it and
// returns what the file holds afterwards. The file and its directory are
// removed on every path out, including signals.
func editInTempFile(t *terminal, name string, value []byte) ([]byte, error) {
	editor := os.Getenv("VISUAL")
	if editor == "" {
		editor = os.Getenv("EDITOR")
	}
	if editor == "" {
		editor = "vi"
	}
	dir, err := privateTempDir(plaintextEdit)
	if err != nil {
		return nil, err
	}
	cleanup := func() { os.RemoveAll(dir) }
	defer cleanup()

	// Signals that would kill tresor remove the file first. SIGINT goes to
	// the editor too (same process group); the editor decides what it means.
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	defer signal.Stop(sigs)
	done := make(chan struct{})
	defer close(done)
	go func() {
		select {
		case s := <-sigs:
			if s == os.Interrupt {
				// Let the editor handle Ctrl-C; tresor cleans up when it exits.
				for s == os.Interrupt {
					select {
					case s = <-sigs:
					case <-done:
						return
					}
				}
			}
			cleanup()
			os.Exit(128 + int(s.(syscall.Signal)))
		case <-done:
		}
	}()

	file := filepath.Join(dir, strings.ReplaceAll(name, "/", "_"))
	if err := os.WriteFile(file, value, 0o600); err != nil {
		return nil, fmt.Errorf("writing the temporary file: %w", unwrapPathErr(err))
	}
	args := strings.Fields(editor)
	args = append(args, noBackupArgs(args[0])...)
	args = append(args, file)
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("editor %s failed: %v; nothing written", args[0], err)
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("reading the edited file: %w", unwrapPathErr(err))
	}
	if len(b) > format.MaxValueSize {
		return nil, errors.New("the edited value is larger than 1 MiB; nothing written")
	}
	return b, nil
}

// noBackupArgs keeps vim and neovim from writing swap, backup, undo and
// viminfo files, which would leave copies of the value on disk.
func noBackupArgs(editor string) []string {
	switch filepath.Base(editor) {
	case "vi", "vim", "nvim", "gvim", "mvim":
		return []string{"-n", "-i", "NONE", "--cmd", "set nobackup nowritebackup noundofile noswapfile"}
	}
	return nil
}
