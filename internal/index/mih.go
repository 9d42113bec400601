package index

import (
	"context"
	"math"
	"math/bits"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/provcheck/provcheck/internal/signal/pdq"
)

// MIH is an exact multi-index hashing index (Norouzi, Punjani and Fleet,
// "Fast Search in Hamming Space with Multi-Index Hashing", CVPR 2012). It
// returns exactly the hits Linear returns; at small distances it looks at a
// small fraction of the hashes (see the benchmarks in mih_test.go and
// scale_bench_test.go, beside the index of 16 tables of 16 bits it replaced,
// mih16_test.go).
//
// Each 256-bit hash is cut into m = 12 substrings, 4 of 22 bits and 8 of 21
// (the paper's best m is about 256/log2 N: 12 to 13 for 10^6 to 10^7
// hashes). Search rests on the pigeonhole principle: if table k is probed
// with every key within r_k bits of the query's substring k, and
// Σ(r_k+1) > maxDist, every hash within maxDist of the query shows up in at
// least one probe (were each substring farther than r_k, the hash would be
// at least Σ(r_k+1) away). r_k = -1 leaves table k out. At distance 31 a
// query probes 8 tables with radius 2 and 4 with radius 1, and a random
// hash is a candidate with probability about 1,900/2^21: on ten million
// hashes some 9,000 candidates, where 16 tables of 16 bits (radius 1) gave
// 41,000.
//
// A table is a directory on the top b bits of the substring (b = 16 up to
// 16 M hashes, buckets of 128 to 256 entries on average beyond) and an
// entry per hash, grouped by directory bucket: a uint32 holding the hash's
// id in its high bits and, in the bits the id leaves free, the rest of the
// substring (the residue: 5 bits up to 2^27 hashes; a 22-bit substring
// leaves one bit to the verification). A probe of radius r enumerates the
// buckets t ≤ r bits from the query's and keeps the entries whose residue
// is within r−t bits of the query's: a bucket is one random read, its
// entries are compared in sequence. The candidates, deduplicated with a bit
// a hash, are verified with the whole distance once all are known, so that
// their random reads overlap.
//
// The radii are chosen per query, greedily, costed by the real bucket sizes
// read from the directory (see plan): on uniform data the textbook radii,
// ⌊(maxDist+1)/m⌋ for every table and one more for (maxDist+1) mod m of
// them; on real data, where video frames cluster, a table where the query
// sits in a crowded bucket is given a smaller radius or left out.
//
// When the plan's estimated cost passes that of scanning every hash (a large
// maxDist, a small index), or the real work passes it while the buckets are
// read (a query in crowded buckets), the query is scanned linearly instead:
// a query costs at most about two scans. The cost weights (mihProbeCost,
// mihEntryCost, mihCandCost, mihScanCost) come from the benchmarks. An
// index of fewer than mihMinTables hashes has no tables: it is always
// scanned.
//
// Memory: 32 bytes a hash, 48 of table entries (12 tables × 4), the
// directories (12 × 2^b × 4 bytes: 3 MiB), and 12 bytes of Ref a hash
// unless the references are positions (refOf: a snapshot's base and an
// index file, 4 bytes a registered frame). Each search needs a bit a hash
// of scratch; scratch is kept for reuse, so the index holds as many as the
// most searches that ran at once (unlike a sync.Pool, which drops them at
// each GC and would reallocate megabytes).
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
// that queries answered by the linear fallback come last, together (on an
// index file, in hash order: see searchStreamed).
type MIH struct {
	hashes []pdq.Hash
	refs   []Ref
	// refOf gives the reference of hash id when refs is nil: the position
	// of a hash says which frame it is (a snapshot's base, an index file:
	// see frameTable).
	refOf func(id int) Ref
	// readEntries, when ent is nil, reads len(buf) table entries from
	// position from of ent (an index file's tables are read, not mapped: a
	// probe reads its buckets, where a mapping would map the pages around
	// them).
	readEntries func(buf []uint32, from int64) error
	// readHashes, when set, reads len(buf) hashes from position from:
	// SearchMany then verifies candidates in one pass over the hashes
	// read with it (searchStreamed) instead of through the mapping.
	readHashes func(buf []pdq.Hash, from int64) error

	mu      sync.Mutex  // serialises building
	ready   atomic.Bool // tables cover every hash, or are not wanted
	tables  bool        // built tables (false: index too small, scan)
	dirBits int         // b: bits of a substring the directory resolves
	resBits int         // bits of a substring an entry holds below them
	dir     []uint32    // mihTables × (2^b+1): table k's bucket v is ent[k*n+dir[k*(2^b+1)+v] : …+v+1]
	ent     []uint32    // mihTables × n entries, id<<resBits | residue, grouped by bucket
	freeMu  sync.Mutex
	free    []*mihScratch // scratch not in use

	noFallback bool // tests: always search the tables
	wideDir    int  // tests: directory bits, as an index of many more hashes has
}

