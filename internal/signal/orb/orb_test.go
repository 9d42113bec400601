package orb

import (
	"image"
	"math"
	"math/rand/v2"
	"testing"
)

// scene draws a deterministic picture with the kind of structure photos
// have: overlapping shapes of many grey levels on a gradient, with texture.
func scene(seed uint64, w, h int) *Gray {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	g := &Gray{W: w, H: h, Pix: make([]uint8, w*h)}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			g.Pix[y*w+x] = uint8(60 + 80*x/w + 40*y/h)
		}
	}
	for n := 0; n < 160; n++ {
		cx, cy := r.Float64()*float64(w), r.Float64()*float64(h)
		rx, ry := 4+r.Float64()*float64(w)/10, 4+r.Float64()*float64(h)/10
		v := uint8(r.IntN(256))
		ang := r.Float64() * math.Pi
		c, s := math.Cos(ang), math.Sin(ang)
		rect := r.IntN(2) == 0
		for y := max(0, int(cy-rx-ry)); y < min(h, int(cy+rx+ry)); y++ {
			for x := max(0, int(cx-rx-ry)); x < min(w, int(cx+rx+ry)); x++ {
				dx, dy := float64(x)-cx, float64(y)-cy
				u, t := (c*dx+s*dy)/rx, (-s*dx+c*dy)/ry
				if (rect && math.Abs(u) <= 1 && math.Abs(t) <= 1) || (!rect && u*u+t*t <= 1) {
					g.Pix[y*w+x] = v
				}
			}
		}
	}
	for i := range g.Pix {
		g.Pix[i] = clamp8(float64(g.Pix[i]) + r.NormFloat64()*3)
	}
	return g
}

// warp resamples src through the inverse of the homography h (which maps
// src pixels to dst pixels) into a w×h picture; outside pixels are fill.
func warp(src *Gray, h [9]float64, w, hh int, fill uint8) *Gray {
	inv := invert3(h)
	dst := &Gray{W: w, H: hh, Pix: make([]uint8, w*hh)}
	for y := 0; y < hh; y++ {
		for x := 0; x < w; x++ {
			sx, sy := applyH(&inv, float64(x), float64(y))
			dst.Pix[y*w+x] = sample(src, sx, sy, fill)
		}
	}
	return dst
}

func sample(g *Gray, x, y float64, fill uint8) uint8 {
	if x < 0 || y < 0 || x > float64(g.W-1) || y > float64(g.H-1) {
		return fill
	}
	i, j := int(x), int(y)
	i1, j1 := min(i+1, g.W-1), min(j+1, g.H-1)
	a, b := x-float64(i), y-float64(j)
	top := float64(g.At(i, j))*(1-a) + float64(g.At(i1, j))*a
	bot := float64(g.At(i, j1))*(1-a) + float64(g.At(i1, j1))*a
	return clamp8(top*(1-b) + bot*b)
}

func crop(g *Gray, x0, y0, w, h int) *Gray {
	return warp(g, [9]float64{1, 0, -float64(x0), 0, 1, -float64(y0), 0, 0, 1}, w, h, 0)
}

func fillRect(g *Gray, x0, y0, w, h int, v uint8) {
	for y := y0; y < y0+h && y < g.H; y++ {
		for x := x0; x < x0+w && x < g.W; x++ {
			g.Pix[y*g.W+x] = v
		}
	}
}

func paste(dst, src *Gray, x0, y0 int) {
	for y := 0; y < src.H; y++ {
		for x := 0; x < src.W; x++ {
			if x0+x < dst.W && y0+y < dst.H {
				dst.Pix[(y0+y)*dst.W+x0+x] = src.Pix[y*src.W+x]
			}
		}
	}
}

func flipH(g *Gray) *Gray {
	out := &Gray{W: g.W, H: g.H, Pix: make([]uint8, len(g.Pix))}
	for y := 0; y < g.H; y++ {
		for x := 0; x < g.W; x++ {
			out.Pix[y*g.W+g.W-1-x] = g.Pix[y*g.W+x]
		}
	}
	return out
}

