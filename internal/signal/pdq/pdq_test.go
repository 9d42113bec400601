package pdq

import (
	"image"
	"image/color"
	"image/color/palette"
	"image/draw"
	"image/jpeg"
	"image/png"
	"math"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"sync"
	"testing"
)

// synthetic draws a deterministic w×h test picture with structure at several
// scales (smooth gradients, blobs, stripes and noise), so its hash has high
// quality and any mix-up of rows, columns or channels changes it.
func synthetic(w, h int, seed uint64) *image.RGBA {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	type blob struct{ x, y, rad, amp float64 }
	blobs := make([]blob, 12)
	for i := range blobs {
		blobs[i] = blob{r.Float64(), r.Float64(), 0.05 + 0.2*r.Float64(), 160*r.Float64() - 80}
	}
	fx, fy := 2+5*r.Float64(), 2+5*r.Float64()
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			u, v := (float64(x)+0.5)/float64(w), (float64(y)+0.5)/float64(h)
			base := 128 + 50*math.Sin(2*math.Pi*(fx*u+0.3*v)) + 30*math.Cos(2*math.Pi*fy*v)
			for _, b := range blobs {
				d2 := ((u-b.x)*(u-b.x) + (v-b.y)*(v-b.y)) / (b.rad * b.rad)
				base += b.amp * math.Exp(-d2)
			}
			c := func(off float64) uint8 {
				return uint8(max(0, min(255, base+off+8*r.NormFloat64())))
			}
			o := img.PixOffset(x, y)
			img.Pix[o+0] = c(20 * math.Sin(7*u))
			img.Pix[o+1] = c(0)
			img.Pix[o+2] = c(-25 * v)
			img.Pix[o+3] = 0xff
		}
	}
	return img
}

func loadPNG(t *testing.T, name string) image.Image {
	t.Helper()
	return decodeFile(t, filepath.Join("testdata", "images", name), png.Decode)
}

func toRGBA(img image.Image) *image.RGBA {
	b := img.Bounds()
	out := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	draw.Draw(out, out.Rect, img, b.Min, draw.Src)
	return out
}

// opaque wraps an image so that only the generic image.Image path applies.
type opaque struct{ image.Image }

func TestUniformImageHasQualityZero(t *testing.T) {
	sizes := [][2]int{{5, 5}, {64, 64}, {100, 37}, {640, 480}, {1000, 3}}
	for _, sz := range sizes {
		for _, c := range []color.RGBA{{0, 0, 0, 255}, {128, 128, 128, 255}, {255, 255, 255, 255}, {200, 30, 90, 255}} {
			img := image.NewRGBA(image.Rect(0, 0, sz[0], sz[1]))
			draw.Draw(img, img.Rect, image.NewUniform(c), image.Point{}, draw.Src)
			_, q := FromImage(img)
			if q != 0 {
				t.Errorf("uniform %v %dx%d: quality %d, want 0", c, sz[0], sz[1], q)
			}
			_, dq := DihedralFromImage(img)
			if dq != 0 {
				t.Errorf("uniform %v %dx%d: dihedral quality %d, want 0", c, sz[0], sz[1], dq)
			}
		}
	}
}

func TestTinyImagesHashToZero(t *testing.T) {
	sizes := [][2]int{{1, 1}, {2, 3}, {3, 2}, {4, 4}, {4, 100}, {100, 4}, {512, 4}}
	for _, sz := range sizes {
		img := synthetic(sz[0], sz[1], 1)
		h, q := FromImage(img)
		if !h.IsZero() || q != 0 {
			t.Errorf("%dx%d: got %v q%d, want zero hash, quality 0", sz[0], sz[1], h, q)
		}
		hs, q := DihedralFromImage(img)
		if hs != [8]Hash{} || q != 0 {
			t.Errorf("%dx%d: dihedral not all zero (q%d)", sz[0], sz[1], q)
		}
		lh, lq := FromLuma(refLuma(img), sz[0], sz[1])
		if !lh.IsZero() || lq != 0 {
			t.Errorf("%dx%d: FromLuma gave %v q%d", sz[0], sz[1], lh, lq)
		}
	}
	// The smallest hashable size gives a real hash.
	h, q := FromImage(synthetic(5, 5, 2))
	if h.IsZero() {
		t.Errorf("5x5: zero hash (q%d)", q)
	}
}

