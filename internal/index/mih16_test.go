package index

// The multi-index of 16 tables of 16-bit substrings that the index used
// before (format 1 of the index file), kept as the baseline of the
// benchmarks (scale_bench_test.go, mih_test.go).

import (
	"context"
	"math"
	"math/bits"
	"sync"
	"sync/atomic"

	"github.com/provcheck/provcheck/internal/signal/pdq"
)

// mih16 is an exact multi-index hashing index (Norouzi, Punjani and Fleet,
// "Fast Search in Hamming Space with Multi-Index Hashing", CVPR 2012). It
// returns exactly the hits Linear returns; at small distances it looks at a
// small fraction of the hashes (see the benchmarks in mih_test.go).
//
// Each 256-bit hash is cut into m = 16 substrings of 16 bits (the 16-bit
// words of pdq.Hash; in PDQ's layout one word is one row of the 16×16 DCT
// sign matrix). Each substring has its own table mapping the 65,536
// substring values to the ids of the hashes with that value, stored as
// compressed sparse rows: offsets [65537]uint32 and ids []uint32.
//
// Search rests on the pigeonhole principle: if table k is probed with every
// value within r_k bits of the query's substring k, and Σ(r_k+1) > maxDist,
// then every hash within maxDist of the query shows up in at least one probed
// bucket (were each substring farther than r_k, the hash would be at least
// Σ(r_k+1) away). r_k = -1 leaves table k out. Candidates are deduplicated
// with a generation-stamped array and verified with the full distance.
//
// The radii are chosen per query, greedily: each step raises by one the
// radius of the table whose next ring of values (those exactly r_k+1 bits
// from the query's substring) is cheapest, costed by the actual bucket sizes
// read from the offsets (a ring not read yet is costed at the average bucket
// size, and read before it is taken). On uniform data this gives the
// textbook radii, ⌊maxDist/m⌋ for (maxDist mod m)+1 tables and one less for
// the rest; on real data, where video frames cluster and some substring
// values are very common, a hot bucket costs its real size and the plan
// steers around it, to other tables or wider rings. Distances below 16 use
// only maxDist+1 tables, each probed with one bucket. m = 16 suits
// registries of 2^16 to 2^22 hashes (the paper's best m is about
// 256/log2 N), and 16-bit keys index the offsets directly.
//
// When the plan costs more than scanning every hash (a large maxDist, a
// small index, a query in crowded buckets), the query falls back to the
// linear scan. The plan's cost for uniform data is estimated from the probe
// counts before any bucket is read; the real cost is tracked while planning,
// and planning stops once it passes the cost of a scan. So a query costs at
// most about two scans, and on a million hashes maxDist 31 costs about a
// tenth of one. The cost weights (m16ProbeCost, m16CandCost, m16ScanCost)
// come from the benchmarks in mih_test.go. An index of fewer than
// m16MinTables hashes has no tables: it is always scanned.
//
// Memory: 32 bytes a hash, 12 a Ref, 64 of table ids (16 tables × 4), plus
// 4 MiB of offsets. Each search needs a bit a hash of scratch; scratch is
// kept for reuse, so the index holds as many as the most searches that ran
// at once (unlike a sync.Pool, which drops them at each GC and would
// reallocate megabytes).
//
// Concurrency: the tables are built by Build, or by the first search after
// an Add. Once built, Search and SearchMany are safe for concurrent use (a
// lazy build is itself serialised, so concurrent first searches are safe
// too). Add must not run concurrently with any other method: a snapshot adds
// everything, builds, and is then only read.
//
// Order: the hits are the same set as Linear's, each indexed hash at most
// once per query, but not in index order (they come table by table).
// SearchMany calls fn from the calling goroutine, query after query, except
// that queries answered by the linear fallback come last, together.
type mih16 struct {
	hashes []pdq.Hash
	refs   []Ref
	// refOf gives the reference of hash id when refs is nil: an index
	// mapped from a file keeps no references, the position of a hash
	// says which frame it is (see File).
	refOf func(id int) Ref
	// readIDs, when ids is nil, reads len(buf) table ids from position
	// from of ids (an index file's tables are read, not mapped: a probe
	// reads one bucket, where a mapping would map the pages around it).
	readIDs func(buf []uint32, from int64) error

	mu      sync.Mutex  // serialises building
	ready   atomic.Bool // tables cover every hash, or are not wanted
	tables  bool        // built tables (false: index too small, scan)
	offsets []uint32    // m16Tables × (m16Keys+1): table k's bucket v is ids[k*n+offsets[k*(m16Keys+1)+v] : …+v+1]
	ids     []uint32    // m16Tables × n hash ids, each table's grouped by substring value
	freeMu  sync.Mutex
	free    []*m16Scratch // scratch not in use

	noFallback bool // tests: always search the tables
}

