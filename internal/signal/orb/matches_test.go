package orb

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// matchesFull is matches without the distance cap: the two smallest of
// every distance.
func matchesFull(reg, q *Features, o VerifyOptions) []corr {
	var out []corr
	best := make(map[int]int, len(q.Descriptors))
	for qi := range q.Descriptors {
		qd := &q.Descriptors[qi]
		b1, b2, bi := 257, 257, -1
		for ri := range reg.Descriptors {
			d := Distance(qd, &reg.Descriptors[ri])
			if d < b1 {
				b1, b2, bi = d, b1, ri
			} else if d < b2 {
				b2 = d
			}
		}
		if bi < 0 || b1 > o.MaxDistance || float64(b1) >= o.Ratio*float64(b2) {
			continue
		}
		if j, ok := best[bi]; ok {
			if out[j].d <= b1 {
				continue
			}
			out[j] = corr{r: bi, q: qi, d: b1}
			continue
		}
		best[bi] = len(out)
		out = append(out, corr{r: bi, q: qi, d: b1})
	}
	return out
}

// near returns f's descriptors with a few bits flipped at random, so that
// distances fall around the cap.
func near(f *Features, rng *rand.Rand, flips int) *Features {
	out := &Features{W: f.W, H: f.H, Keypoints: slices.Clone(f.Keypoints), Descriptors: slices.Clone(f.Descriptors)}
	for i := range out.Descriptors {
		for range rng.IntN(flips + 1) {
			b := rng.IntN(256)
			out.Descriptors[i][b>>6] ^= 1 << (b & 63)
		}
	}
	return out
}

// TestMatchesSameAsFull: the capped scan gives the same matches as the
// full one, for real features of related and unrelated pictures, their
// mirror images, noisy copies whose distances straddle the cap, and other
// settings of the two tests.
func TestMatchesSameAsFull(t *testing.T) {
	g := scene(7, 640, 360)
	reg := Detect(g, DefaultOptions())
	other := Detect(scene(11, 640, 360), DefaultOptions())
	crop := Detect(crop(g, 40, 20, 454, 256), DefaultOptions())
	rng := rand.New(rand.NewPCG(1, 2))
	queries := map[string]*Features{
		"crop": crop, "mirror": Mirror(crop), "unrelated": other, "self": reg,
		"noisy-40": near(reg, rng, 40), "noisy-80": near(reg, rng, 80), "noisy-120": near(crop, rng, 120),
		"empty": {W: 10, H: 10},
	}
	// Descriptors are matched two at a time: an odd and an even count,
	// and a single descriptor, each take the loop's tail.
	for _, n := range []int{1, 2, 3} {
		queries[fmt.Sprintf("first-%d", n)] = &Features{W: crop.W, H: crop.H, Keypoints: crop.Keypoints[:n], Descriptors: crop.Descriptors[:n]}
	}
	if n := len(crop.Descriptors) &^ 1; n > 0 {
		queries["odd"] = &Features{W: crop.W, H: crop.H, Keypoints: crop.Keypoints[:n-1], Descriptors: crop.Descriptors[:n-1]}
	}
	opts := []VerifyOptions{DefaultVerifyOptions()}
	for _, md := range []int{0, 30, 64, 100, 256} {
		for _, r := range []float64{0, 0.5, 0.75, 0.8, 0.9, 1, 1.2} {
			o := DefaultVerifyOptions()
			o.MaxDistance, o.Ratio = md, r
			opts = append(opts, o)
		}
	}
	// Registered descriptors are compared vectorLanes a step (when the
	// processor can): fewer than a step, a whole number of steps, and
	// steps with a remainder.
	regs := map[string]*Features{"reg": reg, "other": other, "empty": {W: 10, H: 10}}
	for _, n := range []int{1, 7, 8, 9, 15, 16, 17, 63} {
		regs[fmt.Sprintf("reg-first-%d", n)] = &Features{W: reg.W, H: reg.H, Keypoints: reg.Keypoints[:n], Descriptors: reg.Descriptors[:n]}
	}
	// Many equal distances: descriptors from a pool of four, so that
	// which of equally near ones is the nearest matters.
	pool := &Features{W: reg.W, H: reg.H}
	for i := range 100 {
		pool.Keypoints = append(pool.Keypoints, reg.Keypoints[i])
		pool.Descriptors = append(pool.Descriptors, reg.Descriptors[rng.IntN(4)])
	}
	regs["pool"], queries["pool"] = pool, &Features{W: pool.W, H: pool.H, Keypoints: pool.Keypoints[:20], Descriptors: pool.Descriptors[:20]}
	t.Logf("vector instructions: %v", hasVector)
	for name, q := range queries {
		for rname, r := range regs {
			for _, o := range opts {
				want := matchesFull(r, q, o)
				if got := matches(r, q, o); !slices.Equal(got, want) {
					t.Fatalf("%s against %s, MaxDistance %d, Ratio %v: %d matches, want %d", name, rname, o.MaxDistance, o.Ratio, len(got), len(want))
				}
				// The scalar scan, which processors without the vector
				// instructions take.
				m := matcher{o: o, cap1: ratioCap(o) + 1, best: make([]int32, len(r.Descriptors))}
				if m.scalar(r.Descriptors, q.Descriptors); !slices.Equal(m.out, want) {
					t.Fatalf("scalar: %s against %s, MaxDistance %d, Ratio %v: %d matches, want %d", name, rname, o.MaxDistance, o.Ratio, len(m.out), len(want))
				}
			}
		}
	}
	if n := len(matches(reg, crop, DefaultVerifyOptions())); n < 50 {
		t.Fatalf("crop: %d matches, want a real test (≥ 50)", n)
	}
}

// BenchmarkMatches: descriptor matching of a checked picture against an
// unrelated registered one (the usual case of a check): the full scan,
// the capped scalar one and matches (vectorLanes registered descriptors
// a step, where the processor can), in the same run.
func BenchmarkMatches(b *testing.B) {
	reg := Detect(scene(7, 640, 360), DefaultOptions())
	q := Detect(scene(11, 640, 360), DefaultOptions())
	o := DefaultVerifyOptions()
	b.Run("full", func(b *testing.B) {
		c0 := cpuTime()
		for b.Loop() {
			matchesFull(reg, q, o)
		}
		cpuPerOp(b, c0)
	})
	b.Run("scalar", func(b *testing.B) {
		c0 := cpuTime()
		for b.Loop() {
			m := matcher{o: o, cap1: ratioCap(o) + 1, best: make([]int32, len(reg.Descriptors))}
			m.scalar(reg.Descriptors, q.Descriptors)
		}
		cpuPerOp(b, c0)
	})
	b.Run("capped", func(b *testing.B) {
		if !hasVector {
			b.Log("no vector instructions: the same scan as scalar")
		}
		c0 := cpuTime()
		for b.Loop() {
			matches(reg, q, o)
		}
		cpuPerOp(b, c0)
	})
}
