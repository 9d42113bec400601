// Package localindex finds registered pictures that share local features
// with a checked one without scanning the registry: each 256-bit ORB
// descriptor is filed under Tables keys of a few bits each (locality-
// sensitive hashing by bit sampling, Indyk–Motwani; disjoint bit sets), a
// checked descriptor votes, with the inverse frequency of its key across
// the registry, for the registered frames that hold a descriptor under the
// same key within MaxDistance, and the best voted frames are verified
// geometrically (orb.Verify). Keys shared by more than MaxBucket registered
// descriptors (interface chrome, logos, caption fonts, flat texture) are
// stop words: they cost nothing at query time and vote for nothing. Keys
// grow by a bit whenever the index doubles (from minKeyBits, so that a
// key holds at most meanBucket descriptors on average), so the cost of a
// query stays bounded — at most Tables × MaxBucket distance tests per
// checked descriptor, about Tables × meanBucket in practice — whatever the
// registry's size.
package localindex

import (
	"cmp"
	"math"
	"math/rand/v2"
	"slices"
	"sync"

	"github.com/provcheck/provcheck/internal/signal/orb"
)

// Options configure an index. Start from DefaultOptions.
type Options struct {
	MaxDistance int // a posting votes only when its descriptor is this close (of 256)
	// MaxBucket: keys with more postings are stop words. Keys hold
	// meanBucket postings on average, but real descriptors are far from
	// uniform: at 4 M registered descriptors (the evaluation's scale
	// registry), buckets over 8 × meanBucket held 81% of the postings a
	// check walked, while their inverse-frequency weight is half a rare
	// key's. 128 walks about a fifth as many postings as 512 did.
	MaxBucket  int
	Candidates int // frames verified per query
	// MinVotes: a frame fewer checked descriptors voted for is not
	// verified (a verified match needs Verify.MinInliers matches, and the
	// keys find about half of them).
	MinVotes int
	// StopDistance: registered descriptors this close to a stop-list
	// descriptor are left out of the index.
	StopDistance int
	Verify       orb.VerifyOptions
}

// DefaultOptions returns the settings provcheck uses.
func DefaultOptions() Options {
	return Options{
		MaxDistance:  50,
		MaxBucket:    128,
		Candidates:   6,
		MinVotes:     5,
		StopDistance: 40,
		Verify:       orb.DefaultVerifyOptions(),
	}
}

// Tables is the number of hash tables; each samples maxKeyBits
// descriptor bits (disjoint between tables) of which the first bits of
// the index's current key length are used.
const (
	Tables     = 8
	maxKeyBits = 24
	minKeyBits = 12
	meanBucket = 16
)

// defaultKeyBits is the bit selection of an empty index: a fixed, seeded
// permutation of the 256 bits, cut into disjoint runs.
var defaultKeyBits = func() (k [Tables][maxKeyBits]uint8) {
	perm := rand.New(rand.NewPCG(0x10ca1, 0x1dec5)).Perm(256)
	for t := range k {
		for b := range k[t] {
			k[t][b] = uint8(perm[t*maxKeyBits+b])
		}
	}
	return k
}()

// balancedKeyBits chooses the key bits from the descriptors being indexed:
// the bits closest to even (set in half of them) first, dealt round-robin
// to the tables. BRIEF tests along a keypoint's orientation are far from
// even once patches are turned to it; a key of such bits files most
// descriptors under a few keys.
func balancedKeyBits(desc []orb.Descriptor) [Tables][maxKeyBits]uint8 {
	var ones [256]int
	step := max(1, len(desc)/20000)
	n := 0
	for i := 0; i < len(desc); i += step {
		d := &desc[i]
		for b := 0; b < 256; b++ {
			ones[b] += int(d[b>>6] >> (b & 63) & 1)
		}
		n++
	}
	order := make([]int, 256)
	for i := range order {
		order[i] = i
	}
	bias := func(b int) float64 { return math.Abs(float64(ones[b])/float64(n) - 0.5) }
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(bias(a), bias(b)) })
	var k [Tables][maxKeyBits]uint8
	for i := 0; i < Tables*maxKeyBits; i++ {
		k[i%Tables][i/Tables] = uint8(order[i])
	}
	return k
}

func (ix *Index) key(d *orb.Descriptor, t int) uint32 {
	var k uint32
	for b, bit := range ix.keyBits[t][:ix.bits] {
		k |= uint32(d[bit>>6]>>(bit&63)&1) << b
	}
	return k
}

