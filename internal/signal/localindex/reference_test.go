package localindex

import (
	"cmp"
	"image"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"sync"
	"testing"

	"github.com/disintegration/imaging"

	"github.com/provcheck/provcheck/internal/signal/orb"
	"github.com/provcheck/provcheck/internal/testmedia"
)

// The reference query: candidates, shareVotes and geometricVotes as they
// were written first, kept here so that faster versions can be required
// to give the same candidates, the same votes to the bit and the same
// hits.

var referenceScratch sync.Pool

// referenceRuns counts, for the identity test, how often the reference
// ranked by geometry and how often it cut the shortlist.
var referenceRuns struct {
	sync.Mutex
	geometric, cut int
}

func candidatesReference(ix *Index, q *orb.Features) []candidate {
	s, cs, byVotes := shortlistReference(ix, q)
	if len(cs) > ix.opts.Candidates {
		referenceRuns.Lock()
		referenceRuns.geometric++
		if len(cs) > Shortlist*ix.opts.Candidates {
			referenceRuns.cut++
		}
		referenceRuns.Unlock()
		if len(cs) > Shortlist*ix.opts.Candidates {
			cs = cs[:Shortlist*ix.opts.Candidates]
		}
		geometricVotesReference(ix, q, cs, s)
		slices.SortFunc(cs, func(a, b candidate) int {
			if c := cmp.Compare(b.geo, a.geo); c != 0 {
				return c
			}
			return byVotes(a, b)
		})
		cs = cs[:ix.opts.Candidates]
	}
	referenceScratch.Put(s)
	return cs
}

// shortlistReference is the first part of candidatesReference: the
// frames voted for, best first, and the scratch holding the votes.
func shortlistReference(ix *Index, q *orb.Features) (*scratch, []candidate, func(a, b candidate) int) {
	s, _ := referenceScratch.Get().(*scratch)
	if s == nil {
		s = &scratch{}
	}
	if len(s.stamp) < len(ix.frames) {
		s.stamp = make([]uint32, len(ix.frames)+len(ix.frames)/4)
		s.votes = make([]float64, len(s.stamp))
		s.count = make([]uint32, len(s.stamp))
	}
	s.seen, s.pairs = s.seen[:0], s.pairs[:0]
	nf := float64(max(1, ix.live))
	for qi := range q.Descriptors {
		d := &q.Descriptors[qi]
		stamp := uint32(qi + 1)
		for t := range ix.tables {
			tb := &ix.tables[t]
			k := ix.key(d, t)
			n := tb.count[k]
			if n == 0 || int(n) > ix.opts.MaxBucket {
				continue
			}
			w := math.Log(1 + nf/float64(n))
			for e := tb.head[k]; e != 0 && int(e) <= len(tb.next); e = nextLink(tb.next, e) {
				id := e - 1
				fn := ix.frameOf[id]
				if int(fn) >= len(ix.frames) {
					continue // a damaged file (FromArrays): never written so
				}
				if s.stamp[fn] == stamp {
					continue
				}
				if orb.Distance(d, &ix.desc[id]) > ix.opts.MaxDistance || ix.frames[fn].removed {
					continue
				}
				if s.stamp[fn] == 0 {
					s.seen = append(s.seen, fn)
				}
				s.stamp[fn] = stamp
				s.count[fn]++
				s.pairs = append(s.pairs, pair{fn: fn, q: uint32(qi), id: id, w: float32(w)})
			}
		}
	}
	shareVotesReference(s, len(q.Descriptors))
	cs := make([]candidate, 0, len(s.seen))
	for _, fn := range s.seen {
		if int(s.count[fn]) >= ix.opts.MinVotes {
			cs = append(cs, candidate{frame: fn, votes: s.votes[fn]})
		}
		s.stamp[fn], s.votes[fn], s.count[fn] = 0, 0, 0
	}
	byVotes := func(a, b candidate) int {
		if c := cmp.Compare(b.votes, a.votes); c != 0 {
			return c
		}
		return cmp.Compare(a.frame, b.frame)
	}
	slices.SortFunc(cs, byVotes)
	return s, cs, byVotes
}

func shareVotesReference(s *scratch, nq int) {
	if cap(s.hits) < nq {
		s.hits = make([]float64, nq)
	}
	hits := s.hits[:nq]
	clear(hits)
	for _, p := range s.pairs {
		hits[p.q]++
	}
	for _, p := range s.pairs {
		s.votes[p.fn] += float64(p.w) / math.Sqrt(hits[p.q])
	}
}

