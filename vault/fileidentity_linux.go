package vault

import (
	"fmt"
	"os"
	"syscall"
)

// fileIdentity is what tells one version of a file from another beyond its
// size and modification time: inode, device and change time (which no
// user can set back).
func fileIdentity(fi os.FileInfo) string {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return fmt.Sprintf("%d.%d.%d.%d", st.Ino, st.Dev, st.Ctim.Sec, st.Ctim.Nsec)
	}
	return ""
}
