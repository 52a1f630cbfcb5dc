package cmd

import (
	"fmt"
	"io"
	"strings"
)

// maxDiffCells bounds the table a line diff builds: past it the changed
// middle is shown as all removed, then all added (still exact, less tidy).
const maxDiffCells = 4 << 20

const green color = "\x1b[32m"

// writeLineDiff writes a unified-style diff of two texts, line by line,
// with context lines around each change: how policy apply and policy edit
// show a change before an admin signs it.
func writeLineDiff(w io.Writer, t *terminal, oldName, newName string, oldText, newText []byte) {
	a, b := splitLines(string(oldText)), splitLines(string(newText))
	ops := diffLines(a, b)
	fmt.Fprintf(w, "--- %s\n+++ %s\n", oldName, newName)
	const context = 2
	for i := 0; i < len(ops); {
		if ops[i].kind == ' ' {
			i++
			continue
		}
		start := max(0, i-context)
		end := i
		// Extend the hunk while changes are within 2*context lines.
		for j := i; j < len(ops); j++ {
			if ops[j].kind != ' ' {
				end = j
			} else if j-end > 2*context {
				break
			}
		}
		stop := min(len(ops), end+context+1)
		fmt.Fprintln(w, "@@")
		for _, op := range ops[start:stop] {
			line := string(op.kind) + op.line
			switch op.kind {
			case '-':
				line = t.paint(red, line)
			case '+':
				line = t.paint(green, line)
			}
			fmt.Fprintln(w, line)
		}
		i = stop
	}
}

type diffOp struct {
	kind byte // ' ', '-' or '+'
	line string
}

func splitLines(s string) []string {
	s = strings.TrimSuffix(s, "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

// diffLines is a longest-common-subsequence diff of a and b.
func diffLines(a, b []string) []diffOp {
	var head, tail []diffOp
	for len(a) > 0 && len(b) > 0 && a[0] == b[0] {
		head = append(head, diffOp{' ', a[0]})
		a, b = a[1:], b[1:]
	}
	for len(a) > 0 && len(b) > 0 && a[len(a)-1] == b[len(b)-1] {
		tail = append([]diffOp{{' ', a[len(a)-1]}}, tail...)
		a, b = a[:len(a)-1], b[:len(b)-1]
	}
	var mid []diffOp
	if (len(a)+1)*(len(b)+1) > maxDiffCells {
		for _, l := range a {
			mid = append(mid, diffOp{'-', l})
		}
		for _, l := range b {
			mid = append(mid, diffOp{'+', l})
		}
		return append(append(head, mid...), tail...)
	}
	// lcs[i][j] is the LCS length of a[i:] and b[j:].
	n, m := len(a), len(b)
	lcs := make([][]int32, n+1)
	for i := range lcs {
		lcs[i] = make([]int32, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if a[i] == b[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	i, j := 0, 0
	for i < n || j < m {
		switch {
		case i < n && j < m && a[i] == b[j]:
			mid = append(mid, diffOp{' ', a[i]})
			i, j = i+1, j+1
		case i < n && (j == m || lcs[i+1][j] >= lcs[i][j+1]):
			mid = append(mid, diffOp{'-', a[i]})
			i++
		default:
			mid = append(mid, diffOp{'+', b[j]})
			j++
		}
	}
	return append(append(head, mid...), tail...)
}