const (
	// 12 substrings: mihLong of 22 bits, then 21 bits each.
	mihTables = 12
	mihLong   = pdq.Bits - 21*mihTables
	mihMaxLen = 22
	mihMinLen = 21

	// mihDirShift: a table's directory has 2^(bits.Len(n)-mihDirShift)
	// buckets (128 to 256 entries each on average), at least 2^mihMinDir
	// (3 MiB for 12 tables) and at most 2^mihMinLen. Fewer, longer buckets
	// cost fewer random reads a probe; their entries are compared in
	// sequence.
	mihDirShift = 8
	mihMinDir   = 16

	// Cost weights, in nanoseconds on the reference machine: reading one
	// bucket's bounds, comparing one entry's residue, verifying one
	// candidate (stamp, fetch, distance), and scanning one hash linearly.
	mihProbeCost = 40.0
	mihEntryCost = 0.8
	mihCandCost  = 40.0
	mihScanCost  = 1.7

	// mihPlainRatio: a table whose rings cost at most this many times
	// their estimate for uniform data takes its next ring unread (see plan).
	mihPlainRatio = 2.0

	// mihMinTables: below this many hashes a scan takes a few
	// microseconds and the tables are not built.
	mihMinTables = 4096
)

// binom[n][k] is n choose k, for n, k ≤ 32.
var binom = func() (c [33][33]float64) {
	for n := 0; n <= 32; n++ {
		c[n][0] = 1
		for k := 1; k <= n; k++ {
			c[n][k] = c[n-1][k-1] + c[n-1][k]
		}
	}
	return c
}()

// mihLen is the length of substring k.
func mihLen(k int) int {
	if k < mihLong {
		return mihMaxLen
	}
	return mihMinLen
}

// mihKey is substring k of h: its mihLen(k) bits from bit
// 22·min(k, mihLong) + 21·max(k−mihLong, 0) on.
func mihKey(h *pdq.Hash, k int) uint32 {
	o := mihMaxLen*min(k, mihLong) + mihMinLen*max(k-mihLong, 0)
	w, sh := o>>6, uint(o&63)
	v := h[w] >> sh
	if int(sh)+mihLen(k) > 64 {
		v |= h[w+1] << (64 - sh)
	}
	return uint32(v) & (1<<mihLen(k) - 1)
}

// NewMIH returns an empty multi-index hashing index with room for n hashes.
func NewMIH(n int) *MIH {
	return &MIH{hashes: make([]pdq.Hash, 0, n), refs: make([]Ref, 0, n)}
}

// Add implements Index. It must not be called concurrently with any other
// method; the tables are rebuilt by Build or the next search.
func (x *MIH) Add(h pdq.Hash, ref Ref) {
	x.hashes = append(x.hashes, h)
	x.refs = append(x.refs, ref)
	x.ready.Store(false)
}

// Len implements Index.
func (x *MIH) Len() int { return len(x.hashes) }