func geometricVotesReference(ix *Index, q *orb.Features, cs []candidate, s *scratch) {
	const levels = 2*maxLevelShift + 1
	per := angleBins * levels
	if cap(s.bins) < per*len(cs) {
		s.bins = make([]float64, per*len(cs))
	}
	bins := s.bins[:per*len(cs)]
	clear(bins)
	slot := map[uint32]int{}
	for i, c := range cs {
		slot[c.frame] = i
	}
	for _, p := range s.pairs {
		i, ok := slot[p.fn]
		if !ok {
			continue
		}
		qk, rk := &q.Keypoints[p.q], &ix.kps[p.id]
		a := float64(qk.Angle-rk.Angle) / (2 * math.Pi) * angleBins
		a = math.Mod(a+2*angleBins, angleBins)
		l := math.Log(float64(qk.Scale)/float64(rk.Scale))/logLevel + maxLevelShift
		if l < 0 || l > levels-1 {
			continue
		}
		a0, l0 := math.Floor(a), math.Floor(l)
		fa, fl := a-a0, l-l0
		h := bins[i*per : (i+1)*per]
		for da := 0; da < 2; da++ {
			wa := 1 - fa
			if da == 1 {
				wa = fa
			}
			ai := (int(a0) + da) % angleBins
			for dl := 0; dl < 2; dl++ {
				wl := 1 - fl
				if dl == 1 {
					wl = fl
				}
				li := int(l0) + dl
				if li >= levels {
					continue
				}
				h[ai*levels+li] += float64(p.w) * wa * wl
			}
		}
	}
	for i := range cs {
		cs[i].geo = slices.Max(bins[i*per : (i+1)*per])
	}
}

// queryReference is Query over candidatesReference.
func queryReference(ix *Index, q *orb.Features, mirror bool) []Hit {
	return ix.query(q, mirror, func(v *orb.Features) []candidate { return candidatesReference(ix, v) })
}

// jitter returns f with flips random bits flipped in each descriptor,
// moved by up to 40 pixels, and, when turn is set, with the orientations
// and scales of its keypoints scattered.
func jitter(f *orb.Features, r *rand.Rand, flips int, turn bool) *orb.Features {
	out := &orb.Features{W: f.W, H: f.H, Keypoints: make([]orb.Keypoint, f.Len()), Descriptors: make([]orb.Descriptor, f.Len())}
	dx, dy := float32(r.IntN(40)), float32(r.IntN(40))
	for j := range f.Descriptors {
		d := f.Descriptors[j]
		for range flips {
			b := r.IntN(256)
			d[b>>6] ^= 1 << (b & 63)
		}
		out.Descriptors[j] = d
		k := f.Keypoints[j]
		k.X, k.Y = k.X+dx, k.Y+dy
		if turn {
			k.Angle = float32(r.Float64()*2*math.Pi - math.Pi)
			k.Scale = float32(math.Pow(1.2, float64(r.IntN(8))))
		}
		out.Keypoints[j] = k
	}
	return out
}

// concat returns the features of a and b together.
func concat(a, b *orb.Features) *orb.Features {
	return &orb.Features{W: a.W, H: a.H,
		Keypoints:   append(append([]orb.Keypoint(nil), a.Keypoints...), b.Keypoints...),
		Descriptors: append(append([]orb.Descriptor(nil), a.Descriptors...), b.Descriptors...)}
}

// identityIndex builds an index of a few hundred frames: registered
// pictures, near-duplicates of them (bits flipped, moved, some with their
// orientations and scales scattered), and frames under shared chrome.
// It returns the index, the pictures and the chrome's features.
func identityIndex(t testing.TB, o Options) (*Index, []image.Image, *orb.Features) {
	var pics []image.Image
	var feats []*orb.Features
	for s := uint64(0); s < 24; s++ {
		p := testmedia.Picture(300+s, 320, 240)
		pics = append(pics, p)
		feats = append(feats, features(p))
	}
	chrome := features(testmedia.Picture(7, 320, 48))
	r := rand.New(rand.NewPCG(17, 29))
	ix := New(o)
	ref := int64(0)
	for i, f := range feats {
		ix.Add(ref, f)
		ref++
		for range 4 + i%5 {
			ix.Add(ref, jitter(f, r, 10+r.IntN(40), r.IntN(3) == 0))
			ref++
		}
		if i%2 == 0 {
			ix.Add(ref, concat(jitter(f, r, 20, false), jitter(chrome, r, 15, true)))
			ref++
		}
	}
	for range 60 {
		// Chrome alone over unrelated features.
		other := features(testmedia.Picture(uint64(1000+r.IntN(8)), 320, 240))
		ix.Add(ref, concat(jitter(chrome, r, 5+r.IntN(30), r.IntN(2) == 0), jitter(other, r, 30, true)))
		ref++
	}
	for _, rm := range []int64{3, 17, 40, 41, 150} {
		ix.Remove(rm)
	}
	if s := ix.Stats(); s.Frames < 200 {
		t.Fatalf("%d frames", s.Frames)
	}
	return ix, pics, chrome
}

