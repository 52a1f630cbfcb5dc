package cmd

import (
	"bytes"
	"testing"
	"time"
)

// TestProgress: a counter on a terminal once work has run past the delay,
// cleared at the end; nothing before the delay; nothing at all on a pipe.
func TestProgress(t *testing.T) {
	var buf bytes.Buffer
	pipe := &terminal{stderr: &buf}
	if pipe.progress("verifying") != nil {
		t.Fatal("progress on a pipe is not nil")
	}

	tty := &terminal{stderr: &buf, stderrTTY: true}
	quick := tty.progress("verifying")
	quick(1, 10)
	quick(10, 10)
	if buf.Len() != 0 {
		t.Fatalf("work shorter than the delay printed %q", buf.String())
	}

	defer func(d time.Duration) { progressDelay = d }(progressDelay)
	progressDelay = 0
	slow := tty.progress("verifying")
	slow(3, 10)
	slow(7, 10)
	slow(10, 10)
	if want := "\rverifying 3/10\rverifying 7/10\r\x1b[K"; buf.String() != want {
		t.Fatalf("progress printed %q, want %q", buf.String(), want)
	}
}