const (
	m16Tables = 16
	m16Bits   = pdq.Bits / m16Tables
	m16Keys   = 1 << m16Bits

	// Cost weights, in nanoseconds on the reference machine: reading one
	// bucket's bounds, visiting one candidate id (stamp, fetch, distance),
	// and scanning one hash linearly.
	m16ProbeCost = 8.0
	m16CandCost  = 40.0
	m16ScanCost  = 1.7

	// m16MinTables: below this many hashes a scan takes a few
	// microseconds and the tables (4 MiB of offsets) are not built.
	m16MinTables = 4096
)

// m16Masks lists every 16-bit value by popcount; the values of popcount w
// are m16Masks[m16MaskStart[w]:m16MaskStart[w+1]].
var m16Masks, m16MaskStart = func() ([]uint16, [m16Bits + 2]int) {
	var start [m16Bits + 2]int
	for v := 0; v < m16Keys; v++ {
		start[bits.OnesCount16(uint16(v))+1]++
	}
	for w := 1; w < len(start); w++ {
		start[w] += start[w-1]
	}
	masks := make([]uint16, m16Keys)
	next := start
	for v := 0; v < m16Keys; v++ {
		w := bits.OnesCount16(uint16(v))
		masks[next[w]] = uint16(v)
		next[w]++
	}
	return masks, start
}()

// m16Key is substring k of h: its 16-bit word k.
func m16Key(h *pdq.Hash, k int) uint16 {
	return uint16(h[k>>2] >> (16 * (k & 3)))
}

// newMIH16 returns an empty multi-index hashing index with room for n hashes.
func newMIH16(n int) *mih16 {
	return &mih16{hashes: make([]pdq.Hash, 0, n), refs: make([]Ref, 0, n)}
}

// Add implements Index. It must not be called concurrently with any other
// method; the tables are rebuilt by Build or the next search.
func (x *mih16) Add(h pdq.Hash, ref Ref) {
	x.hashes = append(x.hashes, h)
	x.refs = append(x.refs, ref)
	x.ready.Store(false)
}

// Len implements Index.
func (x *mih16) Len() int { return len(x.hashes) }

// ref is the reference of hash id.
func (x *mih16) ref(id int) Ref {
	if x.refs != nil {
		return x.refs[id]
	}
	return x.refOf(id)
}

// Build builds the tables for every hash added so far, if not yet built.
// Searches call it themselves; calling it once after the last Add moves the
// cost out of the first search.
func (x *mih16) Build() { _ = x.BuildContext(context.Background()) }

