//go:build linux || darwin

package vault

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// entryStatter returns a function giving the identity of a journal entry
// file (see entryIdentity) with one fstatat(2) relative to the journal
// directory: a read checks a few hundred of them, and os.Root's Lstat
// costs several system calls each.
func (v *Vault) entryStatter() (stat func(file string) string, done func()) {
	d, err := v.root.Open(journalDir)
	if err != nil {
		return func(string) string { return "" }, func() {}
	}
	fd := int(d.Fd())
	return func(file string) string {
		var st unix.Stat_t
		if err := unix.Fstatat(fd, file, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
			return ""
		}
		return fmt.Sprintf("%d.%d.%s", st.Size, unixNano(st.Mtim), statIdentity(&st))
	}, func() { d.Close() }
}

// statIdentity is what tells one version of a file from another beyond
// its size and modification time: inode, device and change time (which no
// user can set back).
func statIdentity(st *unix.Stat_t) string {
	return fmt.Sprintf("%d.%d.%d.%d", st.Ino, st.Dev, st.Ctim.Sec, st.Ctim.Nsec)
}

func unixNano(ts unix.Timespec) int64 { return ts.Nano() }
