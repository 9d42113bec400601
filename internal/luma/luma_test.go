package luma

import (
	"fmt"
	"image"
	"image/color"
	"math"
	"math/rand/v2"
	"testing"
)

// newReference is New as first written: every sample added into its cell
// and counted there one at a time.
func newReference(img image.Image, side int) *Grid {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	if w <= 0 || h <= 0 {
		return &Grid{}
	}
	scale := max(1, float64(max(w, h))/float64(side))
	gw, gh := max(1, int(float64(w)/scale)), max(1, int(float64(h)/scale))
	g := &Grid{W: gw, H: gh, V: make([]float32, gw*gh)}
	cnt := make([]float32, gw*gh)
	stepX := max(1, int(scale/4))
	stepY := max(1, int(scale/4))
	var xs, gxs []int
	for x := 0; x < w; x += stepX {
		xs = append(xs, b.Min.X+x)
		gxs = append(gxs, min(gw-1, int(float64(x)/scale)))
	}
	row := make([]float32, len(xs))
	for y := 0; y < h; y += stepY {
		gy := min(gh-1, int(float64(y)/scale))
		Row(img, b.Min.Y+y, xs, row)
		v, c := g.V[gy*gw:(gy+1)*gw], cnt[gy*gw:(gy+1)*gw]
		for i, gx := range gxs {
			v[gx] += row[i]
			c[gx]++
		}
	}
	for i := range g.V {
		if cnt[i] > 0 {
			g.V[i] /= cnt[i]
		}
	}
	return g
}

// noise is a w×h picture of random colours at (x0, y0), in each of the
// pixel layouts Row reads directly and one it reads through color.
func noise(seed uint64, x0, y0, w, h int) []image.Image {
	rng := rand.New(rand.NewPCG(seed, 1))
	r := image.Rect(x0, y0, x0+w, y0+h)
	rgba, nrgba, gray := image.NewRGBA(r), image.NewNRGBA(r), image.NewGray(r)
	ycc := image.NewYCbCr(r, image.YCbCrSubsampleRatio420)
	for y := y0; y < y0+h; y++ {
		for x := x0; x < x0+w; x++ {
			c := color.RGBA{uint8(rng.IntN(256)), uint8(rng.IntN(256)), uint8(rng.IntN(256)), 255}
			rgba.Set(x, y, c)
			nrgba.Set(x, y, color.NRGBA{c.R, c.G, c.B, uint8(rng.IntN(256))})
			gray.Set(x, y, c)
			ycc.Y[ycc.YOffset(x, y)] = c.R
			ycc.Cb[ycc.COffset(x, y)], ycc.Cr[ycc.COffset(x, y)] = c.G, c.B
		}
	}
	return []image.Image{rgba, nrgba, gray, ycc}
}

// TestNewSameAsReference: the grid is the same bit for bit as the
// reference's, for sizes that divide into cells evenly and not, grids as
// large as the picture and much smaller, sampled every pixel and every
// few, and pictures whose bounds do not start at 0.
func TestNewSameAsReference(t *testing.T) {
	sizes := [][2]int{{1, 1}, {7, 3}, {64, 64}, {100, 37}, {321, 240}, {640, 360}, {1280, 720}, {1999, 1001}}
	sides := []int{1, 5, 16, 64, 256, 512}
	for i, sz := range sizes {
		for _, img := range noise(uint64(i), i%3*5, i%2*7, sz[0], sz[1]) {
			for _, side := range sides {
				got, want := New(img, side), newReference(img, side)
				name := fmt.Sprintf("%T %dx%d side %d", img, sz[0], sz[1], side)
				if got.W != want.W || got.H != want.H {
					t.Fatalf("%s: %dx%d, want %dx%d", name, got.W, got.H, want.W, want.H)
				}
				for j := range want.V {
					if math.Float32bits(got.V[j]) != math.Float32bits(want.V[j]) {
						t.Fatalf("%s: cell %d is %v, want %v", name, j, got.V[j], want.V[j])
					}
				}
			}
		}
	}
	if g := New(image.NewGray(image.Rect(0, 0, 0, 5)), 8); g.W != 0 || len(g.V) != 0 {
		t.Fatalf("an empty picture gave a %dx%d grid", g.W, g.H)
	}
}

// BenchmarkNew: the grid of a decoded 1280×720 upload (as the reduced
// JPEG decode gives it, 640×360) and of a 12 MP photo, against the
// reference, in the same run.
func BenchmarkNew(b *testing.B) {
	for _, sz := range [][2]int{{640, 360}, {4000, 3000}} {
		img := noise(1, 0, 0, sz[0], sz[1])[3]
		for _, f := range []struct {
			name string
			fn   func(image.Image, int) *Grid
		}{{"reference", newReference}, {"new", New}} {
			b.Run(fmt.Sprintf("%dx%d/%s", sz[0], sz[1], f.name), func(b *testing.B) {
				for b.Loop() {
					f.fn(img, 512)
				}
			})
		}
	}
}
