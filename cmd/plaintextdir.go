package cmd

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Plaintext directories hold decrypted values outside the vault for as long
// as a command needs them: tresor edit's file, tresor exec --mount's files.
// Each is removed on every path out of the process that made it; a process
// killed outright (SIGKILL, a crash, power off for a disk-backed temp dir)
// leaves its directory behind, and the next tresor run removes it.
//
// The directory's name says who made it:
//
//	tresor-<kind>-<pid>-<pid namespace>-<16 hex digits of randomness>
//
// so a leftover is one whose process is gone. The PID namespace (the inode
// of /proc/self/ns/pid on Linux, else 0) keeps a tresor in one container
// from judging the directories of a tresor in another that shares /tmp.
const (
	plaintextEdit  = "edit"
	plaintextMount = "mount"
)

type plaintextDir struct {
	kind  string
	pid   int
	pidNS uint64
	nonce string // 16 lowercase hex digits
}

func (d plaintextDir) name() string {
	return fmt.Sprintf("tresor-%s-%d-%d-%s", d.kind, d.pid, d.pidNS, d.nonce)
}

// parsePlaintextDirName reads a name privateTempDir makes, and nothing else:
// the name must be exactly what name() writes for the values read.
func parsePlaintextDirName(name string) (plaintextDir, bool) {
	parts := strings.Split(name, "-")
	if len(parts) != 5 || parts[0] != "tresor" || (parts[1] != plaintextEdit && parts[1] != plaintextMount) {
		return plaintextDir{}, false
	}
	pid, err := strconv.ParseInt(parts[2], 10, 32)
	if err != nil || pid <= 0 {
		return plaintextDir{}, false
	}
	ns, err := strconv.ParseUint(parts[3], 10, 64)
	if err != nil {
		return plaintextDir{}, false
	}
	if len(parts[4]) != 16 || strings.ToLower(parts[4]) != parts[4] {
		return plaintextDir{}, false
	}
	if _, err := hex.DecodeString(parts[4]); err != nil {
		return plaintextDir{}, false
	}
	d := plaintextDir{kind: parts[1], pid: int(pid), pidNS: ns, nonce: parts[4]}
	if d.name() != name { // leading zeros, a '+' sign
		return plaintextDir{}, false
	}
	return d, true
}

// plaintextBases are where plaintext directories go, best first:
// memory-backed storage where the OS has it, then the user's runtime
// directory, then the temp directory.
func plaintextBases() []string {
	var out []string
	for _, base := range []string{"/dev/shm", os.Getenv("XDG_RUNTIME_DIR"), os.TempDir()} {
		if base == "" || !filepath.IsAbs(base) {
			continue
		}
		if fi, err := os.Stat(base); err != nil || !fi.IsDir() {
			continue
		}
		dup := false
		for _, b := range out {
			dup = dup || b == base
		}
		if !dup {
			out = append(out, base)
		}
	}
	return out
}

// privateTempDir makes a 0700 plaintext directory of this kind in the best
// base that takes it, so the plaintext never reaches a disk where the OS
// has memory-backed storage.
func privateTempDir(kind string) (string, error) {
	var nonce [8]byte
	rand.Read(nonce[:])
	d := plaintextDir{kind: kind, pid: os.Getpid(), pidNS: pidNamespace(), nonce: hex.EncodeToString(nonce[:])}
	for _, base := range plaintextBases() {
		dir := filepath.Join(base, d.name())
		if err := os.Mkdir(dir, 0o700); err != nil {
			continue
		}
		// A umask of 0700 or more would have taken our own bits.
		if err := os.Chmod(dir, 0o700); err != nil {
			os.Remove(dir)
			return "", err
		}
		return dir, nil
	}
	return "", errors.New("cannot create a private temporary directory")
}

// pidNamespace identifies this process's PID namespace: the inode in
// /proc/self/ns/pid ("pid:[4026531836]") on Linux, 0 elsewhere.
func pidNamespace() uint64 {
	link, err := os.Readlink("/proc/self/ns/pid")
	if err != nil {
		return 0
	}
	s, ok := strings.CutPrefix(link, "pid:[")
	if !ok {
		return 0
	}
	n, err := strconv.ParseUint(strings.TrimSuffix(s, "]"), 10, 64)
	if err != nil {
		return 0
	}
	return n
}

// removeLeftoverPlaintext removes the plaintext directories that tresor
// processes of this user, now dead, left behind. It runs at the start of
// every command and is silent: it is housekeeping, and nothing in it is
// the command's business.
func removeLeftoverPlaintext() {
	ns := pidNamespace()
	for _, base := range plaintextBases() {
		removeLeftoversIn(base, ns)
	}
}

// removeLeftoversIn removes, from base, each entry whose name is exactly a
// plaintext directory's, of this PID namespace, whose process is gone, and
// which is a directory (not a symlink) owned by this user. What is inside
// goes through os.Root, so no symlink in it is followed.
func removeLeftoversIn(base string, ns uint64) {
	f, err := os.Open(base)
	if err != nil {
		return
	}
	names, _ := f.Readdirnames(-1)
	f.Close()
	var root *os.Root
	defer func() {
		if root != nil {
			root.Close()
		}
	}()
	for _, name := range names {
		d, ok := parsePlaintextDirName(name)
		if !ok || d.pidNS != ns || d.pid == os.Getpid() || processAlive(d.pid) {
			continue
		}
		fi, err := os.Lstat(filepath.Join(base, name))
		if err != nil || !fi.IsDir() || !ownedByMe(fi) {
			continue
		}
		if root == nil {
			if root, err = os.OpenRoot(base); err != nil {
				return
			}
		}
		root.RemoveAll(name)
	}
}