func blur3(g *Gray) *Gray {
	out := &Gray{W: g.W, H: g.H, Pix: make([]uint8, len(g.Pix))}
	for y := 0; y < g.H; y++ {
		for x := 0; x < g.W; x++ {
			var s, n int
			for dy := -1; dy <= 1; dy++ {
				for dx := -1; dx <= 1; dx++ {
					if xx, yy := x+dx, y+dy; xx >= 0 && yy >= 0 && xx < g.W && yy < g.H {
						s += int(g.At(xx, yy))
						n++
					}
				}
			}
			out.Pix[y*g.W+x] = uint8(s / n)
		}
	}
	return out
}

func TestDetectDeterministicBoundedSpread(t *testing.T) {
	g := scene(1, 640, 360)
	o := DefaultOptions()
	a, b := Detect(g, o), Detect(g, o)
	if a.Len() != b.Len() || a.Len() == 0 {
		t.Fatalf("feature counts %d, %d", a.Len(), b.Len())
	}
	for i := range a.Keypoints {
		if a.Keypoints[i] != b.Keypoints[i] || a.Descriptors[i] != b.Descriptors[i] {
			t.Fatalf("feature %d differs between two runs", i)
		}
	}
	if a.Len() > o.MaxFeatures {
		t.Fatalf("%d features, want at most %d", a.Len(), o.MaxFeatures)
	}
	if a.Len() < o.MaxFeatures*8/10 {
		t.Fatalf("%d features on a detailed picture, want at least %d", a.Len(), o.MaxFeatures*8/10)
	}
	// Spread: every cell of a 4×4 grid holds features.
	var cells [16]int
	for _, k := range a.Keypoints {
		cells[int(k.Y)*4/g.H*4+int(k.X)*4/g.W]++
	}
	for i, n := range cells {
		if n < a.Len()/64 {
			t.Errorf("cell %d holds %d of %d features", i, n, a.Len())
		}
	}
	levels := map[uint8]bool{}
	for _, k := range a.Keypoints {
		levels[k.Level] = true
		if k.X < 0 || k.Y < 0 || k.X > float32(g.W-1) || k.Y > float32(g.H-1) {
			t.Fatalf("keypoint outside the picture: %+v", k)
		}
	}
	if len(levels) < 6 {
		t.Errorf("features on %d pyramid levels, want ≥ 6", len(levels))
	}
}

func TestDetectDegenerateInput(t *testing.T) {
	for _, tc := range []struct {
		name string
		g    *Gray
	}{
		{"empty", &Gray{}},
		{"tiny", scene(2, 20, 20)},
		{"thin", scene(3, 2000, 30)},
		{"flat", &Gray{W: 300, H: 200, Pix: make([]uint8, 300*200)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := Detect(tc.g, DefaultOptions())
			if tc.name != "thin" && f.Len() != 0 {
				t.Fatalf("%d features", f.Len())
			}
			if _, ok := Verify(f, f, DefaultVerifyOptions()); ok {
				t.Fatal("degenerate input verified")
			}
		})
	}
}

func TestLowDetailRetry(t *testing.T) {
	// A dim, low-contrast picture: the first FAST pass finds little, the
	// retry at the low threshold finds enough to match on.
	g := scene(4, 480, 270)
	for i, v := range g.Pix {
		g.Pix[i] = 20 + v/8
	}
	o := DefaultOptions()
	f := Detect(g, o)
	o.LowThreshold = 0
	f0 := Detect(g, o)
	if f.Len() <= f0.Len() || f.Len() < o.MaxFeatures/4 {
		t.Fatalf("with retry %d features, without %d", f.Len(), f0.Len())
	}
}

func TestMirrorMatchesDetectOnMirroredPicture(t *testing.T) {
	g := scene(5, 480, 320)
	o := DefaultOptions()
	m := Mirror(Detect(g, o))
	d := Detect(flipH(g), o)
	close := 0
	for i, k := range m.Keypoints {
		for j, l := range d.Keypoints {
			if k.Level == l.Level && math.Abs(float64(k.X-l.X)) < 0.6 && math.Abs(float64(k.Y-l.Y)) < 0.6 {
				if Distance(&m.Descriptors[i], &d.Descriptors[j]) <= 24 {
					close++
				}
				break
			}
		}
	}
	if close < m.Len()*7/10 {
		t.Fatalf("%d of %d mirrored features match the mirrored picture's", close, m.Len())
	}
}

