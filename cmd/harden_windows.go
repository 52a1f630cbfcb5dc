//go:build windows

package cmd

// hardenProcess: Windows writes no core files by default (Windows Error
// Reporting keeps minidumps only where it has been configured to), and has
// no per-process switch tresor could set against same-user debuggers.
func hardenProcess() {}

func withUserCoreLimit(start func() error) error { return start() }
