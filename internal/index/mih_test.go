package index

import (
	"fmt"
	"math/bits"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"unsafe"

	"github.com/provcheck/provcheck/internal/signal/pdq"
	"github.com/provcheck/provcheck/registry"
)

// flipBits returns h with d distinct random bits inverted: a hash exactly d
// away.
func flipBits(r *rand.Rand, h pdq.Hash, d int) pdq.Hash {
	for _, b := range r.Perm(pdq.Bits)[:d] {
		h[b/64] ^= 1 << (b % 64)
	}
	return h
}

// clustered returns clips×frames hashes: per clip a random base hash and
// frames near-duplicates of it, each 0..maxSpread bits away from the base.
func clustered(r *rand.Rand, clips, frames, maxSpread int) []pdq.Hash {
	hs := make([]pdq.Hash, 0, clips*frames)
	for c := 0; c < clips; c++ {
		base := randHash(r)
		for f := 0; f < frames; f++ {
			hs = append(hs, flipBits(r, base, r.IntN(maxSpread+1)))
		}
	}
	return hs
}

func sortHits(hs []Hit) []Hit {
	slices.SortFunc(hs, func(a, b Hit) int { return int(a.Frame - b.Frame) })
	return hs
}

// queriesFor picks queries near indexed hashes (0..70 bits away, so some
// fall just inside and some just outside each maxDist) and random ones.
func queriesFor(r *rand.Rand, hs []pdq.Hash, n int) []pdq.Hash {
	qs := make([]pdq.Hash, 0, n)
	for len(qs) < n {
		if len(qs)%4 == 3 {
			qs = append(qs, randHash(r))
			continue
		}
		qs = append(qs, flipBits(r, hs[r.IntN(len(hs))], r.IntN(71)))
	}
	return qs
}

// TestMIHMatchesLinear: the same hits as the linear scan, for Search and
// SearchMany, on uniform and clustered data, through the tables (fallback
// off) and with the cost-based fallback.
func TestMIHMatchesLinear(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 22))
	sets := []struct {
		name string
		hs   []pdq.Hash
	}{
		{"uniform", func() []pdq.Hash {
			hs := make([]pdq.Hash, 20000)
			for i := range hs {
				hs[i] = randHash(r)
			}
			return hs
		}()},
		{"clustered", clustered(r, 200, 100, 60)},
		{"tight clusters", clustered(r, 100, 200, 8)},
		{"tiny", clustered(r, 3, 5, 20)},
		// Substring values 0x0000 and 0xffff: the first and last buckets.
		{"extremes", func() []pdq.Hash {
			var hs []pdq.Hash
			for _, base := range []pdq.Hash{{}, {^uint64(0), ^uint64(0), ^uint64(0), ^uint64(0)}} {
				for i := 0; i < 300; i++ {
					hs = append(hs, flipBits(r, base, r.IntN(50)))
				}
			}
			return hs
		}()},
	}
	for _, set := range sets {
		lin := NewLinear(len(set.hs))
		mih := NewMIH(len(set.hs))
		forced := NewMIH(len(set.hs))
		forced.noFallback = true
		// A directory of 19 bits (over 16 M hashes) and 20 (over 32 M).
		wide, wider := NewMIH(len(set.hs)), NewMIH(len(set.hs))
		wide.noFallback, wide.wideDir = true, 19
		wider.noFallback, wider.wideDir = true, 20
		for i, h := range set.hs {
			ref := Ref{Case: int32(i / 100), Media: int32(i % 3), Frame: int32(i)}
			lin.Add(h, ref)
			mih.Add(h, ref)
			forced.Add(h, ref)
			wide.Add(h, ref)
			wider.Add(h, ref)
		}
		qs := queriesFor(r, set.hs, 60)
		for _, d := range []int{0, 10, 31, 45, 64} {
			for name, idx := range map[string]*MIH{"mih": mih, "tables only": forced, "wide directory": wide, "wider directory": wider} {
				t.Run(fmt.Sprintf("%s/%s/d=%d", set.name, name, d), func(t *testing.T) {
					total := 0
					want := map[int][]Hit{}
					for i, q := range qs {
						w := sortHits(lin.Search(q, d, nil))
						g := sortHits(idx.Search(q, d, nil))
						if !slices.Equal(w, g) {
							t.Fatalf("query %d: Search = %d hits, Linear %d\n got %v\nwant %v", i, len(g), len(w), g, w)
						}
						want[i] = w
						total += len(w)
					}
					got := map[int][]Hit{}
					idx.SearchMany(qs, d, func(i int, h Hit) { got[i] = append(got[i], h) })
					for i := range qs {
						if g := sortHits(got[i]); !slices.Equal(g, want[i]) {
							t.Fatalf("query %d: SearchMany = %v, want %v", i, g, want[i])
						}
					}
					if d >= 31 && total == 0 {
						t.Fatalf("no hits at all: the queries test nothing")
					}
				})
			}
		}
	}
}