func TestPatternMirrorSymmetric(t *testing.T) {
	for i := 0; i < 128; i++ {
		p, q := pattern[i], pattern[i+128]
		if p.ax != q.ax || p.bx != q.bx || p.ay != -q.ay || p.by != -q.by {
			t.Fatalf("pair %d %+v and %d %+v are not mirror images", i, p, i+128, q)
		}
		for _, v := range []int8{p.ax, p.ay, p.bx, p.by} {
			if v < -patternRadius || v > patternRadius {
				t.Fatalf("pair %d outside the patch: %+v", i, p)
			}
		}
	}
}

// similarity returns the homography of a scale s, rotation deg about the
// origin, then translation.
func similarity(s, deg, tx, ty float64) [9]float64 {
	a := deg * math.Pi / 180
	return [9]float64{s * math.Cos(a), -s * math.Sin(a), tx, s * math.Sin(a), s * math.Cos(a), ty, 0, 0, 1}
}

func TestVerifyTransformations(t *testing.T) {
	const W, H = 640, 360
	reg := scene(10, W, H)
	o := DefaultOptions()
	vo := DefaultVerifyOptions()
	rf := Detect(reg, o)

	other := scene(11, W, H)
	collage := &Gray{W: W, H: H, Pix: make([]uint8, W*H)}
	paste(collage, warp(other, similarity(0.5, 0, 0, 0), W/2, H/2, 0), 0, 0)
	paste(collage, warp(scene(12, W, H), similarity(0.5, 0, 0, 0), W/2, H/2, 0), W/2, 0)
	paste(collage, warp(scene(13, W, H), similarity(0.5, 0, 0, 0), W/2, H/2, 0), 0, H/2)
	paste(collage, warp(reg, similarity(0.5, 0, 0, 0), W/2, H/2, 0), W/2, H/2)

	duet := &Gray{W: W, H: H, Pix: make([]uint8, W*H)}
	paste(duet, warp(other, similarity(0.5, 0, 0, H/4), W/2, H, 0), 0, 0)
	paste(duet, warp(reg, similarity(0.5, 0, 0, H/4), W/2, H, 0), W/2, 0)

	captioned := warp(reg, similarity(1, 0, 0, 0), W, H, 0)
	fillRect(captioned, W/10, H/3, W*8/10, H/4, 255)

	stickers := warp(reg, similarity(1, 0, 0, 0), W, H, 0)
	paste(stickers, crop(scene(14, W, H), 0, 0, W/3, H/3), W/10, H/2)
	paste(stickers, crop(scene(15, W, H), 0, 0, W/4, H/4), W/2, H/10)

	// A photo of a screen: perspective, blur, lower contrast.
	persp := [9]float64{0.8, 0.08, 60, -0.03, 0.85, 40, -0.0002, 0.0001, 1}
	screen := blur3(warp(reg, persp, W, H, 30))
	for i, v := range screen.Pix {
		screen.Pix[i] = 20 + uint8(int(v)*3/4)
	}

	for _, tc := range []struct {
		name   string
		q      *Gray
		mirror bool
		region Rect // expected Region (of the registered picture), ±0.1
	}{
		{"same", reg, false, Rect{0, 0, 1, 1}},
		{"half size", warp(reg, similarity(0.5, 0, 0, 0), W/2, H/2, 0), false, Rect{0, 0, 1, 1}},
		{"double size crop", warp(reg, similarity(2, 0, -W/2, -H/2), W, H, 0), false, Rect{0.25, 0.25, 0.5, 0.5}},
		{"corner crop 50% area", crop(reg, 0, 0, W*71/100, H*71/100), false, Rect{0, 0, 0.71, 0.71}},
		{"bottom right crop", crop(reg, W*29/100, H*29/100, W*71/100, H*71/100), false, Rect{0.29, 0.29, 0.71, 0.71}},
		{"square from the left", crop(reg, 0, 0, H, H), false, Rect{0, 0, float64(H) / W, 1}},
		{"rotated 12°", warp(reg, similarity(0.9, 12, 60, -20), W, H, 0), false, Rect{0, 0, 1, 1}},
		{"rotated 90°", warp(reg, [9]float64{0, -1, H - 1, 1, 0, 0, 0, 0, 1}, H, W, 0), false, Rect{0, 0, 1, 1}},
		{"mirrored", flipH(reg), true, Rect{0, 0, 1, 1}},
		{"collage tile", collage, false, Rect{0, 0, 1, 1}},
		{"duet half", duet, false, Rect{0, 0, 1, 1}},
		{"caption box", captioned, false, Rect{0, 0, 1, 1}},
		{"stickers", stickers, false, Rect{0, 0, 1, 1}},
		{"photo of a screen", screen, false, Rect{0, 0, 1, 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			qf := Detect(tc.q, o)
			if tc.mirror {
				qf = Mirror(qf)
			}
			m, ok := Verify(rf, qf, vo)
			if !ok {
				t.Fatalf("not verified: %+v", m)
			}
			r := m.Region
			if math.Abs(r.X-tc.region.X) > 0.1 || math.Abs(r.Y-tc.region.Y) > 0.1 ||
				math.Abs(r.X+r.W-tc.region.X-tc.region.W) > 0.1 || math.Abs(r.Y+r.H-tc.region.Y-tc.region.H) > 0.1 {
				t.Errorf("region %+v, want about %+v", r, tc.region)
			}
			// The region's centre maps into the query region.
			cx, cy := (r.X+r.W/2)*W, (r.Y+r.H/2)*H
			u, v := applyH(&m.H, cx, cy)
			qr := m.QueryRegion
			if u < qr.X*float64(qf.W)-2 || u > (qr.X+qr.W)*float64(qf.W)+2 || v < qr.Y*float64(qf.H)-2 || v > (qr.Y+qr.H)*float64(qf.H)+2 {
				t.Errorf("region centre maps to %.0f,%.0f outside the query region %+v", u, v, qr)
			}
			t.Logf("inliers %d of %d, area %.2f, cells %d (%.2f), homography %v, region %+v in %+v", m.Inliers, m.Candidates, m.Area, m.Cells, m.CellShare, m.Homography, m.Region, m.QueryRegion)
		})
	}
	// Where a tile of the collage sits.
	m, _ := Verify(rf, Detect(collage, o), vo)
	if q := m.QueryRegion; q.X < 0.45 || q.Y < 0.45 {
		t.Errorf("collage tile found at %+v, want the bottom right quarter", q)
	}
}

