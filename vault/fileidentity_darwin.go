package vault

import (
	"fmt"
	"os"
	"syscall"
)

// fileIdentity: inode, device and change time (see the Linux version).
func fileIdentity(fi os.FileInfo) string {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return fmt.Sprintf("%d.%d.%d.%d", st.Ino, st.Dev, st.Ctimespec.Sec, st.Ctimespec.Nsec)
	}
	return ""
}