// ref is the reference of hash id.
func (x *MIH) ref(id int) Ref {
	if x.refs != nil {
		return x.refs[id]
	}
	return x.refOf(id)
}

// layout is the directory and residue widths for n hashes.
func mihLayout(n int) (dirBits, resBits int) {
	dirBits = min(max(bits.Len(uint(n))-mihDirShift, mihMinDir), mihMinLen)
	idBits := max(bits.Len(uint(max(n-1, 0))), 1)
	resBits = min(32-idBits, mihMinLen-dirBits)
	return dirBits, resBits
}

// Build builds the tables for every hash added so far, if not yet built.
// Searches call it themselves; calling it once after the last Add moves the
// cost out of the first search.
func (x *MIH) Build() { _ = x.BuildContext(context.Background()) }

// BuildContext is Build, given up with ctx's error when ctx ends (between
// tables); the index is then left unbuilt, and a later Build builds it
// whole.
func (x *MIH) BuildContext(ctx context.Context) error {
	if x.ready.Load() {
		return nil
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.ready.Load() {
		return nil
	}
	// Ids fill at most 31 bits of an entry: a larger index is scanned.
	x.tables = (len(x.hashes) >= mihMinTables || x.noFallback) && len(x.hashes) > 0 && uint64(len(x.hashes)) <= math.MaxInt32
	if x.tables {
		if err := x.build(ctx); err != nil {
			return err
		}
	}
	x.ready.Store(true)
	return nil
}

// build fills the tables by counting sort, one table per worker: the
// table's substrings are copied out first (4 bytes a hash, freed after) so
// that its two passes read 4 bytes a hash instead of 32.
func (x *MIH) build(ctx context.Context) error {
	n := len(x.hashes)
	x.dirBits, x.resBits = mihLayout(n)
	if x.wideDir > 0 {
		x.dirBits = x.wideDir
		x.resBits = min(32-max(bits.Len(uint(n-1)), 1), mihMinLen-x.dirBits)
	}
	d := 1<<x.dirBits + 1
	if cap(x.dir) < mihTables*d {
		x.dir = make([]uint32, mihTables*d)
	}
	x.dir = x.dir[:mihTables*d]
	if cap(x.ent) < mihTables*n {
		x.ent = make([]uint32, mihTables*n)
	}
	x.ent = x.ent[:mihTables*n]
	parallel(mihTables, func(k int) {
		if ctx.Err() != nil {
			return
		}
		x.buildTable(k)
	})
	return ctx.Err()
}

// parallel calls fn(0..jobs-1) on GOMAXPROCS goroutines.
func parallel(jobs int, fn func(job int)) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := min(runtime.GOMAXPROCS(0), jobs); w > 0; w-- {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := int(next.Add(1) - 1); j < jobs; j = int(next.Add(1) - 1) {
				fn(j)
			}
		}()
	}
	wg.Wait()
}

// buildTable groups the entries of table k by directory bucket (ids
// ascending within a bucket).
func (x *MIH) buildTable(k int) {
	n := len(x.hashes)
	b, rb := x.dirBits, x.resBits
	l := mihLen(k)
	u := l - b - rb
	nd := 1 << b
	off := x.dir[k*(nd+1) : (k+1)*(nd+1)]
	ent := x.ent[k*n : (k+1)*n]
	keys := make([]uint32, n)
	for i := range x.hashes {
		keys[i] = mihKey(&x.hashes[i], k)
	}
	clear(off)
	for _, v := range keys {
		off[int(v>>(l-b))+1]++
	}
	for v := 1; v <= nd; v++ {
		off[v] += off[v-1]
	}
	mask := uint32(1)<<rb - 1
	// Scatter with off[v] as bucket v's write position; afterwards off[v]
	// is bucket v's end, which is bucket v+1's start: shift back by one.
	for i, v := range keys {
		top := v >> (l - b)
		ent[off[top]] = uint32(i)<<rb | (v>>u)&mask
		off[top]++
	}
	copy(off[1:], off[:nd])
	off[0] = 0
}

