package mask

import (
	"bytes"
	"slices"
)

// automaton is an Aho-Corasick automaton over a set of byte patterns. It is
// immutable once built, so Writers for stdout and stderr can share one.
//
// Nodes are the trie's, numbered breadth-first, which makes the children
// of a node a contiguous id range (lo, lo+kids), sorted by their edge
// bytes, label[c].
//
// Most nodes of a secret's trie have one child, so transitions are sparse:
// follow a child edge if there is one, else the failure link. Nodes with
// many children (the root, and in practice the first bytes of tokens and
// base64) get a dense row with the failure links folded in, indexed by byte
// class. On ordinary text the search is almost always in such a node, so a
// step is one table lookup; the root is always dense, which also bounds
// every failure walk.
type automaton struct {
	nodes []node     // by node id: what a sparse transition reads
	info  []nodeInfo // by node id: what a match, or the end of a Write, reads
	label []byte     // label[c]: the byte on the edge into node c

	rows    []state   // the dense rows, stride entries each
	stride  int       // number of byte classes
	class   [256]byte // bytes that no pattern tells apart share a class
	rowNode []int32   // rowNode[i]: the node whose row starts at i*stride
	states  []state   // states[id]: the state for node id

	// pattern[id]: the index, in build's argument, of the pattern that
	// node id spells (the first of equal ones), or -1. Only a Find reads
	// it: masking needs no more than where a match starts.
	pattern []int32
}

// A state is how a search refers to a node: a node with a dense row by the
// offset of its row in rows (>= 0), any other node by ^id (< 0). The common
// step, from a dense node, then reads nothing but the row.
type state int32

type node struct {
	lo    int32  // first child's id
	child state  // the first child's state
	fail  state  // longest proper suffix that is also a node
	kids  uint16 // number of children
	first byte   // the first child's label: most nodes have one child
	match bool   // a pattern ends here, or on the failure chain
}

