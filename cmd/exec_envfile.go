package cmd

import (
	"fmt"
	"os"

	"github.com/tresor-dev/tresor/format"
)

// withEnvFile adds the settings of a plain dotenv file (non-secret
// configuration) to env; they replace variables of the same name.
func withEnvFile(env []string, path string) ([]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("--env-file %s: %w", path, unwrapPathErr(err))
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