// table is one hash table: per key the newest descriptor filed under it
// (+1; 0 ends a chain) and how many are, and per descriptor the next one
// under the same key.
type table struct {
	head  []uint32
	count []uint32
	next  []uint32
}

// frame is one registered picture's features: a run of the index's
// descriptor and keypoint arrays.
type frame struct {
	ref      int64
	start, n uint32
	w, h     int32
	removed  bool
}

// Index is an in-memory local-feature index. It is safe for concurrent
// queries; Add and Remove take a write lock.
type Index struct {
	opts       Options
	mu         sync.RWMutex
	bits       int
	rehashedAt int // descriptors when the keys were last chosen
	keyBits    [Tables][maxKeyBits]uint8
	tables     [Tables]table
	desc       []orb.Descriptor
	kps        []orb.Keypoint
	frameOf    []uint32
	frames     []frame
	live       int
	stop       *Index // the stop-list's features; nil when empty
	scratch    sync.Pool
	// readOnly: the arrays are a read-only memory map (FromArrays); the
	// index is queried only.
	readOnly bool
}

// New returns an empty index.
func New(o Options) *Index {
	ix := &Index{opts: o, bits: minKeyBits, keyBits: defaultKeyBits}
	ix.rehash()
	return ix
}

// SetStopList replaces the stop-list: features of material known to be
// unrelated to every registered picture. It applies to frames added after
// it; set it before adding frames.
func (ix *Index) SetStopList(fs []*orb.Features) {
	if ix.readOnly {
		panic("localindex: SetStopList on a read-only index")
	}
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if len(fs) == 0 {
		ix.stop = nil
		return
	}
	o := ix.opts
	o.MaxBucket = math.MaxInt
	s := New(o)
	for _, f := range fs {
		s.add(0, f)
	}
	ix.stop = s
}

// Add files the features of one registered picture under ref and returns
// how many of its descriptors were indexed (those near a stop-list
// descriptor are not).
func (ix *Index) Add(ref int64, f *orb.Features) int {
	if ix.readOnly {
		panic("localindex: Add on a read-only index")
	}
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if ix.stop != nil {
		f = ix.stop.without(f, ix.opts.StopDistance)
	}
	return ix.add(ref, f)
}

func (ix *Index) add(ref int64, f *orb.Features) int {
	start := uint32(len(ix.desc))
	fn := uint32(len(ix.frames))
	ix.desc = append(ix.desc, f.Descriptors...)
	ix.kps = append(ix.kps, f.Keypoints...)
	for range f.Descriptors {
		ix.frameOf = append(ix.frameOf, fn)
	}
	ix.frames = append(ix.frames, frame{ref: ref, start: start, n: uint32(len(f.Descriptors)), w: int32(f.W), h: int32(f.H)})
	ix.live++
	if len(ix.desc) >= max(1000, 2*ix.rehashedAt) {
		for len(ix.desc) > meanBucket<<ix.bits && ix.bits < maxKeyBits {
			ix.bits++
		}
		ix.rehash()
		return len(f.Descriptors)
	}
	for i := range f.Descriptors {
		ix.file(start + uint32(i))
	}
	return len(f.Descriptors)
}

// rehash chooses the key bits again and files every descriptor again
// under keys of the current length.
func (ix *Index) rehash() {
	ix.rehashedAt = len(ix.desc)
	if len(ix.desc) >= 1000 {
		ix.keyBits = balancedKeyBits(ix.desc)
	}
	for t := range ix.tables {
		ix.tables[t] = table{
			head:  make([]uint32, 1<<ix.bits),
			count: make([]uint32, 1<<ix.bits),
			next:  make([]uint32, 0, cap(ix.desc)),
		}
	}
	for id := range ix.desc {
		ix.file(uint32(id))
	}
}

func (ix *Index) file(id uint32) {
	for t := range ix.tables {
		tb := &ix.tables[t]
		k := ix.key(&ix.desc[id], t)
		tb.next = append(tb.next, tb.head[k])
		tb.head[k] = id + 1
		tb.count[k]++
	}
}

// without returns f less the features within dist of one of ix's.
func (ix *Index) without(f *orb.Features, dist int) *orb.Features {
	out := &orb.Features{W: f.W, H: f.H}
	for i := range f.Descriptors {
		d := &f.Descriptors[i]
		if !ix.near(d, dist) {
			out.Keypoints = append(out.Keypoints, f.Keypoints[i])
			out.Descriptors = append(out.Descriptors, *d)
		}
	}
	return out
}