// mihScratch is one search's working memory.
type mihScratch struct {
	seen   []uint64 // bit id: id already a candidate of this query
	cand   []uint32 // ids whose seen bit is set, to clear after the query
	hits   []mihHit
	linear []int    // SearchMany: queries left to the linear scan
	buf    []uint32 // entries read by readEntries
	ranges []uint32 // plan: [start, end) pairs of the non-empty buckets of the rings read
	runs   []uint64 // file: the buckets to read, start<<32 | index in ranges
	pairs  []uint64 // searchStreamed: candidates, id<<32 | query
	sorted []uint64 // the same, by chunk
	chunk  []pdq.Hash
	// What the last collect read (benchmarks): buckets and candidates.
	probes, cands int
}

type mihHit struct {
	id   uint32
	dist int32
}

func (x *MIH) getScratch() *mihScratch {
	var s *mihScratch
	x.freeMu.Lock()
	if k := len(x.free); k > 0 {
		s = x.free[k-1]
		x.free = x.free[:k-1]
	}
	x.freeMu.Unlock()
	if s == nil {
		s = &mihScratch{}
	}
	switch {
	case !x.tables:
		s.seen = nil // scanned: nothing to deduplicate
	case len(s.seen) != (len(x.hashes)+63)/64:
		s.seen = make([]uint64, (len(x.hashes)+63)/64)
	}
	return s
}

func (x *MIH) putScratch(s *mihScratch) {
	x.freeMu.Lock()
	x.free = append(x.free, s)
	x.freeMu.Unlock()
}

// mihPlan is the per-query choice of radii.
type mihPlan struct {
	radius [mihTables]int                     // r_k, -1: table not probed
	span   [mihTables][mihMaxLen + 1][2]int32 // ring w of table k: ranges[span[0]:span[1]]
	cost   float64                            // estimated, ns
	probes int                                // buckets looked up
}

// candShare is the share of random hashes within r bits of a query on w
// resolved bits.
func candShare(w, r int) float64 {
	c := 0.0
	for t := 0; t <= min(r, w); t++ {
		c += binom[w][t]
	}
	return c / math.Ldexp(1, w)
}

// Masks of 16 and 8 bits by popcount: the values of popcount w are
// masks16[mask16Start[w]:mask16Start[w+1]].
var (
	masks16, mask16Start = masksByPopcount(16)
	masks8, mask8Start   = masksByPopcount(8)
)

func masksByPopcount(b int) ([]uint32, []int) {
	start := make([]int, b+2)
	for v := 0; v < 1<<b; v++ {
		start[bits.OnesCount32(uint32(v))+1]++
	}
	for w := 1; w < len(start); w++ {
		start[w] += start[w-1]
	}
	masks := make([]uint32, 1<<b)
	next := slices.Clone(start)
	for v := 0; v < 1<<b; v++ {
		w := bits.OnesCount32(uint32(v))
		masks[next[w]] = uint32(v)
		next[w]++
	}
	return masks, start
}

// ring appends to s.ranges the bounds of the non-empty buckets exactly w
// bits from top in a directory of b ≥ 16 bits (b−16 ≤ 8 high bits and 16
// low ones: every split of w between them), and returns how many buckets
// it looked up and their entries.
func ring(s *mihScratch, off []uint32, top uint32, b, w int) (probes, entries int) {
	hb := b - 16
	for i := max(0, w-16); i <= min(w, hb); i++ {
		his := masks8[mask8Start[i]:mask8Start[i+1]]
		los := masks16[mask16Start[w-i]:mask16Start[w-i+1]]
		for _, hi := range his {
			if hi>>hb != 0 {
				continue
			}
			t := top ^ hi<<16
			for _, lo := range los {
				v := t ^ lo
				a, e := off[v], off[v+1]
				if a != e {
					s.ranges = append(s.ranges, a, e)
					entries += int(e - a)
				}
			}
			probes += len(los)
		}
	}
	return probes, entries
}