// TestMIHPlanCoversDistance: every plan satisfies the pigeonhole bound
// Σ(r_k+1) = maxDist+1, and on uniform data it is the textbook allocation.
func TestMIHPlanCoversDistance(t *testing.T) {
	r := rand.New(rand.NewPCG(23, 24))
	x := NewMIH(0)
	x.noFallback = true
	for i := 0; i < 5000; i++ {
		x.Add(randHash(r), Ref{Frame: int32(i)})
	}
	x.Build()
	for _, d := range []int{0, 1, 7, 8, 10, 15, 16, 31, 45, 64, 100, 255} {
		var p mihPlan
		if !x.plan(ptr(randHash(r)), d, x.getScratch(), &p) {
			t.Fatalf("d=%d: no plan without fallback", d)
		}
		sum := 0
		for _, rk := range p.radius {
			if rk < -1 || rk > mihMaxLen {
				t.Fatalf("d=%d: radius %d", d, rk)
			}
			sum += rk + 1
		}
		if sum != d+1 {
			t.Errorf("d=%d: Σ(r_k+1) = %d, want %d (radii %v)", d, sum, d+1, p.radius)
		}
		// (Beyond d=31 on this small index the rings' bucket counts
		// C(b, w) no longer grow with w: unequal radii are cheaper.)
		lo, hi := slices.Min(p.radius[:]), slices.Max(p.radius[:])
		if d >= mihTables && d <= 31 && hi-lo > 1 {
			t.Errorf("d=%d: uniform data, radii %v differ by more than one", d, p.radius)
		}
	}
}

func ptr[T any](v T) *T { return &v }

// TestMIHHotBucket: when a third of the registry shares the query's first
// substring, the plan gives that table the smaller radius, and the hits
// stay exact.
func TestMIHHotBucket(t *testing.T) {
	r := rand.New(rand.NewPCG(25, 26))
	lin, x := NewLinear(0), NewMIH(0)
	for i := 0; i < 100000; i++ {
		h := randHash(r)
		if i%3 == 0 {
			h[0] &^= 0xffffffff // substring 0 is 0
		}
		lin.Add(h, Ref{Frame: int32(i)})
		x.Add(h, Ref{Frame: int32(i)})
	}
	x.Build()
	q := randHash(r)
	q[0] &^= 0xffffffff
	for _, d := range []int{10, 20, 31} {
		var p mihPlan
		if !x.plan(&q, d, x.getScratch(), &p) {
			t.Fatalf("d=%d: fell back to the linear scan", d)
		}
		if small := slices.Min(p.radius[:]); p.radius[0] != small {
			t.Errorf("d=%d: hot table 0 probed with radius %d (radii %v)", d, p.radius[0], p.radius)
		}
		want := sortHits(lin.Search(q, d, nil))
		if got := sortHits(x.Search(q, d, nil)); !slices.Equal(got, want) {
			t.Errorf("d=%d: %v, want %v", d, got, want)
		}
	}
}

// TestMIHFallback: the linear scan is chosen when it is cheaper (a large
// distance on a big index, any distance on a tiny one is not, a full
// distance always).
func TestMIHFallback(t *testing.T) {
	r := rand.New(rand.NewPCG(27, 28))
	x := NewMIH(0)
	for i := 0; i < 200000; i++ {
		x.Add(randHash(r), Ref{Frame: int32(i)})
	}
	x.Build()
	for _, c := range []struct {
		d      int
		tables bool
	}{{0, true}, {10, true}, {31, true}, {64, false}, {256, false}, {1000, false}} {
		var p mihPlan
		if got := x.plan(ptr(randHash(r)), c.d, x.getScratch(), &p); got != c.tables {
			t.Errorf("d=%d: plan = %v, want %v", c.d, got, c.tables)
		}
	}
	q := x.hashes[7]
	if got := x.Search(q, 1000, nil); len(got) != x.Len() {
		t.Errorf("maxDist 1000: %d hits, want all %d", len(got), x.Len())
	}
	if got := x.Search(q, -1, nil); len(got) != 0 {
		t.Errorf("maxDist -1: %v", got)
	}
}

