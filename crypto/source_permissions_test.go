package crypto_test

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/tresor-dev/tresor/crypto"
)

// TestIdentityFilePermissionWarning: an identity file that users other than
// its owner may read or change gives one warning naming the file, what is
// wrong, its mode and the fix, as ssh does; a private one gives none. Only
// the source used is judged, and reading goes on: it is a warning.
func TestIdentityFilePermissionWarning(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("Windows file modes do not say who may read")
	}
	dir := t.TempDir()
	key := filepath.Join(dir, "id")
	if err := os.WriteFile(key, []byte(fixedIdentity+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		mode os.FileMode
		want string
	}{
		{0o600, ""},
		{0o400, ""},
		{0o700, ""},
		{0o644, "identity file " + key + " is readable by others (mode 0644); chmod 600 " + key},
		{0o640, "identity file " + key + " is readable by its group (mode 0640); chmod 600 " + key},
		{0o604, "identity file " + key + " is readable by others (mode 0604); chmod 600 " + key},
		{0o620, "identity file " + key + " is writable by its group (mode 0620); chmod 600 " + key},
		{0o666, "identity file " + key + " is readable and writable by others (mode 0666); chmod 600 " + key},
		{0o662, "identity file " + key + " is readable by its group and writable by others (mode 0662); chmod 600 " + key},
	}
	for _, tt := range tests {
		if err := os.Chmod(key, tt.mode); err != nil {
			t.Fatal(err)
		}
		found, err := crypto.FindIdentity([]crypto.Source{crypto.FileSource{Path: key, Named: true}}, crypto.ParseOptions{})
		if err != nil {
			t.Fatalf("mode %04o: %v", tt.mode, err)
		}
		var got string
		if len(found.Warnings) > 1 {
			t.Fatalf("mode %04o: %d warnings: %q", tt.mode, len(found.Warnings), found.Warnings)
		}
		if len(found.Warnings) == 1 {
			got = found.Warnings[0]
		}
		if got != tt.want {
			t.Errorf("mode %04o: warning %q, want %q", tt.mode, got, tt.want)
		}
	}

	// Through a symlink the target's mode counts (a Kubernetes secret
	// volume is symlinks to 0644 files).
	link := filepath.Join(dir, "link")
	if err := os.Symlink(key, link); err != nil {
		t.Fatal(err)
	}
	os.Chmod(key, 0o644)
	found, err := crypto.FindIdentity([]crypto.Source{crypto.FileSource{Path: link}}, crypto.ParseOptions{})
	if err != nil || len(found.Warnings) != 1 {
		t.Fatalf("symlink to a 0644 file: warnings %v, err %v", found.Warnings, err)
	}

	// A file that is skipped (absent) or not used (an earlier source has
	// the identity) is not judged.
	found, err = crypto.FindIdentity([]crypto.Source{
		crypto.EnvSource{Var: "TRESOR_IDENTITY", Value: fixedIdentity},
		crypto.FileSource{Path: key},
	}, crypto.ParseOptions{})
	if err != nil || len(found.Warnings) != 0 {
		t.Fatalf("unused 0644 file: warnings %v, err %v", found.Warnings, err)
	}
}