// plan chooses the radii for q, greedily: each step raises by one the
// radius of the table whose next ring (the buckets exactly r_k+1 bits from
// the query's, and the candidates the wider residue test lets through) is
// cheapest. A ring is costed at the average bucket size until it is the
// cheapest, then by its buckets' real sizes, read from the directory into
// s.ranges, before it is taken: on uniform data this gives the textbook
// radii (⌊(maxDist+1)/m⌋ for every table, one more for (maxDist+1) mod m of
// them); on real data a query in a crowded bucket is steered to other
// tables. It reports false when a linear scan is cheaper (estimated before
// any bucket is read, then from the rings read).
func (x *MIH) plan(q *pdq.Hash, maxDist int, s *mihScratch, p *mihPlan) bool {
	n := len(x.hashes)
	if !x.tables || maxDist >= pdq.Bits {
		return false
	}
	budget := float64(n) * mihScanCost
	if x.noFallback {
		budget = math.Inf(1)
	}
	b, rb := x.dirBits, x.resBits
	nd := 1 << b
	nf := float64(n)
	avg := nf / float64(nd)
	// next estimates the cost of ring w of a table (radius w-1 to w).
	next := func(k, w int) float64 {
		if w > mihLen(k) {
			return math.Inf(1)
		}
		c := nf * (candShare(b+rb, w) - candShare(b+rb, w-1)) * mihCandCost
		if w <= b {
			c += binom[b][w] * (mihProbeCost + avg*mihEntryCost)
		}
		return c
	}
	// The textbook radii's cost, before any bucket is read.
	{
		need := maxDist + 1
		est := 0.0
		for k := 0; k < mihTables; k++ {
			r := need/mihTables - 1
			if k < need%mihTables {
				r++
			}
			for w := 0; w <= r; w++ {
				est += next(k, w)
			}
		}
		if est > budget {
			return false
		}
	}
	var top [mihTables]uint32
	var cost [mihTables]float64 // the next ring's cost
	var exact [mihTables]bool   // cost[k] is from real bucket sizes
	// plain[k]: table k's rings read so far cost about what uniform data
	// would (at most mihPlainRatio times): its next ring is taken on its
	// estimate and read then, with no ring read that is not taken.
	var plain [mihTables]bool
	p.cost, p.probes = 0, 0
	s.ranges = s.ranges[:0]
	for k := range p.radius {
		top[k] = mihKey(q, k) >> (mihLen(k) - b)
		p.radius[k] = -1
		cost[k] = next(k, 0)
		exact[k] = false
		plain[k] = false
	}
	for need := maxDist + 1; need > 0; {
		k := 0
		for j := 1; j < mihTables; j++ {
			if cost[j] < cost[k] {
				k = j
			}
		}
		w := p.radius[k] + 1
		if w > mihLen(k) {
			return false // every table whole: cannot happen for maxDist < 256
		}
		if !exact[k] {
			lo := len(s.ranges)
			probes, entries := 0, 0
			if w <= b {
				probes, entries = ring(s, x.dir[k*(nd+1):(k+1)*(nd+1)], top[k], b, w)
			}
			p.span[k][w] = [2]int32{int32(lo), int32(len(s.ranges))}
			p.probes += probes
			cand := nf * (candShare(b+rb, w) - candShare(b+rb, w-1)) * mihCandCost
			est := cost[k]
			cost[k] = float64(probes)*mihProbeCost + float64(entries)*mihEntryCost + cand
			exact[k] = true
			wasPlain := plain[k]
			plain[k] = cost[k] <= mihPlainRatio*est
			if float64(p.probes)*mihProbeCost > budget {
				return false
			}
			if !wasPlain {
				continue // compared again with the other tables
			}
		}
		p.radius[k] = w
		p.cost += cost[k]
		cost[k] = next(k, w+1)
		exact[k] = false
		need--
		if p.cost > budget {
			return false
		}
	}
	return true
}

