// Command tresor is a local-first secrets vault for teams that keep their
// code in git.
package main

import (
	"os"

	"github.com/tresor-dev/tresor/cmd"
)

func main() { os.Exit(cmd.Main(os.Args)) }