func sameCandidates(a, b []candidate) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].frame != b[i].frame || math.Float64bits(a[i].votes) != math.Float64bits(b[i].votes) || math.Float64bits(a[i].geo) != math.Float64bits(b[i].geo) {
			return false
		}
	}
	return true
}

// TestQuerySameAsReference: candidates and Query give what the reference
// gives, candidate for candidate and bit for bit, on plain and mirrored
// queries that share features with many frames.
func TestQuerySameAsReference(t *testing.T) {
	for _, variant := range []string{"default", "small buckets"} {
		t.Run(variant, func(t *testing.T) {
			o := DefaultOptions()
			if variant == "small buckets" {
				o.MaxBucket = 24
				o.MinVotes = 3
			}
			ix, pics, chrome := identityIndex(t, o)
			ro, err := FromArrays(o, ix.Arrays())
			if err != nil {
				t.Fatal(err)
			}
			r := rand.New(rand.NewPCG(5, 8))
			var queries []*orb.Features
			for i, p := range pics {
				b := p.Bounds()
				queries = append(queries,
					features(p),
					features(imaging.Crop(p, image.Rect(r.IntN(60), r.IntN(40), b.Dx()-r.IntN(60), b.Dy()-r.IntN(40)))),
					features(imaging.FlipH(p)),
					features(imaging.Resize(p, 400, 300, imaging.Linear)),
					features(testmedia.Tilt(p, float64(r.IntN(21)-10))),
					concat(features(p), jitter(chrome, r, 10, false)),
					jitter(features(p), r, 30, i%2 == 0),
				)
			}
			for s := uint64(0); s < 10; s++ {
				u := features(testmedia.Picture(2000+s, 320, 240))
				queries = append(queries, u, concat(u, chrome))
			}
			queries = append(queries, chrome, &orb.Features{W: 10, H: 10})
			referenceRuns.Lock()
			referenceRuns.geometric, referenceRuns.cut = 0, 0
			referenceRuns.Unlock()
			hits := 0
			for qi, q := range queries {
				for _, x := range []*Index{ix, ro} {
					for _, v := range []*orb.Features{q, orb.Mirror(q)} {
						want := candidatesReference(x, v)
						got := x.candidates(v)
						if !sameCandidates(got, want) {
							t.Fatalf("query %d: candidates\n%+v\nwant\n%+v", qi, got, want)
						}
					}
					if qi%3 != 0 || x == ro {
						continue // Verify is slow; candidates decide the hits
					}
					for _, mirror := range []bool{false, true} {
						want := queryReference(x, q, mirror)
						got := x.Query(q, mirror)
						if !reflect.DeepEqual(got, want) {
							t.Fatalf("query %d (mirror %v): hits\n%+v\nwant\n%+v", qi, mirror, got, want)
						}
						hits += len(got)
					}
				}
			}
			referenceRuns.Lock()
			g, c := referenceRuns.geometric, referenceRuns.cut
			referenceRuns.Unlock()
			t.Logf("%d queries, %d hits; geometric ranking %d times, shortlist cut %d times", len(queries), hits, g, c)
			if c < len(queries) || hits < len(queries)/3 {
				t.Fatalf("too easy: %d hits, shortlist cut %d times for %d queries", hits, c, len(queries))
			}
		})
	}
}

var benchIndex struct {
	once    sync.Once
	ix      *Index
	queries []*orb.Features
}

// benchmarkIndex is an index of 2,000 frames of 320×240 pictures (a
// thousand pictures and a near-duplicate of each, as frames of a video
// are) and queries of crops, mirrors and unrelated pictures under chrome.
func benchmarkIndex() (*Index, []*orb.Features) {
	benchIndex.once.Do(func() {
		r := rand.New(rand.NewPCG(3, 4))
		ix := New(DefaultOptions())
		chrome := features(testmedia.Picture(7, 320, 40))
		var pics []image.Image
		for s := uint64(0); s < 1000; s++ {
			p := testmedia.Picture(10000+s, 320, 240)
			f := features(p)
			if s%10 == 0 {
				pics = append(pics, p)
			}
			if s%4 == 0 {
				f = concat(f, jitter(chrome, r, 20, false))
			}
			ix.Add(int64(2*s), f)
			ix.Add(int64(2*s+1), jitter(f, r, 25, false))
		}
		var qs []*orb.Features
		for i, p := range pics {
			q := features(imaging.Crop(p, image.Rect(20, 10, 300, 230)))
			if i%2 == 1 {
				q = orb.Mirror(q)
			}
			qs = append(qs, q)
			if i%5 == 0 {
				qs = append(qs, concat(features(testmedia.Picture(50000+uint64(i), 320, 240)), chrome))
			}
		}
		benchIndex.ix, benchIndex.queries = ix, qs
	})
	return benchIndex.ix, benchIndex.queries
}