// nearestResize is the reference photo hasher's resize of large images
// (nearest neighbour, source index ⌊i·old/new⌋), written independently with
// integer arithmetic.
func nearestResize(img *image.RGBA, w, h int) *image.RGBA {
	b := img.Bounds()
	out := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		sy := b.Min.Y + y*b.Dy()/h
		for x := 0; x < w; x++ {
			sx := b.Min.X + x*b.Dx()/w
			copy(out.Pix[out.PixOffset(x, y):][:4], img.Pix[img.PixOffset(sx, sy):][:4])
		}
	}
	return out
}

func TestLargeImagesAreResizedLikeTheReference(t *testing.T) {
	sizes := [][2]int{{1600, 1004}, {513, 100}, {100, 513}, {4000, 3}, {3, 4000}, {10000, 1}, {1, 10000}, {600, 5}}
	for _, sz := range sizes {
		img := synthetic(sz[0], sz[1], 3)
		got, q := FromImage(img)
		want, wq := FromImage(nearestResize(img, MaxDim, MaxDim))
		if got != want || q != wq {
			t.Errorf("%dx%d: %v q%d, resized copy gives %v q%d", sz[0], sz[1], got, q, want, wq)
		}
		if got.IsZero() {
			t.Errorf("%dx%d: zero hash", sz[0], sz[1])
		}
		lh, lq := FromLuma(refLuma(img), sz[0], sz[1])
		if lh != got || lq != q {
			t.Errorf("%dx%d: FromLuma %v q%d, FromImage %v q%d", sz[0], sz[1], lh, lq, got, q)
		}
		dh, dq := DihedralFromImage(img)
		if dh[Original] != got || dq != q {
			t.Errorf("%dx%d: dihedral original %v q%d, FromImage %v q%d", sz[0], sz[1], dh[0], dq, got, q)
		}
	}
	// A structured wide image still has quality.
	if _, q := FromImage(synthetic(1600, 1004, 4)); q < 50 {
		t.Errorf("synthetic 1600x1004 quality %d, want >= 50", q)
	}
}

func TestImageTypesAgree(t *testing.T) {
	src := toRGBA(loadPNG(t, "reg-test-input__labelme-subset__q2821.png"))
	want, wq := FromImage(src)

	nrgba := image.NewNRGBA(src.Rect)
	draw.Draw(nrgba, nrgba.Rect, src, image.Point{}, draw.Src)
	// Alpha is ignored: change it everywhere without touching the colour.
	for i := 3; i < len(nrgba.Pix); i += 4 {
		nrgba.Pix[i] = uint8(i * 7)
	}

	// A larger canvas whose sub-image is the picture, at an odd offset.
	big := image.NewRGBA(image.Rect(-7, -3, 300, 290))
	draw.Draw(big, big.Rect, image.NewUniform(color.RGBA{255, 0, 0, 255}), image.Point{}, draw.Src)
	off := image.Pt(11, 5)
	draw.Draw(big, src.Rect.Add(off), src, image.Point{}, draw.Src)
	sub := big.SubImage(src.Rect.Add(off))

	cases := []struct {
		name string
		img  image.Image
	}{
		{"NRGBA with alpha", nrgba},
		{"RGBA sub-image", sub},
		{"generic At path", opaque{src}},
	}
	for _, c := range cases {
		got, q := FromImage(c.img)
		if got != want || q != wq {
			t.Errorf("%s: %v q%d, want %v q%d", c.name, got, q, want, wq)
		}
	}

	// Premultiplied RGBA with transparency goes through the same
	// un-premultiplication as the generic path.
	premul := image.NewRGBA(src.Rect)
	draw.Draw(premul, premul.Rect, nrgba, image.Point{}, draw.Src)
	p1, q1 := FromImage(premul)
	p2, q2 := FromImage(opaque{premul})
	if p1 != p2 || q1 != q2 {
		t.Errorf("translucent RGBA: fast path %v q%d, generic %v q%d", p1, q1, p2, q2)
	}

	// Grey images use the grey value as luminance.
	gray := image.NewGray(src.Rect)
	draw.Draw(gray, gray.Rect, src, image.Point{}, draw.Src)
	gl := make([]float32, len(gray.Pix))
	for i, v := range gray.Pix {
		gl[i] = float32(v)
	}
	gh, gq := FromImage(gray)
	lh, lq := FromLuma(gl, gray.Rect.Dx(), gray.Rect.Dy())
	if gh != lh || gq != lq {
		t.Errorf("Gray: %v q%d, FromLuma of grey values %v q%d", gh, gq, lh, lq)
	}
	if d := Distance(gh, want); d > 16 {
		t.Errorf("Gray hash %d bits from colour hash", d)
	}

	// Paletted: fast path equals the generic path.
	pal := image.NewPaletted(src.Rect, palette.Plan9)
	draw.FloydSteinberg.Draw(pal, pal.Rect, src, image.Point{})
	ph, pq := FromImage(pal)
	gh2, gq2 := FromImage(opaque{pal})
	if ph != gh2 || pq != gq2 {
		t.Errorf("Paletted: fast path %v q%d, generic %v q%d", ph, pq, gh2, gq2)
	}
}

