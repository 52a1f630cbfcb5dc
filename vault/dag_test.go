package vault

import "testing"

func TestChainClocks(t *testing.T) {
	b := newClockBuilder()
	// g ─ a1 ─ a2 ─┬─ b1 ─ b2 ─┬─ m ─ after
	//              └─ c1 ──────┘
	g := b.next(nil)
	a1 := b.next([]*chainClock{g})
	a2 := b.next([]*chainClock{a1})
	b1 := b.next([]*chainClock{a2})
	c1 := b.next([]*chainClock{a2})
	b2 := b.next([]*chainClock{b1})
	m := b.next([]*chainClock{b2, c1})
	after := b.next([]*chainClock{m})
	tests := []struct {
		name string
		f, w *chainClock
		want bool
	}{
		{"self", a1, a1, true},
		{"genesis before all", g, after, true},
		{"along a chain", a1, b2, true},
		{"not backwards", b2, a1, false},
		{"fork sibling b1 vs c1", b1, c1, false},
		{"fork sibling c1 vs b1", c1, b1, false},
		{"c1 vs b2", c1, b2, false},
		{"branch into merge", c1, m, true},
		{"other branch into merge", b2, m, true},
		{"before merge reaches after", c1, after, true},
		{"merge not before branch", m, c1, false},
	}
	for _, tt := range tests {
		if got := tt.f.precedes(tt.w); got != tt.want {
			t.Errorf("%s: precedes = %v, want %v", tt.name, got, tt.want)
		}
	}
}
