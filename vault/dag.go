package vault

// Reachability in the journal DAG with chain clocks.
//
// Entries are visited in topological order. An entry with one parent that no
// earlier sibling continued extends its parent's chain; any other entry (a
// fork's second child, a merge, the genesis) starts a new chain. Each chain
// start records, for every chain, the furthest position its ancestors reach:
// its base. Entries along a chain share their start's base. Then F is an
// ancestor of (or equal to) W exactly when they are on one chain and F comes
// first, or W's base reaches F's position on F's chain. A linear journal is
// one chain and costs nothing; every fork or merge costs one base map.
type chainClock struct {
	chain int32
	pos   int32
	base  map[int32]int32
}

type clockBuilder struct {
	nextChain int32
	continued map[*chainClock]bool
}

func newClockBuilder() *clockBuilder {
	return &clockBuilder{continued: map[*chainClock]bool{}}
}

// next returns the clock of an entry with the given parents' clocks.
func (b *clockBuilder) next(parents []*chainClock) *chainClock {
	if len(parents) == 1 && !b.continued[parents[0]] {
		p := parents[0]
		b.continued[p] = true
		return &chainClock{chain: p.chain, pos: p.pos + 1, base: p.base}
	}
	base := map[int32]int32{}
	for _, p := range parents {
		for c, pos := range p.base {
			if pos > base[c] {
				base[c] = pos
			}
		}
		if p.pos > base[p.chain] {
			base[p.chain] = p.pos
		}
	}
	b.nextChain++
	return &chainClock{chain: b.nextChain, pos: 1, base: base}
}

// precedes reports whether the entry with clock f is an ancestor of, or the
// same as, the entry with clock w.
func (f *chainClock) precedes(w *chainClock) bool {
	if f.chain == w.chain {
		return f.pos <= w.pos
	}
	return w.base[f.chain] >= f.pos
}