func TestYCbCrMatchesDrawConversion(t *testing.T) {
	for _, name := range []string{"q0122.jpg", "wee.jpg", "small.jpg"} {
		img := decodeFile(t, filepath.Join("testdata", "jpeg", name), jpeg.Decode)
		yc, ok := img.(*image.YCbCr)
		if !ok {
			t.Fatalf("%s decoded as %T, want *image.YCbCr", name, img)
		}
		got, q := FromImage(yc)
		want, wq := FromImage(toRGBA(yc))
		if got != want || q != wq {
			t.Errorf("%s: YCbCr %v q%d, via RGBA %v q%d", name, got, q, want, wq)
		}
		// Sub-images keep their offsets into the planes.
		r := yc.Bounds().Inset(3).Add(image.Pt(1, 0)).Intersect(yc.Bounds())
		sub := yc.SubImage(r)
		sh, sq := FromImage(sub)
		wh, wq2 := FromImage(toRGBA(sub))
		if sh != wh || sq != wq2 {
			t.Errorf("%s sub-image: %v q%d, via RGBA %v q%d", name, sh, sq, wh, wq2)
		}
		nya := &image.NYCbCrA{YCbCr: *yc, A: make([]uint8, len(yc.Y)), AStride: yc.YStride}
		if nh, _ := FromImage(nya); nh != got {
			t.Errorf("%s: NYCbCrA %v, YCbCr %v", name, nh, got)
		}
	}
}

// Physical dihedral transforms of an image, indexed like the Dihedral
// results, as (x, y) in the output ← source pixel for a w×h source.
var transforms = [8]struct {
	swap bool // output is h×w
	src  func(x, y, w, h int) (int, int)
}{
	Original:   {false, func(x, y, w, h int) (int, int) { return x, y }},
	Rotate90:   {true, func(x, y, w, h int) (int, int) { return w - 1 - y, x }}, // counter-clockwise
	Rotate180:  {false, func(x, y, w, h int) (int, int) { return w - 1 - x, h - 1 - y }},
	Rotate270:  {true, func(x, y, w, h int) (int, int) { return y, h - 1 - x }},
	FlipX:      {false, func(x, y, w, h int) (int, int) { return x, h - 1 - y }},
	FlipY:      {false, func(x, y, w, h int) (int, int) { return w - 1 - x, y }},
	FlipPlus1:  {true, func(x, y, w, h int) (int, int) { return y, x }},
	FlipMinus1: {true, func(x, y, w, h int) (int, int) { return w - 1 - y, h - 1 - x }},
}

func transform(img *image.RGBA, k int) *image.RGBA {
	w, h := img.Rect.Dx(), img.Rect.Dy()
	ow, oh := w, h
	if transforms[k].swap {
		ow, oh = h, w
	}
	out := image.NewRGBA(image.Rect(0, 0, ow, oh))
	for y := 0; y < oh; y++ {
		for x := 0; x < ow; x++ {
			sx, sy := transforms[k].src(x, y, w, h)
			copy(out.Pix[out.PixOffset(x, y):][:4], img.Pix[img.PixOffset(sx, sy):][:4])
		}
	}
	return out
}