func TestVerifyRejectsUnrelated(t *testing.T) {
	const W, H = 640, 360
	o := DefaultOptions()
	vo := DefaultVerifyOptions()
	// Shared furniture: the same logo and text bar on unrelated pictures.
	logo := scene(99, 120, 60)
	bar := scene(98, W, 40)
	var feats []*Features
	for s := uint64(20); s < 32; s++ {
		g := scene(s, W, H)
		if s%2 == 0 {
			paste(g, logo, 20, 20)
			paste(g, bar, 0, H-40)
		}
		feats = append(feats, Detect(g, o))
	}
	worst, share := 0, 0.0
	for i, a := range feats {
		for j, b := range feats {
			if i == j {
				continue
			}
			m, ok := Verify(a, b, vo)
			worst = max(worst, m.Inliers)
			if m.Inliers >= vo.MinInliers {
				share = max(share, m.CellShare)
			}
			if ok {
				t.Errorf("pictures %d and %d verified: %+v", i, j, m)
			}
		}
	}
	t.Logf("most inliers between unrelated pictures: %d; largest cell share with enough inliers %.2f", worst, share)
}

func TestFitHomographyExact(t *testing.T) {
	h := [9]float64{0.9, 0.1, 30, -0.05, 1.1, 12, 0.0003, -0.0002, 1}
	reg := &Features{W: 400, H: 300}
	q := &Features{W: 400, H: 300}
	var cs []corr
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 40; i++ {
		x, y := r.Float64()*400, r.Float64()*300
		u, v := applyH(&h, x, y)
		reg.Keypoints = append(reg.Keypoints, Keypoint{X: float32(x), Y: float32(y)})
		q.Keypoints = append(q.Keypoints, Keypoint{X: float32(u), Y: float32(v)})
		cs = append(cs, corr{r: i, q: i})
	}
	idx := make([]int, len(cs))
	for i := range idx {
		idx[i] = i
	}
	rp := func(c corr) (float64, float64) { k := reg.Keypoints[c.r]; return float64(k.X), float64(k.Y) }
	qp := func(c corr) (float64, float64) { k := q.Keypoints[c.q]; return float64(k.X), float64(k.Y) }
	got, ok := fitH(cs, idx, rp, qp)
	if !ok {
		t.Fatal("fit failed")
	}
	for i := range h {
		if math.Abs(got[i]-h[i]) > 1e-3*math.Max(1, math.Abs(h[i])) {
			t.Fatalf("H = %v, want %v", got, h)
		}
	}
	if !plausible(&got, 400, 300, 6) {
		t.Fatal("a mild perspective is implausible")
	}
	flip := [9]float64{-1, 0, 400, 0, 1, 0, 0, 0, 1}
	if plausible(&flip, 400, 300, 6) {
		t.Fatal("a mirror image is plausible as a homography")
	}
	if a := hullArea([][2]float64{{0, 0}, {1, 0}, {1, 1}, {0, 1}, {0.5, 0.5}}); math.Abs(a-1) > 1e-9 {
		t.Fatalf("hull area %v, want 1", a)
	}
}