// collect reads the planned buckets and appends the hits to s.hits. It
// reports false, with no hits, when the work passes the cost of a linear
// scan (the caller scans instead).
func (x *MIH) collect(q *pdq.Hash, maxDist int, s *mihScratch, p *mihPlan) bool {
	defer s.clearSeen()
	if !x.gather(q, s, p) {
		return false
	}
	// Verified after they are all known: the reads of their hashes are
	// independent of one another, so they overlap.
	q0, q1, q2, q3 := q[0], q[1], q[2], q[3]
	for _, id := range s.cand {
		h := &x.hashes[id]
		d := bits.OnesCount64(q0^h[0]) + bits.OnesCount64(q1^h[1]) +
			bits.OnesCount64(q2^h[2]) + bits.OnesCount64(q3^h[3])
		if d <= maxDist {
			s.hits = append(s.hits, mihHit{id, int32(d)})
		}
	}
	return true
}

// clearSeen forgets the candidates of the last gather.
func (s *mihScratch) clearSeen() {
	s.cands = len(s.cand)
	for _, id := range s.cand {
		s.seen[id>>6] = 0
	}
	s.cand = s.cand[:0]
}

// gather reads the planned buckets and lists the candidates, deduplicated,
// in s.cand (their seen bits set: clearSeen clears them). It reports false
// when the work passes the cost of a linear scan.
func (x *MIH) gather(q *pdq.Hash, s *mihScratch, p *mihPlan) bool {
	n := len(x.hashes)
	budget := float64(n) * mihScanCost
	if x.noFallback {
		budget = math.Inf(1)
	}
	seen := s.seen
	b, rb := x.dirBits, x.resBits
	mask := uint32(1)<<rb - 1
	work := float64(p.probes) * mihProbeCost
	s.probes = p.probes
	for k := 0; k < mihTables; k++ {
		r := p.radius[k]
		if r < 0 {
			continue
		}
		qr := (mihKey(q, k) >> (mihLen(k) - b - rb)) & mask
		if x.ent == nil {
			x.fileRuns(s, int64(k)*int64(n), p.span[k][:r+1])
		}
		var ent []uint32
		if x.ent != nil {
			ent = x.ent[k*n : (k+1)*n]
		}
		for w := 0; w <= r; w++ {
			rho := r - w
			rs := s.ranges[p.span[k][w][0]:p.span[k][w][1]]
			for j := 0; j+1 < len(rs); j += 2 {
				var bucket []uint32
				if ent != nil {
					bucket = ent[rs[j]:rs[j+1]]
				} else {
					bucket = x.fileBucket(s, p.span[k][w][0]+int32(j))
				}
				work += float64(len(bucket)) * mihEntryCost
				for _, e := range bucket {
					if rho < rb && bits.OnesCount32((e^qr)&mask) > rho {
						continue
					}
					id := e >> rb
					if int(id) >= n || seen[id>>6]&(1<<(id&63)) != 0 {
						// (id ≥ n only in a damaged file: see File)
						continue
					}
					seen[id>>6] |= 1 << (id & 63)
					s.cand = append(s.cand, id)
				}
			}
			if work+float64(len(s.cand))*mihCandCost > budget {
				return false
			}
		}
	}
	return true
}

// fileRunGap: buckets of an index file closer than this many entries are
// read in one call, of at most fileRunMax entries.
const (
	fileRunGap = 1024
	fileRunMax = 1 << 16
)