func (ix *Index) near(d *orb.Descriptor, dist int) bool {
	for t := range ix.tables {
		tb := &ix.tables[t]
		for e := tb.head[ix.key(d, t)]; e != 0; e = tb.next[e-1] {
			if orb.Distance(d, &ix.desc[e-1]) <= dist {
				return true
			}
		}
	}
	return false
}

// Remove drops every frame filed under ref from query results. Its memory
// is reclaimed when the index is rebuilt.
func (ix *Index) Remove(ref int64) {
	if ix.readOnly {
		panic("localindex: Remove on a read-only index")
	}
	ix.mu.Lock()
	defer ix.mu.Unlock()
	for i := range ix.frames {
		if ix.frames[i].ref == ref && !ix.frames[i].removed {
			ix.frames[i].removed = true
			ix.live--
		}
	}
}

// Stats describe an index's size.
type Stats struct {
	Frames, Descriptors int
	StopKeys            int   // keys over MaxBucket, in all tables
	Bytes               int64 // memory held by descriptors, keypoints and postings
}

// Stats returns the index's size.
func (ix *Index) Stats() Stats {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	s := Stats{Frames: ix.live, Descriptors: len(ix.desc)}
	var b int64
	for t := range ix.tables {
		tb := &ix.tables[t]
		for _, n := range tb.count {
			if int(n) > ix.opts.MaxBucket {
				s.StopKeys++
			}
		}
		b += int64(len(tb.head))*8 + int64(cap(tb.next))*4
	}
	b += int64(cap(ix.desc))*32 + int64(cap(ix.kps))*20 + int64(cap(ix.frameOf))*4 + int64(cap(ix.frames))*40
	s.Bytes = b
	return s
}

// Hit is one registered frame whose features verified against the checked
// picture.
type Hit struct {
	Ref      int64
	Votes    float64 // inverse-frequency weighted votes that made it a candidate
	Mirrored bool    // matched the checked picture's mirror image
	Match    orb.Match
	// W and H are the size of the registered picture's features, the
	// pixels Match.H maps from.
	W, H int
}

type scratch struct {
	stamp  []uint32 // per frame: last query descriptor that voted for it, +1
	votes  []float64
	count  []uint32
	seen   []uint32                      // frames voted for
	pairs  []pair                        // every vote: the frame, the checked and the registered descriptor
	hits   []float64                     // per checked descriptor: the frames it voted for (shareVotes)
	bins   []float64                     // geometricVotes' histograms
	weight []float32                     // candidates: a key's weight by its postings
	levels levelMemo                     // geometricVotes' scale shifts
	ids    [walkBlock * Tables][]posting // candidates: per checked descriptor of a block and table, the postings under its key
}

// walkBlock is the number of checked descriptors whose postings
// candidates gathers together.
const walkBlock = 4

// posting is a registered descriptor within MaxDistance of the checked
// one, and its frame.
type posting struct {
	id, fn uint32
}

// pair is one vote: checked descriptor q matched registered descriptor id
// of frame fn, with weight w.
type pair struct {
	fn, q, id uint32
	w         float32
}

// Query returns the registered frames that verify against q (and, when
// mirror is set, against q's mirror image), best first (most inliers).
func (ix *Index) Query(q *orb.Features, mirror bool) []Hit {
	return ix.query(q, mirror, ix.candidates)
}

// query is Query with each view's candidates from cands (the tests pass a
// reference implementation).
func (ix *Index) query(q *orb.Features, mirror bool, cands func(*orb.Features) []candidate) []Hit {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	if q.Len() == 0 || ix.live == 0 {
		return nil
	}
	views := []*orb.Features{q}
	if mirror {
		views = append(views, orb.Mirror(q))
	}
	var hits []Hit
	for vi, v := range views {
		for _, c := range cands(v) {
			fr := &ix.frames[c.frame]
			reg := &orb.Features{W: int(fr.w), H: int(fr.h), Keypoints: ix.kps[fr.start : fr.start+fr.n], Descriptors: ix.desc[fr.start : fr.start+fr.n]}
			m, ok := orb.Verify(reg, v, ix.opts.Verify)
			if ok {
				hits = append(hits, Hit{Ref: fr.ref, Votes: c.votes, Mirrored: vi == 1, Match: m, W: int(fr.w), H: int(fr.h)})
			}
		}
	}
	slices.SortStableFunc(hits, func(a, b Hit) int {
		if c := cmp.Compare(b.Match.Inliers, a.Match.Inliers); c != 0 {
			return c
		}
		return cmp.Compare(a.Ref, b.Ref)
	})
	// One hit per registered frame: the better of plain and mirrored.
	seen := map[int64]bool{}
	out := hits[:0]
	for _, h := range hits {
		if !seen[h.Ref] {
			seen[h.Ref] = true
			out = append(out, h)
		}
	}
	return out
}

