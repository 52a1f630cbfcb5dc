//go:build linux

package cmd

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// TestHardenProcess runs hardenProcess in a child test process (it changes
// the whole process) and checks what it reports: tresor is not dumpable,
// its soft core limit is 0, its own /proc/self still reads, and a program
// started through withUserCoreLimit gets the limit tresor was given, after
// which tresor's is 0 again.
func TestHardenProcess(t *testing.T) {
	if os.Getenv("TRESOR_TEST_HARDEN_CHILD") == "1" {
		hardenChild()
		os.Exit(0)
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	c := exec.Command(exe, "-test.run=^TestHardenProcess$")
	c.Env = append(os.Environ(), "TRESOR_TEST_HARDEN_CHILD=1")
	var stderr bytes.Buffer
	c.Stderr = &stderr
	out, err := c.Output()
	if err != nil {
		t.Fatalf("child: %v\n%s%s", err, out, stderr.Bytes())
	}
	got := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		k, v, _ := strings.Cut(sc.Text(), " ")
		got[k] = v
	}
	if got["skip"] != "" {
		t.Skip(got["skip"])
	}
	want := map[string]string{
		"dumpable-before": "1",
		"dumpable":        "0",
		"core":            "0",
		"proc-self":       "ok",
		"child-core":      got["original"],
		"after":           "0",
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q (child said %q)", k, got[k], v, out)
		}
	}
	if got["original"] == "0" || got["original"] == "" {
		t.Errorf("the child could not give itself a core limit to keep: %q", out)
	}
}

// hardenChild reports, one "key value" per line, what hardenProcess did.
func hardenChild() {
	var lim unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_CORE, &lim); err != nil || lim.Max == 0 {
		fmt.Println("skip the hard core limit is 0: nothing to give back")
		return
	}
	lim.Cur = lim.Max
	if err := unix.Setrlimit(unix.RLIMIT_CORE, &lim); err != nil {
		fmt.Println("skip cannot raise the soft core limit:", err)
		return
	}
	fmt.Println("original", limitText(lim.Cur))
	d, _ := unix.PrctlRetInt(unix.PR_GET_DUMPABLE, 0, 0, 0, 0)
	fmt.Println("dumpable-before", d)

	hardenProcess()

	d, _ = unix.PrctlRetInt(unix.PR_GET_DUMPABLE, 0, 0, 0, 0)
	fmt.Println("dumpable", d)
	unix.Getrlimit(unix.RLIMIT_CORE, &lim)
	fmt.Println("core", limitText(lim.Cur))
	_, err1 := os.ReadFile("/proc/self/status")
	_, err2 := os.Readlink("/proc/self/exe")
	if err1 == nil && err2 == nil && pidNamespace() != 0 {
		fmt.Println("proc-self ok")
	} else {
		fmt.Println("proc-self", err1, err2)
	}

	var limits bytes.Buffer
	cmd := exec.Command("cat", "/proc/self/limits")
	cmd.Stdout = &limits
	if err := withUserCoreLimit(cmd.Start); err != nil {
		fmt.Println("child-core", err)
		return
	}
	cmd.Wait()
	for _, line := range strings.Split(limits.String(), "\n") {
		if rest, ok := strings.CutPrefix(line, "Max core file size"); ok {
			fmt.Println("child-core", strings.Fields(rest)[0])
		}
	}
	unix.Getrlimit(unix.RLIMIT_CORE, &lim)
	fmt.Println("after", limitText(lim.Cur))
}

// limitText writes a limit as /proc/<pid>/limits does.
func limitText(v uint64) string {
	if v == unix.RLIM_INFINITY {
		return "unlimited"
	}
	return strconv.FormatUint(v, 10)
}
