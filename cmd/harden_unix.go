//go:build unix

package cmd

import (
	"sync"

	"golang.org/x/sys/unix"
)

// Decrypted values sit in tresor's memory while a command runs. A core dump
// would write them to disk (often where others can read it, or collected by
// a crash reporter), and a debugger of the same user could read them live.
// hardenProcess, first thing in every command, sets the soft RLIMIT_CORE to
// 0 (the hard limit stays, so the user's own limit can be given back to the
// programs tresor starts for them) and, where the OS has it, forbids
// attaching to tresor (forbidTracing).

var coreLimit struct {
	sync.Mutex
	original *unix.Rlimit // as tresor found it; nil if it could not be read or lowered
}

func hardenProcess() {
	var lim unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_CORE, &lim); err == nil {
		orig := lim
		lim.Cur = 0
		if unix.Setrlimit(unix.RLIMIT_CORE, &lim) == nil {
			coreLimit.original = &orig
		}
	}
	forbidTracing()
}

// withUserCoreLimit runs start, which starts the user's own program (tresor
// exec's command), with RLIMIT_CORE as tresor found it: the limit is
// inherited across fork and execve, and that program's crashes are the
// user's to dump. tresor's own limit is 0 again once start returns (when
// execve fails). In between, a crash of tresor itself is still not dumped on
// Linux, where tresor is not dumpable (a property execve resets for the new
// program, not inherited like the limit).
//
// Programs tresor runs as its own helpers (the editor of tresor edit, git,
// age plugins) keep the limit of 0: they hold the same plaintext.
func withUserCoreLimit(start func() error) error {
	coreLimit.Lock()
	defer coreLimit.Unlock()
	if coreLimit.original == nil {
		return start()
	}
	unix.Setrlimit(unix.RLIMIT_CORE, coreLimit.original)
	defer func() {
		lim := *coreLimit.original
		lim.Cur = 0
		unix.Setrlimit(unix.RLIMIT_CORE, &lim)
	}()
	return start()
}
