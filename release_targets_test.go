package main

import (
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
)

// TestBuildsForReleaseTargets builds tresor for every operating system the
// release configuration ships (.goreleaser.yaml's goos), so that code which
// compiles only on Linux (a syscall constant, a Unix-only file) fails here
// and not at release time.
func TestBuildsForReleaseTargets(t *testing.T) {
	if testing.Short() {
		t.Skip("cross-compiles the whole program")
	}
	cfg, err := os.ReadFile(".goreleaser.yaml")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^\s*goos:\s*\[([^\]]*)\]`).FindSubmatch(cfg)
	if m == nil {
		t.Fatal(".goreleaser.yaml has no goos list")
	}
	var targets []string
	for _, goos := range strings.Split(string(m[1]), ",") {
		targets = append(targets, strings.TrimSpace(goos))
	}
	if len(targets) < 2 {
		t.Fatalf("goos list %q", m[1])
	}
	for _, goos := range targets {
		cmd := exec.Command("go", "vet", "./...")
		cmd.Env = append(os.Environ(), "GOOS="+goos, "GOARCH=amd64", "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("GOOS=%s go vet ./...: %v\n%s", goos, err, out)
		}
	}
}