// TestMIHCrowdedQueryFallsBack: a query whose every substring lands in a
// crowded bucket (half the index is within 3 bits of the zero hash) gives
// up reading the tables once its work passes a scan's and is scanned, a random query in the same batch goes through the tables, and
// SearchMany still gives exactly Linear's hits for both.
func TestMIHCrowdedQueryFallsBack(t *testing.T) {
	r := rand.New(rand.NewPCG(39, 40))
	lin, x := NewLinear(0), NewMIH(0)
	for i := 0; i < 100000; i++ {
		h := randHash(r)
		if i%2 == 0 {
			h = flipBits(r, pdq.Hash{}, r.IntN(4))
		}
		lin.Add(h, Ref{Frame: int32(i)})
		x.Add(h, Ref{Frame: int32(i)})
	}
	x.Build()
	crowded, plain := flipBits(r, pdq.Hash{}, 2), flipBits(r, lin.hashes[1], 20)
	var p mihPlan
	s := x.getScratch()
	if x.plan(&crowded, 31, s, &p) && x.collect(&crowded, 31, s, &p) {
		t.Errorf("crowded query: %d candidates through the tables instead of a scan", s.cands)
	}
	if !x.plan(&plain, 31, s, &p) || !x.collect(&plain, 31, s, &p) {
		t.Errorf("plain query: scanned")
	}
	qs := []pdq.Hash{plain, crowded, randHash(r), crowded, lin.hashes[3]}
	got := map[int][]Hit{}
	x.SearchMany(qs, 31, func(i int, h Hit) { got[i] = append(got[i], h) })
	for i, q := range qs {
		want := sortHits(lin.Search(q, 31, nil))
		if g := sortHits(got[i]); !slices.Equal(g, want) {
			t.Errorf("query %d: %d hits, want %d", i, len(g), len(want))
		}
	}
	if len(got[1]) < 5000 || len(got[0]) != 1 {
		t.Errorf("crowded query %d hits, plain %d: the test data is not what it means to be", len(got[1]), len(got[0]))
	}
}

// TestMIHEdges: empty index, Add after a search rebuilds, dst is appended
// to, no queries.
func TestMIHEdges(t *testing.T) {
	x := NewMIH(0)
	var h pdq.Hash
	if got := x.Search(h, 45, nil); len(got) != 0 {
		t.Fatalf("empty: %v", got)
	}
	x.SearchMany([]pdq.Hash{h}, 45, func(int, Hit) { t.Fatal("empty: hit") })
	x.Add(h, Ref{Frame: 1})
	pre := []Hit{{Ref: Ref{Frame: 99}}}
	if got := x.Search(h, 0, pre); len(got) != 2 || got[0].Frame != 99 || got[1].Frame != 1 {
		t.Fatalf("one hash: %v", got)
	}
	h2 := h
	h2[3] = 0xff
	x.Add(h2, Ref{Frame: 2})
	if got := sortHits(x.Search(h, 8, nil)); len(got) != 2 || got[1].Frame != 2 || got[1].Distance != 8 {
		t.Fatalf("after Add: %v", got)
	}
	x.SearchMany(nil, 45, func(int, Hit) { t.Fatal("no queries: hit") })
	if x.tables || x.dir != nil {
		t.Errorf("%d hashes: tables built (%d bucket bounds), a scan is cheaper", x.Len(), len(x.dir))
	}
}

