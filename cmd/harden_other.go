//go:build unix && !linux

package cmd

// forbidTracing: only Linux has a per-process switch against same-user
// debuggers that tresor can set for itself (PR_SET_DUMPABLE); elsewhere the
// core limit of 0 is all hardenProcess does.
func forbidTracing() {}