// BenchmarkCandidates runs each query through the reference and the
// current candidates in turn, so that both see the same machine, and
// reports the CPU time per query of each and their ratio.
func BenchmarkCandidates(b *testing.B) {
	t0 := cpuTime()
	ix, qs := benchmarkIndex()
	st := ix.Stats()
	b.Logf("index: %d frames, %d descriptors, %d stop keys, %d queries; built in %.1fs of CPU",
		st.Frames, st.Descriptors, st.StopKeys, len(qs), float64(cpuTime()-t0)/1e9)
	b.ResetTimer()
	alternate(b, len(qs), func() {
		for _, q := range qs {
			candidatesReference(ix, q)
		}
	}, func() {
		for _, q := range qs {
			ix.candidates(q)
		}
	})
}

// alternate runs ref and cur, each a pass over the same n queries, in
// turn and each in turn first, so that neither has the other's data in
// the caches more often, and reports the CPU time per query of each and
// their ratio.
func alternate(b *testing.B, n int, ref, cur func()) {
	pass := func(f func()) int64 {
		c0 := cpuTime()
		f()
		return cpuTime() - c0
	}
	var tr, tc int64
	rounds := 0
	for b.Loop() {
		if rounds%2 == 0 {
			tr += pass(ref)
			tc += pass(cur)
		} else {
			tc += pass(cur)
			tr += pass(ref)
		}
		rounds++
	}
	q := float64(rounds * n)
	b.ReportMetric(float64(tr)/1e3/q, "ref-cpu-us/query")
	b.ReportMetric(float64(tc)/1e3/q, "cpu-us/query")
	b.ReportMetric(float64(tc)/float64(tr), "ratio")
	b.ReportMetric(0, "ns/op")
}

// BenchmarkGeometricVotes times the reference and the current
// geometricVotes in turn on the shortlists of the benchmark's queries.
func BenchmarkGeometricVotes(b *testing.B) {
	ix, qs := benchmarkIndex()
	type job struct {
		q  *orb.Features
		s  *scratch
		cs []candidate
	}
	var jobs []job
	for _, q := range qs {
		s, cs, _ := shortlistReference(ix, q)
		if len(cs) <= ix.opts.Candidates {
			referenceScratch.Put(s)
			continue
		}
		cs = cs[:min(len(cs), Shortlist*ix.opts.Candidates)]
		cp := &scratch{pairs: slices.Clone(s.pairs), stamp: make([]uint32, len(s.stamp))}
		referenceScratch.Put(s)
		jobs = append(jobs, job{q, cp, cs})
	}
	want := make([][]candidate, len(jobs))
	for i, j := range jobs {
		want[i] = slices.Clone(j.cs)
		geometricVotesReference(ix, j.q, want[i], j.s)
		got := slices.Clone(j.cs)
		ix.geometricVotes(j.q, got, j.s)
		if !sameCandidates(got, want[i]) {
			b.Fatalf("query %d: geo\n%+v\nwant\n%+v", i, got, want[i])
		}
	}
	alternate(b, len(jobs), func() {
		for _, j := range jobs {
			geometricVotesReference(ix, j.q, j.cs, j.s)
		}
	}, func() {
		for _, j := range jobs {
			ix.geometricVotes(j.q, j.cs, j.s)
		}
	})
}

// TestLevelMemoSameAsLog: the memo's scale shifts are the ones computed
// each time, for pyramid scales (few, repeated) and for scattered ones
// (more than the memo holds, so that entries are replaced).
func TestLevelMemoSameAsLog(t *testing.T) {
	var m levelMemo
	r := rand.New(rand.NewPCG(9, 9))
	var pyr []float32
	for l := range 12 {
		pyr = append(pyr, float32(math.Pow(1.2, float64(l))), float32(math.Pow(1.25, float64(l))))
	}
	pyr = append(pyr, 0, float32(math.Inf(1)), float32(math.NaN()), 1e-30, 3e38)
	for i := 0; i < 200000; i++ {
		var qs, rs float32
		if i%2 == 0 {
			qs, rs = pyr[r.IntN(len(pyr))], pyr[r.IntN(len(pyr))]
		} else {
			qs, rs = float32(r.Float64()*8), float32(r.Float64()*8)
		}
		want := math.Log(float64(qs)/float64(rs))/logLevel + maxLevelShift
		if got := m.shift(qs, rs); math.Float64bits(got) != math.Float64bits(want) && !(math.IsNaN(got) && math.IsNaN(want)) {
			t.Fatalf("shift(%v, %v) = %v, want %v", qs, rs, got, want)
		}
	}
}
