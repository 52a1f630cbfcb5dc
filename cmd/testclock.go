package cmd

import (
	"os"
	"sync"
	"time"
)

// testNowEnv is a test hook, like TRESOR_TEST_CRASH_AT in vault/commit.go:
// an RFC 3339 time that every command of the process takes as "now"
// (vault.Options.Now), so that tests about expiry and rotation never depend
// on the wall clock. Entries written under it carry that time; verify
// reports entries dated more than a few minutes ahead of the real clock
// (an advisory finding), so a script sets it once and only moves it
// forward. Not for users: an unparsable value is ignored.
const testNowEnv = "TRESOR_TEST_NOW"

// testNow returns the clock TRESOR_TEST_NOW fixes, or nil for the system
// clock. It reads the variable once.
var testNow = sync.OnceValue(func() func() time.Time {
	s := os.Getenv(testNowEnv)
	if s == "" {
		return nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return nil
	}
	return func() time.Time { return t }
})
