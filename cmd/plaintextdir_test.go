package cmd

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"
)

// deadPID returns the PID of a process that has ended.
func deadPID(t *testing.T) int {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	c := exec.Command(exe, "-test.run=^$")
	if err := c.Run(); err != nil {
		t.Fatal(err)
	}
	if processAlive(c.Process.Pid) {
		t.Skip("the PID of an ended process was reused at once")
	}
	return c.Process.Pid
}

func TestPrivateTempDir(t *testing.T) {
	for _, kind := range []string{plaintextEdit, plaintextMount} {
		dir, err := privateTempDir(kind)
		if err != nil {
			t.Fatal(err)
		}
		defer os.RemoveAll(dir)
		d, ok := parsePlaintextDirName(filepath.Base(dir))
		if !ok || d.kind != kind || d.pid != os.Getpid() || d.pidNS != pidNamespace() {
			t.Fatalf("privateTempDir(%s) = %s, which does not name this process (%+v, %v)", kind, dir, d, ok)
		}
		fi, err := os.Lstat(dir)
		if err != nil {
			t.Fatal(err)
		}
		if runtime.GOOS != "windows" && fi.Mode().Perm() != 0o700 {
			t.Fatalf("%s has mode %v, want 0700", dir, fi.Mode().Perm())
		}
		if runtime.GOOS == "linux" && filepath.Dir(dir) != "/dev/shm" {
			if _, err := os.Stat("/dev/shm"); err == nil {
				t.Fatalf("%s is not on /dev/shm", dir)
			}
		}
	}
}

func TestParsePlaintextDirName(t *testing.T) {
	good := map[string]plaintextDir{
		"tresor-edit-1234-4026531836-0123456789abcdef": {plaintextEdit, 1234, 4026531836, "0123456789abcdef"},
		"tresor-mount-1-0-ffffffffffffffff":            {plaintextMount, 1, 0, "ffffffffffffffff"},
	}
	for name, want := range good {
		if d, ok := parsePlaintextDirName(name); !ok || d != want {
			t.Errorf("parsePlaintextDirName(%q) = %+v, %v; want %+v", name, d, ok, want)
		}
	}
	for _, name := range []string{
		"", "tresor-edit-", "tresor-edit-1234-0-0123456789abcde",
		"tresor-edit-1234-0-0123456789abcdef0", "tresor-edit-1234-0-0123456789ABCDEF",
		"tresor-edit-1234-0-0123456789abcdeg", "tresor-edit-01234-0-0123456789abcdef",
		"tresor-edit-+1234-0-0123456789abcdef", "tresor-edit-0-0-0123456789abcdef",
		"tresor-edit--1-0-0123456789abcdef", "tresor-edit-1234-00-0123456789abcdef",
		"tresor-edit-99999999999-0-0123456789abcdef", "tresor-Edit-1234-0-0123456789abcdef",
		"tresor-exec-1234-0-0123456789abcdef", "tresor-edit-1234-0-0123456789abcdef-x",
		"xtresor-edit-1234-0-0123456789abcdef", "tresor-edit-1234-0123456789abcdef",
		"tresor-edit-123456789", // the old os.MkdirTemp names
		"tresor-edit-1234-0-0123456789abcdef/..",
	} {
		if d, ok := parsePlaintextDirName(name); ok {
			t.Errorf("parsePlaintextDirName(%q) = %+v, want no match", name, d)
		}
	}
}

// FuzzParsePlaintextDirName: the name of a leftover decides what is
// removed, so only the exact names privateTempDir makes may parse. Seeds are
// also in testdata/fuzz/FuzzParsePlaintextDirName.
func FuzzParsePlaintextDirName(f *testing.F) {
	f.Add("tresor-edit-1234-4026531836-0123456789abcdef")
	f.Add("tresor-mount-01-0-0123456789abcdef")
	f.Add("tresor-mount-1-0-0123456789ABCDEF")
	f.Fuzz(func(t *testing.T, name string) {
		d, ok := parsePlaintextDirName(name)
		if !ok {
			return
		}
		if d.name() != name || d.pid <= 0 || (d.kind != plaintextEdit && d.kind != plaintextMount) || len(d.nonce) != 16 {
			t.Fatalf("parsePlaintextDirName(%q) = %+v", name, d)
		}
		if filepath.Base(name) != name {
			t.Fatalf("%q parses but is not one path element", name)
		}
	})
}

// TestRemoveLeftovers: the directory of a dead process goes, with what is
// in it; a live process's stays, and so does everything whose name is not
// exactly a plaintext directory's, a symlink with such a name (and what it
// points to), a plain file, and a directory of another PID namespace.
func TestRemoveLeftovers(t *testing.T) {
	base := t.TempDir()
	outside := t.TempDir()
	dead, ns := deadPID(t), pidNamespace()
	name := func(kind string, pid int, ns uint64, nonce string) string {
		return plaintextDir{kind, pid, ns, nonce}.name()
	}
	mkdir := func(n string) string {
		p := filepath.Join(base, n)
		if err := os.Mkdir(p, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(p, "SECRET"), []byte("hunter2"), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	goneEdit := mkdir(name(plaintextEdit, dead, ns, "0123456789abcdef"))
	goneMount := mkdir(name(plaintextMount, dead, ns, "fedcba9876543210"))
	// A symlink inside a leftover is removed, never followed.
	if err := os.WriteFile(filepath.Join(outside, "keep"), []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(goneMount, "link")); err != nil && runtime.GOOS != "windows" {
		t.Fatal(err)
	}
	kept := []string{
		mkdir(name(plaintextEdit, os.Getpid(), ns, "0123456789abcdef")),
		mkdir(name(plaintextMount, os.Getppid(), ns, "0123456789abcdef")),
		mkdir(name(plaintextMount, dead, ns+1, "0123456789abcdef")),
		mkdir("tresor-mount-" + strconv.Itoa(dead) + "-" + strconv.FormatUint(ns, 10) + "-0123456789abcdeF"),
		mkdir("tresor-mount-" + strconv.Itoa(dead) + "-" + strconv.FormatUint(ns, 10) + "-0123456789abcdef.bak"),
		mkdir("tresor-mount-0" + strconv.Itoa(dead) + "-" + strconv.FormatUint(ns, 10) + "-0123456789abcdef"),
		mkdir("tresor-edit-" + strconv.Itoa(dead)),
	}
	file := filepath.Join(base, name(plaintextEdit, dead, ns, "1111111111111111"))
	if err := os.WriteFile(file, []byte("not a directory"), 0o600); err != nil {
		t.Fatal(err)
	}
	kept = append(kept, file)
	if runtime.GOOS != "windows" {
		link := filepath.Join(base, name(plaintextEdit, dead, ns, "2222222222222222"))
		if err := os.Symlink(outside, link); err != nil {
			t.Fatal(err)
		}
		kept = append(kept, link)
	}

	removeLeftoversIn(base, ns)

	for _, p := range []string{goneEdit, goneMount} {
		if _, err := os.Lstat(p); !os.IsNotExist(err) {
			t.Errorf("%s of a dead process is still there (%v)", filepath.Base(p), err)
		}
	}
	for _, p := range kept {
		if _, err := os.Lstat(p); err != nil {
			t.Errorf("%s was removed: %v", filepath.Base(p), err)
		}
	}
	if _, err := os.Stat(filepath.Join(outside, "keep")); err != nil {
		t.Errorf("a symlink was followed: %v", err)
	}
}
