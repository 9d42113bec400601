package index

import (
	"context"
	"math/bits"

	"github.com/provcheck/provcheck/internal/signal/pdq"
)

// Ref locates one registered frame: the case (position in the snapshot),
// the medium within it and the frame within that.
type Ref struct {
	Case  int32
	Media int32
	Frame int32
}

// Hit is a registered frame found near a query hash.
type Hit struct {
	Ref
	Distance int
}

// Index answers "all registered frames within distance D of this hash".
type Index interface {
	// Add indexes a frame hash under ref.
	Add(h pdq.Hash, ref Ref)
	// Len is the number of indexed hashes.
	Len() int
	// Search appends to dst every indexed frame within maxDist of q.
	Search(q pdq.Hash, maxDist int, dst []Hit) []Hit
	// SearchMany searches several query hashes at once and calls fn for each
	// hit of query qs[i]; it may be faster than repeated Search calls.
	SearchMany(qs []pdq.Hash, maxDist int, fn func(i int, h Hit))
}

// Linear is an exhaustive index: hashes packed in one slice and compared
// with popcount. It is exact, needs 44 bytes a frame, and scans about a
// million hashes per query in a few milliseconds.
type Linear struct {
	hashes []pdq.Hash
	refs   []Ref
}

// SearchManyContext is x.SearchMany, given up with ctx's error when ctx
// ends, for the indexes that look at a context during a search (the
// multi-index hashing index and a snapshot's layers over it: between
// queries and between blocks of their linear pass); others are searched
// whole, then ctx is looked at.
func SearchManyContext(ctx context.Context, x Index, qs []pdq.Hash, maxDist int, fn func(i int, h Hit)) error {
	if c, ok := x.(interface {
		searchManyContext(context.Context, []pdq.Hash, int, func(int, Hit)) error
	}); ok {
		return c.searchManyContext(ctx, qs, maxDist, fn)
	}
	x.SearchMany(qs, maxDist, fn)
	return ctx.Err()
}

// queriesPerCheck: a search looks at its context every this many queries.
const queriesPerCheck = 64

// NewLinear returns an empty linear index with room for n hashes.
func NewLinear(n int) *Linear {
	return &Linear{hashes: make([]pdq.Hash, 0, n), refs: make([]Ref, 0, n)}
}

// Add implements Index.
func (x *Linear) Add(h pdq.Hash, ref Ref) {
	x.hashes = append(x.hashes, h)
	x.refs = append(x.refs, ref)
}

// Len implements Index.
func (x *Linear) Len() int { return len(x.hashes) }

// Search implements Index.
func (x *Linear) Search(q pdq.Hash, maxDist int, dst []Hit) []Hit {
	scan(x.hashes, q, maxDist, func(j, d int) {
		dst = append(dst, Hit{Ref: x.refs[j], Distance: d})
	})
	return dst
}

// scan calls fn(j, d) for every hs[j] within maxDist of q. The hash words
// are held in locals so the loop is four XOR-popcounts and a compare.
func scan(hs []pdq.Hash, q pdq.Hash, maxDist int, fn func(j, d int)) {
	q0, q1, q2, q3 := q[0], q[1], q[2], q[3]
	for j := range hs {
		h := &hs[j]
		d := bits.OnesCount64(q0^h[0]) + bits.OnesCount64(q1^h[1]) +
			bits.OnesCount64(q2^h[2]) + bits.OnesCount64(q3^h[3])
		if d <= maxDist {
			fn(j, d)
		}
	}
}

// SearchMany implements Index. It walks the index once, in blocks that stay
// in cache, comparing each block with every query.
func (x *Linear) SearchMany(qs []pdq.Hash, maxDist int, fn func(i int, h Hit)) {
	const block = 4096
	for lo := 0; lo < len(x.hashes); lo += block {
		hi := min(lo+block, len(x.hashes))
		hs := x.hashes[lo:hi]
		for qi, q := range qs {
			scan(hs, q, maxDist, func(j, d int) {
				fn(qi, Hit{Ref: x.refs[lo+j], Distance: d})
			})
		}
	}
}
