package pdq

import (
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"testing"
)

// A literal transcription of the reference C++ pipeline (downscaling.cpp,
// pdqhashing.cpp): strided box filters with true division, the decimation,
// the quality metric and the naive DCT loops. The optimised code must give
// bit-identical intermediate results.

func refBox1D(in, out []float32, n, stride, window int) {
	half := (window + 2) / 2
	p1, p2, p3, p4 := half-1, window-half+1, n-window, half-1
	li, ri, oi := 0, 0, 0
	var sum float32
	cur := 0
	for i := 0; i < p1; i++ {
		sum += in[ri]
		cur++
		ri += stride
	}
	for i := 0; i < p2; i++ {
		sum += in[ri]
		cur++
		out[oi] = sum / float32(cur)
		ri += stride
		oi += stride
	}
	for i := 0; i < p3; i++ {
		sum += in[ri]
		sum -= in[li]
		out[oi] = sum / float32(cur)
		li += stride
		ri += stride
		oi += stride
	}
	for i := 0; i < p4; i++ {
		sum -= in[li]
		cur--
		out[oi] = sum / float32(cur)
		li += stride
		oi += stride
	}
}

func refBlurDecimate(luma []float32, rows, cols int) (out [64 * 64]float32) {
	buf1 := append([]float32(nil), luma...)
	buf2 := make([]float32, len(luma))
	wr := (cols + 127) / 128
	wc := (rows + 127) / 128
	for pass := 0; pass < 2; pass++ {
		for i := 0; i < rows; i++ {
			refBox1D(buf1[i*cols:], buf2[i*cols:], cols, 1, wr)
		}
		for j := 0; j < cols; j++ {
			refBox1D(buf2[j:], buf1[j:], rows, cols, wc)
		}
	}
	for i := 0; i < 64; i++ {
		ini := int(((float64(i) + 0.5) * float64(rows)) / 64)
		for j := 0; j < 64; j++ {
			inj := int(((float64(j) + 0.5) * float64(cols)) / 64)
			out[i*64+j] = buf1[ini*cols+inj]
		}
	}
	return out
}

func refQuality(b *[64 * 64]float32) int {
	sum := 0
	for i := 0; i < 63; i++ {
		for j := 0; j < 64; j++ {
			d := int(((b[i*64+j] - b[(i+1)*64+j]) * 100) / 255)
			sum += int(math.Abs(float64(d)))
		}
	}
	for i := 0; i < 64; i++ {
		for j := 0; j < 63; j++ {
			d := int(((b[i*64+j] - b[i*64+j+1]) * 100) / 255)
			sum += int(math.Abs(float64(d)))
		}
	}
	return min(sum/90, 100)
}

func refDCT(a *[64 * 64]float32) (out [16 * 16]float32) {
	var d [16 * 64]float32
	scale := float32(math.Sqrt(2.0 / 64.0))
	for i := 0; i < 16; i++ {
		for j := 0; j < 64; j++ {
			d[i*64+j] = float32(float64(scale) * math.Cos((math.Pi/2/64)*float64(i+1)*float64(2*j+1)))
		}
	}
	var t [16 * 64]float32
	for i := 0; i < 16; i++ {
		for j := 0; j < 64; j++ {
			var s float32
			for k := 0; k < 64; k++ {
				s += float32(d[i*64+k] * a[k*64+j])
			}
			t[i*64+j] = s
		}
	}
	for i := 0; i < 16; i++ {
		for j := 0; j < 16; j++ {
			var s float32
			for k := 0; k < 64; k++ {
				s += float32(t[i*64+k] * d[j*64+k])
			}
			out[i*16+j] = s
		}
	}
	return out
}