func TestEncodeDecode(t *testing.T) {
	o := DefaultOptions()
	f := Detect(scene(40, 480, 320), o)
	b := Encode(f, o.ScaleFactor)
	if len(b) != EncodedSize(f.Len()) {
		t.Fatalf("%d bytes for %d features", len(b), f.Len())
	}
	g, err := Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	if g.W != f.W || g.H != f.H || g.Len() != f.Len() {
		t.Fatalf("decoded %dx%d with %d features, want %dx%d with %d", g.W, g.H, g.Len(), f.W, f.H, f.Len())
	}
	for i := range f.Keypoints {
		a, b := f.Keypoints[i], g.Keypoints[i]
		da := math.Abs(math.Remainder(float64(a.Angle-b.Angle), 2*math.Pi))
		if g.Descriptors[i] != f.Descriptors[i] || math.Abs(float64(a.X-b.X)) > 0.13 || math.Abs(float64(a.Y-b.Y)) > 0.13 ||
			a.Level != b.Level || math.Abs(float64(a.Scale-b.Scale)) > 1e-3 || da > 0.013 {
			t.Fatalf("feature %d: %+v decoded as %+v", i, a, b)
		}
	}
	// Verification survives the rounding.
	if m, ok := Verify(g, f, DefaultVerifyOptions()); !ok || m.Inliers < f.Len()*9/10 {
		t.Fatalf("decoded features verify with %d of %d inliers", m.Inliers, f.Len())
	}
	for _, bad := range [][]byte{nil, {1}, b[:len(b)-1], append([]byte{2}, b[1:]...), append(b[:len(b):len(b)], 0)} {
		if _, err := Decode(bad); err == nil {
			t.Errorf("Decode accepted %d corrupt bytes", len(bad))
		}
	}
}

// TestCoarseEnlargedCut: a 4:5 cut from the right of a registered frame,
// decoded at the frame size the registered frame was described at, shows
// the registered picture 2.2× enlarged. Spending the budget a second
// time from level Coarse keeps features at the registered scale, so more
// descriptor matches agree on the transform; keypoint scales stay powers
// of the scale factor.
func TestCoarseEnlargedCut(t *testing.T) {
	const W, H = 320, 180
	reg := scene(21, W, H)
	o := DefaultOptions()
	o.MaxFeatures = 300
	rf := Detect(reg, o)
	const s = 400.0 / H
	x0 := float64(W) - 320/s
	q := warp(reg, similarity(s, 0, -x0*s, 0), 320, 400, 0)
	vo := DefaultVerifyOptions()
	plain := Detect(q, o)
	o.Coarse = 4
	coarse := Detect(q, o)
	if coarse.Len() > 2*o.MaxFeatures {
		t.Errorf("%d features, budget %d", coarse.Len(), 2*o.MaxFeatures)
	}
	deep := 0
	for _, k := range coarse.Keypoints {
		if want := math.Pow(o.ScaleFactor, float64(k.Level)); math.Abs(float64(k.Scale)-want) > 1e-4 {
			t.Fatalf("level %d scale %g, want %g", k.Level, k.Scale, want)
		}
		if int(k.Level) >= o.Levels {
			deep++
		}
	}
	mp, okp := Verify(rf, plain, vo)
	mc, okc := Verify(rf, coarse, vo)
	t.Logf("plain: %d features, verified %v, %d inliers; coarse: %d features (%d below level %d), verified %v, %d inliers",
		plain.Len(), okp, mp.Inliers, coarse.Len(), deep, o.Levels, okc, mc.Inliers)
	if !okc {
		t.Fatalf("coarse: not verified: %+v", mc)
	}
	if want := (Rect{X: x0 / W, Y: 0, W: 1 - x0/W, H: 1}); math.Abs(mc.Region.X-want.X) > 0.05 || math.Abs(mc.Region.W-want.W) > 0.05 {
		t.Errorf("region %+v, want %+v", mc.Region, want)
	}
	if mc.Inliers <= mp.Inliers {
		t.Errorf("coarse %d inliers, plain %d: no gain", mc.Inliers, mp.Inliers)
	}
}