// fileRuns reads the buckets of one table of an index file planned in
// spans into s.buf: sorted by position, in runs of nearby buckets (a pread
// each). fileBucket then gives each bucket's entries.
func (x *MIH) fileRuns(s *mihScratch, base int64, spans [][2]int32) {
	s.runs = s.runs[:0]
	for _, sp := range spans {
		for j := sp[0]; j+1 < sp[1]; j += 2 {
			s.runs = append(s.runs, uint64(s.ranges[j])<<32|uint64(j))
		}
	}
	slices.Sort(s.runs)
	// Buffer layout: the runs one after the other; each range is rewritten
	// to its place in s.buf (start, end) so that fileBucket finds it.
	total := 0
	for i := 0; i < len(s.runs); {
		j := int(s.runs[i] & 0xffffffff)
		lo, hi := s.ranges[j], s.ranges[j+1]
		m := i + 1
		for m < len(s.runs) {
			jm := int(s.runs[m] & 0xffffffff)
			a, e := s.ranges[jm], s.ranges[jm+1]
			if a-hi > fileRunGap || e-lo > fileRunMax {
				break
			}
			hi = e
			m++
		}
		cnt := int(hi - lo)
		if cap(s.buf) < total+cnt {
			nb := make([]uint32, total, max(total+cnt, 2*cap(s.buf)))
			copy(nb, s.buf[:total])
			s.buf = nb
		}
		s.buf = s.buf[:total+cnt]
		ok := x.readEntries(s.buf[total:total+cnt], base+int64(lo)) == nil
		for ; i < m; i++ {
			jm := int(s.runs[i] & 0xffffffff)
			a, e := s.ranges[jm], s.ranges[jm+1]
			if !ok { // a file that cannot be read gives no hits
				a, e = lo, lo
			}
			s.ranges[jm], s.ranges[jm+1] = uint32(total)+a-lo, uint32(total)+e-lo
		}
		total += cnt
	}
}

// fileBucket is the bucket at ranges[j] after fileRuns.
func (x *MIH) fileBucket(s *mihScratch, j int32) []uint32 {
	return s.buf[s.ranges[j]:s.ranges[j+1]]
}

// Search implements Index.
func (x *MIH) Search(q pdq.Hash, maxDist int, dst []Hit) []Hit {
	if maxDist < 0 || len(x.hashes) == 0 {
		return dst
	}
	x.Build()
	s := x.getScratch()
	defer x.putScratch(s)
	var p mihPlan
	s.hits = s.hits[:0]
	if !x.plan(&q, maxDist, s, &p) || !x.collect(&q, maxDist, s, &p) {
		scan(x.hashes, q, maxDist, func(j, d int) {
			dst = append(dst, Hit{Ref: x.ref(j), Distance: d})
		})
		return dst
	}
	for _, h := range s.hits {
		dst = append(dst, Hit{Ref: x.ref(int(h.id)), Distance: int(h.dist)})
	}
	return dst
}

// SearchMany implements Index. Queries are answered one by one through the
// tables; those for which a linear scan is cheaper are scanned together at
// the end, in one pass over the hashes.
func (x *MIH) SearchMany(qs []pdq.Hash, maxDist int, fn func(i int, h Hit)) {
	_ = x.searchManyContext(context.Background(), qs, maxDist, fn)
}