// nextLink follows a chain: the posting after e, or 0 at its end. Links
// always point to earlier postings; one that does not (a damaged file)
// ends the chain, so a query cannot loop.
func nextLink(next []uint32, e uint32) uint32 {
	if n := next[e-1]; n < e {
		return n
	}
	return 0
}

type candidate struct {
	frame uint32
	votes float64
	geo   float64 // see geometricVotes
}

// candidates ranks registered frames by inverse-frequency weighted votes
// of q's descriptors, keeps the best Shortlist × Options.Candidates, and
// returns the Options.Candidates of those whose votes agree best on one
// change of orientation and scale (geometricVotes).
func (ix *Index) candidates(q *orb.Features) []candidate {
	s, _ := ix.scratch.Get().(*scratch)
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
	// The inverse-frequency weight of a key holding n postings, computed
	// once a query for each n met (0: not yet; a weight is never 0).
	if cap(s.weight) < ix.opts.MaxBucket+1 {
		s.weight = make([]float32, ix.opts.MaxBucket+1)
	}
	weight := s.weight[:ix.opts.MaxBucket+1]
	clear(weight)
	for q0 := 0; q0 < len(q.Descriptors); q0 += walkBlock {
		q1 := min(q0+walkBlock, len(q.Descriptors))
		// The postings under the keys of checked descriptors q0 to q1,
		// per descriptor and table in chain order, with their frames
		// and distances: the chains are walked side by side, so that
		// the reads of their links, each waiting on the one before,
		// overlap.
		var e [walkBlock * Tables]uint32
		var ws [walkBlock * Tables]float32
		walking := false
		for c := range s.ids {
			s.ids[c] = s.ids[c][:0]
		}
		for qi := q0; qi < q1; qi++ {
			d := &q.Descriptors[qi]
			for t := range ix.tables {
				tb := &ix.tables[t]
				k := ix.key(d, t)
				n := tb.count[k]
				if n == 0 || int(n) > ix.opts.MaxBucket {
					continue
				}
				c := (qi-q0)*Tables + t
				if weight[n] == 0 {
					weight[n] = float32(math.Log(1 + nf/float64(n)))
				}
				ws[c] = weight[n]
				if h := tb.head[k]; int(h) <= len(tb.next) {
					e[c] = h
					walking = walking || h != 0
				}
			}
		}
		for walking {
			walking = false
			for c := range e {
				if x := e[c]; x != 0 {
					d := &q.Descriptors[q0+c/Tables]
					// A posting further than MaxDistance never votes (nor
					// stamps its frame): it is not kept.
					if dist := orb.Distance(d, &ix.desc[x-1]); dist <= ix.opts.MaxDistance {
						s.ids[c] = append(s.ids[c], posting{id: x - 1, fn: ix.frameOf[x-1]})
					}
					x = nextLink(ix.tables[c%Tables].next, x)
					e[c] = x
					walking = walking || x != 0
				}
			}
		}
		for qi := q0; qi < q1; qi++ {
			stamp := uint32(qi + 1)
			for c := (qi - q0) * Tables; c < (qi-q0+1)*Tables; c++ {
				for _, p := range s.ids[c] {
					id, fn := p.id, p.fn
					if int(fn) >= len(ix.frames) {
						continue // a damaged file (FromArrays): never written so
					}
					if s.stamp[fn] == stamp {
						continue
					}
					if ix.frames[fn].removed {
						continue
					}
					if s.stamp[fn] == 0 {
						s.seen = append(s.seen, fn)
					}
					s.stamp[fn] = stamp
					s.count[fn]++
					s.pairs = append(s.pairs, pair{fn: fn, q: uint32(qi), id: id, w: ws[c]})
				}
			}
		}
	}
	shareVotes(s, len(q.Descriptors))
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
	if len(cs) > ix.opts.Candidates {
		if len(cs) > Shortlist*ix.opts.Candidates {
			cs = cs[:Shortlist*ix.opts.Candidates]
		}
		ix.geometricVotes(q, cs, s)
		slices.SortFunc(cs, func(a, b candidate) int {
			if c := cmp.Compare(b.geo, a.geo); c != 0 {
				return c
			}
			return byVotes(a, b)
		})
		cs = cs[:ix.opts.Candidates]
	}
	ix.scratch.Put(s)
	return cs
}