// TestFinerLevelsSmallPicture: the registered picture as one tile of a
// 2×2 collage, the collage as large as the four pictures. Described at
// the registered size, the collage shows the picture at half the scale it
// was registered at and keeps few features there; the collage's own
// pixels described on four levels finer (a pyramid of four levels on the
// collage at 1.2^4 times that size) find it with more matches (56
// against 44 here), in the right place.
func TestFinerLevelsSmallPicture(t *testing.T) {
	const W, H = 640, 480
	reg := scene(31, W, H)
	o := DefaultOptions()
	rf := Detect(reg, o)
	const k = 4
	side := int(math.Round(W * math.Pow(o.ScaleFactor, k)))
	cw, ch := side, side*H/W
	canvas := &Gray{W: cw, H: ch, Pix: make([]uint8, cw*ch)}
	tw, th := cw/2, ch/2
	for i, seed := range []uint64{32, 33, 34} {
		paste(canvas, warp(scene(seed, W, H), similarity(float64(tw)/W, 0, 0, 0), tw, th, 0), (i%2)*tw, (i/2)*th)
	}
	paste(canvas, warp(reg, similarity(float64(tw)/W, 0, 0, 0), tw, th, 0), tw, th)
	img := &image.Gray{Pix: canvas.Pix, Stride: cw, Rect: image.Rect(0, 0, cw, ch)}

	plain := Detect(GrayFrom(img, W), o)
	fo := o
	fo.Levels = k
	fine := Detect(GrayFrom(img, side), fo)
	if fine.W != cw || fine.H != ch {
		t.Fatalf("finer features of %d×%d, want %d×%d", fine.W, fine.H, cw, ch)
	}
	for _, kp := range fine.Keypoints {
		if kp.Level >= k {
			t.Fatalf("a finer feature at level %d of %d", kp.Level, k)
		}
	}
	vo := DefaultVerifyOptions()
	mp, okp := Verify(rf, plain, vo)
	mf, okf := Verify(rf, fine, vo)
	t.Logf("plain: %d features, verified %v, %d inliers; finer levels: %d features, verified %v, %d inliers, region in the collage %+v",
		plain.Len(), okp, mp.Inliers, fine.Len(), okf, mf.Inliers, mf.QueryRegion)
	if !okf {
		t.Fatalf("finer levels: not verified: %+v", mf)
	}
	if mf.Inliers <= mp.Inliers {
		t.Errorf("finer levels %d inliers, plain %d: want more", mf.Inliers, mp.Inliers)
	}
	if q := mf.QueryRegion; math.Abs(q.X-0.5) > 0.03 || math.Abs(q.Y-0.5) > 0.03 || math.Abs(q.W-0.5) > 0.03 || math.Abs(q.H-0.5) > 0.03 {
		t.Errorf("found at %+v, want the bottom-right quarter", q)
	}
}

// TestVerifyRejectsShrunkenSimilarity: the registered features squeezed
// into a spot smaller than the inlier tolerance (positions at 1/30 of the
// registered size, keypoint scales kept, so every one-point hypothesis
// has a plausible size ratio) must not verify: refining towards the spot
// would make every keypoint there an inlier.
func TestVerifyRejectsShrunkenSimilarity(t *testing.T) {
	const W, H = 640, 480
	rf := Detect(scene(51, W, H), DefaultOptions())
	q := &Features{W: 1280, H: 960}
	for i, kp := range rf.Keypoints {
		kp.X, kp.Y = 700+kp.X/30, 500+kp.Y/30
		q.Keypoints = append(q.Keypoints, kp)
		q.Descriptors = append(q.Descriptors, rf.Descriptors[i])
	}
	o := DefaultVerifyOptions()
	if m, ok := Verify(rf, q, o); ok || (m.Inliers >= o.MinInliers && (m.Scale < 1/o.MaxScale || m.Scale > o.MaxScale)) {
		t.Errorf("verified %v: %d inliers at scale %.3f (bounds 1/%g..%g), region %+v", ok, m.Inliers, m.Scale, o.MaxScale, o.MaxScale, m.QueryRegion)
	}
}

