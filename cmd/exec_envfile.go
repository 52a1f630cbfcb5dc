package cmd

import (
	"fmt"

	"github.com/tresor-dev/tresor/format"
)

// maxEnvFile bounds an --env-file: configuration, not data.
const maxEnvFile = 4 << 20

// withEnvFile adds the settings of a plain dotenv file (non-secret
// configuration) to env; they replace variables of the same name.
func withEnvFile(t *terminal, env []string, path string) ([]string, error) {
	b, err := readUserFile(t, path, "--env-file", maxEnvFile)
	if err != nil {
		return nil, err
	}
	pairs, err := format.ParseDotenv(b)
	if err != nil {
		return nil, fmt.Errorf("--env-file %s: %w", path, err)
	}
	for _, p := range pairs {
		env = setEnv(env, p.Key, string(p.Value))
	}
	return env, nil
}