// BuildContext is Build, given up with ctx's error when ctx ends (between
// chunks of hashes and between tables); the index is then left unbuilt, and
// a later Build builds it whole.
func (x *mih16) BuildContext(ctx context.Context) error {
	if x.ready.Load() {
		return nil
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.ready.Load() {
		return nil
	}
	// Table ids are uint32: a larger index (128 GiB of hashes) is scanned.
	x.tables = (len(x.hashes) >= m16MinTables || x.noFallback) && uint64(len(x.hashes)) <= math.MaxUint32
	if x.tables {
		if err := x.build(ctx); err != nil {
			return err
		}
	}
	x.ready.Store(true)
	return nil
}

// build fills the tables by counting sort. The substrings are first copied
// out column by column (2 bytes a hash and table, freed after), so that each
// table's two passes read 2 MiB a million hashes instead of all 32 MiB.
func (x *mih16) build(ctx context.Context) error {
	n := len(x.hashes)
	if cap(x.offsets) < m16Tables*(m16Keys+1) {
		x.offsets = make([]uint32, m16Tables*(m16Keys+1))
	}
	x.offsets = x.offsets[:m16Tables*(m16Keys+1)]
	if cap(x.ids) < m16Tables*n {
		x.ids = make([]uint32, m16Tables*n)
	}
	x.ids = x.ids[:m16Tables*n]
	keys := make([]uint16, m16Tables*n)
	const chunk = 1 << 14
	parallel((n+chunk-1)/chunk, func(c int) {
		if ctx.Err() != nil {
			return
		}
		for i := c * chunk; i < min((c+1)*chunk, n); i++ {
			h := &x.hashes[i]
			for k := 0; k < m16Tables; k++ {
				keys[k*n+i] = m16Key(h, k)
			}
		}
	})
	if err := ctx.Err(); err != nil {
		return err
	}
	parallel(m16Tables, func(k int) {
		if ctx.Err() != nil {
			return
		}
		x.buildTable(k, keys[k*n:(k+1)*n])
	})
	return ctx.Err()
}

// buildTable groups the hash ids of table k by substring value; keys[i] is
// substring k of hash i.
func (x *mih16) buildTable(k int, keys []uint16) {
	n := len(keys)
	off := x.offsets[k*(m16Keys+1) : (k+1)*(m16Keys+1)]
	ids := x.ids[k*n : (k+1)*n]
	clear(off)
	for _, v := range keys {
		off[int(v)+1]++
	}
	for v := 1; v <= m16Keys; v++ {
		off[v] += off[v-1]
	}
	// Scatter with off[v] as bucket v's write position; afterwards off[v]
	// is bucket v's end, which is bucket v+1's start: shift back by one.
	for i, v := range keys {
		ids[off[v]] = uint32(i)
		off[v]++
	}
	copy(off[1:], off[:m16Keys])
	off[0] = 0
}

// m16Scratch is one search's working memory.
type m16Scratch struct {
	seen   []uint64 // bit id: id already a candidate of this query
	ranges []uint32 // [start, end) pairs of the non-empty buckets probed
	hits   []m16Hit
	linear []int    // SearchMany: queries left to the linear scan
	idbuf  []uint32 // a bucket read by readIDs
}

type m16Hit struct {
	id   uint32
	dist int32
}

func (x *mih16) getScratch() *m16Scratch {
	var s *m16Scratch
	x.freeMu.Lock()
	if k := len(x.free); k > 0 {
		s = x.free[k-1]
		x.free = x.free[:k-1]
	}
	x.freeMu.Unlock()
	if s == nil {
		s = &m16Scratch{}
	}
	switch {
	case !x.tables:
		s.seen = nil // scanned: nothing to deduplicate
	case len(s.seen) != (len(x.hashes)+63)/64:
		s.seen = make([]uint64, (len(x.hashes)+63)/64)
	}
	return s
}

func (x *mih16) putScratch(s *m16Scratch) {
	x.freeMu.Lock()
	x.free = append(x.free, s)
	x.freeMu.Unlock()
}

// reset starts a new query's deduplication. A bit a hash (rather than a
// stamp of 4 bytes) is cleared for each query, but stays in cache: the
// candidates' bits are looked up at random.
func (s *m16Scratch) reset() { clear(s.seen) }

// m16Plan is the per-query choice of radii and the buckets to read.
type m16Plan struct {
	radius [m16Tables]int                   // r_k, -1: table not probed
	span   [m16Tables][m16Bits + 1][2]int32 // ring w of table k: ranges[span[0]:span[1]]
	probes int                              // buckets looked up while planning
	cands  int                              // ids in the rings taken
}

// m16UniformCost estimates the cost of an mih16 search for maxDist over n uniform
// hashes with the textbook radii.
func m16UniformCost(n, maxDist int) float64 {
	r, a := maxDist/m16Tables, maxDist%m16Tables
	probes := float64(a+1) * float64(m16MaskStart[min(r, m16Bits)+1])
	if r > 0 {
		probes += float64(m16Tables-a-1) * float64(m16MaskStart[min(r-1, m16Bits)+1])
	}
	return probes * (m16ProbeCost + float64(n)/m16Keys*m16CandCost)
}

// plan chooses the radii for q and collects the bucket ranges to read into
// s.ranges. It reports false when a linear scan is cheaper.
func (x *mih16) plan(q *pdq.Hash, maxDist int, s *m16Scratch, p *m16Plan) bool {
	n := len(x.hashes)
	budget := float64(n) * m16ScanCost
	if x.noFallback {
		budget = math.Inf(1)
	}
	if !x.tables || maxDist >= pdq.Bits || m16UniformCost(n, maxDist) > budget {
		return false
	}
	avg := float64(n) / m16Keys
	var key [m16Tables]uint16
	var cost [m16Tables]float64 // cost of table k's next ring
	var exact [m16Tables]bool   // cost[k] is from real bucket sizes
	var ring [m16Tables]int     // ids in table k's next ring, once exact
	p.probes, p.cands = 0, 0
	for k := range p.radius {
		key[k] = m16Key(q, k)
		p.radius[k] = -1
		cost[k] = m16ProbeCost + avg*m16CandCost
	}
	s.ranges = s.ranges[:0]
	spent := 0.0 // probes read plus candidates of the rings taken
	for need := maxDist + 1; need > 0; need-- {
		for {
			k := 0
			for j := 1; j < m16Tables; j++ {
				if cost[j] < cost[k] {
					k = j
				}
			}
			w := p.radius[k] + 1
			if w > m16Bits { // every table whole: cannot happen for maxDist < 256
				return false
			}
			if !exact[k] {
				// Read ring w of table k: the buckets of every value w
				// bits from the query's substring.
				off := x.offsets[k*(m16Keys+1) : (k+1)*(m16Keys+1)]
				lo, c := len(s.ranges), 0
				masks := m16Masks[m16MaskStart[w]:m16MaskStart[w+1]]
				for _, m := range masks {
					v := int(key[k] ^ m)
					a, b := off[v], off[v+1]
					if a != b {
						s.ranges = append(s.ranges, a, b)
						c += int(b - a)
					}
				}
				p.span[k][w] = [2]int32{int32(lo), int32(len(s.ranges))}
				p.probes += len(masks)
				ring[k] = c
				spent += float64(len(masks)) * m16ProbeCost
				cost[k] = float64(c) * m16CandCost
				exact[k] = true
				if spent > budget {
					return false
				}
				continue
			}
			p.radius[k] = w
			p.cands += ring[k]
			spent += cost[k]
			if w+1 <= m16Bits {
				probes := float64(m16MaskStart[w+2] - m16MaskStart[w+1])
				cost[k] = probes * (m16ProbeCost + avg*m16CandCost)
			} else {
				cost[k] = math.Inf(1)
			}
			exact[k] = false
			break
		}
		if spent > budget {
			return false
		}
	}
	return true
}

// collect reads the planned buckets and appends the hits to s.hits.
func (x *mih16) collect(q *pdq.Hash, maxDist int, s *m16Scratch, p *m16Plan) {
	n := len(x.hashes)
	s.reset()
	seen := s.seen
	q0, q1, q2, q3 := q[0], q[1], q[2], q[3]
	for k := 0; k < m16Tables; k++ {
		var ids []uint32
		if x.ids != nil {
			ids = x.ids[k*n : (k+1)*n]
		}
		for w := 0; w <= p.radius[k]; w++ {
			rs := s.ranges[p.span[k][w][0]:p.span[k][w][1]]
			for r := 0; r+1 < len(rs); r += 2 {
				var bucket []uint32
				if ids != nil {
					bucket = ids[rs[r]:rs[r+1]]
				} else {
					bucket = x.bucket(s, int64(k)*int64(n)+int64(rs[r]), int(rs[r+1]-rs[r]))
				}
				for _, id := range bucket {
					if int(id) >= n || seen[id>>6]&(1<<(id&63)) != 0 {
						// (id ≥ n only in a damaged file: see File)
						continue
					}
					seen[id>>6] |= 1 << (id & 63)
					h := &x.hashes[id]
					d := bits.OnesCount64(q0^h[0]) + bits.OnesCount64(q1^h[1]) +
						bits.OnesCount64(q2^h[2]) + bits.OnesCount64(q3^h[3])
					if d <= maxDist {
						s.hits = append(s.hits, m16Hit{id, int32(d)})
					}
				}
			}
		}
	}
}

// bucket reads cnt table ids from position from with readIDs; none when
// the read fails (a file that cannot be read gives no hits).
func (x *mih16) bucket(s *m16Scratch, from int64, cnt int) []uint32 {
	if cap(s.idbuf) < cnt {
		s.idbuf = make([]uint32, cnt, max(cnt, 2*cap(s.idbuf)))
	}
	buf := s.idbuf[:cnt]
	if x.readIDs(buf, from) != nil {
		return nil
	}
	return buf
}

// Search implements Index.
func (x *mih16) Search(q pdq.Hash, maxDist int, dst []Hit) []Hit {
	if maxDist < 0 || len(x.hashes) == 0 {
		return dst
	}
	x.Build()
	s := x.getScratch()
	defer x.putScratch(s)
	var p m16Plan
	if !x.plan(&q, maxDist, s, &p) {
		scan(x.hashes, q, maxDist, func(j, d int) {
			dst = append(dst, Hit{Ref: x.ref(j), Distance: d})
		})
		return dst
	}
	s.hits = s.hits[:0]
	x.collect(&q, maxDist, s, &p)
	for _, h := range s.hits {
		dst = append(dst, Hit{Ref: x.ref(int(h.id)), Distance: int(h.dist)})
	}
	return dst
}

// SearchMany implements Index. Queries are answered one by one through the
// tables; those for which a linear scan is cheaper are scanned together at
// the end, in one pass over the hashes.
func (x *mih16) SearchMany(qs []pdq.Hash, maxDist int, fn func(i int, h Hit)) {
	_ = x.searchManyContext(context.Background(), qs, maxDist, fn)
}

// searchManyContext is SearchMany, given up with ctx's error when ctx ends:
// between every queriesPerCheck queries through the tables, and between
// blocks of the linear pass.
func (x *mih16) searchManyContext(ctx context.Context, qs []pdq.Hash, maxDist int, fn func(i int, h Hit)) error {
	if maxDist < 0 || len(x.hashes) == 0 || len(qs) == 0 {
		return ctx.Err()
	}
	x.Build()
	s := x.getScratch()
	defer x.putScratch(s)
	var p m16Plan
	s.linear = s.linear[:0]
	for i := range qs {
		if i%queriesPerCheck == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		if !x.plan(&qs[i], maxDist, s, &p) {
			s.linear = append(s.linear, i)
			continue
		}
		s.hits = s.hits[:0]
		x.collect(&qs[i], maxDist, s, &p)
		for _, h := range s.hits {
			fn(i, Hit{Ref: x.ref(int(h.id)), Distance: int(h.dist)})
		}
	}
	if len(s.linear) == 0 {
		return ctx.Err()
	}
	const block = 4096
	for lo := 0; lo < len(x.hashes); lo += block {
		if err := ctx.Err(); err != nil {
			return err
		}
		hs := x.hashes[lo:min(lo+block, len(x.hashes))]
		for _, qi := range s.linear {
			scan(hs, qs[qi], maxDist, func(j, d int) {
				fn(qi, Hit{Ref: x.ref(lo + j), Distance: d})
			})
		}
	}
	return nil
}