// TestDihedralMatchesTransformedImages hashes physically rotated and flipped
// copies. When the blur windows are odd and the decimation grid is centred
// (sides of 64 or 320 pixels) the pipeline is symmetric, so each copy must
// give its dihedral hash up to float rounding. Otherwise (even windows, or a
// grid off centre by a pixel) the copy's hash is only closest to its own
// dihedral hash and far from the other seven.
func TestDihedralMatchesTransformedImages(t *testing.T) {
	cases := []struct {
		name string
		img  *image.RGBA
		near int
	}{
		{"synthetic 320x320", synthetic(320, 320, 5), 2},
		{"synthetic 320x64", synthetic(320, 64, 6), 2},
		{"synthetic 64x64", synthetic(64, 64, 7), 2},
		{"q2821 256x256", toRGBA(loadPNG(t, "reg-test-input__labelme-subset__q2821.png")), 60},
		{"shrink-a-lot 160x100", toRGBA(loadPNG(t, "bridge-mods__shrink-a-lot.png")), 40},
		{"synthetic 300x200", synthetic(300, 200, 8), 40},
	}
	for _, c := range cases {
		dih, q := DihedralFromImage(c.img)
		h0, q0 := FromImage(c.img)
		if dih[Original] != h0 || q != q0 {
			t.Errorf("%s: dihedral original %v q%d, FromImage %v q%d", c.name, dih[0], q, h0, q0)
		}
		for k := range transforms {
			h, _ := FromImage(transform(c.img, k))
			own := Distance(h, dih[k])
			if own > c.near {
				t.Errorf("%s transform %d: %d bits from its dihedral hash, want <= %d", c.name, k, own, c.near)
			}
			for j := range dih {
				if d := Distance(h, dih[j]); j != k && d <= own+20 {
					t.Errorf("%s transform %d: %d bits from dihedral hash %d, only %d from its own", c.name, k, d, j, own)
				}
			}
		}
	}
}

func TestInvalidInput(t *testing.T) {
	buf := make([]float32, 100)
	cases := []struct {
		luma []float32
		w, h int
	}{
		{nil, 0, 0},
		{nil, 10, 10},
		{buf, 0, 10},
		{buf, 10, 0},
		{buf, -10, -10},
		{buf, 10, 11},
		{buf, 1 << 40, 1 << 40},
		{buf, math.MaxInt, 2},
	}
	for _, c := range cases {
		h, q := FromLuma(c.luma, c.w, c.h)
		if !h.IsZero() || q != 0 {
			t.Errorf("FromLuma(len %d, %d, %d) = %v q%d, want zero", len(c.luma), c.w, c.h, h, q)
		}
		hs, q := DihedralFromLuma(c.luma, c.w, c.h)
		if hs != [8]Hash{} || q != 0 {
			t.Errorf("DihedralFromLuma(len %d, %d, %d) not zero", len(c.luma), c.w, c.h)
		}
	}
	if h, q := FromImage(nil); !h.IsZero() || q != 0 {
		t.Errorf("FromImage(nil) = %v q%d", h, q)
	}
	if h, q := FromImage(image.NewRGBA(image.Rect(5, 5, 5, 50))); !h.IsZero() || q != 0 {
		t.Errorf("empty image = %v q%d", h, q)
	}
	// Non-finite luminance gives some hash, without hanging or panicking.
	for _, v := range []float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)), math.MaxFloat32} {
		l := refLuma(synthetic(40, 40, 6))
		l[17], l[900] = v, -v
		FromLuma(l, 40, 40)
	}
}

func TestHasherReuseAndAllocations(t *testing.T) {
	h := NewHasher()
	imgs := []image.Image{
		synthetic(1600, 1004, 7), synthetic(320, 180, 8), synthetic(7, 9, 9),
		synthetic(64, 64, 10), synthetic(512, 512, 11), synthetic(3, 3000, 12),
	}
	var want []Hash
	for _, img := range imgs {
		w, _ := NewHasher().FromImage(img)
		want = append(want, w)
	}
	for round := 0; round < 2; round++ {
		for i, img := range imgs {
			if got, _ := h.FromImage(img); got != want[i] {
				t.Fatalf("round %d image %d: reused Hasher gave %v, fresh %v", round, i, got, want[i])
			}
		}
	}

	rgba := synthetic(1600, 1004, 13)
	frame := refLuma(synthetic(320, 180, 14))
	scratch := make([]float32, len(frame))
	if n := testing.AllocsPerRun(20, func() { h.FromImage(rgba) }); n != 0 {
		t.Errorf("FromImage allocates %.1f times per call", n)
	}
	if n := testing.AllocsPerRun(20, func() {
		copy(scratch, frame)
		h.FromLuma(scratch, 320, 180)
	}); n != 0 {
		t.Errorf("FromLuma allocates %.1f times per call", n)
	}
	if n := testing.AllocsPerRun(20, func() {
		copy(scratch, frame)
		h.DihedralFromLuma(scratch, 320, 180)
	}); n != 0 {
		t.Errorf("DihedralFromLuma allocates %.1f times per call", n)
	}
}

