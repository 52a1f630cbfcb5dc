package mask

import (
	"bytes"
	"slices"
)

// automaton is an Aho-Corasick automaton over a set of byte patterns. It is
// immutable once built, so Writers for stdout and stderr can share one.
//
// Nodes are numbered in breadth-first order, which makes the children of a
// node a contiguous id range: node v's children are ids lo..hi-1, and the
// edge byte into child c is label[c]. Siblings are sorted by byte.
//
// Most nodes of a secret's trie have one child, so transitions are sparse:
// follow a child edge if there is one, else the failure link. Nodes with many
// children (the root, and in practice the first bytes of base64 and token
// alphabets) get a dense 256-entry row with the failure links already folded
// in, so the common step on ordinary text is one table lookup. The root is
// always dense, which bounds every failure walk.
type automaton struct {
	nodes []node     // what a transition reads, kept small for the cache
	info  []nodeInfo // what a match, or the end of a Write, reads
	label []byte     // label[c]: the byte on the edge into node c
	rows  []int32    // dense rows, 256 entries each; node.row indexes them
	long  int        // length of the longest pattern
}

type node struct {
	lo    int32 // first child's id
	fail  int32 // longest proper suffix that is also a node
	row   int32 // index of the dense row, or -1
	kids  uint8 // number of children, if there is no dense row
	first byte  // label of the first child: most nodes have one
	match bool  // a pattern ends here or on the failure chain
}

type nodeInfo struct {
	depth int32 // length of the string this node spells
	// out is the deepest node in the failure chain (this node included)
	// that ends a pattern, or -1: following out, then out of fail, lists
	// every pattern that ends here, longest first.
	out int32
	// hold is the depth of the deepest node in the failure chain (this node
	// included) that has children: the longest suffix of the input that is
	// a proper prefix of some pattern, and so may still grow into a match.
	hold int32
}

// denseChildren is how many children earn a node a dense row. A trie with L
// leaves has at most (L-1)/(k-1) nodes with k or more children, so for 10,000
// patterns at most ~1,400 rows (1 KiB each).
const denseChildren = 8

const root = 0

// build compiles patterns (non-empty, any order, duplicates allowed).
func build(patterns [][]byte) *automaton {
	ps := slices.Clone(patterns)
	slices.SortFunc(ps, bytes.Compare)
	ps = slices.CompactFunc(ps, bytes.Equal)

	// A first-child/next-sibling trie. Patterns are sorted, so a new child
	// always sorts after its existing siblings and goes at the end.
	type tnode struct {
		first, last, next int32
		b                 byte
		term              bool
	}
	t := []tnode{{first: -1, last: -1, next: -1}}
	long := 0
	for _, p := range ps {
		long = max(long, len(p))
		v := int32(0)
		for _, b := range p {
			if c := t[v].last; c >= 0 && t[c].b == b {
				v = c
				continue
			}
			c := int32(len(t))
			t = append(t, tnode{first: -1, last: -1, next: -1, b: b})
			if t[v].last >= 0 {
				t[t[v].last].next = c
			} else {
				t[v].first = c
			}
			t[v].last = c
			v = c
		}
		t[v].term = true
	}

	// Renumber breadth-first.
	a := &automaton{
		nodes: make([]node, len(t)),
		info:  make([]nodeInfo, len(t)),
		label: make([]byte, len(t)),
		long:  long,
	}
	hi := make([]int32, len(t)) // one past the last child's id
	term := make([]bool, len(t))
	order := make([]int32, 1, len(t)) // order[new id] = old id
	for i := 0; i < len(order); i++ {
		old := order[i]
		a.nodes[i].lo = int32(len(order))
		for c := t[old].first; c >= 0; c = t[c].next {
			a.label[len(order)] = t[c].b
			order = append(order, c)
		}
		hi[i] = int32(len(order))
		term[i] = t[old].term
	}
	for v := range a.nodes {
		for c := a.nodes[v].lo; c < hi[v]; c++ {
			a.info[c].depth = a.info[v].depth + 1
		}
	}

	// Failure links, out and hold, breadth-first so that everything a node
	// refers to (its parent's failure chain, all shallower) is complete.
	for v := range a.nodes {
		n, in := &a.nodes[v], &a.info[v]
		kids := hi[v] - n.lo
		n.row = -1
		if kids < denseChildren {
			n.kids = uint8(kids)
		}
		if kids > 0 {
			n.first = a.label[n.lo]
		}
		for c := n.lo; c < hi[v]; c++ {
			if v == root {
				a.nodes[c].fail = root
			} else {
				a.nodes[c].fail = a.next(n.fail, a.label[c])
			}
		}
		f := &a.info[n.fail]
		switch {
		case term[v]:
			in.out = int32(v)
		case v == root:
			in.out = -1
		default:
			in.out = f.out
		}
		n.match = in.out >= 0
		switch {
		case kids > 0:
			in.hold = in.depth
		case v == root:
			in.hold = 0
		default:
			in.hold = f.hold
		}
		if v == root || kids >= denseChildren {
			row := make([]int32, 256)
			for b := range row {
				if v == root {
					row[b] = root
				} else {
					row[b] = a.next(n.fail, byte(b))
				}
			}
			for c := n.lo; c < hi[v]; c++ {
				row[a.label[c]] = c
			}
			n.row = int32(len(a.rows) / 256)
			a.rows = append(a.rows, row...)
		}
	}
	return a
}

// next is the transition from node v on byte b.
func (a *automaton) next(v int32, b byte) int32 {
	for {
		n := &a.nodes[v]
		if n.row >= 0 {
			return a.rows[int(n.row)<<8|int(b)]
		}
		if n.kids == 1 {
			if n.first == b {
				return n.lo
			}
		} else {
			for c := n.lo; c < n.lo+int32(n.kids); c++ {
				if a.label[c] == b {
					return c
				}
			}
		}
		v = n.fail
	}
}
