package orb

import (
	"math"
	"math/rand/v2"
)

// pair is one BRIEF test: bit set when the box mean at a is below the one
// at b (offsets from the keypoint, before rotation).
type pair struct{ ax, ay, bx, by int8 }

// pattern is the sampling pattern: 128 pairs drawn from an isotropic
// Gaussian (σ = patch size / 5, as in the BRIEF paper's best variant),
// kept within patternRadius, then the same 128 pairs mirrored top to
// bottom. The mirrored half makes descriptors of a mirrored picture a
// permutation of the original's bits (see Mirror).
var pattern = makePattern()

func makePattern() [256]pair {
	var p [256]pair
	r := rand.New(rand.NewPCG(0x0b5e55ed, 0x5eed0f0b))
	sigma := patchSize / 5.0
	draw := func() (int8, int8) {
		for {
			x := math.Round(r.NormFloat64() * sigma)
			y := math.Round(r.NormFloat64() * sigma)
			if x*x+y*y <= patternRadius*patternRadius {
				return int8(x), int8(y)
			}
		}
	}
	seen := map[pair]bool{}
	for i := 0; i < 128; {
		ax, ay := draw()
		bx, by := draw()
		q := pair{ax, ay, bx, by}
		f := pair{ax, -ay, bx, -by}
		switch {
		case ax == bx && ay == by: // compares a point with itself
		case ay == 0 && by == 0: // its own mirror
		case ax == bx && ay == -by: // its mirror is its negation
		case seen[q] || seen[f] || seen[pair{bx, by, ax, ay}] || seen[pair{bx, -by, ax, -ay}]:
		default:
			seen[q], seen[f] = true, true
			p[i], p[i+128] = q, f
			i++
		}
	}
	return p
}

// boxSum is the sum of the (2·boxHalf+1)² pixels centred on (x, y).
func boxSum(lv *level, x, y int) int32 {
	w1 := lv.img.W + 1
	x0, y0 := x-boxHalf, y-boxHalf
	x1, y1 := x+boxHalf+1, y+boxHalf+1
	s := lv.integ
	return s[y1*w1+x1] - s[y0*w1+x1] - s[y1*w1+x0] + s[y0*w1+x0]
}

// points are the distinct sampling points of pattern (of its 512 ends,
// about 300 are distinct) and ends the indexes of each pair's two ends
// in points: a descriptor turns and box-sums each point once.
var points, ends = patternPoints(&pattern)

func patternPoints(pat *[256]pair) (pts [][2]int8, ends [256][2]uint16) {
	at := map[[2]int8]uint16{}
	index := func(x, y int8) uint16 {
		k := [2]int8{x, y}
		i, ok := at[k]
		if !ok {
			i = uint16(len(pts))
			at[k] = i
			pts = append(pts, k)
		}
		return i
	}
	for i, p := range pat {
		ends[i] = [2]uint16{index(p.ax, p.ay), index(p.bx, p.by)}
	}
	return pts, ends
}

// describe computes the rotated BRIEF descriptor of the keypoint at (x, y)
// of a level, oriented by ang.
func describe(lv *level, x, y int, ang float64) Descriptor {
	c, s := math.Cos(ang), math.Sin(ang)
	return describeTurned(lv, x, y, c, s)
}

// describeTurned is describe with the turn given by its cosine and sine.
func describeTurned(lv *level, x, y int, c, s float64) Descriptor {
	var d Descriptor
	if hasVector {
		var sums [len(vectorPoints.x)]int32
		w1 := lv.img.W + 1
		o := [4]int{-boxHalf*w1 - boxHalf, -boxHalf*w1 + boxHalf + 1, (boxHalf+1)*w1 - boxHalf, (boxHalf+1)*w1 + boxHalf + 1}
		lo, hi := -o[0], len(lv.integ)-1-o[3]
		p := &vectorPoints
		describe8(&lv.integ[0], lo, hi, y*w1+x, w1, &o, c, s, &p.x[0], &p.y[0], p.n8, &p.e0[0], &p.e1[0], &sums[0], &d)
		return d
	}
	var sums [2 * len(pattern)]int32
	for j, p := range points {
		fx, fy := float64(p[0]), float64(p[1])
		sums[j] = boxSum(lv, x+int(math.Round(c*fx-s*fy)), y+int(math.Round(s*fx+c*fy)))
	}
	// Bit i: sums[a] < sums[b], i.e. their difference (exact in int64) is
	// negative; taken from its sign, without a branch. (Point indexes are
	// below len(sums): the mask only spares the bounds checks.)
	const m = uint16(len(sums) - 1)
	for k := range d {
		var word uint64
		for i, e := range ends[64*k : 64*k+64] {
			word |= uint64(int64(sums[e[0]&m])-int64(sums[e[1]&m])) >> 63 << i
		}
		d[k] = word
	}
	return d
}

// vectorPoints are points and ends as describe8 reads them: the points'
// coordinates as float64, padded with the keypoint itself to n8, a
// multiple of 8 (len(x) bounds it: patternPoints finds about 300), and
// each pair's ends as int32.
var vectorPoints = func() (v struct {
	x, y   [512]float64
	n8     int
	e0, e1 [256]int32
}) {
	for i, p := range points {
		v.x[i], v.y[i] = float64(p[0]), float64(p[1])
	}
	v.n8 = (len(points) + 7) &^ 7
	for i, e := range ends {
		v.e0[i], v.e1[i] = int32(e[0]), int32(e[1])
	}
	return v
}()

// MirrorDescriptor returns the descriptor the same keypoint would have in
// the picture mirrored left to right: the halves of the pattern swap.
func MirrorDescriptor(d Descriptor) Descriptor {
	return Descriptor{d[2], d[3], d[0], d[1]}
}

// Mirror returns the features of the picture mirrored left to right,
// computed from f: positions mirrored, orientations reflected (θ → π − θ),
// descriptors permuted. It matches Detect on the mirrored picture up to
// rounding.
func Mirror(f *Features) *Features {
	m := &Features{W: f.W, H: f.H, Keypoints: make([]Keypoint, len(f.Keypoints)), Descriptors: make([]Descriptor, len(f.Descriptors))}
	for i, k := range f.Keypoints {
		k.X = float32(f.W-1) - k.X
		a := math.Pi - float64(k.Angle)
		if a > math.Pi {
			a -= 2 * math.Pi
		}
		k.Angle = float32(a)
		m.Keypoints[i] = k
		m.Descriptors[i] = MirrorDescriptor(f.Descriptors[i])
	}
	return m
}