func TestSixtyFourSquareInput(t *testing.T) {
	// A 64×64 input is the working size: it is hashed without the blur.
	img := synthetic(64, 64, 15)
	h, q := FromImage(img)
	d, dq := DihedralFromImage(img)
	if h != d[Original] || q != dq || h.IsZero() {
		t.Fatalf("64x64: FromImage %v q%d, dihedral %v q%d", h, q, d[0], dq)
	}
}

func TestConcurrentUse(t *testing.T) {
	imgs := make([]image.Image, 8)
	want := make([]Hash, len(imgs))
	for i := range imgs {
		imgs[i] = synthetic(200+37*i, 150+11*i, uint64(20+i))
		want[i], _ = NewHasher().FromImage(imgs[i])
	}
	var wg sync.WaitGroup
	errs := make(chan string, 64)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := 0; r < 5; r++ {
				for i, img := range imgs {
					if got, _ := FromImage(img); got != want[i] {
						errs <- "concurrent FromImage differs for image " + string(rune('0'+i))
						return
					}
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

func TestTorbenIsLowerMedian(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for _, n := range []int{1, 2, 3, 5, 16, 255, 256} {
		for trial := 0; trial < 50; trial++ {
			m := make([]float32, n)
			for i := range m {
				m[i] = float32(r.NormFloat64())
				if trial%3 == 0 {
					m[i] = float32(r.IntN(5)) // many ties
				}
			}
			s := slices.Clone(m)
			slices.Sort(s)
			if got, want := torben(m), s[(n+1)/2-1]; got != want {
				t.Fatalf("n=%d: torben = %v, want %v (sorted %v)", n, got, want, s)
			}
		}
	}
}

func TestYCbCrToRGBMatchesStdlib(t *testing.T) {
	for y := 0; y < 256; y++ {
		for cb := 0; cb < 256; cb++ {
			for cr := 0; cr < 256; cr++ {
				r, g, b := ycbcrToRGB(uint8(y), uint8(cb), uint8(cr))
				wr, wg, wb := color.YCbCrToRGB(uint8(y), uint8(cb), uint8(cr))
				if r != wr || g != wg || b != wb {
					t.Fatalf("YCbCr(%d,%d,%d) = %d,%d,%d, stdlib %d,%d,%d", y, cb, cr, r, g, b, wr, wg, wb)
				}
			}
		}
	}
}

// TestWithMirrorFromImage: the mirror hash equals the hash of the mirrored
// picture for non-square images, where the dihedral FlipY hash does not.
func TestWithMirrorFromImage(t *testing.T) {
	for _, size := range [][2]int{{320, 180}, {180, 102}, {97, 240}, {1000, 700}} {
		w, ht := size[0], size[1]
		img := image.NewNRGBA(image.Rect(0, 0, w, ht))
		mir := image.NewNRGBA(img.Bounds())
		seed := uint32(w*7 + ht)
		for y := 0; y < ht; y++ {
			for x := 0; x < w; x++ {
				seed = seed*1664525 + 1013904223
				v := uint8(x*255/w) ^ uint8(y*3) ^ uint8(seed>>28)
				i := img.PixOffset(x, y)
				img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3] = v, uint8(y), uint8(x), 255
				j := mir.PixOffset(w-1-x, y)
				copy(mir.Pix[j:j+4], img.Pix[i:i+4])
			}
		}
		h := NewHasher()
		orig, mirror, q := h.WithMirrorFromImage(img)
		want, wq := FromImage(img)
		wantMirror, _ := FromImage(mir)
		if orig != want || q != wq {
			t.Errorf("%dx%d: original %s q%d, want %s q%d", w, ht, orig, q, want, wq)
		}
		limit := 0
		if w > MaxDim || ht > MaxDim {
			limit = 16 // nearest-neighbour resampling picks mirrored pixels ±1 (this picture is noisy)
		}
		if d := Distance(mirror, wantMirror); d > limit {
			t.Errorf("%dx%d: mirror hash %d bits from the mirrored picture's", w, ht, d)
		}
		grid := *h.Luma64()
		h2 := NewHasher()
		h2.FromImage(img)
		if grid != *h2.Luma64() {
			t.Errorf("%dx%d: Luma64 is not the original's grid", w, ht)
		}
	}
}