// A small subject on a plain ground (an object on a white table) has all
// its features in a part of the picture: a repost that keeps the subject
// is verified by how much of that part its inliers cover, while on a
// detailed picture the same few inliers (a logo, a text line) are not.
func TestVerifySmallSubjectOnPlainGround(t *testing.T) {
	const W, H = 640, 360
	const sw, sh = 90, 130 // the subject: 14% of the width, 36% of the height
	plain := func(subject *Gray, x0, y0 int) *Gray {
		g := &Gray{W: W, H: H, Pix: make([]uint8, W*H)}
		fillRect(g, 0, 0, W, H, 236)
		paste(g, subject, x0, y0)
		return g
	}
	subject := scene(61, sw, sh)
	reg := plain(subject, 270, 110)
	o, vo := DefaultOptions(), DefaultVerifyOptions()
	rf := Detect(reg, o)

	for _, tc := range []struct {
		name string
		q    *Gray
	}{
		// The subject kept whole, shown 1.4× larger in a corner crop.
		{"corner crop", warp(crop(reg, 200, 60, W/2, H/2), similarity(1.4, 0, 0, 0), W*7/10, H*7/10, 236)},
		{"half size", warp(reg, similarity(0.5, 0, 0, 0), W/2, H/2, 236)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, ok := Verify(rf, Detect(tc.q, o), vo)
			if !ok {
				t.Fatalf("not verified: inliers %d, spread %+v, area %.3f, cells %.2f, detail %+v", m.Inliers, m.Spread, m.Area, m.CellShare, m.Detail)
			}
			// The inliers cover less of the picture than a detailed
			// picture's spread test asks: only the detail measure finds it.
			whole := m
			whole.Detail = Rect{0, 0, 1, 1}
			if whole.Accepted(vo) {
				t.Errorf("spread %+v, area %.3f: accepted on the whole picture too, the subject is not small enough to test the detail measure", m.Spread, m.Area)
			}
			d := m.Detail
			if d.W > 0.3 || d.H > 0.6 || d.X > 270.0/W || d.X+d.W < 360.0/W {
				t.Errorf("detail %+v, want about the subject (x 0.42..0.56 of the width, grown by the border)", d)
			}
		})
	}

	// Another subject in the same round mask at the same place on the
	// same ground: their outlines match, their insides do not.
	disc := func(seed uint64) *Gray {
		g := &Gray{W: W, H: H, Pix: make([]uint8, W*H)}
		fillRect(g, 0, 0, W, H, 236)
		sub := scene(seed, 100, 100)
		for y := 0; y < 100; y++ {
			for x := 0; x < 100; x++ {
				if (x-50)*(x-50)+(y-50)*(y-50) < 50*50 {
					g.Pix[(130+y)*W+270+x] = sub.Pix[y*100+x]
				}
			}
		}
		return g
	}
	for s := uint64(71); s < 75; s++ {
		m, ok := Verify(Detect(disc(70), o), Detect(disc(s), o), vo)
		if ok {
			t.Errorf("another subject in the same round mask verified: inliers %d, spread %+v, cells %.2f, detail %+v", m.Inliers, m.Spread, m.CellShare, m.Detail)
		}
	}
	if m, ok := Verify(Detect(disc(70), o), Detect(warp(disc(70), similarity(1.2, 0, -40, -20), W, H, 236), o), vo); !ok {
		t.Errorf("the subject in its round mask, enlarged, not verified: inliers %d, spread %+v, cells %.2f, detail %+v", m.Inliers, m.Spread, m.CellShare, m.Detail)
	}

	// The same subject pasted on unrelated detailed pictures, as a logo
	// is: those pictures are not found from a repost of the subject alone.
	for s := uint64(62); s < 66; s++ {
		g := scene(s, W, H)
		paste(g, subject, 270, 110)
		m, ok := Verify(Detect(g, o), Detect(reg, o), vo)
		if ok {
			t.Errorf("a detailed picture holding the subject verified from the subject alone: inliers %d, spread %+v, detail %+v", m.Inliers, m.Spread, m.Detail)
		}
		if m.Detail.W < 0.9 || m.Detail.H < 0.9 {
			t.Errorf("a detailed picture's detail is %+v, want about the whole picture", m.Detail)
		}
	}
}
