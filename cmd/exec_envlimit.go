package cmd

import (
	"fmt"
	"runtime"

	"github.com/tresor-dev/tresor/vault"
)

// maxEnvString is the most a single "NAME=value" environment string may
// hold on Linux (MAX_ARG_STRLEN, 32 pages): execve fails with "argument
// list too long" past it, for the whole command. Other systems limit only
// the total.
const maxEnvString = 128 << 10

// envStringFits reports whether NAME=value can be one environment string
// of a command started on this system.
func envStringFits(name string, value []byte) bool {
	return runtime.GOOS != "linux" || len(name)+1+len(value)+1 <= maxEnvString
}

// checkEnvSizes refuses, before the command starts, a secret too large to
// be an environment variable, naming it: otherwise execve fails for every
// plain exec that selects it, with a message that names nothing.
func checkEnvSizes(vars []vault.EnvVar) error {
	for _, ev := range vars {
		if !envStringFits(ev.Name, ev.Value) {
			return hintedf(fmt.Sprintf("hand it over as a file: tresor exec --mount %s=%s_FILE …, or leave it out with --prefix or --only", ev.Secret, ev.Name),
				"secret %s is %d KiB, more than one environment variable can hold here (128 KiB)", ev.Secret, (len(ev.Value)+1023)/1024)
		}
	}
	return nil
}
