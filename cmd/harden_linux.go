//go:build linux

package cmd

import "golang.org/x/sys/unix"

// forbidTracing makes tresor not dumpable: processes of the same user can
// no longer ptrace it or read its /proc/<pid>/mem and environ (those files
// become root's), and the kernel writes no core dump of it whatever the
// limit. tresor itself may still read its own /proc/self. execve resets it
// for the program that replaces tresor.
func forbidTracing() { unix.Prctl(unix.PR_SET_DUMPABLE, 0, 0, 0, 0) }