// TestMIHConcurrentSearch: concurrent first searches share one lazy build
// and each sees every hit (run with -race).
func TestMIHConcurrentSearch(t *testing.T) {
	r := rand.New(rand.NewPCG(29, 30))
	hs := clustered(r, 50, 40, 30)
	lin, x := NewLinear(0), NewMIH(0)
	for i, h := range hs {
		lin.Add(h, Ref{Frame: int32(i)})
		x.Add(h, Ref{Frame: int32(i)})
	}
	qs := queriesFor(r, hs, 32)
	var wg sync.WaitGroup
	errs := make(chan string, len(qs))
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i, q := range qs {
				want := sortHits(lin.Search(q, 45, nil))
				if got := sortHits(x.Search(q, 45, nil)); !slices.Equal(got, want) {
					errs <- fmt.Sprintf("query %d: %v, want %v", i, got, want)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

// TestSnapshotIndexIsBuilt: NewSnapshot returns a built index.
func TestSnapshotIndexIsBuilt(t *testing.T) {
	r := rand.New(rand.NewPCG(31, 32))
	snap := NewSnapshot([]registry.Case{testCase(r, "a"), testCase(r, "b")}, 0)
	x, ok := snap.Index.(*MIH)
	if !ok {
		t.Fatalf("snapshot index is %T", snap.Index)
	}
	if !x.ready.Load() || x.Len() == 0 {
		t.Fatalf("ready %v, %d hashes", x.ready.Load(), x.Len())
	}
}

var benchSink int

// benchSets builds the benchmark registries once: one million uniform
// hashes, and one million as 10,000 clips of 100 near-duplicate frames, each
// within 24 bits of its clip's base hash (frames of one shot), stored clip
// by clip as a registry adds them.
var benchSets = sync.OnceValue(func() map[string][]pdq.Hash {
	r := rand.New(rand.NewPCG(33, 34))
	uni := make([]pdq.Hash, 1_000_000)
	for i := range uni {
		uni[i] = randHash(r)
	}
	return map[string][]pdq.Hash{"uniform": uni, "clips": clustered(r, 10_000, 100, 24)}
})

// benchQueries: 64 unrelated query hashes, half within 0..32 bits of a
// registered hash, half random.
func benchQueries(hs []pdq.Hash) []pdq.Hash {
	r := rand.New(rand.NewPCG(35, 36))
	qs := make([]pdq.Hash, 64)
	for i := range qs {
		if i%2 == 0 {
			qs[i] = flipBits(r, hs[r.IntN(len(hs))], r.IntN(33))
		} else {
			qs[i] = randHash(r)
		}
	}
	return qs
}

// clipQueries: batches of 64 frames of one query clip, as a video check
// sends them: frames within 24 bits of the clip's base, the base 0..16 bits
// from a registered frame for half of the batches (a re-upload) and random
// for the other half (an unrelated video).
func clipQueries(hs []pdq.Hash) [][]pdq.Hash {
	r := rand.New(rand.NewPCG(37, 38))
	batches := make([][]pdq.Hash, 8)
	for i := range batches {
		base := randHash(r)
		if i%2 == 0 {
			base = flipBits(r, hs[r.IntN(len(hs))], r.IntN(17))
		}
		for j := 0; j < 64; j++ {
			batches[i] = append(batches[i], flipBits(r, base, r.IntN(25)))
		}
	}
	return batches
}

var benchIndexes = map[string]Index{}

// mihBenchIndex returns the linear or MIH index (built) of a benchmark set,
// made once per test binary.
func mihBenchIndex(kind, set string) Index {
	key := kind + "/" + set
	if idx, ok := benchIndexes[key]; ok {
		return idx
	}
	hs := benchSets()[set]
	var idx Index = NewLinear(len(hs))
	switch kind {
	case "mih":
		idx = NewMIH(len(hs))
	case "mih16":
		idx = newMIH16(len(hs))
	}
	for i, h := range hs {
		idx.Add(h, Ref{Frame: int32(i)})
	}
	if x, ok := idx.(interface{ Build() }); ok {
		x.Build()
	}
	benchIndexes[key] = idx
	return idx
}

// reportPlan reports what the searches for qs cost, independently of
// timing: buckets read and candidate ids verified per query, and the share
// of queries left to the linear scan.
func reportPlan(b *testing.B, idx Index, qs []pdq.Hash, d int) {
	probes, cands, linear := 0, 0, 0
	switch x := idx.(type) {
	case *MIH:
		s := x.getScratch()
		for i := range qs {
			var p mihPlan
			s.hits = s.hits[:0]
			if x.plan(&qs[i], d, s, &p) && x.collect(&qs[i], d, s, &p) {
				probes += s.probes
				cands += s.cands
			} else {
				linear++
			}
		}
	case *mih16:
		s := x.getScratch()
		for i := range qs {
			var p m16Plan
			if x.plan(&qs[i], d, s, &p) {
				probes += p.probes
				cands += p.cands
			} else {
				linear++
			}
		}
	default:
		return
	}
	b.ReportMetric(float64(probes)/float64(len(qs)), "probes/q")
	b.ReportMetric(float64(cands)/float64(len(qs)), "cands/q")
	b.ReportMetric(float64(linear)/float64(len(qs)), "linear/q")
}

// BenchmarkMIHSearch1M: one query against a million hashes, MIH and Linear
// side by side, at 31, the default possible_distance 45, and 64, on uniform
// and on clip-clustered hashes. ns/op is per query.
func BenchmarkMIHSearch1M(b *testing.B) {
	for _, set := range []string{"uniform", "clips"} {
		for _, d := range []int{31, 45, 64} {
			for _, kind := range []string{"mih", "mih16", "linear"} {
				b.Run(fmt.Sprintf("%s/d=%d/%s", set, d, kind), func(b *testing.B) {
					idx := mihBenchIndex(kind, set)
					qs := benchQueries(benchSets()[set])
					var hits []Hit
					n := 0
					b.ResetTimer()
					for i := 0; i < b.N; i++ {
						hits = idx.Search(qs[i%len(qs)], d, hits[:0])
						n += len(hits)
					}
					b.StopTimer()
					benchSink += n
					b.ReportMetric(float64(n)/float64(b.N), "hits/q")
					reportPlan(b, idx, qs, d)
				})
			}
		}
	}
}

// BenchmarkMIHSearchMany1M: 64 queries per call, as match.Find sends a
// sampled clip: 64 unrelated hashes ("mixed"), and the frames of one query
// clip ("clip"), against a million hashes. ns/query is per query hash.
func BenchmarkMIHSearchMany1M(b *testing.B) {
	for _, set := range []string{"uniform", "clips"} {
		for _, queries := range []string{"mixed", "clip"} {
			for _, d := range []int{31, 45} {
				for _, kind := range []string{"mih", "mih16", "linear"} {
					b.Run(fmt.Sprintf("%s/%s/d=%d/%s", set, queries, d, kind), func(b *testing.B) {
						idx := mihBenchIndex(kind, set)
						batches := [][]pdq.Hash{benchQueries(benchSets()[set])}
						if queries == "clip" {
							batches = clipQueries(benchSets()[set])
						}
						n := 0
						b.ResetTimer()
						for i := 0; i < b.N; i++ {
							idx.SearchMany(batches[i%len(batches)], d, func(int, Hit) { n++ })
						}
						b.StopTimer()
						benchSink += n
						b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*64), "ns/query")
						b.ReportMetric(float64(n)/float64(b.N*64), "hits/q")
						reportPlan(b, idx, slices.Concat(batches...), d)
					})
				}
			}
		}
	}
}

// BenchmarkMIHBuild1M: building the tables for a million hashes from
// scratch, as a new snapshot does (allocation included). Reports the
// index's memory per hash (hashes, refs, table ids and offsets) next to
// Linear's; each concurrent search adds 4 bytes a hash of scratch.
func BenchmarkMIHBuild1M(b *testing.B) {
	hs := benchSets()["uniform"]
	x := NewMIH(len(hs))
	for i, h := range hs {
		x.Add(h, Ref{Frame: int32(i)})
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		x.ready.Store(false)
		x.dir, x.ent = nil, nil
		x.Build()
	}
	b.StopTimer()
	size := func(n int, elem uintptr) float64 { return float64(uintptr(n) * elem) }
	linear := size(cap(x.hashes), unsafe.Sizeof(pdq.Hash{})) + size(cap(x.refs), unsafe.Sizeof(Ref{}))
	tables := size(cap(x.dir), 4) + size(cap(x.ent), 4)
	b.ReportMetric((linear+tables)/float64(len(hs)), "bytes/hash")
	b.ReportMetric(linear/float64(len(hs)), "linear-bytes/hash")
}

// TestMIHRing: a ring lists exactly the buckets w bits from the query's,
// for directories wider than 16 bits too (indexes of over 16 M hashes).
func TestMIHRing(t *testing.T) {
	for _, b := range []int{16, 17, 19, 21} {
		nd := 1 << b
		off := make([]uint32, nd+1)
		for v := range off {
			off[v] = uint32(v) // every bucket holds one entry: its number
		}
		top := uint32(0x15a5a5) & uint32(nd-1)
		for _, w := range []int{0, 1, 2, 3} {
			s := &mihScratch{}
			probes, entries := ring(s, off, top, b, w)
			got := map[uint32]bool{}
			for j := 0; j+1 < len(s.ranges); j += 2 {
				got[s.ranges[j]] = true
			}
			want := 0
			for v := 0; v < nd; v++ {
				if bits.OnesCount32(uint32(v)^top) == w {
					want++
					if !got[uint32(v)] {
						t.Fatalf("b=%d w=%d: bucket %#x missing", b, w, v)
					}
				}
			}
			if len(got) != want || probes != want || entries != want {
				t.Errorf("b=%d w=%d: %d buckets (%d probes, %d entries), want %d", b, w, len(got), probes, entries, want)
			}
		}
	}
}