// shareVotes weighs each vote down by the square root of the number of
// frames its checked descriptor voted for, so that a descriptor found in
// thousands of registered frames (interface chrome, text, flat or dark
// texture: a phone screenshot's dark page) shares its vote among them
// instead of giving each a whole one — burstiness weighting, as in Jégou
// et al. 2009. A descriptor of the picture itself votes for few frames and
// keeps its weight. It sets s.votes of the frames voted for from s.pairs.
func shareVotes(s *scratch, nq int) {
	if cap(s.hits) < nq {
		s.hits = make([]float64, nq)
	}
	hits := s.hits[:nq]
	clear(hits)
	for _, p := range s.pairs {
		hits[p.q]++
	}
	// s.votes is all 0 here: candidates resets what it used.
	for _, p := range s.pairs {
		s.votes[p.fn] += float64(p.w) / math.Sqrt(hits[p.q])
	}
}

// Shortlist: the frames best voted for, Shortlist times as many as are
// verified, are ranked again by how well their votes agree on one
// geometry, and the best of them verified. Votes alone rank a frame that
// shares many descriptors with the checked picture anywhere, at any
// orientation and scale (texture, text, foliage: the more so the larger
// the registry), above the frame the checked picture shows, whose matches
// all agree on one turn and one scale.
const Shortlist = 4

// The bins of geometricVotes: orientation changes in angleBins steps of
// the full turn, scale changes in pyramid levels (ScaleFactor) from
// −maxLevelShift to +maxLevelShift.
const (
	angleBins     = 12
	maxLevelShift = 12
)

// logLevel is the log of the pyramid's scale step, a level's width in
// the scale bins.
var logLevel = math.Log(orb.DefaultOptions().ScaleFactor)

// geometricVotes sets each candidate's geo: the largest weight of its
// votes that agree on one change of orientation and of scale between the
// checked and the registered keypoints (a Hough transform over those two,
// as in Lowe 2004, each vote shared between its two nearest bins in each),
// so that one consistent picture outranks scattered coincidences. The
// positions are left to Verify.
func (ix *Index) geometricVotes(q *orb.Features, cs []candidate, s *scratch) {
	const levels = 2*maxLevelShift + 1
	per := angleBins * levels
	if cap(s.bins) < per*len(cs) {
		s.bins = make([]float64, per*len(cs))
	}
	bins := s.bins[:per*len(cs)]
	clear(bins)
	// s.stamp is all 0 here (candidates resets it): until the end it
	// holds each shortlisted frame's place in cs, +1.
	for i, c := range cs {
		s.stamp[c.frame] = uint32(i + 1)
	}
	for _, p := range s.pairs {
		i := int(s.stamp[p.fn]) - 1
		if i < 0 {
			continue
		}
		qk, rk := &q.Keypoints[p.q], &ix.kps[p.id]
		a := float64(qk.Angle-rk.Angle) / (2 * math.Pi) * angleBins
		a = math.Mod(a+2*angleBins, angleBins)
		l := s.levels.shift(qk.Scale, rk.Scale)
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
	for i, c := range cs {
		cs[i].geo = slices.Max(bins[i*per : (i+1)*per])
		s.stamp[c.frame] = 0
	}
}

// levelMemo remembers the scale shifts geometricVotes computed for
// pairs of keypoint scales: scales are few (the pyramid's levels), and
// the log of each ratio is the same float64 each time it is computed.
type levelMemo [64]struct {
	q, r uint32 // the scales' bits
	ok   bool
	l    float64
}

// shift is math.Log(float64(qs)/float64(rs))/logLevel + maxLevelShift:
// the change of scale from a registered keypoint of scale rs to a checked
// one of scale qs in pyramid levels, shifted to the bins' origin.
func (m *levelMemo) shift(qs, rs float32) float64 {
	qb, rb := math.Float32bits(qs), math.Float32bits(rs)
	e := &m[(qb*0x9e3779b1^rb)*0x85ebca6b>>26]
	if !e.ok || e.q != qb || e.r != rb {
		e.q, e.r, e.ok = qb, rb, true
		e.l = math.Log(float64(qs)/float64(rs))/logLevel + maxLevelShift
	}
	return e.l
}