// searchManyContext is SearchMany, given up with ctx's error when ctx ends:
// between every queriesPerCheck queries through the tables, and between
// blocks of the linear pass.
func (x *MIH) searchManyContext(ctx context.Context, qs []pdq.Hash, maxDist int, fn func(i int, h Hit)) error {
	if maxDist < 0 || len(x.hashes) == 0 || len(qs) == 0 {
		return ctx.Err()
	}
	x.Build()
	if x.readHashes != nil {
		return x.searchStreamed(ctx, qs, maxDist, fn)
	}
	s := x.getScratch()
	defer x.putScratch(s)
	var p mihPlan
	s.linear = s.linear[:0]
	for i := range qs {
		if i%queriesPerCheck == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		s.hits = s.hits[:0]
		if !x.plan(&qs[i], maxDist, s, &p) || !x.collect(&qs[i], maxDist, s, &p) {
			s.linear = append(s.linear, i)
			continue
		}
		for _, h := range s.hits {
			fn(i, Hit{Ref: x.ref(int(h.id)), Distance: int(h.dist)})
		}
	}
	if len(s.linear) == 0 {
		return ctx.Err()
	}
	block := linearBlock(len(s.linear))
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

// streamChunk: hashes read at once by searchStreamed (1 MiB).
const streamChunk = 1 << 15

// searchStreamed is searchManyContext for an index file: the candidates of
// every query are listed first, grouped by position, and verified in one
// pass over the hashes read with readHashes a chunk at a time (the linear
// scans, if any, in the same pass), so that the hashes are never mapped: a
// query at a wide distance has candidates on most pages of the hash array,
// which through a mapping would all become the process's memory. The hits
// come in hash order, not query by query.
func (x *MIH) searchStreamed(ctx context.Context, qs []pdq.Hash, maxDist int, fn func(i int, h Hit)) error {
	n := len(x.hashes)
	s := x.getScratch()
	defer x.putScratch(s)
	var p mihPlan
	s.linear = s.linear[:0]
	s.pairs = s.pairs[:0]
	for i := range qs {
		if i%queriesPerCheck == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		if !x.plan(&qs[i], maxDist, s, &p) || !x.gather(&qs[i], s, &p) {
			s.clearSeen()
			s.linear = append(s.linear, i)
			continue
		}
		for _, id := range s.cand {
			s.pairs = append(s.pairs, uint64(id)<<32|uint64(i))
		}
		s.clearSeen()
	}
	// Grouped by chunk (a counting sort: within a chunk the order does
	// not matter).
	chunks := (n + streamChunk - 1) / streamChunk
	start := make([]int, chunks+1)
	for _, pr := range s.pairs {
		start[pr>>32/streamChunk+1]++
	}
	for c := 1; c <= chunks; c++ {
		start[c] += start[c-1]
	}
	if cap(s.sorted) < len(s.pairs) {
		s.sorted = make([]uint64, len(s.pairs))
	}
	sorted := s.sorted[:len(s.pairs)]
	next := slices.Clone(start[:chunks])
	for _, pr := range s.pairs {
		c := pr >> 32 / streamChunk
		sorted[next[c]] = pr
		next[c]++
	}
	if cap(s.chunk) < streamChunk {
		s.chunk = make([]pdq.Hash, streamChunk)
	}
	for c := 0; c < chunks; c++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		lo, hi := c*streamChunk, min((c+1)*streamChunk, n)
		if len(s.linear) == 0 && start[c] == start[c+1] {
			continue
		}
		buf := s.chunk[:hi-lo]
		if x.readHashes(buf, int64(lo)) != nil {
			continue // a file that cannot be read gives no hits
		}
		for _, pr := range sorted[start[c]:start[c+1]] {
			id, qi := int(pr>>32), int(pr&0xffffffff)
			q, h := &qs[qi], &buf[id-lo]
			d := bits.OnesCount64(q[0]^h[0]) + bits.OnesCount64(q[1]^h[1]) +
				bits.OnesCount64(q[2]^h[2]) + bits.OnesCount64(q[3]^h[3])
			if d <= maxDist {
				fn(qi, Hit{Ref: x.ref(id), Distance: d})
			}
		}
		// The linear scans in blocks that stay in cache, as
		// searchManyContext's, looking at ctx between them.
		block := linearBlock(len(s.linear))
		for bl := 0; bl < len(buf) && len(s.linear) > 0; bl += block {
			if err := ctx.Err(); err != nil {
				return err
			}
			hs := buf[bl:min(bl+block, len(buf))]
			for _, qi := range s.linear {
				scan(hs, qs[qi], maxDist, func(k, d int) {
					fn(qi, Hit{Ref: x.ref(lo + bl + k), Distance: d})
				})
			}
		}
	}
	return nil
}

// linearBlock is how many hashes a linear pass for q queries compares with
// every query between two looks at its context: 4096 (128 KiB, in cache),
// fewer for many queries, so that a block is about 2^18 comparisons (half
// a millisecond) whatever the number of queries.
func linearBlock(q int) int {
	return min(4096, max(64, (1<<18)/max(q, 1)))
}