// randomLuma returns a rows×cols buffer mixing smooth structure with noise,
// in 0..255 like real luminance (values are not integers, as for RGB).
func randomLuma(r *rand.Rand, rows, cols int) []float32 {
	l := make([]float32, rows*cols)
	fx, fy := r.Float64()*0.3, r.Float64()*0.3
	for i := range rows {
		for j := range cols {
			v := 127 + 60*math.Sin(fx*float64(j)+fy*float64(i)) + 40*r.NormFloat64()
			l[i*cols+j] = luma8(uint8(max(0, min(255, v))), uint8(r.IntN(256)), uint8(max(0, min(255, v+20))))
		}
	}
	return l
}

func TestPipelineMatchesLiteralReference(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	sizes := [][2]int{ // rows, cols
		{5, 5}, {5, 6}, {7, 300}, {300, 7}, {63, 65}, {65, 63}, {64, 128}, {127, 129},
		{128, 129}, {180, 320}, {302, 480}, {255, 257}, {384, 385}, {511, 512}, {512, 512},
	}
	h := NewHasher()
	for _, sz := range sizes {
		rows, cols := sz[0], sz[1]
		luma := randomLuma(r, rows, cols)
		want := refBlurDecimate(luma, rows, cols)
		wantQ := refQuality(&want)
		wantDCT := refDCT(&want)

		buf := append([]float32(nil), luma...)
		q, ok := h.coefficients(buf, cols, rows)
		if !ok {
			t.Fatalf("%dx%d: not hashed", cols, rows)
		}
		if h.b64 != want {
			t.Errorf("%dx%d: 64x64 buffer differs from the literal reference", cols, rows)
		}
		if q != wantQ {
			t.Errorf("%dx%d: quality %d, reference %d", cols, rows, q, wantQ)
		}
		if h.b16 != wantDCT {
			t.Errorf("%dx%d: DCT differs from the literal reference", cols, rows)
		}
	}
}

// TestReciprocalDivisionIsExact checks the identity the blur and the
// quality metric rely on: float32(float64(x) * (1/n)) == x / n in float32.
// It holds for every finite float32 x for these n (the periodic binary
// expansion of x/n keeps it far from float32 rounding midpoints compared
// with the float64 error). The default run samples every 101st bit
// pattern; PDQ_EXHAUSTIVE=1 checks all 2³² of them (about a minute per n).
func TestReciprocalDivisionIsExact(t *testing.T) {
	step := uint64(101)
	if os.Getenv("PDQ_EXHAUSTIVE") != "" {
		step = 1
	}
	for _, n := range []int{1, 2, 3, 4, 5, 6, 7, 255} {
		inv, fn := 1/float64(n), float32(n)
		bad := 0
		for u := uint64(0); u < 1<<32; u += step {
			x := math.Float32frombits(uint32(u))
			if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
				continue
			}
			if float32(float64(x)*inv) != x/fn {
				bad++
			}
		}
		if bad != 0 {
			t.Errorf("n=%d: %d values differ", n, bad)
		}
	}
	for n := 1; n <= maxWindow; n++ {
		if recip[n] != 1/float64(n) {
			t.Errorf("recip[%d] = %v", n, recip[n])
		}
	}
}

func TestLuma64IsTheDecimatedImage(t *testing.T) {
	h := NewHasher()
	img := synthetic(300, 200, 30)
	h.FromImage(img)
	want := refBlurDecimate(refLuma(img), 200, 300)
	if *h.Luma64() != want {
		t.Error("Luma64 after FromImage differs from the reference blur and decimation")
	}
	// Too small to hash: no stale data from the previous call.
	h.FromImage(synthetic(3, 3, 31))
	if *h.Luma64() != ([64 * 64]float32{}) {
		t.Error("Luma64 after a too-small image is not zero")
	}
	// A 64×64 input is its own grid.
	small := synthetic(64, 64, 32)
	h.FromImage(small)
	if got, want := h.Luma64()[:], refLuma(small); !slices.Equal(got, want) {
		t.Error("Luma64 of a 64x64 image is not the image's luminance")
	}
}