type nodeInfo struct {
	depth int32 // length of the string this node spells
	fail  int32 // node.fail, as an id
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
// leaves has at most (L-1)/(k-1) nodes with k or more children, so 10,000
// patterns make at most ~1,400 rows (1 KiB each at most).
const denseChildren = 8

const root = 0

// build compiles patterns (non-empty, any order, duplicates allowed).
func build(patterns [][]byte) *automaton {
	// Sorted by index, stably, so that of equal patterns the first given
	// is the one a node records.
	idx := make([]int32, len(patterns))
	for i := range idx {
		idx[i] = int32(i)
	}
	slices.SortStableFunc(idx, func(i, j int32) int { return bytes.Compare(patterns[i], patterns[j]) })

	// A first-child/next-sibling trie. Patterns are sorted, so a new child
	// always sorts after its existing siblings and goes at the end.
	type tnode struct {
		first, last, next int32
		pat               int32 // the pattern ending here, or -1
		b                 byte
	}
	// Sized for the worst case (no shared prefixes) up front: growing it
	// cost more than the rest of the build for tresor scan's 15 forms of
	// 1,000 values.
	total := 1
	for _, p := range patterns {
		total += len(p)
	}
	t := make([]tnode, 1, total)
	t[0] = tnode{first: -1, last: -1, next: -1, pat: -1}
	for k, i := range idx {
		p := patterns[i]
		if k > 0 && bytes.Equal(p, patterns[idx[k-1]]) {
			continue
		}
		v := int32(0)
		for _, b := range p {
			if c := t[v].last; c >= 0 && t[c].b == b {
				v = c
				continue
			}
			c := int32(len(t))
			t = append(t, tnode{first: -1, last: -1, next: -1, pat: -1, b: b})
			if t[v].last >= 0 {
				t[t[v].last].next = c
			} else {
				t[v].first = c
			}
			t[v].last = c
			v = c
		}
		t[v].pat = i
	}

	// Renumber breadth-first.
	a := &automaton{
		nodes:   make([]node, len(t)),
		info:    make([]nodeInfo, len(t)),
		label:   make([]byte, len(t)),
		states:  make([]state, len(t)),
		pattern: make([]int32, len(t)),
	}
	lo := make([]int32, len(t))
	hi := make([]int32, len(t))
	term := make([]bool, len(t))
	order := make([]int32, 1, len(t)) // order[new id] = old id
	for v := 0; v < len(order); v++ {
		old := order[v]
		lo[v] = int32(len(order))
		for c := t[old].first; c >= 0; c = t[c].next {
			a.label[len(order)] = t[c].b
			order = append(order, c)
		}
		hi[v] = int32(len(order))
		term[v] = t[old].pat >= 0
		a.pattern[v] = t[old].pat
	}

	// Failure links, out and hold, breadth-first so that everything a node
	// refers to (its failure chain, all shallower) is complete.
	child := func(v int32, b byte) int32 {
		l := a.label[lo[v]:hi[v]]
		if i, ok := slices.BinarySearch(l, b); ok {
			return lo[v] + int32(i)
		}
		return -1
	}
	goTo := func(v int32, b byte) int32 {
		for {
			if c := child(v, b); c >= 0 {
				return c
			}
			if v == root {
				return root
			}
			v = a.info[v].fail
		}
	}
	for v := range int32(len(a.nodes)) {
		in := &a.info[v]
		for c := lo[v]; c < hi[v]; c++ {
			a.info[c].depth = in.depth + 1
			if v != root {
				a.info[c].fail = goTo(in.fail, a.label[c])
			}
		}
		f := &a.info[in.fail]
		switch {
		case term[v]:
			in.out = v
		case v == root:
			in.out = -1
		default:
			in.out = f.out
		}
		switch {
		case hi[v] > lo[v]:
			in.hold = in.depth
		case v == root:
			in.hold = 0
		default:
			in.hold = f.hold
		}
	}

	// Byte classes: class 0 for the bytes no pattern contains, one class
	// for each byte that some pattern does.
	var used [256]bool
	for _, b := range a.label[1:] {
		used[b] = true
	}
	a.stride = 1
	for b := range 256 {
		if used[b] {
			a.class[b] = byte(a.stride)
			a.stride++
		}
	}
	a.stride = min(a.stride, 256) // every byte used: class 0 is empty
	if a.stride == 256 {
		for b := range 256 {
			a.class[b] = byte(b)
		}
	}

	// Which nodes are dense. A node where a match ends never is, so that a
	// dense state needs no check for matches.
	for v := range int32(len(a.nodes)) {
		if v == root || hi[v]-lo[v] >= denseChildren && a.info[v].out < 0 {
			a.states[v] = state(len(a.rowNode) * a.stride)
			a.rowNode = append(a.rowNode, v)
		} else {
			a.states[v] = ^state(v)
		}
	}
	for v := range a.nodes {
		n, in := &a.nodes[v], &a.info[v]
		n.lo = lo[v]
		n.fail = a.states[in.fail]
		n.match = in.out >= 0
		if kids := hi[v] - lo[v]; kids > 0 {
			n.kids = uint16(kids)
			n.child = a.states[lo[v]]
			n.first = a.label[lo[v]]
		}
	}

	// The rows, breadth-first: a row refers to its node's failure chain,
	// which is shallower and so complete.
	var rep [256]byte // a byte of each class
	for b := 255; b >= 0; b-- {
		rep[a.class[b]] = byte(b)
	}
	a.rows = make([]state, 0, len(a.rowNode)*a.stride)
	for _, v := range a.rowNode {
		for cl := range a.stride {
			b := rep[cl]
			var s state
			switch c := child(v, b); {
			case c >= 0:
				s = a.states[c]
			case v == root:
				s = a.states[root]
			default:
				s = a.next(a.nodes[v].fail, b)
			}
			a.rows = append(a.rows, s)
		}
	}
	return a
}

// next is the transition from s on byte b.
func (a *automaton) next(s state, b byte) state {
	for s < 0 {
		n := &a.nodes[^s]
		if c := a.childOf(n, b); c != 0 {
			return c
		}
		s = n.fail
	}
	return a.rows[int(s)+int(a.class[b])]
}

// childOf is the state of the child of sparse node n labelled b, or 0 (the
// root, which is no node's child) if there is none.
func (a *automaton) childOf(n *node, b byte) state {
	if n.kids == 1 {
		if n.first == b {
			return n.child
		}
		return 0
	}
	for i, l := range a.label[n.lo : n.lo+int32(n.kids)] {
		if l == b {
			return a.states[n.lo+int32(i)]
		}
	}
	return 0
}

// id is the node that s refers to.
func (a *automaton) id(s state) int32 {
	if s < 0 {
		return int32(^s)
	}
	return a.rowNode[int(s)/a.stride]
}
