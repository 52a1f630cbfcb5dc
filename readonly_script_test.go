package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"sync"

	"github.com/rogpeppe/go-internal/testscript"
)

// cmdROMount: romount SRC DST | romount -u DST. It bind-mounts SRC read-only
// at DST, a real read-only checkout. Scripts guard it with [romount]: bind
// mounts need root (CI runs as root). The mount is undone when the script
// ends.
func cmdROMount(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("unsupported: ! romount")
	}
	if len(args) == 2 && args[0] == "-u" {
		if out, err := exec.Command("umount", ts.MkAbs(args[1])).CombinedOutput(); err != nil {
			ts.Fatalf("umount: %v\n%s", err, out)
		}
		return
	}
	if len(args) != 2 {
		ts.Fatalf("usage: romount SRC DST | romount -u DST")
	}
	src, dst := ts.MkAbs(args[0]), ts.MkAbs(args[1])
	if err := os.MkdirAll(dst, 0o755); err != nil {
		ts.Fatalf("%v", err)
	}
	if out, err := exec.Command("mount", "--bind", src, dst).CombinedOutput(); err != nil {
		ts.Fatalf("mount --bind: %v\n%s", err, out)
	}
	ts.Defer(func() { exec.Command("umount", dst).Run() })
	if out, err := exec.Command("mount", "-o", "remount,bind,ro", dst).CombinedOutput(); err != nil {
		ts.Fatalf("remount read-only: %v\n%s", err, out)
	}
}

var roMount struct {
	once sync.Once
	ok   bool
}

// canROMount reports whether this process can make read-only bind mounts:
// it tries one.
func canROMount() bool {
	roMount.once.Do(func() {
		if os.Geteuid() != 0 {
			return
		}
		dir, err := os.MkdirTemp("", "tresor-romount")
		if err != nil {
			return
		}
		defer os.RemoveAll(dir)
		src, dst := filepath.Join(dir, "src"), filepath.Join(dir, "dst")
		os.Mkdir(src, 0o700)
		os.Mkdir(dst, 0o700)
		if exec.Command("mount", "--bind", src, dst).Run() != nil {
			return
		}
		defer exec.Command("umount", dst).Run()
		roMount.ok = exec.Command("mount", "-o", "remount,bind,ro", dst).Run() == nil
	})
	return roMount.ok
}
